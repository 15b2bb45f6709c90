/* sim_coindcx: the CoinDCX futures dialect (see sim_coindcx.h). A private request goes through: body size ->
 * X-AUTH-APIKEY (401 "Invalid credentials" when missing or unknown) -> X-AUTH-SIGNATURE over the exact body
 * bytes (401) -> JSON object with a fresh "timestamp" (400) -> per-account limit (429) -> the handler. Public
 * routes (instrument data, current prices, candlesticks) need no signature.
 *
 * Unknown body fields are ignored, the way CoinDCX's API is observed to treat them; in particular an order's
 * `client_order_id` is accepted and ignored (CoinDCX futures documents no client id). Order ids and position
 * ids are UUID-shaped strings that carry the engine's numbers and a keyed check, so they parse back without a
 * table; a position id is fixed per (account, pair) as CoinDCX documents. This file holds the plug-in, routing,
 * authentication, body-field access and replies; the routes live in sim_coindcx_trading.c and
 * sim_coindcx_public.c (shared declarations: sim_coindcx_int.h). */
#include "sim_coindcx_int.h"

#include "base/decimal.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "crypto/crypto_hmac.h"
#include "json/json.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

void cd_fmt_id(int64_t id, uint32_t salt, char out[37])
{
    uint64_t h = s_mix((uint64_t)id ^ ((uint64_t)salt << 32));
    snprintf(out, 37, "%08" PRIx32 "-%04x-4%03x-%04x-%012" PRIx64, (uint32_t)(h >> 32),
             (unsigned)((h >> 16) & 0xffff), (unsigned)(h & 0xfff), (unsigned)(0x8000 | ((h >> 48) & 0x3fff)),
             (uint64_t)((uint64_t)id & 0xffffffffffffULL));
}

int64_t cd_parse_id(const char *s, size_t len, uint32_t salt)
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
    cd_fmt_id(id, salt, again);
    return memcmp(again, s, 36) == 0 ? id : 0;
}

/* Position id number: account and instrument index, fixed per pair. */
int64_t cd_pos_number(int account, int index)
{
    return ((int64_t)(account + 1) << 16) | (int64_t)(index + 1);
}

int cd_err(cd_ctx_t *c, int status, const char *fmt, ...)
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

void cd_begin(cd_ctx_t *c, jw_t *w)
{
    c->resp->status = 200;
    buf_reset(&c->resp->body);
    jw_init(w, &c->resp->body);
}

void cd_end(cd_ctx_t *c, jw_t *w)
{
    if (jw_failed(w))
        cd_err(c, 500, "Internal server error");
}

void cd_success(cd_ctx_t *c)
{
    jw_t w;
    cd_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "message");
    jw_string(&w, "success");
    jw_key(&w, "status");
    jw_int64(&w, 200);
    jw_key(&w, "code");
    jw_int64(&w, 200);
    jw_object_end(&w);
    cd_end(c, &w);
}

void cd_kv_num(jw_t *w, const char *k, decimal_t v)
{
    jw_key(w, k);
    jw_decimal_number(w, v);
}

void cd_kv_str(jw_t *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_string(w, v);
}

void cd_kv_null(jw_t *w, const char *k)
{
    jw_key(w, k);
    jw_null(w);
}

void cd_kv_dec_string(jw_t *w, const char *k, decimal_t v)
{
    jw_key(w, k);
    jw_decimal_string(w, v);
}

/* Leverage as CoinDCX prints it: 10.0 */
void cd_kv_lev(jw_t *w, const char *k, int lev)
{
    char t[16];
    snprintf(t, sizeof t, "%d.0", lev);
    jw_key(w, k);
    jw_raw(w, t);
}

/* Fee rate as a percent (0.0005 -> 0.05). */
decimal_t cd_pct(decimal_t rate)
{
    decimal_t out = DECIMAL_ZERO;
    decimal_mul(rate, decimal_from_int(100), 8, DECIMAL_ROUND_HALF_UP, &out, NULL);
    return out;
}

/* ---------------------------------------------------------------------------------------------------------
 * Body fields (unknown fields are ignored) */

/* String field: 1 present, 0 absent or null, -1 after failing the request (not a string / too long). */
int cd_str(cd_ctx_t *c, const json_t *obj, const char *name, char *buf, size_t cap)
{
    const json_t *v = json_get(obj, name);
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    size_t n = 0;
    const char *s = json_kind(v) == JSON_STRING ? json_string(v, &n) : NULL;
    if (!s || n >= cap || memchr(s, '\0', n))
        return cd_err(c, 400, "%s is invalid", name);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return 1;
}

int cd_need_str(cd_ctx_t *c, const json_t *obj, const char *name, char *buf, size_t cap)
{
    int r = cd_str(c, obj, name, buf, cap);
    if (r == 0)
        return cd_err(c, 400, "%s is missing", name);
    return r < 0 ? -1 : 0;
}

/* Decimal field from a number token or a numeric string: 1 present, 0 absent/null, -1 after failing. */
int cd_dec(cd_ctx_t *c, const json_t *obj, const char *name, decimal_t *out)
{
    const json_t *v = json_get(obj, name);
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    if ((json_kind(v) != JSON_NUMBER && json_kind(v) != JSON_STRING) || json_decimal(v, out, NULL) < 0)
        return cd_err(c, 400, "%s is invalid", name);
    return 1;
}

/* Integer-valued field (5, 5.0, "5"): 1 present, 0 absent, -1 after failing. */
int cd_int(cd_ctx_t *c, const json_t *obj, const char *name, int64_t *out)
{
    decimal_t d;
    int r = cd_dec(c, obj, name, &d);
    if (r <= 0)
        return r;
    if (!decimal_is_multiple(d, decimal_from_int(1)) || decimal_to_int(d, out) < 0)
        return cd_err(c, 400, "%s is invalid", name);
    return 1;
}

/* margin_currency_short_name: "USDT" or ["USDT", ...]; INR alone is refused (not simulated). */
int cd_margin_currency(cd_ctx_t *c, const json_t *obj)
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
        return cd_err(c, 400, "margin_currency_short_name does not have a valid value");
    if (!usdt)
        return cd_err(c, 422, "INR margined futures are not available");
    return 1;
}

const sim_instrument_t *cd_pair(cd_ctx_t *c, const char *pair)
{
    return sim_engine_instrument(c->st->engine, SIM_VENUE_COINDCX, pair);
}

/* Page and size ("1", "10", or numbers): defaults 1 and 10; -1 after failing. */
int cd_paging(cd_ctx_t *c, const json_t *obj, bool required, int64_t *page, int64_t *size)
{
    *page = 1;
    *size = 10;
    int rp = cd_int(c, obj, "page", page);
    if (rp < 0)
        return -1;
    int rs = cd_int(c, obj, "size", size);
    if (rs < 0)
        return -1;
    if (required && rp == 0)
        return cd_err(c, 400, "page is missing");
    if (required && rs == 0)
        return cd_err(c, 400, "size is missing");
    if (*page < 1 || *size < 1 || *size > CD_LIST_MAX)
        return cd_err(c, 400, "page or size is invalid");
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Engine results */

int cd_fail_engine(cd_ctx_t *c, sim_result_t r, const sim_order_req_t *req)
{
    char t[DECIMAL_STR_MAX];
    const sim_instrument_t *in = req ? req->inst : NULL;
    switch (r) {
    case SIM_REJ_UNKNOWN_SYMBOL:
        return cd_err(c, 400, "pair does not have a valid value");
    case SIM_REJ_QTY_NOT_POSITIVE:
    case SIM_REJ_QTY_MIN:
        decimal_format(in ? in->min_qty : DECIMAL_ZERO, t, sizeof t);
        return cd_err(c, 422, "Quantity should be greater than %s", t);
    case SIM_REJ_QTY_MAX:
        if (in && req->type == SIM_TYPE_MARKET) {
            decimal_format(in->max_mkt_qty, t, sizeof t);
            return cd_err(c, 422, "Quantity for market variant orders should be less than %s", t);
        }
        decimal_format(in ? in->max_qty : DECIMAL_ZERO, t, sizeof t);
        return cd_err(c, 422, "Quantity for limit variant orders should be less than %s", t);
    case SIM_REJ_QTY_STEP:
        decimal_format(in ? in->step : DECIMAL_ZERO, t, sizeof t);
        return cd_err(c, 400, "Quantity should be divisible by %s", t);
    case SIM_REJ_PRICE_MIN:
    case SIM_REJ_PRICE_MAX:
        return cd_err(c, 400, "Price is out of permissible range");
    case SIM_REJ_PRICE_TICK:
        decimal_format(in ? in->tick : DECIMAL_ZERO, t, sizeof t);
        return cd_err(c, 400, "Price should be divisible by %s", t);
    case SIM_REJ_MIN_NOTIONAL:
        decimal_format(in ? in->min_notional : DECIMAL_ZERO, t, sizeof t);
        return cd_err(c, 400, "Minimum order value should be %s USDT", t);
    case SIM_REJ_MARGIN:
        return cd_err(c, 400, "Insufficient funds");
    case SIM_REJ_WOULD_TRIGGER: {
        bool rising = req && (req->side == SIM_SIDE_BUY) ==
                                 (req->type == SIM_TYPE_STOP || req->type == SIM_TYPE_STOP_MARKET);
        return cd_err(c, 400, rising ? "Trigger price should be greater than the current price"
                                    : "Trigger price should be less than the current price");
    }
    case SIM_REJ_REDUCE_ONLY:
        return cd_err(c, 422, "Position is not active");
    case SIM_REJ_MAX_OPEN_ORDERS:
        return cd_err(c, 400, "Maximum number of open orders reached");
    case SIM_REJ_LEVERAGE:
        return cd_err(c, 400, "Leverage cannot be less than 1x");
    case SIM_REJ_NOT_FOUND:
        return cd_err(c, 404, "Order not found");
    case SIM_REJ_NOT_OPEN:
        return cd_err(c, 400, "This order cannot be cancelled");
    case SIM_REJ_UNKNOWN_ACCOUNT:
        return cd_err(c, 401, "Invalid credentials");
    default:
        return cd_err(c, 500, "Invalid input");
    }
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
    {"POST", CD_F "/orders/create", true, cd_orders_create},
    {"POST", CD_F "/orders", true, cd_orders_list},
    {"POST", CD_F "/orders/cancel", true, cd_orders_cancel},
    {"POST", CD_F "/orders/edit", true, cd_orders_edit},
    {"POST", CD_F "/positions", true, cd_positions},
    {"POST", CD_F "/positions/update_leverage", true, cd_update_leverage},
    {"POST", CD_F "/positions/margin_type", true, cd_margin_type},
    {"POST", CD_F "/positions/cancel_all_open_orders", true, cd_cancel_all},
    {"POST", CD_F "/positions/cancel_all_open_orders_for_position", true, cd_cancel_all_for_position},
    {"POST", CD_F "/positions/exit", true, cd_exit},
    {NULL, CD_F "/positions/cross_margin_details", true, cd_cross_margin_details},
    {"GET", CD_F "/wallets", true, cd_wallets},
    {"POST", CD_F "/trades", true, cd_trades},
    {"GET", CD_F "/data/instrument", false, cd_data_instrument},
    {"GET", CD_F "/data/active_instruments", false, cd_active_instruments},
    {"GET", "/market_data/v3/current_prices/futures/rt", false, cd_current_prices},
    {"GET", "/market_data/candlesticks", false, cd_candlesticks},
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
        return cd_err(c, 401, "Invalid credentials");
    const sim_account_t *a = sim_engine_account_by_key(c->st->engine, key, strlen(key));
    if (!a)
        return cd_err(c, 401, "Invalid credentials");
    char want[CRYPTO_HEX_SHA256_LEN], got[CRYPTO_HEX_SHA256_LEN];
    if (strlen(sign) != 64 || crypto_hmac_sign_hex(a->hmac, c->req->body, c->req->body_len, want) < 0)
        return cd_err(c, 401, "Invalid credentials");
    for (size_t i = 0; i < 64; i++)
        got[i] = (char)tolower((unsigned char)sign[i]);
    got[64] = '\0';
    if (!crypto_ct_streq(want, got))
        return cd_err(c, 401, "Invalid credentials");
    err_t err;
    c->root = json_parse(c->req->body, c->req->body_len, SIM_MAX_BODY, JSON_DEFAULT_MAX_DEPTH, &err);
    if (!c->root || json_kind(c->root) != JSON_OBJECT)
        return cd_err(c, 400, "Invalid request: the body must be a JSON object");
    c->body = c->root;
    const json_t *tsv = json_get(c->body, "timestamp");
    int64_t ts;
    if (!tsv || json_kind(tsv) == JSON_NULL)
        return cd_err(c, 400, "timestamp is missing");
    if (json_kind(tsv) != JSON_NUMBER || json_int64(tsv, &ts, NULL) < 0 || ts <= 0)
        return cd_err(c, 400, "timestamp is invalid");
    if (ts < 100000000000LL) /* the request tables say seconds; the samples send ms: take both */
        ts *= 1000;
    if (ts < c->now - CD_TS_MAX_AGE_MS || ts > c->now + CD_TS_MAX_AHEAD_MS)
        return cd_err(c, 400, "Request expired: timestamp is outside the allowed window");
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
    if (!route && cd_is_book_path(req) && strcmp(req->method, "GET") == 0) {
        cd_orderbook(&c);
        return;
    }
    if (!route) {
        cd_err(&c, 404, "Not Found");
        return;
    }
    bool method_ok = route->method ? strcmp(req->method, route->method) == 0
                                   : strcmp(req->method, "GET") == 0 || strcmp(req->method, "POST") == 0;
    if (!method_ok) {
        cd_err(&c, 404, "Not Found");
        return;
    }
    if (req->body_too_large) {
        cd_err(&c, 413, "Request Entity Too Large");
        return;
    }
    sim_params_init(&c.st->query);
    if (sim_params_parse(&c.st->query, req->query, req->query_len, false, NULL) < 0) {
        cd_err(&c, 400, "Invalid query string");
        return;
    }
    if (route->private_) {
        if (s_authenticate(&c) < 0)
            goto done;
        if (!s_rate_ok(&c)) {
            cd_err(&c, 429, "Too Many Requests");
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
        cd_err(&c, 429, "Too Many Requests");
    else
        cd_err(&c, 503, "Service Unavailable");
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
