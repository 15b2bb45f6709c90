/* sim_binance: the Binance USD-M futures dialect (venues.md section 1). A request goes through: endpoint
 * lookup (method + path), IP weight and bans, parameter parsing (query then form body, the query winning on
 * a name sent in both), the allowed-parameter check (-1104), key / timestamp / recvWindow / signature checks
 * for keyed and signed endpoints, order-rate counting, and finally the endpoint's handler, which calls the
 * engine and writes Binance's JSON (decimals as strings, ids and times as integers) or {"code","msg"}.
 * Choices on UNCONFIRMED points are listed in README.md. */
#include "sim_binance_int.h"

#include "base/log.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "crypto/crypto_hmac.h"
#include "json/json.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const s_secret_headers[] = {"X-MBX-APIKEY", NULL};
static const char *const s_secret_params[] = {"signature", NULL};

/* ---- errors ---- */

void bn_err(s_ctx_t *c, int http, int code, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* messages may quote request bytes (a path): keep the JSON valid UTF-8 whatever was sent */
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    sim_resp_begin(c->resp, http);
    jw_t w;
    jw_init(&w, &c->resp->body);
    jw_object_begin(&w);
    jw_key(&w, "code");
    jw_int64(&w, code);
    jw_key(&w, "msg");
    jw_string(&w, msg);
    jw_object_end(&w);
    c->failed = true;
}

void bn_missing(s_ctx_t *c, const char *name)
{
    bn_err(c, 400, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name);
}

/* ---- parameters ---- */

const char *bn_get(s_ctx_t *c, const char *name)
{
    const char *v = sim_params_get(&c->params, name);
    return v && *v ? v : NULL;
}

const char *bn_need(s_ctx_t *c, const char *name)
{
    const char *v = bn_get(c, name);
    if (!v && !c->failed)
        bn_missing(c, name);
    return v;
}

/* Integer parameter: absent leaves *out and returns 0; malformed is -1100. Returns -1 on error. */
int bn_int(s_ctx_t *c, const char *name, int64_t *out, bool required)
{
    const char *v = required ? bn_need(c, name) : bn_get(c, name);
    if (!v)
        return required ? -1 : 0;
    size_t n = strlen(v);
    bool neg = v[0] == '-';
    if (n == 0 || n > 19 + (size_t)neg || n == (size_t)neg) {
        bn_err(c, 400, -1100, "Illegal characters found in parameter '%s'; legal range is '^[0-9]{1,20}$'.", name);
        return -1;
    }
    for (size_t i = (size_t)neg; i < n; i++)
        if (!isdigit((unsigned char)v[i])) {
            bn_err(c, 400, -1100, "Illegal characters found in parameter '%s'; legal range is '^[0-9]{1,20}$'.",
                  name);
            return -1;
        }
    *out = strtoll(v, NULL, 10);
    return 0;
}

/* Decimal parameter. precision >= 0 refuses more decimals than that with -1111. Absent: 0 (or -1102). */
int bn_dec(s_ctx_t *c, const char *name, decimal_t *out, bool required, int precision)
{
    const char *v = required ? bn_need(c, name) : bn_get(c, name);
    if (!v)
        return required ? -1 : 0;
    if (decimal_from_str(v, out, NULL) != 0) {
        bn_err(c, 400, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name);
        return -1;
    }
    if (precision >= 0 && out->scale > precision) {
        bn_err(c, 400, -1111, "Precision is over the maximum defined for this asset.");
        return -1;
    }
    return 0;
}

int bn_bool(s_ctx_t *c, const char *name, bool *out)
{
    const char *v = bn_get(c, name);
    if (!v)
        return 0;
    if (strcasecmp(v, "true") == 0)
        *out = true;
    else if (strcasecmp(v, "false") == 0)
        *out = false;
    else {
        bn_err(c, 400, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name);
        return -1;
    }
    return 0;
}

const sim_instrument_t *bn_symbol(s_ctx_t *c, bool required)
{
    const char *v = required ? bn_need(c, "symbol") : bn_get(c, "symbol");
    if (!v)
        return NULL;
    const sim_instrument_t *in = sim_engine_instrument(c->eng, SIM_VENUE_BINANCE, v);
    if (!in && !c->failed)
        bn_err(c, 400, -1121, "Invalid symbol.");
    return in;
}

/* ---- arithmetic for display values (bounded inputs; an overflow shows as zero) ---- */

decimal_t bn_mul8(decimal_t a, decimal_t b)
{
    decimal_t r;
    return decimal_mul(a, b, 8, DECIMAL_ROUND_HALF_EVEN, &r, NULL) == 0 ? r : DECIMAL_ZERO;
}

decimal_t bn_add(decimal_t a, decimal_t b)
{
    decimal_t r;
    return decimal_add(a, b, &r, NULL) == 0 ? r : a;
}

decimal_t bn_sub(decimal_t a, decimal_t b)
{
    decimal_t r;
    return decimal_sub(a, b, &r, NULL) == 0 ? r : a;
}

/* ---- JSON helpers ---- */

void bn_begin_ok(s_ctx_t *c)
{
    jw_init(&c->w, &c->resp->body);
}

void bn_kfix(jw_t *w, const char *key, decimal_t v, int scale)
{
    char text[DECIMAL_STR_MAX + 24];
    if (decimal_format_fixed(v, (uint8_t)scale, DECIMAL_ROUND_HALF_EVEN, text, sizeof text) == 0)
        decimal_format(v, text, sizeof text);
    jw_key(w, key);
    jw_string(w, text);
}

void bn_kdec(jw_t *w, const char *key, decimal_t v)
{
    jw_key(w, key);
    jw_decimal_string(w, v);
}

void bn_kstr(jw_t *w, const char *key, const char *v)
{
    jw_key(w, key);
    jw_string(w, v);
}

void bn_kint(jw_t *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int64(w, v);
}

void bn_kbool(jw_t *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

const char *bn_side_name(sim_side_t s)
{
    return s == SIM_SIDE_BUY ? "BUY" : "SELL";
}

const char *bn_type_name(sim_type_t t)
{
    static const char *n[] = {"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                              "TRAILING_STOP_MARKET"};
    return n[t];
}

const char *bn_tif_name(sim_tif_t t)
{
    static const char *n[] = {"GTC", "IOC", "FOK", "GTX", "GTD"};
    return n[t];
}

const char *bn_pos_name(sim_pos_side_t p)
{
    static const char *n[] = {"BOTH", "LONG", "SHORT"};
    return n[p];
}

const char *bn_status_name(sim_status_t s)
{
    switch (s) {
    case SIM_ST_NEW:
    case SIM_ST_UNTRIGGERED:
        return "NEW";
    case SIM_ST_PARTIALLY_FILLED:
        return "PARTIALLY_FILLED";
    case SIM_ST_FILLED:
        return "FILLED";
    case SIM_ST_CANCELED:
        return "CANCELED";
    case SIM_ST_EXPIRED:
        return "EXPIRED";
    case SIM_ST_TRIGGERED:
        return "TRIGGERED";
    case SIM_ST_REJECTED:
        return "REJECTED";
    }
    return "NEW";
}

int bn_parse_enum(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}


const char *const bn_types[] = {"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                                      "TRAILING_STOP_MARKET"};
const char *const bn_tifs[] = {"GTC", "IOC", "FOK", "GTX", "GTD"};
const char *const bn_possides[] = {"BOTH", "LONG", "SHORT"};

int bn_weight_limit(const s_ctx_t *c)
{
    const sim_engine_config_t *cfg = sim_engine_config(c->eng);
    if (!cfg->rate_limits)
        return SIM_LIMIT_UNLIMITED;
    return cfg->rate_limit_per_min > 0 ? cfg->rate_limit_per_min : BN_WEIGHT_LIMIT;
}

int bn_orders_limit_10s(const s_ctx_t *c)
{
    return sim_engine_config(c->eng)->rate_limits ? BN_ORDERS_10S : SIM_LIMIT_UNLIMITED;
}

int bn_orders_limit_1m(const s_ctx_t *c)
{
    return sim_engine_config(c->eng)->rate_limits ? BN_ORDERS_1M : SIM_LIMIT_UNLIMITED;
}

/* ---- endpoint table ---- */

#define P_ORDER "symbol side positionSide type timeInForce quantity reduceOnly price newClientOrderId " \
                "newOrderRespType priceMatch selfTradePreventionMode goodTillDate " \
                "stopPrice workingType priceProtect closePosition activationPrice callbackRate"
#define P_ALGO "algoType symbol side positionSide type timeInForce quantity price triggerPrice workingType " \
               "priceMatch closePosition priceProtect reduceOnly activatePrice callbackRate clientAlgoId " \
               "selfTradePreventionMode goodTillDate newOrderRespType"

static const s_ep_t s_eps[] = {
    {"GET", "/fapi/v1/ping", SEC_NONE, 1, 0, false, "", bn_ping},
    {"GET", "/fapi/v1/time", SEC_NONE, 1, 0, false, "", bn_time},
    {"GET", "/fapi/v1/exchangeInfo", SEC_NONE, 1, 0, false, "", bn_exchange_info},
    {"GET", "/fapi/v1/ticker/price", SEC_NONE, 1, 2, false, "symbol", bn_ticker_price},
    {"GET", "/fapi/v2/ticker/price", SEC_NONE, 1, 2, false, "symbol", bn_ticker_price},
    {"GET", "/fapi/v1/ticker/bookTicker", SEC_NONE, 2, 5, false, "symbol", bn_book_ticker},
    {"GET", "/fapi/v1/premiumIndex", SEC_NONE, 1, 10, false, "symbol", bn_premium_index},
    {"GET", "/fapi/v1/ticker/24hr", SEC_NONE, 1, 40, false, "symbol", bn_ticker_24hr},
    {"GET", "/fapi/v1/depth", SEC_NONE, 5, 0, false, "symbol limit", bn_depth},
    {"GET", "/fapi/v1/klines", SEC_NONE, 0, 0, false, "symbol interval startTime endTime limit", bn_klines},
    {"POST", "/fapi/v1/order", SEC_SIGNED, 0, 0, true, P_ORDER, bn_order_new},
    {"GET", "/fapi/v1/order", SEC_SIGNED, 1, 0, false, "symbol orderId origClientOrderId", bn_order_get},
    {"DELETE", "/fapi/v1/order", SEC_SIGNED, 1, 0, false, "symbol orderId origClientOrderId", bn_order_cancel},
    {"DELETE", "/fapi/v1/allOpenOrders", SEC_SIGNED, 1, 0, false, "symbol", bn_all_open_cancel},
    {"GET", "/fapi/v1/openOrders", SEC_SIGNED, 1, 40, false, "symbol", bn_open_orders},
    {"GET", "/fapi/v1/openOrder", SEC_SIGNED, 1, 0, false, "symbol orderId origClientOrderId", bn_open_order},
    {"GET", "/fapi/v1/allOrders", SEC_SIGNED, 5, 0, false, "symbol orderId startTime endTime limit", bn_all_orders},
    {"POST", "/fapi/v1/algoOrder", SEC_SIGNED, 0, 0, true, P_ALGO, bn_algo_new},
    {"GET", "/fapi/v1/algoOrder", SEC_SIGNED, 1, 0, false, "symbol algoId clientAlgoId", bn_algo_get},
    {"DELETE", "/fapi/v1/algoOrder", SEC_SIGNED, 1, 0, false, "symbol algoId clientAlgoId", bn_algo_cancel},
    {"DELETE", "/fapi/v1/algoOpenOrders", SEC_SIGNED, 1, 0, false, "symbol", bn_algo_open_cancel},
    {"GET", "/fapi/v1/openAlgoOrders", SEC_SIGNED, 1, 40, false, "symbol algoType", bn_open_algo},
    {"GET", "/fapi/v1/allAlgoOrders", SEC_SIGNED, 5, 0, false, "symbol algoId startTime endTime limit", bn_all_algo},
    {"GET", "/fapi/v2/positionRisk", SEC_SIGNED, 5, 0, false, "symbol", bn_position_risk_v2},
    {"GET", "/fapi/v3/positionRisk", SEC_SIGNED, 5, 0, false, "symbol", bn_position_risk_v3},
    {"GET", "/fapi/v2/balance", SEC_SIGNED, 5, 0, false, "", bn_balance},
    {"GET", "/fapi/v3/balance", SEC_SIGNED, 5, 0, false, "", bn_balance},
    {"GET", "/fapi/v2/account", SEC_SIGNED, 5, 0, false, "", bn_account_v2},
    {"GET", "/fapi/v3/account", SEC_SIGNED, 5, 0, false, "", bn_account_v3},
    {"POST", "/fapi/v1/leverage", SEC_SIGNED, 1, 0, false, "symbol leverage", bn_leverage},
    {"GET", "/fapi/v1/leverageBracket", SEC_SIGNED, 1, 0, false, "symbol", bn_leverage_bracket},
    {"POST", "/fapi/v1/marginType", SEC_SIGNED, 1, 0, false, "symbol marginType", bn_margin_type},
    {"GET", "/fapi/v1/positionSide/dual", SEC_SIGNED, 30, 0, false, "", bn_dual_get},
    {"POST", "/fapi/v1/positionSide/dual", SEC_SIGNED, 1, 0, false, "dualSidePosition", bn_dual_set},
    {"GET", "/fapi/v1/userTrades", SEC_SIGNED, 5, 0, false, "symbol orderId startTime endTime fromId limit",
     bn_user_trades},
    {"POST", "/fapi/v1/listenKey", SEC_KEY, 1, 0, false, "", bn_listen_key},
    {"PUT", "/fapi/v1/listenKey", SEC_KEY, 1, 0, false, "", bn_listen_key},
    {"DELETE", "/fapi/v1/listenKey", SEC_KEY, 1, 0, false, "", bn_listen_key},
};

static bool s_allowed(const s_ep_t *ep, const char *name)
{
    if (ep->sec == SEC_SIGNED &&
        (strcmp(name, "timestamp") == 0 || strcmp(name, "recvWindow") == 0 || strcmp(name, "signature") == 0))
        return true;
    size_t n = strlen(name);
    for (const char *p = ep->params; *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return true;
        p += len + (e ? 1 : 0);
    }
    return false;
}

static int s_klines_weight(s_ctx_t *c)
{
    const char *l = sim_params_get(&c->params, "limit");
    long long limit = l ? strtoll(l, NULL, 10) : 500;
    return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

/* ---- rate limits ---- */

static s_ip_t *s_ip(s_bn_t *bn, const char *peer, int64_t now_ms)
{
    s_ip_t *oldest = &bn->ips[0];
    for (int i = 0; i < BN_MAX_IPS; i++) {
        if (strcmp(bn->ips[i].ip, peer) == 0)
            return &bn->ips[i];
        if (bn->ips[i].seen_ms < oldest->seen_ms)
            oldest = &bn->ips[i];
    }
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->ip, sizeof oldest->ip, "%s", peer);
    oldest->seen_ms = now_ms;
    return oldest;
}

/* Charges weight to the caller's IP. Returns 0, or -1 with a 429/418 reply written. */
static int s_charge_ip(s_ctx_t *c)
{
    const sim_engine_config_t *cfg = sim_engine_config(c->eng);
    int64_t now = c->req->now_ms;
    s_ip_t *ip = s_ip(c->bn, c->req->peer ? c->req->peer : "?", now);
    ip->seen_ms = now;
    if (ip->minute != now / 60000) {
        ip->minute = now / 60000;
        ip->weight = 0;
        ip->refused = 0;
    }
    if (cfg->rate_limits && ip->banned_until > now) {
        bn_err(c, 418, -1003,
              "Way too many requests; IP(%s) banned until %lld. Please use the websocket for live updates to "
              "avoid bans.", ip->ip, (long long)ip->banned_until);
        sim_resp_header(c->resp, "Retry-After", "%lld", (long long)((ip->banned_until - now + 999) / 1000));
        c->resp->retry_after_s = (ip->banned_until - now + 999) / 1000;
        c->used_weight = ip->weight;
        return -1;
    }
    int limit = bn_weight_limit(c);
    if (cfg->rate_limits && ip->weight + c->weight > limit) {
        if (++ip->refused > BN_BAN_AFTER) {
            ip->banned_until = now + BN_BAN_MS;
            bn_err(c, 418, -1003,
                  "Way too many requests; IP(%s) banned until %lld. Please use the websocket for live updates to "
                  "avoid bans.", ip->ip, (long long)ip->banned_until);
            c->resp->retry_after_s = BN_BAN_MS / 1000;
        } else {
            bn_err(c, 429, -1003,
                  "Too many requests; current limit of IP(%s) is %d requests per minute. Please use the websocket "
                  "for live updates to avoid bans.", ip->ip, limit);
            c->resp->retry_after_s = (60000 - now % 60000 + 999) / 1000;
        }
        sim_resp_header(c->resp, "Retry-After", "%lld", (long long)c->resp->retry_after_s);
        c->used_weight = ip->weight;
        return -1;
    }
    ip->weight += c->weight;
    c->used_weight = ip->weight;
    return 0;
}

/* Counts an order toward the account's ORDERS limits. Returns 0, or -1 with a 429 -1015 reply written. */
static int s_count_order(s_ctx_t *c, int *n10, int *n60)
{
    s_bn_t *bn = c->bn;
    if ((size_t)c->account >= bn->n_orders) {
        size_t n = (size_t)sim_engine_account_count(c->eng);
        bn->orders = mem_realloc(bn->orders, n * sizeof bn->orders[0]);
        memset(bn->orders + bn->n_orders, 0, (n - bn->n_orders) * sizeof bn->orders[0]);
        bn->n_orders = n;
    }
    s_ordcount_t *oc = &bn->orders[c->account];
    int64_t now = c->req->now_ms;
    if (oc->win10 != now / 10000) {
        oc->win10 = now / 10000;
        oc->n10 = 0;
    }
    if (oc->win60 != now / 60000) {
        oc->win60 = now / 60000;
        oc->n60 = 0;
    }
    bool limits = sim_engine_config(c->eng)->rate_limits;
    int limit10 = bn_orders_limit_10s(c), limit60 = bn_orders_limit_1m(c);
    if (limits && oc->n10 >= limit10) {
        bn_err(c, 429, -1015, "Too many new orders; current limit is %d orders per TEN_SECONDS.", limit10);
        *n10 = oc->n10;
        *n60 = oc->n60;
        return -1;
    }
    if (limits && oc->n60 >= limit60) {
        bn_err(c, 429, -1015, "Too many new orders; current limit is %d orders per MINUTE.", limit60);
        *n10 = oc->n10;
        *n60 = oc->n60;
        return -1;
    }
    *n10 = ++oc->n10;
    *n60 = ++oc->n60;
    return 0;
}

/* ---- authentication ---- */

/* The signed text of a query or body: the text minus the raw bytes of the signature pair (and the '&' that joins
 * it), as the two parts around it (the second empty when the signature is elsewhere). */
static void s_strip_sig(const char *text, size_t len, const sim_param_t *sig, crypto_part_t out[2])
{
    if (!sig || sig->raw < text || sig->raw >= text + len) {
        out[0] = (crypto_part_t){text, len};
        out[1] = (crypto_part_t){NULL, 0};
        return;
    }
    size_t start = (size_t)(sig->raw - text), end = start + sig->raw_len;
    if (start > 0 && text[start - 1] == '&')
        start--;
    else if (end < len && text[end] == '&')
        end++;
    out[0] = (crypto_part_t){text, start};
    out[1] = (crypto_part_t){text + end, len - end};
}

static int s_auth(s_ctx_t *c)
{
    const char *key = sim_req_header(c->req, "X-MBX-APIKEY");
    if (!key || !*key) {
        bn_err(c, 401, -2014, "API-key format invalid.");
        return -1;
    }
    const sim_account_t *acct = sim_engine_account_by_key(c->eng, key, strlen(key));
    if (!acct) {
        bn_err(c, 401, -2015, "Invalid API-key, IP, or permissions for action, request ip: %s",
              c->req->peer ? c->req->peer : "?");
        return -1;
    }
    c->account = acct->id;
    if (c->ep->sec != SEC_SIGNED)
        return 0;
    int64_t ts = 0, rw = BN_RECV_WINDOW;
    if (bn_int(c, "timestamp", &ts, true) || bn_int(c, "recvWindow", &rw, false))
        return -1;
    if (rw <= 0 || rw > BN_RECV_WINDOW_MAX) {
        bn_err(c, 400, -1131, "recvWindow must be less than %d", BN_RECV_WINDOW_MAX);
        return -1;
    }
    int64_t now = c->req->now_ms;
    if (ts >= now + 1000) {
        bn_err(c, 400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
        return -1;
    }
    if (now - ts > rw) {
        bn_err(c, 400, -1021, "Timestamp for this request is outside of the recvWindow.");
        return -1;
    }
    const sim_param_t *sig = sim_params_find(&c->params, "signature");
    if (!sig || sig->value_len == 0) {
        bn_missing(c, "signature");
        return -1;
    }
    char given[CRYPTO_HEX_SHA256_LEN];
    if (sig->value_len != 64) {
        bn_err(c, 400, -1022, "Signature for this request is not valid.");
        return -1;
    }
    for (size_t i = 0; i < 64; i++)
        given[i] = (char)tolower((unsigned char)sig->value[i]);
    given[64] = '\0';
    crypto_part_t msg[4]; /* query then body, each without the signature pair */
    s_strip_sig(c->req->query, c->req->query_len, sig, msg);
    s_strip_sig(c->req->body, c->req->body_len, sig, msg + 2);
    char want[CRYPTO_HEX_SHA256_LEN];
    bool ok = crypto_hmac_sign_parts_hex(acct->hmac, msg, 4, want) == 0 && crypto_ct_streq(want, given);
    if (!ok) {
        bn_err(c, 400, -1022, "Signature for this request is not valid.");
        return -1;
    }
    return 0;
}

/* ---- request entry ---- */

static const s_ep_t *s_route(const sim_http_req_t *req, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < sizeof s_eps / sizeof s_eps[0]; i++) {
        if (!sim_req_path_is(req, s_eps[i].path))
            continue;
        *path_known = true;
        if (strcmp(req->method, s_eps[i].method) == 0)
            return &s_eps[i];
    }
    return NULL;
}

/* Parses query and body; refuses malformed text (-1100), a name twice in one part (-1101), and names the
 * endpoint does not take (-1104). */
static int s_parse(s_ctx_t *c)
{
    err_t err;
    sim_params_init(&c->params);
    if (sim_params_parse(&c->params, c->req->query, c->req->query_len, false, &err) != 0 ||
        sim_params_parse(&c->params, c->req->body, c->req->body_len, true, &err) != 0) {
        bn_err(c, 400, -1100, "Illegal characters found in a parameter. (%s)", err.msg);
        return -1;
    }
    size_t distinct = 0, unread = 0;
    for (size_t i = 0; i < c->params.count; i++) {
        const sim_param_t *p = &c->params.items[i];
        bool seen = false;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->params.items[j].name, p->name) != 0)
                continue;
            if (c->params.items[j].from_body == p->from_body) {
                bn_err(c, 400, -1101, "Duplicate values for a parameter detected.");
                return -1;
            }
            seen = true;
        }
        if (seen)
            continue;
        distinct++;
        if (!s_allowed(c->ep, p->name))
            unread++;
    }
    if (unread) {
        bn_err(c, 400, -1104, "Not all sent parameters were read; read '%zu' parameter(s) but was sent '%zu'.",
              distinct - unread, distinct);
        return -1;
    }
    return 0;
}

static void s_handle(void *state, const sim_http_req_t *req, sim_http_resp_t *resp)
{
    s_bn_t *bn = state;
    if (!bn->ctx)
        bn->ctx = mem_alloc(sizeof *bn->ctx); /* ~9 KiB of parameters: kept off the stack, allocated once */
    s_ctx_t *c = bn->ctx;
    memset(c, 0, offsetof(s_ctx_t, params));
    c->bn = bn;
    c->eng = bn->eng;
    c->req = req;
    c->resp = resp;
    c->account = -1;
    sim_params_init(&c->params);
    sim_resp_begin(resp, 200);
    bool known = false;
    c->ep = s_route(req, &known);
    if (!c->ep) {
        bn_err(c, 404, -5000, "Path %.*s, Method %s is invalid", (int)(req->path_len > 200 ? 200 : req->path_len),
              req->path, req->method);
        goto done;
    }
    c->weight = c->ep->weight;
    if (req->body_too_large) {
        bn_err(c, 413, -1000, "Request body too large.");
        goto done;
    }
    if (s_parse(c) != 0)
        goto done;
    if (c->ep->fn == bn_klines)
        c->weight = s_klines_weight(c);
    else if (c->ep->weight_nosym && !sim_params_get(&c->params, "symbol"))
        c->weight = c->ep->weight_nosym;
    if (s_charge_ip(c) != 0)
        goto headers;
    if (c->ep->sec != SEC_NONE && s_auth(c) != 0)
        goto headers;
    int n10 = 0, n60 = 0;
    if (c->ep->counts_order) {
        int rc = s_count_order(c, &n10, &n60);
        sim_resp_header(resp, "X-MBX-ORDER-COUNT-10S", "%d", n10);
        sim_resp_header(resp, "X-MBX-ORDER-COUNT-1M", "%d", n60);
        if (rc != 0)
            goto headers;
    }
    c->ep->fn(c);
    if (!c->failed && jw_failed(&c->w))
        bn_err(c, 500, -1000, "An unknown error occured while processing the request.");
headers:
    sim_resp_header(resp, "X-MBX-USED-WEIGHT-1M", "%d", c->used_weight);
done:
    c->req = NULL;
    c->resp = NULL;
}

/* ---- hooks ---- */

static const sim_instrument_def_t s_instruments[] = {
    {"BTCUSDT", "BTC", "USDT", "0.1", "0.001", "0.001", "1000", "120", "261.1", "809484", "5", "95000", 125, 200},
    {"ETHUSDT", "ETH", "USDT", "0.01", "0.001", "0.001", "10000", "2000", "39.86", "306177", "5", "3500", 100, 200},
    {"SOLUSDT", "SOL", "USDT", "0.01", "1", "1", "1000000", "5000", "0.42", "6857", "5", "180", 100, 200},
    {"XRPUSDT", "XRP", "USDT", "0.0001", "0.1", "0.1", "10000000", "1000000", "0.0143", "100000", "5", "2.3", 75,
     200},
    {"DOGEUSDT", "DOGE", "USDT", "0.00001", "1", "1", "50000000", "30000000", "0.00244", "30", "5", "0.38", 75, 200},
    {"1000PEPEUSDT", "1000PEPE", "USDT", "0.0000001", "1", "1", "800000000", "80000000", "0.0000001", "10", "5",
     "0.0123456", 50, 200},
};

static int s_init(void *state, sim_engine_t *engine, int64_t now_ms, err_t *err)
{
    s_bn_t *bn = state;
    bn->eng = engine;
    bn->started_ms = now_ms;
    for (size_t i = 0; i < sizeof s_instruments / sizeof s_instruments[0]; i++)
        if (sim_engine_add_instrument(engine, SIM_VENUE_BINANCE, &s_instruments[i], now_ms, err) != 0)
            return -1;
    /* as on Binance: BTCUSDT's tick is 0.10 but prices may carry 2 decimals (a tick error, not a precision one) */
    sim_engine_set_precision(engine, SIM_VENUE_BINANCE, "BTCUSDT", 2, 3);
    return 0;
}

static void s_fini(void *state)
{
    s_bn_t *bn = state;
    mem_free(bn->orders);
    bn->orders = NULL;
    bn->n_orders = 0;
    mem_free(bn->ctx);
    bn->ctx = NULL;
}

static void s_reset(void *state)
{
    s_bn_t *bn = state;
    memset(bn->ips, 0, sizeof bn->ips);
    if (bn->orders)
        memset(bn->orders, 0, bn->n_orders * sizeof bn->orders[0]);
}

static void s_fault_reply(void *state, sim_fault_kind_t kind, const sim_http_req_t *req, sim_http_resp_t *resp)
{
    s_ctx_t c = {.bn = state, .req = req, .resp = resp};
    if (kind == SIM_FAULT_RATELIMIT) {
        bn_err(&c, 429, -1003,
              "Too many requests; current limit of IP(%s) is %d requests per minute. Please use the websocket for "
              "live updates to avoid bans.", req->peer ? req->peer : "?", BN_WEIGHT_LIMIT);
        sim_resp_header(resp, "Retry-After", "1");
        resp->retry_after_s = 1;
    } else {
        bn_err(&c, 503, -1007,
              "Timeout waiting for response from backend server. Send status unknown; execution status unknown.");
    }
}

const sim_dialect_t sim_dialect_binance = {
    .name = "binance",
    .venue = SIM_VENUE_BINANCE,
    .default_port = 9101,
    .state_size = sizeof(s_bn_t),
    .init = s_init,
    .fini = s_fini,
    .handle = s_handle,
    .fault_reply = s_fault_reply,
    .reset = s_reset,
    .secret_headers = s_secret_headers,
    .secret_params = s_secret_params,
};
