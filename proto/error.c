/* error: the `error` reply body. */
#include "error.h"
#include "wire.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define T proto_error_t
static const wire_field_t s_error_fields[] = {
    WF_CODE("code", T, code, W_REQ),
    WF_STR("message", T, message, W_REQ | W_EMPTY_OK, NULL),
    WF_STR("venue_code", T, venue_code, 0, NULL),
    WF_STR("venue_message", T, venue_message, 0, NULL),
    WF_I64R("retry_after_ms", T, retry_after_ms, 0, 0, INT64_MAX),
    WF_STR("client_order_id", T, client_order_id, 0, proto_check_client_order_id),
    WF_STR("venue", T, venue, 0, proto_check_venue),
};
#undef T
const wire_desc_t wire_error_desc = WIRE_DESC(proto_error_t, s_error_fields);

static const wire_path_t s_body = {NULL, "body", 0};

void proto_error_from_err(proto_error_t *e, const err_t *err)
{
    assert(e && err);
    memset(e, 0, sizeof *e);
    e->code = err->code == XR_OK ? XR_INTERNAL : err->code;
    snprintf(e->message, sizeof e->message, "%s", err->msg);
}

int proto_error_decode(const proto_msg_t *msg, proto_error_t *out, err_t *err)
{
    assert(out);
    const proto_header_t *h = proto_msg_header(msg);
    memset(out, 0, sizeof *out);
    if (h->type != PROTO_T_ERROR)
        return err_set(err, XR_INVALID_REQUEST, "type: not an error");
    return wire_decode(wire_msg_body(msg), &wire_error_desc, out, &s_body, err);
}

int proto_error_encode(const proto_header_t *h, const proto_error_t *e, buf_t *out, err_t *err)
{
    assert(h && e && out);
    assert(e->code > XR_OK && e->code < XR_CODE_COUNT_);
    wire_writer_t w;
    wire_writer_init(&w, out);
    wire_put_envelope(&w, h, "error");
    wire_put_struct(&w, &wire_error_desc, e);
    return wire_writer_end(&w, err);
}

int proto_error_reply(const proto_header_t *req, xr_code_t code, buf_t *out, err_t *err, const char *fmt, ...)
{
    proto_header_t h;
    proto_header_reply(&h, req);
    if (!h.id[0])
        memcpy(h.id, "-", 2); /* README section 8: the id of an unreadable request */
    proto_error_t e;
    memset(&e, 0, sizeof e);
    e.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    return proto_error_encode(&h, &e, out, err);
}
