/* rewrite: re-emits an envelope with its `id` (and optionally `client`) replaced, copying every other key and
 * the body unchanged and without decoding the body. Hops that multiplex peers (README section 12: gateway
 * towards the router, router towards workers) use it to swap correlation ids on the way in and restore them
 * on the way out, at a fraction of the cost of a decode and re-encode. */
#ifndef XR_PROTO_REWRITE_H
#define XR_PROTO_REWRITE_H

#include "base/buf.h"
#include "base/err.h"

#include <stddef.h>

/* Appends to out the envelope in data[0..len) with `id` set to new_id and, when new_client is non-NULL,
 * `client` set to new_client (added if absent). data must be one msgpack map (an envelope that
 * proto_msg_parse accepted). Returns 0, or -1 with XR_INVALID_REQUEST when data is not a map, new_id is not
 * 1..64 bytes, new_client is over 64 bytes, or out is full (out restored). */
int proto_envelope_rewrite(const void *data, size_t len, const char *new_id, const char *new_client, buf_t *out,
                           err_t *err);

#endif
