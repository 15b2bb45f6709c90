/* envelope: message type names, headers, and the reader that scans, unpacks and checks an envelope once.
 * The reader keeps one msgpack zone for its whole life (cleared per message), so a steady stream of
 * messages costs no allocation beyond the zone's first chunk. */
#include "envelope.h"
#include "wire.h"

#include "base/clock.h"
#include "base/mem.h"

#include <assert.h>
#include <string.h>

struct _proto_msg_t {
    msgpack_zone zone;            /* owns the parsed tree of the last message */
    msgpack_object root;          /* the envelope map */
    const msgpack_object *body;   /* the body map inside root; NULL when the last parse failed */
    proto_header_t hdr;           /* header of the last successful parse */
};

static const char *const s_type_names[PROTO_T_COUNT_] = {
    [PROTO_T_UNKNOWN] = "",
    [PROTO_T_PLACE_ORDER] = "place_order",
    [PROTO_T_CANCEL_ORDER] = "cancel_order",
    [PROTO_T_CANCEL_ALL] = "cancel_all",
    [PROTO_T_GET_ORDER] = "get_order",
    [PROTO_T_GET_OPEN_ORDERS] = "get_open_orders",
    [PROTO_T_GET_POSITIONS] = "get_positions",
    [PROTO_T_GET_BALANCES] = "get_balances",
    [PROTO_T_GET_TICKER] = "get_ticker",
    [PROTO_T_GET_KLINES] = "get_klines",
    [PROTO_T_SET_LEVERAGE] = "set_leverage",
    [PROTO_T_CLOSE_POSITION] = "close_position",
    [PROTO_T_GET_FILLS] = "get_fills",
    [PROTO_T_HEALTH] = "health",
    [PROTO_T_ROUTE] = "route",
    [PROTO_T_RELOAD] = "reload",
    [PROTO_T_VENUES] = "venues",
    [PROTO_T_RESULT] = "result",
    [PROTO_T_ERROR] = "error",
    [PROTO_T_WORKER_REGISTER] = "worker.register",
    [PROTO_T_WORKER_HEARTBEAT] = "worker.heartbeat",
    [PROTO_T_ROUTER_HELLO] = "router.hello",
    [PROTO_T_ROUTER_HEARTBEAT] = "router.heartbeat",
    [PROTO_T_EVENT_ORDER] = "event.order",
    [PROTO_T_EVENT_FILL] = "event.fill",
    [PROTO_T_EVENTS_HELLO] = "events.hello",
    [PROTO_T_EVENTS_ACK] = "events.ack",
    [PROTO_T_EVENTS_REPLAY] = "events.replay",
};

const char *proto_type_name(proto_type_t t)
{
    if ((int) t <= 0 || t >= PROTO_T_COUNT_)
        return "";
    return s_type_names[t];
}

proto_type_t proto_type_parse(const char *s, size_t len)
{
    for (int i = 1; i < PROTO_T_COUNT_; i++) {
        if (strlen(s_type_names[i]) == len && memcmp(s_type_names[i], s, len) == 0)
            return (proto_type_t) i;
    }
    return PROTO_T_UNKNOWN;
}

bool proto_type_is_request(proto_type_t t)
{
    return t >= PROTO_T_PLACE_ORDER && t <= PROTO_T_VENUES;
}

void proto_header_init(proto_header_t *h, const char *id)
{
    assert(h && id);
    memset(h, 0, sizeof *h);
    size_t n = strlen(id);
    assert(n < sizeof h->id);
    memcpy(h->id, id, n + 1);
    h->v = PROTO_VERSION;
    h->ts = clock_wall_ms();
}

void proto_header_reply(proto_header_t *h, const proto_header_t *req)
{
    assert(h && req);
    memset(h, 0, sizeof *h);
    memcpy(h->id, req->id, sizeof h->id);
    memcpy(h->client, req->client, sizeof h->client);
    h->id[sizeof h->id - 1] = '\0';
    h->client[sizeof h->client - 1] = '\0';
    h->v = PROTO_VERSION;
    h->ts = clock_wall_ms();
}

proto_msg_t *proto_msg_new(void)
{
    proto_msg_t *self = mem_calloc(1, sizeof *self);
    if (!msgpack_zone_init(&self->zone, 4096))
        assert(!"msgpack_zone_init: out of memory");
    return self;
}

void proto_msg_destroy(proto_msg_t **self_p)
{
    assert(self_p);
    proto_msg_t *self = *self_p;
    if (!self)
        return;
    msgpack_zone_destroy(&self->zone);
    mem_free(self);
    *self_p = NULL;
}

static const wire_field_t s_header_fields[] = {
    WF_U32("v", proto_header_t, v, W_REQ),
    WF_STR("type", proto_header_t, type_name, W_REQ, NULL),
    WF_STR("id", proto_header_t, id, W_REQ, proto_check_printable),
    WF_STR("client", proto_header_t, client, 0, proto_check_printable),
    WF_I64("ts", proto_header_t, ts, W_REQ),
    WF_I64("deadline", proto_header_t, deadline, 0),
};
static const wire_desc_t s_header = WIRE_DESC(proto_header_t, s_header_fields);

/* Copies a readable id of a refused envelope, so that the error reply can echo it. */
static void s_salvage_id(const msgpack_object *root, proto_header_t *hdr)
{
    const msgpack_object *id = wire_get(root, "id");
    char tmp[PROTO_ID_SZ];
    if (id && wire_get_str(id, tmp, sizeof tmp, NULL, "id", NULL) == 0 && proto_check_printable(tmp, "id", NULL) == 0)
        memcpy(hdr->id, tmp, sizeof tmp);
}

static int s_check_header(const msgpack_object *root, proto_header_t *hdr, const msgpack_object **body,
                          err_t *err)
{
    static const char *const keys[] = {"body", NULL};
    if (wire_check_map(root, keys, NULL, err) != 0)
        return -1;
    if (wire_decode(root, &s_header, hdr, NULL, err) != 0)
        return -1;
    if (hdr->v != PROTO_VERSION)
        return wire_fail(err, NULL, "v", "unsupported version %u (this is %d)", hdr->v, PROTO_VERSION);
    hdr->type = proto_type_parse(hdr->type_name, strlen(hdr->type_name));
    *body = wire_get(root, "body");
    if (!*body)
        return wire_fail(err, NULL, "body", "required");
    if ((*body)->type != MSGPACK_OBJECT_MAP)
        return wire_fail(err, NULL, "body", "must be a map");
    return 0;
}

int proto_msg_parse(proto_msg_t *self, const void *data, size_t len, proto_header_t *hdr, err_t *err)
{
    assert(self && hdr && (data || len == 0));
    memset(hdr, 0, sizeof *hdr);
    self->body = NULL;
    msgpack_zone_clear(&self->zone);
    if (wire_scan(data, len, err) != 0)
        return -1;
    size_t off = 0;
    msgpack_unpack_return rc = msgpack_unpack(data, len, &off, &self->zone, &self->root);
    if (rc != MSGPACK_UNPACK_SUCCESS || off != len)
        return err_set(err, XR_INVALID_REQUEST, "envelope: not valid msgpack (%d)", (int) rc);
    const msgpack_object *body = NULL;
    if (s_check_header(&self->root, hdr, &body, err) != 0) {
        memset(hdr, 0, sizeof *hdr);
        s_salvage_id(&self->root, hdr);
        return -1;
    }
    self->body = body;
    self->hdr = *hdr;
    return 0;
}

const proto_header_t *proto_msg_header(const proto_msg_t *self)
{
    assert(self && self->body);
    return &self->hdr;
}

const msgpack_object *wire_msg_body(const proto_msg_t *msg)
{
    assert(msg && msg->body);
    return msg->body;
}
