/* engine: the simulated exchange behind every dialect. One engine holds, per venue, the instruments, a seeded
 * price path per symbol, every order (open and closed), the positions and wallet of every account, the fills
 * and a ledger of everything accepted, and it matches orders against the price path. Dialects (dialect.h)
 * translate a venue's HTTP wire format into calls here and the results back into that venue's JSON and errors.
 *
 * Model (the same for every venue; README.md states it for users):
 *  - Book: for a symbol with last price L and tick t, best bid = L and best ask = L + t, with unlimited size.
 *    A market buy takes the ask, a market sell the bid. With config.partial_fills = n > 1 a market order fills
 *    in n trades at once, the k-th (0-based) k ticks worse than the touch.
 *  - Limit orders: marketable at placement (buy price >= ask, sell price <= bid) fill at once at the touch as
 *    taker (GTX is rejected instead; FOK fills whole or expires; IOC fills and expires the rest). Otherwise
 *    they rest and fill as maker at their own price once the last price trades through them (buy: last < price;
 *    sell: last > price), in partial_fills trades over as many ticks.
 *  - Conditional orders (stop, take-profit, trailing) wait UNTRIGGERED; when the last price reaches the trigger
 *    (STOP*: buy when last >= trigger, sell when last <= trigger; TAKE_PROFIT*: buy when last <= trigger, sell
 *    when last >= trigger; a trigger already reached at placement is SIM_REJ_WOULD_TRIGGER) the engine creates a
 *    child order (new id, parent_id set; LIMIT at price for STOP/TAKE_PROFIT, else MARKET) and the parent
 *    becomes TRIGGERED. Trailing: activation when the price reaches trigger_price (at once when zero), then
 *    trigger at callback_rate % off the best price since activation.
 *  - Reduce-only: refused with nothing to reduce, capped at the position when larger (the rest expires); a
 *    resting reduce-only limit order expires when its position leg goes flat.
 *  - Positions: one-way (BOTH) by default; hedge mode (LONG/SHORT) per venue and account when asked. Cost
 *    basis is kept exactly; realized PnL on a reduction = exit notional - the cost share removed (rounded to
 *    8 decimals only when a part of a position is closed), so a round trip realizes exactly sells - buys.
 *    Fees = notional * rate, rounded half-up to 8 decimals, charged to the wallet in the quote asset.
 *  - Margin: initial margin = notional / leverage (8 decimals, rounded up); available = wallet + unrealized
 *    PnL - position margin - open-order margin. No liquidation, no funding.
 *
 * Threading: none. The engine is driven from the simulator's single loop and takes no locks; every call
 * returns at once. Pointers to instruments stay valid for the engine's life; pointers to positions until
 * sim_engine_reset; pointers to orders and fills only until the next call that can place an order or a fill
 * (place, amend, set_price, tick: old final orders and fills are forgotten past the retention limits), so use
 * them within one request. All money is decimal_t, exact. */
#ifndef XR_SIM_ENGINE_H
#define XR_SIM_ENGINE_H

#include "base/decimal.h"
#include "base/err.h"
#include "crypto/crypto_hmac.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _sim_engine_t sim_engine_t;

typedef enum {
    SIM_VENUE_BINANCE = 0, /* Binance USD-M futures */
    SIM_VENUE_BYBIT,       /* Bybit v5 linear */
    SIM_VENUE_COINDCX,     /* CoinDCX futures */
    SIM_VENUE_COUNT        /* number of venues; not a venue */
} sim_venue_t;

/* "binance", "bybit", "coindcx". Borrowed static string. */
const char *sim_venue_name(sim_venue_t venue);

/* Parses a venue name (lower case). Returns 0, or -1 if unknown. */
int sim_venue_parse(const char *name, sim_venue_t *out);

typedef enum {
    SIM_SIDE_BUY = 0, /* buy */
    SIM_SIDE_SELL     /* sell */
} sim_side_t;

typedef enum {
    SIM_TYPE_LIMIT = 0,            /* limit; rests unless marketable */
    SIM_TYPE_MARKET,               /* market; fills at once */
    SIM_TYPE_STOP,                 /* stop-limit: at trigger becomes LIMIT at price */
    SIM_TYPE_STOP_MARKET,          /* stop: at trigger becomes MARKET */
    SIM_TYPE_TAKE_PROFIT,          /* take-profit limit */
    SIM_TYPE_TAKE_PROFIT_MARKET,   /* take-profit market */
    SIM_TYPE_TRAILING_STOP_MARKET  /* trailing stop: callback_rate percent off the best price since activation */
} sim_type_t;

/* True for the conditional types (everything but LIMIT and MARKET). */
bool sim_type_is_conditional(sim_type_t type);

typedef enum {
    SIM_TIF_GTC = 0, /* good till cancel */
    SIM_TIF_IOC,     /* immediate or cancel: the unfilled rest expires */
    SIM_TIF_FOK,     /* fill or kill: fills whole at once or expires with no fill */
    SIM_TIF_GTX,     /* post-only: rejected (SIM_REJ_POST_ONLY) if it would take */
    SIM_TIF_GTD      /* good till good_till_ms, then expires */
} sim_tif_t;

typedef enum {
    SIM_POS_BOTH = 0, /* one-way mode: one signed position */
    SIM_POS_LONG,     /* hedge mode, long leg (qty >= 0) */
    SIM_POS_SHORT     /* hedge mode, short leg (qty <= 0) */
} sim_pos_side_t;

typedef enum {
    SIM_ST_NEW = 0,          /* accepted, resting, no fill */
    SIM_ST_PARTIALLY_FILLED, /* resting with some fill */
    SIM_ST_FILLED,           /* final: fully filled */
    SIM_ST_CANCELED,         /* final: canceled by the account (may have fills) */
    SIM_ST_EXPIRED,          /* final: IOC/FOK rest, GTD time, or a reduce-only order that lost its position */
    SIM_ST_UNTRIGGERED,      /* conditional, waiting for its trigger */
    SIM_ST_TRIGGERED,        /* final for a conditional: child_id holds the order it became */
    SIM_ST_REJECTED          /* final for a conditional whose child could not be placed at trigger time */
} sim_status_t;

/* True for statuses in which an order can still fill or trigger (NEW, PARTIALLY_FILLED, UNTRIGGERED). */
bool sim_status_is_open(sim_status_t status);

/* Why the engine refused something. Dialects map each to their venue's own code and message. */
typedef enum {
    SIM_OK = 0,                /* no refusal */
    SIM_REJ_UNKNOWN_SYMBOL,    /* no such instrument on this venue */
    SIM_REJ_BAD_PARAM,         /* inconsistent request (e.g. LIMIT without price, trailing without rate) */
    SIM_REJ_QTY_NOT_POSITIVE,  /* quantity <= 0 */
    SIM_REJ_QTY_MIN,           /* quantity below min_qty */
    SIM_REJ_QTY_MAX,           /* quantity above max_qty (max_mkt_qty for market orders) */
    SIM_REJ_QTY_STEP,          /* quantity not a multiple of step */
    SIM_REJ_PRICE_MIN,         /* price (or trigger) not positive or below min_price */
    SIM_REJ_PRICE_MAX,         /* price above max_price */
    SIM_REJ_PRICE_TICK,        /* price (or trigger) not a multiple of tick */
    SIM_REJ_MIN_NOTIONAL,      /* price * qty below min_notional (reduce-only orders are exempt) */
    SIM_REJ_DUP_CLIENT_ID,     /* client id already used by an open order of this account */
    SIM_REJ_MARGIN,            /* available balance below the order's initial margin */
    SIM_REJ_REDUCE_ONLY,       /* reduce-only order that would not reduce (or exceeds the position) */
    SIM_REJ_POST_ONLY,         /* GTX order that would take */
    SIM_REJ_WOULD_TRIGGER,     /* conditional whose trigger is already reached */
    SIM_REJ_POSITION_SIDE,     /* pos_side does not match the account's position mode */
    SIM_REJ_MAX_OPEN_ORDERS,   /* too many open orders for this symbol */
    SIM_REJ_LEVERAGE,          /* leverage outside 1..max_leverage */
    SIM_REJ_NOT_FOUND,         /* no such order for this account */
    SIM_REJ_NOT_OPEN,          /* the order is already final */
    SIM_REJ_MODE_CHANGE,       /* position mode cannot change while orders or positions exist */
    SIM_REJ_UNKNOWN_ACCOUNT    /* no such account */
} sim_result_t;

/* Short English name of a result ("min notional"); for logs and admin output. Borrowed static string. */
const char *sim_result_name(sim_result_t r);

/* Instrument definition, supplied by a dialect (venue-native names and filters). Copied by the engine. */
typedef struct {
    const char *symbol;        /* venue's name: "BTCUSDT", "1000PEPEUSDT", "B-BTC_USDT" */
    const char *base;          /* base asset as the venue names it: "BTC", "1000PEPE" */
    const char *quote;         /* quote and margin asset: "USDT" */
    const char *tick;          /* price step, decimal text: "0.10" */
    const char *step;          /* quantity step: "0.001" */
    const char *min_qty;       /* smallest quantity of any order */
    const char *max_qty;       /* largest quantity of a limit order */
    const char *max_mkt_qty;   /* largest quantity of a market order */
    const char *min_price;     /* smallest price accepted */
    const char *max_price;     /* largest price accepted */
    const char *min_notional;  /* smallest price * qty ("5" on Binance) */
    const char *start_price;   /* where the price path starts (after reset too) */
    int max_leverage;          /* 1..max_leverage accepted; default leverage is min(20, max) */
    int max_open_orders;       /* open orders per account and symbol (Binance MAX_NUM_ORDERS 200) */
} sim_instrument_def_t;

/* An instrument as the engine holds it. Read-only for dialects. */
typedef struct {
    sim_venue_t venue;         /* venue it trades on */
    int index;                 /* position in the venue's list, 0-based (sim_engine_instrument_at) */
    char symbol[32];           /* venue's name */
    char base[16];             /* base asset */
    char quote[8];             /* quote / margin asset */
    decimal_t tick;            /* price step */
    decimal_t step;            /* quantity step */
    decimal_t min_qty;         /* min order quantity */
    decimal_t max_qty;         /* max limit order quantity */
    decimal_t max_mkt_qty;     /* max market order quantity */
    decimal_t min_price;       /* min price */
    decimal_t max_price;       /* max price */
    decimal_t min_notional;    /* min price * qty */
    decimal_t start_price;     /* price path start */
    int max_leverage;          /* highest leverage */
    int max_open_orders;       /* open order cap per account */
    uint8_t price_precision;   /* decimals accepted in a price (>= the tick's) */
    uint8_t qty_precision;     /* decimals accepted in a quantity (>= the step's) */
} sim_instrument_t;

typedef struct {
    uint64_t seed;            /* price path and id seed: the same seed gives the same run */
    int partial_fills;        /* trades per market order / per resting fill, 1..5 (1 = whole) */
    decimal_t maker_fee;      /* rate, e.g. 0.0002 */
    decimal_t taker_fee;      /* rate, e.g. 0.0005 */
    decimal_t initial_funds;  /* quote balance every account starts with on every venue */
    int64_t tick_ms;          /* price path step interval; 0 = the path never moves by itself */
    int walk_bp;              /* max move per step in hundredths of a basis point of the start price (100 = 1 bp) */
    bool rate_limits;         /* dialects enforce their venue's rate limits (429/403, bans); false for benchmarks */
    int rate_limit_per_min;   /* per-IP request weight per minute a dialect allows; 0 = the venue's own default */
    int max_open_orders;      /* open orders per account and symbol on every venue (published where the venue
                                 publishes it); 0 = each instrument's own (Binance MAX_NUM_ORDERS 200) */
    size_t keep_orders;       /* orders kept per venue before the oldest final ones are forgotten (answered "not
                                 found"), in chunks of 4096; 0 = 2 Mi. Fills keep the last 2 Mi, the ledger 2 Mi */
} sim_engine_config_t;

/* The figure a dialect publishes for a limit it does not enforce (rate limits off): far above any rate a client
 * can reach here, so a client that paces itself by the published limits is never held back, and small enough
 * for every client's integer parsing and window arithmetic (1,000,000 per window). */
#define SIM_LIMIT_UNLIMITED 1000000

/* Defaults: seed 1, partial_fills 1, maker 0.0002, taker 0.0005, funds 100000, tick 100 ms, walk 100, rate limits
 * on at the venues' defaults. */
void sim_engine_config_default(sim_engine_config_t *cfg);

/* Creates an empty engine (no instruments, no accounts). Returns NULL (err set) on a bad config. Caller
 * destroys it. */
sim_engine_t *sim_engine_new(const sim_engine_config_t *cfg, err_t *err);

/* Frees everything; *self_p becomes NULL. NULL is fine. */
void sim_engine_destroy(sim_engine_t **self_p);

/* Back to the state just after setup: instruments and accounts stay, orders/positions/fills/ledger go, wallets
 * refill to initial_funds, prices return to their start, the random path restarts from the seed. */
void sim_engine_reset(sim_engine_t *self, int64_t now_ms);

/* The configuration in force. Borrowed. */
const sim_engine_config_t *sim_engine_config(const sim_engine_t *self);

/* Sets the number of trades per fill (1..5) at run time (admin). Returns 0, or -1 if out of range. */
int sim_engine_set_partial_fills(sim_engine_t *self, int n);

/* Switches rate limiting at run time (admin); per_min 0 = the venue's default. Dialects read the config on
 * every request. */
void sim_engine_set_rate_limits(sim_engine_t *self, bool on, int per_min);

/* ---- instruments ---- */

/* Adds an instrument to a venue (decimal texts parsed exactly). Returns 0, or -1 (err set) on a bad
 * definition or a duplicate symbol. Call before the first order; history candles are generated here. */
int sim_engine_add_instrument(sim_engine_t *self, sim_venue_t venue, const sim_instrument_def_t *def,
                              int64_t now_ms, err_t *err);

/* Lets a venue accept more decimals in prices / quantities than the tick / step has (Binance BTCUSDT: tick 0.1,
 * pricePrecision 2), so "90000.05" is a tick error rather than a precision error. Values below the tick's /
 * step's own decimals are ignored. Returns 0, or -1 for an unknown symbol or a value above 18. */
int sim_engine_set_precision(sim_engine_t *self, sim_venue_t venue, const char *symbol, int price_precision,
                             int qty_precision);

/* Looks a symbol up (exact, case-sensitive); NULL if unknown. Borrowed. */
const sim_instrument_t *sim_engine_instrument(const sim_engine_t *self, sim_venue_t venue, const char *symbol);

/* Looks a symbol up by its first len bytes; NULL if unknown. Borrowed. */
const sim_instrument_t *sim_engine_instrument_n(const sim_engine_t *self, sim_venue_t venue,
                                                const char *symbol, size_t len);

/* Number of instruments of a venue, and the i-th (NULL if out of range). Borrowed. */
size_t sim_engine_instrument_count(const sim_engine_t *self, sim_venue_t venue);
const sim_instrument_t *sim_engine_instrument_at(const sim_engine_t *self, sim_venue_t venue, size_t i);

/* ---- accounts ---- */

typedef struct {
    int id;           /* 0-based account number */
    char key[80];     /* API key */
    char secret[136]; /* API secret: never logged, never in admin output */
    crypto_hmac_t *hmac; /* HMAC-SHA256 prepared under secret, for checking signatures (engine's) */
} sim_account_t;

/* Adds an account that exists on every venue with initial_funds. Returns its id, or -1 (err set) if the key is
 * empty, too long, or already present. */
int sim_engine_add_account(sim_engine_t *self, const char *key, const char *secret, err_t *err);

/* Account by API key (first key_len bytes); NULL if unknown. Borrowed. */
const sim_account_t *sim_engine_account_by_key(const sim_engine_t *self, const char *key, size_t key_len);

/* Account by id; NULL if out of range. Borrowed. */
const sim_account_t *sim_engine_account(const sim_engine_t *self, int id);

/* Number of accounts. */
int sim_engine_account_count(const sim_engine_t *self);

/* Hedge (dual-side) mode of an account on a venue. Setting fails with SIM_REJ_MODE_CHANGE while the account has
 * open orders or positions there. */
bool sim_engine_dual_side(const sim_engine_t *self, sim_venue_t venue, int account);
sim_result_t sim_engine_set_dual_side(sim_engine_t *self, sim_venue_t venue, int account, bool dual);

/* Leverage of an account for a symbol (default min(20, max_leverage)). Setting returns SIM_REJ_LEVERAGE
 * outside 1..max_leverage, SIM_REJ_UNKNOWN_SYMBOL, or SIM_OK. */
int sim_engine_leverage(const sim_engine_t *self, const sim_instrument_t *inst, int account);
sim_result_t sim_engine_set_leverage(sim_engine_t *self, const sim_instrument_t *inst, int account, int leverage);

/* Isolated (true) or cross (false, default) margin flag per symbol: stored and reported, margin math is cross. */
bool sim_engine_isolated(const sim_engine_t *self, const sim_instrument_t *inst, int account);
void sim_engine_set_isolated(sim_engine_t *self, const sim_instrument_t *inst, int account, bool isolated);

typedef struct {
    decimal_t wallet;           /* deposits + realized PnL - fees */
    decimal_t unrealized;       /* sum of positions' unrealized PnL at mark */
    decimal_t position_margin;  /* initial margin of open positions */
    decimal_t order_margin;     /* initial margin of open orders that would increase a position */
    decimal_t available;        /* wallet + unrealized - position_margin - order_margin (may be negative) */
    decimal_t realized;         /* realized PnL since start/reset */
    decimal_t fees;             /* fees paid since start/reset */
    int64_t update_ms;          /* last change */
} sim_balance_t;

/* Computes the quote-asset balance of an account on a venue. Returns 0, or -1 for an unknown account. */
int sim_engine_balance(sim_engine_t *self, sim_venue_t venue, int account, sim_balance_t *out);

/* ---- market data ---- */

typedef struct {
    decimal_t last;     /* last price of the path */
    decimal_t mark;     /* mark price (= last) */
    decimal_t bid;      /* best bid (= last) */
    decimal_t ask;      /* best ask (= last + tick) */
    decimal_t bid_qty;  /* displayed size at the bid (max_mkt_qty / 10, for show) */
    decimal_t ask_qty;  /* displayed size at the ask */
    decimal_t open_24h; /* price 24 h ago on the path history (or the start price) */
    int64_t time_ms;    /* when last changed */
} sim_ticker_t;

/* Current prices of an instrument. */
void sim_engine_ticker(const sim_engine_t *self, const sim_instrument_t *inst, sim_ticker_t *out);

/* Sets the last price (a positive multiple of tick) and matches at once: resting orders and triggers see the
 * new price as a trade. Returns 0, or -1 (err set) for a bad price. */
int sim_engine_set_price(sim_engine_t *self, const sim_instrument_t *inst, decimal_t price, int64_t now_ms,
                         err_t *err);

/* Advances every price path by the steps due until now_ms (config.tick_ms apart), matching after each, and
 * expires GTD orders. Call from the loop at least every tick_ms. Returns ms until the next step is due. */
int64_t sim_engine_tick(sim_engine_t *self, int64_t now_ms);

typedef struct {
    int64_t open_ms;       /* start of the interval */
    int64_t close_ms;      /* open_ms + interval - 1 */
    decimal_t open;        /* first price */
    decimal_t high;        /* highest */
    decimal_t low;         /* lowest */
    decimal_t close;       /* last */
    decimal_t volume;      /* base volume traded by accounts (plus a seeded background amount) */
    decimal_t quote_volume;/* quote volume */
    int64_t trades;        /* trade count */
} sim_candle_t;

/* Candles of interval_ms (a multiple of 60000) with open_ms in [start_ms, end_ms] (0 = unbounded), oldest
 * first; when more than limit match, the newest `limit` ones (or the oldest `limit` from start_ms when
 * start_ms is given, as Binance does). Writes at most cap; returns the count. History reaches 1500 minutes
 * back from the engine's creation. */
size_t sim_engine_candles(const sim_engine_t *self, const sim_instrument_t *inst, int64_t interval_ms,
                          int64_t start_ms, int64_t end_ms, size_t limit, int64_t now_ms, sim_candle_t *out,
                          size_t cap);

/* ---- orders ---- */

#define SIM_CLIENT_ID_MAX 48 /* bytes including NUL; dialects enforce their own shorter limit */

/* What a dialect asks for. Zero-initialise, then fill; decimals left zero mean "absent". */
typedef struct {
    sim_venue_t venue;           /* venue */
    int account;                 /* account id */
    const sim_instrument_t *inst;/* instrument (from sim_engine_instrument) */
    sim_side_t side;             /* side */
    sim_type_t type;             /* type */
    sim_tif_t tif;               /* time in force (limit and stop-limit; ignored for market) */
    sim_pos_side_t pos_side;     /* BOTH in one-way mode; LONG/SHORT required in hedge mode */
    decimal_t qty;               /* quantity in base units (ignored with close_position) */
    decimal_t price;             /* limit price (LIMIT, STOP, TAKE_PROFIT) */
    decimal_t trigger_price;     /* trigger (STOP*, TAKE_PROFIT*; optional activation for trailing) */
    decimal_t callback_rate;     /* trailing percent, e.g. 1 = 1 % */
    bool reduce_only;            /* never increase the position */
    bool close_position;         /* conditional that closes the whole position at trigger */
    bool cap_reduce_only;        /* cap an oversized reduce-only order at the position instead of rejecting */
    int64_t good_till_ms;        /* GTD expiry */
    decimal_t take_profit;       /* attached take-profit price: stored and reported only (zero = none) */
    decimal_t stop_loss;         /* attached stop-loss price: stored and reported only (zero = none) */
    const char *client_id;       /* client order id, NUL-terminated, < SIM_CLIENT_ID_MAX; NULL/"" = engine makes
                                    one ("sim-" + id) */
    int64_t now_ms;              /* request time */
} sim_order_req_t;

/* An order as the engine holds it (open or final). Read-only for dialects. */
typedef struct {
    int64_t id;                  /* unique per venue, increasing */
    int64_t parent_id;           /* the conditional order that created this one, else 0 */
    int64_t child_id;            /* for a TRIGGERED conditional: the order it became, else 0 */
    sim_venue_t venue;           /* venue */
    int account;                 /* account id */
    const sim_instrument_t *inst;/* instrument */
    char client_id[SIM_CLIENT_ID_MAX]; /* client order id */
    sim_side_t side;             /* side */
    sim_type_t type;             /* current type */
    sim_type_t orig_type;        /* type at placement (a triggered child keeps its parent's) */
    sim_tif_t tif;               /* time in force */
    sim_pos_side_t pos_side;     /* position side */
    sim_status_t status;         /* lifecycle state */
    decimal_t price;             /* limit price, zero for market */
    decimal_t qty;               /* quantity (capped reduce-only: the capped value) */
    decimal_t trigger_price;     /* trigger, zero if none */
    decimal_t callback_rate;     /* trailing percent */
    decimal_t trail_extreme;     /* trailing: best price since activation */
    bool trail_active;           /* trailing: activation reached */
    decimal_t filled;            /* executed quantity */
    decimal_t cum_quote;         /* sum of price * qty of fills */
    decimal_t avg_price;         /* cum_quote / filled (8 decimals), zero without fills */
    decimal_t fee;               /* fees paid */
    decimal_t realized;          /* realized PnL from this order's fills */
    bool reduce_only;            /* reduce-only */
    bool close_position;         /* close-position conditional */
    bool maker_only_fills;       /* all fills so far were maker */
    int leverage;                /* leverage at placement */
    int64_t good_till_ms;        /* GTD expiry, else 0 */
    decimal_t take_profit;       /* attached take-profit price (stored only), zero if none */
    decimal_t stop_loss;         /* attached stop-loss price (stored only), zero if none */
    int64_t created_ms;          /* accepted */
    int64_t updated_ms;          /* last change */
} sim_order_t;

/* Places an order: validates filters, client id, position side, reduce-only and margin, then matches what is
 * marketable. On SIM_OK *out (optional) points at the order as it stands after matching (FILLED, EXPIRED for
 * a killed FOK/IOC rest, NEW...). On a refusal nothing changes and *out is NULL. */
sim_result_t sim_engine_place(sim_engine_t *self, const sim_order_req_t *req, const sim_order_t **out);

/* Cancels an open order of an account by id (id > 0) or else by client id. SIM_REJ_NOT_FOUND if no such order
 * (or another symbol when inst is not NULL), SIM_REJ_NOT_OPEN if already final (*out still set). */
sim_result_t sim_engine_cancel(sim_engine_t *self, sim_venue_t venue, int account, const sim_instrument_t *inst,
                               int64_t id, const char *client_id, int64_t now_ms, const sim_order_t **out);

/* Amends an open order found as in sim_engine_cancel: new quantity (zero: keep; must stay above the filled
 * quantity), new limit price and new trigger (zero: keep). Filters are checked as at placement; a price that
 * becomes marketable fills at once. Same refusals as place and cancel; nothing changes on a refusal. */
sim_result_t sim_engine_amend(sim_engine_t *self, sim_venue_t venue, int account, const sim_instrument_t *inst,
                              int64_t id, const char *client_id, decimal_t qty, decimal_t price,
                              decimal_t trigger_price, int64_t now_ms, const sim_order_t **out);

/* Cancels every open order of an account on a symbol (inst NULL: all symbols); conditional selects which kind
 * (true: conditionals only, false: plain orders only). Returns how many were canceled. */
size_t sim_engine_cancel_all(sim_engine_t *self, sim_venue_t venue, int account, const sim_instrument_t *inst,
                             bool conditional, int64_t now_ms);

/* Finds an order of an account by id (id > 0) or else by client id (the newest order with it). NULL if none.
 * Borrowed. */
const sim_order_t *sim_engine_order(const sim_engine_t *self, sim_venue_t venue, int account, int64_t id,
                                    const char *client_id);

/* Calls fn for each open order of an account (inst NULL: every symbol; conditional: -1 both, 0 plain, 1
 * conditional only), oldest first, until fn returns non-zero. Returns the number visited. */
size_t sim_engine_open_orders(const sim_engine_t *self, sim_venue_t venue, int account,
                              const sim_instrument_t *inst, int conditional,
                              int (*fn)(const sim_order_t *o, void *ctx), void *ctx);

/* Calls fn for each order (open and final) of an account with id >= from_id (0: all), oldest first; same
 * filters as sim_engine_open_orders. Returns the number visited. */
size_t sim_engine_orders(const sim_engine_t *self, sim_venue_t venue, int account, const sim_instrument_t *inst,
                         int conditional, int64_t from_id, int (*fn)(const sim_order_t *o, void *ctx),
                         void *ctx);

/* ---- positions ---- */

typedef struct {
    const sim_instrument_t *inst;/* instrument */
    int account;                 /* account id */
    sim_pos_side_t side;         /* BOTH, LONG or SHORT */
    decimal_t qty;               /* signed: > 0 long, < 0 short */
    decimal_t cost;              /* signed cost basis: sum of signed qty * price still open */
    decimal_t entry_price;       /* cost / qty (8 decimals), zero when flat */
    decimal_t realized;          /* realized PnL since start/reset */
    int64_t update_ms;           /* last change */
} sim_position_t;

/* The position of an account in a symbol and side (BOTH in one-way mode). Never NULL for a known account: a
 * flat position is returned when there is none. Borrowed. */
const sim_position_t *sim_engine_position(sim_engine_t *self, const sim_instrument_t *inst, int account,
                                          sim_pos_side_t side);

/* Unrealized PnL at mark: mark * qty - cost. */
decimal_t sim_engine_unrealized(const sim_engine_t *self, const sim_position_t *pos);

/* Initial margin of a position: |qty| * mark / leverage. */
decimal_t sim_engine_position_margin(const sim_engine_t *self, const sim_position_t *pos);

/* Calls fn for each position of an account on a venue that is non-flat, or (with_flat) has been touched,
 * ordered by instrument then side, until fn returns non-zero. Returns the number visited. */
size_t sim_engine_positions(sim_engine_t *self, sim_venue_t venue, int account, bool with_flat,
                            int (*fn)(const sim_position_t *p, void *ctx), void *ctx);

/* ---- fills ---- */

typedef struct {
    int64_t trade_id;            /* unique per venue, increasing */
    int64_t order_id;            /* the order that filled */
    sim_venue_t venue;           /* venue */
    int account;                 /* account id */
    const sim_instrument_t *inst;/* instrument */
    sim_side_t side;             /* side of the order */
    sim_pos_side_t pos_side;     /* position side of the order */
    decimal_t price;             /* trade price */
    decimal_t qty;               /* trade quantity */
    decimal_t quote_qty;         /* price * qty */
    decimal_t fee;               /* fee charged (quote asset) */
    decimal_t fee_rate;          /* maker or taker rate applied */
    decimal_t realized;          /* realized PnL of this trade */
    bool maker;                  /* resting side */
    int64_t time_ms;             /* trade time */
} sim_fill_t;

typedef struct {
    const sim_instrument_t *inst;/* NULL: every symbol */
    int64_t order_id;            /* 0: any order */
    int64_t from_trade_id;       /* 0: no lower bound on trade id */
    int64_t start_ms;            /* 0: no lower bound on time */
    int64_t end_ms;              /* 0: no upper bound on time (inclusive) */
    size_t limit;                /* 0: no limit */
    bool newest;                 /* with a limit and no from_trade_id/start_ms: take the newest `limit` */
} sim_fill_query_t;

/* Calls fn for each fill of an account on a venue matching q, oldest first, until fn returns non-zero.
 * Returns the number visited. */
size_t sim_engine_fills(const sim_engine_t *self, sim_venue_t venue, int account, const sim_fill_query_t *q,
                        int (*fn)(const sim_fill_t *f, void *ctx), void *ctx);

/* ---- ledger: the exchange's own truth for tests (GET /admin/ledger) ---- */

typedef enum {
    SIM_LEDGER_ORDER = 0, /* an order was accepted (snapshot at acceptance, before matching) */
    SIM_LEDGER_FILL,      /* a trade */
    SIM_LEDGER_DONE       /* an order reached a final status (CANCELED, EXPIRED, FILLED, TRIGGERED, REJECTED) */
} sim_ledger_kind_t;

typedef struct {
    int64_t seq;                 /* position in the venue's ledger, from 1 */
    sim_ledger_kind_t kind;      /* what happened */
    sim_venue_t venue;           /* venue */
    int account;                 /* account id */
    const sim_instrument_t *inst;/* instrument */
    int64_t order_id;            /* the order */
    char client_id[SIM_CLIENT_ID_MAX]; /* its client id */
    sim_side_t side;             /* side */
    sim_type_t type;             /* order type */
    sim_tif_t tif;               /* time in force */
    sim_status_t status;         /* ORDER: status at acceptance; DONE: the final status */
    decimal_t price;             /* ORDER: limit price; FILL: trade price */
    decimal_t qty;               /* ORDER: quantity; FILL: trade quantity; DONE: filled quantity */
    decimal_t trigger_price;     /* ORDER: trigger */
    bool reduce_only;            /* ORDER: reduce-only */
    int64_t trade_id;            /* FILL: trade id, else 0 */
    decimal_t fee;               /* FILL: fee */
    decimal_t realized;          /* FILL: realized PnL */
    bool maker;                  /* FILL: maker */
    int64_t time_ms;             /* when */
} sim_ledger_entry_t;

/* Calls fn for each ledger entry of a venue (SIM_VENUE_COUNT: all venues, venue by venue) of an account
 * (-1: all) in order, skipping FILL entries with trade_id <= since_trade (since_trade 0: none skipped; a
 * since_trade > 0 also skips ORDER and DONE entries older than the first fill kept), until fn returns
 * non-zero. Returns the number visited. */
size_t sim_engine_ledger(const sim_engine_t *self, sim_venue_t venue, int account, int64_t since_trade,
                         int (*fn)(const sim_ledger_entry_t *e, void *ctx), void *ctx);

/* Counters for health output: orders, open orders, fills and ledger entries of a venue. */
typedef struct {
    size_t orders;      /* orders ever accepted since reset */
    size_t open_orders; /* open now */
    size_t fills;       /* fills since reset */
    size_t ledger;      /* ledger entries since reset */
} sim_engine_stats_t;
void sim_engine_stats(const sim_engine_t *self, sim_venue_t venue, sim_engine_stats_t *out);

#endif
