/* recorder_backstop: reads the venues' trade history through the router (get_fills, one request at a time on
 * the recorder's loop) and stores the fills trades lacks. See recorder_backstop.h for the contract. */
#include "recorder_backstop.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "proto/error.h"
#include "proto/request.h"
#include "proto/result.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define BS_TICK_MS 100         /* due checks and request deadlines */
#define BS_OUT_MAX (16 * 1024) /* one request envelope */
#define BS_REPLY_GRACE_MS 2000 /* wait this much past the request's own deadline for the router's TIMEOUT */

typedef enum {
    BS_OFF,   /* disabled: no router or no interval */
    BS_WAIT,  /* between passes, or a due pass waits for the recorder to catch up */
    BS_FETCH, /* a get_fills request is out for the current target */
} bs_state_t;

static const char *s_state_name(bs_state_t s)
{
    switch (s) {
    case BS_OFF:
        return "OFF";
    case BS_WAIT:
        return "WAIT";
    case BS_FETCH:
        return "FETCH";
    }
    return "?";
}

/* One (venue, account, symbol): in the current pass's work list, or remembered with its last check. */
typedef struct {
    char venue[PROTO_VENUE_SZ];     /* venue name */
    char account[PROTO_ACCOUNT_SZ]; /* account */
    char symbol[PROTO_SYMBOL_SZ];   /* unified symbol */
    int64_t since_ms;               /* work list: where this pass reads from; marks: checked up to here */
} bs_target_t;

struct _recorder_backstop_t {
    recorder_backstop_config_t cfg;    /* settings (router string copied) */
    char *router;                      /* connect spec ">endpoint" */
    bus_loop_t *loop;                  /* borrowed */
    recorder_store_t *store;           /* borrowed */
    recorder_backstop_ready_fn *ready; /* caught-up test */
    void *ready_ctx;                   /* its argument */
    zsock_t *dealer;                   /* to the router frontend; NULL when off */
    int timer;                         /* tick timer id */
    bs_state_t state;                  /* see bs_state_t */
    proto_msg_t *reader;               /* reply reader */
    buf_t out;                         /* request envelope */
    int64_t started_mono;              /* monotonic ms at creation */
    int64_t due_mono;                  /* monotonic ms the next pass is due */
    int64_t waiting_since_mono;        /* a due pass waits for the recorder since (0 = not waiting) */
    /* the pass under way */
    uint64_t pass_no;           /* passes started */
    int64_t pass_mono;          /* monotonic start */
    int64_t cutoff_ms;          /* wall ms: fills executed after this are left to the next pass */
    bs_target_t *targets;       /* work list (max_targets) */
    size_t ntargets;            /* entries */
    size_t cur;                 /* current target */
    size_t pages;               /* pages read of the current target */
    char cursor[PROTO_TEXT_SZ]; /* cursor of the current target's next page; "" = first page */
    bool target_failed;         /* the current target hit an error */
    char req_id[PROTO_ID_SZ];   /* id of the request out */
    int64_t req_deadline_mono;  /* monotonic: give up on it after this */
    size_t pass_failed;         /* targets failed in this pass */
    uint64_t pass_fills;        /* settled fills read in this pass */
    uint64_t pass_missing;      /* fills stored in this pass */
    uint64_t pass_requests0;    /* st.requests when this pass started */
    /* checked marks, kept across passes */
    bs_target_t *marks;           /* (max_targets) */
    size_t nmarks;                /* entries */
    recorder_backstop_stats_t st; /* counters */
};

void recorder_backstop_config_default(recorder_backstop_config_t *cfg)
{
    assert(cfg);
    memset(cfg, 0, sizeof *cfg);
    cfg->interval_ms = 300000;
    cfg->start_delay_ms = 6000;
    cfg->margin_ms = 300000;
    cfg->settle_ms = 30000;
    cfg->lookback_ms = 7LL * 86400000;
    cfg->request_timeout_ms = 15000;
    cfg->pass_max_ms = 300000;
    cfg->retry_ms = 30000;
    cfg->catchup_max_ms = 60000;
    cfg->max_targets = 1000;
    cfg->max_pages = 100;
    cfg->page_limit = 500;
}

/* The one door for state changes. */
static void s_set_state(recorder_backstop_t *self, bs_state_t to, const char *why)
{
    if (self->state == to)
        return;
    log_debug("backstop state %s -> %s (%s)", s_state_name(self->state), s_state_name(to), why);
    self->state = to;
}

static bs_target_t *s_mark(recorder_backstop_t *self, const bs_target_t *t, bool create)
{
    for (size_t i = 0; i < self->nmarks; i++) {
        bs_target_t *m = &self->marks[i];
        if (strcmp(m->venue, t->venue) == 0 && strcmp(m->account, t->account) == 0 && strcmp(m->symbol, t->symbol) == 0)
            return m;
    }
    if (!create)
        return NULL;
    if (self->nmarks == self->cfg.max_targets)
        memmove(&self->marks[0], &self->marks[1], (--self->nmarks) * sizeof *self->marks); /* forget the oldest */
    bs_target_t *m = &self->marks[self->nmarks++];
    *m = *t;
    return m;
}

static void s_add_target(const char *venue, const char *account, const char *symbol, int64_t since_ms, void *ctx)
{
    recorder_backstop_t *self = ctx;
    if (self->ntargets == self->cfg.max_targets)
        return;
    bs_target_t *t = &self->targets[self->ntargets];
    memset(t, 0, sizeof *t);
    if (snprintf(t->venue, sizeof t->venue, "%s", venue) >= (int) sizeof t->venue ||
        snprintf(t->account, sizeof t->account, "%s", account) >= (int) sizeof t->account ||
        snprintf(t->symbol, sizeof t->symbol, "%s", symbol) >= (int) sizeof t->symbol) {
        log_warn("backstop: skipping venue=%s account=%s symbol=%s (names too long for the protocol)", venue, account,
                 symbol);
        return;
    }
    /* From the earlier of the last recorded fill and the last complete check: a loss older than the newest
     * recorded fill but newer than that check is still found. */
    const bs_target_t *m = s_mark(self, t, false);
    int64_t since = m && m->since_ms < since_ms ? m->since_ms : since_ms;
    t->since_ms = since > self->cfg.margin_ms ? since - self->cfg.margin_ms : 1;
    self->ntargets++;
}

static void s_pass_end(recorder_backstop_t *self, const char *why)
{
    int64_t took = clock_mono_ms() - self->pass_mono;
    self->st.passes++;
    self->st.last_pass_ms = clock_wall_ms();
    bool failed = self->pass_failed > 0 || self->cur < self->ntargets;
    if (failed)
        self->st.passes_failed++;
    if (self->pass_missing > 0)
        log_warn("backstop pass %" PRIu64 " %s: targets=%zu failed=%zu fills_read=%" PRIu64 " missing=%" PRIu64
                 " requests=%" PRIu64 " took_ms=%lld: fills had been lost on the way to the database and are now"
                 " stored",
                 self->pass_no, why, self->ntargets, self->pass_failed, self->pass_fills, self->pass_missing,
                 self->st.requests - self->pass_requests0, (long long) took);
    else
        log_info("backstop pass %" PRIu64 " %s: targets=%zu failed=%zu fills_read=%" PRIu64
                 " missing=0 requests=%" PRIu64 " took_ms=%lld",
                 self->pass_no, why, self->ntargets, self->pass_failed, self->pass_fills,
                 self->st.requests - self->pass_requests0, (long long) took);
    int64_t next = failed && self->cfg.retry_ms < self->cfg.interval_ms ? self->cfg.retry_ms : self->cfg.interval_ms;
    self->due_mono = clock_mono_ms() + next;
    self->ntargets = self->cur = 0;
    s_set_state(self, BS_WAIT, why);
}

/* Sends the request for the current target's next page, or moves on to the next target; ends the pass when
 * no target is left or the pass ran out of time. */
static void s_next_request(recorder_backstop_t *self)
{
    while (self->cur < self->ntargets) {
        if (clock_mono_ms() - self->pass_mono > self->cfg.pass_max_ms) {
            log_warn("backstop pass %" PRIu64 " stopped after %lld ms with %zu of %zu targets left unchecked",
                     self->pass_no, (long long) self->cfg.pass_max_ms, self->ntargets - self->cur, self->ntargets);
            s_pass_end(self, "out of time");
            return;
        }
        const bs_target_t *t = &self->targets[self->cur];
        proto_request_t req;
        proto_request_init(&req, PROTO_T_GET_FILLS);
        snprintf(req.venue, sizeof req.venue, "%s", t->venue);
        snprintf(req.account, sizeof req.account, "%s", t->account);
        snprintf(req.symbol, sizeof req.symbol, "%s", t->symbol);
        req.fills.limit = self->cfg.page_limit;
        if (self->cursor[0])
            snprintf(req.fills.cursor, sizeof req.fills.cursor, "%s", self->cursor);
        else
            req.fills.since_ms = t->since_ms;
        snprintf(self->req_id, sizeof self->req_id, "backstop-%" PRIu64 "-%" PRIu64, self->pass_no,
                 self->st.requests + 1);
        proto_header_t h;
        proto_header_init(&h, self->req_id);
        h.deadline = clock_wall_ms() + self->cfg.request_timeout_ms;
        buf_reset(&self->out);
        err_t err;
        if (proto_request_validate(&req, &err) != 0 || proto_request_encode(&h, &req, &self->out, &err) != 0 ||
            bus_send_envelope(self->dealer, NULL, &self->out, &err) != 0) {
            log_warn("backstop get_fills venue=%s account=%s symbol=%s not sent: %s; skipping it this pass", t->venue,
                     t->account, t->symbol, err.msg);
            self->st.errors++;
            self->pass_failed++;
            self->cur++;
            self->pages = 0;
            self->cursor[0] = '\0';
            proto_request_free(&req);
            continue;
        }
        proto_request_free(&req);
        self->st.requests++;
        self->req_deadline_mono = clock_mono_ms() + self->cfg.request_timeout_ms + BS_REPLY_GRACE_MS;
        s_set_state(self, BS_FETCH, "request out");
        return;
    }
    s_pass_end(self, "done");
}

/* The current target is finished (complete or failed): remember a complete check, go on. */
static void s_target_done(recorder_backstop_t *self, bool ok)
{
    bs_target_t *t = &self->targets[self->cur];
    if (ok) {
        bs_target_t *m = s_mark(self, t, true);
        m->since_ms = self->cutoff_ms;
    } else {
        self->pass_failed++;
    }
    self->cur++;
    self->pages = 0;
    self->cursor[0] = '\0';
    s_set_state(self, BS_WAIT, ok ? "target done" : "target failed");
    s_next_request(self);
}

static void s_pass_start(recorder_backstop_t *self)
{
    self->pass_no++;
    self->pass_mono = clock_mono_ms();
    self->cutoff_ms = clock_wall_ms() - self->cfg.settle_ms;
    self->ntargets = self->cur = self->pages = 0;
    self->pass_failed = 0;
    self->pass_fills = self->pass_missing = 0;
    self->pass_requests0 = self->st.requests;
    self->cursor[0] = '\0';
    err_t err;
    if (recorder_store_backstop_targets(self->store, self->cfg.lookback_ms, self->cfg.max_targets, s_add_target, self,
                                        &err) != 0) {
        log_warn("backstop pass %" PRIu64 ": cannot list what to check: %s; retrying in %lld ms", self->pass_no,
                 err.msg, (long long) self->cfg.retry_ms);
        self->pass_failed = 1;
        s_pass_end(self, "database unavailable");
        return;
    }
    log_info("backstop pass %" PRIu64 " starts: targets=%zu settled_before_ms=%lld", self->pass_no, self->ntargets,
             (long long) self->cutoff_ms);
    s_next_request(self);
}

/* A result for the current target: store what is settled, then the next page or the next target. */
static void s_on_fills(recorder_backstop_t *self, proto_result_t *res)
{
    const bs_target_t *t = &self->targets[self->cur];
    if (res->op != PROTO_T_GET_FILLS || res->n_parts > 0) {
        log_warn("backstop get_fills venue=%s symbol=%s: reply is not a single venue's fills; skipping it", t->venue,
                 t->symbol);
        self->st.errors++;
        s_target_done(self, false);
        return;
    }
    /* Only settled fills of this target; the page is oldest first, so anything past the cutoff ends it. */
    size_t keep = 0;
    bool past_cutoff = false;
    for (size_t i = 0; i < res->n_fills; i++) {
        proto_fill_t *f = &res->fills[i];
        if (f->executed_at > self->cutoff_ms) {
            past_cutoff = true;
            continue;
        }
        if (strcmp(f->venue, t->venue) != 0 || strcmp(f->account, t->account) != 0)
            continue; /* not what was asked: never store it under another key */
        if (keep != i) {
            proto_fill_t tmp = res->fills[keep];
            res->fills[keep] = *f;
            *f = tmp;
        }
        keep++;
    }
    self->pass_fills += keep;
    self->st.fills_seen += keep;
    size_t missing = 0;
    err_t err;
    if (recorder_store_backstop_fills(self->store, res->fills, keep, &missing, &err) != 0) {
        log_warn("backstop venue=%s account=%s symbol=%s: %zu fills not compared: %s", t->venue, t->account, t->symbol,
                 keep, err.msg);
        self->st.errors++;
        self->ntargets = self->cur + 1; /* the database is the problem: stop the pass here */
        s_target_done(self, false);
        return;
    }
    self->pass_missing += missing;
    self->st.missing += missing;
    self->pages++;
    bool full = res->n_fills >= self->cfg.page_limit;
    bool moved = res->cursor[0] && strcmp(res->cursor, self->cursor) != 0;
    if (full && moved && !past_cutoff) {
        if (self->pages >= self->cfg.max_pages) {
            log_warn("backstop venue=%s account=%s symbol=%s: %zu pages read, the rest waits for the next pass",
                     t->venue, t->account, t->symbol, self->pages);
            s_target_done(self, false);
            return;
        }
        snprintf(self->cursor, sizeof self->cursor, "%s", res->cursor);
        s_set_state(self, BS_WAIT, "next page");
        s_next_request(self);
        return;
    }
    s_target_done(self, true);
}

static void s_on_reply(recorder_backstop_t *self, bus_msg_t *msg)
{
    proto_header_t hdr;
    err_t err;
    if (bus_msg_parse(msg, self->reader, &hdr, &err) != 0) {
        log_warn("backstop: reply refused: %s", err.msg);
        return;
    }
    if (self->state != BS_FETCH || strcmp(hdr.id, self->req_id) != 0) {
        log_debug("backstop: late reply id=%s ignored", hdr.id);
        return;
    }
    const bs_target_t *t = &self->targets[self->cur];
    if (hdr.type == PROTO_T_ERROR) {
        proto_error_t e;
        if (proto_error_decode(self->reader, &e, &err) == 0)
            log_warn("backstop get_fills venue=%s account=%s symbol=%s failed: %s %s; retried next pass", t->venue,
                     t->account, t->symbol, xr_code_name(e.code), e.message);
        else
            log_warn("backstop get_fills venue=%s symbol=%s failed (unreadable error: %s)", t->venue, t->symbol,
                     err.msg);
        self->st.errors++;
        s_target_done(self, false);
        return;
    }
    proto_result_t res;
    if (hdr.type != PROTO_T_RESULT || proto_result_decode(self->reader, &res, &err) != 0) {
        log_warn("backstop get_fills venue=%s symbol=%s: reply refused: %s", t->venue, t->symbol,
                 hdr.type == PROTO_T_RESULT ? err.msg : "not a result");
        self->st.errors++;
        s_target_done(self, false);
        return;
    }
    s_on_fills(self, &res);
    proto_result_free(&res);
}

static int s_on_dealer(bus_loop_t *loop, zsock_t *sock, void *arg)
{
    (void) loop;
    recorder_backstop_t *self = arg;
    for (int i = 0; i < 100; i++) {
        err_t err;
        bus_msg_t *msg = bus_msg_recv(sock, &err);
        if (!msg) {
            if (err.code == XR_OK)
                break;
            log_warn("backstop: reply refused: %s", err.msg);
            continue;
        }
        s_on_reply(self, msg);
        bus_msg_destroy(&msg);
    }
    return 0;
}

static int s_on_tick(bus_loop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    recorder_backstop_t *self = arg;
    int64_t now = clock_mono_ms();
    if (self->state == BS_FETCH) {
        if (now > self->req_deadline_mono) {
            const bs_target_t *t = &self->targets[self->cur];
            log_warn("backstop get_fills venue=%s account=%s symbol=%s: no reply within %lld ms; retried next pass",
                     t->venue, t->account, t->symbol, (long long) (self->cfg.request_timeout_ms + BS_REPLY_GRACE_MS));
            self->st.errors++;
            self->req_id[0] = '\0';
            s_target_done(self, false);
        }
        return 0;
    }
    if (self->state != BS_WAIT || now < self->due_mono)
        return 0;
    if (!self->ready(self->ready_ctx)) {
        if (!self->waiting_since_mono)
            self->waiting_since_mono = now;
        if (now - self->waiting_since_mono < self->cfg.catchup_max_ms)
            return 0;
        log_warn("backstop: the recorder is still catching up after %lld ms; checking anyway",
                 (long long) self->cfg.catchup_max_ms);
    }
    self->waiting_since_mono = 0;
    s_pass_start(self);
    return 0;
}

recorder_backstop_t *recorder_backstop_new(const recorder_backstop_config_t *cfg, bus_loop_t *loop,
                                           recorder_store_t *store, bus_curve_t *curve,
                                           recorder_backstop_ready_fn *ready, void *ctx, err_t *err)
{
    assert(cfg && loop && store && ready);
    if (cfg->interval_ms < 0 || cfg->margin_ms < 0 || cfg->settle_ms < 0 || cfg->lookback_ms <= 0 ||
        cfg->request_timeout_ms <= 0 || cfg->pass_max_ms <= 0 || cfg->retry_ms <= 0 || cfg->max_targets == 0 ||
        cfg->max_pages == 0 || cfg->page_limit == 0 || cfg->page_limit > 1000) {
        err_set(err, XR_INVALID_REQUEST, "backstop: bad settings (page_limit 1..1000, timeouts and limits > 0)");
        return NULL;
    }
    recorder_backstop_t *self = mem_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->loop = loop;
    self->store = store;
    self->ready = ready;
    self->ready_ctx = ctx;
    self->reader = proto_msg_new();
    buf_init(&self->out, BS_OUT_MAX);
    self->started_mono = clock_mono_ms();
    self->due_mono = self->started_mono + cfg->start_delay_ms;
    self->state = BS_OFF;
    if (!cfg->router || !cfg->router[0] || cfg->interval_ms == 0) {
        self->cfg.router = NULL;
        log_info("backstop off (%s)", cfg->interval_ms == 0 ? "interval 0" : "no router frontend");
        return self;
    }
    size_t n = strlen(cfg->router) + 2;
    self->router = mem_alloc(n);
    snprintf(self->router, n, "%s%s", cfg->router[0] == '>' ? "" : ">", cfg->router);
    self->cfg.router = self->router;
    self->targets = mem_calloc(cfg->max_targets, sizeof *self->targets);
    self->marks = mem_calloc(cfg->max_targets, sizeof *self->marks);
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    if (curve && bus_curve_client_opts(curve, "router", false, &o, err) != 0)
        goto fail;
    self->dealer = bus_dealer_new(self->router, &o, err);
    if (!self->dealer)
        goto fail;
    if (bus_loop_add_sock(loop, self->dealer, s_on_dealer, self, err) != 0)
        goto fail;
    self->timer = bus_loop_add_timer(loop, BS_TICK_MS, BS_TICK_MS, s_on_tick, self);
    if (self->timer < 0) {
        self->timer = 0;
        err_set(err, XR_INTERNAL, "backstop: no timer slot");
        goto fail;
    }
    s_set_state(self, BS_WAIT, "started");
    log_info("backstop on router=%s interval_ms=%lld margin_ms=%lld settle_ms=%lld first pass in %lld ms", cfg->router,
             (long long) cfg->interval_ms, (long long) cfg->margin_ms, (long long) cfg->settle_ms,
             (long long) cfg->start_delay_ms);
    return self;
fail:
    recorder_backstop_destroy(&self);
    return NULL;
}

void recorder_backstop_destroy(recorder_backstop_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    recorder_backstop_t *self = *self_p;
    if (self->timer > 0)
        bus_loop_cancel_timer(self->loop, self->timer);
    if (self->dealer) {
        bus_loop_remove_sock(self->loop, self->dealer);
        zsock_destroy(&self->dealer);
    }
    mem_free(self->marks);
    mem_free(self->targets);
    mem_free(self->router);
    buf_release(&self->out);
    proto_msg_destroy(&self->reader);
    mem_free(self);
    *self_p = NULL;
}

void recorder_backstop_trigger(recorder_backstop_t *self)
{
    assert(self);
    if (self->state == BS_WAIT)
        self->due_mono = clock_mono_ms();
}

recorder_backstop_stats_t recorder_backstop_stats(const recorder_backstop_t *self)
{
    assert(self);
    return self->st;
}
