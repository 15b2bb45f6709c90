/* sim_bybit_int: what the files of the Bybit dialect share (sim_bybit.c: plug-in, routing, authentication,
 * limits, parameters and replies; sim_bybit_market.c: market, account and position routes;
 * sim_bybit_orders.c: order and execution routes). Not for other modules: the dialect's public face is
 * sim_bybit.h. Every function here writes into the request's reply; "after failing the request" means the
 * reply already holds Bybit's error envelope and the caller just returns. */
#ifndef XR_SIM_SIM_BYBIT_INT_H
#define XR_SIM_SIM_BYBIT_INT_H

#include "sim_bybit.h"

#include "params.h"

#include "base/decimal.h"
#include "json/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* ---- replies ---- */

/* Writes Bybit's error envelope {"retCode":code,"retMsg":...} with HTTP status http (non-printable bytes of
 * the message become '?'); X-Bapi-Limit headers already added are kept. */
void by_fail_http(by_ctx_t *c, int http, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The usual case: a business error with HTTP 200. */
#define by_fail(c, code, ...) by_fail_http((c), 200, (code), __VA_ARGS__)

/* Starts a success envelope up to "result":; the caller writes the result value, then by_ok_end, which
 * turns an overflowing reply into 10016. */
void by_ok_begin(by_ctx_t *c, jw_t *w);
void by_ok_end(by_ctx_t *c, jw_t *w);

/* Maps an engine refusal to Bybit's code and message; req (may be NULL) gives context (min notional,
 * trigger direction, conditional or not). */
void by_fail_engine(by_ctx_t *c, sim_result_t r, const sim_order_req_t *req);

/* Writers: a decimal with exactly `scale` decimals as a string ("3000.00"), a canonical decimal string, an
 * int64 as a decimal string (Bybit's times), and "key": value forms of each. */
void by_jw_fixed(jw_t *w, decimal_t v, uint8_t scale);
void by_jw_dec(jw_t *w, decimal_t v);
void by_jw_i64str(jw_t *w, int64_t v);
void by_kv_fixed(jw_t *w, const char *k, decimal_t v, uint8_t scale);
void by_kv_dec(jw_t *w, const char *k, decimal_t v);
void by_kv_i64str(jw_t *w, const char *k, int64_t v);
void by_kv_int(jw_t *w, const char *k, int64_t v);
void by_kv_bool(jw_t *w, const char *k, bool v);
void by_kv_str(jw_t *w, const char *k, const char *v);

/* ---- ids and small parsers ---- */

/* UUID-shaped id of an engine id (orders: BY_ID_SALT_ORDER, executions: BY_ID_SALT_EXEC) into out (37 bytes);
 * by_parse_id gives the engine id back, or 0 when s is not such an id. */
void by_fmt_id(int64_t id, uint32_t salt, char out[37]);
int64_t by_parse_id(const char *s, size_t len, uint32_t salt);

/* True for an orderLinkId Bybit accepts: 1..36 of [A-Za-z0-9_-]. */
bool by_link_id_ok(const char *s, size_t len);

/* Unsigned decimal digits (at most 19) into *out; false otherwise. */
bool by_parse_i64(const char *s, size_t len, int64_t *out);

/* ---- parameters (query for GET, JSON body for POST) ---- */

/* Each returns 1 when the parameter is present (and valid), 0 when absent, -1 after failing the request
 * (10001). by_arg_need fails the request when absent too and returns 0 or -1. */
int by_arg_copy(by_ctx_t *c, const char *name, char *buf, size_t cap);
int by_arg_need(by_ctx_t *c, const char *name, char *buf, size_t cap);
int by_arg_dec(by_ctx_t *c, const char *name, decimal_t *out);
int by_arg_int(by_ctx_t *c, const char *name, int64_t *out);
int by_arg_bool(by_ctx_t *c, const char *name, bool *out);

/* category must be "linear" (absent is fine unless required); 0, or -1 after failing the request. */
int by_need_linear(by_ctx_t *c, bool required);

/* symbol -> instrument (*inst NULL when absent); 1 found, 0 absent, -1 after failing the request. */
int by_arg_symbol(by_ctx_t *c, bool required, const sim_instrument_t **inst);

/* settleCoin (only USDT) and baseCoin filters: 1 when either is given (*base_out = baseCoin or NULL), 0 when
 * none, -1 after failing the request. */
int by_arg_coin_filters(by_ctx_t *c, const char **base_out, char *base_buf, size_t cap);

/* ---- route handlers (sim_bybit_market.c, sim_bybit_orders.c); each answers one request ---- */

void by_market_time(by_ctx_t *c);
void by_instruments_info(by_ctx_t *c);
void by_market_tickers(by_ctx_t *c);
void by_market_kline(by_ctx_t *c);
void by_user_query_api(by_ctx_t *c);
void by_account_info(by_ctx_t *c);
void by_wallet_balance(by_ctx_t *c);
void by_coin_query_info(by_ctx_t *c);
void by_position_list(by_ctx_t *c);
void by_set_leverage(by_ctx_t *c);
void by_order_create(by_ctx_t *c);
void by_order_amend(by_ctx_t *c);
void by_order_cancel(by_ctx_t *c);
void by_order_cancel_all(by_ctx_t *c);
void by_order_realtime(by_ctx_t *c);
void by_order_history(by_ctx_t *c);
void by_execution_list(by_ctx_t *c);

#endif
