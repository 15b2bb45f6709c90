/* sim_binance_account: the Binance dialect's account endpoints (positionRisk v2/v3, balance, account v2/v3,
 * leverage, margin type, position mode, user trades, listenKey) and its public market data (time, exchangeInfo,
 * tickers, premium index, depth, klines). */
#include "sim_binance_int.h"

#include "base/mem.h"

#include <stdio.h>
#include <string.h>

/* ---- positions, balances, account ---- */

static decimal_t s_maint(const sim_engine_t *eng, const sim_position_t *p)
{
    sim_ticker_t tk;
    sim_engine_ticker(eng, p->inst, &tk);
    decimal_t notional = decimal_abs(bn_mul8(tk.mark, p->qty));
    return bn_mul8(notional, (decimal_t){4, 3});
}

typedef struct {
    s_ctx_t *c;          /* request */
    int version;         /* 2 or 3: positionRisk shape; 0: account positions[] shape */
    bool only_open;      /* v3: only symbols with a position or open orders */
} s_pos_list_t;

static void s_position_json(s_ctx_t *c, const sim_position_t *p, int version)
{
    jw_t *w = &c->w;
    const sim_instrument_t *in = p->inst;
    sim_ticker_t tk;
    sim_engine_ticker(c->eng, in, &tk);
    decimal_t upnl = sim_engine_unrealized(c->eng, p);
    decimal_t notional = bn_mul8(tk.mark, p->qty);
    decimal_t im = sim_engine_position_margin(c->eng, p);
    int lev = sim_engine_leverage(c->eng, in, p->account);
    bool iso = sim_engine_isolated(c->eng, in, p->account);
    jw_object_begin(w);
    bn_kstr(w, "symbol", in->symbol);
    if (version == 0) {
        bn_kstr(w, "positionSide", bn_pos_name(p->side));
        bn_kdec(w, "positionAmt", p->qty);
        bn_kfix(w, "unrealizedProfit", upnl, 8);
        bn_kfix(w, "isolatedMargin", DECIMAL_ZERO, 8);
        bn_kfix(w, "notional", notional, 8);
        bn_kfix(w, "isolatedWallet", DECIMAL_ZERO, 8);
        bn_kfix(w, "initialMargin", im, 8);
        bn_kfix(w, "maintMargin", s_maint(c->eng, p), 8);
        bn_kint(w, "updateTime", p->update_ms);
        jw_object_end(w);
        return;
    }
    if (version == 3)
        bn_kstr(w, "positionSide", bn_pos_name(p->side));
    bn_kdec(w, "positionAmt", p->qty);
    bn_kfix(w, "entryPrice", p->entry_price, 8);
    bn_kfix(w, "breakEvenPrice", p->entry_price, 8);
    bn_kfix(w, "markPrice", tk.mark, 8);
    bn_kfix(w, "unRealizedProfit", upnl, 8);
    bn_kstr(w, "liquidationPrice", "0");
    if (version == 2) {
        char lv[16];
        snprintf(lv, sizeof lv, "%d", lev);
        bn_kstr(w, "leverage", lv);
        bn_kstr(w, "maxNotionalValue", "1000000000");
        bn_kstr(w, "marginType", iso ? "isolated" : "cross");
        bn_kfix(w, "isolatedMargin", DECIMAL_ZERO, 8);
        bn_kstr(w, "isAutoAddMargin", "false");
        bn_kstr(w, "positionSide", bn_pos_name(p->side));
        bn_kdec(w, "notional", notional);
        bn_kfix(w, "isolatedWallet", DECIMAL_ZERO, 8);
    } else {
        bn_kfix(w, "isolatedMargin", DECIMAL_ZERO, 8);
        bn_kdec(w, "notional", notional);
        bn_kstr(w, "marginAsset", in->quote);
        bn_kfix(w, "isolatedWallet", DECIMAL_ZERO, 8);
        bn_kfix(w, "initialMargin", im, 8);
        bn_kfix(w, "maintMargin", s_maint(c->eng, p), 8);
        bn_kfix(w, "positionInitialMargin", im, 8);
        bn_kfix(w, "openOrderInitialMargin", DECIMAL_ZERO, 8);
        bn_kint(w, "adl", 0);
        bn_kstr(w, "bidNotional", "0");
        bn_kstr(w, "askNotional", "0");
    }
    bn_kint(w, "updateTime", p->update_ms);
    jw_object_end(w);
}

static int s_count_open(const sim_order_t *o, void *ctx)
{
    (void)o;
    (*(size_t *)ctx)++;
    return 1;
}

/* Writes the positions of the account for one instrument (or all): one-way BOTH, hedge LONG + SHORT. */
static void s_positions(s_ctx_t *c, const sim_instrument_t *only, int version, bool only_open)
{
    bool dual = sim_engine_dual_side(c->eng, SIM_VENUE_BINANCE, c->account);
    size_t n = sim_engine_instrument_count(c->eng, SIM_VENUE_BINANCE);
    for (size_t i = 0; i < n; i++) {
        const sim_instrument_t *in = sim_engine_instrument_at(c->eng, SIM_VENUE_BINANCE, i);
        if (only && in != only)
            continue;
        for (int s = dual ? 1 : 0; s <= (dual ? 2 : 0); s++) {
            const sim_position_t *p = sim_engine_position(c->eng, in, c->account, (sim_pos_side_t)s);
            if (only_open && decimal_is_zero(p->qty)) {
                size_t open = 0;
                sim_engine_open_orders(c->eng, SIM_VENUE_BINANCE, c->account, in, -1, s_count_open, &open);
                if (!open)
                    continue;
            }
            s_position_json(c, p, version);
        }
    }
}

static void s_position_risk(s_ctx_t *c, int version)
{
    const sim_instrument_t *in = NULL;
    if (bn_get(c, "symbol") && !(in = bn_symbol(c, true)))
        return;
    bn_begin_ok(c);
    jw_array_begin(&c->w);
    s_positions(c, in, version, version == 3);
    jw_array_end(&c->w);
}

void bn_position_risk_v2(s_ctx_t *c)
{
    s_position_risk(c, 2);
}

void bn_position_risk_v3(s_ctx_t *c)
{
    s_position_risk(c, 3);
}

static void s_asset_json(s_ctx_t *c, const sim_balance_t *b, bool balance_shape)
{
    jw_t *w = &c->w;
    decimal_t margin_balance = bn_add(b->wallet, b->unrealized);
    decimal_t avail = decimal_sign(b->available) > 0 ? b->available : DECIMAL_ZERO;
    jw_object_begin(w);
    if (balance_shape) {
        bn_kstr(w, "accountAlias", "SimFuturesAccount");
        bn_kstr(w, "asset", "USDT");
        bn_kfix(w, "balance", b->wallet, 8);
        bn_kfix(w, "crossWalletBalance", b->wallet, 8);
        bn_kfix(w, "crossUnPnl", b->unrealized, 8);
        bn_kfix(w, "availableBalance", avail, 8);
        bn_kfix(w, "maxWithdrawAmount", avail, 8);
        bn_kbool(w, "marginAvailable", true);
        bn_kint(w, "updateTime", b->update_ms ? b->update_ms : c->bn->started_ms);
    } else {
        bn_kstr(w, "asset", "USDT");
        bn_kfix(w, "walletBalance", b->wallet, 8);
        bn_kfix(w, "unrealizedProfit", b->unrealized, 8);
        bn_kfix(w, "marginBalance", margin_balance, 8);
        bn_kfix(w, "maintMargin", DECIMAL_ZERO, 8);
        bn_kfix(w, "initialMargin", bn_add(b->position_margin, b->order_margin), 8);
        bn_kfix(w, "positionInitialMargin", b->position_margin, 8);
        bn_kfix(w, "openOrderInitialMargin", b->order_margin, 8);
        bn_kfix(w, "crossWalletBalance", b->wallet, 8);
        bn_kfix(w, "crossUnPnl", b->unrealized, 8);
        bn_kfix(w, "availableBalance", avail, 8);
        bn_kfix(w, "maxWithdrawAmount", avail, 8);
        bn_kbool(w, "marginAvailable", true);
        bn_kint(w, "updateTime", b->update_ms ? b->update_ms : c->bn->started_ms);
    }
    jw_object_end(w);
}

void bn_balance(s_ctx_t *c)
{
    sim_balance_t b;
    sim_engine_balance(c->eng, SIM_VENUE_BINANCE, c->account, &b);
    bn_begin_ok(c);
    jw_array_begin(&c->w);
    s_asset_json(c, &b, true);
    jw_array_end(&c->w);
}

static void s_account(s_ctx_t *c, int version)
{
    sim_balance_t b;
    sim_engine_balance(c->eng, SIM_VENUE_BINANCE, c->account, &b);
    decimal_t avail = decimal_sign(b.available) > 0 ? b.available : DECIMAL_ZERO;
    jw_t *w = &c->w;
    bn_begin_ok(c);
    jw_object_begin(w);
    if (version == 2) {
        bn_kint(w, "feeTier", 0);
        bn_kbool(w, "feeBurn", false);
        bn_kbool(w, "canTrade", true);
        bn_kbool(w, "canDeposit", true);
        bn_kbool(w, "canWithdraw", true);
        bn_kint(w, "updateTime", 0);
        bn_kbool(w, "multiAssetsMargin", false);
        bn_kint(w, "tradeGroupId", -1);
    }
    bn_kfix(w, "totalInitialMargin", bn_add(b.position_margin, b.order_margin), 8);
    bn_kfix(w, "totalMaintMargin", DECIMAL_ZERO, 8);
    bn_kfix(w, "totalWalletBalance", b.wallet, 8);
    bn_kfix(w, "totalUnrealizedProfit", b.unrealized, 8);
    bn_kfix(w, "totalMarginBalance", bn_add(b.wallet, b.unrealized), 8);
    bn_kfix(w, "totalPositionInitialMargin", b.position_margin, 8);
    bn_kfix(w, "totalOpenOrderInitialMargin", b.order_margin, 8);
    bn_kfix(w, "totalCrossWalletBalance", b.wallet, 8);
    bn_kfix(w, "totalCrossUnPnl", b.unrealized, 8);
    bn_kfix(w, "availableBalance", avail, 8);
    bn_kfix(w, "maxWithdrawAmount", avail, 8);
    jw_key(w, "assets");
    jw_array_begin(w);
    s_asset_json(c, &b, false);
    jw_array_end(w);
    jw_key(w, "positions");
    jw_array_begin(w);
    s_positions(c, NULL, version == 2 ? 2 : 0, true);
    jw_array_end(w);
    jw_object_end(w);
}

void bn_account_v2(s_ctx_t *c)
{
    s_account(c, 2);
}

void bn_account_v3(s_ctx_t *c)
{
    s_account(c, 3);
}

void bn_leverage(s_ctx_t *c)
{
    const sim_instrument_t *in = bn_symbol(c, true);
    int64_t lev = 0;
    if (!in || bn_int(c, "leverage", &lev, true))
        return;
    if (lev < 1 || lev > in->max_leverage) {
        bn_err(c, 400, -4028, "Leverage %lld is not valid", (long long)lev);
        return;
    }
    sim_engine_set_leverage(c->eng, in, c->account, (int)lev);
    bn_begin_ok(c);
    jw_object_begin(&c->w);
    bn_kint(&c->w, "leverage", lev);
    bn_kstr(&c->w, "maxNotionalValue", "1000000000");
    bn_kstr(&c->w, "symbol", in->symbol);
    jw_object_end(&c->w);
}

/* One bracket per symbol: the whole notional range at the symbol's max leverage, maintenance 0.4 % (the rate
 * positions report). Numbers are JSON numbers here, as Binance sends them. */
static void s_bracket_one(s_ctx_t *c, const sim_instrument_t *in)
{
    jw_t *w = &c->w;
    jw_object_begin(w);
    bn_kstr(w, "symbol", in->symbol);
    jw_key(w, "notionalCoef");
    jw_raw(w, "1.0");
    jw_key(w, "brackets");
    jw_array_begin(w);
    jw_object_begin(w);
    bn_kint(w, "bracket", 1);
    bn_kint(w, "initialLeverage", in->max_leverage);
    bn_kint(w, "notionalCap", 1000000000);
    bn_kint(w, "notionalFloor", 0);
    jw_key(w, "maintMarginRatio");
    jw_raw(w, "0.004");
    jw_key(w, "cum");
    jw_raw(w, "0.0");
    jw_object_end(w);
    jw_array_end(w);
    jw_object_end(w);
}

void bn_leverage_bracket(s_ctx_t *c)
{
    const sim_instrument_t *in = NULL;
    if (bn_get(c, "symbol") && !(in = bn_symbol(c, true)))
        return;
    bn_begin_ok(c);
    if (in) {
        s_bracket_one(c, in);
        return;
    }
    jw_array_begin(&c->w);
    size_t n = sim_engine_instrument_count(c->eng, SIM_VENUE_BINANCE);
    for (size_t i = 0; i < n; i++)
        s_bracket_one(c, sim_engine_instrument_at(c->eng, SIM_VENUE_BINANCE, i));
    jw_array_end(&c->w);
}

static void s_code_ok(s_ctx_t *c)
{
    bn_begin_ok(c);
    jw_object_begin(&c->w);
    bn_kint(&c->w, "code", 200);
    bn_kstr(&c->w, "msg", "success");
    jw_object_end(&c->w);
}

void bn_margin_type(s_ctx_t *c)
{
    const sim_instrument_t *in = bn_symbol(c, true);
    const char *mt = in ? bn_need(c, "marginType") : NULL;
    if (!mt)
        return;
    bool iso;
    if (strcmp(mt, "ISOLATED") == 0)
        iso = true;
    else if (strcmp(mt, "CROSSED") == 0)
        iso = false;
    else {
        bn_err(c, 400, -4044, "The margin type is invalid.");
        return;
    }
    if (sim_engine_isolated(c->eng, in, c->account) == iso) {
        bn_err(c, 400, -4046, "No need to change margin type.");
        return;
    }
    sim_engine_set_isolated(c->eng, in, c->account, iso);
    s_code_ok(c);
}

void bn_dual_get(s_ctx_t *c)
{
    bn_begin_ok(c);
    jw_object_begin(&c->w);
    bn_kbool(&c->w, "dualSidePosition", sim_engine_dual_side(c->eng, SIM_VENUE_BINANCE, c->account));
    jw_object_end(&c->w);
}

void bn_dual_set(s_ctx_t *c)
{
    bool dual = false;
    if (!bn_need(c, "dualSidePosition") || bn_bool(c, "dualSidePosition", &dual))
        return;
    if (sim_engine_dual_side(c->eng, SIM_VENUE_BINANCE, c->account) == dual) {
        bn_err(c, 400, -4059, "No need to change position side.");
        return;
    }
    if (sim_engine_set_dual_side(c->eng, SIM_VENUE_BINANCE, c->account, dual) != SIM_OK) {
        bn_err(c, 400, -4068, "Position side cannot be changed if there exists position.");
        return;
    }
    s_code_ok(c);
}

/* ---- trades ---- */

static int s_trade_one(const sim_fill_t *f, void *ctx)
{
    s_ctx_t *c = ctx;
    jw_t *w = &c->w;
    const sim_instrument_t *in = f->inst;
    jw_object_begin(w);
    bn_kbool(w, "buyer", f->side == SIM_SIDE_BUY);
    bn_kfix(w, "commission", f->fee, 8);
    bn_kstr(w, "commissionAsset", in->quote);
    bn_kint(w, "id", f->trade_id);
    bn_kbool(w, "maker", f->maker);
    bn_kint(w, "orderId", f->order_id);
    bn_kfix(w, "price", f->price, in->price_precision);
    bn_kfix(w, "qty", f->qty, in->qty_precision);
    bn_kdec(w, "quoteQty", f->quote_qty);
    bn_kfix(w, "realizedPnl", f->realized, 8);
    bn_kstr(w, "side", bn_side_name(f->side));
    bn_kstr(w, "positionSide", bn_pos_name(f->pos_side));
    bn_kstr(w, "symbol", in->symbol);
    bn_kint(w, "time", f->time_ms);
    jw_object_end(w);
    return 0;
}

void bn_user_trades(s_ctx_t *c)
{
    const int64_t week = 7LL * 86400000;
    const sim_instrument_t *in = bn_symbol(c, true);
    if (!in)
        return;
    sim_fill_query_t q = {.inst = in};
    int64_t limit = 0;
    if (bn_int(c, "orderId", &q.order_id, false) || bn_int(c, "startTime", &q.start_ms, false) ||
        bn_int(c, "endTime", &q.end_ms, false) || bn_int(c, "fromId", &q.from_trade_id, false) ||
        bn_limit(c, 500, 1000, &limit))
        return;
    q.limit = (size_t)limit;
    if (q.from_trade_id && (q.start_ms || q.end_ms)) {
        bn_err(c, 400, -1128, "Combination of optional parameters invalid.");
        return;
    }
    if (q.start_ms && q.end_ms && (q.end_ms < q.start_ms || q.end_ms - q.start_ms > week)) {
        bn_err(c, 400, -1127, "More than 7 days between startTime and endTime.");
        return;
    }
    if (!q.from_trade_id) {
        if (q.start_ms && !q.end_ms)
            q.end_ms = q.start_ms + week;
        else if (!q.start_ms && q.end_ms)
            q.start_ms = q.end_ms - week;
        else if (!q.start_ms && !q.end_ms)
            q.newest = true; /* the most recent `limit` trades of the last 7 days */
        if (q.newest)
            q.end_ms = 0;
    }
    if (q.newest) {
        /* the 7-day default window: trades older than a week are not returned */
        q.start_ms = 0;
    }
    bn_begin_ok(c);
    jw_array_begin(&c->w);
    sim_engine_fills(c->eng, SIM_VENUE_BINANCE, c->account, &q, s_trade_one, c);
    jw_array_end(&c->w);
}

/* ---- market data ---- */

void bn_ping(s_ctx_t *c)
{
    bn_begin_ok(c);
    jw_object_begin(&c->w);
    jw_object_end(&c->w);
}

void bn_time(s_ctx_t *c)
{
    bn_begin_ok(c);
    jw_object_begin(&c->w);
    bn_kint(&c->w, "serverTime", c->req->now_ms);
    jw_object_end(&c->w);
}

static void s_filter_str(jw_t *w, const char *type)
{
    jw_object_begin(w);
    bn_kstr(w, "filterType", type);
}

static void s_symbol_info(jw_t *w, const sim_instrument_t *in)
{
    jw_object_begin(w);
    bn_kstr(w, "symbol", in->symbol);
    bn_kstr(w, "pair", in->symbol);
    bn_kstr(w, "contractType", "PERPETUAL");
    bn_kint(w, "deliveryDate", 4133404800000LL);
    bn_kint(w, "onboardDate", 1569398400000LL);
    bn_kstr(w, "status", "TRADING");
    bn_kstr(w, "maintMarginPercent", "2.5000");
    bn_kstr(w, "requiredMarginPercent", "5.0000");
    bn_kstr(w, "baseAsset", in->base);
    bn_kstr(w, "quoteAsset", in->quote);
    bn_kstr(w, "marginAsset", in->quote);
    bn_kint(w, "pricePrecision", in->price_precision);
    bn_kint(w, "quantityPrecision", in->qty_precision);
    bn_kint(w, "baseAssetPrecision", 8);
    bn_kint(w, "quotePrecision", 8);
    bn_kstr(w, "underlyingType", "COIN");
    jw_key(w, "underlyingSubType");
    jw_array_begin(w);
    jw_array_end(w);
    bn_kstr(w, "triggerProtect", "0.0500");
    bn_kstr(w, "liquidationFee", "0.012500");
    bn_kstr(w, "marketTakeBound", "0.05");
    bn_kint(w, "maxMoveOrderLimit", 10000);
    jw_key(w, "filters");
    jw_array_begin(w);
    s_filter_str(w, "PRICE_FILTER");
    bn_kdec(w, "minPrice", in->min_price);
    bn_kdec(w, "maxPrice", in->max_price);
    bn_kdec(w, "tickSize", in->tick);
    jw_object_end(w);
    s_filter_str(w, "LOT_SIZE");
    bn_kdec(w, "stepSize", in->step);
    bn_kdec(w, "maxQty", in->max_qty);
    bn_kdec(w, "minQty", in->min_qty);
    jw_object_end(w);
    s_filter_str(w, "MARKET_LOT_SIZE");
    bn_kdec(w, "stepSize", in->step);
    bn_kdec(w, "maxQty", in->max_mkt_qty);
    bn_kdec(w, "minQty", in->min_qty);
    jw_object_end(w);
    s_filter_str(w, "MAX_NUM_ORDERS");
    bn_kint(w, "limit", in->max_open_orders);
    jw_object_end(w);
    s_filter_str(w, "MAX_NUM_ALGO_ORDERS");
    bn_kint(w, "limit", 10);
    jw_object_end(w);
    s_filter_str(w, "MIN_NOTIONAL");
    bn_kdec(w, "notional", in->min_notional);
    jw_object_end(w);
    s_filter_str(w, "PERCENT_PRICE");
    bn_kstr(w, "multiplierUp", "1.0500");
    bn_kstr(w, "multiplierDown", "0.9500");
    bn_kstr(w, "multiplierDecimal", "4");
    jw_object_end(w);
    jw_array_end(w);
    jw_key(w, "orderTypes");
    jw_array_begin(w);
    for (int t = 0; t < 7; t++)
        jw_string(w, bn_types[t]);
    jw_array_end(w);
    jw_key(w, "timeInForce");
    jw_array_begin(w);
    for (int t = 0; t < 5; t++)
        jw_string(w, bn_tifs[t]);
    jw_array_end(w);
    jw_key(w, "permissionSets");
    jw_array_begin(w);
    jw_string(w, "GRID");
    jw_string(w, "COPY");
    jw_array_end(w);
    jw_object_end(w);
}

static void s_rate_limit_json(jw_t *w, const char *type, const char *interval, int num, int limit)
{
    jw_object_begin(w);
    bn_kstr(w, "rateLimitType", type);
    bn_kstr(w, "interval", interval);
    bn_kint(w, "intervalNum", num);
    bn_kint(w, "limit", limit);
    jw_object_end(w);
}

void bn_exchange_info(s_ctx_t *c)
{
    jw_t *w = &c->w;
    bn_begin_ok(c);
    jw_object_begin(w);
    bn_kstr(w, "timezone", "UTC");
    bn_kint(w, "serverTime", c->req->now_ms);
    bn_kstr(w, "futuresType", "U_MARGINED");
    jw_key(w, "rateLimits");
    jw_array_begin(w);
    s_rate_limit_json(w, "REQUEST_WEIGHT", "MINUTE", 1, bn_weight_limit(c));
    s_rate_limit_json(w, "ORDERS", "MINUTE", 1, bn_orders_limit_1m(c));
    s_rate_limit_json(w, "ORDERS", "SECOND", 10, bn_orders_limit_10s(c));
    jw_array_end(w);
    jw_key(w, "exchangeFilters");
    jw_array_begin(w);
    jw_array_end(w);
    jw_key(w, "assets");
    jw_array_begin(w);
    jw_object_begin(w);
    bn_kstr(w, "asset", "USDT");
    bn_kbool(w, "marginAvailable", true);
    bn_kstr(w, "autoAssetExchange", "-10000");
    jw_object_end(w);
    jw_array_end(w);
    jw_key(w, "symbols");
    jw_array_begin(w);
    size_t n = sim_engine_instrument_count(c->eng, SIM_VENUE_BINANCE);
    for (size_t i = 0; i < n; i++)
        s_symbol_info(w, sim_engine_instrument_at(c->eng, SIM_VENUE_BINANCE, i));
    jw_array_end(w);
    jw_object_end(w);
}

typedef void (*s_tick_fn)(s_ctx_t *c, const sim_instrument_t *in, const sim_ticker_t *tk);

static void s_each_ticker(s_ctx_t *c, s_tick_fn fn)
{
    const sim_instrument_t *in = NULL;
    if (bn_get(c, "symbol") && !(in = bn_symbol(c, true)))
        return;
    bn_begin_ok(c);
    sim_ticker_t tk;
    if (in) {
        sim_engine_ticker(c->eng, in, &tk);
        fn(c, in, &tk);
        return;
    }
    jw_array_begin(&c->w);
    size_t n = sim_engine_instrument_count(c->eng, SIM_VENUE_BINANCE);
    for (size_t i = 0; i < n; i++) {
        in = sim_engine_instrument_at(c->eng, SIM_VENUE_BINANCE, i);
        sim_engine_ticker(c->eng, in, &tk);
        fn(c, in, &tk);
    }
    jw_array_end(&c->w);
}

static void s_price_one(s_ctx_t *c, const sim_instrument_t *in, const sim_ticker_t *tk)
{
    jw_object_begin(&c->w);
    bn_kstr(&c->w, "symbol", in->symbol);
    bn_kfix(&c->w, "price", tk->last, in->price_precision);
    bn_kint(&c->w, "time", c->req->now_ms);
    jw_object_end(&c->w);
}

static void s_book_one(s_ctx_t *c, const sim_instrument_t *in, const sim_ticker_t *tk)
{
    jw_object_begin(&c->w);
    bn_kstr(&c->w, "symbol", in->symbol);
    bn_kfix(&c->w, "bidPrice", tk->bid, in->price_precision);
    bn_kfix(&c->w, "bidQty", tk->bid_qty, in->qty_precision);
    bn_kfix(&c->w, "askPrice", tk->ask, in->price_precision);
    bn_kfix(&c->w, "askQty", tk->ask_qty, in->qty_precision);
    bn_kint(&c->w, "time", c->req->now_ms);
    bn_kint(&c->w, "lastUpdateId", tk->time_ms);
    jw_object_end(&c->w);
}

static void s_premium_one(s_ctx_t *c, const sim_instrument_t *in, const sim_ticker_t *tk)
{
    const int64_t eight_h = 8LL * 3600000;
    jw_object_begin(&c->w);
    bn_kstr(&c->w, "symbol", in->symbol);
    bn_kfix(&c->w, "markPrice", tk->mark, 8);
    bn_kfix(&c->w, "indexPrice", tk->last, 8);
    bn_kfix(&c->w, "estimatedSettlePrice", tk->last, 8);
    bn_kstr(&c->w, "lastFundingRate", "0.00010000");
    bn_kstr(&c->w, "interestRate", "0.00010000");
    bn_kint(&c->w, "nextFundingTime", (c->req->now_ms / eight_h + 1) * eight_h);
    bn_kint(&c->w, "time", c->req->now_ms);
    jw_object_end(&c->w);
}

void bn_ticker_price(s_ctx_t *c)
{
    s_each_ticker(c, s_price_one);
}

void bn_book_ticker(s_ctx_t *c)
{
    s_each_ticker(c, s_book_one);
}

/* 24-hour statistics from the 1-minute candles of the last 24 hours (the path plus accounts' trades). */
static void s_stats_one(s_ctx_t *c, const sim_instrument_t *in, const sim_ticker_t *tk)
{
    enum { DAY_MIN = 1440 };
    sim_candle_t *cs = mem_alloc(DAY_MIN * sizeof *cs);
    int64_t now = c->req->now_ms;
    size_t n = sim_engine_candles(c->eng, in, 60000, now - 86400000 + 60000, now, DAY_MIN, now, cs, DAY_MIN);
    decimal_t open = n ? cs[0].open : tk->last, high = tk->last, low = tk->last, vol = DECIMAL_ZERO,
              qvol = DECIMAL_ZERO;
    int64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        high = decimal_max(high, cs[i].high);
        low = decimal_min(low, cs[i].low);
        vol = bn_add(vol, cs[i].volume);
        qvol = bn_add(qvol, cs[i].quote_volume);
        count += cs[i].trades;
    }
    decimal_t change = bn_sub(tk->last, open), pct = DECIMAL_ZERO, wavg = tk->last;
    if (!decimal_is_zero(open) &&
        decimal_div(bn_mul8(change, decimal_from_int(100)), open, 3, DECIMAL_ROUND_HALF_UP, &pct, NULL) != 0)
        pct = DECIMAL_ZERO;
    if (!decimal_is_zero(vol) && decimal_div(qvol, vol, in->price_precision, DECIMAL_ROUND_HALF_UP, &wavg, NULL) != 0)
        wavg = tk->last;
    jw_t *w = &c->w;
    int pp = in->price_precision;
    jw_object_begin(w);
    bn_kstr(w, "symbol", in->symbol);
    bn_kfix(w, "priceChange", change, pp);
    bn_kfix(w, "priceChangePercent", pct, 3);
    bn_kfix(w, "weightedAvgPrice", wavg, pp);
    bn_kfix(w, "lastPrice", tk->last, pp);
    bn_kfix(w, "lastQty", in->min_qty, in->qty_precision);
    bn_kfix(w, "openPrice", open, pp);
    bn_kfix(w, "highPrice", high, pp);
    bn_kfix(w, "lowPrice", low, pp);
    bn_kdec(w, "volume", vol);
    bn_kdec(w, "quoteVolume", qvol);
    bn_kint(w, "openTime", n ? cs[0].open_ms : now - 86400000);
    bn_kint(w, "closeTime", now);
    bn_kint(w, "firstId", 1);
    bn_kint(w, "lastId", count);
    bn_kint(w, "count", count);
    jw_object_end(w);
    mem_free(cs);
}

void bn_ticker_24hr(s_ctx_t *c)
{
    s_each_ticker(c, s_stats_one);
}

void bn_premium_index(s_ctx_t *c)
{
    s_each_ticker(c, s_premium_one);
}

void bn_depth(s_ctx_t *c)
{
    const sim_instrument_t *in = bn_symbol(c, true);
    int64_t limit = 0;
    if (!in || bn_limit(c, 500, 1000, &limit))
        return;
    sim_ticker_t tk;
    sim_engine_ticker(c->eng, in, &tk);
    int levels = limit < 5 ? (int)limit : 5;
    jw_t *w = &c->w;
    bn_begin_ok(c);
    jw_object_begin(w);
    bn_kint(w, "lastUpdateId", tk.time_ms);
    bn_kint(w, "E", c->req->now_ms);
    bn_kint(w, "T", c->req->now_ms);
    for (int side = 0; side < 2; side++) {
        jw_key(w, side == 0 ? "bids" : "asks");
        jw_array_begin(w);
        decimal_t px = side == 0 ? tk.bid : tk.ask;
        for (int k = 0; k < levels && decimal_sign(px) > 0; k++) {
            char text[DECIMAL_STR_MAX + 24];
            jw_array_begin(w);
            decimal_format_fixed(px, in->price_precision, DECIMAL_ROUND_HALF_EVEN, text, sizeof text);
            jw_string(w, text);
            decimal_format_fixed(tk.bid_qty, in->qty_precision, DECIMAL_ROUND_HALF_EVEN, text, sizeof text);
            jw_string(w, text);
            jw_array_end(w);
            px = side == 0 ? bn_sub(px, in->tick) : bn_add(px, in->tick);
        }
        jw_array_end(w);
    }
    jw_object_end(w);
}

static int64_t s_interval_ms(const char *v)
{
    static const struct {
        const char *name;
        int64_t ms;
    } iv[] = {{"1m", 60000},          {"3m", 180000},         {"5m", 300000},          {"15m", 900000},
              {"30m", 1800000},       {"1h", 3600000},        {"2h", 7200000},         {"4h", 14400000},
              {"6h", 21600000},       {"8h", 28800000},       {"12h", 43200000},       {"1d", 86400000},
              {"3d", 259200000},      {"1w", 604800000},      {"1M", 2592000000LL}};
    for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++)
        if (strcmp(v, iv[i].name) == 0)
            return iv[i].ms;
    return 0;
}

void bn_klines(s_ctx_t *c)
{
    const sim_instrument_t *in = bn_symbol(c, true);
    const char *iv = in ? bn_need(c, "interval") : NULL;
    if (!iv)
        return;
    int64_t ims = s_interval_ms(iv);
    if (!ims) {
        bn_err(c, 400, -1120, "Invalid interval.");
        return;
    }
    int64_t start = 0, end = 0, limit = 0;
    if (bn_int(c, "startTime", &start, false) || bn_int(c, "endTime", &end, false) || bn_limit(c, 500, 1500, &limit))
        return;
    sim_candle_t *cs = mem_alloc((size_t)limit * sizeof *cs);
    size_t n = sim_engine_candles(c->eng, in, ims, start, end, (size_t)limit, c->req->now_ms, cs, (size_t)limit);
    jw_t *w = &c->w;
    bn_begin_ok(c);
    jw_array_begin(w);
    int pp = in->price_precision;
    for (size_t i = 0; i < n; i++) {
        char t[DECIMAL_STR_MAX + 24];
        jw_array_begin(w);
        jw_int64(w, cs[i].open_ms);
        decimal_t vals[4] = {cs[i].open, cs[i].high, cs[i].low, cs[i].close};
        for (int k = 0; k < 4; k++) {
            decimal_format_fixed(vals[k], (uint8_t)pp, DECIMAL_ROUND_HALF_EVEN, t, sizeof t);
            jw_string(w, t);
        }
        jw_decimal_string(w, cs[i].volume);
        jw_int64(w, cs[i].close_ms);
        jw_decimal_string(w, cs[i].quote_volume);
        jw_int64(w, cs[i].trades);
        jw_string(w, "0");
        jw_string(w, "0");
        jw_string(w, "0");
        jw_array_end(w);
    }
    jw_array_end(w);
    mem_free(cs);
}

void bn_listen_key(s_ctx_t *c)
{
    bn_begin_ok(c);
    jw_object_begin(&c->w);
    if (strcmp(c->req->method, "DELETE") != 0) {
        /* one key per account, returned again while "active" (there is no stream behind it) */
        char key[72];
        snprintf(key, sizeof key, "simListenKey%052d", c->account);
        bn_kstr(&c->w, "listenKey", key);
    }
    jw_object_end(&c->w);
}
