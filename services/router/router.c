/* router: routing table + worker registry + one zmq_poll loop. See router.h for the contract.
 *
 * Correlation (proto README section 12): a request from the gateway is forwarded to a worker with the
 * router's own id ("r<n>"); the pending table maps that id back to the gateway's routing frames and original
 * id, which the reply gets back. Fan-out queries send one leg per venue, each with its own id, and merge the
 * legs' results into one reply with a part per venue. */
#include "router.h"

#include "route_table.h"
#include "worker_registry.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "bus/bus_loop.h"
#include "bus/bus_msg.h"
#include "bus/bus_pump.h"
#include "bus/bus_sock.h"
#include "proto/control.h"
#include "proto/envelope.h"
#include "proto/error.h"
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

#define ROUTER_FANOUT_MAX 16      /* venues one fan-out query reaches */
#define ROUTER_BATCH 256          /* messages taken from one socket before turning to the other */
#define ROUTER_PUMP_PASSES 16     /* passes over both sockets before the loop polls again */
#define ROUTER_OUT_MAX (PROTO_ENVELOPE_MAX + 65536)

/* The sockets, as bits of the pump (see "the sockets in the loop"). */
enum { ROUTER_S_FRONTEND = 1, ROUTER_S_BACKEND = 2, ROUTER_S_ALL = 3 };

typedef struct _fanout_t fanout_t;

typedef struct {
    char rid[24];                           /* the router's id for this leg/request */
    bus_msg_t *reply_route;                 /* frontend routing frames (NULL for fan-out legs) */
    char orig_id[PROTO_ID_SZ];              /* the gateway's id, restored on the reply */
    char instance[WORKER_NAME_MAX];         /* worker it went to */
    char venue[PROTO_VENUE_SZ];             /* venue it went to */
    char client_order_id[PROTO_CLOID_SZ];   /* order concerned, "" if none */
    proto_type_t op;                        /* request type */
    int64_t deadline_ms;                    /* monotonic: answer TIMEOUT after this */
    fanout_t *fan;                          /* owning fan-out, or NULL */
    size_t leg;                             /* index of this leg in fan->parts */
} pending_t;

typedef struct {
    char venue[PROTO_VENUE_SZ];  /* venue of this leg */
    bool done;                   /* answered (or failed) */
    bool ok;                     /* answered with a result */
    proto_error_t error;         /* when !ok */
    proto_result_t result;       /* when ok */
} fan_part_t;

struct _fanout_t {
    bus_msg_t *reply_route;                 /* frontend routing frames */
    proto_header_t req_hdr;                 /* the gateway's header (id, client) */
    proto_type_t op;                        /* request type */
    size_t n_parts;                         /* legs */
    size_t waiting;                         /* legs not yet done */
    fan_part_t parts[ROUTER_FANOUT_MAX];    /* in venue order */
};

struct _router_t {
    router_config_t cfg;             /* copy of the configuration (strings below) */
    char routes_path[1024];          /* routing table file */
    zsock_t *frontend;               /* ROUTER for the gateway */
    zsock_t *backend;                /* ROUTER for workers */
    bus_loop_t *loop;                /* the one event loop */
    int sighup_fd;                   /* signalfd for SIGHUP (reload), -1 if unavailable */
    route_table_t *routes;           /* current routing table */
    worker_registry_t *workers;      /* live workers */
    zhashx_t *pending;               /* rid -> pending_t */
    proto_msg_t *reader;             /* envelope reader, reused */
    buf_t out;                       /* envelope being built, reused */
    uint64_t next_rid;               /* counter behind rid */
    int deadline_timer;              /* one-shot timer at the earliest pending deadline; 0 = none armed */
    bus_pump_t *pump;                /* drains the sockets (ROUTER_S_* bits) as their descriptors fire */
    int64_t deadline_due_ms;         /* monotonic time it fires at */
    int64_t epoch;                   /* wall ms of start: workers detect a restart by its change */
    uint64_t invalid;                /* malformed requests refused */
    char gateway_key[BUS_CURVE_KEY_SZ]; /* key served on the frontend; "" = any */
    char recorder_key[BUS_CURVE_KEY_SZ]; /* also served there; "" = none */
};

/* ---- replies to the gateway ---------------------------------------------------------------------------- */

static void s_send_frontend(router_t *self, const bus_msg_t *route, const buf_t *env)
{
    err_t err = {0};
    bus_pump_dirty(self->pump, ROUTER_S_FRONTEND);
    if (bus_send_envelope(self->frontend, route, env, &err) != 0)
        log_warn("reply to gateway failed: %s", err.msg);
}

/* Sends an error reply with the given id (the gateway's) to route. */
static void s_error_to(router_t *self, const bus_msg_t *route, const char *id, const char *client,
                       xr_code_t code, const char *venue, const char *cloid, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static void s_error_to(router_t *self, const bus_msg_t *route, const char *id, const char *client,
                       xr_code_t code, const char *venue, const char *cloid, const char *fmt, ...)
{
    proto_header_t h;
    proto_header_init(&h, id && id[0] ? id : "-");
    snprintf(h.client, sizeof h.client, "%s", client ? client : "");
    proto_error_t e = {.code = code};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    snprintf(e.venue, sizeof e.venue, "%s", venue ? venue : "");
    snprintf(e.client_order_id, sizeof e.client_order_id, "%s", cloid ? cloid : "");
    buf_reset(&self->out);
    err_t err = {0};
    if (proto_error_encode(&h, &e, &self->out, &err) != 0) {
        log_error("encode error reply failed: %s", err.msg);
        return;
    }
    s_send_frontend(self, route, &self->out);
}

static void s_result_to(router_t *self, const bus_msg_t *route, const proto_header_t *req, const proto_result_t *res)
{
    proto_header_t h;
    proto_header_reply(&h, req);
    buf_reset(&self->out);
    err_t err = {0};
    if (proto_result_encode(&h, res, &self->out, &err) != 0) {
        s_error_to(self, route, req->id, req->client, XR_INTERNAL, NULL, NULL, "reply too large: %s", err.msg);
        return;
    }
    s_send_frontend(self, route, &self->out);
}

/* ---- pending requests ---------------------------------------------------------------------------------- */

static void s_pending_free(void **item)
{
    pending_t *p = *item;
    if (p) {
        bus_msg_destroy(&p->reply_route);
        mem_free(p);
    }
    *item = NULL;
}

static void s_fanout_finish(router_t *self, fanout_t *fan);

static worker_t *s_worker_by_instance(router_t *self, const char *instance)
{
    size_t n = worker_registry_size(self->workers);
    for (size_t i = 0; i < n; i++) {
        const worker_t *w = worker_registry_at(self->workers, i);
        if (strcmp(w->instance, instance) == 0)
            return (worker_t *) w;
    }
    return NULL;
}

/* A leg of a fan-out is over: record its outcome and finish the fan-out when it was the last. */
static void s_leg_done(router_t *self, pending_t *p, const proto_result_t *res, const proto_error_t *error)
{
    fanout_t *fan = p->fan;
    fan_part_t *part = &fan->parts[p->leg];
    if (part->done)
        return;
    part->done = true;
    part->ok = res != NULL;
    if (res)
        part->result = *res; /* takes ownership of the lists */
    else
        part->error = *error;
    if (--fan->waiting == 0)
        s_fanout_finish(self, fan);
}

/* Answers a pending request that will get no reply (deadline passed, worker died). */
static void s_pending_fail(router_t *self, pending_t *p, xr_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_pending_fail(router_t *self, pending_t *p, xr_code_t code, const char *fmt, ...)
{
    proto_error_t e = {.code = code};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    snprintf(e.venue, sizeof e.venue, "%s", p->venue);
    snprintf(e.client_order_id, sizeof e.client_order_id, "%s", p->client_order_id);
    if (p->fan) {
        s_leg_done(self, p, NULL, &e);
        return;
    }
    s_error_to(self, p->reply_route, p->orig_id, "", code, p->venue, p->client_order_id, "%s", e.message);
}

static int s_on_deadline(bus_loop_t *loop, int timer_id, void *arg);

/* Makes sure the deadline timer fires no later than deadline_ms (monotonic). One one-shot timer at the
 * earliest deadline instead of a periodic tick: an idle router does not wake up for it, and a busy one
 * re-arms only when a deadline earlier than the armed one arrives (most requests share the default timeout,
 * so each new deadline is later than the armed one). */
static void s_arm_deadline(router_t *self, int64_t deadline_ms)
{
    if (self->deadline_timer && self->deadline_due_ms <= deadline_ms)
        return;
    if (self->deadline_timer)
        bus_loop_cancel_timer(self->loop, self->deadline_timer);
    int64_t delay = deadline_ms - clock_mono_ms() + 1; /* +1: clock_mono_ms truncates; fire once it has passed */
    self->deadline_timer = bus_loop_add_timer(self->loop, delay > 0 ? delay : 0, 0, s_on_deadline, self);
    self->deadline_due_ms = deadline_ms;
    if (self->deadline_timer < 0)
        self->deadline_timer = 0; /* cannot happen: the router uses two of BUS_LOOP_TIMERS */
}

static pending_t *s_pending_add(router_t *self, const char *instance, const char *venue, proto_type_t op,
                                const char *cloid, int64_t deadline_ms)
{
    pending_t *p = mem_calloc(1, sizeof *p);
    snprintf(p->rid, sizeof p->rid, "r%llu", (unsigned long long) ++self->next_rid);
    snprintf(p->instance, sizeof p->instance, "%s", instance);
    snprintf(p->venue, sizeof p->venue, "%s", venue);
    snprintf(p->client_order_id, sizeof p->client_order_id, "%s", cloid ? cloid : "");
    p->op = op;
    p->deadline_ms = deadline_ms;
    zhashx_insert(self->pending, p->rid, p);
    s_arm_deadline(self, deadline_ms);
    return p;
}

/* Monotonic deadline for a request: its own deadline (epoch ms) if sooner than our cap. */
static int64_t s_deadline(const proto_header_t *h, int64_t cap_ms)
{
    int64_t now = clock_mono_ms();
    int64_t deadline = now + cap_ms;
    if (h->deadline > 0) {
        int64_t left = h->deadline - clock_wall_ms();
        if (now + left < deadline)
            deadline = now + left;
    }
    return deadline;
}

/* ---- dispatch ------------------------------------------------------------------------------------------ */

/* Forwards env (already parsed) to a live worker of (venue, account) under a new id. On success returns the
 * pending entry; on failure NULL with err (VENUE_UNAVAILABLE). A worker that turns out to be gone when we send
 * is dropped and the next one tried: nothing was sent to it, so another replica is safe. */
static pending_t *s_forward(router_t *self, const void *env, size_t env_len, const char *venue, const char *account,
                            proto_type_t op, const char *cloid, int64_t deadline_ms, err_t *err)
{
    for (;;) {
        size_t live = 0;
        worker_t *w = worker_registry_pick(self->workers, venue, account, &live);
        if (!w) {
            if (live == 0)
                err_set(err, XR_VENUE_UNAVAILABLE, "no live worker for venue %s account %s", venue, account);
            else
                err_set(err, XR_VENUE_UNAVAILABLE, "all %zu workers of venue %s account %s are at capacity", live,
                        venue, account);
            return NULL;
        }
        char rid[24];
        snprintf(rid, sizeof rid, "r%llu", (unsigned long long) (self->next_rid + 1));
        buf_reset(&self->out);
        if (proto_envelope_rewrite(env, env_len, rid, NULL, &self->out, err) != 0)
            return NULL;
        bus_msg_t *route = bus_msg_new();
        bus_msg_push_route(route, w->identity, w->identity_len, NULL);
        err_t serr = {0};
        bus_pump_dirty(self->pump, ROUTER_S_BACKEND);
        int rc = bus_send_envelope(self->backend, route, &self->out, &serr);
        bus_msg_destroy(&route);
        if (rc != 0) {
            log_warn("worker venue=%s instance=%s unreachable (%s): dropped, trying another", w->venue, w->instance,
                     serr.msg);
            worker_registry_remove(self->workers, w);
            continue;
        }
        w->inflight++;
        pending_t *p = s_pending_add(self, w->instance, venue, op, cloid, deadline_ms);
        assert(strcmp(p->rid, rid) == 0);
        return p;
    }
}

static bool s_is_fanout(const proto_request_t *req)
{
    if (req->venue[0])
        return false;
    switch (req->op) {
    case PROTO_T_HEALTH:
    case PROTO_T_GET_BALANCES:
        return true;
    case PROTO_T_GET_POSITIONS:
    case PROTO_T_GET_OPEN_ORDERS:
    case PROTO_T_CANCEL_ALL:
    case PROTO_T_GET_FILLS:
        return req->symbol[0] == '\0';
    default:
        return false;
    }
}

/* The venues a fan-out reaches: those of the routing table and those with registered workers. */
static size_t s_fanout_venues(router_t *self, const char **names, size_t max)
{
    size_t n = route_table_venues(self->routes, names, max);
    size_t nw = worker_registry_size(self->workers);
    for (size_t i = 0; i < nw && n < max; i++) {
        const worker_t *w = worker_registry_at(self->workers, i);
        bool seen = route_table_is_off(self->routes, w->venue);
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(names[j], w->venue) == 0;
        if (!seen)
            names[n++] = w->venue;
    }
    return n;
}

static void s_fanout_start(router_t *self, const bus_msg_t *msg, const proto_header_t *hdr,
                           const proto_request_t *req, const void *env, size_t env_len)
{
    const char *venues[ROUTER_FANOUT_MAX];
    size_t n = s_fanout_venues(self, venues, ROUTER_FANOUT_MAX);
    fanout_t *fan = mem_calloc(1, sizeof *fan);
    fan->reply_route = bus_msg_new_reply(msg);
    fan->req_hdr = *hdr;
    fan->op = req->op;
    fan->n_parts = n;
    fan->waiting = n;
    int64_t deadline = s_deadline(hdr, self->cfg.fanout_timeout_ms);
    for (size_t i = 0; i < n; i++)
        snprintf(fan->parts[i].venue, sizeof fan->parts[i].venue, "%s", venues[i]);
    if (n == 0) {
        s_fanout_finish(self, fan);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        err_t err = {0};
        pending_t *p = s_forward(self, env, env_len, fan->parts[i].venue, req->account, req->op, NULL, deadline, &err);
        if (p) {
            p->fan = fan;
            p->leg = i;
            continue;
        }
        /* a leg that could not be sent fails at once; the fan-out may finish right here */
        pending_t tmp = {.fan = fan, .leg = i};
        snprintf(tmp.venue, sizeof tmp.venue, "%s", fan->parts[i].venue);
        proto_error_t e = {.code = err.code};
        snprintf(e.message, sizeof e.message, "%s", err.msg);
        snprintf(e.venue, sizeof e.venue, "%s", fan->parts[i].venue);
        s_leg_done(self, &tmp, NULL, &e);
    }
}

/* Copies the items of one venue's result into the merged reply; returns how many. */
static size_t s_merge_items(proto_result_t *dst, const proto_result_t *src)
{
    size_t n = 0;
    for (size_t i = 0; i < src->n_orders; i++, n++)
        proto_order_copy(proto_result_add_order(dst), &src->orders[i]);
    for (size_t i = 0; i < src->n_positions; i++, n++)
        *proto_result_add_position(dst) = src->positions[i];
    for (size_t i = 0; i < src->n_balances; i++, n++)
        *proto_result_add_balance(dst) = src->balances[i];
    for (size_t i = 0; i < src->n_health; i++, n++)
        *proto_result_add_health(dst) = src->health[i];
    for (size_t i = 0; i < src->n_cancels; i++, n++)
        *proto_result_add_cancel(dst) = src->cancels[i];
    for (size_t i = 0; i < src->n_fills; i++, n++)
        proto_fill_copy(proto_result_add_fill(dst), &src->fills[i]);
    dst->cancel_count += src->cancel_count;
    return n;
}

static void s_fanout_finish(router_t *self, fanout_t *fan)
{
    proto_result_t merged;
    proto_result_init(&merged, fan->op);
    for (size_t i = 0; i < fan->n_parts; i++) {
        fan_part_t *part = &fan->parts[i];
        if (part->ok) {
            size_t count = s_merge_items(&merged, &part->result);
            proto_result_add_part(&merged, part->venue, true, NULL, count);
        } else {
            proto_result_add_part(&merged, part->venue, false, &part->error, 0);
        }
        proto_result_free(&part->result);
    }
    s_result_to(self, fan->reply_route, &fan->req_hdr, &merged);
    proto_result_free(&merged);
    bus_msg_destroy(&fan->reply_route);
    mem_free(fan);
}

/* ---- admin requests answered here ---------------------------------------------------------------------- */

static int s_reload(router_t *self, err_t *err)
{
    route_table_t *fresh = route_table_load(self->routes_path, err);
    if (!fresh) {
        log_error("routes reload from %s refused, keeping the old table: %s", self->routes_path, err->msg);
        return -1;
    }
    route_table_destroy(&self->routes);
    self->routes = fresh;
    log_info("routes reloaded path=%s rules=%zu", self->routes_path, route_table_size(fresh));
    return 0;
}

static void s_admin(router_t *self, const bus_msg_t *msg, const proto_header_t *hdr, const proto_request_t *req)
{
    proto_result_t res;
    proto_result_init(&res, req->op);
    err_t err = {0};
    if (req->op == PROTO_T_ROUTE) {
        char venue[ROUTE_VENUE_MAX], reason[ROUTE_REASON_MAX];
        route_rule_t rule;
        if (route_table_resolve(self->routes, req->symbol, req->venue, venue, reason, &rule, &err) != 0)
            goto fail;
        snprintf(res.route.symbol, sizeof res.route.symbol, "%s", req->symbol);
        snprintf(res.route.venue, sizeof res.route.venue, "%s", venue);
        snprintf(res.route.reason, sizeof res.route.reason, "%s", reason);
        snprintf(res.route.rule, sizeof res.route.rule, "%s", route_rule_name(rule));
    } else if (req->op == PROTO_T_RELOAD) {
        if (s_reload(self, &err) != 0)
            goto fail;
        res.reloaded = (uint32_t) route_table_size(self->routes);
    } else {
        int64_t now_mono = clock_mono_ms(), now_wall = clock_wall_ms();
        size_t n = worker_registry_size(self->workers);
        for (size_t i = 0; i < n; i++) {
            const worker_t *w = worker_registry_at(self->workers, i);
            if (req->venue[0] && strcmp(req->venue, w->venue) != 0)
                continue;
            proto_worker_info_t *info = proto_result_add_worker(&res);
            if (!info)
                break;
            snprintf(info->venue, sizeof info->venue, "%s", w->venue);
            snprintf(info->instance, sizeof info->instance, "%s", w->instance);
            snprintf(info->account, sizeof info->account, "%s", w->account);
            info->alive = true;
            info->capacity = w->capacity;
            info->inflight = w->inflight;
            info->journal_backlog = w->journal_backlog;
            info->last_seen = now_wall - (now_mono - w->last_seen_ms);
        }
    }
    s_result_to(self, msg, hdr, &res);
    proto_result_free(&res);
    return;
fail:
    proto_result_free(&res);
    s_error_to(self, msg, hdr->id, hdr->client, err.code, NULL, NULL, "%s", err.msg);
}

/* ---- frontend: requests from the gateway ---------------------------------------------------------------- */

static void s_handle_request(router_t *self, bus_msg_t *msg)
{
    proto_header_t hdr;
    err_t err = {0};
    if (bus_msg_parse(msg, self->reader, &hdr, &err) != 0) {
        self->invalid++;
        s_error_to(self, msg, hdr.id, "", XR_INVALID_REQUEST, NULL, NULL, "%s", err.msg);
        return;
    }
    proto_request_t req;
    if (proto_request_decode(self->reader, &req, &err) != 0) {
        self->invalid++;
        s_error_to(self, msg, hdr.id, hdr.client, XR_INVALID_REQUEST, NULL, NULL, "%s", err.msg);
        return;
    }
    size_t env_len;
    const void *env = bus_msg_envelope(msg, &env_len);
    if (req.op == PROTO_T_ROUTE || req.op == PROTO_T_RELOAD || req.op == PROTO_T_VENUES) {
        s_admin(self, msg, &hdr, &req);
    } else if (s_is_fanout(&req)) {
        s_fanout_start(self, msg, &hdr, &req, env, env_len);
    } else {
        char venue[ROUTE_VENUE_MAX], reason[ROUTE_REASON_MAX];
        const char *cloid = req.op == PROTO_T_PLACE_ORDER ? req.order.client_order_id : req.ref.client_order_id;
        pending_t *p = NULL;
        int routed;
        if (req.venue[0] && !req.symbol[0]) {
            /* a venue-wide request (health, balances of one venue, ...) needs no symbol to route */
            routed = route_table_is_off(self->routes, req.venue)
                         ? err_set(&err, XR_NO_ROUTE, "venue %s is switched off", req.venue)
                         : 0;
            snprintf(venue, sizeof venue, "%s", req.venue);
        } else {
            routed = route_table_resolve(self->routes, req.symbol, req.venue, venue, reason, NULL, &err);
        }
        if (routed == 0)
            p = s_forward(self, env, env_len, venue, req.account, req.op, cloid,
                          s_deadline(&hdr, self->cfg.request_timeout_ms), &err);
        if (p) {
            p->reply_route = bus_msg_new_reply(msg);
            snprintf(p->orig_id, sizeof p->orig_id, "%s", hdr.id);
        } else {
            log_info("%s symbol=%s cl_ord_id=%s refused: %s %s", proto_type_name(req.op), req.symbol, cloid,
                     xr_code_name(err.code), err.msg);
            s_error_to(self, msg, hdr.id, hdr.client, err.code, req.venue[0] ? req.venue : NULL, cloid, "%s",
                       err.msg);
        }
    }
    proto_request_free(&req);
}

/* Handles up to ROUTER_BATCH messages waiting on the frontend (the pump's drain of it). */
static void s_drain_frontend(void *arg)
{
    router_t *self = arg;
    zsock_t *sock = self->frontend;
    int i;
    for (i = 0; i < ROUTER_BATCH; i++) {
        err_t err = {0};
        bus_msg_t *msg = bus_msg_recv(sock, &err);
        if (!msg) {
            if (err.code != XR_OK) {
                self->invalid++;
                log_warn("frontend message dropped: %s", err.msg);
                continue;
            }
            bus_pump_clean(self->pump, ROUTER_S_FRONTEND);
            break;
        }
        const char *uid = bus_msg_user_id(msg);
        if (self->gateway_key[0] && (!uid || (strcmp(uid, self->gateway_key) != 0 &&
                                              (!self->recorder_key[0] || strcmp(uid, self->recorder_key) != 0)))) {
            self->invalid++;
            log_warn("frontend message from key %s dropped: only the gateway's and the recorder's keys are served here",
                     uid ? uid : "-");
            bus_msg_destroy(&msg);
            continue;
        }
        s_handle_request(self, msg);
        bus_msg_destroy(&msg);
    }
}

/* ---- backend: workers ---------------------------------------------------------------------------------- */

/* Sends a control message to one worker. replicas (router.heartbeat) is how many workers of the receiver's
 * (venue, account) are registered: each uses it to split the account's rate-limit budget (README 9); 0 for
 * a router.hello (the peer is unknown). */
static void s_send_control(router_t *self, const uint8_t *identity, size_t len, proto_type_t type, size_t replicas)
{
    proto_header_t h;
    char id[24];
    snprintf(id, sizeof id, "c%llu", (unsigned long long) ++self->next_rid);
    proto_header_init(&h, id);
    proto_control_t c;
    proto_control_init(&c, type);
    c.epoch = self->epoch;
    c.replicas = (uint32_t) replicas;
    buf_reset(&self->out);
    err_t err = {0};
    if (proto_control_encode(&h, &c, &self->out, &err) != 0)
        return;
    bus_msg_t *route = bus_msg_new();
    bus_msg_push_route(route, identity, len, NULL);
    bus_pump_dirty(self->pump, ROUTER_S_BACKEND);
    bus_send_envelope(self->backend, route, &self->out, &err);
    bus_msg_destroy(&route);
}

static void s_handle_reply(router_t *self, bus_msg_t *msg, const proto_header_t *hdr, worker_t *w)
{
    pending_t *p = zhashx_lookup(self->pending, hdr->id);
    if (!p) {
        log_info("late reply id=%s from worker %s dropped (already answered)", hdr->id, w ? w->instance : "?");
        return;
    }
    worker_t *owner = s_worker_by_instance(self, p->instance);
    if (owner) {
        if (owner->inflight > 0)
            owner->inflight--;
        owner->served++;
    }
    if (p->fan) {
        err_t err = {0};
        if (hdr->type == PROTO_T_RESULT) {
            proto_result_t res;
            if (proto_result_decode(self->reader, &res, &err) == 0)
                s_leg_done(self, p, &res, NULL);
            else {
                proto_error_t e = {.code = XR_INTERNAL};
                snprintf(e.message, sizeof e.message, "worker reply malformed: %s", err.msg);
                s_leg_done(self, p, NULL, &e);
            }
        } else {
            proto_error_t e;
            if (proto_error_decode(self->reader, &e, &err) != 0) {
                memset(&e, 0, sizeof e);
                e.code = XR_INTERNAL;
                snprintf(e.message, sizeof e.message, "worker error malformed: %s", err.msg);
            }
            if (!e.venue[0])
                snprintf(e.venue, sizeof e.venue, "%s", p->venue);
            s_leg_done(self, p, NULL, &e);
        }
    } else {
        size_t len;
        const void *env = bus_msg_envelope(msg, &len);
        buf_reset(&self->out);
        err_t err = {0};
        if (proto_envelope_rewrite(env, len, p->orig_id, NULL, &self->out, &err) == 0)
            s_send_frontend(self, p->reply_route, &self->out);
        else
            s_error_to(self, p->reply_route, p->orig_id, "", XR_INTERNAL, p->venue, p->client_order_id,
                       "worker reply could not be relayed: %s", err.msg);
    }
    zhashx_delete(self->pending, p->rid);
}

static void s_handle_control(router_t *self, const uint8_t *ident, size_t ident_len, worker_t *w)
{
    proto_control_t c;
    err_t err = {0};
    if (proto_control_decode(self->reader, &c, &err) != 0) {
        log_warn("control message from worker dropped: %s", err.msg);
        return;
    }
    int64_t now = clock_mono_ms();
    if (c.type == PROTO_T_WORKER_REGISTER) {
        bool is_new;
        worker_t *nw = worker_registry_register(self->workers, ident, ident_len, c.venue, c.account, c.instance,
                                                c.capacity, now, &is_new);
        if (!nw) {
            log_error("worker registry full: %s refused", c.instance);
            return;
        }
        log_info("worker %s venue=%s account=%s instance=%s capacity=%u pid=%u", is_new ? "registered" : "re-registered",
                 c.venue, c.account, c.instance, c.capacity, c.pid);
        /* The heartbeat at once is the registration's acknowledgement, with the replica count. */
        s_send_control(self, ident, ident_len, PROTO_T_ROUTER_HEARTBEAT,
                       worker_registry_count(self->workers, nw->venue, nw->account));
        return;
    }
    if (c.type == PROTO_T_WORKER_HEARTBEAT) {
        if (!w) {
            s_send_control(self, ident, ident_len, PROTO_T_ROUTER_HELLO, 0);
            return;
        }
        w->last_seen_ms = now;
        w->reported_inflight = c.inflight;
        w->journal_backlog = c.journal_backlog;
    }
}

/* Handles up to ROUTER_BATCH messages waiting on the backend (the pump's drain of it). */
static void s_drain_backend(void *arg)
{
    router_t *self = arg;
    zsock_t *sock = self->backend;
    int i;
    for (i = 0; i < ROUTER_BATCH; i++) {
        err_t err = {0};
        bus_msg_t *msg = bus_msg_recv(sock, &err);
        if (!msg) {
            if (err.code != XR_OK)
                continue;
            bus_pump_clean(self->pump, ROUTER_S_BACKEND);
            break;
        }
        size_t ident_len = 0;
        const uint8_t *ident = bus_msg_route_count(msg) ? bus_msg_route(msg, 0, &ident_len) : NULL;
        proto_header_t hdr;
        if (!ident || bus_msg_parse(msg, self->reader, &hdr, &err) != 0) {
            log_warn("backend message dropped: %s", ident ? err.msg : "no identity");
            bus_msg_destroy(&msg);
            continue;
        }
        worker_t *w = worker_registry_find(self->workers, ident, ident_len);
        if (w)
            w->last_seen_ms = clock_mono_ms();
        if (hdr.type == PROTO_T_RESULT || hdr.type == PROTO_T_ERROR) {
            s_handle_reply(self, msg, &hdr, w);
            if (!w)
                s_send_control(self, ident, ident_len, PROTO_T_ROUTER_HELLO, 0);
        } else {
            s_handle_control(self, ident, ident_len, w);
        }
        bus_msg_destroy(&msg);
    }
}

/* ---- the sockets in the loop --------------------------------------------------------------------------- */

/* The sockets wait and drain through a bus_pump (lib/bus/bus_pump.h): their ZMQ_FD descriptors in the loop,
 * each socket used since its last empty receive drained again before the loop waits. */

/* ---- timers -------------------------------------------------------------------------------------------- */

typedef struct {
    router_t *self;      /* the router */
    const worker_t *w;   /* worker being dropped */
} drop_ctx_t;

static void s_on_worker_drop(const worker_t *w, void *arg)
{
    router_t *self = arg;
    zlistx_t *dead = zlistx_new();
    for (pending_t *p = zhashx_first(self->pending); p; p = zhashx_next(self->pending))
        if (strcmp(p->instance, w->instance) == 0)
            zlistx_add_end(dead, p);
    for (pending_t *p = zlistx_first(dead); p; p = zlistx_next(dead)) {
        s_pending_fail(self, p, XR_TIMEOUT,
                       "worker %s of venue %s stopped answering; the outcome is unknown: query the order by its client "
                       "order id before placing it again",
                       w->instance, w->venue);
        zhashx_delete(self->pending, p->rid);
    }
    zlistx_destroy(&dead);
}

static int s_on_heartbeat(bus_loop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    router_t *self = arg;
    worker_registry_expire(self->workers, clock_mono_ms(), s_on_worker_drop, self);
    size_t n = worker_registry_size(self->workers);
    for (size_t i = 0; i < n; i++) {
        const worker_t *w = worker_registry_at(self->workers, i);
        s_send_control(self, w->identity, w->identity_len, PROTO_T_ROUTER_HEARTBEAT,
                       worker_registry_count(self->workers, w->venue, w->account));
    }
    bus_pump_run(self->pump, 0);
    return 0;
}

/* The earliest deadline has come: fail what passed its deadline, then arm the timer again at the earliest
 * deadline left. */
static int s_on_deadline(bus_loop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    router_t *self = arg;
    self->deadline_timer = 0; /* one-shot: gone once fired */
    int64_t now = clock_mono_ms();
    int64_t next = INT64_MAX;
    zlistx_t *late = NULL;
    for (pending_t *p = zhashx_first(self->pending); p; p = zhashx_next(self->pending)) {
        if (p->deadline_ms > now) {
            next = p->deadline_ms < next ? p->deadline_ms : next;
            continue;
        }
        if (!late)
            late = zlistx_new();
        zlistx_add_end(late, p);
    }
    size_t late_n = late ? zlistx_size(late) : 0;
    for (pending_t *p = late ? zlistx_first(late) : NULL; p; p = zlistx_next(late)) {
        worker_t *w = s_worker_by_instance(self, p->instance);
        if (w && w->inflight > 0)
            w->inflight--;
        s_pending_fail(self, p, XR_TIMEOUT, "no reply from worker %s of venue %s before the deadline; the outcome is "
                       "unknown", p->instance, p->venue);
        zhashx_delete(self->pending, p->rid);
    }
    zlistx_destroy(&late);
    if (next != INT64_MAX)
        s_arm_deadline(self, next);
    if (late_n > 0)
        bus_pump_run(self->pump, 0);
    return 0;
}

static int s_on_sighup(bus_loop_t *loop, int fd, short revents, void *arg)
{
    (void) loop;
    (void) revents;
    router_t *self = arg;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof si) == (ssize_t) sizeof si) {
        err_t err = {0};
        log_info("SIGHUP: reloading routes from %s", self->routes_path);
        s_reload(self, &err);
    }
    return 0;
}

/* ---- lifecycle ----------------------------------------------------------------------------------------- */

void router_config_default(router_config_t *cfg)
{
    cfg->frontend = "tcp://127.0.0.1:7110";
    cfg->backend = "tcp://127.0.0.1:7111";
    cfg->routes_path = "deploy/config/routes.conf";
    cfg->heartbeat_ms = 1000;
    cfg->liveness_ms = 3000;
    cfg->request_timeout_ms = 30000;
    cfg->fanout_timeout_ms = 5000;
    cfg->curve = NULL;
    cfg->gateway_key = NULL;
    cfg->recorder_key = NULL;
}

static int s_sighup_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    /* Blocked before any ZeroMQ thread exists, so every thread inherits the mask and SIGHUP only ever
     * arrives through the signalfd. */
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

router_t *router_new(const router_config_t *cfg, err_t *err)
{
    router_t *self = mem_calloc(1, sizeof *self);
    self->cfg = *cfg;
    snprintf(self->routes_path, sizeof self->routes_path, "%s", cfg->routes_path);
    self->sighup_fd = s_sighup_fd();
    self->epoch = clock_wall_ms();
    buf_init(&self->out, ROUTER_OUT_MAX);
    self->reader = proto_msg_new();
    self->pending = zhashx_new();
    zhashx_set_destructor(self->pending, s_pending_free);
    self->workers = worker_registry_new(cfg->liveness_ms);
    self->routes = route_table_load(self->routes_path, err);
    if (!self->routes)
        goto fail;
    char ep[600];
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    if (cfg->curve && bus_curve_server_opts(cfg->curve, NULL, false, &o, err) != 0)
        goto fail;
    if (o.curve_secret_key && cfg->gateway_key) {
        snprintf(self->gateway_key, sizeof self->gateway_key, "%s", cfg->gateway_key);
        snprintf(self->recorder_key, sizeof self->recorder_key, "%s", cfg->recorder_key ? cfg->recorder_key : "");
    }
    snprintf(ep, sizeof ep, "@%s", cfg->frontend);
    self->frontend = bus_router_new(ep, &o, err);
    if (!self->frontend)
        goto fail;
    bus_sock_opts_default(&o);
    if (cfg->curve && bus_curve_server_opts(cfg->curve, NULL, true, &o, err) != 0)
        goto fail;
    snprintf(ep, sizeof ep, "@%s", cfg->backend);
    self->backend = bus_router_new(ep, &o, err);
    if (!self->backend)
        goto fail;
    self->loop = bus_loop_new();
    self->pump = bus_pump_new(self->loop, ROUTER_PUMP_PASSES, NULL, self);
    if (bus_pump_add(self->pump, ROUTER_S_FRONTEND, self->frontend, s_drain_frontend, err) != 0 ||
        bus_pump_add(self->pump, ROUTER_S_BACKEND, self->backend, s_drain_backend, err) != 0)
        goto fail;
    if (self->sighup_fd >= 0 && bus_loop_add_fd(self->loop, self->sighup_fd, ZMQ_POLLIN, s_on_sighup, self, err) != 0)
        goto fail;
    bus_loop_add_timer(self->loop, cfg->heartbeat_ms, cfg->heartbeat_ms, s_on_heartbeat, self);
    log_info("router frontend=%s backend=%s routes=%s rules=%zu curve=%s worker_links=%s gateway_key=%s "
             "recorder_key=%s",
             bus_sock_endpoint(self->frontend), bus_sock_endpoint(self->backend), self->routes_path, route_table_size(self->routes), cfg->curve && bus_curve_enabled(cfg->curve, false) ? "on" : "off",
             cfg->curve && bus_curve_enabled(cfg->curve, true) ? "on" : "off",
             self->gateway_key[0] ? self->gateway_key : "-", self->recorder_key[0] ? self->recorder_key : "-");
    return self;
fail:
    router_destroy(&self);
    return NULL;
}

int router_run(router_t *self)
{
    /* setting the sockets up (bind, options) may have consumed a notification already */
    bus_pump_run(self->pump, ROUTER_S_ALL);
    int rc = bus_loop_run(self->loop);
    log_info("router stopping: %zu requests in flight dropped, %llu invalid requests refused",
             zhashx_size(self->pending), (unsigned long long) self->invalid);
    return rc;
}

const char *router_frontend_endpoint(router_t *self)
{
    return bus_sock_endpoint(self->frontend);
}

const char *router_backend_endpoint(router_t *self)
{
    return bus_sock_endpoint(self->backend);
}

void router_destroy(router_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    router_t *self = *self_p;
    bus_loop_destroy(&self->loop);
    bus_pump_destroy(&self->pump);
    zsock_destroy(&self->backend);
    zsock_destroy(&self->frontend);
    route_table_destroy(&self->routes);
    worker_registry_destroy(&self->workers);
    zhashx_destroy(&self->pending);
    proto_msg_destroy(&self->reader);
    buf_release(&self->out);
    if (self->sighup_fd >= 0)
        close(self->sighup_fd);
    mem_free(self);
    *self_p = NULL;
}
