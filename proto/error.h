/* error: the body of an `error` reply (README "Replies"), also embedded in fan-out replies for a venue that
 * failed. The code travels by name (xr_code_name); the venue's own code and message ride beside it. */
#ifndef XR_PROTO_ERROR_H
#define XR_PROTO_ERROR_H

#include "common.h"
#include "envelope.h"

#include "base/buf.h"
#include "base/err.h"

#include <stdint.h>

typedef struct {
    xr_code_t code;                              /* required, never XR_OK */
    char message[PROTO_MESSAGE_SZ];              /* required (may be ""), <= 1024 bytes, never a secret */
    char venue_code[PROTO_TEXT_SZ];              /* venue's own code as text ("-2019", "110007"); "" = none */
    char venue_message[PROTO_MESSAGE_SZ];        /* venue's own message; "" = none */
    int64_t retry_after_ms;                      /* RATE_LIMITED: wait this long; 0 = none */
    char client_order_id[PROTO_CLOID_SZ];        /* the order concerned; "" = none */
    char venue[PROTO_VENUE_SZ];                  /* the venue that failed; "" = none / not venue-specific */
} proto_error_t;

/* Fills e from an err_t (code and message); other fields empty. */
void proto_error_from_err(proto_error_t *e, const err_t *err);

/* Decodes the body of an `error` envelope. 0, or -1 (XR_INVALID_REQUEST naming the field, *out zeroed). */
int proto_error_decode(const proto_msg_t *msg, proto_error_t *out, err_t *err);

/* Appends an `error` envelope (h's id/client/ts/deadline) to out. 0, or -1 (out restored) when full. */
int proto_error_encode(const proto_header_t *h, const proto_error_t *e, buf_t *out, err_t *err);

/* Convenience: an `error` reply to req with code and printf-style message. Same return as encode. */
int proto_error_reply(const proto_header_t *req, xr_code_t code, buf_t *out, err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
