/* test_recorder_store: the recorder's database side against a real PostgreSQL (tests/support/pg.sh): batch
 * commits with the per-source seq, duplicate fills ignored, order state that only moves forward, bad venue JSON
 * and refused events (slow path, event_rejects), a full batch, and a batch kept across a server outage. */
#include "recorder/recorder_store.h"

#include "base/clock.h"
#include "base/decimal.h"
#include "base/err.h"
#include "db/db.h"
#include "proto/common.h"
#include "proto/order.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

static char s_pgdir[1024];
static char s_dsn[512];
static char s_schema_dsn[800];

static int s_pg(const char *verb)
{
    return tu_pg(verb, s_pgdir, s_dsn, sizeof s_dsn);
}

/* A store in a fresh schema of its own. */
static recorder_store_t *s_store(const char *schema, size_t batch_max)
{
    err_t err;
    db_config_t admin_cfg = {.dsn = s_dsn};
    db_t *admin = db_new(&admin_cfg, &err);
    ck_assert_int_eq(db_connect(admin, &err), 0);
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    ck_assert_int_eq(db_exec(admin, sql, &err), 0);
    db_destroy(&admin);
    snprintf(s_schema_dsn, sizeof s_schema_dsn, "%s options='-csearch_path=%s'", s_dsn, schema);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/deploy/sql", getenv("XR_SOURCE"));
    db_config_t cfg = {.dsn = s_schema_dsn, .backoff_min_ms = 10, .backoff_max_ms = 50};
    recorder_store_t *st = recorder_store_new(&cfg, dir, batch_max, &err);
    ck_assert_ptr_nonnull(st);
    ck_assert_msg(recorder_store_open(st, &err) == 0, "%s", err.msg);
    return st;
}

static char *s_value(recorder_store_t *st, const char *sql)
{
    static char out[1024];
    err_t err;
    db_result_t *res = db_query(recorder_store_db(st), false, sql, 0, NULL, &err);
    ck_assert_msg(res, "%s: %s", sql, err.msg);
    const char *v = db_result_rows(res) > 0 ? db_result_get(res, 0, 0) : NULL;
    snprintf(out, sizeof out, "%s", v ? v : "(null)");
    db_result_destroy(&res);
    return out;
}

static decimal_t s_dec(const char *text)
{
    decimal_t d;
    ck_assert_int_eq(decimal_from_str(text, &d, NULL), 0);
    return d;
}

static void s_fill(proto_fill_t *f, const char *trade_id, const char *qty, const char *price)
{
    memset(f, 0, sizeof *f);
    snprintf(f->venue, sizeof f->venue, "bybit");
    snprintf(f->account, sizeof f->account, "default");
    snprintf(f->trade_id, sizeof f->trade_id, "%s", trade_id);
    snprintf(f->order_id, sizeof f->order_id, "o-1");
    snprintf(f->client_order_id, sizeof f->client_order_id, "bot7-0001");
    snprintf(f->symbol, sizeof f->symbol, "BTC/USDT");
    f->side = PROTO_SIDE_BUY;
    f->order_type = PROTO_OT_LIMIT;
    f->quantity = s_dec(qty);
    f->price = s_dec(price);
    f->fee = s_dec("-0.0001");
    snprintf(f->fee_asset, sizeof f->fee_asset, "USDT");
    f->realized_pnl = s_dec("1.5");
    f->liquidity = PROTO_LIQ_MAKER;
    f->executed_at = 1700000000123;
    ck_assert_int_eq(proto_meta_set(&f->metadata, "bot", "bot7", NULL), 0);
    ck_assert_int_eq(proto_meta_set(&f->metadata, "note", "tab\there \"q\"", NULL), 0);
    proto_raw_set(&f->raw, "{\"execId\":\"x\"}", 14);
}

static void s_order(proto_order_t *o, proto_status_t status, const char *filled, int64_t updated_at)
{
    memset(o, 0, sizeof *o);
    snprintf(o->venue, sizeof o->venue, "bybit");
    snprintf(o->account, sizeof o->account, "default");
    snprintf(o->order_id, sizeof o->order_id, "o-1");
    snprintf(o->client_order_id, sizeof o->client_order_id, "bot7-0001");
    snprintf(o->symbol, sizeof o->symbol, "BTC/USDT");
    o->side = PROTO_SIDE_BUY;
    o->type = PROTO_OT_LIMIT;
    o->time_in_force = PROTO_TIF_GTC;
    o->quantity = s_dec("3");
    o->filled_quantity = s_dec(filled);
    o->price = s_dec("100.5");
    o->status = status;
    o->created_at = 1700000000000;
    o->updated_at = updated_at;
}

START_TEST(batch_commit_with_source_seq)
{
    recorder_store_t *st = s_store("t_batch", 500);
    err_t err;
    proto_fill_t f;
    char id[16];
    for (int i = 1; i <= 3; i++) {
        snprintf(id, sizeof id, "t%d", i);
        s_fill(&f, id, "0.001", "65000.1234567890123");
        ck_assert_int_eq(recorder_store_add_fill(st, "bybit-1", (uint64_t) i, &f, &err), 0);
        proto_fill_free(&f);
    }
    proto_order_t o;
    s_order(&o, PROTO_STATUS_NEW, "0", 1700000000001);
    ck_assert_int_eq(recorder_store_add_order(st, "bybit-1", 4, &o, &err), 0);
    s_fill(&f, "t9", "2", "1");
    ck_assert_int_eq(recorder_store_add_fill(st, "binance-1", 17, &f, &err), 0);
    proto_fill_free(&f);
    ck_assert_uint_eq(recorder_store_pending(st), 5);
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM trades"), "0"); /* nothing before commit */
    ck_assert_msg(recorder_store_commit(st, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM trades"), "4");
    ck_assert_str_eq(s_value(st, "SELECT price FROM trades WHERE trade_id = 't2'"), "65000.1234567890123");
    ck_assert_str_eq(s_value(st, "SELECT fee || ' ' || realized_pnl || ' ' || liquidity FROM trades WHERE trade_id = 't1'"),
                     "-0.0001 1.5 MAKER");
    ck_assert_str_eq(s_value(st, "SELECT metadata->>'bot' || '|' || (metadata->>'note') FROM trades LIMIT 1"),
                     "bot7|tab\there \"q\"");
    ck_assert_str_eq(s_value(st, "SELECT raw->>'execId' FROM trades LIMIT 1"), "x");
    ck_assert_str_eq(s_value(st, "SELECT executed_at = timestamptz '2023-11-14 22:13:20.123+00' FROM trades LIMIT 1"),
                     "t");
    ck_assert_str_eq(s_value(st, "SELECT string_agg(source || '=' || last_seq, ',' ORDER BY source) FROM event_sources"),
                     "binance-1=17,bybit-1=4");
    ck_assert_str_eq(s_value(st, "SELECT status || ' ' || price FROM orders"), "NEW 100.5");
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM open_orders"), "1");
    ck_assert_str_eq(s_value(st, "SELECT fills FROM fills_by_symbol_day WHERE symbol = 'BTC/USDT'"), "4");
    recorder_store_stats_t stats = recorder_store_stats(st);
    ck_assert_uint_eq(stats.fills_new, 4);
    ck_assert_uint_eq(stats.events, 5);
    ck_assert_uint_eq(stats.commits, 1);
    ck_assert_uint_eq(stats.staged_batches, 0); /* straight COPY into trades */
    ck_assert_int_gt(stats.last_commit_ms, 0);
    recorder_store_destroy(&st);
}
END_TEST

static void s_count_source(const char *source, uint64_t last_seq, void *ctx)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s=%llu;", source, (unsigned long long) last_seq);
}

START_TEST(duplicate_fill_ignored_and_sources_reload)
{
    recorder_store_t *st = s_store("t_dup", 500);
    err_t err;
    proto_fill_t f;
    s_fill(&f, "t1", "1", "2");
    ck_assert_int_eq(recorder_store_add_fill(st, "w1", 1, &f, &err), 0);
    ck_assert_int_eq(recorder_store_add_fill(st, "w1", 2, &f, &err), 0); /* same trade, re-sent: one row */
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_int_eq(recorder_store_add_fill(st, "w2", 1, &f, &err), 0); /* another worker, same trade */
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    proto_fill_free(&f);
    ck_assert_str_eq(s_value(st, "SELECT count(*) || ' ' || min(seq) || ' ' || min(source) FROM trades"), "1 1 w1");
    recorder_store_stats_t stats = recorder_store_stats(st);
    ck_assert_uint_eq(stats.fills_new, 1);
    ck_assert_uint_eq(stats.fills_dup, 2);
    ck_assert_uint_eq(stats.staged_batches, 2); /* the direct COPY refused both batches */
    char seen[256] = "";
    ck_assert_int_eq(recorder_store_load_sources(st, s_count_source, seen, &err), 0);
    ck_assert_ptr_nonnull(strstr(seen, "w1=2;"));
    ck_assert_ptr_nonnull(strstr(seen, "w2=1;"));
    /* A second store on the same schema: migrations are not applied again. */
    recorder_store_destroy(&st);
    st = s_store("t_dup2", 500);
    recorder_store_t *again = NULL;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/deploy/sql", getenv("XR_SOURCE"));
    db_config_t cfg = {.dsn = s_schema_dsn};
    again = recorder_store_new(&cfg, dir, 10, &err);
    ck_assert_int_eq(recorder_store_open(again, &err), 0);
    ck_assert_str_eq(s_value(again, "SELECT count(*) FROM schema_migrations"), "1");
    recorder_store_destroy(&again);
    recorder_store_destroy(&st);
}
END_TEST

START_TEST(order_state_only_moves_forward)
{
    recorder_store_t *st = s_store("t_orders", 500);
    err_t err;
    proto_order_t o;
    /* One batch with two updates of the same order: the newer wins, both are in the history. */
    s_order(&o, PROTO_STATUS_NEW, "0", 1000);
    ck_assert_int_eq(recorder_store_add_order(st, "w", 1, &o, &err), 0);
    s_order(&o, PROTO_STATUS_PARTIALLY_FILLED, "1", 3000);
    ck_assert_int_eq(recorder_store_add_order(st, "w", 2, &o, &err), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_str_eq(s_value(st, "SELECT status || ' ' || filled_quantity FROM orders"), "PARTIALLY_FILLED 1");
    /* A late, older NEW is ignored. */
    s_order(&o, PROTO_STATUS_NEW, "0", 2000);
    ck_assert_int_eq(recorder_store_add_order(st, "w", 3, &o, &err), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_str_eq(s_value(st, "SELECT status || ' ' || filled_quantity || ' ' || seq FROM orders"),
                     "PARTIALLY_FILLED 1 2");
    /* More filled wins; then a final state; then a late partial fill cannot reopen it. */
    s_order(&o, PROTO_STATUS_PARTIALLY_FILLED, "2", 3500);
    ck_assert_int_eq(recorder_store_add_order(st, "w", 4, &o, &err), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_str_eq(s_value(st, "SELECT status || ' ' || filled_quantity FROM orders"), "PARTIALLY_FILLED 2");
    s_order(&o, PROTO_STATUS_CANCELED, "2", 5000);
    ck_assert_int_eq(recorder_store_add_order(st, "w", 5, &o, &err), 0);
    s_order(&o, PROTO_STATUS_PARTIALLY_FILLED, "2", 4000);
    ck_assert_int_eq(recorder_store_add_order(st, "w", 6, &o, &err), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_str_eq(s_value(st, "SELECT status || ' ' || updated_at = 'CANCELED ' || xr_ms_ts(5000) FROM orders"),
                     "t");
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM open_orders"), "0");
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM order_events"), "6");
    /* Replaying the same events changes nothing. */
    s_order(&o, PROTO_STATUS_NEW, "0", 1000);
    ck_assert_int_eq(recorder_store_add_order(st, "w", 1, &o, &err), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM order_events"), "6");
    ck_assert_str_eq(s_value(st, "SELECT status FROM orders"), "CANCELED");
    /* An order without a venue id yet (PENDING_UNKNOWN) is kept in the history only. */
    s_order(&o, PROTO_STATUS_PENDING_UNKNOWN, "0", 6000);
    o.order_id[0] = '\0';
    ck_assert_int_eq(recorder_store_add_order(st, "w", 7, &o, &err), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM orders"), "1");
    ck_assert_str_eq(s_value(st, "SELECT last_seq FROM event_sources"), "7");
    recorder_store_destroy(&st);
}
END_TEST

START_TEST(bad_events_take_the_slow_path)
{
    recorder_store_t *st = s_store("t_bad", 500);
    err_t err;
    proto_fill_t f;
    s_fill(&f, "good1", "1", "2");
    ck_assert_int_eq(recorder_store_add_fill(st, "w", 1, &f, &err), 0);
    proto_fill_free(&f);
    s_fill(&f, "badjson", "1", "2");
    proto_raw_set(&f.raw, "{not json", 9);
    ck_assert_int_eq(recorder_store_add_fill(st, "w", 2, &f, &err), 0);
    proto_fill_free(&f);
    s_fill(&f, "notime", "1", "2");
    f.executed_at = 0; /* NOT NULL executed_at: PostgreSQL refuses this one */
    ck_assert_int_eq(recorder_store_add_fill(st, "w", 3, &f, &err), 0);
    proto_fill_free(&f);
    s_fill(&f, "good2", "1", "2");
    ck_assert_int_eq(recorder_store_add_fill(st, "w", 4, &f, &err), 0);
    proto_fill_free(&f);
    ck_assert_msg(recorder_store_commit(st, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_str_eq(s_value(st, "SELECT string_agg(trade_id, ',' ORDER BY seq) FROM trades"), "good1,badjson,good2");
    ck_assert_str_eq(s_value(st, "SELECT raw->>'unparsed' FROM trades WHERE trade_id = 'badjson'"), "{not json");
    ck_assert_str_eq(s_value(st, "SELECT seq || ' ' || type || ' ' || summary FROM event_rejects"),
                     "3 event.fill fill bybit default notime");
    ck_assert_str_eq(s_value(st, "SELECT last_seq FROM event_sources"), "4");
    recorder_store_stats_t stats = recorder_store_stats(st);
    ck_assert_uint_eq(stats.slow_batches, 1);
    ck_assert_uint_eq(stats.rejects, 1);
    ck_assert_uint_eq(stats.events, 4);
    recorder_store_destroy(&st);
}
END_TEST

START_TEST(full_batch_is_refused)
{
    recorder_store_t *st = s_store("t_full", 2);
    err_t err;
    proto_fill_t f;
    s_fill(&f, "a", "1", "2");
    ck_assert_int_eq(recorder_store_add_fill(st, "w", 1, &f, &err), 0);
    ck_assert(!recorder_store_full(st));
    ck_assert_int_eq(recorder_store_add_fill(st, "w", 2, &f, &err), 0);
    ck_assert(recorder_store_full(st));
    ck_assert_int_eq(recorder_store_add_fill(st, "w", 3, &f, &err), -1);
    ck_assert_uint_eq(recorder_store_pending(st), 2);
    proto_fill_free(&f);
    recorder_store_clear(st);
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM trades"), "0");
    recorder_store_destroy(&st);
}
END_TEST

/* The server goes away with a batch pending: commit fails as a connection error and keeps the batch; once the
 * server is back (new session: staging tables and statements re-created) the same batch commits. */
START_TEST(batch_survives_server_restart)
{
    recorder_store_t *st = s_store("t_restart", 500);
    err_t err;
    proto_fill_t f;
    s_fill(&f, "r1", "1", "2");
    ck_assert_int_eq(recorder_store_add_fill(st, "w", 1, &f, &err), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    proto_fill_free(&f);
    s_fill(&f, "r2", "1", "2");
    ck_assert_int_eq(recorder_store_add_fill(st, "w", 2, &f, &err), 0);
    proto_fill_free(&f);
    ck_assert_int_eq(s_pg("stop"), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), -1);
    ck_assert_int_eq(db_last_error(recorder_store_db(st)), DB_ERR_CONNECTION);
    ck_assert_uint_eq(recorder_store_pending(st), 1);
    ck_assert_int_eq(s_pg("start"), 0);
    for (int i = 0; i < 200 && recorder_store_commit(st, &err) != 0; i++)
        usleep(10000);
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_str_eq(s_value(st, "SELECT string_agg(trade_id, ',' ORDER BY seq) FROM trades"), "r1,r2");
    ck_assert_str_eq(s_value(st, "SELECT last_seq FROM event_sources"), "2");
    ck_assert_uint_ge(recorder_store_stats(st).failed_commits, 1);
    ck_assert_uint_eq(db_sessions(recorder_store_db(st)), 2);
    recorder_store_destroy(&st);
}
END_TEST

/* Commits heard through the commit fn, as "source=seq;" in order. */
static void s_heard(const char *source, uint64_t seq, void *ctx)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s=%llu;", source, (unsigned long long) seq);
}

static void s_add_fills(recorder_store_t *st, const char *source, uint64_t from, uint64_t to, const char *prefix)
{
    err_t err;
    proto_fill_t f;
    char id[32];
    for (uint64_t seq = from; seq <= to; seq++) {
        snprintf(id, sizeof id, "%s%llu", prefix, (unsigned long long) seq);
        s_fill(&f, id, "1", "2");
        ck_assert_int_eq(recorder_store_add_fill(st, source, seq, &f, &err), 0);
        proto_fill_free(&f);
    }
}

/* Pipelined: a batch's COMMIT is out while the next one is built and loaded; commits are heard in order. */
START_TEST(pipelined_commits_in_order)
{
    recorder_store_t *st = s_store("t_pipe", 500);
    char heard[512] = "";
    recorder_store_set_commit_fn(st, s_heard, heard);
    recorder_store_set_pipeline(st, true);
    err_t err;
    s_add_fills(st, "a", 1, 3, "p");
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert(recorder_store_in_flight(st));
    ck_assert_uint_eq(recorder_store_pending(st), 3);
    s_add_fills(st, "a", 4, 5, "p");
    s_add_fills(st, "b", 1, 1, "q");
    ck_assert_uint_eq(recorder_store_pending(st), 6);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0); /* collects the first, sends the second */
    ck_assert_str_eq(heard, "a=3;");
    ck_assert(recorder_store_in_flight(st));
    ck_assert_int_eq(recorder_store_commit(st, &err), 0); /* nothing new: collects the second */
    ck_assert(!recorder_store_in_flight(st));
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_str_eq(heard, "a=3;a=5;b=1;");
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM trades"), "6");
    ck_assert_str_eq(s_value(st, "SELECT string_agg(source || '=' || last_seq, ',' ORDER BY source) FROM event_sources"),
                     "a=5,b=1");
    /* A duplicate of a fill whose COMMIT is still out: the next batch falls back to staging, nothing lost. */
    s_add_fills(st, "a", 6, 7, "r");
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    s_add_fills(st, "a", 8, 8, "r");
    proto_fill_t f;
    s_fill(&f, "r7", "1", "2"); /* same trade as seq 7 */
    ck_assert_int_eq(recorder_store_add_fill(st, "a", 9, &f, &err), 0);
    proto_fill_free(&f);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_str_eq(heard, "a=3;a=5;b=1;a=7;a=9;");
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM trades"), "9");
    ck_assert_str_eq(s_value(st, "SELECT last_seq FROM event_sources WHERE source = 'a'"), "9");
    ck_assert_uint_ge(recorder_store_stats(st).staged_batches, 1);
    recorder_store_destroy(&st);
}
END_TEST

/* Pipelined, and the server stops with a COMMIT out: the outcome is collected as a failure, both batches are
 * kept, and once the server is back they commit in order. */
START_TEST(pipelined_commit_survives_outage)
{
    recorder_store_t *st = s_store("t_pipe_down", 500);
    char heard[512] = "";
    recorder_store_set_commit_fn(st, s_heard, heard);
    recorder_store_set_pipeline(st, true);
    err_t err;
    s_add_fills(st, "a", 1, 2, "x");
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_str_eq(heard, "a=2;");
    s_add_fills(st, "a", 3, 4, "x");
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert_int_eq(s_pg("stop"), 0);
    s_add_fills(st, "a", 5, 6, "x");
    /* The sent batch may have been committed before the stop or not: either way nothing is lost or repeated. */
    for (int i = 0; i < 3; i++)
        recorder_store_commit(st, &err);
    ck_assert_uint_ge(recorder_store_pending(st), 2);
    ck_assert_int_eq(s_pg("start"), 0);
    for (int i = 0; i < 300 && recorder_store_pending(st) > 0; i++) {
        recorder_store_commit(st, &err);
        usleep(10000);
    }
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_str_eq(heard, "a=2;a=4;a=6;");
    ck_assert_str_eq(s_value(st, "SELECT count(*) || ' ' || count(DISTINCT trade_id) FROM trades"), "6 6");
    ck_assert_str_eq(s_value(st, "SELECT last_seq FROM event_sources"), "6");
    recorder_store_destroy(&st);
}
END_TEST

typedef struct {
    recorder_store_t *st;  /* the store being waited on */
    uint64_t next;         /* next seq to add */
    uint64_t last;         /* last seq to add */
    int waits;             /* calls */
} waiter_t;

/* A wait fn that, like the recorder, takes new events while the server works. */
static void s_wait_and_add(int fd, void *ctx)
{
    waiter_t *w = ctx;
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    poll(&p, 1, 100);
    w->waits++;
    if (w->next <= w->last && !recorder_store_full(w->st)) {
        s_add_fills(w->st, "w", w->next, w->next, "wt");
        w->next++;
    }
}

/* Events taken during the server's work go to the batch being built, never into one being written: all of
 * them end up committed exactly once and in order. */
START_TEST(events_added_while_waiting_are_kept_apart)
{
    recorder_store_t *st = s_store("t_wait", 4);
    char heard[512] = "";
    recorder_store_set_commit_fn(st, s_heard, heard);
    recorder_store_set_pipeline(st, true);
    waiter_t w = {.st = st, .next = 4, .last = 30};
    recorder_store_set_wait_fn(st, s_wait_and_add, &w);
    err_t err;
    s_add_fills(st, "w", 1, 3, "wt");
    for (int i = 0; i < 200 && (recorder_store_pending(st) > 0 || w.next <= w.last); i++)
        ck_assert_msg(recorder_store_commit(st, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_int_gt(w.waits, 0);
    ck_assert_str_eq(s_value(st, "SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || max(seq) FROM trades"),
                     "30 30 30");
    ck_assert_str_eq(s_value(st, "SELECT last_seq FROM event_sources"), "30");
    /* Heard in increasing order, ending at 30. */
    unsigned long long prev = 0, seq;
    for (char *p = heard; (p = strstr(p, "w=")) != NULL; p += 2) {
        seq = strtoull(p + 2, NULL, 10);
        ck_assert_uint_gt(seq, prev);
        prev = seq;
    }
    ck_assert_uint_eq(prev, 30);
    recorder_store_destroy(&st);
}
END_TEST

/* Backstop: of fills fetched from the venue, only those missing are stored, outside any source's seq. */
START_TEST(backstop_stores_only_missing_fills)
{
    recorder_store_t *st = s_store("t_backstop", 500);
    err_t err;
    s_add_fills(st, "a", 1, 2, "b");
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    proto_fill_t venue[3];
    s_fill(&venue[0], "b1", "1", "2");
    s_fill(&venue[1], "b2", "1", "2");
    s_fill(&venue[2], "b9", "1", "2");
    size_t missing = 99;
    ck_assert_msg(recorder_store_backstop_fills(st, venue, 3, &missing, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(missing, 1);
    ck_assert_str_eq(s_value(st, "SELECT source || ' ' || seq FROM trades WHERE trade_id = 'b9'"), "backstop 0");
    ck_assert_int_eq(recorder_store_backstop_fills(st, venue, 3, &missing, &err), 0);
    ck_assert_uint_eq(missing, 0);
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM trades"), "3");
    ck_assert_str_eq(s_value(st, "SELECT last_seq FROM event_sources"), "2");
    for (int i = 0; i < 3; i++)
        proto_fill_free(&venue[i]);
    recorder_store_destroy(&st);
}
END_TEST

/* executed_at is written as ISO text built by the store: it must name the same instant for any date
 * (leap days, century rules, epoch start, far future), and metadata JSON survives backslashes and control
 * characters; a reject's summary names the order. */
START_TEST(times_and_metadata_are_exact)
{
    recorder_store_t *st = s_store("t_times", 500);
    static const int64_t ms[] = {1,              951782400000,  /* 2000-02-29 */
                                 4107542399999,  /* 2100-02-28T23:59:59.999 */
                                 4107542400000,  /* 2100-03-01 */
                                 1709251199999,  /* 2024-02-29T23:59:59.999 */
                                 253402300799999, /* 9999-12-31T23:59:59.999 */
                                 253402300800000, /* 10000-01-01 */
                                 1763700000123};
    err_t err;
    proto_fill_t f;
    char id[16];
    size_t n = sizeof ms / sizeof *ms;
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "tm%zu", i);
        s_fill(&f, id, "1", "2");
        f.executed_at = ms[i];
        if (i == 0)
            ck_assert_int_eq(proto_meta_set(&f.metadata, "path", "C:\\x\n\x01\"", NULL), 0);
        ck_assert_int_eq(recorder_store_add_fill(st, "w", i + 1, &f, &err), 0);
        proto_fill_free(&f);
    }
    proto_order_t o;
    s_order(&o, PROTO_STATUS_NEW, "0", 1700000000001);
    ck_assert_int_eq(recorder_store_add_order(st, "w", n + 1, &o, &err), 0);
    ck_assert_msg(recorder_store_commit(st, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    for (size_t i = 0; i < n; i++) {
        char sql[160], want[32];
        snprintf(sql, sizeof sql,
                 "SELECT (extract(epoch FROM executed_at) * 1000)::bigint FROM trades WHERE trade_id = 'tm%zu'", i);
        snprintf(want, sizeof want, "%lld", (long long) ms[i]);
        ck_assert_str_eq(s_value(st, sql), want);
    }
    ck_assert_str_eq(s_value(st, "SELECT metadata->>'path' = E'C:\\\\x\\n\\x01\"' FROM trades WHERE trade_id = 'tm0'"),
                     "t");
    recorder_store_destroy(&st);
}
END_TEST

/* The staging tables keep their rows across commits (no ON COMMIT DELETE ROWS): every transaction empties what
 * it staged, on the fast path and on the slow path, and once enough went through (512 KiB of COPY text) a
 * batch truncates them. Without pipelining every batch runs on the session recorder_store_db returns, so its temp tables are
 * visible here. */
START_TEST(staging_is_empty_between_batches)
{
    recorder_store_t *st = s_store("t_stage", 500);
    const char *staged = "SELECT (SELECT count(*) FROM orders_in) + (SELECT count(*) FROM orders_in_text)"
                         " + (SELECT count(*) FROM fills_in)";
    err_t err;
    proto_order_t o;
    uint64_t seq = 0;
    /* Venue JSON of 1,800 bytes: 200 order updates stage 390 KiB, 300 stage 585 KiB. */
    static char raw[1800];
    memset(raw, 'x', sizeof raw);
    memcpy(raw, "{\"orderId\":1,\"pad\":\"", 20);
    memcpy(raw + sizeof raw - 2, "\"}", 2);
    for (int b = 0; b < 3; b++) {
        for (int i = 0; i < 100; i++) {
            s_order(&o, PROTO_STATUS_NEW, "0", 1000 + (int64_t) seq);
            snprintf(o.order_id, sizeof o.order_id, "o-%d-%d", b, i);
            proto_raw_set(&o.raw, raw, sizeof raw);
            ck_assert_int_eq(recorder_store_add_order(st, "w", ++seq, &o, &err), 0);
            proto_raw_free(&o.raw);
        }
        ck_assert_msg(recorder_store_commit(st, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(s_value(st, staged), "0");
        if (b < 2)
            ck_assert_str_ne(s_value(st, "SELECT pg_relation_size('orders_in')"), "0");
    }
    /* 585 KiB staged: the third batch truncated the tables (a fresh, empty file). */
    ck_assert_str_eq(s_value(st, "SELECT pg_relation_size('orders_in')"), "0");
    ck_assert_str_eq(s_value(st, "SELECT count(*) || ' ' || count(DISTINCT raw) FROM order_events"), "300 1");
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM orders WHERE raw->>'orderId' = '1'"), "300");
    /* Slow path: an order update whose venue JSON does not parse, a fill PostgreSQL refuses, and a good fill. */
    s_order(&o, PROTO_STATUS_PARTIALLY_FILLED, "1", 9000);
    snprintf(o.order_id, sizeof o.order_id, "o-0-0");
    proto_raw_set(&o.raw, "{not json", 9);
    ck_assert_int_eq(recorder_store_add_order(st, "w", ++seq, &o, &err), 0);
    proto_raw_free(&o.raw);
    proto_fill_t f;
    s_fill(&f, "notime", "1", "2");
    f.executed_at = 0;
    ck_assert_int_eq(recorder_store_add_fill(st, "w", ++seq, &f, &err), 0);
    proto_fill_free(&f);
    s_fill(&f, "good", "1", "2");
    ck_assert_int_eq(recorder_store_add_fill(st, "w", ++seq, &f, &err), 0);
    proto_fill_free(&f);
    ck_assert_msg(recorder_store_commit(st, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(recorder_store_stats(st).slow_batches, 1);
    ck_assert_str_eq(s_value(st, staged), "0");
    ck_assert_str_eq(s_value(st, "SELECT status || ' ' || (raw->>'unparsed') FROM orders WHERE order_id = 'o-0-0'"),
                     "PARTIALLY_FILLED {not json");
    ck_assert_str_eq(s_value(st, "SELECT count(*) FROM order_events"), "301");
    ck_assert_str_eq(s_value(st, "SELECT string_agg(trade_id, ',') FROM trades"), "good");
    ck_assert_str_eq(s_value(st, "SELECT last_seq FROM event_sources"), "303");
    /* The next fast batch still works on the same session. */
    s_order(&o, PROTO_STATUS_FILLED, "3", 9500);
    snprintf(o.order_id, sizeof o.order_id, "o-0-0");
    ck_assert_int_eq(recorder_store_add_order(st, "w", ++seq, &o, &err), 0);
    ck_assert_msg(recorder_store_commit(st, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(s_value(st, staged), "0");
    ck_assert_str_eq(s_value(st, "SELECT status FROM orders WHERE order_id = 'o-0-0'"), "FILLED");
    recorder_store_destroy(&st);
}
END_TEST

/* Pipelined with small batches: the older batch on the server holds a key of the newer one, so the newer one
 * waits for it instead of loading alongside; everything commits once and in order. */
START_TEST(pipelined_overlapping_batches)
{
    recorder_store_t *st = s_store("t_overlap", 3);
    char heard[512] = "";
    recorder_store_set_commit_fn(st, s_heard, heard);
    recorder_store_set_pipeline(st, true);
    err_t err;
    s_add_fills(st, "a", 1, 3, "k");
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    proto_fill_t f;
    s_fill(&f, "k2", "1", "2"); /* same trade as seq 2, still on the server */
    ck_assert_int_eq(recorder_store_add_fill(st, "b", 1, &f, &err), 0);
    proto_fill_free(&f);
    s_add_fills(st, "b", 2, 3, "m");
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    s_add_fills(st, "a", 4, 6, "k");
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    for (int i = 0; i < 5 && recorder_store_pending(st) > 0; i++)
        ck_assert_msg(recorder_store_commit(st, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_str_eq(heard, "a=3;b=3;a=6;");
    ck_assert_str_eq(s_value(st, "SELECT count(*) || ' ' || count(DISTINCT trade_id) FROM trades"), "8 8");
    ck_assert_str_eq(s_value(st, "SELECT source FROM trades WHERE trade_id = 'k2'"), "a");
    ck_assert_str_eq(s_value(st, "SELECT string_agg(source || '=' || last_seq, ',' ORDER BY source) FROM event_sources"),
                     "a=6,b=3");
    recorder_store_destroy(&st);
}
END_TEST

/* Pipelined, the newest batch is still loading (its transaction open) when the backstop writes the same
 * fill: the backstop first completes that batch, so it neither waits on it nor stores the fill twice. */
START_TEST(backstop_settles_batches_on_the_server)
{
    recorder_store_t *st = s_store("t_bs_pipe", 500);
    char heard[512] = "";
    recorder_store_set_commit_fn(st, s_heard, heard);
    recorder_store_set_pipeline(st, true);
    err_t err;
    s_add_fills(st, "a", 1, 2, "bp");
    ck_assert_int_eq(recorder_store_commit(st, &err), 0);
    ck_assert(recorder_store_in_flight(st));
    proto_fill_t f;
    s_fill(&f, "bp2", "1", "2");
    size_t missing = 99;
    int64_t t0 = clock_mono_ms();
    ck_assert_msg(recorder_store_backstop_fills(st, &f, 1, &missing, &err) == 0, "%s", err.msg);
    ck_assert_int_lt(clock_mono_ms() - t0, 5000);
    proto_fill_free(&f);
    ck_assert_uint_eq(missing, 0);
    ck_assert_uint_eq(recorder_store_pending(st), 0);
    ck_assert_str_eq(heard, "a=2;");
    ck_assert_str_eq(s_value(st, "SELECT count(*) || ' ' || min(source) FROM trades"), "2 a");
    recorder_store_destroy(&st);
}
END_TEST

int main(void)
{
    snprintf(s_pgdir, sizeof s_pgdir, "%s/pg", tu_scratch());
    if (s_pg("start") != 0) {
        fprintf(stderr, "test_recorder_store: cannot start PostgreSQL in %s\n", s_pgdir);
        return 1;
    }
    Suite *s = suite_create("recorder_store");
    TCase *tc = tcase_create("recorder_store");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, batch_commit_with_source_seq);
    tcase_add_test(tc, duplicate_fill_ignored_and_sources_reload);
    tcase_add_test(tc, order_state_only_moves_forward);
    tcase_add_test(tc, bad_events_take_the_slow_path);
    tcase_add_test(tc, full_batch_is_refused);
    tcase_add_test(tc, batch_survives_server_restart);
    tcase_add_test(tc, pipelined_commits_in_order);
    tcase_add_test(tc, pipelined_commit_survives_outage);
    tcase_add_test(tc, backstop_stores_only_missing_fills);
    tcase_add_test(tc, events_added_while_waiting_are_kept_apart);
    tcase_add_test(tc, times_and_metadata_are_exact);
    tcase_add_test(tc, pipelined_overlapping_batches);
    tcase_add_test(tc, backstop_settles_batches_on_the_server);
    tcase_add_test(tc, staging_is_empty_between_batches);
    suite_add_tcase(s, tc);
    int rc = tu_run(s);
    s_pg("stop");
    return rc;
}
