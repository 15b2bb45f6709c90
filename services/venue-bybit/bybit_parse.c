/* bybit_parse: Bybit v5 reply objects into the unified model (see bybit_parse.h). */
#include "bybit_parse.h"

#include <stdio.h>
#include <string.h>

static int s_side_from(const char *w, venue_side_t *out)
{
    if (strcmp(w, "Buy") == 0)
        *out = VENUE_SIDE_BUY;
    else if (strcmp(w, "Sell") == 0)
        *out = VENUE_SIDE_SELL;
    else
        return -1;
    return 0;
}

static venue_tif_t s_tif_from(const char *w)
{
    if (strcmp(w, "GTC") == 0)
        return VENUE_TIF_GTC;
    if (strcmp(w, "IOC") == 0)
        return VENUE_TIF_IOC;
    if (strcmp(w, "FOK") == 0)
        return VENUE_TIF_FOK;
    if (strcmp(w, "PostOnly") == 0)
        return VENUE_TIF_GTX;
    return VENUE_TIF_NONE;
}

static venue_pside_t s_pside_from(int64_t idx)
{
    return idx == 1 ? VENUE_PSIDE_LONG : idx == 2 ? VENUE_PSIDE_SHORT : VENUE_PSIDE_BOTH;
}

/* The unified type of an order object: orderType, stopOrderType, triggerDirection, side, trigger. */
static venue_type_t s_type_from(const char *otype, const char *stop, int64_t dir, venue_side_t side,
                                bool has_trigger)
{
    bool limit = strcmp(otype, "Limit") == 0;
    if (!limit && strcmp(otype, "Market") != 0)
        return VENUE_TYPE_NONE;
    if (strcmp(stop, "TrailingStop") == 0)
        return VENUE_TYPE_TRAILING_STOP_MARKET;
    if (strcmp(stop, "TakeProfit") == 0 || strcmp(stop, "PartialTakeProfit") == 0)
        return limit ? VENUE_TYPE_TAKE_PROFIT_LIMIT : VENUE_TYPE_TAKE_PROFIT_MARKET;
    if (strcmp(stop, "StopLoss") == 0 || strcmp(stop, "PartialStopLoss") == 0)
        return limit ? VENUE_TYPE_STOP_LIMIT : VENUE_TYPE_STOP_MARKET;
    bool conditional = has_trigger || (stop[0] && strcmp(stop, "UNKNOWN") != 0);
    if (!conditional)
        return limit ? VENUE_TYPE_LIMIT : VENUE_TYPE_MARKET;
    bool rise = dir == 1;
    bool stop_like = dir == 0 || (side == VENUE_SIDE_BUY) == rise;
    if (stop_like)
        return limit ? VENUE_TYPE_STOP_LIMIT : VENUE_TYPE_STOP_MARKET;
    return limit ? VENUE_TYPE_TAKE_PROFIT_LIMIT : VENUE_TYPE_TAKE_PROFIT_MARKET;
}

/* orderStatus (+ cancelType, rejectReason) to the unified status. "Triggered" is transient (handed to the
 * matching engine): NEW. "Deactivated" is a conditional or TP/SL order cancelled before its trigger.
 * Cancellations by time in force or self-trade prevention are EXPIRED, as on Binance. */
static venue_status_t s_status_from(const char *st, const char *cancel_type, const char *reject)
{
    static const struct {
        const char *word;
        venue_status_t status;
    } map[] = {{"New", VENUE_STATUS_NEW},
               {"PartiallyFilled", VENUE_STATUS_PARTIALLY_FILLED},
               {"Untriggered", VENUE_STATUS_UNTRIGGERED},
               {"Triggered", VENUE_STATUS_NEW},
               {"Filled", VENUE_STATUS_FILLED},
               {"Cancelled", VENUE_STATUS_CANCELED},
               {"PartiallyFilledCanceled", VENUE_STATUS_CANCELED},
               {"Deactivated", VENUE_STATUS_CANCELED},
               {"Rejected", VENUE_STATUS_REJECTED}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(st, map[i].word) != 0)
            continue;
        if (map[i].status == VENUE_STATUS_CANCELED &&
            (strcmp(cancel_type, "CancelByIOC") == 0 || strcmp(cancel_type, "CancelByFOK") == 0 ||
             strcmp(cancel_type, "CancelBySmp") == 0 || strcmp(reject, "EC_PostOnlyWillTakeLiquidity") == 0))
            return VENUE_STATUS_EXPIRED;
        return map[i].status;
    }
    return VENUE_STATUS_NONE;
}

static int s_unified(const instruments_t *t, const char *vsym, char out[VENUE_SYMBOL_MAX], err_t *e)
{
    const instrument_t *in = instruments_find_venue(t, vsym);
    if (!in)
        return err_set(e, XR_UNKNOWN_SYMBOL, "unknown venue symbol %s", vsym);
    memcpy(out, in->symbol, VENUE_SYMBOL_MAX);
    return 0;
}

/* Absent, null or "": an optional member that is not there. */
static bool s_blank(const json_t *v)
{
    size_t len = 0;
    return !v || json_kind(v) == JSON_NULL || (json_string(v, &len) && len == 0);
}

int bybit_opt_dec(const json_t *o, const char *key, decimal_t *out, err_t *e)
{
    *out = DECIMAL_ZERO;
    return s_blank(json_get(o, key)) ? 0 : json_get_decimal(o, key, out, e);
}

int bybit_opt_int(const json_t *o, const char *key, int64_t *out, err_t *e)
{
    *out = 0;
    return s_blank(json_get(o, key)) ? 0 : json_get_int64(o, key, out, e);
}

int bybit_opt_str(const json_t *o, const char *key, char *out, size_t cap, err_t *e)
{
    out[0] = '\0';
    return s_blank(json_get(o, key)) ? 0 : json_get_str(o, key, out, cap, e);
}

int bybit_opt_bool(const json_t *o, const char *key, bool *out, err_t *e)
{
    *out = false;
    return s_blank(json_get(o, key)) ? 0 : json_get_bool(o, key, out, e);
}

int bybit_opt_leverage(const json_t *o, const char *key, int *out, err_t *e)
{
    decimal_t d;
    int64_t v = 0;
    *out = 0;
    if (bybit_opt_dec(o, key, &d, e) < 0)
        return -1;
    if (decimal_to_int(d, &v) < 0 || v < 0 || v > 1000)
        return err_set(e, XR_INTERNAL, "field %s: leverage out of range", key);
    *out = (int) v;
    return 0;
}

int bybit_parse_order(const json_t *o, const instruments_t *t, venue_order_t *out, err_t *e)
{
    char vsym[VENUE_SYMBOL_MAX], side[8], st[32], otype[16], stop[32], tif[16], ctype[48], reject[64];
    int64_t dir = 0, pidx = 0;
    memset(out, 0, sizeof *out);
    if (json_get_str(o, "orderId", out->order_id, sizeof out->order_id, e) < 0 ||
        bybit_opt_str(o, "orderLinkId", out->client_order_id, sizeof out->client_order_id, e) < 0 ||
        json_get_str(o, "symbol", vsym, sizeof vsym, e) < 0 || s_unified(t, vsym, out->symbol, e) < 0 ||
        json_get_str(o, "side", side, sizeof side, e) < 0 || json_get_str(o, "orderStatus", st, sizeof st, e) < 0 ||
        json_get_str(o, "orderType", otype, sizeof otype, e) < 0 ||
        bybit_opt_str(o, "stopOrderType", stop, sizeof stop, e) < 0 || bybit_opt_str(o, "timeInForce", tif, sizeof tif, e) < 0 ||
        bybit_opt_str(o, "cancelType", ctype, sizeof ctype, e) < 0 ||
        bybit_opt_str(o, "rejectReason", reject, sizeof reject, e) < 0 || bybit_opt_int(o, "triggerDirection", &dir, e) < 0 ||
        bybit_opt_int(o, "positionIdx", &pidx, e) < 0 || json_get_decimal(o, "qty", &out->quantity, e) < 0 ||
        bybit_opt_dec(o, "cumExecQty", &out->filled_quantity, e) < 0 || bybit_opt_dec(o, "price", &out->price, e) < 0 ||
        bybit_opt_dec(o, "avgPrice", &out->average_price, e) < 0 ||
        bybit_opt_dec(o, "triggerPrice", &out->stop_price, e) < 0 || bybit_opt_bool(o, "reduceOnly", &out->reduce_only, e) < 0 ||
        bybit_opt_int(o, "createdTime", &out->created_at, e) < 0 || bybit_opt_int(o, "updatedTime", &out->updated_at, e) < 0)
        return -1;
    if (s_side_from(side, &out->side) < 0)
        return err_set(e, XR_INTERNAL, "bad side %s", side);
    if ((out->status = s_status_from(st, ctype, reject)) == VENUE_STATUS_NONE)
        return err_set(e, XR_INTERNAL, "unknown order status %s", st);
    out->type = s_type_from(otype, stop, dir, out->side, !decimal_is_zero(out->stop_price));
    if (out->type == VENUE_TYPE_NONE)
        return err_set(e, XR_INTERNAL, "unknown order type %s", otype);
    out->position_side = s_pside_from(pidx);
    out->time_in_force = venue_type_has_price(out->type) ? s_tif_from(tif) : VENUE_TIF_NONE;
    if (!venue_type_has_price(out->type))
        out->price = DECIMAL_ZERO; /* Bybit shows a market order's protection price */
    if (!out->created_at)
        out->created_at = out->updated_at;
    return 0;
}

int bybit_parse_position(const json_t *o, const instruments_t *t, venue_position_t *p, err_t *e)
{
    char vsym[VENUE_SYMBOL_MAX], side[8];
    int64_t pidx = 0;
    memset(p, 0, sizeof *p);
    if (json_get_str(o, "symbol", vsym, sizeof vsym, e) < 0 || s_unified(t, vsym, p->symbol, e) < 0 ||
        bybit_opt_str(o, "side", side, sizeof side, e) < 0 || json_get_decimal(o, "size", &p->quantity, e) < 0 ||
        bybit_opt_dec(o, "avgPrice", &p->entry_price, e) < 0 || bybit_opt_dec(o, "markPrice", &p->mark_price, e) < 0 ||
        bybit_opt_dec(o, "liqPrice", &p->liquidation_price, e) < 0 ||
        bybit_opt_dec(o, "unrealisedPnl", &p->unrealized_pnl, e) < 0 ||
        bybit_opt_dec(o, "cumRealisedPnl", &p->realized_pnl, e) < 0 || bybit_opt_leverage(o, "leverage", &p->leverage, e) < 0 ||
        bybit_opt_dec(o, "positionIM", &p->margin, e) < 0 || bybit_opt_dec(o, "takeProfit", &p->take_profit, e) < 0 ||
        bybit_opt_dec(o, "stopLoss", &p->stop_loss, e) < 0 || bybit_opt_int(o, "positionIdx", &pidx, e) < 0)
        return -1;
    p->quantity = decimal_abs(p->quantity);
    p->position_side = s_pside_from(pidx);
    if (decimal_is_zero(p->quantity) || (strcmp(side, "Buy") != 0 && strcmp(side, "Sell") != 0)) {
        p->side = VENUE_POS_FLAT;
        p->size = DECIMAL_ZERO;
    } else if (strcmp(side, "Buy") == 0) {
        p->side = VENUE_POS_LONG;
        p->size = p->quantity;
    } else {
        p->side = VENUE_POS_SHORT;
        p->size = decimal_neg(p->quantity);
    }
    return 0;
}

/* A UNIFIED wallet coin: total = walletBalance; what is in use = locked (spot orders) +
 * totalOrderIM + totalPositionIM; available = total - in use (not below zero); locked = total - available. */
int bybit_parse_balance(const json_t *o, venue_balance_t *b, err_t *e)
{
    decimal_t locked, order_im, pos_im, used;
    memset(b, 0, sizeof *b);
    if (json_get_str(o, "coin", b->asset, sizeof b->asset, e) < 0 ||
        json_get_decimal(o, "walletBalance", &b->total, e) < 0 || bybit_opt_dec(o, "locked", &locked, e) < 0 ||
        bybit_opt_dec(o, "totalOrderIM", &order_im, e) < 0 || bybit_opt_dec(o, "totalPositionIM", &pos_im, e) < 0 ||
        decimal_add(locked, order_im, &used, e) < 0 || decimal_add(used, pos_im, &used, e) < 0 ||
        decimal_sub(b->total, used, &b->available, e) < 0)
        return -1;
    if (decimal_sign(b->available) < 0)
        b->available = DECIMAL_ZERO;
    if (decimal_cmp(b->available, b->total) > 0)
        b->available = decimal_max(b->total, DECIMAL_ZERO);
    return decimal_sub(b->total, b->available, &b->locked, e);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t s_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Start (ms) of the month after the one holding t (ms, UTC). */
static int64_t s_next_month_ms(int64_t t)
{
    int64_t z = (t >= 0 ? t : t - 86399999) / 86400000 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp + (mp < 10 ? 3 : -9), y = yoe + era * 400 + (m <= 2);
    return s_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * 86400000;
}

int bybit_parse_kline(const json_t *a, int64_t len_ms, venue_kline_t *k, err_t *e)
{
    if (json_kind(a) != JSON_ARRAY || json_array_len(a) < 6)
        return err_set(e, XR_INTERNAL, "kline is not an array of 6+");
    if (json_int64(json_array_at(a, 0), &k->open_time, e) < 0 || json_decimal(json_array_at(a, 1), &k->open, e) < 0 ||
        json_decimal(json_array_at(a, 2), &k->high, e) < 0 || json_decimal(json_array_at(a, 3), &k->low, e) < 0 ||
        json_decimal(json_array_at(a, 4), &k->close, e) < 0 || json_decimal(json_array_at(a, 5), &k->volume, e) < 0)
        return -1;
    if (k->open_time < 0 || k->open_time > 32503680000000) /* year 3000 */
        return err_set(e, XR_INTERNAL, "kline start time out of range");
    k->close_time = (len_ms ? k->open_time + len_ms : s_next_month_ms(k->open_time)) - 1;
    return 0;
}

/* True for the execTypes that are trades of ours (see bybit.h). */
static bool s_is_fill(const char *exec_type)
{
    return strcmp(exec_type, "Trade") == 0 || strcmp(exec_type, "AdlTrade") == 0 ||
           strcmp(exec_type, "BustTrade") == 0;
}

int bybit_parse_fill(const json_t *o, const instruments_t *t, venue_fill_t *f, err_t *e)
{
    char vsym[VENUE_SYMBOL_MAX], side[8], type[32];
    bool maker = false;
    memset(f, 0, sizeof *f);
    if (json_get_str(o, "execType", type, sizeof type, e) < 0)
        return -1;
    if (!s_is_fill(type))
        return 0;
    if (json_get_str(o, "execId", f->trade_id, sizeof f->trade_id, e) < 0 ||
        json_get_str(o, "orderId", f->order_id, sizeof f->order_id, e) < 0 ||
        bybit_opt_str(o, "orderLinkId", f->client_order_id, sizeof f->client_order_id, e) < 0 ||
        json_get_str(o, "symbol", vsym, sizeof vsym, e) < 0 || s_unified(t, vsym, f->symbol, e) < 0 ||
        json_get_str(o, "side", side, sizeof side, e) < 0 || json_get_decimal(o, "execQty", &f->quantity, e) < 0 ||
        json_get_decimal(o, "execPrice", &f->price, e) < 0 || bybit_opt_dec(o, "execFee", &f->fee, e) < 0 ||
        bybit_opt_str(o, "feeCurrency", f->fee_asset, sizeof f->fee_asset, e) < 0 ||
        bybit_opt_dec(o, "execPnl", &f->realized_pnl, e) < 0 || bybit_opt_bool(o, "isMaker", &maker, e) < 0 ||
        json_get_int64(o, "execTime", &f->executed_at, e) < 0)
        return -1;
    if (s_side_from(side, &f->side) < 0)
        return err_set(e, XR_INTERNAL, "bad side %s", side);
    if (f->executed_at <= 0 || f->executed_at > 32503680000000)
        return err_set(e, XR_INTERNAL, "execTime out of range");
    if (!f->fee_asset[0]) /* linear fees are paid in the settle (quote) coin */
        venue_copy(f->fee_asset, sizeof f->fee_asset, instruments_find_venue(t, vsym)->quote);
    f->liquidity = maker ? VENUE_LIQ_MAKER : VENUE_LIQ_TAKER;
    return 1;
}

int bybit_parse_instrument(const json_t *o, instrument_t *in, err_t *e)
{
    char status[32], ctype[32];
    memset(in, 0, sizeof *in);
    if (json_get_str(o, "symbol", in->venue_symbol, sizeof in->venue_symbol, e) < 0 ||
        bybit_opt_str(o, "contractType", ctype, sizeof ctype, e) < 0 || bybit_opt_str(o, "status", status, sizeof status, e) < 0)
        return -1;
    if (ctype[0] && strcmp(ctype, "LinearPerpetual") != 0)
        return 0;
    if (json_get_str(o, "baseCoin", in->base, sizeof in->base, e) < 0 ||
        json_get_str(o, "quoteCoin", in->quote, sizeof in->quote, e) < 0)
        return -1;
    snprintf(in->symbol, sizeof in->symbol, "%s/%s", in->base, in->quote);
    in->trading = strcmp(status, "Trading") == 0;
    const json_t *pf = json_get(o, "priceFilter"), *lf = json_get(o, "lotSizeFilter");
    if (bybit_opt_dec(pf, "tickSize", &in->tick, e) < 0 || bybit_opt_dec(pf, "minPrice", &in->min_price, e) < 0 ||
        bybit_opt_dec(pf, "maxPrice", &in->max_price, e) < 0 || bybit_opt_dec(lf, "qtyStep", &in->step, e) < 0 ||
        bybit_opt_dec(lf, "minOrderQty", &in->min_qty, e) < 0 || bybit_opt_dec(lf, "maxOrderQty", &in->max_qty, e) < 0 ||
        bybit_opt_dec(lf, "maxMktOrderQty", &in->market_max_qty, e) < 0 ||
        bybit_opt_dec(lf, "minNotionalValue", &in->min_notional, e) < 0)
        return -1;
    return 1;
}
