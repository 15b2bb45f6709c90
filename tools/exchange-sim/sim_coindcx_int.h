/* sim_coindcx_int: what the files of the CoinDCX dialect share (sim_coindcx.c: plug-in, routing,
 * authentication, body fields and replies; sim_coindcx_trading.c: orders, positions, wallet and trades;
 * sim_coindcx_public.c: instrument data, prices, candlesticks, order book). Not for other modules: the
 * dialect's public face is sim_coindcx.h. "After failing the request" means the reply already holds CoinDCX's
 * {"code","message","status":"error"} body and the caller just returns. */
#ifndef XR_SIM_SIM_COINDCX_INT_H
#define XR_SIM_SIM_COINDCX_INT_H

#include "sim_coindcx.h"

#include "params.h"

#include "base/decimal.h"
#include "json/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* ---- replies ---- */

/* Writes {"code":status,"message":...,"status":"error"} with HTTP status `status` (non-printable bytes of the
 * message become '?'). Always returns -1, so helpers can `return cd_err(...)`. */
int cd_err(cd_ctx_t *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Starts a 200 reply in w; cd_end turns an overflowing reply into a 500. cd_success writes CoinDCX's
 * {"message":"success","status":200,"code":200}. */
void cd_begin(cd_ctx_t *c, jw_t *w);
void cd_end(cd_ctx_t *c, jw_t *w);
void cd_success(cd_ctx_t *c);

/* Maps an engine refusal to CoinDCX's status and message; req (may be NULL) gives context (filters of the
 * instrument, side and type). Returns -1. */
int cd_fail_engine(cd_ctx_t *c, sim_result_t r, const sim_order_req_t *req);

/* "key": value writers: a number token with the exact decimal text, a decimal as a string, null, a string,
 * a leverage as CoinDCX prints it (5.0). cd_pct turns a fee rate into CoinDCX's percent (0.0005 -> 0.05). */
void cd_kv_num(jw_t *w, const char *k, decimal_t v);
void cd_kv_dec_string(jw_t *w, const char *k, decimal_t v);
void cd_kv_null(jw_t *w, const char *k);
void cd_kv_str(jw_t *w, const char *k, const char *v);
void cd_kv_lev(jw_t *w, const char *k, int lev);
decimal_t cd_pct(decimal_t rate);

/* ---- ids ---- */

/* UUID-shaped id of an engine number under a salt (CD_SALT_*) into out (37 bytes); cd_parse_id gives the
 * number back, or 0 when s is not such an id. A position's number is cd_pos_number(account, index). */
void cd_fmt_id(int64_t id, uint32_t salt, char out[37]);
int64_t cd_parse_id(const char *s, size_t len, uint32_t salt);
int64_t cd_pos_number(int account, int index);

/* ---- body fields (unknown fields are ignored) ---- */

/* Each returns 1 present (valid), 0 absent or null, -1 after failing the request (400 "<name> is invalid").
 * cd_str copies a string; cd_dec reads a number token or numeric string exactly; cd_int an integer value
 * (5, 5.0, "5"). cd_need_str also fails when absent (400 "<name> is missing") and returns 0 or -1. */
int cd_str(cd_ctx_t *c, const json_t *obj, const char *name, char *buf, size_t cap);
int cd_need_str(cd_ctx_t *c, const json_t *obj, const char *name, char *buf, size_t cap);
int cd_dec(cd_ctx_t *c, const json_t *obj, const char *name, decimal_t *out);
int cd_int(cd_ctx_t *c, const json_t *obj, const char *name, int64_t *out);

/* margin_currency_short_name: "USDT" or an array with it; 1 present, 0 absent, -1 after failing (INR: 422). */
int cd_margin_currency(cd_ctx_t *c, const json_t *obj);

/* page and size (defaults 1 and 10; required when asked): 0, or -1 after failing the request. */
int cd_paging(cd_ctx_t *c, const json_t *obj, bool required, int64_t *page, int64_t *size);

/* Instrument of a pair name ("B-ETH_USDT"), or NULL. */
const sim_instrument_t *cd_pair(cd_ctx_t *c, const char *pair);

/* ---- route handlers (sim_coindcx_trading.c, sim_coindcx_public.c); each answers one request ---- */

void cd_orders_create(cd_ctx_t *c);
void cd_orders_list(cd_ctx_t *c);
void cd_orders_cancel(cd_ctx_t *c);
void cd_orders_edit(cd_ctx_t *c);
void cd_positions(cd_ctx_t *c);
void cd_update_leverage(cd_ctx_t *c);
void cd_margin_type(cd_ctx_t *c);
void cd_cancel_all(cd_ctx_t *c);
void cd_cancel_all_for_position(cd_ctx_t *c);
void cd_exit(cd_ctx_t *c);
void cd_cross_margin_details(cd_ctx_t *c);
void cd_wallets(cd_ctx_t *c);
void cd_trades(cd_ctx_t *c);
void cd_data_instrument(cd_ctx_t *c);
void cd_active_instruments(cd_ctx_t *c);
void cd_current_prices(cd_ctx_t *c);
void cd_candlesticks(cd_ctx_t *c);

/* The order book path /market_data/v3/orderbook/<pair>-futures/<depth> (matched by prefix) and its handler. */
bool cd_is_book_path(const sim_http_req_t *req);
void cd_orderbook(cd_ctx_t *c);

#endif
