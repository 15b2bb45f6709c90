/* cdx_reply: reading CoinDCX futures replies (venues.md 3.5) into the unified model: order, position, wallet,
 * candle, trade and instrument objects, the enum words both ways, the derived trade ids, and the error
 * mapping. Pure functions of the parsed JSON (and of the instrument table, for symbols); money is read from
 * the number tokens' text or from numeric strings, exactly, never through a double. Every reader returns 0,
 * or -1 with err set (XR_UNKNOWN_SYMBOL for a pair missing from the table, XR_INTERNAL for anything else). */
#ifndef XR_COINDCX_CDX_REPLY_H
#define XR_COINDCX_CDX_REPLY_H

#include "coindcx.h"

#include "json/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A position and its venue id (fixed per pair; cancel-all-for-position and exit take it). */
typedef struct {
    venue_position_t p;       /* unified */
    char id[VENUE_ID_MAX];    /* CoinDCX position id */
} cdx_position_t;

/* A trade and its identity text (every field, exactly), the input of its derived id. */
typedef struct {
    venue_fill_t f;           /* the fill */
    char key[256];            /* identity text (cdx_trade_key) */
} cdx_trade_t;

/* CoinDCX's word for an order type / a time in force; NULL when CoinDCX has none (trailing stop, GTX). */
const char *cdx_type_word(venue_type_t t);
const char *cdx_tif_word(venue_tif_t t);
/* True for types without a limit price (market, stop-market, take-profit-market): no time_in_force. */
bool cdx_market_type(venue_type_t t);

/* Optional members: absent or null (and "" for decimals) give zero / ""; a present member of the wrong kind
 * fails. */
int cdx_opt_decimal(const json_t *o, const char *key, decimal_t *out, err_t *e);
int cdx_opt_str(const json_t *o, const char *key, char *out, size_t cap, err_t *e);
int cdx_opt_int64(const json_t *o, const char *key, int64_t *out, err_t *e);

/* One futures order object (create reply element, list element). client_order_id is left "": CoinDCX has
 * none (cdx_sent_own fills it). filled = total - remaining - cancelled. */
int cdx_order_read(const json_t *o, const instruments_t *t, venue_order_t *out, err_t *e);
/* One position; unrealised PnL = (mark - entry) x signed size. */
int cdx_position_read(const json_t *o, const instruments_t *t, cdx_position_t *out, err_t *e);
/* One wallet: locked = locked_balance + cross_order_margin + cross_user_margin, available = balance - locked. */
int cdx_balance_read(const json_t *o, venue_balance_t *b, err_t *e);
/* One candle of interval_ms (close_time = open + interval - 1). */
int cdx_kline_read(const json_t *o, int64_t interval_ms, venue_kline_t *k, err_t *e);
/* One trade; fee_asset defaults to margin. trade_id and seq_key are left for cdx_trades_derive_ids. */
int cdx_fill_read(const json_t *o, const instruments_t *t, const char *margin, venue_fill_t *f, err_t *e);
/* The identity text of a trade: order|timestamp|price|quantity|fee|side|maker. Returns 0, -1 if too long. */
int cdx_trade_key(const venue_fill_t *f, char *out, size_t cap);
/* Sorts trades oldest first and derives trade_id ("cdx-" + 32 hex of HMAC-SHA256 under a fixed public key
 * of key + "#" + occurrence among identical keys) and seq_key (timestamp * 1000 + rank in its millisecond). */
void cdx_trades_derive_ids(cdx_trade_t *tr, size_t n);
/* One instrument's rules (the "instrument" object of instrument data); XR_UNSUPPORTED when not perpetual. */
int cdx_instrument_read(const json_t *o, instrument_t *in, err_t *e);

/* Best bid (highest "bids" key) and best ask (lowest "asks" key) of an order book reply
 * ({"asks":{"<price>":<qty>,...},"bids":{...}}); zero for an empty side. */
int cdx_book_top(const json_t *book, decimal_t *bid, decimal_t *ask, err_t *e);

/* HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT") to epoch ms; -1 when malformed. */
int64_t cdx_http_date_ms(const char *s);

#endif
