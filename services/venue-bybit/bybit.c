/* bybit: the Bybit v5 linear adapter (see bybit.h). Each hook is a small step machine over the venue_call_t
 * of lib/venue/adapter.h: step 0 builds the first request, later steps parse the reply and either finish
 * or build the next request (a follow-up query, the next page). No I/O happens here.
 *
 * Paging: a reply's nextPageCursor is copied straight into the next request while the reply is at hand, so
 * no cursor has to survive between steps (Bybit cursors are longer than call->note). Cursors arrive already
 * percent-encoded and are sent back as they came (pybit does the same); only bytes outside the URL-safe set
 * are encoded. */
#include "bybit.h"
#include "bybit_parse.h"
#include "bybit_wire.h"

#include "base/mem.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BY_PAGES_MAX 100      /* pages one operation reads before giving up */
#define BY_FILL_RANK_MAX 999  /* fills per millisecond the synthesised cursor can tell apart */

/* Private state: none needed today; the size is part of the interface. */
typedef struct {
    int unused; /* placeholder so the struct is not empty */
} by_state_t;

/* ---- symbols and enum words ------------------------------------------------------------------------- */

/* Venue symbol of the unified symbol sym, into out. Fails the call with UNKNOWN_SYMBOL. */
static int s_vsym(venue_call_t *call, const char *sym, char out[VENUE_SYMBOL_MAX])
{
    const instrument_t *in = instruments_find(call->ctx->instruments, sym);
    if (!in)
        return venue_fail(call, XR_UNKNOWN_SYMBOL, "unknown symbol %s", sym);
    memcpy(out, in->venue_symbol, VENUE_SYMBOL_MAX);
    return 0;
}

static const char *s_side_word(venue_side_t s)
{
    return s == VENUE_SIDE_BUY ? "Buy" : "Sell";
}

static const char *s_tif_word(venue_tif_t t)
{
    switch (t) {
    case VENUE_TIF_IOC: return "IOC";
    case VENUE_TIF_FOK: return "FOK";
    case VENUE_TIF_GTX: return "PostOnly";
    case VENUE_TIF_GTC:
    case VENUE_TIF_NONE: break;
    }
    return "GTC";
}

/* positionIdx: 0 one-way, 1 hedge long, 2 hedge short. */
static int s_pidx(venue_pside_t ps)
{
    return ps == VENUE_PSIDE_LONG ? 1 : ps == VENUE_PSIDE_SHORT ? 2 : 0;
}

static bool s_is_stop(venue_type_t t)
{
    return t == VENUE_TYPE_STOP_MARKET || t == VENUE_TYPE_STOP_LIMIT;
}

/* triggerDirection: 1 = fires when the price rises to the trigger, 2 = when it falls to it. A stop buys
 * above the market and sells below it; a take-profit does the opposite. */
static int s_trigger_direction(venue_type_t t, venue_side_t side)
{
    bool rise = s_is_stop(t) ? side == VENUE_SIDE_BUY : side == VENUE_SIDE_SELL;
    return rise ? 1 : 2;
}

const char *bybit_interval(const char *unified, int64_t *ms)
{
    static const struct {
        const char *unified, *bybit;
        int64_t ms;
    } map[] = {{"1m", "1", 60000},         {"3m", "3", 180000},         {"5m", "5", 300000},
               {"15m", "15", 900000},      {"30m", "30", 1800000},      {"1h", "60", 3600000},
               {"2h", "120", 7200000},     {"4h", "240", 14400000},     {"6h", "360", 21600000},
               {"12h", "720", 43200000},   {"1d", "D", 86400000},       {"1w", "W", 604800000},
               {"1M", "M", 0}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(unified, map[i].unified) == 0) {
            if (ms)
                *ms = map[i].ms;
            return map[i].bybit;
        }
    return NULL;
}

/* ---- reply parsing helpers ---------------------------------------------------------------------------- */

/* Parses the reply body; fails the call with INTERNAL ("bad reply") on malformed JSON. */
static json_t *s_parse(venue_call_t *call)
{
    err_t e;
    json_t *root = json_parse(call->resp->body, call->resp->body_len, BY_MAX_REPLY, BY_MAX_DEPTH, &e);
    if (!root)
        venue_fail(call, XR_INTERNAL, "bad reply to %s: %s", call->req.path, e.msg);
    return root;
}

/* The envelope's result object. Fails the call when it is missing. */
static const json_t *s_result(venue_call_t *call, const json_t *root)
{
    const json_t *r = json_get(root, "result");
    if (json_kind(r) != JSON_OBJECT)
        venue_fail(call, XR_INTERNAL, "reply to %s without a result object", call->req.path);
    return json_kind(r) == JSON_OBJECT ? r : NULL;
}

/* ---- request builders --------------------------------------------------------------------------------- */

static void s_signed(venue_call_t *call, venue_method_t m, const char *path)
{
    venue_req_reset(&call->req, m, path);
    call->req.sign = true;
    call->req.weight = 1;
}

static void s_public(venue_call_t *call, const char *path)
{
    venue_req_reset(&call->req, VENUE_GET, path);
    call->req.weight = 1;
}

/* A signed GET with category=linear first. */
static void s_get(venue_call_t *call, const char *path)
{
    s_signed(call, VENUE_GET, path);
    venue_req_param(&call->req, "category", "linear");
}

/* Appends a cursor as it came (already percent-encoded by the venue); bytes outside the URL-safe set are
 * encoded so nothing the venue sends can break the query. */
static void s_param_cursor(venue_req_t *r, const char *cursor)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = buf_puts(&r->query, r->query.len ? "&cursor=" : "cursor=");
    for (const unsigned char *p = (const unsigned char *) cursor; *p && rc == 0; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                     strchr("-_.~%", *p) != NULL;
        char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        rc = plain ? buf_putc(&r->query, (char) *p) : buf_append(&r->query, enc, 3);
    }
    if (rc != 0)
        r->overflow = true;
}

/* A JSON body under construction: POST with Content-Type application/json. */
static void s_post(venue_call_t *call, const char *path, jw_t *w)
{
    s_signed(call, VENUE_POST, path);
    call->req.orders = 1; /* every POST is a write with the 10/s budget */
    snprintf(call->req.content_type, sizeof call->req.content_type, "application/json");
    jw_init(w, &call->req.body);
    jw_object_begin(w);
    jw_key(w, "category");
    jw_string(w, "linear");
}

static void s_post_end(venue_call_t *call, jw_t *w)
{
    jw_object_end(w);
    if (jw_failed(w))
        call->req.overflow = true;
}

static void s_kv(jw_t *w, const char *key, const char *value)
{
    jw_key(w, key);
    jw_string(w, value);
}

static void s_kv_dec(jw_t *w, const char *key, decimal_t v)
{
    jw_key(w, key);
    jw_decimal_string(w, v);
}

/* POST /v5/order/create. Member order is fixed (the signature covers the exact bytes): the fields of the
 * venues.md vector first, then the optional ones. */
static int s_build_create(venue_call_t *call, const venue_order_req_t *o, const char *vsym)
{
    if (o->type == VENUE_TYPE_TRAILING_STOP_MARKET)
        return venue_fail(call, XR_UNSUPPORTED,
                          "bybit has no trailing-stop orders (trailing stops are a position setting)");
    jw_t w;
    s_post(call, "/v5/order/create", &w);
    venue_req_t *r = &call->req;
    r->kind = VENUE_CREATES_ORDER;
    r->orders = 1;
    memcpy(r->client_order_id, o->client_order_id, VENUE_CLID_MAX);
    memcpy(r->symbol, o->symbol, VENUE_SYMBOL_MAX);
    bool limit = venue_type_has_price(o->type);
    s_kv(&w, "symbol", vsym);
    s_kv(&w, "side", s_side_word(o->side));
    s_kv(&w, "orderType", limit ? "Limit" : "Market");
    s_kv_dec(&w, "qty", o->quantity);
    if (limit) {
        s_kv_dec(&w, "price", o->price);
        s_kv(&w, "timeInForce", s_tif_word(o->time_in_force));
    }
    s_kv(&w, "orderLinkId", o->client_order_id);
    if (o->position_side != VENUE_PSIDE_NONE) {
        jw_key(&w, "positionIdx");
        jw_int64(&w, s_pidx(o->position_side));
    }
    if (o->reduce_only) {
        jw_key(&w, "reduceOnly");
        jw_bool(&w, true);
    }
    if (venue_type_has_trigger(o->type)) {
        s_kv_dec(&w, "triggerPrice", o->stop_price);
        jw_key(&w, "triggerDirection");
        jw_int64(&w, s_trigger_direction(o->type, o->side));
        s_kv(&w, "triggerBy", "LastPrice");
    }
    if (!decimal_is_zero(o->take_profit))
        s_kv_dec(&w, "takeProfit", o->take_profit);
    if (!decimal_is_zero(o->stop_loss))
        s_kv_dec(&w, "stopLoss", o->stop_loss);
    s_post_end(call, &w);
    return 0;
}

/* GET /v5/order/realtime or /v5/order/history for one order, by venue id when known, else by client id. */
static void s_build_query(venue_call_t *call, bool history, const char *vsym, const char *order_id, const char *clid)
{
    s_get(call, history ? "/v5/order/history" : "/v5/order/realtime");
    venue_req_param(&call->req, "symbol", vsym);
    if (order_id && order_id[0])
        venue_req_param(&call->req, "orderId", order_id);
    else
        venue_req_param(&call->req, "orderLinkId", clid);
}

static void s_build_leverage(venue_call_t *call, const char *vsym, int leverage)
{
    char lev[16];
    jw_t w;
    snprintf(lev, sizeof lev, "%d", leverage);
    s_post(call, "/v5/position/set-leverage", &w);
    s_kv(&w, "symbol", vsym);
    s_kv(&w, "buyLeverage", lev);
    s_kv(&w, "sellLeverage", lev);
    s_post_end(call, &w);
}

/* set-leverage replies "leverage not modified" (110043) when it is already that value: a success. */
static bool s_leverage_ok(const venue_call_t *call)
{
    return !call->error || strcmp(call->error->venue_code, "110043") == 0;
}

/* ---- one order: the list reply of realtime/history ---------------------------------------------------- */

/* Parses the first order of a list reply into *out. Returns 1 when found, 0 when the list is empty, -1
 * after failing the call. */
static int s_first_order(venue_call_t *call, venue_order_t *out)
{
    json_t *root = s_parse(call);
    if (!root)
        return -1;
    const json_t *res = s_result(call, root);
    const json_t *list = res ? json_get(res, "list") : NULL;
    int rc = -1;
    err_t e;
    err_clear(&e);
    if (res && json_kind(list) != JSON_ARRAY)
        venue_fail(call, XR_INTERNAL, "reply to %s without a list", call->req.path);
    else if (res && json_array_len(list) == 0)
        rc = 0;
    else if (res && bybit_parse_order(json_array_at(list, 0), call->ctx->instruments, out, &e) < 0)
        venue_fail(call, e.code == XR_UNKNOWN_SYMBOL ? XR_UNKNOWN_SYMBOL : XR_INTERNAL, "bad order reply: %s", e.msg);
    else if (res)
        rc = 1;
    json_free(&root);
    return rc;
}

/* The ids of an ids-only acknowledgement (create, cancel) into oid/clid. Returns 0 or -1 after failing. */
static int s_ack_ids(venue_call_t *call, char oid[VENUE_ID_MAX], char clid[VENUE_CLID_MAX])
{
    json_t *root = s_parse(call);
    if (!root)
        return -1;
    const json_t *res = s_result(call, root);
    err_t e;
    int rc = -1;
    if (res && (json_get_str(res, "orderId", oid, VENUE_ID_MAX, &e) < 0 ||
                bybit_opt_str(res, "orderLinkId", clid, VENUE_CLID_MAX, &e) < 0))
        venue_fail(call, XR_INTERNAL, "bad acknowledgement from %s: %s", call->req.path, e.msg);
    else if (res && !oid[0])
        venue_fail(call, XR_INTERNAL, "acknowledgement from %s without an order id", call->req.path);
    else if (res)
        rc = 0;
    json_free(&root);
    return rc;
}

/* The order as acknowledged but not confirmed by a query: the request's fields, the venue's id, NEW. */
static void s_acked_order(venue_call_t *call, const venue_order_req_t *o, const char *oid)
{
    venue_order_t *r = &call->result.order;
    memset(r, 0, sizeof *r);
    venue_copy(r->order_id, sizeof r->order_id, oid);
    memcpy(r->client_order_id, o->client_order_id, VENUE_CLID_MAX);
    memcpy(r->symbol, o->symbol, VENUE_SYMBOL_MAX);
    r->side = o->side;
    r->type = o->type;
    r->time_in_force = venue_type_has_price(o->type) ? (o->time_in_force ? o->time_in_force : VENUE_TIF_GTC)
                                                     : VENUE_TIF_NONE;
    r->quantity = o->quantity;
    r->price = o->price;
    r->stop_price = o->stop_price;
    r->reduce_only = o->reduce_only;
    r->position_side = o->position_side ? o->position_side : VENUE_PSIDE_BOTH;
    r->status = venue_type_has_trigger(o->type) ? VENUE_STATUS_UNTRIGGERED : VENUE_STATUS_NEW;
    r->created_at = r->updated_at = call->ctx->now_ms;
}

/* ---- placing: shared by place_order and close_position ------------------------------------------------ */

/* Steps after the create request. CONFIRM queries the acknowledged order; the DUP steps query an order
 * whose orderLinkId was already taken (realtime, then history). */
enum { PL_CREATE = 20, PL_CONFIRM, PL_CONFIRM_AGAIN, PL_DUP, PL_DUP_HISTORY };

static int s_place_send(venue_call_t *call, const venue_order_req_t *o, const char *vsym)
{
    if (s_build_create(call, o, vsym) < 0)
        return VENUE_FAIL;
    call->step = PL_CREATE;
    return VENUE_SEND;
}

/* Handles the replies of the PL_* steps for order o. */
static int s_place_reply(venue_call_t *call, const venue_order_req_t *o, const char *vsym)
{
    char oid[VENUE_ID_MAX] = "", clid[VENUE_CLID_MAX] = "";
    int found;
    switch (call->step) {
    case PL_CREATE:
        if (call->error && call->error->code == XR_DUPLICATE_ORDER) {
            /* The id is already in use at the venue: the answer is that order, not a failure. */
            s_build_query(call, false, vsym, NULL, o->client_order_id);
            call->step = PL_DUP;
            return VENUE_SEND;
        }
        if (call->error)
            return venue_fail_reply(call);
        if (s_ack_ids(call, oid, clid) < 0)
            return VENUE_FAIL;
        /* Acknowledged: from here on the order exists, so later trouble answers it as acknowledged. */
        s_acked_order(call, o, oid);
        venue_copy(call->note, sizeof call->note, oid);
        s_build_query(call, false, vsym, oid, NULL);
        call->step = PL_CONFIRM;
        return VENUE_SEND;
    case PL_CONFIRM:
    case PL_CONFIRM_AGAIN: {
        /* Acknowledged: a failed or unreadable query still answers the order (status from the request);
         * its state then comes through the runtime's later queries and fill events. */
        if (call->error)
            return VENUE_DONE;
        venue_order_t q;
        found = s_first_order(call, &q);
        if (found < 0) {
            memset(&call->fail, 0, sizeof call->fail);
            return VENUE_DONE;
        }
        if (found) {
            call->result.order = q;
            return VENUE_DONE;
        }
        if (call->step == PL_CONFIRM) {
            s_build_query(call, false, vsym, call->note, NULL);
            call->step = PL_CONFIRM_AGAIN;
            return VENUE_SEND;
        }
        return VENUE_DONE;
    }
    case PL_DUP:
    case PL_DUP_HISTORY:
        if (call->error)
            return venue_fail_reply(call);
        found = s_first_order(call, &call->result.order);
        if (found < 0)
            return VENUE_FAIL;
        if (found)
            return VENUE_DONE;
        if (call->step == PL_DUP) {
            s_build_query(call, true, vsym, NULL, o->client_order_id);
            call->step = PL_DUP_HISTORY;
            return VENUE_SEND;
        }
        return venue_fail(call, XR_DUPLICATE_ORDER,
                          "client order id %s is taken at the venue, but no order with it can be found",
                          o->client_order_id);
    }
    return venue_fail(call, XR_INTERNAL, "place: bad step %d", call->step);
}

/* ---- place_order -------------------------------------------------------------------------------------- */

enum { PO_LEVERAGE = 1 };

static int s_place_order(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX];
    const venue_order_req_t *o = &call->in.order;
    if (s_vsym(call, o->symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == 0 && o->leverage > 0) {
        s_build_leverage(call, vsym, o->leverage);
        call->step = PO_LEVERAGE;
        return VENUE_SEND;
    }
    if (call->step == 0)
        return s_place_send(call, o, vsym);
    if (call->step == PO_LEVERAGE) {
        if (!s_leverage_ok(call))
            return venue_fail_reply(call);
        return s_place_send(call, o, vsym);
    }
    return s_place_reply(call, o, vsym);
}

/* ---- get_order / cancel_order ------------------------------------------------------------------------- */

enum { GO_REALTIME = 1, GO_HISTORY };

/* Queries one order by id: realtime (open and recently closed), then history. Returns VENUE_DONE with
 * result.order, VENUE_SEND, or VENUE_FAIL (ORDER_NOT_FOUND when neither list has it). */
static int s_lookup(venue_call_t *call, const char *vsym, const char *oid, const char *clid)
{
    if (call->step == 0) {
        s_build_query(call, false, vsym, oid, clid);
        call->step = GO_REALTIME;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    int found = s_first_order(call, &call->result.order);
    if (found < 0)
        return VENUE_FAIL;
    if (found)
        return VENUE_DONE;
    if (call->step == GO_REALTIME) {
        s_build_query(call, true, vsym, oid, clid);
        call->step = GO_HISTORY;
        return VENUE_SEND;
    }
    return venue_fail(call, XR_ORDER_NOT_FOUND, "order %s not found", oid && oid[0] ? oid : clid);
}

static int s_get_order(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == 0 && !call->in.order_id[0] && !call->in.client_order_id[0])
        return venue_fail(call, XR_INVALID_REQUEST, "order_id or client_order_id required");
    return s_lookup(call, vsym, call->in.order_id, call->in.client_order_id);
}

enum { CO_CANCEL = 10, CO_CONFIRM = 11 };

static void s_cancel_from_order(venue_call_t *call)
{
    venue_cancel_t *c = &call->result.cancel;
    const venue_order_t *o = &call->result.order;
    c->ok = true;
    memcpy(c->order_id, o->order_id, sizeof c->order_id);
    memcpy(c->client_order_id, o->client_order_id, sizeof c->client_order_id);
    c->status = o->status;
}

/* cancel_order: POST /v5/order/cancel (ids-only acknowledgement), then the order's state from realtime. */
static int s_cancel_order(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX], oid[VENUE_ID_MAX] = "", clid[VENUE_CLID_MAX] = "";
    if (s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == 0) {
        if (!call->in.order_id[0] && !call->in.client_order_id[0])
            return venue_fail(call, XR_INVALID_REQUEST, "order_id or client_order_id required");
        jw_t w;
        s_post(call, "/v5/order/cancel", &w);
        s_kv(&w, "symbol", vsym);
        if (call->in.order_id[0])
            s_kv(&w, "orderId", call->in.order_id);
        else
            s_kv(&w, "orderLinkId", call->in.client_order_id);
        s_post_end(call, &w);
        call->step = CO_CANCEL;
        return VENUE_SEND;
    }
    if (call->step == CO_CANCEL) {
        if (call->error)
            return venue_fail_reply(call);
        if (s_ack_ids(call, oid, clid) < 0)
            return VENUE_FAIL;
        venue_cancel_t *c = &call->result.cancel;
        c->ok = true;
        memcpy(c->order_id, oid, sizeof c->order_id);
        memcpy(c->client_order_id, clid[0] ? clid : call->in.client_order_id, sizeof c->client_order_id);
        c->status = VENUE_STATUS_CANCELED; /* accepted; the query below says what the order became */
        s_build_query(call, false, vsym, oid, NULL);
        call->step = CO_CONFIRM;
        return VENUE_SEND;
    }
    /* The cancel was accepted: a failed confirmation still answers ok with the acknowledged ids. */
    if (call->error)
        return VENUE_DONE;
    venue_order_t q;
    int found = s_first_order(call, &q);
    if (found < 0)
        memset(&call->fail, 0, sizeof call->fail);
    if (found > 0) {
        call->result.order = q;
        s_cancel_from_order(call);
        if (!venue_status_final(q.status))
            call->result.cancel.status = VENUE_STATUS_CANCELED;
    }
    return VENUE_DONE;
}

/* ---- lists with cursor paging: open orders, positions --------------------------------------------------- */

/* Settle coins (the quote assets of the instrument table, in table order), for list requests without a
 * symbol: Bybit wants symbol or settleCoin on linear lists. Returns the i-th, or NULL past the last. */
static const char *s_settle_coin(const instruments_t *t, size_t i)
{
    size_t seen = 0;
    for (size_t k = 0; k < instruments_count(t); k++) {
        const char *q = instruments_at(t, k)->quote;
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(instruments_at(t, j)->quote, q) == 0;
        if (!dup && seen++ == i)
            return q;
    }
    return NULL;
}

/* scratch[0] = settle coin index (lists without symbol), scratch[1] = pages read. */
typedef int s_item_fn(venue_call_t *call, const json_t *item);

/* Builds the first page request of a list for call->in.symbol, or for the scratch[0]-th settle coin.
 * Returns VENUE_SEND, VENUE_DONE when no settle coin is left, or VENUE_FAIL. */
static int s_list_first(venue_call_t *call, const char *path, int limit)
{
    char vsym[VENUE_SYMBOL_MAX];
    const char *coin = NULL;
    if (call->in.symbol[0] && s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (!call->in.symbol[0] && !(coin = s_settle_coin(call->ctx->instruments, (size_t) call->scratch[0])))
        return VENUE_DONE;
    s_get(call, path);
    if (coin)
        venue_req_param(&call->req, "settleCoin", coin);
    else
        venue_req_param(&call->req, "symbol", vsym);
    venue_req_param_int(&call->req, "limit", limit);
    return VENUE_SEND;
}

/* Handles one list page: items go through fn; then the next page, the next settle coin, or done. */
static int s_list_page(venue_call_t *call, const char *path, int limit, s_item_fn *fn)
{
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *res = s_result(call, root);
    const json_t *list = res ? json_get(res, "list") : NULL;
    char cursor[512] = "";
    err_t e;
    int rc = res ? VENUE_DONE : VENUE_FAIL;
    if (res && json_kind(list) != JSON_ARRAY)
        rc = venue_fail(call, XR_INTERNAL, "reply to %s without a list", path);
    for (size_t i = 0; rc == VENUE_DONE && i < json_array_len(list); i++)
        rc = fn(call, json_array_at(list, i));
    if (rc == VENUE_DONE && bybit_opt_str(res, "nextPageCursor", cursor, sizeof cursor, &e) < 0)
        rc = venue_fail(call, XR_INTERNAL, "bad cursor from %s: %s", path, e.msg);
    bool more = cursor[0] && json_array_len(list) > 0;
    json_free(&root);
    if (rc != VENUE_DONE)
        return rc;
    if (more) {
        if (++call->scratch[1] >= BY_PAGES_MAX)
            return venue_fail(call, XR_INTERNAL, "%s: more than %d pages", path, BY_PAGES_MAX);
        rc = s_list_first(call, path, limit);
        if (rc == VENUE_SEND)
            s_param_cursor(&call->req, cursor);
        return rc;
    }
    if (call->in.symbol[0])
        return VENUE_DONE;
    call->scratch[0]++;
    return s_list_first(call, path, limit);
}

static int s_open_item(venue_call_t *call, const json_t *item)
{
    venue_order_t o;
    err_t e;
    err_clear(&e);
    if (bybit_parse_order(item, call->ctx->instruments, &o, &e) < 0)
        return e.code == XR_UNKNOWN_SYMBOL ? VENUE_DONE : venue_fail(call, XR_INTERNAL, "bad open order: %s", e.msg);
    if (venue_status_final(o.status))
        return VENUE_DONE;
    venue_order_t *slot = venue_result_add_order(&call->result);
    if (!slot)
        return venue_fail(call, XR_INTERNAL, "too many open orders");
    *slot = o;
    return VENUE_DONE;
}

#define BY_OPEN_PATH "/v5/order/realtime"
#define BY_OPEN_LIMIT 50
#define BY_POS_PATH "/v5/position/list"
#define BY_POS_LIMIT 200

static int s_get_open_orders(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        call->step = 1;
        return s_list_first(call, BY_OPEN_PATH, BY_OPEN_LIMIT);
    }
    return s_list_page(call, BY_OPEN_PATH, BY_OPEN_LIMIT, s_open_item);
}

static int s_position_item(venue_call_t *call, const json_t *item)
{
    venue_position_t p;
    err_t e;
    err_clear(&e);
    if (bybit_parse_position(item, call->ctx->instruments, &p, &e) < 0)
        return e.code == XR_UNKNOWN_SYMBOL ? VENUE_DONE : venue_fail(call, XR_INTERNAL, "bad position: %s", e.msg);
    venue_position_t *slot = venue_result_add_position(&call->result);
    if (!slot)
        return venue_fail(call, XR_INTERNAL, "too many positions");
    *slot = p;
    return VENUE_DONE;
}

static int s_get_positions(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        call->step = 1;
        return s_list_first(call, BY_POS_PATH, BY_POS_LIMIT);
    }
    return s_list_page(call, BY_POS_PATH, BY_POS_LIMIT, s_position_item);
}

/* ---- cancel_all --------------------------------------------------------------------------------------- */

/* POST /v5/order/cancel-all for the symbol, or for each settle coin (scratch[0]). Returns VENUE_SEND or
 * VENUE_DONE when no settle coin is left. */
static int s_ca_send(venue_call_t *call)
{
    char vsym[VENUE_SYMBOL_MAX];
    const char *coin = NULL;
    if (call->in.symbol[0] && s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (!call->in.symbol[0] && !(coin = s_settle_coin(call->ctx->instruments, (size_t) call->scratch[0])))
        return VENUE_DONE;
    jw_t w;
    s_post(call, "/v5/order/cancel-all", &w);
    s_kv(&w, coin ? "settleCoin" : "symbol", coin ? coin : vsym);
    s_post_end(call, &w);
    call->step = 1;
    return VENUE_SEND;
}

static int s_cancel_all(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0)
        return s_ca_send(call);
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *res = s_result(call, root);
    const json_t *list = res ? json_get(res, "list") : NULL;
    int rc = res ? VENUE_DONE : VENUE_FAIL;
    for (size_t i = 0; rc == VENUE_DONE && i < json_array_len(list); i++) {
        const json_t *it = json_array_at(list, i);
        venue_cancel_t c = {.ok = true, .status = VENUE_STATUS_CANCELED};
        err_t e;
        venue_cancel_t *slot;
        if (json_get_str(it, "orderId", c.order_id, sizeof c.order_id, &e) < 0 ||
            bybit_opt_str(it, "orderLinkId", c.client_order_id, sizeof c.client_order_id, &e) < 0)
            rc = venue_fail(call, XR_INTERNAL, "bad cancel-all entry: %s", e.msg);
        else if (!(slot = venue_result_add_cancel(&call->result)))
            rc = venue_fail(call, XR_INTERNAL, "too many cancels");
        else
            *slot = c;
    }
    json_free(&root);
    if (rc != VENUE_DONE)
        return rc;
    call->result.count = (int64_t) call->result.n_cancels;
    if (call->in.symbol[0])
        return VENUE_DONE;
    call->scratch[0]++;
    return s_ca_send(call);
}

/* ---- balances, leverage ------------------------------------------------------------------------------- */

static int s_get_balances(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        s_signed(call, VENUE_GET, "/v5/account/wallet-balance");
        venue_req_param(&call->req, "accountType", "UNIFIED");
        if (call->in.asset[0])
            venue_req_param(&call->req, "coin", call->in.asset);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *res = s_result(call, root);
    const json_t *accounts = res ? json_get(res, "list") : NULL;
    int rc = res ? VENUE_DONE : VENUE_FAIL;
    if (res && json_kind(accounts) != JSON_ARRAY)
        rc = venue_fail(call, XR_INTERNAL, "wallet-balance without a list");
    for (size_t a = 0; rc == VENUE_DONE && a < json_array_len(accounts); a++) {
        const json_t *coins = json_get(json_array_at(accounts, a), "coin");
        for (size_t i = 0; rc == VENUE_DONE && i < json_array_len(coins); i++) {
            venue_balance_t b;
            err_t e;
            venue_balance_t *slot;
            if (bybit_parse_balance(json_array_at(coins, i), &b, &e) < 0)
                rc = venue_fail(call, XR_INTERNAL, "bad balance: %s", e.msg);
            else if (call->in.asset[0] && strcmp(call->in.asset, b.asset) != 0)
                continue;
            else if (!(slot = venue_result_add_balance(&call->result)))
                rc = venue_fail(call, XR_INTERNAL, "too many balances");
            else
                *slot = b;
        }
    }
    json_free(&root);
    return rc;
}

static int s_set_leverage(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        char vsym[VENUE_SYMBOL_MAX];
        if (call->in.leverage < 1 || call->in.leverage > 125)
            return venue_fail(call, XR_INVALID_REQUEST, "leverage must be 1..125");
        if (s_vsym(call, call->in.symbol, vsym) < 0)
            return VENUE_FAIL;
        s_build_leverage(call, vsym, call->in.leverage);
        call->step = 1;
        return VENUE_SEND;
    }
    if (!s_leverage_ok(call))
        return venue_fail_reply(call);
    call->result.leverage = call->in.leverage;
    return VENUE_DONE;
}

/* ---- close_position ----------------------------------------------------------------------------------- */

/* Reads the symbol's positions, then a reduce-only market order on the other side for the size of the
 * first open one (the PL_* steps confirm it like place_order). */
static int s_close_position(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step >= PL_CREATE)
        return s_place_reply(call, &call->in.order, vsym);
    if (call->step == 0) {
        call->step = 1;
        return s_list_first(call, BY_POS_PATH, BY_POS_LIMIT);
    }
    int rc = s_list_page(call, BY_POS_PATH, BY_POS_LIMIT, s_position_item);
    if (rc != VENUE_DONE)
        return rc;
    const venue_position_t *pos = NULL;
    for (size_t i = 0; i < call->result.n_positions && !pos; i++)
        if (call->result.positions[i].side != VENUE_POS_FLAT &&
            strcmp(call->result.positions[i].symbol, call->in.symbol) == 0)
            pos = &call->result.positions[i];
    if (!pos)
        return venue_fail(call, XR_INVALID_REQUEST, "no open position on %s", call->in.symbol);
    venue_order_req_t *o = &call->in.order;
    memset(o, 0, sizeof *o);
    memcpy(o->symbol, call->in.symbol, VENUE_SYMBOL_MAX);
    memcpy(o->client_order_id, call->in.client_order_id, VENUE_CLID_MAX);
    o->type = VENUE_TYPE_MARKET;
    o->side = pos->side == VENUE_POS_LONG ? VENUE_SIDE_SELL : VENUE_SIDE_BUY;
    o->quantity = pos->quantity;
    o->position_side = pos->position_side == VENUE_PSIDE_BOTH ? VENUE_PSIDE_NONE : pos->position_side;
    o->reduce_only = true;
    return s_place_send(call, o, vsym);
}

/* ---- market data -------------------------------------------------------------------------------------- */

static int s_get_ticker(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    venue_ticker_t *t = &call->result.ticker;
    if (call->step == 0) {
        s_public(call, "/v5/market/tickers");
        venue_req_param(&call->req, "category", "linear");
        venue_req_param(&call->req, "symbol", vsym);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *res = s_result(call, root);
    const json_t *it = res ? json_array_at(json_get(res, "list"), 0) : NULL;
    char sym[VENUE_SYMBOL_MAX];
    err_t e;
    int rc = VENUE_DONE;
    if (!res)
        rc = VENUE_FAIL;
    else if (!it)
        rc = venue_fail(call, XR_UNKNOWN_SYMBOL, "no ticker for %s", call->in.symbol);
    else if (json_get_str(it, "symbol", sym, sizeof sym, &e) < 0 || json_get_decimal(it, "lastPrice", &t->last, &e) < 0 ||
             bybit_opt_dec(it, "markPrice", &t->mark, &e) < 0 || bybit_opt_dec(it, "bid1Price", &t->bid, &e) < 0 ||
             bybit_opt_dec(it, "ask1Price", &t->ask, &e) < 0 || bybit_opt_int(root, "time", &t->time, &e) < 0)
        rc = venue_fail(call, XR_INTERNAL, "bad ticker reply: %s", e.msg);
    else if (strcmp(sym, vsym) != 0)
        rc = venue_fail(call, XR_INTERNAL, "ticker for %s, asked %s", sym, vsym);
    json_free(&root);
    if (rc == VENUE_DONE)
        memcpy(t->symbol, call->in.symbol, VENUE_SYMBOL_MAX);
    return rc;
}

/* get_klines: Bybit lists newest first; the result is oldest first. */
static int s_get_klines(void *state, venue_call_t *call)
{
    (void) state;
    int64_t len_ms = 0;
    const char *iv = bybit_interval(call->in.interval, &len_ms);
    if (call->step == 0) {
        char vsym[VENUE_SYMBOL_MAX];
        if (s_vsym(call, call->in.symbol, vsym) < 0)
            return VENUE_FAIL;
        if (!iv)
            return venue_fail(call, XR_INVALID_REQUEST, "interval %s is not available on bybit", call->in.interval);
        if (call->in.limit < 0 || call->in.limit > 1000)
            return venue_fail(call, XR_INVALID_REQUEST, "limit must be 1..1000");
        s_public(call, "/v5/market/kline");
        venue_req_param(&call->req, "category", "linear");
        venue_req_param(&call->req, "symbol", vsym);
        venue_req_param(&call->req, "interval", iv);
        if (call->in.start_ms)
            venue_req_param_int(&call->req, "start", call->in.start_ms);
        if (call->in.end_ms)
            venue_req_param_int(&call->req, "end", call->in.end_ms);
        if (call->in.limit)
            venue_req_param_int(&call->req, "limit", call->in.limit);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *res = s_result(call, root);
    const json_t *list = res ? json_get(res, "list") : NULL;
    int rc = res ? VENUE_DONE : VENUE_FAIL;
    if (res && json_kind(list) != JSON_ARRAY)
        rc = venue_fail(call, XR_INTERNAL, "kline reply without a list");
    size_t n = json_array_len(list);
    for (size_t i = n; rc == VENUE_DONE && i-- > 0;) {
        venue_kline_t k = {0};
        err_t e;
        venue_kline_t *slot;
        if (bybit_parse_kline(json_array_at(list, i), len_ms, &k, &e) < 0)
            rc = venue_fail(call, XR_INTERNAL, "bad kline: %s", e.msg);
        else if (call->result.n_klines && call->result.klines[call->result.n_klines - 1].open_time >= k.open_time)
            rc = venue_fail(call, XR_INTERNAL, "klines not newest first");
        else if (!(slot = venue_result_add_kline(&call->result)))
            rc = venue_fail(call, XR_INTERNAL, "too many klines");
        else
            *slot = k;
    }
    json_free(&root);
    return rc;
}

/* ---- fills -------------------------------------------------------------------------------------------- */

#define BY_FILLS_PAGE 100

static void s_fills_request(venue_call_t *call, const char *vsym)
{
    s_get(call, "/v5/execution/list");
    venue_req_param(&call->req, "symbol", vsym);
    if (call->in.from_id > 0)
        venue_req_param_int(&call->req, "startTime", call->in.from_id / 1000);
    else if (call->in.start_ms > 0)
        venue_req_param_int(&call->req, "startTime", call->in.start_ms);
    venue_req_param_int(&call->req, "limit", BY_FILLS_PAGE);
}

/* All pages are in (newest first): reverse to oldest first, give each fill its cursor key
 * (execTime * 1000 + rank within its millisecond), keep the oldest in.limit. */
static int s_fills_done(venue_call_t *call)
{
    venue_result_t *r = &call->result;
    for (size_t i = 0, j = r->n_fills; i + 1 < j; i++, j--) {
        venue_fill_t tmp = r->fills[i];
        r->fills[i] = r->fills[j - 1];
        r->fills[j - 1] = tmp;
    }
    int64_t rank = 0;
    for (size_t i = 0; i < r->n_fills; i++) {
        if (i > 0 && r->fills[i].executed_at < r->fills[i - 1].executed_at)
            return venue_fail(call, XR_INTERNAL, "executions not newest first");
        rank = i > 0 && r->fills[i].executed_at == r->fills[i - 1].executed_at ? rank + 1 : 0;
        r->fills[i].seq_key = r->fills[i].executed_at * 1000 + (rank < BY_FILL_RANK_MAX ? rank : BY_FILL_RANK_MAX);
    }
    if (call->in.limit > 0 && r->n_fills > (size_t) call->in.limit)
        r->n_fills = (size_t) call->in.limit;
    return VENUE_DONE;
}

static int s_get_fills(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX], cursor[512] = "";
    if (s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == 0) {
        s_fills_request(call, vsym);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *res = s_result(call, root);
    const json_t *list = res ? json_get(res, "list") : NULL;
    err_t e;
    err_clear(&e);
    int rc = res ? VENUE_DONE : VENUE_FAIL;
    if (res && json_kind(list) != JSON_ARRAY)
        rc = venue_fail(call, XR_INTERNAL, "execution list reply without a list");
    for (size_t i = 0; rc == VENUE_DONE && i < json_array_len(list); i++) {
        venue_fill_t f;
        int k = bybit_parse_fill(json_array_at(list, i), call->ctx->instruments, &f, &e);
        venue_fill_t *slot;
        if (k < 0)
            rc = venue_fail(call, XR_INTERNAL, "bad execution: %s", e.msg);
        else if (k > 0 && !(slot = venue_result_add_fill(&call->result)))
            rc = venue_fail(call, XR_INTERNAL, "more than %d executions in one read; narrow the window",
                            VENUE_RESULT_ITEMS_MAX);
        else if (k > 0)
            *slot = f;
    }
    if (rc == VENUE_DONE && bybit_opt_str(res, "nextPageCursor", cursor, sizeof cursor, &e) < 0)
        rc = venue_fail(call, XR_INTERNAL, "bad cursor: %s", e.msg);
    bool more = json_array_len(list) > 0 && cursor[0];
    json_free(&root);
    if (rc != VENUE_DONE)
        return rc;
    if (!more)
        return s_fills_done(call);
    if (++call->scratch[1] >= BY_PAGES_MAX)
        return venue_fail(call, XR_INTERNAL, "execution list: more than %d pages", BY_PAGES_MAX);
    s_fills_request(call, vsym);
    s_param_cursor(&call->req, cursor);
    return VENUE_SEND;
}

/* ---- instruments and time ------------------------------------------------------------------------------ */

/* Published limits (venues.md 2.7): 600 requests per 5 s per IP, and per UID 50 per second on each read
 * endpoint and 10 per second on each write endpoint. The runtime has one request budget and one order
 * budget, so every request counts against 50 per second (within the IP limit and every read endpoint's)
 * and every write (create, cancel, cancel-all, set-leverage) against 10 per second. */
static void s_limits(venue_limits_t *l)
{
    l->weight_per_window = BY_READ_LIMIT;
    l->weight_window_ms = 1000;
    l->orders_short = BY_ORDER_LIMIT;
    l->orders_short_ms = 1000;
    l->orders_long = BY_ORDER_LIMIT * 60;
    l->orders_long_ms = 60000;
}

static void s_instruments_request(venue_call_t *call)
{
    s_public(call, "/v5/market/instruments-info");
    venue_req_param(&call->req, "category", "linear");
    venue_req_param(&call->req, "limit", "1000");
}

static int s_load_instruments(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        call->result.instruments = instruments_new();
        s_limits(&call->result.limits);
        s_instruments_request(call);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *res = s_result(call, root);
    const json_t *list = res ? json_get(res, "list") : NULL;
    char cursor[512] = "";
    err_t e;
    int rc = res ? VENUE_DONE : VENUE_FAIL;
    if (res && json_kind(list) != JSON_ARRAY)
        rc = venue_fail(call, XR_INTERNAL, "instruments-info without a list");
    for (size_t i = 0; rc == VENUE_DONE && i < json_array_len(list); i++) {
        instrument_t in;
        err_clear(&e);
        int k = bybit_parse_instrument(json_array_at(list, i), &in, &e);
        if (k < 0)
            rc = venue_fail(call, XR_INTERNAL, "bad instruments-info entry %zu: %s", i, e.msg);
        else if (k > 0 && instruments_add(call->result.instruments, &in, &e) < 0 &&
                 instruments_count(call->result.instruments) >= INSTRUMENTS_MAX)
            rc = venue_fail(call, XR_INTERNAL, "instruments-info: %s", e.msg);
    }
    if (rc == VENUE_DONE && bybit_opt_str(res, "nextPageCursor", cursor, sizeof cursor, &e) < 0)
        rc = venue_fail(call, XR_INTERNAL, "bad cursor: %s", e.msg);
    bool more = json_array_len(list) > 0 && cursor[0];
    json_free(&root);
    if (rc != VENUE_DONE || !more)
        return rc;
    if (++call->scratch[1] >= BY_PAGES_MAX)
        return venue_fail(call, XR_INTERNAL, "instruments-info: more than %d pages", BY_PAGES_MAX);
    s_instruments_request(call);
    s_param_cursor(&call->req, cursor);
    return VENUE_SEND;
}

/* Server time: result.timeNano (ns) when present, else the envelope's time (ms). */
static int s_time(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        s_public(call, "/v5/market/time");
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *res = s_result(call, root);
    int64_t ns = 0, ms = 0;
    err_t e;
    int rc = res ? VENUE_DONE : VENUE_FAIL;
    if (res && (bybit_opt_int(res, "timeNano", &ns, &e) < 0 || bybit_opt_int(root, "time", &ms, &e) < 0))
        rc = venue_fail(call, XR_INTERNAL, "bad time reply: %s", e.msg);
    json_free(&root);
    if (rc != VENUE_DONE)
        return rc;
    call->result.server_time = ns > 0 ? ns / 1000000 : ms;
    if (call->result.server_time <= 0)
        return venue_fail(call, XR_INTERNAL, "time reply without a time");
    return VENUE_DONE;
}

/* ---- signing, errors, usage --------------------------------------------------------------------------- */

const venue_ops_t bybit_ops = {
    .name = "bybit",
    .caps = VENUE_CAP_CLIENT_ID | VENUE_CAP_GET_ORDER | VENUE_CAP_HEDGE | VENUE_CAP_ATTACHED_TPSL | VENUE_CAP_MS_CURSOR,
    .state_size = sizeof(by_state_t),
    .base_url = "https://api.bybit.com",
    .testnet_url = "https://api-testnet.bybit.com",
    .acceptance_window_ms = 2000,
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
    .sign = bybit_sign,
    .map_error = bybit_map_error,
    .observe = bybit_observe,
};
