/* sim_binance: the Binance USD-M futures dialect (venues.md section 1). A request goes through: endpoint
 * lookup (method + path), IP weight and bans, parameter parsing (query then form body, the query winning on
 * a name sent in both), the allowed-parameter check (-1104), key / timestamp / recvWindow / signature checks
 * for keyed and signed endpoints, order-rate counting, and finally the endpoint's handler, which calls the
 * engine and writes Binance's JSON (decimals as strings, ids and times as integers) or {"code","msg"}.
 * Choices on UNCONFIRMED points are listed in README.md. */
#include "sim_binance.h"

#include "params.h"

#include "base/log.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "json/json.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BN_WEIGHT_LIMIT 2400      /* REQUEST_WEIGHT per minute per IP */
#define BN_ORDERS_10S 300         /* ORDERS per 10 seconds per account */
#define BN_ORDERS_1M 1200         /* ORDERS per minute per account */
#define BN_BAN_AFTER 10           /* requests answered 429 in one minute before the IP is banned (418) */
#define BN_BAN_MS 120000          /* ban length */
#define BN_MAX_IPS 64             /* IPs tracked for weight (least recently used replaced) */
#define BN_RECV_WINDOW 5000       /* default recvWindow */
#define BN_RECV_WINDOW_MAX 60000  /* largest recvWindow accepted */

typedef struct {
    char ip[48];            /* peer address */
    int64_t minute;         /* window (ms / 60000) of weight */
    int weight;             /* weight used in the window */
    int refused;            /* requests refused with 429 in the window */
    int64_t banned_until;   /* ms; 0 when not banned */
    int64_t seen_ms;        /* last request (LRU) */
} s_ip_t;

typedef struct {
    int64_t win10;          /* 10-second window number */
    int n10;                /* orders in it */
    int64_t win60;          /* minute window number */
    int n60;                /* orders in it */
} s_ordcount_t;

typedef struct {
    sim_engine_t *eng;          /* the engine (borrowed) */
    s_ip_t ips[BN_MAX_IPS];     /* per-IP weight */
    s_ordcount_t *orders;       /* per account order counts */
    size_t n_orders;            /* slots */
    struct s_ctx *ctx;          /* per-request context, reused (one request at a time: single loop) */
} s_bn_t;

typedef enum {
    SEC_NONE = 0, /* public */
    SEC_KEY,      /* API key header only (listenKey) */
    SEC_SIGNED    /* key + timestamp + signature */
} s_sec_t;

typedef struct s_ctx s_ctx_t;
typedef void (*s_fn_t)(s_ctx_t *c);

typedef struct {
    const char *method;   /* HTTP method */
    const char *path;     /* exact path */
    s_sec_t sec;          /* security */
    int weight;           /* IP weight */
    int weight_nosym;     /* IP weight without a symbol parameter (0: same) */
    bool counts_order;    /* counts toward the ORDERS limits */
    const char *params;   /* allowed parameters, space separated (timestamp, recvWindow, signature implied) */
    s_fn_t fn;            /* handler */
} s_ep_t;

struct s_ctx {
    s_bn_t *bn;                 /* dialect state */
    sim_engine_t *eng;          /* engine */
    const sim_http_req_t *req;  /* request */
    sim_http_resp_t *resp;      /* response */
    const s_ep_t *ep;           /* endpoint */
    int account;                /* authenticated account, -1 for public */
    int weight;                 /* weight charged */
    int used_weight;            /* IP weight used after this request */
    bool failed;                /* an error reply was written */
    jw_t w;                     /* writer over resp->body */
    sim_params_t params;        /* query then body parameters (last: only its header is cleared per request) */
};

static const char *const s_secret_headers[] = {"X-MBX-APIKEY", NULL};
static const char *const s_secret_params[] = {"signature", NULL};

/* ---- errors ---- */

static void s_err(s_ctx_t *c, int http, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void s_err(s_ctx_t *c, int http, int code, const char *fmt, ...)
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

static void s_missing(s_ctx_t *c, const char *name)
{
    s_err(c, 400, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name);
}

/* ---- parameters ---- */

static const char *s_get(s_ctx_t *c, const char *name)
{
    const char *v = sim_params_get(&c->params, name);
    return v && *v ? v : NULL;
}

static const char *s_need(s_ctx_t *c, const char *name)
{
    const char *v = s_get(c, name);
    if (!v && !c->failed)
        s_missing(c, name);
    return v;
}

/* Integer parameter: absent leaves *out and returns 0; malformed is -1100. Returns -1 on error. */
static int s_int(s_ctx_t *c, const char *name, int64_t *out, bool required)
{
    const char *v = required ? s_need(c, name) : s_get(c, name);
    if (!v)
        return required ? -1 : 0;
    size_t n = strlen(v);
    bool neg = v[0] == '-';
    if (n == 0 || n > 19 + (size_t)neg || n == (size_t)neg) {
        s_err(c, 400, -1100, "Illegal characters found in parameter '%s'; legal range is '^[0-9]{1,20}$'.", name);
        return -1;
    }
    for (size_t i = (size_t)neg; i < n; i++)
        if (!isdigit((unsigned char)v[i])) {
            s_err(c, 400, -1100, "Illegal characters found in parameter '%s'; legal range is '^[0-9]{1,20}$'.",
                  name);
            return -1;
        }
    *out = strtoll(v, NULL, 10);
    return 0;
}

/* Decimal parameter. precision >= 0 refuses more decimals than that with -1111. Absent: 0 (or -1102). */
static int s_dec(s_ctx_t *c, const char *name, decimal_t *out, bool required, int precision)
{
    const char *v = required ? s_need(c, name) : s_get(c, name);
    if (!v)
        return required ? -1 : 0;
    if (decimal_from_str(v, out, NULL) != 0) {
        s_err(c, 400, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name);
        return -1;
    }
    if (precision >= 0 && out->scale > precision) {
        s_err(c, 400, -1111, "Precision is over the maximum defined for this asset.");
        return -1;
    }
    return 0;
}

static int s_bool(s_ctx_t *c, const char *name, bool *out)
{
    const char *v = s_get(c, name);
    if (!v)
        return 0;
    if (strcasecmp(v, "true") == 0)
        *out = true;
    else if (strcasecmp(v, "false") == 0)
        *out = false;
    else {
        s_err(c, 400, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name);
        return -1;
    }
    return 0;
}

static const sim_instrument_t *s_symbol(s_ctx_t *c, bool required)
{
    const char *v = required ? s_need(c, "symbol") : s_get(c, "symbol");
    if (!v)
        return NULL;
    const sim_instrument_t *in = sim_engine_instrument(c->eng, SIM_VENUE_BINANCE, v);
    if (!in && !c->failed)
        s_err(c, 400, -1121, "Invalid symbol.");
    return in;
}

/* ---- arithmetic for display values (bounded inputs; an overflow shows as zero) ---- */

static decimal_t s_mul8(decimal_t a, decimal_t b)
{
    decimal_t r;
    return decimal_mul(a, b, 8, DECIMAL_ROUND_HALF_EVEN, &r, NULL) == 0 ? r : DECIMAL_ZERO;
}

static decimal_t s_add(decimal_t a, decimal_t b)
{
    decimal_t r;
    return decimal_add(a, b, &r, NULL) == 0 ? r : a;
}

static decimal_t s_sub(decimal_t a, decimal_t b)
{
    decimal_t r;
    return decimal_sub(a, b, &r, NULL) == 0 ? r : a;
}

/* ---- JSON helpers ---- */

static void s_begin_ok(s_ctx_t *c)
{
    jw_init(&c->w, &c->resp->body);
}

static void s_kfix(jw_t *w, const char *key, decimal_t v, int scale)
{
    char text[DECIMAL_STR_MAX + 24];
    if (decimal_format_fixed(v, (uint8_t)scale, DECIMAL_ROUND_HALF_EVEN, text, sizeof text) == 0)
        decimal_format(v, text, sizeof text);
    jw_key(w, key);
    jw_string(w, text);
}

static void s_kdec(jw_t *w, const char *key, decimal_t v)
{
    jw_key(w, key);
    jw_decimal_string(w, v);
}

static void s_kstr(jw_t *w, const char *key, const char *v)
{
    jw_key(w, key);
    jw_string(w, v);
}

static void s_kint(jw_t *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int64(w, v);
}

static void s_kbool(jw_t *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

static const char *s_side_name(sim_side_t s)
{
    return s == SIM_SIDE_BUY ? "BUY" : "SELL";
}

static const char *s_type_name(sim_type_t t)
{
    static const char *n[] = {"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                              "TRAILING_STOP_MARKET"};
    return n[t];
}

static const char *s_tif_name(sim_tif_t t)
{
    static const char *n[] = {"GTC", "IOC", "FOK", "GTX", "GTD"};
    return n[t];
}

static const char *s_pos_name(sim_pos_side_t p)
{
    static const char *n[] = {"BOTH", "LONG", "SHORT"};
    return n[p];
}

static const char *s_status_name(sim_status_t s)
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

static int s_parse_enum(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}

/* A plain order as Binance renders it. ack: as at acceptance (no fills yet), for newOrderRespType=ACK. */
static void s_order_json(jw_t *w, const sim_order_t *o, bool ack)
{
    const sim_instrument_t *in = o->inst;
    int pp = in->price_precision, qp = in->qty_precision;
    decimal_t filled = ack ? DECIMAL_ZERO : o->filled;
    decimal_t quote = ack ? DECIMAL_ZERO : o->cum_quote;
    jw_object_begin(w);
    s_kint(w, "orderId", o->id);
    s_kstr(w, "symbol", in->symbol);
    s_kstr(w, "status", ack ? "NEW" : s_status_name(o->status));
    s_kstr(w, "clientOrderId", o->client_id);
    s_kfix(w, "price", o->price, pp);
    s_kfix(w, "avgPrice", ack ? DECIMAL_ZERO : o->avg_price, pp + 2);
    s_kfix(w, "origQty", o->qty, qp);
    s_kfix(w, "executedQty", filled, qp);
    s_kfix(w, "cumQty", filled, qp);
    s_kdec(w, "cumQuote", quote);
    s_kstr(w, "timeInForce", s_tif_name(o->tif));
    s_kstr(w, "type", s_type_name(o->type));
    s_kbool(w, "reduceOnly", o->reduce_only);
    s_kbool(w, "closePosition", o->close_position);
    s_kstr(w, "side", s_side_name(o->side));
    s_kstr(w, "positionSide", s_pos_name(o->pos_side));
    s_kfix(w, "stopPrice", o->trigger_price, pp);
    s_kstr(w, "workingType", "CONTRACT_PRICE");
    s_kbool(w, "priceProtect", false);
    s_kstr(w, "origType", s_type_name(o->orig_type));
    s_kstr(w, "priceMatch", "NONE");
    s_kstr(w, "selfTradePreventionMode", "EXPIRE_MAKER");
    s_kint(w, "goodTillDate", o->good_till_ms);
    s_kint(w, "time", o->created_ms);
    s_kint(w, "updateTime", o->updated_ms);
    jw_object_end(w);
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
    s_kint(w, "algoId", o->id);
    s_kstr(w, "clientAlgoId", o->client_id);
    s_kstr(w, "algoType", "CONDITIONAL");
    s_kstr(w, "orderType", s_type_name(o->type));
    s_kstr(w, "symbol", in->symbol);
    s_kstr(w, "side", s_side_name(o->side));
    s_kstr(w, "positionSide", s_pos_name(o->pos_side));
    s_kstr(w, "timeInForce", s_tif_name(o->tif));
    s_kfix(w, "quantity", o->qty, in->qty_precision);
    s_kstr(w, "algoStatus", s_algo_status(eng, o));
    if (o->type == SIM_TYPE_TRAILING_STOP_MARKET) {
        s_kstr(w, "triggerPrice", "");
        if (decimal_is_zero(o->trigger_price))
            s_kstr(w, "activatePrice", "");
        else
            s_kfix(w, "activatePrice", o->trigger_price, pp);
        s_kdec(w, "callbackRate", o->callback_rate);
    } else {
        s_kfix(w, "triggerPrice", o->trigger_price, pp);
        s_kstr(w, "activatePrice", "");
        s_kstr(w, "callbackRate", "");
    }
    s_kfix(w, "price", o->price, pp);
    jw_key(w, "icebergQuantity");
    jw_null(w);
    s_kstr(w, "selfTradePreventionMode", "EXPIRE_MAKER");
    s_kstr(w, "workingType", "CONTRACT_PRICE");
    s_kstr(w, "priceMatch", "NONE");
    s_kbool(w, "closePosition", o->close_position);
    s_kbool(w, "priceProtect", false);
    s_kbool(w, "reduceOnly", o->reduce_only);
    s_kint(w, "createTime", o->created_ms);
    s_kint(w, "updateTime", o->updated_ms);
    s_kint(w, "triggerTime", o->status == SIM_ST_TRIGGERED ? o->updated_ms : 0);
    s_kint(w, "goodTillDate", o->good_till_ms);
    if (o->child_id) {
        jw_key(w, "actualOrderId");
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)o->child_id);
        jw_string(w, id);
    } else {
        s_kstr(w, "actualOrderId", "");
    }
    jw_object_end(w);
}

/* ---- engine results to Binance errors ---- */

static void s_reject(s_ctx_t *c, sim_result_t r, const sim_instrument_t *in)
{
    char notional[DECIMAL_STR_MAX];
    switch (r) {
    case SIM_REJ_UNKNOWN_SYMBOL:
        s_err(c, 400, -1121, "Invalid symbol.");
        return;
    case SIM_REJ_QTY_NOT_POSITIVE:
        s_err(c, 400, -4003, "Quantity less than or equal to zero.");
        return;
    case SIM_REJ_QTY_MIN:
        s_err(c, 400, -4004, "Quantity less than min quantity.");
        return;
    case SIM_REJ_QTY_MAX:
        s_err(c, 400, -4005, "Quantity greater than max quantity.");
        return;
    case SIM_REJ_QTY_STEP:
        s_err(c, 400, -4023, "Quantity not increased by step size.");
        return;
    case SIM_REJ_PRICE_MIN:
        s_err(c, 400, -4013, "Price less than min price.");
        return;
    case SIM_REJ_PRICE_MAX:
        s_err(c, 400, -4016, "Price greater than max price.");
        return;
    case SIM_REJ_PRICE_TICK:
        s_err(c, 400, -4014, "Price not increased by tick size.");
        return;
    case SIM_REJ_MIN_NOTIONAL:
        decimal_format_fixed(in ? in->min_notional : DECIMAL_ZERO, 1, DECIMAL_ROUND_HALF_EVEN, notional,
                             sizeof notional);
        s_err(c, 400, -4164, "Order's notional must be no smaller than %s (unless you choose reduce only).",
              notional);
        return;
    case SIM_REJ_DUP_CLIENT_ID:
        s_err(c, 400, -4116, "ClientOrderId is duplicated.");
        return;
    case SIM_REJ_MARGIN:
        s_err(c, 400, -2019, "Margin is insufficient.");
        return;
    case SIM_REJ_REDUCE_ONLY:
        s_err(c, 400, -2022, "ReduceOnly Order is rejected.");
        return;
    case SIM_REJ_POST_ONLY:
        s_err(c, 400, -5022,
              "Due to the order could not be executed as maker, the Post Only order will be rejected. The order "
              "will not be recorded in the order history");
        return;
    case SIM_REJ_WOULD_TRIGGER:
        s_err(c, 400, -2021, "Order would immediately trigger.");
        return;
    case SIM_REJ_POSITION_SIDE:
        s_err(c, 400, -4061, "Order's position side does not match user's setting.");
        return;
    case SIM_REJ_MAX_OPEN_ORDERS:
        s_err(c, 400, -2025, "Reach max open order limit.");
        return;
    case SIM_REJ_LEVERAGE:
        s_err(c, 400, -4028, "Leverage is not valid");
        return;
    case SIM_REJ_NOT_FOUND:
    case SIM_REJ_NOT_OPEN:
        s_err(c, 400, -2011, "Unknown order sent.");
        return;
    case SIM_REJ_BAD_PARAM:
        s_err(c, 400, -1106, "Parameter 'reduceOnly' sent when not required.");
        return;
    default:
        s_err(c, 400, -1000, "An unknown error occured while processing the request. (%s)", sim_result_name(r));
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

static const char *const s_types[] = {"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                                      "TRAILING_STOP_MARKET"};
static const char *const s_tifs[] = {"GTC", "IOC", "FOK", "GTX", "GTD"};
static const char *const s_possides[] = {"BOTH", "LONG", "SHORT"};

/* Fills the common order fields of req from the parameters. cid_name: newClientOrderId / clientAlgoId. */
static int s_order_req(s_ctx_t *c, sim_order_req_t *r, const char *cid_name, bool algo)
{
    memset(r, 0, sizeof *r);
    r->venue = SIM_VENUE_BINANCE;
    r->account = c->account;
    r->now_ms = c->req->now_ms;
    r->inst = s_symbol(c, true);
    if (!r->inst)
        return -1;
    const char *side = s_need(c, "side");
    if (!side)
        return -1;
    if (strcmp(side, "BUY") == 0)
        r->side = SIM_SIDE_BUY;
    else if (strcmp(side, "SELL") == 0)
        r->side = SIM_SIDE_SELL;
    else {
        s_err(c, 400, -1117, "Invalid side.");
        return -1;
    }
    const char *type = s_need(c, "type");
    if (!type)
        return -1;
    int t = s_parse_enum(type, s_types, 7);
    if (t < 0) {
        s_err(c, 400, -1116, "Invalid orderType.");
        return -1;
    }
    r->type = (sim_type_t)t;
    if (!algo && sim_type_is_conditional(r->type)) {
        s_err(c, 400, -4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints "
                             "instead.");
        return -1;
    }
    if (algo && !sim_type_is_conditional(r->type)) {
        s_err(c, 400, -1116, "Invalid orderType.");
        return -1;
    }
    const char *tif = s_get(c, "timeInForce");
    bool limitish = r->type == SIM_TYPE_LIMIT || r->type == SIM_TYPE_STOP || r->type == SIM_TYPE_TAKE_PROFIT;
    if (tif) {
        int x = s_parse_enum(tif, s_tifs, 5);
        if (x < 0) {
            s_err(c, 400, -1115, "Invalid timeInForce.");
            return -1;
        }
        r->tif = (sim_tif_t)x;
    } else if (r->type == SIM_TYPE_LIMIT) {
        s_missing(c, "timeInForce");
        return -1;
    }
    const char *ps = s_get(c, "positionSide");
    if (ps) {
        int x = s_parse_enum(ps, s_possides, 3);
        if (x < 0) {
            s_err(c, 400, -4006, "Invalid position side.");
            return -1;
        }
        r->pos_side = (sim_pos_side_t)x;
    }
    int pp = r->inst->price_precision, qp = r->inst->qty_precision;
    if (s_bool(c, "closePosition", &r->close_position) || s_bool(c, "reduceOnly", &r->reduce_only))
        return -1;
    if (r->close_position && !algo) {
        s_err(c, 400, -1106, "Parameter 'closePosition' sent when not required.");
        return -1;
    }
    if (!r->close_position && s_dec(c, "quantity", &r->qty, true, qp))
        return -1;
    const char *pm = s_get(c, "priceMatch");
    bool price_match = pm && strcmp(pm, "NONE") != 0;
    if (limitish && !price_match && s_dec(c, "price", &r->price, true, pp))
        return -1;
    if (!limitish && s_get(c, "price")) {
        s_err(c, 400, -1106, "Parameter 'price' sent when not required.");
        return -1;
    }
    if (price_match) {
        static const char *const matches[] = {"OPPONENT", "OPPONENT_5", "OPPONENT_10", "OPPONENT_20",
                                              "QUEUE",    "QUEUE_5",    "QUEUE_10",    "QUEUE_20"};
        int m = s_parse_enum(pm, matches, 8);
        if (!limitish || s_get(c, "price") || m < 0) {
            s_err(c, 400, -1106, "Parameter 'priceMatch' sent when not required.");
            return -1;
        }
        /* the book has one level per side here, so _5/_10/_20 match the touch too */
        sim_ticker_t tk;
        sim_engine_ticker(c->eng, r->inst, &tk);
        bool opponent = m < 4;
        r->price = (r->side == SIM_SIDE_BUY) == opponent ? tk.ask : tk.bid;
    }
    const char *cid = s_get(c, cid_name);
    if (cid) {
        if (!s_cid_ok(cid)) {
            s_err(c, 400, -4015, "Client order id is not valid.");
            return -1;
        }
        r->client_id = cid;
    }
    if (r->tif == SIM_TIF_GTD) {
        if (s_int(c, "goodTillDate", &r->good_till_ms, true))
            return -1;
        if (r->good_till_ms < r->now_ms + 600000 || r->good_till_ms > 253402300799000LL) {
            s_err(c, 400, -5040, "The goodTillDate timestamp must be greater than the current time plus 600 seconds "
                                 "and smaller than 253402300799000.");
            return -1;
        }
    }
    if (!limitish && r->type != SIM_TYPE_MARKET)
        r->tif = tif ? r->tif : SIM_TIF_GTC;
    return 0;
}

static bool s_want_result(s_ctx_t *c)
{
    const char *t = s_get(c, "newOrderRespType");
    return t && strcmp(t, "RESULT") == 0;
}

static void h_order_new(s_ctx_t *c)
{
    sim_order_req_t r;
    const char *t = s_get(c, "newOrderRespType");
    if (t && strcmp(t, "ACK") != 0 && strcmp(t, "RESULT") != 0) {
        s_err(c, 400, -1102, "Mandatory parameter 'newOrderRespType' was not sent, was empty/null, or malformed.");
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
    s_begin_ok(c);
    s_order_json(&c->w, o, !s_want_result(c));
}

static void h_algo_new(s_ctx_t *c)
{
    const char *at = s_need(c, "algoType");
    if (!at)
        return;
    if (strcmp(at, "CONDITIONAL") != 0) {
        s_err(c, 400, -1102, "Mandatory parameter 'algoType' was not sent, was empty/null, or malformed.");
        return;
    }
    sim_order_req_t r;
    if (s_order_req(c, &r, "clientAlgoId", true))
        return;
    int pp = r.inst->price_precision;
    if (r.type == SIM_TYPE_TRAILING_STOP_MARKET) {
        if (s_dec(c, "callbackRate", &r.callback_rate, true, 1) || s_dec(c, "activatePrice", &r.trigger_price, false, pp))
            return;
    } else if (s_dec(c, "triggerPrice", &r.trigger_price, true, pp)) {
        return;
    }
    const char *wt = s_get(c, "workingType");
    if (wt && strcmp(wt, "MARK_PRICE") != 0 && strcmp(wt, "CONTRACT_PRICE") != 0) {
        s_err(c, 400, -1102, "Mandatory parameter 'workingType' was not sent, was empty/null, or malformed.");
        return;
    }
    const sim_order_t *o = NULL;
    sim_result_t res = sim_engine_place(c->eng, &r, &o);
    if (res == SIM_REJ_BAD_PARAM && r.type == SIM_TYPE_TRAILING_STOP_MARKET) {
        s_err(c, 400, -2007, "Invalid callbackRate; it must be within 0.1 and 10.");
        return;
    }
    if (res != SIM_OK) {
        s_reject(c, res, r.inst);
        return;
    }
    s_begin_ok(c);
    s_algo_json(&c->w, c->eng, o);
}

/* Finds an order by orderId / origClientOrderId (plain) or algoId / clientAlgoId (algo) on a symbol. Writes
 * the error (not_found_code) and returns NULL when absent. */
static const sim_order_t *s_lookup(s_ctx_t *c, const sim_instrument_t **in_out, bool algo, int not_found_code)
{
    const char *id_name = algo ? "algoId" : "orderId";
    const char *cid_name = algo ? "clientAlgoId" : "origClientOrderId";
    const sim_instrument_t *in = NULL;
    if (!algo || s_get(c, "symbol")) {
        in = s_symbol(c, !algo);
        if (!in)
            return NULL;
    }
    int64_t id = 0;
    if (s_int(c, id_name, &id, false))
        return NULL;
    const char *cid = s_get(c, cid_name);
    if (id <= 0 && !cid) {
        s_err(c, 400, -1102, "Param '%s' or '%s' must be sent, but both were empty/null!", cid_name, id_name);
        return NULL;
    }
    const sim_order_t *o = sim_engine_order(c->eng, SIM_VENUE_BINANCE, c->account, id, id > 0 ? NULL : cid);
    /* plain orders (including those a trigger created) on the order endpoints, conditionals on the algo ones */
    if (o && ((in && o->inst != in) || sim_type_is_conditional(o->type) != algo))
        o = NULL;
    if (!o)
        s_err(c, 400, not_found_code, not_found_code == -2013 ? "Order does not exist." : "Unknown order sent.");
    *in_out = in;
    return o;
}

static void h_order_get(s_ctx_t *c)
{
    const sim_instrument_t *in;
    const sim_order_t *o = s_lookup(c, &in, false, -2013);
    if (!o)
        return;
    s_begin_ok(c);
    s_order_json(&c->w, o, false);
}

static void h_open_order(s_ctx_t *c)
{
    const sim_instrument_t *in;
    const sim_order_t *o = s_lookup(c, &in, false, -2013);
    if (!o)
        return;
    if (!sim_status_is_open(o->status)) {
        s_err(c, 400, -2013, "Order does not exist.");
        return;
    }
    s_begin_ok(c);
    s_order_json(&c->w, o, false);
}

static void h_order_cancel(s_ctx_t *c)
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
    s_begin_ok(c);
    s_order_json(&c->w, o, false);
}

static void h_algo_get(s_ctx_t *c)
{
    const sim_instrument_t *in;
    const sim_order_t *o = s_lookup(c, &in, true, -2013);
    if (!o)
        return;
    s_begin_ok(c);
    s_algo_json(&c->w, c->eng, o);
}

static void h_algo_cancel(s_ctx_t *c)
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
    s_begin_ok(c);
    jw_object_begin(&c->w);
    s_kint(&c->w, "algoId", o->id);
    s_kstr(&c->w, "clientAlgoId", o->client_id);
    s_kstr(&c->w, "code", "200");
    s_kstr(&c->w, "msg", "success");
    jw_object_end(&c->w);
}

static void s_cancel_all(s_ctx_t *c, bool algo)
{
    const sim_instrument_t *in = s_symbol(c, true);
    if (!in)
        return;
    sim_engine_cancel_all(c->eng, SIM_VENUE_BINANCE, c->account, in, algo, c->req->now_ms);
    s_begin_ok(c);
    jw_object_begin(&c->w);
    s_kint(&c->w, "code", 200);
    s_kstr(&c->w, "msg", "The operation of cancel all open order is done.");
    jw_object_end(&c->w);
}

static void h_all_open_cancel(s_ctx_t *c)
{
    s_cancel_all(c, false);
}

static void h_algo_open_cancel(s_ctx_t *c)
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
    if (s_get(c, "symbol") && !(in = s_symbol(c, true)))
        return;
    s_begin_ok(c);
    jw_array_begin(&c->w);
    s_list_t l = {.c = c, .algo = algo};
    sim_engine_open_orders(c->eng, SIM_VENUE_BINANCE, c->account, in, algo ? 1 : 0, s_list_one, &l);
    jw_array_end(&c->w);
}

static void h_open_orders(s_ctx_t *c)
{
    s_open_list(c, false);
}

static void h_open_algo(s_ctx_t *c)
{
    s_open_list(c, true);
}

static int s_limit(s_ctx_t *c, int64_t def, int64_t max, int64_t *out)
{
    *out = def;
    if (s_int(c, "limit", out, false))
        return -1;
    if (*out < 1 || *out > max) {
        s_err(c, 400, -1130, "Data sent for parameter 'limit' is not valid.");
        return -1;
    }
    return 0;
}

static void s_all_list(s_ctx_t *c, bool algo)
{
    const sim_instrument_t *in = s_symbol(c, true);
    if (!in)
        return;
    int64_t from = 0, limit = 0;
    if (s_int(c, algo ? "algoId" : "orderId", &from, false) || s_limit(c, 500, 1000, &limit))
        return;
    s_begin_ok(c);
    jw_array_begin(&c->w);
    s_list_t l = {.c = c, .algo = algo, .limit = (size_t)limit};
    sim_engine_orders(c->eng, SIM_VENUE_BINANCE, c->account, in, algo ? 1 : 0, from, s_list_one, &l);
    jw_array_end(&c->w);
}

static void h_all_orders(s_ctx_t *c)
{
    s_all_list(c, false);
}

static void h_all_algo(s_ctx_t *c)
{
    s_all_list(c, true);
}

/* ---- positions, balances, account ---- */

static decimal_t s_maint(const sim_engine_t *eng, const sim_position_t *p)
{
    sim_ticker_t tk;
    sim_engine_ticker(eng, p->inst, &tk);
    decimal_t notional = decimal_abs(s_mul8(tk.mark, p->qty));
    return s_mul8(notional, (decimal_t){4, 3});
}

typedef struct {
    s_ctx_t *c;          /* request */
    int version;         /* 2 or 3: positionRisk shape; 0: account positions[] shape */
    bool only_open;      /* v3: only symbols with a position or open orders */
} s_pos_list_t;

static void s_position_json(s_ctx_t *c, const sim_position_t *p, int version)
{
    jw_t *w = &c->w;
    const sim_instrument_t *in = p->inst;
    sim_ticker_t tk;
    sim_engine_ticker(c->eng, in, &tk);
    decimal_t upnl = sim_engine_unrealized(c->eng, p);
    decimal_t notional = s_mul8(tk.mark, p->qty);
    decimal_t im = sim_engine_position_margin(c->eng, p);
    int lev = sim_engine_leverage(c->eng, in, p->account);
    bool iso = sim_engine_isolated(c->eng, in, p->account);
    jw_object_begin(w);
    s_kstr(w, "symbol", in->symbol);
    if (version == 0) {
        s_kstr(w, "positionSide", s_pos_name(p->side));
        s_kdec(w, "positionAmt", p->qty);
        s_kfix(w, "unrealizedProfit", upnl, 8);
        s_kfix(w, "isolatedMargin", DECIMAL_ZERO, 8);
        s_kfix(w, "notional", notional, 8);
        s_kfix(w, "isolatedWallet", DECIMAL_ZERO, 8);
        s_kfix(w, "initialMargin", im, 8);
        s_kfix(w, "maintMargin", s_maint(c->eng, p), 8);
        s_kint(w, "updateTime", p->update_ms);
        jw_object_end(w);
        return;
    }
    if (version == 3)
        s_kstr(w, "positionSide", s_pos_name(p->side));
    s_kdec(w, "positionAmt", p->qty);
    s_kfix(w, "entryPrice", p->entry_price, 8);
    s_kfix(w, "breakEvenPrice", p->entry_price, 8);
    s_kfix(w, "markPrice", tk.mark, 8);
    s_kfix(w, "unRealizedProfit", upnl, 8);
    s_kstr(w, "liquidationPrice", "0");
    if (version == 2) {
        char lv[16];
        snprintf(lv, sizeof lv, "%d", lev);
        s_kstr(w, "leverage", lv);
        s_kstr(w, "maxNotionalValue", "1000000000");
        s_kstr(w, "marginType", iso ? "isolated" : "cross");
        s_kfix(w, "isolatedMargin", DECIMAL_ZERO, 8);
        s_kstr(w, "isAutoAddMargin", "false");
        s_kstr(w, "positionSide", s_pos_name(p->side));
        s_kdec(w, "notional", notional);
        s_kfix(w, "isolatedWallet", DECIMAL_ZERO, 8);
    } else {
        s_kfix(w, "isolatedMargin", DECIMAL_ZERO, 8);
        s_kdec(w, "notional", notional);
        s_kstr(w, "marginAsset", in->quote);
        s_kfix(w, "isolatedWallet", DECIMAL_ZERO, 8);
        s_kfix(w, "initialMargin", im, 8);
        s_kfix(w, "maintMargin", s_maint(c->eng, p), 8);
        s_kfix(w, "positionInitialMargin", im, 8);
        s_kfix(w, "openOrderInitialMargin", DECIMAL_ZERO, 8);
        s_kint(w, "adl", 0);
        s_kstr(w, "bidNotional", "0");
        s_kstr(w, "askNotional", "0");
    }
    s_kint(w, "updateTime", p->update_ms);
    jw_object_end(w);
}

static int s_count_open(const sim_order_t *o, void *ctx)
{
    (void)o;
    (*(size_t *)ctx)++;
    return 1;
}

/* Writes the positions of the account for one instrument (or all): one-way BOTH, hedge LONG + SHORT. */
static void s_positions(s_ctx_t *c, const sim_instrument_t *only, int version, bool only_open)
{
    bool dual = sim_engine_dual_side(c->eng, SIM_VENUE_BINANCE, c->account);
    size_t n = sim_engine_instrument_count(c->eng, SIM_VENUE_BINANCE);
    for (size_t i = 0; i < n; i++) {
        const sim_instrument_t *in = sim_engine_instrument_at(c->eng, SIM_VENUE_BINANCE, i);
        if (only && in != only)
            continue;
        for (int s = dual ? 1 : 0; s <= (dual ? 2 : 0); s++) {
            const sim_position_t *p = sim_engine_position(c->eng, in, c->account, (sim_pos_side_t)s);
            if (only_open && decimal_is_zero(p->qty)) {
                size_t open = 0;
                sim_engine_open_orders(c->eng, SIM_VENUE_BINANCE, c->account, in, -1, s_count_open, &open);
                if (!open)
                    continue;
            }
            s_position_json(c, p, version);
        }
    }
}

static void s_position_risk(s_ctx_t *c, int version)
{
    const sim_instrument_t *in = NULL;
    if (s_get(c, "symbol") && !(in = s_symbol(c, true)))
        return;
    s_begin_ok(c);
    jw_array_begin(&c->w);
    s_positions(c, in, version, version == 3);
    jw_array_end(&c->w);
}

static void h_position_risk_v2(s_ctx_t *c)
{
    s_position_risk(c, 2);
}

static void h_position_risk_v3(s_ctx_t *c)
{
    s_position_risk(c, 3);
}

static void s_asset_json(s_ctx_t *c, const sim_balance_t *b, bool balance_shape)
{
    jw_t *w = &c->w;
    decimal_t margin_balance = s_add(b->wallet, b->unrealized);
    decimal_t avail = decimal_sign(b->available) > 0 ? b->available : DECIMAL_ZERO;
    jw_object_begin(w);
    if (balance_shape) {
        s_kstr(w, "accountAlias", "SimFuturesAccount");
        s_kstr(w, "asset", "USDT");
        s_kfix(w, "balance", b->wallet, 8);
        s_kfix(w, "crossWalletBalance", b->wallet, 8);
        s_kfix(w, "crossUnPnl", b->unrealized, 8);
        s_kfix(w, "availableBalance", avail, 8);
        s_kfix(w, "maxWithdrawAmount", avail, 8);
        s_kbool(w, "marginAvailable", true);
        s_kint(w, "updateTime", b->update_ms);
    } else {
        s_kstr(w, "asset", "USDT");
        s_kfix(w, "walletBalance", b->wallet, 8);
        s_kfix(w, "unrealizedProfit", b->unrealized, 8);
        s_kfix(w, "marginBalance", margin_balance, 8);
        s_kfix(w, "maintMargin", DECIMAL_ZERO, 8);
        s_kfix(w, "initialMargin", s_add(b->position_margin, b->order_margin), 8);
        s_kfix(w, "positionInitialMargin", b->position_margin, 8);
        s_kfix(w, "openOrderInitialMargin", b->order_margin, 8);
        s_kfix(w, "crossWalletBalance", b->wallet, 8);
        s_kfix(w, "crossUnPnl", b->unrealized, 8);
        s_kfix(w, "availableBalance", avail, 8);
        s_kfix(w, "maxWithdrawAmount", avail, 8);
        s_kbool(w, "marginAvailable", true);
        s_kint(w, "updateTime", b->update_ms);
    }
    jw_object_end(w);
}

static void h_balance(s_ctx_t *c)
{
    sim_balance_t b;
    sim_engine_balance(c->eng, SIM_VENUE_BINANCE, c->account, &b);
    s_begin_ok(c);
    jw_array_begin(&c->w);
    s_asset_json(c, &b, true);
    jw_array_end(&c->w);
}

static void s_account(s_ctx_t *c, int version)
{
    sim_balance_t b;
    sim_engine_balance(c->eng, SIM_VENUE_BINANCE, c->account, &b);
    decimal_t avail = decimal_sign(b.available) > 0 ? b.available : DECIMAL_ZERO;
    jw_t *w = &c->w;
    s_begin_ok(c);
    jw_object_begin(w);
    if (version == 2) {
        s_kint(w, "feeTier", 0);
        s_kbool(w, "feeBurn", false);
        s_kbool(w, "canTrade", true);
        s_kbool(w, "canDeposit", true);
        s_kbool(w, "canWithdraw", true);
        s_kint(w, "updateTime", 0);
        s_kbool(w, "multiAssetsMargin", false);
        s_kint(w, "tradeGroupId", -1);
    }
    s_kfix(w, "totalInitialMargin", s_add(b.position_margin, b.order_margin), 8);
    s_kfix(w, "totalMaintMargin", DECIMAL_ZERO, 8);
    s_kfix(w, "totalWalletBalance", b.wallet, 8);
    s_kfix(w, "totalUnrealizedProfit", b.unrealized, 8);
    s_kfix(w, "totalMarginBalance", s_add(b.wallet, b.unrealized), 8);
    s_kfix(w, "totalPositionInitialMargin", b.position_margin, 8);
    s_kfix(w, "totalOpenOrderInitialMargin", b.order_margin, 8);
    s_kfix(w, "totalCrossWalletBalance", b.wallet, 8);
    s_kfix(w, "totalCrossUnPnl", b.unrealized, 8);
    s_kfix(w, "availableBalance", avail, 8);
    s_kfix(w, "maxWithdrawAmount", avail, 8);
    jw_key(w, "assets");
    jw_array_begin(w);
    s_asset_json(c, &b, false);
    jw_array_end(w);
    jw_key(w, "positions");
    jw_array_begin(w);
    s_positions(c, NULL, version == 2 ? 2 : 0, true);
    jw_array_end(w);
    jw_object_end(w);
}

static void h_account_v2(s_ctx_t *c)
{
    s_account(c, 2);
}

static void h_account_v3(s_ctx_t *c)
{
    s_account(c, 3);
}

static void h_leverage(s_ctx_t *c)
{
    const sim_instrument_t *in = s_symbol(c, true);
    int64_t lev = 0;
    if (!in || s_int(c, "leverage", &lev, true))
        return;
    if (lev < 1 || lev > in->max_leverage) {
        s_err(c, 400, -4028, "Leverage %lld is not valid", (long long)lev);
        return;
    }
    sim_engine_set_leverage(c->eng, in, c->account, (int)lev);
    s_begin_ok(c);
    jw_object_begin(&c->w);
    s_kint(&c->w, "leverage", lev);
    s_kstr(&c->w, "maxNotionalValue", "1000000000");
    s_kstr(&c->w, "symbol", in->symbol);
    jw_object_end(&c->w);
}

static void s_code_ok(s_ctx_t *c)
{
    s_begin_ok(c);
    jw_object_begin(&c->w);
    s_kint(&c->w, "code", 200);
    s_kstr(&c->w, "msg", "success");
    jw_object_end(&c->w);
}

static void h_margin_type(s_ctx_t *c)
{
    const sim_instrument_t *in = s_symbol(c, true);
    const char *mt = in ? s_need(c, "marginType") : NULL;
    if (!mt)
        return;
    bool iso;
    if (strcmp(mt, "ISOLATED") == 0)
        iso = true;
    else if (strcmp(mt, "CROSSED") == 0)
        iso = false;
    else {
        s_err(c, 400, -4044, "The margin type is invalid.");
        return;
    }
    if (sim_engine_isolated(c->eng, in, c->account) == iso) {
        s_err(c, 400, -4046, "No need to change margin type.");
        return;
    }
    sim_engine_set_isolated(c->eng, in, c->account, iso);
    s_code_ok(c);
}

static void h_dual_get(s_ctx_t *c)
{
    s_begin_ok(c);
    jw_object_begin(&c->w);
    s_kbool(&c->w, "dualSidePosition", sim_engine_dual_side(c->eng, SIM_VENUE_BINANCE, c->account));
    jw_object_end(&c->w);
}

static void h_dual_set(s_ctx_t *c)
{
    bool dual = false;
    if (!s_need(c, "dualSidePosition") || s_bool(c, "dualSidePosition", &dual))
        return;
    if (sim_engine_dual_side(c->eng, SIM_VENUE_BINANCE, c->account) == dual) {
        s_err(c, 400, -4059, "No need to change position side.");
        return;
    }
    if (sim_engine_set_dual_side(c->eng, SIM_VENUE_BINANCE, c->account, dual) != SIM_OK) {
        s_err(c, 400, -4068, "Position side cannot be changed if there exists position.");
        return;
    }
    s_code_ok(c);
}

/* ---- trades ---- */

static int s_trade_one(const sim_fill_t *f, void *ctx)
{
    s_ctx_t *c = ctx;
    jw_t *w = &c->w;
    const sim_instrument_t *in = f->inst;
    jw_object_begin(w);
    s_kbool(w, "buyer", f->side == SIM_SIDE_BUY);
    s_kfix(w, "commission", f->fee, 8);
    s_kstr(w, "commissionAsset", in->quote);
    s_kint(w, "id", f->trade_id);
    s_kbool(w, "maker", f->maker);
    s_kint(w, "orderId", f->order_id);
    s_kfix(w, "price", f->price, in->price_precision);
    s_kfix(w, "qty", f->qty, in->qty_precision);
    s_kdec(w, "quoteQty", f->quote_qty);
    s_kfix(w, "realizedPnl", f->realized, 8);
    s_kstr(w, "side", s_side_name(f->side));
    s_kstr(w, "positionSide", s_pos_name(f->pos_side));
    s_kstr(w, "symbol", in->symbol);
    s_kint(w, "time", f->time_ms);
    jw_object_end(w);
    return 0;
}

static void h_user_trades(s_ctx_t *c)
{
    const int64_t week = 7LL * 86400000;
    const sim_instrument_t *in = s_symbol(c, true);
    if (!in)
        return;
    sim_fill_query_t q = {.inst = in};
    int64_t limit = 0;
    if (s_int(c, "orderId", &q.order_id, false) || s_int(c, "startTime", &q.start_ms, false) ||
        s_int(c, "endTime", &q.end_ms, false) || s_int(c, "fromId", &q.from_trade_id, false) ||
        s_limit(c, 500, 1000, &limit))
        return;
    q.limit = (size_t)limit;
    if (q.from_trade_id && (q.start_ms || q.end_ms)) {
        s_err(c, 400, -1128, "Combination of optional parameters invalid.");
        return;
    }
    if (q.start_ms && q.end_ms && (q.end_ms < q.start_ms || q.end_ms - q.start_ms > week)) {
        s_err(c, 400, -1127, "More than 7 days between startTime and endTime.");
        return;
    }
    if (!q.from_trade_id) {
        if (q.start_ms && !q.end_ms)
            q.end_ms = q.start_ms + week;
        else if (!q.start_ms && q.end_ms)
            q.start_ms = q.end_ms - week;
        else if (!q.start_ms && !q.end_ms)
            q.newest = true; /* the most recent `limit` trades of the last 7 days */
        if (q.newest)
            q.end_ms = 0;
    }
    if (q.newest) {
        /* the 7-day default window: trades older than a week are not returned */
        q.start_ms = 0;
    }
    s_begin_ok(c);
    jw_array_begin(&c->w);
    sim_engine_fills(c->eng, SIM_VENUE_BINANCE, c->account, &q, s_trade_one, c);
    jw_array_end(&c->w);
}

/* ---- market data ---- */

static void h_ping(s_ctx_t *c)
{
    s_begin_ok(c);
    jw_object_begin(&c->w);
    jw_object_end(&c->w);
}

static void h_time(s_ctx_t *c)
{
    s_begin_ok(c);
    jw_object_begin(&c->w);
    s_kint(&c->w, "serverTime", c->req->now_ms);
    jw_object_end(&c->w);
}

static void s_filter_str(jw_t *w, const char *type)
{
    jw_object_begin(w);
    s_kstr(w, "filterType", type);
}

static void s_symbol_info(jw_t *w, const sim_instrument_t *in)
{
    jw_object_begin(w);
    s_kstr(w, "symbol", in->symbol);
    s_kstr(w, "pair", in->symbol);
    s_kstr(w, "contractType", "PERPETUAL");
    s_kint(w, "deliveryDate", 4133404800000LL);
    s_kint(w, "onboardDate", 1569398400000LL);
    s_kstr(w, "status", "TRADING");
    s_kstr(w, "maintMarginPercent", "2.5000");
    s_kstr(w, "requiredMarginPercent", "5.0000");
    s_kstr(w, "baseAsset", in->base);
    s_kstr(w, "quoteAsset", in->quote);
    s_kstr(w, "marginAsset", in->quote);
    s_kint(w, "pricePrecision", in->price_precision);
    s_kint(w, "quantityPrecision", in->qty_precision);
    s_kint(w, "baseAssetPrecision", 8);
    s_kint(w, "quotePrecision", 8);
    s_kstr(w, "underlyingType", "COIN");
    jw_key(w, "underlyingSubType");
    jw_array_begin(w);
    jw_array_end(w);
    s_kstr(w, "triggerProtect", "0.0500");
    s_kstr(w, "liquidationFee", "0.012500");
    s_kstr(w, "marketTakeBound", "0.05");
    s_kint(w, "maxMoveOrderLimit", 10000);
    jw_key(w, "filters");
    jw_array_begin(w);
    s_filter_str(w, "PRICE_FILTER");
    s_kdec(w, "minPrice", in->min_price);
    s_kdec(w, "maxPrice", in->max_price);
    s_kdec(w, "tickSize", in->tick);
    jw_object_end(w);
    s_filter_str(w, "LOT_SIZE");
    s_kdec(w, "stepSize", in->step);
    s_kdec(w, "maxQty", in->max_qty);
    s_kdec(w, "minQty", in->min_qty);
    jw_object_end(w);
    s_filter_str(w, "MARKET_LOT_SIZE");
    s_kdec(w, "stepSize", in->step);
    s_kdec(w, "maxQty", in->max_mkt_qty);
    s_kdec(w, "minQty", in->min_qty);
    jw_object_end(w);
    s_filter_str(w, "MAX_NUM_ORDERS");
    s_kint(w, "limit", in->max_open_orders);
    jw_object_end(w);
    s_filter_str(w, "MAX_NUM_ALGO_ORDERS");
    s_kint(w, "limit", 10);
    jw_object_end(w);
    s_filter_str(w, "MIN_NOTIONAL");
    s_kdec(w, "notional", in->min_notional);
    jw_object_end(w);
    s_filter_str(w, "PERCENT_PRICE");
    s_kstr(w, "multiplierUp", "1.0500");
    s_kstr(w, "multiplierDown", "0.9500");
    s_kstr(w, "multiplierDecimal", "4");
    jw_object_end(w);
    jw_array_end(w);
    jw_key(w, "orderTypes");
    jw_array_begin(w);
    for (int t = 0; t < 7; t++)
        jw_string(w, s_types[t]);
    jw_array_end(w);
    jw_key(w, "timeInForce");
    jw_array_begin(w);
    for (int t = 0; t < 5; t++)
        jw_string(w, s_tifs[t]);
    jw_array_end(w);
    jw_key(w, "permissionSets");
    jw_array_begin(w);
    jw_string(w, "GRID");
    jw_string(w, "COPY");
    jw_array_end(w);
    jw_object_end(w);
}

static void s_rate_limit_json(jw_t *w, const char *type, const char *interval, int num, int limit)
{
    jw_object_begin(w);
    s_kstr(w, "rateLimitType", type);
    s_kstr(w, "interval", interval);
    s_kint(w, "intervalNum", num);
    s_kint(w, "limit", limit);
    jw_object_end(w);
}

static int s_weight_limit(const s_ctx_t *c)
{
    int per_min = sim_engine_config(c->eng)->rate_limit_per_min;
    return per_min > 0 ? per_min : BN_WEIGHT_LIMIT;
}

static void h_exchange_info(s_ctx_t *c)
{
    jw_t *w = &c->w;
    s_begin_ok(c);
    jw_object_begin(w);
    s_kstr(w, "timezone", "UTC");
    s_kint(w, "serverTime", c->req->now_ms);
    s_kstr(w, "futuresType", "U_MARGINED");
    jw_key(w, "rateLimits");
    jw_array_begin(w);
    s_rate_limit_json(w, "REQUEST_WEIGHT", "MINUTE", 1, s_weight_limit(c));
    s_rate_limit_json(w, "ORDERS", "MINUTE", 1, BN_ORDERS_1M);
    s_rate_limit_json(w, "ORDERS", "SECOND", 10, BN_ORDERS_10S);
    jw_array_end(w);
    jw_key(w, "exchangeFilters");
    jw_array_begin(w);
    jw_array_end(w);
    jw_key(w, "assets");
    jw_array_begin(w);
    jw_object_begin(w);
    s_kstr(w, "asset", "USDT");
    s_kbool(w, "marginAvailable", true);
    s_kstr(w, "autoAssetExchange", "-10000");
    jw_object_end(w);
    jw_array_end(w);
    jw_key(w, "symbols");
    jw_array_begin(w);
    size_t n = sim_engine_instrument_count(c->eng, SIM_VENUE_BINANCE);
    for (size_t i = 0; i < n; i++)
        s_symbol_info(w, sim_engine_instrument_at(c->eng, SIM_VENUE_BINANCE, i));
    jw_array_end(w);
    jw_object_end(w);
}

typedef void (*s_tick_fn)(s_ctx_t *c, const sim_instrument_t *in, const sim_ticker_t *tk);

static void s_each_ticker(s_ctx_t *c, s_tick_fn fn)
{
    const sim_instrument_t *in = NULL;
    if (s_get(c, "symbol") && !(in = s_symbol(c, true)))
        return;
    s_begin_ok(c);
    sim_ticker_t tk;
    if (in) {
        sim_engine_ticker(c->eng, in, &tk);
        fn(c, in, &tk);
        return;
    }
    jw_array_begin(&c->w);
    size_t n = sim_engine_instrument_count(c->eng, SIM_VENUE_BINANCE);
    for (size_t i = 0; i < n; i++) {
        in = sim_engine_instrument_at(c->eng, SIM_VENUE_BINANCE, i);
        sim_engine_ticker(c->eng, in, &tk);
        fn(c, in, &tk);
    }
    jw_array_end(&c->w);
}

static void s_price_one(s_ctx_t *c, const sim_instrument_t *in, const sim_ticker_t *tk)
{
    jw_object_begin(&c->w);
    s_kstr(&c->w, "symbol", in->symbol);
    s_kfix(&c->w, "price", tk->last, in->price_precision);
    s_kint(&c->w, "time", c->req->now_ms);
    jw_object_end(&c->w);
}

static void s_book_one(s_ctx_t *c, const sim_instrument_t *in, const sim_ticker_t *tk)
{
    jw_object_begin(&c->w);
    s_kstr(&c->w, "symbol", in->symbol);
    s_kfix(&c->w, "bidPrice", tk->bid, in->price_precision);
    s_kfix(&c->w, "bidQty", tk->bid_qty, in->qty_precision);
    s_kfix(&c->w, "askPrice", tk->ask, in->price_precision);
    s_kfix(&c->w, "askQty", tk->ask_qty, in->qty_precision);
    s_kint(&c->w, "time", c->req->now_ms);
    s_kint(&c->w, "lastUpdateId", tk->time_ms);
    jw_object_end(&c->w);
}

static void s_premium_one(s_ctx_t *c, const sim_instrument_t *in, const sim_ticker_t *tk)
{
    const int64_t eight_h = 8LL * 3600000;
    jw_object_begin(&c->w);
    s_kstr(&c->w, "symbol", in->symbol);
    s_kfix(&c->w, "markPrice", tk->mark, 8);
    s_kfix(&c->w, "indexPrice", tk->last, 8);
    s_kfix(&c->w, "estimatedSettlePrice", tk->last, 8);
    s_kstr(&c->w, "lastFundingRate", "0.00010000");
    s_kstr(&c->w, "interestRate", "0.00010000");
    s_kint(&c->w, "nextFundingTime", (c->req->now_ms / eight_h + 1) * eight_h);
    s_kint(&c->w, "time", c->req->now_ms);
    jw_object_end(&c->w);
}

static void h_ticker_price(s_ctx_t *c)
{
    s_each_ticker(c, s_price_one);
}

static void h_book_ticker(s_ctx_t *c)
{
    s_each_ticker(c, s_book_one);
}

static void h_premium_index(s_ctx_t *c)
{
    s_each_ticker(c, s_premium_one);
}

static void h_depth(s_ctx_t *c)
{
    const sim_instrument_t *in = s_symbol(c, true);
    int64_t limit = 0;
    if (!in || s_limit(c, 500, 1000, &limit))
        return;
    sim_ticker_t tk;
    sim_engine_ticker(c->eng, in, &tk);
    int levels = limit < 5 ? (int)limit : 5;
    jw_t *w = &c->w;
    s_begin_ok(c);
    jw_object_begin(w);
    s_kint(w, "lastUpdateId", tk.time_ms);
    s_kint(w, "E", c->req->now_ms);
    s_kint(w, "T", c->req->now_ms);
    for (int side = 0; side < 2; side++) {
        jw_key(w, side == 0 ? "bids" : "asks");
        jw_array_begin(w);
        decimal_t px = side == 0 ? tk.bid : tk.ask;
        for (int k = 0; k < levels && decimal_sign(px) > 0; k++) {
            char text[DECIMAL_STR_MAX + 24];
            jw_array_begin(w);
            decimal_format_fixed(px, in->price_precision, DECIMAL_ROUND_HALF_EVEN, text, sizeof text);
            jw_string(w, text);
            decimal_format_fixed(tk.bid_qty, in->qty_precision, DECIMAL_ROUND_HALF_EVEN, text, sizeof text);
            jw_string(w, text);
            jw_array_end(w);
            px = side == 0 ? s_sub(px, in->tick) : s_add(px, in->tick);
        }
        jw_array_end(w);
    }
    jw_object_end(w);
}

static int64_t s_interval_ms(const char *v)
{
    static const struct {
        const char *name;
        int64_t ms;
    } iv[] = {{"1m", 60000},          {"3m", 180000},         {"5m", 300000},          {"15m", 900000},
              {"30m", 1800000},       {"1h", 3600000},        {"2h", 7200000},         {"4h", 14400000},
              {"6h", 21600000},       {"8h", 28800000},       {"12h", 43200000},       {"1d", 86400000},
              {"3d", 259200000},      {"1w", 604800000},      {"1M", 2592000000LL}};
    for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++)
        if (strcmp(v, iv[i].name) == 0)
            return iv[i].ms;
    return 0;
}

static void h_klines(s_ctx_t *c)
{
    const sim_instrument_t *in = s_symbol(c, true);
    const char *iv = in ? s_need(c, "interval") : NULL;
    if (!iv)
        return;
    int64_t ims = s_interval_ms(iv);
    if (!ims) {
        s_err(c, 400, -1120, "Invalid interval.");
        return;
    }
    int64_t start = 0, end = 0, limit = 0;
    if (s_int(c, "startTime", &start, false) || s_int(c, "endTime", &end, false) || s_limit(c, 500, 1500, &limit))
        return;
    sim_candle_t *cs = mem_alloc((size_t)limit * sizeof *cs);
    size_t n = sim_engine_candles(c->eng, in, ims, start, end, (size_t)limit, c->req->now_ms, cs, (size_t)limit);
    jw_t *w = &c->w;
    s_begin_ok(c);
    jw_array_begin(w);
    int pp = in->price_precision;
    for (size_t i = 0; i < n; i++) {
        char t[DECIMAL_STR_MAX + 24];
        jw_array_begin(w);
        jw_int64(w, cs[i].open_ms);
        decimal_t vals[4] = {cs[i].open, cs[i].high, cs[i].low, cs[i].close};
        for (int k = 0; k < 4; k++) {
            decimal_format_fixed(vals[k], (uint8_t)pp, DECIMAL_ROUND_HALF_EVEN, t, sizeof t);
            jw_string(w, t);
        }
        jw_decimal_string(w, cs[i].volume);
        jw_int64(w, cs[i].close_ms);
        jw_decimal_string(w, cs[i].quote_volume);
        jw_int64(w, cs[i].trades);
        jw_string(w, "0");
        jw_string(w, "0");
        jw_string(w, "0");
        jw_array_end(w);
    }
    jw_array_end(w);
    mem_free(cs);
}

static void h_listen_key(s_ctx_t *c)
{
    s_begin_ok(c);
    jw_object_begin(&c->w);
    if (strcmp(c->req->method, "DELETE") != 0) {
        /* one key per account, returned again while "active" (there is no stream behind it) */
        char key[72];
        snprintf(key, sizeof key, "simListenKey%052d", c->account);
        s_kstr(&c->w, "listenKey", key);
    }
    jw_object_end(&c->w);
}

/* ---- endpoint table ---- */

#define P_ORDER "symbol side positionSide type timeInForce quantity reduceOnly price newClientOrderId " \
                "newOrderRespType priceMatch selfTradePreventionMode goodTillDate " \
                "stopPrice workingType priceProtect closePosition activationPrice callbackRate"
#define P_ALGO "algoType symbol side positionSide type timeInForce quantity price triggerPrice workingType " \
               "priceMatch closePosition priceProtect reduceOnly activatePrice callbackRate clientAlgoId " \
               "selfTradePreventionMode goodTillDate newOrderRespType"

static const s_ep_t s_eps[] = {
    {"GET", "/fapi/v1/ping", SEC_NONE, 1, 0, false, "", h_ping},
    {"GET", "/fapi/v1/time", SEC_NONE, 1, 0, false, "", h_time},
    {"GET", "/fapi/v1/exchangeInfo", SEC_NONE, 1, 0, false, "", h_exchange_info},
    {"GET", "/fapi/v1/ticker/price", SEC_NONE, 1, 2, false, "symbol", h_ticker_price},
    {"GET", "/fapi/v2/ticker/price", SEC_NONE, 1, 2, false, "symbol", h_ticker_price},
    {"GET", "/fapi/v1/ticker/bookTicker", SEC_NONE, 2, 5, false, "symbol", h_book_ticker},
    {"GET", "/fapi/v1/premiumIndex", SEC_NONE, 1, 10, false, "symbol", h_premium_index},
    {"GET", "/fapi/v1/depth", SEC_NONE, 5, 0, false, "symbol limit", h_depth},
    {"GET", "/fapi/v1/klines", SEC_NONE, 0, 0, false, "symbol interval startTime endTime limit", h_klines},
    {"POST", "/fapi/v1/order", SEC_SIGNED, 0, 0, true, P_ORDER, h_order_new},
    {"GET", "/fapi/v1/order", SEC_SIGNED, 1, 0, false, "symbol orderId origClientOrderId", h_order_get},
    {"DELETE", "/fapi/v1/order", SEC_SIGNED, 1, 0, false, "symbol orderId origClientOrderId", h_order_cancel},
    {"DELETE", "/fapi/v1/allOpenOrders", SEC_SIGNED, 1, 0, false, "symbol", h_all_open_cancel},
    {"GET", "/fapi/v1/openOrders", SEC_SIGNED, 1, 40, false, "symbol", h_open_orders},
    {"GET", "/fapi/v1/openOrder", SEC_SIGNED, 1, 0, false, "symbol orderId origClientOrderId", h_open_order},
    {"GET", "/fapi/v1/allOrders", SEC_SIGNED, 5, 0, false, "symbol orderId startTime endTime limit", h_all_orders},
    {"POST", "/fapi/v1/algoOrder", SEC_SIGNED, 0, 0, true, P_ALGO, h_algo_new},
    {"GET", "/fapi/v1/algoOrder", SEC_SIGNED, 1, 0, false, "symbol algoId clientAlgoId", h_algo_get},
    {"DELETE", "/fapi/v1/algoOrder", SEC_SIGNED, 1, 0, false, "symbol algoId clientAlgoId", h_algo_cancel},
    {"DELETE", "/fapi/v1/algoOpenOrders", SEC_SIGNED, 1, 0, false, "symbol", h_algo_open_cancel},
    {"GET", "/fapi/v1/openAlgoOrders", SEC_SIGNED, 1, 40, false, "symbol algoType", h_open_algo},
    {"GET", "/fapi/v1/allAlgoOrders", SEC_SIGNED, 5, 0, false, "symbol algoId startTime endTime limit", h_all_algo},
    {"GET", "/fapi/v2/positionRisk", SEC_SIGNED, 5, 0, false, "symbol", h_position_risk_v2},
    {"GET", "/fapi/v3/positionRisk", SEC_SIGNED, 5, 0, false, "symbol", h_position_risk_v3},
    {"GET", "/fapi/v2/balance", SEC_SIGNED, 5, 0, false, "", h_balance},
    {"GET", "/fapi/v3/balance", SEC_SIGNED, 5, 0, false, "", h_balance},
    {"GET", "/fapi/v2/account", SEC_SIGNED, 5, 0, false, "", h_account_v2},
    {"GET", "/fapi/v3/account", SEC_SIGNED, 5, 0, false, "", h_account_v3},
    {"POST", "/fapi/v1/leverage", SEC_SIGNED, 1, 0, false, "symbol leverage", h_leverage},
    {"POST", "/fapi/v1/marginType", SEC_SIGNED, 1, 0, false, "symbol marginType", h_margin_type},
    {"GET", "/fapi/v1/positionSide/dual", SEC_SIGNED, 30, 0, false, "", h_dual_get},
    {"POST", "/fapi/v1/positionSide/dual", SEC_SIGNED, 1, 0, false, "dualSidePosition", h_dual_set},
    {"GET", "/fapi/v1/userTrades", SEC_SIGNED, 5, 0, false, "symbol orderId startTime endTime fromId limit",
     h_user_trades},
    {"POST", "/fapi/v1/listenKey", SEC_KEY, 1, 0, false, "", h_listen_key},
    {"PUT", "/fapi/v1/listenKey", SEC_KEY, 1, 0, false, "", h_listen_key},
    {"DELETE", "/fapi/v1/listenKey", SEC_KEY, 1, 0, false, "", h_listen_key},
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
        s_err(c, 418, -1003,
              "Way too many requests; IP(%s) banned until %lld. Please use the websocket for live updates to "
              "avoid bans.", ip->ip, (long long)ip->banned_until);
        sim_resp_header(c->resp, "Retry-After", "%lld", (long long)((ip->banned_until - now + 999) / 1000));
        c->resp->retry_after_s = (ip->banned_until - now + 999) / 1000;
        c->used_weight = ip->weight;
        return -1;
    }
    int limit = s_weight_limit(c);
    if (cfg->rate_limits && ip->weight + c->weight > limit) {
        if (++ip->refused > BN_BAN_AFTER) {
            ip->banned_until = now + BN_BAN_MS;
            s_err(c, 418, -1003,
                  "Way too many requests; IP(%s) banned until %lld. Please use the websocket for live updates to "
                  "avoid bans.", ip->ip, (long long)ip->banned_until);
            c->resp->retry_after_s = BN_BAN_MS / 1000;
        } else {
            s_err(c, 429, -1003,
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
    if (limits && oc->n10 >= BN_ORDERS_10S) {
        s_err(c, 429, -1015, "Too many new orders; current limit is %d orders per TEN_SECONDS.", BN_ORDERS_10S);
        *n10 = oc->n10;
        *n60 = oc->n60;
        return -1;
    }
    if (limits && oc->n60 >= BN_ORDERS_1M) {
        s_err(c, 429, -1015, "Too many new orders; current limit is %d orders per MINUTE.", BN_ORDERS_1M);
        *n10 = oc->n10;
        *n60 = oc->n60;
        return -1;
    }
    *n10 = ++oc->n10;
    *n60 = ++oc->n60;
    return 0;
}

/* ---- authentication ---- */

/* Appends text minus the raw bytes of the signature pair (and the '&' that joins it). */
static int s_strip_sig(buf_t *b, const char *text, size_t len, const sim_param_t *sig)
{
    if (!sig || sig->raw < text || sig->raw >= text + len)
        return buf_append(b, text, len);
    size_t start = (size_t)(sig->raw - text), end = start + sig->raw_len;
    if (start > 0 && text[start - 1] == '&')
        start--;
    else if (end < len && text[end] == '&')
        end++;
    if (buf_append(b, text, start) != 0)
        return -1;
    return buf_append(b, text + end, len - end);
}

static int s_auth(s_ctx_t *c)
{
    const char *key = sim_req_header(c->req, "X-MBX-APIKEY");
    if (!key || !*key) {
        s_err(c, 401, -2014, "API-key format invalid.");
        return -1;
    }
    const sim_account_t *acct = sim_engine_account_by_key(c->eng, key, strlen(key));
    if (!acct) {
        s_err(c, 401, -2015, "Invalid API-key, IP, or permissions for action, request ip: %s",
              c->req->peer ? c->req->peer : "?");
        return -1;
    }
    c->account = acct->id;
    if (c->ep->sec != SEC_SIGNED)
        return 0;
    int64_t ts = 0, rw = BN_RECV_WINDOW;
    if (s_int(c, "timestamp", &ts, true) || s_int(c, "recvWindow", &rw, false))
        return -1;
    if (rw <= 0 || rw > BN_RECV_WINDOW_MAX) {
        s_err(c, 400, -1131, "recvWindow must be less than %d", BN_RECV_WINDOW_MAX);
        return -1;
    }
    int64_t now = c->req->now_ms;
    if (ts >= now + 1000) {
        s_err(c, 400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
        return -1;
    }
    if (now - ts > rw) {
        s_err(c, 400, -1021, "Timestamp for this request is outside of the recvWindow.");
        return -1;
    }
    const sim_param_t *sig = sim_params_find(&c->params, "signature");
    if (!sig || sig->value_len == 0) {
        s_missing(c, "signature");
        return -1;
    }
    char given[CRYPTO_HEX_SHA256_LEN];
    if (sig->value_len != 64) {
        s_err(c, 400, -1022, "Signature for this request is not valid.");
        return -1;
    }
    for (size_t i = 0; i < 64; i++)
        given[i] = (char)tolower((unsigned char)sig->value[i]);
    given[64] = '\0';
    buf_t msg;
    buf_init(&msg, SIM_MAX_BODY + 16384);
    int rc = s_strip_sig(&msg, c->req->query, c->req->query_len, sig);
    if (rc == 0)
        rc = s_strip_sig(&msg, c->req->body, c->req->body_len, sig);
    char want[CRYPTO_HEX_SHA256_LEN];
    bool ok = rc == 0 && crypto_hmac_sha256_hex(acct->secret, msg.data ? msg.data : "", msg.len, want) == 0 &&
              crypto_ct_streq(want, given);
    buf_release(&msg);
    if (!ok) {
        s_err(c, 400, -1022, "Signature for this request is not valid.");
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
        s_err(c, 400, -1100, "Illegal characters found in a parameter. (%s)", err.msg);
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
                s_err(c, 400, -1101, "Duplicate values for a parameter detected.");
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
        s_err(c, 400, -1104, "Not all sent parameters were read; read '%zu' parameter(s) but was sent '%zu'.",
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
        s_err(c, 404, -5000, "Path %.*s, Method %s is invalid", (int)(req->path_len > 200 ? 200 : req->path_len),
              req->path, req->method);
        goto done;
    }
    c->weight = c->ep->weight;
    if (req->body_too_large) {
        s_err(c, 413, -1000, "Request body too large.");
        goto done;
    }
    if (s_parse(c) != 0)
        goto done;
    if (c->ep->fn == h_klines)
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
        s_err(c, 500, -1000, "An unknown error occured while processing the request.");
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
        s_err(&c, 429, -1003,
              "Too many requests; current limit of IP(%s) is %d requests per minute. Please use the websocket for "
              "live updates to avoid bans.", req->peer ? req->peer : "?", BN_WEIGHT_LIMIT);
        sim_resp_header(resp, "Retry-After", "1");
        resp->retry_after_s = 1;
    } else {
        s_err(&c, 503, -1007,
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
