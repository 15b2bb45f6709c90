/* sim_bybit: the Bybit v5 linear dialect (see sim_bybit.h). One request goes through: IP limit (600 per 5 s,
 * HTTP 403 past it) -> route lookup (HTTP 404 for unknown paths) -> for private routes the X-BAPI-* checks
 * (missing headers 10003/10001, timestamp window 10002, unknown key 10003, signature 10004) and the per-UID
 * per-endpoint limit (10006, with X-Bapi-Limit* headers) -> parameter parsing (exact query for GET, a JSON
 * object for POST; unknown, missing or malformed parameters are 10001) -> the engine -> a reply in Bybit's
 * envelope. Bybit's single order id across the life of a conditional order is kept by showing a triggered
 * parent with its child's execution state and hiding the child from lists.
 *
 * Order and execution ids are UUID-shaped strings that carry the engine id in their last 12 hex digits and
 * a keyed check in the first 8, so they parse back without a lookup table. */
#include "sim_bybit.h"

#include "params.h"

#include "base/clock.h"
#include "base/decimal.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "json/json.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BY_IP_WINDOW_MS 5000      /* IP limit window */
#define BY_IP_LIMIT 600           /* requests per IP per window */
#define BY_IP_SLOTS 16            /* distinct client addresses tracked */
#define BY_UID_ACCOUNTS 64        /* accounts with per-endpoint limits tracked */
#define BY_ROUTES_MAX 32          /* routes (size of the per-account limit table) */
#define BY_RECV_WINDOW_DEFAULT 5000
#define BY_RECV_WINDOW_MAX 600000
#define BY_LINK_ID_MAX 36         /* orderLinkId length limit */
#define BY_LIST_MAX 500           /* orders/executions gathered per list request before paging */
#define BY_ID_SALT_ORDER 0x6279626fu
#define BY_ID_SALT_EXEC 0x62796578u

typedef struct {
    char peer[48];       /* client address */
    int64_t window_ms;   /* start of the current window */
    int count;           /* requests in the window */
} by_ip_slot_t;

typedef struct {
    int64_t window_ms;   /* start of the current one-second window */
    int count;           /* requests in it */
} by_uid_slot_t;

typedef struct {
    sim_engine_t *engine;                                   /* borrowed, outlives the dialect */
    by_ip_slot_t ip[BY_IP_SLOTS];                           /* per-IP counters */
    by_uid_slot_t uid[BY_UID_ACCOUNTS][BY_ROUTES_MAX];      /* per-account, per-route counters */
    sim_params_t query;                                     /* scratch: parsed query of the current request */
} by_state_t;

typedef struct by_ctx by_ctx_t;
typedef void (*by_handler_t)(by_ctx_t *c);

typedef struct {
    const char *method;          /* HTTP method */
    const char *path;            /* exact path */
    bool private_;               /* needs X-BAPI-* authentication */
    int uid_limit;               /* requests per second per account (private routes) */
    by_handler_t fn;             /* handler */
    const char *const *params;   /* accepted parameter names, NULL-terminated */
} by_route_t;

/* One request being answered. */
struct by_ctx {
    by_state_t *st;              /* dialect state */
    const sim_http_req_t *req;   /* the request */
    sim_http_resp_t *resp;       /* the reply */
    const by_route_t *route;     /* matched route */
    json_t *root;                /* parsed POST body (owned), or NULL */
    const json_t *body;          /* the body object */
    bool is_json;                /* parameters come from the JSON body */
    int account;                 /* authenticated account, -1 on public routes */
    int64_t now;                 /* request time, ms */
};

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
static void s_fmt_id(int64_t id, uint32_t salt, char out[37])
{
    uint64_t h = s_mix((uint64_t)id ^ ((uint64_t)salt << 32));
    snprintf(out, 37, "%08" PRIx32 "-%04x-4%03x-%04x-%012" PRIx64, (uint32_t)(h >> 32),
             (unsigned)((h >> 16) & 0xffff), (unsigned)(h & 0xfff), (unsigned)(0x8000 | ((h >> 48) & 0x3fff)),
             (uint64_t)((uint64_t)id & 0xffffffffffffULL));
}

/* Parses an id made by s_fmt_id; 0 if it is not one. */
static int64_t s_parse_id(const char *s, size_t len, uint32_t salt)
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
    s_fmt_id(id, salt, again);
    return memcmp(again, s, 36) == 0 ? id : 0;
}

static bool s_link_id_ok(const char *s, size_t len)
{
    if (len == 0 || len > BY_LINK_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

static bool s_parse_i64(const char *s, size_t len, int64_t *out)
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

static void s_jw_fixed(jw_t *w, decimal_t v, uint8_t scale)
{
    char t[DECIMAL_STR_MAX];
    s_fmt_fixed(v, scale, t, sizeof t);
    jw_string(w, t);
}

static void s_jw_dec(jw_t *w, decimal_t v)
{
    char t[DECIMAL_STR_MAX];
    decimal_format(v, t, sizeof t);
    jw_string(w, t);
}

static void s_jw_i64str(jw_t *w, int64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%" PRId64, v);
    jw_string(w, t);
}

static void s_kv_str(jw_t *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_string(w, v);
}

static void s_kv_fixed(jw_t *w, const char *k, decimal_t v, uint8_t scale)
{
    jw_key(w, k);
    s_jw_fixed(w, v, scale);
}

static void s_kv_dec(jw_t *w, const char *k, decimal_t v)
{
    jw_key(w, k);
    s_jw_dec(w, v);
}

static void s_kv_i64str(jw_t *w, const char *k, int64_t v)
{
    jw_key(w, k);
    s_jw_i64str(w, v);
}

static void s_kv_int(jw_t *w, const char *k, int64_t v)
{
    jw_key(w, k);
    jw_int64(w, v);
}

static void s_kv_bool(jw_t *w, const char *k, bool v)
{
    jw_key(w, k);
    jw_bool(w, v);
}

/* ---------------------------------------------------------------------------------------------------------
 * Replies */

/* Writes the envelope for an error and ends the request. HTTP status 200 unless told otherwise. */
static void s_fail_http(by_ctx_t *c, int http, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void s_fail_http(by_ctx_t *c, int http, int code, const char *fmt, ...)
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
    s_kv_int(&w, "retCode", code);
    s_kv_str(&w, "retMsg", msg);
    jw_key(&w, "result");
    jw_object_begin(&w);
    jw_object_end(&w);
    jw_key(&w, "retExtInfo");
    jw_object_begin(&w);
    jw_object_end(&w);
    s_kv_int(&w, "time", c->now);
    jw_object_end(&w);
}

#define s_fail(c, code, ...) s_fail_http((c), 200, (code), __VA_ARGS__)

/* Starts a success envelope; the caller writes the result value, then s_ok_end. */
static void s_ok_begin(by_ctx_t *c, jw_t *w)
{
    c->resp->status = 200;
    buf_reset(&c->resp->body);
    jw_init(w, &c->resp->body);
    jw_object_begin(w);
    s_kv_int(w, "retCode", 0);
    s_kv_str(w, "retMsg", "OK");
    jw_key(w, "result");
}

static void s_ok_end(by_ctx_t *c, jw_t *w)
{
    jw_key(w, "retExtInfo");
    jw_object_begin(w);
    jw_object_end(w);
    s_kv_int(w, "time", c->now);
    jw_object_end(w);
    if (jw_failed(w))
        s_fail(c, 10016, "Internal server error: reply too large");
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
static int s_arg_copy(by_ctx_t *c, const char *name, char *buf, size_t cap)
{
    const char *s;
    size_t n;
    int r = s_arg_str(c, name, &s, &n);
    if (r == 0)
        return 0;
    if (r < 0 || n >= cap || memchr(s, '\0', n)) {
        s_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return 1;
}

/* Required string parameter; -1 after failing the request when absent or bad. */
static int s_arg_need(by_ctx_t *c, const char *name, char *buf, size_t cap)
{
    int r = s_arg_copy(c, name, buf, cap);
    if (r == 0) {
        s_fail(c, 10001, "Missing some parameters that must be filled in, %s", name);
        return -1;
    }
    return r < 0 ? -1 : 0;
}

/* Decimal parameter (a string, as Bybit requires): 1 present, 0 absent, -1 after failing the request. */
static int s_arg_dec(by_ctx_t *c, const char *name, decimal_t *out)
{
    char t[64];
    int r = s_arg_copy(c, name, t, sizeof t);
    if (r <= 0)
        return r;
    if (decimal_from_str(t, out, NULL) < 0) {
        s_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    return 1;
}

/* Integer parameter (JSON number or digits): 1 present, 0 absent, -1 after failing the request. */
static int s_arg_int(by_ctx_t *c, const char *name, int64_t *out)
{
    if (c->is_json) {
        const json_t *v = json_get(c->body, name);
        if (!v || json_kind(v) == JSON_NULL)
            return 0;
        if ((json_kind(v) == JSON_NUMBER || json_kind(v) == JSON_STRING) && json_int64(v, out, NULL) == 0)
            return 1;
        s_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    const char *s;
    size_t n;
    if (s_arg_str(c, name, &s, &n) == 0)
        return 0;
    bool neg = n > 0 && s[0] == '-';
    if (!s_parse_i64(s + neg, n - neg, out)) {
        s_fail(c, 10001, "params error: %s invalid", name);
        return -1;
    }
    if (neg)
        *out = -*out;
    return 1;
}

/* Boolean parameter (JSON true/false, or the strings): 1 present, 0 absent, -1 after failing the request. */
static int s_arg_bool(by_ctx_t *c, const char *name, bool *out)
{
    if (c->is_json) {
        const json_t *v = json_get(c->body, name);
        if (!v || json_kind(v) == JSON_NULL)
            return 0;
        if (json_bool(v, out, NULL) == 0)
            return 1;
        s_fail(c, 10001, "params error: %s invalid", name);
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
        s_fail(c, 10001, "params error: %s invalid", name);
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
            s_fail(c, 10001, "params error: unknown parameter %.64s", k.bad);
            return -1;
        }
        return 0;
    }
    const sim_params_t *q = &c->st->query;
    for (size_t i = 0; i < q->count; i++) {
        if (!s_name_allowed(allowed, q->items[i].name)) {
            s_fail(c, 10001, "params error: unknown parameter %.64s", q->items[i].name);
            return -1;
        }
        if (sim_params_count_of(q, q->items[i].name) > 1) {
            s_fail(c, 10001, "params error: duplicate parameter %.64s", q->items[i].name);
            return -1;
        }
    }
    return 0;
}

/* category must be "linear" (the only one simulated); -1 after failing the request. */
static int s_need_linear(by_ctx_t *c, bool required)
{
    char cat[16];
    int r = s_arg_copy(c, "category", cat, sizeof cat);
    if (r < 0)
        return -1;
    if (r == 0) {
        if (!required)
            return 0;
        s_fail(c, 10001, "Missing some parameters that must be filled in, category");
        return -1;
    }
    if (strcmp(cat, "linear") != 0) {
        s_fail(c, 10001, "Illegal category");
        return -1;
    }
    return 0;
}

/* Optional symbol: *inst NULL when absent; fails the request (10001) for an unknown one. */
static int s_arg_symbol(by_ctx_t *c, bool required, const sim_instrument_t **inst)
{
    char sym[32];
    *inst = NULL;
    int r = required ? (s_arg_need(c, "symbol", sym, sizeof sym) == 0 ? 1 : -1)
                     : s_arg_copy(c, "symbol", sym, sizeof sym);
    if (r <= 0)
        return r;
    *inst = sim_engine_instrument(c->st->engine, SIM_VENUE_BYBIT, sym);
    if (!*inst) {
        s_fail(c, 10001, "params error: symbol invalid");
        return -1;
    }
    return 1;
}

/* settleCoin / baseCoin filters for list requests: only USDT / a listed base. -1 after failing. */
static int s_arg_coin_filters(by_ctx_t *c, const char **base_out, char *base_buf, size_t cap)
{
    char settle[16];
    *base_out = NULL;
    int r = s_arg_copy(c, "settleCoin", settle, sizeof settle);
    if (r < 0)
        return -1;
    if (r > 0 && strcmp(settle, "USDT") != 0) {
        s_fail(c, 10001, "params error: settleCoin invalid");
        return -1;
    }
    int b = s_arg_copy(c, "baseCoin", base_buf, cap);
    if (b < 0)
        return -1;
    if (b > 0)
        *base_out = base_buf;
    return r > 0 || b > 0 ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Engine result -> Bybit code */

static void s_fail_engine(by_ctx_t *c, sim_result_t r, const sim_order_req_t *req)
{
    switch (r) {
    case SIM_REJ_UNKNOWN_SYMBOL:
        s_fail(c, 10001, "params error: symbol invalid");
        break;
    case SIM_REJ_QTY_NOT_POSITIVE:
        s_fail(c, 10001, "Qty invalid");
        break;
    case SIM_REJ_QTY_MIN:
        s_fail(c, 10001, "The number of contracts exceeds minimum limit allowed");
        break;
    case SIM_REJ_QTY_MAX:
        s_fail(c, 10001, "The number of contracts exceeds maximum limit allowed");
        break;
    case SIM_REJ_QTY_STEP:
        s_fail(c, 10001, "Qty invalid: not a multiple of qtyStep");
        break;
    case SIM_REJ_PRICE_MIN:
    case SIM_REJ_PRICE_MAX:
        s_fail(c, 110003, "Order price is out of permissible range");
        break;
    case SIM_REJ_PRICE_TICK:
        s_fail(c, 10001, "Price invalid: not a multiple of tickSize");
        break;
    case SIM_REJ_MIN_NOTIONAL:
        if (req && req->inst) {
            char t[DECIMAL_STR_MAX];
            decimal_format(req->inst->min_notional, t, sizeof t);
            s_fail(c, 110094, "Order does not meet minimum order value %sUSDT", t);
        } else {
            s_fail(c, 110094, "Order does not meet minimum order value");
        }
        break;
    case SIM_REJ_DUP_CLIENT_ID:
        s_fail(c, 110072, "OrderLinkedID is duplicate");
        break;
    case SIM_REJ_MARGIN:
        s_fail(c, 110007, "ab not enough for new order");
        break;
    case SIM_REJ_REDUCE_ONLY:
        s_fail(c, 110017, "current position is zero, cannot fix reduce-only order qty");
        break;
    case SIM_REJ_POST_ONLY:
        s_fail(c, 10001, "PostOnly order would take liquidity");
        break;
    case SIM_REJ_WOULD_TRIGGER:
        if (req && req->type != SIM_TYPE_LIMIT && req->type != SIM_TYPE_MARKET) {
            bool stop = req->type == SIM_TYPE_STOP || req->type == SIM_TYPE_STOP_MARKET;
            bool rising = (req->side == SIM_SIDE_BUY) == stop;
            if (rising)
                s_fail(c, 110093, "expect Rising, but trigger_price <= current");
            else
                s_fail(c, 110092, "expect Falling, but trigger_price >= current");
        } else {
            s_fail(c, 110092, "trigger price would trigger immediately");
        }
        break;
    case SIM_REJ_POSITION_SIDE:
        s_fail(c, 10001, "position idx not match position mode");
        break;
    case SIM_REJ_MAX_OPEN_ORDERS:
        if (req && sim_type_is_conditional(req->type))
            s_fail(c, 110009, "The number of stop orders exceeds maximum limit allowed");
        else
            s_fail(c, 110020, "Not allowed to have more than 500 active orders");
        break;
    case SIM_REJ_LEVERAGE:
        s_fail(c, 10001, "leverage invalid");
        break;
    case SIM_REJ_NOT_FOUND:
        s_fail(c, 110001, "order not exists or too late to cancel");
        break;
    case SIM_REJ_NOT_OPEN:
        s_fail(c, 110008, "The order has been finished or cancelled");
        break;
    case SIM_REJ_UNKNOWN_ACCOUNT:
        s_fail(c, 10003, "API key is invalid.");
        break;
    case SIM_REJ_MODE_CHANGE:
    case SIM_REJ_BAD_PARAM:
    default:
        s_fail(c, 10001, "params error: %s", sim_result_name(r));
        break;
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * Public market routes */

static void s_market_time(by_ctx_t *c)
{
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    s_kv_i64str(&w, "timeSecond", c->now / 1000);
    jw_key(&w, "timeNano");
    char t[32];
    snprintf(t, sizeof t, "%" PRId64 "000000", c->now);
    jw_string(&w, t);
    jw_object_end(&w);
    s_ok_end(c, &w);
}

static void s_write_instrument(jw_t *w, const sim_instrument_t *in)
{
    char t[DECIMAL_STR_MAX];
    jw_object_begin(w);
    s_kv_str(w, "symbol", in->symbol);
    s_kv_str(w, "contractType", "LinearPerpetual");
    s_kv_str(w, "status", "Trading");
    s_kv_str(w, "baseCoin", in->base);
    s_kv_str(w, "quoteCoin", in->quote);
    s_kv_str(w, "launchTime", "1585526400000");
    s_kv_str(w, "deliveryTime", "0");
    s_kv_str(w, "deliveryFeeRate", "");
    snprintf(t, sizeof t, "%u", (unsigned)in->price_precision);
    s_kv_str(w, "priceScale", t);
    jw_key(w, "leverageFilter");
    jw_object_begin(w);
    s_kv_str(w, "minLeverage", "1");
    snprintf(t, sizeof t, "%d.00", in->max_leverage);
    s_kv_str(w, "maxLeverage", t);
    s_kv_str(w, "leverageStep", "1");
    jw_object_end(w);
    jw_key(w, "priceFilter");
    jw_object_begin(w);
    s_kv_fixed(w, "minPrice", in->min_price, in->price_precision);
    s_kv_fixed(w, "maxPrice", in->max_price, in->price_precision);
    s_kv_fixed(w, "tickSize", in->tick, in->price_precision);
    jw_object_end(w);
    jw_key(w, "lotSizeFilter");
    jw_object_begin(w);
    s_kv_fixed(w, "maxOrderQty", in->max_qty, in->qty_precision);
    s_kv_fixed(w, "minOrderQty", in->min_qty, in->qty_precision);
    s_kv_fixed(w, "qtyStep", in->step, in->qty_precision);
    s_kv_fixed(w, "postOnlyMaxOrderQty", in->max_qty, in->qty_precision);
    s_kv_fixed(w, "maxMktOrderQty", in->max_mkt_qty, in->qty_precision);
    s_kv_dec(w, "minNotionalValue", in->min_notional);
    jw_object_end(w);
    s_kv_bool(w, "unifiedMarginTrade", true);
    s_kv_int(w, "fundingInterval", 480);
    s_kv_str(w, "settleCoin", in->quote);
    s_kv_str(w, "copyTrading", "both");
    s_kv_str(w, "upperFundingRate", "0.005");
    s_kv_str(w, "lowerFundingRate", "-0.005");
    s_kv_bool(w, "isPreListing", false);
    jw_key(w, "preListingInfo");
    jw_null(w);
    jw_object_end(w);
}

static void s_instruments_info(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    char status[24], base[16], cursor[24];
    int64_t limit = 500;
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, false, &inst) < 0)
        return;
    int rs = s_arg_copy(c, "status", status, sizeof status);
    int rb = s_arg_copy(c, "baseCoin", base, sizeof base);
    int rl = s_arg_int(c, "limit", &limit);
    int rc = s_arg_copy(c, "cursor", cursor, sizeof cursor);
    if (rs < 0 || rb < 0 || rl < 0 || rc < 0)
        return;
    if (limit < 1 || limit > 1000) {
        s_fail(c, 10001, "params error: limit invalid");
        return;
    }
    /* every simulated instrument is Trading: other status filters select nothing */
    bool none = rs > 0 && strcmp(status, "Trading") != 0;
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    s_kv_str(&w, "category", "linear");
    jw_key(&w, "list");
    jw_array_begin(&w);
    size_t n = sim_engine_instrument_count(c->st->engine, SIM_VENUE_BYBIT);
    for (size_t i = 0; i < n && !none; i++) {
        const sim_instrument_t *in = sim_engine_instrument_at(c->st->engine, SIM_VENUE_BYBIT, i);
        if ((inst && in != inst) || (rb > 0 && strcmp(in->base, base) != 0))
            continue;
        s_write_instrument(&w, in);
    }
    jw_array_end(&w);
    s_kv_str(&w, "nextPageCursor", "");
    jw_object_end(&w);
    s_ok_end(c, &w);
}

typedef struct {
    decimal_t high, low, volume, turnover; /* over the last 24 h */
    bool any;                              /* at least one candle */
} by_day_t;

static void s_day_stats(by_ctx_t *c, const sim_instrument_t *in, by_day_t *d)
{
    sim_candle_t k[25];
    size_t n = sim_engine_candles(c->st->engine, in, 3600000, c->now - 24 * 3600000LL, 0, 25, c->now, k, 25);
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < n; i++) {
        if (!d->any || decimal_cmp(k[i].high, d->high) > 0)
            d->high = k[i].high;
        if (!d->any || decimal_cmp(k[i].low, d->low) < 0)
            d->low = k[i].low;
        decimal_add(d->volume, k[i].volume, &d->volume, NULL);
        decimal_add(d->turnover, k[i].quote_volume, &d->turnover, NULL);
        d->any = true;
    }
}

static void s_write_ticker(by_ctx_t *c, jw_t *w, const sim_instrument_t *in)
{
    sim_ticker_t t;
    by_day_t d;
    sim_engine_ticker(c->st->engine, in, &t);
    s_day_stats(c, in, &d);
    if (!d.any) {
        d.high = t.last;
        d.low = t.last;
    }
    decimal_t pct = DECIMAL_ZERO, diff;
    if (!decimal_is_zero(t.open_24h) && decimal_sub(t.last, t.open_24h, &diff, NULL) == 0)
        decimal_div(diff, t.open_24h, 6, DECIMAL_ROUND_HALF_UP, &pct, NULL);
    uint8_t pp = in->price_precision, qp = in->qty_precision;
    jw_object_begin(w);
    s_kv_str(w, "symbol", in->symbol);
    s_kv_fixed(w, "lastPrice", t.last, pp);
    s_kv_fixed(w, "indexPrice", t.mark, pp);
    s_kv_fixed(w, "markPrice", t.mark, pp);
    s_kv_fixed(w, "prevPrice24h", t.open_24h, pp);
    s_kv_dec(w, "price24hPcnt", pct);
    s_kv_fixed(w, "highPrice24h", d.high, pp);
    s_kv_fixed(w, "lowPrice24h", d.low, pp);
    s_kv_fixed(w, "prevPrice1h", t.last, pp);
    s_kv_str(w, "openInterest", "0");
    s_kv_str(w, "openInterestValue", "0");
    s_kv_dec(w, "turnover24h", d.turnover);
    s_kv_dec(w, "volume24h", d.volume);
    s_kv_str(w, "fundingRate", "0.0001");
    s_kv_i64str(w, "nextFundingTime", (c->now / 28800000 + 1) * 28800000);
    s_kv_str(w, "predictedDeliveryPrice", "");
    s_kv_str(w, "basisRate", "");
    s_kv_str(w, "deliveryFeeRate", "");
    s_kv_str(w, "deliveryTime", "0");
    s_kv_fixed(w, "ask1Size", t.ask_qty, qp);
    s_kv_fixed(w, "bid1Price", t.bid, pp);
    s_kv_fixed(w, "ask1Price", t.ask, pp);
    s_kv_fixed(w, "bid1Size", t.bid_qty, qp);
    s_kv_str(w, "basis", "");
    jw_object_end(w);
}

static void s_market_tickers(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    char base[16];
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, false, &inst) < 0)
        return;
    int rb = s_arg_copy(c, "baseCoin", base, sizeof base);
    if (rb < 0)
        return;
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    s_kv_str(&w, "category", "linear");
    jw_key(&w, "list");
    jw_array_begin(&w);
    size_t n = sim_engine_instrument_count(c->st->engine, SIM_VENUE_BYBIT);
    for (size_t i = 0; i < n; i++) {
        const sim_instrument_t *in = sim_engine_instrument_at(c->st->engine, SIM_VENUE_BYBIT, i);
        if ((inst && in != inst) || (rb > 0 && strcmp(in->base, base) != 0))
            continue;
        s_write_ticker(c, &w, in);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    s_ok_end(c, &w);
}

/* Bybit kline interval -> ms; 0 if unknown or not simulated ("M"). */
static int64_t s_interval_ms(const char *iv)
{
    static const struct {
        const char *name;
        int64_t minutes;
    } map[] = {{"1", 1},     {"3", 3},     {"5", 5},     {"15", 15},   {"30", 30},   {"60", 60},  {"120", 120},
               {"240", 240}, {"360", 360}, {"720", 720}, {"D", 1440}, {"W", 10080}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, iv) == 0)
            return map[i].minutes * 60000;
    return 0;
}

#define BY_KLINE_MAX 1000

static void s_market_kline(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    char iv[8];
    int64_t start = 0, end = 0, limit = 200;
    if (s_need_linear(c, false) < 0 || s_arg_symbol(c, true, &inst) < 0 || s_arg_need(c, "interval", iv, sizeof iv) < 0)
        return;
    if (s_arg_int(c, "start", &start) < 0 || s_arg_int(c, "end", &end) < 0 || s_arg_int(c, "limit", &limit) < 0)
        return;
    int64_t ms = s_interval_ms(iv);
    if (ms == 0) {
        s_fail(c, 10001, "Invalid period!");
        return;
    }
    if (limit < 1 || limit > BY_KLINE_MAX || start < 0 || end < 0 || (end && start > end)) {
        s_fail(c, 10001, "params error: limit/start/end invalid");
        return;
    }
    /* the newest `limit` candles whose start is in [start, end] */
    sim_candle_t *k = mem_calloc(BY_KLINE_MAX, sizeof *k);
    size_t n = sim_engine_candles(c->st->engine, inst, ms, 0, end, (size_t)limit, c->now, k, BY_KLINE_MAX);
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    s_kv_str(&w, "symbol", inst->symbol);
    s_kv_str(&w, "category", "linear");
    jw_key(&w, "list");
    jw_array_begin(&w);
    for (size_t i = n; i-- > 0;) {
        if (k[i].open_ms < start)
            break;
        jw_array_begin(&w);
        s_jw_i64str(&w, k[i].open_ms);
        s_jw_fixed(&w, k[i].open, inst->price_precision);
        s_jw_fixed(&w, k[i].high, inst->price_precision);
        s_jw_fixed(&w, k[i].low, inst->price_precision);
        s_jw_fixed(&w, k[i].close, inst->price_precision);
        s_jw_dec(&w, k[i].volume);
        s_jw_dec(&w, k[i].quote_volume);
        jw_array_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    mem_free(k);
    s_ok_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Account routes */

static void s_user_query_api(by_ctx_t *c)
{
    const sim_account_t *a = sim_engine_account(c->st->engine, c->account);
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    s_kv_i64str(&w, "id", 1000 + c->account);
    s_kv_str(&w, "note", "xroute-exchange-sim");
    s_kv_str(&w, "apiKey", a ? a->key : "");
    s_kv_int(&w, "readOnly", 0);
    s_kv_str(&w, "secret", "");
    jw_key(&w, "permissions");
    jw_object_begin(&w);
    static const char *const groups[] = {"ContractTrade", "Spot", "Wallet", "Options", "Derivatives", "CopyTrading",
                                         "BlockTrade", "Exchange", "NFT", "Affiliate", "Earn"};
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        jw_key(&w, groups[i]);
        jw_array_begin(&w);
        if (i == 0) {
            jw_string(&w, "Order");
            jw_string(&w, "Position");
        } else if (i == 2) {
            jw_string(&w, "AccountTransfer");
            jw_string(&w, "SubMemberTransfer");
        } else if (i == 4) {
            jw_string(&w, "DerivativesTrade");
        }
        jw_array_end(&w);
    }
    jw_object_end(&w);
    jw_key(&w, "ips");
    jw_array_begin(&w);
    jw_string(&w, "*");
    jw_array_end(&w);
    s_kv_int(&w, "type", 1);
    s_kv_int(&w, "deadlineDay", -1);
    s_kv_str(&w, "expiredAt", "");
    s_kv_str(&w, "createdAt", "2026-01-01T00:00:00Z");
    s_kv_int(&w, "unified", 0);
    s_kv_int(&w, "uta", 1);
    s_kv_int(&w, "userID", 100000 + c->account);
    s_kv_int(&w, "inviterID", 0);
    s_kv_str(&w, "vipLevel", "No VIP");
    s_kv_str(&w, "mktMakerLevel", "0");
    s_kv_int(&w, "affiliateID", 0);
    s_kv_str(&w, "rsaPublicKey", "");
    s_kv_bool(&w, "isMaster", true);
    s_kv_str(&w, "parentUid", "0");
    s_kv_str(&w, "kycLevel", "LEVEL_DEFAULT");
    s_kv_str(&w, "kycRegion", "");
    jw_object_end(&w);
    s_ok_end(c, &w);
}

static void s_account_info(by_ctx_t *c)
{
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    s_kv_int(&w, "unifiedMarginStatus", 6);
    s_kv_str(&w, "marginMode", "REGULAR_MARGIN");
    s_kv_bool(&w, "isMasterTrader", false);
    s_kv_str(&w, "spotHedgingStatus", "OFF");
    s_kv_str(&w, "updatedTime", "1735689600000");
    s_kv_str(&w, "dcpStatus", "OFF");
    s_kv_int(&w, "timeWindow", 10);
    s_kv_int(&w, "smpGroup", 0);
    jw_object_end(&w);
    s_ok_end(c, &w);
}

static void s_wallet_balance(by_ctx_t *c)
{
    char type[16], coins[64];
    if (s_arg_need(c, "accountType", type, sizeof type) < 0)
        return;
    int rc = s_arg_copy(c, "coin", coins, sizeof coins);
    if (rc < 0)
        return;
    if (strcmp(type, "UNIFIED") != 0) {
        s_fail(c, 10001, "accountType only support UNIFIED.");
        return;
    }
    sim_balance_t b;
    if (sim_engine_balance(c->st->engine, SIM_VENUE_BYBIT, c->account, &b) < 0) {
        s_fail(c, 10003, "API key is invalid.");
        return;
    }
    /* coin filter: a comma list; only USDT exists */
    bool usdt = rc == 0 || strstr(coins, "USDT") != NULL;
    decimal_t equity, im, avail = b.available;
    decimal_add(b.wallet, b.unrealized, &equity, NULL);
    decimal_add(b.position_margin, b.order_margin, &im, NULL);
    if (decimal_sign(avail) < 0)
        avail = DECIMAL_ZERO;
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "list");
    jw_array_begin(&w);
    jw_object_begin(&w);
    s_kv_dec(&w, "totalEquity", equity);
    s_kv_str(&w, "accountIMRate", "0");
    s_kv_dec(&w, "totalMarginBalance", equity);
    s_kv_dec(&w, "totalInitialMargin", im);
    s_kv_str(&w, "accountType", "UNIFIED");
    s_kv_dec(&w, "totalAvailableBalance", avail);
    s_kv_str(&w, "accountMMRate", "0");
    s_kv_dec(&w, "totalPerpUPL", b.unrealized);
    s_kv_dec(&w, "totalWalletBalance", b.wallet);
    s_kv_str(&w, "accountLTV", "0");
    s_kv_str(&w, "totalMaintenanceMargin", "0");
    jw_key(&w, "coin");
    jw_array_begin(&w);
    if (usdt) {
        jw_object_begin(&w);
        s_kv_str(&w, "availableToBorrow", "");
        s_kv_str(&w, "bonus", "0");
        s_kv_str(&w, "accruedInterest", "0");
        s_kv_str(&w, "availableToWithdraw", "");
        s_kv_dec(&w, "totalOrderIM", b.order_margin);
        s_kv_dec(&w, "equity", equity);
        s_kv_str(&w, "totalPositionMM", "0");
        s_kv_dec(&w, "usdValue", equity);
        s_kv_dec(&w, "unrealisedPnl", b.unrealized);
        s_kv_bool(&w, "collateralSwitch", true);
        s_kv_str(&w, "spotHedgingQty", "0");
        s_kv_str(&w, "borrowAmount", "0");
        s_kv_dec(&w, "totalPositionIM", b.position_margin);
        s_kv_dec(&w, "walletBalance", b.wallet);
        s_kv_dec(&w, "cumRealisedPnl", b.realized);
        s_kv_str(&w, "locked", "0");
        s_kv_bool(&w, "marginCollateral", true);
        s_kv_str(&w, "coin", "USDT");
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_object_end(&w);
    s_ok_end(c, &w);
}

/* Coins for ccxt's fetchCurrencies (called by loadMarkets when keys are set): the quote and the bases. */
static void s_coin_query_info(by_ctx_t *c)
{
    char want[16];
    int rc = s_arg_copy(c, "coin", want, sizeof want);
    if (rc < 0)
        return;
    static const struct {
        const char *coin, *name, *chain, *fee, *accuracy;
    } coins[] = {{"USDT", "USDT", "ETH", "4", "6"},   {"BTC", "BTC", "BTC", "0.0002", "8"},
                 {"ETH", "ETH", "ETH", "0.0012", "8"}, {"SOL", "SOL", "SOL", "0.01", "8"},
                 {"XRP", "XRP", "XRP", "0.2", "6"},    {"DOGE", "DOGE", "DOGE", "4", "8"}};
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "rows");
    jw_array_begin(&w);
    for (size_t i = 0; i < sizeof coins / sizeof coins[0]; i++) {
        if (rc > 0 && strcmp(want, coins[i].coin) != 0)
            continue;
        jw_object_begin(&w);
        s_kv_str(&w, "name", coins[i].name);
        s_kv_str(&w, "coin", coins[i].coin);
        s_kv_str(&w, "remainAmount", "1000000");
        jw_key(&w, "chains");
        jw_array_begin(&w);
        jw_object_begin(&w);
        s_kv_str(&w, "chainType", coins[i].chain);
        s_kv_str(&w, "confirmation", "12");
        s_kv_str(&w, "withdrawFee", coins[i].fee);
        s_kv_str(&w, "depositMin", "0");
        s_kv_str(&w, "withdrawMin", coins[i].fee);
        s_kv_str(&w, "chain", coins[i].chain);
        s_kv_str(&w, "chainDeposit", "1");
        s_kv_str(&w, "chainWithdraw", "1");
        s_kv_str(&w, "minAccuracy", coins[i].accuracy);
        s_kv_str(&w, "withdrawPercentageFee", "0");
        s_kv_str(&w, "contractAddress", "");
        s_kv_str(&w, "safeConfirmNumber", "6");
        jw_object_end(&w);
        jw_array_end(&w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    s_ok_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Positions */

typedef struct {
    by_ctx_t *c;                  /* request */
    jw_t *w;                      /* writer */
    const char *base;             /* baseCoin filter or NULL */
} by_pos_walk_t;

static void s_write_position(by_ctx_t *c, jw_t *w, const sim_position_t *p)
{
    const sim_instrument_t *in = p->inst;
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, in, &t);
    int lev = sim_engine_leverage(c->st->engine, in, c->account);
    int sign = decimal_sign(p->qty);
    decimal_t size = decimal_abs(p->qty), value = decimal_abs(p->cost);
    decimal_t upl = sign ? sim_engine_unrealized(c->st->engine, p) : DECIMAL_ZERO;
    decimal_t im = sign ? sim_engine_position_margin(c->st->engine, p) : DECIMAL_ZERO;
    char t2[32];
    jw_object_begin(w);
    s_kv_int(w, "positionIdx", 0);
    s_kv_int(w, "riskId", 1);
    s_kv_str(w, "riskLimitValue", "2000000");
    s_kv_str(w, "symbol", in->symbol);
    s_kv_str(w, "side", sign > 0 ? "Buy" : sign < 0 ? "Sell" : "");
    s_kv_fixed(w, "size", size, in->qty_precision);
    s_kv_dec(w, "avgPrice", sign ? p->entry_price : DECIMAL_ZERO);
    s_kv_dec(w, "positionValue", value);
    s_kv_int(w, "tradeMode", sim_engine_isolated(c->st->engine, in, c->account) ? 1 : 0);
    s_kv_str(w, "positionStatus", "Normal");
    s_kv_int(w, "autoAddMargin", 0);
    s_kv_int(w, "adlRankIndicator", sign ? 2 : 0);
    snprintf(t2, sizeof t2, "%d", lev);
    s_kv_str(w, "leverage", t2);
    s_kv_dec(w, "positionBalance", im);
    s_kv_fixed(w, "markPrice", t.mark, in->price_precision);
    s_kv_str(w, "liqPrice", "");
    s_kv_str(w, "bustPrice", "");
    s_kv_str(w, "positionMM", "0");
    s_kv_dec(w, "positionIM", im);
    s_kv_str(w, "tpslMode", "Full");
    s_kv_str(w, "takeProfit", "0");
    s_kv_str(w, "stopLoss", "0");
    s_kv_str(w, "trailingStop", "0");
    s_kv_dec(w, "unrealisedPnl", upl);
    s_kv_str(w, "curRealisedPnl", "0");
    s_kv_dec(w, "cumRealisedPnl", p->realized);
    s_kv_int(w, "seq", p->update_ms);
    s_kv_bool(w, "isReduceOnly", false);
    s_kv_str(w, "mmrSysUpdatedTime", "");
    s_kv_str(w, "leverageSysUpdatedTime", "");
    s_kv_str(w, "sessionAvgPrice", "");
    s_kv_i64str(w, "createdTime", p->update_ms);
    s_kv_i64str(w, "updatedTime", p->update_ms);
    jw_object_end(w);
}

static int s_pos_cb(const sim_position_t *p, void *ctx)
{
    by_pos_walk_t *pw = ctx;
    if (decimal_is_zero(p->qty) || (pw->base && strcmp(p->inst->base, pw->base) != 0))
        return 0;
    s_write_position(pw->c, pw->w, p);
    return 0;
}

static void s_position_list(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    const char *base;
    char base_buf[16], cursor[24];
    int64_t limit = 20;
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, false, &inst) < 0)
        return;
    int rf = s_arg_coin_filters(c, &base, base_buf, sizeof base_buf);
    if (rf < 0 || s_arg_int(c, "limit", &limit) < 0 || s_arg_copy(c, "cursor", cursor, sizeof cursor) < 0)
        return;
    if (!inst && rf == 0) {
        s_fail(c, 10001, "Missing some parameters that must be filled in, symbol or settleCoin");
        return;
    }
    if (limit < 1 || limit > 200) {
        s_fail(c, 10001, "params error: limit invalid");
        return;
    }
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "list");
    jw_array_begin(&w);
    if (inst) {
        /* a symbol query answers even for a flat position, as Bybit does */
        s_write_position(c, &w, sim_engine_position(c->st->engine, inst, c->account, SIM_POS_BOTH));
    } else {
        by_pos_walk_t pw = {c, &w, base};
        sim_engine_positions(c->st->engine, SIM_VENUE_BYBIT, c->account, false, s_pos_cb, &pw);
    }
    jw_array_end(&w);
    s_kv_str(&w, "nextPageCursor", "");
    s_kv_str(&w, "category", "linear");
    jw_object_end(&w);
    s_ok_end(c, &w);
}

/* Leverage as Bybit sends it ("5", "5.00"): an integer here; -1 if not. */
static int s_parse_leverage(const char *s)
{
    decimal_t d;
    int64_t v;
    if (decimal_from_str(s, &d, NULL) < 0 || !decimal_is_multiple(d, decimal_from_int(1)) ||
        decimal_to_int(d, &v) < 0 ||
        v < 0 || v > 1000)
        return -1;
    return (int)v;
}

static void s_set_leverage(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    char buy[24], sell[24];
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, true, &inst) < 0 ||
        s_arg_need(c, "buyLeverage", buy, sizeof buy) < 0 ||
        s_arg_need(c, "sellLeverage", sell, sizeof sell) < 0)
        return;
    int lb = s_parse_leverage(buy), ls = s_parse_leverage(sell);
    if (lb < 0 || ls < 0) {
        s_fail(c, 10001, "params error: buyLeverage or sellLeverage invalid");
        return;
    }
    if (lb != ls) {
        s_fail(c, 10001, "buy leverage must be equal to sell leverage in one-way mode");
        return;
    }
    if (lb < 1 || lb > inst->max_leverage) {
        s_fail(c, 10001, "leverage invalid: must be between 1 and %d", inst->max_leverage);
        return;
    }
    if (sim_engine_leverage(c->st->engine, inst, c->account) == lb) {
        s_fail(c, 110043, "leverage not modified");
        return;
    }
    sim_result_t r = sim_engine_set_leverage(c->st->engine, inst, c->account, lb);
    if (r != SIM_OK) {
        s_fail_engine(c, r, NULL);
        return;
    }
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_object_end(&w);
    s_ok_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Orders: views */

/* Bybit shows one order per orderId over a conditional's whole life: a TRIGGERED parent is shown with its
 * child's execution state. */
typedef struct {
    const sim_order_t *o;      /* the order as the client knows it (parent for triggered conditionals) */
    const sim_order_t *exec;   /* where execution state comes from (the child, or o) */
} by_view_t;

static by_view_t s_view(by_ctx_t *c, const sim_order_t *o)
{
    by_view_t v = {o, o};
    if (o->status == SIM_ST_TRIGGERED && o->child_id > 0) {
        const sim_order_t *ch = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, o->child_id, NULL);
        if (ch)
            v.exec = ch;
    }
    return v;
}

static const char *s_status_name(const sim_order_t *o)
{
    switch (o->status) {
    case SIM_ST_NEW:
        return "New";
    case SIM_ST_PARTIALLY_FILLED:
        return "PartiallyFilled";
    case SIM_ST_FILLED:
        return "Filled";
    case SIM_ST_CANCELED:
    case SIM_ST_EXPIRED:
        return "Cancelled";
    case SIM_ST_UNTRIGGERED:
        return "Untriggered";
    case SIM_ST_TRIGGERED:
        return "Triggered";
    case SIM_ST_REJECTED:
        return "Rejected";
    }
    return "Rejected";
}

static bool s_type_is_market(sim_type_t t)
{
    return t == SIM_TYPE_MARKET || t == SIM_TYPE_STOP_MARKET || t == SIM_TYPE_TAKE_PROFIT_MARKET ||
           t == SIM_TYPE_TRAILING_STOP_MARKET;
}

/* 1 = rises to trigger, 2 = falls to it, 0 = not conditional. */
static int s_trigger_direction(const sim_order_t *o)
{
    if (!sim_type_is_conditional(o->orig_type))
        return 0;
    bool stop = o->orig_type == SIM_TYPE_STOP || o->orig_type == SIM_TYPE_STOP_MARKET ||
                o->orig_type == SIM_TYPE_TRAILING_STOP_MARKET;
    return (o->side == SIM_SIDE_BUY) == stop ? 1 : 2;
}

/* The client's orderLinkId: "" for ids the engine generated ("sim-<id>"). */
static const char *s_link_id(const sim_order_t *o, char *buf, size_t cap)
{
    snprintf(buf, cap, "sim-%" PRId64, o->id);
    return strcmp(buf, o->client_id) == 0 ? "" : o->client_id;
}

static void s_write_order(by_ctx_t *c, jw_t *w, const sim_order_t *order)
{
    by_view_t v = s_view(c, order);
    const sim_order_t *o = v.o, *x = v.exec;
    const sim_instrument_t *in = o->inst;
    uint8_t pp = in->price_precision, qp = in->qty_precision;
    char id[37], lb[40], fee[DECIMAL_STR_MAX];
    s_fmt_id(o->id, BY_ID_SALT_ORDER, id);
    const char *status = x == o ? s_status_name(o) : s_status_name(x);
    decimal_t leaves = DECIMAL_ZERO, leaves_value = DECIMAL_ZERO;
    if (sim_status_is_open(x->status)) {
        decimal_sub(x->qty, x->filled, &leaves, NULL);
        decimal_mul(leaves, x->price, 8, DECIMAL_ROUND_HALF_UP, &leaves_value, NULL);
    }
    bool cancelled = x->status == SIM_ST_CANCELED || x->status == SIM_ST_EXPIRED;
    jw_object_begin(w);
    s_kv_str(w, "orderId", id);
    s_kv_str(w, "orderLinkId", s_link_id(o, lb, sizeof lb));
    s_kv_str(w, "blockTradeId", "");
    s_kv_str(w, "symbol", in->symbol);
    s_kv_fixed(w, "price", o->price, pp);
    s_kv_fixed(w, "qty", o->qty, qp);
    s_kv_str(w, "side", o->side == SIM_SIDE_BUY ? "Buy" : "Sell");
    s_kv_str(w, "isLeverage", "");
    s_kv_int(w, "positionIdx", 0);
    s_kv_str(w, "orderStatus", status);
    s_kv_str(w, "createType", "CreateByUser");
    s_kv_str(w, "cancelType", cancelled ? (x->status == SIM_ST_EXPIRED ? "CancelByIOC" : "CancelByUser") : "UNKNOWN");
    s_kv_str(w, "rejectReason", "EC_NoError");
    jw_key(w, "avgPrice");
    if (decimal_is_zero(x->filled))
        jw_string(w, "");
    else
        s_jw_dec(w, x->avg_price);
    s_kv_fixed(w, "leavesQty", leaves, qp);
    s_kv_dec(w, "leavesValue", leaves_value);
    s_kv_fixed(w, "cumExecQty", x->filled, qp);
    s_kv_dec(w, "cumExecValue", x->cum_quote);
    s_kv_dec(w, "cumExecFee", x->fee);
    s_kv_str(w, "timeInForce", s_type_is_market(o->orig_type) ? "IOC" :
                               o->tif == SIM_TIF_IOC ? "IOC" : o->tif == SIM_TIF_FOK ? "FOK" :
                               o->tif == SIM_TIF_GTX ? "PostOnly" : "GTC");
    s_kv_str(w, "orderType", s_type_is_market(o->orig_type) ? "Market" : "Limit");
    s_kv_str(w, "stopOrderType", sim_type_is_conditional(o->orig_type) ? "Stop" : "");
    s_kv_str(w, "orderIv", "");
    s_kv_str(w, "marketUnit", "");
    s_kv_fixed(w, "triggerPrice", o->trigger_price, pp);
    s_kv_fixed(w, "takeProfit", o->take_profit, pp);
    s_kv_fixed(w, "stopLoss", o->stop_loss, pp);
    s_kv_str(w, "tpslMode", decimal_is_zero(o->take_profit) && decimal_is_zero(o->stop_loss) ? "" : "Full");
    s_kv_str(w, "ocoTriggerBy", "");
    s_kv_str(w, "tpLimitPrice", "");
    s_kv_str(w, "slLimitPrice", "");
    s_kv_str(w, "tpTriggerBy", decimal_is_zero(o->take_profit) ? "" : "LastPrice");
    s_kv_str(w, "slTriggerBy", decimal_is_zero(o->stop_loss) ? "" : "LastPrice");
    s_kv_int(w, "triggerDirection", s_trigger_direction(o));
    s_kv_str(w, "triggerBy", sim_type_is_conditional(o->orig_type) ? "LastPrice" : "");
    s_kv_str(w, "lastPriceOnCreated", "");
    s_kv_str(w, "basePrice", "");
    s_kv_bool(w, "reduceOnly", o->reduce_only);
    s_kv_bool(w, "closeOnTrigger", o->close_position);
    s_kv_str(w, "placeType", "");
    s_kv_str(w, "smpType", "None");
    s_kv_int(w, "smpGroup", 0);
    s_kv_str(w, "smpOrderId", "");
    jw_key(w, "cumFeeDetail");
    jw_object_begin(w);
    if (!decimal_is_zero(x->fee)) {
        decimal_format(x->fee, fee, sizeof fee);
        s_kv_str(w, "USDT", fee);
    }
    jw_object_end(w);
    s_kv_i64str(w, "createdTime", o->created_ms);
    s_kv_i64str(w, "updatedTime", x->updated_ms > o->updated_ms ? x->updated_ms : o->updated_ms);
    jw_object_end(w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Orders: writes */

/* Reads the order reference: orderId (ours) or orderLinkId. -1 after failing the request. */
static int s_arg_order_ref(by_ctx_t *c, int64_t *id, char *link, size_t cap, bool required)
{
    char ids[64];
    *id = 0;
    link[0] = '\0';
    int ri = s_arg_copy(c, "orderId", ids, sizeof ids);
    int rl = s_arg_copy(c, "orderLinkId", link, cap);
    if (ri < 0 || rl < 0)
        return -1;
    if (ri == 0 && rl == 0) {
        if (!required)
            return 0;
        s_fail(c, 10001, "Missing some parameters that must be filled in, orderId or orderLinkId");
        return -1;
    }
    if (ri > 0) {
        *id = s_parse_id(ids, strlen(ids), BY_ID_SALT_ORDER);
        if (*id == 0) {
            s_fail(c, 110001, "order not exists or too late to cancel");
            return -1;
        }
    }
    return 1;
}

static void s_write_ack(by_ctx_t *c, const sim_order_t *o)
{
    char id[37], lb[40];
    s_fmt_id(o->id, BY_ID_SALT_ORDER, id);
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    s_kv_str(&w, "orderId", id);
    s_kv_str(&w, "orderLinkId", s_link_id(o, lb, sizeof lb));
    jw_object_end(&w);
    s_ok_end(c, &w);
}

/* Reads side, orderType, qty, price, timeInForce; -1 after failing the request. */
static int s_read_order_basics(by_ctx_t *c, sim_order_req_t *r, bool *market)
{
    char side[8], type[8], tif[16];
    if (s_arg_need(c, "side", side, sizeof side) < 0 || s_arg_need(c, "orderType", type, sizeof type) < 0)
        return -1;
    if (strcmp(side, "Buy") == 0)
        r->side = SIM_SIDE_BUY;
    else if (strcmp(side, "Sell") == 0)
        r->side = SIM_SIDE_SELL;
    else
        return s_fail(c, 10001, "params error: side invalid"), -1;
    if (strcmp(type, "Market") != 0 && strcmp(type, "Limit") != 0)
        return s_fail(c, 10001, "params error: orderType invalid"), -1;
    *market = type[0] == 'M';
    int rq = s_arg_dec(c, "qty", &r->qty);
    if (rq < 0)
        return -1;
    if (rq == 0)
        return s_fail(c, 10001, "Missing some parameters that must be filled in, qty"), -1;
    int rp = s_arg_dec(c, "price", &r->price);
    if (rp < 0)
        return -1;
    if (!*market && rp == 0)
        return s_fail(c, 10001, "Missing some parameters that must be filled in, price"), -1;
    if (*market)
        r->price = DECIMAL_ZERO; /* Bybit ignores a price on market orders */
    int rt = s_arg_copy(c, "timeInForce", tif, sizeof tif);
    if (rt < 0)
        return -1;
    r->tif = SIM_TIF_GTC;
    if (rt > 0) {
        if (strcmp(tif, "GTC") == 0)
            r->tif = SIM_TIF_GTC;
        else if (strcmp(tif, "IOC") == 0)
            r->tif = SIM_TIF_IOC;
        else if (strcmp(tif, "FOK") == 0)
            r->tif = SIM_TIF_FOK;
        else if (strcmp(tif, "PostOnly") == 0)
            r->tif = SIM_TIF_GTX;
        else
            return s_fail(c, 10001, "params error: timeInForce invalid"), -1;
    }
    if (*market)
        r->tif = SIM_TIF_IOC;
    return 0;
}

/* Reads triggerPrice/triggerDirection/triggerBy and sets the conditional type; -1 after failing. */
static int s_read_trigger(by_ctx_t *c, sim_order_req_t *r, bool market)
{
    int64_t dir = 0;
    char by[16];
    int rt = s_arg_dec(c, "triggerPrice", &r->trigger_price);
    int rd = s_arg_int(c, "triggerDirection", &dir);
    int rb = s_arg_copy(c, "triggerBy", by, sizeof by);
    if (rt < 0 || rd < 0 || rb < 0)
        return -1;
    if (rb > 0 && strcmp(by, "LastPrice") != 0 && strcmp(by, "MarkPrice") != 0 && strcmp(by, "IndexPrice") != 0)
        return s_fail(c, 10001, "params error: triggerBy invalid"), -1;
    if (rt == 0 || decimal_is_zero(r->trigger_price)) {
        r->type = market ? SIM_TYPE_MARKET : SIM_TYPE_LIMIT;
        r->trigger_price = DECIMAL_ZERO;
        return 0;
    }
    if (rd == 0 || (dir != 1 && dir != 2))
        return s_fail(c, 10001, "params error: triggerDirection invalid"), -1;
    /* rise to trigger: a buy stop or a sell take-profit; fall to trigger: the mirror */
    bool stop = (dir == 1) == (r->side == SIM_SIDE_BUY);
    if (market)
        r->type = stop ? SIM_TYPE_STOP_MARKET : SIM_TYPE_TAKE_PROFIT_MARKET;
    else
        r->type = stop ? SIM_TYPE_STOP : SIM_TYPE_TAKE_PROFIT;
    return 0;
}

/* Validates an attached TP/SL price (a positive multiple of tick); -1 after failing. */
static int s_read_tpsl(by_ctx_t *c, const char *name, const sim_instrument_t *in, decimal_t *out)
{
    int r = s_arg_dec(c, name, out);
    if (r <= 0)
        return r;
    if (decimal_sign(*out) < 0 || !decimal_is_multiple(*out, in->tick))
        return s_fail(c, 10001, "params error: %s invalid", name), -1;
    return 1;
}

/* Validates the TP/SL option names Bybit accepts with them (values checked, not simulated). */
static int s_read_tpsl_options(by_ctx_t *c)
{
    static const char *const names[] = {"tpTriggerBy", "slTriggerBy", "tpslMode", "tpOrderType", "slOrderType",
                                        "smpType", "marketUnit", "orderFilter"};
    char t[24];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (s_arg_copy(c, names[i], t, sizeof t) < 0)
            return -1;
    decimal_t d;
    if (s_arg_dec(c, "tpLimitPrice", &d) < 0 || s_arg_dec(c, "slLimitPrice", &d) < 0)
        return -1;
    int64_t iv;
    return s_arg_int(c, "isLeverage", &iv) < 0 ? -1 : 0;
}

/* A client id used by any order of the account, open or final (Bybit keeps orderLinkId unique). */
static bool s_link_id_used(by_ctx_t *c, const char *link)
{
    return sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, 0, link) != NULL;
}

static void s_order_create(by_ctx_t *c)
{
    sim_order_req_t r;
    memset(&r, 0, sizeof r);
    bool market = false, reduce = false, close = false;
    int64_t pidx = 0;
    char link[64];
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, true, &r.inst) < 0 || s_read_order_basics(c, &r, &market) < 0 ||
        s_read_trigger(c, &r, market) < 0)
        return;
    int rl = s_arg_copy(c, "orderLinkId", link, sizeof link);
    if (rl < 0 || s_arg_bool(c, "reduceOnly", &reduce) < 0 || s_arg_bool(c, "closeOnTrigger", &close) < 0 ||
        s_arg_int(c, "positionIdx", &pidx) < 0 || s_read_tpsl(c, "takeProfit", r.inst, &r.take_profit) < 0 ||
        s_read_tpsl(c, "stopLoss", r.inst, &r.stop_loss) < 0 || s_read_tpsl_options(c) < 0)
        return;
    if (pidx != 0) {
        s_fail(c, 10001, "position idx not match position mode");
        return;
    }
    if (rl > 0 && !s_link_id_ok(link, strlen(link))) {
        s_fail(c, 10001, "params error: orderLinkId invalid");
        return;
    }
    if (rl > 0 && s_link_id_used(c, link)) {
        s_fail(c, 110072, "OrderLinkedID is duplicate");
        return;
    }
    /* qty "0" with reduceOnly + closeOnTrigger closes the whole position */
    if (decimal_is_zero(r.qty) && reduce && close) {
        const sim_position_t *p = sim_engine_position(c->st->engine, r.inst, c->account, SIM_POS_BOTH);
        r.qty = decimal_abs(p->qty);
        r.cap_reduce_only = true;
    }
    r.venue = SIM_VENUE_BYBIT;
    r.account = c->account;
    r.pos_side = SIM_POS_BOTH;
    r.reduce_only = reduce || close;
    r.client_id = rl > 0 ? link : NULL;
    r.now_ms = c->now;
    const sim_order_t *o = NULL;
    sim_result_t res = sim_engine_place(c->st->engine, &r, &o);
    if (res != SIM_OK) {
        s_fail_engine(c, res, &r);
        return;
    }
    s_write_ack(c, o);
}

static void s_order_cancel(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    int64_t id;
    char link[64], filter[24];
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, true, &inst) < 0 ||
        s_arg_order_ref(c, &id, link, sizeof link, true) < 0 || s_arg_copy(c, "orderFilter", filter, sizeof filter) < 0)
        return;
    /* a triggered conditional is cancelled through the order it became */
    const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, id, id ? NULL : link);
    if (!o || o->inst != inst) {
        s_fail(c, 110001, "order not exists or too late to cancel");
        return;
    }
    int64_t target = o->status == SIM_ST_TRIGGERED && o->child_id > 0 ? o->child_id : o->id;
    const sim_order_t *done = NULL;
    sim_result_t r = sim_engine_cancel(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, target, NULL, c->now, &done);
    if (r == SIM_REJ_NOT_OPEN || r == SIM_REJ_NOT_FOUND) {
        s_fail(c, 110001, "order not exists or too late to cancel");
        return;
    }
    if (r != SIM_OK) {
        s_fail_engine(c, r, NULL);
        return;
    }
    s_write_ack(c, o);
}

static void s_order_amend(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    int64_t id;
    char link[64];
    decimal_t qty = DECIMAL_ZERO, price = DECIMAL_ZERO, trig = DECIMAL_ZERO, tp = DECIMAL_ZERO, sl = DECIMAL_ZERO;
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, true, &inst) < 0 ||
        s_arg_order_ref(c, &id, link, sizeof link, true) < 0)
        return;
    int rq = s_arg_dec(c, "qty", &qty), rp = s_arg_dec(c, "price", &price), rt = s_arg_dec(c, "triggerPrice", &trig);
    if (rq < 0 || rp < 0 || rt < 0)
        return;
    int rtp = s_read_tpsl(c, "takeProfit", inst, &tp), rsl = s_read_tpsl(c, "stopLoss", inst, &sl);
    if (rtp < 0 || rsl < 0 || s_read_tpsl_options(c) < 0)
        return;
    char by[16];
    if (s_arg_copy(c, "triggerBy", by, sizeof by) < 0)
        return;
    const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, id, id ? NULL : link);
    if (!o || o->inst != inst) {
        s_fail(c, 110001, "order not exists or too late to cancel");
        return;
    }
    if (rtp > 0 || rsl > 0) {
        if ((rtp > 0 && !decimal_eq(tp, o->take_profit)) || (rsl > 0 && !decimal_eq(sl, o->stop_loss))) {
            s_fail(c, 10001, "amending takeProfit/stopLoss is not supported by the simulator");
            return;
        }
    }
    if (rq == 0 && rp == 0 && rt == 0 && rtp == 0 && rsl == 0) {
        s_fail(c, 10001, "The order remains unchanged as the parameters entered match the existing ones.");
        return;
    }
    if (!sim_status_is_open(o->status)) {
        s_fail(c, 110001, "order not exists or too late to cancel");
        return;
    }
    const sim_order_t *out = NULL;
    sim_result_t r = sim_engine_amend(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, o->id, NULL, qty, price, trig,
                                      c->now, &out);
    if (r != SIM_OK) {
        sim_order_req_t rq2;
        memset(&rq2, 0, sizeof rq2);
        rq2.inst = inst;
        rq2.side = o->side;
        rq2.type = o->type;
        s_fail_engine(c, r, &rq2);
        return;
    }
    s_write_ack(c, o);
}

typedef struct {
    int64_t ids[BY_LIST_MAX];   /* ids gathered */
    size_t n;                   /* count */
    const char *base;           /* baseCoin filter or NULL */
} by_ids_t;

static int s_collect_cb(const sim_order_t *o, void *ctx)
{
    by_ids_t *g = ctx;
    if (o->parent_id > 0 || (g->base && strcmp(o->inst->base, g->base) != 0))
        return 0;
    if (g->n >= BY_LIST_MAX)
        return 1;
    g->ids[g->n++] = o->id;
    return 0;
}

/* orderFilter for cancel-all / realtime: -1 both, 0 plain, 1 conditional; -2 after failing the request. */
static int s_arg_filter(by_ctx_t *c, int dflt)
{
    char f[24];
    int r = s_arg_copy(c, "orderFilter", f, sizeof f);
    if (r < 0)
        return -2;
    if (r == 0)
        return dflt;
    if (strcmp(f, "Order") == 0)
        return 0;
    if (strcmp(f, "StopOrder") == 0)
        return 1;
    if (strcmp(f, "tpslOrder") == 0)
        return 1;
    s_fail(c, 10001, "params error: orderFilter invalid");
    return -2;
}

static void s_order_cancel_all(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    const char *base;
    char base_buf[16];
    bool stop_all = false;
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, false, &inst) < 0)
        return;
    int rf = s_arg_coin_filters(c, &base, base_buf, sizeof base_buf);
    int filter = s_arg_filter(c, -1);
    if (rf < 0 || filter == -2 || s_arg_bool(c, "stopOrderType", &stop_all) < 0)
        return;
    if (!inst && rf == 0) {
        s_fail(c, 10001, "Missing some parameters that must be filled in, symbol or baseCoin or settleCoin");
        return;
    }
    by_ids_t *g = mem_calloc(1, sizeof *g);
    g->base = base;
    sim_engine_open_orders(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, filter, s_collect_cb, g);
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "list");
    jw_array_begin(&w);
    for (size_t i = 0; i < g->n; i++) {
        const sim_order_t *o = NULL;
        sim_result_t r =
            sim_engine_cancel(c->st->engine, SIM_VENUE_BYBIT, c->account, NULL, g->ids[i], NULL, c->now, &o);
        if (r != SIM_OK || !o)
            continue;
        char id[37], lb[40];
        s_fmt_id(o->id, BY_ID_SALT_ORDER, id);
        jw_object_begin(&w);
        s_kv_str(&w, "orderId", id);
        s_kv_str(&w, "orderLinkId", s_link_id(o, lb, sizeof lb));
        jw_object_end(&w);
    }
    jw_array_end(&w);
    s_kv_str(&w, "success", "1");
    jw_object_end(&w);
    mem_free(g);
    s_ok_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Orders: reads */

typedef struct {
    const sim_order_t *list[BY_LIST_MAX]; /* gathered orders, oldest first */
    size_t n;                             /* count */
    bool wrapped;                         /* more matched than fit: the oldest were dropped */
    const char *base;                     /* baseCoin filter */
    bool open_only;                       /* only open orders (as the client sees them) */
    bool closed_only;                     /* only final orders */
    int64_t start_ms, end_ms;             /* createdTime window (0 = none) */
} by_gather_t;

static int s_gather_cb(const sim_order_t *o, void *ctx)
{
    by_gather_t *g = ctx;
    if (o->parent_id > 0 || (g->base && strcmp(o->inst->base, g->base) != 0))
        return 0;
    if ((g->start_ms && o->created_ms < g->start_ms) || (g->end_ms && o->created_ms > g->end_ms))
        return 0;
    if (g->closed_only && sim_status_is_open(o->status))
        return 0;
    if (g->n == BY_LIST_MAX) { /* keep the newest: drop the oldest */
        memmove(g->list, g->list + 1, (BY_LIST_MAX - 1) * sizeof g->list[0]);
        g->n--;
        g->wrapped = true;
    }
    g->list[g->n++] = o;
    return 0;
}

/* Writes list (newest first) with cursor paging: the cursor is the decimal id after which to continue. */
static void s_write_order_page(by_ctx_t *c, by_gather_t *g, int64_t limit, int64_t cursor)
{
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "list");
    jw_array_begin(&w);
    int64_t written = 0, last_id = 0;
    bool more = false;
    for (size_t i = g->n; i-- > 0;) {
        const sim_order_t *o = g->list[i];
        if (cursor > 0 && o->id >= cursor)
            continue;
        if (written == limit) {
            more = true;
            break;
        }
        s_write_order(c, &w, o);
        last_id = o->id;
        written++;
    }
    jw_array_end(&w);
    jw_key(&w, "nextPageCursor");
    if (more)
        s_jw_i64str(&w, last_id);
    else
        jw_string(&w, "");
    s_kv_str(&w, "category", "linear");
    jw_object_end(&w);
    s_ok_end(c, &w);
}

static int s_arg_cursor(by_ctx_t *c, int64_t *cursor)
{
    char t[32];
    *cursor = 0;
    int r = s_arg_copy(c, "cursor", t, sizeof t);
    if (r <= 0)
        return r;
    if (!s_parse_i64(t, strlen(t), cursor)) {
        s_fail(c, 10001, "params error: cursor invalid");
        return -1;
    }
    return 1;
}

static void s_order_list(by_ctx_t *c, bool history)
{
    const sim_instrument_t *inst;
    const char *base;
    char base_buf[16], link[64];
    int64_t id, limit = 20, open_only = 0, cursor, start = 0, end = 0;
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, false, &inst) < 0)
        return;
    int rf = s_arg_coin_filters(c, &base, base_buf, sizeof base_buf);
    int rr = s_arg_order_ref(c, &id, link, sizeof link, false);
    int filter = s_arg_filter(c, -1);
    if (rf < 0 || rr < 0 || filter == -2 || s_arg_int(c, "limit", &limit) < 0 || s_arg_cursor(c, &cursor) < 0)
        return;
    if (!history && s_arg_int(c, "openOnly", &open_only) < 0)
        return;
    if (history && (s_arg_int(c, "startTime", &start) < 0 || s_arg_int(c, "endTime", &end) < 0))
        return;
    char status[24];
    if (history && s_arg_copy(c, "orderStatus", status, sizeof status) < 0)
        return;
    if (!inst && rf == 0 && rr == 0) {
        s_fail(c, 10001, "Missing some parameters that must be filled in, symbol or settleCoin or baseCoin");
        return;
    }
    if (limit < 1 || limit > 50 || open_only < 0 || open_only > 2) {
        s_fail(c, 10001, "params error: limit or openOnly invalid");
        return;
    }
    by_gather_t *g = mem_calloc(1, sizeof *g);
    g->base = base;
    if (rr > 0) {
        /* by id: whatever its status */
        const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, id, id ? NULL : link);
        if (o && o->parent_id == 0 && (!inst || o->inst == inst))
            g->list[g->n++] = o;
    } else if (!history && open_only == 0) {
        sim_engine_open_orders(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, filter, s_gather_cb, g);
    } else {
        g->closed_only = !history;
        g->start_ms = start;
        g->end_ms = end;
        sim_engine_orders(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, filter, 0, s_gather_cb, g);
    }
    s_write_order_page(c, g, limit, cursor);
    mem_free(g);
}

static void s_order_realtime(by_ctx_t *c)
{
    s_order_list(c, false);
}

static void s_order_history(by_ctx_t *c)
{
    s_order_list(c, true);
}

/* ---------------------------------------------------------------------------------------------------------
 * Executions */

typedef struct {
    by_ctx_t *c;          /* request */
    sim_fill_t list[BY_LIST_MAX]; /* fills gathered, oldest first (copies) */
    size_t n;             /* count */
    const char *base;     /* baseCoin filter */
} by_fills_t;

static int s_fill_cb(const sim_fill_t *f, void *ctx)
{
    by_fills_t *g = ctx;
    if (g->base && strcmp(f->inst->base, g->base) != 0)
        return 0;
    if (g->n == BY_LIST_MAX) {
        memmove(g->list, g->list + 1, (BY_LIST_MAX - 1) * sizeof g->list[0]);
        g->n--;
    }
    g->list[g->n++] = *f;
    return 0;
}

static void s_write_fill(by_ctx_t *c, jw_t *w, const sim_fill_t *f)
{
    const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, f->order_id, NULL);
    if (o && o->parent_id > 0) {
        const sim_order_t *p = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, o->parent_id, NULL);
        if (p)
            o = p;
    }
    const sim_instrument_t *in = f->inst;
    char id[37], eid[37], lb[40];
    s_fmt_id(o ? o->id : f->order_id, BY_ID_SALT_ORDER, id);
    s_fmt_id(f->trade_id, BY_ID_SALT_EXEC, eid);
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, in, &t);
    decimal_t leaves = DECIMAL_ZERO;
    if (o && sim_status_is_open(o->status))
        decimal_sub(o->qty, o->filled, &leaves, NULL);
    jw_object_begin(w);
    s_kv_str(w, "symbol", in->symbol);
    s_kv_str(w, "orderId", id);
    s_kv_str(w, "orderLinkId", o ? s_link_id(o, lb, sizeof lb) : "");
    s_kv_str(w, "side", f->side == SIM_SIDE_BUY ? "Buy" : "Sell");
    s_kv_fixed(w, "orderPrice", o ? o->price : DECIMAL_ZERO, in->price_precision);
    s_kv_fixed(w, "orderQty", o ? o->qty : f->qty, in->qty_precision);
    s_kv_fixed(w, "leavesQty", leaves, in->qty_precision);
    s_kv_str(w, "createType", "CreateByUser");
    s_kv_str(w, "orderType", o && s_type_is_market(o->orig_type) ? "Market" : "Limit");
    s_kv_str(w, "stopOrderType", o && sim_type_is_conditional(o->orig_type) ? "Stop" : "");
    s_kv_dec(w, "execFee", f->fee);
    s_kv_str(w, "execId", eid);
    s_kv_fixed(w, "execPrice", f->price, in->price_precision);
    s_kv_fixed(w, "execQty", f->qty, in->qty_precision);
    s_kv_str(w, "execType", "Trade");
    s_kv_dec(w, "execValue", f->quote_qty);
    s_kv_i64str(w, "execTime", f->time_ms);
    s_kv_str(w, "feeCurrency", "USDT");
    s_kv_bool(w, "isMaker", f->maker);
    s_kv_dec(w, "feeRate", f->fee_rate);
    s_kv_str(w, "tradeIv", "");
    s_kv_str(w, "markIv", "");
    s_kv_fixed(w, "markPrice", t.mark, in->price_precision);
    s_kv_fixed(w, "indexPrice", t.mark, in->price_precision);
    s_kv_str(w, "underlyingPrice", "");
    s_kv_str(w, "blockTradeId", "");
    s_kv_fixed(w, "closedSize", decimal_is_zero(f->realized) ? DECIMAL_ZERO : f->qty, in->qty_precision);
    s_kv_int(w, "seq", f->trade_id);
    s_kv_str(w, "extraFees", "");
    jw_object_end(w);
}

static void s_execution_list(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    const char *base;
    char base_buf[16], link[64], exec_type[24];
    int64_t id, limit = 50, cursor, start = 0, end = 0;
    if (s_need_linear(c, true) < 0 || s_arg_symbol(c, false, &inst) < 0)
        return;
    int rf = s_arg_coin_filters(c, &base, base_buf, sizeof base_buf);
    int rr = s_arg_order_ref(c, &id, link, sizeof link, false);
    int re = s_arg_copy(c, "execType", exec_type, sizeof exec_type);
    if (rf < 0 || rr < 0 || re < 0 || s_arg_int(c, "limit", &limit) < 0 || s_arg_cursor(c, &cursor) < 0 ||
        s_arg_int(c, "startTime", &start) < 0 || s_arg_int(c, "endTime", &end) < 0)
        return;
    if (limit < 1 || limit > 100) {
        s_fail(c, 10001, "params error: limit invalid");
        return;
    }
    if (start && end && (end < start || end - start > 7 * 86400000LL)) {
        s_fail(c, 10001, "params error: startTime and endTime must be within 7 days");
        return;
    }
    by_fills_t *g = mem_calloc(1, sizeof *g);
    g->c = c;
    g->base = base;
    bool none = re > 0 && strcmp(exec_type, "Trade") != 0;
    sim_fill_query_t q;
    memset(&q, 0, sizeof q);
    q.inst = inst;
    q.start_ms = start;
    q.end_ms = end;
    if (rr > 0) {
        const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, id, id ? NULL : link);
        if (!o)
            none = true;
        else
            q.order_id = o->status == SIM_ST_TRIGGERED && o->child_id > 0 ? o->child_id : o->id;
    }
    if (!none)
        sim_engine_fills(c->st->engine, SIM_VENUE_BYBIT, c->account, &q, s_fill_cb, g);
    jw_t w;
    s_ok_begin(c, &w);
    jw_object_begin(&w);
    s_kv_str(&w, "category", "linear");
    jw_key(&w, "list");
    jw_array_begin(&w);
    int64_t written = 0, last = 0;
    bool more = false;
    for (size_t i = g->n; i-- > 0;) {
        if (cursor > 0 && g->list[i].trade_id >= cursor)
            continue;
        if (written == limit) {
            more = true;
            break;
        }
        s_write_fill(c, &w, &g->list[i]);
        last = g->list[i].trade_id;
        written++;
    }
    jw_array_end(&w);
    jw_key(&w, "nextPageCursor");
    if (more)
        s_jw_i64str(&w, last);
    else
        jw_string(&w, "");
    jw_object_end(&w);
    mem_free(g);
    s_ok_end(c, &w);
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
    {"GET", "/v5/market/time", false, 0, s_market_time, P_NONE},
    {"GET", "/v5/market/instruments-info", false, 0, s_instruments_info, P_INSTR},
    {"GET", "/v5/market/tickers", false, 0, s_market_tickers, P_TICKERS},
    {"GET", "/v5/market/kline", false, 0, s_market_kline, P_KLINE},
    {"GET", "/v5/user/query-api", true, 10, s_user_query_api, P_NONE},
    {"GET", "/v5/account/info", true, 50, s_account_info, P_NONE},
    {"GET", "/v5/account/wallet-balance", true, 50, s_wallet_balance, P_WALLET},
    {"GET", "/v5/asset/coin/query-info", true, 5, s_coin_query_info, P_COIN},
    {"GET", "/v5/position/list", true, 50, s_position_list, P_POSLIST},
    {"POST", "/v5/position/set-leverage", true, 10, s_set_leverage, P_LEVERAGE},
    {"POST", "/v5/order/create", true, 10, s_order_create, P_CREATE},
    {"POST", "/v5/order/amend", true, 10, s_order_amend, P_AMEND},
    {"POST", "/v5/order/cancel", true, 10, s_order_cancel, P_CANCEL},
    {"POST", "/v5/order/cancel-all", true, 10, s_order_cancel_all, P_CANCEL_ALL},
    {"GET", "/v5/order/realtime", true, 50, s_order_realtime, P_REALTIME},
    {"GET", "/v5/order/history", true, 50, s_order_history, P_HISTORY},
    {"GET", "/v5/execution/list", true, 50, s_execution_list, P_EXEC},
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

/* Counts a private request against (account, route); adds the X-Bapi-Limit* headers; false when over. */
static bool s_uid_ok(by_ctx_t *c, size_t route)
{
    int limit = c->route->uid_limit;
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
        ok = s->count <= limit || !sim_engine_config(c->st->engine)->rate_limits;
        remaining = ok ? limit - s->count : 0;
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
        s_fail_http(c, 401, 10003,
                    "empty value: apiTimestamp[%s] apiKey[%s] apiSignature[%s]: openapi sign params error!",
                    ts && *ts ? "set" : "", key && *key ? "set" : "", sign && *sign ? "set" : "");
        return -1;
    }
    int64_t t, rw = BY_RECV_WINDOW_DEFAULT;
    if (!s_parse_i64(ts, strlen(ts), &t)) {
        s_fail(c, 10002, "invalid request, please check your timestamp and recv_window param");
        return -1;
    }
    if (recv && (!s_parse_i64(recv, strlen(recv), &rw) || rw <= 0 || rw > BY_RECV_WINDOW_MAX)) {
        s_fail(c, 10001, "params error: recv_window invalid");
        return -1;
    }
    if (!(c->now - rw <= t && t < c->now + 1000)) {
        s_fail(c, 10002,
               "invalid request, please check your server timestamp or recv_window param. req_timestamp[%" PRId64
               "],server_timestamp[%" PRId64 "],recv_window[%" PRId64 "]",
               t, c->now, rw);
        return -1;
    }
    const sim_account_t *a = sim_engine_account_by_key(c->st->engine, key, strlen(key));
    if (!a) {
        s_fail_http(c, 401, 10003, "API key is invalid.");
        return -1;
    }
    /* timestamp + key + recvWindow (as sent, or nothing) + the exact query or body */
    buf_t msg;
    buf_init(&msg, SIM_MAX_BODY + 512);
    buf_puts(&msg, ts);
    buf_puts(&msg, key);
    if (recv)
        buf_puts(&msg, recv);
    bool is_get = strcmp(c->req->method, "GET") == 0;
    int app = is_get ? buf_append(&msg, c->req->query, c->req->query_len)
                     : buf_append(&msg, c->req->body, c->req->body_len);
    char want[CRYPTO_HEX_SHA256_LEN], got[CRYPTO_HEX_SHA256_LEN];
    int hm = app == 0 ? crypto_hmac_sha256_hex(a->secret, msg.data ? msg.data : "", msg.len, want) : -1;
    buf_release(&msg);
    size_t sl = strlen(sign);
    if (sl != 64) {
        s_fail(c, 10004, "error sign! origin_string invalid");
        return -1;
    }
    for (size_t i = 0; i < 64; i++)
        got[i] = (char)tolower((unsigned char)sign[i]);
    got[64] = '\0';
    if (hm < 0 || !crypto_ct_streq(want, got)) {
        s_fail(c, 10004, "error sign! origin_string invalid");
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
            s_fail(c, 10001, "Request parameter error.");
            return -1;
        }
        return 0;
    }
    c->is_json = true;
    err_t err;
    c->root = json_parse(c->req->body, c->req->body_len, SIM_MAX_BODY, JSON_DEFAULT_MAX_DEPTH, &err);
    if (!c->root || json_kind(c->root) != JSON_OBJECT) {
        s_fail(c, 10001, "Request parameter error.");
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
        s_fail_http(&c, 403, 10018, "access too frequent");
        return;
    }
    size_t ri;
    for (ri = 0; ri < BY_ROUTE_COUNT; ri++)
        if (sim_req_path_is(req, s_routes[ri].path))
            break;
    if (ri == BY_ROUTE_COUNT) {
        s_fail_http(&c, 404, 10017, "route not found");
        return;
    }
    c.route = &s_routes[ri];
    if (strcmp(req->method, c.route->method) != 0) {
        s_fail_http(&c, 404, 10017, "route not found");
        return;
    }
    if (req->body_too_large) {
        s_fail(&c, 10001, "Request body too large");
        return;
    }
    if (c.route->private_) {
        if (s_authenticate(&c) < 0)
            return;
        if (!s_uid_ok(&c, ri)) {
            s_fail(&c, 10006, "Too many visits. Exceeded the API Rate Limit.");
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
        s_fail_http(&c, 403, 10018, "access too frequent");
    else
        s_fail_http(&c, 503, 10016, "Server error. Service unavailable, please try again later");
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
