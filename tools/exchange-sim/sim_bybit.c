/* sim_bybit: the Bybit v5 linear dialect (see sim_bybit.h). One request goes through: IP limit (600 per 5 s,
 * HTTP 403 past it) -> route lookup (HTTP 404 for unknown paths) -> for private routes the X-BAPI-* checks
 * (missing headers 10003/10001, timestamp window 10002, unknown key 10003, signature 10004) and the per-UID
 * per-endpoint limit (10006, with X-Bapi-Limit* headers) -> parameter parsing (exact query for GET, a JSON
 * object for POST; unknown, missing or malformed parameters are 10001) -> the engine -> a reply in Bybit's
 * envelope. Bybit's single order id across the life of a conditional order is kept by showing a triggered
 * parent with its child's execution state and hiding the child from lists.
 *
 * Order and execution ids are UUID-shaped strings that carry the engine id in their last 12 hex digits and
 * a keyed check in the first 8, so they parse back without a lookup table. This file holds the plug-in,
 * routing, authentication, limits, parameter access and replies; the routes live in sim_bybit_market.c and
 * sim_bybit_orders.c (shared declarations: sim_bybit_int.h). */
#include "sim_bybit_int.h"

#include "base/clock.h"
#include "base/decimal.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "crypto/crypto_hmac.h"
#include "json/json.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------------------------------------------------
 * Instruments (Bybit linear USDT perpetuals; filters as Bybit lists them in late 2026, rounded) */

/* Designated initialisers keep the table valid when sim_instrument_def_t gains optional fields. */
#define BY_INST(sym, b, tk, st, mnq, mxq, mxm, mnp, mxp, notional, start, lev)                                    \
    {.symbol = sym, .base = b, .quote = "USDT", .tick = tk, .step = st, .min_qty = mnq, .max_qty = mxq,              \
     .max_mkt_qty = mxm, .min_price = mnp, .max_price = mxp, .min_notional = notional, .start_price = start,          \
     .max_leverage = lev, .max_open_orders = 500}

static const sim_instrument_def_t s_instruments[] = {
    BY_INST("BTCUSDT", "BTC", "0.10", "0.001", "0.001", "1190", "119", "0.10", "1999999.80", "5", "95000", 100),
    BY_INST("ETHUSDT", "ETH", "0.01", "0.01", "0.01", "7240", "724", "0.01", "199999.98", "5", "3500", 100),
    BY_INST("SOLUSDT", "SOL", "0.010", "0.1", "0.1", "79770", "7977", "0.010", "19999.980", "5", "180", 100),
    BY_INST("XRPUSDT", "XRP", "0.0001", "1", "1", "1615000", "161500", "0.0001", "199.9998", "5", "2.3", 75),
    BY_INST("DOGEUSDT", "DOGE", "0.00001", "1", "1", "12630000", "1263000", "0.00001", "19.99998", "5", "0.38", 75),
};

/* ---------------------------------------------------------------------------------------------------------
 * Small helpers */

static uint64_t s_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* UUID-shaped id: 8 hex check digits, fixed middle groups, 12 hex digits of the engine id. */
void by_fmt_id(int64_t id, uint32_t salt, char out[37])
{
    uint64_t h = s_mix((uint64_t)id ^ ((uint64_t)salt << 32));
    snprintf(out, 37, "%08" PRIx32 "-%04x-4%03x-%04x-%012" PRIx64, (uint32_t)(h >> 32),
             (unsigned)((h >> 16) & 0xffff), (unsigned)(h & 0xfff), (unsigned)(0x8000 | ((h >> 48) & 0x3fff)),
             (uint64_t)((uint64_t)id & 0xffffffffffffULL));
}

/* Parses an id made by by_fmt_id; 0 if it is not one. */
int64_t by_parse_id(const char *s, size_t len, uint32_t salt)
{
    if (len != 36)
        return 0;
    int64_t id = 0;
    for (size_t i = 24; i < 36; i++) {
        int c = (unsigned char)s[i];
        if (!isxdigit(c))
            return 0;
        id = id * 16 + (isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
    }
    if (id <= 0)
        return 0;
    char again[37];
    by_fmt_id(id, salt, again);
    return memcmp(again, s, 36) == 0 ? id : 0;
}

bool by_link_id_ok(const char *s, size_t len)
{
    if (len == 0 || len > BY_LINK_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

bool by_parse_i64(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 19)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Decimal as text with exactly `scale` decimals (prices and quantities the way Bybit prints them). */
static void s_fmt_fixed(decimal_t v, uint8_t scale, char *out, size_t cap)
{
    if (decimal_format_fixed(v, scale, DECIMAL_ROUND_HALF_UP, out, cap) == 0)
        decimal_format(v, out, cap);
}

void by_jw_fixed(jw_t *w, decimal_t v, uint8_t scale)
{
    char t[DECIMAL_STR_MAX];
    s_fmt_fixed(v, scale, t, sizeof t);
    jw_string(w, t);
}

void by_jw_dec(jw_t *w, decimal_t v)
{
    char t[DECIMAL_STR_MAX];
    decimal_format(v, t, sizeof t);
    jw_string(w, t);
}

void by_jw_i64str(jw_t *w, int64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%" PRId64, v);
    jw_string(w, t);
}

void by_kv_str(jw_t *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_string(w, v);
}

void by_kv_fixed(jw_t *w, const char *k, decimal_t v, uint8_t scale)
{
    jw_key(w, k);
    by_jw_fixed(w, v, scale);
}

void by_kv_dec(jw_t *w, const char *k, decimal_t v)
{
    jw_key(w, k);
    by_jw_dec(w, v);
}

void by_kv_i64str(jw_t *w, const char *k, int64_t v)
{
    jw_key(w, k);
    by_jw_i64str(w, v);
}

void by_kv_int(jw_t *w, const char *k, int64_t v)
{
    jw_key(w, k);
    jw_int64(w, v);
}

void by_kv_bool(jw_t *w, const char *k, bool v)
{
    jw_key(w, k);
    jw_bool(w, v);
}

/* ---------------------------------------------------------------------------------------------------------
 * Replies */

/* Writes the envelope for an error and ends the request. HTTP status 200 unless told otherwise. */
void by_fail_http(by_ctx_t *c, int http, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *q = msg; *q; q++) /* request text echoed in a message: printable ASCII only */
        if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
            *q = '?';
    /* keep any X-Bapi-Limit headers already added */
    c->resp->status = http;
    buf_reset(&c->resp->body);
    jw_t w;
    jw_init(&w, &c->resp->body);
    jw_object_begin(&w);
    by_kv_int(&w, "retCode", code);
    by_kv_str(&w, "retMsg", msg);
    jw_key(&w, "result");
    jw_object_begin(&w);
    jw_object_end(&w);
    jw_key(&w, "retExtInfo");
    jw_object_begin(&w);
    jw_object_end(&w);
    by_kv_int(&w, "time", c->now);
    jw_object_end(&w);
}


/* Starts a success envelope; the caller writes the result value, then by_ok_end. */
void by_ok_begin(by_ctx_t *c, jw_t *w)
{
    c->resp->status = 200;
    buf_reset(&c->resp->body);
    jw_init(w, &c->resp->body);
    jw_object_begin(w);
    by_kv_int(w, "retCode", 0);
    by_kv_str(w, "retMsg", "OK");
    jw_key(w, "result");
}

void by_ok_end(by_ctx_t *c, jw_t *w)
{
    jw_key(w, "retExtInfo");
    jw_object_begin(w);
    jw_object_end(w);
    by_kv_int(w, "time", c->now);
    jw_object_end(w);
    if (jw_failed(w))
        by_fail(c, 10016, "Internal server error: reply too large");
}

/* ---------------------------------------------------------------------------------------------------------
 * Parameters: one view over the GET query and the POST JSON body */

/* String parameter: 1 present (out and len set), 0 absent (or JSON null), -1 present with a non-string value. */
static int s_arg_str(by_ctx_t *c, const char *name, const char **out, size_t *len)
{
    if (c->is_json) {
        const json_t *v = json_get(c->body, name);
        if (!v || json_kind(v) == JSON_NULL)
            return 0;
        if (json_kind(v) != JSON_STRING)
            return -1;
        *out = json_string(v, len);
        return 1;
    }
    const sim_param_t *p = sim_params_find(&c->st->query, name);
    if (!p)
        return 0;
    *out = p->value;
    *len = p->value_len;
    return 1;
}

/* Copies a string parameter into buf (cap bytes). 1 present, 0 absent; -1 after failing the request. */
int by_arg_copy(by_ctx_t *c, const char *name, char *buf, size_t cap)
{
    const char *s;
    size_t n;
    int r = s_arg_str(c, name, &s, &n);
    if (r == 0)
        return 0;
    if (r < 0 || n >= cap || memchr(s, '\0', n)) {
        by_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return 1;
}

/* Required string parameter; -1 after failing the request when absent or bad. */
int by_arg_need(by_ctx_t *c, const char *name, char *buf, size_t cap)
{
    int r = by_arg_copy(c, name, buf, cap);
    if (r == 0) {
        by_fail(c, 10001, "Missing some parameters that must be filled in, %s", name);
        return -1;
    }
    return r < 0 ? -1 : 0;
}

/* Decimal parameter (a string, as Bybit requires): 1 present, 0 absent, -1 after failing the request. */
int by_arg_dec(by_ctx_t *c, const char *name, decimal_t *out)
{
    char t[64];
    int r = by_arg_copy(c, name, t, sizeof t);
    if (r <= 0)
        return r;
    if (decimal_from_str(t, out, NULL) < 0) {
        by_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    return 1;
}

/* Integer parameter (JSON number or digits): 1 present, 0 absent, -1 after failing the request. */
int by_arg_int(by_ctx_t *c, const char *name, int64_t *out)
{
    if (c->is_json) {
        const json_t *v = json_get(c->body, name);
        if (!v || json_kind(v) == JSON_NULL)
            return 0;
        if ((json_kind(v) == JSON_NUMBER || json_kind(v) == JSON_STRING) && json_int64(v, out, NULL) == 0)
            return 1;
        by_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    const char *s;
    size_t n;
    if (s_arg_str(c, name, &s, &n) == 0)
        return 0;
    bool neg = n > 0 && s[0] == '-';
    if (!by_parse_i64(s + neg, n - neg, out)) {
        by_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    if (neg)
        *out = -*out;
    return 1;
}

/* Boolean parameter (JSON true/false, or the strings): 1 present, 0 absent, -1 after failing the request. */
int by_arg_bool(by_ctx_t *c, const char *name, bool *out)
{
    if (c->is_json) {
        const json_t *v = json_get(c->body, name);
        if (!v || json_kind(v) == JSON_NULL)
            return 0;
        if (json_bool(v, out, NULL) == 0)
            return 1;
        by_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    const char *s;
    size_t n;
    if (s_arg_str(c, name, &s, &n) == 0)
        return 0;
    if (n == 4 && memcmp(s, "true", 4) == 0)
        *out = true;
    else if (n == 5 && memcmp(s, "false", 5) == 0)
        *out = false;
    else {
        by_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    return 1;
}

static bool s_name_allowed(const char *const *allowed, const char *name)
{
    for (size_t i = 0; allowed && allowed[i]; i++)
        if (strcmp(allowed[i], name) == 0)
            return true;
    return false;
}

typedef struct {
    const char *const *allowed; /* accepted names */
    const char *bad;            /* first name not accepted */
} by_known_t;

static int s_known_cb(const char *key, const json_t *val, void *ctx)
{
    (void)val;
    by_known_t *k = ctx;
    if (!s_name_allowed(k->allowed, key)) {
        k->bad = key;
        return 1;
    }
    return 0;
}

/* Fails the request (10001) when a parameter is not one the route accepts or appears twice. */
static int s_check_known(by_ctx_t *c)
{
    const char *const *allowed = c->route->params;
    if (c->is_json) {
        by_known_t k = {allowed, NULL};
        json_object_each(c->body, s_known_cb, &k);
        if (k.bad) {
            by_fail(c, 10001, "params error: unknown parameter %.64s", k.bad);
            return -1;
        }
        return 0;
    }
    const sim_params_t *q = &c->st->query;
    for (size_t i = 0; i < q->count; i++) {
        if (!s_name_allowed(allowed, q->items[i].name)) {
            by_fail(c, 10001, "params error: unknown parameter %.64s", q->items[i].name);
            return -1;
        }
        if (sim_params_count_of(q, q->items[i].name) > 1) {
            by_fail(c, 10001, "params error: duplicate parameter %.64s", q->items[i].name);
            return -1;
        }
    }
    return 0;
}

/* category must be "linear" (the only one simulated); -1 after failing the request. */
int by_need_linear(by_ctx_t *c, bool required)
{
    char cat[16];
    int r = by_arg_copy(c, "category", cat, sizeof cat);
    if (r < 0)
        return -1;
    if (r == 0) {
        if (!required)
            return 0;
        by_fail(c, 10001, "Missing some parameters that must be filled in, category");
        return -1;
    }
    if (strcmp(cat, "linear") != 0) {
        by_fail(c, 10001, "Illegal category");
        return -1;
    }
    return 0;
}

/* Optional symbol: *inst NULL when absent; fails the request (10001) for an unknown one. */
int by_arg_symbol(by_ctx_t *c, bool required, const sim_instrument_t **inst)
{
    char sym[32];
    *inst = NULL;
    int r = required ? (by_arg_need(c, "symbol", sym, sizeof sym) == 0 ? 1 : -1)
                     : by_arg_copy(c, "symbol", sym, sizeof sym);
    if (r <= 0)
        return r;
    *inst = sim_engine_instrument(c->st->engine, SIM_VENUE_BYBIT, sym);
    if (!*inst) {
        by_fail(c, 10001, "params error: symbol invalid");
        return -1;
    }
    return 1;
}

/* settleCoin / baseCoin filters for list requests: only USDT / a listed base. -1 after failing. */
int by_arg_coin_filters(by_ctx_t *c, const char **base_out, char *base_buf, size_t cap)
{
    char settle[16];
    *base_out = NULL;
    int r = by_arg_copy(c, "settleCoin", settle, sizeof settle);
    if (r < 0)
        return -1;
    if (r > 0 && strcmp(settle, "USDT") != 0) {
        by_fail(c, 10001, "params error: settleCoin invalid");
        return -1;
    }
    int b = by_arg_copy(c, "baseCoin", base_buf, cap);
    if (b < 0)
        return -1;
    if (b > 0)
        *base_out = base_buf;
    return r > 0 || b > 0 ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Engine result -> Bybit code */

void by_fail_engine(by_ctx_t *c, sim_result_t r, const sim_order_req_t *req)
{
    switch (r) {
    case SIM_REJ_UNKNOWN_SYMBOL:
        by_fail(c, 10001, "params error: symbol invalid");
        break;
    case SIM_REJ_QTY_NOT_POSITIVE:
        by_fail(c, 10001, "Qty invalid");
        break;
    case SIM_REJ_QTY_MIN:
        by_fail(c, 10001, "The number of contracts exceeds minimum limit allowed");
        break;
    case SIM_REJ_QTY_MAX:
        by_fail(c, 10001, "The number of contracts exceeds maximum limit allowed");
        break;
    case SIM_REJ_QTY_STEP:
        by_fail(c, 10001, "Qty invalid: not a multiple of qtyStep");
        break;
    case SIM_REJ_PRICE_MIN:
    case SIM_REJ_PRICE_MAX:
        by_fail(c, 110003, "Order price is out of permissible range");
        break;
    case SIM_REJ_PRICE_TICK:
        by_fail(c, 10001, "Price invalid: not a multiple of tickSize");
        break;
    case SIM_REJ_MIN_NOTIONAL:
        if (req && req->inst) {
            char t[DECIMAL_STR_MAX];
            decimal_format(req->inst->min_notional, t, sizeof t);
            by_fail(c, 110094, "Order does not meet minimum order value %sUSDT", t);
        } else {
            by_fail(c, 110094, "Order does not meet minimum order value");
        }
        break;
    case SIM_REJ_DUP_CLIENT_ID:
        by_fail(c, 110072, "OrderLinkedID is duplicate");
        break;
    case SIM_REJ_MARGIN:
        by_fail(c, 110007, "ab not enough for new order");
        break;
    case SIM_REJ_REDUCE_ONLY:
        by_fail(c, 110017, "current position is zero, cannot fix reduce-only order qty");
        break;
    case SIM_REJ_POST_ONLY:
        by_fail(c, 10001, "PostOnly order would take liquidity");
        break;
    case SIM_REJ_WOULD_TRIGGER:
        if (req && req->type != SIM_TYPE_LIMIT && req->type != SIM_TYPE_MARKET) {
            bool stop = req->type == SIM_TYPE_STOP || req->type == SIM_TYPE_STOP_MARKET;
            bool rising = (req->side == SIM_SIDE_BUY) == stop;
            if (rising)
                by_fail(c, 110093, "expect Rising, but trigger_price <= current");
            else
                by_fail(c, 110092, "expect Falling, but trigger_price >= current");
        } else {
            by_fail(c, 110092, "trigger price would trigger immediately");
        }
        break;
    case SIM_REJ_POSITION_SIDE:
        by_fail(c, 10001, "position idx not match position mode");
        break;
    case SIM_REJ_MAX_OPEN_ORDERS:
        if (req && sim_type_is_conditional(req->type))
            by_fail(c, 110009, "The number of stop orders exceeds maximum limit allowed");
        else
            by_fail(c, 110020, "Not allowed to have more than 500 active orders");
        break;
    case SIM_REJ_LEVERAGE:
        by_fail(c, 10001, "leverage invalid");
        break;
    case SIM_REJ_NOT_FOUND:
        by_fail(c, 110001, "order not exists or too late to cancel");
        break;
    case SIM_REJ_NOT_OPEN:
        by_fail(c, 110008, "The order has been finished or cancelled");
        break;
    case SIM_REJ_UNKNOWN_ACCOUNT:
        by_fail(c, 10003, "API key is invalid.");
        break;
    case SIM_REJ_MODE_CHANGE:
    case SIM_REJ_BAD_PARAM:
    default:
        by_fail(c, 10001, "params error: %s", sim_result_name(r));
        break;
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * Route table */

static const char *const P_NONE[] = {NULL};
static const char *const P_INSTR[] = {"category", "symbol", "status", "baseCoin", "limit", "cursor", NULL};
static const char *const P_TICKERS[] = {"category", "symbol", "baseCoin", "expDate", NULL};
static const char *const P_KLINE[] = {"category", "symbol", "interval", "start", "end", "limit", NULL};
static const char *const P_WALLET[] = {"accountType", "coin", NULL};
static const char *const P_COIN[] = {"coin", NULL};
static const char *const P_POSLIST[] = {"category", "symbol", "baseCoin", "settleCoin", "limit", "cursor", NULL};
static const char *const P_LEVERAGE[] = {"category", "symbol", "buyLeverage", "sellLeverage", NULL};
static const char *const P_CREATE[] = {"category", "symbol", "side", "orderType", "qty", "price", "timeInForce",
                                       "positionIdx", "orderLinkId", "reduceOnly", "closeOnTrigger", "triggerPrice",
                                       "triggerDirection", "triggerBy", "takeProfit", "stopLoss", "tpTriggerBy",
                                       "slTriggerBy", "tpslMode", "tpLimitPrice", "slLimitPrice", "tpOrderType",
                                       "slOrderType", "smpType", "marketUnit", "orderFilter", "isLeverage", NULL};
static const char *const P_CANCEL[] = {"category", "symbol", "orderId", "orderLinkId", "orderFilter", NULL};
static const char *const P_AMEND[] = {"category", "symbol", "orderId", "orderLinkId", "qty", "price", "triggerPrice",
                                      "triggerBy", "takeProfit", "stopLoss", "tpTriggerBy", "slTriggerBy", "tpslMode",
                                      "tpLimitPrice", "slLimitPrice", "tpOrderType", "slOrderType", "smpType",
                                      "marketUnit", "orderFilter", "isLeverage", NULL};
static const char *const P_CANCEL_ALL[] = {"category", "symbol", "baseCoin", "settleCoin", "orderFilter",
                                           "stopOrderType", NULL};
static const char *const P_REALTIME[] = {"category", "symbol", "baseCoin", "settleCoin", "orderId", "orderLinkId",
                                         "openOnly", "orderFilter", "limit", "cursor", NULL};
static const char *const P_HISTORY[] = {"category", "symbol", "baseCoin", "settleCoin", "orderId", "orderLinkId",
                                        "orderFilter", "orderStatus", "startTime", "endTime", "limit", "cursor", NULL};
static const char *const P_EXEC[] = {"category", "symbol", "baseCoin", "orderId", "orderLinkId", "startTime",
                                     "endTime", "execType", "limit", "cursor", NULL};

static const by_route_t s_routes[] = {
    {"GET", "/v5/market/time", false, 0, by_market_time, P_NONE},
    {"GET", "/v5/market/instruments-info", false, 0, by_instruments_info, P_INSTR},
    {"GET", "/v5/market/tickers", false, 0, by_market_tickers, P_TICKERS},
    {"GET", "/v5/market/kline", false, 0, by_market_kline, P_KLINE},
    {"GET", "/v5/user/query-api", true, 10, by_user_query_api, P_NONE},
    {"GET", "/v5/account/info", true, 50, by_account_info, P_NONE},
    {"GET", "/v5/account/wallet-balance", true, 50, by_wallet_balance, P_WALLET},
    {"GET", "/v5/asset/coin/query-info", true, 5, by_coin_query_info, P_COIN},
    {"GET", "/v5/position/list", true, 50, by_position_list, P_POSLIST},
    {"POST", "/v5/position/set-leverage", true, 10, by_set_leverage, P_LEVERAGE},
    {"POST", "/v5/order/create", true, 10, by_order_create, P_CREATE},
    {"POST", "/v5/order/amend", true, 10, by_order_amend, P_AMEND},
    {"POST", "/v5/order/cancel", true, 10, by_order_cancel, P_CANCEL},
    {"POST", "/v5/order/cancel-all", true, 10, by_order_cancel_all, P_CANCEL_ALL},
    {"GET", "/v5/order/realtime", true, 50, by_order_realtime, P_REALTIME},
    {"GET", "/v5/order/history", true, 50, by_order_history, P_HISTORY},
    {"GET", "/v5/execution/list", true, 50, by_execution_list, P_EXEC},
};

#define BY_ROUTE_COUNT (sizeof s_routes / sizeof s_routes[0])
_Static_assert(BY_ROUTE_COUNT <= BY_ROUTES_MAX, "per-account limit table too small");

/* ---------------------------------------------------------------------------------------------------------
 * Limits and authentication */

/* Counts the request against its IP; true when the IP is over the limit. */
static bool s_ip_limited(by_state_t *st, const char *peer, int64_t now)
{
    const sim_engine_config_t *cfg = sim_engine_config(st->engine);
    if (!cfg->rate_limits)
        return false;
    int limit = cfg->rate_limit_per_min > 0 ? (cfg->rate_limit_per_min + 11) / 12 : BY_IP_LIMIT;
    const char *p = peer ? peer : "";
    by_ip_slot_t *slot = NULL, *oldest = &st->ip[0];
    for (size_t i = 0; i < BY_IP_SLOTS; i++) {
        if (strcmp(st->ip[i].peer, p) == 0 && st->ip[i].window_ms) {
            slot = &st->ip[i];
            break;
        }
        if (st->ip[i].window_ms < oldest->window_ms)
            oldest = &st->ip[i];
    }
    if (!slot) {
        slot = oldest;
        snprintf(slot->peer, sizeof slot->peer, "%s", p);
        slot->window_ms = 0;
    }
    if (now - slot->window_ms >= BY_IP_WINDOW_MS || slot->window_ms == 0) {
        slot->window_ms = now > 0 ? now : 1;
        slot->count = 0;
    }
    return ++slot->count > limit;
}

/* Counts a private request against (account, route); adds the X-Bapi-Limit* headers; false when over. The
 * headers publish the limit in force: the route's own, or SIM_LIMIT_UNLIMITED while rate limits are off. */
static bool s_uid_ok(by_ctx_t *c, size_t route)
{
    bool enforced = sim_engine_config(c->st->engine)->rate_limits;
    int limit = enforced ? c->route->uid_limit : SIM_LIMIT_UNLIMITED;
    int64_t window = c->now - c->now % 1000;
    int64_t remaining = limit - 1;
    bool ok = true;
    if (c->account >= 0 && c->account < BY_UID_ACCOUNTS) {
        by_uid_slot_t *s = &c->st->uid[c->account][route];
        if (s->window_ms != window) {
            s->window_ms = window;
            s->count = 0;
        }
        s->count++;
        ok = s->count <= limit || !enforced;
        remaining = s->count <= limit ? limit - s->count : 0;
    }
    sim_resp_header(c->resp, "X-Bapi-Limit", "%d", limit);
    sim_resp_header(c->resp, "X-Bapi-Limit-Status", "%" PRId64, remaining);
    sim_resp_header(c->resp, "X-Bapi-Limit-Reset-Timestamp", "%" PRId64, window + 1000);
    return ok;
}

/* The X-BAPI-* checks; fills c->account. -1 after failing the request. */
static int s_authenticate(by_ctx_t *c)
{
    const char *key = sim_req_header(c->req, "X-BAPI-API-KEY");
    const char *ts = sim_req_header(c->req, "X-BAPI-TIMESTAMP");
    const char *sign = sim_req_header(c->req, "X-BAPI-SIGN");
    const char *recv = sim_req_header(c->req, "X-BAPI-RECV-WINDOW");
    if (!key || !*key || !ts || !*ts || !sign || !*sign) {
        by_fail_http(c, 401, 10003,
                    "empty value: apiTimestamp[%s] apiKey[%s] apiSignature[%s]: openapi sign params error!",
                    ts && *ts ? "set" : "", key && *key ? "set" : "", sign && *sign ? "set" : "");
        return -1;
    }
    int64_t t, rw = BY_RECV_WINDOW_DEFAULT;
    if (!by_parse_i64(ts, strlen(ts), &t)) {
        by_fail(c, 10002, "invalid request, please check your timestamp and recv_window param");
        return -1;
    }
    if (recv && (!by_parse_i64(recv, strlen(recv), &rw) || rw <= 0 || rw > BY_RECV_WINDOW_MAX)) {
        by_fail(c, 10001, "params error: recv_window invalid");
        return -1;
    }
    if (!(c->now - rw <= t && t < c->now + 1000)) {
        by_fail(c, 10002,
               "invalid request, please check your server timestamp or recv_window param. req_timestamp[%" PRId64
               "],server_timestamp[%" PRId64 "],recv_window[%" PRId64 "]",
               t, c->now, rw);
        return -1;
    }
    const sim_account_t *a = sim_engine_account_by_key(c->st->engine, key, strlen(key));
    if (!a) {
        by_fail_http(c, 401, 10003, "API key is invalid.");
        return -1;
    }
    /* timestamp + key + recvWindow (as sent, or nothing) + the exact query or body */
    bool is_get = strcmp(c->req->method, "GET") == 0;
    crypto_part_t msg[4] = {{ts, strlen(ts)}, {key, strlen(key)}, {recv, recv ? strlen(recv) : 0},
                            {is_get ? c->req->query : c->req->body, is_get ? c->req->query_len : c->req->body_len}};
    char want[CRYPTO_HEX_SHA256_LEN], got[CRYPTO_HEX_SHA256_LEN];
    int hm = crypto_hmac_sign_parts_hex(a->hmac, msg, 4, want);
    size_t sl = strlen(sign);
    if (sl != 64) {
        by_fail(c, 10004, "error sign! origin_string invalid");
        return -1;
    }
    for (size_t i = 0; i < 64; i++)
        got[i] = (char)tolower((unsigned char)sign[i]);
    got[64] = '\0';
    if (hm < 0 || !crypto_ct_streq(want, got)) {
        by_fail(c, 10004, "error sign! origin_string invalid");
        return -1;
    }
    c->account = a->id;
    return 0;
}

/* Parameters of the request: query for GET, a JSON object for POST. -1 after failing the request. */
static int s_parse_params(by_ctx_t *c)
{
    sim_params_init(&c->st->query);
    if (strcmp(c->req->method, "GET") == 0) {
        if (sim_params_parse(&c->st->query, c->req->query, c->req->query_len, false, NULL) < 0) {
            by_fail(c, 10001, "Request parameter error.");
            return -1;
        }
        return 0;
    }
    c->is_json = true;
    err_t err;
    c->root = json_parse(c->req->body, c->req->body_len, SIM_MAX_BODY, JSON_DEFAULT_MAX_DEPTH, &err);
    if (!c->root || json_kind(c->root) != JSON_OBJECT) {
        by_fail(c, 10001, "Request parameter error.");
        return -1;
    }
    c->body = c->root;
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * The plug-in */

static int s_init(void *state, sim_engine_t *engine, int64_t now_ms, err_t *err)
{
    by_state_t *st = state;
    st->engine = engine;
    for (size_t i = 0; i < sizeof s_instruments / sizeof s_instruments[0]; i++)
        if (sim_engine_add_instrument(engine, SIM_VENUE_BYBIT, &s_instruments[i], now_ms, err) < 0)
            return -1;
    return 0;
}

static void s_reset(void *state)
{
    by_state_t *st = state;
    memset(st->ip, 0, sizeof st->ip);
    memset(st->uid, 0, sizeof st->uid);
}

static void s_handle(void *state, const sim_http_req_t *req, sim_http_resp_t *resp)
{
    by_state_t *st = state;
    by_ctx_t c;
    memset(&c, 0, sizeof c);
    c.st = st;
    c.req = req;
    c.resp = resp;
    c.account = -1;
    c.now = req->now_ms;
    sim_resp_begin(resp, 200);
    if (s_ip_limited(st, req->peer, c.now)) {
        by_fail_http(&c, 403, 10018, "access too frequent");
        return;
    }
    size_t ri;
    for (ri = 0; ri < BY_ROUTE_COUNT; ri++)
        if (sim_req_path_is(req, s_routes[ri].path))
            break;
    if (ri == BY_ROUTE_COUNT) {
        by_fail_http(&c, 404, 10017, "route not found");
        return;
    }
    c.route = &s_routes[ri];
    if (strcmp(req->method, c.route->method) != 0) {
        by_fail_http(&c, 404, 10017, "route not found");
        return;
    }
    if (req->body_too_large) {
        by_fail(&c, 10001, "Request body too large");
        return;
    }
    if (c.route->private_) {
        if (s_authenticate(&c) < 0)
            return;
        if (!s_uid_ok(&c, ri)) {
            by_fail(&c, 10006, "Too many visits. Exceeded the API Rate Limit.");
            return;
        }
    }
    if (s_parse_params(&c) == 0 && s_check_known(&c) == 0)
        c.route->fn(&c);
    json_free(&c.root);
}

static void s_fault_reply(void *state, sim_fault_kind_t kind, const sim_http_req_t *req, sim_http_resp_t *resp)
{
    by_ctx_t c;
    memset(&c, 0, sizeof c);
    c.st = state;
    c.req = req;
    c.resp = resp;
    c.now = req->now_ms;
    sim_resp_begin(resp, 200);
    if (kind == SIM_FAULT_RATELIMIT)
        by_fail_http(&c, 403, 10018, "access too frequent");
    else
        by_fail_http(&c, 503, 10016, "Server error. Service unavailable, please try again later");
}

static const char *const s_secret_headers[] = {"X-BAPI-API-KEY", "X-BAPI-SIGN", NULL};

const sim_dialect_t sim_dialect_bybit = {
    .name = "bybit",
    .venue = SIM_VENUE_BYBIT,
    .default_port = 9102,
    .state_size = sizeof(by_state_t),
    .init = s_init,
    .fini = NULL,
    .handle = s_handle,
    .fault_reply = s_fault_reply,
    .reset = s_reset,
    .secret_headers = s_secret_headers,
    .secret_params = NULL,
};
