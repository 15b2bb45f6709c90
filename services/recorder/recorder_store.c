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
    char summary[STORE_SUMMARY_SZ];  /* "fill venue account trade_id" / "order venue account order_id status" */
} store_event_t;

typedef struct {
    char source[PROTO_INSTANCE_SZ];  /* event source */
    uint64_t max_seq;                /* highest seq of that source in the batch */
} store_source_t;

struct _recorder_store_t {
    db_t *db;                        /* the session */
    char *sql_dir;                   /* migrations directory */
    bool ready;                      /* migrations applied, statements registered */
    size_t batch_max;                /* events per batch */
    store_event_t *events;           /* the batch, in arrival order */
    size_t nevents;                  /* events in the batch */
    size_t nfills;                   /* of which fills */
    size_t norders;                  /* of which order updates */
    store_source_t *sources;         /* distinct sources of the batch */
    size_t nsources;                 /* entries used */
    buf_t fills_copy;                /* COPY text for fills_in */
    buf_t orders_copy;               /* COPY text for orders_in */
    recorder_store_stats_t stats;    /* counters */
};

/* Staging tables: one per session, emptied at every commit. Column order = COPY line order. */
static const char *s_session_sql[] = {
    "SET synchronous_commit = on",
    "SET statement_timeout = '30s'",
    "CREATE TEMP TABLE IF NOT EXISTS fills_in (source text, seq bigint, venue text, account text, trade_id text,"
    " order_id text, client_order_id text, symbol text, side text, order_type text, quantity numeric,"
    " price numeric, fee numeric, fee_asset text, realized_pnl numeric, liquidity text, executed_at timestamptz,"
    " metadata text, raw text) ON COMMIT DELETE ROWS",
    "CREATE TEMP TABLE IF NOT EXISTS orders_in (source text, seq bigint, venue text, account text,"
    " order_id text, client_order_id text, symbol text, side text, order_type text, time_in_force text,"
    " quantity numeric, filled_quantity numeric, price numeric, average_price numeric, stop_price numeric,"
    " reduce_only boolean, status text, created_ms bigint, updated_ms bigint, raw text) ON COMMIT DELETE ROWS",
};

#define S_TRADES_SQL(RAW)                                                                                     \
    "INSERT INTO trades (venue, account, trade_id, order_id, client_order_id, symbol, side, order_type,"      \
    " quantity, price, fee, fee_asset, realized_pnl, liquidity, executed_at, source, seq, metadata, raw)"     \
    " SELECT venue, account, trade_id, order_id, client_order_id, symbol, side, order_type, quantity, price," \
    " fee, fee_asset, realized_pnl, liquidity, executed_at, source, seq, metadata::jsonb, " RAW         \
    " FROM fills_in ORDER BY source, seq ON CONFLICT ON CONSTRAINT trades_fill_key DO NOTHING"

#define S_ORDER_EVENTS_SQL(RAW)                                                                               \
    "INSERT INTO order_events (source, seq, venue, account, order_id, client_order_id, symbol, status,"      \
    " filled_quantity, average_price, price, quantity, updated_at, raw)"                                      \
    " SELECT source, seq, venue, account, order_id, client_order_id, symbol, status, filled_quantity,"        \
    " average_price, price, quantity, xr_ms_ts(updated_ms), " RAW " FROM orders_in"                           \
    " ON CONFLICT ON CONSTRAINT order_events_key DO NOTHING"

/* Newest per order within the batch, then forward-only against the table: a late, older update never
 * overwrites a newer state. */
#define S_ORDERS_SQL(RAW)                                                                                     \
    "INSERT INTO orders AS o (venue, account, order_id, client_order_id, symbol, side, order_type,"          \
    " time_in_force, quantity, filled_quantity, price, average_price, stop_price, reduce_only, status,"       \
    " status_rank, created_at, updated_at, source, seq, raw)"                                                 \
    " SELECT DISTINCT ON (venue, account, order_id) venue, account, order_id, client_order_id, symbol, side," \
    " order_type, time_in_force, quantity, filled_quantity, price, average_price, stop_price, reduce_only,"    \
    " status, xr_status_rank(status), xr_ms_ts(created_ms), xr_ms_ts(updated_ms), source, seq, " RAW          \
    " FROM orders_in WHERE order_id <> ''"                                                                    \
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

static const struct {
    const char *name;  /* prepared statement name */
    const char *sql;   /* its text */
} s_statements[] = {
    {"ins_trades", S_TRADES_SQL("raw::jsonb")},
    {"ins_trades_safe", S_TRADES_SQL("xr_jsonb(raw)")},
    {"ins_order_events", S_ORDER_EVENTS_SQL("raw::jsonb")},
    {"ins_order_events_safe", S_ORDER_EVENTS_SQL("xr_jsonb(raw)")},
    {"upsert_orders", S_ORDERS_SQL("raw::jsonb")},
    {"upsert_orders_safe", S_ORDERS_SQL("xr_jsonb(raw)")},
    {"upsert_source",
     "INSERT INTO event_sources AS s (source, last_seq) VALUES ($1, $2::bigint)"
     " ON CONFLICT (source) DO UPDATE SET last_seq = greatest(s.last_seq, EXCLUDED.last_seq),"
     " updated_at = now()"},
    {"insert_reject",
     "INSERT INTO event_rejects (source, seq, type, error, summary) VALUES ($1, $2::bigint, $3, $4, $5)"
     " ON CONFLICT ON CONSTRAINT event_rejects_key DO NOTHING"},
};

recorder_store_t *recorder_store_new(const db_config_t *cfg, const char *sql_dir, size_t batch_max, err_t *err)
{
    assert(cfg && sql_dir && batch_max > 0);
    db_t *db = db_new(cfg, err);
    if (!db)
        return NULL;
    recorder_store_t *self = mem_calloc(1, sizeof *self);
    self->db = db;
    self->sql_dir = mem_strdup(sql_dir);
    self->batch_max = batch_max;
    self->events = mem_calloc(batch_max, sizeof *self->events);
    self->sources = mem_calloc(batch_max, sizeof *self->sources);
    buf_init(&self->fills_copy, STORE_COPY_MAX);
    buf_init(&self->orders_copy, STORE_COPY_MAX);
    return self;
}

void recorder_store_destroy(recorder_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    recorder_store_t *self = *self_p;
    buf_release(&self->orders_copy);
    buf_release(&self->fills_copy);
    mem_free(self->sources);
    mem_free(self->events);
    mem_free(self->sql_dir);
    db_destroy(&self->db);
    mem_free(self);
    *self_p = NULL;
}

int recorder_store_open(recorder_store_t *self, err_t *err)
{
    assert(self);
    if (db_ensure(self->db, err) != 0)
        return -1;
    if (self->ready)
        return 0;
    int applied = 0;
    if (db_migrate_apply(self->db, self->sql_dir, &applied, err) != 0)
        return -1;
    for (size_t i = 0; i < sizeof s_session_sql / sizeof *s_session_sql; i++)
        if (db_add_session_sql(self->db, s_session_sql[i], err) != 0)
            return -1;
    for (size_t i = 0; i < sizeof s_statements / sizeof *s_statements; i++)
        if (db_prepare(self->db, s_statements[i].name, s_statements[i].sql, err) != 0)
            return -1;
    self->ready = true;
    log_info("store open target=\"%s\" migrations_applied=%d", db_target(self->db), applied);
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
    db_result_t *res = db_query(self->db, false, "SELECT source, last_seq FROM event_sources", 0, NULL, err);
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
    return self->nevents;
}

bool recorder_store_full(const recorder_store_t *self)
{
    assert(self);
    return self->nevents >= self->batch_max;
}

db_t *recorder_store_db(recorder_store_t *self)
{
    assert(self);
    return self->db;
}

recorder_store_stats_t recorder_store_stats(const recorder_store_t *self)
{
    assert(self);
    return self->stats;
}

void recorder_store_clear(recorder_store_t *self)
{
    assert(self);
    self->nevents = self->nfills = self->norders = self->nsources = 0;
    buf_reset(&self->fills_copy);
    buf_reset(&self->orders_copy);
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

/* Epoch ms as exact ISO-8601 UTC text; 0 or less (unknown) as NULL, which PostgreSQL refuses for a fill. */
static int s_time(buf_t *b, int64_t ms)
{
    char text[40];
    size_t n = ms > 0 ? clock_format_iso(ms, text, sizeof text) : 0;
    return n > 0 ? buf_append(b, text, n) : db_copy_field(b, NULL, 0);
}

static int s_json_str(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (buf_putc(b, '"') != 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
        int rc;
        if (*p == '"' || *p == '\\') {
            char two[2] = {'\\', (char) *p};
            rc = buf_append(b, two, 2);
        } else if (*p < 0x20) {
            rc = buf_append(b, esc, 6);
        } else {
            rc = buf_putc(b, (char) *p);
        }
        if (rc != 0)
            return -1;
    }
    return buf_putc(b, '"');
}

/* The metadata map as a JSON object, then as one COPY field. */
static int s_metadata(buf_t *b, const proto_meta_t *m)
{
    buf_t json;
    buf_init(&json, 64 * 1024);
    int rc = buf_putc(&json, '{');
    for (size_t i = 0; rc == 0 && i < m->count; i++) {
        if (i > 0)
            rc = buf_putc(&json, ',');
        if (rc == 0)
            rc = s_json_str(&json, m->items[i].key);
        if (rc == 0)
            rc = buf_putc(&json, ':');
        if (rc == 0)
            rc = s_json_str(&json, m->items[i].value);
    }
    if (rc == 0)
        rc = buf_putc(&json, '}');
    if (rc == 0)
        rc = db_copy_field(b, json.data, json.len);
    buf_release(&json);
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
    return buf_printf(b, "%" PRIu64 "\t", seq);
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

static void s_note_source(recorder_store_t *self, const char *source, uint64_t seq)
{
    for (size_t i = 0; i < self->nsources; i++) {
        if (strcmp(self->sources[i].source, source) == 0) {
            if (seq > self->sources[i].max_seq)
                self->sources[i].max_seq = seq;
            return;
        }
    }
    assert(self->nsources < self->batch_max);
    store_source_t *s = &self->sources[self->nsources++];
    snprintf(s->source, sizeof s->source, "%s", source);
    s->max_seq = seq;
}

/* Records the event whose line was just appended to b (from mark on); rolls the line back on failure. */
static int s_add(recorder_store_t *self, buf_t *b, size_t mark, int rc, bool is_fill, const char *source,
                 uint64_t seq, const char *summary, err_t *err)
{
    if (rc != 0) {
        b->len = mark;
        if (b->data)
            b->data[mark] = '\0';
        return err_set(err, XR_INVALID_REQUEST, "event source=%s seq=%" PRIu64 " too large for the batch", source,
                       seq);
    }
    store_event_t *ev = &self->events[self->nevents++];
    snprintf(ev->source, sizeof ev->source, "%s", source);
    ev->seq = seq;
    ev->is_fill = is_fill;
    ev->off = mark;
    ev->len = b->len - mark;
    snprintf(ev->summary, sizeof ev->summary, "%s", summary);
    if (is_fill)
        self->nfills++;
    else
        self->norders++;
    s_note_source(self, source, seq);
    return 0;
}

int recorder_store_add_fill(recorder_store_t *self, const char *source, uint64_t seq, const proto_fill_t *fill,
                            err_t *err)
{
    assert(self && source && fill);
    if (recorder_store_full(self))
        return err_set(err, XR_INTERNAL, "batch full (%zu events)", self->batch_max);
    size_t mark = self->fills_copy.len;
    int rc = s_fill_line(&self->fills_copy, source, seq, fill);
    char summary[STORE_SUMMARY_SZ];
    snprintf(summary, sizeof summary, "fill %s %s %s", fill->venue, fill->account, fill->trade_id);
    return s_add(self, &self->fills_copy, mark, rc, true, source, seq, summary, err);
}

int recorder_store_add_order(recorder_store_t *self, const char *source, uint64_t seq, const proto_order_t *order,
                             err_t *err)
{
    assert(self && source && order);
    if (recorder_store_full(self))
        return err_set(err, XR_INTERNAL, "batch full (%zu events)", self->batch_max);
    size_t mark = self->orders_copy.len;
    int rc = s_order_line(&self->orders_copy, source, seq, order);
    char summary[STORE_SUMMARY_SZ];
    snprintf(summary, sizeof summary, "order %s %s %s %s", order->venue, order->account, order->order_id,
             proto_status_name(order->status));
    return s_add(self, &self->orders_copy, mark, rc, false, source, seq, summary, err);
}

/* ---- writing */

static int s_copy(recorder_store_t *self, const char *copy_sql, const char *data, size_t len, err_t *err)
{
    if (db_copy_begin(self->db, copy_sql, err) != 0)
        return -1;
    int rc = db_copy_put(self->db, data, len, err);
    int64_t rows = 0;
    if (db_copy_end(self->db, &rows, rc == 0 ? err : NULL) != 0)
        rc = -1;
    return rc;
}

static int s_upsert_source(recorder_store_t *self, const char *source, uint64_t seq, err_t *err)
{
    char seqtext[24];
    snprintf(seqtext, sizeof seqtext, "%" PRIu64, seq);
    const char *params[2] = {source, seqtext};
    return db_command(self->db, true, "upsert_source", 2, params, NULL, err);
}

/* Moves staged rows into the tables; safe selects the statements that tolerate bad venue JSON. */
static int s_apply_staged(recorder_store_t *self, bool has_fills, bool has_orders, bool safe, int64_t *fills_new,
                          int64_t *order_events, err_t *err)
{
    *fills_new = *order_events = 0;
    if (has_fills && db_command(self->db, true, safe ? "ins_trades_safe" : "ins_trades", 0, NULL, fills_new, err))
        return -1;
    if (has_orders) {
        if (db_command(self->db, true, safe ? "ins_order_events_safe" : "ins_order_events", 0, NULL, order_events,
                       err) != 0)
            return -1;
        if (db_command(self->db, true, safe ? "upsert_orders_safe" : "upsert_orders", 0, NULL, NULL, err) != 0)
            return -1;
    }
    return 0;
}

static void s_committed(recorder_store_t *self, size_t events, size_t fills, int64_t fills_new, int64_t oevents)
{
    self->stats.commits++;
    self->stats.events += events;
    self->stats.fills_new += (uint64_t) fills_new;
    self->stats.fills_dup += fills - (size_t) fills_new;
    self->stats.orders_events += (uint64_t) oevents;
    self->stats.last_commit_ms = clock_wall_ms();
}

/* The SQL that ends a batch's transaction (run with COMMIT in one round trip): order history and upsert from
 * the staging table, then the new last seq of every source of the batch. */
static int s_finish_sql(recorder_store_t *self, buf_t *sql)
{
    buf_reset(sql);
    int rc = 0;
    if (self->norders)
        rc = buf_puts(sql, S_ORDER_EVENTS_SQL("raw::jsonb") ";" S_ORDERS_SQL("raw::jsonb") ";");
    rc = rc ? rc : buf_puts(sql, "INSERT INTO event_sources AS s (source, last_seq) VALUES ");
    for (size_t i = 0; rc == 0 && i < self->nsources; i++) {
        rc = buf_puts(sql, i ? ",(" : "(");
        rc = rc ? rc : db_append_literal(sql, self->sources[i].source);
        rc = rc ? rc : buf_printf(sql, ",%" PRIu64 ")", self->sources[i].max_seq);
    }
    return rc ? rc : buf_puts(sql, " ON CONFLICT (source) DO UPDATE SET"
                                   " last_seq = greatest(s.last_seq, EXCLUDED.last_seq), updated_at = now()");
}

/* Sends one staged table's lines: as the transaction's first statement (BEGIN + COPY in one round trip) or not. */
static int s_copy_lines(recorder_store_t *self, bool first, const char *copy_sql, const buf_t *lines, err_t *err)
{
    int rc = first ? db_begin_copy(self->db, copy_sql, err) : db_copy_begin(self->db, copy_sql, err);
    if (rc != 0)
        return -1;
    rc = db_copy_put(self->db, lines->data, lines->len, err);
    if (db_copy_end(self->db, NULL, rc == 0 ? err : NULL) != 0)
        rc = -1;
    return rc;
}

/* The whole batch in one transaction, in as few round trips as possible (fills only: three). direct: fills are
 * COPYed straight into trades (PostgreSQL's fastest path; any duplicate fails the whole COPY); otherwise
 * through fills_in and INSERT ... ON CONFLICT DO NOTHING. */
static int s_commit_batch(recorder_store_t *self, bool direct, err_t *err)
{
    int64_t fills_new = direct ? (int64_t) self->nfills : 0;
    buf_t sql;
    buf_init(&sql, 1024 * 1024);
    bool first = true;
    if (self->nfills) {
        if (s_copy_lines(self, true, direct ? s_copy_trades : s_copy_fills_in, &self->fills_copy, err) != 0)
            goto rollback;
        first = false;
    }
    if (self->norders && s_copy_lines(self, first, s_copy_orders_in, &self->orders_copy, err) != 0)
        goto rollback;
    if (self->nfills && !direct && db_command(self->db, true, "ins_trades", 0, NULL, &fills_new, err) != 0)
        goto rollback;
    if (s_finish_sql(self, &sql) != 0) {
        err_set(err, XR_INTERNAL, "batch: commit statement too long");
        goto rollback;
    }
    if (db_commit_with(self->db, sql.data, err) != 0)
        goto done;
    s_committed(self, self->nevents, self->nfills, fills_new, (int64_t) self->norders);
    buf_release(&sql);
    return 0;
rollback:
    db_rollback(self->db, NULL);
done:
    buf_release(&sql);
    return -1;
}

/* Records an event PostgreSQL refuses, so that its source can move on. */
static int s_reject(recorder_store_t *self, const store_event_t *ev, const char *why, err_t *err)
{
    char seqtext[24];
    snprintf(seqtext, sizeof seqtext, "%" PRIu64, ev->seq);
    const char *params[5] = {ev->source, seqtext, ev->is_fill ? "event.fill" : "event.order", why, ev->summary};
    if (db_begin(self->db, err) != 0)
        return -1;
    if (db_command(self->db, true, "insert_reject", 5, params, NULL, err) != 0 ||
        s_upsert_source(self, ev->source, ev->seq, err) != 0) {
        db_rollback(self->db, NULL);
        return -1;
    }
    if (db_commit(self->db, err) != 0)
        return -1;
    log_error("store reject source=%s seq=%" PRIu64 " %s: %s; recorded in event_rejects", ev->source, ev->seq,
              ev->summary, why);
    self->stats.rejects++;
    s_committed(self, 1, 0, 0, 0);
    return 0;
}

/* One event in its own transaction; a data error sends it to event_rejects. */
static int s_commit_one(recorder_store_t *self, const store_event_t *ev, err_t *err)
{
    const buf_t *b = ev->is_fill ? &self->fills_copy : &self->orders_copy;
    int64_t fills_new = 0, oevents = 0;
    err_t why;
    err_clear(&why);
    if (db_begin(self->db, &why) != 0)
        goto failed;
    if (s_copy(self, ev->is_fill ? s_copy_fills_in : s_copy_orders_in, b->data + ev->off, ev->len, &why) != 0 ||
        s_apply_staged(self, ev->is_fill, !ev->is_fill, true, &fills_new, &oevents, &why) != 0 ||
        s_upsert_source(self, ev->source, ev->seq, &why) != 0) {
        db_rollback(self->db, NULL);
        goto failed;
    }
    if (db_commit(self->db, &why) != 0)
        goto failed;
    s_committed(self, 1, ev->is_fill ? 1 : 0, fills_new, oevents);
    return 0;
failed:
    if (db_last_error(self->db) == DB_ERR_CONNECTION) {
        if (err)
            *err = why;
        return -1;
    }
    return s_reject(self, ev, why.msg, err);
}

int recorder_store_commit(recorder_store_t *self, err_t *err)
{
    assert(self);
    if (self->nevents == 0)
        return 0;
    if (recorder_store_open(self, err) != 0) {
        self->stats.failed_commits++;
        return -1;
    }
    err_t why;
    err_clear(&why);
    if (s_commit_batch(self, self->nfills > 0, &why) == 0) {
        recorder_store_clear(self);
        return 0;
    }
    if (db_last_error(self->db) != DB_ERR_CONNECTION && self->nfills > 0) {
        /* Usually a fill stored before (a replay after an unknown commit outcome): skip it via staging. */
        log_debug("store direct copy of %zu fills refused (%s); staging them", self->nfills, why.msg);
        self->stats.staged_batches++;
        if (s_commit_batch(self, false, &why) == 0) {
            recorder_store_clear(self);
            return 0;
        }
    }
    if (db_last_error(self->db) == DB_ERR_CONNECTION) {
        self->stats.failed_commits++;
        if (err)
            *err = why;
        return -1;
    }
    log_warn("store batch of %zu events refused (%s); writing them one by one", self->nevents, why.msg);
    self->stats.slow_batches++;
    for (size_t i = 0; i < self->nevents; i++) {
        if (s_commit_one(self, &self->events[i], err) != 0) {
            self->stats.failed_commits++;
            return -1; /* the batch is kept whole: what was committed already is written again harmlessly */
        }
    }
    recorder_store_clear(self);
    return 0;
}

int recorder_store_backstop_fills(recorder_store_t *self, const proto_fill_t *fills, size_t n, size_t *missing,
                                  err_t *err)
{
    assert(self && (fills || n == 0));
    if (missing)
        *missing = 0;
    if (n == 0)
        return 0;
    if (recorder_store_open(self, err) != 0)
        return -1;
    buf_t lines;
    buf_init(&lines, STORE_COPY_MAX);
    int rc = -1;
    int64_t inserted = 0, unused = 0;
    for (size_t i = 0; i < n; i++) {
        if (s_fill_line(&lines, "backstop", 0, &fills[i]) != 0) {
            err_set(err, XR_INVALID_REQUEST, "backstop: %zu fills do not fit one transaction", n);
            goto done;
        }
    }
    if (db_begin(self->db, err) != 0)
        goto done;
    if (s_copy(self, s_copy_fills_in, lines.data, lines.len, err) != 0 ||
        s_apply_staged(self, true, false, true, &inserted, &unused, err) != 0) {
        db_rollback(self->db, NULL);
        goto done;
    }
    if (db_commit(self->db, err) != 0)
        goto done;
    if (inserted > 0)
        log_warn("backstop stored %lld fills that no event had delivered", (long long) inserted);
    self->stats.fills_new += (uint64_t) inserted;
    if (missing)
        *missing = (size_t) inserted;
    rc = 0;
done:
    buf_release(&lines);
    return rc;
}
