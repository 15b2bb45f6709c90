/* recorder: the event intake loop: per-source sequence tracking, gap detection and replay requests, batching
 * into recorder_store, acks after commit, hello handling and health. See recorder.h for the contract. */
#include "recorder.h"

#include "recorder_store.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "bus/bus_loop.h"
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "proto/control.h"
#include "proto/envelope.h"
#include "proto/error.h"
#include "proto/event.h"
#include "proto/result.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define REC_HOUSEKEEPING_MS 50   /* period of replay/ack/reconnect checks */
#define REC_SUB_HWM 200000       /* events queued in ZeroMQ while a commit runs or PostgreSQL is down */
#define REC_OUT_MAX (64 * 1024)  /* one control reply */

typedef struct {
    char name[PROTO_INSTANCE_SZ];       /* source id (worker instance) */
    uint64_t committed;                 /* last seq committed to the database */
    uint64_t batched;                   /* last seq admitted (committed or in the pending batch) */
    uint64_t acked;                     /* last seq acked to the worker */
    uint64_t seen_max;                  /* highest seq known to exist (events seen, hello last_seq) */
    uint64_t worker_first;              /* hello first_seq (0 = journal empty or no hello yet) */
    bool hello_seen;                    /* an events.hello arrived since start */
    char identity[BUS_ROUTE_FRAME_MAX]; /* routing id of the worker's DEALER */
    size_t identity_len;                /* bytes of identity (0: use the name) */
    uint64_t replay_from;               /* from_seq of the last replay request (0 = none) */
    int64_t replay_at_ms;               /* monotonic time of that request */
    int64_t progress_at_ms;             /* monotonic time batched last advanced */
    bool gap_seen;                      /* an event beyond batched + 1 arrived: proof of loss on the wire */
} rec_source_t;

struct _recorder_t {
    char *events_ep;                 /* configured endpoints (copies) */
    char *control_ep;
    char *instance;                  /* name in health replies */
    int64_t flush_ms;                /* batch age limit */
    int64_t replay_timeout_ms;       /* re-ask interval without progress */
    int64_t health_log_ms;           /* health log interval */
    recorder_store_t *store;         /* database side */
    recorder_backstop_t *backstop;   /* get_fills backstop (always present; may be off) */
    zsock_t *sub;                    /* event intake */
    zsock_t *ctl;                    /* control ROUTER */
    bus_loop_t *loop;                /* the one loop */
    proto_msg_t *reader;             /* envelope reader */
    buf_t out;                       /* outgoing envelope */
    rec_source_t *sources;           /* tracked sources */
    size_t nsources;                 /* entries used */
    size_t max_sources;              /* capacity */
    bool loaded;                     /* schema ready and sources loaded */
    bool sub_active;                 /* SUB registered in the loop */
    bool db_down_logged;             /* a "database down" warning is outstanding */
    int flush_timer;                 /* pending one-shot flush timer id, 0 = none */
    int64_t last_health_log_ms;      /* monotonic time of the last health line */
    recorder_health_t h;             /* counters (lag, behind, db fields computed on demand) */
    bool stopped;                    /* recorder_stop called */
};

void recorder_config_default(recorder_config_t *cfg)
{
    assert(cfg);
    memset(cfg, 0, sizeof *cfg);
    cfg->events = "tcp://127.0.0.1:7120";
    cfg->control = "tcp://127.0.0.1:7121";
    cfg->instance = "recorder";
    cfg->sql_dir = "deploy/sql";
    cfg->batch_max = 500;
    cfg->flush_ms = 5;
    cfg->replay_timeout_ms = 300;
    cfg->health_log_ms = 10000;
    cfg->max_sources = 1024;
    cfg->pipeline = true;
    recorder_backstop_config_default(&cfg->backstop);
}

/* ---- sources */

static rec_source_t *s_source(recorder_t *self, const char *name, bool create)
{
    for (size_t i = 0; i < self->nsources; i++)
        if (strcmp(self->sources[i].name, name) == 0)
            return &self->sources[i];
    if (!create)
        return NULL;
    if (self->nsources == self->max_sources) {
        log_error("source=%s refused: already tracking %zu sources (max_sources)", name, self->max_sources);
        return NULL;
    }
    rec_source_t *s = &self->sources[self->nsources++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

static void s_loaded_source(const char *source, uint64_t last_seq, void *ctx)
{
    recorder_t *self = ctx;
    rec_source_t *s = s_source(self, source, true);
    if (!s)
        return;
    s->committed = s->batched = last_seq;
    if (s->seen_max < last_seq)
        s->seen_max = last_seq;
}

/* ---- control messages to workers */

static void s_send_control(recorder_t *self, rec_source_t *s, const proto_control_t *c)
{
    proto_header_t h;
    char id[PROTO_ID_SZ];
    snprintf(id, sizeof id, "%s-%" PRIu64, proto_type_name(c->type), c->type == PROTO_T_EVENTS_ACK ? c->seq
                                                                                                : c->from_seq);
    proto_header_init(&h, id);
    buf_reset(&self->out);
    err_t err;
    if (proto_control_encode(&h, c, &self->out, &err) != 0) {
        log_error("encode %s source=%s failed: %s", proto_type_name(c->type), s->name, err.msg);
        return;
    }
    bus_msg_t *route = bus_msg_new();
    if (s->identity_len > 0)
        bus_msg_push_route(route, s->identity, s->identity_len, NULL);
    else
        bus_msg_push_route(route, s->name, strlen(s->name), NULL);
    if (bus_send_envelope(self->ctl, route, &self->out, &err) != 0)
        log_debug("send %s source=%s failed: %s (the worker's next hello catches up)", proto_type_name(c->type),
                  s->name, err.msg);
    bus_msg_destroy(&route);
}

static void s_ack(recorder_t *self, rec_source_t *s)
{
    if (s->committed == 0)
        return;
    proto_control_t c;
    proto_control_init(&c, PROTO_T_EVENTS_ACK);
    snprintf(c.source, sizeof c.source, "%s", s->name);
    c.seq = s->committed;
    s_send_control(self, s, &c);
    s->acked = s->committed;
    self->h.acks++;
}

static void s_replay(recorder_t *self, rec_source_t *s, uint64_t from)
{
    proto_control_t c;
    proto_control_init(&c, PROTO_T_EVENTS_REPLAY);
    snprintf(c.source, sizeof c.source, "%s", s->name);
    c.from_seq = from;
    s_send_control(self, s, &c);
    s->replay_from = from;
    s->replay_at_ms = clock_mono_ms();
    self->h.replays++;
    log_info("replay source=%s from_seq=%" PRIu64 " (have %" PRIu64 ", seen %" PRIu64 ")", s->name, from,
             s->batched, s->seen_max);
}

/* The worker's journal no longer holds what we miss: those events were acked to someone, so they cannot be
 * replayed. Move on (loudly) rather than ask forever. */
static void s_skip_truncated(rec_source_t *s)
{
    if (s->worker_first > s->batched + 1) {
        log_error("source=%s events %" PRIu64 "..%" PRIu64 " are no longer in the worker's journal; skipping them",
                  s->name, s->batched + 1, s->worker_first - 1);
        s->batched = s->worker_first - 1; /* committed follows with this source's next committed batch */
    }
}

/* Asks for the missing events of s, if any. A gap seen on the wire (PUB/SUB keeps order, so a jump is a loss)
 * is asked for at once; a hello that merely says more exists waits until the stream has stalled for
 * replay_timeout_ms (those events may simply be in flight). An outstanding request is repeated only when no
 * event has advanced the source for replay_timeout_ms since it was sent: while a replay flows, live events
 * beyond it show up as gaps and must not restart it. Nothing is asked while intake is paused (full batch,
 * database down): the replay could not be taken in. */
static void s_maybe_replay(recorder_t *self, rec_source_t *s)
{
    if (!self->loaded || !self->sub_active || s->seen_max <= s->batched)
        return;
    if (s->hello_seen)
        s_skip_truncated(s);
    if (s->seen_max <= s->batched)
        return;
    int64_t now = clock_mono_ms();
    int64_t last = s->replay_at_ms > s->progress_at_ms ? s->replay_at_ms : s->progress_at_ms;
    bool stalled = now - last >= self->replay_timeout_ms;
    if ((s->replay_from == 0 && (s->gap_seen || stalled)) || (s->replay_from != 0 && stalled)) {
        s->gap_seen = false;
        s_replay(self, s, s->batched + 1);
    }
}

/* ---- committing */

static void s_pause_events(recorder_t *self)
{
    if (self->sub_active) {
        bus_loop_remove_sock(self->loop, self->sub);
        self->sub_active = false;
    }
}

static int s_on_events(bus_loop_t *loop, zsock_t *sock, void *arg);

static void s_resume_events(recorder_t *self)
{
    if (!self->sub_active && self->loaded) {
        err_t err;
        if (bus_loop_add_sock(self->loop, self->sub, s_on_events, self, &err) == 0)
            self->sub_active = true;
        else
            log_error("cannot watch the events socket: %s", err.msg);
    }
}

static int s_on_flush_timer(bus_loop_t *loop, int timer_id, void *arg);

static void s_arm_flush(recorder_t *self, int64_t delay_ms)
{
    if (self->flush_timer)
        bus_loop_cancel_timer(self->loop, self->flush_timer);
    self->flush_timer = bus_loop_add_timer(self->loop, delay_ms, 0, s_on_flush_timer, self);
    assert(self->flush_timer > 0);
}

/* Commits what is pending (s_on_committed hears about each committed batch and acks). On failure the batches
 * are kept, event intake pauses while the batch being built is full, and a retry is scheduled after the
 * backoff. */
static void s_flush(recorder_t *self)
{
    if (self->flush_timer) {
        bus_loop_cancel_timer(self->loop, self->flush_timer);
        self->flush_timer = 0;
    }
    if (recorder_store_pending(self->store) == 0)
        return;
    err_t err;
    if (recorder_store_commit(self->store, &err) != 0) {
        if (!self->db_down_logged)
            log_warn("commit of %zu events failed: %s; keeping them, retrying with backoff",
                     recorder_store_pending(self->store), err.msg);
        self->db_down_logged = true;
        if (recorder_store_full(self->store))
            s_pause_events(self);
        int64_t retry = db_retry_in_ms(recorder_store_db(self->store));
        s_arm_flush(self, retry > REC_HOUSEKEEPING_MS ? retry : REC_HOUSEKEEPING_MS);
        return;
    }
    if (self->db_down_logged)
        log_info("commit works again: pending events written");
    self->db_down_logged = false;
    if (recorder_store_in_flight(self->store))
        s_arm_flush(self, self->flush_ms); /* collect the outcome even if no new event comes */
    s_resume_events(self);
}

/* The store committed a batch: move the source on and ack. */
static void s_on_committed(const char *source, uint64_t seq, void *ctx)
{
    recorder_t *self = ctx;
    rec_source_t *s = s_source(self, source, false);
    if (!s || seq <= s->committed)
        return;
    s->committed = seq;
    s_ack(self, s);
}

static int s_on_flush_timer(bus_loop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    recorder_t *self = arg;
    if (self->flush_timer == timer_id)
        self->flush_timer = 0;
    s_flush(self);
    return 0;
}

/* ---- events */

static void s_admit(recorder_t *self, const proto_event_t *ev)
{
    rec_source_t *s = s_source(self, ev->source, true);
    if (!s)
        return;
    if (ev->seq > s->seen_max)
        s->seen_max = ev->seq;
    if (ev->seq <= s->batched) {
        self->h.duplicates++;
        return;
    }
    if (ev->seq != s->batched + 1) {
        self->h.gaps++;
        s->gap_seen = true;
        s_maybe_replay(self, s);
        return;
    }
    err_t err;
    int rc = ev->type == PROTO_T_EVENT_FILL ? recorder_store_add_fill(self->store, s->name, ev->seq, &ev->fill, &err)
                                            : recorder_store_add_order(self->store, s->name, ev->seq, &ev->order, &err);
    if (rc != 0) {
        /* Full batch (we stop reading before that) or an event too large to stage: leave it to a replay. */
        log_warn("event source=%s seq=%" PRIu64 " not batched: %s", s->name, ev->seq, err.msg);
        return;
    }
    s->batched = ev->seq;
    s->progress_at_ms = clock_mono_ms();
    if (s->replay_from && s->seen_max <= s->batched)
        s->replay_from = 0; /* caught up */
    if (!self->flush_timer)
        s_arm_flush(self, self->flush_ms);
}

static void s_on_event_msg(recorder_t *self, bus_msg_t *msg)
{
    proto_header_t hdr;
    err_t err;
    self->h.received++;
    if (bus_msg_parse(msg, self->reader, &hdr, &err) != 0) {
        self->h.invalid++;
        log_warn("event refused: %s", err.msg);
        return;
    }
    if (hdr.type != PROTO_T_EVENT_FILL && hdr.type != PROTO_T_EVENT_ORDER) {
        self->h.invalid++;
        log_warn("event refused: type '%s' is not an event", hdr.type_name);
        return;
    }
    proto_event_t ev;
    if (proto_event_decode(self->reader, &ev, &err) != 0) {
        self->h.invalid++;
        log_warn("event refused: %s", err.msg);
        return;
    }
    s_admit(self, &ev);
    proto_event_free(&ev);
}

/* Takes waiting events until none is left or the batch being built is full. Never commits. */
static void s_take_events(recorder_t *self)
{
    while (!recorder_store_full(self->store)) {
        err_t err;
        bus_msg_t *msg = bus_msg_recv(self->sub, &err);
        if (!msg) {
            if (err.code == XR_OK)
                break;
            self->h.invalid++;
            log_warn("event refused: %s", err.msg);
            continue;
        }
        s_on_event_msg(self, msg);
        bus_msg_destroy(&msg);
    }
}

static int s_on_events(bus_loop_t *loop, zsock_t *sock, void *arg)
{
    (void) loop;
    (void) sock;
    recorder_t *self = arg;
    s_take_events(self);
    if (recorder_store_full(self->store))
        s_flush(self);
    return 0;
}

/* While PostgreSQL loads or commits a batch, keep taking events into the next one (the store never writes the
 * batch being built), so that decoding overlaps the server's work. */
static void s_db_wait(int fd, void *ctx)
{
    recorder_t *self = ctx;
    bool intake = self->sub_active && !recorder_store_full(self->store);
    zmq_pollitem_t items[2] = {{.socket = NULL, .fd = fd, .events = ZMQ_POLLIN, .revents = 0},
                               {.socket = zsock_resolve(self->sub), .fd = 0, .events = ZMQ_POLLIN, .revents = 0}};
    if (zmq_poll(items, intake ? 2 : 1, 100) <= 0)
        return;
    if (intake && (items[1].revents & ZMQ_POLLIN))
        s_take_events(self);
}

/* ---- control */

static void s_on_hello(recorder_t *self, const bus_msg_t *msg, const proto_control_t *c)
{
    rec_source_t *s = s_source(self, c->source, true);
    if (!s)
        return;
    size_t len = 0;
    const void *id = bus_msg_route_count(msg) > 0 ? bus_msg_route(msg, 0, &len) : NULL;
    if (id && len <= sizeof s->identity) {
        memcpy(s->identity, id, len);
        s->identity_len = len;
    }
    if (!s->hello_seen)
        log_info("hello source=%s first_seq=%" PRIu64 " last_seq=%" PRIu64 " committed=%" PRIu64, s->name,
                 c->first_seq, c->last_seq, s->committed);
    s->hello_seen = true;
    s->worker_first = c->first_seq;
    if (c->last_seq > s->seen_max)
        s->seen_max = c->last_seq;
    if (self->loaded && c->last_seq < s->committed)
        log_warn("source=%s says its last seq is %" PRIu64 " but %" PRIu64 " are committed: its journal was lost; "
                 "the acknowledgement tells it to number its events from %" PRIu64,
                 s->name, c->last_seq, s->committed, s->committed + 1);
    if (!self->loaded)
        return;
    s_ack(self, s);
    s_maybe_replay(self, s);
}

static void s_on_health(recorder_t *self, const bus_msg_t *msg, const proto_header_t *hdr)
{
    recorder_health_t h = recorder_health(self);
    proto_result_t res;
    proto_result_init(&res, PROTO_T_HEALTH);
    proto_health_t *ph = proto_result_add_health(&res);
    snprintf(ph->venue, sizeof ph->venue, "recorder");
    snprintf(ph->instance, sizeof ph->instance, "%s", self->instance);
    ph->reachable = h.db_connected;
    ph->circuit = h.db_connected ? PROTO_CIRCUIT_CLOSED : PROTO_CIRCUIT_OPEN;
    ph->inflight = h.lag > UINT32_MAX ? UINT32_MAX : (uint32_t) h.lag;
    ph->journal_backlog = h.behind;
    proto_header_t rh;
    proto_header_reply(&rh, hdr);
    buf_reset(&self->out);
    err_t err;
    if (proto_result_encode(&rh, &res, &self->out, &err) == 0) {
        bus_msg_t *route = bus_msg_new_reply(msg);
        if (bus_send_envelope(self->ctl, route, &self->out, &err) != 0)
            log_debug("health reply failed: %s", err.msg);
        bus_msg_destroy(&route);
    }
    proto_result_free(&res);
}

static void s_reply_error(recorder_t *self, const bus_msg_t *msg, const proto_header_t *hdr, const err_t *why)
{
    buf_reset(&self->out);
    if (proto_error_reply(hdr, why->code, &self->out, NULL, "%s", why->msg) != 0)
        return;
    bus_msg_t *route = bus_msg_new_reply(msg);
    bus_send_envelope(self->ctl, route, &self->out, NULL);
    bus_msg_destroy(&route);
}

static void s_on_control_msg(recorder_t *self, bus_msg_t *msg)
{
    proto_header_t hdr;
    err_t err;
    if (bus_msg_parse(msg, self->reader, &hdr, &err) != 0) {
        log_warn("control message refused: %s", err.msg);
        if (hdr.id[0])
            s_reply_error(self, msg, &hdr, &err);
        return;
    }
    if (hdr.type == PROTO_T_HEALTH) {
        s_on_health(self, msg, &hdr);
        return;
    }
    if (hdr.type != PROTO_T_EVENTS_HELLO) {
        err_set(&err, XR_INVALID_REQUEST, "type: the recorder answers events.hello and health, not '%s'",
                hdr.type_name);
        log_warn("control message refused: %s", err.msg);
        if (proto_type_is_request(hdr.type))
            s_reply_error(self, msg, &hdr, &err);
        return;
    }
    proto_control_t c;
    if (proto_control_decode(self->reader, &c, &err) != 0) {
        log_warn("events.hello refused: %s", err.msg);
        return;
    }
    s_on_hello(self, msg, &c);
}

static int s_on_control(bus_loop_t *loop, zsock_t *sock, void *arg)
{
    (void) loop;
    recorder_t *self = arg;
    for (int i = 0; i < 1000; i++) {
        err_t err;
        bus_msg_t *msg = bus_msg_recv(sock, &err);
        if (!msg) {
            if (err.code == XR_OK)
                break;
            log_warn("control message refused: %s", err.msg);
            continue;
        }
        s_on_control_msg(self, msg);
        bus_msg_destroy(&msg);
    }
    return 0;
}

/* ---- housekeeping */

/* Opens the store (migrations) and loads every source's committed seq; until then no event is read. */
static void s_try_load(recorder_t *self)
{
    err_t err;
    if (recorder_store_open(self->store, &err) != 0 ||
        recorder_store_load_sources(self->store, s_loaded_source, self, &err) != 0) {
        if (!self->db_down_logged)
            log_warn("database not ready: %s; retrying with backoff", err.msg);
        self->db_down_logged = true;
        return;
    }
    self->db_down_logged = false;
    self->loaded = true;
    log_info("recorder ready sources=%zu target=\"%s\"", self->nsources, db_target(recorder_store_db(self->store)));
    for (size_t i = 0; i < self->nsources; i++) {
        rec_source_t *s = &self->sources[i];
        if (s->hello_seen)
            s_ack(self, s);
    }
    s_resume_events(self);
}

static void s_log_health(recorder_t *self)
{
    recorder_health_t h = recorder_health(self);
    int64_t ago = h.last_commit_ms ? clock_wall_ms() - h.last_commit_ms : -1;
    log_info("health db=%s ready=%s lag=%" PRIu64 " behind=%" PRIu64 " last_commit_ago_ms=%lld received=%" PRIu64
             " committed=%" PRIu64 " commits=%" PRIu64 " fills_new=%" PRIu64 " fills_dup=%" PRIu64 " duplicates=%" PRIu64
             " gaps=%" PRIu64 " replays=%" PRIu64 " rejects=%" PRIu64 " invalid=%" PRIu64 " sources=%zu"
             " backstop_passes=%" PRIu64 " backstop_missing=%" PRIu64 " backstop_errors=%" PRIu64,
             h.db_connected ? "connected" : "down", h.db_ready ? "yes" : "no", h.lag, h.behind, (long long) ago,
             h.received, h.committed, h.commits, h.fills_new, h.fills_dup, h.duplicates, h.gaps, h.replays, h.rejects,
             h.invalid, h.sources, h.backstop.passes, h.backstop.missing, h.backstop.errors);
}

static int s_on_housekeeping(bus_loop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    recorder_t *self = arg;
    if (!self->loaded) {
        if (db_retry_in_ms(recorder_store_db(self->store)) == 0)
            s_try_load(self);
    } else {
        for (size_t i = 0; i < self->nsources; i++) {
            rec_source_t *s = &self->sources[i];
            if (s->acked < s->committed)
                s_ack(self, s);
            s_maybe_replay(self, s);
        }
    }
    int64_t now = clock_mono_ms();
    if (now - self->last_health_log_ms >= self->health_log_ms) {
        self->last_health_log_ms = now;
        s_log_health(self);
    }
    return 0;
}

/* Caught up: schema ready, nothing waiting for a commit, and every source's published events committed
 * (so fills now missing from trades are not merely on their way). */
static bool s_backstop_ready(void *ctx)
{
    recorder_t *self = ctx;
    if (!self->loaded || recorder_store_pending(self->store) > 0)
        return false;
    for (size_t i = 0; i < self->nsources; i++)
        if (self->sources[i].seen_max > self->sources[i].committed)
            return false;
    return true;
}

/* ---- lifecycle */

static char *s_bind_spec(const char *endpoint)
{
    size_t n = strlen(endpoint) + 2;
    char *spec = mem_alloc(n);
    snprintf(spec, n, "%s%s", endpoint[0] == '@' ? "" : "@", endpoint);
    return spec;
}

recorder_t *recorder_new(const recorder_config_t *cfg, err_t *err)
{
    assert(cfg);
    if (!cfg->db.dsn || !cfg->db.dsn[0]) {
        err_set(err, XR_INVALID_REQUEST, "no PostgreSQL DSN (XROUTE_PG_DSN)");
        return NULL;
    }
    if (cfg->batch_max == 0 || cfg->flush_ms <= 0 || cfg->replay_timeout_ms <= 0 || cfg->max_sources == 0) {
        err_set(err, XR_INVALID_REQUEST, "batch_max, flush_ms, replay_timeout_ms and max_sources must be > 0");
        return NULL;
    }
    recorder_t *self = mem_calloc(1, sizeof *self);
    self->events_ep = s_bind_spec(cfg->events);
    self->control_ep = s_bind_spec(cfg->control);
    self->instance = mem_strdup(cfg->instance ? cfg->instance : "recorder");
    self->flush_ms = cfg->flush_ms;
    self->replay_timeout_ms = cfg->replay_timeout_ms;
    self->health_log_ms = cfg->health_log_ms > 0 ? cfg->health_log_ms : 10000;
    self->max_sources = cfg->max_sources;
    self->sources = mem_calloc(cfg->max_sources, sizeof *self->sources);
    self->reader = proto_msg_new();
    buf_init(&self->out, REC_OUT_MAX);
    self->last_health_log_ms = clock_mono_ms();
    self->store = recorder_store_new(&cfg->db, cfg->sql_dir, cfg->batch_max, err);
    if (!self->store)
        goto fail;
    recorder_store_set_commit_fn(self->store, s_on_committed, self);
    recorder_store_set_pipeline(self->store, cfg->pipeline);
    if (cfg->pipeline)
        recorder_store_set_wait_fn(self->store, s_db_wait, self);
    bus_sock_opts_t opts;
    bus_sock_opts_default(&opts);
    opts.rcvhwm = REC_SUB_HWM;
    opts.subscribe = "";
    if (cfg->curve && bus_curve_server_opts(cfg->curve, "events", true, &opts, err) != 0)
        goto fail;
    self->sub = bus_sub_new(self->events_ep, &opts, err);
    if (!self->sub)
        goto fail;
    bus_sock_opts_default(&opts);
    if (cfg->curve && bus_curve_server_opts(cfg->curve, NULL, true, &opts, err) != 0)
        goto fail;
    self->ctl = bus_router_new(self->control_ep, &opts, err);
    if (!self->ctl)
        goto fail;
    self->loop = bus_loop_new();
    if (bus_loop_add_sock(self->loop, self->ctl, s_on_control, self, err) != 0)
        goto fail;
    if (bus_loop_add_timer(self->loop, 0, REC_HOUSEKEEPING_MS, s_on_housekeeping, self) < 0) {
        err_set(err, XR_INTERNAL, "no timer slot");
        goto fail;
    }
    self->backstop = recorder_backstop_new(&cfg->backstop, self->loop, self->store, cfg->curve, s_backstop_ready,
                                           self, err);
    if (!self->backstop)
        goto fail;
    log_info("recorder listening events=%s control=%s target=\"%s\" batch_max=%zu flush_ms=%lld",
             bus_sock_endpoint(self->sub), bus_sock_endpoint(self->ctl), db_target(recorder_store_db(self->store)),
             cfg->batch_max, (long long) cfg->flush_ms);
    return self;
fail:
    recorder_destroy(&self);
    return NULL;
}

int recorder_run_once(recorder_t *self, int64_t timeout_ms)
{
    assert(self);
    if (self->stopped)
        return -1;
    return bus_loop_run_once(self->loop, timeout_ms);
}

int recorder_run(recorder_t *self)
{
    assert(self);
    int rc = bus_loop_run(self->loop);
    for (int i = 0; i < 3 && recorder_store_pending(self->store) > 0; i++)
        s_flush(self);
    s_log_health(self);
    return rc;
}

void recorder_stop(recorder_t *self)
{
    assert(self);
    self->stopped = true;
    bus_loop_stop(self->loop);
}

const char *recorder_events_endpoint(recorder_t *self)
{
    assert(self);
    return bus_sock_endpoint(self->sub);
}

const char *recorder_control_endpoint(recorder_t *self)
{
    assert(self);
    return bus_sock_endpoint(self->ctl);
}

recorder_health_t recorder_health(const recorder_t *self)
{
    assert(self);
    recorder_health_t h = self->h;
    recorder_store_stats_t st = recorder_store_stats(self->store);
    db_t *db = recorder_store_db(self->store);
    h.db_connected = db_state(db) == DB_CONNECTED;
    h.db_ready = self->loaded;
    h.lag = recorder_store_pending(self->store);
    h.behind = 0;
    for (size_t i = 0; i < self->nsources; i++) {
        const rec_source_t *s = &self->sources[i];
        if (s->seen_max > s->committed)
            h.behind += s->seen_max - s->committed;
    }
    h.last_commit_ms = st.last_commit_ms;
    h.committed = st.events;
    h.commits = st.commits;
    h.fills_new = st.fills_new;
    h.fills_dup = st.fills_dup;
    h.rejects = st.rejects;
    h.sources = self->nsources;
    h.backstop = recorder_backstop_stats(self->backstop);
    return h;
}

int recorder_backstop_fills(recorder_t *self, const proto_fill_t *fills, size_t n, size_t *missing, err_t *err)
{
    assert(self);
    return recorder_store_backstop_fills(self->store, fills, n, missing, err);
}

void recorder_backstop_now(recorder_t *self)
{
    assert(self);
    recorder_backstop_trigger(self->backstop);
}

void recorder_destroy(recorder_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    recorder_t *self = *self_p;
    if (self->store && self->loaded && recorder_store_pending(self->store) > 0) {
        err_t err;
        for (int i = 0; i < 3 && recorder_store_pending(self->store) > 0; i++)
            if (recorder_store_commit(self->store, &err) != 0) {
                log_warn("%zu uncommitted events dropped at exit (the workers replay them): %s",
                         recorder_store_pending(self->store), err.msg);
                break;
            }
    }
    recorder_backstop_destroy(&self->backstop);
    bus_loop_destroy(&self->loop);
    zsock_destroy(&self->ctl);
    zsock_destroy(&self->sub);
    recorder_store_destroy(&self->store);
    buf_release(&self->out);
    proto_msg_destroy(&self->reader);
    mem_free(self->sources);
    mem_free(self->instance);
    mem_free(self->control_ep);
    mem_free(self->events_ep);
    mem_free(self);
    *self_p = NULL;
}
