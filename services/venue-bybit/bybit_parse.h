/* bybit_parse: Bybit v5 reply objects (order, position, wallet coin, execution, kline, instrument) read into
 * the unified model, exactly (decimals from their text) and bounded. Every reader is pure: it fills *out or
 * fails with err naming the field; symbols are mapped through the instrument table (UNKNOWN_SYMBOL when the
 * table does not have one). Used by the adapter's hooks (bybit.c). */
#ifndef XR_BYBIT_BYBIT_PARSE_H
#define XR_BYBIT_BYBIT_PARSE_H

#include "venue/adapter.h"

#include "json/json.h"

#define BY_MAX_REPLY (8u << 20) /* bytes of a reply: instruments-info at limit=1000 is ~1 MB */
#define BY_MAX_DEPTH 16         /* nesting of a reply */

/* Optional members: absent, null or "" give zero / "" / false and succeed; a present member of the wrong
 * kind fails (-1, err set). */
int bybit_opt_dec(const json_t *o, const char *key, decimal_t *out, err_t *e);
int bybit_opt_int(const json_t *o, const char *key, int64_t *out, err_t *e);
int bybit_opt_str(const json_t *o, const char *key, char *out, size_t cap, err_t *e);
int bybit_opt_bool(const json_t *o, const char *key, bool *out, err_t *e);
/* Leverage as Bybit writes it ("10", "12.5"): the integer part, 0..1000. Returns 0 or -1. */
int bybit_opt_leverage(const json_t *o, const char *key, int *out, err_t *e);

/* An order object of /v5/order/realtime or /history. Returns 0 or -1. */
int bybit_parse_order(const json_t *o, const instruments_t *t, venue_order_t *out, err_t *e);
/* A /v5/position/list entry; side "" (flat) gives FLAT. Returns 0 or -1. */
int bybit_parse_position(const json_t *o, const instruments_t *t, venue_position_t *p, err_t *e);
/* A coin of a UNIFIED wallet. Returns 0 or -1. */
int bybit_parse_balance(const json_t *o, venue_balance_t *b, err_t *e);
/* A kline array [start, open, high, low, close, volume, turnover]; len_ms is the candle length (0 for
 * monthly candles, which end at the end of their calendar month). Returns 0 or -1. */
int bybit_parse_kline(const json_t *a, int64_t len_ms, venue_kline_t *k, err_t *e);
/* An execution. Returns 1 for a fill (execType Trade, AdlTrade, BustTrade), 0 for an execution that is not
 * one (funding, settlement, ...), -1 when malformed. seq_key is left 0 (the caller ranks fills). */
int bybit_parse_fill(const json_t *o, const instruments_t *t, venue_fill_t *f, err_t *e);
/* An instruments-info entry. Returns 1 to add, 0 to skip (dated futures: their base/quote would collide
 * with the perpetual's unified name), -1 when malformed. */
int bybit_parse_instrument(const json_t *o, instrument_t *in, err_t *e);

#endif
