/* runtime: the venue worker service: configuration, sockets, the one poll loop (the ZeroMQ sockets' ZMQ_FD
 * descriptors, the HTTP client's sockets and the signal pipe together), startup (clock, instruments,
 * unresolved sends), the worker <-> router protocol (register, heartbeats, re-register after a router
 * restart), request dispatch and replies, and health. Venue calls themselves are driven by rt_call.c. */
#include "rt.h"

#include "base/log.h"
#include "base/mem.h"
#include "base/prog.h"
#include "bus/bus_curve.h"
#include "bus/bus_signal.h"
#include "crypto/crypto.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RT_HEARTBEAT_MS 1000
#define RT_ROUTER_LIVENESS_MS 3000
#define RT_HELLO_MS 5000
#define RT_TIME_SYNC_MS 60000
#define RT_INSTRUMENTS_MS (60 * 60 * 1000)
#define RT_INSTRUMENTS_RECHECK_MS 60000 /* an unknown symbol brings the next reload this close */
#define RT_START_RETRY_MS 2000
#define RT_TICK_MS 50
#define RT_DRAIN_PASSES 4 /* drain-and-flush passes per loop round */

int64_t rt_now(void)
{
    return clock_mono_ms();
}

/* ---- configuration ------------------------------------------------------------------------------------ */

static int s_str(const config_t *cfg, const char *key, const char *def, char *out, size_t cap, err_t *err)
{
    const char *v = config_get_str(cfg, key, def);
    if (snprintf(out, cap, "%s", v) >= (int) cap)
        return err_set(err, XR_INVALID_REQUEST, "setting %s is too long", key);
    return 0;
}

static int s_mkdirs(const char *path, err_t *err)
{
    char p[512];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c == '/' || c == '\0') {
            *s = '\0';
            if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return err_set(err, XR_INVALID_REQUEST, "XROUTE_VENUE_STATE_DIR: cannot create %s: %s", p, strerror(errno));
            *s = c;
        }
        if (!c)
            return 0;
    }
}

static int s_credentials(venue_runtime_t *rt, const config_t *cfg, const char *V, err_t *err)
{
    char key[64];
    snprintf(key, sizeof key, "%s_API_KEY", V);
    const char *api_key;
    if (config_require_str(cfg, key, &api_key, err) < 0)
        return -1;
    if (snprintf(rt->creds.api_key, sizeof rt->creds.api_key, "%s", api_key) >= (int) sizeof rt->creds.api_key)
        return err_set(err, XR_INVALID_REQUEST, "%s is too long", key);
    snprintf(key, sizeof key, "%s_API_SECRET", V);
    char *secret = NULL;
    if (config_get_secret(cfg, key, &secret, err) < 0)
        return -1;
    int too_long = snprintf(rt->creds.api_secret, sizeof rt->creds.api_secret, "%s", secret) >=
                   (int) sizeof rt->creds.api_secret;
    config_secret_free(&secret);
    if (too_long)
        return err_set(err, XR_INVALID_REQUEST, "%s is too long", key);
    if (!(rt->creds.hmac = crypto_hmac_new_str(rt->creds.api_secret)))
        return err_set(err, XR_INTERNAL, "cannot prepare the HMAC key of %s", key);
    snprintf(key, sizeof key, "%s_PASSPHRASE", V);
    snprintf(rt->creds.passphrase, sizeof rt->creds.passphrase, "%s", config_get_str(cfg, key, ""));
    return 0;
}

static int s_config(venue_runtime_t *rt, const config_t *cfg, err_t *err)
{
    const venue_ops_t *ops = rt->ops;
    char V[32], key[64], def[256];
    snprintf(V, sizeof V, "%s", ops->name);
    for (char *p = V; *p; p++)
        *p = (char) toupper((unsigned char) *p);
    snprintf(rt->venue, sizeof rt->venue, "%s", ops->name);
    if (s_credentials(rt, cfg, V, err) < 0)
        return -1;
    bool testnet;
    snprintf(key, sizeof key, "%s_TESTNET", V);
    if (config_get_bool(cfg, key, false, &testnet, err) < 0)
        return -1;
    snprintf(key, sizeof key, "%s_BASE_URL", V);
    if (s_str(cfg, key, testnet ? ops->testnet_url : ops->base_url, rt->base_url, sizeof rt->base_url, err) < 0)
        return -1;
    size_t n = strlen(rt->base_url);
    while (n && rt->base_url[n - 1] == '/')
        rt->base_url[--n] = '\0';
    /* The market-data host: its own setting, else the adapter's production host, unless the REST base was
     * moved (a simulator or a proxy then serves both). */
    bool base_moved = config_has(cfg, key);
    snprintf(key, sizeof key, "%s_PUBLIC_URL", V);
    const char *pub_def = ops->public_url && !base_moved && !testnet ? ops->public_url : rt->base_url;
    if (s_str(cfg, key, pub_def, rt->public_url, sizeof rt->public_url, err) < 0)
        return -1;
    n = strlen(rt->public_url);
    while (n && rt->public_url[n - 1] == '/')
        rt->public_url[--n] = '\0';
    int64_t v;
    snprintf(key, sizeof key, "%s_RECV_WINDOW_MS", V);
    if (config_get_int(cfg, key, 5000, 0, 60000, &v, err) < 0)
        return -1;
    rt->creds.recv_window_ms = (int) v;
    snprintf(def, sizeof def, "%s-1", ops->name);
    if (s_str(cfg, "XROUTE_VENUE_INSTANCE", def, rt->instance, sizeof rt->instance, err) < 0 ||
        proto_check_instance(rt->instance, "XROUTE_VENUE_INSTANCE", err) < 0 ||
        s_str(cfg, "XROUTE_VENUE_ACCOUNT", PROTO_DEFAULT_ACCOUNT, rt->account, sizeof rt->account, err) < 0 ||
        proto_check_account(rt->account, "XROUTE_VENUE_ACCOUNT", err) < 0)
        return -1;
    snprintf(def, sizeof def, "var/%s", ops->name);
    if (s_str(cfg, "XROUTE_VENUE_STATE_DIR", def, rt->state_dir, sizeof rt->state_dir, err) < 0 ||
        s_str(cfg, "XROUTE_VENUE_ROUTER", "tcp://127.0.0.1:7111", rt->router_ep, sizeof rt->router_ep, err) < 0 ||
        s_str(cfg, "XROUTE_VENUE_EVENTS", "tcp://127.0.0.1:7102,tcp://127.0.0.1:7120", rt->events_ep,
              sizeof rt->events_ep, err) < 0 ||
        s_str(cfg, "XROUTE_VENUE_RECORDER", "tcp://127.0.0.1:7121", rt->recorder_ep, sizeof rt->recorder_ep, err) < 0)
        return -1;
    if (config_get_int(cfg, "XROUTE_VENUE_CAPACITY", 64, 1, 10000, &v, err) < 0)
        return -1;
    rt->capacity = (int) v;
    if (config_get_int(cfg, "XROUTE_VENUE_REPLICAS", 1, 1, RATELIMIT_MAX_SHARE, &v, err) < 0)
        return -1;
    rt->replicas = rt->replicas_config = (int) v;
    if (config_get_duration_ms(cfg, "XROUTE_VENUE_HTTP_TIMEOUT_MS", 10000, &v, err) < 0)
        return -1;
    rt->http_timeout_ms = (int) (v > 0 && v < 600000 ? v : 10000);
    if (config_get_duration_ms(cfg, "XROUTE_VENUE_FILL_POLL_MS", 250, &rt->fill_poll_ms, err) < 0 ||
        config_get_duration_ms(cfg, "XROUTE_VENUE_ACCEPTANCE_MS", ops->acceptance_window_ms, &rt->acceptance_ms, err) < 0)
        return -1;
    if (rt->fill_poll_ms < 10)
        rt->fill_poll_ms = 10;
    if (config_get_bool(cfg, "XROUTE_VENUE_JOURNAL_SYNC", true, &rt->journal_sync, err) < 0)
        return -1;
    return 0;
}

/* "a,b" -> ">a,>b" (czmq connect syntax). */
static void s_connect_eps(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    bool start = true;
    for (const char *p = in; *p && o + 2 < cap; p++) {
        if (start && *p != '>' && *p != '@')
            out[o++] = '>';
        start = *p == ',';
        out[o++] = *p;
    }
    out[o] = '\0';
}

/* ---- rate limits -------------------------------------------------------------------------------------- */

static void s_carry_usage(ratelimit_t *from, ratelimit_t *to)
{
    int64_t now = rt_now();
    for (size_t i = 0; i < ratelimit_rule_count(from); i++) {
        ratelimit_usage_t u;
        if (ratelimit_usage(from, i, now, &u) == 0 && u.used > 0)
            ratelimit_correct(to, u.name, u.used, now, NULL);
    }
}

static int s_limits(venue_runtime_t *rt, const venue_limits_t *l, err_t *err)
{
    ratelimit_t *w = ratelimit_new("weight", rt->replicas, err), *o = ratelimit_new("orders", rt->replicas, err);
    if (!w || !o)
        goto fail;
    /* Published figures beyond what the limiter holds are as good as none: clamped, never refused. */
#define S_UNITS(v, def) ((v) > 0 ? ((v) < RATELIMIT_MAX_UNITS ? (v) : RATELIMIT_MAX_UNITS) : (def))
#define S_MS(v, def) ((v) > 0 ? ((v) < RATELIMIT_MAX_INTERVAL_MS ? (v) : RATELIMIT_MAX_INTERVAL_MS) : (def))
    ratelimit_rule_t rw = {"weight", RATELIMIT_WINDOW, RATELIMIT_BY_WEIGHT, S_UNITS(l->weight_per_window, 1200),
                           S_MS(l->weight_window_ms, 60000), 0};
    if (ratelimit_add_rule(w, &rw, err) < 0)
        goto fail;
    ratelimit_rule_t rs = {"orders-short", RATELIMIT_WINDOW, RATELIMIT_BY_COUNT, S_UNITS(l->orders_short, 100),
                           S_MS(l->orders_short_ms, 10000), 0};
    ratelimit_rule_t rl = {"orders-long", RATELIMIT_WINDOW, RATELIMIT_BY_COUNT, S_UNITS(l->orders_long, 1200),
                           S_MS(l->orders_long_ms, 60000), 0};
#undef S_UNITS
#undef S_MS
    if (ratelimit_add_rule(o, &rs, err) < 0 || ratelimit_add_rule(o, &rl, err) < 0)
        goto fail;
    /* A ban in force and the usage of the window (venue units, whatever the share) carry over to the new
     * limiters. */
    if (rt->weight_rl) {
        ratelimit_block_until(w, ratelimit_blocked_until(rt->weight_rl));
        ratelimit_block_until(o, ratelimit_blocked_until(rt->order_rl));
        s_carry_usage(rt->weight_rl, w);
        s_carry_usage(rt->order_rl, o);
    }
    ratelimit_destroy(&rt->weight_rl);
    ratelimit_destroy(&rt->order_rl);
    rt->weight_rl = w;
    rt->order_rl = o;
    return 0;
fail:
    ratelimit_destroy(&w);
    ratelimit_destroy(&o);
    return -1;
}

/* ---- replies ------------------------------------------------------------------------------------------ */

static void s_send_route(venue_runtime_t *rt, const bus_msg_t *route)
{
    err_t err;
    rt->zdirty |= RT_Z_ROUTER;
    if (bus_send_envelope(rt->router, route, &rt->out, &err) < 0)
        log_warn("reply venue=%s failed: %s", rt->venue, err.msg);
}

void rt_reply_result(venue_runtime_t *rt, rt_call_t *c, const proto_result_t *res)
{
    proto_header_t h;
    err_t err;
    proto_header_reply(&h, &c->hdr);
    buf_reset(&rt->out);
    if (proto_result_encode(&h, res, &rt->out, &err) < 0) {
        venue_error_t e = {.code = XR_INTERNAL};
        snprintf(e.message, sizeof e.message, "reply too large: %s", err.msg);
        rt_reply_error(rt, c, &e);
        return;
    }
    s_send_route(rt, c->route);
}

void rt_reply_error(venue_runtime_t *rt, rt_call_t *c, const venue_error_t *e)
{
    proto_header_t h;
    proto_error_t pe;
    err_t err;
    const char *clid = c->reply_op == VENUE_OP_PLACE_ORDER ? c->call.in.order.client_order_id
                                                           : c->call.in.client_order_id;
    venue_convert_error(e, rt->venue, clid, &pe);
    proto_header_reply(&h, &c->hdr);
    buf_reset(&rt->out);
    if (proto_error_encode(&h, &pe, &rt->out, &err) == 0)
        s_send_route(rt, c->route);
    log_info("%s venue=%s id=%s cl_ord_id=%s failed: %s %s%s%s", venue_op_name(c->reply_op), rt->venue, c->hdr.id,
             clid, xr_code_name(pe.code), pe.message, pe.venue_code[0] ? " venue_code=" : "", pe.venue_code);
}

static void s_reply_plain_error(venue_runtime_t *rt, const bus_msg_t *route, const proto_header_t *req,
                                xr_code_t code, const char *msg)
{
    err_t err;
    buf_reset(&rt->out);
    if (proto_error_reply(req, code, &rt->out, &err, "%s", msg) == 0)
        s_send_route(rt, route);
}

/* ---- health ------------------------------------------------------------------------------------------- */

static void s_health(venue_runtime_t *rt, const bus_msg_t *route, const proto_header_t *req)
{
    proto_result_t res;
    proto_result_init(&res, PROTO_T_HEALTH);
    proto_health_t *h = proto_result_add_health(&res);
    snprintf(h->venue, sizeof h->venue, "%s", rt->venue);
    snprintf(h->instance, sizeof h->instance, "%s", rt->instance);
    h->reachable = rt->reachable;
    h->clock_offset_ms = rt->clock.offset_ms;
    ratelimit_usage_t u;
    if (ratelimit_usage(rt->weight_rl, 0, rt_now(), &u) == 0) {
        h->rate_limit_used = (uint32_t) u.used;
        h->rate_limit_limit = (uint32_t) u.limit;
    }
    h->replicas = (uint32_t) rt->replicas;
    circuit_state_t cs = circuit_state(rt->circuit);
    h->circuit = cs == CIRCUIT_OPEN ? PROTO_CIRCUIT_OPEN : cs == CIRCUIT_HALF_OPEN ? PROTO_CIRCUIT_HALF_OPEN
                                                                                   : PROTO_CIRCUIT_CLOSED;
    h->inflight = (uint32_t) http_client_in_flight(rt->http);
    h->journal_backlog = journal_count(rt->events);
    int64_t p50, max;
    rt_fills_latency(rt, &p50, &max);
    log_info("health venue=%s reachable=%d offset_ms=%lld weight=%u/%u circuit=%s inflight=%u backlog=%llu "
             "fill_latency_p50_ms=%lld fill_latency_max_ms=%lld unresolved=%zu fill_owner=%d",
             rt->venue, h->reachable, (long long) h->clock_offset_ms, h->rate_limit_used, h->rate_limit_limit,
             circuit_state_name(cs), h->inflight, (unsigned long long) h->journal_backlog, (long long) p50,
             (long long) max, rt->n_intents, rt->fill_owner);
    proto_header_t rh;
    err_t err;
    proto_header_reply(&rh, req);
    buf_reset(&rt->out);
    if (proto_result_encode(&rh, &res, &rt->out, &err) == 0)
        s_send_route(rt, route);
    proto_result_free(&res);
}

/* ---- requests ----------------------------------------------------------------------------------------- */

static int s_new_clid(char out[VENUE_CLID_MAX])
{
    out[0] = 'x';
    out[1] = 'r';
    return crypto_random_id(out + 2, 22);
}

/* Checks a place_order against the instrument (and generates its client id). 0 or -1 with e set. */
static int s_prepare_order(venue_runtime_t *rt, venue_order_req_t *o, venue_error_t *e)
{
    err_t err;
    err_clear(&err);
    const instrument_t *in = instruments_find(rt->instruments, o->symbol);
    if (!in) {
        err_set(&err, XR_UNKNOWN_SYMBOL, "unknown symbol %s on %s", o->symbol, rt->venue);
        /* Maybe a new listing: reload the instrument list soon (at most once a minute for this reason). */
        if (rt->next_instruments > rt_now() + RT_INSTRUMENTS_RECHECK_MS)
            rt->next_instruments = rt_now() + RT_INSTRUMENTS_RECHECK_MS;
    }
    else if (instrument_check_order(in, o, DECIMAL_ZERO, &err) == 0 && !o->client_order_id[0] &&
             s_new_clid(o->client_order_id) < 0)
        err_set(&err, XR_INTERNAL, "cannot generate a client order id");
    if (err.code == XR_OK)
        return 0;
    memset(e, 0, sizeof *e);
    e->code = err.code;
    snprintf(e->message, sizeof e->message, "%s", err.msg);
    return -1;
}

/* True if another live call places an order with c's client id (a double submission racing itself). */
static bool s_clid_in_progress(const venue_runtime_t *rt, const rt_call_t *c)
{
    for (const rt_call_t *o = rt->calls; o; o = o->next)
        if (o != c && o->reply_op == VENUE_OP_PLACE_ORDER &&
            strcmp(o->call.in.order.client_order_id, c->call.in.order.client_order_id) == 0)
            return true;
    return false;
}

/* A cancel or query that names only the client order id gets the venue id this worker knows for it (from this
 * run or from its send journal): venues without client ids (CoinDCX) can act on it after a restart too. */
static void s_known_order_id(venue_runtime_t *rt, venue_input_t *in)
{
    if (in->order_id[0] || !in->client_order_id[0])
        return;
    const rt_order_t *t = rt_order_lookup(rt, "", in->client_order_id);
    if (t && t->o.order_id[0] && (!in->symbol[0] || strcmp(t->o.symbol, in->symbol) == 0))
        snprintf(in->order_id, sizeof in->order_id, "%s", t->o.order_id);
}

static void s_request(venue_runtime_t *rt, bus_msg_t **msg_p, const proto_header_t *hdr)
{
    bus_msg_t *msg = *msg_p;
    proto_request_t req;
    err_t err;
    venue_op_t op;
    if (!rt->ready && hdr->type != PROTO_T_HEALTH) {
        s_reply_plain_error(rt, msg, hdr, XR_VENUE_UNAVAILABLE, "worker starting");
        return;
    }
    if (hdr->deadline && clock_wall_ms() > hdr->deadline) {
        s_reply_plain_error(rt, msg, hdr, XR_TIMEOUT, "deadline passed before the worker got the request");
        return;
    }
    if (proto_request_decode(rt->reader, &req, &err) < 0) {
        s_reply_plain_error(rt, msg, hdr, XR_INVALID_REQUEST, err.msg);
        return;
    }
    if (req.op == PROTO_T_HEALTH) {
        s_health(rt, msg, hdr);
        proto_request_free(&req);
        return;
    }
    if (req.account[0] && strcmp(req.account, rt->account) != 0) {
        char why[128];
        snprintf(why, sizeof why, "this worker serves account %s, not %s", rt->account, req.account);
        s_reply_plain_error(rt, msg, hdr, XR_NO_ROUTE, why);
        proto_request_free(&req);
        return;
    }
    if (venue_convert_op(req.op, &op) < 0) {
        s_reply_plain_error(rt, msg, hdr, XR_UNSUPPORTED, "not a venue operation");
        proto_request_free(&req);
        return;
    }
    if (rt->n_client_calls >= rt->capacity) {
        s_reply_plain_error(rt, msg, hdr, XR_VENUE_UNAVAILABLE, "worker at capacity");
        proto_request_free(&req);
        return;
    }
    rt_call_t *c = rt_call_new(rt, op);
    c->route = msg;
    *msg_p = NULL;
    rt->n_client_calls++;
    c->hdr = *hdr;
    c->deadline_ms = hdr->deadline;
    snprintf(c->account, sizeof c->account, "%s", rt->account);
    int rc = venue_convert_request(&req, &c->call.in, &err);
    if (rc == 0 && op == VENUE_OP_PLACE_ORDER && req.order.metadata.count && c->call.in.order.client_order_id[0])
        rt_order_meta(rt, c->call.in.order.client_order_id, c->call.in.order.symbol, &req.order.metadata);
    if (rc == 0 && (op == VENUE_OP_CANCEL_ORDER || op == VENUE_OP_GET_ORDER))
        s_known_order_id(rt, &c->call.in);
    if (rc < 0) {
        proto_request_free(&req);
        venue_fail(&c->call, XR_INVALID_REQUEST, "%s", err.msg);
        rt_reply_error(rt, c, &c->call.fail);
        rt_call_free(rt, c);
        return;
    }
    if (op == VENUE_OP_PLACE_ORDER && s_prepare_order(rt, &c->call.in.order, &c->call.fail) < 0) {
        proto_request_free(&req);
        rt_reply_error(rt, c, &c->call.fail);
        rt_call_free(rt, c);
        return;
    }
    if (op == VENUE_OP_PLACE_ORDER && req.order.metadata.count && !req.order.client_order_id[0])
        rt_order_meta(rt, c->call.in.order.client_order_id, c->call.in.order.symbol, &req.order.metadata);
    proto_request_free(&req);
    if (op == VENUE_OP_PLACE_ORDER && s_clid_in_progress(rt, c)) {
        venue_fail(&c->call, XR_DUPLICATE_ORDER, "an order with client id %s is already in progress",
                   c->call.in.order.client_order_id);
        rt_reply_error(rt, c, &c->call.fail);
        rt_call_free(rt, c);
        return;
    }
    if (op == VENUE_OP_PLACE_ORDER && clidset_has(rt->sent, c->call.in.order.client_order_id)) {
        /* Sent before (maybe before a restart): answer with that order, never place it again. */
        log_info("place_order venue=%s cl_ord_id=%s: id already sent, answering by query", rt->venue,
                 c->call.in.order.client_order_id);
        c->dedupe = true;
        c->call.op = VENUE_OP_GET_ORDER;
        snprintf(c->call.in.symbol, sizeof c->call.in.symbol, "%s", c->call.in.order.symbol);
        snprintf(c->call.in.client_order_id, sizeof c->call.in.client_order_id, "%s",
                 c->call.in.order.client_order_id);
        s_known_order_id(rt, &c->call.in); /* an exact answer on venues without client ids, after a restart too */
    }
    if (op == VENUE_OP_CLOSE_POSITION && !c->call.in.client_order_id[0])
        s_new_clid(c->call.in.client_order_id);
    rt_call_start(rt, c);
}

/* ---- router protocol ---------------------------------------------------------------------------------- */

static void s_control(venue_runtime_t *rt, proto_type_t type)
{
    proto_control_t c;
    proto_control_init(&c, type);
    snprintf(c.venue, sizeof c.venue, "%s", rt->venue);
    snprintf(c.instance, sizeof c.instance, "%s", rt->instance);
    snprintf(c.account, sizeof c.account, "%s", rt->account);
    c.capacity = (uint32_t) rt->capacity;
    c.pid = (uint32_t) getpid();
    c.inflight = (uint32_t) rt->n_client_calls;
    c.journal_backlog = journal_count(rt->events);
    proto_header_t h;
    char id[48];
    snprintf(id, sizeof id, "%s-%llu", type == PROTO_T_WORKER_REGISTER ? "reg" : "hb",
             (unsigned long long) ++rt->id_counter);
    proto_header_init(&h, id);
    buf_reset(&rt->out);
    err_t err;
    rt->zdirty |= RT_Z_ROUTER;
    if (proto_control_encode(&h, &c, &rt->out, &err) == 0)
        bus_send_envelope(rt->router, NULL, &rt->out, &err);
}

/* The router counts the live replicas of this venue and account (README 9, router.heartbeat): with more of
 * them than configured (docker compose --scale), each keeps only its share of the account's budget; the
 * count follows replicas as they come and go, never below XROUTE_VENUE_REPLICAS. 0 = not told. A larger
 * count applies at once; a smaller one only once the router has said so for RT_REPLICAS_HOLD_MS, since a
 * restarted router counts the workers as they re-register one by one and would otherwise hand each a larger
 * share for a moment. */
static void s_live_replicas(venue_runtime_t *rt, uint32_t live)
{
    if (live == 0)
        return;
    int want = live < RATELIMIT_MAX_SHARE ? (int) live : RATELIMIT_MAX_SHARE;
    if (want < rt->replicas_config)
        want = rt->replicas_config;
    if (want >= rt->replicas)
        rt->replicas_lower_since = 0;
    else if (!rt->replicas_lower_since)
        rt->replicas_lower_since = rt_now();
    if (want == rt->replicas || (want < rt->replicas && rt_now() - rt->replicas_lower_since < RT_REPLICAS_HOLD_MS))
        return;
    rt->replicas_lower_since = 0;
    log_info("rate limits venue=%s instance=%s: budget split %d -> %d (configured %d, live replicas %u)", rt->venue,
             rt->instance, rt->replicas, want, rt->replicas_config, live);
    rt->replicas = want;
    err_t err;
    if (rt->weight_rl && s_limits(rt, &rt->limits, &err) < 0)
        log_error("rate limits venue=%s: %s", rt->venue, err.msg);
}

static void s_register(venue_runtime_t *rt, const char *why)
{
    if (!rt->ready)
        return;
    log_info("register venue=%s instance=%s account=%s capacity=%d (%s)", rt->venue, rt->instance, rt->account,
             rt->capacity, why);
    s_control(rt, PROTO_T_WORKER_REGISTER);
    rt->registered = true;
}

static void s_on_router(venue_runtime_t *rt)
{
    err_t err;
    for (;;) {
        bus_msg_t *m = bus_msg_recv(rt->router, &err);
        if (!m)
            return;
        proto_header_t h;
        if (bus_msg_parse(m, rt->reader, &h, &err) < 0) {
            log_warn("router venue=%s: bad envelope: %s", rt->venue, err.msg);
            if (h.id[0])
                s_reply_plain_error(rt, m, &h, XR_INVALID_REQUEST, err.msg);
            bus_msg_destroy(&m);
            continue;
        }
        rt->router_seen_ms = rt_now();
        if (proto_type_is_request(h.type)) {
            s_request(rt, &m, &h);
        } else if (h.type == PROTO_T_ROUTER_HEARTBEAT || h.type == PROTO_T_ROUTER_HELLO) {
            proto_control_t c;
            if (proto_control_decode(rt->reader, &c, &err) == 0) {
                if (h.type == PROTO_T_ROUTER_HELLO)
                    s_register(rt, "router hello");
                else if ((rt->router_epoch && c.epoch != rt->router_epoch) || !rt->registered)
                    s_register(rt, rt->router_epoch ? "router restarted" : "router seen");
                rt->router_epoch = c.epoch;
                if (h.type == PROTO_T_ROUTER_HEARTBEAT)
                    s_live_replicas(rt, c.replicas);
            }
        } else if (h.type == PROTO_T_ERROR) {
            proto_error_t e;
            if (proto_error_decode(rt->reader, &e, &err) == 0 && e.code == XR_VENUE_UNAVAILABLE)
                s_register(rt, "router does not know us");
        }
        bus_msg_destroy(&m);
    }
}

/* ---- startup ------------------------------------------------------------------------------------------ */

static void s_instruments_done(venue_runtime_t *rt, rt_call_t *c, int rc)
{
    rt->starting = false;
    if (rc != VENUE_DONE || !c->call.result.instruments) {
        log_warn("instruments venue=%s: load failed: %s; retrying", rt->venue, c->call.fail.message);
        rt->next_start_try = rt_now() + RT_START_RETRY_MS;
        rt->next_instruments = rt_now() + RT_START_RETRY_MS;
        return;
    }
    err_t err;
    instruments_replace(rt->instruments, c->call.result.instruments);
    rt->limits = c->call.result.limits;
    if (s_limits(rt, &c->call.result.limits, &err) < 0)
        log_error("rate limits venue=%s: %s", rt->venue, err.msg);
    log_info("instruments venue=%s loaded=%zu weight_limit=%lld orders_limit=%lld", rt->venue,
             instruments_count(rt->instruments), (long long) c->call.result.limits.weight_per_window,
             (long long) c->call.result.limits.orders_short);
    rt->next_instruments = rt_now() + RT_INSTRUMENTS_MS;
    if (rt->start_step == 1)
        rt->start_step = 2;
}

static void s_start_time_done(venue_runtime_t *rt, rt_call_t *c, int rc)
{
    rt->starting = false;
    if (rc == VENUE_DONE) {
        clock_offset_update(&rt->clock, c->sent_wall_ms, c->call.result.server_time, clock_wall_ms());
        log_info("clock venue=%s offset_ms=%lld rtt_ms=%lld", rt->venue, (long long) rt->clock.offset_ms,
                 (long long) rt->clock.rtt_ms);
        rt->start_step = 1;
        rt->next_time_sync = rt_now() + RT_TIME_SYNC_MS;
    } else {
        log_warn("venue=%s unreachable at start (%s); retrying", rt->venue, c->call.fail.message);
        rt->next_start_try = rt_now() + RT_START_RETRY_MS;
    }
}

static void s_startup(venue_runtime_t *rt, int64_t now)
{
    if (rt->ready || rt->starting || now < rt->next_start_try)
        return;
    if (rt->start_step == 0) {
        rt->starting = true;
        rt_call_t *c = rt_call_new(rt, VENUE_OP_TIME);
        c->on_done = s_start_time_done;
        rt_call_start(rt, c);
    } else if (rt->start_step == 1) {
        rt->starting = true;
        rt_call_t *c = rt_call_new(rt, VENUE_OP_LOAD_INSTRUMENTS);
        c->on_done = s_instruments_done;
        rt_call_start(rt, c);
    } else if (rt->start_step == 2 && rt->n_intents == 0) {
        rt->start_step = 3;
        rt->ready = true;
        log_info("ready venue=%s instance=%s base_url=%s events_last_seq=%llu", rt->venue, rt->instance,
                 rt->base_url, (unsigned long long) journal_last_seq(rt->events));
        s_register(rt, "start");
        rt_events_hello(rt);
    }
}

static void s_periodic(venue_runtime_t *rt, int64_t now)
{
    s_startup(rt, now);
    if (now >= rt->next_heartbeat) {
        rt->next_heartbeat = now + RT_HEARTBEAT_MS;
        if (rt->ready)
            s_control(rt, PROTO_T_WORKER_HEARTBEAT);
        if (rt->registered && rt->router_seen_ms && now - rt->router_seen_ms > RT_ROUTER_LIVENESS_MS) {
            log_warn("router venue=%s silent for %lld ms; will register again when it answers", rt->venue,
                     (long long) (now - rt->router_seen_ms));
            rt->registered = false;
            rt->router_seen_ms = 0;
        }
        if (rt->ready && !rt->registered)
            s_register(rt, "router not heard from");
    }
    if (rt->ready && now >= rt->next_hello) {
        rt->next_hello = now + RT_HELLO_MS;
        rt_events_hello(rt);
    }
    if (rt->ready && now >= rt->next_time_sync && !rt->time_syncing) {
        rt->next_time_sync = now + RT_TIME_SYNC_MS;
        rt_time_sync(rt, NULL);
    }
    if (rt->ready && now >= rt->next_instruments) {
        rt->next_instruments = now + RT_INSTRUMENTS_MS;
        rt_call_t *c = rt_call_new(rt, VENUE_OP_LOAD_INSTRUMENTS);
        c->on_done = s_instruments_done;
        rt_call_start(rt, c);
    }
    rt_call_tick(rt, now);
    rt_intents_tick(rt, now);
    rt_orders_tick(rt, now);
    rt_fills_tick(rt, now);
}

/* ---- group commit ------------------------------------------------------------------------------------- */

void rt_flush(venue_runtime_t *rt)
{
    if (rt->sends_dirty) {
        err_t err;
        rt->sends_dirty = false;
        bool ok = !rt->journal_sync || journal_sync(rt->sends, &err) == 0;
        if (!ok)
            log_error("send journal venue=%s sync failed: %s; orders held back are refused", rt->venue, err.msg);
        rt_calls_journaled(rt, ok, ok ? "" : err.msg);
    }
    if (rt_events_flush(rt) == 0 && rt->cursors_dirty) {
        rt->cursors_dirty = false;
        rt_fills_save(rt);
    }
}

/* ---- lifecycle ---------------------------------------------------------------------------------------- */

venue_runtime_t *venue_runtime_new(const venue_ops_t *ops, const config_t *cfg, err_t *err)
{
    assert(ops && ops->name && ops->map_error);
    bus_curve_t *curve = NULL;
    venue_runtime_t *rt = mem_calloc(1, sizeof *rt);
    rt->ops = ops;
    rt->lease_fd = -1;
    rt->state = mem_calloc(1, ops->state_size ? ops->state_size : 1);
    rt->instruments = instruments_new();
    rt->reader = proto_msg_new();
    buf_init(&rt->out, PROTO_ENVELOPE_MAX);
    buf_init(&rt->pubq, 64u << 20);
    if (s_config(rt, cfg, err) < 0 || (ops->configure && ops->configure(rt->state, cfg, err) < 0) ||
        s_mkdirs(rt->state_dir, err) < 0)
        goto fail;
    venue_limits_t none = {0};
    circuit_config_t cc = {.failure_threshold = 5, .open_ms = 5000, .probes = 1};
    backoff_config_t bc = {.base_ms = 100, .cap_ms = 2000, .max_attempts = 0, .jitter = BACKOFF_FULL_JITTER};
    if (s_limits(rt, &none, err) < 0 || !(rt->circuit = circuit_new(rt->venue, &cc, err)) ||
        !(rt->backoff = backoff_new(&bc, 0, err)))
        goto fail;
    http_config_t hc = {.max_host_connections = 64, .max_total_connections = 64, .max_in_flight = 4096,
                        .default_timeout_ms = rt->http_timeout_ms};
    if (!(rt->http = http_client_new(&hc, err)))
        goto fail;
    if (rt_orders_open(rt, err) < 0 || rt_events_open(rt, err) < 0)
        goto fail;
    /* CURVE on the worker links (XROUTE_CURVE, XROUTE_CURVE_WORKER_LINKS, docs/security.md): the settings fill
     * the sockets' options; the sockets keep their own copy of the keys. */
    char eps[600];
    bus_sock_opts_t so;
    bus_sock_opts_default(&so);
    so.routing_id = rt->instance;
    curve = bus_curve_new(cfg, "venue", err);
    if (!curve || bus_curve_client_opts(curve, "router", true, &so, err) != 0)
        goto fail;
    s_connect_eps(rt->router_ep, eps, sizeof eps);
    if (!(rt->router = bus_dealer_new(eps, &so, err)))
        goto fail;
    if (bus_curve_client_opts(curve, "recorder", true, &so, err) != 0)
        goto fail;
    s_connect_eps(rt->recorder_ep, eps, sizeof eps);
    if (!(rt->recorder = bus_dealer_new(eps, &so, err)))
        goto fail;
    bus_sock_opts_default(&so);
    if (bus_curve_client_opts(curve, "events", true, &so, err) != 0)
        goto fail;
    s_connect_eps(rt->events_ep, eps, sizeof eps);
    if (!(rt->pub = bus_pub_new(eps, &so, err)))
        goto fail;
    bus_curve_destroy(&curve);
    return rt;
fail:
    bus_curve_destroy(&curve);
    venue_runtime_destroy(&rt);
    return NULL;
}

void venue_runtime_destroy(venue_runtime_t **self_p)
{
    assert(self_p);
    venue_runtime_t *rt = *self_p;
    if (!rt)
        return;
    http_client_destroy(&rt->http); /* no callbacks after this */
    while (rt->calls)
        rt_call_free(rt, rt->calls);
    rt_fills_close(rt);
    zsock_destroy(&rt->pub);
    zsock_destroy(&rt->recorder);
    zsock_destroy(&rt->router);
    journal_destroy(&rt->events);
    journal_destroy(&rt->sends);
    backoff_destroy(&rt->backoff);
    circuit_destroy(&rt->circuit);
    ratelimit_destroy(&rt->order_rl);
    ratelimit_destroy(&rt->weight_rl);
    buf_release(&rt->out);
    buf_release(&rt->pubq);
    proto_msg_destroy(&rt->reader);
    instruments_destroy(&rt->instruments);
    clidset_destroy(&rt->sent);
    mem_free(rt->intents);
    rt_orders_free(rt);
    mem_free(rt->state);
    crypto_hmac_destroy(&rt->creds.hmac);
    memset(&rt->creds, 0, sizeof rt->creds);
    mem_free(rt);
    *self_p = NULL;
}

/* The loop waits in poll(2) on the sockets' ZMQ_FD descriptors, the signal pipe and the HTTP client's
 * sockets. zmq_poll would ask each ZeroMQ socket for its events (a getpid and a poll each) before and after
 * every wait, several times per order. A ZMQ_FD descriptor only says that the socket's state may have
 * changed, and any operation on the socket (a send too) may consume that signal (lib/bus/bus_pump.h). So a
 * socket is drained until a receive finds nothing whenever its descriptor fired or this process sent on it
 * since (rt->zdirty), and the loop does not block while one is left dirty. */
static short s_to_poll(short events)
{
    return (short) (((events & HTTP_POLLIN) ? POLLIN : 0) | ((events & HTTP_POLLOUT) ? POLLOUT : 0));
}

static short s_from_poll(short revents)
{
    return (short) (((revents & POLLIN) ? HTTP_POLLIN : 0) | ((revents & POLLOUT) ? HTTP_POLLOUT : 0)
                    | ((revents & (POLLERR | POLLHUP | POLLNVAL)) ? HTTP_POLLERR : 0));
}

/* Drains the dirty sockets and makes what that brought durable and sent, a few passes at most: each drain
 * or flush may send again, which dirties the socket again. */
static void s_drain(venue_runtime_t *rt)
{
    for (int pass = 0; pass < RT_DRAIN_PASSES; pass++) {
        unsigned dirty = rt->zdirty;
        rt->zdirty = 0;
        if (dirty & RT_Z_ROUTER)
            s_on_router(rt);
        if (dirty & RT_Z_RECORDER)
            rt_events_on_recorder(rt);
        /* Everything journaled so far becomes durable here, then is sent or published. Submitting may
         * journal more (a follow-up order step failing at once), hence the second flush. */
        rt_flush(rt);
        rt_flush(rt);
        if (!rt->zdirty)
            return;
    }
}

int venue_runtime_run(venue_runtime_t *rt)
{
    struct pollfd items[3 + RT_HTTP_FDS_MAX];
    log_info("start venue=%s instance=%s account=%s state_dir=%s replicas=%d journal_sync=%s", rt->venue,
             rt->instance, rt->account, rt->state_dir, rt->replicas, rt->journal_sync ? "on" : "OFF");
    if (!rt->journal_sync)
        log_warn("journals venue=%s are not fdatasync'd (XROUTE_VENUE_JOURNAL_SYNC=false): a process crash loses "
                 "nothing, a machine crash may lose the last sends and events", rt->venue);
    rt_events_hello(rt); /* early: a recorder that has more of this instance's events says so before any is made */
    rt->zdirty = RT_Z_ROUTER | RT_Z_RECORDER;
    while (!bus_signal_interrupted()) {
        s_periodic(rt, rt_now());
        s_drain(rt);
        size_t nfd = http_client_fds(rt->http, rt->fds, RT_HTTP_FDS_MAX);
        rt->n_fds = nfd < RT_HTTP_FDS_MAX ? nfd : RT_HTTP_FDS_MAX;
        items[0] = (struct pollfd){.fd = zsock_fd(rt->router), .events = POLLIN};
        items[1] = (struct pollfd){.fd = zsock_fd(rt->recorder), .events = POLLIN};
        items[2] = (struct pollfd){.fd = bus_signal_fd(), .events = POLLIN};
        for (size_t i = 0; i < rt->n_fds; i++)
            items[3 + i] = (struct pollfd){.fd = rt->fds[i].fd, .events = s_to_poll(rt->fds[i].events)};
        int timeout = RT_TICK_MS;
        int ht = http_client_timeout_ms(rt->http);
        if (ht >= 0 && ht < timeout)
            timeout = ht;
        if (rt->zdirty)
            timeout = 0; /* a drain was cut short: go on after a look at everything else */
        if (poll(items, 3 + rt->n_fds, timeout) < 0 && errno != EINTR) {
            log_error("poll venue=%s failed: %s", rt->venue, strerror(errno));
            return -1;
        }
        for (size_t i = 0; i < rt->n_fds; i++)
            rt->fds[i].revents = s_from_poll(items[3 + i].revents);
        http_client_perform(rt->http, rt->fds, rt->n_fds);
        if (items[0].revents)
            rt->zdirty |= RT_Z_ROUTER;
        if (items[1].revents)
            rt->zdirty |= RT_Z_RECORDER;
    }
    /* Orders not sent yet are refused; requests on the wire stay in the send journal and are resolved at the
     * next start; events journaled this round are made durable and published. */
    rt_calls_journaled(rt, false, "worker stopping");
    rt_flush(rt);
    log_info("stop venue=%s instance=%s: signal; in_flight=%zu unresolved=%zu", rt->venue, rt->instance,
             http_client_in_flight(rt->http), rt->n_intents);
    return 0;
}

/* ---- main --------------------------------------------------------------------------------------------- */

int venue_main(int argc, char **argv, const venue_ops_t *ops)
{
    char name[64], usage[4096], V[32];
    snprintf(name, sizeof name, "xroute-venue-%s", ops->name);
    snprintf(V, sizeof V, "%s", ops->name);
    for (char *p = V; *p; p++)
        *p = (char) toupper((unsigned char) *p);
    snprintf(usage, sizeof usage,
             "usage: %s [--config FILE] [--help] [--version]\n"
             "the %s venue worker: takes requests from the router, talks to the venue, publishes events.\n"
             "settings, from the environment or FILE (KEY=VALUE lines); defaults in brackets:\n"
             "  %s_API_KEY, %s_API_SECRET or %s_API_SECRET_FILE (0600)   required\n"
             "  %s_BASE_URL [%s]   %s_TESTNET [false]   %s_RECV_WINDOW_MS [5000]\n"
             "  %s_PUBLIC_URL [%s]   market-data host\n"
             "  XROUTE_VENUE_ROUTER [tcp://127.0.0.1:7111]   router endpoint for workers\n"
             "  XROUTE_VENUE_EVENTS [tcp://127.0.0.1:7102,tcp://127.0.0.1:7120]   event PUB connects here\n"
             "  XROUTE_VENUE_RECORDER [tcp://127.0.0.1:7121]   recorder control\n"
             "  XROUTE_VENUE_INSTANCE [%s-1]   XROUTE_VENUE_ACCOUNT [default]   XROUTE_VENUE_STATE_DIR [var/%s]\n"
             "  XROUTE_VENUE_JOURNAL_SYNC [true]   XROUTE_VENUE_CAPACITY [64]   XROUTE_VENUE_REPLICAS [1]\n"
             "  XROUTE_VENUE_HTTP_TIMEOUT_MS [10000]   XROUTE_VENUE_FILL_POLL_MS [250]   XROUTE_VENUE_ACCEPTANCE_MS\n"
             "  XROUTE_LOG_LEVEL [info]   XROUTE_CURVE, XROUTE_CURVE_WORKER_LINKS, XROUTE_KEYS_DIR (docs/security.md)\n"
             "details: lib/venue/runtime.h\n",
             name, ops->name, V, V, V, V, ops->base_url, V, V, V, ops->public_url ? ops->public_url : "the base URL",
             ops->name, ops->name);
    if (prog_std_flags(argc, argv, name, usage))
        return 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else {
            fprintf(stderr, "%s: unknown argument %s\n%s", name, argv[i], usage);
            return 2;
        }
    }
    err_t err;
    config_t *cfg = config_new(file, &err);
    if (!cfg) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        return 2;
    }
    log_level_t level = LOG_LEVEL_INFO;
    if (log_level_parse(config_get_str(cfg, "XROUTE_LOG_LEVEL", "info"), &level) < 0) {
        fprintf(stderr, "%s: XROUTE_LOG_LEVEL: unknown level\n", name);
        config_destroy(&cfg);
        return 2;
    }
    char svc[40];
    snprintf(svc, sizeof svc, "venue-%s", ops->name);
    log_init(svc, level);
    if (bus_signal_install(&err) < 0) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        config_destroy(&cfg);
        return 1;
    }
    venue_runtime_t *rt = venue_runtime_new(ops, cfg, &err);
    config_destroy(&cfg);
    if (!rt) {
        log_error("configuration: %s", err.msg);
        fprintf(stderr, "%s: %s\n", name, err.msg);
        return 2;
    }
    int rc = venue_runtime_run(rt);
    venue_runtime_destroy(&rt);
    return rc == 0 ? 0 : 1;
}
