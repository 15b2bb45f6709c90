/* cli_output: one field list per item kind, rendered as a table or as JSON lines. */
#include "cli_output.h"

#include "base/clock.h"
#include "base/decimal.h"
#include "base/mem.h"
#include "json/json.h"

#include <stdio.h>
#include <string.h>

#define TABLE_COLS 16
#define CELL_MAX 80

/* A table being built: the first row fixes the columns; cells are kept until printing. */
typedef struct {
    const char *head[TABLE_COLS];  /* column titles */
    size_t cols;                   /* columns */
    char (*cells)[CELL_MAX];       /* rows * cols cells */
    size_t rows;                   /* complete rows */
    size_t cap;                    /* rows allocated */
    size_t col;                    /* next column of the row being filled */
} table_t;

/* Where the fields of an item go. */
typedef struct {
    bool json;     /* JSON object per item, else a table row */
    buf_t *out;    /* JSON text */
    jw_t jw;       /* JSON writer over out */
    table_t tbl;   /* table */
} emit_t;

static void s_cell(emit_t *e, const char *head, const char *text)
{
    table_t *t = &e->tbl;
    if (t->rows == 0 && t->col == t->cols && t->cols < TABLE_COLS)
        t->head[t->cols++] = head;
    if (t->col >= t->cols)
        return;
    if (t->rows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = mem_realloc(t->cells, t->cap * TABLE_COLS * sizeof *t->cells);
    }
    snprintf(t->cells[t->rows * TABLE_COLS + t->col], CELL_MAX, "%s", text && *text ? text : "-");
    t->col++;
}

static void s_begin(emit_t *e)
{
    if (e->json)
        jw_object_begin(&e->jw);
    else
        e->tbl.col = 0;
}

static void s_end(emit_t *e)
{
    if (e->json) {
        jw_object_end(&e->jw);
        buf_putc(e->out, '\n');
        jw_init(&e->jw, e->out);
    } else {
        e->tbl.rows++;
    }
}

static void f_str(emit_t *e, const char *head, const char *key, const char *v)
{
    if (e->json) {
        if (v && *v) {
            jw_key(&e->jw, key);
            jw_string(&e->jw, v);
        }
    } else if (head) {
        s_cell(e, head, v);
    }
}

/* A decimal; zero_is_absent leaves it out (JSON) or shows "-" (table) when zero. */
static void f_dec(emit_t *e, const char *head, const char *key, decimal_t v, bool zero_is_absent)
{
    char text[DECIMAL_STR_MAX];
    bool absent = zero_is_absent && decimal_is_zero(v);
    decimal_format(v, text, sizeof text);
    if (e->json) {
        if (!absent) {
            jw_key(&e->jw, key);
            jw_string(&e->jw, text);
        }
    } else if (head) {
        s_cell(e, head, absent ? "-" : text);
    }
}

static void f_int(emit_t *e, const char *head, const char *key, int64_t v)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long) v);
    if (e->json) {
        jw_key(&e->jw, key);
        jw_int64(&e->jw, v);
    } else if (head) {
        s_cell(e, head, text);
    }
}

static void f_bool(emit_t *e, const char *head, const char *key, bool v)
{
    if (e->json) {
        jw_key(&e->jw, key);
        jw_bool(&e->jw, v);
    } else if (head) {
        s_cell(e, head, v ? "yes" : "no");
    }
}

/* Epoch ms: an integer in JSON, ISO time in tables; 0 = unknown. */
static void f_time(emit_t *e, const char *head, const char *key, int64_t ms)
{
    if (e->json) {
        if (ms) {
            jw_key(&e->jw, key);
            jw_int64(&e->jw, ms);
        }
        return;
    }
    char text[32] = "-";
    if (ms && head)
        clock_format_iso(ms, text, sizeof text);
    if (head)
        s_cell(e, head, text);
}

/* ---- item descriptions --------------------------------------------------------------------------------- */

static void s_order(emit_t *e, const proto_order_t *o)
{
    s_begin(e);
    f_str(e, "VENUE", "venue", o->venue);
    f_str(e, NULL, "account", o->account);
    f_str(e, "ORDER_ID", "order_id", o->order_id);
    f_str(e, "CLIENT_ID", "client_order_id", o->client_order_id);
    f_str(e, "SYMBOL", "symbol", o->symbol);
    f_str(e, "SIDE", "side", proto_side_name(o->side));
    f_str(e, "TYPE", "type", proto_order_type_name(o->type));
    f_str(e, NULL, "time_in_force", proto_tif_name(o->time_in_force));
    f_dec(e, "QTY", "quantity", o->quantity, false);
    f_dec(e, "FILLED", "filled_quantity", o->filled_quantity, false);
    f_dec(e, "PRICE", "price", o->price, true);
    f_dec(e, "AVG_PRICE", "average_price", o->average_price, true);
    f_dec(e, "STOP", "stop_price", o->stop_price, true);
    f_bool(e, NULL, "reduce_only", o->reduce_only);
    f_str(e, "STATUS", "status", proto_status_name(o->status));
    f_time(e, NULL, "created_at", o->created_at);
    f_time(e, "UPDATED", "updated_at", o->updated_at);
    s_end(e);
}

static void s_fill(emit_t *e, const proto_fill_t *f)
{
    s_begin(e);
    f_time(e, "TIME", "executed_at", f->executed_at);
    f_str(e, "VENUE", "venue", f->venue);
    f_str(e, NULL, "account", f->account);
    f_str(e, "TRADE_ID", "trade_id", f->trade_id);
    f_str(e, "ORDER_ID", "order_id", f->order_id);
    f_str(e, "CLIENT_ID", "client_order_id", f->client_order_id);
    f_str(e, "SYMBOL", "symbol", f->symbol);
    f_str(e, "SIDE", "side", proto_side_name(f->side));
    f_str(e, NULL, "order_type", proto_order_type_name(f->order_type));
    f_dec(e, "QTY", "quantity", f->quantity, false);
    f_dec(e, "PRICE", "price", f->price, false);
    f_dec(e, "FEE", "fee", f->fee, false);
    f_str(e, "FEE_ASSET", "fee_asset", f->fee_asset);
    f_dec(e, "PNL", "realized_pnl", f->realized_pnl, false);
    f_str(e, "LIQ", "liquidity", proto_liquidity_name(f->liquidity));
    s_end(e);
}

static void s_position(emit_t *e, const proto_position_t *p)
{
    s_begin(e);
    f_str(e, "VENUE", "venue", p->venue);
    f_str(e, NULL, "account", p->account);
    f_str(e, "SYMBOL", "symbol", p->symbol);
    f_str(e, "SIDE", "side", proto_direction_name(p->side));
    f_dec(e, "QTY", "quantity", p->quantity, false);
    f_dec(e, NULL, "size", p->size, false);
    f_dec(e, "ENTRY", "entry_price", p->entry_price, true);
    f_dec(e, "MARK", "mark_price", p->mark_price, true);
    f_dec(e, "LIQ_PRICE", "liquidation_price", p->liquidation_price, true);
    f_dec(e, "UPNL", "unrealized_pnl", p->unrealized_pnl, false);
    f_dec(e, NULL, "realized_pnl", p->realized_pnl, false);
    f_int(e, "LEV", "leverage", p->leverage);
    f_dec(e, NULL, "margin", p->margin, true);
    f_str(e, NULL, "position_side", proto_position_side_name(p->position_side));
    s_end(e);
}

static void s_balance(emit_t *e, const proto_balance_t *b)
{
    s_begin(e);
    f_str(e, "VENUE", "venue", b->venue);
    f_str(e, NULL, "account", b->account);
    f_str(e, "ASSET", "asset", b->asset);
    f_dec(e, "TOTAL", "total", b->total, false);
    f_dec(e, "AVAILABLE", "available", b->available, false);
    f_dec(e, "LOCKED", "locked", b->locked, false);
    s_end(e);
}

static void s_ticker(emit_t *e, const proto_ticker_t *t)
{
    s_begin(e);
    f_str(e, "VENUE", "venue", t->venue);
    f_str(e, "SYMBOL", "symbol", t->symbol);
    f_dec(e, "LAST", "last", t->last, false);
    f_dec(e, "MARK", "mark", t->mark, true);
    f_dec(e, "BID", "bid", t->bid, true);
    f_dec(e, "ASK", "ask", t->ask, true);
    f_time(e, "TIME", "time", t->time);
    s_end(e);
}

static void s_kline(emit_t *e, const proto_kline_t *k)
{
    s_begin(e);
    f_time(e, "OPEN_TIME", "open_time", k->open_time);
    f_dec(e, "OPEN", "open", k->open, false);
    f_dec(e, "HIGH", "high", k->high, false);
    f_dec(e, "LOW", "low", k->low, false);
    f_dec(e, "CLOSE", "close", k->close, false);
    f_dec(e, "VOLUME", "volume", k->volume, false);
    f_time(e, NULL, "close_time", k->close_time);
    s_end(e);
}

static void s_cancel(emit_t *e, const proto_cancel_t *c)
{
    s_begin(e);
    f_bool(e, "OK", "ok", c->ok);
    f_str(e, "ORDER_ID", "order_id", c->order_id);
    f_str(e, "CLIENT_ID", "client_order_id", c->client_order_id);
    f_str(e, "SYMBOL", "symbol", c->symbol);
    f_str(e, "STATUS", "status", proto_status_name(c->status));
    s_end(e);
}

static void s_health(emit_t *e, const proto_health_t *h)
{
    s_begin(e);
    f_str(e, "VENUE", "venue", h->venue);
    f_str(e, "INSTANCE", "instance", h->instance);
    f_bool(e, "REACHABLE", "reachable", h->reachable);
    f_int(e, "CLOCK_OFFSET_MS", "clock_offset_ms", h->clock_offset_ms);
    f_int(e, "RATE_USED", "rate_limit_used", h->rate_limit_used);
    f_int(e, "RATE_LIMIT", "rate_limit_limit", h->rate_limit_limit);
    f_int(e, "REPLICAS", "replicas", h->replicas);
    f_str(e, "CIRCUIT", "circuit", proto_circuit_name(h->circuit));
    f_int(e, "INFLIGHT", "inflight", h->inflight);
    f_int(e, "BACKLOG", "journal_backlog", (int64_t) h->journal_backlog);
    s_end(e);
}

static void s_worker(emit_t *e, const proto_worker_info_t *w)
{
    s_begin(e);
    f_str(e, "VENUE", "venue", w->venue);
    f_str(e, "INSTANCE", "instance", w->instance);
    f_str(e, "ACCOUNT", "account", w->account);
    f_bool(e, "ALIVE", "alive", w->alive);
    f_int(e, "INFLIGHT", "inflight", w->inflight);
    f_int(e, "CAPACITY", "capacity", w->capacity);
    f_int(e, "BACKLOG", "journal_backlog", (int64_t) w->journal_backlog);
    f_int(e, "PID", "pid", w->pid);
    f_time(e, "LAST_SEEN", "last_seen", w->last_seen);
    s_end(e);
}

static void s_leverage(emit_t *e, const proto_result_t *r)
{
    s_begin(e);
    f_str(e, "SYMBOL", "symbol", r->leverage.symbol);
    f_int(e, "LEVERAGE", "leverage", r->leverage.leverage);
    s_end(e);
}

static void s_route(emit_t *e, const proto_route_t *r)
{
    s_begin(e);
    f_str(e, "SYMBOL", "symbol", r->symbol);
    f_str(e, "VENUE", "venue", r->venue);
    f_str(e, "RULE", "rule", r->rule);
    f_str(e, "REASON", "reason", r->reason);
    s_end(e);
}

/* ---- rendering ----------------------------------------------------------------------------------------- */

static void s_table_print(buf_t *out, const table_t *t)
{
    size_t width[TABLE_COLS];
    for (size_t c = 0; c < t->cols; c++) {
        width[c] = strlen(t->head[c]);
        for (size_t r = 0; r < t->rows; r++) {
            size_t n = strlen(t->cells[r * TABLE_COLS + c]);
            if (n > width[c])
                width[c] = n;
        }
    }
    for (size_t r = 0; r <= t->rows; r++) {
        for (size_t c = 0; c < t->cols; c++) {
            const char *text = r == 0 ? t->head[c] : t->cells[(r - 1) * TABLE_COLS + c];
            bool last = c + 1 == t->cols;
            buf_printf(out, "%-*s%s", last ? 0 : (int) width[c], text, last ? "" : "  ");
        }
        buf_putc(out, '\n');
    }
}

static void s_parts(buf_t *out, const proto_result_t *res, bool json)
{
    for (size_t i = 0; i < res->n_parts; i++) {
        const proto_part_t *p = &res->parts[i];
        if (p->ok)
            continue;
        if (!json) {
            buf_printf(out, "venue %s: %s %s\n", p->venue, xr_code_name(p->error.code), p->error.message);
            continue;
        }
        jw_t w;
        jw_init(&w, out);
        jw_object_begin(&w);
        jw_key(&w, "venue");
        jw_string(&w, p->venue);
        jw_key(&w, "error");
        jw_object_begin(&w);
        jw_key(&w, "code");
        jw_string(&w, xr_code_name(p->error.code));
        jw_key(&w, "message");
        jw_string(&w, p->error.message);
        jw_object_end(&w);
        jw_object_end(&w);
        buf_putc(out, '\n');
    }
}

int cli_format_result(buf_t *out, const proto_result_t *res, bool json)
{
    emit_t e = {.json = json, .out = out};
    jw_init(&e.jw, out);
    switch (res->op) {
    case PROTO_T_PLACE_ORDER:
    case PROTO_T_GET_ORDER:
    case PROTO_T_CLOSE_POSITION:
        s_order(&e, &res->order);
        break;
    case PROTO_T_GET_OPEN_ORDERS:
        for (size_t i = 0; i < res->n_orders; i++)
            s_order(&e, &res->orders[i]);
        break;
    case PROTO_T_CANCEL_ORDER:
        s_cancel(&e, &res->cancel);
        break;
    case PROTO_T_CANCEL_ALL:
        for (size_t i = 0; i < res->n_cancels; i++)
            s_cancel(&e, &res->cancels[i]);
        if (!json)
            buf_printf(out, "cancelled %u orders\n", res->cancel_count);
        break;
    case PROTO_T_GET_POSITIONS:
        for (size_t i = 0; i < res->n_positions; i++)
            s_position(&e, &res->positions[i]);
        break;
    case PROTO_T_GET_BALANCES:
        for (size_t i = 0; i < res->n_balances; i++)
            s_balance(&e, &res->balances[i]);
        break;
    case PROTO_T_GET_TICKER:
        s_ticker(&e, &res->ticker);
        break;
    case PROTO_T_GET_KLINES:
        for (size_t i = 0; i < res->n_klines; i++)
            s_kline(&e, &res->klines[i]);
        break;
    case PROTO_T_GET_FILLS:
        for (size_t i = 0; i < res->n_fills; i++)
            s_fill(&e, &res->fills[i]);
        break;
    case PROTO_T_SET_LEVERAGE:
        s_leverage(&e, res);
        break;
    case PROTO_T_HEALTH:
        for (size_t i = 0; i < res->n_health; i++)
            s_health(&e, &res->health[i]);
        break;
    case PROTO_T_ROUTE:
        s_route(&e, &res->route);
        break;
    case PROTO_T_RELOAD:
        if (json)
            buf_printf(out, "{\"reloaded\":%u}\n", res->reloaded);
        else
            buf_printf(out, "routing table reloaded: %u rules\n", res->reloaded);
        break;
    case PROTO_T_VENUES:
        for (size_t i = 0; i < res->n_workers; i++)
            s_worker(&e, &res->workers[i]);
        break;
    default:
        buf_printf(out, "unexpected reply for %s\n", proto_type_name(res->op));
        break;
    }
    if (!json && e.tbl.cols)
        s_table_print(out, &e.tbl);
    mem_free(e.tbl.cells);
    s_parts(out, res, json);
    return json && jw_failed(&e.jw) ? -1 : 0;
}

int cli_format_error(buf_t *out, const proto_error_t *e, bool json)
{
    if (!json) {
        buf_printf(out, "%s: %s", xr_code_name(e->code), e->message);
        if (e->venue_code[0] || e->venue_message[0])
            buf_printf(out, " (%s %s: %s)", e->venue[0] ? e->venue : "venue", e->venue_code, e->venue_message);
        if (e->client_order_id[0])
            buf_printf(out, " [client order id %s]", e->client_order_id);
        if (e->retry_after_ms)
            buf_printf(out, " [retry after %lld ms]", (long long) e->retry_after_ms);
        return buf_putc(out, '\n');
    }
    jw_t w;
    jw_init(&w, out);
    jw_object_begin(&w);
    jw_key(&w, "error");
    jw_object_begin(&w);
    jw_key(&w, "code");
    jw_string(&w, xr_code_name(e->code));
    jw_key(&w, "message");
    jw_string(&w, e->message);
    if (e->venue[0]) {
        jw_key(&w, "venue");
        jw_string(&w, e->venue);
    }
    if (e->venue_code[0]) {
        jw_key(&w, "venue_code");
        jw_string(&w, e->venue_code);
        jw_key(&w, "venue_message");
        jw_string(&w, e->venue_message);
    }
    if (e->client_order_id[0]) {
        jw_key(&w, "client_order_id");
        jw_string(&w, e->client_order_id);
    }
    if (e->retry_after_ms) {
        jw_key(&w, "retry_after_ms");
        jw_int64(&w, e->retry_after_ms);
    }
    jw_object_end(&w);
    jw_object_end(&w);
    buf_putc(out, '\n');
    return jw_failed(&w) ? -1 : 0;
}

int cli_format_event(buf_t *out, const proto_event_t *ev, bool json)
{
    bool fill = ev->type == PROTO_T_EVENT_FILL;
    if (json) {
        /* the item object, with the event kind, source and seq first */
        buf_printf(out, "{\"event\":\"%s\",\"source\":\"%s\",\"seq\":%llu,", fill ? "fill" : "order", ev->source,
                   (unsigned long long) ev->seq);
        size_t mark = out->len;
        emit_t e = {.json = true, .out = out};
        jw_init(&e.jw, out);
        if (fill)
            s_fill(&e, &ev->fill);
        else
            s_order(&e, &ev->order);
        /* splice: drop the item's own opening brace */
        memmove(out->data + mark, out->data + mark + 1, out->len - mark - 1);
        out->len--;
        out->data[out->len] = '\0';
        return 0;
    }
    char tq[DECIMAL_STR_MAX], tp[DECIMAL_STR_MAX], tf[DECIMAL_STR_MAX];
    if (fill) {
        const proto_fill_t *f = &ev->fill;
        decimal_format(f->quantity, tq, sizeof tq);
        decimal_format(f->price, tp, sizeof tp);
        decimal_format(f->fee, tf, sizeof tf);
        return buf_printf(out, "FILL  %s %s %s %s %s @ %s fee %s %s trade %s order %s client %s\n", f->venue,
                          f->account, f->symbol, proto_side_name(f->side), tq, tp, tf, f->fee_asset, f->trade_id,
                          f->order_id, f->client_order_id[0] ? f->client_order_id : "-");
    }
    const proto_order_t *o = &ev->order;
    decimal_format(o->quantity, tq, sizeof tq);
    decimal_format(o->filled_quantity, tf, sizeof tf);
    decimal_format(o->price, tp, sizeof tp);
    return buf_printf(out, "ORDER %s %s %s %s %s %s qty %s filled %s price %s order %s client %s\n", o->venue,
                      o->account, o->symbol, proto_side_name(o->side), proto_order_type_name(o->type),
                      proto_status_name(o->status), tq, tf, decimal_is_zero(o->price) ? "-" : tp, o->order_id,
                      o->client_order_id[0] ? o->client_order_id : "-");
}
