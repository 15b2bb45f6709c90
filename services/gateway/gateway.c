/* gateway: validation, risk, idempotency, correlation and the event stream. See gateway.h.
 *
 * A request's way through: parse the envelope and decode its body (refuse anything malformed); for
 * place_order give it a client order id if it has none, answer a resubmitted id from the idempotency store,
 * check the risk limits and admit the id; then forward it to the router under the gateway's own id ("g<n>")
 * with `client` set to the client's label. Forwards of one batch of client messages wait for one group commit
 * of the idempotency journal, so no id is forwarded before it is durable. Replies get the client's id back;
 * a request whose deadline passes is answered TIMEOUT here and its late reply only updates the store. */
#include "gateway.h"

#include "authz.h"
#include "idem_store.h"
#include "risk.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "bus/bus_loop.h"
#include "bus/bus_msg.h"
#include "bus/bus_pump.h"
#include "bus/bus_sock.h"
#include "crypto/crypto.h"
#include "proto/envelope.h"
#include "proto/error.h"
#include "proto/event.h"
#include "proto/request.h"
#include "proto/result.h"
#include "proto/rewrite.h"

#include <czmq.h>
#include <assert.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define GW_BATCH 256             /* client messages handled before the group commit and the sends */
#define GW_PUMP_PASSES 16        /* passes over the sockets before the loop polls again */
#define GW_OPEN_MAX 200000       /* open orders tracked for the open-order limit */
#define GW_LABEL_SZ 65           /* client label: hex of the routing id, truncated */

/* The sockets, as bits of the pump (see "the sockets in the loop"). */
enum { GW_S_CLIENTS = 1, GW_S_ROUTER = 2, GW_S_SUB = 4, GW_S_PUB = 8, GW_S_ALL = 15 };

typedef struct {
    char gid[24];                           /* the gateway's id towards the router */
    bus_msg_t *reply_route;                 /* client routing frames */
    char orig_id[PROTO_ID_SZ];              /* the client's id */
    char client[GW_LABEL_SZ];               /* client label */
    char account[PROTO_ACCOUNT_SZ];         /* account of the request */
    char client_order_id[PROTO_CLOID_SZ];   /* place_order / cancel / get_order id, "" if none */
    proto_type_t op;                        /* request type */
    int64_t deadline_ms;                    /* monotonic */
    bool answered;                          /* TIMEOUT already sent; the late reply only updates state */
} pending_t;

typedef struct {
    bus_msg_t *msg;   /* envelope for the router */
    char gid[24];     /* its pending entry */
} outgoing_t;

struct _gateway_t {
    gateway_config_t cfg;       /* configuration (strings point into the copies below) */
    char risk_path[1024];       /* risk limits file */
    char clients_path[1024];    /* clients.conf */
    authz_t *authz;             /* what each client key may do; NULL when clients are not authenticated */
    zsock_t *clients;           /* ROUTER for clients */
    zsock_t *pub;               /* XPUB to clients; subscriptions applied by hand (s_drain_subscriptions) */
    zsock_t *sub;               /* SUB from workers */
    zsock_t *router;            /* DEALER to the router */
    bus_loop_t *loop;           /* the one loop */
    int sighup_fd;              /* SIGHUP -> reload risk limits and clients file */
    risk_t *risk;               /* current limits */
    risk_state_t *risk_state;   /* counters the limits are checked against */
    idem_store_t *idem;         /* client order ids seen */
    zhashx_t *pending;          /* gid -> pending_t */
    zhashx_t *open_orders;      /* "account|venue|order_id" -> marker, for the open-order limit */
    zlistx_t *outbox;           /* outgoing_t waiting for the group commit */
    proto_msg_t *reader;        /* envelope reader */
    buf_t out;                  /* envelope being built */
    buf_t state;                /* order state being encoded for the idempotency store */
    uint64_t next_gid;          /* counter behind gid */
    int deadline_timer;         /* one-shot timer at the earliest pending deadline; 0 = none armed */
    bus_pump_t *pump;           /* drains the sockets (GW_S_* bits) as their descriptors fire */
    int64_t deadline_due_ms;    /* monotonic time it fires at */
    gateway_stats_t stats;      /* counters */
};

/* ---- helpers ------------------------------------------------------------------------------------------- */

static void s_label(const bus_msg_t *msg, char out[GW_LABEL_SZ])
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;
    const uint8_t *id = bus_msg_route_count(msg) ? bus_msg_route(msg, 0, &len) : NULL;
    size_t n = 0;
    for (size_t i = 0; id && i < len && n + 2 < GW_LABEL_SZ; i++) {
        out[n++] = hex[id[i] >> 4];
        out[n++] = hex[id[i] & 15];
    }
    if (n == 0)
        n = (size_t) snprintf(out, GW_LABEL_SZ, "anonymous");
    out[n] = '\0';
}

/* Copies the string src into dst of size cap (> 0), cut short if need be; always terminated. On the
 * per-request path instead of snprintf("%s"), which formats. */
static void s_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void s_send_client(gateway_t *self, const bus_msg_t *route, const buf_t *env)
{
    err_t err = {0};
    bus_pump_dirty(self->pump, GW_S_CLIENTS);
    if (bus_send_envelope(self->clients, route, env, &err) != 0)
        log_info("reply to client dropped: %s", err.msg);
}

static void s_error(gateway_t *self, const bus_msg_t *route, const char *id, xr_code_t code, const char *cloid,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void s_error(gateway_t *self, const bus_msg_t *route, const char *id, xr_code_t code, const char *cloid,
                    const char *fmt, ...)
{
    proto_header_t h;
    proto_header_init(&h, id && id[0] ? id : "-");
    proto_error_t e = {.code = code};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    snprintf(e.client_order_id, sizeof e.client_order_id, "%s", cloid ? cloid : "");
    buf_reset(&self->out);
    if (proto_error_encode(&h, &e, &self->out, NULL) == 0)
        s_send_client(self, route, &self->out);
}

/* A result envelope holding one order (place_order), as stored for resubmissions. */
static int s_encode_order_result(gateway_t *self, const char *id, const proto_order_t *o, buf_t *out)
{
    (void) self;
    proto_header_t h;
    proto_header_init(&h, id);
    proto_result_t res;
    proto_result_init(&res, PROTO_T_PLACE_ORDER);
    res.order = *o;
    res.order.raw.data = NULL; /* stored state stays small: the venue's raw text is in the recorder */
    res.order.raw.len = 0;
    int rc = proto_result_encode(&h, &res, out, NULL);
    return rc;
}

/* ---- idempotent resubmission --------------------------------------------------------------------------- */

/* Answers a place_order whose client order id was already admitted. */
static void s_answer_known(gateway_t *self, const bus_msg_t *msg, const proto_header_t *hdr,
                           const proto_request_t *req, const idem_entry_t *e)
{
    self->stats.idempotent++;
    buf_reset(&self->out);
    if (e->has_state && proto_envelope_rewrite(e->state, e->state_len, hdr->id, NULL, &self->out, NULL) == 0) {
        s_send_client(self, msg, &self->out);
        return;
    }
    /* still in flight, or its outcome unknown: say so; events and get_order tell the rest */
    proto_order_t o;
    memset(&o, 0, sizeof o);
    snprintf(o.venue, sizeof o.venue, "%s", req->venue);
    snprintf(o.account, sizeof o.account, "%s", req->account);
    snprintf(o.client_order_id, sizeof o.client_order_id, "%s", req->order.client_order_id);
    snprintf(o.symbol, sizeof o.symbol, "%s", req->symbol);
    o.side = req->order.side;
    o.type = req->order.type;
    o.time_in_force = req->order.time_in_force;
    o.quantity = req->order.quantity;
    o.price = req->order.price;
    o.stop_price = req->order.stop_price;
    o.reduce_only = req->order.reduce_only;
    o.status = PROTO_STATUS_PENDING_UNKNOWN;
    buf_reset(&self->out);
    if (s_encode_order_result(self, hdr->id, &o, &self->out) == 0)
        s_send_client(self, msg, &self->out);
}

/* ---- deadlines ----------------------------------------------------------------------------------------- */

static int s_on_deadline(bus_loop_t *loop, int timer_id, void *arg);

/* Makes sure the deadline timer fires no later than deadline_ms (monotonic). One one-shot timer at the
 * earliest deadline instead of a periodic tick: an idle gateway does not wake up, and a busy one re-arms only
 * when a deadline earlier than the armed one arrives (rare: most requests take the default timeout, so each
 * new deadline is later than the armed one). */
static void s_arm_deadline(gateway_t *self, int64_t deadline_ms)
{
    if (self->deadline_timer && self->deadline_due_ms <= deadline_ms)
        return;
    if (self->deadline_timer)
        bus_loop_cancel_timer(self->loop, self->deadline_timer);
    int64_t delay = deadline_ms - clock_mono_ms() + 1; /* +1: clock_mono_ms truncates; fire once it has passed */
    self->deadline_timer = bus_loop_add_timer(self->loop, delay > 0 ? delay : 0, 0, s_on_deadline, self);
    self->deadline_due_ms = deadline_ms;
    if (self->deadline_timer < 0)
        self->deadline_timer = 0; /* cannot happen: the gateway uses three of BUS_LOOP_TIMERS */
}

/* ---- requests from clients ----------------------------------------------------------------------------- */

static int s_admit_order(gateway_t *self, const bus_msg_t *msg, const proto_header_t *hdr, proto_request_t *req,
                         const char *label, bool *rewritten)
{
    proto_order_request_t *o = &req->order;
    err_t err = {0};
    if (!o->client_order_id[0]) {
        char rnd[23];
        crypto_random_id(rnd, 22);
        snprintf(o->client_order_id, sizeof o->client_order_id, "xr%s", rnd);
        *rewritten = true;
    }
    int64_t now_wall = clock_wall_ms();
    idem_entry_t known;
    if (idem_store_lookup(self->idem, req->account, o->client_order_id, now_wall, &known)) {
        s_answer_known(self, msg, hdr, req, &known);
        return -1;
    }
    risk_order_t ro = {
        .client = label,
        .account = req->account,
        .symbol = req->symbol,
        .quantity = o->quantity,
        .has_price = !decimal_is_zero(o->price),
        .price = o->price,
        .reduce_only = o->reduce_only,
    };
    if (risk_check(self->risk, self->risk_state, &ro, clock_mono_ms(), &err) != 0) {
        self->stats.risk_rejected++;
        log_info("place_order client=%s symbol=%s cl_ord_id=%s RISK_REJECTED: %s", label, req->symbol,
                 o->client_order_id, err.msg);
        s_error(self, msg, hdr->id, XR_RISK_REJECTED, o->client_order_id, "%s", err.msg);
        return -1;
    }
    if (idem_store_admit(self->idem, req->account, o->client_order_id, now_wall, &err) != 0) {
        log_error("idempotency store failed, order refused: %s", err.msg);
        s_error(self, msg, hdr->id, XR_INTERNAL, o->client_order_id, "cannot record the client order id: %s",
                err.msg);
        return -1;
    }
    return 0;
}

static void s_handle_request(gateway_t *self, bus_msg_t *msg)
{
    proto_header_t hdr;
    err_t err = {0};
    self->stats.requests++;
    size_t env_len = 0;
    const void *env = bus_msg_envelope(msg, &env_len);
    if ((int64_t) env_len > self->cfg.max_request_bytes) {
        self->stats.invalid++;
        s_error(self, msg, "-", XR_INVALID_REQUEST, NULL, "request of %zu bytes is larger than %lld", env_len,
                (long long) self->cfg.max_request_bytes);
        return;
    }
    if (bus_msg_parse(msg, self->reader, &hdr, &err) != 0) {
        self->stats.invalid++;
        s_error(self, msg, hdr.id, XR_INVALID_REQUEST, NULL, "%s", err.msg);
        return;
    }
    proto_request_t req;
    if (proto_request_decode(self->reader, &req, &err) != 0) {
        self->stats.invalid++;
        s_error(self, msg, hdr.id, XR_INVALID_REQUEST, NULL, "%s", err.msg);
        return;
    }
    char label[GW_LABEL_SZ];
    s_label(msg, label);
    bool rewritten = false;
    if (self->authz && authz_check(self->authz, bus_msg_user_id(msg), &req, &rewritten, &err) != 0) {
        self->stats.auth_refused++;
        log_info("%s client=%s AUTH: %s", proto_type_name(req.op), label, err.msg);
        s_error(self, msg, hdr.id, XR_AUTH,
                req.op == PROTO_T_PLACE_ORDER ? req.order.client_order_id : req.ref.client_order_id, "%s", err.msg);
        proto_request_free(&req);
        return;
    }
    if (req.op == PROTO_T_PLACE_ORDER && s_admit_order(self, msg, &hdr, &req, label, &rewritten) != 0) {
        proto_request_free(&req);
        return;
    }
    pending_t *p = mem_calloc(1, sizeof *p);
    snprintf(p->gid, sizeof p->gid, "g%llu", (unsigned long long) ++self->next_gid);
    p->reply_route = bus_msg_new_reply(msg);
    s_copy(p->orig_id, sizeof p->orig_id, hdr.id);
    s_copy(p->client, sizeof p->client, label);
    s_copy(p->account, sizeof p->account, req.account);
    s_copy(p->client_order_id, sizeof p->client_order_id,
           req.op == PROTO_T_PLACE_ORDER ? req.order.client_order_id : req.ref.client_order_id);
    p->op = req.op;
    int64_t now = clock_mono_ms();
    p->deadline_ms = now + self->cfg.request_timeout_ms;
    proto_header_t fwd = hdr;
    s_copy(fwd.id, sizeof fwd.id, p->gid);
    s_copy(fwd.client, sizeof fwd.client, label);
    if (hdr.deadline > 0) {
        int64_t left = hdr.deadline - clock_wall_ms();
        if (now + left < p->deadline_ms)
            p->deadline_ms = now + left;
    }
    buf_reset(&self->out);
    int rc = rewritten ? proto_request_encode(&fwd, &req, &self->out, &err)
                       : proto_envelope_rewrite(env, env_len, p->gid, label, &self->out, &err);
    proto_request_free(&req);
    if (rc != 0) {
        s_error(self, msg, hdr.id, XR_INTERNAL, p->client_order_id, "cannot forward: %s", err.msg);
        bus_msg_destroy(&p->reply_route);
        mem_free(p);
        return;
    }
    zhashx_insert(self->pending, p->gid, p);
    s_arm_deadline(self, p->deadline_ms);
    outgoing_t *out = mem_calloc(1, sizeof *out);
    out->msg = bus_msg_new();
    bus_msg_set_envelope(out->msg, self->out.data, self->out.len);
    s_copy(out->gid, sizeof out->gid, p->gid);
    zlistx_add_end(self->outbox, out);
}

/* Makes admitted ids durable, then sends what waited for it. */
static void s_flush_outbox(gateway_t *self)
{
    if (zlistx_size(self->outbox) == 0)
        return;
    err_t err = {0};
    /* the admitted ids reach the journal (and the disk, when syncing) before any of them is forwarded */
    bool durable = (self->cfg.idem_sync ? idem_store_flush(self->idem, &err) : idem_store_write(self->idem, &err)) == 0;
    if (!durable)
        log_error("idempotency journal %s failed, %zu requests refused: %s", self->cfg.idem_sync ? "sync" : "write",
                  zlistx_size(self->outbox), err.msg);
    outgoing_t *o;
    bus_pump_dirty(self->pump, GW_S_ROUTER);
    while ((o = zlistx_detach(self->outbox, NULL))) {
        if (durable && bus_msg_send(&o->msg, self->router, &err) == 0) {
            self->stats.forwarded++;
        } else {
            /* not sent: answer the client now instead of letting the request time out */
            pending_t *p = zhashx_lookup(self->pending, o->gid);
            if (p) {
                s_error(self, p->reply_route, p->orig_id, durable ? XR_VENUE_UNAVAILABLE : XR_INTERNAL,
                        p->client_order_id, "%s", durable ? "router unreachable" : "idempotency journal failed");
                zhashx_delete(self->pending, p->gid);
            }
        }
        bus_msg_destroy(&o->msg);
        mem_free(o);
    }
}

/* Handles up to GW_BATCH client requests, then the group commit and the forwards. */
static void s_drain_clients(void *arg)
{
    gateway_t *self = arg;
    zsock_t *sock = self->clients;
    int i;
    for (i = 0; i < GW_BATCH; i++) {
        err_t err = {0};
        bus_msg_t *msg = bus_msg_recv(sock, &err);
        if (!msg) {
            if (err.code == XR_OK) {
                bus_pump_clean(self->pump, GW_S_CLIENTS);
                break;
            }
            self->stats.invalid++;
            continue;
        }
        s_handle_request(self, msg);
        bus_msg_destroy(&msg);
    }
    s_flush_outbox(self);
}

/* ---- replies from the router --------------------------------------------------------------------------- */

static void s_remember_reply(gateway_t *self, const pending_t *p, const proto_header_t *hdr, const void *env,
                             size_t len)
{
    err_t err = {0};
    if (hdr->type == PROTO_T_RESULT) {
        idem_store_update(self->idem, p->account, p->client_order_id, env, len, &err);
        return;
    }
    proto_error_t e;
    if (proto_error_decode(self->reader, &e, NULL) != 0)
        return;
    /* A refusal that is known not to have placed the order is not kept: the client may try again with the
     * same id. An unknown outcome keeps the id, so a resubmission cannot place it twice. */
    if (e.code != XR_TIMEOUT && e.code != XR_INTERNAL && e.code != XR_DUPLICATE_ORDER)
        idem_store_update(self->idem, p->account, p->client_order_id, env, len, &err);
}

/* Relays up to GW_BATCH replies from the router. */
static void s_drain_router(void *arg)
{
    gateway_t *self = arg;
    zsock_t *sock = self->router;
    int i;
    for (i = 0; i < GW_BATCH; i++) {
        err_t err = {0};
        bus_msg_t *msg = bus_msg_recv(sock, &err);
        if (!msg) {
            if (err.code == XR_OK) {
                bus_pump_clean(self->pump, GW_S_ROUTER);
                break;
            }
            continue;
        }
        proto_header_t hdr;
        pending_t *p = NULL;
        if (bus_msg_parse(msg, self->reader, &hdr, &err) == 0)
            p = zhashx_lookup(self->pending, hdr.id);
        if (!p) {
            log_info("reply id=%s from router matches no request: dropped", hdr.id);
            bus_msg_destroy(&msg);
            continue;
        }
        size_t len;
        const void *env = bus_msg_envelope(msg, &len);
        buf_reset(&self->out);
        if (proto_envelope_rewrite(env, len, p->orig_id, "", &self->out, &err) == 0) {
            if (p->op == PROTO_T_PLACE_ORDER)
                s_remember_reply(self, p, &hdr, self->out.data, self->out.len);
            if (!p->answered)
                s_send_client(self, p->reply_route, &self->out);
        }
        zhashx_delete(self->pending, p->gid);
        bus_msg_destroy(&msg);
    }
}

/* ---- events from workers ------------------------------------------------------------------------------- */

static void s_track_event(gateway_t *self, const proto_event_t *ev)
{
    if (ev->type == PROTO_T_EVENT_FILL) {
        risk_state_set_price(self->risk_state, ev->fill.symbol, ev->fill.price);
        return;
    }
    const proto_order_t *o = &ev->order;
    char key[PROTO_ACCOUNT_SZ + PROTO_VENUE_SZ + PROTO_ORDER_ID_SZ + 4];
    snprintf(key, sizeof key, "%s|%s|%s", o->account, o->venue, o->order_id);
    bool open = o->status == PROTO_STATUS_NEW || o->status == PROTO_STATUS_PARTIALLY_FILLED ||
                o->status == PROTO_STATUS_UNTRIGGERED;
    bool known = zhashx_lookup(self->open_orders, key) != NULL;
    if (open && !known && o->order_id[0] && zhashx_size(self->open_orders) < GW_OPEN_MAX) {
        zhashx_insert(self->open_orders, key, (void *) 1);
        risk_state_open_orders_add(self->risk_state, o->account, 1);
    } else if (!open && known) {
        zhashx_delete(self->open_orders, key);
        risk_state_open_orders_add(self->risk_state, o->account, -1);
    }
    if (o->client_order_id[0]) {
        buf_reset(&self->state);
        if (s_encode_order_result(self, "event", o, &self->state) == 0)
            idem_store_update(self->idem, o->account, o->client_order_id, self->state.data, self->state.len, NULL);
    }
}

/* Tracks and republishes up to GW_BATCH events from workers. */
static void s_drain_events(void *arg)
{
    gateway_t *self = arg;
    zsock_t *sock = self->sub;
    int i;
    for (i = 0; i < GW_BATCH; i++) {
        err_t err = {0};
        bus_msg_t *msg = bus_msg_recv(sock, &err);
        if (!msg) {
            if (err.code == XR_OK) {
                bus_pump_clean(self->pump, GW_S_SUB);
                break;
            }
            continue;
        }
        proto_header_t hdr;
        proto_event_t ev;
        if (self->authz && authz_is_client(self->authz, bus_msg_user_id(msg))) {
            /* a client key may connect here (one allow directory per process) but never speak for a venue */
            self->stats.events_refused++;
            log_warn("event from client key %s on the worker intake dropped", bus_msg_user_id(msg));
            bus_msg_destroy(&msg);
            continue;
        }
        if (bus_msg_parse(msg, self->reader, &hdr, &err) == 0 && proto_event_decode(self->reader, &ev, &err) == 0) {
            s_track_event(self, &ev);
            proto_event_free(&ev);
            self->stats.events++;
            bus_pump_dirty(self->pump, GW_S_PUB);
            if (bus_msg_send(&msg, self->pub, &err) != 0)
                log_debug("event not republished: %s", err.msg);
        } else {
            log_warn("event from a worker dropped: %s", err.msg);
        }
        bus_msg_destroy(&msg);
    }
}

/* ---- subscriptions from clients ------------------------------------------------------------------------ */

/* The XPUB is in manual mode: each (un)subscription reaches us with its sender's key and we apply what that
 * key may see (authz_event_topics), so a client limited to some accounts cannot watch the others' orders and
 * fills. Without authentication every subscription is applied as sent. */
static void s_drain_subscriptions(void *arg)
{
    gateway_t *self = arg;
    void *h = zsock_resolve(self->pub);
    int i;
    for (i = 0; i < GW_BATCH; i++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, h, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            bus_pump_clean(self->pump, GW_S_PUB);
            break;
        }
        bus_pump_dirty(self->pump, GW_S_PUB); /* its options are set below */
        const char *data = zmq_msg_data(&m);
        size_t len = zmq_msg_size(&m);
        if (len == 0 || (data[0] != 0 && data[0] != 1) || zmq_msg_more(&m)) {
            zmq_msg_close(&m);
            continue;
        }
        int option = data[0] == 1 ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE;
        if (!self->authz) {
            zmq_setsockopt(h, option, data + 1, len - 1);
            zmq_msg_close(&m);
            continue;
        }
        const char *uid = zmq_msg_gets(&m, "User-Id");
        char topics[AUTHZ_TOPICS_MAX][AUTHZ_TOPIC_SZ];
        int n = authz_event_topics(self->authz, uid, data + 1, len - 1, topics, AUTHZ_TOPICS_MAX);
        for (int t = 0; t < n; t++)
            zmq_setsockopt(h, option, topics[t], strlen(topics[t]));
        int shown = (int) (len - 1 < 64 ? len - 1 : 64);
        if (option == ZMQ_SUBSCRIBE)
            log_info("event subscription '%.*s' from key %s: %d topic(s) granted%s", shown, data + 1,
                     uid ? uid : "-", n, n == 0 ? " (nothing it may see)" : "");
        zmq_msg_close(&m);
    }
}

/* ---- the sockets in the loop --------------------------------------------------------------------------- */

/* The sockets wait and drain through a bus_pump (lib/bus/bus_pump.h): their ZMQ_FD descriptors in the loop,
 * each socket used since its last empty receive drained again before the loop waits. After every pump, the
 * states replies and events brought go to the idempotency journal in one write (not synced: they only enrich
 * the answer to a resubmission). */
static void s_after_pump(void *arg)
{
    gateway_t *self = arg;
    err_t err = {0};
    if (idem_store_write(self->idem, &err) != 0)
        log_warn("idempotency journal write failed, order states not journaled: %s", err.msg);
}

/* ---- timers and signals -------------------------------------------------------------------------------- */

/* The earliest deadline has come: answer TIMEOUT to what passed its deadline, forget answered entries whose
 * grace period is over, and arm the timer again at the earliest deadline left. */
static int s_on_deadline(bus_loop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    gateway_t *self = arg;
    self->deadline_timer = 0; /* one-shot: gone once fired */
    int64_t now = clock_mono_ms();
    int64_t next = INT64_MAX;
    bool answered = false;
    zlistx_t *gone = NULL;
    for (pending_t *p = zhashx_first(self->pending); p; p = zhashx_next(self->pending)) {
        if (p->deadline_ms > now) {
            next = p->deadline_ms < next ? p->deadline_ms : next;
            continue;
        }
        if (p->answered) {
            /* its grace period is over */
            if (!gone)
                gone = zlistx_new();
            zlistx_add_end(gone, p->gid);
            continue;
        }
        p->answered = true;
        answered = true;
        self->stats.timeouts++;
        s_error(self, p->reply_route, p->orig_id, XR_TIMEOUT, p->client_order_id,
                "no answer before the deadline; the outcome is unknown%s",
                p->op == PROTO_T_PLACE_ORDER ? ": query the order by its client order id" : "");
        /* kept a while longer so that a late reply still updates the idempotency store */
        p->deadline_ms = now + 60000;
        next = p->deadline_ms < next ? p->deadline_ms : next;
    }
    for (char *gid = gone ? zlistx_first(gone) : NULL; gid; gid = zlistx_next(gone))
        zhashx_delete(self->pending, gid);
    zlistx_destroy(&gone);
    if (next != INT64_MAX)
        s_arm_deadline(self, next);
    if (answered)
        bus_pump_run(self->pump, 0);
    return 0;
}

static int s_on_housekeeping(bus_loop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    gateway_t *self = arg;
    err_t err = {0};
    if (idem_store_expire(self->idem, clock_wall_ms(), &err) != 0)
        log_warn("idempotency store expiry failed: %s", err.msg);
    log_info("stats requests=%llu forwarded=%llu invalid=%llu risk_rejected=%llu idempotent=%llu timeouts=%llu "
             "events=%llu pending=%zu ids=%zu",
             (unsigned long long) self->stats.requests, (unsigned long long) self->stats.forwarded,
             (unsigned long long) self->stats.invalid, (unsigned long long) self->stats.risk_rejected,
             (unsigned long long) self->stats.idempotent, (unsigned long long) self->stats.timeouts,
             (unsigned long long) self->stats.events, zhashx_size(self->pending), idem_store_size(self->idem));
    return 0;
}

/* Reloads the risk limits and the clients file, each on its own: a bad file keeps its old version and does not
 * hold the other back (a revocation in clients.conf applies even when risk.conf has a typo). */
static void s_reload(gateway_t *self)
{
    err_t err = {0};
    risk_t *fresh = risk_load(self->risk_path, &err);
    if (fresh) {
        risk_destroy(&self->risk);
        self->risk = fresh;
        log_info("risk limits reloaded from %s", self->risk_path);
    } else
        log_error("risk limits reload refused, keeping the old limits: %s", err.msg);
    if (!self->authz)
        return;
    authz_t *clients = authz_load(self->clients_path, bus_curve_allow_dir(self->cfg.curve), &err);
    if (!clients) {
        log_error("clients file reload refused, keeping the old one: %s", err.msg);
        return;
    }
    authz_destroy(&self->authz);
    self->authz = clients;
    log_info("clients file reloaded from %s: %zu clients", self->clients_path, authz_size(self->authz));
}

static int s_on_sighup(bus_loop_t *loop, int fd, short revents, void *arg)
{
    (void) loop;
    (void) revents;
    gateway_t *self = arg;
    struct signalfd_siginfo si;
    bool hup = false;
    while (read(fd, &si, sizeof si) == (ssize_t) sizeof si)
        hup = true;
    if (hup) /* signals that queued up meanwhile ask for one reload */
        s_reload(self);
    return 0;
}

/* ---- lifecycle ----------------------------------------------------------------------------------------- */

void gateway_config_default(gateway_config_t *cfg)
{
    cfg->clients = "tcp://127.0.0.1:7100";
    cfg->events_out = "tcp://127.0.0.1:7101";
    cfg->events_in = "tcp://127.0.0.1:7102";
    cfg->router = "tcp://127.0.0.1:7110";
    cfg->risk_path = "deploy/config/risk.conf";
    cfg->idem_path = "var/gateway/idem.journal";
    cfg->idem_window_ms = 24LL * 3600 * 1000;
    cfg->idem_sync = true;
    cfg->request_timeout_ms = 10000;
    cfg->max_request_bytes = 1 << 20;
    cfg->curve = NULL;
    cfg->clients_path = "deploy/config/clients.conf";
}

static void s_outgoing_free(void **item)
{
    outgoing_t *o = *item;
    if (o) {
        bus_msg_destroy(&o->msg);
        mem_free(o);
    }
    *item = NULL;
}

static void s_pending_free(void **item)
{
    pending_t *p = *item;
    if (p) {
        bus_msg_destroy(&p->reply_route);
        mem_free(p);
    }
    *item = NULL;
}

static int s_sighup_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* worker_link: the intake from venue workers (CURVE per XROUTE_CURVE_WORKER_LINKS). */
static zsock_t *s_sock(gateway_t *self, int type, char prefix, const char *ep, const char *subscribe,
                       bool worker_link, err_t *err)
{
    char spec[600];
    snprintf(spec, sizeof spec, "%c%s", prefix, ep);
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    /* the intake serves with the event sinks' key, shared with the recorder (bus_curve.h) */
    const char *as = worker_link ? "events" : NULL;
    if (self->cfg.curve && (prefix == '@' ? bus_curve_server_opts(self->cfg.curve, as, worker_link, &o, err)
                                          : bus_curve_client_opts(self->cfg.curve, "router", false, &o, err)) != 0)
        return NULL;
    /* Clients' oversized requests must reach us to be answered INVALID_REQUEST, not cut off by ZeroMQ. */
    if (type == ZMQ_ROUTER)
        o.maxmsgsize = 8 << 20;
    o.subscribe = subscribe;
    if (type != ZMQ_XPUB)
        return bus_sock_new(type, spec, &o, err);
    zsock_t *sock = bus_sock_new(type, NULL, &o, err);
    int manual = 1;
    if (sock && zmq_setsockopt(zsock_resolve(sock), ZMQ_XPUB_MANUAL, &manual, sizeof manual) != 0) {
        err_set(err, XR_INTERNAL, "socket option XPUB_MANUAL: %s", zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
    }
    if (sock && zsock_attach(sock, spec, true) != 0) {
        err_set(err, XR_INTERNAL, "attach %s: %s", spec, zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
    }
    return sock;
}

gateway_t *gateway_new(const gateway_config_t *cfg, err_t *err)
{
    gateway_t *self = mem_calloc(1, sizeof *self);
    self->cfg = *cfg;
    snprintf(self->risk_path, sizeof self->risk_path, "%s", cfg->risk_path);
    self->sighup_fd = s_sighup_fd();
    buf_init(&self->out, PROTO_ENVELOPE_MAX + 65536);
    buf_init(&self->state, IDEM_STATE_MAX);
    self->reader = proto_msg_new();
    self->pending = zhashx_new();
    zhashx_set_destructor(self->pending, s_pending_free);
    self->open_orders = zhashx_new();
    self->outbox = zlistx_new();
    zlistx_set_destructor(self->outbox, s_outgoing_free);
    self->risk_state = risk_state_new();
    self->risk = risk_load(cfg->risk_path, err);
    if (!self->risk)
        goto fail;
    self->idem = idem_store_open(cfg->idem_path, cfg->idem_window_ms, clock_wall_ms(), err);
    if (!self->idem)
        goto fail;
    snprintf(self->clients_path, sizeof self->clients_path, "%s", cfg->clients_path ? cfg->clients_path : "");
    if (cfg->curve && bus_curve_enabled(cfg->curve, false)) {
        self->authz = authz_load(self->clients_path, bus_curve_allow_dir(cfg->curve), err);
        if (!self->authz)
            goto fail;
    }
    if (!(self->clients = s_sock(self, ZMQ_ROUTER, '@', cfg->clients, NULL, false, err)) ||
        !(self->pub = s_sock(self, ZMQ_XPUB, '@', cfg->events_out, NULL, false, err)) ||
        !(self->sub = s_sock(self, ZMQ_SUB, '@', cfg->events_in, "", true, err)) ||
        !(self->router = s_sock(self, ZMQ_DEALER, '>', cfg->router, NULL, false, err)))
        goto fail;
    self->loop = bus_loop_new();
    self->pump = bus_pump_new(self->loop, GW_PUMP_PASSES, s_after_pump, self);
    if (bus_pump_add(self->pump, GW_S_CLIENTS, self->clients, s_drain_clients, err) != 0 ||
        bus_pump_add(self->pump, GW_S_ROUTER, self->router, s_drain_router, err) != 0 ||
        bus_pump_add(self->pump, GW_S_SUB, self->sub, s_drain_events, err) != 0 ||
        bus_pump_add(self->pump, GW_S_PUB, self->pub, s_drain_subscriptions, err) != 0)
        goto fail;
    if (self->sighup_fd >= 0 && bus_loop_add_fd(self->loop, self->sighup_fd, ZMQ_POLLIN, s_on_sighup, self, err) != 0)
        goto fail;
    bus_loop_add_timer(self->loop, 10000, 10000, s_on_housekeeping, self);
    log_info("gateway clients=%s events_out=%s events_in=%s router=%s risk=%s idem=%s", bus_sock_endpoint(self->clients),
             bus_sock_endpoint(self->pub), bus_sock_endpoint(self->sub), cfg->router, cfg->risk_path, cfg->idem_path);
    log_info("gateway curve=%s worker_links=%s clients_file=%s clients=%zu",
             cfg->curve && bus_curve_enabled(cfg->curve, false) ? "on" : "off",
             cfg->curve && bus_curve_enabled(cfg->curve, true) ? "on" : "off", self->authz ? self->clients_path : "-",
             self->authz ? authz_size(self->authz) : (size_t) 0);
    return self;
fail:
    gateway_destroy(&self);
    return NULL;
}

int gateway_run(gateway_t *self)
{
    /* setting the sockets up (bind, connect, options) may have consumed a notification already */
    bus_pump_run(self->pump, GW_S_ALL);
    return bus_loop_run(self->loop);
}

void gateway_stats(const gateway_t *self, gateway_stats_t *out)
{
    *out = self->stats;
    out->pending = zhashx_size(self->pending);
}

void gateway_destroy(gateway_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gateway_t *self = *self_p;
    bus_loop_destroy(&self->loop);
    bus_pump_destroy(&self->pump);
    zsock_destroy(&self->router);
    zsock_destroy(&self->sub);
    zsock_destroy(&self->pub);
    zsock_destroy(&self->clients);
    zlistx_destroy(&self->outbox);
    zhashx_destroy(&self->open_orders);
    zhashx_destroy(&self->pending);
    idem_store_destroy(&self->idem);
    risk_destroy(&self->risk);
    authz_destroy(&self->authz);
    risk_state_destroy(&self->risk_state);
    proto_msg_destroy(&self->reader);
    buf_release(&self->out);
    buf_release(&self->state);
    if (self->sighup_fd >= 0)
        close(self->sighup_fd);
    mem_free(self);
    *self_p = NULL;
}
