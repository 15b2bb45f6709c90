/* recorder_store: batches of fills and order updates written to PostgreSQL in one transaction each, with the
 * per-source last seq, through session-local staging tables (COPY) and idempotent INSERT ... SELECT. */
#include "recorder_store.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/decimal.h"
#include "base/log.h"
#include "base/mem.h"
#include "db/db_migrate.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_COPY_MAX (256u * 1024 * 1024) /* bytes of staged COPY text per table and batch */
#define STORE_SUMMARY_SZ 200                /* what event_rejects keeps to identify an event */

typedef struct {
    char source[PROTO_INSTANCE_SZ];  /* event source */
    uint64_t seq;                    /* its seq */
    bool is_fill;                    /* fill (else order update) */
    size_t off;                      /* start of its COPY line in the table's buffer */
    size_t len;                      /* length of that line, newline included */
} store_event_t;

typedef struct {
    char source[PROTO_INSTANCE_SZ];  /* event source */
    uint64_t max_seq;                /* highest seq of that source in the batch */
} store_source_t;

/* Where a sealed batch's transaction is on the server (pipelined mode; the synchronous path uses only NEW). */
typedef enum {
    STORE_NEW = 0,     /* nothing on the server */
    STORE_LOADING,     /* transaction open, its rows sent (COPY ended), outcome not read yet */
    STORE_LOADED,      /* rows in, transaction open, nothing outstanding */
    STORE_SENT         /* finishing statements and COMMIT sent, outcome not read yet */
} store_state_t;

/* One batch: its events in arrival order and their COPY lines. */
typedef struct {
    store_event_t *events;           /* the events, in arrival order */
    size_t nevents;                  /* events in the batch */
    size_t nfills;                   /* of which fills */
    size_t norders;                  /* of which order updates */
    store_source_t *sources;         /* distinct sources of the batch */
    size_t nsources;                 /* entries used */
    buf_t fills_copy;                /* COPY lines of the fills */
    buf_t orders_copy;               /* COPY lines of the order updates */
    uint64_t *keys;                  /* hashes of the fills' keys (venue, account, trade_id), nfills used */
    bool keys_sorted;                /* keys sorted (done once, when a later batch is checked against them) */
    store_state_t state;             /* how far its transaction got on the server */
    db_t *db;                        /* session holding this batch's open transaction (state > NEW), or NULL */
} store_batch_t;

#define STORE_BATCHES 3              /* the batch being built + at most two sealed ones */

struct _recorder_store_t {
    db_t *dbs[2];                    /* two sessions: one commits a batch while the other loads the next */
    char *sql_dir;                   /* migrations directory */
    bool ready;                      /* migrations applied, statements registered */
    bool pipeline;                   /* commit asynchronously (see recorder_store_set_pipeline) */
    size_t batch_max;                /* events per batch */
    store_batch_t batches[STORE_BATCHES]; /* storage */
    store_batch_t *fill;             /* the batch being built (never loaded while it is built) */
    store_batch_t *queue[2];         /* sealed batches not committed yet, oldest first; queue[0] may be sent */
    size_t nqueue;                   /* entries used */
    recorder_store_commit_fn *on_commit;  /* told about every committed batch, per source */
    void *on_commit_ctx;             /* its argument */
    recorder_store_stats_t stats;    /* counters */
    size_t staged[2];                /* COPY bytes through each session's staging tables since their TRUNCATE */
};

/* Staging tables, one set per session. They keep their rows across commits (ON COMMIT PRESERVE ROWS): every
 * transaction that stages rows deletes them again before its COMMIT (a rollback takes them away too), so they
 * are empty between transactions. ON COMMIT DELETE ROWS would truncate every such table of the session (with
 * its TOAST table and index) at every commit that touched any temp table: a quarter of PostgreSQL's time at one
 * event per batch. Deleted rows leave dead pages behind (COPY mostly writes to new pages) that every batch
 * scans again, so once STORE_STAGE_TRUNCATE bytes of COPY text went through a session's staging tables, the next
 * batch truncates them instead (in its own transaction: a rollback keeps them). A TRUNCATE costs about 1 ms;
 * 512 KiB measured best at 1,000 and 4,000 order updates/s (128 KiB and 2 MiB: 5-15% more CPU at 1,000/s).
 * orders_in holds the venue JSON already as jsonb (parsed once, on COPY, for both tables it feeds);
 * orders_in_text keeps it as text, for the slow path (xr_jsonb tolerates bad JSON). Column order = COPY line
 * order. */
#define STORE_STAGE_TRUNCATE (512u * 1024)
#define S_ORDERS_IN_COLUMNS(RAWTYPE)                                                                          \
    " (source text, seq bigint, venue text, account text, order_id text, client_order_id text, symbol text,"  \
    " side text, order_type text, time_in_force text, quantity numeric, filled_quantity numeric, price numeric,"\
    " average_price numeric, stop_price numeric, reduce_only boolean, status text, created_ms bigint,"         \
    " updated_ms bigint, raw " RAWTYPE ")"
static const char *s_session_sql[] = {
    "SET synchronous_commit = on",
    "SET statement_timeout = '30s'",
    "CREATE TEMP TABLE IF NOT EXISTS fills_in (source text, seq bigint, venue text, account text, trade_id text,"
    " order_id text, client_order_id text, symbol text, side text, order_type text, quantity numeric,"
    " price numeric, fee numeric, fee_asset text, realized_pnl numeric, liquidity text, executed_at timestamptz,"
    " metadata text, raw text)",
    "CREATE TEMP TABLE IF NOT EXISTS orders_in" S_ORDERS_IN_COLUMNS("jsonb"),
    "CREATE TEMP TABLE IF NOT EXISTS orders_in_text" S_ORDERS_IN_COLUMNS("text"),
};

/* xr_ms_ts (deploy/sql/001_init.sql) written out: the function's body adds an interval to a timestamptz (a
 * stable operator) inside an immutable function, so PostgreSQL never inlines it and would run it as a SQL
 * function call, three per order update. */
#define S_MS_TS(COL)                                                                                          \
    "CASE WHEN " COL " IS NULL OR " COL " = 0 THEN NULL"                                                      \
    " ELSE timestamptz 'epoch' + " COL " * interval '1 millisecond' END"

#define S_TRADES_SQL(RAW)                                                                                     \
    "INSERT INTO trades (venue, account, trade_id, order_id, client_order_id, symbol, side, order_type,"      \
    " quantity, price, fee, fee_asset, realized_pnl, liquidity, executed_at, source, seq, metadata, raw)"     \
    " SELECT venue, account, trade_id, order_id, client_order_id, symbol, side, order_type, quantity, price," \
    " fee, fee_asset, realized_pnl, liquidity, executed_at, source, seq, metadata::jsonb, " RAW         \
    " FROM fills_in ORDER BY source, seq ON CONFLICT ON CONSTRAINT trades_fill_key DO NOTHING"

#define S_ORDER_EVENTS_SQL(TABLE, RAW)                                                                        \
    "INSERT INTO order_events (source, seq, venue, account, order_id, client_order_id, symbol, status,"      \
    " filled_quantity, average_price, price, quantity, updated_at, raw)"                                      \
    " SELECT source, seq, venue, account, order_id, client_order_id, symbol, status, filled_quantity,"        \
    " average_price, price, quantity, " S_MS_TS("updated_ms") ", " RAW " FROM " TABLE                         \
    " ON CONFLICT ON CONSTRAINT order_events_key DO NOTHING"

/* Newest per order within the batch, then forward-only against the table: a late, older update never
 * overwrites a newer state. */
#define S_ORDERS_SQL(TABLE, RAW)                                                                              \
    "INSERT INTO orders AS o (venue, account, order_id, client_order_id, symbol, side, order_type,"          \
    " time_in_force, quantity, filled_quantity, price, average_price, stop_price, reduce_only, status,"       \
    " status_rank, created_at, updated_at, source, seq, raw)"                                                 \
    " SELECT DISTINCT ON (venue, account, order_id) venue, account, order_id, client_order_id, symbol, side," \
    " order_type, time_in_force, quantity, filled_quantity, price, average_price, stop_price, reduce_only,"    \
    " status, xr_status_rank(status), " S_MS_TS("created_ms") ", " S_MS_TS("updated_ms") ", source, seq, "    \
    RAW " FROM " TABLE " WHERE order_id <> ''"                                                                \
    " ORDER BY venue, account, order_id, xr_status_rank(status) DESC, filled_quantity DESC,"                  \
    " updated_ms DESC, seq DESC"                                                                              \
    " ON CONFLICT ON CONSTRAINT orders_key DO UPDATE SET"                                                     \
    " client_order_id = coalesce(EXCLUDED.client_order_id, o.client_order_id), symbol = EXCLUDED.symbol,"     \
    " side = EXCLUDED.side, order_type = EXCLUDED.order_type, time_in_force = EXCLUDED.time_in_force,"        \
    " quantity = EXCLUDED.quantity, filled_quantity = EXCLUDED.filled_quantity, price = EXCLUDED.price,"      \
    " average_price = EXCLUDED.average_price, stop_price = EXCLUDED.stop_price,"                              \
    " reduce_only = EXCLUDED.reduce_only, status = EXCLUDED.status, status_rank = EXCLUDED.status_rank,"      \
    " created_at = coalesce(o.created_at, EXCLUDED.created_at), updated_at = EXCLUDED.updated_at,"            \
    " recorded_at = now(), source = EXCLUDED.source, seq = EXCLUDED.seq, raw = EXCLUDED.raw"                   \
    " WHERE (EXCLUDED.status_rank, EXCLUDED.filled_quantity, coalesce(EXCLUDED.updated_at, '-infinity'),"     \
    " EXCLUDED.seq) > (o.status_rank, o.filled_quantity, coalesce(o.updated_at, '-infinity'),"                \
    " coalesce(o.seq, 0))"

/* COPY targets; the fill columns are in staging order, so one line format serves both. */
#define S_FILL_COLUMNS                                                                                        \
    "(source, seq, venue, account, trade_id, order_id, client_order_id, symbol, side, order_type, quantity,"  \
    " price, fee, fee_asset, realized_pnl, liquidity, executed_at, metadata, raw)"
static const char *s_copy_trades = "COPY trades " S_FILL_COLUMNS " FROM STDIN";
static const char *s_copy_fills_in = "COPY fills_in FROM STDIN";
static const char *s_copy_orders_in = "COPY orders_in FROM STDIN";
static const char *s_copy_orders_in_text = "COPY orders_in_text FROM STDIN";

/* Prepared on every session; the batch's finishing SQL runs them with EXECUTE (parsed and planned once). */
static const struct {
    const char *name;  /* prepared statement name */
    const char *sql;   /* its text */
} s_statements[] = {
    {"ins_trades", S_TRADES_SQL("raw::jsonb")},
    {"ins_trades_safe", S_TRADES_SQL("xr_jsonb(raw)")},
    {"ins_order_events", S_ORDER_EVENTS_SQL("orders_in", "raw")},
    {"ins_order_events_safe", S_ORDER_EVENTS_SQL("orders_in_text", "xr_jsonb(raw)")},
    {"upsert_orders", S_ORDERS_SQL("orders_in", "raw")},
    {"upsert_orders_safe", S_ORDERS_SQL("orders_in_text", "xr_jsonb(raw)")},
    {"clear_fills_in", "DELETE FROM fills_in"},
    {"clear_orders_in", "DELETE FROM orders_in"},
    {"clear_orders_in_text", "DELETE FROM orders_in_text"},
    {"upsert_source",
     "INSERT INTO event_sources AS s (source, last_seq) VALUES ($1, $2::bigint)"
     " ON CONFLICT (source) DO UPDATE SET last_seq = greatest(s.last_seq, EXCLUDED.last_seq),"
     " updated_at = now()"},
    {"insert_reject",
     "INSERT INTO event_rejects (source, seq, type, error, summary) VALUES ($1, $2::bigint, $3, $4, $5)"
     " ON CONFLICT ON CONSTRAINT event_rejects_key DO NOTHING"},
};

static void s_batch_init(store_batch_t *b, size_t batch_max)
{
    b->events = mem_calloc(batch_max, sizeof *b->events);
    b->sources = mem_calloc(batch_max, sizeof *b->sources);
    b->keys = mem_calloc(batch_max, sizeof *b->keys);
    buf_init(&b->fills_copy, STORE_COPY_MAX);
    buf_init(&b->orders_copy, STORE_COPY_MAX);
}

static void s_batch_clear(store_batch_t *b)
{
    b->nevents = b->nfills = b->norders = b->nsources = 0;
    b->db = NULL;
    b->state = STORE_NEW;
    b->keys_sorted = false;
    buf_reset(&b->fills_copy);
    buf_reset(&b->orders_copy);
}

static void s_batch_release(store_batch_t *b)
{
    buf_release(&b->orders_copy);
    buf_release(&b->fills_copy);
    mem_free(b->keys);
    mem_free(b->sources);
    mem_free(b->events);
}

recorder_store_t *recorder_store_new(const db_config_t *cfg, const char *sql_dir, size_t batch_max, err_t *err)
{
    assert(cfg && sql_dir && batch_max > 0);
    recorder_store_t *self = mem_calloc(1, sizeof *self);
    for (int i = 0; i < 2; i++) {
        self->dbs[i] = db_new(cfg, err);
        if (!self->dbs[i]) {
            recorder_store_destroy(&self);
            return NULL;
        }
    }
    for (int i = 0; i < STORE_BATCHES; i++)
        s_batch_init(&self->batches[i], batch_max);
    self->sql_dir = mem_strdup(sql_dir);
    self->batch_max = batch_max;
    self->fill = &self->batches[0];
    return self;
}

void recorder_store_destroy(recorder_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    recorder_store_t *self = *self_p;
    mem_free(self->sql_dir);
    for (int i = STORE_BATCHES - 1; i >= 0; i--)
        if (self->batches[i].events)
            s_batch_release(&self->batches[i]);
    for (int i = 1; i >= 0; i--)
        db_destroy(&self->dbs[i]);
    mem_free(self);
    *self_p = NULL;
}

void recorder_store_set_pipeline(recorder_store_t *self, bool on)
{
    assert(self && self->nqueue == 0);
    self->pipeline = on;
}

void recorder_store_set_wait_fn(recorder_store_t *self, db_wait_fn *fn, void *ctx)
{
    assert(self);
    db_set_wait_fn(self->dbs[0], fn, ctx);
    db_set_wait_fn(self->dbs[1], fn, ctx);
}

void recorder_store_set_commit_fn(recorder_store_t *self, recorder_store_commit_fn *fn, void *ctx)
{
    assert(self);
    self->on_commit = fn;
    self->on_commit_ctx = ctx;
}

static int s_setup_session(db_t *db, err_t *err)
{
    for (size_t i = 0; i < sizeof s_session_sql / sizeof *s_session_sql; i++)
        if (db_add_session_sql(db, s_session_sql[i], err) != 0)
            return -1;
    for (size_t i = 0; i < sizeof s_statements / sizeof *s_statements; i++)
        if (db_prepare(db, s_statements[i].name, s_statements[i].sql, err) != 0)
            return -1;
    return 0;
}

/* A session that no sealed batch holds, or NULL. */
static db_t *s_free_db(recorder_store_t *self)
{
    for (int i = 0; i < 2; i++) {
        bool held = false;
        for (size_t q = 0; q < self->nqueue; q++)
            held = held || self->queue[q]->db == self->dbs[i];
        if (!held)
            return self->dbs[i];
    }
    return NULL;
}

/* A session for work outside the batches. There is always one between calls of recorder_store_commit: it
 * leaves at most one batch on the server. */
static db_t *s_idle_db(recorder_store_t *self)
{
    db_t *db = s_free_db(self);
    assert(db);
    return db;
}

int recorder_store_open(recorder_store_t *self, err_t *err)
{
    assert(self);
    db_t *db = s_idle_db(self);
    if (db_ensure(db, err) != 0)
        return -1;
    if (self->ready)
        return 0;
    int applied = 0;
    if (db_migrate_apply(db, self->sql_dir, &applied, err) != 0)
        return -1;
    /* Statements are registered on both sessions now; the second connects (and prepares) when first used. */
    if (s_setup_session(self->dbs[0], err) != 0 || s_setup_session(self->dbs[1], err) != 0) {
        if (db_last_error(self->dbs[0]) != DB_ERR_CONNECTION && db_last_error(self->dbs[1]) != DB_ERR_CONNECTION)
            return -1;
    }
    self->ready = true;
    log_info("store open target=\"%s\" migrations_applied=%d", db_target(db), applied);
    return 0;
}

bool recorder_store_ready(const recorder_store_t *self)
{
    assert(self);
    return self->ready;
}

int recorder_store_load_sources(recorder_store_t *self, recorder_store_source_fn *fn, void *ctx, err_t *err)
{
    assert(self && fn);
    db_result_t *res = db_query(s_idle_db(self), false, "SELECT source, last_seq FROM event_sources", 0, NULL, err);
    if (!res)
        return -1;
    for (int i = 0; i < db_result_rows(res); i++) {
        const char *seq = db_result_get(res, i, 1);
        fn(db_result_get(res, i, 0), seq ? strtoull(seq, NULL, 10) : 0, ctx);
    }
    db_result_destroy(&res);
    return 0;
}

size_t recorder_store_pending(const recorder_store_t *self)
{
    assert(self);
    size_t n = self->fill->nevents;
    for (size_t i = 0; i < self->nqueue; i++)
        n += self->queue[i]->nevents;
    return n;
}

bool recorder_store_full(const recorder_store_t *self)
{
    assert(self);
    return self->fill->nevents >= self->batch_max;
}

bool recorder_store_in_flight(const recorder_store_t *self)
{
    assert(self);
    for (size_t q = 0; q < self->nqueue; q++)
        if (self->queue[q]->state != STORE_NEW)
            return true;
    return false;
}

db_t *recorder_store_db(recorder_store_t *self)
{
    assert(self);
    return self->dbs[0];
}

recorder_store_stats_t recorder_store_stats(const recorder_store_t *self)
{
    assert(self);
    return self->stats;
}

void recorder_store_clear(recorder_store_t *self)
{
    assert(self);
    s_batch_clear(self->fill);
}

/* ---- COPY line building: each helper returns 0 or -1 when the buffer limit is reached. */

static int s_text(buf_t *b, const char *s)
{
    return db_copy_field(b, s, strlen(s));
}

static int s_opt_text(buf_t *b, const char *s)
{
    return s && s[0] ? db_copy_field(b, s, strlen(s)) : db_copy_field(b, NULL, 0);
}

static int s_dec(buf_t *b, decimal_t v)
{
    char text[DECIMAL_STR_MAX];
    size_t n = decimal_format(v, text, sizeof text);
    assert(n > 0);
    return buf_append(b, text, n);
}

/* Optional decimals where zero means absent (price of a market order, average price before a fill). */
static int s_opt_dec(buf_t *b, decimal_t v)
{
    return decimal_is_zero(v) ? db_copy_field(b, NULL, 0) : s_dec(b, v);
}

static int s_tab(buf_t *b)
{
    return buf_putc(b, '\t');
}

/* Writes v (< 10^width) as exactly width digits, zero-padded, ending at end. */
static void s_digits(char *end, unsigned v, int width)
{
    for (int i = 0; i < width; i++, v /= 10)
        *--end = (char) ('0' + v % 10);
}

/* Epoch ms as exact ISO-8601 UTC text ("2025-11-21T04:40:00.123Z", what clock_format_iso prints); 0 or less
 * (unknown) as NULL, which PostgreSQL refuses for a fill. Calendar from days since the epoch by H. Hinnant's
 * civil_from_days (proleptic Gregorian, exact); years past 9999 go through clock_format_iso. */
static int s_time(buf_t *b, int64_t ms)
{
    if (ms <= 0)
        return db_copy_field(b, NULL, 0);
    if (ms >= INT64_C(253402300800000)) { /* 10000-01-01 */
        char text[40];
        size_t n = clock_format_iso(ms, text, sizeof text);
        return n > 0 ? buf_append(b, text, n) : db_copy_field(b, NULL, 0);
    }
    int64_t secs = ms / 1000, days = secs / 86400;
    unsigned sod = (unsigned) (secs % 86400), milli = (unsigned) (ms % 1000);
    int64_t z = days + 719468, era = z / 146097;
    unsigned doe = (unsigned) (z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned day = doy - (153 * mp + 2) / 5 + 1;
    unsigned month = mp < 10 ? mp + 3 : mp - 9;
    unsigned year = (unsigned) (yoe + era * 400) + (month <= 2);
    char t[24] = "0000-00-00T00:00:00.000Z";
    s_digits(t + 4, year, 4);
    s_digits(t + 7, month, 2);
    s_digits(t + 10, day, 2);
    s_digits(t + 13, sod / 3600, 2);
    s_digits(t + 16, sod / 60 % 60, 2);
    s_digits(t + 19, sod % 60, 2);
    s_digits(t + 23, milli, 3);
    return buf_append(b, t, sizeof t);
}

/* A JSON string, written already escaped for a COPY text field (every backslash of the JSON doubled; control
 * characters, tab and newline included, become \\u00XX, so no raw tab or newline reaches the line). */
static int s_json_str(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (buf_putc(b, '"') != 0)
        return -1;
    const unsigned char *p = (const unsigned char *) s, *start = p;
    for (; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20)
            continue;
        if (buf_append(b, start, (size_t) (p - start)) != 0)
            return -1;
        int rc;
        if (*p == '"') {
            rc = buf_append(b, "\\\\\"", 3);
        } else if (*p == '\\') {
            rc = buf_append(b, "\\\\\\\\", 4);
        } else {
            char esc[7] = {'\\', '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            rc = buf_append(b, esc, sizeof esc);
        }
        if (rc != 0)
            return -1;
        start = p + 1;
    }
    if (buf_append(b, start, (size_t) (p - start)) != 0)
        return -1;
    return buf_putc(b, '"');
}

/* The metadata map as a JSON object, written straight into the line as one COPY field. */
static int s_metadata(buf_t *b, const proto_meta_t *m)
{
    size_t mark = b->len;
    int rc = buf_putc(b, '{');
    for (size_t i = 0; rc == 0 && i < m->count; i++) {
        if (i > 0)
            rc = buf_putc(b, ',');
        if (rc == 0)
            rc = s_json_str(b, m->items[i].key);
        if (rc == 0)
            rc = buf_putc(b, ':');
        if (rc == 0)
            rc = s_json_str(b, m->items[i].value);
    }
    if (rc == 0)
        rc = buf_putc(b, '}');
    if (rc != 0) {
        b->len = mark;
        if (b->data)
            b->data[mark] = '\0';
    }
    return rc;
}

static int s_raw(buf_t *b, const proto_raw_t *raw)
{
    return raw->data && raw->len > 0 ? db_copy_field(b, raw->data, raw->len) : db_copy_field(b, NULL, 0);
}

static int s_head(buf_t *b, const char *source, uint64_t seq)
{
    if (s_text(b, source) != 0 || s_tab(b) != 0)
        return -1;
    char text[24];
    char *p = text + sizeof text;
    *--p = '\t';
    do {
        *--p = (char) ('0' + seq % 10);
        seq /= 10;
    } while (seq);
    return buf_append(b, p, (size_t) (text + sizeof text - p));
}

static int s_fill_line(buf_t *b, const char *source, uint64_t seq, const proto_fill_t *f)
{
    int rc = s_head(b, source, seq);
    rc = rc ? rc : s_text(b, f->venue);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_text(b, f->account);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_text(b, f->trade_id);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_text(b, f->order_id);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_text(b, f->client_order_id);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_text(b, f->symbol);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_text(b, proto_side_name(f->side));
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_text(b, proto_order_type_name(f->order_type));
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_dec(b, f->quantity);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_dec(b, f->price);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_dec(b, f->fee);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_text(b, f->fee_asset);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_dec(b, f->realized_pnl);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_text(b, proto_liquidity_name(f->liquidity));
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_time(b, f->executed_at);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_metadata(b, &f->metadata);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_raw(b, &f->raw);
    return rc ? rc : buf_putc(b, '\n');
}

static int s_order_line(buf_t *b, const char *source, uint64_t seq, const proto_order_t *o)
{
    int rc = s_head(b, source, seq);
    rc = rc ? rc : s_text(b, o->venue);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_text(b, o->account);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_text(b, o->order_id);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_text(b, o->client_order_id);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_text(b, o->symbol);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_text(b, proto_side_name(o->side));
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_text(b, proto_order_type_name(o->type));
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_text(b, proto_tif_name(o->time_in_force));
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_dec(b, o->quantity);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_dec(b, o->filled_quantity);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_dec(b, o->price);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_dec(b, o->average_price);
    rc = rc ? rc : s_tab(b);
    rc = rc ? rc : s_opt_dec(b, o->stop_price);
    rc = rc ? rc : buf_printf(b, "\t%s\t", o->reduce_only ? "t" : "f");
    rc = rc ? rc : s_text(b, proto_status_name(o->status));
    rc = rc ? rc : buf_printf(b, "\t%" PRId64 "\t%" PRId64 "\t", o->created_at, o->updated_at);
    rc = rc ? rc : s_raw(b, &o->raw);
    return rc ? rc : buf_putc(b, '\n');
}

/* FNV-1a over venue, account and trade id (NUL-separated): the fill key, for spotting a key shared by two
 * batches on the server at once (a collision only costs a lost overlap, never correctness). */
static uint64_t s_key_hash(const proto_fill_t *f)
{
    uint64_t h = 14695981039346656037ull;
    const char *parts[3] = {f->venue, f->account, f->trade_id};
    for (int i = 0; i < 3; i++) {
        for (const unsigned char *p = (const unsigned char *) parts[i];; p++) {
            h = (h ^ *p) * 1099511628211ull;
            if (*p == '\0')
                break;
        }
    }
    return h;
}

static void s_note_source(store_batch_t *b, const char *source, uint64_t seq)
{
    for (size_t i = 0; i < b->nsources; i++) {
        if (strcmp(b->sources[i].source, source) == 0) {
            if (seq > b->sources[i].max_seq)
                b->sources[i].max_seq = seq;
            return;
        }
    }
    store_source_t *s = &b->sources[b->nsources++];
    snprintf(s->source, sizeof s->source, "%s", source);
    s->max_seq = seq;
}

/* Records the event whose line was just appended to lines (from mark on); rolls the line back on failure. */
static int s_add(recorder_store_t *self, buf_t *lines, size_t mark, int rc, bool is_fill, const char *source,
                 uint64_t seq, err_t *err)
{
    store_batch_t *b = self->fill;
    size_t slen = strlen(source);
    if (rc != 0 || slen >= PROTO_INSTANCE_SZ) {
        lines->len = mark;
        if (lines->data)
            lines->data[mark] = '\0';
        return err_set(err, XR_INVALID_REQUEST, "event source=%s seq=%" PRIu64 " too large for the batch", source,
                       seq);
    }
    store_event_t *ev = &b->events[b->nevents++];
    memcpy(ev->source, source, slen + 1);
    ev->seq = seq;
    ev->is_fill = is_fill;
    ev->off = mark;
    ev->len = lines->len - mark;
    if (is_fill)
        b->nfills++;
    else
        b->norders++;
    s_note_source(b, source, seq);
    return 0;
}

int recorder_store_add_fill(recorder_store_t *self, const char *source, uint64_t seq, const proto_fill_t *fill,
                            err_t *err)
{
    assert(self && source && fill);
    if (recorder_store_full(self))
        return err_set(err, XR_INTERNAL, "batch full (%zu events)", self->batch_max);
    buf_t *lines = &self->fill->fills_copy;
    size_t mark = lines->len;
    int rc = s_fill_line(lines, source, seq, fill);
    if (rc == 0)
        self->fill->keys[self->fill->nfills] = s_key_hash(fill);
    return s_add(self, lines, mark, rc, true, source, seq, err);
}

int recorder_store_add_order(recorder_store_t *self, const char *source, uint64_t seq, const proto_order_t *order,
                             err_t *err)
{
    assert(self && source && order);
    if (recorder_store_full(self))
        return err_set(err, XR_INTERNAL, "batch full (%zu events)", self->batch_max);
    buf_t *lines = &self->fill->orders_copy;
    size_t mark = lines->len;
    int rc = s_order_line(lines, source, seq, order);
    return s_add(self, lines, mark, rc, false, source, seq, err);
}

/* What event_rejects and the log keep to identify an event, taken from its COPY line (fields as escaped
 * there): "fill venue account trade_id" or "order venue account order_id status". */
static void s_summary(const store_batch_t *b, const store_event_t *ev, char *out, size_t cap)
{
    static const int fill_fields[] = {2, 3, 4}, order_fields[] = {2, 3, 4, 16};
    const int *want = ev->is_fill ? fill_fields : order_fields;
    int nwant = ev->is_fill ? 3 : 4;
    const char *line = (ev->is_fill ? b->fills_copy.data : b->orders_copy.data) + ev->off;
    int used = snprintf(out, cap, "%s", ev->is_fill ? "fill" : "order");
    int field = 0, k = 0;
    for (size_t i = 0, start = 0; i < ev->len && k < nwant && used >= 0 && (size_t) used < cap; i++) {
        if (line[i] != '\t' && line[i] != '\n')
            continue;
        if (field == want[k]) {
            used += snprintf(out + used, cap - (size_t) used, " %.*s", (int) (i - start), line + start);
            k++;
        }
        field++;
        start = i + 1;
    }
}

/* ---- writing */

static int s_copy(db_t *db, const char *copy_sql, const char *data, size_t len, err_t *err)
{
    if (db_copy_begin(db, copy_sql, err) != 0)
        return -1;
    int rc = db_copy_put(db, data, len, err);
    if (db_copy_end(db, NULL, rc == 0 ? err : NULL) != 0)
        rc = -1;
    return rc;
}

static int s_upsert_source(db_t *db, const char *source, uint64_t seq, err_t *err)
{
    char seqtext[24];
    snprintf(seqtext, sizeof seqtext, "%" PRIu64, seq);
    const char *params[2] = {source, seqtext};
    return db_command(db, true, "upsert_source", 2, params, NULL, err);
}

/* Moves staged rows into the tables; safe selects the statements that tolerate bad venue JSON. */
static int s_apply_staged(db_t *db, bool has_fills, bool has_orders, bool safe, int64_t *fills_new, err_t *err)
{
    *fills_new = 0;
    if (has_fills && db_command(db, true, safe ? "ins_trades_safe" : "ins_trades", 0, NULL, fills_new, err) != 0)
        return -1;
    if (has_orders) {
        if (db_command(db, true, safe ? "ins_order_events_safe" : "ins_order_events", 0, NULL, NULL, err) != 0)
            return -1;
        if (db_command(db, true, safe ? "upsert_orders_safe" : "upsert_orders", 0, NULL, NULL, err) != 0)
            return -1;
    }
    return 0;
}

static void s_count_commit(recorder_store_t *self, size_t events, size_t fills, int64_t fills_new, size_t orders)
{
    self->stats.commits++;
    self->stats.events += events;
    self->stats.fills_new += (uint64_t) fills_new;
    self->stats.fills_dup += fills - (size_t) fills_new;
    self->stats.orders_events += orders;
    self->stats.last_commit_ms = clock_wall_ms();
}

/* A batch is durable: tell the owner per source, then empty it. */
static void s_batch_done(recorder_store_t *self, store_batch_t *b)
{
    for (size_t i = 0; self->on_commit && i < b->nsources; i++)
        self->on_commit(b->sources[i].source, b->sources[i].max_seq, self->on_commit_ctx);
    s_batch_clear(b);
}

static int s_cmp_source(const void *a, const void *b)
{
    return strcmp(((const store_source_t *) a)->source, ((const store_source_t *) b)->source);
}

/* Which of the two sessions db is. */
static size_t s_db_index(const recorder_store_t *self, const db_t *db)
{
    assert(db == self->dbs[0] || db == self->dbs[1]);
    return db == self->dbs[0] ? 0 : 1;
}

/* Counts bytes staged on db and says whether its staging tables are due for a TRUNCATE (then counts from 0). */
static bool s_stage_bytes(recorder_store_t *self, const db_t *db, size_t bytes)
{
    size_t *staged = &self->staged[s_db_index(self, db)];
    *staged += bytes;
    if (bytes == 0 || *staged < STORE_STAGE_TRUNCATE)
        return false;
    *staged = 0;
    return true;
}

/* The SQL that ends a batch's transaction on db (run with COMMIT in one round trip): order history and upsert
 * from the staging table, the staging tables emptied (staged_fills: the fills went through fills_in), then the
 * new last seq of every source of the batch, in source order (two sessions may commit one after the other:
 * one lock order, no deadlock). Every statement is prepared: only EXECUTE is parsed. */
static int s_finish_sql(recorder_store_t *self, db_t *db, store_batch_t *b, bool staged_fills, buf_t *sql)
{
    buf_reset(sql);
    qsort(b->sources, b->nsources, sizeof *b->sources, s_cmp_source);
    size_t fills_in = staged_fills ? b->fills_copy.len : 0;
    int rc = 0;
    if (b->norders)
        rc = buf_puts(sql, "EXECUTE ins_order_events;EXECUTE upsert_orders;");
    if (s_stage_bytes(self, db, fills_in + b->orders_copy.len)) {
        rc = rc ? rc : buf_puts(sql, "TRUNCATE fills_in, orders_in, orders_in_text;");
    } else {
        if (fills_in)
            rc = rc ? rc : buf_puts(sql, "EXECUTE clear_fills_in;");
        if (b->norders)
            rc = rc ? rc : buf_puts(sql, "EXECUTE clear_orders_in;");
    }
    for (size_t i = 0; rc == 0 && i < b->nsources; i++) {
        rc = buf_puts(sql, i ? ";EXECUTE upsert_source(" : "EXECUTE upsert_source(");
        rc = rc ? rc : db_append_literal(sql, b->sources[i].source);
        rc = rc ? rc : buf_printf(sql, ",%" PRIu64 ")", b->sources[i].max_seq);
    }
    return rc;
}

/* Sends one staged table's lines: as the transaction's first statement (BEGIN + COPY in one round trip) or not. */
static int s_copy_lines(db_t *db, bool first, const char *copy_sql, const buf_t *lines, err_t *err)
{
    int rc = first ? db_begin_copy(db, copy_sql, err) : db_copy_begin(db, copy_sql, err);
    if (rc != 0)
        return -1;
    rc = db_copy_put(db, lines->data, lines->len, err);
    if (db_copy_end(db, NULL, rc == 0 ? err : NULL) != 0)
        rc = -1;
    return rc;
}

/* Opens the batch's transaction on db and loads its rows (fills straight into trades when direct), leaving
 * only the finishing statements and COMMIT. -1 (transaction rolled back) on any failure. */
static int s_load_batch(db_t *db, store_batch_t *b, bool direct, int64_t *fills_new, err_t *err)
{
    *fills_new = direct ? (int64_t) b->nfills : 0;
    bool first = true;
    if (b->nfills) {
        if (s_copy_lines(db, true, direct ? s_copy_trades : s_copy_fills_in, &b->fills_copy, err) != 0)
            goto rollback;
        first = false;
    }
    if (b->norders && s_copy_lines(db, first, s_copy_orders_in, &b->orders_copy, err) != 0)
        goto rollback;
    if (b->nfills && !direct && db_command(db, true, "ins_trades", 0, NULL, fills_new, err) != 0)
        goto rollback;
    return 0;
rollback:
    db_rollback(db, NULL);
    return -1;
}

/* The whole batch in one transaction, synchronously, in as few round trips as possible (fills only: three). */
static int s_commit_batch(recorder_store_t *self, db_t *db, store_batch_t *b, bool direct, err_t *err)
{
    int64_t fills_new = 0;
    buf_t sql;
    buf_init(&sql, 1024 * 1024);
    int rc = s_load_batch(db, b, direct, &fills_new, err);
    if (rc == 0 && s_finish_sql(self, db, b, !direct, &sql) != 0) {
        db_rollback(db, NULL);
        rc = err_set(err, XR_INTERNAL, "batch: commit statement too long");
    }
    if (rc == 0)
        rc = db_commit_with(db, sql.data, err);
    if (rc == 0)
        s_count_commit(self, b->nevents, b->nfills, fills_new, b->norders);
    buf_release(&sql);
    return rc;
}

/* Records an event PostgreSQL refuses, so that its source can move on. */
static int s_reject(recorder_store_t *self, db_t *db, const store_batch_t *b, const store_event_t *ev, const char *why,
                    err_t *err)
{
    char seqtext[24], summary[STORE_SUMMARY_SZ];
    snprintf(seqtext, sizeof seqtext, "%" PRIu64, ev->seq);
    s_summary(b, ev, summary, sizeof summary);
    const char *params[5] = {ev->source, seqtext, ev->is_fill ? "event.fill" : "event.order", why, summary};
    if (db_begin(db, err) != 0)
        return -1;
    if (db_command(db, true, "insert_reject", 5, params, NULL, err) != 0 ||
        s_upsert_source(db, ev->source, ev->seq, err) != 0) {
        db_rollback(db, NULL);
        return -1;
    }
    if (db_commit(db, err) != 0)
        return -1;
    log_error("store reject source=%s seq=%" PRIu64 " %s: %s; recorded in event_rejects", ev->source, ev->seq,
              summary, why);
    self->stats.rejects++;
    s_count_commit(self, 1, 0, 0, 0);
    return 0;
}

/* One event in its own transaction; a data error sends it to event_rejects. */
static int s_commit_one(recorder_store_t *self, db_t *db, store_batch_t *b, const store_event_t *ev, err_t *err)
{
    const buf_t *lines = ev->is_fill ? &b->fills_copy : &b->orders_copy;
    int64_t fills_new = 0;
    err_t why;
    err_clear(&why);
    if (db_begin(db, &why) != 0)
        goto failed;
    self->staged[s_db_index(self, db)] += ev->len; /* a later batch's TRUNCATE takes the dead row away */
    if (s_copy(db, ev->is_fill ? s_copy_fills_in : s_copy_orders_in_text, lines->data + ev->off, ev->len, &why) != 0 ||
        s_apply_staged(db, ev->is_fill, !ev->is_fill, true, &fills_new, &why) != 0 ||
        db_command(db, true, ev->is_fill ? "clear_fills_in" : "clear_orders_in_text", 0, NULL, NULL, &why) != 0 ||
        s_upsert_source(db, ev->source, ev->seq, &why) != 0) {
        db_rollback(db, NULL);
        goto failed;
    }
    if (db_commit(db, &why) != 0)
        goto failed;
    s_count_commit(self, 1, ev->is_fill ? 1 : 0, fills_new, ev->is_fill ? 0 : 1);
    return 0;
failed:
    if (db_last_error(db) == DB_ERR_CONNECTION) {
        if (err)
            *err = why;
        return -1;
    }
    return s_reject(self, db, b, ev, why.msg, err);
}

/* Writes b synchronously: straight COPY, else through staging (a fill stored before), else event by event
 * (data PostgreSQL refuses). 0 when every event is committed (b is then done), -1 when the connection failed
 * (b kept whole: what got committed is written again harmlessly). */
static int s_commit_sync(recorder_store_t *self, store_batch_t *b, err_t *err)
{
    db_t *db = s_idle_db(self);
    err_t why;
    err_clear(&why);
    if (s_commit_batch(self, db, b, b->nfills > 0, &why) == 0)
        goto done;
    if (db_last_error(db) != DB_ERR_CONNECTION && b->nfills > 0) {
        log_debug("store direct copy of %zu fills refused (%s); staging them", b->nfills, why.msg);
        self->stats.staged_batches++;
        if (s_commit_batch(self, db, b, false, &why) == 0)
            goto done;
    }
    if (db_last_error(db) == DB_ERR_CONNECTION)
        goto failed;
    log_warn("store batch of %zu events refused (%s); writing them one by one", b->nevents, why.msg);
    self->stats.slow_batches++;
    for (size_t i = 0; i < b->nevents; i++)
        if (s_commit_one(self, db, b, &b->events[i], &why) != 0)
            goto failed;
done:
    s_batch_done(self, b);
    return 0;
failed:
    self->stats.failed_commits++;
    if (err)
        *err = why;
    return -1;
}

/* Drops the committed head of the queue. */
static void s_shift(recorder_store_t *self)
{
    assert(self->nqueue > 0);
    self->queue[0] = self->queue[1];
    self->queue[1] = NULL;
    self->nqueue--;
}

/* Seals the batch being built (it joins the queue and a free buffer takes its place), if the queue has room. */
static void s_seal(recorder_store_t *self)
{
    if (self->fill->nevents == 0 || self->nqueue == 2)
        return;
    self->queue[self->nqueue++] = self->fill;
    for (int i = 0; i < STORE_BATCHES; i++) {
        store_batch_t *b = &self->batches[i];
        if (b != self->queue[0] && b != self->queue[1]) {
            self->fill = b;
            break;
        }
    }
    assert(self->fill->nevents == 0 && self->fill != self->queue[self->nqueue - 1]);
}

/* ---- pipelined writing
 *
 * Up to two sealed batches are on the server at once, one per session: both load their rows concurrently
 * (COPY ended, outcome not read: two backends work in parallel while this loop decodes the next batch), and
 * a batch's finishing statements and COMMIT go out only when it is the head, i.e. once every older batch is
 * known committed, so per source the committed seq only moves forward. A later batch never loads while an
 * older one on the server holds one of its fill keys: its COPY would wait for that transaction's end, and a
 * failing older batch could then wait for it in turn (a wait cycle through this loop that PostgreSQL cannot
 * see). It loads once the older one is done, and then meets the committed row like any duplicate. */

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

/* True if a fill key of later may also be in earlier (hash equality). */
static bool s_keys_overlap(store_batch_t *earlier, const store_batch_t *later)
{
    if (earlier->nfills == 0 || later->nfills == 0)
        return false;
    if (!earlier->keys_sorted) {
        qsort(earlier->keys, earlier->nfills, sizeof *earlier->keys, s_cmp_u64);
        earlier->keys_sorted = true;
    }
    for (size_t i = 0; i < later->nfills; i++)
        if (bsearch(&later->keys[i], earlier->keys, earlier->nfills, sizeof *earlier->keys, s_cmp_u64))
            return true;
    return false;
}

/* Opens b's transaction on db and sends its rows: order updates into staging (waited for), fills straight into
 * trades with the outcome left outstanding (STORE_LOADING). -1 (rolled back) on any failure. */
static int s_load_start(db_t *db, store_batch_t *b, err_t *err)
{
    assert(b->state == STORE_NEW && !b->db);
    bool first = true;
    if (b->norders) {
        if (s_copy_lines(db, true, s_copy_orders_in, &b->orders_copy, err) != 0)
            goto rollback;
        first = false;
    }
    if (b->nfills) {
        if ((first ? db_begin_copy(db, s_copy_trades, err) : db_copy_begin(db, s_copy_trades, err)) != 0)
            goto rollback;
        int rc = db_copy_put(db, b->fills_copy.data, b->fills_copy.len, err);
        if (db_copy_end_send(db, rc == 0 ? err : NULL) != 0 || rc != 0)
            goto rollback;
    }
    b->db = db;
    b->state = b->nfills ? STORE_LOADING : STORE_LOADED;
    return 0;
rollback:
    db_rollback(db, NULL);
    return -1;
}

/* Starts loading every sealed batch that can: nothing on the server yet, a free session, and (after the head)
 * no fill key in common with an older batch on the server. Failures are left to s_finish_head. */
static void s_start_loads(recorder_store_t *self)
{
    for (size_t q = 0; q < self->nqueue; q++) {
        store_batch_t *b = self->queue[q];
        if (b->state != STORE_NEW)
            continue;
        if (q > 0 && self->queue[0]->state != STORE_NEW && s_keys_overlap(self->queue[0], b))
            continue;
        db_t *db = s_free_db(self);
        err_t ignore;
        if (!db || db_ensure(db, &ignore) != 0 || s_load_start(db, b, &ignore) != 0)
            return;
    }
}

/* Rolls back whatever the batches after the head hold on the server (they load again later). */
static void s_reset_rest(recorder_store_t *self)
{
    for (size_t q = 1; q < self->nqueue; q++) {
        store_batch_t *b = self->queue[q];
        if (b->db)
            db_rollback(b->db, NULL);
        b->db = NULL;
        b->state = STORE_NEW;
    }
}

/* Moves the head one state on: block = wait for outstanding outcomes, else only take what is already there.
 * 1: the head is committed and gone; 0: it moved (or could not without blocking); -1 with err: the connection
 * failed (every batch kept, nothing left on the server). A batch PostgreSQL refuses for its data goes through
 * the synchronous path (staging, then event by event). */
static int s_step_head(recorder_store_t *self, bool block, err_t *err)
{
    store_batch_t *b = self->queue[0];
    db_t *db = b->db;
    err_t why;
    err_clear(&why);
    switch (b->state) {
    case STORE_NEW:
        db = s_free_db(self);
        if (!db) {
            s_reset_rest(self);
            db = s_free_db(self);
        }
        if (db_ensure(db, &why) != 0 || s_load_start(db, b, &why) != 0)
            goto failed;
        return 0;
    case STORE_LOADING:
        if (!block && !db_result_ready(db))
            return 0;
        if (db_copy_end_wait(db, NULL, &why) != 0)
            goto failed;
        b->state = STORE_LOADED;
        return 0;
    case STORE_LOADED: {
        buf_t sql;
        buf_init(&sql, 1024 * 1024);
        int rc = s_finish_sql(self, db, b, false, &sql);
        if (rc != 0) {
            err_set(&why, XR_INTERNAL, "batch: commit statement too long");
            db_rollback(db, NULL);
        } else {
            rc = db_commit_send(db, sql.data, &why);
        }
        buf_release(&sql);
        if (rc != 0)
            goto failed;
        b->state = STORE_SENT;
        return 0;
    }
    case STORE_SENT:
        if (!block && !db_result_ready(db))
            return 0;
        if (db_commit_wait(db, &why) != 0)
            goto failed;
        s_count_commit(self, b->nevents, b->nfills, (int64_t) b->nfills, b->norders);
        s_batch_done(self, b);
        s_shift(self);
        return 1;
    }
    assert(0);
    return -1;
failed:
    if (db && db_in_transaction(db))
        db_rollback(db, NULL);
    b->db = NULL;
    b->state = STORE_NEW;
    s_reset_rest(self);
    if (!db || db_last_error(db) == DB_ERR_CONNECTION) {
        self->stats.failed_commits++;
        if (err)
            *err = why;
        return -1;
    }
    /* Refused for its data (a fill stored before, bad JSON): the synchronous path sorts it out. */
    if (s_commit_sync(self, b, err) != 0)
        return -1;
    s_shift(self);
    return 1;
}

/* Pipelined commit: completes every batch sealed before this call (blocking) and leaves the newest one, sealed
 * now, loading or with its COMMIT sent (collected by the next call). */
static int s_commit_pipelined(recorder_store_t *self, err_t *err)
{
    size_t keep = 0; /* sealed batches this call may leave on the server: the one it sealed, if any */
    for (;;) {
        /* One seal per call: events taken while it waits wait for the next call, so that it returns. */
        if (keep == 0 && self->fill->nevents > 0 && self->nqueue < 2) {
            s_seal(self);
            keep = 1;
        }
        s_start_loads(self);
        if (self->nqueue <= keep)
            break;
        int rc = s_step_head(self, true, err);
        if (rc < 0)
            return -1;
    }
    /* The newest batch: take what the server already finished, send its COMMIT when its rows are in. */
    for (int i = 0; i < 4 && self->nqueue > 0; i++) {
        store_state_t before = self->queue[0]->state;
        int rc = s_step_head(self, false, err);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
        if (self->queue[0]->state == before)
            break;
    }
    return 0;
}

/* Completes every sealed batch already on the server (pipelined mode leaves the newest one loading, its
 * transaction open until the next commit call). Work outside the batches calls this first: an insert of a key
 * that such a transaction holds would wait for a COMMIT that only this loop can send. */
static int s_settle(recorder_store_t *self, err_t *err)
{
    while (recorder_store_in_flight(self))
        if (s_step_head(self, true, err) < 0)
            return -1;
    return 0;
}

int recorder_store_commit(recorder_store_t *self, err_t *err)
{
    assert(self);
    if (recorder_store_pending(self) == 0)
        return 0;
    if (!recorder_store_in_flight(self) && recorder_store_open(self, err) != 0) {
        self->stats.failed_commits++;
        return -1;
    }
    if (self->pipeline)
        return s_commit_pipelined(self, err);
    s_seal(self);
    while (self->nqueue > 0) {
        if (s_commit_sync(self, self->queue[0], err) != 0)
            return -1;
        s_shift(self);
    }
    return 0;
}

#define STORE_LOG_IDS 50 /* trade ids named per backstop warning line */

/* One warn line per (venue, account) run of the inserted rows (sorted by venue, account, trade id). */
static void s_log_missing(const db_result_t *res)
{
    int rows = db_result_rows(res);
    for (int start = 0; start < rows;) {
        const char *venue = db_result_get(res, start, 0), *account = db_result_get(res, start, 1);
        int end = start;
        while (end < rows && strcmp(db_result_get(res, end, 0), venue) == 0 &&
               strcmp(db_result_get(res, end, 1), account) == 0)
            end++;
        char ids[STORE_LOG_IDS * 24];
        size_t used = 0;
        ids[0] = '\0';
        int listed = 0;
        for (int i = start; i < end && listed < STORE_LOG_IDS; i++, listed++) {
            int k = snprintf(ids + used, sizeof ids - used, "%s%s", listed ? "," : "", db_result_get(res, i, 2));
            if (k < 0 || (size_t) k >= sizeof ids - used)
                break;
            used += (size_t) k;
        }
        log_warn("backstop: %d fills were missing (no event delivered them), now stored venue=%s account=%s "
                 "trade_ids=%s%s",
                 end - start, venue, account, ids, end - start > listed ? " (and more)" : "");
        start = end;
    }
}

int recorder_store_backstop_fills(recorder_store_t *self, const proto_fill_t *fills, size_t n, size_t *missing,
                                  err_t *err)
{
    assert(self && (fills || n == 0));
    if (missing)
        *missing = 0;
    if (n == 0)
        return 0;
    if (recorder_store_open(self, err) != 0 || s_settle(self, err) != 0)
        return -1;
    db_t *db = s_idle_db(self);
    buf_t lines;
    buf_init(&lines, STORE_COPY_MAX);
    db_result_t *res = NULL;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        if (s_fill_line(&lines, "backstop", 0, &fills[i]) != 0) {
            err_set(err, XR_INVALID_REQUEST, "backstop: %zu fills do not fit one transaction", n);
            goto done;
        }
    }
    if (db_begin(db, err) != 0)
        goto done;
    self->staged[s_db_index(self, db)] += lines.len; /* a later batch's TRUNCATE takes the dead rows away */
    if (s_copy(db, s_copy_fills_in, lines.data, lines.len, err) != 0 ||
        !(res = db_query(db, false,
                         "WITH ins AS (" S_TRADES_SQL("xr_jsonb(raw)") " RETURNING venue, account, trade_id)"
                         " SELECT venue, account, trade_id FROM ins ORDER BY 1, 2, 3",
                         0, NULL, err)) ||
        db_command(db, true, "clear_fills_in", 0, NULL, NULL, err) != 0) {
        db_rollback(db, NULL);
        goto done;
    }
    if (db_commit(db, err) != 0)
        goto done;
    int inserted = db_result_rows(res);
    s_log_missing(res);
    self->stats.fills_new += (uint64_t) inserted;
    if (missing)
        *missing = (size_t) inserted;
    rc = 0;
done:
    db_result_destroy(&res);
    buf_release(&lines);
    return rc;
}

int recorder_store_backstop_targets(recorder_store_t *self, int64_t lookback_ms, size_t max,
                                    recorder_store_target_fn *fn, void *ctx, err_t *err)
{
    assert(self && fn && lookback_ms > 0 && max > 0);
    if (recorder_store_open(self, err) != 0)
        return -1;
    char lookback[32], limit[32];
    snprintf(lookback, sizeof lookback, "%" PRId64, lookback_ms);
    snprintf(limit, sizeof limit, "%zu", max);
    const char *params[] = {lookback, limit};
    /* The floor: trade histories are read no further back than lookback_ms. */
    db_result_t *res = db_query(
        s_idle_db(self), false,
        "WITH lim AS (SELECT now() - $1::bigint * interval '1 millisecond' AS t),"
        " tr AS (SELECT venue, account, symbol, max(executed_at) AS last FROM trades, lim"
        "        WHERE executed_at > lim.t GROUP BY 1, 2, 3),"
        " od AS (SELECT venue, account, symbol, min(coalesce(created_at, updated_at, recorded_at)) AS first"
        "        FROM orders, lim WHERE status_rank < 4 OR coalesce(updated_at, recorded_at) > lim.t"
        "        GROUP BY 1, 2, 3)"
        " SELECT coalesce(tr.venue, od.venue), coalesce(tr.account, od.account), coalesce(tr.symbol, od.symbol),"
        " floor(extract(epoch FROM greatest(coalesce(tr.last, od.first), lim.t)) * 1000)::bigint"
        " FROM tr FULL JOIN od ON tr.venue = od.venue AND tr.account = od.account AND tr.symbol = od.symbol,"
        " lim ORDER BY 1, 2, 3 LIMIT $2::bigint",
        2, params, err);
    if (!res)
        return -1;
    for (int i = 0; i < db_result_rows(res); i++) {
        const char *since = db_result_get(res, i, 3);
        char *end = NULL;
        long long ms = since ? strtoll(since, &end, 10) : 0;
        fn(db_result_get(res, i, 0), db_result_get(res, i, 1), db_result_get(res, i, 2),
           end && *end == '\0' ? (int64_t) ms : 0, ctx);
    }
    db_result_destroy(&res);
    return 0;
}
