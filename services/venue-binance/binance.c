/* binance: the Binance USD-M futures adapter (see binance.h). Each hook is a small step machine over the
 * venue_call_t of lib/venue/adapter.h: step 0 builds the first request, later steps parse the reply and
 * either finish or build the next request. No I/O happens here. */
#include "binance.h"

#include "base/mem.h"
#include "crypto/crypto.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BN_MAX_REPLY (8u << 20) /* exchangeInfo is ~1-2 MB; nothing else comes near */
#define BN_MAX_DEPTH 16
#define BN_ALGO_PREFIX "algo-"

/* Private state: none needed today; the size is part of the interface. */
typedef struct {
    int unused; /* placeholder so the struct is not empty */
} bn_state_t;

/* ---- symbols and enum words ------------------------------------------------------------------------- */

/* Venue symbol of the call's unified symbol sym, into out. Fails the call with UNKNOWN_SYMBOL. */
static int s_vsym(venue_call_t *call, const char *sym, char out[VENUE_SYMBOL_MAX])
{
    const instrument_t *in = instruments_find(call->ctx->instruments, sym);
    if (!in)
        return venue_fail(call, XR_UNKNOWN_SYMBOL, "unknown symbol %s", sym);
    memcpy(out, in->venue_symbol, VENUE_SYMBOL_MAX);
    return 0;
}

static const char *s_bn_type(venue_type_t t)
{
    switch (t) {
    case VENUE_TYPE_MARKET: return "MARKET";
    case VENUE_TYPE_LIMIT: return "LIMIT";
    case VENUE_TYPE_STOP_MARKET: return "STOP_MARKET";
    case VENUE_TYPE_STOP_LIMIT: return "STOP";
    case VENUE_TYPE_TAKE_PROFIT_MARKET: return "TAKE_PROFIT_MARKET";
    case VENUE_TYPE_TAKE_PROFIT_LIMIT: return "TAKE_PROFIT";
    case VENUE_TYPE_TRAILING_STOP_MARKET: return "TRAILING_STOP_MARKET";
    case VENUE_TYPE_NONE: break;
    }
    return "";
}

static venue_type_t s_type_from(const char *s)
{
    if (strcmp(s, "STOP") == 0)
        return VENUE_TYPE_STOP_LIMIT;
    if (strcmp(s, "TAKE_PROFIT") == 0)
        return VENUE_TYPE_TAKE_PROFIT_LIMIT;
    venue_type_t t = VENUE_TYPE_NONE;
    venue_type_parse(s, &t);
    return t;
}

static venue_status_t s_status_from(const char *s)
{
    if (strcmp(s, "EXPIRED_IN_MATCH") == 0)
        return VENUE_STATUS_EXPIRED;
    venue_status_t st = VENUE_STATUS_NONE;
    venue_status_parse(s, &st);
    return st;
}

/* Algo order states: NEW waits for its trigger; TRIGGERING/TRIGGERED handed to the matching engine;
 * FINISHED means the triggered order is done. */
static venue_status_t s_algo_status_from(const char *s)
{
    if (strcmp(s, "NEW") == 0)
        return VENUE_STATUS_UNTRIGGERED;
    if (strcmp(s, "TRIGGERING") == 0 || strcmp(s, "TRIGGERED") == 0)
        return VENUE_STATUS_NEW;
    if (strcmp(s, "FINISHED") == 0)
        return VENUE_STATUS_FILLED;
    return s_status_from(s);
}

static bool s_is_algo_type(venue_type_t t)
{
    return t != VENUE_TYPE_MARKET && t != VENUE_TYPE_LIMIT;
}

void binance_derived_clid(const char *parent, const char *suffix, char out[VENUE_CLID_MAX])
{
    snprintf(out, VENUE_CLID_MAX, "%.33s-%s", parent, suffix);
}

/* ---- reply parsing helpers ---------------------------------------------------------------------------- */

/* Parses the reply body; fails the call with INTERNAL ("bad reply") on malformed JSON. */
static json_t *s_parse(venue_call_t *call)
{
    err_t e;
    json_t *root = json_parse(call->resp->body, call->resp->body_len, BN_MAX_REPLY, BN_MAX_DEPTH, &e);
    if (!root)
        venue_fail(call, XR_INTERNAL, "bad reply to %s: %s", call->req.path, e.msg);
    return root;
}

/* Optional members: absent or null leaves the default (zero / ""). A present member of the wrong kind fails. */
static int s_opt_dec(const json_t *o, const char *key, decimal_t *out, err_t *e)
{
    const json_t *v = json_get(o, key);
    if (!v || json_kind(v) == JSON_NULL) {
        *out = DECIMAL_ZERO;
        return 0;
    }
    size_t len = 0;
    const char *s = json_string(v, &len);
    if (s && len == 0) {
        *out = DECIMAL_ZERO;
        return 0;
    }
    return json_get_decimal(o, key, out, e);
}

static int s_opt_int(const json_t *o, const char *key, int64_t *out, err_t *e)
{
    const json_t *v = json_get(o, key);
    *out = 0;
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    return json_get_int64(o, key, out, e);
}

static int s_opt_str(const json_t *o, const char *key, char *out, size_t cap, err_t *e)
{
    const json_t *v = json_get(o, key);
    out[0] = '\0';
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    return json_get_str(o, key, out, cap, e);
}

static int s_opt_bool(const json_t *o, const char *key, bool *out, err_t *e)
{
    const json_t *v = json_get(o, key);
    *out = false;
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    return json_get_bool(o, key, out, e);
}

/* An id member (number or string) as text. */
static int s_id_text(const json_t *o, const char *key, const char *prefix, char *out, size_t cap, err_t *e)
{
    int64_t id;
    if (json_get_int64(o, key, &id, e) < 0)
        return -1;
    if (snprintf(out, cap, "%s%lld", prefix, (long long) id) >= (int) cap)
        return err_set(e, XR_INTERNAL, "id too long");
    return 0;
}

static int s_unified(const instruments_t *t, const char *vsym, char out[VENUE_SYMBOL_MAX], err_t *e)
{
    const instrument_t *in = instruments_find_venue(t, vsym);
    if (!in)
        return err_set(e, XR_UNKNOWN_SYMBOL, "unknown venue symbol %s", vsym);
    memcpy(out, in->symbol, VENUE_SYMBOL_MAX);
    return 0;
}

static int s_common_words(const json_t *o, const instruments_t *t, venue_order_t *out, err_t *e)
{
    char vsym[VENUE_SYMBOL_MAX], w[32];
    if (json_get_str(o, "symbol", vsym, sizeof vsym, e) < 0 || s_unified(t, vsym, out->symbol, e) < 0)
        return -1;
    if (json_get_str(o, "side", w, sizeof w, e) < 0 || venue_side_parse(w, &out->side) < 0)
        return err_set(e, XR_INTERNAL, "bad side");
    if (s_opt_str(o, "timeInForce", w, sizeof w, e) < 0)
        return -1;
    venue_tif_parse(w, &out->time_in_force);
    if (s_opt_str(o, "positionSide", w, sizeof w, e) < 0)
        return -1;
    venue_pside_parse(w, &out->position_side);
    return s_opt_bool(o, "reduceOnly", &out->reduce_only, e);
}

/* A regular order object (new-order, query, cancel and open-orders replies). */
static int s_order(const json_t *o, const instruments_t *t, venue_order_t *out, err_t *e)
{
    char w[32];
    memset(out, 0, sizeof *out);
    if (s_id_text(o, "orderId", "", out->order_id, sizeof out->order_id, e) < 0 ||
        json_get_str(o, "clientOrderId", out->client_order_id, sizeof out->client_order_id, e) < 0 ||
        s_common_words(o, t, out, e) < 0)
        return -1;
    if (json_get_str(o, "status", w, sizeof w, e) < 0)
        return -1;
    if ((out->status = s_status_from(w)) == VENUE_STATUS_NONE)
        return err_set(e, XR_INTERNAL, "unknown order status %s", w);
    if (s_opt_str(o, "origType", w, sizeof w, e) < 0 || (!w[0] && json_get_str(o, "type", w, sizeof w, e) < 0))
        return -1;
    if ((out->type = s_type_from(w)) == VENUE_TYPE_NONE)
        return err_set(e, XR_INTERNAL, "unknown order type %s", w);
    if (json_get_decimal(o, "origQty", &out->quantity, e) < 0 ||
        s_opt_dec(o, "executedQty", &out->filled_quantity, e) < 0 || s_opt_dec(o, "price", &out->price, e) < 0 ||
        s_opt_dec(o, "avgPrice", &out->average_price, e) < 0 || s_opt_dec(o, "stopPrice", &out->stop_price, e) < 0 ||
        s_opt_int(o, "time", &out->created_at, e) < 0 || s_opt_int(o, "updateTime", &out->updated_at, e) < 0)
        return -1;
    if (out->type == VENUE_TYPE_MARKET)
        out->time_in_force = VENUE_TIF_NONE;
    if (!out->created_at)
        out->created_at = out->updated_at;
    return 0;
}

/* An algo (conditional) order object. */
static int s_algo(const json_t *o, const instruments_t *t, venue_order_t *out, err_t *e)
{
    char w[32];
    memset(out, 0, sizeof *out);
    if (s_id_text(o, "algoId", BN_ALGO_PREFIX, out->order_id, sizeof out->order_id, e) < 0 ||
        json_get_str(o, "clientAlgoId", out->client_order_id, sizeof out->client_order_id, e) < 0 ||
        s_common_words(o, t, out, e) < 0)
        return -1;
    if (json_get_str(o, "algoStatus", w, sizeof w, e) < 0)
        return -1;
    if ((out->status = s_algo_status_from(w)) == VENUE_STATUS_NONE)
        return err_set(e, XR_INTERNAL, "unknown algo status %s", w);
    if (s_opt_str(o, "orderType", w, sizeof w, e) < 0 || (!w[0] && json_get_str(o, "type", w, sizeof w, e) < 0))
        return -1;
    if ((out->type = s_type_from(w)) == VENUE_TYPE_NONE)
        return err_set(e, XR_INTERNAL, "unknown algo type %s", w);
    if (s_opt_dec(o, "quantity", &out->quantity, e) < 0 || s_opt_dec(o, "price", &out->price, e) < 0 ||
        s_opt_dec(o, "triggerPrice", &out->stop_price, e) < 0 ||
        s_opt_dec(o, "executedQty", &out->filled_quantity, e) < 0 ||
        s_opt_dec(o, "avgPrice", &out->average_price, e) < 0 ||
        s_opt_int(o, "createTime", &out->created_at, e) < 0 || s_opt_int(o, "updateTime", &out->updated_at, e) < 0)
        return -1;
    if (!venue_type_has_price(out->type))
        out->time_in_force = VENUE_TIF_NONE;
    return 0;
}

/* Parses the reply as one order (regular or algo) into call->result.order. */
static int s_reply_order(venue_call_t *call, bool algo)
{
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    err_t e;
    err_clear(&e);
    int rc = algo ? s_algo(root, call->ctx->instruments, &call->result.order, &e)
                  : s_order(root, call->ctx->instruments, &call->result.order, &e);
    json_free(&root);
    if (rc < 0)
        return venue_fail(call, e.code == XR_UNKNOWN_SYMBOL ? XR_UNKNOWN_SYMBOL : XR_INTERNAL, "bad order reply: %s",
                          e.msg);
    return VENUE_DONE;
}

/* ---- request builders --------------------------------------------------------------------------------- */

static void s_signed(venue_call_t *call, venue_method_t m, const char *path, int weight)
{
    venue_req_reset(&call->req, m, path);
    call->req.sign = true;
    call->req.weight = weight;
}

static void s_public(venue_call_t *call, const char *path, int weight)
{
    venue_req_reset(&call->req, VENUE_GET, path);
    call->req.weight = weight;
}

static void s_pside_param(venue_req_t *r, venue_pside_t ps)
{
    if (ps != VENUE_PSIDE_NONE)
        venue_req_param(r, "positionSide", venue_pside_name(ps));
}

/* Regular order: POST /fapi/v1/order. */
static void s_build_order(venue_call_t *call, const venue_order_req_t *o, const char *vsym)
{
    venue_req_t *r = &call->req;
    s_signed(call, VENUE_POST, "/fapi/v1/order", 0);
    r->kind = VENUE_CREATES_ORDER;
    r->orders = 1;
    memcpy(r->client_order_id, o->client_order_id, VENUE_CLID_MAX);
    memcpy(r->symbol, o->symbol, VENUE_SYMBOL_MAX);
    venue_req_param(r, "symbol", vsym);
    venue_req_param(r, "side", venue_side_name(o->side));
    venue_req_param(r, "type", s_bn_type(o->type));
    if (o->type == VENUE_TYPE_LIMIT)
        venue_req_param(r, "timeInForce", venue_tif_name(o->time_in_force ? o->time_in_force : VENUE_TIF_GTC));
    venue_req_param_decimal(r, "quantity", o->quantity);
    if (o->type == VENUE_TYPE_LIMIT)
        venue_req_param_decimal(r, "price", o->price);
    s_pside_param(r, o->position_side);
    if (o->reduce_only)
        venue_req_param(r, "reduceOnly", "true");
    venue_req_param(r, "newClientOrderId", o->client_order_id);
    venue_req_param(r, "newOrderRespType", "RESULT");
}

/* Conditional order: POST /fapi/v1/algoOrder (algoType=CONDITIONAL). */
static void s_build_algo(venue_call_t *call, const venue_order_req_t *o, const char *vsym)
{
    venue_req_t *r = &call->req;
    s_signed(call, VENUE_POST, "/fapi/v1/algoOrder", 0);
    r->kind = VENUE_CREATES_ORDER;
    r->orders = 1;
    memcpy(r->client_order_id, o->client_order_id, VENUE_CLID_MAX);
    memcpy(r->symbol, o->symbol, VENUE_SYMBOL_MAX);
    venue_req_param(r, "algoType", "CONDITIONAL");
    venue_req_param(r, "symbol", vsym);
    venue_req_param(r, "side", venue_side_name(o->side));
    venue_req_param(r, "type", s_bn_type(o->type));
    venue_req_param_decimal(r, "quantity", o->quantity);
    if (venue_type_has_price(o->type)) {
        venue_req_param_decimal(r, "price", o->price);
        venue_req_param(r, "timeInForce", venue_tif_name(o->time_in_force ? o->time_in_force : VENUE_TIF_GTC));
    }
    if (o->type == VENUE_TYPE_TRAILING_STOP_MARKET) {
        venue_req_param_decimal(r, "callbackRate", o->trailing_pct);
        if (!decimal_is_zero(o->stop_price))
            venue_req_param_decimal(r, "activatePrice", o->stop_price);
    } else {
        venue_req_param_decimal(r, "triggerPrice", o->stop_price);
    }
    s_pside_param(r, o->position_side);
    if (o->reduce_only)
        venue_req_param(r, "reduceOnly", "true");
    venue_req_param(r, "clientAlgoId", o->client_order_id);
}

/* Attached take-profit (tp) or stop-loss of the parent order: a reduce-only market algo order on the
 * other side. */
static void s_build_attached(venue_call_t *call, bool tp, const char *vsym)
{
    const venue_order_req_t *p = &call->in.order;
    venue_order_req_t o = {0};
    memcpy(o.symbol, p->symbol, VENUE_SYMBOL_MAX);
    o.side = p->side == VENUE_SIDE_BUY ? VENUE_SIDE_SELL : VENUE_SIDE_BUY;
    o.type = tp ? VENUE_TYPE_TAKE_PROFIT_MARKET : VENUE_TYPE_STOP_MARKET;
    o.quantity = p->quantity;
    o.stop_price = tp ? p->take_profit : p->stop_loss;
    o.position_side = p->position_side;
    o.reduce_only = p->position_side == VENUE_PSIDE_NONE || p->position_side == VENUE_PSIDE_BOTH;
    binance_derived_clid(p->client_order_id, tp ? "tp" : "sl", o.client_order_id);
    s_build_algo(call, &o, vsym);
}

static void s_build_query(venue_call_t *call, venue_method_t m, bool algo, const char *vsym, const char *order_id,
                          const char *clid)
{
    s_signed(call, m, algo ? "/fapi/v1/algoOrder" : "/fapi/v1/order", 1);
    if (!algo)
        venue_req_param(&call->req, "symbol", vsym);
    if (order_id && order_id[0])
        venue_req_param(&call->req, algo ? "algoId" : "orderId",
                        algo ? order_id + strlen(BN_ALGO_PREFIX) : order_id);
    else
        venue_req_param(&call->req, algo ? "clientAlgoId" : "origClientOrderId", clid);
}

/* ---- place_order -------------------------------------------------------------------------------------- */

enum { PO_LEVERAGE = 1, PO_ORDER, PO_DUP_QUERY, PO_DUP_QUERY_ALGO, PO_TP, PO_SL };

static void s_po_send_order(venue_call_t *call, const char *vsym)
{
    if (s_is_algo_type(call->in.order.type))
        s_build_algo(call, &call->in.order, vsym);
    else
        s_build_order(call, &call->in.order, vsym);
    call->step = PO_ORDER;
}

/* After the main order: attached TP, then SL, then done. */
static int s_po_next_attached(venue_call_t *call, int after, const char *vsym)
{
    const venue_order_req_t *o = &call->in.order;
    if (after < PO_TP && !decimal_is_zero(o->take_profit)) {
        s_build_attached(call, true, vsym);
        call->step = PO_TP;
        return VENUE_SEND;
    }
    if (after < PO_SL && !decimal_is_zero(o->stop_loss)) {
        s_build_attached(call, false, vsym);
        call->step = PO_SL;
        return VENUE_SEND;
    }
    return VENUE_DONE;
}

static int s_place_order(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, call->in.order.symbol, vsym) < 0)
        return VENUE_FAIL;
    bool algo = s_is_algo_type(call->in.order.type);
    switch (call->step) {
    case 0:
        if (call->in.order.leverage > 0) {
            s_signed(call, VENUE_POST, "/fapi/v1/leverage", 1);
            venue_req_param(&call->req, "symbol", vsym);
            venue_req_param_int(&call->req, "leverage", call->in.order.leverage);
            call->step = PO_LEVERAGE;
            return VENUE_SEND;
        }
        s_po_send_order(call, vsym);
        return VENUE_SEND;
    case PO_LEVERAGE:
        if (call->error)
            return venue_fail_reply(call);
        s_po_send_order(call, vsym);
        return VENUE_SEND;
    case PO_ORDER:
        if (call->error && call->error->code == XR_DUPLICATE_ORDER) {
            /* The id is already in use at the venue: the answer is that order, not a failure. */
            s_build_query(call, VENUE_GET, algo, vsym, NULL, call->in.order.client_order_id);
            call->step = PO_DUP_QUERY;
            return VENUE_SEND;
        }
        if (call->error)
            return venue_fail_reply(call);
        if (s_reply_order(call, algo) < 0)
            return VENUE_FAIL;
        return s_po_next_attached(call, PO_ORDER, vsym);
    case PO_DUP_QUERY:
        if (call->error)
            return venue_fail_reply(call);
        return s_reply_order(call, algo);
    case PO_TP:
    case PO_SL:
        if (call->error && call->error->code != XR_DUPLICATE_ORDER) {
            venue_fail_reply(call);
            snprintf(call->fail.message, sizeof call->fail.message,
                     "order %s placed, but its attached %s was refused", call->result.order.order_id,
                     call->step == PO_TP ? "take-profit" : "stop-loss");
            return VENUE_FAIL;
        }
        return s_po_next_attached(call, call->step, vsym);
    }
    return venue_fail(call, XR_INTERNAL, "place_order: bad step %d", call->step);
}

/* ---- cancel_order / get_order --------------------------------------------------------------------------- */

enum { Q_REGULAR = 1, Q_ALGO };

static bool s_id_is_algo(const char *order_id)
{
    return strncmp(order_id, BN_ALGO_PREFIX, strlen(BN_ALGO_PREFIX)) == 0;
}

/* Shared by cancel and get: regular endpoint, then algo endpoint when the id is a client id the regular
 * side does not know. */
static int s_by_id(venue_call_t *call, venue_method_t m)
{
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    const char *oid = call->in.order_id, *clid = call->in.client_order_id;
    if (call->step == 0) {
        if (!oid[0] && !clid[0])
            return venue_fail(call, XR_INVALID_REQUEST, "order_id or client_order_id required");
        bool algo = oid[0] && s_id_is_algo(oid);
        s_build_query(call, m, algo, vsym, oid, clid);
        call->step = algo ? Q_ALGO : Q_REGULAR;
        return VENUE_SEND;
    }
    if (call->error && call->error->code == XR_ORDER_NOT_FOUND && call->step == Q_REGULAR && !oid[0]) {
        s_build_query(call, m, true, vsym, NULL, clid);
        call->step = Q_ALGO;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    return s_reply_order(call, call->step == Q_ALGO);
}

static int s_get_order(void *state, venue_call_t *call)
{
    (void) state;
    return s_by_id(call, VENUE_GET);
}

/* The algo cancel reply carries only ids: the order is then CANCELED. */
static int s_algo_cancel_reply(venue_call_t *call)
{
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    err_t e;
    venue_cancel_t *c = &call->result.cancel;
    int rc = s_id_text(root, "algoId", BN_ALGO_PREFIX, c->order_id, sizeof c->order_id, &e);
    if (rc == 0)
        rc = s_opt_str(root, "clientAlgoId", c->client_order_id, sizeof c->client_order_id, &e);
    json_free(&root);
    if (rc < 0)
        return venue_fail(call, XR_INTERNAL, "bad algo cancel reply: %s", e.msg);
    c->ok = true;
    c->status = VENUE_STATUS_CANCELED;
    return VENUE_DONE;
}

static int s_cancel_order(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == Q_ALGO && !call->error)
        return s_algo_cancel_reply(call);
    int rc = s_by_id(call, VENUE_DELETE);
    if (rc == VENUE_DONE) {
        venue_cancel_t *c = &call->result.cancel;
        const venue_order_t *o = &call->result.order;
        c->ok = true;
        memcpy(c->order_id, o->order_id, sizeof c->order_id);
        memcpy(c->client_order_id, o->client_order_id, sizeof c->client_order_id);
        c->status = o->status;
    }
    return rc;
}

/* ---- open orders and cancel_all ------------------------------------------------------------------------- */

/* Appends every order of an array reply (regular or algo) to result.orders; unknown symbols are skipped. */
static int s_order_list(venue_call_t *call, bool algo)
{
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *arr = root;
    if (json_kind(arr) == JSON_OBJECT) /* openAlgoOrders may wrap its list */
        arr = json_get(root, "orders");
    if (json_kind(arr) != JSON_ARRAY) {
        json_free(&root);
        return venue_fail(call, XR_INTERNAL, "bad reply to %s: not a list", call->req.path);
    }
    for (size_t i = 0; i < json_array_len(arr); i++) {
        venue_order_t o;
        err_t e;
        err_clear(&e);
        int rc = algo ? s_algo(json_array_at(arr, i), call->ctx->instruments, &o, &e)
                      : s_order(json_array_at(arr, i), call->ctx->instruments, &o, &e);
        if (rc < 0 && e.code == XR_UNKNOWN_SYMBOL)
            continue;
        venue_order_t *slot = rc == 0 ? venue_result_add_order(&call->result) : NULL;
        if (!slot) {
            json_free(&root);
            return venue_fail(call, XR_INTERNAL, "bad order in %s: %s", call->req.path,
                              rc < 0 ? e.msg : "too many");
        }
        *slot = o;
    }
    json_free(&root);
    return VENUE_DONE;
}

enum { OO_REGULAR = 1, OO_ALGO };

/* Lists regular then algo open orders (optionally for one symbol) into result.orders. Returns VENUE_SEND
 * while listing, VENUE_DONE when both lists are in. */
static int s_list_open(venue_call_t *call)
{
    char vsym[VENUE_SYMBOL_MAX] = "";
    if (call->in.symbol[0] && s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == 0) {
        s_signed(call, VENUE_GET, "/fapi/v1/openOrders", vsym[0] ? 1 : 40);
        if (vsym[0])
            venue_req_param(&call->req, "symbol", vsym);
        call->step = OO_REGULAR;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    if (s_order_list(call, call->step == OO_ALGO) < 0)
        return VENUE_FAIL;
    if (call->step == OO_REGULAR) {
        s_signed(call, VENUE_GET, "/fapi/v1/openAlgoOrders", vsym[0] ? 1 : 40);
        if (vsym[0])
            venue_req_param(&call->req, "symbol", vsym);
        call->step = OO_ALGO;
        return VENUE_SEND;
    }
    return VENUE_DONE;
}

static int s_get_open_orders(void *state, venue_call_t *call)
{
    (void) state;
    return s_list_open(call);
}

enum { CA_DELETE_REGULAR = 10, CA_DELETE_ALGO };

/* Next symbol (index into result.orders, first of its symbol) at or after scratch[0]; -1 when none. */
static long s_ca_next_symbol(venue_call_t *call)
{
    for (size_t i = (size_t) call->scratch[0]; i < call->result.n_orders; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(call->result.orders[j].symbol, call->result.orders[i].symbol) == 0;
        if (!seen)
            return (long) i;
    }
    return -1;
}

static int s_ca_send_next(venue_call_t *call)
{
    long i = s_ca_next_symbol(call);
    if (i < 0) {
        for (size_t k = 0; k < call->result.n_orders; k++) {
            venue_cancel_t *c = venue_result_add_cancel(&call->result);
            if (!c)
                break;
            c->ok = true;
            memcpy(c->order_id, call->result.orders[k].order_id, sizeof c->order_id);
            memcpy(c->client_order_id, call->result.orders[k].client_order_id, sizeof c->client_order_id);
            c->status = VENUE_STATUS_CANCELED;
        }
        call->result.count = (int64_t) call->result.n_orders;
        return VENUE_DONE;
    }
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, call->result.orders[i].symbol, vsym) < 0)
        return VENUE_FAIL;
    call->scratch[0] = i;
    s_signed(call, VENUE_DELETE, "/fapi/v1/allOpenOrders", 1);
    venue_req_param(&call->req, "symbol", vsym);
    call->step = CA_DELETE_REGULAR;
    return VENUE_SEND;
}

static int s_cancel_all(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step < CA_DELETE_REGULAR) {
        int rc = s_list_open(call);
        return rc == VENUE_DONE ? s_ca_send_next(call) : rc;
    }
    if (call->error)
        return venue_fail_reply(call);
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, call->result.orders[call->scratch[0]].symbol, vsym) < 0)
        return VENUE_FAIL;
    if (call->step == CA_DELETE_REGULAR) {
        s_signed(call, VENUE_DELETE, "/fapi/v1/algoOpenOrders", 1);
        venue_req_param(&call->req, "symbol", vsym);
        call->step = CA_DELETE_ALGO;
        return VENUE_SEND;
    }
    call->scratch[0]++;
    return s_ca_send_next(call);
}

/* ---- positions, balances, leverage, close_position ------------------------------------------------------ */

static int s_position(const json_t *o, const instruments_t *t, venue_position_t *p, err_t *e)
{
    char vsym[VENUE_SYMBOL_MAX], w[16];
    int64_t lev = 0;
    memset(p, 0, sizeof *p);
    if (json_get_str(o, "symbol", vsym, sizeof vsym, e) < 0 || s_unified(t, vsym, p->symbol, e) < 0 ||
        json_get_decimal(o, "positionAmt", &p->size, e) < 0 || s_opt_dec(o, "entryPrice", &p->entry_price, e) < 0 ||
        s_opt_dec(o, "markPrice", &p->mark_price, e) < 0 ||
        s_opt_dec(o, "liquidationPrice", &p->liquidation_price, e) < 0 ||
        s_opt_dec(o, "unRealizedProfit", &p->unrealized_pnl, e) < 0 ||
        s_opt_dec(o, "initialMargin", &p->margin, e) < 0 || s_opt_int(o, "leverage", &lev, e) < 0 ||
        s_opt_str(o, "positionSide", w, sizeof w, e) < 0)
        return -1;
    if (decimal_is_zero(p->margin) && s_opt_dec(o, "isolatedMargin", &p->margin, e) < 0)
        return -1;
    venue_pside_parse(w, &p->position_side);
    p->leverage = (int) lev;
    p->quantity = decimal_abs(p->size);
    p->side = decimal_sign(p->size) > 0 ? VENUE_POS_LONG : decimal_sign(p->size) < 0 ? VENUE_POS_SHORT : VENUE_POS_FLAT;
    return 0;
}

/* Parses a positionRisk reply into result.positions. */
static int s_positions_reply(venue_call_t *call)
{
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    if (json_kind(root) != JSON_ARRAY) {
        json_free(&root);
        return venue_fail(call, XR_INTERNAL, "bad positionRisk reply: not a list");
    }
    for (size_t i = 0; i < json_array_len(root); i++) {
        venue_position_t p;
        err_t e;
        err_clear(&e);
        if (s_position(json_array_at(root, i), call->ctx->instruments, &p, &e) < 0) {
            if (e.code == XR_UNKNOWN_SYMBOL)
                continue;
            json_free(&root);
            return venue_fail(call, XR_INTERNAL, "bad position: %s", e.msg);
        }
        venue_position_t *slot = venue_result_add_position(&call->result);
        if (slot)
            *slot = p;
    }
    json_free(&root);
    return VENUE_DONE;
}

static int s_send_positions(venue_call_t *call, const char *symbol)
{
    char vsym[VENUE_SYMBOL_MAX];
    s_signed(call, VENUE_GET, "/fapi/v3/positionRisk", 5);
    if (symbol[0]) {
        if (s_vsym(call, symbol, vsym) < 0)
            return VENUE_FAIL;
        venue_req_param(&call->req, "symbol", vsym);
    }
    call->step = 1;
    return VENUE_SEND;
}

static int s_get_positions(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0)
        return s_send_positions(call, call->in.symbol);
    if (call->error)
        return venue_fail_reply(call);
    return s_positions_reply(call);
}

static int s_get_balances(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        s_signed(call, VENUE_GET, "/fapi/v3/balance", 5);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    int rc = VENUE_DONE;
    for (size_t i = 0; i < json_array_len(root); i++) {
        const json_t *o = json_array_at(root, i);
        venue_balance_t b = {0};
        err_t e;
        if (json_get_str(o, "asset", b.asset, sizeof b.asset, &e) < 0 ||
            json_get_decimal(o, "balance", &b.total, &e) < 0 ||
            json_get_decimal(o, "availableBalance", &b.available, &e) < 0 ||
            decimal_sub(b.total, b.available, &b.locked, &e) < 0) {
            rc = venue_fail(call, XR_INTERNAL, "bad balance: %s", e.msg);
            break;
        }
        if (call->in.asset[0] && strcmp(call->in.asset, b.asset) != 0)
            continue;
        if (decimal_sign(b.locked) < 0)
            b.locked = DECIMAL_ZERO;
        venue_balance_t *slot = venue_result_add_balance(&call->result);
        if (slot)
            *slot = b;
    }
    if (rc == VENUE_DONE && json_kind(root) != JSON_ARRAY)
        rc = venue_fail(call, XR_INTERNAL, "bad balance reply: not a list");
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
        s_signed(call, VENUE_POST, "/fapi/v1/leverage", 1);
        venue_req_param(&call->req, "symbol", vsym);
        venue_req_param_int(&call->req, "leverage", call->in.leverage);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    int64_t lev = 0;
    err_t e;
    int rc = json_get_int64(root, "leverage", &lev, &e);
    json_free(&root);
    if (rc < 0)
        return venue_fail(call, XR_INTERNAL, "bad leverage reply: %s", e.msg);
    call->result.leverage = (int) lev;
    return VENUE_DONE;
}

/* close_position: read the position, then a reduce-only market order for its size on the other side. */
static int s_close_position(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0)
        return s_send_positions(call, call->in.symbol);
    if (call->step == 2) {
        if (call->error)
            return venue_fail_reply(call);
        return s_reply_order(call, false);
    }
    if (call->error)
        return venue_fail_reply(call);
    if (s_positions_reply(call) < 0)
        return VENUE_FAIL;
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
    o->position_side = pos->position_side;
    o->reduce_only = pos->position_side == VENUE_PSIDE_NONE || pos->position_side == VENUE_PSIDE_BOTH;
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, o->symbol, vsym) < 0)
        return VENUE_FAIL;
    s_build_order(call, o, vsym);
    call->step = 2;
    return VENUE_SEND;
}

/* ---- market data -------------------------------------------------------------------------------------- */

enum { TK_PRICE = 1, TK_BOOK, TK_MARK };

static int s_get_ticker(void *state, venue_call_t *call)
{
    (void) state;
    char vsym[VENUE_SYMBOL_MAX];
    if (s_vsym(call, call->in.symbol, vsym) < 0)
        return VENUE_FAIL;
    venue_ticker_t *t = &call->result.ticker;
    if (call->step == 0) {
        memcpy(t->symbol, call->in.symbol, VENUE_SYMBOL_MAX);
        s_public(call, "/fapi/v1/ticker/price", 1);
        venue_req_param(&call->req, "symbol", vsym);
        call->step = TK_PRICE;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    err_t e;
    int rc = 0, step = call->step;
    if (step == TK_PRICE)
        rc = json_get_decimal(root, "price", &t->last, &e) < 0 || s_opt_int(root, "time", &t->time, &e) < 0;
    else if (step == TK_BOOK)
        rc = json_get_decimal(root, "bidPrice", &t->bid, &e) < 0 || json_get_decimal(root, "askPrice", &t->ask, &e) < 0;
    else
        rc = json_get_decimal(root, "markPrice", &t->mark, &e) < 0;
    json_free(&root);
    if (rc)
        return venue_fail(call, XR_INTERNAL, "bad ticker reply: %s", e.msg);
    if (step == TK_MARK)
        return VENUE_DONE;
    s_public(call, step == TK_PRICE ? "/fapi/v1/ticker/bookTicker" : "/fapi/v1/premiumIndex", step == TK_PRICE ? 2 : 1);
    venue_req_param(&call->req, "symbol", vsym);
    call->step = step + 1;
    return VENUE_SEND;
}

static int s_kline_weight(int limit)
{
    if (limit <= 0)
        limit = 500;
    return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

static int s_kline(const json_t *a, venue_kline_t *k, err_t *e)
{
    if (json_kind(a) != JSON_ARRAY || json_array_len(a) < 7)
        return err_set(e, XR_INTERNAL, "kline is not an array of 7+");
    return json_int64(json_array_at(a, 0), &k->open_time, e) < 0 ||
                   json_decimal(json_array_at(a, 1), &k->open, e) < 0 ||
                   json_decimal(json_array_at(a, 2), &k->high, e) < 0 ||
                   json_decimal(json_array_at(a, 3), &k->low, e) < 0 ||
                   json_decimal(json_array_at(a, 4), &k->close, e) < 0 ||
                   json_decimal(json_array_at(a, 5), &k->volume, e) < 0 ||
                   json_int64(json_array_at(a, 6), &k->close_time, e) < 0
               ? -1
               : 0;
}

static int s_get_klines(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        char vsym[VENUE_SYMBOL_MAX];
        if (s_vsym(call, call->in.symbol, vsym) < 0)
            return VENUE_FAIL;
        if (!call->in.interval[0])
            return venue_fail(call, XR_INVALID_REQUEST, "interval required");
        if (call->in.limit < 0 || call->in.limit > 1500)
            return venue_fail(call, XR_INVALID_REQUEST, "limit must be 1..1500");
        s_public(call, "/fapi/v1/klines", s_kline_weight(call->in.limit));
        venue_req_param(&call->req, "symbol", vsym);
        venue_req_param(&call->req, "interval", call->in.interval);
        if (call->in.limit)
            venue_req_param_int(&call->req, "limit", call->in.limit);
        if (call->in.start_ms)
            venue_req_param_int(&call->req, "startTime", call->in.start_ms);
        if (call->in.end_ms)
            venue_req_param_int(&call->req, "endTime", call->in.end_ms);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    int rc = json_kind(root) == JSON_ARRAY ? VENUE_DONE : venue_fail(call, XR_INTERNAL, "klines: not a list");
    for (size_t i = 0; rc == VENUE_DONE && i < json_array_len(root); i++) {
        venue_kline_t k = {0};
        err_t e;
        venue_kline_t *slot;
        if (s_kline(json_array_at(root, i), &k, &e) < 0)
            rc = venue_fail(call, XR_INTERNAL, "bad kline: %s", e.msg);
        else if ((slot = venue_result_add_kline(&call->result)))
            *slot = k;
    }
    json_free(&root);
    return rc;
}

/* ---- fills -------------------------------------------------------------------------------------------- */

static int s_fill(const json_t *o, const instruments_t *t, venue_fill_t *f, err_t *e)
{
    char vsym[VENUE_SYMBOL_MAX], side[8];
    bool maker = false;
    memset(f, 0, sizeof *f);
    if (json_get_int64(o, "id", &f->seq_key, e) < 0 ||
        s_id_text(o, "id", "", f->trade_id, sizeof f->trade_id, e) < 0 ||
        s_id_text(o, "orderId", "", f->order_id, sizeof f->order_id, e) < 0 ||
        json_get_str(o, "symbol", vsym, sizeof vsym, e) < 0 || s_unified(t, vsym, f->symbol, e) < 0 ||
        json_get_str(o, "side", side, sizeof side, e) < 0 || venue_side_parse(side, &f->side) < 0 ||
        json_get_decimal(o, "qty", &f->quantity, e) < 0 || json_get_decimal(o, "price", &f->price, e) < 0 ||
        s_opt_dec(o, "commission", &f->fee, e) < 0 ||
        s_opt_str(o, "commissionAsset", f->fee_asset, sizeof f->fee_asset, e) < 0 ||
        s_opt_dec(o, "realizedPnl", &f->realized_pnl, e) < 0 || s_opt_bool(o, "maker", &maker, e) < 0 ||
        json_get_int64(o, "time", &f->executed_at, e) < 0)
        return e->code ? -1 : err_set(e, XR_INTERNAL, "bad side");
    f->liquidity = maker ? VENUE_LIQ_MAKER : VENUE_LIQ_TAKER;
    return 0;
}

static int s_get_fills(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        char vsym[VENUE_SYMBOL_MAX];
        if (s_vsym(call, call->in.symbol, vsym) < 0)
            return VENUE_FAIL;
        s_signed(call, VENUE_GET, "/fapi/v1/userTrades", 5);
        venue_req_param(&call->req, "symbol", vsym);
        if (call->in.from_id > 0)
            venue_req_param_int(&call->req, "fromId", call->in.from_id);
        else if (call->in.start_ms > 0)
            venue_req_param_int(&call->req, "startTime", call->in.start_ms);
        venue_req_param_int(&call->req, "limit", call->in.limit > 0 && call->in.limit <= 1000 ? call->in.limit : 1000);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    int rc = json_kind(root) == JSON_ARRAY ? VENUE_DONE : venue_fail(call, XR_INTERNAL, "userTrades: not a list");
    for (size_t i = 0; rc == VENUE_DONE && i < json_array_len(root); i++) {
        venue_fill_t f;
        err_t e;
        err_clear(&e);
        venue_fill_t *slot;
        if (s_fill(json_array_at(root, i), call->ctx->instruments, &f, &e) < 0)
            rc = venue_fail(call, XR_INTERNAL, "bad trade: %s", e.msg);
        else if ((slot = venue_result_add_fill(&call->result)))
            *slot = f;
    }
    json_free(&root);
    return rc;
}

/* ---- instruments and time ------------------------------------------------------------------------------ */

static int s_filter(const json_t *f, instrument_t *in, err_t *e)
{
    char type[32];
    if (json_get_str(f, "filterType", type, sizeof type, e) < 0)
        return -1;
    if (strcmp(type, "PRICE_FILTER") == 0)
        return s_opt_dec(f, "tickSize", &in->tick, e) | s_opt_dec(f, "minPrice", &in->min_price, e) |
               s_opt_dec(f, "maxPrice", &in->max_price, e);
    if (strcmp(type, "LOT_SIZE") == 0)
        return s_opt_dec(f, "stepSize", &in->step, e) | s_opt_dec(f, "minQty", &in->min_qty, e) |
               s_opt_dec(f, "maxQty", &in->max_qty, e);
    if (strcmp(type, "MARKET_LOT_SIZE") == 0)
        return s_opt_dec(f, "stepSize", &in->market_step, e) | s_opt_dec(f, "maxQty", &in->market_max_qty, e);
    if (strcmp(type, "MIN_NOTIONAL") == 0)
        return s_opt_dec(f, "notional", &in->min_notional, e);
    return 0;
}

static int s_instrument(const json_t *o, instrument_t *in, err_t *e)
{
    char status[32], ctype[32];
    memset(in, 0, sizeof *in);
    if (json_get_str(o, "symbol", in->venue_symbol, sizeof in->venue_symbol, e) < 0 ||
        json_get_str(o, "baseAsset", in->base, sizeof in->base, e) < 0 ||
        json_get_str(o, "quoteAsset", in->quote, sizeof in->quote, e) < 0 ||
        s_opt_str(o, "status", status, sizeof status, e) < 0 ||
        s_opt_str(o, "contractType", ctype, sizeof ctype, e) < 0)
        return -1;
    snprintf(in->symbol, sizeof in->symbol, "%s/%s", in->base, in->quote);
    /* Only perpetuals get the plain BASE/QUOTE name; dated contracts would collide with it. */
    if (ctype[0] && strcmp(ctype, "PERPETUAL") != 0)
        return err_set(e, XR_UNSUPPORTED, "not a perpetual");
    in->trading = strcmp(status, "TRADING") == 0;
    const json_t *filters = json_get(o, "filters");
    for (size_t i = 0; i < json_array_len(filters); i++)
        if (s_filter(json_array_at(filters, i), in, e) != 0)
            return -1;
    return 0;
}

static void s_rate_limits(const json_t *root, venue_limits_t *l)
{
    const json_t *arr = json_get(root, "rateLimits");
    for (size_t i = 0; i < json_array_len(arr); i++) {
        const json_t *r = json_array_at(arr, i);
        char type[32], unit[16];
        int64_t num = 1, limit = 0;
        err_t e;
        if (json_get_str(r, "rateLimitType", type, sizeof type, &e) < 0 ||
            json_get_str(r, "interval", unit, sizeof unit, &e) < 0 || json_get_int64(r, "limit", &limit, &e) < 0)
            continue;
        s_opt_int(r, "intervalNum", &num, &e);
        int64_t ms = (strcmp(unit, "SECOND") == 0 ? 1000 : strcmp(unit, "MINUTE") == 0 ? 60000 : 86400000) *
                     (num > 0 ? num : 1);
        if (strcmp(type, "REQUEST_WEIGHT") == 0) {
            l->weight_per_window = limit;
            l->weight_window_ms = ms;
        } else if (strcmp(type, "ORDERS") == 0 && ms <= 10000) {
            l->orders_short = limit;
            l->orders_short_ms = ms;
        } else if (strcmp(type, "ORDERS") == 0) {
            l->orders_long = limit;
            l->orders_long_ms = ms;
        }
    }
}

static int s_load_instruments(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        s_public(call, "/fapi/v1/exchangeInfo", 1);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    const json_t *symbols = json_get(root, "symbols");
    if (json_kind(symbols) != JSON_ARRAY) {
        json_free(&root);
        return venue_fail(call, XR_INTERNAL, "exchangeInfo without symbols");
    }
    instruments_t *t = instruments_new();
    int rc = VENUE_DONE;
    for (size_t i = 0; i < json_array_len(symbols) && rc == VENUE_DONE; i++) {
        instrument_t in;
        err_t e;
        err_clear(&e);
        if (s_instrument(json_array_at(symbols, i), &in, &e) < 0) {
            if (e.code == XR_UNSUPPORTED)
                continue;
            rc = venue_fail(call, XR_INTERNAL, "bad exchangeInfo entry %zu: %s", i, e.msg);
        } else if (instruments_add(t, &in, &e) < 0 && instruments_count(t) >= INSTRUMENTS_MAX) {
            rc = venue_fail(call, XR_INTERNAL, "exchangeInfo: %s", e.msg);
        }
    }
    s_rate_limits(root, &call->result.limits);
    json_free(&root);
    if (rc == VENUE_DONE)
        call->result.instruments = t;
    else
        instruments_destroy(&t);
    return rc;
}

static int s_time(void *state, venue_call_t *call)
{
    (void) state;
    if (call->step == 0) {
        s_public(call, "/fapi/v1/time", 1);
        call->step = 1;
        return VENUE_SEND;
    }
    if (call->error)
        return venue_fail_reply(call);
    json_t *root = s_parse(call);
    if (!root)
        return VENUE_FAIL;
    err_t e;
    int rc = json_get_int64(root, "serverTime", &call->result.server_time, &e);
    json_free(&root);
    return rc < 0 ? venue_fail(call, XR_INTERNAL, "bad time reply: %s", e.msg) : VENUE_DONE;
}

/* ---- signing, errors, usage --------------------------------------------------------------------------- */

static int s_sign(void *state, const venue_creds_t *creds, int64_t now_ms, venue_req_t *req, err_t *err)
{
    (void) state;
    if (!req->sign)
        return 0;
    /* recvWindow and timestamp go where the other parameters are: the body when there is one. */
    char num[24];
    void (*add)(venue_req_t *, const char *, const char *) = req->body.len ? venue_req_body_param : venue_req_param;
    if (creds->recv_window_ms > 0) {
        snprintf(num, sizeof num, "%d", creds->recv_window_ms);
        add(req, "recvWindow", num);
    }
    snprintf(num, sizeof num, "%lld", (long long) now_ms);
    add(req, "timestamp", num);
    /* totalParams = query string immediately followed by the body (venues.md 1.3). */
    char sig[CRYPTO_HEX_SHA256_LEN];
    crypto_part_t parts[2] = {{req->query.data, req->query.len}, {req->body.data, req->body.len}};
    if (venue_sign_hex(creds, parts, 2, sig) != 0)
        return err_set(err, XR_INTERNAL, "signing failed");
    venue_req_param(req, "signature", sig);
    venue_req_header(req, "X-MBX-APIKEY", creds->api_key);
    if (req->overflow)
        return err_set(err, XR_INVALID_REQUEST, "request too large");
    return 0;
}

/* Every Binance code of venues.md 1.6 (and the few more the adapter meets), with its unified code. Choices
 * where the unified set has no exact word:
 * - -2021 (stop would trigger at once) and -2022 (reduce-only with nothing to reduce) are the request's
 *   fault given the market or position: INVALID_REQUEST, as the adapter answers close_position when flat.
 * - -4016 / -4024 (price above the maximum / below the band) are price-filter refusals like -4013:
 *   PRECISION.
 * - -4120 (conditional type sent to /fapi/v1/order) means the venue moved a type to another endpoint:
 *   UNSUPPORTED, the type cannot be placed that way.
 * - -2010, -2025 (the venue's open-order cap, not our own risk limits), -2027 (position too large for the
 *   leverage), -4131 (market order outside the PERCENT_PRICE band) and -5022 (post-only would take) are the
 *   venue refusing a valid request for reasons of its own: VENUE_REJECTED. */
static const struct {
    long code;      /* Binance error code */
    xr_code_t xr;   /* unified code */
} s_codes[] = {
    {-1002, XR_AUTH},           {-1003, XR_RATE_LIMITED},   {-1007, XR_TIMEOUT},
    {-1008, XR_RATE_LIMITED},   {-1015, XR_RATE_LIMITED},   {-1021, XR_CLOCK_SKEW},
    {-1022, XR_AUTH},           {-1100, XR_INVALID_REQUEST}, {-1101, XR_INVALID_REQUEST},
    {-1102, XR_INVALID_REQUEST}, {-1103, XR_INVALID_REQUEST}, {-1104, XR_INVALID_REQUEST},
    {-1105, XR_INVALID_REQUEST}, {-1106, XR_INVALID_REQUEST}, {-1111, XR_PRECISION},
    {-1116, XR_INVALID_REQUEST}, {-1117, XR_INVALID_REQUEST}, {-1121, XR_UNKNOWN_SYMBOL},
    {-1125, XR_AUTH},           {-2010, XR_VENUE_REJECTED}, {-2011, XR_ORDER_NOT_FOUND},
    {-2013, XR_ORDER_NOT_FOUND}, {-2014, XR_AUTH},           {-2015, XR_AUTH},
    {-2018, XR_INSUFFICIENT_BALANCE}, {-2019, XR_INSUFFICIENT_BALANCE}, {-2021, XR_INVALID_REQUEST},
    {-2022, XR_INVALID_REQUEST}, {-2025, XR_VENUE_REJECTED}, {-2027, XR_VENUE_REJECTED},
    {-4003, XR_INVALID_REQUEST}, {-4004, XR_PRECISION},      {-4005, XR_PRECISION},
    {-4013, XR_PRECISION},      {-4014, XR_PRECISION},      {-4015, XR_INVALID_REQUEST},
    {-4016, XR_PRECISION},      {-4023, XR_PRECISION},      {-4024, XR_PRECISION},
    {-4061, XR_INVALID_REQUEST}, {-4116, XR_DUPLICATE_ORDER}, {-4120, XR_UNSUPPORTED},
    {-4131, XR_VENUE_REJECTED}, {-4164, XR_MIN_NOTIONAL},   {-5022, XR_VENUE_REJECTED},
};

xr_code_t binance_code_map(long code)
{
    for (size_t i = 0; i < sizeof s_codes / sizeof s_codes[0]; i++)
        if (s_codes[i].code == code)
            return s_codes[i].xr;
    return XR_VENUE_REJECTED;
}

bool binance_code_known(long code)
{
    for (size_t i = 0; i < sizeof s_codes / sizeof s_codes[0]; i++)
        if (s_codes[i].code == code)
            return true;
    return false;
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

static int s_map_error(void *state, const venue_resp_t *resp, venue_error_t *out)
{
    (void) state;
    if (resp->status >= 200 && resp->status < 300)
        return 0;
    memset(out, 0, sizeof *out);
    err_t e;
    json_t *root = json_parse(resp->body, resp->body_len, 64 * 1024, 4, &e);
    int64_t code = 0;
    if (root && json_get_int64(root, "code", &code, &e) == 0) {
        snprintf(out->venue_code, sizeof out->venue_code, "%lld", (long long) code);
        s_opt_str(root, "msg", out->venue_message, sizeof out->venue_message, &e);
    }
    json_free(&root);
    out->retry_after_ms = s_retry_after_ms(resp);
    if (resp->status == 429 || resp->status == 418) {
        out->code = XR_RATE_LIMITED;
        snprintf(out->message, sizeof out->message, "%s (HTTP %ld)",
                 resp->status == 418 ? "IP banned for exceeding rate limits" : "rate limit exceeded", resp->status);
    } else if (resp->status >= 500) {
        out->code = XR_TIMEOUT;
        out->unknown_outcome = true;
        snprintf(out->message, sizeof out->message, "venue error HTTP %ld: outcome unknown", resp->status);
    } else if (code != 0) {
        out->code = binance_code_map((long) code);
        out->unknown_outcome = code == -1007;
        snprintf(out->message, sizeof out->message, "binance %lld: %s", (long long) code, out->venue_message);
    } else {
        out->code = resp->status == 401 || resp->status == 403 ? XR_AUTH : XR_VENUE_REJECTED;
        snprintf(out->message, sizeof out->message, "HTTP %ld without an error body", resp->status);
    }
    return 1;
}

static int64_t s_header_int(const venue_resp_t *r, const char *name)
{
    char v[32];
    if (venue_resp_header(r, name, v, sizeof v) < 0)
        return -1;
    char *end;
    long long n = strtoll(v, &end, 10);
    return end != v && *end == '\0' && n >= 0 ? (int64_t) n : -1;
}

static void s_observe(void *state, const venue_resp_t *resp, venue_usage_t *usage)
{
    (void) state;
    usage->used_weight = s_header_int(resp, "X-MBX-USED-WEIGHT-1M");
    usage->orders_short = s_header_int(resp, "X-MBX-ORDER-COUNT-10S");
    usage->orders_long = s_header_int(resp, "X-MBX-ORDER-COUNT-1M");
}

const venue_ops_t binance_ops = {
    .name = "binance",
    .caps = VENUE_CAP_CLIENT_ID | VENUE_CAP_GET_ORDER | VENUE_CAP_ALGO | VENUE_CAP_HEDGE | VENUE_CAP_FILL_CURSOR |
            VENUE_CAP_ATTACHED_TPSL,
    .state_size = sizeof(bn_state_t),
    .base_url = "https://fapi.binance.com",
    .testnet_url = "https://testnet.binancefuture.com",
    .acceptance_window_ms = 1000,
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
    .observe = s_observe,
};
