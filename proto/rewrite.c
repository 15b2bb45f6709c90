/* rewrite: swap an envelope's correlation id (and client) without touching its body. */
#include "rewrite.h"

#include <msgpack.h>
#include <string.h>

#define REWRITE_ID_MAX 64

static int s_write(void *data, const char *buf, size_t len)
{
    return buf_append((buf_t *) data, buf, len) == 0 ? 0 : -1;
}

static int s_pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n) ? -1 : 0;
}

static int s_key_is(const msgpack_object *k, const char *name)
{
    size_t n = strlen(name);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && memcmp(k->via.str.ptr, name, n) == 0;
}

int proto_envelope_rewrite(const void *data, size_t len, const char *new_id, const char *new_client, buf_t *out,
                           err_t *err)
{
    size_t idn = new_id ? strlen(new_id) : 0;
    if (idn == 0 || idn > REWRITE_ID_MAX)
        return err_set(err, XR_INVALID_REQUEST, "id: must be 1..%d bytes", REWRITE_ID_MAX);
    if (new_client && strlen(new_client) > REWRITE_ID_MAX)
        return err_set(err, XR_INVALID_REQUEST, "client: longer than %d bytes", REWRITE_ID_MAX);
    msgpack_zone zone;
    msgpack_zone_init(&zone, 2048);
    msgpack_object root;
    size_t off = 0;
    int rc = -1;
    size_t mark = out->len;
    if (msgpack_unpack((const char *) data, len, &off, &zone, &root) != MSGPACK_UNPACK_SUCCESS ||
        root.type != MSGPACK_OBJECT_MAP) {
        err_set(err, XR_INVALID_REQUEST, "envelope: not a msgpack map");
        goto done;
    }
    bool has_client = false;
    for (uint32_t i = 0; i < root.via.map.size; i++)
        has_client = has_client || s_key_is(&root.via.map.ptr[i].key, "client");
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, s_write);
    uint32_t entries = root.via.map.size + (new_client && !has_client ? 1 : 0);
    if (msgpack_pack_map(&pk, entries))
        goto full;
    for (uint32_t i = 0; i < root.via.map.size; i++) {
        const msgpack_object_kv *kv = &root.via.map.ptr[i];
        if (msgpack_pack_object(&pk, kv->key))
            goto full;
        int bad;
        if (s_key_is(&kv->key, "id"))
            bad = s_pack_str(&pk, new_id);
        else if (new_client && s_key_is(&kv->key, "client"))
            bad = s_pack_str(&pk, new_client);
        else
            bad = msgpack_pack_object(&pk, kv->val);
        if (bad)
            goto full;
    }
    if (new_client && !has_client && (s_pack_str(&pk, "client") || s_pack_str(&pk, new_client)))
        goto full;
    rc = 0;
    goto done;
full:
    err_set(err, XR_INVALID_REQUEST, "envelope: output buffer full");
done:
    if (rc != 0) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    msgpack_zone_destroy(&zone);
    return rc;
}
