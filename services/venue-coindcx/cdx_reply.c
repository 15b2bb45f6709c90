/* cdx_reply: reading CoinDCX futures replies into the unified model (see cdx_reply.h). */
#include "cdx_reply.h"

#include "crypto/crypto.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CD_TRADE_KEY "coindcx-trade-id" /* HMAC key of derived trade ids: a fixed, public label */

static int s_unified(const instruments_t *t, const char *vsym, char out[VENUE_SYMBOL_MAX], err_t *e)
{
    const instrument_t *in = instruments_find_venue(t, vsym);
    if (!in)
        return err_set(e, XR_UNKNOWN_SYMBOL, "unknown pair %s", vsym);
    memcpy(out, in->symbol, VENUE_SYMBOL_MAX);
    return 0;
}

static const struct {
    venue_type_t type;
    const char *word;
} s_types[] = {
    {VENUE_TYPE_MARKET, "market_order"},           {VENUE_TYPE_LIMIT, "limit_order"},
    {VENUE_TYPE_STOP_MARKET, "stop_market"},       {VENUE_TYPE_STOP_LIMIT, "stop_limit"},
    {VENUE_TYPE_TAKE_PROFIT_MARKET, "take_profit_market"}, {VENUE_TYPE_TAKE_PROFIT_LIMIT, "take_profit_limit"},
};

const char *cdx_type_word(venue_type_t t)
{
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (s_types[i].type == t)
            return s_types[i].word;
    return NULL;
}

static venue_type_t s_type_from(const char *w)
{
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (strcasecmp(s_types[i].word, w) == 0)
            return s_types[i].type;
    if (strcasecmp(w, "market") == 0)
        return VENUE_TYPE_MARKET;
    if (strcasecmp(w, "limit") == 0)
        return VENUE_TYPE_LIMIT;
    return VENUE_TYPE_NONE;
}

const char *cdx_tif_word(venue_tif_t t)
{
    switch (t) {
    case VENUE_TIF_NONE:
    case VENUE_TIF_GTC: return "good_till_cancel";
    case VENUE_TIF_IOC: return "immediate_or_cancel";
    case VENUE_TIF_FOK: return "fill_or_kill";
    case VENUE_TIF_GTX: break;
    }
    return NULL;
}

static venue_tif_t s_tif_from(const char *w)
{
    if (strcasecmp(w, "good_till_cancel") == 0)
        return VENUE_TIF_GTC;
    if (strcasecmp(w, "immediate_or_cancel") == 0)
        return VENUE_TIF_IOC;
    if (strcasecmp(w, "fill_or_kill") == 0)
        return VENUE_TIF_FOK;
    return VENUE_TIF_NONE;
}

/* Lower-case status words (venues.md 3.5); the list description also shows upper case. */
static venue_status_t s_status_from(const char *w, bool filled_some)
{
    if (strcasecmp(w, "initial") == 0 || strcasecmp(w, "init") == 0 || strcasecmp(w, "open") == 0)
        return filled_some ? VENUE_STATUS_PARTIALLY_FILLED : VENUE_STATUS_NEW;
    if (strcasecmp(w, "partially_filled") == 0)
        return VENUE_STATUS_PARTIALLY_FILLED;
    if (strcasecmp(w, "filled") == 0)
        return VENUE_STATUS_FILLED;
    if (strcasecmp(w, "cancelled") == 0 || strcasecmp(w, "canceled") == 0 ||
        strcasecmp(w, "partially_cancelled") == 0)
        return VENUE_STATUS_CANCELED;
    if (strcasecmp(w, "rejected") == 0)
        return VENUE_STATUS_REJECTED;
    if (strcasecmp(w, "untriggered") == 0)
        return VENUE_STATUS_UNTRIGGERED;
    return VENUE_STATUS_NONE;
}

bool cdx_market_type(venue_type_t t)
{
    return t == VENUE_TYPE_MARKET || t == VENUE_TYPE_STOP_MARKET || t == VENUE_TYPE_TAKE_PROFIT_MARKET;
}


/* Optional decimal (number token or numeric string): absent, null or "" reads as zero. */
int cdx_opt_decimal(const json_t *o, const char *key, decimal_t *out, err_t *e)
{
    const json_t *v = json_get(o, key);
    size_t len = 1;
    *out = DECIMAL_ZERO;
    if (!v || json_kind(v) == JSON_NULL || (json_string(v, &len) && len == 0))
        return 0;
    return json_get_decimal(o, key, out, e);
}

int cdx_opt_str(const json_t *o, const char *key, char *out, size_t cap, err_t *e)
{
    const json_t *v = json_get(o, key);
    out[0] = '\0';
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    return json_get_str(o, key, out, cap, e);
}

int cdx_opt_int64(const json_t *o, const char *key, int64_t *out, err_t *e)
{
    const json_t *v = json_get(o, key);
    *out = 0;
    if (!v || json_kind(v) == JSON_NULL)
        return 0;
    return json_get_int64(o, key, out, e);
}

/* Leverage as CoinDCX prints it (10, 10.0 or "10"): a whole number 0..1000. */
static int s_leverage(const json_t *o, const char *key, int *out, err_t *e)
{
    decimal_t d;
    int64_t v = 0;
    if (cdx_opt_decimal(o, key, &d, e) < 0)
        return -1;
    if (!decimal_is_multiple(d, decimal_from_int(1)) || decimal_to_int(d, &v) < 0 || v < 0 || v > 1000)
        return err_set(e, XR_INTERNAL, "field %s: not a leverage", key);
    *out = (int) v;
    return 0;
}


/* One futures order object (create, list). */
int cdx_order_read(const json_t *o, const instruments_t *t, venue_order_t *out, err_t *e)
{
    char pair[VENUE_SYMBOL_MAX], w[32];
    decimal_t remaining, cancelled, rest;
    memset(out, 0, sizeof *out);
    if (json_kind(o) != JSON_OBJECT)
        return err_set(e, XR_INTERNAL, "order is not an object");
    if (json_get_str(o, "id", out->order_id, sizeof out->order_id, e) < 0 ||
        json_get_str(o, "pair", pair, sizeof pair, e) < 0 || s_unified(t, pair, out->symbol, e) < 0)
        return -1;
    if (json_get_str(o, "side", w, sizeof w, e) < 0)
        return -1;
    out->side = strcasecmp(w, "buy") == 0 ? VENUE_SIDE_BUY : strcasecmp(w, "sell") == 0 ? VENUE_SIDE_SELL
                                                                                          : VENUE_SIDE_NONE;
    if (out->side == VENUE_SIDE_NONE)
        return err_set(e, XR_INTERNAL, "unknown side %s", w);
    if (json_get_str(o, "order_type", w, sizeof w, e) < 0)
        return -1;
    if ((out->type = s_type_from(w)) == VENUE_TYPE_NONE)
        return err_set(e, XR_INTERNAL, "unknown order type %s", w);
    if (json_get_decimal(o, "total_quantity", &out->quantity, e) < 0 ||
        cdx_opt_decimal(o, "remaining_quantity", &remaining, e) < 0 ||
        cdx_opt_decimal(o, "cancelled_quantity", &cancelled, e) < 0 || cdx_opt_decimal(o, "price", &out->price, e) < 0 ||
        cdx_opt_decimal(o, "avg_price", &out->average_price, e) < 0 ||
        cdx_opt_decimal(o, "stop_price", &out->stop_price, e) < 0 || cdx_opt_int64(o, "created_at", &out->created_at, e) < 0 ||
        cdx_opt_int64(o, "updated_at", &out->updated_at, e) < 0 || cdx_opt_str(o, "time_in_force", w, sizeof w, e) < 0)
        return -1;
    out->time_in_force = s_tif_from(w);
    /* No filled field on futures orders: filled = total - remaining - cancelled (venues.md 3.5). */
    if (decimal_sub(out->quantity, remaining, &rest, e) < 0 ||
        decimal_sub(rest, cancelled, &out->filled_quantity, e) < 0)
        return -1;
    if (decimal_sign(out->filled_quantity) < 0)
        out->filled_quantity = DECIMAL_ZERO;
    if (json_get_str(o, "status", w, sizeof w, e) < 0)
        return -1;
    if ((out->status = s_status_from(w, decimal_sign(out->filled_quantity) > 0)) == VENUE_STATUS_NONE)
        return err_set(e, XR_INTERNAL, "unknown order status %s", w);
    if (venue_type_has_trigger(out->type) && (strcasecmp(w, "initial") == 0 || strcasecmp(w, "init") == 0))
        out->status = VENUE_STATUS_UNTRIGGERED; /* a conditional order starts waiting for its trigger */
    if (cdx_market_type(out->type)) {
        out->price = DECIMAL_ZERO; /* CoinDCX prints the last price there: not a limit */
        out->time_in_force = VENUE_TIF_NONE;
    } else if (out->time_in_force == VENUE_TIF_NONE) {
        out->time_in_force = VENUE_TIF_GTC;
    }
    if (!venue_type_has_trigger(out->type))
        out->stop_price = DECIMAL_ZERO;
    if (decimal_is_zero(out->filled_quantity))
        out->average_price = DECIMAL_ZERO;
    if (!out->updated_at)
        out->updated_at = out->created_at;
    return 0;
}



int cdx_position_read(const json_t *o, const instruments_t *t, cdx_position_t *out, err_t *e)
{
    char pair[VENUE_SYMBOL_MAX];
    venue_position_t *p = &out->p;
    memset(out, 0, sizeof *out);
    if (json_kind(o) != JSON_OBJECT)
        return err_set(e, XR_INTERNAL, "position is not an object");
    if (json_get_str(o, "id", out->id, sizeof out->id, e) < 0 || json_get_str(o, "pair", pair, sizeof pair, e) < 0 ||
        s_unified(t, pair, p->symbol, e) < 0 || json_get_decimal(o, "active_pos", &p->size, e) < 0 ||
        cdx_opt_decimal(o, "avg_price", &p->entry_price, e) < 0 || cdx_opt_decimal(o, "mark_price", &p->mark_price, e) < 0 ||
        cdx_opt_decimal(o, "liquidation_price", &p->liquidation_price, e) < 0 ||
        cdx_opt_decimal(o, "locked_margin", &p->margin, e) < 0 || cdx_opt_decimal(o, "take_profit_trigger", &p->take_profit, e) < 0 ||
        cdx_opt_decimal(o, "stop_loss_trigger", &p->stop_loss, e) < 0 || s_leverage(o, "leverage", &p->leverage, e) < 0)
        return -1;
    p->quantity = decimal_abs(p->size);
    p->side = decimal_sign(p->size) > 0 ? VENUE_POS_LONG : decimal_sign(p->size) < 0 ? VENUE_POS_SHORT : VENUE_POS_FLAT;
    p->position_side = VENUE_PSIDE_BOTH;
    /* Not in the reply: unrealized PnL at mark = (mark - entry) * signed size, exactly. */
    decimal_t diff;
    if (p->side != VENUE_POS_FLAT && !decimal_is_zero(p->mark_price) &&
        (decimal_sub(p->mark_price, p->entry_price, &diff, e) < 0 ||
         decimal_mul(diff, p->size, 8, DECIMAL_ROUND_HALF_EVEN, &p->unrealized_pnl, e) < 0))
        return -1;
    return 0;
}


int cdx_balance_read(const json_t *o, venue_balance_t *b, err_t *e)
{
    decimal_t locked, order_margin, user_margin, sum;
    memset(b, 0, sizeof *b);
    if (json_get_str(o, "currency_short_name", b->asset, sizeof b->asset, e) < 0 ||
        json_get_decimal(o, "balance", &b->total, e) < 0 || cdx_opt_decimal(o, "locked_balance", &locked, e) < 0 ||
        cdx_opt_decimal(o, "cross_order_margin", &order_margin, e) < 0 ||
        cdx_opt_decimal(o, "cross_user_margin", &user_margin, e) < 0 || decimal_add(locked, order_margin, &sum, e) < 0 ||
        decimal_add(sum, user_margin, &b->locked, e) < 0 || decimal_sub(b->total, b->locked, &b->available, e) < 0)
        return -1;
    if (decimal_sign(b->available) < 0)
        b->available = DECIMAL_ZERO;
    return 0;
}


int cdx_kline_read(const json_t *o, int64_t ms, venue_kline_t *k, err_t *e)
{
    if (json_get_decimal(o, "open", &k->open, e) < 0 || json_get_decimal(o, "high", &k->high, e) < 0 ||
        json_get_decimal(o, "low", &k->low, e) < 0 || json_get_decimal(o, "close", &k->close, e) < 0 ||
        json_get_decimal(o, "volume", &k->volume, e) < 0 || json_get_int64(o, "time", &k->open_time, e) < 0)
        return -1;
    k->close_time = k->open_time + ms - 1;
    return 0;
}


/* The identity of a trade: every field the venue gives, as exact text. */
int cdx_trade_key(const venue_fill_t *f, char *out, size_t cap)
{
    char q[DECIMAL_STR_MAX], p[DECIMAL_STR_MAX], fee[DECIMAL_STR_MAX];
    decimal_format(f->quantity, q, sizeof q);
    decimal_format(f->price, p, sizeof p);
    decimal_format(f->fee, fee, sizeof fee);
    int n = snprintf(out, cap, "%s|%lld|%s|%s|%s|%s|%d", f->order_id, (long long) f->executed_at, p, q, fee,
                     f->side == VENUE_SIDE_BUY ? "buy" : "sell", f->liquidity == VENUE_LIQ_MAKER);
    return n > 0 && (size_t) n < cap ? 0 : -1;
}


int cdx_fill_read(const json_t *o, const instruments_t *t, const char *margin, venue_fill_t *f, err_t *e)
{
    char pair[VENUE_SYMBOL_MAX], side[8];
    bool maker = false;
    memset(f, 0, sizeof *f);
    if (json_kind(o) != JSON_OBJECT)
        return err_set(e, XR_INTERNAL, "trade is not an object");
    if (json_get_str(o, "pair", pair, sizeof pair, e) < 0 || s_unified(t, pair, f->symbol, e) < 0 ||
        json_get_str(o, "order_id", f->order_id, sizeof f->order_id, e) < 0 ||
        json_get_str(o, "side", side, sizeof side, e) < 0 || json_get_decimal(o, "quantity", &f->quantity, e) < 0 ||
        json_get_decimal(o, "price", &f->price, e) < 0 || cdx_opt_decimal(o, "fee_amount", &f->fee, e) < 0 ||
        json_get_int64(o, "timestamp", &f->executed_at, e) < 0 || json_get_bool(o, "is_maker", &maker, e) < 0)
        return -1;
    f->side = strcasecmp(side, "buy") == 0 ? VENUE_SIDE_BUY : strcasecmp(side, "sell") == 0 ? VENUE_SIDE_SELL
                                                                                           : VENUE_SIDE_NONE;
    if (f->side == VENUE_SIDE_NONE)
        return err_set(e, XR_INTERNAL, "unknown side %s", side);
    if (f->executed_at <= 0 || f->executed_at >= INT64_MAX / 1000 - 1000)
        return err_set(e, XR_INTERNAL, "trade timestamp out of range");
    f->liquidity = maker ? VENUE_LIQ_MAKER : VENUE_LIQ_TAKER;
    if (cdx_opt_str(o, "margin_currency_short_name", f->fee_asset, sizeof f->fee_asset, e) < 0)
        return -1;
    if (!f->fee_asset[0])
        snprintf(f->fee_asset, sizeof f->fee_asset, "%s", margin);
    return 0;
}


static int s_trade_cmp(const void *a, const void *b)
{
    const cdx_trade_t *x = a, *y = b;
    if (x->f.executed_at != y->f.executed_at)
        return x->f.executed_at < y->f.executed_at ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Derived ids (no trade id is documented): trade_id = "cdx-" + 32 hex digits of a keyed hash of the trade's
 * identity text and its occurrence among identical ones; seq_key = executed_at * 1000 + rank within its
 * millisecond (rank in identity order), an increasing cursor. Sorts trades oldest first. */
void cdx_trades_derive_ids(cdx_trade_t *tr, size_t n)
{
    if (n == 0)
        return;
    qsort(tr, n, sizeof *tr, s_trade_cmp);
    int64_t rank = 0;
    int occurrence = 0;
    for (size_t i = 0; i < n; i++) {
        bool same_ms = i > 0 && tr[i].f.executed_at == tr[i - 1].f.executed_at;
        rank = same_ms ? rank + 1 : 0;
        occurrence = i > 0 && strcmp(tr[i].key, tr[i - 1].key) == 0 ? occurrence + 1 : 0;
        char text[300];
        uint8_t mac[CRYPTO_SHA256_LEN];
        char hex[2 * CRYPTO_SHA256_LEN + 1];
        int len = snprintf(text, sizeof text, "%s#%d", tr[i].key, occurrence);
        crypto_hmac_sha256(CD_TRADE_KEY, strlen(CD_TRADE_KEY), text, (size_t) len, mac);
        crypto_hex(mac, 16, hex);
        snprintf(tr[i].f.trade_id, sizeof tr[i].f.trade_id, "cdx-%.32s", hex);
        tr[i].f.seq_key = tr[i].f.executed_at * 1000 + (rank < 999 ? rank : 999);
    }
}


int cdx_instrument_read(const json_t *o, instrument_t *in, err_t *e)
{
    char status[24], kind[24];
    memset(in, 0, sizeof *in);
    if (json_kind(o) != JSON_OBJECT)
        return err_set(e, XR_INTERNAL, "instrument is not an object");
    if (json_get_str(o, "pair", in->venue_symbol, sizeof in->venue_symbol, e) < 0 ||
        cdx_opt_str(o, "underlying_currency_short_name", in->base, sizeof in->base, e) < 0 ||
        (!in->base[0] && json_get_str(o, "position_currency_short_name", in->base, sizeof in->base, e) < 0) ||
        json_get_str(o, "quote_currency_short_name", in->quote, sizeof in->quote, e) < 0 ||
        cdx_opt_str(o, "status", status, sizeof status, e) < 0 || cdx_opt_str(o, "kind", kind, sizeof kind, e) < 0)
        return -1;
    if (kind[0] && strcasecmp(kind, "perpetual") != 0)
        return err_set(e, XR_UNSUPPORTED, "not a perpetual");
    if (snprintf(in->symbol, sizeof in->symbol, "%s/%s", in->base, in->quote) >= (int) sizeof in->symbol)
        return err_set(e, XR_INTERNAL, "symbol too long");
    for (char *p = in->symbol; *p; p++)
        *p = (char) toupper((unsigned char) *p);
    in->trading = strcasecmp(status, "active") == 0;
    return cdx_opt_decimal(o, "price_increment", &in->tick, e) | cdx_opt_decimal(o, "quantity_increment", &in->step, e) |
                   cdx_opt_decimal(o, "min_quantity", &in->min_qty, e) | cdx_opt_decimal(o, "max_quantity", &in->max_qty, e) |
                   cdx_opt_decimal(o, "max_market_order_quantity", &in->market_max_qty, e) |
                   cdx_opt_decimal(o, "min_price", &in->min_price, e) | cdx_opt_decimal(o, "max_price", &in->max_price, e) |
                   cdx_opt_decimal(o, "min_notional", &in->min_notional, e)
               ? -1
               : 0;
}


typedef struct {
    decimal_t best;   /* best price so far */
    bool any;         /* one seen */
    bool highest;     /* bids: highest wins; asks: lowest */
    err_t *e;         /* where a bad key is reported */
} cdx_top_t;

static int s_top_member(const char *key, const json_t *val, void *ctx)
{
    cdx_top_t *t = ctx;
    decimal_t price;
    (void) val;
    if (decimal_from_str(key, &price, t->e) < 0 || decimal_sign(price) <= 0)
        return err_set(t->e, XR_INTERNAL, "order book price %.32s", key);
    if (!t->any || (t->highest ? decimal_cmp(price, t->best) > 0 : decimal_cmp(price, t->best) < 0))
        t->best = price;
    t->any = true;
    return 0;
}

int cdx_book_top(const json_t *book, decimal_t *bid, decimal_t *ask, err_t *e)
{
    cdx_top_t b = {.highest = true, .e = e}, a = {.highest = false, .e = e};
    if (json_kind(book) != JSON_OBJECT)
        return err_set(e, XR_INTERNAL, "order book is not an object");
    if (json_object_each(json_get(book, "bids"), s_top_member, &b) != 0 ||
        json_object_each(json_get(book, "asks"), s_top_member, &a) != 0)
        return -1;
    *bid = b.any ? b.best : DECIMAL_ZERO;
    *ask = a.any ? a.best : DECIMAL_ZERO;
    return 0;
}

/* HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT") to epoch ms; -1 when malformed. */
int64_t cdx_http_date_ms(const char *s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4];
    int d, y, hh, mm, ss;
    if (sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &d, mon, &y, &hh, &mm, &ss) != 6)
        return -1;
    const char *p = strstr(months, mon);
    if (!p || (p - months) % 3 || y < 1970 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
        return -1;
    int m = (int) (p - months) / 3 + 1;
    int64_t yy = y - (m <= 2);
    int64_t era = yy / 400, yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return ((days * 24 + hh) * 60 + mm) * 60000 + (int64_t) ss * 1000;
}


static bool s_has(const char *msg, const char *needle)
{
    return strcasestr(msg, needle) != NULL;
}

xr_code_t coindcx_error_code(long status, const char *m)
{
    if (status == 429 || s_has(m, "too many requests"))
        return XR_RATE_LIMITED;
    if (status >= 500)
        return XR_TIMEOUT;
    if (status == 401 || status == 403 || s_has(m, "invalid credentials"))
        return XR_AUTH;
    if (s_has(m, "timestamp") && (s_has(m, "expired") || s_has(m, "outside") || s_has(m, "delay")))
        return XR_CLOCK_SKEW;
    if (s_has(m, "insufficient"))
        return XR_INSUFFICIENT_BALANCE;
    if (s_has(m, "minimum order value"))
        return XR_MIN_NOTIONAL;
    if (s_has(m, "divisible by") || s_has(m, "price is out of permissible range") ||
        (s_has(m, "quantity") && (s_has(m, "should be greater than") || s_has(m, "should be less than"))))
        return XR_PRECISION;
    if (s_has(m, "order not found") || s_has(m, "cannot be cancelled"))
        return XR_ORDER_NOT_FOUND;
    if (s_has(m, "instrument not found") || s_has(m, "pair does not have a valid value") ||
        s_has(m, "pairs does not have a valid value"))
        return XR_UNKNOWN_SYMBOL;
    if (s_has(m, "leverage cannot be changed") || s_has(m, "not available") || s_has(m, "not supported"))
        return XR_UNSUPPORTED;
    if (s_has(m, "leverage must be equal") || s_has(m, "leverage cannot be less") ||
        s_has(m, "max allowed leverage") || s_has(m, "can't be empty") || s_has(m, "is missing") ||
        s_has(m, "is invalid") || s_has(m, "does not have a valid value") || s_has(m, "position is not active") ||
        s_has(m, "position not found") || s_has(m, "invalid request") || s_has(m, "should not be sent"))
        return XR_INVALID_REQUEST;
    if (status == 404)
        return XR_ORDER_NOT_FOUND;
    return XR_VENUE_REJECTED;
}

