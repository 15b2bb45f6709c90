/* model: the unified order model of ../shared/model.md as plain C value types, the currency in which every
 * venue adapter speaks to the runtime. Strings are bounded, NUL-terminated arrays so a value can be copied
 * with `=`; money is decimal_t (a zero decimal means "absent" for optional prices, which are never zero when
 * present). Every enum has a wire name (the same words as proto/README.md) and a parser. */
#ifndef XR_VENUE_MODEL_H
#define XR_VENUE_MODEL_H

#include "base/decimal.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VENUE_SYMBOL_MAX 48  /* unified "BASE/QUOTE" (20 + 1 + 20) or a venue symbol, + NUL */
#define VENUE_CLID_MAX 40    /* client order id: 1..36 chars of [A-Za-z0-9_-], + NUL */
#define VENUE_ID_MAX 64      /* a venue's order id or trade id as text, + NUL */
#define VENUE_NAME_MAX 32    /* venue name, account name, instance id, + NUL */
#define VENUE_ASSET_MAX 24   /* asset code, + NUL */
#define VENUE_INTERVAL_MAX 8 /* kline interval ("1m", "1M"), + NUL */

typedef enum { VENUE_SIDE_NONE = 0, VENUE_SIDE_BUY, VENUE_SIDE_SELL } venue_side_t;

typedef enum {
    VENUE_TYPE_NONE = 0,            /* not given */
    VENUE_TYPE_MARKET,              /* immediate at the best price */
    VENUE_TYPE_LIMIT,               /* rests at price */
    VENUE_TYPE_STOP_MARKET,         /* market order once stop_price trades */
    VENUE_TYPE_STOP_LIMIT,          /* limit order at price once stop_price trades */
    VENUE_TYPE_TAKE_PROFIT_MARKET,  /* market order once the take-profit trigger trades */
    VENUE_TYPE_TAKE_PROFIT_LIMIT,   /* limit order once the take-profit trigger trades */
    VENUE_TYPE_TRAILING_STOP_MARKET /* market order once price retraces trailing_stop_pct */
} venue_type_t;

typedef enum {
    VENUE_TIF_NONE = 0, /* not given: the venue default (GTC for limit orders) */
    VENUE_TIF_GTC,      /* good till cancel */
    VENUE_TIF_IOC,      /* immediate or cancel */
    VENUE_TIF_FOK,      /* fill or kill */
    VENUE_TIF_GTX       /* post-only: rejected if it would take */
} venue_tif_t;

typedef enum {
    VENUE_PSIDE_NONE = 0, /* not given: one-way mode */
    VENUE_PSIDE_BOTH,     /* one-way mode, explicit */
    VENUE_PSIDE_LONG,     /* hedge mode, long leg */
    VENUE_PSIDE_SHORT     /* hedge mode, short leg */
} venue_pside_t;

typedef enum {
    VENUE_STATUS_NONE = 0,         /* unknown word from a venue; never sent out */
    VENUE_STATUS_NEW,              /* accepted, resting, nothing filled */
    VENUE_STATUS_PARTIALLY_FILLED, /* resting, some filled */
    VENUE_STATUS_FILLED,           /* done, all filled */
    VENUE_STATUS_CANCELED,         /* done, cancelled (possibly after partial fills) */
    VENUE_STATUS_REJECTED,         /* refused by the venue, or never reached it */
    VENUE_STATUS_EXPIRED,          /* done by time-in-force or self-trade prevention */
    VENUE_STATUS_UNTRIGGERED,      /* a conditional order waiting for its trigger */
    VENUE_STATUS_PENDING_UNKNOWN   /* sent; outcome not known yet, being resolved by query */
} venue_status_t;

typedef enum { VENUE_LIQ_NONE = 0, VENUE_LIQ_MAKER, VENUE_LIQ_TAKER } venue_liq_t;

/* OrderRequest. quantity > 0 always; price, stop_price, take_profit, stop_loss and trailing_pct are zero
 * when absent. */
typedef struct {
    char symbol[VENUE_SYMBOL_MAX];         /* unified BASE/QUOTE */
    venue_side_t side;                     /* BUY or SELL */
    venue_type_t type;                     /* order type */
    decimal_t quantity;                    /* base quantity, > 0 */
    decimal_t price;                       /* limit price (limit types) */
    decimal_t stop_price;                  /* trigger (stop and take-profit types; trailing activation) */
    venue_tif_t time_in_force;             /* GTC when absent on limit types */
    bool reduce_only;                      /* only reduce a position */
    venue_pside_t position_side;           /* hedge-mode leg */
    char client_order_id[VENUE_CLID_MAX];  /* set by the runtime before the adapter sees the request */
    int leverage;                          /* 0 = leave as is; 1..125 applied before the order */
    decimal_t take_profit;                 /* attached take-profit trigger */
    decimal_t stop_loss;                   /* attached stop-loss trigger */
    decimal_t trailing_pct;                /* callback rate in percent for trailing stops */
    bool round;                            /* round price/quantity to tick/step instead of refusing */
} venue_order_req_t;

/* OrderResult. */
typedef struct {
    char order_id[VENUE_ID_MAX];           /* the venue's id ("" when not known yet) */
    char client_order_id[VENUE_CLID_MAX];  /* ours */
    char symbol[VENUE_SYMBOL_MAX];         /* unified */
    venue_side_t side;                     /* BUY or SELL */
    venue_type_t type;                     /* order type */
    venue_tif_t time_in_force;             /* NONE for market orders */
    decimal_t quantity;                    /* ordered */
    decimal_t filled_quantity;             /* executed so far */
    decimal_t price;                       /* limit price; zero for market */
    decimal_t average_price;               /* average fill price; zero when nothing filled */
    decimal_t stop_price;                  /* trigger; zero when none */
    bool reduce_only;                      /* reduce-only flag */
    venue_pside_t position_side;           /* leg */
    venue_status_t status;                 /* lifecycle state */
    int64_t created_at;                    /* epoch ms at the venue; 0 when unknown */
    int64_t updated_at;                    /* epoch ms at the venue; 0 when unknown */
} venue_order_t;

/* A trade of ours. client_order_id may be empty when the venue's trade list does not carry it; the runtime
 * fills it from its own order table. */
typedef struct {
    char trade_id[VENUE_ID_MAX];           /* unique per venue and account */
    char order_id[VENUE_ID_MAX];           /* venue order id */
    char client_order_id[VENUE_CLID_MAX];  /* ours, if known */
    char symbol[VENUE_SYMBOL_MAX];         /* unified */
    venue_side_t side;                     /* BUY or SELL */
    decimal_t quantity;                    /* base quantity */
    decimal_t price;                       /* execution price */
    decimal_t fee;                         /* commission (positive = paid) */
    char fee_asset[VENUE_ASSET_MAX];       /* asset of the fee */
    decimal_t realized_pnl;                /* realised by this trade */
    venue_liq_t liquidity;                 /* MAKER or TAKER */
    int64_t executed_at;                   /* epoch ms at the venue */
    int64_t seq_key;                       /* venue's monotonic trade id when numeric (cursor); else 0 */
} venue_fill_t;

typedef enum { VENUE_POS_FLAT = 0, VENUE_POS_LONG, VENUE_POS_SHORT } venue_pos_dir_t;

typedef struct {
    char symbol[VENUE_SYMBOL_MAX];  /* unified */
    venue_pos_dir_t side;           /* LONG, SHORT or FLAT */
    decimal_t quantity;             /* absolute size */
    decimal_t size;                 /* signed size (negative = short) */
    decimal_t entry_price;          /* average entry */
    decimal_t mark_price;           /* venue mark */
    decimal_t liquidation_price;    /* zero when none */
    decimal_t unrealized_pnl;       /* at mark */
    decimal_t realized_pnl;         /* when the venue reports it; else zero */
    int leverage;                   /* 0 when the venue does not say */
    decimal_t margin;               /* initial or isolated margin */
    decimal_t take_profit;          /* zero when none */
    decimal_t stop_loss;            /* zero when none */
    venue_pside_t position_side;    /* leg */
} venue_position_t;

typedef struct {
    char asset[VENUE_ASSET_MAX];  /* asset code */
    decimal_t total;              /* wallet balance */
    decimal_t available;          /* free to use */
    decimal_t locked;             /* total - available */
} venue_balance_t;

typedef struct {
    char symbol[VENUE_SYMBOL_MAX];  /* unified */
    decimal_t last;                 /* last trade price */
    decimal_t mark;                 /* mark price; zero when unknown */
    decimal_t bid;                  /* best bid; zero when unknown */
    decimal_t ask;                  /* best ask; zero when unknown */
    int64_t time;                   /* epoch ms at the venue */
} venue_ticker_t;

typedef struct {
    int64_t open_time;  /* epoch ms */
    decimal_t open;     /* first trade price */
    decimal_t high;     /* highest */
    decimal_t low;      /* lowest */
    decimal_t close;    /* last */
    decimal_t volume;   /* base volume */
    int64_t close_time; /* epoch ms */
} venue_kline_t;

typedef struct {
    bool ok;                               /* cancelled (or already final) */
    char order_id[VENUE_ID_MAX];           /* venue id */
    char client_order_id[VENUE_CLID_MAX];  /* ours */
    venue_status_t status;                 /* status after the cancel */
} venue_cancel_t;

/* Wire names and parsers. Names are borrowed static strings ("" for NONE values); parsers return 0 or -1. */
const char *venue_side_name(venue_side_t v);
int venue_side_parse(const char *s, venue_side_t *out);
const char *venue_type_name(venue_type_t v);
int venue_type_parse(const char *s, venue_type_t *out);
const char *venue_tif_name(venue_tif_t v);
int venue_tif_parse(const char *s, venue_tif_t *out);
const char *venue_pside_name(venue_pside_t v);
int venue_pside_parse(const char *s, venue_pside_t *out);
const char *venue_status_name(venue_status_t v);
int venue_status_parse(const char *s, venue_status_t *out);
const char *venue_liq_name(venue_liq_t v);
const char *venue_pos_dir_name(venue_pos_dir_t v);

/* True for types that carry a limit price / a trigger price / that are conditional (resting until
 * triggered). */
bool venue_type_has_price(venue_type_t t);
bool venue_type_has_trigger(venue_type_t t);

/* True if a status is final (FILLED, CANCELED, REJECTED, EXPIRED). */
bool venue_status_final(venue_status_t s);

/* True if s is a valid client order id (1..36 of [A-Za-z0-9_-]). */
bool venue_clid_valid(const char *s);

/* Checks an OrderRequest for shape (not venue rules): side, type, positive quantity, price present iff the
 * type needs one, trigger present for stop types, valid client id when set, leverage range. Returns 0 or -1
 * with err XR_INVALID_REQUEST naming the field. */
int venue_order_req_check(const venue_order_req_t *r, err_t *err);

/* Copies at most cap-1 bytes of src into dst, NUL-terminated; returns -1 (dst holds "") if src does not fit. */
int venue_copy(char *dst, size_t cap, const char *src);

#endif
