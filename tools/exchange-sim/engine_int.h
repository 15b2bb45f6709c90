/* engine_int: the engine's private state, shared by engine.c (accounts, instruments), engine_order.c (orders,
 * matching, fills, ledger) and engine_market.c (price path, candles). Not for dialects: they use engine.h. */
#ifndef XR_SIM_ENGINE_INT_H
#define XR_SIM_ENGINE_INT_H

#include "engine.h"

#define SIM_MAX_INSTRUMENTS 32       /* per venue */
#define SIM_MAX_ACCOUNTS 1024        /* accounts of one simulator */
#define SIM_MAX_PARTIAL_FILLS 5      /* trades per fill at most */
#define SIM_CHUNK_BITS 12            /* orders per chunk = 4096 */
#define SIM_LEDGER_MAX (2u << 20)    /* entries kept per venue; the oldest quarter goes past it */
#define SIM_FILLS_MAX (2u << 20)     /* fills kept per venue; the oldest quarter goes past it */
#define SIM_ORDERS_KEEP (2u << 20)   /* orders kept per venue; older chunks whose orders are all final are freed */
#define SIM_HISTORY_MINUTES 1500     /* candle history generated before the engine's start */

typedef struct {
    sim_order_t o;          /* public view */
    int32_t cid_next;       /* next order index in the client-id hash chain, -1 at the end */
    int32_t open_pos;       /* index in the instrument's open list, -1 when not open */
    decimal_t reserved;     /* order margin reserved in the account for the unfilled rest */
    int resting_chunks;     /* maker fills still to come before the order is done (partial fills) */
} s_order_t;

typedef struct {
    sim_instrument_t pub;   /* public view */
    decimal_t last;         /* last price */
    int64_t last_ms;        /* when it changed */
    int64_t next_step_ms;   /* when the path moves next */
    uint64_t rng;           /* path generator state */
    uint64_t rng_seed;      /* generator seed (reset) */
    int64_t walk_ticks;     /* max ticks per path step */
    int32_t *open;          /* order indices of open orders */
    size_t n_open;          /* used */
    size_t cap_open;        /* allocated */
    sim_candle_t *candles;  /* 1-minute candles, oldest first, contiguous minutes */
    size_t n_candles;       /* used */
    size_t cap_candles;     /* allocated */
    int64_t created_ms;     /* when added (history ends here) */
} s_inst_t;

typedef struct {
    decimal_t wallet;                                 /* quote balance */
    decimal_t realized;                               /* realized PnL since reset */
    decimal_t fees;                                   /* fees since reset */
    decimal_t order_margin;                           /* sum of open orders' reserved margin */
    int64_t update_ms;                                /* last change */
    bool dual;                                        /* hedge mode */
    int leverage[SIM_MAX_INSTRUMENTS];                /* per instrument */
    bool isolated[SIM_MAX_INSTRUMENTS];               /* per instrument (reported only) */
    int open_count[SIM_MAX_INSTRUMENTS];              /* open orders per instrument */
    sim_position_t pos[SIM_MAX_INSTRUMENTS][3];       /* per instrument and side (BOTH, LONG, SHORT) */
    bool touched[SIM_MAX_INSTRUMENTS][3];             /* position ever non-flat */
} s_acct_t;

typedef struct {
    s_inst_t inst[SIM_MAX_INSTRUMENTS];   /* instruments */
    size_t n_inst;                        /* used */
    s_order_t **chunks;                   /* order storage: chunk c holds indices c<<SIM_CHUNK_BITS .. */
    size_t n_chunks;                      /* chunks allocated */
    size_t n_orders;                      /* orders stored (ever, since reset) */
    size_t first_live;                    /* index of the oldest order still kept (chunks below are freed) */
    size_t fills_dropped;                 /* oldest fills dropped past SIM_FILLS_MAX */
    int32_t *cid_buckets;                 /* client-id hash heads (order index or -1) */
    size_t n_buckets;                     /* power of two */
    sim_fill_t *fills;                    /* every fill, by trade id */
    size_t n_fills;                       /* used */
    size_t cap_fills;                     /* allocated */
    sim_ledger_entry_t *ledger;           /* ledger entries kept */
    size_t n_ledger;                      /* used */
    size_t cap_ledger;                    /* allocated */
    size_t ledger_dropped;                /* oldest entries dropped past SIM_LEDGER_MAX */
    s_acct_t **accts;                     /* per account id, lazily allocated */
    size_t n_accts;                       /* slots */
    int64_t first_order_id;               /* id of order index 0 */
    int64_t first_trade_id;               /* trade id of fill index 0 */
} s_venue_t;

struct _sim_engine_t {
    sim_engine_config_t cfg;              /* configuration */
    s_venue_t venues[SIM_VENUE_COUNT];    /* per venue */
    sim_account_t *accounts;              /* accounts */
    int n_accounts;                       /* used */
};

/* Decimal arithmetic that logs and keeps the left operand on overflow (inputs are bounded by filters). */
decimal_t sim_dadd(decimal_t a, decimal_t b);
decimal_t sim_dsub(decimal_t a, decimal_t b);
decimal_t sim_dmul(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode);
decimal_t sim_ddiv(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode); /* zero on error */

/* Per-venue account state, allocated on first use; NULL for an unknown account. */
s_acct_t *sim_engine_acct(sim_engine_t *self, int venue, int account);

/* Private instrument of a public one. */
s_inst_t *sim_engine_inst_int(sim_engine_t *self, const sim_instrument_t *inst);

/* Sets a venue's id bases and counters (after a free). */
void sim_engine_venue_clear(sim_engine_t *self, int venue);

/* Market data: starts an instrument's path and history; resets it to the start. */
void sim_market_init(sim_engine_t *self, s_inst_t *si, int64_t now_ms);
void sim_market_reset(sim_engine_t *self, s_inst_t *si, int64_t now_ms);

/* Records a price change / a trade into the candles. */
void sim_market_price(s_inst_t *si, decimal_t price, int64_t now_ms);
void sim_market_trade(s_inst_t *si, decimal_t price, decimal_t qty, int64_t now_ms);

/* Matches the open orders of an instrument against its last price (engine_order.c). */
void sim_engine_match(sim_engine_t *self, s_inst_t *si, int64_t now_ms);

#endif
