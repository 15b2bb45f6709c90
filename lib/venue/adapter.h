/* adapter: the venue adapter interface. An adapter is one const venue_ops_t (STYLE rule 11): a name,
 * capability bits, the size of its private state, and one step hook per operation of the unified model,
 * plus signing, error mapping and rate-limit header reading. An adapter does no I/O: the runtime
 * (runtime.h) owns sockets, HTTP, journaling, retries, rate limits and the circuit breaker, and drives each
 * operation as a conversation of steps:
 *
 *   runtime                                       adapter hook (e.g. ops->place_order)
 *   call->step = 0, resp = NULL           ---->   fills call->req, returns VENUE_SEND
 *   signs (ops->sign), sends, waits
 *   call->resp = reply, call->error =     ---->   parses: returns VENUE_DONE with call->result,
 *     ops->map_error(reply) or NULL               or VENUE_SEND with the next request (follow-up query,
 *                                                 leverage first, attached TP/SL, list-and-match),
 *                                                 or VENUE_FAIL with call->fail
 *
 * So building and parsing are pure functions of (input, step, reply) and are unit-tested on recorded
 * payloads; venues whose create reply carries only ids (Bybit) send a follow-up query as a next step, and
 * venues without client ids or a get-order endpoint (CoinDCX) list and match in their get_order hook.
 * Before a hook sees a reply, the runtime has already handled, for every venue alike: CLOCK_SKEW (resync the
 * clock, re-sign, resend once), rate limits (429/418, Retry-After), transport failures and unknown outcomes
 * (retry reads; for a request of kind VENUE_CREATES_ORDER answer PENDING_UNKNOWN and resolve by get_order
 * after ops->acceptance_window_ms). Every other venue error reaches the hook in call->error, so the hook can
 * turn "duplicate client id" into a query, or "unknown order" into a second try on another endpoint. */
#ifndef XR_VENUE_ADAPTER_H
#define XR_VENUE_ADAPTER_H

#include "instruments.h"
#include "model.h"
#include "request.h"

#include "base/config.h"
#include "base/err.h"
#include "crypto/crypto_hmac.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VENUE_RESULT_ITEMS_MAX 10000 /* items of any result array (the wire limit) */

/* Capability bits (venue_ops_t.caps). */
#define VENUE_CAP_CLIENT_ID (1u << 0)   /* the venue keeps our client order id: unknown outcomes resolve by it */
#define VENUE_CAP_GET_ORDER (1u << 1)   /* the venue can query one order (else get_order lists and matches) */
#define VENUE_CAP_ALGO (1u << 2)        /* conditional orders live apart from regular ones */
#define VENUE_CAP_HEDGE (1u << 3)       /* hedge mode (position_side LONG/SHORT) */
#define VENUE_CAP_FILL_CURSOR (1u << 4) /* trade history has a numeric, increasing trade id usable as a cursor */
#define VENUE_CAP_ATTACHED_TPSL (1u << 5) /* take_profit/stop_loss of a place_order are honoured */
#define VENUE_CAP_MS_CURSOR (1u << 6)   /* a fill's seq_key is its venue ms * 1000 + its rank in that ms as read: a
                                           trade listed late in an already-read ms may take a rank already passed,
                                           so the runtime tells that ms's trades apart by trade id, and the
                                           adapter lists the cursor's whole ms again */

typedef enum {
    VENUE_OP_PLACE_ORDER = 0,  /* OrderRequest -> order */
    VENUE_OP_CANCEL_ORDER,     /* symbol + order_id | client_order_id -> cancel */
    VENUE_OP_CANCEL_ALL,       /* symbol (optional) -> count, cancels[] */
    VENUE_OP_GET_ORDER,        /* symbol + order_id | client_order_id -> order */
    VENUE_OP_GET_OPEN_ORDERS,  /* symbol (optional) -> orders[] */
    VENUE_OP_GET_POSITIONS,    /* symbol (optional) -> positions[] */
    VENUE_OP_GET_BALANCES,     /* asset (optional) -> balances[] */
    VENUE_OP_GET_TICKER,       /* symbol -> ticker */
    VENUE_OP_GET_KLINES,       /* symbol, interval, limit, start, end -> klines[] oldest first */
    VENUE_OP_SET_LEVERAGE,     /* symbol, leverage -> leverage */
    VENUE_OP_CLOSE_POSITION,   /* symbol -> order (the reduce-only market order) */
    VENUE_OP_GET_FILLS,        /* symbol, from_id | since_ms, limit -> fills[] oldest first */
    VENUE_OP_LOAD_INSTRUMENTS, /* -> instruments, limits */
    VENUE_OP_TIME,             /* -> server_time */
    VENUE_OP_COUNT_            /* number of operations; not an operation */
} venue_op_t;

/* Name of an operation on the wire ("place_order"); "" when out of range. */
const char *venue_op_name(venue_op_t op);
/* Parses a wire name. Returns 0 or -1. */
int venue_op_parse(const char *name, venue_op_t *out);

/* A reply as received. status 0 never reaches a hook (transport failures are the runtime's). */
typedef struct {
    long status;          /* HTTP status */
    const char *body;     /* body bytes (not NUL-terminated necessarily) */
    size_t body_len;      /* bytes */
    const char *headers;  /* raw header block, "Name: value\r\n" lines; may be NULL */
    const char *(*header_fn)(const void *ctx, const char *name); /* or a lookup (lib/http); may be NULL */
    const void *header_ctx; /* argument of header_fn */
    const venue_req_t *req; /* the request this answers (path, weight: per-endpoint budgets); may be NULL */
} venue_resp_t;

/* Finds header name (case-insensitive) through r->header_fn, else in r->headers, and copies its value (trimmed) into out. Returns 0, or
 * -1 when absent or longer than cap-1. */
int venue_resp_header(const venue_resp_t *r, const char *name, char *out, size_t cap);

/* A venue error mapped to the unified code, with the venue's own code and message kept beside it. */
typedef struct {
    xr_code_t code;              /* unified code */
    char message[256];           /* our text */
    char venue_code[24];         /* the venue's code as text ("-2019"), "" when none */
    char venue_message[256];     /* the venue's message, "" when none */
    int64_t retry_after_ms;      /* > 0 for RATE_LIMITED with a Retry-After */
    bool unknown_outcome;        /* the request may have executed (5xx, venue timeout codes) */
} venue_error_t;

/* Rate-limit state read from reply headers (ops->observe). -1 = header absent. */
typedef struct {
    int64_t used_weight;   /* venue's count of weight used in the current window, whole IP/account */
    int64_t orders_short;  /* orders in the short window (10 s on Binance) */
    int64_t orders_long;   /* orders in the long window (1 min) */
} venue_usage_t;

/* Published limits (from the instrument list's rate-limit section); 0 = unknown. */
typedef struct {
    int64_t weight_per_window;   /* weight allowed per window */
    int64_t weight_window_ms;    /* window length */
    int64_t orders_short;        /* orders per short window */
    int64_t orders_short_ms;     /* short window length */
    int64_t orders_long;         /* orders per long window */
    int64_t orders_long_ms;      /* long window length */
} venue_limits_t;

/* Input of an operation. Symbols are unified; zero/"" fields are absent. */
typedef struct {
    venue_order_req_t order;                /* place_order; on get_order calls that resolve an unknown
                                               outcome, the order as sent (start_ms = when), so venues
                                               without client ids can list and match */
    char symbol[VENUE_SYMBOL_MAX];          /* every symbol-taking operation */
    char order_id[VENUE_ID_MAX];            /* cancel_order, get_order */
    char client_order_id[VENUE_CLID_MAX];   /* cancel_order, get_order, close_position (id to use) */
    char asset[VENUE_ASSET_MAX];            /* get_balances */
    char interval[VENUE_INTERVAL_MAX];      /* get_klines */
    int limit;                              /* get_klines, get_fills; 0 = venue default */
    int64_t start_ms;                       /* get_klines, get_fills (since) */
    int64_t end_ms;                         /* get_klines */
    int leverage;                           /* set_leverage */
    int64_t from_id;                        /* get_fills cursor: first trade id wanted; 0 = use start_ms */
    char cursor[VENUE_ID_MAX];              /* get_fills: the adapter's own cursor (result.cursor of the last
                                               page), for venues whose trade ids are not numbers; "" = none */
} venue_input_t;

/* Output of an operation. Arrays are heap (mem_*), bounded by VENUE_RESULT_ITEMS_MAX; released by
 * venue_result_release. */
typedef struct {
    venue_order_t order;          /* place_order, get_order, close_position */
    venue_cancel_t cancel;        /* cancel_order */
    venue_ticker_t ticker;        /* get_ticker */
    int leverage;                 /* set_leverage */
    int64_t server_time;          /* time */
    int64_t count;                /* cancel_all: orders cancelled */
    venue_order_t *orders;        /* get_open_orders */
    size_t n_orders;
    venue_cancel_t *cancels;      /* cancel_all */
    size_t n_cancels;
    venue_position_t *positions;  /* get_positions */
    size_t n_positions;
    venue_balance_t *balances;    /* get_balances */
    size_t n_balances;
    venue_kline_t *klines;        /* get_klines */
    size_t n_klines;
    venue_fill_t *fills;          /* get_fills */
    size_t n_fills;
    char cursor[VENUE_ID_MAX];    /* get_fills: where the next page starts, when the adapter keeps its own
                                     cursor ("" = the runtime uses the numeric seq_key of the fills) */
    instruments_t *instruments;   /* load_instruments: a new table the runtime takes */
    venue_limits_t limits;        /* load_instruments */
} venue_result_t;

/* Appends one zeroed item and returns it, or NULL when the array is at VENUE_RESULT_ITEMS_MAX. */
venue_order_t *venue_result_add_order(venue_result_t *r);
venue_cancel_t *venue_result_add_cancel(venue_result_t *r);
venue_position_t *venue_result_add_position(venue_result_t *r);
venue_balance_t *venue_result_add_balance(venue_result_t *r);
venue_kline_t *venue_result_add_kline(venue_result_t *r);
venue_fill_t *venue_result_add_fill(venue_result_t *r);

/* Frees the arrays and the instrument table; *r is zeroed. */
void venue_result_release(venue_result_t *r);

/* What a hook may read besides its input. */
typedef struct {
    const char *venue;                  /* venue name */
    const instruments_t *instruments;   /* current contract table (never NULL; may be empty) */
    int64_t now_ms;                     /* venue time now (our clock + offset) */
} venue_ctx_t;

/* One operation in progress: the hook's input, memory between steps, and outputs. */
typedef struct {
    venue_op_t op;                 /* which operation */
    venue_input_t in;              /* input (the runtime fills order.client_order_id before step 0) */
    int step;                      /* 0 on the first call; the hook sets it for the next */
    int64_t scratch[4];            /* the hook's memory between steps */
    char note[VENUE_ID_MAX];       /* the hook's memory between steps (an id) */
    const venue_resp_t *resp;      /* reply to the previous request; NULL on step 0 */
    const venue_error_t *error;    /* mapped error of resp; NULL when resp succeeded */
    venue_req_t req;               /* out, VENUE_SEND: the next request */
    venue_result_t result;         /* out, VENUE_DONE */
    venue_error_t fail;            /* out, VENUE_FAIL */
    const venue_ctx_t *ctx;        /* borrowed */
} venue_call_t;

#define VENUE_SEND 1  /* call->req holds the next request */
#define VENUE_DONE 0  /* call->result holds the answer */
#define VENUE_FAIL -1 /* call->fail holds the error */

/* A step hook: see the file comment. Must not block or do I/O. */
typedef int venue_step_fn(void *state, venue_call_t *call);

/* Credentials, handed to sign only. */
typedef struct {
    char api_key[256];      /* <VENUE>_API_KEY */
    char api_secret[256];   /* <VENUE>_API_SECRET or the content of <VENUE>_API_SECRET_FILE */
    char passphrase[128];   /* <VENUE>_PASSPHRASE, for venues that need one */
    int recv_window_ms;     /* validity window of a signed request, for venues that have one */
    crypto_hmac_t *hmac;    /* api_secret prepared for HMAC-SHA256 (the runtime's; NULL: venue_sign_hex keys
                               HMAC per call) */
} venue_creds_t;

typedef struct {
    const char *name;              /* "binance": wire name, env prefix BINANCE_, binary xroute-venue-<name> */
    unsigned caps;                 /* VENUE_CAP_* */
    size_t state_size;             /* bytes of private state, zeroed, passed to every hook */
    const char *base_url;          /* production REST base */
    const char *testnet_url;       /* testnet REST base (<VENUE>_TESTNET=true) */
    const char *public_url;        /* market-data host for requests marked public_host (NULL: the REST base);
                                      when <VENUE>_BASE_URL is set and <VENUE>_PUBLIC_URL is not, the base
                                      serves both (a simulator, a proxy) */
    int64_t acceptance_window_ms;  /* after an unknown outcome, wait this long past send before querying */
    int64_t max_clock_skew_ms;     /* resync when the offset may be stale by this much; informational */

    /* One hook per operation; a NULL hook answers UNSUPPORTED. */
    venue_step_fn *place_order;
    venue_step_fn *cancel_order;
    venue_step_fn *cancel_all;
    venue_step_fn *get_order;
    venue_step_fn *get_open_orders;
    venue_step_fn *get_positions;
    venue_step_fn *get_balances;
    venue_step_fn *get_ticker;
    venue_step_fn *get_klines;
    venue_step_fn *set_leverage;
    venue_step_fn *close_position;
    venue_step_fn *get_fills;
    venue_step_fn *load_instruments;
    venue_step_fn *time;

    /* Optional: reads the adapter's own settings (<VENUE>_...) into its zeroed state, once, before anything
     * starts. Returns 0, or -1 with err: a bad setting, and the worker exits 2 with the message. */
    int (*configure)(void *state, const config_t *cfg, err_t *err);

    /* Signs req in place for sending at venue time now_ms (adds timestamp, signature, key header).
     * Returns 0, or -1 with err (never mentioning the secret). */
    int (*sign)(void *state, const venue_creds_t *creds, int64_t now_ms, venue_req_t *req, err_t *err);
    /* Classifies a reply: returns 0 when it is a success, else 1 with *out filled (unified code, venue code
     * and message, retry-after, unknown_outcome). Pure. */
    int (*map_error)(void *state, const venue_resp_t *resp, venue_error_t *out);
    /* Reads rate-limit usage headers of any reply into *usage (fields left -1 when absent). Optional. */
    void (*observe)(void *state, const venue_resp_t *resp, venue_usage_t *usage);
    /* Unified -> venue symbol and back. Optional: NULL uses the instrument table only. */
    int (*symbol_to_venue)(const instruments_t *t, const char *symbol, char *out, size_t cap, err_t *err);
    int (*symbol_from_venue)(const instruments_t *t, const char *venue_symbol, char *out, size_t cap,
                             err_t *err);
} venue_ops_t;

/* Hook helpers. */

/* Sets call->fail to code and a printf-style message; returns VENUE_FAIL. */
int venue_fail(venue_call_t *call, xr_code_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Copies call->error (which must be set) into call->fail; returns VENUE_FAIL. */
int venue_fail_reply(venue_call_t *call);

/* Maps a unified symbol to the venue's through ops->symbol_to_venue or the instrument table. Returns 0, or
 * -1 with err UNKNOWN_SYMBOL. */
int venue_symbol_to_venue(const venue_ops_t *ops, const instruments_t *t, const char *symbol, char *out,
                          size_t cap, err_t *err);
int venue_symbol_from_venue(const venue_ops_t *ops, const instruments_t *t, const char *venue_symbol, char *out,
                            size_t cap, err_t *err);

/* HMAC-SHA256 under the API secret of the n parts one after the other, as 64 lowercase hex digits: what the
 * venues' sign hooks send. Uses the prepared key (creds->hmac) when there is one. Returns 0 or -1. */
int venue_sign_hex(const venue_creds_t *creds, const crypto_part_t *parts, size_t n,
                   char out[CRYPTO_HEX_SHA256_LEN]);

/* The hook of an operation in ops, or NULL. */
venue_step_fn *venue_ops_hook(const venue_ops_t *ops, venue_op_t op);

#endif
