/* sim_coindcx_public: the CoinDCX dialect's public market data (api.coindcx.com instrument data and
 * public.coindcx.com prices, candlesticks and order book, all served on the dialect's port). Numbers are JSON
 * number tokens with exact decimal text. Shared plumbing: sim_coindcx_int.h. */
#include "sim_coindcx_int.h"

#include "base/decimal.h"
#include "base/mem.h"
#include "json/json.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------------------
 * Public data */

static void s_write_instrument(cd_ctx_t *c, jw_t *w, const sim_instrument_t *in)
{
    const sim_engine_config_t *cfg = sim_engine_config(c->st->engine);
    jw_object_begin(w);
    cd_kv_str(w, "settle_currency_short_name", "USDT");
    cd_kv_str(w, "quote_currency_short_name", "USDT");
    cd_kv_str(w, "position_currency_short_name", in->base);
    cd_kv_str(w, "underlying_currency_short_name", in->base);
    cd_kv_str(w, "status", "active");
    cd_kv_str(w, "pair", in->symbol);
    cd_kv_str(w, "kind", "perpetual");
    cd_kv_str(w, "settlement", "never");
    cd_kv_lev(w, "max_leverage_long", in->max_leverage);
    cd_kv_lev(w, "max_leverage_short", in->max_leverage);
    cd_kv_num(w, "unit_contract_value", decimal_from_int(1));
    cd_kv_num(w, "price_increment", in->tick);
    cd_kv_num(w, "quantity_increment", in->step);
    cd_kv_num(w, "min_trade_size", in->min_qty);
    cd_kv_num(w, "min_price", in->min_price);
    cd_kv_num(w, "max_price", in->max_price);
    cd_kv_num(w, "min_quantity", in->min_qty);
    cd_kv_num(w, "max_quantity", in->max_qty);
    cd_kv_num(w, "min_notional", in->min_notional);
    cd_kv_num(w, "maker_fee", cd_pct(cfg->maker_fee));
    cd_kv_num(w, "taker_fee", cd_pct(cfg->taker_fee));
    cd_kv_num(w, "safety_percentage", decimal_from_int(2));
    cd_kv_num(w, "quanto_to_settle_multiplier", decimal_from_int(1));
    jw_key(w, "is_inverse");
    jw_bool(w, false);
    jw_key(w, "is_quanto");
    jw_bool(w, false);
    jw_key(w, "allow_post_only");
    jw_bool(w, false);
    jw_key(w, "allow_hidden");
    jw_bool(w, false);
    cd_kv_num(w, "max_market_order_quantity", in->max_mkt_qty);
    jw_key(w, "funding_frequency");
    jw_int64(w, 8);
    cd_kv_num(w, "max_notional", decimal_from_int(5000000));
    jw_key(w, "expiry_time");
    jw_int64(w, 2548162800000LL);
    jw_key(w, "exit_only");
    jw_bool(w, false);
    cd_kv_num(w, "multiplier_up", decimal_from_int(CD_BAND_PCT));
    cd_kv_num(w, "multiplier_down", decimal_from_int(CD_BAND_PCT));
    cd_kv_num(w, "liquidation_fee", decimal_from_int(1));
    cd_kv_str(w, "margin_currency_short_name", "USDT");
    jw_key(w, "time_in_force_options");
    jw_array_begin(w);
    jw_string(w, "good_till_cancel");
    jw_string(w, "immediate_or_cancel");
    jw_string(w, "fill_or_kill");
    jw_array_end(w);
    jw_key(w, "order_types");
    jw_array_begin(w);
    static const char *const types[] = {"market_order", "limit_order", "stop_limit", "take_profit_limit", "stop_market",
                                        "take_profit_market"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        jw_string(w, types[i]);
    jw_array_end(w);
    jw_key(w, "dynamic_position_leverage_details");
    jw_object_begin(w);
    char k[16];
    snprintf(k, sizeof k, "%d", in->max_leverage);
    cd_kv_num(w, k, decimal_from_int(5000000));
    jw_object_end(w);
    jw_key(w, "dynamic_safety_margin_details");
    jw_object_begin(w);
    cd_kv_num(w, "5000000", decimal_from_int(1));
    jw_object_end(w);
    jw_object_end(w);
}

void cd_data_instrument(cd_ctx_t *c)
{
    const char *pair = sim_params_get(&c->st->query, "pair");
    const char *mc = sim_params_get(&c->st->query, "margin_currency_short_name");
    if (!pair) {
        cd_err(c, 400, "pair is missing");
        return;
    }
    if (mc && strcmp(mc, "USDT") != 0) {
        cd_err(c, 422, "INR margined futures are not available");
        return;
    }
    const sim_instrument_t *in = cd_pair(c, pair);
    if (!in) {
        cd_err(c, 404, "Instrument not found");
        return;
    }
    jw_t w;
    cd_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "instrument");
    s_write_instrument(c, &w, in);
    jw_object_end(&w);
    cd_end(c, &w);
}

void cd_active_instruments(cd_ctx_t *c)
{
    const char *mc = sim_params_get(&c->st->query, "margin_currency_short_name[]");
    if (!mc)
        mc = sim_params_get(&c->st->query, "margin_currency_short_name");
    bool usdt = !mc || strcmp(mc, "USDT") == 0;
    jw_t w;
    cd_begin(c, &w);
    jw_array_begin(&w);
    size_t n = sim_engine_instrument_count(c->st->engine, SIM_VENUE_COINDCX);
    for (size_t i = 0; i < n && usdt; i++)
        jw_string(&w, sim_engine_instrument_at(c->st->engine, SIM_VENUE_COINDCX, i)->symbol);
    jw_array_end(&w);
    cd_end(c, &w);
}

void cd_current_prices(cd_ctx_t *c)
{
    jw_t w;
    cd_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "ts");
    jw_int64(&w, c->now);
    jw_key(&w, "vs");
    jw_int64(&w, ++c->st->version);
    jw_key(&w, "prices");
    jw_object_begin(&w);
    size_t n = sim_engine_instrument_count(c->st->engine, SIM_VENUE_COINDCX);
    for (size_t i = 0; i < n; i++) {
        const sim_instrument_t *in = sim_engine_instrument_at(c->st->engine, SIM_VENUE_COINDCX, i);
        sim_ticker_t t;
        sim_engine_ticker(c->st->engine, in, &t);
        sim_candle_t k[25];
        size_t nk = sim_engine_candles(c->st->engine, in, 3600000, c->now - 24 * 3600000LL, 0, 25, c->now, k, 25);
        decimal_t hi = t.last, lo = t.last, vol = DECIMAL_ZERO, pc = DECIMAL_ZERO, diff;
        for (size_t j = 0; j < nk; j++) {
            hi = decimal_max(hi, k[j].high);
            lo = decimal_min(lo, k[j].low);
            decimal_add(vol, k[j].volume, &vol, NULL);
        }
        if (!decimal_is_zero(t.open_24h) && decimal_sub(t.last, t.open_24h, &diff, NULL) == 0 &&
            decimal_mul(diff, decimal_from_int(100), 8, DECIMAL_ROUND_HALF_UP, &diff, NULL) == 0)
            decimal_div(diff, t.open_24h, 3, DECIMAL_ROUND_HALF_UP, &pc, NULL);
        char mkt[32];
        snprintf(mkt, sizeof mkt, "%s%s", in->base, in->quote);
        jw_key(&w, in->symbol);
        jw_object_begin(&w);
        jw_key(&w, "fr");
        jw_raw(&w, "0.0001");
        cd_kv_num(&w, "h", hi);
        cd_kv_num(&w, "l", lo);
        cd_kv_num(&w, "v", vol);
        cd_kv_num(&w, "ls", t.last);
        cd_kv_num(&w, "pc", pc);
        cd_kv_str(&w, "mkt", mkt);
        jw_key(&w, "btST");
        jw_int64(&w, t.time_ms);
        jw_key(&w, "ctRT");
        jw_int64(&w, c->now);
        jw_key(&w, "skw");
        jw_int64(&w, 0);
        cd_kv_num(&w, "mp", t.mark);
        jw_key(&w, "efr");
        jw_raw(&w, "0.0001");
        jw_key(&w, "bmST");
        jw_int64(&w, t.time_ms);
        jw_key(&w, "cmRT");
        jw_int64(&w, c->now);
        jw_object_end(&w);
    }
    jw_object_end(&w);
    jw_object_end(&w);
    cd_end(c, &w);
}

/* GET /market_data/v3/orderbook/<pair>-futures/<10|20|50>: the engine's book is one level a side (best bid =
 * LTP, best ask = LTP + tick, size shown as the ticker's), so every depth returns that level. */
#define CD_BOOK_PREFIX "/market_data/v3/orderbook/"

bool cd_is_book_path(const sim_http_req_t *req)
{
    size_t n = sizeof CD_BOOK_PREFIX - 1;
    return req->path_len > n && memcmp(req->path, CD_BOOK_PREFIX, n) == 0;
}

void cd_orderbook(cd_ctx_t *c)
{
    const char *rest = c->req->path + sizeof CD_BOOK_PREFIX - 1;
    const char *slash = strrchr(rest, '/');
    static const char suffix[] = "-futures";
    size_t sl = sizeof suffix - 1;
    char pair[32];
    size_t plen = slash ? (size_t)(slash - rest) : 0;
    bool depth_ok = slash && (strcmp(slash + 1, "10") == 0 || strcmp(slash + 1, "20") == 0 ||
                              strcmp(slash + 1, "50") == 0);
    if (!depth_ok || plen <= sl || plen - sl >= sizeof pair || memcmp(rest + plen - sl, suffix, sl) != 0) {
        cd_err(c, 404, "Not Found");
        return;
    }
    memcpy(pair, rest, plen - sl);
    pair[plen - sl] = '\0';
    const sim_instrument_t *in = cd_pair(c, pair);
    if (!in) {
        cd_err(c, 404, "Not Found");
        return;
    }
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, in, &t);
    char price[DECIMAL_STR_MAX];
    jw_t w;
    cd_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "ts");
    jw_int64(&w, c->now);
    jw_key(&w, "vs");
    jw_int64(&w, ++c->st->version);
    jw_key(&w, "asks");
    jw_object_begin(&w);
    decimal_format(t.ask, price, sizeof price);
    cd_kv_dec_string(&w, price, t.ask_qty);
    jw_object_end(&w);
    jw_key(&w, "bids");
    jw_object_begin(&w);
    decimal_format(t.bid, price, sizeof price);
    cd_kv_dec_string(&w, price, t.bid_qty);
    jw_object_end(&w);
    jw_object_end(&w);
    cd_end(c, &w);
}

#define CD_CANDLES_MAX 1500

static bool s_parse_i64(const char *s, int64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 15)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

void cd_candlesticks(cd_ctx_t *c)
{
    const sim_params_t *q = &c->st->query;
    const char *pair = sim_params_get(q, "pair"), *res = sim_params_get(q, "resolution");
    const char *pcode = sim_params_get(q, "pcode");
    int64_t from, to, ms = 0;
    if (!pair || !res || !sim_params_get(q, "from") || !sim_params_get(q, "to")) {
        cd_err(c, 400, "pair, from, to and resolution are required");
        return;
    }
    if (!s_parse_i64(sim_params_get(q, "from"), &from) || !s_parse_i64(sim_params_get(q, "to"), &to) || to < from) {
        cd_err(c, 400, "from or to does not have a valid value");
        return;
    }
    if (pcode && strcmp(pcode, "f") != 0) {
        cd_err(c, 400, "pcode does not have a valid value");
        return;
    }
    if (strcmp(res, "1") == 0)
        ms = 60000;
    else if (strcmp(res, "5") == 0)
        ms = 300000;
    else if (strcmp(res, "60") == 0)
        ms = 3600000;
    else if (strcmp(res, "1D") == 0)
        ms = 86400000;
    else {
        cd_err(c, 400, "resolution does not have a valid value");
        return;
    }
    const sim_instrument_t *in = cd_pair(c, pair);
    if (!in) {
        cd_err(c, 400, "pair does not have a valid value");
        return;
    }
    sim_candle_t *k = mem_calloc(CD_CANDLES_MAX, sizeof *k);
    size_t n = sim_engine_candles(c->st->engine, in, ms, from * 1000, to * 1000, CD_CANDLES_MAX, c->now, k,
                                  CD_CANDLES_MAX);
    jw_t w;
    cd_begin(c, &w);
    jw_object_begin(&w);
    cd_kv_str(&w, "s", "ok");
    jw_key(&w, "data");
    jw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jw_object_begin(&w);
        cd_kv_num(&w, "open", k[i].open);
        cd_kv_num(&w, "high", k[i].high);
        cd_kv_num(&w, "low", k[i].low);
        cd_kv_num(&w, "volume", k[i].volume);
        cd_kv_num(&w, "close", k[i].close);
        jw_key(&w, "time");
        jw_int64(&w, k[i].open_ms);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    mem_free(k);
    cd_end(c, &w);
}
