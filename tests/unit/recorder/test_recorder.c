/* test_recorder: the recorder loop in-process, over real ZeroMQ sockets and a real PostgreSQL (tests/support/
 * pg.sh): acks only after commit, duplicates ignored, a gap asks for a replay from the first missing seq, a hello
 * from a worker that is ahead asks for the rest, a truncated journal is skipped, restart resumes from
 * event_sources, bad messages change nothing, `health` answers, and PostgreSQL going away holds the events
 * until it is back. The test plays the worker: a PUB for events and a DEALER (identity = source) for control,
 * with a journal that serves replays. */
#include "recorder/recorder.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/err.h"
#include "bus/bus_curve.h"
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "db/db.h"
#include "proto/control.h"
#include "proto/event.h"
#include "proto/request.h"
#include "proto/result.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_MAX 64

static char s_pgdir[1024];
static char s_dsn[512];
static char s_schema_dsn[800];
static char s_sql_dir[1024];

static int s_pg(const char *verb)
{
    return tu_pg(verb, s_pgdir, s_dsn, sizeof s_dsn);
}

/* The worker side of one source. */
typedef struct {
    char source[64];               /* instance id = DEALER identity */
    zsock_t *pub;                  /* events */
    zsock_t *dealer;               /* control */
    buf_t journal[JOURNAL_MAX];    /* envelope of seq i at index i - 1 */
    uint64_t last;                 /* highest seq journaled */
    uint64_t acked;                /* highest ack received */
    uint64_t replay_from;          /* last replay asked (0 = none) */
    int replays;                   /* replay requests received */
    bool serve_replays;            /* re-publish on request */
} worker_t;

static void s_schema(const char *schema)
{
    db_config_t cfg = {.dsn = s_dsn};
    err_t err;
    db_t *db = db_new(&cfg, &err);
    ck_assert_int_eq(db_connect(db, &err), 0);
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    ck_assert_int_eq(db_exec(db, sql, &err), 0);
    db_destroy(&db);
    snprintf(s_schema_dsn, sizeof s_schema_dsn, "%s options='-csearch_path=%s'", s_dsn, schema);
}

static recorder_t *s_recorder_curve(bus_curve_t *curve)
{
    recorder_config_t cfg;
    recorder_config_default(&cfg);
    cfg.events = "tcp://127.0.0.1:*";
    cfg.control = "tcp://127.0.0.1:*";
    cfg.db.dsn = s_schema_dsn;
    cfg.db.backoff_min_ms = 20;
    cfg.db.backoff_max_ms = 100;
    cfg.sql_dir = s_sql_dir;
    cfg.replay_timeout_ms = 200;
    cfg.curve = curve;
    err_t err;
    recorder_t *rec = recorder_new(&cfg, &err);
    ck_assert_msg(rec, "%s", err.msg);
    return rec;
}

static recorder_t *s_recorder(void)
{
    return s_recorder_curve(NULL);
}

static char *s_value(const char *sql)
{
    static char out[512];
    db_config_t cfg = {.dsn = s_schema_dsn};
    err_t err;
    db_t *db = db_new(&cfg, &err);
    ck_assert_int_eq(db_connect(db, &err), 0);
    db_result_t *res = db_query(db, false, sql, 0, NULL, &err);
    ck_assert_msg(res, "%s: %s", sql, err.msg);
    const char *v = db_result_rows(res) ? db_result_get(res, 0, 0) : NULL;
    snprintf(out, sizeof out, "%s", v ? v : "(null)");
    db_result_destroy(&res);
    db_destroy(&db);
    return out;
}

/* A worker whose sockets are CURVE clients when curve is given (PUB to server "events", DEALER to "recorder"). */
static void s_worker_init_curve(worker_t *w, recorder_t *rec, const char *source, bus_curve_t *curve)
{
    memset(w, 0, sizeof *w);
    snprintf(w->source, sizeof w->source, "%s", source);
    w->serve_replays = true;
    char ep[300];
    err_t err;
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    if (curve)
        ck_assert_msg(bus_curve_client_opts(curve, "events", true, &o, &err) == 0, "%s", err.msg);
    snprintf(ep, sizeof ep, ">%s", recorder_events_endpoint(rec));
    w->pub = bus_pub_new(ep, &o, NULL);
    bus_sock_opts_default(&o);
    if (curve)
        ck_assert_msg(bus_curve_client_opts(curve, "recorder", true, &o, &err) == 0, "%s", err.msg);
    o.routing_id = w->source;
    snprintf(ep, sizeof ep, ">%s", recorder_control_endpoint(rec));
    w->dealer = bus_dealer_new(ep, &o, NULL);
    ck_assert(w->pub && w->dealer);
}

static void s_worker_init(worker_t *w, recorder_t *rec, const char *source)
{
    s_worker_init_curve(w, rec, source, NULL);
}

static void s_worker_destroy(worker_t *w)
{
    for (int i = 0; i < JOURNAL_MAX; i++)
        buf_release(&w->journal[i]);
    zsock_destroy(&w->dealer);
    zsock_destroy(&w->pub);
}

static void s_send(worker_t *w, uint64_t seq)
{
    bus_msg_t *topic = bus_msg_new();
    bus_msg_push_route(topic, "default.bybit.", 14, NULL);
    ck_assert_int_eq(bus_send_envelope(w->pub, topic, &w->journal[seq - 1], NULL), 0);
    bus_msg_destroy(&topic);
}

/* Journals fill number seq (trade id "T<seq>" unless trade_id is given) and publishes it if send. */
static void s_emit(worker_t *w, uint64_t seq, const char *trade_id, bool send)
{
    ck_assert_uint_le(seq, JOURNAL_MAX);
    proto_event_t ev;
    proto_event_init(&ev, PROTO_T_EVENT_FILL);
    snprintf(ev.source, sizeof ev.source, "%s", w->source);
    ev.seq = seq;
    proto_fill_t *f = &ev.fill;
    snprintf(f->venue, sizeof f->venue, "bybit");
    snprintf(f->account, sizeof f->account, "default");
    if (trade_id)
        snprintf(f->trade_id, sizeof f->trade_id, "%s", trade_id);
    else
        snprintf(f->trade_id, sizeof f->trade_id, "%s-T%llu", w->source, (unsigned long long) seq);
    snprintf(f->order_id, sizeof f->order_id, "O1");
    snprintf(f->symbol, sizeof f->symbol, "BTC/USDT");
    f->side = PROTO_SIDE_BUY;
    f->quantity = (decimal_t){1, 3};
    f->price = (decimal_t){6500012, 2};
    f->fee = (decimal_t){0, 0};
    f->realized_pnl = (decimal_t){0, 0};
    f->executed_at = 1700000000000 + (int64_t) seq;
    proto_header_t h;
    proto_header_init(&h, "ev");
    buf_t *b = &w->journal[seq - 1];
    buf_release(b);
    buf_init(b, 1 << 16);
    ck_assert_int_eq(proto_event_encode(&h, &ev, b, NULL), 0);
    proto_event_free(&ev);
    if (seq > w->last)
        w->last = seq;
    if (send)
        s_send(w, seq);
}

static void s_hello(worker_t *w, uint64_t first, uint64_t last)
{
    proto_control_t c;
    proto_control_init(&c, PROTO_T_EVENTS_HELLO);
    snprintf(c.source, sizeof c.source, "%s", w->source);
    c.first_seq = first;
    c.last_seq = last;
    proto_header_t h;
    proto_header_init(&h, "hello");
    buf_t out;
    buf_init(&out, 4096);
    ck_assert_int_eq(proto_control_encode(&h, &c, &out, NULL), 0);
    ck_assert_int_eq(bus_send_envelope(w->dealer, NULL, &out, NULL), 0);
    buf_release(&out);
}

/* Reads the worker's control messages: acks and replays (served from the journal if serve_replays). */
static void s_worker_poll(worker_t *w)
{
    proto_msg_t *reader = proto_msg_new();
    err_t err;
    bus_msg_t *m;
    while ((m = bus_msg_recv(w->dealer, &err)) != NULL) {
        proto_header_t hdr;
        proto_control_t c;
        ck_assert_int_eq(bus_msg_parse(m, reader, &hdr, &err), 0);
        ck_assert_int_eq(proto_control_decode(reader, &c, &err), 0);
        ck_assert_str_eq(c.source, w->source);
        if (c.type == PROTO_T_EVENTS_ACK) {
            ck_assert_uint_le(c.seq, w->last);
            if (c.seq > w->acked)
                w->acked = c.seq;
        } else if (c.type == PROTO_T_EVENTS_REPLAY) {
            w->replays++;
            w->replay_from = c.from_seq;
            for (uint64_t s = c.from_seq; w->serve_replays && s <= w->last; s++)
                if (w->journal[s - 1].len)
                    s_send(w, s);
        }
        bus_msg_destroy(&m);
    }
    proto_msg_destroy(&reader);
}

/* Runs the recorder and the worker until cond holds or ms pass. Returns whether cond held. */
#define RUN_UNTIL(rec, w, ms, cond)                                                                           \
    ({                                                                                                        \
        int64_t until_ = clock_mono_ms() + (ms);                                                              \
        while (!(cond) && clock_mono_ms() < until_) {                                                         \
            recorder_run_once((rec), 5);                                                                      \
            s_worker_poll(w);                                                                                 \
        }                                                                                                     \
        (cond);                                                                                               \
    })

/* Lets the recorder load its sources and the subscription settle. */
static void s_settle(recorder_t *rec, worker_t *w)
{
    RUN_UNTIL(rec, w, 5000, recorder_health(rec).db_ready);
    ck_assert(recorder_health(rec).db_ready);
    int64_t until = clock_mono_ms() + 300;
    while (clock_mono_ms() < until)
        recorder_run_once(rec, 10);
}

START_TEST(in_order_events_are_committed_then_acked)
{
    s_schema("r_inorder");
    recorder_t *rec = s_recorder();
    worker_t w;
    s_worker_init(&w, rec, "w1");
    s_settle(rec, &w);
    for (uint64_t s = 1; s <= 3; s++)
        s_emit(&w, s, NULL, true);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.acked == 3));
    ck_assert_str_eq(s_value("SELECT count(*) || ' ' || max(seq) FROM trades"), "3 3");
    ck_assert_str_eq(s_value("SELECT last_seq FROM event_sources WHERE source = 'w1'"), "3");
    recorder_health_t h = recorder_health(rec);
    ck_assert_uint_eq(h.lag, 0);
    ck_assert_uint_eq(h.committed, 3);
    ck_assert_uint_eq(h.fills_new, 3);
    ck_assert_int_gt(h.last_commit_ms, 0);
    ck_assert(h.db_connected);
    /* The same events again: ignored, nothing new stored, ack unchanged. */
    for (uint64_t s = 1; s <= 3; s++)
        s_send(&w, s);
    RUN_UNTIL(rec, &w, 300, recorder_health(rec).duplicates == 3);
    ck_assert_uint_eq(recorder_health(rec).duplicates, 3);
    ck_assert_str_eq(s_value("SELECT count(*) FROM trades"), "3");
    s_worker_destroy(&w);
    recorder_destroy(&rec);
}
END_TEST

START_TEST(gap_asks_replay_from_first_missing)
{
    s_schema("r_gap");
    recorder_t *rec = s_recorder();
    worker_t w;
    s_worker_init(&w, rec, "w1");
    s_settle(rec, &w);
    s_emit(&w, 1, NULL, true);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.acked == 1)); /* the subscription is up (else replays fill in) */
    w.serve_replays = false;
    w.replay_from = 0;
    s_emit(&w, 2, NULL, true);
    s_emit(&w, 3, NULL, false); /* lost on the way */
    s_emit(&w, 4, NULL, false);
    s_emit(&w, 5, NULL, true);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.replay_from == 3));
    ck_assert(RUN_UNTIL(rec, &w, 2000, w.acked == 2)); /* what came in order is committed */
    ck_assert_uint_ge(recorder_health(rec).gaps, 1);
    /* Not served: asked again after the replay timeout, from the same place. */
    int before = w.replays;
    ck_assert(RUN_UNTIL(rec, &w, 3000, w.replays > before));
    ck_assert_uint_eq(w.replay_from, 3);
    for (uint64_t s = 3; s <= 5; s++)
        s_send(&w, s);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.acked == 5));
    ck_assert_str_eq(s_value("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM trades"), "1,2,3,4,5");
    s_worker_destroy(&w);
    recorder_destroy(&rec);
}
END_TEST

START_TEST(restart_resumes_and_hello_asks_for_the_rest)
{
    s_schema("r_restart");
    recorder_t *rec = s_recorder();
    worker_t w;
    s_worker_init(&w, rec, "w1");
    s_settle(rec, &w);
    s_emit(&w, 1, NULL, true);
    s_emit(&w, 2, NULL, true);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.acked == 2));
    s_worker_destroy(&w);
    recorder_destroy(&rec);

    /* Events 3 and 4 were published while no recorder ran; the new one learns it from the hello. */
    rec = s_recorder();
    s_worker_init(&w, rec, "w1");
    s_settle(rec, &w);
    for (uint64_t s = 1; s <= 4; s++)
        s_emit(&w, s, NULL, false);
    s_hello(&w, 3, 4);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.acked == 4));
    ck_assert_uint_eq(w.replay_from, 3); /* from what event_sources said, not from 1 */
    ck_assert_str_eq(s_value("SELECT count(*) FROM trades"), "4");
    s_worker_destroy(&w);
    recorder_destroy(&rec);
}
END_TEST

START_TEST(truncated_journal_is_skipped)
{
    s_schema("r_trunc");
    recorder_t *rec = s_recorder();
    worker_t w;
    s_worker_init(&w, rec, "w9");
    s_settle(rec, &w);
    /* The worker only still holds 10..12 (1..9 were acked to someone else): ask from 10, not from 1. */
    for (uint64_t s = 10; s <= 12; s++)
        s_emit(&w, s, NULL, false);
    s_hello(&w, 10, 12);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.acked == 12));
    ck_assert_uint_eq(w.replay_from, 10);
    ck_assert_str_eq(s_value("SELECT count(*) || ' ' || min(seq) FROM trades"), "3 10");
    ck_assert_str_eq(s_value("SELECT last_seq FROM event_sources"), "12");
    s_worker_destroy(&w);
    recorder_destroy(&rec);
}
END_TEST

START_TEST(bad_messages_change_nothing_and_health_answers)
{
    s_schema("r_bad");
    recorder_t *rec = s_recorder();
    worker_t w;
    s_worker_init(&w, rec, "w1");
    s_settle(rec, &w);
    s_emit(&w, 1, NULL, true);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.acked == 1)); /* the subscription is up */
    zsock_send(w.pub, "ss", "default.bybit.", "\xc1 not msgpack");
    zsock_send(w.pub, "s", "lonely");
    s_emit(&w, 2, NULL, true);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.acked == 2));
    ck_assert_uint_eq(recorder_health(rec).invalid, 2);
    ck_assert_str_eq(s_value("SELECT count(*) FROM trades"), "2");

    proto_header_t h;
    proto_header_init(&h, "h-1");
    proto_request_t req;
    proto_request_init(&req, PROTO_T_HEALTH);
    buf_t out;
    buf_init(&out, 4096);
    ck_assert_int_eq(proto_request_encode(&h, &req, &out, NULL), 0);
    proto_request_free(&req);
    char ep[300];
    snprintf(ep, sizeof ep, ">%s", recorder_control_endpoint(rec));
    zsock_t *client = bus_dealer_new(ep, NULL, NULL);
    ck_assert_ptr_nonnull(client);
    ck_assert_int_eq(bus_send_envelope(client, NULL, &out, NULL), 0);
    bus_msg_t *reply = NULL;
    err_t err;
    int64_t until = clock_mono_ms() + 3000;
    while (!reply && clock_mono_ms() < until) {
        recorder_run_once(rec, 5);
        reply = bus_msg_recv(client, &err);
    }
    ck_assert_ptr_nonnull(reply);
    proto_msg_t *reader = proto_msg_new();
    proto_header_t rh;
    ck_assert_int_eq(bus_msg_parse(reply, reader, &rh, &err), 0);
    ck_assert_int_eq(rh.type, PROTO_T_RESULT);
    ck_assert_str_eq(rh.id, "h-1");
    proto_result_t res;
    ck_assert_msg(proto_result_decode(reader, &res, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(res.n_health, 1);
    ck_assert_str_eq(res.health[0].venue, "recorder");
    ck_assert(res.health[0].reachable);
    ck_assert_uint_eq(res.health[0].inflight, 0);
    proto_result_free(&res);
    proto_msg_destroy(&reader);
    bus_msg_destroy(&reply);
    buf_release(&out);
    zsock_destroy(&client);
    s_worker_destroy(&w);
    recorder_destroy(&rec);
}
END_TEST

START_TEST(database_outage_holds_events_until_back)
{
    s_schema("r_outage");
    recorder_t *rec = s_recorder();
    worker_t w;
    s_worker_init(&w, rec, "w1");
    s_settle(rec, &w);
    s_emit(&w, 1, NULL, true);
    ck_assert(RUN_UNTIL(rec, &w, 5000, w.acked == 1));
    ck_assert_int_eq(s_pg("stop"), 0);
    s_emit(&w, 2, NULL, true);
    s_emit(&w, 3, NULL, true);
    RUN_UNTIL(rec, &w, 500, false);
    recorder_health_t h = recorder_health(rec);
    ck_assert(!h.db_connected);
    ck_assert_uint_eq(h.lag, 2);
    ck_assert_uint_eq(w.acked, 1); /* nothing acked that is not committed */
    ck_assert_int_eq(s_pg("start"), 0);
    ck_assert(RUN_UNTIL(rec, &w, 10000, w.acked == 3));
    ck_assert_str_eq(s_value("SELECT count(*) FROM trades"), "3");
    ck_assert_uint_eq(recorder_health(rec).lag, 0);
    s_worker_destroy(&w);
    recorder_destroy(&rec);
}
END_TEST

/* CURVE settings of one process: keys in dir, its secret certificate (NULL: the role's default). The curve
 * object keeps reading *cfg_p (e.g. for the events key): destroy the config after it. */
static bus_curve_t *s_curve(const char *dir, const char *role, const char *secret_name, config_t **cfg_p)
{
    char keys[700], secret[800];
    snprintf(keys, sizeof keys, "XROUTE_KEYS_DIR=%s", dir);
    snprintf(secret, sizeof secret, "XROUTE_CURVE_SECRET_FILE=%s/%s.cert_secret", dir, secret_name ? secret_name : "");
    const char *env[] = {"XROUTE_CURVE=on", keys, secret_name ? secret : NULL, NULL};
    err_t err;
    config_t *cfg = config_new_from(env, NULL, &err);
    ck_assert_msg(cfg, "%s", err.msg);
    bus_curve_t *c = bus_curve_new(cfg, role, &err);
    ck_assert_msg(c, "%s", err.msg);
    *cfg_p = cfg;
    return c;
}

/* With CURVE on, only a worker whose key is in the recorder's allow directory gets its events stored and acked;
 * a plain worker and an unlisted one are refused at the handshake and change nothing. */
START_TEST(curve_admits_only_listed_workers)
{
    s_schema("r_curve");
    char dir[600], allow[700], from[800], to[800];
    snprintf(dir, sizeof dir, "%s", tu_scratch_dir("keys"));
    err_t err;
    const char *names[] = {"recorder", "events", "listed", "unlisted"};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(bus_curve_keygen(dir, names[i], NULL, &err) == 0, "%s", err.msg);
    snprintf(allow, sizeof allow, "%s/allow", dir);
    ck_assert_int_eq(mkdir(allow, 0755), 0);
    snprintf(allow, sizeof allow, "%s/allow/recorder", dir);
    ck_assert_int_eq(mkdir(allow, 0755), 0);
    snprintf(from, sizeof from, "%s/listed.cert", dir);
    snprintf(to, sizeof to, "%s/listed.cert", allow);
    ck_assert_int_eq(link(from, to), 0);

    config_t *cfgs[3];
    bus_curve_t *server = s_curve(dir, "recorder", NULL, &cfgs[0]);
    bus_curve_t *listed = s_curve(dir, "venue", "listed", &cfgs[1]);
    bus_curve_t *unlisted = s_curve(dir, "venue", "unlisted", &cfgs[2]);
    recorder_t *rec = s_recorder_curve(server);
    worker_t good, plain, stranger;
    s_worker_init_curve(&good, rec, "good", listed);
    s_worker_init_curve(&plain, rec, "plain", NULL);
    s_worker_init_curve(&stranger, rec, "stranger", unlisted);
    s_settle(rec, &good);
    s_emit(&good, 1, NULL, true);
    s_emit(&plain, 1, NULL, true);
    s_emit(&stranger, 1, NULL, true);
    ck_assert(RUN_UNTIL(rec, &good, 5000, good.acked == 1));
    RUN_UNTIL(rec, &plain, 500, false);
    RUN_UNTIL(rec, &stranger, 500, false);
    ck_assert_uint_eq(plain.acked, 0);
    ck_assert_uint_eq(stranger.acked, 0);
    ck_assert_str_eq(s_value("SELECT string_agg(source, ',') FROM trades"), "good");
    s_worker_destroy(&stranger);
    s_worker_destroy(&plain);
    s_worker_destroy(&good);
    recorder_destroy(&rec);
    bus_curve_destroy(&unlisted);
    bus_curve_destroy(&listed);
    bus_curve_destroy(&server);
    for (int i = 2; i >= 0; i--)
        config_destroy(&cfgs[i]);
}
END_TEST

int main(void)
{
    snprintf(s_pgdir, sizeof s_pgdir, "%s/pg", tu_scratch());
    snprintf(s_sql_dir, sizeof s_sql_dir, "%s/deploy/sql", getenv("XR_SOURCE"));
    if (s_pg("start") != 0) {
        fprintf(stderr, "test_recorder: cannot start PostgreSQL in %s\n", s_pgdir);
        return 1;
    }
    Suite *s = suite_create("recorder");
    TCase *tc = tcase_create("recorder");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, in_order_events_are_committed_then_acked);
    tcase_add_test(tc, gap_asks_replay_from_first_missing);
    tcase_add_test(tc, restart_resumes_and_hello_asks_for_the_rest);
    tcase_add_test(tc, truncated_journal_is_skipped);
    tcase_add_test(tc, bad_messages_change_nothing_and_health_answers);
    tcase_add_test(tc, database_outage_holds_events_until_back);
    tcase_add_test(tc, curve_admits_only_listed_workers);
    suite_add_tcase(s, tc);
    int rc = tu_run(s);
    s_pg("stop");
    return rc;
}
