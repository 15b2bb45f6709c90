/* test_recorder_backstop: the recorder's get_fills backstop in-process, over real ZeroMQ and a real PostgreSQL
 * (tests/support/pg.sh). The test plays the router frontend (a ROUTER the backstop's DEALER connects to) and
 * answers get_fills like a venue worker would: the request names venue, account and symbol and reads from the
 * last recorded fill minus the margin; pages are followed by cursor; fills younger than the settle time are left
 * alone; missing fills are stored once and counted; error replies and silence fail the target (nothing
 * stored) and bring an earlier retry; a symbol known only from an open order is read too; no pass starts while
 * a worker has published events the recorder has not committed (unless that lasts past catchup_max_ms). */
#include "recorder/recorder.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "db/db.h"
#include "proto/control.h"
#include "proto/error.h"
#include "proto/request.h"
#include "proto/result.h"
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char s_pgdir[1024];
static char s_dsn[512];
static char s_schema_dsn[800];
static char s_sql_dir[1024];

static int s_pg(const char *verb)
{
    return tu_pg(verb, s_pgdir, s_dsn, sizeof s_dsn);
}

static void s_exec(const char *dsn, const char *sql)
{
    db_config_t cfg = {.dsn = dsn};
    err_t err;
    db_t *db = db_new(&cfg, &err);
    ck_assert_int_eq(db_connect(db, &err), 0);
    ck_assert_msg(db_exec(db, sql, &err) == 0, "%s: %s", sql, err.msg);
    db_destroy(&db);
}

static void s_schema(const char *schema)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    s_exec(s_dsn, sql);
    snprintf(s_schema_dsn, sizeof s_schema_dsn, "%s options='-csearch_path=%s'", s_dsn, schema);
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

/* The fake router frontend and what it saw. */
typedef struct {
    zsock_t *sock;           /* ROUTER */
    int requests;            /* get_fills received */
    proto_request_t last;    /* the last one */
} router_t;

static recorder_t *s_recorder(router_t *r, int64_t settle_ms, int64_t timeout_ms, int64_t catchup_ms)
{
    r->sock = bus_router_new("@tcp://127.0.0.1:*", NULL, NULL);
    ck_assert(r->sock);
    r->requests = 0;
    recorder_config_t cfg;
    recorder_config_default(&cfg);
    cfg.events = "tcp://127.0.0.1:*";
    cfg.control = "tcp://127.0.0.1:*";
    cfg.db.dsn = s_schema_dsn;
    cfg.sql_dir = s_sql_dir;
    cfg.backstop.router = bus_sock_endpoint(r->sock);
    cfg.backstop.interval_ms = 3600000;
    cfg.backstop.start_delay_ms = 0;
    cfg.backstop.margin_ms = 5000;
    cfg.backstop.settle_ms = settle_ms;
    cfg.backstop.request_timeout_ms = timeout_ms;
    cfg.backstop.retry_ms = 300;
    cfg.backstop.page_limit = 2;
    cfg.backstop.catchup_max_ms = catchup_ms;
    err_t err;
    recorder_t *rec = recorder_new(&cfg, &err);
    ck_assert_msg(rec, "%s", err.msg);
    return rec;
}

/* Waits for the next get_fills (running the recorder meanwhile); returns the message (caller destroys) with
 * r->last decoded, or NULL after ms. */
static bus_msg_t *s_next_request(recorder_t *rec, router_t *r, int64_t ms)
{
    int64_t until = clock_mono_ms() + ms;
    proto_msg_t *reader = proto_msg_new();
    bus_msg_t *msg = NULL;
    while (!msg && clock_mono_ms() < until) {
        recorder_run_once(rec, 5);
        msg = bus_msg_recv(r->sock, NULL);
    }
    if (msg) {
        proto_header_t hdr;
        err_t err;
        ck_assert_int_eq(bus_msg_parse(msg, reader, &hdr, &err), 0);
        ck_assert_int_eq(hdr.type, PROTO_T_GET_FILLS);
        ck_assert_int_gt(hdr.deadline, 0);
        proto_request_free(&r->last);
        ck_assert_msg(proto_request_decode(reader, &r->last, &err) == 0, "%s", err.msg);
        r->requests++;
    }
    proto_msg_destroy(&reader);
    return msg;
}

static void s_fill(proto_result_t *res, const char *venue, const char *symbol, const char *trade_id, int64_t at)
{
    proto_fill_t *f = proto_result_add_fill(res);
    ck_assert(f);
    snprintf(f->venue, sizeof f->venue, "%s", venue);
    snprintf(f->account, sizeof f->account, "default");
    snprintf(f->trade_id, sizeof f->trade_id, "%s", trade_id);
    snprintf(f->order_id, sizeof f->order_id, "O1");
    snprintf(f->symbol, sizeof f->symbol, "%s", symbol);
    f->side = PROTO_SIDE_SELL;
    f->quantity = (decimal_t){25, 3};
    f->price = (decimal_t){6500012, 2};
    f->fee = (decimal_t){-1, 4};
    f->realized_pnl = (decimal_t){0, 0};
    f->executed_at = at;
}

/* Answers msg with res (cursor given or "") and frees res. */
static void s_reply(router_t *r, bus_msg_t **msg, proto_result_t *res, const char *cursor)
{
    proto_msg_t *reader = proto_msg_new();
    proto_header_t hdr, rh;
    ck_assert_int_eq(bus_msg_parse(*msg, reader, &hdr, NULL), 0);
    proto_header_reply(&rh, &hdr);
    snprintf(res->cursor, sizeof res->cursor, "%s", cursor);
    buf_t out;
    buf_init(&out, 1 << 20);
    ck_assert_int_eq(proto_result_encode(&rh, res, &out, NULL), 0);
    bus_msg_t *route = bus_msg_new_reply(*msg);
    ck_assert_int_eq(bus_send_envelope(r->sock, route, &out, NULL), 0);
    bus_msg_destroy(&route);
    buf_release(&out);
    proto_result_free(res);
    proto_msg_destroy(&reader);
    bus_msg_destroy(msg);
}

static void s_reply_error(router_t *r, bus_msg_t **msg, xr_code_t code)
{
    proto_msg_t *reader = proto_msg_new();
    proto_header_t hdr;
    ck_assert_int_eq(bus_msg_parse(*msg, reader, &hdr, NULL), 0);
    buf_t out;
    buf_init(&out, 1 << 16);
    ck_assert_int_eq(proto_error_reply(&hdr, code, &out, NULL, "no live worker"), 0);
    bus_msg_t *route = bus_msg_new_reply(*msg);
    ck_assert_int_eq(bus_send_envelope(r->sock, route, &out, NULL), 0);
    bus_msg_destroy(&route);
    buf_release(&out);
    proto_msg_destroy(&reader);
    bus_msg_destroy(msg);
}

static void s_router_destroy(router_t *r)
{
    proto_request_free(&r->last);
    zsock_destroy(&r->sock);
}

/* Runs the recorder until the backstop has finished `passes` passes or ms pass. */
static bool s_until_passes(recorder_t *rec, uint64_t passes, int64_t ms)
{
    int64_t until = clock_mono_ms() + ms;
    while (recorder_health(rec).backstop.passes < passes && clock_mono_ms() < until)
        recorder_run_once(rec, 5);
    return recorder_health(rec).backstop.passes >= passes;
}

START_TEST(missing_fills_are_read_by_page_and_stored_once)
{
    s_schema("b_pages");
    router_t r = {0};
    recorder_t *rec = s_recorder(&r, 10000, 5000, 60000);
    int64_t now = clock_wall_ms();
    int64_t t0 = now - 100000; /* all settled except the last one below */
    /* Recorded: T1, T2 (last fill at t0 + 2000). Missing: T3, T4. Too young: T5. */
    char sql[1024];
    /* Let the recorder apply the schema first (its first pass then finds nothing: no target yet). */
    ck_assert(s_until_passes(rec, 1, 5000));
    ck_assert_int_eq(r.requests, 0);
    snprintf(sql, sizeof sql,
             "INSERT INTO trades (venue, account, trade_id, order_id, symbol, side, quantity, price, executed_at)"
             " VALUES ('bybit', 'default', 'T1', 'O1', 'BTC/USDT', 'SELL', 0.025, 65000.12, xr_ms_ts(%" PRId64 ")),"
             " ('bybit', 'default', 'T2', 'O1', 'BTC/USDT', 'SELL', 0.025, 65000.12, xr_ms_ts(%" PRId64 "))",
             t0 + 1000, t0 + 2000);
    char full[1200];
    snprintf(full, sizeof full, "SET search_path = b_pages; %s", sql);
    s_exec(s_dsn, full);
    recorder_backstop_now(rec);

    bus_msg_t *msg = s_next_request(rec, &r, 5000);
    ck_assert(msg);
    ck_assert_str_eq(r.last.venue, "bybit");
    ck_assert_str_eq(r.last.account, "default");
    ck_assert_str_eq(r.last.symbol, "BTC/USDT");
    ck_assert_int_eq(r.last.fills.since_ms, t0 + 2000 - 5000); /* last recorded fill - margin */
    ck_assert_str_eq(r.last.fills.cursor, "");
    ck_assert_uint_eq(r.last.fills.limit, 2);
    proto_result_t res;
    proto_result_init(&res, PROTO_T_GET_FILLS);
    s_fill(&res, "bybit", "BTC/USDT", "T2", t0 + 2000);
    s_fill(&res, "bybit", "BTC/USDT", "T3", t0 + 3000);
    s_reply(&r, &msg, &res, "page-2"); /* full page: the backstop asks for the next */

    msg = s_next_request(rec, &r, 5000);
    ck_assert(msg);
    ck_assert_str_eq(r.last.fills.cursor, "page-2");
    proto_result_init(&res, PROTO_T_GET_FILLS);
    s_fill(&res, "bybit", "BTC/USDT", "T4", t0 + 4000);
    s_fill(&res, "bybit", "BTC/USDT", "T5", now); /* younger than settle_ms: its event may be in flight */
    s_reply(&r, &msg, &res, "page-3");

    ck_assert(s_until_passes(rec, 2, 5000));
    ck_assert_int_eq(r.requests, 2); /* T5 past the cutoff ends the target, cursor or not */
    ck_assert_str_eq(s_value("SELECT string_agg(trade_id || ':' || coalesce(source, '-'), ',' ORDER BY trade_id)"
                             " FROM b_pages.trades"),
                     "T1:-,T2:-,T3:backstop,T4:backstop");
    ck_assert_str_eq(s_value("SELECT quantity || ' ' || price || ' ' || fee FROM b_pages.trades WHERE"
                             " trade_id = 'T4'"),
                     "0.025 65000.12 -0.0001");
    recorder_health_t h = recorder_health(rec);
    ck_assert_uint_eq(h.backstop.missing, 2);
    ck_assert_uint_eq(h.backstop.fills_seen, 3); /* T2, T3, T4 */
    ck_assert_uint_eq(h.backstop.requests, 2);
    ck_assert_uint_eq(h.backstop.errors, 0);
    ck_assert_uint_eq(h.backstop.passes_failed, 0);

    /* The next pass reads from the earlier of the last recorded fill (now T4) and the last check's cutoff,
     * and finds nothing new to store. */
    recorder_backstop_now(rec);
    msg = s_next_request(rec, &r, 5000);
    ck_assert(msg);
    ck_assert_int_eq(r.last.fills.since_ms, t0 + 4000 - 5000);
    proto_result_init(&res, PROTO_T_GET_FILLS);
    s_fill(&res, "bybit", "BTC/USDT", "T4", t0 + 4000);
    s_reply(&r, &msg, &res, "");
    ck_assert(s_until_passes(rec, 3, 5000));
    ck_assert_uint_eq(recorder_health(rec).backstop.missing, 2);
    ck_assert_str_eq(s_value("SELECT count(*) FROM b_pages.trades"), "4");
    recorder_destroy(&rec);
    s_router_destroy(&r);
}
END_TEST

START_TEST(errors_and_silence_fail_the_target_and_retry_soon)
{
    s_schema("b_err");
    router_t r = {0};
    recorder_t *rec = s_recorder(&r, 0, 300, 60000);
    ck_assert(s_until_passes(rec, 1, 5000));
    int64_t t0 = clock_wall_ms() - 60000;
    char sql[1024];
    /* One venue known by a fill, another only by an open order (no fill recorded yet). */
    snprintf(sql, sizeof sql,
             "SET search_path = b_err;"
             "INSERT INTO trades (venue, account, trade_id, order_id, symbol, side, quantity, price, executed_at)"
             " VALUES ('binance', 'default', '7', '1', 'ETH/USDT', 'BUY', 1, 2000, xr_ms_ts(%" PRId64 "));"
             "INSERT INTO orders (venue, account, order_id, symbol, side, quantity, status, status_rank,"
             " created_at) VALUES ('coindcx', 'default', 'X1', 'XRP/USDT', 'BUY', 20, 'NEW', 2,"
             " xr_ms_ts(%" PRId64 "))",
             t0, t0 + 500);
    s_exec(s_dsn, sql);
    recorder_backstop_now(rec);
    bus_msg_t *msg = s_next_request(rec, &r, 5000);
    ck_assert(msg);
    ck_assert_str_eq(r.last.venue, "binance");
    ck_assert_str_eq(r.last.symbol, "ETH/USDT");
    s_reply_error(&r, &msg, XR_VENUE_UNAVAILABLE);
    msg = s_next_request(rec, &r, 5000);
    ck_assert(msg);
    ck_assert_str_eq(r.last.venue, "coindcx");
    ck_assert_str_eq(r.last.symbol, "XRP/USDT");
    ck_assert_int_eq(r.last.fills.since_ms, t0 + 500 - 5000); /* the open order's creation - margin */
    bus_msg_destroy(&msg); /* never answered: the target times out */
    ck_assert(s_until_passes(rec, 2, 5000));
    recorder_health_t h = recorder_health(rec);
    ck_assert_uint_eq(h.backstop.errors, 2);
    ck_assert_uint_eq(h.backstop.passes_failed, 1);
    ck_assert_uint_eq(h.backstop.missing, 0);
    /* A failed pass is retried after retry_ms (300), not after the hour of interval_ms. */
    msg = s_next_request(rec, &r, 3000);
    ck_assert(msg);
    ck_assert_str_eq(r.last.venue, "binance");
    proto_result_t res;
    proto_result_init(&res, PROTO_T_GET_FILLS);
    s_fill(&res, "binance", "ETH/USDT", "7", t0);
    s_fill(&res, "bybit", "ETH/USDT", "8", t0 + 1); /* not the venue asked: never stored */
    s_fill(&res, "binance", "ETH/USDT", "9", t0 + 2);
    s_reply(&r, &msg, &res, "");
    msg = s_next_request(rec, &r, 3000);
    ck_assert(msg);
    s_reply_error(&r, &msg, XR_TIMEOUT);
    ck_assert(s_until_passes(rec, 3, 5000));
    ck_assert_str_eq(s_value("SELECT string_agg(venue || '/' || trade_id, ',' ORDER BY trade_id) FROM b_err.trades"),
                     "binance/7,binance/9");
    ck_assert_uint_eq(recorder_health(rec).backstop.missing, 1);
    recorder_destroy(&rec);
    s_router_destroy(&r);
}
END_TEST

START_TEST(no_pass_while_behind_a_worker_until_catchup_max)
{
    s_schema("b_behind");
    router_t r = {0};
    recorder_t *rec = s_recorder(&r, 0, 2000, 1500);
    ck_assert(s_until_passes(rec, 1, 5000));
    char sql[512];
    snprintf(sql, sizeof sql,
             "SET search_path = b_behind;"
             "INSERT INTO trades (venue, account, trade_id, order_id, symbol, side, quantity, price, executed_at)"
             " VALUES ('bybit', 'default', 'T1', 'O1', 'BTC/USDT', 'SELL', 1, 2, xr_ms_ts(%" PRId64 "))",
             clock_wall_ms() - 60000);
    s_exec(s_dsn, sql);
    /* A worker says it has published seq 1..5; none reaches the recorder (no PUB): it is behind. */
    char ep[300];
    snprintf(ep, sizeof ep, ">%s", recorder_control_endpoint(rec));
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.routing_id = "w1";
    zsock_t *worker = bus_dealer_new(ep, &o, NULL);
    ck_assert(worker);
    proto_control_t c;
    proto_control_init(&c, PROTO_T_EVENTS_HELLO);
    snprintf(c.source, sizeof c.source, "w1");
    c.first_seq = 1;
    c.last_seq = 5;
    proto_header_t h;
    proto_header_init(&h, "hello-1");
    buf_t out;
    buf_init(&out, 1 << 16);
    ck_assert_int_eq(proto_control_encode(&h, &c, &out, NULL), 0);
    ck_assert_int_eq(bus_send_envelope(worker, NULL, &out, NULL), 0);
    int64_t until = clock_mono_ms() + 3000;
    while (recorder_health(rec).behind != 5 && clock_mono_ms() < until)
        recorder_run_once(rec, 5);
    ck_assert_uint_eq(recorder_health(rec).behind, 5);
    int64_t t0 = clock_mono_ms();
    recorder_backstop_now(rec);
    bus_msg_t *msg = s_next_request(rec, &r, 1000);
    ck_assert_ptr_null(msg); /* its events may hold the fills: no pass yet */
    msg = s_next_request(rec, &r, 3000);
    ck_assert(msg); /* still behind after catchup_max_ms: checked anyway */
    ck_assert_int_ge(clock_mono_ms() - t0, 1500);
    ck_assert_str_eq(r.last.symbol, "BTC/USDT");
    bus_msg_destroy(&msg);
    buf_release(&out);
    zsock_destroy(&worker);
    recorder_destroy(&rec);
    s_router_destroy(&r);
}
END_TEST

START_TEST(off_without_router_or_interval)
{
    s_schema("b_off");
    recorder_config_t cfg;
    recorder_config_default(&cfg);
    ck_assert_ptr_null(cfg.backstop.router); /* off unless configured */
    cfg.events = "tcp://127.0.0.1:*";
    cfg.control = "tcp://127.0.0.1:*";
    cfg.db.dsn = s_schema_dsn;
    cfg.sql_dir = s_sql_dir;
    cfg.backstop.router = "tcp://127.0.0.1:1";
    cfg.backstop.interval_ms = 0;
    cfg.backstop.start_delay_ms = 0;
    err_t err;
    recorder_t *rec = recorder_new(&cfg, &err);
    ck_assert_msg(rec, "%s", err.msg);
    recorder_backstop_now(rec);
    int64_t until = clock_mono_ms() + 300;
    while (clock_mono_ms() < until)
        recorder_run_once(rec, 10);
    ck_assert_uint_eq(recorder_health(rec).backstop.passes, 0);
    recorder_destroy(&rec);
    cfg.backstop.interval_ms = 1000;
    cfg.backstop.page_limit = 1001;
    ck_assert_ptr_null(recorder_new(&cfg, &err));
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
}
END_TEST

int main(void)
{
    snprintf(s_pgdir, sizeof s_pgdir, "%s/pg", tu_scratch());
    snprintf(s_sql_dir, sizeof s_sql_dir, "%s/deploy/sql", getenv("XR_SOURCE"));
    if (s_pg("start") != 0) {
        fprintf(stderr, "test_recorder_backstop: cannot start PostgreSQL in %s\n", s_pgdir);
        return 1;
    }
    Suite *s = suite_create("recorder_backstop");
    TCase *tc = tcase_create("backstop");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, missing_fills_are_read_by_page_and_stored_once);
    tcase_add_test(tc, errors_and_silence_fail_the_target_and_retry_soon);
    tcase_add_test(tc, no_pass_while_behind_a_worker_until_catchup_max);
    tcase_add_test(tc, off_without_router_or_interval);
    suite_add_tcase(s, tc);
    int rc = tu_run(s);
    s_pg("stop");
    return rc;
}
