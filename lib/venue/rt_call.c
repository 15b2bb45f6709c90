/* rt_call: drives one adapter operation as a conversation of steps over the HTTP client (adapter.h explains
 * the steps). Between a hook building a request and the hook seeing the reply, this file applies the rules
 * that hold for every venue: circuit breaker, rate limits, the send journal before an order leaves,
 * signing at send time, retries only where safe, one resync-and-resend on CLOCK_SKEW, and PENDING_UNKNOWN
 * instead of a resend when an order's outcome is unknown. */
#include "rt.h"

#include "base/log.h"
#include "base/mem.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define RT_SAFE_RETRIES 3        /* retries of a safe request after transport failures or 5xx */
#define RT_MAX_QUEUE_WAIT_MS 2000 /* a request waits for rate-limit room at most this long */
#define RT_URL_MAX (VENUE_REQ_PARAMS_MAX + 512)

static void s_after_hook(venue_runtime_t *rt, rt_call_t *c, int rc);
static void s_finish(venue_runtime_t *rt, rt_call_t *c, int rc);
static void s_submit(venue_runtime_t *rt, rt_call_t *c);

static const char *s_state_name(rt_call_state_t st)
{
    static const char *const names[] = {"built", "waiting", "journal", "sent", "resync", "done"};
    return st <= RC_DONE ? names[st] : "?";
}

/* The one door of the call state machine. */
static void s_state(rt_call_t *c, rt_call_state_t next, const char *why)
{
    log_debug("call venue=%s op=%s step=%d cl_ord_id=%s %s -> %s (%s)", c->rt->venue, venue_op_name(c->call.op),
              c->call.step, c->call.req.client_order_id, s_state_name(c->state), s_state_name(next), why);
    c->state = next;
}

static void s_finish_ok(venue_runtime_t *rt, rt_call_t *c)
{
    c->dedupe = false;
    s_finish(rt, c, VENUE_DONE);
}

rt_call_t *rt_call_new(venue_runtime_t *rt, venue_op_t op)
{
    rt_call_t *c = mem_calloc(1, sizeof *c);
    c->rt = rt;
    c->call.op = op;
    c->reply_op = op;
    c->created_ms = rt_now();
    venue_req_init(&c->call.req);
    c->ctx.venue = rt->venue;
    c->ctx.instruments = rt->instruments;
    c->call.ctx = &c->ctx;
    snprintf(c->account, sizeof c->account, "%s", rt->account);
    c->next = rt->calls;
    rt->calls = c;
    return c;
}

void rt_call_free(venue_runtime_t *rt, rt_call_t *c)
{
    for (rt_call_t **p = &rt->calls; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    if (c->route)
        rt->n_client_calls--;
    bus_msg_destroy(&c->route);
    venue_req_release(&c->call.req);
    venue_result_release(&c->call.result);
    mem_free(c);
}

static venue_step_fn *s_hook(venue_runtime_t *rt, rt_call_t *c)
{
    return venue_ops_hook(rt->ops, c->call.op);
}

void rt_call_start(venue_runtime_t *rt, rt_call_t *c)
{
    venue_step_fn *fn = s_hook(rt, c);
    c->ctx.now_ms = clock_offset_venue_now(&rt->clock);
    c->ctx.instruments = rt->instruments;
    if (!fn) {
        s_after_hook(rt, c, venue_fail(&c->call, XR_UNSUPPORTED, "%s is not supported on %s",
                                       venue_op_name(c->call.op), rt->venue));
        return;
    }
    c->call.resp = NULL;
    c->call.error = NULL;
    s_after_hook(rt, c, fn(rt->state, &c->call));
}

/* The answer for an order whose outcome is not known yet: PENDING_UNKNOWN, from the request. */
static void s_pending_order(rt_call_t *c, const char *clid, const char *symbol)
{
    venue_order_t *o = &c->call.result.order;
    const venue_order_req_t *in = &c->call.in.order;
    memset(o, 0, sizeof *o);
    snprintf(o->client_order_id, sizeof o->client_order_id, "%s", clid);
    snprintf(o->symbol, sizeof o->symbol, "%s", symbol);
    o->side = in->side;
    o->type = in->type;
    o->time_in_force = in->time_in_force;
    o->quantity = in->quantity;
    o->price = in->price;
    o->stop_price = in->stop_price;
    o->reduce_only = in->reduce_only;
    o->status = VENUE_STATUS_PENDING_UNKNOWN;
    o->created_at = c->sent_wall_ms ? c->sent_wall_ms : clock_wall_ms();
    o->updated_at = o->created_at;
}

/* A repeated client id was queried and the venue does not know it: still being resolved (answer
 * PENDING_UNKNOWN), or it never got there (place it now). Returns true when the call went on. */
static bool s_dedupe_not_found(venue_runtime_t *rt, rt_call_t *c)
{
    const char *clid = c->call.in.order.client_order_id;
    if (rt_intent_exists(rt, clid)) {
        venue_result_release(&c->call.result);
        s_pending_order(c, clid, c->call.in.order.symbol);
        c->call.op = c->reply_op;
        s_finish_ok(rt, c);
        return true;
    }
    log_info("place_order venue=%s cl_ord_id=%s: earlier send never reached the venue, placing it", rt->venue,
             clid);
    c->dedupe = false;
    c->call.op = c->reply_op;
    c->call.step = 0;
    venue_result_release(&c->call.result);
    rt_call_start(rt, c);
    return true;
}

/* A cancel acknowledged without the order's state (CoinDCX answers with a bare success): the tracked order is
 * queried, so its final state (CANCELED, or FILLED when the cancel lost a race) is published now rather than
 * at the next open-order listing. */
static void s_cancelled(venue_runtime_t *rt, const venue_call_t *call)
{
    const venue_cancel_t *k = &call->result.cancel;
    const rt_order_t *t = rt_order_lookup(rt, k->order_id, k->client_order_id);
    if (t && t->o.order_id[0] && !venue_status_final(t->o.status))
        rt_order_refresh(rt, t->o.symbol, t->o.order_id);
}

/* Ends the call: answers the client (unless it was answered already) or calls the internal completion. */
static void s_finish(venue_runtime_t *rt, rt_call_t *c, int rc)
{
    if (c->dedupe && rc == VENUE_FAIL && c->call.fail.code == XR_ORDER_NOT_FOUND && s_dedupe_not_found(rt, c))
        return;
    if (c->dedupe)
        c->call.op = c->reply_op;
    s_state(c, RC_DONE, rc == VENUE_DONE ? "done" : c->call.fail.message);
    if (c->on_done)
        c->on_done(rt, c, rc);
    if (c->route && !c->answered) {
        if (rc == VENUE_DONE) {
            proto_result_t res;
            venue_convert_result(c->reply_op, &c->call.result, rt->venue, c->account, c->call.in.symbol, &res);
            rt_reply_result(rt, c, &res);
            proto_result_free(&res);
        } else {
            rt_reply_error(rt, c, &c->call.fail);
        }
    }
    if (rc == VENUE_DONE && c->call.result.order.order_id[0] &&
        (c->call.op == VENUE_OP_PLACE_ORDER || c->call.op == VENUE_OP_CLOSE_POSITION ||
         c->call.op == VENUE_OP_CANCEL_ORDER || c->call.op == VENUE_OP_GET_ORDER))
        rt_order_seen(rt, &c->call.result.order, c->account);
    else if (rc == VENUE_DONE && c->call.op == VENUE_OP_CANCEL_ORDER && c->call.result.cancel.ok)
        s_cancelled(rt, &c->call);
    rt_call_free(rt, c);
}

static void s_fail(venue_runtime_t *rt, rt_call_t *c, xr_code_t code, int64_t retry_after, const char *fmt,
                   const char *why)
{
    venue_fail(&c->call, code, fmt, why);
    c->call.fail.retry_after_ms = retry_after;
    s_finish(rt, c, VENUE_FAIL);
}

static void s_after_hook(venue_runtime_t *rt, rt_call_t *c, int rc)
{
    if (rc == VENUE_SEND) {
        s_state(c, RC_BUILT, c->call.req.path);
        c->saved = false;
        c->journaled = false;
        c->retries = 0;
        c->skew_retries = 0;
        if (c->call.req.overflow) {
            s_fail(rt, c, XR_INVALID_REQUEST, 0, "%s", "request parameters too large");
            return;
        }
        if (c->call.req.delay_ms > 0) {
            c->wake_at_ms = rt_now() + c->call.req.delay_ms;
            s_state(c, RC_WAITING, "delay asked by the adapter");
            return;
        }
        rt_call_send(rt, c);
        return;
    }
    s_finish(rt, c, rc);
}

/* The outcome of an order send is unknown: answer PENDING_UNKNOWN (or the parent order when the unknown
 * step was an attached TP/SL) and leave the rest to the resolver (rt_orders.c). Never resend. */
static void s_unknown(venue_runtime_t *rt, rt_call_t *c, const char *why)
{
    venue_req_t *r = &c->call.req;
    log_warn("order outcome unknown venue=%s cl_ord_id=%s reason=\"%s\", resolving by query", rt->venue,
             r->client_order_id, why);
    rt_intent_unknown(rt, r->client_order_id, c->sent_wall_ms);
    s_state(c, RC_DONE, "outcome unknown: PENDING_UNKNOWN");
    if (c->call.result.order.order_id[0]) {
        s_finish(rt, c, VENUE_DONE);
        return;
    }
    s_pending_order(c, r->client_order_id, r->symbol);
    if (c->on_done)
        c->on_done(rt, c, VENUE_FAIL);
    c->on_done = NULL;
    if (c->route && !c->answered) {
        proto_result_t res;
        venue_convert_result(c->reply_op, &c->call.result, rt->venue, c->account, c->call.in.symbol, &res);
        rt_reply_result(rt, c, &res);
        proto_result_free(&res);
        c->answered = true;
    }
    rt_call_free(rt, c);
}

/* A safe request failed in transit: try again after a jittered delay, a few times. */
static void s_retry(venue_runtime_t *rt, rt_call_t *c, const char *why)
{
    if (c->retries >= RT_SAFE_RETRIES) {
        if (c->call.result.order.order_id[0] &&
            (c->call.op == VENUE_OP_PLACE_ORDER || c->call.op == VENUE_OP_CLOSE_POSITION)) {
            /* A follow-up read failed after the venue acknowledged the order: answer what was acknowledged. */
            log_warn("follow-up venue=%s op=%s order_id=%s failed (%s): answering the acknowledged order",
                     rt->venue, venue_op_name(c->call.op), c->call.result.order.order_id, why);
            s_finish(rt, c, VENUE_DONE);
            return;
        }
        s_fail(rt, c, XR_VENUE_UNAVAILABLE, 0, "venue did not answer: %s", why);
        return;
    }
    c->retries++;
    int64_t d = backoff_next_ms(rt->backoff);
    if (d < 0) {
        backoff_reset(rt->backoff);
        d = backoff_next_ms(rt->backoff);
    }
    log_info("retry venue=%s op=%s path=%s attempt=%d in %lld ms: %s", rt->venue, venue_op_name(c->call.op),
             c->call.req.path, c->retries, (long long) d, why);
    c->wake_at_ms = rt_now() + (d > 0 ? d : 1);
    s_state(c, RC_WAITING, "retry backoff");
}

/* Rebuilds the unsigned request (a resend after a clock resync is signed again) and signs it. */
static int s_sign(venue_runtime_t *rt, rt_call_t *c, err_t *err)
{
    venue_req_t *r = &c->call.req;
    if (!c->saved) {
        c->q_len = r->query.len;
        c->b_len = r->body.len;
        c->n_headers = r->n_headers;
        c->saved = true;
    } else {
        if (r->query.data) {
            r->query.len = c->q_len;
            r->query.data[c->q_len] = '\0';
        }
        if (r->body.data) {
            r->body.len = c->b_len;
            r->body.data[c->b_len] = '\0';
        }
        r->n_headers = c->n_headers;
    }
    return rt->ops->sign ? rt->ops->sign(rt->state, &rt->creds, clock_offset_venue_now(&rt->clock), r, err) : 0;
}

static const char *s_resp_header(const void *ctx, const char *name)
{
    return http_response_header(ctx, name);
}

/* Sets a rule's count to the venue's; with raise_only, only when that is higher than ours. */
static void s_correct(ratelimit_t *rl, const char *rule, int64_t used, int64_t now, bool raise_only)
{
    if (raise_only)
        for (size_t i = 0; i < ratelimit_rule_count(rl); i++) {
            ratelimit_usage_t u;
            if (ratelimit_usage(rl, i, now, &u) == 0 && strcmp(u.name, rule) == 0 && used <= u.used)
                return;
        }
    ratelimit_correct(rl, rule, used, now, NULL);
}

/* The venue's own counts from a reply's headers. A reply tells the state when the venue handled its request;
 * requests sent after it are not in that count yet, and the count may even be of an earlier window (Bybit's
 * per-second order counter, read from a reply that arrives after the second turned). So only the reply to the
 * latest request sent may lower our counts; any other reply can only raise them (erring on the safe side),
 * and a reply older than one already taken is ignored. */
static void s_usage(venue_runtime_t *rt, const rt_call_t *c, const venue_resp_t *vr)
{
    if (!rt->ops->observe || c->send_no < rt->usage_send_no)
        return;
    rt->usage_send_no = c->send_no;
    venue_usage_t u = {-1, -1, -1};
    rt->ops->observe(rt->state, vr, &u);
    int64_t now = rt_now();
    bool raise_only = c->send_no != rt->send_counter;
    if (u.used_weight >= 0)
        s_correct(rt->weight_rl, "weight", u.used_weight, now, raise_only);
    if (u.orders_short >= 0)
        s_correct(rt->order_rl, "orders-short", u.orders_short, now, raise_only);
    if (u.orders_long >= 0)
        s_correct(rt->order_rl, "orders-long", u.orders_long, now, raise_only);
}

/* A venue reply (any status) arrived. */
static void s_on_reply(venue_runtime_t *rt, rt_call_t *c, const http_response_t *resp)
{
    venue_resp_t vr = {.status = resp->status, .body = resp->body, .body_len = resp->body_len,
                       .header_fn = s_resp_header, .header_ctx = resp, .req = &c->call.req};
    venue_error_t verr;
    bool creates = c->call.req.kind == VENUE_CREATES_ORDER;
    s_usage(rt, c, &vr);
    rt->reachable = true;
    int is_err = rt->ops->map_error(rt->state, &vr, &verr);
    if (is_err && verr.unknown_outcome) {
        circuit_record(rt->circuit, false, rt_now());
        if (creates)
            s_unknown(rt, c, verr.message);
        else
            s_retry(rt, c, verr.message);
        return;
    }
    circuit_record(rt->circuit, true, rt_now());
    if (is_err && verr.code == XR_RATE_LIMITED) {
        int64_t wait = verr.retry_after_ms > 0 ? verr.retry_after_ms : resp->status == 418 ? 120000 : 1000;
        ratelimit_block_until(rt->weight_rl, rt_now() + wait);
        ratelimit_block_until(rt->order_rl, rt_now() + wait);
        verr.retry_after_ms = wait;
        log_warn("rate limited venue=%s status=%d, sending nothing for %lld ms", rt->venue, resp->status,
                 (long long) wait);
    }
    if (is_err && verr.code == XR_CLOCK_SKEW && c->skew_retries == 0) {
        /* Refused before execution: resync the clock, then sign and send the same request once more. */
        c->skew_retries++;
        s_state(c, RC_RESYNC, "CLOCK_SKEW");
        log_warn("clock skew venue=%s op=%s: resync and resend once", rt->venue, venue_op_name(c->call.op));
        rt_time_sync(rt, c);
        return;
    }
    if (creates)
        rt_intent_end(rt, c->call.req.client_order_id); /* a definitive answer: the send is settled */
    c->call.resp = &vr;
    c->call.error = is_err ? &verr : NULL;
    c->ctx.now_ms = clock_offset_venue_now(&rt->clock);
    c->ctx.instruments = rt->instruments;
    int rc = s_hook(rt, c)(rt->state, &c->call);
    c->call.resp = NULL;
    c->call.error = NULL;
    s_after_hook(rt, c, rc);
}

static void s_on_http(const http_response_t *resp, void *user)
{
    rt_call_t *c = user;
    venue_runtime_t *rt = c->rt;
    s_state(c, RC_BUILT, http_outcome_name(resp->outcome));
    switch (resp->outcome) {
    case HTTP_OK:
        s_on_reply(rt, c, resp);
        return;
    case HTTP_NOT_SENT:
        /* Nothing left this process: resending is safe even for an order. */
        circuit_record(rt->circuit, false, rt_now());
        rt->reachable = false;
        s_retry(rt, c, resp->error);
        return;
    case HTTP_UNKNOWN:
    case HTTP_TOO_LARGE:
        circuit_record(rt->circuit, false, rt_now());
        rt->reachable = resp->outcome == HTTP_TOO_LARGE; /* an oversized reply is still a reply */
        if (c->call.req.kind == VENUE_CREATES_ORDER)
            s_unknown(rt, c, resp->error);
        else
            s_retry(rt, c, resp->error);
        return;
    }
}

/* Rate-limit admission. Returns 0 to send now, 1 when the call was queued, -1 when it failed. */
static int s_admit(venue_runtime_t *rt, rt_call_t *c)
{
    int64_t now = rt_now(), wait = 0, wait2 = 0;
    const venue_req_t *r = &c->call.req;
    bool ok = ratelimit_try(rt->weight_rl, r->weight, now, &wait) == 0;
    if (ok && r->orders > 0 && ratelimit_try(rt->order_rl, r->orders, now, &wait2) < 0) {
        ok = false;
        wait = wait2;
    }
    if (ok)
        return 0;
    int64_t left = c->deadline_ms ? c->deadline_ms - clock_wall_ms() : RT_MAX_QUEUE_WAIT_MS;
    if (wait >= 0 && wait <= RT_MAX_QUEUE_WAIT_MS && wait < left) {
        c->wake_at_ms = now + (wait > 0 ? wait : 1);
        s_state(c, RC_WAITING, "rate limit");
        return 1;
    }
    s_fail(rt, c, XR_RATE_LIMITED, wait > 0 ? wait : 1000, "%s", "rate limit budget exhausted; not sent");
    return -1;
}

void rt_call_send(venue_runtime_t *rt, rt_call_t *c)
{
    venue_req_t *r = &c->call.req;
    err_t err;
    c->wake_at_ms = 0;
    if (c->deadline_ms && clock_wall_ms() > c->deadline_ms && !c->journaled) {
        s_fail(rt, c, XR_TIMEOUT, 0, "%s", "deadline passed before sending");
        return;
    }
    if (!circuit_allow(rt->circuit, rt_now())) {
        int64_t until = circuit_open_until(rt->circuit) - rt_now();
        s_fail(rt, c, XR_VENUE_UNAVAILABLE, until > 0 ? until : 0, "%s", "circuit open: venue failing");
        return;
    }
    if (s_admit(rt, c) != 0)
        return;
    if (r->kind == VENUE_CREATES_ORDER && !c->journaled) {
        venue_order_req_t o = c->call.in.order;
        snprintf(o.client_order_id, sizeof o.client_order_id, "%s", r->client_order_id);
        snprintf(o.symbol, sizeof o.symbol, "%s", r->symbol);
        if (rt_intent_begin(rt, &o, &err) < 0) {
            s_fail(rt, c, XR_INTERNAL, 0, "send journal failed, order not sent: %s", err.msg);
            return;
        }
        c->journaled = true;
        /* Group commit: the record becomes durable at the next rt_flush, which then sends the request. */
        s_state(c, RC_JOURNAL, "send record appended");
        return;
    }
    s_submit(rt, c);
}

/* Signs and hands the request to the HTTP client. */
static void s_submit(venue_runtime_t *rt, rt_call_t *c)
{
    venue_req_t *r = &c->call.req;
    err_t err;
    if (s_sign(rt, c, &err) < 0) {
        if (c->journaled)
            rt_intent_end(rt, r->client_order_id);
        s_fail(rt, c, err.code, 0, "%s", err.msg);
        return;
    }
    char url[RT_URL_MAX];
    int n = snprintf(url, sizeof url, "%s%s%s%s", r->public_host ? rt->public_url : rt->base_url, r->path, r->query.len ? "?" : "",
                     buf_cstr(&r->query));
    const char *headers[VENUE_REQ_HEADERS_MAX + 2];
    int nh = 0;
    for (int i = 0; i < r->n_headers; i++)
        headers[nh++] = r->headers[i];
    char ctype[80];
    if (r->body.len) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s",
                 r->content_type[0] ? r->content_type : "application/x-www-form-urlencoded");
        headers[nh++] = ctype;
    }
    headers[nh] = NULL;
    http_request_t hr = {.method = venue_method_name(r->method), .url = url, .headers = headers,
                         .body = r->body.len ? r->body.data : NULL, .body_len = r->body.len,
                         .timeout_ms = rt->http_timeout_ms,
                         .allow_resend = r->kind == VENUE_SAFE_RETRY && r->method == VENUE_GET};
    if (n >= (int) sizeof url || http_client_submit(rt->http, &hr, s_on_http, c, NULL, &err) < 0) {
        if (c->journaled)
            rt_intent_end(rt, r->client_order_id);
        s_fail(rt, c, XR_INTERNAL, 0, "cannot send: %s", n >= (int) sizeof url ? "URL too long" : err.msg);
        return;
    }
    s_state(c, RC_SENT, r->path);
    c->sent_wall_ms = clock_wall_ms();
    c->send_no = ++rt->send_counter;
    log_debug("send venue=%s op=%s %s %s cl_ord_id=%s", rt->venue, venue_op_name(c->call.op),
              venue_method_name(r->method), r->path, r->client_order_id);
}

void rt_calls_journaled(venue_runtime_t *rt, bool durable, const char *why)
{
    /* Submitting may free calls or add new ones; restart the scan after each. */
    for (bool again = true; again;) {
        again = false;
        for (rt_call_t *c = rt->calls; c; c = c->next)
            if (c->state == RC_JOURNAL) {
                if (durable) {
                    s_submit(rt, c);
                } else {
                    rt_intent_end(rt, c->call.req.client_order_id);
                    s_fail(rt, c, XR_INTERNAL, 0, "send journal failed, order not sent: %s", why);
                }
                again = true;
                break;
            }
    }
}

void rt_call_tick(venue_runtime_t *rt, int64_t now_ms)
{
    /* A send may free or add calls; restart the scan after each. */
    for (bool again = true; again;) {
        again = false;
        for (rt_call_t *c = rt->calls; c; c = c->next)
            if (c->state == RC_WAITING && now_ms >= c->wake_at_ms) {
                rt_call_send(rt, c);
                again = true;
                break;
            }
    }
}

/* ---- clock -------------------------------------------------------------------------------------------- */

static void s_time_done(venue_runtime_t *rt, rt_call_t *c, int rc)
{
    rt_call_t *waiting = c->arg;
    rt->time_syncing = false;
    if (rc == VENUE_DONE) {
        clock_offset_update(&rt->clock, c->sent_wall_ms, c->call.result.server_time, clock_wall_ms());
        log_info("clock venue=%s offset_ms=%lld rtt_ms=%lld", rt->venue, (long long) rt->clock.offset_ms,
                 (long long) rt->clock.rtt_ms);
    } else {
        log_warn("clock sync venue=%s failed: %s", rt->venue, c->call.fail.message);
    }
    /* The waiting call's original reply was a CLOCK_SKEW refusal: resend it signed with the new offset. */
    for (rt_call_t *w = rt->calls; waiting && w; w = w->next)
        if (w == waiting) {
            rt_call_send(rt, w);
            break;
        }
}

void rt_time_sync(venue_runtime_t *rt, rt_call_t *waiting)
{
    if (!rt->ops->time) {
        if (waiting)
            rt_call_send(rt, waiting);
        return;
    }
    rt_call_t *c = rt_call_new(rt, VENUE_OP_TIME);
    c->on_done = s_time_done;
    c->arg = waiting;
    rt->time_syncing = true;
    rt_call_start(rt, c);
}
