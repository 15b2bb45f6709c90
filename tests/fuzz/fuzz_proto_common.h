/* Shared by the proto fuzz targets: decode the body of a parsed envelope by its type and check the codec's
 * invariants (zeroed struct on refusal; encode(decode(x)) is a fixed point). Header-only so that each
 * target stays one source file. */
#ifndef XR_FUZZ_PROTO_COMMON_H
#define XR_FUZZ_PROTO_COMMON_H

#include "proto/proto.h"

#include <stdlib.h>
#include <string.h>

static int s_all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i])
            return 0;
    }
    return 1;
}

/* Encodes with enc, parses and decodes again with dec, encodes again: both encodings must be equal. */
#define FUZZ_FIXED_POINT(type_t, value, enc, dec, freefn)                         \
    do {                                                                          \
        buf_t a_, b_;                                                             \
        buf_init(&a_, PROTO_ENVELOPE_MAX);                                        \
        buf_init(&b_, PROTO_ENVELOPE_MAX);                                        \
        if (enc(h, &(value), &a_, NULL) == 0) {                                   \
            proto_msg_t *m2_ = proto_msg_new();                                   \
            proto_header_t h2_;                                                   \
            type_t again_;                                                        \
            if (proto_msg_parse(m2_, a_.data, a_.len, &h2_, NULL) != 0)           \
                abort();                                                          \
            if (dec(m2_, &again_, NULL) != 0)                                     \
                abort();                                                          \
            if (enc(&h2_, &again_, &b_, NULL) != 0)                               \
                abort();                                                          \
            if (a_.len != b_.len || memcmp(a_.data, b_.data, a_.len) != 0)        \
                abort();                                                          \
            freefn(&again_);                                                      \
            proto_msg_destroy(&m2_);                                              \
        }                                                                         \
        buf_release(&a_);                                                         \
        buf_release(&b_);                                                         \
    } while (0)

static void s_noop_free(void *p)
{
    (void) p;
}

static void fuzz_proto_check_body(const proto_msg_t *msg, const proto_header_t *h)
{
    if (proto_type_is_request(h->type)) {
        proto_request_t r;
        if (proto_request_decode(msg, &r, NULL) != 0) {
            if (!s_all_zero(&r, sizeof r))
                abort();
            return;
        }
        FUZZ_FIXED_POINT(proto_request_t, r, proto_request_encode, proto_request_decode, proto_request_free);
        proto_request_free(&r);
    } else if (h->type == PROTO_T_RESULT) {
        proto_result_t r;
        if (proto_result_decode(msg, &r, NULL) != 0) {
            if (!s_all_zero(&r, sizeof r))
                abort();
            return;
        }
        FUZZ_FIXED_POINT(proto_result_t, r, proto_result_encode, proto_result_decode, proto_result_free);
        proto_result_free(&r);
    } else if (h->type == PROTO_T_ERROR) {
        proto_error_t e;
        if (proto_error_decode(msg, &e, NULL) != 0) {
            if (!s_all_zero(&e, sizeof e))
                abort();
            return;
        }
        FUZZ_FIXED_POINT(proto_error_t, e, proto_error_encode, proto_error_decode, s_noop_free);
    } else if (h->type == PROTO_T_EVENT_ORDER || h->type == PROTO_T_EVENT_FILL) {
        proto_event_t ev;
        if (proto_event_decode(msg, &ev, NULL) != 0) {
            if (!s_all_zero(&ev, sizeof ev))
                abort();
            return;
        }
        FUZZ_FIXED_POINT(proto_event_t, ev, proto_event_encode, proto_event_decode, proto_event_free);
        proto_event_free(&ev);
    } else if (h->type != PROTO_T_UNKNOWN) {
        proto_control_t c;
        if (proto_control_decode(msg, &c, NULL) != 0) {
            if (!s_all_zero(&c, sizeof c))
                abort();
            return;
        }
        FUZZ_FIXED_POINT(proto_control_t, c, proto_control_encode, proto_control_decode, s_noop_free);
    }
}

#endif
