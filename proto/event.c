/* event: event.order and event.fill bodies and their PUB topic. */
#include "event.h"
#include "wire.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define T proto_event_t
static const wire_field_t s_event_fields[] = {
    WF_STR("source", T, source, W_REQ, proto_check_instance),
    WF_U64R("seq", T, seq, W_REQ, 1, INT64_MAX),
};
#undef T
/* Only source and seq: the nested order/fill are handled here, so the size covers the struct prefix. */
static const wire_desc_t s_event = {s_event_fields, 2, offsetof(proto_event_t, order)};

static const wire_path_t s_body = {NULL, "body", 0};

static bool s_is_event(proto_type_t t)
{
    return t == PROTO_T_EVENT_ORDER || t == PROTO_T_EVENT_FILL;
}

void proto_event_init(proto_event_t *ev, proto_type_t type)
{
    assert(ev && s_is_event(type));
    memset(ev, 0, sizeof *ev);
    ev->type = type;
}

int proto_event_decode(const proto_msg_t *msg, proto_event_t *out, err_t *err)
{
    assert(out);
    const proto_header_t *h = proto_msg_header(msg);
    memset(out, 0, sizeof *out);
    if (!s_is_event(h->type))
        return err_set(err, XR_INVALID_REQUEST, "type: not an event");
    const msgpack_object *body = wire_msg_body(msg);
    static const char *const keys[] = {"order", "fill", NULL};
    if (wire_check_map(body, keys, &s_body, err) != 0)
        return -1;
    if (wire_decode(body, &s_event, out, &s_body, err) != 0)
        return -1;
    bool is_order = h->type == PROTO_T_EVENT_ORDER;
    const char *key = is_order ? "order" : "fill";
    const msgpack_object *v = wire_get(body, key);
    if (!v) {
        memset(out, 0, sizeof *out);
        return wire_fail(err, &s_body, key, "required");
    }
    wire_path_t here = {&s_body, key, 0};
    int rc = is_order ? wire_decode(v, &wire_order_desc, &out->order, &here, err)
                      : wire_decode(v, &wire_fill_desc, &out->fill, &here, err);
    if (rc != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->type = h->type;
    return 0;
}

int proto_event_encode(const proto_header_t *h, const proto_event_t *ev, buf_t *out, err_t *err)
{
    assert(h && ev && out && s_is_event(ev->type));
    wire_writer_t w;
    wire_writer_init(&w, out);
    wire_put_envelope(&w, h, proto_type_name(ev->type));
    wire_put_map(&w, 3);
    wire_put_fields(&w, &s_event, ev);
    if (ev->type == PROTO_T_EVENT_ORDER) {
        wire_put_key(&w, "order");
        wire_put_struct(&w, &wire_order_desc, &ev->order);
    } else {
        wire_put_key(&w, "fill");
        wire_put_struct(&w, &wire_fill_desc, &ev->fill);
    }
    return wire_writer_end(&w, err);
}

size_t proto_event_topic(const proto_event_t *ev, char *out, size_t cap)
{
    assert(ev && out);
    const char *account = ev->type == PROTO_T_EVENT_ORDER ? ev->order.account : ev->fill.account;
    const char *venue = ev->type == PROTO_T_EVENT_ORDER ? ev->order.venue : ev->fill.venue;
    int n = snprintf(out, cap, "%s.%s.", account, venue);
    if (n < 0 || (size_t) n >= cap) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    return (size_t) n;
}

void proto_event_free(proto_event_t *ev)
{
    if (!ev)
        return;
    proto_order_free(&ev->order);
    proto_fill_free(&ev->fill);
    memset(ev, 0, sizeof *ev);
}
