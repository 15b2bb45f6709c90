/* sim_binance_orders: the order endpoints of the Binance dialect (place, query, cancel, cancel-all, open and all
 * orders) and the algo-order endpoints (conditional orders since the 2025 switch), with the order / algo-order
 * JSON shapes of venues.md 1.5 and the mapping of engine refusals to Binance codes. */
#include "sim_binance_int.h"

#include "base/mem.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- order JSON ----
 * Orders are most of what this dialect writes (every placement, query, cancel and listing), so their JSON is
 * built here as text with the keys as literals and then handed to the writer as one raw value: the generic
 * writer's key escaping and per-token checks were the largest single cost of an order request. The output is
 * byte for byte what jw_* would write (same escaping of strings, same number and decimal texts). */

typedef struct {
    char *p;     /* write position */
    char *end;   /* end of the storage (one byte is kept for the NUL) */
    bool full;   /* something did not fit: the text is unusable */
} s_text_t;

static void s_put(s_text_t *t, const char *s, size_t n)
{
    if (t->full || n >= (size_t)(t->end - t->p)) {
        t->full = true;
        return;
    }
    memcpy(t->p, s, n);
    t->p += n;
}

#define S_LIT(t, lit) s_put((t), (lit), sizeof(lit) - 1)

/* A JSON string, escaped exactly as jw_string does: '"' and '\\' by a backslash, bytes below 0x20 as \u00xx. */
static void s_str(s_text_t *t, const char *v)
{
    static const char hex[] = "0123456789abcdef";
    S_LIT(t, "\"");
    const char *run = v;
    for (; *v; v++) {
        unsigned char ch = (unsigned char)*v;
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        s_put(t, run, (size_t)(v - run));
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            s_put(t, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 0x0f]};
            s_put(t, esc, 6);
        }
        run = v + 1;
    }
    s_put(t, run, (size_t)(v - run));
    S_LIT(t, "\"");
}

static void s_int(s_text_t *t, int64_t v)
{
    char tmp[24];
    char *q = tmp + sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--q = '-';
    s_put(t, q, (size_t)(tmp + sizeof tmp - q));
}

/* A decimal at a fixed scale as a JSON string (bn_kfix's text), or canonical (bn_kdec's) when scale < 0. */
static void s_dec(s_text_t *t, decimal_t v, int scale)
{
    char text[DECIMAL_STR_MAX + 24];
    size_t n = scale >= 0 ? decimal_format_fixed(v, (uint8_t)scale, DECIMAL_ROUND_HALF_EVEN, text, sizeof text) : 0;
    if (n == 0)
        n = decimal_format(v, text, sizeof text);
    if (n == 0) {
        t->full = true;
        return;
    }
    S_LIT(t, "\"");
    s_put(t, text, n);
    S_LIT(t, "\"");
}

static void s_bool(s_text_t *t, bool v)
{
    if (v)
        S_LIT(t, "true");
    else
        S_LIT(t, "false");
}

/* A plain order as Binance renders it. ack: as at acceptance (no fills yet), for newOrderRespType=ACK. */
static void s_order_json(jw_t *w, const sim_order_t *o, bool ack)
{
    const sim_instrument_t *in = o->inst;
    int pp = in->price_precision, qp = in->qty_precision;
    decimal_t filled = ack ? DECIMAL_ZERO : o->filled;
    char text[2048];
    s_text_t t = {.p = text, .end = text + sizeof text};
    S_LIT(&t, "{\"orderId\":");
    s_int(&t, o->id);
    S_LIT(&t, ",\"symbol\":");
    s_str(&t, in->symbol);
    S_LIT(&t, ",\"status\":");
    s_str(&t, ack ? "NEW" : bn_status_name(o->status));
    S_LIT(&t, ",\"clientOrderId\":");
    s_str(&t, o->client_id);
    S_LIT(&t, ",\"price\":");
    s_dec(&t, o->price, pp);
    S_LIT(&t, ",\"avgPrice\":");
    s_dec(&t, ack ? DECIMAL_ZERO : o->avg_price, pp + 2);
    S_LIT(&t, ",\"origQty\":");
    s_dec(&t, o->qty, qp);
    S_LIT(&t, ",\"executedQty\":");
    s_dec(&t, filled, qp);
    S_LIT(&t, ",\"cumQty\":");
    s_dec(&t, filled, qp);
    S_LIT(&t, ",\"cumQuote\":");
    s_dec(&t, ack ? DECIMAL_ZERO : o->cum_quote, -1);
    S_LIT(&t, ",\"timeInForce\":");
    s_str(&t, bn_tif_name(o->tif));
    S_LIT(&t, ",\"type\":");
    s_str(&t, bn_type_name(o->type));
    S_LIT(&t, ",\"reduceOnly\":");
    s_bool(&t, o->reduce_only);
    S_LIT(&t, ",\"closePosition\":");
    s_bool(&t, o->close_position);
    S_LIT(&t, ",\"side\":");
    s_str(&t, bn_side_name(o->side));
    S_LIT(&t, ",\"positionSide\":");
    s_str(&t, bn_pos_name(o->pos_side));
    S_LIT(&t, ",\"stopPrice\":");
    s_dec(&t, o->trigger_price, pp);
    S_LIT(&t, ",\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,\"origType\":");
    s_str(&t, bn_type_name(o->orig_type));
    S_LIT(&t, ",\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":\"EXPIRE_MAKER\",\"goodTillDate\":");
    s_int(&t, o->good_till_ms);
    S_LIT(&t, ",\"time\":");
    s_int(&t, o->created_ms);
    S_LIT(&t, ",\"updateTime\":");
    s_int(&t, o->updated_ms);
    S_LIT(&t, "}");
    *t.p = '\0';
    /* 2 KiB holds any order (symbol and client id are bounded); a cut text would be invalid JSON */
    assert(!t.full);
    jw_raw(w, text);
}

static const char *s_algo_status(const sim_engine_t *eng, const sim_order_t *o)
{
    switch (o->status) {
    case SIM_ST_UNTRIGGERED:
        return "NEW";
    case SIM_ST_CANCELED:
        return "CANCELED";
    case SIM_ST_EXPIRED:
        return "EXPIRED";
    case SIM_ST_REJECTED:
        return "REJECTED";
    case SIM_ST_TRIGGERED: {
        const sim_order_t *child = sim_engine_order(eng, o->venue, o->account, o->child_id, NULL);
        return child && sim_status_is_open(child->status) ? "TRIGGERED" : "FINISHED";
    }
    default:
        return "NEW";
    }
}

static void s_algo_json(jw_t *w, const sim_engine_t *eng, const sim_order_t *o)
{
    const sim_instrument_t *in = o->inst;
    int pp = in->price_precision;
    jw_object_begin(w);
    bn_kint(w, "algoId", o->id);
    bn_kstr(w, "clientAlgoId", o->client_id);
    bn_kstr(w, "algoType", "CONDITIONAL");
    bn_kstr(w, "orderType", bn_type_name(o->type));
    bn_kstr(w, "symbol", in->symbol);
    bn_kstr(w, "side", bn_side_name(o->side));
    bn_kstr(w, "positionSide", bn_pos_name(o->pos_side));
    bn_kstr(w, "timeInForce", bn_tif_name(o->tif));
    bn_kfix(w, "quantity", o->qty, in->qty_precision);
    bn_kstr(w, "algoStatus", s_algo_status(eng, o));
    if (o->type == SIM_TYPE_TRAILING_STOP_MARKET) {
        bn_kstr(w, "triggerPrice", "");
        if (decimal_is_zero(o->trigger_price))
            bn_kstr(w, "activatePrice", "");
        else
            bn_kfix(w, "activatePrice", o->trigger_price, pp);
        bn_kdec(w, "callbackRate", o->callback_rate);
    } else {
        bn_kfix(w, "triggerPrice", o->trigger_price, pp);
        bn_kstr(w, "activatePrice", "");
        bn_kstr(w, "callbackRate", "");
    }
    bn_kfix(w, "price", o->price, pp);
    jw_key(w, "icebergQuantity");
    jw_null(w);
    bn_kstr(w, "selfTradePreventionMode", "EXPIRE_MAKER");
    bn_kstr(w, "workingType", "CONTRACT_PRICE");
    bn_kstr(w, "priceMatch", "NONE");
    bn_kbool(w, "closePosition", o->close_position);
    bn_kbool(w, "priceProtect", false);
    bn_kbool(w, "reduceOnly", o->reduce_only);
    bn_kint(w, "createTime", o->created_ms);
    bn_kint(w, "updateTime", o->updated_ms);
    bn_kint(w, "triggerTime", o->status == SIM_ST_TRIGGERED ? o->updated_ms : 0);
    bn_kint(w, "goodTillDate", o->good_till_ms);
    if (o->child_id) {
        jw_key(w, "actualOrderId");
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)o->child_id);
        jw_string(w, id);
    } else {
        bn_kstr(w, "actualOrderId", "");
    }
    jw_object_end(w);
}

/* ---- engine results to Binance errors ---- */

static void s_reject(s_ctx_t *c, sim_result_t r, const sim_instrument_t *in)
{
    char notional[DECIMAL_STR_MAX];
    switch (r) {
    case SIM_REJ_UNKNOWN_SYMBOL:
        bn_err(c, 400, -1121, "Invalid symbol.");
        return;
    case SIM_REJ_QTY_NOT_POSITIVE:
        bn_err(c, 400, -4003, "Quantity less than or equal to zero.");
        return;
    case SIM_REJ_QTY_MIN:
        bn_err(c, 400, -4004, "Quantity less than min quantity.");
        return;
    case SIM_REJ_QTY_MAX:
        bn_err(c, 400, -4005, "Quantity greater than max quantity.");
        return;
    case SIM_REJ_QTY_STEP:
        bn_err(c, 400, -4023, "Quantity not increased by step size.");
        return;
    case SIM_REJ_PRICE_MIN:
        bn_err(c, 400, -4013, "Price less than min price.");
        return;
    case SIM_REJ_PRICE_MAX:
        bn_err(c, 400, -4016, "Price greater than max price.");
        return;
    case SIM_REJ_PRICE_TICK:
        bn_err(c, 400, -4014, "Price not increased by tick size.");
        return;
    case SIM_REJ_MIN_NOTIONAL:
        decimal_format_fixed(in ? in->min_notional : DECIMAL_ZERO, 1, DECIMAL_ROUND_HALF_EVEN, notional,
                             sizeof notional);
        bn_err(c, 400, -4164, "Order's notional must be no smaller than %s (unless you choose reduce only).",
              notional);
        return;
    case SIM_REJ_DUP_CLIENT_ID:
        bn_err(c, 400, -4116, "ClientOrderId is duplicated.");
        return;
    case SIM_REJ_MARGIN:
        bn_err(c, 400, -2019, "Margin is insufficient.");
        return;
    case SIM_REJ_REDUCE_ONLY:
        bn_err(c, 400, -2022, "ReduceOnly Order is rejected.");
        return;
    case SIM_REJ_POST_ONLY:
        bn_err(c, 400, -5022,
              "Due to the order could not be executed as maker, the Post Only order will be rejected. The order "
              "will not be recorded in the order history");
        return;
    case SIM_REJ_WOULD_TRIGGER:
        bn_err(c, 400, -2021, "Order would immediately trigger.");
        return;
    case SIM_REJ_POSITION_SIDE:
        bn_err(c, 400, -4061, "Order's position side does not match user's setting.");
        return;
    case SIM_REJ_MAX_OPEN_ORDERS:
        bn_err(c, 400, -2025, "Reach max open order limit.");
        return;
    case SIM_REJ_LEVERAGE:
        bn_err(c, 400, -4028, "Leverage is not valid");
        return;
    case SIM_REJ_NOT_FOUND:
    case SIM_REJ_NOT_OPEN:
        bn_err(c, 400, -2011, "Unknown order sent.");
        return;
    case SIM_REJ_BAD_PARAM:
        bn_err(c, 400, -1106, "Parameter 'reduceOnly' sent when not required.");
        return;
    default:
        bn_err(c, 400, -1000, "An unknown error occured while processing the request. (%s)", sim_result_name(r));
        return;
    }
}

/* newClientOrderId rule: ^[\.A-Z\:/a-z0-9_-]{1,36}$ */
static bool s_cid_ok(const char *v)
{
    size_t n = strlen(v);
    if (n < 1 || n > 36)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (!isalnum(ch) && ch != '.' && ch != ':' && ch != '/' && ch != '_' && ch != '-')
            return false;
    }
    return true;
}

/* ---- order placement (plain and algo) ---- */


/* Reads an enum parameter: absent leaves *out (or is -1102 when required); unknown is `code` with `msg`.
 * Returns 0 or -1 (error written). */
static int s_enum(s_ctx_t *c, const char *name, const char *const *names, int n, bool required, int code,
                  const char *msg, int *out)
{
    const char *v = required ? bn_need(c, name) : bn_get(c, name);
    if (!v)
        return required ? -1 : 0;
    int x = bn_parse_enum(v, names, n);
    if (x < 0) {
        bn_err(c, 400, code, "%s", msg);
        return -1;
    }
    *out = x;
    return 0;
}

static bool s_limitish(sim_type_t t)
{
    return t == SIM_TYPE_LIMIT || t == SIM_TYPE_STOP || t == SIM_TYPE_TAKE_PROFIT;
}

/* side, type (plain types only on /order, conditional only on /algoOrder), timeInForce, positionSide. */
static int s_req_enums(s_ctx_t *c, sim_order_req_t *r, bool algo)
{
    static const char *const sides[] = {"BUY", "SELL"};
    int side = 0, type = 0, tif = -1, pos = 0;
    if (s_enum(c, "side", sides, 2, true, -1117, "Invalid side.", &side) ||
        s_enum(c, "type", bn_types, 7, true, -1116, "Invalid orderType.", &type) ||
        s_enum(c, "timeInForce", bn_tifs, 5, false, -1115, "Invalid timeInForce.", &tif) ||
        s_enum(c, "positionSide", bn_possides, 3, false, -4006, "Invalid position side.", &pos))
        return -1;
    r->side = (sim_side_t)side;
    r->type = (sim_type_t)type;
    r->pos_side = (sim_pos_side_t)pos;
    if (!algo && sim_type_is_conditional(r->type)) {
        bn_err(c, 400, -4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints "
                              "instead.");
        return -1;
    }
    if (algo && !sim_type_is_conditional(r->type)) {
        bn_err(c, 400, -1116, "Invalid orderType.");
        return -1;
    }
    if (tif < 0 && r->type == SIM_TYPE_LIMIT) {
        bn_missing(c, "timeInForce");
        return -1;
    }
    r->tif = tif < 0 ? SIM_TIF_GTC : (sim_tif_t)tif;
    return 0;
}

/* priceMatch: the opponent or own touch instead of a price (the book has one level, so _5/_10/_20 match the
 * touch too). */
static int s_req_price_match(s_ctx_t *c, sim_order_req_t *r, const char *pm)
{
    static const char *const matches[] = {"OPPONENT", "OPPONENT_5", "OPPONENT_10", "OPPONENT_20",
                                          "QUEUE",    "QUEUE_5",    "QUEUE_10",    "QUEUE_20"};
    int m = bn_parse_enum(pm, matches, 8);
    if (!s_limitish(r->type) || bn_get(c, "price") || m < 0) {
        bn_err(c, 400, -1106, "Parameter 'priceMatch' sent when not required.");
        return -1;
    }
    sim_ticker_t tk;
    sim_engine_ticker(c->eng, r->inst, &tk);
    bool opponent = m < 4;
    r->price = (r->side == SIM_SIDE_BUY) == opponent ? tk.ask : tk.bid;
    return 0;
}

/* closePosition, reduceOnly, quantity, price / priceMatch. */
static int s_req_amounts(s_ctx_t *c, sim_order_req_t *r, bool algo)
{
    int pp = r->inst->price_precision, qp = r->inst->qty_precision;
    if (bn_bool(c, "closePosition", &r->close_position) || bn_bool(c, "reduceOnly", &r->reduce_only))
        return -1;
    if (r->close_position && !algo) {
        bn_err(c, 400, -1106, "Parameter 'closePosition' sent when not required.");
        return -1;
    }
    if (!r->close_position && bn_dec(c, "quantity", &r->qty, true, qp))
        return -1;
    const char *pm = bn_get(c, "priceMatch");
    if (pm && strcmp(pm, "NONE") != 0)
        return s_req_price_match(c, r, pm);
    if (s_limitish(r->type))
        return bn_dec(c, "price", &r->price, true, pp);
    if (bn_get(c, "price")) {
        bn_err(c, 400, -1106, "Parameter 'price' sent when not required.");
        return -1;
    }
    return 0;
}

/* Client id (newClientOrderId / clientAlgoId) and goodTillDate for GTD. */
static int s_req_cid_gtd(s_ctx_t *c, sim_order_req_t *r, const char *cid_name)
{
    const char *cid = bn_get(c, cid_name);
    if (cid) {
        if (!s_cid_ok(cid)) {
            bn_err(c, 400, -4015, "Client order id is not valid.");
            return -1;
        }
        r->client_id = cid;
    }
    if (r->tif != SIM_TIF_GTD)
        return 0;
    if (bn_int(c, "goodTillDate", &r->good_till_ms, true))
        return -1;
    if (r->good_till_ms < r->now_ms + 600000 || r->good_till_ms > 253402300799000LL) {
        bn_err(c, 400, -5040, "The goodTillDate timestamp must be greater than the current time plus 600 seconds "
                              "and smaller than 253402300799000.");
        return -1;
    }
    return 0;
}

/* Fills the common order fields of req from the parameters (cid_name: newClientOrderId / clientAlgoId). Returns
 * 0, or -1 with the Binance error written. */
static int s_order_req(s_ctx_t *c, sim_order_req_t *r, const char *cid_name, bool algo)
{
    memset(r, 0, sizeof *r);
    r->venue = SIM_VENUE_BINANCE;
    r->account = c->account;
    r->now_ms = c->req->now_ms;
    r->inst = bn_symbol(c, true);
    if (!r->inst || s_req_enums(c, r, algo) || s_req_amounts(c, r, algo) || s_req_cid_gtd(c, r, cid_name))
        return -1;
    return 0;
}

static bool s_want_result(s_ctx_t *c)
{
    const char *t = bn_get(c, "newOrderRespType");
    return t && strcmp(t, "RESULT") == 0;
}

void bn_order_new(s_ctx_t *c)
{
    sim_order_req_t r;
    const char *t = bn_get(c, "newOrderRespType");
    if (t && strcmp(t, "ACK") != 0 && strcmp(t, "RESULT") != 0) {
        bn_err(c, 400, -1102, "Mandatory parameter 'newOrderRespType' was not sent, was empty/null, or malformed.");
        return;
    }
    if (s_order_req(c, &r, "newClientOrderId", false))
        return;
    const sim_order_t *o = NULL;
    sim_result_t res = sim_engine_place(c->eng, &r, &o);
    if (res != SIM_OK) {
        s_reject(c, res, r.inst);
        return;
    }
    bn_begin_ok(c);
    s_order_json(&c->w, o, !s_want_result(c));
}

void bn_algo_new(s_ctx_t *c)
{
    const char *at = bn_need(c, "algoType");
    if (!at)
        return;
    if (strcmp(at, "CONDITIONAL") != 0) {
        bn_err(c, 400, -1102, "Mandatory parameter 'algoType' was not sent, was empty/null, or malformed.");
        return;
    }
    sim_order_req_t r;
    if (s_order_req(c, &r, "clientAlgoId", true))
        return;
    int pp = r.inst->price_precision;
    if (r.type == SIM_TYPE_TRAILING_STOP_MARKET) {
        if (bn_dec(c, "callbackRate", &r.callback_rate, true, 1) ||
            bn_dec(c, "activatePrice", &r.trigger_price, false, pp))
            return;
    } else if (bn_dec(c, "triggerPrice", &r.trigger_price, true, pp)) {
        return;
    }
    const char *wt = bn_get(c, "workingType");
    if (wt && strcmp(wt, "MARK_PRICE") != 0 && strcmp(wt, "CONTRACT_PRICE") != 0) {
        bn_err(c, 400, -1102, "Mandatory parameter 'workingType' was not sent, was empty/null, or malformed.");
        return;
    }
    const sim_order_t *o = NULL;
    sim_result_t res = sim_engine_place(c->eng, &r, &o);
    if (res == SIM_REJ_BAD_PARAM && r.type == SIM_TYPE_TRAILING_STOP_MARKET) {
        bn_err(c, 400, -2007, "Invalid callbackRate; it must be within 0.1 and 10.");
        return;
    }
    if (res != SIM_OK) {
        s_reject(c, res, r.inst);
        return;
    }
    bn_begin_ok(c);
    s_algo_json(&c->w, c->eng, o);
}

/* Finds an order by orderId / origClientOrderId (plain) or algoId / clientAlgoId (algo) on a symbol. Writes
 * the error (not_found_code) and returns NULL when absent. */
static const sim_order_t *s_lookup(s_ctx_t *c, const sim_instrument_t **in_out, bool algo, int not_found_code)
{
    const char *id_name = algo ? "algoId" : "orderId";
    const char *cid_name = algo ? "clientAlgoId" : "origClientOrderId";
    const sim_instrument_t *in = NULL;
    if (!algo || bn_get(c, "symbol")) {
        in = bn_symbol(c, !algo);
        if (!in)
            return NULL;
    }
    int64_t id = 0;
    if (bn_int(c, id_name, &id, false))
        return NULL;
    const char *cid = bn_get(c, cid_name);
    if (id <= 0 && !cid) {
        bn_err(c, 400, -1102, "Param '%s' or '%s' must be sent, but both were empty/null!", cid_name, id_name);
        return NULL;
    }
    const sim_order_t *o = sim_engine_order(c->eng, SIM_VENUE_BINANCE, c->account, id, id > 0 ? NULL : cid);
    /* plain orders (including those a trigger created) on the order endpoints, conditionals on the algo ones */
    if (o && ((in && o->inst != in) || sim_type_is_conditional(o->type) != algo))
        o = NULL;
    if (!o)
        bn_err(c, 400, not_found_code, not_found_code == -2013 ? "Order does not exist." : "Unknown order sent.");
    *in_out = in;
    return o;
}

void bn_order_get(s_ctx_t *c)
{
    const sim_instrument_t *in;
    const sim_order_t *o = s_lookup(c, &in, false, -2013);
    if (!o)
        return;
    bn_begin_ok(c);
    s_order_json(&c->w, o, false);
}

void bn_open_order(s_ctx_t *c)
{
    const sim_instrument_t *in;
    const sim_order_t *o = s_lookup(c, &in, false, -2013);
    if (!o)
        return;
    if (!sim_status_is_open(o->status)) {
        bn_err(c, 400, -2013, "Order does not exist.");
        return;
    }
    bn_begin_ok(c);
    s_order_json(&c->w, o, false);
}

void bn_order_cancel(s_ctx_t *c)
{
    const sim_instrument_t *in;
    const sim_order_t *o = s_lookup(c, &in, false, -2011);
    if (!o)
        return;
    sim_result_t r = sim_engine_cancel(c->eng, SIM_VENUE_BINANCE, c->account, in, o->id, NULL, c->req->now_ms, &o);
    if (r != SIM_OK) {
        s_reject(c, r, in);
        return;
    }
    bn_begin_ok(c);
    s_order_json(&c->w, o, false);
}

void bn_algo_get(s_ctx_t *c)
{
    const sim_instrument_t *in;
    const sim_order_t *o = s_lookup(c, &in, true, -2013);
    if (!o)
        return;
    bn_begin_ok(c);
    s_algo_json(&c->w, c->eng, o);
}

void bn_algo_cancel(s_ctx_t *c)
{
    const sim_instrument_t *in;
    const sim_order_t *o = s_lookup(c, &in, true, -2011);
    if (!o)
        return;
    sim_result_t r = sim_engine_cancel(c->eng, SIM_VENUE_BINANCE, c->account, NULL, o->id, NULL, c->req->now_ms, &o);
    if (r != SIM_OK) {
        s_reject(c, r, in);
        return;
    }
    bn_begin_ok(c);
    jw_object_begin(&c->w);
    bn_kint(&c->w, "algoId", o->id);
    bn_kstr(&c->w, "clientAlgoId", o->client_id);
    bn_kstr(&c->w, "code", "200");
    bn_kstr(&c->w, "msg", "success");
    jw_object_end(&c->w);
}

static void s_cancel_all(s_ctx_t *c, bool algo)
{
    const sim_instrument_t *in = bn_symbol(c, true);
    if (!in)
        return;
    sim_engine_cancel_all(c->eng, SIM_VENUE_BINANCE, c->account, in, algo, c->req->now_ms);
    bn_begin_ok(c);
    jw_object_begin(&c->w);
    bn_kint(&c->w, "code", 200);
    bn_kstr(&c->w, "msg", "The operation of cancel all open order is done.");
    jw_object_end(&c->w);
}

void bn_all_open_cancel(s_ctx_t *c)
{
    s_cancel_all(c, false);
}

void bn_algo_open_cancel(s_ctx_t *c)
{
    s_cancel_all(c, true);
}

typedef struct {
    s_ctx_t *c;     /* request */
    bool algo;      /* render as algo orders */
    size_t limit;   /* 0: no limit */
    size_t n;       /* written */
} s_list_t;

static int s_list_one(const sim_order_t *o, void *ctx)
{
    s_list_t *l = ctx;
    if (l->algo)
        s_algo_json(&l->c->w, l->c->eng, o);
    else
        s_order_json(&l->c->w, o, false);
    return l->limit && ++l->n >= l->limit;
}

static void s_open_list(s_ctx_t *c, bool algo)
{
    const sim_instrument_t *in = NULL;
    if (bn_get(c, "symbol") && !(in = bn_symbol(c, true)))
        return;
    bn_begin_ok(c);
    jw_array_begin(&c->w);
    s_list_t l = {.c = c, .algo = algo};
    sim_engine_open_orders(c->eng, SIM_VENUE_BINANCE, c->account, in, algo ? 1 : 0, s_list_one, &l);
    jw_array_end(&c->w);
}

void bn_open_orders(s_ctx_t *c)
{
    s_open_list(c, false);
}

void bn_open_algo(s_ctx_t *c)
{
    s_open_list(c, true);
}

int bn_limit(s_ctx_t *c, int64_t def, int64_t max, int64_t *out)
{
    *out = def;
    if (bn_int(c, "limit", out, false))
        return -1;
    if (*out < 1 || *out > max) {
        bn_err(c, 400, -1130, "Data sent for parameter 'limit' is not valid.");
        return -1;
    }
    return 0;
}

static void s_all_list(s_ctx_t *c, bool algo)
{
    const sim_instrument_t *in = bn_symbol(c, true);
    if (!in)
        return;
    int64_t from = 0, limit = 0;
    if (bn_int(c, algo ? "algoId" : "orderId", &from, false) || bn_limit(c, 500, 1000, &limit))
        return;
    bn_begin_ok(c);
    jw_array_begin(&c->w);
    s_list_t l = {.c = c, .algo = algo, .limit = (size_t)limit};
    sim_engine_orders(c->eng, SIM_VENUE_BINANCE, c->account, in, algo ? 1 : 0, from, s_list_one, &l);
    jw_array_end(&c->w);
}

void bn_all_orders(s_ctx_t *c)
{
    s_all_list(c, false);
}

void bn_all_algo(s_ctx_t *c)
{
    s_all_list(c, true);
}
