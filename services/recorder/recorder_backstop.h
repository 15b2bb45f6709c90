/* recorder_backstop: the recorder's last line against lost fills. On start (once the recorder has caught up
 * with the workers' journals) and then every interval_ms, it reads the venues' own trade history through the
 * system and stores any fill that no event delivered.
 *
 * Work list: every (venue, account, symbol) the database knows as recently active (recorder_store_backstop_
 * targets: fills in trades, orders open or updated within lookback_ms). The venue workers' get_fills needs a
 * symbol on every venue (Binance userTrades, Bybit execution/list and CoinDCX trades are per symbol), so the
 * backstop never asks without one, and a symbol with neither a recorded fill nor a recorded order is not
 * read. Each target is read from since = (its last recorded fill, or the start of the last complete check
 * of it, whichever is earlier) - margin_ms, page by page (the reply's cursor), at most max_pages pages.
 *
 * Requests: get_fills {venue, account, symbol, since_ms | cursor, limit} on a DEALER connected to the
 * router's frontend (the router treats it like the gateway), one at a time, asynchronously on the recorder's
 * loop, each with a deadline (request_timeout_ms). Fills executed later than settle_ms before the pass began
 * are left to the next pass (their events may simply be in flight). Fills trades lacks are inserted through
 * recorder_store_backstop_fills, which logs each at warn (venue, account, trade ids): a missing fill is an
 * incident. A pass stops after pass_max_ms; a failed target (error reply, timeout) is retried by an earlier
 * next pass (retry_ms).
 *
 * States: OFF (no router configured or interval 0), WAIT (next pass not due, or the recorder not caught up
 * yet), FETCH (a get_fills request is out). One transition function logs old -> new. */
#ifndef XR_RECORDER_BACKSTOP_H
#define XR_RECORDER_BACKSTOP_H

#include "recorder_store.h"

#include "base/err.h"
#include "bus/bus_curve.h"
#include "bus/bus_loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *router;         /* router frontend to connect to, e.g. "tcp://127.0.0.1:7110"; NULL/"" = off */
    int64_t interval_ms;        /* a pass every this long (default 300000); 0 = off */
    int64_t start_delay_ms;     /* first pass no earlier than this after start (default 6000: > the
                                   workers' hello period, so the recorder knows what it lacks) */
    int64_t margin_ms;          /* read this much before the last recorded fill (default 300000) */
    int64_t settle_ms;          /* ignore fills younger than this at the pass start (default 30000) */
    int64_t lookback_ms;        /* never read further back than this (default 7 days) */
    int64_t request_timeout_ms; /* one get_fills request (default 15000) */
    int64_t pass_max_ms;        /* one pass (default 300000) */
    int64_t retry_ms;           /* next pass after a failed one (default 30000) */
    int64_t catchup_max_ms;     /* run a due pass even if the recorder is still behind after this (60000) */
    size_t max_targets;         /* (venue, account, symbol) per pass (default 1000) */
    size_t max_pages;           /* pages per target and pass (default 100) */
    uint32_t page_limit;        /* fills per page, 1..1000 (default 500) */
} recorder_backstop_config_t;

/* Plain counters since start. */
typedef struct {
    uint64_t passes;        /* passes finished (complete or not) */
    uint64_t passes_failed; /* passes with at least one failed target */
    uint64_t requests;      /* get_fills requests sent */
    uint64_t errors;        /* error replies, undecodable replies and timeouts */
    uint64_t fills_seen;    /* fills read from the venues (settled ones) */
    uint64_t missing;       /* fills that were missing and have been stored */
    int64_t last_pass_ms;   /* wall time the last pass finished; 0 = none yet */
} recorder_backstop_stats_t;

typedef struct _recorder_backstop_t recorder_backstop_t;

/* True when the recorder has caught up (nothing pending, nothing known to be missing from a journal). */
typedef bool(recorder_backstop_ready_fn)(void *ctx);

/* Fills cfg with the defaults above (router NULL: off). */
void recorder_backstop_config_default(recorder_backstop_config_t *cfg);

/* A backstop on loop (its DEALER and timer are added to it) writing through store (borrowed; both outlive
 * it). ready/ctx tell whether the recorder has caught up. curve (may be NULL) gives the DEALER its CURVE
 * client keys for server "router". Off (no socket) when cfg->router is empty or interval_ms is 0. NULL with err
 * on bad config or socket failure. */
recorder_backstop_t *recorder_backstop_new(const recorder_backstop_config_t *cfg, bus_loop_t *loop,
                                           recorder_store_t *store, bus_curve_t *curve,
                                           recorder_backstop_ready_fn *ready, void *ctx, err_t *err);

/* Removes the socket and timer from the loop and frees. NULL-safe; nulls *self_p. */
void recorder_backstop_destroy(recorder_backstop_t **self_p);

/* Makes the next pass due now (still waiting for the recorder to catch up). */
void recorder_backstop_trigger(recorder_backstop_t *self);

/* Counters. */
recorder_backstop_stats_t recorder_backstop_stats(const recorder_backstop_t *self);

#endif
