/* sim_bybit_market: the Bybit dialect's market-data, account and position routes (instruments-info, tickers,
 * kline newest first, time; query-api, account/info, wallet-balance, coin/query-info; position/list and
 * set-leverage with 110043 when unchanged). Shared plumbing: sim_bybit_int.h. */
#include "sim_bybit_int.h"

#include "base/decimal.h"
#include "base/mem.h"
#include "json/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------------------
 * Public market routes */

void by_market_time(by_ctx_t *c)
{
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    by_kv_i64str(&w, "timeSecond", c->now / 1000);
    jw_key(&w, "timeNano");
    char t[32];
    snprintf(t, sizeof t, "%" PRId64 "000000", c->now);
    jw_string(&w, t);
    jw_object_end(&w);
    by_ok_end(c, &w);
}

static void s_write_instrument(jw_t *w, const sim_instrument_t *in)
{
    char t[DECIMAL_STR_MAX];
    jw_object_begin(w);
    by_kv_str(w, "symbol", in->symbol);
    by_kv_str(w, "contractType", "LinearPerpetual");
    by_kv_str(w, "status", "Trading");
    by_kv_str(w, "baseCoin", in->base);
    by_kv_str(w, "quoteCoin", in->quote);
    by_kv_str(w, "launchTime", "1585526400000");
    by_kv_str(w, "deliveryTime", "0");
    by_kv_str(w, "deliveryFeeRate", "");
    snprintf(t, sizeof t, "%u", (unsigned)in->price_precision);
    by_kv_str(w, "priceScale", t);
    jw_key(w, "leverageFilter");
    jw_object_begin(w);
    by_kv_str(w, "minLeverage", "1");
    snprintf(t, sizeof t, "%d.00", in->max_leverage);
    by_kv_str(w, "maxLeverage", t);
    by_kv_str(w, "leverageStep", "1");
    jw_object_end(w);
    jw_key(w, "priceFilter");
    jw_object_begin(w);
    by_kv_fixed(w, "minPrice", in->min_price, in->price_precision);
    by_kv_fixed(w, "maxPrice", in->max_price, in->price_precision);
    by_kv_fixed(w, "tickSize", in->tick, in->price_precision);
    jw_object_end(w);
    jw_key(w, "lotSizeFilter");
    jw_object_begin(w);
    by_kv_fixed(w, "maxOrderQty", in->max_qty, in->qty_precision);
    by_kv_fixed(w, "minOrderQty", in->min_qty, in->qty_precision);
    by_kv_fixed(w, "qtyStep", in->step, in->qty_precision);
    by_kv_fixed(w, "postOnlyMaxOrderQty", in->max_qty, in->qty_precision);
    by_kv_fixed(w, "maxMktOrderQty", in->max_mkt_qty, in->qty_precision);
    by_kv_dec(w, "minNotionalValue", in->min_notional);
    jw_object_end(w);
    by_kv_bool(w, "unifiedMarginTrade", true);
    by_kv_int(w, "fundingInterval", 480);
    by_kv_str(w, "settleCoin", in->quote);
    by_kv_str(w, "copyTrading", "both");
    by_kv_str(w, "upperFundingRate", "0.005");
    by_kv_str(w, "lowerFundingRate", "-0.005");
    by_kv_bool(w, "isPreListing", false);
    jw_key(w, "preListingInfo");
    jw_null(w);
    jw_object_end(w);
}

void by_instruments_info(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    char status[24], base[16], cursor[24];
    int64_t limit = 500;
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, false, &inst) < 0)
        return;
    int rs = by_arg_copy(c, "status", status, sizeof status);
    int rb = by_arg_copy(c, "baseCoin", base, sizeof base);
    int rl = by_arg_int(c, "limit", &limit);
    int rc = by_arg_copy(c, "cursor", cursor, sizeof cursor);
    if (rs < 0 || rb < 0 || rl < 0 || rc < 0)
        return;
    if (limit < 1 || limit > 1000) {
        by_fail(c, 10001, "params error: limit invalid");
        return;
    }
    /* every simulated instrument is Trading: other status filters select nothing */
    bool none = rs > 0 && strcmp(status, "Trading") != 0;
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    by_kv_str(&w, "category", "linear");
    jw_key(&w, "list");
    jw_array_begin(&w);
    size_t n = sim_engine_instrument_count(c->st->engine, SIM_VENUE_BYBIT);
    for (size_t i = 0; i < n && !none; i++) {
        const sim_instrument_t *in = sim_engine_instrument_at(c->st->engine, SIM_VENUE_BYBIT, i);
        if ((inst && in != inst) || (rb > 0 && strcmp(in->base, base) != 0))
            continue;
        s_write_instrument(&w, in);
    }
    jw_array_end(&w);
    by_kv_str(&w, "nextPageCursor", "");
    jw_object_end(&w);
    by_ok_end(c, &w);
}

typedef struct {
    decimal_t high, low, volume, turnover; /* over the last 24 h */
    bool any;                              /* at least one candle */
} by_day_t;

static void s_day_stats(by_ctx_t *c, const sim_instrument_t *in, by_day_t *d)
{
    sim_candle_t k[25];
    size_t n = sim_engine_candles(c->st->engine, in, 3600000, c->now - 24 * 3600000LL, 0, 25, c->now, k, 25);
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < n; i++) {
        if (!d->any || decimal_cmp(k[i].high, d->high) > 0)
            d->high = k[i].high;
        if (!d->any || decimal_cmp(k[i].low, d->low) < 0)
            d->low = k[i].low;
        decimal_add(d->volume, k[i].volume, &d->volume, NULL);
        decimal_add(d->turnover, k[i].quote_volume, &d->turnover, NULL);
        d->any = true;
    }
}

static void s_write_ticker(by_ctx_t *c, jw_t *w, const sim_instrument_t *in)
{
    sim_ticker_t t;
    by_day_t d;
    sim_engine_ticker(c->st->engine, in, &t);
    s_day_stats(c, in, &d);
    if (!d.any) {
        d.high = t.last;
        d.low = t.last;
    }
    decimal_t pct = DECIMAL_ZERO, diff;
    if (!decimal_is_zero(t.open_24h) && decimal_sub(t.last, t.open_24h, &diff, NULL) == 0)
        decimal_div(diff, t.open_24h, 6, DECIMAL_ROUND_HALF_UP, &pct, NULL);
    uint8_t pp = in->price_precision, qp = in->qty_precision;
    jw_object_begin(w);
    by_kv_str(w, "symbol", in->symbol);
    by_kv_fixed(w, "lastPrice", t.last, pp);
    by_kv_fixed(w, "indexPrice", t.mark, pp);
    by_kv_fixed(w, "markPrice", t.mark, pp);
    by_kv_fixed(w, "prevPrice24h", t.open_24h, pp);
    by_kv_dec(w, "price24hPcnt", pct);
    by_kv_fixed(w, "highPrice24h", d.high, pp);
    by_kv_fixed(w, "lowPrice24h", d.low, pp);
    by_kv_fixed(w, "prevPrice1h", t.last, pp);
    by_kv_str(w, "openInterest", "0");
    by_kv_str(w, "openInterestValue", "0");
    by_kv_dec(w, "turnover24h", d.turnover);
    by_kv_dec(w, "volume24h", d.volume);
    by_kv_str(w, "fundingRate", "0.0001");
    by_kv_i64str(w, "nextFundingTime", (c->now / 28800000 + 1) * 28800000);
    by_kv_str(w, "predictedDeliveryPrice", "");
    by_kv_str(w, "basisRate", "");
    by_kv_str(w, "deliveryFeeRate", "");
    by_kv_str(w, "deliveryTime", "0");
    by_kv_fixed(w, "ask1Size", t.ask_qty, qp);
    by_kv_fixed(w, "bid1Price", t.bid, pp);
    by_kv_fixed(w, "ask1Price", t.ask, pp);
    by_kv_fixed(w, "bid1Size", t.bid_qty, qp);
    by_kv_str(w, "basis", "");
    jw_object_end(w);
}

void by_market_tickers(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    char base[16];
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, false, &inst) < 0)
        return;
    int rb = by_arg_copy(c, "baseCoin", base, sizeof base);
    if (rb < 0)
        return;
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    by_kv_str(&w, "category", "linear");
    jw_key(&w, "list");
    jw_array_begin(&w);
    size_t n = sim_engine_instrument_count(c->st->engine, SIM_VENUE_BYBIT);
    for (size_t i = 0; i < n; i++) {
        const sim_instrument_t *in = sim_engine_instrument_at(c->st->engine, SIM_VENUE_BYBIT, i);
        if ((inst && in != inst) || (rb > 0 && strcmp(in->base, base) != 0))
            continue;
        s_write_ticker(c, &w, in);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    by_ok_end(c, &w);
}

/* Bybit kline interval -> ms; 0 if unknown or not simulated ("M"). */
static int64_t s_interval_ms(const char *iv)
{
    static const struct {
        const char *name;
        int64_t minutes;
    } map[] = {{"1", 1},     {"3", 3},     {"5", 5},     {"15", 15},   {"30", 30},   {"60", 60},  {"120", 120},
               {"240", 240}, {"360", 360}, {"720", 720}, {"D", 1440}, {"W", 10080}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, iv) == 0)
            return map[i].minutes * 60000;
    return 0;
}

#define BY_KLINE_MAX 1000

void by_market_kline(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    char iv[8];
    int64_t start = 0, end = 0, limit = 200;
    if (by_need_linear(c, false) < 0 || by_arg_symbol(c, true, &inst) < 0 ||
        by_arg_need(c, "interval", iv, sizeof iv) < 0)
        return;
    if (by_arg_int(c, "start", &start) < 0 || by_arg_int(c, "end", &end) < 0 || by_arg_int(c, "limit", &limit) < 0)
        return;
    int64_t ms = s_interval_ms(iv);
    if (ms == 0) {
        by_fail(c, 10001, "Invalid period!");
        return;
    }
    if (limit < 1 || limit > BY_KLINE_MAX || start < 0 || end < 0 || (end && start > end)) {
        by_fail(c, 10001, "params error: limit/start/end invalid");
        return;
    }
    /* the newest `limit` candles whose start is in [start, end] */
    sim_candle_t *k = mem_calloc(BY_KLINE_MAX, sizeof *k);
    size_t n = sim_engine_candles(c->st->engine, inst, ms, 0, end, (size_t)limit, c->now, k, BY_KLINE_MAX);
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    by_kv_str(&w, "symbol", inst->symbol);
    by_kv_str(&w, "category", "linear");
    jw_key(&w, "list");
    jw_array_begin(&w);
    for (size_t i = n; i-- > 0;) {
        if (k[i].open_ms < start)
            break;
        jw_array_begin(&w);
        by_jw_i64str(&w, k[i].open_ms);
        by_jw_fixed(&w, k[i].open, inst->price_precision);
        by_jw_fixed(&w, k[i].high, inst->price_precision);
        by_jw_fixed(&w, k[i].low, inst->price_precision);
        by_jw_fixed(&w, k[i].close, inst->price_precision);
        by_jw_dec(&w, k[i].volume);
        by_jw_dec(&w, k[i].quote_volume);
        jw_array_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    mem_free(k);
    by_ok_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Account routes */

void by_user_query_api(by_ctx_t *c)
{
    const sim_account_t *a = sim_engine_account(c->st->engine, c->account);
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    by_kv_i64str(&w, "id", 1000 + c->account);
    by_kv_str(&w, "note", "xroute-exchange-sim");
    by_kv_str(&w, "apiKey", a ? a->key : "");
    by_kv_int(&w, "readOnly", 0);
    by_kv_str(&w, "secret", "");
    jw_key(&w, "permissions");
    jw_object_begin(&w);
    static const char *const groups[] = {"ContractTrade", "Spot", "Wallet", "Options", "Derivatives", "CopyTrading",
                                         "BlockTrade", "Exchange", "NFT", "Affiliate", "Earn"};
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        jw_key(&w, groups[i]);
        jw_array_begin(&w);
        if (i == 0) {
            jw_string(&w, "Order");
            jw_string(&w, "Position");
        } else if (i == 2) {
            jw_string(&w, "AccountTransfer");
            jw_string(&w, "SubMemberTransfer");
        } else if (i == 4) {
            jw_string(&w, "DerivativesTrade");
        }
        jw_array_end(&w);
    }
    jw_object_end(&w);
    jw_key(&w, "ips");
    jw_array_begin(&w);
    jw_string(&w, "*");
    jw_array_end(&w);
    by_kv_int(&w, "type", 1);
    by_kv_int(&w, "deadlineDay", -1);
    by_kv_str(&w, "expiredAt", "");
    by_kv_str(&w, "createdAt", "2026-01-01T00:00:00Z");
    by_kv_int(&w, "unified", 0);
    by_kv_int(&w, "uta", 1);
    by_kv_int(&w, "userID", 100000 + c->account);
    by_kv_int(&w, "inviterID", 0);
    by_kv_str(&w, "vipLevel", "No VIP");
    by_kv_str(&w, "mktMakerLevel", "0");
    by_kv_int(&w, "affiliateID", 0);
    by_kv_str(&w, "rsaPublicKey", "");
    by_kv_bool(&w, "isMaster", true);
    by_kv_str(&w, "parentUid", "0");
    by_kv_str(&w, "kycLevel", "LEVEL_DEFAULT");
    by_kv_str(&w, "kycRegion", "");
    jw_object_end(&w);
    by_ok_end(c, &w);
}

void by_account_info(by_ctx_t *c)
{
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    by_kv_int(&w, "unifiedMarginStatus", 6);
    by_kv_str(&w, "marginMode", "REGULAR_MARGIN");
    by_kv_bool(&w, "isMasterTrader", false);
    by_kv_str(&w, "spotHedgingStatus", "OFF");
    by_kv_str(&w, "updatedTime", "1735689600000");
    by_kv_str(&w, "dcpStatus", "OFF");
    by_kv_int(&w, "timeWindow", 10);
    by_kv_int(&w, "smpGroup", 0);
    jw_object_end(&w);
    by_ok_end(c, &w);
}

void by_wallet_balance(by_ctx_t *c)
{
    char type[16], coins[64];
    if (by_arg_need(c, "accountType", type, sizeof type) < 0)
        return;
    int rc = by_arg_copy(c, "coin", coins, sizeof coins);
    if (rc < 0)
        return;
    if (strcmp(type, "UNIFIED") != 0) {
        by_fail(c, 10001, "accountType only support UNIFIED.");
        return;
    }
    sim_balance_t b;
    if (sim_engine_balance(c->st->engine, SIM_VENUE_BYBIT, c->account, &b) < 0) {
        by_fail(c, 10003, "API key is invalid.");
        return;
    }
    /* coin filter: a comma list; only USDT exists */
    bool usdt = rc == 0 || strstr(coins, "USDT") != NULL;
    decimal_t equity, im, avail = b.available;
    decimal_add(b.wallet, b.unrealized, &equity, NULL);
    decimal_add(b.position_margin, b.order_margin, &im, NULL);
    if (decimal_sign(avail) < 0)
        avail = DECIMAL_ZERO;
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "list");
    jw_array_begin(&w);
    jw_object_begin(&w);
    by_kv_dec(&w, "totalEquity", equity);
    by_kv_str(&w, "accountIMRate", "0");
    by_kv_dec(&w, "totalMarginBalance", equity);
    by_kv_dec(&w, "totalInitialMargin", im);
    by_kv_str(&w, "accountType", "UNIFIED");
    by_kv_dec(&w, "totalAvailableBalance", avail);
    by_kv_str(&w, "accountMMRate", "0");
    by_kv_dec(&w, "totalPerpUPL", b.unrealized);
    by_kv_dec(&w, "totalWalletBalance", b.wallet);
    by_kv_str(&w, "accountLTV", "0");
    by_kv_str(&w, "totalMaintenanceMargin", "0");
    jw_key(&w, "coin");
    jw_array_begin(&w);
    if (usdt) {
        jw_object_begin(&w);
        by_kv_str(&w, "availableToBorrow", "");
        by_kv_str(&w, "bonus", "0");
        by_kv_str(&w, "accruedInterest", "0");
        by_kv_str(&w, "availableToWithdraw", "");
        by_kv_dec(&w, "totalOrderIM", b.order_margin);
        by_kv_dec(&w, "equity", equity);
        by_kv_str(&w, "totalPositionMM", "0");
        by_kv_dec(&w, "usdValue", equity);
        by_kv_dec(&w, "unrealisedPnl", b.unrealized);
        by_kv_bool(&w, "collateralSwitch", true);
        by_kv_str(&w, "spotHedgingQty", "0");
        by_kv_str(&w, "borrowAmount", "0");
        by_kv_dec(&w, "totalPositionIM", b.position_margin);
        by_kv_dec(&w, "walletBalance", b.wallet);
        by_kv_dec(&w, "cumRealisedPnl", b.realized);
        by_kv_str(&w, "locked", "0");
        by_kv_bool(&w, "marginCollateral", true);
        by_kv_str(&w, "coin", "USDT");
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_object_end(&w);
    by_ok_end(c, &w);
}

/* Coins for ccxt's fetchCurrencies (called by loadMarkets when keys are set): the quote and the bases. */
void by_coin_query_info(by_ctx_t *c)
{
    char want[16];
    int rc = by_arg_copy(c, "coin", want, sizeof want);
    if (rc < 0)
        return;
    static const struct {
        const char *coin, *name, *chain, *fee, *accuracy;
    } coins[] = {{"USDT", "USDT", "ETH", "4", "6"},   {"BTC", "BTC", "BTC", "0.0002", "8"},
                 {"ETH", "ETH", "ETH", "0.0012", "8"}, {"SOL", "SOL", "SOL", "0.01", "8"},
                 {"XRP", "XRP", "XRP", "0.2", "6"},    {"DOGE", "DOGE", "DOGE", "4", "8"}};
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "rows");
    jw_array_begin(&w);
    for (size_t i = 0; i < sizeof coins / sizeof coins[0]; i++) {
        if (rc > 0 && strcmp(want, coins[i].coin) != 0)
            continue;
        jw_object_begin(&w);
        by_kv_str(&w, "name", coins[i].name);
        by_kv_str(&w, "coin", coins[i].coin);
        by_kv_str(&w, "remainAmount", "1000000");
        jw_key(&w, "chains");
        jw_array_begin(&w);
        jw_object_begin(&w);
        by_kv_str(&w, "chainType", coins[i].chain);
        by_kv_str(&w, "confirmation", "12");
        by_kv_str(&w, "withdrawFee", coins[i].fee);
        by_kv_str(&w, "depositMin", "0");
        by_kv_str(&w, "withdrawMin", coins[i].fee);
        by_kv_str(&w, "chain", coins[i].chain);
        by_kv_str(&w, "chainDeposit", "1");
        by_kv_str(&w, "chainWithdraw", "1");
        by_kv_str(&w, "minAccuracy", coins[i].accuracy);
        by_kv_str(&w, "withdrawPercentageFee", "0");
        by_kv_str(&w, "contractAddress", "");
        by_kv_str(&w, "safeConfirmNumber", "6");
        jw_object_end(&w);
        jw_array_end(&w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    by_ok_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Positions */

typedef struct {
    by_ctx_t *c;                  /* request */
    jw_t *w;                      /* writer */
    const char *base;             /* baseCoin filter or NULL */
} by_pos_walk_t;

static void s_write_position(by_ctx_t *c, jw_t *w, const sim_position_t *p)
{
    const sim_instrument_t *in = p->inst;
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, in, &t);
    int lev = sim_engine_leverage(c->st->engine, in, c->account);
    int sign = decimal_sign(p->qty);
    decimal_t size = decimal_abs(p->qty), value = decimal_abs(p->cost);
    decimal_t upl = sign ? sim_engine_unrealized(c->st->engine, p) : DECIMAL_ZERO;
    decimal_t im = sign ? sim_engine_position_margin(c->st->engine, p) : DECIMAL_ZERO;
    char t2[32];
    jw_object_begin(w);
    by_kv_int(w, "positionIdx", 0);
    by_kv_int(w, "riskId", 1);
    by_kv_str(w, "riskLimitValue", "2000000");
    by_kv_str(w, "symbol", in->symbol);
    by_kv_str(w, "side", sign > 0 ? "Buy" : sign < 0 ? "Sell" : "");
    by_kv_fixed(w, "size", size, in->qty_precision);
    by_kv_dec(w, "avgPrice", sign ? p->entry_price : DECIMAL_ZERO);
    by_kv_dec(w, "positionValue", value);
    by_kv_int(w, "tradeMode", sim_engine_isolated(c->st->engine, in, c->account) ? 1 : 0);
    by_kv_str(w, "positionStatus", "Normal");
    by_kv_int(w, "autoAddMargin", 0);
    by_kv_int(w, "adlRankIndicator", sign ? 2 : 0);
    snprintf(t2, sizeof t2, "%d", lev);
    by_kv_str(w, "leverage", t2);
    by_kv_dec(w, "positionBalance", im);
    by_kv_fixed(w, "markPrice", t.mark, in->price_precision);
    by_kv_str(w, "liqPrice", "");
    by_kv_str(w, "bustPrice", "");
    by_kv_str(w, "positionMM", "0");
    by_kv_dec(w, "positionIM", im);
    by_kv_str(w, "tpslMode", "Full");
    by_kv_str(w, "takeProfit", "0");
    by_kv_str(w, "stopLoss", "0");
    by_kv_str(w, "trailingStop", "0");
    by_kv_dec(w, "unrealisedPnl", upl);
    by_kv_str(w, "curRealisedPnl", "0");
    by_kv_dec(w, "cumRealisedPnl", p->realized);
    by_kv_int(w, "seq", p->update_ms);
    by_kv_bool(w, "isReduceOnly", false);
    by_kv_str(w, "mmrSysUpdatedTime", "");
    by_kv_str(w, "leverageSysUpdatedTime", "");
    by_kv_str(w, "sessionAvgPrice", "");
    by_kv_i64str(w, "createdTime", p->update_ms);
    by_kv_i64str(w, "updatedTime", p->update_ms);
    jw_object_end(w);
}

static int s_pos_cb(const sim_position_t *p, void *ctx)
{
    by_pos_walk_t *pw = ctx;
    if (decimal_is_zero(p->qty) || (pw->base && strcmp(p->inst->base, pw->base) != 0))
        return 0;
    s_write_position(pw->c, pw->w, p);
    return 0;
}

void by_position_list(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    const char *base;
    char base_buf[16], cursor[24];
    int64_t limit = 20;
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, false, &inst) < 0)
        return;
    int rf = by_arg_coin_filters(c, &base, base_buf, sizeof base_buf);
    if (rf < 0 || by_arg_int(c, "limit", &limit) < 0 || by_arg_copy(c, "cursor", cursor, sizeof cursor) < 0)
        return;
    if (!inst && rf == 0) {
        by_fail(c, 10001, "Missing some parameters that must be filled in, symbol or settleCoin");
        return;
    }
    if (limit < 1 || limit > 200) {
        by_fail(c, 10001, "params error: limit invalid");
        return;
    }
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "list");
    jw_array_begin(&w);
    if (inst) {
        /* a symbol query answers even for a flat position, as Bybit does */
        s_write_position(c, &w, sim_engine_position(c->st->engine, inst, c->account, SIM_POS_BOTH));
    } else {
        by_pos_walk_t pw = {c, &w, base};
        sim_engine_positions(c->st->engine, SIM_VENUE_BYBIT, c->account, false, s_pos_cb, &pw);
    }
    jw_array_end(&w);
    by_kv_str(&w, "nextPageCursor", "");
    by_kv_str(&w, "category", "linear");
    jw_object_end(&w);
    by_ok_end(c, &w);
}

/* Leverage as Bybit sends it ("5", "5.00"): an integer here; -1 if not. */
static int s_parse_leverage(const char *s)
{
    decimal_t d;
    int64_t v;
    if (decimal_from_str(s, &d, NULL) < 0 || !decimal_is_multiple(d, decimal_from_int(1)) ||
        decimal_to_int(d, &v) < 0 ||
        v < 0 || v > 1000)
        return -1;
    return (int)v;
}

void by_set_leverage(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    char buy[24], sell[24];
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, true, &inst) < 0 ||
        by_arg_need(c, "buyLeverage", buy, sizeof buy) < 0 ||
        by_arg_need(c, "sellLeverage", sell, sizeof sell) < 0)
        return;
    int lb = s_parse_leverage(buy), ls = s_parse_leverage(sell);
    if (lb < 0 || ls < 0) {
        by_fail(c, 10001, "params error: buyLeverage or sellLeverage invalid");
        return;
    }
    if (lb != ls) {
        by_fail(c, 10001, "buy leverage must be equal to sell leverage in one-way mode");
        return;
    }
    if (lb < 1 || lb > inst->max_leverage) {
        by_fail(c, 10001, "leverage invalid: must be between 1 and %d", inst->max_leverage);
        return;
    }
    if (sim_engine_leverage(c->st->engine, inst, c->account) == lb) {
        by_fail(c, 110043, "leverage not modified");
        return;
    }
    sim_result_t r = sim_engine_set_leverage(c->st->engine, inst, c->account, lb);
    if (r != SIM_OK) {
        by_fail_engine(c, r, NULL);
        return;
    }
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_object_end(&w);
    by_ok_end(c, &w);
}
