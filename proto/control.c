/* control: worker/router and worker/recorder control messages, one field table per type. */
#include "control.h"
#include "wire.h"

#include <assert.h>
#include <string.h>

#define T proto_control_t
static const wire_field_t s_register[] = {
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("instance", T, instance, W_REQ, proto_check_instance),
    WF_STR("account", T, account, W_REQ, proto_check_account),
    WF_U32R("capacity", T, capacity, W_REQ, 1, UINT32_MAX),
    WF_U32("pid", T, pid, W_REQ),
};
static const wire_field_t s_worker_heartbeat[] = {
    WF_STR("instance", T, instance, W_REQ, proto_check_instance),
    WF_U32("inflight", T, inflight, W_REQ),
    WF_U64("journal_backlog", T, journal_backlog, W_REQ),
};
static const wire_field_t s_router[] = {
    WF_I64("epoch", T, epoch, W_REQ),
    WF_U32("replicas", T, replicas, 0),
};
static const wire_field_t s_hello[] = {
    WF_STR("source", T, source, W_REQ, proto_check_instance),
    WF_U64("first_seq", T, first_seq, W_REQ),
    WF_U64("last_seq", T, last_seq, W_REQ),
};
static const wire_field_t s_ack[] = {
    WF_STR("source", T, source, W_REQ, proto_check_instance),
    WF_U64("seq", T, seq, W_REQ),
};
static const wire_field_t s_replay[] = {
    WF_STR("source", T, source, W_REQ, proto_check_instance),
    WF_U64R("from_seq", T, from_seq, W_REQ, 1, INT64_MAX),
};
#undef T

#define D(table) WIRE_DESC(proto_control_t, table)
static const wire_desc_t s_descs[PROTO_T_COUNT_] = {
    [PROTO_T_WORKER_REGISTER] = D(s_register),
    [PROTO_T_WORKER_HEARTBEAT] = D(s_worker_heartbeat),
    [PROTO_T_ROUTER_HELLO] = D(s_router),
    [PROTO_T_ROUTER_HEARTBEAT] = D(s_router),
    [PROTO_T_EVENTS_HELLO] = D(s_hello),
    [PROTO_T_EVENTS_ACK] = D(s_ack),
    [PROTO_T_EVENTS_REPLAY] = D(s_replay),
};
#undef D

static const wire_path_t s_body = {NULL, "body", 0};

static bool s_is_control(proto_type_t t)
{
    return (t >= PROTO_T_WORKER_REGISTER && t <= PROTO_T_ROUTER_HEARTBEAT) ||
           (t >= PROTO_T_EVENTS_HELLO && t <= PROTO_T_EVENTS_REPLAY);
}

void proto_control_init(proto_control_t *c, proto_type_t type)
{
    assert(c && s_is_control(type));
    memset(c, 0, sizeof *c);
    c->type = type;
}

int proto_control_decode(const proto_msg_t *msg, proto_control_t *out, err_t *err)
{
    assert(out);
    const proto_header_t *h = proto_msg_header(msg);
    memset(out, 0, sizeof *out);
    if (!s_is_control(h->type))
        return err_set(err, XR_INVALID_REQUEST, "type: not a control message");
    if (wire_decode(wire_msg_body(msg), &s_descs[h->type], out, &s_body, err) != 0)
        return -1;
    out->type = h->type;
    if (out->type == PROTO_T_EVENTS_HELLO && out->first_seq && out->first_seq > out->last_seq) {
        memset(out, 0, sizeof *out);
        return err_set(err, XR_INVALID_REQUEST, "body.first_seq: after last_seq");
    }
    return 0;
}

int proto_control_encode(const proto_header_t *h, const proto_control_t *c, buf_t *out, err_t *err)
{
    assert(h && c && out && s_is_control(c->type));
    wire_writer_t w;
    wire_writer_init(&w, out);
    wire_put_envelope(&w, h, proto_type_name(c->type));
    wire_put_struct(&w, &s_descs[c->type], c);
    return wire_writer_end(&w, err);
}
