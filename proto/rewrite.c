/* rewrite: swap an envelope's correlation id (and client) without touching its body. The envelope's top-level
 * map is walked in place (wire_skip, bounded) and every entry other than id and client is copied as its bytes:
 * the body is one memcpy, never unpacked into a tree and packed again token by token. */
#include "rewrite.h"

#include "wire.h"

#include <stdbool.h>
#include <string.h>

#define REWRITE_ID_MAX 64

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
    if (wire_map_head(&p, end, &n) != 0)
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
        has_client = has_client || wire_is_str(k, v, "client");
    }
    wire_writer_t w;
    wire_writer_init(&w, out);
    wire_put_map(&w, n + (new_client && !has_client ? 1 : 0));
    p = entries;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *k = p;
        wire_skip(&p, end, NULL);
        const unsigned char *v = p;
        wire_skip(&p, end, NULL);
        const char *replace = wire_is_str(k, v, "id")                   ? new_id
                              : new_client && wire_is_str(k, v, "client") ? new_client
                                                                          : NULL;
        wire_put_raw(&w, k, (size_t) ((replace ? v : p) - k));
        if (replace)
            wire_put_cstr(&w, replace);
    }
    if (new_client && !has_client) {
        wire_put_key(&w, "client");
        wire_put_cstr(&w, new_client);
    }
    if (wire_writer_end(&w, NULL) != 0)
        return err_set(err, XR_INVALID_REQUEST, "envelope: output buffer full");
    return 0;
}
