/* sim_coindcx: the CoinDCX futures dialect (see sim_coindcx.h). A private request goes through: body size ->
 * X-AUTH-APIKEY (401 "Invalid credentials" when missing or unknown) -> X-AUTH-SIGNATURE over the exact body
 * bytes (401) -> JSON object with a fresh "timestamp" (400) -> per-account limit (429) -> the handler. Public
 * routes (instrument data, current prices, candlesticks) need no signature.
 *
 * Unknown body fields are ignored, the way CoinDCX's API is observed to treat them; in particular an order's
 * `client_order_id` is accepted and ignored (CoinDCX futures documents no client id). Order ids and position
 * ids are UUID-shaped strings that carry the engine's numbers and a keyed check, so they parse back without a
 * table; a position id is fixed per (account, pair) as CoinDCX documents. */
#include "sim_coindcx.h"

#include "params.h"

#include "base/decimal.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "json/json.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CD_F "/exchange/v1/derivatives/futures"
#define CD_RATE_ACCOUNTS 64          /* accounts with a rate counter */
#define CD_RATE_PER_SEC 16           /* requests per second per account ("16/sec, 960/min") */
#define CD_RATE_PER_MIN 960          /* requests per minute per account */
#define CD_TS_MAX_AGE_MS 10000       /* "orders with a delay of more than 10 seconds will be rejected" */
#define CD_TS_MAX_AHEAD_MS 1000      /* a timestamp this far in the future is refused too */
#define CD_LIST_MAX 1000             /* records gathered per list request */
#define CD_BAND_PCT 10               /* multiplier_up / multiplier_down, percent of LTP */
#define CD_SALT_ORDER 0x63646f72u
#define CD_SALT_POS 0x6364706fu
#define CD_SALT_WALLET 0x63647761u

typedef struct {
    int64_t sec_window;   /* start of the current second */
    int sec_count;        /* requests in it */
    int64_t min_window;   /* start of the current minute */
    int min_count;        /* requests in it */
} cd_rate_t;

typedef struct {
    sim_engine_t *engine;                 /* borrowed */
    cd_rate_t rate[CD_RATE_ACCOUNTS];     /* per-account counters */
    sim_params_t query;                   /* scratch: query of the current request */
    int64_t version;                      /* "vs" counter of current prices */
} cd_state_t;

typedef struct {
    cd_state_t *st;              /* dialect state */
    const sim_http_req_t *req;   /* request */
    sim_http_resp_t *resp;       /* reply */
    json_t *root;                /* parsed body (owned) */
    const json_t *body;          /* body object */
    int account;                 /* authenticated account or -1 */
    int64_t now;                 /* request time */
} cd_ctx_t;

/* ---------------------------------------------------------------------------------------------------------
 * Instruments (CoinDCX USDT-margined perpetuals, filters after the venue's instrument endpoint, rounded) */

/* Designated initialisers keep the table valid when sim_instrument_def_t gains optional fields. */
#define CD_INST(sym, b, tk, st, mnq, mxq, mxm, mnp, mxp, notional, start, lev)                                    \
    {.symbol = sym, .base = b, .quote = "USDT", .tick = tk, .step = st, .min_qty = mnq, .max_qty = mxq,              \
     .max_mkt_qty = mxm, .min_price = mnp, .max_price = mxp, .min_notional = notional, .start_price = start,          \
     .max_leverage = lev, .max_open_orders = 200}

static const sim_instrument_def_t s_instruments[] = {
    CD_INST("B-BTC_USDT", "BTC", "0.1", "0.001", "0.001", "1000", "120", "9500", "950000", "6", "95000", 100),
    CD_INST("B-ETH_USDT", "ETH", "0.01", "0.001", "0.001", "10000", "1500", "350", "35000", "6", "3500", 100),
    CD_INST("B-SOL_USDT", "SOL", "0.001", "0.01", "0.01", "50000", "5000", "18", "1800", "6", "180", 50),
    CD_INST("B-XRP_USDT", "XRP", "0.0001", "0.1", "0.1", "1000000", "100000", "0.23", "23", "6", "2.3", 50),
    CD_INST("B-DOGE_USDT", "DOGE", "0.00001", "1", "1", "5000000", "500000", "0.038", "3.8", "6", "0.38", 50),
};

/* ---------------------------------------------------------------------------------------------------------
 * Helpers */

static uint64_t s_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static void s_fmt_id(int64_t id, uint32_t salt, char out[37])
{
    uint64_t h = s_mix((uint64_t)id ^ ((uint64_t)salt << 32));
    snprintf(out, 37, "%08" PRIx32 "-%04x-4%03x-%04x-%012" PRIx64, (uint32_t)(h >> 32),
             (unsigned)((h >> 16) & 0xffff), (unsigned)(h & 0xfff), (unsigned)(0x8000 | ((h >> 48) & 0x3fff)),
             (uint64_t)((uint64_t)id & 0xffffffffffffULL));
}

static int64_t s_parse_id(const char *s, size_t len, uint32_t salt)
{
    if (!s || len != 36)
        return 0;
    int64_t id = 0;
    for (size_t i = 24; i < 36; i++) {
        int ch = (unsigned char)s[i];
        if (!isxdigit(ch))
            return 0;
        id = id * 16 + (isdigit(ch) ? ch - '0' : tolower(ch) - 'a' + 10);
    }
    if (id <= 0)
        return 0;
    char again[37];
    s_fmt_id(id, salt, again);
    return memcmp(again, s, 36) == 0 ? id : 0;
}

/* Position id number: account and instrument index, fixed per pair. */
static int64_t s_pos_number(int account, int index)
{
    return ((int64_t)(account + 1) << 16) | (int64_t)(index + 1);
}

static int s_err(cd_ctx_t *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_err(cd_ctx_t *c, int status, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *q = msg; *q; q++) /* request text echoed in a message: printable ASCII only */
        if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
            *q = '?';
    c->resp->status = status;
    buf_reset(&c->resp->body);
    jw_t w;
    jw_init(&w, &c->resp->body);
    jw_object_begin(&w);
    jw_key(&w, "code");
    jw_int64(&w, status);
    jw_key(&w, "message");
    jw_string(&w, msg);
    jw_key(&w, "status");
    jw_string(&w, "error");
    jw_object_end(&w);
    return -1;
}

static void s_begin(cd_ctx_t *c, jw_t *w)
{
    c->resp->status = 200;
    buf_reset(&c->resp->body);
    jw_init(w, &c->resp->body);
}

static void s_end(cd_ctx_t *c, jw_t *w)
{
    if (jw_failed(w))
        s_err(c, 500, "Internal server error");
}

static void s_success(cd_ctx_t *c)
{
    jw_t w;
    s_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "message");
    jw_string(&w, "success");
    jw_key(&w, "status");
    jw_int64(&w, 200);
    jw_key(&w, "code");
    jw_int64(&w, 200);
    jw_object_end(&w);
    s_end(c, &w);
}

static void s_kv_num(jw_t *w, const char *k, decimal_t v)
{
    jw_key(w, k);
    jw_decimal_number(w, v);
}

static void s_kv_str(jw_t *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_string(w, v);
}

static void s_kv_null(jw_t *w, const char *k)
{
    jw_key(w, k);
    jw_null(w);
}

static void s_kv_dec_string(jw_t *w, const char *k, decimal_t v)
{
    jw_key(w, k);
    jw_decimal_string(w, v);
}

/* Leverage as CoinDCX prints it: 10.0 */
static void s_kv_lev(jw_t *w, const char *k, int lev)
{
    char t[16];
    snprintf(t, sizeof t, "%d.0", lev);
    jw_key(w, k);
    jw_raw(w, t);
}

/* Fee rate as a percent (0.0005 -> 0.05). */
static decimal_t s_pct(decimal_t rate)
{
    decimal_t out = DECIMAL_ZERO;
    decimal_mul(rate, decimal_from_int(100), 8, DECIMAL_ROUND_HALF_UP, &out, NULL);
    return out;
}

/* ---------------------------------------------------------------------------------------------------------
 * Body fields (unknown fields are ignored) */

/* String field: 1 present, 0 absent or null, -1 after failing the request (not a string / too long). */
static int s_str(cd_ctx_t *c, const json_t *obj, const char *name, char *buf, size_t cap)
{
    const json_t *v = json_get(obj, name);
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    size_t n = 0;
    const char *s = json_kind(v) == JSON_STRING ? json_string(v, &n) : NULL;
    if (!s || n >= cap || memchr(s, '\0', n))
        return s_err(c, 400, "%s is invalid", name);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return 1;
}

static int s_need_str(cd_ctx_t *c, const json_t *obj, const char *name, char *buf, size_t cap)
{
    int r = s_str(c, obj, name, buf, cap);
    if (r == 0)
        return s_err(c, 400, "%s is missing", name);
    return r < 0 ? -1 : 0;
}

/* Decimal field from a number token or a numeric string: 1 present, 0 absent/null, -1 after failing. */
static int s_dec(cd_ctx_t *c, const json_t *obj, const char *name, decimal_t *out)
{
    const json_t *v = json_get(obj, name);
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    if ((json_kind(v) != JSON_NUMBER && json_kind(v) != JSON_STRING) || json_decimal(v, out, NULL) < 0)
        return s_err(c, 400, "%s is invalid", name);
    return 1;
}

/* Integer-valued field (5, 5.0, "5"): 1 present, 0 absent, -1 after failing. */
static int s_int(cd_ctx_t *c, const json_t *obj, const char *name, int64_t *out)
{
    decimal_t d;
    int r = s_dec(c, obj, name, &d);
    if (r <= 0)
        return r;
    if (!decimal_is_multiple(d, decimal_from_int(1)) || decimal_to_int(d, out) < 0)
        return s_err(c, 400, "%s is invalid", name);
    return 1;
}

/* margin_currency_short_name: "USDT" or ["USDT", ...]; INR alone is refused (not simulated). */
static int s_margin_currency(cd_ctx_t *c, const json_t *obj)
{
    const json_t *v = json_get(obj, "margin_currency_short_name");
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    bool usdt = false, ok = true;
    if (json_kind(v) == JSON_STRING) {
        const char *s = json_string(v, NULL);
        usdt = strcmp(s, "USDT") == 0;
        ok = usdt || strcmp(s, "INR") == 0;
    } else if (json_kind(v) == JSON_ARRAY) {
        for (size_t i = 0; i < json_array_len(v); i++) {
            const json_t *e = json_array_at(v, i);
            const char *s = json_kind(e) == JSON_STRING ? json_string(e, NULL) : NULL;
            if (!s || (strcmp(s, "USDT") != 0 && strcmp(s, "INR") != 0))
                ok = false;
            else if (strcmp(s, "USDT") == 0)
                usdt = true;
        }
    } else {
        ok = false;
    }
    if (!ok)
        return s_err(c, 400, "margin_currency_short_name does not have a valid value");
    if (!usdt)
        return s_err(c, 422, "INR margined futures are not available");
    return 1;
}

static const sim_instrument_t *s_pair(cd_ctx_t *c, const char *pair)
{
    return sim_engine_instrument(c->st->engine, SIM_VENUE_COINDCX, pair);
}

/* Page and size ("1", "10", or numbers): defaults 1 and 10; -1 after failing. */
static int s_paging(cd_ctx_t *c, const json_t *obj, bool required, int64_t *page, int64_t *size)
{
    *page = 1;
    *size = 10;
    int rp = s_int(c, obj, "page", page);
    if (rp < 0)
        return -1;
    int rs = s_int(c, obj, "size", size);
    if (rs < 0)
        return -1;
    if (required && rp == 0)
        return s_err(c, 400, "page is missing");
    if (required && rs == 0)
        return s_err(c, 400, "size is missing");
    if (*page < 1 || *size < 1 || *size > CD_LIST_MAX)
        return s_err(c, 400, "page or size is invalid");
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Engine results */

static int s_fail_engine(cd_ctx_t *c, sim_result_t r, const sim_order_req_t *req)
{
    char t[DECIMAL_STR_MAX];
    const sim_instrument_t *in = req ? req->inst : NULL;
    switch (r) {
    case SIM_REJ_UNKNOWN_SYMBOL:
        return s_err(c, 400, "pair does not have a valid value");
    case SIM_REJ_QTY_NOT_POSITIVE:
    case SIM_REJ_QTY_MIN:
        decimal_format(in ? in->min_qty : DECIMAL_ZERO, t, sizeof t);
        return s_err(c, 422, "Quantity should be greater than %s", t);
    case SIM_REJ_QTY_MAX:
        if (in && req->type == SIM_TYPE_MARKET) {
            decimal_format(in->max_mkt_qty, t, sizeof t);
            return s_err(c, 422, "Quantity for market variant orders should be less than %s", t);
        }
        decimal_format(in ? in->max_qty : DECIMAL_ZERO, t, sizeof t);
        return s_err(c, 422, "Quantity for limit variant orders should be less than %s", t);
    case SIM_REJ_QTY_STEP:
        decimal_format(in ? in->step : DECIMAL_ZERO, t, sizeof t);
        return s_err(c, 400, "Quantity should be divisible by %s", t);
    case SIM_REJ_PRICE_MIN:
    case SIM_REJ_PRICE_MAX:
        return s_err(c, 400, "Price is out of permissible range");
    case SIM_REJ_PRICE_TICK:
        decimal_format(in ? in->tick : DECIMAL_ZERO, t, sizeof t);
        return s_err(c, 400, "Price should be divisible by %s", t);
    case SIM_REJ_MIN_NOTIONAL:
        decimal_format(in ? in->min_notional : DECIMAL_ZERO, t, sizeof t);
        return s_err(c, 400, "Minimum order value should be %s USDT", t);
    case SIM_REJ_MARGIN:
        return s_err(c, 400, "Insufficient funds");
    case SIM_REJ_WOULD_TRIGGER: {
        bool rising = req && (req->side == SIM_SIDE_BUY) ==
                                 (req->type == SIM_TYPE_STOP || req->type == SIM_TYPE_STOP_MARKET);
        return s_err(c, 400, rising ? "Trigger price should be greater than the current price"
                                    : "Trigger price should be less than the current price");
    }
    case SIM_REJ_REDUCE_ONLY:
        return s_err(c, 422, "Position is not active");
    case SIM_REJ_MAX_OPEN_ORDERS:
        return s_err(c, 400, "Maximum number of open orders reached");
    case SIM_REJ_LEVERAGE:
        return s_err(c, 400, "Leverage cannot be less than 1x");
    case SIM_REJ_NOT_FOUND:
        return s_err(c, 404, "Order not found");
    case SIM_REJ_NOT_OPEN:
        return s_err(c, 400, "This order cannot be cancelled");
    case SIM_REJ_UNKNOWN_ACCOUNT:
        return s_err(c, 401, "Invalid credentials");
    default:
        return s_err(c, 500, "Invalid input");
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * Orders: view */

static const char *s_type_name(sim_type_t t)
{
    switch (t) {
    case SIM_TYPE_LIMIT:
        return "limit_order";
    case SIM_TYPE_MARKET:
        return "market_order";
    case SIM_TYPE_STOP:
        return "stop_limit";
    case SIM_TYPE_STOP_MARKET:
        return "stop_market";
    case SIM_TYPE_TAKE_PROFIT:
        return "take_profit_limit";
    case SIM_TYPE_TAKE_PROFIT_MARKET:
        return "take_profit_market";
    case SIM_TYPE_TRAILING_STOP_MARKET:
        return "stop_market";
    }
    return "limit_order";
}

/* The order a client sees under an id: a triggered conditional shows the state of the order it became. */
static const sim_order_t *s_exec_of(cd_ctx_t *c, const sim_order_t *o)
{
    if (o->status == SIM_ST_TRIGGERED && o->child_id > 0) {
        const sim_order_t *ch = sim_engine_order(c->st->engine, SIM_VENUE_COINDCX, c->account, o->child_id, NULL);
        if (ch)
            return ch;
    }
    return o;
}

static const char *s_status_name(const sim_order_t *x)
{
    switch (x->status) {
    case SIM_ST_NEW:
        return "open";
    case SIM_ST_PARTIALLY_FILLED:
        return "partially_filled";
    case SIM_ST_FILLED:
        return "filled";
    case SIM_ST_CANCELED:
    case SIM_ST_EXPIRED:
        return decimal_is_zero(x->filled) ? "cancelled" : "partially_cancelled";
    case SIM_ST_UNTRIGGERED:
        return "untriggered";
    case SIM_ST_TRIGGERED:
        return "open";
    case SIM_ST_REJECTED:
        return "rejected";
    }
    return "rejected";
}

/* Writes one order. as_placed: the acknowledgment of create (status "initial", nothing executed yet). */
static void s_write_order(cd_ctx_t *c, jw_t *w, const sim_order_t *o, bool as_placed)
{
    const sim_order_t *x = as_placed ? o : s_exec_of(c, o);
    const sim_engine_config_t *cfg = sim_engine_config(c->st->engine);
    char id[37];
    s_fmt_id(o->id, CD_SALT_ORDER, id);
    decimal_t remaining = DECIMAL_ZERO, cancelled = DECIMAL_ZERO, rest;
    decimal_sub(x->qty, x->filled, &rest, NULL);
    if (as_placed || sim_status_is_open(x->status) || x->status == SIM_ST_TRIGGERED)
        remaining = as_placed ? o->qty : rest;
    else if (x->status == SIM_ST_CANCELED || x->status == SIM_ST_EXPIRED || x->status == SIM_ST_REJECTED)
        cancelled = rest;
    decimal_t price = o->price;
    if (decimal_is_zero(price) && !as_placed && !decimal_is_zero(x->filled))
        price = x->avg_price;
    if (decimal_is_zero(price) && (o->type == SIM_TYPE_MARKET || o->type == SIM_TYPE_STOP_MARKET ||
                                   o->type == SIM_TYPE_TAKE_PROFIT_MARKET)) {
        sim_ticker_t t;
        sim_engine_ticker(c->st->engine, o->inst, &t);
        price = t.last;
    }
    decimal_t margin = DECIMAL_ZERO, notional;
    if (decimal_mul(price, o->qty, 8, DECIMAL_ROUND_HALF_UP, &notional, NULL) == 0 && o->leverage > 0)
        decimal_div(notional, decimal_from_int(o->leverage), 8, DECIMAL_ROUND_UP, &margin, NULL);
    jw_object_begin(w);
    s_kv_str(w, "id", id);
    s_kv_str(w, "pair", o->inst->symbol);
    s_kv_str(w, "side", o->side == SIM_SIDE_BUY ? "buy" : "sell");
    s_kv_str(w, "status", as_placed ? "initial" : s_status_name(x));
    s_kv_str(w, "order_type", s_type_name(o->orig_type));
    s_kv_str(w, "stop_trigger_instruction", "last_price");
    s_kv_str(w, "notification", "no_notification");
    s_kv_lev(w, "leverage", o->leverage);
    s_kv_num(w, "maker_fee", s_pct(cfg->maker_fee));
    s_kv_num(w, "taker_fee", s_pct(cfg->taker_fee));
    s_kv_num(w, "fee_amount", as_placed ? DECIMAL_ZERO : x->fee);
    s_kv_num(w, "price", price);
    s_kv_num(w, "stop_price", o->trigger_price);
    s_kv_num(w, "avg_price", as_placed || decimal_is_zero(x->filled) ? DECIMAL_ZERO : x->avg_price);
    s_kv_num(w, "total_quantity", o->qty);
    s_kv_num(w, "remaining_quantity", remaining);
    s_kv_num(w, "cancelled_quantity", cancelled);
    s_kv_num(w, "ideal_margin", margin);
    s_kv_null(w, "order_category");
    s_kv_str(w, "stage", "default");
    s_kv_null(w, "group_id");
    s_kv_null(w, "liquidation_fee");
    bool isolated = sim_engine_isolated(c->st->engine, o->inst, c->account);
    s_kv_str(w, "position_margin_type", isolated ? "isolated" : "crossed");
    s_kv_null(w, "display_message");
    s_kv_null(w, "group_status");
    s_kv_null(w, "metatags");
    jw_key(w, "created_at");
    jw_int64(w, o->created_ms);
    jw_key(w, "updated_at");
    jw_int64(w, as_placed ? o->created_ms : (x->updated_ms > o->updated_ms ? x->updated_ms : o->updated_ms));
    s_kv_str(w, "margin_currency_short_name", "USDT");
    s_kv_num(w, "settlement_currency_conversion_price", DECIMAL_ZERO);
    if (decimal_is_zero(o->take_profit))
        s_kv_null(w, "take_profit_price");
    else
        s_kv_num(w, "take_profit_price", o->take_profit);
    if (decimal_is_zero(o->stop_loss))
        s_kv_null(w, "stop_loss_price");
    else
        s_kv_num(w, "stop_loss_price", o->stop_loss);
    jw_object_end(w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Orders: create, cancel, edit, list */

static int s_parse_type(const char *s, sim_type_t *out)
{
    static const struct {
        const char *name;
        sim_type_t type;
    } map[] = {{"market_order", SIM_TYPE_MARKET},     {"limit_order", SIM_TYPE_LIMIT},
               {"market", SIM_TYPE_MARKET},           {"limit", SIM_TYPE_LIMIT},
               {"stop_limit", SIM_TYPE_STOP},         {"stop_market", SIM_TYPE_STOP_MARKET},
               {"take_profit_limit", SIM_TYPE_TAKE_PROFIT}, {"take_profit_market", SIM_TYPE_TAKE_PROFIT_MARKET}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, s) == 0) {
            *out = map[i].type;
            return 0;
        }
    return -1;
}

static bool s_type_has_price(sim_type_t t)
{
    return t == SIM_TYPE_LIMIT || t == SIM_TYPE_STOP || t == SIM_TYPE_TAKE_PROFIT;
}

/* The trigger and band rules CoinDCX documents for create; -1 after failing the request. */
static int s_check_prices(cd_ctx_t *c, const sim_order_req_t *r)
{
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, r->inst, &t);
    bool buy = r->side == SIM_SIDE_BUY;
    bool cond = sim_type_is_conditional(r->type);
    if (cond) {
        bool stop = r->type == SIM_TYPE_STOP || r->type == SIM_TYPE_STOP_MARKET;
        int cmp = decimal_cmp(r->trigger_price, t.last);
        bool above = stop == buy; /* buy stop and sell take-profit trigger above LTP */
        if (above && cmp <= 0)
            return s_err(c, 400, "Trigger price should be greater than the current price");
        if (!above && cmp >= 0)
            return s_err(c, 400, "Trigger price should be less than the current price");
        if (r->type == SIM_TYPE_STOP || r->type == SIM_TYPE_TAKE_PROFIT) {
            int lc = decimal_cmp(r->price, r->trigger_price);
            if (buy && r->type == SIM_TYPE_STOP && lc <= 0)
                return s_err(c, 400, "Limit price should be greater than the trigger price");
            if (!buy && r->type == SIM_TYPE_STOP && lc >= 0)
                return s_err(c, 400, "Limit price should be less than the trigger price");
        }
    }
    if (r->type == SIM_TYPE_LIMIT) {
        /* limit price band around LTP: buy <= LTP*(1+up%), sell >= LTP*(1-down%) */
        decimal_t f, bound;
        char b[DECIMAL_STR_MAX];
        decimal_t pct;
        decimal_div(decimal_from_int(CD_BAND_PCT), decimal_from_int(100), 4, DECIMAL_ROUND_DOWN, &pct, NULL);
        decimal_add(decimal_from_int(1), buy ? pct : decimal_neg(pct), &f, NULL);
        if (decimal_mul(t.last, f, r->inst->price_precision, buy ? DECIMAL_ROUND_FLOOR : DECIMAL_ROUND_CEIL, &bound,
                        NULL) == 0) {
            decimal_format(bound, b, sizeof b);
            if (buy && decimal_cmp(r->price, bound) > 0)
                return s_err(c, 400, "Please enter a value lower than %s", b);
            if (!buy && decimal_cmp(r->price, bound) < 0)
                return s_err(c, 400, "Please enter a value higher than %s", b);
        }
    }
    return 0;
}

/* Reads the "order" object of create into r; -1 after failing the request. */
static int s_read_order(cd_ctx_t *c, const json_t *o, sim_order_req_t *r)
{
    char side[8], pair[32], type[24], tif[24], note[32], mtype[16];
    int64_t lev = 0;
    if (s_need_str(c, o, "side", side, sizeof side) < 0 || s_need_str(c, o, "pair", pair, sizeof pair) < 0 ||
        s_need_str(c, o, "order_type", type, sizeof type) < 0)
        return -1;
    if (strcmp(side, "buy") == 0)
        r->side = SIM_SIDE_BUY;
    else if (strcmp(side, "sell") == 0)
        r->side = SIM_SIDE_SELL;
    else
        return s_err(c, 400, "side does not have a valid value");
    r->inst = s_pair(c, pair);
    if (!r->inst)
        return s_err(c, 400, "pair does not have a valid value");
    if (s_parse_type(type, &r->type) < 0)
        return s_err(c, 400, "order_type does not have a valid value");
    int rq = s_dec(c, o, "total_quantity", &r->qty);
    if (rq < 0)
        return -1;
    if (rq == 0)
        return s_err(c, 400, "total_quantity is missing");
    if (decimal_cmp(r->qty, r->inst->min_qty) < 0) {
        char t[DECIMAL_STR_MAX];
        decimal_format(r->inst->min_qty, t, sizeof t);
        return s_err(c, 422, "Quantity should be greater than %s", t);
    }
    int rp = s_dec(c, o, "price", &r->price), rs = s_dec(c, o, "stop_price", &r->trigger_price);
    if (rp < 0 || rs < 0)
        return -1;
    if (s_type_has_price(r->type) && (rp == 0 || decimal_is_zero(r->price)))
        return s_err(c, 422, "Price can't be empty for %s Order", s_type_name(r->type));
    if (!s_type_has_price(r->type))
        r->price = DECIMAL_ZERO; /* a market order's price is informational */
    if (sim_type_is_conditional(r->type) && (rs == 0 || decimal_is_zero(r->trigger_price)))
        return s_err(c, 400, "stop_price is missing");
    if (!sim_type_is_conditional(r->type))
        r->trigger_price = DECIMAL_ZERO;
    int rt = s_str(c, o, "time_in_force", tif, sizeof tif);
    int rn = s_str(c, o, "notification", note, sizeof note);
    int rm = s_str(c, o, "position_margin_type", mtype, sizeof mtype);
    int rl = s_int(c, o, "leverage", &lev);
    if (rt < 0 || rn < 0 || rm < 0 || rl < 0 || s_margin_currency(c, o) < 0)
        return -1;
    bool market = !s_type_has_price(r->type);
    if (rt > 0 && market)
        return s_err(c, 400, "time_in_force should not be sent for market orders");
    r->tif = SIM_TIF_GTC;
    if (rt > 0) {
        if (strcmp(tif, "good_till_cancel") == 0)
            r->tif = SIM_TIF_GTC;
        else if (strcmp(tif, "immediate_or_cancel") == 0)
            r->tif = SIM_TIF_IOC;
        else if (strcmp(tif, "fill_or_kill") == 0)
            r->tif = SIM_TIF_FOK;
        else
            return s_err(c, 400, "time_in_force does not have a valid value");
    }
    if (rn > 0 && strcmp(note, "no_notification") != 0 && strcmp(note, "email_notification") != 0 &&
        strcmp(note, "push_notification") != 0)
        return s_err(c, 400, "notification does not have a valid value");
    if (rm > 0 && strcmp(mtype, "isolated") != 0 && strcmp(mtype, "crossed") != 0)
        return s_err(c, 400, "position_margin_type does not have a valid value");
    if (rl > 0 && lev != sim_engine_leverage(c->st->engine, r->inst, c->account))
        return s_err(c, 422, "Order leverage must be equal to position leverage");
    int rtp = s_dec(c, o, "take_profit_price", &r->take_profit), rsl = s_dec(c, o, "stop_loss_price", &r->stop_loss);
    if (rtp < 0 || rsl < 0)
        return -1;
    if ((rtp > 0 || rsl > 0) && r->type != SIM_TYPE_MARKET && r->type != SIM_TYPE_LIMIT)
        return s_err(c, 400, "take_profit_price and stop_loss_price are only allowed for market_order and limit_order");
    if (decimal_sign(r->take_profit) < 0 || decimal_sign(r->stop_loss) < 0)
        return s_err(c, 400, "take_profit_price or stop_loss_price is invalid");
    return 0;
}

static void s_orders_create(cd_ctx_t *c)
{
    const json_t *o = json_get(c->body, "order");
    if (!o || json_kind(o) != JSON_OBJECT) {
        s_err(c, 400, "order is missing");
        return;
    }
    sim_order_req_t r;
    memset(&r, 0, sizeof r);
    if (s_read_order(c, o, &r) < 0 || s_check_prices(c, &r) < 0)
        return;
    r.venue = SIM_VENUE_COINDCX;
    r.account = c->account;
    r.pos_side = SIM_POS_BOTH;
    r.now_ms = c->now;
    const sim_order_t *out = NULL;
    sim_result_t res = sim_engine_place(c->st->engine, &r, &out);
    if (res != SIM_OK) {
        s_fail_engine(c, res, &r);
        return;
    }
    jw_t w;
    s_begin(c, &w);
    jw_array_begin(&w);
    s_write_order(c, &w, out, true);
    jw_array_end(&w);
    s_end(c, &w);
}

/* The order named by body "id"; NULL after failing the request. */
static const sim_order_t *s_order_by_body_id(cd_ctx_t *c)
{
    char ids[64];
    if (s_need_str(c, c->body, "id", ids, sizeof ids) < 0)
        return NULL;
    int64_t id = s_parse_id(ids, strlen(ids), CD_SALT_ORDER);
    const sim_order_t *o = id ? sim_engine_order(c->st->engine, SIM_VENUE_COINDCX, c->account, id, NULL) : NULL;
    if (!o || o->parent_id > 0) {
        s_err(c, 404, "Order not found");
        return NULL;
    }
    return o;
}

static void s_orders_cancel(cd_ctx_t *c)
{
    const sim_order_t *o = s_order_by_body_id(c);
    if (!o)
        return;
    int64_t target = o->status == SIM_ST_TRIGGERED && o->child_id > 0 ? o->child_id : o->id;
    sim_result_t r = sim_engine_cancel(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, target, NULL, c->now, NULL);
    if (r != SIM_OK) {
        s_fail_engine(c, r, NULL);
        return;
    }
    s_success(c);
}

static void s_orders_edit(cd_ctx_t *c)
{
    const sim_order_t *o = s_order_by_body_id(c);
    if (!o)
        return;
    decimal_t qty, price, tp = DECIMAL_ZERO, sl = DECIMAL_ZERO;
    int rq = s_dec(c, c->body, "total_quantity", &qty);
    if (rq < 0)
        return;
    int rp = s_dec(c, c->body, "price", &price);
    if (rp < 0)
        return;
    if (rq == 0) {
        s_err(c, 400, "total_quantity is missing");
        return;
    }
    if (rp == 0) {
        s_err(c, 400, "price is missing");
        return;
    }
    int rtp = s_dec(c, c->body, "take_profit_price", &tp), rsl = s_dec(c, c->body, "stop_loss_price", &sl);
    if (rtp < 0 || rsl < 0)
        return;
    if ((rtp > 0 && !decimal_eq(tp, o->take_profit)) || (rsl > 0 && !decimal_eq(sl, o->stop_loss))) {
        s_err(c, 422, "Changing take_profit_price or stop_loss_price on edit is not supported by the simulator");
        return;
    }
    if (!sim_status_is_open(o->status)) {
        s_err(c, 422, "Only open orders can be edited");
        return;
    }
    if (o->type != SIM_TYPE_LIMIT) {
        s_err(c, 422, "Only limit orders can be edited");
        return;
    }
    sim_order_req_t rq2;
    memset(&rq2, 0, sizeof rq2);
    rq2.inst = o->inst;
    rq2.side = o->side;
    rq2.type = o->type;
    rq2.price = price;
    rq2.qty = qty;
    if (s_check_prices(c, &rq2) < 0)
        return;
    const sim_order_t *out = NULL;
    sim_result_t r = sim_engine_amend(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, o->id, NULL, qty, price,
                                      DECIMAL_ZERO, c->now, &out);
    if (r != SIM_OK) {
        s_fail_engine(c, r, &rq2);
        return;
    }
    jw_t w;
    s_begin(c, &w);
    jw_array_begin(&w);
    s_write_order(c, &w, out ? out : o, false);
    jw_array_end(&w);
    s_end(c, &w);
}

typedef struct {
    cd_ctx_t *c;                              /* request */
    const sim_order_t *list[CD_LIST_MAX];     /* matches, oldest first */
    size_t n;                                 /* count */
    sim_side_t side;                          /* side filter */
    unsigned status_mask;                     /* bit per CoinDCX status name index */
} cd_gather_t;

static const char *const s_status_names[] = {"open", "partially_filled", "filled", "cancelled", "partially_cancelled",
                                             "rejected", "untriggered", "initial"};

static unsigned s_status_bit(const char *name)
{
    for (size_t i = 0; i < sizeof s_status_names / sizeof s_status_names[0]; i++)
        if (strcmp(s_status_names[i], name) == 0)
            return 1u << i;
    return 0;
}

static int s_gather_cb(const sim_order_t *o, void *ctx)
{
    cd_gather_t *g = ctx;
    if (o->parent_id > 0 || o->side != g->side)
        return 0;
    unsigned bit = s_status_bit(s_status_name(s_exec_of(g->c, o)));
    if (!(g->status_mask & bit))
        return 0;
    if (g->n == CD_LIST_MAX) {
        memmove(g->list, g->list + 1, (CD_LIST_MAX - 1) * sizeof g->list[0]);
        g->n--;
    }
    g->list[g->n++] = o;
    return 0;
}

/* "open,partially_filled" (also upper case) -> mask; 0 after failing the request. */
static unsigned s_status_mask(cd_ctx_t *c, const char *text)
{
    unsigned mask = 0;
    char word[32];
    size_t n = 0;
    for (const char *p = text;; p++) {
        if (*p == ',' || *p == '\0') {
            while (n > 0 && word[n - 1] == ' ')
                n--;
            word[n] = '\0';
            for (size_t i = 0; i < n; i++)
                word[i] = (char)tolower((unsigned char)word[i]);
            if (strcmp(word, "canceled") == 0)
                memcpy(word, "cancelled", sizeof "cancelled");
            unsigned bit = s_status_bit(word);
            if (!bit) {
                s_err(c, 400, "status does not have a valid value");
                return 0;
            }
            if (bit == s_status_bit("initial"))
                bit = s_status_bit("open");
            mask |= bit;
            n = 0;
            if (*p == '\0')
                break;
            continue;
        }
        if (*p == ' ' && n == 0)
            continue;
        if (n + 1 >= sizeof word) {
            s_err(c, 400, "status does not have a valid value");
            return 0;
        }
        word[n++] = *p;
    }
    return mask;
}

static void s_orders_list(cd_ctx_t *c)
{
    char status[256], side[8];
    int64_t page, size;
    if (s_need_str(c, c->body, "status", status, sizeof status) < 0 ||
        s_need_str(c, c->body, "side", side, sizeof side) < 0 ||
        s_paging(c, c->body, true, &page, &size) < 0 || s_margin_currency(c, c->body) < 0)
        return;
    cd_gather_t *g = mem_calloc(1, sizeof *g);
    g->c = c;
    if (strcmp(side, "buy") == 0)
        g->side = SIM_SIDE_BUY;
    else if (strcmp(side, "sell") == 0)
        g->side = SIM_SIDE_SELL;
    else {
        s_err(c, 400, "side does not have a valid value");
        mem_free(g);
        return;
    }
    g->status_mask = s_status_mask(c, status);
    if (g->status_mask == 0) {
        mem_free(g);
        return;
    }
    sim_engine_orders(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, -1, 0, s_gather_cb, g);
    jw_t w;
    s_begin(c, &w);
    jw_array_begin(&w);
    int64_t skip = (page - 1) * size, shown = 0;
    for (size_t i = g->n; i-- > 0 && shown < size;) {
        if (skip > 0) {
            skip--;
            continue;
        }
        s_write_order(c, &w, g->list[i], false);
        shown++;
    }
    jw_array_end(&w);
    mem_free(g);
    s_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Positions */

typedef struct {
    decimal_t buy_open, sell_open, order_margin; /* open (non-conditional) orders of one pair */
} cd_open_t;

static int s_open_cb(const sim_order_t *o, void *ctx)
{
    cd_open_t *s = ctx;
    decimal_t rest, notional, margin;
    if (decimal_sub(o->qty, o->filled, &rest, NULL) < 0)
        return 0;
    if (o->side == SIM_SIDE_BUY)
        decimal_add(s->buy_open, rest, &s->buy_open, NULL);
    else
        decimal_add(s->sell_open, rest, &s->sell_open, NULL);
    if (o->leverage > 0 && decimal_mul(rest, o->price, 8, DECIMAL_ROUND_HALF_UP, &notional, NULL) == 0 &&
        decimal_div(notional, decimal_from_int(o->leverage), 8, DECIMAL_ROUND_UP, &margin, NULL) == 0)
        decimal_add(s->order_margin, margin, &s->order_margin, NULL);
    return 0;
}

static void s_write_position(cd_ctx_t *c, jw_t *w, const sim_instrument_t *in)
{
    const sim_position_t *p = sim_engine_position(c->st->engine, in, c->account, SIM_POS_BOTH);
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, in, &t);
    cd_open_t open;
    memset(&open, 0, sizeof open);
    sim_engine_open_orders(c->st->engine, SIM_VENUE_COINDCX, c->account, in, 0, s_open_cb, &open);
    bool active = p && !decimal_is_zero(p->qty);
    decimal_t margin = active ? sim_engine_position_margin(c->st->engine, p) : DECIMAL_ZERO;
    char id[37];
    s_fmt_id(s_pos_number(c->account, in->index), CD_SALT_POS, id);
    jw_object_begin(w);
    s_kv_str(w, "id", id);
    s_kv_str(w, "pair", in->symbol);
    s_kv_num(w, "active_pos", active ? p->qty : DECIMAL_ZERO);
    s_kv_num(w, "inactive_pos_buy", open.buy_open);
    s_kv_num(w, "inactive_pos_sell", open.sell_open);
    s_kv_num(w, "avg_price", active ? p->entry_price : DECIMAL_ZERO);
    s_kv_num(w, "liquidation_price", DECIMAL_ZERO);
    s_kv_num(w, "locked_margin", margin);
    s_kv_num(w, "locked_user_margin", margin);
    s_kv_num(w, "locked_order_margin", open.order_margin);
    s_kv_null(w, "take_profit_trigger");
    s_kv_null(w, "stop_loss_trigger");
    s_kv_lev(w, "leverage", sim_engine_leverage(c->st->engine, in, c->account));
    s_kv_num(w, "maintenance_margin", DECIMAL_ZERO);
    s_kv_num(w, "mark_price", t.mark);
    s_kv_str(w, "margin_type", sim_engine_isolated(c->st->engine, in, c->account) ? "isolated" : "crossed");
    s_kv_num(w, "settlement_currency_avg_price", DECIMAL_ZERO);
    s_kv_str(w, "margin_currency_short_name", "USDT");
    jw_key(w, "updated_at");
    jw_int64(w, p && p->update_ms ? p->update_ms : c->now);
    jw_object_end(w);
}

/* Instrument of a position id (fixed per account and pair); NULL if not this account's. */
static const sim_instrument_t *s_position_inst(cd_ctx_t *c, const char *id)
{
    int64_t n = s_parse_id(id, strlen(id), CD_SALT_POS);
    if (n <= 0 || (n >> 16) != c->account + 1)
        return NULL;
    return sim_engine_instrument_at(c->st->engine, SIM_VENUE_COINDCX, (size_t)((n & 0xffff) - 1));
}

/* Comma list of pairs or position ids -> selection bitmap over instruments; -1 after failing. */
static int s_select(cd_ctx_t *c, const char *list, bool ids, bool *sel, size_t count)
{
    char item[64];
    size_t n = 0;
    for (const char *p = list;; p++) {
        if (*p == ',' || *p == '\0') {
            item[n] = '\0';
            if (n > 0) {
                const sim_instrument_t *in = ids ? s_position_inst(c, item) : s_pair(c, item);
                if (!in || (size_t)in->index >= count)
                    return s_err(c, 404, ids ? "Position not found" : "pairs does not have a valid value");
                sel[in->index] = true;
            }
            n = 0;
            if (*p == '\0')
                return 0;
            continue;
        }
        if (*p == ' ')
            continue;
        if (n + 1 >= sizeof item)
            return s_err(c, 400, "pairs does not have a valid value");
        item[n++] = *p;
    }
}

typedef struct {
    bool touched[64]; /* instruments with a position record */
} cd_touched_t;

static int s_touched_cb(const sim_position_t *p, void *ctx)
{
    cd_touched_t *t = ctx;
    if (p->inst->index >= 0 && p->inst->index < 64)
        t->touched[p->inst->index] = true;
    return 0;
}

static void s_positions(cd_ctx_t *c)
{
    char pairs[1024], pos_ids[2048];
    int64_t page, size;
    if (s_paging(c, c->body, false, &page, &size) < 0 || s_margin_currency(c, c->body) < 0)
        return;
    int rp = s_str(c, c->body, "pairs", pairs, sizeof pairs);
    int ri = s_str(c, c->body, "position_ids", pos_ids, sizeof pos_ids);
    if (rp < 0 || ri < 0)
        return;
    size_t count = sim_engine_instrument_count(c->st->engine, SIM_VENUE_COINDCX);
    bool sel[64] = {false};
    if (count > 64)
        count = 64;
    if (rp > 0 && s_select(c, pairs, false, sel, count) < 0)
        return;
    if (ri > 0 && s_select(c, pos_ids, true, sel, count) < 0)
        return;
    if (rp == 0 && ri == 0) {
        /* every pair the account has traded, flat or not */
        cd_touched_t t;
        memset(&t, 0, sizeof t);
        sim_engine_positions(c->st->engine, SIM_VENUE_COINDCX, c->account, true, s_touched_cb, &t);
        memcpy(sel, t.touched, sizeof sel);
    }
    jw_t w;
    s_begin(c, &w);
    jw_array_begin(&w);
    int64_t skip = (page - 1) * size, shown = 0;
    for (size_t i = 0; i < count && shown < size; i++) {
        if (!sel[i])
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        s_write_position(c, &w, sim_engine_instrument_at(c->st->engine, SIM_VENUE_COINDCX, i));
        shown++;
    }
    jw_array_end(&w);
    s_end(c, &w);
}

/* Pair from body "pair" or position "id"; NULL after failing the request. */
static const sim_instrument_t *s_pair_or_position(cd_ctx_t *c, bool allow_pair)
{
    char pair[32], id[64];
    int rp = allow_pair ? s_str(c, c->body, "pair", pair, sizeof pair) : 0;
    int ri = s_str(c, c->body, "id", id, sizeof id);
    if (rp < 0 || ri < 0)
        return NULL;
    if (rp > 0) {
        const sim_instrument_t *in = s_pair(c, pair);
        if (!in)
            s_err(c, 400, "pair does not have a valid value");
        return in;
    }
    if (ri > 0) {
        const sim_instrument_t *in = s_position_inst(c, id);
        if (!in)
            s_err(c, 404, "Position not found");
        return in;
    }
    s_err(c, 400, allow_pair ? "pair or id is missing" : "id is missing");
    return NULL;
}

static void s_update_leverage(cd_ctx_t *c)
{
    int64_t lev;
    int rl = s_int(c, c->body, "leverage", &lev);
    if (rl < 0)
        return;
    if (rl == 0) {
        s_err(c, 400, "leverage is missing");
        return;
    }
    if (s_margin_currency(c, c->body) < 0)
        return;
    const sim_instrument_t *in = s_pair_or_position(c, true);
    if (!in)
        return;
    if (lev < 1) {
        s_err(c, 400, "Leverage cannot be less than 1x");
        return;
    }
    if (lev > in->max_leverage) {
        s_err(c, 400, "Max allowed leverage for current position size = %dx", in->max_leverage);
        return;
    }
    const sim_position_t *p = sim_engine_position(c->st->engine, in, c->account, SIM_POS_BOTH);
    if (p && !decimal_is_zero(p->qty) && lev != sim_engine_leverage(c->st->engine, in, c->account)) {
        s_err(c, 422, "Leverage cannot be changed while a position is open");
        return;
    }
    sim_result_t r = sim_engine_set_leverage(c->st->engine, in, c->account, (int)lev);
    if (r != SIM_OK) {
        s_fail_engine(c, r, NULL);
        return;
    }
    s_success(c);
}

static void s_margin_type(cd_ctx_t *c)
{
    char mt[16];
    if (s_need_str(c, c->body, "margin_type", mt, sizeof mt) < 0)
        return;
    const sim_instrument_t *in = s_pair_or_position(c, true);
    if (!in)
        return;
    if (strcmp(mt, "isolated") != 0 && strcmp(mt, "crossed") != 0) {
        s_err(c, 400, "margin_type does not have a valid value");
        return;
    }
    const sim_position_t *p = sim_engine_position(c->st->engine, in, c->account, SIM_POS_BOTH);
    if (p && !decimal_is_zero(p->qty)) {
        s_err(c, 422, "Margin type cannot be changed while a position is open");
        return;
    }
    sim_engine_set_isolated(c->st->engine, in, c->account, mt[0] == 'i');
    jw_t w;
    s_begin(c, &w);
    jw_array_begin(&w);
    s_write_position(c, &w, in);
    jw_array_end(&w);
    s_end(c, &w);
}

static void s_cancel_all(cd_ctx_t *c)
{
    if (s_margin_currency(c, c->body) < 0)
        return;
    sim_engine_cancel_all(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, false, c->now);
    sim_engine_cancel_all(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, true, c->now);
    s_success(c);
}

static void s_cancel_all_for_position(cd_ctx_t *c)
{
    const sim_instrument_t *in = s_pair_or_position(c, false);
    if (!in)
        return;
    sim_engine_cancel_all(c->st->engine, SIM_VENUE_COINDCX, c->account, in, false, c->now);
    sim_engine_cancel_all(c->st->engine, SIM_VENUE_COINDCX, c->account, in, true, c->now);
    s_success(c);
}

static void s_exit(cd_ctx_t *c)
{
    const sim_instrument_t *in = s_pair_or_position(c, false);
    if (!in)
        return;
    const sim_position_t *p = sim_engine_position(c->st->engine, in, c->account, SIM_POS_BOTH);
    if (!p || decimal_is_zero(p->qty)) {
        s_err(c, 422, "Position is not active");
        return;
    }
    sim_order_req_t r;
    memset(&r, 0, sizeof r);
    r.venue = SIM_VENUE_COINDCX;
    r.account = c->account;
    r.inst = in;
    r.side = decimal_sign(p->qty) > 0 ? SIM_SIDE_SELL : SIM_SIDE_BUY;
    r.type = SIM_TYPE_MARKET;
    r.tif = SIM_TIF_IOC;
    r.pos_side = SIM_POS_BOTH;
    r.qty = decimal_abs(p->qty);
    r.reduce_only = true;
    r.cap_reduce_only = true;
    r.now_ms = c->now;
    const sim_order_t *o = NULL;
    sim_result_t res = sim_engine_place(c->st->engine, &r, &o);
    if (res != SIM_OK) {
        s_fail_engine(c, res, &r);
        return;
    }
    char group[80], hex[37];
    s_fmt_id(o->id, CD_SALT_ORDER, hex);
    snprintf(group, sizeof group, "%.8s%s%" PRId64, hex, in->symbol, c->now / 1000);
    jw_t w;
    s_begin(c, &w);
    jw_object_begin(&w);
    s_kv_str(&w, "message", "success");
    jw_key(&w, "status");
    jw_int64(&w, 200);
    jw_key(&w, "code");
    jw_int64(&w, 200);
    jw_key(&w, "data");
    jw_object_begin(&w);
    s_kv_str(&w, "group_id", group);
    jw_object_end(&w);
    jw_object_end(&w);
    s_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Wallet, trades */

static void s_wallets(cd_ctx_t *c)
{
    sim_balance_t b;
    if (sim_engine_balance(c->st->engine, SIM_VENUE_COINDCX, c->account, &b) < 0) {
        s_err(c, 401, "Invalid credentials");
        return;
    }
    char id[37];
    s_fmt_id(c->account + 1, CD_SALT_WALLET, id);
    jw_t w;
    s_begin(c, &w);
    jw_array_begin(&w);
    jw_object_begin(&w);
    s_kv_str(&w, "id", id);
    s_kv_str(&w, "currency_short_name", "USDT");
    s_kv_dec_string(&w, "balance", b.wallet);
    s_kv_dec_string(&w, "locked_balance", DECIMAL_ZERO);
    s_kv_dec_string(&w, "cross_order_margin", b.order_margin);
    s_kv_dec_string(&w, "cross_user_margin", b.position_margin);
    jw_object_end(&w);
    jw_array_end(&w);
    s_end(c, &w);
}

static void s_cross_margin_details(cd_ctx_t *c)
{
    sim_balance_t b;
    if (sim_engine_balance(c->st->engine, SIM_VENUE_COINDCX, c->account, &b) < 0) {
        s_err(c, 401, "Invalid credentials");
        return;
    }
    decimal_t equity, im, avail = decimal_sign(b.available) > 0 ? b.available : DECIMAL_ZERO;
    decimal_add(b.wallet, b.unrealized, &equity, NULL);
    decimal_add(b.position_margin, b.order_margin, &im, NULL);
    jw_t w;
    s_begin(c, &w);
    jw_object_begin(&w);
    s_kv_num(&w, "pnl", b.unrealized);
    s_kv_num(&w, "maintenance_margin", DECIMAL_ZERO);
    s_kv_num(&w, "available_wallet_balance", b.wallet);
    s_kv_num(&w, "total_wallet_balance", b.wallet);
    s_kv_num(&w, "total_initial_margin", im);
    s_kv_num(&w, "total_initial_margin_isolated", DECIMAL_ZERO);
    s_kv_num(&w, "total_initial_margin_crossed", b.position_margin);
    s_kv_num(&w, "total_open_order_initial_margin_crossed", b.order_margin);
    s_kv_num(&w, "available_balance_cross", avail);
    s_kv_num(&w, "available_balance_isolated", avail);
    s_kv_num(&w, "margin_ratio_cross", DECIMAL_ZERO);
    s_kv_num(&w, "withdrawable_balance", avail);
    s_kv_num(&w, "total_account_equity", equity);
    jw_key(&w, "updated_at");
    jw_int64(&w, b.update_ms ? b.update_ms : c->now);
    jw_object_end(&w);
    s_end(c, &w);
}

/* "YYYY-MM-DD" -> ms at 00:00 UTC; -1 if malformed. */
static int64_t s_parse_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31 ||
        y < 1970 || y > 9999)
        return -1;
    /* days from civil (Howard Hinnant) */
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400000LL;
}

typedef struct {
    sim_fill_t list[CD_LIST_MAX];   /* fills, oldest first */
    size_t n;                       /* count */
} cd_fills_t;

static int s_fill_cb(const sim_fill_t *f, void *ctx)
{
    cd_fills_t *g = ctx;
    if (g->n == CD_LIST_MAX) {
        memmove(g->list, g->list + 1, (CD_LIST_MAX - 1) * sizeof g->list[0]);
        g->n--;
    }
    g->list[g->n++] = *f;
    return 0;
}

static void s_trades(cd_ctx_t *c)
{
    char pair[32], from[16], to[16], oid[64];
    int64_t page, size;
    if (s_need_str(c, c->body, "pair", pair, sizeof pair) < 0 ||
        s_need_str(c, c->body, "from_date", from, sizeof from) < 0 ||
        s_need_str(c, c->body, "to_date", to, sizeof to) < 0 || s_paging(c, c->body, true, &page, &size) < 0 ||
        s_margin_currency(c, c->body) < 0)
        return;
    int ro = s_str(c, c->body, "order_id", oid, sizeof oid);
    if (ro < 0)
        return;
    const sim_instrument_t *in = s_pair(c, pair);
    if (!in) {
        s_err(c, 400, "pair does not have a valid value");
        return;
    }
    int64_t f = s_parse_date(from), t = s_parse_date(to);
    if (f < 0 || t < 0 || t < f) {
        s_err(c, 400, "from_date or to_date does not have a valid value");
        return;
    }
    sim_fill_query_t q;
    memset(&q, 0, sizeof q);
    q.inst = in;
    q.start_ms = f;
    q.end_ms = t + 86400000LL - 1;
    cd_fills_t *g = mem_calloc(1, sizeof *g);
    bool none = false;
    if (ro > 0) {
        int64_t id = s_parse_id(oid, strlen(oid), CD_SALT_ORDER);
        const sim_order_t *o = id ? sim_engine_order(c->st->engine, SIM_VENUE_COINDCX, c->account, id, NULL) : NULL;
        if (!o)
            none = true;
        else
            q.order_id = o->status == SIM_ST_TRIGGERED && o->child_id > 0 ? o->child_id : o->id;
    }
    if (!none)
        sim_engine_fills(c->st->engine, SIM_VENUE_COINDCX, c->account, &q, s_fill_cb, g);
    jw_t w;
    s_begin(c, &w);
    jw_array_begin(&w);
    int64_t skip = (page - 1) * size, shown = 0;
    for (size_t i = g->n; i-- > 0 && shown < size;) {
        if (skip > 0) {
            skip--;
            continue;
        }
        const sim_fill_t *fl = &g->list[i];
        const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_COINDCX, c->account, fl->order_id, NULL);
        int64_t shown_id = o && o->parent_id > 0 ? o->parent_id : fl->order_id;
        char id[37];
        s_fmt_id(shown_id, CD_SALT_ORDER, id);
        jw_object_begin(&w);
        s_kv_num(&w, "price", fl->price);
        s_kv_num(&w, "quantity", fl->qty);
        jw_key(&w, "is_maker");
        jw_bool(&w, fl->maker);
        s_kv_num(&w, "fee_amount", fl->fee);
        s_kv_str(&w, "pair", in->symbol);
        s_kv_str(&w, "side", fl->side == SIM_SIDE_BUY ? "buy" : "sell");
        jw_key(&w, "timestamp");
        jw_int64(&w, fl->time_ms);
        s_kv_str(&w, "order_id", id);
        s_kv_num(&w, "settlement_currency_conversion_price", DECIMAL_ZERO);
        s_kv_str(&w, "margin_currency_short_name", "USDT");
        jw_object_end(&w);
        shown++;
    }
    jw_array_end(&w);
    mem_free(g);
    s_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Public data */

static void s_write_instrument(cd_ctx_t *c, jw_t *w, const sim_instrument_t *in)
{
    const sim_engine_config_t *cfg = sim_engine_config(c->st->engine);
    jw_object_begin(w);
    s_kv_str(w, "settle_currency_short_name", "USDT");
    s_kv_str(w, "quote_currency_short_name", "USDT");
    s_kv_str(w, "position_currency_short_name", in->base);
    s_kv_str(w, "underlying_currency_short_name", in->base);
    s_kv_str(w, "status", "active");
    s_kv_str(w, "pair", in->symbol);
    s_kv_str(w, "kind", "perpetual");
    s_kv_str(w, "settlement", "never");
    s_kv_lev(w, "max_leverage_long", in->max_leverage);
    s_kv_lev(w, "max_leverage_short", in->max_leverage);
    s_kv_num(w, "unit_contract_value", decimal_from_int(1));
    s_kv_num(w, "price_increment", in->tick);
    s_kv_num(w, "quantity_increment", in->step);
    s_kv_num(w, "min_trade_size", in->min_qty);
    s_kv_num(w, "min_price", in->min_price);
    s_kv_num(w, "max_price", in->max_price);
    s_kv_num(w, "min_quantity", in->min_qty);
    s_kv_num(w, "max_quantity", in->max_qty);
    s_kv_num(w, "min_notional", in->min_notional);
    s_kv_num(w, "maker_fee", s_pct(cfg->maker_fee));
    s_kv_num(w, "taker_fee", s_pct(cfg->taker_fee));
    s_kv_num(w, "safety_percentage", decimal_from_int(2));
    s_kv_num(w, "quanto_to_settle_multiplier", decimal_from_int(1));
    jw_key(w, "is_inverse");
    jw_bool(w, false);
    jw_key(w, "is_quanto");
    jw_bool(w, false);
    jw_key(w, "allow_post_only");
    jw_bool(w, false);
    jw_key(w, "allow_hidden");
    jw_bool(w, false);
    s_kv_num(w, "max_market_order_quantity", in->max_mkt_qty);
    jw_key(w, "funding_frequency");
    jw_int64(w, 8);
    s_kv_num(w, "max_notional", decimal_from_int(5000000));
    jw_key(w, "expiry_time");
    jw_int64(w, 2548162800000LL);
    jw_key(w, "exit_only");
    jw_bool(w, false);
    s_kv_num(w, "multiplier_up", decimal_from_int(CD_BAND_PCT));
    s_kv_num(w, "multiplier_down", decimal_from_int(CD_BAND_PCT));
    s_kv_num(w, "liquidation_fee", decimal_from_int(1));
    s_kv_str(w, "margin_currency_short_name", "USDT");
    jw_key(w, "time_in_force_options");
    jw_array_begin(w);
    jw_string(w, "good_till_cancel");
    jw_string(w, "immediate_or_cancel");
    jw_string(w, "fill_or_kill");
    jw_array_end(w);
    jw_key(w, "order_types");
    jw_array_begin(w);
    static const char *const types[] = {"market_order", "limit_order", "stop_limit", "take_profit_limit", "stop_market",
                                        "take_profit_market"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        jw_string(w, types[i]);
    jw_array_end(w);
    jw_key(w, "dynamic_position_leverage_details");
    jw_object_begin(w);
    char k[16];
    snprintf(k, sizeof k, "%d", in->max_leverage);
    s_kv_num(w, k, decimal_from_int(5000000));
    jw_object_end(w);
    jw_key(w, "dynamic_safety_margin_details");
    jw_object_begin(w);
    s_kv_num(w, "5000000", decimal_from_int(1));
    jw_object_end(w);
    jw_object_end(w);
}

static void s_data_instrument(cd_ctx_t *c)
{
    const char *pair = sim_params_get(&c->st->query, "pair");
    const char *mc = sim_params_get(&c->st->query, "margin_currency_short_name");
    if (!pair) {
        s_err(c, 400, "pair is missing");
        return;
    }
    if (mc && strcmp(mc, "USDT") != 0) {
        s_err(c, 422, "INR margined futures are not available");
        return;
    }
    const sim_instrument_t *in = s_pair(c, pair);
    if (!in) {
        s_err(c, 404, "Instrument not found");
        return;
    }
    jw_t w;
    s_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "instrument");
    s_write_instrument(c, &w, in);
    jw_object_end(&w);
    s_end(c, &w);
}

static void s_active_instruments(cd_ctx_t *c)
{
    const char *mc = sim_params_get(&c->st->query, "margin_currency_short_name[]");
    if (!mc)
        mc = sim_params_get(&c->st->query, "margin_currency_short_name");
    bool usdt = !mc || strcmp(mc, "USDT") == 0;
    jw_t w;
    s_begin(c, &w);
    jw_array_begin(&w);
    size_t n = sim_engine_instrument_count(c->st->engine, SIM_VENUE_COINDCX);
    for (size_t i = 0; i < n && usdt; i++)
        jw_string(&w, sim_engine_instrument_at(c->st->engine, SIM_VENUE_COINDCX, i)->symbol);
    jw_array_end(&w);
    s_end(c, &w);
}

static void s_current_prices(cd_ctx_t *c)
{
    jw_t w;
    s_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "ts");
    jw_int64(&w, c->now);
    jw_key(&w, "vs");
    jw_int64(&w, ++c->st->version);
    jw_key(&w, "prices");
    jw_object_begin(&w);
    size_t n = sim_engine_instrument_count(c->st->engine, SIM_VENUE_COINDCX);
    for (size_t i = 0; i < n; i++) {
        const sim_instrument_t *in = sim_engine_instrument_at(c->st->engine, SIM_VENUE_COINDCX, i);
        sim_ticker_t t;
        sim_engine_ticker(c->st->engine, in, &t);
        sim_candle_t k[25];
        size_t nk = sim_engine_candles(c->st->engine, in, 3600000, c->now - 24 * 3600000LL, 0, 25, c->now, k, 25);
        decimal_t hi = t.last, lo = t.last, vol = DECIMAL_ZERO, pc = DECIMAL_ZERO, diff;
        for (size_t j = 0; j < nk; j++) {
            hi = decimal_max(hi, k[j].high);
            lo = decimal_min(lo, k[j].low);
            decimal_add(vol, k[j].volume, &vol, NULL);
        }
        if (!decimal_is_zero(t.open_24h) && decimal_sub(t.last, t.open_24h, &diff, NULL) == 0 &&
            decimal_mul(diff, decimal_from_int(100), 8, DECIMAL_ROUND_HALF_UP, &diff, NULL) == 0)
            decimal_div(diff, t.open_24h, 3, DECIMAL_ROUND_HALF_UP, &pc, NULL);
        char mkt[32];
        snprintf(mkt, sizeof mkt, "%s%s", in->base, in->quote);
        jw_key(&w, in->symbol);
        jw_object_begin(&w);
        jw_key(&w, "fr");
        jw_raw(&w, "0.0001");
        s_kv_num(&w, "h", hi);
        s_kv_num(&w, "l", lo);
        s_kv_num(&w, "v", vol);
        s_kv_num(&w, "ls", t.last);
        s_kv_num(&w, "pc", pc);
        s_kv_str(&w, "mkt", mkt);
        jw_key(&w, "btST");
        jw_int64(&w, t.time_ms);
        jw_key(&w, "ctRT");
        jw_int64(&w, c->now);
        jw_key(&w, "skw");
        jw_int64(&w, 0);
        s_kv_num(&w, "mp", t.mark);
        jw_key(&w, "efr");
        jw_raw(&w, "0.0001");
        jw_key(&w, "bmST");
        jw_int64(&w, t.time_ms);
        jw_key(&w, "cmRT");
        jw_int64(&w, c->now);
        jw_object_end(&w);
    }
    jw_object_end(&w);
    jw_object_end(&w);
    s_end(c, &w);
}

/* GET /market_data/v3/orderbook/<pair>-futures/<10|20|50>: the engine's book is one level a side (best bid =
 * LTP, best ask = LTP + tick, size shown as the ticker's), so every depth returns that level. */
#define CD_BOOK_PREFIX "/market_data/v3/orderbook/"

static bool s_is_book_path(const sim_http_req_t *req)
{
    size_t n = sizeof CD_BOOK_PREFIX - 1;
    return req->path_len > n && memcmp(req->path, CD_BOOK_PREFIX, n) == 0;
}

static void s_orderbook(cd_ctx_t *c)
{
    const char *rest = c->req->path + sizeof CD_BOOK_PREFIX - 1;
    const char *slash = strrchr(rest, '/');
    static const char suffix[] = "-futures";
    size_t sl = sizeof suffix - 1;
    char pair[32];
    size_t plen = slash ? (size_t)(slash - rest) : 0;
    bool depth_ok = slash && (strcmp(slash + 1, "10") == 0 || strcmp(slash + 1, "20") == 0 ||
                              strcmp(slash + 1, "50") == 0);
    if (!depth_ok || plen <= sl || plen - sl >= sizeof pair || memcmp(rest + plen - sl, suffix, sl) != 0) {
        s_err(c, 404, "Not Found");
        return;
    }
    memcpy(pair, rest, plen - sl);
    pair[plen - sl] = '\0';
    const sim_instrument_t *in = s_pair(c, pair);
    if (!in) {
        s_err(c, 404, "Not Found");
        return;
    }
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, in, &t);
    char price[DECIMAL_STR_MAX];
    jw_t w;
    s_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "ts");
    jw_int64(&w, c->now);
    jw_key(&w, "vs");
    jw_int64(&w, ++c->st->version);
    jw_key(&w, "asks");
    jw_object_begin(&w);
    decimal_format(t.ask, price, sizeof price);
    s_kv_dec_string(&w, price, t.ask_qty);
    jw_object_end(&w);
    jw_key(&w, "bids");
    jw_object_begin(&w);
    decimal_format(t.bid, price, sizeof price);
    s_kv_dec_string(&w, price, t.bid_qty);
    jw_object_end(&w);
    jw_object_end(&w);
    s_end(c, &w);
}

#define CD_CANDLES_MAX 1500

static bool s_parse_i64(const char *s, int64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 15)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static void s_candlesticks(cd_ctx_t *c)
{
    const sim_params_t *q = &c->st->query;
    const char *pair = sim_params_get(q, "pair"), *res = sim_params_get(q, "resolution");
    const char *pcode = sim_params_get(q, "pcode");
    int64_t from, to, ms = 0;
    if (!pair || !res || !sim_params_get(q, "from") || !sim_params_get(q, "to")) {
        s_err(c, 400, "pair, from, to and resolution are required");
        return;
    }
    if (!s_parse_i64(sim_params_get(q, "from"), &from) || !s_parse_i64(sim_params_get(q, "to"), &to) || to < from) {
        s_err(c, 400, "from or to does not have a valid value");
        return;
    }
    if (pcode && strcmp(pcode, "f") != 0) {
        s_err(c, 400, "pcode does not have a valid value");
        return;
    }
    if (strcmp(res, "1") == 0)
        ms = 60000;
    else if (strcmp(res, "5") == 0)
        ms = 300000;
    else if (strcmp(res, "60") == 0)
        ms = 3600000;
    else if (strcmp(res, "1D") == 0)
        ms = 86400000;
    else {
        s_err(c, 400, "resolution does not have a valid value");
        return;
    }
    const sim_instrument_t *in = s_pair(c, pair);
    if (!in) {
        s_err(c, 400, "pair does not have a valid value");
        return;
    }
    sim_candle_t *k = mem_calloc(CD_CANDLES_MAX, sizeof *k);
    size_t n = sim_engine_candles(c->st->engine, in, ms, from * 1000, to * 1000, CD_CANDLES_MAX, c->now, k,
                                  CD_CANDLES_MAX);
    jw_t w;
    s_begin(c, &w);
    jw_object_begin(&w);
    s_kv_str(&w, "s", "ok");
    jw_key(&w, "data");
    jw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jw_object_begin(&w);
        s_kv_num(&w, "open", k[i].open);
        s_kv_num(&w, "high", k[i].high);
        s_kv_num(&w, "low", k[i].low);
        s_kv_num(&w, "volume", k[i].volume);
        s_kv_num(&w, "close", k[i].close);
        jw_key(&w, "time");
        jw_int64(&w, k[i].open_ms);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    mem_free(k);
    s_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Routing, authentication */

typedef void (*cd_handler_t)(cd_ctx_t *c);

typedef struct {
    const char *method;   /* HTTP method; NULL = GET or POST */
    const char *path;     /* exact path */
    bool private_;        /* signed */
    cd_handler_t fn;      /* handler */
} cd_route_t;

static const cd_route_t s_routes[] = {
    {"POST", CD_F "/orders/create", true, s_orders_create},
    {"POST", CD_F "/orders", true, s_orders_list},
    {"POST", CD_F "/orders/cancel", true, s_orders_cancel},
    {"POST", CD_F "/orders/edit", true, s_orders_edit},
    {"POST", CD_F "/positions", true, s_positions},
    {"POST", CD_F "/positions/update_leverage", true, s_update_leverage},
    {"POST", CD_F "/positions/margin_type", true, s_margin_type},
    {"POST", CD_F "/positions/cancel_all_open_orders", true, s_cancel_all},
    {"POST", CD_F "/positions/cancel_all_open_orders_for_position", true, s_cancel_all_for_position},
    {"POST", CD_F "/positions/exit", true, s_exit},
    {NULL, CD_F "/positions/cross_margin_details", true, s_cross_margin_details},
    {"GET", CD_F "/wallets", true, s_wallets},
    {"POST", CD_F "/trades", true, s_trades},
    {"GET", CD_F "/data/instrument", false, s_data_instrument},
    {"GET", CD_F "/data/active_instruments", false, s_active_instruments},
    {"GET", "/market_data/v3/current_prices/futures/rt", false, s_current_prices},
    {"GET", "/market_data/candlesticks", false, s_candlesticks},
};

#define CD_ROUTE_COUNT (sizeof s_routes / sizeof s_routes[0])

static bool s_rate_ok(cd_ctx_t *c)
{
    const sim_engine_config_t *cfg = sim_engine_config(c->st->engine);
    if (!cfg->rate_limits || c->account < 0 || c->account >= CD_RATE_ACCOUNTS)
        return true;
    int per_min = cfg->rate_limit_per_min > 0 ? cfg->rate_limit_per_min : CD_RATE_PER_MIN;
    cd_rate_t *r = &c->st->rate[c->account];
    int64_t sec = c->now - c->now % 1000, min = c->now - c->now % 60000;
    if (r->sec_window != sec) {
        r->sec_window = sec;
        r->sec_count = 0;
    }
    if (r->min_window != min) {
        r->min_window = min;
        r->min_count = 0;
    }
    r->sec_count++;
    r->min_count++;
    return r->sec_count <= CD_RATE_PER_SEC && r->min_count <= per_min;
}

/* Key, signature over the exact body bytes, then the JSON body and its timestamp. -1 after failing. */
static int s_authenticate(cd_ctx_t *c)
{
    const char *key = sim_req_header(c->req, "X-AUTH-APIKEY");
    const char *sign = sim_req_header(c->req, "X-AUTH-SIGNATURE");
    if (!key || !*key || !sign || !*sign)
        return s_err(c, 401, "Invalid credentials");
    const sim_account_t *a = sim_engine_account_by_key(c->st->engine, key, strlen(key));
    if (!a)
        return s_err(c, 401, "Invalid credentials");
    char want[CRYPTO_HEX_SHA256_LEN], got[CRYPTO_HEX_SHA256_LEN];
    if (strlen(sign) != 64 || crypto_hmac_sha256_hex(a->secret, c->req->body, c->req->body_len, want) < 0)
        return s_err(c, 401, "Invalid credentials");
    for (size_t i = 0; i < 64; i++)
        got[i] = (char)tolower((unsigned char)sign[i]);
    got[64] = '\0';
    if (!crypto_ct_streq(want, got))
        return s_err(c, 401, "Invalid credentials");
    err_t err;
    c->root = json_parse(c->req->body, c->req->body_len, SIM_MAX_BODY, JSON_DEFAULT_MAX_DEPTH, &err);
    if (!c->root || json_kind(c->root) != JSON_OBJECT)
        return s_err(c, 400, "Invalid request: the body must be a JSON object");
    c->body = c->root;
    const json_t *tsv = json_get(c->body, "timestamp");
    int64_t ts;
    if (!tsv || json_kind(tsv) == JSON_NULL)
        return s_err(c, 400, "timestamp is missing");
    if (json_kind(tsv) != JSON_NUMBER || json_int64(tsv, &ts, NULL) < 0 || ts <= 0)
        return s_err(c, 400, "timestamp is invalid");
    if (ts < 100000000000LL) /* the request tables say seconds; the samples send ms: take both */
        ts *= 1000;
    if (ts < c->now - CD_TS_MAX_AGE_MS || ts > c->now + CD_TS_MAX_AHEAD_MS)
        return s_err(c, 400, "Request expired: timestamp is outside the allowed window");
    c->account = a->id;
    return 0;
}

static int s_init(void *state, sim_engine_t *engine, int64_t now_ms, err_t *err)
{
    cd_state_t *st = state;
    st->engine = engine;
    for (size_t i = 0; i < sizeof s_instruments / sizeof s_instruments[0]; i++)
        if (sim_engine_add_instrument(engine, SIM_VENUE_COINDCX, &s_instruments[i], now_ms, err) < 0)
            return -1;
    return 0;
}

static void s_reset(void *state)
{
    cd_state_t *st = state;
    memset(st->rate, 0, sizeof st->rate);
}

static void s_handle(void *state, const sim_http_req_t *req, sim_http_resp_t *resp)
{
    cd_ctx_t c;
    memset(&c, 0, sizeof c);
    c.st = state;
    c.req = req;
    c.resp = resp;
    c.account = -1;
    c.now = req->now_ms;
    sim_resp_begin(resp, 200);
    const cd_route_t *route = NULL;
    for (size_t i = 0; i < CD_ROUTE_COUNT; i++)
        if (sim_req_path_is(req, s_routes[i].path)) {
            route = &s_routes[i];
            break;
        }
    if (!route && s_is_book_path(req) && strcmp(req->method, "GET") == 0) {
        s_orderbook(&c);
        return;
    }
    if (!route) {
        s_err(&c, 404, "Not Found");
        return;
    }
    bool method_ok = route->method ? strcmp(req->method, route->method) == 0
                                   : strcmp(req->method, "GET") == 0 || strcmp(req->method, "POST") == 0;
    if (!method_ok) {
        s_err(&c, 404, "Not Found");
        return;
    }
    if (req->body_too_large) {
        s_err(&c, 413, "Request Entity Too Large");
        return;
    }
    sim_params_init(&c.st->query);
    if (sim_params_parse(&c.st->query, req->query, req->query_len, false, NULL) < 0) {
        s_err(&c, 400, "Invalid query string");
        return;
    }
    if (route->private_) {
        if (s_authenticate(&c) < 0)
            goto done;
        if (!s_rate_ok(&c)) {
            s_err(&c, 429, "Too Many Requests");
            goto done;
        }
    }
    route->fn(&c);
done:
    json_free(&c.root);
}

static void s_fault_reply(void *state, sim_fault_kind_t kind, const sim_http_req_t *req, sim_http_resp_t *resp)
{
    cd_ctx_t c;
    memset(&c, 0, sizeof c);
    c.st = state;
    c.req = req;
    c.resp = resp;
    c.now = req->now_ms;
    sim_resp_begin(resp, 200);
    if (kind == SIM_FAULT_RATELIMIT)
        s_err(&c, 429, "Too Many Requests");
    else
        s_err(&c, 503, "Service Unavailable");
}

static const char *const s_secret_headers[] = {"X-AUTH-APIKEY", "X-AUTH-SIGNATURE", NULL};

const sim_dialect_t sim_dialect_coindcx = {
    .name = "coindcx",
    .venue = SIM_VENUE_COINDCX,
    .default_port = 9103,
    .state_size = sizeof(cd_state_t),
    .init = s_init,
    .fini = NULL,
    .handle = s_handle,
    .fault_reply = s_fault_reply,
    .reset = s_reset,
    .secret_headers = s_secret_headers,
    .secret_params = NULL,
};
