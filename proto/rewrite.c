/* rewrite: swap an envelope's correlation id (and client) without touching its body. The envelope's top-level
 * map is walked in place (wire_skip, bounded) and every entry other than id and client is copied as its bytes:
 * the body is one memcpy, never unpacked into a tree and packed again token by token. */
#include "rewrite.h"

#include "wire.h"

#include <msgpack.h>
#include <stdbool.h>
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

static uint32_t s_be(const unsigned char *p, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Reads a map header at *pp: its entry count in *n, *pp moved past it. -1 if no map starts there. */
static int s_map_head(const unsigned char **pp, const unsigned char *end, uint32_t *n)
{
    const unsigned char *p = *pp;
    if (p >= end)
        return -1;
    unsigned b = *p++;
    int lenbytes = b == 0xde ? 2 : b == 0xdf ? 4 : 0;
    if ((b & 0xf0) == 0x80) {
        *n = b & 0x0f;
    } else if (lenbytes && end - p >= lenbytes) {
        *n = s_be(p, lenbytes);
        p += lenbytes;
    } else {
        return -1;
    }
    *pp = p;
    return 0;
}

/* Whether the object in [k, kend) is the msgpack str `name`. */
static bool s_key_is(const unsigned char *k, const unsigned char *kend, const char *name)
{
    size_t n = strlen(name);
    unsigned b = *k;
    int lenbytes = b == 0xd9 ? 1 : b == 0xda ? 2 : b == 0xdb ? 4 : 0;
    size_t len, head;
    if ((b & 0xe0) == 0xa0) {
        len = b & 0x1f;
        head = 1;
    } else if (lenbytes && kend - k > lenbytes) {
        len = s_be(k + 1, lenbytes);
        head = 1 + (size_t) lenbytes;
    } else {
        return false;
    }
    return len == n && (size_t) (kend - k) == head + n && memcmp(k + head, name, n) == 0;
}

int proto_envelope_rewrite(const void *data, size_t len, const char *new_id, const char *new_client, buf_t *out,
                           err_t *err)
{
    size_t idn = new_id ? strlen(new_id) : 0;
    if (idn == 0 || idn > REWRITE_ID_MAX)
        return err_set(err, XR_INVALID_REQUEST, "id: must be 1..%d bytes", REWRITE_ID_MAX);
    if (new_client && strlen(new_client) > REWRITE_ID_MAX)
        return err_set(err, XR_INVALID_REQUEST, "client: longer than %d bytes", REWRITE_ID_MAX);
    const unsigned char *p = data, *end = p + len;
    uint32_t n;
    if (s_map_head(&p, end, &n) != 0)
        return err_set(err, XR_INVALID_REQUEST, "envelope: not a msgpack map");
    /* First pass: every entry is well formed (so the second cannot fail), and is there a client? */
    const unsigned char *entries = p;
    bool has_client = false;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *k = p;
        if (wire_skip(&p, end, err) != 0)
            return -1;
        const unsigned char *v = p;
        if (wire_skip(&p, end, err) != 0)
            return -1;
        has_client = has_client || s_key_is(k, v, "client");
    }
    size_t mark = out->len;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, s_write);
    if (msgpack_pack_map(&pk, n + (new_client && !has_client ? 1 : 0)))
        goto full;
    p = entries;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *k = p;
        wire_skip(&p, end, NULL);
        const unsigned char *v = p;
        wire_skip(&p, end, NULL);
        const char *replace = s_key_is(k, v, "id")                   ? new_id
                              : new_client && s_key_is(k, v, "client") ? new_client
                                                                       : NULL;
        if (replace ? buf_append(out, k, (size_t) (v - k)) != 0 || s_pack_str(&pk, replace) != 0
                    : buf_append(out, k, (size_t) (p - k)) != 0)
            goto full;
    }
    if (new_client && !has_client && (s_pack_str(&pk, "client") || s_pack_str(&pk, new_client)))
        goto full;
    return 0;
full:
    out->len = mark;
    if (out->data)
        out->data[mark] = '\0';
    return err_set(err, XR_INVALID_REQUEST, "envelope: output buffer full");
}
