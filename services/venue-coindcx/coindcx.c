/* coindcx: the CoinDCX futures adapter (see coindcx.h). Each hook is a small step machine over the
 * venue_call_t of lib/venue/adapter.h: step 0 builds the first request, later steps parse the reply and either
 * finish or build the next request. No I/O happens here. Reply objects are read by cdx_reply.c; the orders
 * this worker sent (client id -> parameters, venue id) are kept by cdx_sent.c.
 *
 * Private bodies are written with a fixed-width placeholder timestamp first ({"timestamp":0000000000000,...});
 * sign overwrites the 13 digits in place and signs the exact bytes, so a resend after a clock resync (the
 * runtime restores the unsigned length, then signs again) gets a fresh timestamp with nothing shifted. */
#include "coindcx.h"
#include "cdx_reply.h"
#include "cdx_sent.h"

#include "base/clock.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "json/json.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CD_F "/exchange/v1/derivatives/futures"
#define CD_PRICES "/market_data/v3/current_prices/futures/rt"
#define CD_CANDLES "/market_data/candlesticks"
#define CD_BOOK "/market_data/v3/orderbook"
#define CD_MAX_REPLY (4u << 20) /* current prices of every pair is the largest reply */
#define CD_MAX_DEPTH 12
#define CD_TS_PREFIX "{\"timestamp\":"
#define CD_TS_DIGITS 13 /* epoch ms has 13 digits until the year 2286 */
#define CD_PAGE 100     /* list page size */
#define CD_PAGES_MAX 5  /* pages read per side when looking for one order */
#define CD_ALL_STATUSES "open,partially_filled,untriggered,filled,partially_cancelled,cancelled,rejected"
#define CD_OPEN_STATUSES "open,partially_filled,untriggered"

typedef struct {
    bool configured;                      /* margin currency read */
    char margin[8];                       /* "USDT" or "INR" */
    cdx_sent_t sent;                      /* the orders this worker sent */
    char pairs[INSTRUMENTS_MAX][VENUE_SYMBOL_MAX]; /* active_instruments of the load in progress */
    size_t n_pairs;                       /* in use */
    int64_t load_gen;                     /* generation of the load owning pairs[] */
} cd_state_t;

/* ---- state ---------------------------------------------------------------------------------------------- */

int coindcx_configure(void *state, const char *margin_currency, err_t *err)
{
    cd_state_t *st = state;
    assert(st);
    const char *m = margin_currency ? margin_currency : getenv("COINDCX_MARGIN_CURRENCY");
    if (!m || !m[0])
        m = "USDT";
    if (strcmp(m, "USDT") != 0 && strcmp(m, "INR") != 0)
        return err_set(err, XR_INVALID_REQUEST, "COINDCX_MARGIN_CURRENCY must be USDT or INR");
    snprintf(st->margin, sizeof st->margin, "%s", m);
    st->configured = true;
    return 0;
}

static int s_configure(void *state, const config_t *cfg, err_t *err)
{
    return coindcx_configure(state, config_get_str(cfg, "COINDCX_MARGIN_CURRENCY", "USDT"), err);
}

static cd_state_t *s_st(void *state, venue_call_t *call)
{
    cd_state_t *st = state;
    err_t e;
    if (!st->configured && coindcx_configure(st, NULL, &e) < 0) {
        venue_fail(call, e.code, "%s", e.msg);
        return NULL;
    }
    return st;
}

/* ---- symbols and words ------------------------------------------------------------------------------------ */

static int s_vsym(venue_call_t *call, const char *sym, char out[VENUE_SYMBOL_MAX])
{
    const instrument_t *in = instruments_find(call->ctx->instruments, sym);
    if (!in)
        return venue_fail(call, XR_UNKNOWN_SYMBOL, "unknown symbol %s", sym);
    memcpy(out, in->venue_symbol, VENUE_SYMBOL_MAX);
    return 0;
}


/* ---- reply parsing helpers ------------------------------------------------------------------------------- */

static json_t *s_parse(venue_call_t *call)
{
    err_t e;
    json_t *root = json_parse(call->resp->body, call->resp->body_len, CD_MAX_REPLY, CD_MAX_DEPTH, &e);
    if (!root)
        venue_fail(call, XR_INTERNAL, "bad reply to %s: %s", call->req.path, e.msg);
    return root;
}

/* ---- request builders ------------------------------------------------------------------------------------ */

/* A private request: body {"timestamp":<placeholder> ... left open for members; s_end closes it. */
static void s_private(venue_call_t *call, jw_t *w, venue_method_t m, const char *path)
{
    venue_req_reset(&call->req, m, path);
    call->req.sign = true;
    snprintf(call->req.content_type, sizeof call->req.content_type, "application/json");
    jw_init(w, &call->req.body);
    jw_object_begin(w);
    jw_key(w, "timestamp");
    jw_raw(w, "0000000000000");
}

static int s_end(venue_call_t *call, jw_t *w, int step)
{
    jw_object_end(w);
    if (jw_failed(w))
        call->req.overflow = true;
    call->step = step;
    return VENUE_SEND;
}

/* Public market data. */
static void s_public(venue_call_t *call, const char *path)
{
    venue_req_reset(&call->req, VENUE_GET, path);
}

/* Market data (prices, order book, candlesticks) lives on its own host (venues.md 3.2). */
static void s_market(venue_call_t *call, const char *path)
{
    s_public(call, path);
    call->req.public_host = true;
}

static void s_kv_str(jw_t *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_string(w, v);
}

static void s_kv_num(jw_t *w, const char *k, decimal_t v)
{
    jw_key(w, k);
    jw_decimal_number(w, v);
}

/* margin_currency_short_name as the list endpoints take it: ["USDT"]. */
static void s_kv_margin_list(jw_t *w, const cd_state_t *st)
{
    jw_key(w, "margin_currency_short_name");
    jw_array_begin(w);
    jw_string(w, st->margin);
    jw_array_end(w);
}

/* POST positions for one pair ("" = all), page p. */
static int s_send_positions(venue_call_t *call, const cd_state_t *st, const char *vsym, int64_t page, int step)
{
    jw_t w;
    char num[24];
    s_private(call, &w, VENUE_POST, CD_F "/positions");
    snprintf(num, sizeof num, "%lld", (long long) page);
    s_kv_str(&w, "page", num);
    snprintf(num, sizeof num, "%d", CD_PAGE);
    s_kv_str(&w, "size", num);
    if (vsym[0])
        s_kv_str(&w, "pairs", vsym);
    s_kv_margin_list(&w, st);
    return s_end(call, &w, step);
}

/* POST orders: one page of one side's orders in the given statuses. */
static int s_send_list(venue_call_t *call, const cd_state_t *st, const char *statuses, venue_side_t side,
                       int64_t page, int step)
{
    jw_t w;
    char num[24];
    s_private(call, &w, VENUE_POST, CD_F "/orders");
    s_kv_str(&w, "status", statuses);
    s_kv_str(&w, "side", side == VENUE_SIDE_BUY ? "buy" : "sell");
    snprintf(num, sizeof num, "%lld", (long long) page);
    s_kv_str(&w, "page", num);
    snprintf(num, sizeof num, "%d", CD_PAGE);
    s_kv_str(&w, "size", num);
    s_kv_margin_list(&w, st);
    return s_end(call, &w, step);
}

/* POST orders/create: the order object inside "order". Records the send (cdx_sent). */
static int s_send_create(venue_call_t *call, cd_state_t *st, const venue_order_req_t *o, const char *vsym,
                         int leverage, int step)
{
    jw_t w;
    s_private(call, &w, VENUE_POST, CD_F "/orders/create");
    venue_req_t *r = &call->req;
    r->kind = VENUE_CREATES_ORDER;
    r->orders = 1;
    memcpy(r->client_order_id, o->client_order_id, VENUE_CLID_MAX);
    memcpy(r->symbol, o->symbol, VENUE_SYMBOL_MAX);
    jw_key(&w, "order");
    jw_object_begin(&w);
    s_kv_str(&w, "side", o->side == VENUE_SIDE_BUY ? "buy" : "sell");
    s_kv_str(&w, "pair", vsym);
    s_kv_str(&w, "order_type", cdx_type_word(o->type));
    if (venue_type_has_price(o->type))
        s_kv_num(&w, "price", o->price);
    if (venue_type_has_trigger(o->type))
        s_kv_num(&w, "stop_price", o->stop_price);
    s_kv_num(&w, "total_quantity", o->quantity);
    if (leverage > 0) {
        jw_key(&w, "leverage");
        jw_int64(&w, leverage);
    }
    s_kv_str(&w, "notification", "no_notification");
    if (!cdx_market_type(o->type))
        s_kv_str(&w, "time_in_force", cdx_tif_word(o->time_in_force));
    s_kv_str(&w, "margin_currency_short_name", st->margin);
    if (!decimal_is_zero(o->take_profit))
        s_kv_num(&w, "take_profit_price", o->take_profit);
    if (!decimal_is_zero(o->stop_loss))
        s_kv_num(&w, "stop_loss_price", o->stop_loss);
    jw_object_end(&w);
    coindcx_intent_t sent = {.side = o->side, .type = o->type, .quantity = o->quantity,
                             .price = venue_type_has_price(o->type) ? o->price : DECIMAL_ZERO,
                             .stop_price = venue_type_has_trigger(o->type) ? o->stop_price : DECIMAL_ZERO,
                             .sent_ms = call->ctx->now_ms};
    memcpy(sent.symbol, o->symbol, VENUE_SYMBOL_MAX);
    cdx_sent_record(&st->sent, o->client_order_id, &sent);
    return s_end(call, &w, step);
}

/* Parses a create reply (an array with the one order) into result.order. */
static int s_create_reply(venue_call_t *call, cd_state_t *st, const char *clid)
{
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    err_t e;
    err_clear(&e);
    const json_t *o = json_kind(root) == JSON_ARRAY ? json_array_at(root, 0) : root;
    int rc = cdx_order_read(o, call->ctx->instruments, &call->result.order, &e);
    json_free(&root);
    if (rc < 0)
        return venue_fail(call, e.code == XR_UNKNOWN_SYMBOL ? XR_UNKNOWN_SYMBOL : XR_INTERNAL,
                          "bad create reply: %s", e.msg);
    cdx_sent_set_id(&st->sent, clid, call->result.order.order_id);
    snprintf(call->result.order.client_order_id, VENUE_CLID_MAX, "%s", clid);
    call->result.order.reduce_only = call->in.order.reduce_only;
    return VENUE_DONE;
}

/* The create reply says only "initial". An order that executes at once (market, IOC, FOK) is read back
 * from the newest orders of its side, so the answer carries its outcome. */
static bool s_wants_readback(const venue_order_req_t *o)
{
    return o->type == VENUE_TYPE_MARKET ||
           (o->type == VENUE_TYPE_LIMIT && (o->time_in_force == VENUE_TIF_IOC || o->time_in_force == VENUE_TIF_FOK));
}

static long s_list_reply(venue_call_t *call, cd_state_t *st, const char *symbol);

/* A 200 create reply that could not be read: the order may well exist. Finds it among the page (result.orders)
 * by what was sent; fails (outcome not confirmed) when it is not there. */
static int s_recover(venue_call_t *call, cd_state_t *st, const char *clid)
{
    venue_result_t *r = &call->result;
    const cdx_sent_entry_t *m = cdx_sent_by_clid(&st->sent, clid);
    long idx = -1;
    if (m) {
        const char **claimed = mem_calloc(CDX_SENT_MAX, sizeof *claimed);
        size_t nc = cdx_sent_claimed(&st->sent, clid, claimed, CDX_SENT_MAX);
        idx = coindcx_match_order(r->orders, r->n_orders, &m->sent, claimed, nc);
        mem_free(claimed);
    }
    venue_order_t o;
    memset(&o, 0, sizeof o);
    if (idx >= 0)
        o = r->orders[idx];
    venue_result_release(r);
    if (idx < 0)
        return venue_fail(call, XR_INTERNAL,
                          "create answered but unreadable, and the order is not among the recent ones: check %s",
                          clid);
    cdx_sent_set_id(&st->sent, clid, o.order_id);
    snprintf(o.client_order_id, sizeof o.client_order_id, "%s", clid);
    o.reduce_only = call->in.order.reduce_only;
    r->order = o;
    return VENUE_DONE;
}

/* Reply to the read-back: replaces result.order when the order is in the page; any failure keeps the create
 * reply (the order was placed: the read-back is only a refinement). Without a readable create reply, this is
 * the search for the order (s_recover). */
static int s_readback_reply(venue_call_t *call, cd_state_t *st, const char *clid)
{
    venue_result_t *r = &call->result;
    if (!r->order.order_id[0]) {
        if (call->error)
            return venue_fail(call, XR_INTERNAL, "create answered but unreadable; order not confirmed: check %s",
                              clid);
        return s_list_reply(call, st, call->in.order.symbol) < 0 ? VENUE_FAIL : s_recover(call, st, clid);
    }
    if (call->error)
        return VENUE_DONE;
    json_t *root = s_parse(call); /* a bad page leaves call->fail set, which a VENUE_DONE ignores */
    if (!root)
        return VENUE_DONE;
    for (size_t i = 0; i < json_array_len(root); i++) {
        venue_order_t o;
        err_t e;
        if (cdx_order_read(json_array_at(root, i), call->ctx->instruments, &o, &e) == 0 &&
            strcmp(o.order_id, r->order.order_id) == 0) {
            o.reduce_only = r->order.reduce_only;
            memcpy(o.client_order_id, r->order.client_order_id, sizeof o.client_order_id);
            r->order = o;
            break;
        }
    }
    json_free(&root);
    return VENUE_DONE;
}

/* After the create reply (step PO_ORDER / close's 2): the result, a read-back, or the search for the order. */
static int s_after_create(venue_call_t *call, cd_state_t *st, const char *clid, int readback_step)
{
    if (s_create_reply(call, st, clid) < 0) {
        memset(&call->result.order, 0, sizeof call->result.order);
        return s_send_list(call, st, CD_ALL_STATUSES, call->in.order.side, 1, readback_step);
    }
    if (!s_wants_readback(&call->in.order))
        return VENUE_DONE;
    return s_send_list(call, st, CD_ALL_STATUSES, call->in.order.side, 1, readback_step);
}

/* Parses a positions reply; the position of vsym ("" = first) goes to *found (found->id "" when absent).
 * With keep, every position is also appended to result.positions. Returns the number of items, or -1. */
static long s_positions_reply(venue_call_t *call, const char *symbol, cdx_position_t *found, bool keep)
{
    json_t *root = s_parse(call);
    if (!root)
        return -1;
    if (json_kind(root) != JSON_ARRAY) {
        json_free(&root);
        venue_fail(call, XR_INTERNAL, "bad positions reply: not a list");
        return -1;
    }
    if (found)
        memset(found, 0, sizeof *found);
    long n = (long) json_array_len(root);
    for (long i = 0; i < n; i++) {
        cdx_position_t p;
        err_t e;
        err_clear(&e);
        if (cdx_position_read(json_array_at(root, (size_t) i), call->ctx->instruments, &p, &e) < 0) {
            if (e.code == XR_UNKNOWN_SYMBOL)
                continue;
            json_free(&root);
            venue_fail(call, XR_INTERNAL, "bad position: %s", e.msg);
            return -1;
        }
        if (found && !found->id[0] && (!symbol[0] || strcmp(p.p.symbol, symbol) == 0))
            *found = p;
        venue_position_t *slot = keep ? venue_result_add_position(&call->result) : NULL;
        if (slot)
            *slot = p.p;
    }
    json_free(&root);
    return n;
}

/* Appends the orders of a list reply (only symbol's when set) to result.orders. Returns the reply's item
 * count, or -1 after failing the call. */
static long s_list_reply(venue_call_t *call, cd_state_t *st, const char *symbol)
{
    json_t *root = s_parse(call);
    if (!root)
        return -1;
    if (json_kind(root) != JSON_ARRAY) {
        json_free(&root);
        venue_fail(call, XR_INTERNAL, "bad orders reply: not a list");
        return -1;
    }
    long n = (long) json_array_len(root);
    for (long i = 0; i < n; i++) {
        venue_order_t o;
        err_t e;
        err_clear(&e);
        if (cdx_order_read(json_array_at(root, (size_t) i), call->ctx->instruments, &o, &e) == 0)
            cdx_sent_own(&st->sent, &o);
        else {
            if (e.code == XR_UNKNOWN_SYMBOL)
                continue;
            json_free(&root);
            venue_fail(call, XR_INTERNAL, "bad order in list: %s", e.msg);
            return -1;
        }
        if (symbol[0] && strcmp(o.symbol, symbol) != 0)
            continue;
        venue_order_t *slot = venue_result_add_order(&call->result);
        if (!slot) {
            json_free(&root);
            venue_fail(call, XR_INTERNAL, "too many orders");
            return -1;
        }
        *slot = o;
    }
    json_free(&root);
    return n;
}

/* ---- listing orders, both sides, page by page ------------------------------------------------------------- */

/* scratch[0] = side (1 buy, 2 sell), scratch[1] = page. Sends the first page of the first side. */
static int s_walk_begin(venue_call_t *call, cd_state_t *st, const char *statuses, venue_side_t first, int step)
{
    call->scratch[0] = first;
    call->scratch[1] = 1;
    return s_send_list(call, st, statuses, first, 1, step);
}

/* After a page of n items: the next page, the other side, or VENUE_DONE when both are read. */
static int s_walk_next(venue_call_t *call, cd_state_t *st, const char *statuses, long n, int max_pages, bool both)
{
    venue_side_t side = (venue_side_t) call->scratch[0];
    if (n >= CD_PAGE && call->scratch[1] < max_pages) {
        call->scratch[1]++;
        return s_send_list(call, st, statuses, side, call->scratch[1], call->step);
    }
    if (!both || call->scratch[2]++ > 0)
        return VENUE_DONE;
    call->scratch[0] = side == VENUE_SIDE_BUY ? VENUE_SIDE_SELL : VENUE_SIDE_BUY;
    call->scratch[1] = 1;
    return s_send_list(call, st, statuses, (venue_side_t) call->scratch[0], 1, call->step);
}

/* ---- place_order ---------------------------------------------------------------------------------------- */

enum { PO_POSITION = 1, PO_LEVERAGE, PO_ORDER, PO_READBACK };

static int s_po_check(venue_call_t *call)
{
    const venue_order_req_t *o = &call->in.order;
    if (!cdx_type_word(o->type))
        return venue_fail(call, XR_UNSUPPORTED, "CoinDCX futures has no %s orders", venue_type_name(o->type));
    if (o->time_in_force == VENUE_TIF_GTX)
        return venue_fail(call, XR_UNSUPPORTED, "CoinDCX futures does not support post-only (GTX) orders");
    if (o->position_side == VENUE_PSIDE_LONG || o->position_side == VENUE_PSIDE_SHORT)
        return venue_fail(call, XR_UNSUPPORTED, "CoinDCX futures has no hedge mode");
    if ((!decimal_is_zero(o->take_profit) || !decimal_is_zero(o->stop_loss)) && o->type != VENUE_TYPE_MARKET &&
        o->type != VENUE_TYPE_LIMIT)
        return venue_fail(call, XR_INVALID_REQUEST, "take_profit/stop_loss attach to market and limit orders only");
    return 0;
}

/* A reduce-only order (CoinDCX has no such flag) must face the position and not exceed it. */
static int s_reduce_check(venue_call_t *call, const venue_order_req_t *o, const venue_position_t *p)
{
    bool opposite = (p->side == VENUE_POS_LONG && o->side == VENUE_SIDE_SELL) ||
                    (p->side == VENUE_POS_SHORT && o->side == VENUE_SIDE_BUY);
    if (!opposite || decimal_cmp(o->quantity, p->quantity) > 0)
        return venue_fail(call, XR_INVALID_REQUEST,
                          "reduce_only: the order would not only reduce the %s position on %s", venue_pos_dir_name(p->side),
                          o->symbol);
    return 0;
}

static int s_po_position(venue_call_t *call, cd_state_t *st, const char *vsym)
{
    cdx_position_t pos;
    if (call->error)
        return venue_fail_reply(call);
    if (s_positions_reply(call, call->in.order.symbol, &pos, false) < 0)
        return VENUE_FAIL;
    const venue_order_req_t *o = &call->in.order;
    bool open = pos.id[0] && pos.p.side != VENUE_POS_FLAT;
    if (o->reduce_only && s_reduce_check(call, o, &pos.p) < 0)
        return VENUE_FAIL;
    int want = o->leverage, have = pos.id[0] ? pos.p.leverage : 0;
    if (want > 0 && have > 0 && want != have && open)
        return venue_fail(call, XR_INVALID_REQUEST,
                          "leverage %d differs from the open %s position's %dx; CoinDCX locks leverage while a "
                          "position is open: order not sent",
                          want, o->symbol, have);
    if (want > 0 && want != have) {
        jw_t w;
        char num[16];
        s_private(call, &w, VENUE_POST, CD_F "/positions/update_leverage");
        snprintf(num, sizeof num, "%d", want);
        s_kv_str(&w, "leverage", num);
        s_kv_str(&w, "pair", vsym);
        s_kv_str(&w, "margin_currency_short_name", st->margin);
        call->scratch[3] = want;
        return s_end(call, &w, PO_LEVERAGE);
    }
    return s_send_create(call, st, o, vsym, want > 0 ? want : have, PO_ORDER);
}

static int s_place_order(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    char vsym[VENUE_SYMBOL_MAX];
    if (!st || s_vsym(call, call->in.order.symbol, vsym) < 0)
        return VENUE_FAIL;
    switch (call->step) {
    case 0:
        if (s_po_check(call) < 0)
            return VENUE_FAIL;
        /* The position is read first only when the order depends on it (a leverage to check or set, a
         * reduce-only check); otherwise the order goes alone and the venue applies the position's leverage. */
        if (call->in.order.leverage > 0 || call->in.order.reduce_only)
            return s_send_positions(call, st, vsym, 1, PO_POSITION);
        call->scratch[2] = 1;
        return s_send_create(call, st, &call->in.order, vsym, 0, PO_ORDER);
    case PO_POSITION:
        return s_po_position(call, st, vsym);
    case PO_LEVERAGE:
        if (call->error)
            return venue_fail_reply(call);
        return s_send_create(call, st, &call->in.order, vsym, (int) call->scratch[3], PO_ORDER);
    case PO_ORDER:
        if (call->error && call->scratch[2] && call->error->code == XR_INVALID_REQUEST &&
            strcasestr(call->error->venue_message, "leverage")) {
            /* Refused (not executed) for want of the position's leverage: read it and send again. */
            call->scratch[2] = 0;
            return s_send_positions(call, st, vsym, 1, PO_POSITION);
        }
        if (call->error) {
            cdx_sent_forget(&st->sent, call->in.order.client_order_id);
            return venue_fail_reply(call);
        }
        return s_after_create(call, st, call->in.order.client_order_id, PO_READBACK);
    case PO_READBACK:
        return s_readback_reply(call, st, call->in.order.client_order_id);
    }
    return venue_fail(call, XR_INTERNAL, "place_order: bad step %d", call->step);
}

/* ---- get_order: list and match ---------------------------------------------------------------------------- */

enum { GO_LIST = 1 };

/* The intent behind a client id: the recorded send's, else the runtime's input (a repeated place_order). */
static bool s_intent(cd_state_t *st, venue_call_t *call, coindcx_intent_t *out)
{
    const cdx_sent_entry_t *m = cdx_sent_by_clid(&st->sent, call->in.client_order_id);
    memset(out, 0, sizeof *out);
    if (m) {
        *out = m->sent;
        return true;
    }
    const venue_order_req_t *o = &call->in.order;
    if (o->side == VENUE_SIDE_NONE || strcmp(o->client_order_id, call->in.client_order_id) != 0)
        return false;
    memcpy(out->symbol, o->symbol, VENUE_SYMBOL_MAX);
    out->side = o->side;
    out->type = o->type;
    out->quantity = o->quantity;
    out->price = venue_type_has_price(o->type) ? o->price : DECIMAL_ZERO;
    out->stop_price = venue_type_has_trigger(o->type) ? o->stop_price : DECIMAL_ZERO;
    out->sent_ms = call->in.start_ms;
    return true;
}

/* Looks for the order among result.orders; on success result.order is it. */
static bool s_go_found(venue_call_t *call, cd_state_t *st)
{
    venue_result_t *r = &call->result;
    long idx = -1;
    if (call->note[0]) {
        for (size_t i = 0; i < r->n_orders && idx < 0; i++)
            if (strcmp(r->orders[i].order_id, call->note) == 0)
                idx = (long) i;
    } else {
        coindcx_intent_t want;
        s_intent(st, call, &want);
        const char **claimed = mem_calloc(CDX_SENT_MAX, sizeof *claimed);
        size_t nc = cdx_sent_claimed(&st->sent, call->in.client_order_id, claimed, CDX_SENT_MAX);
        idx = coindcx_match_order(r->orders, r->n_orders, &want, claimed, nc);
        mem_free(claimed);
        if (idx >= 0)
            cdx_sent_set_id(&st->sent, call->in.client_order_id, r->orders[idx].order_id);
    }
    if (idx < 0)
        return false;
    r->order = r->orders[idx];
    if (call->in.client_order_id[0])
        snprintf(r->order.client_order_id, VENUE_CLID_MAX, "%s", call->in.client_order_id);
    return true;
}

static int s_go_begin(venue_call_t *call, cd_state_t *st)
{
    coindcx_intent_t want;
    venue_side_t first = VENUE_SIDE_BUY;
    const char *oid = call->in.order_id;
    if (!oid[0] && !call->in.client_order_id[0])
        return venue_fail(call, XR_INVALID_REQUEST, "order_id or client_order_id required");
    if (!oid[0]) {
        const cdx_sent_entry_t *m = cdx_sent_by_clid(&st->sent, call->in.client_order_id);
        if (m && m->order_id[0])
            oid = m->order_id;
        else if (!s_intent(st, call, &want))
            return venue_fail(call, XR_ORDER_NOT_FOUND,
                              "client id %s is unknown to this worker (CoinDCX keeps no client ids): ask by "
                              "order_id",
                              call->in.client_order_id);
        else
            first = want.side;
    }
    if (oid[0]) {
        const cdx_sent_entry_t *m = cdx_sent_by_id(&st->sent, oid);
        if (m)
            first = m->sent.side;
    }
    snprintf(call->note, sizeof call->note, "%s", oid);
    call->scratch[2] = 0;
    return s_walk_begin(call, st, CD_ALL_STATUSES, first, GO_LIST);
}

static int s_get_order(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    if (!st)
        return VENUE_FAIL;
    if (call->in.symbol[0] && !instruments_find(call->ctx->instruments, call->in.symbol))
        return venue_fail(call, XR_UNKNOWN_SYMBOL, "unknown symbol %s", call->in.symbol);
    if (call->step == 0)
        return s_go_begin(call, st);
    if (call->error)
        return venue_fail_reply(call);
    long n = s_list_reply(call, st, call->in.symbol);
    if (n < 0)
        return VENUE_FAIL;
    if (s_go_found(call, st)) {
        venue_result_t keep = call->result;
        venue_order_t o = keep.order;
        venue_result_release(&call->result);
        call->result.order = o;
        return VENUE_DONE;
    }
    /* Matching by parameters needs only the order's side. */
    bool both = call->note[0] != '\0';
    if (s_walk_next(call, st, CD_ALL_STATUSES, n, CD_PAGES_MAX, both) == VENUE_SEND)
        return VENUE_SEND;
    venue_result_release(&call->result);
    if (call->note[0])
        return venue_fail(call, XR_ORDER_NOT_FOUND, "order %s not among the recent orders", call->note);
    return venue_fail(call, XR_ORDER_NOT_FOUND, "no order matches client id %s", call->in.client_order_id);
}

/* ---- cancel_order --------------------------------------------------------------------------------------- */

static int s_cancel_order(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    if (!st)
        return VENUE_FAIL;
    venue_cancel_t *c = &call->result.cancel;
    if (call->step == 0) {
        const char *oid = call->in.order_id;
        if (!oid[0] && call->in.client_order_id[0]) {
            const cdx_sent_entry_t *m = cdx_sent_by_clid(&st->sent, call->in.client_order_id);
            if (!m || !m->order_id[0])
                return venue_fail(call, XR_ORDER_NOT_FOUND,
                                  "client id %s: no venue order id known (CoinDCX keeps no client ids)",
                                  call->in.client_order_id);
            oid = m->order_id;
        }
        if (!oid[0])
            return venue_fail(call, XR_INVALID_REQUEST, "order_id or client_order_id required");
        snprintf(call->note, sizeof call->note, "%s", oid);
        jw_t w;
        s_private(call, &w, VENUE_POST, CD_F "/orders/cancel");
        s_kv_str(&w, "id", oid);
        return s_end(call, &w, 1);
    }
    if (call->error)
        return venue_fail_reply(call);
    c->ok = true;
    snprintf(c->order_id, sizeof c->order_id, "%s", call->note);
    const cdx_sent_entry_t *m = cdx_sent_by_id(&st->sent, call->note);
    snprintf(c->client_order_id, sizeof c->client_order_id, "%s", m ? m->clid : "");
    c->status = VENUE_STATUS_CANCELED;
    return VENUE_DONE;
}

/* ---- get_open_orders, cancel_all ------------------------------------------------------------------------- */

enum { OO_LIST = 1, CA_POSITION = 20, CA_CANCEL };

static int s_get_open_orders(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    if (!st)
        return VENUE_FAIL;
    if (call->in.symbol[0] && !instruments_find(call->ctx->instruments, call->in.symbol))
        return venue_fail(call, XR_UNKNOWN_SYMBOL, "unknown symbol %s", call->in.symbol);
    if (call->step == 0) {
        call->scratch[2] = 0;
        return s_walk_begin(call, st, CD_OPEN_STATUSES, VENUE_SIDE_BUY, OO_LIST);
    }
    if (call->error)
        return venue_fail_reply(call);
    long n = s_list_reply(call, st, call->in.symbol);
    if (n < 0)
        return VENUE_FAIL;
    return s_walk_next(call, st, CD_OPEN_STATUSES, n, VENUE_RESULT_ITEMS_MAX / CD_PAGE, true);
}

static int s_ca_done(venue_call_t *call)
{
    venue_result_t *r = &call->result;
    for (size_t k = 0; k < r->n_orders; k++) {
        venue_cancel_t *c = venue_result_add_cancel(r);
        if (!c)
            break;
        c->ok = true;
        memcpy(c->order_id, r->orders[k].order_id, sizeof c->order_id);
        memcpy(c->client_order_id, r->orders[k].client_order_id, sizeof c->client_order_id);
        c->status = VENUE_STATUS_CANCELED;
    }
    r->count = (int64_t) r->n_orders;
    return VENUE_DONE;
}

/* cancel_all: list the open orders (to report them), then one symbol's through its position id
 * (positions with the pairs filter, then cancel_all_open_orders_for_position), or every symbol's at once. */
static int s_cancel_all(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    char vsym[VENUE_SYMBOL_MAX] = "";
    if (!st || (call->in.symbol[0] && s_vsym(call, call->in.symbol, vsym) < 0))
        return VENUE_FAIL;
    jw_t w;
    if (call->step < CA_POSITION) {
        int rc = s_get_open_orders(state, call);
        if (rc != VENUE_DONE)
            return rc;
        if (vsym[0])
            return s_send_positions(call, st, vsym, 1, CA_POSITION);
        s_private(call, &w, VENUE_POST, CD_F "/positions/cancel_all_open_orders");
        s_kv_margin_list(&w, st);
        return s_end(call, &w, CA_CANCEL);
    }
    if (call->error)
        return venue_fail_reply(call);
    if (call->step == CA_CANCEL)
        return s_ca_done(call);
    cdx_position_t pos;
    if (s_positions_reply(call, call->in.symbol, &pos, false) < 0)
        return VENUE_FAIL;
    if (!pos.id[0]) {
        if (call->result.n_orders == 0)
            return s_ca_done(call);
        return venue_fail(call, XR_INTERNAL, "no position id for %s: its open orders cannot be cancelled together",
                          call->in.symbol);
    }
    s_private(call, &w, VENUE_POST, CD_F "/positions/cancel_all_open_orders_for_position");
    s_kv_str(&w, "id", pos.id);
    return s_end(call, &w, CA_CANCEL);
}

/* ---- positions, balances, leverage, close_position ---------------------------------------------------------- */

static int s_get_positions(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    char vsym[VENUE_SYMBOL_MAX] = "";
    if (!st || (call->in.symbol[0] && s_vsym(call, call->in.symbol, vsym) < 0))
        return VENUE_FAIL;
    if (call->step == 0) {
        call->scratch[1] = 1;
        return s_send_positions(call, st, vsym, 1, 1);
    }
    if (call->error)
        return venue_fail_reply(call);
    long n = s_positions_reply(call, call->in.symbol, NULL, true);
    if (n < 0)
        return VENUE_FAIL;
    if (n >= CD_PAGE && call->scratch[1] < VENUE_RESULT_ITEMS_MAX / CD_PAGE)
        return s_send_positions(call, st, vsym, ++call->scratch[1], 1);
    return VENUE_DONE;
}

/* Balances: GET wallets, with a signed body all the same. */
static int s_get_balances(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    if (!st)
        return VENUE_FAIL;
    if (call->step == 0) {
        jw_t w;
        s_private(call, &w, VENUE_GET, CD_F "/wallets");
        return s_end(call, &w, 1);
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    int rc = json_kind(root) == JSON_ARRAY ? VENUE_DONE : venue_fail(call, XR_INTERNAL, "bad wallets reply: not a list");
    for (size_t i = 0; rc == VENUE_DONE && i < json_array_len(root); i++) {
        venue_balance_t b;
        err_t e;
        if (cdx_balance_read(json_array_at(root, i), &b, &e) < 0) {
            rc = venue_fail(call, XR_INTERNAL, "bad wallet: %s", e.msg);
            break;
        }
        if (call->in.asset[0] && strcmp(call->in.asset, b.asset) != 0)
            continue;
        venue_balance_t *slot = venue_result_add_balance(&call->result);
        if (slot)
            *slot = b;
    }
    json_free(&root);
    return rc;
}

static int s_set_leverage(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    char vsym[VENUE_SYMBOL_MAX];
    if (!st || s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == 0) {
        if (call->in.leverage < 1 || call->in.leverage > 125)
            return venue_fail(call, XR_INVALID_REQUEST, "leverage must be 1..125");
        return s_send_positions(call, st, vsym, 1, 1);
    }
    if (call->error)
        return venue_fail_reply(call);
    if (call->step == 2) {
        call->result.leverage = call->in.leverage;
        return VENUE_DONE;
    }
    cdx_position_t pos;
    if (s_positions_reply(call, call->in.symbol, &pos, false) < 0)
        return VENUE_FAIL;
    if (pos.id[0] && pos.p.leverage == call->in.leverage) {
        call->result.leverage = call->in.leverage;
        return VENUE_DONE;
    }
    if (pos.id[0] && pos.p.side != VENUE_POS_FLAT) {
        char q[DECIMAL_STR_MAX];
        decimal_format(pos.p.size, q, sizeof q);
        return venue_fail(call, XR_UNSUPPORTED,
                          "CoinDCX locks leverage while a position is open: %s holds %s at %dx; close it first",
                          call->in.symbol, q, pos.p.leverage);
    }
    jw_t w;
    char num[16];
    s_private(call, &w, VENUE_POST, CD_F "/positions/update_leverage");
    snprintf(num, sizeof num, "%d", call->in.leverage);
    s_kv_str(&w, "leverage", num);
    s_kv_str(&w, "pair", vsym);
    s_kv_str(&w, "margin_currency_short_name", st->margin);
    return s_end(call, &w, 2);
}

/* close_position: read the position, then a market order on the other side for exactly its size, at its
 * leverage (docs/venues/coindcx.md says why not positions/exit). */
static int s_close_position(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    char vsym[VENUE_SYMBOL_MAX];
    if (!st || s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == 0)
        return s_send_positions(call, st, vsym, 1, 1);
    if (call->step == 3)
        return s_readback_reply(call, st, call->in.client_order_id);
    if (call->error)
        return venue_fail_reply(call);
    if (call->step == 2)
        return s_after_create(call, st, call->in.client_order_id, 3);
    cdx_position_t pos;
    if (s_positions_reply(call, call->in.symbol, &pos, false) < 0)
        return VENUE_FAIL;
    if (!pos.id[0] || pos.p.side == VENUE_POS_FLAT)
        return venue_fail(call, XR_INVALID_REQUEST, "no open position on %s", call->in.symbol);
    venue_order_req_t *o = &call->in.order;
    memset(o, 0, sizeof *o);
    memcpy(o->symbol, call->in.symbol, VENUE_SYMBOL_MAX);
    memcpy(o->client_order_id, call->in.client_order_id, VENUE_CLID_MAX);
    o->type = VENUE_TYPE_MARKET;
    o->side = pos.p.side == VENUE_POS_LONG ? VENUE_SIDE_SELL : VENUE_SIDE_BUY;
    o->quantity = pos.p.quantity;
    o->reduce_only = true;
    return s_send_create(call, st, o, vsym, pos.p.leverage, 2);
}

/* ---- market data ------------------------------------------------------------------------------------------- */

/* Best bid and ask from the order book (step 2); a book that cannot be had leaves them zero ("unknown"):
 * last and mark are the ticker's substance. */
static int s_ticker_book(venue_call_t *call)
{
    venue_ticker_t *t = &call->result.ticker;
    if (call->error)
        return VENUE_DONE;
    err_t e;
    json_t *root = json_parse(call->resp->body, call->resp->body_len, CD_MAX_REPLY, CD_MAX_DEPTH, &e);
    if (root && cdx_book_top(root, &t->bid, &t->ask, &e) < 0)
        t->bid = t->ask = DECIMAL_ZERO;
    json_free(&root);
    return VENUE_DONE;
}

/* get_ticker: last and mark from current prices (every pair in one reply), then bid and ask from the pair's
 * order book. */
static int s_get_ticker(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX], path[VENUE_REQ_PATH_MAX];
    if (s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == 0) {
        s_market(call, CD_PRICES);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->step == 2)
        return s_ticker_book(call);
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    venue_ticker_t *t = &call->result.ticker;
    const json_t *p = json_get(json_get(root, "prices"), vsym);
    err_t e;
    err_clear(&e);
    int rc = VENUE_SEND;
    if (json_kind(p) != JSON_OBJECT)
        rc = venue_fail(call, XR_UNKNOWN_SYMBOL, "no current price for %s", vsym);
    else if (json_get_decimal(p, "ls", &t->last, &e) < 0 || cdx_opt_decimal(p, "mp", &t->mark, &e) < 0 ||
             cdx_opt_int64(root, "ts", &t->time, &e) < 0)
        rc = venue_fail(call, XR_INTERNAL, "bad current prices reply: %s", e.msg);
    memcpy(t->symbol, call->in.symbol, VENUE_SYMBOL_MAX);
    json_free(&root);
    if (rc != VENUE_SEND)
        return rc;
    snprintf(path, sizeof path, CD_BOOK "/%s-futures/10", vsym);
    s_market(call, path);
    call->step = 2;
    return VENUE_SEND;
}

/* Kline intervals CoinDCX serves (resolution words, venues.md 3.2). */
static const struct {
    const char *interval;
    const char *resolution;
    int64_t ms;
} s_res[] = {{"1m", "1", 60000}, {"5m", "5", 300000}, {"1h", "60", 3600000}, {"1d", "1D", 86400000}};

static int s_kline_cmp(const void *a, const void *b)
{
    int64_t x = ((const venue_kline_t *) a)->open_time, y = ((const venue_kline_t *) b)->open_time;
    return x < y ? -1 : x > y;
}

static int s_get_klines(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    size_t ri = 0;
    while (ri < sizeof s_res / sizeof s_res[0] && strcmp(s_res[ri].interval, call->in.interval) != 0)
        ri++;
    if (ri == sizeof s_res / sizeof s_res[0])
        return venue_fail(call, XR_INVALID_REQUEST, "interval %s: CoinDCX serves 1m, 5m, 1h and 1d",
                          call->in.interval);
    int limit = call->in.limit > 0 ? call->in.limit : 500;
    if (limit > 1500)
        return venue_fail(call, XR_INVALID_REQUEST, "limit must be 1..1500");
    if (call->step == 0) {
        int64_t end = call->in.end_ms > 0 ? call->in.end_ms : call->ctx->now_ms;
        int64_t start = call->in.start_ms > 0 ? call->in.start_ms : end - (int64_t) limit * s_res[ri].ms;
        s_market(call, CD_CANDLES);
        venue_req_param(&call->req, "pair", vsym);
        venue_req_param_int(&call->req, "from", start / 1000);
        venue_req_param_int(&call->req, "to", end / 1000);
        venue_req_param(&call->req, "resolution", s_res[ri].resolution);
        venue_req_param(&call->req, "pcode", "f");
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *data = json_get(root, "data");
    int rc = json_kind(data) == JSON_ARRAY ? VENUE_DONE : venue_fail(call, XR_INTERNAL, "candlesticks: no data list");
    for (size_t i = 0; rc == VENUE_DONE && i < json_array_len(data); i++) {
        venue_kline_t k = {0};
        err_t e;
        venue_kline_t *slot;
        if (cdx_kline_read(json_array_at(data, i), s_res[ri].ms, &k, &e) < 0)
            rc = venue_fail(call, XR_INTERNAL, "bad candle: %s", e.msg);
        else if ((slot = venue_result_add_kline(&call->result)))
            *slot = k;
    }
    json_free(&root);
    venue_result_t *r = &call->result;
    if (rc == VENUE_DONE && r->n_klines) {
        qsort(r->klines, r->n_klines, sizeof r->klines[0], s_kline_cmp);
        if (r->n_klines > (size_t) limit) { /* keep the newest `limit` */
            memmove(r->klines, r->klines + (r->n_klines - (size_t) limit), (size_t) limit * sizeof r->klines[0]);
            r->n_klines = (size_t) limit;
        }
    }
    return rc;
}

/* ---- fills -------------------------------------------------------------------------------------------------- */

/* "YYYY-MM-DD" (UTC) of epoch ms. */
static void s_date(int64_t ms, char out[16])
{
    int64_t z = ms / 86400000 + 719468; /* civil from days (H. Hinnant) */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(out, 16, "%04d-%02d-%02d", (int) y, (int) m, (int) d);
}

/* The earliest time a poll wants: the cursor's millisecond, else start_ms, else a day back. */
static int64_t s_since(const venue_call_t *call)
{
    if (call->in.from_id > 0)
        return call->in.from_id / 1000;
    return call->in.start_ms > 0 ? call->in.start_ms : call->ctx->now_ms - 86400000;
}

static int s_send_trades(venue_call_t *call, const cd_state_t *st, const char *vsym, int64_t page,
                         const char *order_id)
{
    jw_t w;
    char num[24], from[16], to[16];
    int64_t since = s_since(call);
    /* Whole days, one either side: the venue's day boundary (UTC or IST) is not documented. */
    s_date(since - 86400000, from);
    s_date(call->ctx->now_ms + 86400000, to);
    s_private(call, &w, VENUE_POST, CD_F "/trades");
    s_kv_str(&w, "pair", vsym);
    if (order_id)
        s_kv_str(&w, "order_id", order_id);
    s_kv_str(&w, "from_date", from);
    s_kv_str(&w, "to_date", to);
    snprintf(num, sizeof num, "%lld", (long long) page);
    s_kv_str(&w, "page", num);
    snprintf(num, sizeof num, "%d", CD_PAGE);
    s_kv_str(&w, "size", num);
    s_kv_margin_list(&w, st);
    if (!order_id)
        call->scratch[1] = page;
    return s_end(call, &w, order_id ? 2 : 1);
}

/* Reads one trades reply into a new array (*out, mem_free'd by the caller). Returns the count, -1 on failure
 * (call->fail set). */
static long s_trades_read(venue_call_t *call, cd_state_t *st, venue_fill_t **out)
{
    *out = NULL;
    json_t *root = s_parse(call);
    if (!root)
        return -1;
    if (json_kind(root) != JSON_ARRAY) {
        json_free(&root);
        venue_fail(call, XR_INTERNAL, "bad trades reply: not a list");
        return -1;
    }
    long n = (long) json_array_len(root);
    venue_fill_t *v = n ? mem_calloc((size_t) n, sizeof *v) : NULL;
    for (long i = 0; i < n; i++) {
        err_t e;
        err_clear(&e);
        if (cdx_fill_read(json_array_at(root, (size_t) i), call->ctx->instruments, st->margin, &v[i], &e) < 0) {
            json_free(&root);
            mem_free(v);
            venue_fail(call, XR_INTERNAL, "bad trade: %s", e.msg);
            return -1;
        }
        const cdx_sent_entry_t *m = cdx_sent_by_id(&st->sent, v[i].order_id);
        snprintf(v[i].client_order_id, sizeof v[i].client_order_id, "%s", m ? m->clid : "");
    }
    json_free(&root);
    *out = v;
    return n;
}

/* True when two trades have the same identity (cdx_trade_key): nothing on the wire tells them apart. */
static bool s_same_trade(const venue_fill_t *a, const venue_fill_t *b)
{
    char ka[256], kb[256];
    if (a->executed_at != b->executed_at || strcmp(a->order_id, b->order_id) != 0)
        return false;
    return cdx_trade_key(a, ka, sizeof ka) == 0 && cdx_trade_key(b, kb, sizeof kb) == 0 && strcmp(ka, kb) == 0;
}

/* Appends page `page` (v[0..n), as listed) to the fills read so far, leaving out what the page shift repeats.
 *
 * The list is newest first and paged by offset, so trades executed between two page reads push every older
 * trade down: page p+1 then starts with the last s trades of page p again (never skips one). With T the time
 * of the oldest trade read so far and m the number read at T: a trade on the new page newer than T can only be
 * a repeat; when there are j > 0 of them the shift is j + m, so the next m trades at T are repeats too (checked
 * trade by trade). When there are none, the shift is 0..m: the page's leading trades at T that repeat the
 * oldest ones read are either repeats or genuinely identical trades. They are kept, marked (seq_key = -1), and
 * counted exactly by their order's own trade list afterwards (s_resolve). Sets *marked when it marked any. */
static void s_trades_append(venue_call_t *call, const venue_fill_t *v, long n, bool *marked)
{
    venue_result_t *r = &call->result;
    long skip = 0, mark = 0;
    bool newest_first = n < 2 || v[0].executed_at >= v[n - 1].executed_at;
    if (call->scratch[1] > 1 && newest_first && r->n_fills > 0) {
        int64_t t = r->fills[r->n_fills - 1].executed_at;
        size_t m = 0;
        while (m < r->n_fills && r->fills[r->n_fills - 1 - m].executed_at == t)
            m++;
        long j = 0, q = 0;
        while (j < n && v[j].executed_at > t)
            j++;
        while (j + q < n && v[j + q].executed_at == t)
            q++;
        if (j > 0) {
            /* shift j + m: v[j..j+m) repeat the m trades at t, in the same order */
            bool aligned = true;
            long k = 0;
            for (; k < q && (size_t) k < m && aligned; k++)
                aligned = s_same_trade(&v[j + k], &r->fills[r->n_fills - m + (size_t) k]);
            skip = j + (aligned ? k : 0);
            mark = aligned ? 0 : (q < (long) m ? q : (long) m);
        } else {
            /* shift s in 0..m: v[0..s) would equal the last s trades read */
            for (long s = 1; s <= q && (size_t) s <= m; s++) {
                bool eq = true;
                for (long k = 0; k < s && eq; k++)
                    eq = s_same_trade(&v[k], &r->fills[r->n_fills - (size_t) s + (size_t) k]);
                if (eq)
                    mark = s;
            }
        }
    }
    for (long i = skip; i < n; i++) {
        venue_fill_t *slot = venue_result_add_fill(r);
        if (!slot)
            break;
        *slot = v[i];
        slot->seq_key = i < skip + mark ? -1 : 0;
        *marked = *marked || slot->seq_key < 0;
    }
}

/* Settles the marked trades of one order against that order's own trade list (o[0..n), one consistent read):
 * a trade identity read c times in total but listed o < c times for the order was read c - o times too often
 * (a page shift), so c - o marked copies go. Unmarks that order's trades. A full list (the order has more
 * trades than one page) is no exact count: then every marked copy is taken for a repeat. */
static void s_resolve(venue_result_t *r, const char *order_id, const venue_fill_t *o, long n)
{
    for (size_t i = 0; i < r->n_fills; i++) {
        if (r->fills[i].seq_key >= 0 || strcmp(r->fills[i].order_id, order_id) != 0)
            continue;
        long listed = 0, read = 0;
        for (long k = 0; k < n; k++)
            listed += s_same_trade(&o[k], &r->fills[i]);
        for (size_t k = 0; k < r->n_fills; k++)
            read += s_same_trade(&r->fills[k], &r->fills[i]);
        long extra = n >= CD_PAGE ? read : read - listed;
        /* drop up to `extra` marked copies of this identity (this one first), unmark the rest */
        const venue_fill_t f = r->fills[i];
        size_t w = 0;
        for (size_t k = 0; k < r->n_fills; k++) {
            venue_fill_t *x = &r->fills[k];
            bool same = x->seq_key < 0 && s_same_trade(x, &f);
            if (same && extra > 0) {
                extra--;
                continue;
            }
            if (same)
                x->seq_key = 0;
            r->fills[w++] = *x;
        }
        r->n_fills = w;
        i = (size_t) -1; /* the array moved: scan again from the start */
    }
}

/* The first marked trade (an identity a page shift may have repeated), or NULL. */
static const venue_fill_t *s_marked(const venue_result_t *r)
{
    for (size_t i = 0; i < r->n_fills; i++)
        if (r->fills[i].seq_key < 0)
            return &r->fills[i];
    return NULL;
}

/* Keeps the wanted fills (at or past the cursor), oldest first, with their derived ids. */
static void s_fills_finish(venue_call_t *call)
{
    venue_result_t *r = &call->result;
    cdx_trade_t *tr = r->n_fills ? mem_calloc(r->n_fills, sizeof *tr) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < r->n_fills; i++) {
        tr[n].f = r->fills[i];
        if (cdx_trade_key(&tr[n].f, tr[n].key, sizeof tr[n].key) == 0)
            n++;
    }
    cdx_trades_derive_ids(tr, n);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        /* from the cursor's whole millisecond: a trade listed late there may rank before the cursor
         * (VENUE_CAP_MS_CURSOR; the runtime tells them apart by trade id) */
        bool want = call->in.from_id > 0 ? tr[i].f.executed_at >= (call->in.from_id - 1) / 1000
                                         : tr[i].f.executed_at >= call->in.start_ms;
        if (want && (call->in.limit <= 0 || kept < (size_t) call->in.limit))
            r->fills[kept++] = tr[i].f;
    }
    r->n_fills = kept;
    mem_free(tr);
}

/* get_fills: POST trades for the pair, newest page first, reading on while a full page may hide trades past
 * the cursor (s_trades_append leaves out what new trades pushed onto a later page again); then, for each
 * order with trades a shift may have repeated, that order's own trades (step 2, s_resolve); ids are derived
 * once the whole set is in (s_fills_finish). */
static int s_get_fills(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    char vsym[VENUE_SYMBOL_MAX];
    if (!st || s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == 0)
        return s_send_trades(call, st, vsym, 1, NULL);
    if (call->error)
        return venue_fail_reply(call);
    venue_fill_t *v;
    long n = s_trades_read(call, st, &v);
    if (n < 0)
        return VENUE_FAIL;
    if (call->step == 1) {
        int64_t since = s_since(call);
        bool older_seen = false, marked = false;
        for (long i = 0; i < n; i++)
            older_seen = older_seen || v[i].executed_at < since;
        if (n > 1 && v[0].executed_at < v[n - 1].executed_at)
            older_seen = false; /* oldest first: an old trade on this page says nothing about the next pages */
        s_trades_append(call, v, n, &marked);
        mem_free(v);
        if (marked)
            call->scratch[2] = 1;
        if (n >= CD_PAGE && !older_seen && call->scratch[1] < VENUE_RESULT_ITEMS_MAX / CD_PAGE)
            return s_send_trades(call, st, vsym, call->scratch[1] + 1, NULL);
    } else {
        s_resolve(&call->result, call->note, v, n);
        mem_free(v);
    }
    const venue_fill_t *m = call->scratch[2] ? s_marked(&call->result) : NULL;
    if (m) {
        snprintf(call->note, sizeof call->note, "%s", m->order_id);
        return s_send_trades(call, st, vsym, 1, call->note);
    }
    s_fills_finish(call);
    return VENUE_DONE;
}

/* ---- instruments and time ------------------------------------------------------------------------------------ */

enum { LI_LIST = 1, LI_ONE };

static int s_li_next(venue_call_t *call, cd_state_t *st)
{
    size_t i = (size_t) call->scratch[0];
    if (i >= st->n_pairs) {
        call->result.limits = (venue_limits_t){.weight_per_window = 16, .weight_window_ms = 1000};
        return VENUE_DONE;
    }
    s_public(call, CD_F "/data/instrument");
    venue_req_param(&call->req, "pair", st->pairs[i]);
    venue_req_param(&call->req, "margin_currency_short_name", st->margin);
    call->step = LI_ONE;
    return VENUE_SEND;
}

static int s_li_list(venue_call_t *call, cd_state_t *st)
{
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    size_t n = json_array_len(root);
    if (json_kind(root) != JSON_ARRAY || n > INSTRUMENTS_MAX) {
        json_free(&root);
        return venue_fail(call, XR_INTERNAL, "bad active_instruments reply");
    }
    st->n_pairs = 0;
    call->scratch[1] = ++st->load_gen;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *s = json_string(json_array_at(root, i), &len);
        if (s && len > 0 && len < VENUE_SYMBOL_MAX && !memchr(s, '\0', len)) {
            memcpy(st->pairs[st->n_pairs], s, len);
            st->pairs[st->n_pairs++][len] = '\0';
        }
    }
    json_free(&root);
    call->result.instruments = instruments_new();
    call->scratch[0] = 0;
    return s_li_next(call, st);
}

/* load_instruments: the pair list (active_instruments), then each pair's rules (instrument data). A pair
 * whose rules cannot be read is left out (logged by the caller's count), not fatal. */
static int s_load_instruments(void *state, venue_call_t *call)
{
    cd_state_t *st = s_st(state, call);
    if (!st)
        return VENUE_FAIL;
    if (call->step == 0) {
        s_public(call, CD_F "/data/active_instruments");
        venue_req_param(&call->req, "margin_currency_short_name[]", st->margin);
        call->step = LI_LIST;
        return VENUE_SEND;
    }
    if (call->step == LI_LIST)
        return call->error ? venue_fail_reply(call) : s_li_list(call, st);
    if (call->scratch[1] != st->load_gen) {
        instruments_destroy(&call->result.instruments);
        return venue_fail(call, XR_INTERNAL, "instrument load superseded by a newer one");
    }
    if (call->error && call->error->code != XR_UNKNOWN_SYMBOL && call->error->code != XR_INVALID_REQUEST &&
        call->error->code != XR_ORDER_NOT_FOUND && call->error->code != XR_VENUE_REJECTED) {
        instruments_destroy(&call->result.instruments); /* rate limit, auth...: the whole load is retried */
        return venue_fail_reply(call);
    }
    if (!call->error) {
        json_t *root = s_parse(call);
        if (!root) {
            instruments_destroy(&call->result.instruments);
            return VENUE_FAIL;
        }
        instrument_t in;
        err_t e;
        err_clear(&e);
        if (cdx_instrument_read(json_get(root, "instrument"), &in, &e) == 0 &&
            strcmp(in.venue_symbol, st->pairs[call->scratch[0]]) == 0)
            instruments_add(call->result.instruments, &in, &e);
        json_free(&root);
    }
    call->scratch[0]++;
    return s_li_next(call, st);
}

/* time: no server-time endpoint is documented. The local (NTP) clock is used, unless the Date header of a
 * cheap public reply says it is off by more than 2 s; that header's second is then taken, plus 500 ms (the
 * middle of the second it names). */
static int s_time(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        s_public(call, CD_F "/data/active_instruments");
        call->step = 1;
        return VENUE_SEND;
    }
    char date[64];
    int64_t local = clock_wall_ms(), venue = -1;
    if (venue_resp_header(call->resp, "Date", date, sizeof date) == 0)
        venue = cdx_http_date_ms(date);
    call->result.server_time = venue > 0 && llabs(venue + 500 - local) > 2000 ? venue + 500 : local;
    return VENUE_DONE;
}

/* ---- signing, errors ----------------------------------------------------------------------------------------- */

static int s_sign(void *state, const venue_creds_t *creds, int64_t now_ms, venue_req_t *req, err_t *err)
{
    (void) state;
    if (!req->sign)
        return 0;
    size_t pre = strlen(CD_TS_PREFIX);
    if (req->overflow || req->body.len < pre + CD_TS_DIGITS || memcmp(req->body.data, CD_TS_PREFIX, pre) != 0)
        return err_set(err, XR_INTERNAL, "private request without its timestamp placeholder");
    if (now_ms < 1000000000000LL || now_ms > 9999999999999LL)
        return err_set(err, XR_CLOCK_SKEW, "clock out of range");
    char ts[CD_TS_DIGITS + 1];
    snprintf(ts, sizeof ts, "%013lld", (long long) now_ms);
    memcpy(req->body.data + pre, ts, CD_TS_DIGITS);
    char sig[CRYPTO_HEX_SHA256_LEN];
    crypto_part_t body = {req->body.data, req->body.len};
    if (venue_sign_hex(creds, &body, 1, sig) < 0)
        return err_set(err, XR_INTERNAL, "signing failed");
    venue_req_header(req, "X-AUTH-APIKEY", creds->api_key);
    venue_req_header(req, "X-AUTH-SIGNATURE", sig);
    if (req->overflow)
        return err_set(err, XR_INVALID_REQUEST, "request too large");
    return 0;
}

static int64_t s_retry_after_ms(const venue_resp_t *r)
{
    char v[32];
    if (venue_resp_header(r, "Retry-After", v, sizeof v) < 0)
        return 0;
    char *end;
    long long s = strtoll(v, &end, 10);
    return end != v && *end == '\0' && s >= 0 && s < 86400 * 7 ? (int64_t) s * 1000 : 0;
}

/* Error bodies: {"code":<http status>,"message":"...","status":"error"}. */
static int s_map_error(void *state, const venue_resp_t *resp, venue_error_t *out)
{
    (void) state;
    if (resp->status >= 200 && resp->status < 300)
        return 0;
    memset(out, 0, sizeof *out);
    err_t e;
    json_t *root = json_parse(resp->body, resp->body_len, 64 * 1024, 4, &e);
    int64_t code = 0;
    if (root && json_kind(root) == JSON_OBJECT) {
        if (cdx_opt_int64(root, "code", &code, &e) < 0)
            code = 0;
        if (cdx_opt_str(root, "message", out->venue_message, sizeof out->venue_message, &e) < 0)
            out->venue_message[0] = '\0';
    }
    json_free(&root);
    snprintf(out->venue_code, sizeof out->venue_code, "%lld", (long long) (code ? code : resp->status));
    out->code = coindcx_error_code(resp->status, out->venue_message);
    out->retry_after_ms = s_retry_after_ms(resp);
    out->unknown_outcome = resp->status >= 500;
    if (out->unknown_outcome)
        snprintf(out->message, sizeof out->message, "coindcx HTTP %ld: %s; outcome unknown", resp->status,
                 out->venue_message[0] ? out->venue_message : "server error");
    else
        snprintf(out->message, sizeof out->message, "coindcx %ld: %s", resp->status,
                 out->venue_message[0] ? out->venue_message : "error without a message");
    return 1;
}

const venue_ops_t coindcx_ops = {
    .name = "coindcx",
    .caps = VENUE_CAP_ATTACHED_TPSL | VENUE_CAP_FILL_CURSOR | VENUE_CAP_MS_CURSOR,
    .state_size = sizeof(cd_state_t),
    .base_url = "https://api.coindcx.com",
    .public_url = "https://public.coindcx.com",
    .configure = s_configure,
    .testnet_url = "https://api.coindcx.com", /* no testnet exists (venues.md 3.1): the simulator stands in */
    .acceptance_window_ms = 10000,             /* "orders delayed more than 10 s are rejected" */
    .max_clock_skew_ms = 1000,
    .place_order = s_place_order,
    .cancel_order = s_cancel_order,
    .cancel_all = s_cancel_all,
    .get_order = s_get_order,
    .get_open_orders = s_get_open_orders,
    .get_positions = s_get_positions,
    .get_balances = s_get_balances,
    .get_ticker = s_get_ticker,
    .get_klines = s_get_klines,
    .set_leverage = s_set_leverage,
    .close_position = s_close_position,
    .get_fills = s_get_fills,
    .load_instruments = s_load_instruments,
    .time = s_time,
    .sign = s_sign,
    .map_error = s_map_error,
};
