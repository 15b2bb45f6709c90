/* sim_binance_int: what the three files of the Binance dialect share (not for other modules): the dialect's state,
 * the per-request context, the endpoint table's row type, and the helpers and handlers that cross files.
 *   sim_binance.c          request entry: routing, parameters, weights and bans, authentication, hooks, helpers
 *   sim_binance_orders.c   order and algo-order endpoints and their JSON
 *   sim_binance_account.c  positions, balances, account, leverage, user trades and market data
 * Internal names carry the bn_ prefix. */
#ifndef XR_SIM_BINANCE_INT_H
#define XR_SIM_BINANCE_INT_H

#include "params.h"
#include "sim_binance.h"

#include "json/json.h"

#include <stdbool.h>
#include <stdint.h>

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
    int64_t started_ms;         /* when the dialect started: the "funding time" of every account */
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

/* Writes {"code":code,"msg":...} with HTTP status http and marks the request failed. */
void bn_err(s_ctx_t *c, int http, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* -1102 for a missing or empty mandatory parameter. */
void bn_missing(s_ctx_t *c, const char *name);

/* Parameter readers: bn_get returns the value or NULL (absent or empty); bn_need also writes -1102 when absent.
 * bn_int / bn_dec / bn_bool parse (absent: 0 and *out untouched unless required), writing the venue's error and
 * returning -1 on bad input; bn_dec refuses more than `precision` decimals with -1111 (precision < 0: any).
 * bn_symbol resolves "symbol" (-1121 when unknown); bn_limit reads "limit" within 1..max (-1130). */
const char *bn_get(s_ctx_t *c, const char *name);
const char *bn_need(s_ctx_t *c, const char *name);
int bn_int(s_ctx_t *c, const char *name, int64_t *out, bool required);
int bn_dec(s_ctx_t *c, const char *name, decimal_t *out, bool required, int precision);
int bn_bool(s_ctx_t *c, const char *name, bool *out);
const sim_instrument_t *bn_symbol(s_ctx_t *c, bool required);
int bn_limit(s_ctx_t *c, int64_t def, int64_t max, int64_t *out);

/* Display arithmetic on bounded values: product at 8 decimals (zero on overflow), sum, difference. */
decimal_t bn_mul8(decimal_t a, decimal_t b);
decimal_t bn_add(decimal_t a, decimal_t b);
decimal_t bn_sub(decimal_t a, decimal_t b);

/* JSON output: bn_begin_ok starts a 200 reply in c->w; bn_k* write "key":value (bn_kfix: a decimal string with
 * exactly `scale` decimals; bn_kdec: canonical decimal string). */
void bn_begin_ok(s_ctx_t *c);
void bn_kfix(jw_t *w, const char *key, decimal_t v, int scale);
void bn_kdec(jw_t *w, const char *key, decimal_t v);
void bn_kstr(jw_t *w, const char *key, const char *v);
void bn_kint(jw_t *w, const char *key, int64_t v);
void bn_kbool(jw_t *w, const char *key, bool v);

/* Binance's names of engine enums, and a parser over a name table (-1 when not found). */
const char *bn_side_name(sim_side_t s);
const char *bn_type_name(sim_type_t t);
const char *bn_tif_name(sim_tif_t t);
const char *bn_pos_name(sim_pos_side_t p);
const char *bn_status_name(sim_status_t s);
int bn_parse_enum(const char *v, const char *const *names, int n);
extern const char *const bn_types[];   /* 7 order types, in sim_type_t order */
extern const char *const bn_tifs[];    /* 5 time-in-force names, in sim_tif_t order */
extern const char *const bn_possides[];/* 3 position sides, in sim_pos_side_t order */

/* The limits in force, which exchangeInfo publishes and the 429 texts quote: IP weight per minute
 * (--rate-limit-per-min or Binance's 2400) and the account's ORDERS per 10 s (300) and per minute (1200); every
 * one SIM_LIMIT_UNLIMITED while rate limits are off, since nothing is enforced then. */
int bn_weight_limit(const s_ctx_t *c);
int bn_orders_limit_10s(const s_ctx_t *c);
int bn_orders_limit_1m(const s_ctx_t *c);

/* Endpoint handlers (one per row of the endpoint table): read c->params, call the engine, write the reply. */
void bn_algo_cancel(s_ctx_t *c);
void bn_algo_get(s_ctx_t *c);
void bn_algo_new(s_ctx_t *c);
void bn_algo_open_cancel(s_ctx_t *c);
void bn_all_algo(s_ctx_t *c);
void bn_all_open_cancel(s_ctx_t *c);
void bn_all_orders(s_ctx_t *c);
void bn_open_algo(s_ctx_t *c);
void bn_open_order(s_ctx_t *c);
void bn_open_orders(s_ctx_t *c);
void bn_order_cancel(s_ctx_t *c);
void bn_order_get(s_ctx_t *c);
void bn_order_new(s_ctx_t *c);
void bn_account_v2(s_ctx_t *c);
void bn_account_v3(s_ctx_t *c);
void bn_balance(s_ctx_t *c);
void bn_book_ticker(s_ctx_t *c);
void bn_depth(s_ctx_t *c);
void bn_dual_get(s_ctx_t *c);
void bn_dual_set(s_ctx_t *c);
void bn_exchange_info(s_ctx_t *c);
void bn_klines(s_ctx_t *c);
void bn_leverage(s_ctx_t *c);
void bn_listen_key(s_ctx_t *c);
void bn_margin_type(s_ctx_t *c);
void bn_ping(s_ctx_t *c);
void bn_position_risk_v2(s_ctx_t *c);
void bn_position_risk_v3(s_ctx_t *c);
void bn_premium_index(s_ctx_t *c);
void bn_ticker_24hr(s_ctx_t *c);
void bn_leverage_bracket(s_ctx_t *c);
void bn_ticker_price(s_ctx_t *c);
void bn_time(s_ctx_t *c);
void bn_user_trades(s_ctx_t *c);

#endif
