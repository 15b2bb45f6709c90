/* Check suite for the simulator's engine: matching rules (market, resting and marketable limits, IOC, FOK, GTX,
 * partial fills), conditional orders (stop, take-profit, trailing), reduce-only, hedge mode, filters, margin,
 * exact fees and PnL, the ledger and reset. Prices move only through sim_engine_set_price (tick_ms 0), so every
 * expected number below follows from the model in engine.h. */
#include "sim/engine.h"

#include "testutil.h"

#include <stdio.h>
#include <string.h>

static sim_engine_t *eng;
static const sim_instrument_t *btc;
static int acct;
static const int64_t T0 = 1700000000000LL;

static decimal_t D(const char *s)
{
    decimal_t d;
    ck_assert_msg(decimal_from_str(s, &d, NULL) == 0, "bad decimal %s", s);
    return d;
}

#define ck_dec(v, s)                                                                                              \
    do {                                                                                                          \
        char got_[DECIMAL_STR_MAX];                                                                               \
        decimal_format((v), got_, sizeof got_);                                                                   \
        ck_assert_msg(decimal_eq((v), D(s)), "%s: got %s, want %s", #v, got_, s);                                 \
    } while (0)

static void setup_cfg(int partial, int max_open)
{
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    cfg.tick_ms = 0;
    cfg.partial_fills = partial;
    cfg.max_open_orders = max_open;
    err_t err;
    eng = sim_engine_new(&cfg, &err);
    ck_assert_ptr_nonnull(eng);
    sim_instrument_def_t def = {"BTCUSDT", "BTC", "USDT", "0.1", "0.001", "0.001", "100", "10", "1", "1000000", "5",
                                "1000", 100, 5};
    ck_assert_int_eq(sim_engine_add_instrument(eng, SIM_VENUE_BINANCE, &def, T0, &err), 0);
    btc = sim_engine_instrument(eng, SIM_VENUE_BINANCE, "BTCUSDT");
    ck_assert_ptr_nonnull(btc);
    acct = sim_engine_add_account(eng, "key", "secret", &err);
    ck_assert_int_eq(acct, 0);
}

static void setup_with(int partial)
{
    setup_cfg(partial, 0);
}

static void setup(void)
{
    setup_with(1);
}

static void teardown(void)
{
    sim_engine_destroy(&eng);
    ck_assert_ptr_null(eng);
}

static sim_order_req_t req(sim_side_t side, sim_type_t type, const char *qty, const char *price)
{
    sim_order_req_t r = {.venue = SIM_VENUE_BINANCE, .account = acct, .inst = btc, .side = side, .type = type,
                         .qty = D(qty), .now_ms = T0};
    if (price)
        r.price = D(price);
    return r;
}

static const sim_order_t *place_ok(sim_order_req_t r)
{
    const sim_order_t *o = NULL;
    sim_result_t res = sim_engine_place(eng, &r, &o);
    ck_assert_msg(res == SIM_OK, "place refused: %s", sim_result_name(res));
    ck_assert_ptr_nonnull(o);
    return o;
}

static void price(const char *p)
{
    ck_assert_int_eq(sim_engine_set_price(eng, btc, D(p), T0 + 1000, NULL), 0);
}

typedef struct {
    sim_fill_t fills[16];
    int n;
} fills_t;

static int collect(const sim_fill_t *f, void *ctx)
{
    fills_t *fs = ctx;
    ck_assert_int_lt(fs->n, 16);
    fs->fills[fs->n++] = *f;
    return 0;
}

static fills_t all_fills(void)
{
    fills_t fs = {.n = 0};
    sim_fill_query_t q = {0};
    sim_engine_fills(eng, SIM_VENUE_BINANCE, acct, &q, collect, &fs);
    return fs;
}

START_TEST(market_buy_takes_the_ask_with_taker_fee)
{
    const sim_order_t *o = place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL));
    ck_assert_int_eq(o->status, SIM_ST_FILLED);
    ck_dec(o->filled, "0.01");
    ck_dec(o->avg_price, "1000.1"); /* ask = last + one tick */
    fills_t fs = all_fills();
    ck_assert_int_eq(fs.n, 1);
    ck_assert(!fs.fills[0].maker);
    ck_dec(fs.fills[0].fee, "0.0050005"); /* 10.001 * 0.0005 */
    const sim_position_t *p = sim_engine_position(eng, btc, acct, SIM_POS_BOTH);
    ck_dec(p->qty, "0.01");
    ck_dec(p->entry_price, "1000.1");
    sim_balance_t b;
    ck_assert_int_eq(sim_engine_balance(eng, SIM_VENUE_BINANCE, acct, &b), 0);
    ck_dec(b.wallet, "99999.9949995");
    ck_dec(b.unrealized, "-0.001"); /* mark 1000 * 0.01 - 10.001 */
}
END_TEST

START_TEST(limit_rests_and_fills_as_maker_when_traded_through)
{
    sim_order_req_t r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.02", "990");
    const sim_order_t *o = place_ok(r);
    ck_assert_int_eq(o->status, SIM_ST_NEW);
    price("990"); /* touching is not trading through */
    ck_assert_int_eq(o->status, SIM_ST_NEW);
    price("989.9");
    ck_assert_int_eq(o->status, SIM_ST_FILLED);
    fills_t fs = all_fills();
    ck_assert_int_eq(fs.n, 1);
    ck_assert(fs.fills[0].maker);
    ck_dec(fs.fills[0].price, "990");
    ck_dec(fs.fills[0].fee, "0.00396"); /* 19.8 * 0.0002 */
}
END_TEST

START_TEST(marketable_limit_takes_at_the_touch)
{
    const sim_order_t *o = place_ok(req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "1005"));
    ck_assert_int_eq(o->status, SIM_ST_FILLED);
    ck_dec(o->avg_price, "1000.1");
    const sim_order_t *s = place_ok(req(SIM_SIDE_SELL, SIM_TYPE_LIMIT, "0.01", "995"));
    ck_dec(s->avg_price, "1000"); /* bid = last */
    ck_assert(!all_fills().fills[1].maker);
}
END_TEST

START_TEST(gtx_rejects_when_it_would_take_and_rests_otherwise)
{
    sim_order_req_t r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "1000.1");
    r.tif = SIM_TIF_GTX;
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_POST_ONLY);
    r.price = D("1000");
    const sim_order_t *o = place_ok(r);
    ck_assert_int_eq(o->status, SIM_ST_NEW);
    ck_assert_int_eq(all_fills().n, 0);
}
END_TEST

START_TEST(ioc_and_fok)
{
    sim_order_req_t r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "999");
    r.tif = SIM_TIF_IOC;
    const sim_order_t *o = place_ok(r);
    ck_assert_int_eq(o->status, SIM_ST_EXPIRED);
    ck_dec(o->filled, "0");
    r.tif = SIM_TIF_FOK;
    o = place_ok(r);
    ck_assert_int_eq(o->status, SIM_ST_EXPIRED);
    r.price = D("1001");
    o = place_ok(r);
    ck_assert_int_eq(o->status, SIM_ST_FILLED);
    r.tif = SIM_TIF_IOC;
    o = place_ok(r);
    ck_assert_int_eq(o->status, SIM_ST_FILLED);
    ck_assert_int_eq(all_fills().n, 2);
}
END_TEST

START_TEST(partial_fills_split_market_orders_and_resting_fills)
{
    sim_engine_destroy(&eng);
    setup_with(3);
    const sim_order_t *o = place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL));
    fills_t fs = all_fills();
    ck_assert_int_eq(fs.n, 3);
    ck_dec(fs.fills[0].qty, "0.004");
    ck_dec(fs.fills[1].qty, "0.003");
    ck_dec(fs.fills[2].qty, "0.003");
    ck_dec(fs.fills[0].price, "1000.1");
    ck_dec(fs.fills[1].price, "1000.2");
    ck_dec(fs.fills[2].price, "1000.3");
    ck_dec(o->avg_price, "1000.19"); /* (4.0004 + 3.0006 + 3.0009) / 0.01 */
    ck_assert(fs.fills[0].trade_id < fs.fills[1].trade_id && fs.fills[1].trade_id < fs.fills[2].trade_id);
    const sim_order_t *l = place_ok(req(SIM_SIDE_SELL, SIM_TYPE_LIMIT, "0.01", "1010"));
    price("1010.1");
    ck_assert_int_eq(l->status, SIM_ST_PARTIALLY_FILLED);
    ck_dec(l->filled, "0.004");
    price("1010.2");
    ck_dec(l->filled, "0.008");
    price("1010.3");
    ck_assert_int_eq(l->status, SIM_ST_FILLED);
    ck_dec(l->filled, "0.01");
}
END_TEST

START_TEST(stop_market_triggers_on_the_path)
{
    place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL));
    sim_order_req_t r = req(SIM_SIDE_SELL, SIM_TYPE_STOP_MARKET, "0.01", NULL);
    r.trigger_price = D("1001");
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_WOULD_TRIGGER); /* sell stop above the price */
    r.trigger_price = D("990");
    r.reduce_only = true;
    const sim_order_t *s = place_ok(r);
    ck_assert_int_eq(s->status, SIM_ST_UNTRIGGERED);
    price("990.1");
    ck_assert_int_eq(s->status, SIM_ST_UNTRIGGERED);
    price("990");
    ck_assert_int_eq(s->status, SIM_ST_TRIGGERED);
    const sim_order_t *child = sim_engine_order(eng, SIM_VENUE_BINANCE, acct, s->child_id, NULL);
    ck_assert_ptr_nonnull(child);
    ck_assert_int_eq(child->parent_id, s->id);
    ck_assert_int_eq(child->status, SIM_ST_FILLED);
    ck_dec(child->avg_price, "990");
    ck_dec(sim_engine_position(eng, btc, acct, SIM_POS_BOTH)->qty, "0");
}
END_TEST

START_TEST(take_profit_limit_and_trailing_stop)
{
    sim_order_req_t tp = req(SIM_SIDE_SELL, SIM_TYPE_TAKE_PROFIT, "0.01", "1020");
    tp.trigger_price = D("1020");
    const sim_order_t *t = place_ok(tp);
    price("1020");
    ck_assert_int_eq(t->status, SIM_ST_TRIGGERED);
    const sim_order_t *child = sim_engine_order(eng, SIM_VENUE_BINANCE, acct, t->child_id, NULL);
    ck_assert_int_eq(child->type, SIM_TYPE_LIMIT);
    ck_assert_int_eq(child->orig_type, SIM_TYPE_TAKE_PROFIT);
    ck_assert_int_eq(child->status, SIM_ST_FILLED); /* sell at 1020 with bid 1020: marketable */
    /* trailing: 1 % below the best price since activation at 1030 */
    sim_order_req_t tr = req(SIM_SIDE_SELL, SIM_TYPE_TRAILING_STOP_MARKET, "0.01", NULL);
    tr.callback_rate = D("1");
    tr.trigger_price = D("1030");
    const sim_order_t *s = place_ok(tr);
    price("1025");
    ck_assert(!s->trail_active);
    price("1030");
    ck_assert(s->trail_active);
    price("1040");
    price("1029.7"); /* 1040 * 0.99 = 1029.6 not reached */
    ck_assert_int_eq(s->status, SIM_ST_UNTRIGGERED);
    price("1029.6");
    ck_assert_int_eq(s->status, SIM_ST_TRIGGERED);
    tr.callback_rate = D("20");
    ck_assert_int_eq(sim_engine_place(eng, &tr, NULL), SIM_REJ_BAD_PARAM);
}
END_TEST

START_TEST(reduce_only_never_increases)
{
    sim_order_req_t r = req(SIM_SIDE_SELL, SIM_TYPE_MARKET, "0.01", NULL);
    r.reduce_only = true;
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_REDUCE_ONLY); /* flat */
    place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL));
    sim_order_req_t same = req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL);
    same.reduce_only = true;
    ck_assert_int_eq(sim_engine_place(eng, &same, NULL), SIM_REJ_REDUCE_ONLY); /* would increase */
    r.qty = D("0.03");
    const sim_order_t *o = place_ok(r);
    ck_dec(o->filled, "0.01"); /* capped at the position */
    ck_assert_int_eq(o->status, SIM_ST_EXPIRED);
    ck_dec(sim_engine_position(eng, btc, acct, SIM_POS_BOTH)->qty, "0");
    /* reduce-only is exempt from min notional: 0.001 * 1000 = 1 < 5 */
    place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL));
    sim_order_req_t small = req(SIM_SIDE_SELL, SIM_TYPE_MARKET, "0.001", NULL);
    ck_assert_int_eq(sim_engine_place(eng, &small, NULL), SIM_REJ_MIN_NOTIONAL);
    small.reduce_only = true;
    place_ok(small);
    ck_dec(sim_engine_position(eng, btc, acct, SIM_POS_BOTH)->qty, "0.009");
    /* a resting reduce-only order expires when the position it would reduce is closed by something else */
    sim_order_req_t tp = req(SIM_SIDE_SELL, SIM_TYPE_LIMIT, "0.009", "1100");
    tp.reduce_only = true;
    const sim_order_t *rest = place_ok(tp);
    ck_assert_int_eq(rest->status, SIM_ST_NEW);
    place_ok(req(SIM_SIDE_SELL, SIM_TYPE_MARKET, "0.009", NULL));
    ck_assert_int_eq(rest->status, SIM_ST_EXPIRED);
    ck_dec(rest->filled, "0");
}
END_TEST

START_TEST(pnl_and_fees_are_exact)
{
    place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.03", NULL)); /* 0.03 @ 1000.1 */
    price("1003.7");
    place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.07", NULL)); /* 0.07 @ 1003.8 */
    const sim_position_t *p = sim_engine_position(eng, btc, acct, SIM_POS_BOTH);
    ck_dec(p->cost, "100.269"); /* 30.003 + 70.266 */
    ck_dec(p->entry_price, "1002.69");
    price("1011.3");
    place_ok(req(SIM_SIDE_SELL, SIM_TYPE_MARKET, "0.04", NULL)); /* 0.04 @ 1011.3 */
    /* cost removed = 100.269 * 0.4 = 40.1076; realized = 40.452 - 40.1076 */
    ck_dec(p->realized, "0.3444");
    place_ok(req(SIM_SIDE_SELL, SIM_TYPE_MARKET, "0.06", NULL)); /* 0.06 @ 1011.3 */
    ck_dec(p->qty, "0");
    ck_dec(p->cost, "0");
    /* a round trip realizes exactly sells - buys: 101.13 - 100.269 */
    ck_dec(p->realized, "0.861");
    fills_t fs = all_fills();
    decimal_t fees = DECIMAL_ZERO;
    for (int i = 0; i < fs.n; i++)
        decimal_add(fees, fs.fills[i].fee, &fees, NULL);
    /* taker 0.0005 on 30.003 + 70.266 + 40.452 + 60.678 = 201.399 */
    ck_dec(fees, "0.1006995");
    sim_balance_t b;
    sim_engine_balance(eng, SIM_VENUE_BINANCE, acct, &b);
    ck_dec(b.wallet, "100000.7603005"); /* 100000 + 0.861 - 0.1006995 */
    ck_dec(b.realized, "0.861");
    ck_dec(b.fees, "0.1006995");
}
END_TEST

START_TEST(flip_through_zero_opens_the_rest_at_the_fill_price)
{
    place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL)); /* long 0.01 @ 1000.1 */
    price("1010");
    place_ok(req(SIM_SIDE_SELL, SIM_TYPE_MARKET, "0.03", NULL)); /* close 0.01, short 0.02 @ 1010 */
    const sim_position_t *p = sim_engine_position(eng, btc, acct, SIM_POS_BOTH);
    ck_dec(p->qty, "-0.02");
    ck_dec(p->entry_price, "1010");
    ck_dec(p->realized, "0.099");
    price("1000");
    ck_dec(sim_engine_unrealized(eng, p), "0.2");
}
END_TEST

START_TEST(filters_are_enforced)
{
    ck_assert_int_eq(sim_engine_place(eng, &(sim_order_req_t){0}, NULL), SIM_REJ_UNKNOWN_SYMBOL);
    sim_order_req_t r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "990.05");
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_PRICE_TICK);
    r.price = D("0.5");
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_PRICE_MIN);
    r.price = D("2000000");
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_PRICE_MAX);
    r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.0105", "990");
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_QTY_STEP);
    r.qty = D("0");
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_QTY_NOT_POSITIVE);
    r.qty = D("101");
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_QTY_MAX);
    r = req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "11", NULL);
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_QTY_MAX); /* market max 10 */
    r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.004", "990"); /* 3.96 < 5 */
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_MIN_NOTIONAL);
    r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "10", "990"); /* 9900 / 100x = 99: fine */
    place_ok(r);
    r.qty = D("100"); /* 99000 / 100 = 990 more margin: still fine with 100000 */
    place_ok(r);
    r.price = D("100000"); /* marketable: 100 * 1000.1 / 100 = 1000.1 ... fine; raise leverage cost instead */
    ck_assert_int_eq(sim_engine_set_leverage(eng, btc, acct, 1), SIM_OK);
    r.price = D("990");
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_MARGIN); /* 99000 at 1x with 1089 reserved */
    ck_assert_int_eq(sim_engine_set_leverage(eng, btc, acct, 101), SIM_REJ_LEVERAGE);
    /* max open orders per symbol is 5 here; two are open */
    r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "900");
    for (int i = 0; i < 3; i++)
        place_ok(r);
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_MAX_OPEN_ORDERS);
}
END_TEST

START_TEST(max_open_orders_setting_overrides_the_instruments)
{
    sim_engine_destroy(&eng);
    setup_cfg(1, 8); /* the instrument says 5 */
    ck_assert_int_eq(btc->max_open_orders, 8);
    sim_order_req_t r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "900");
    for (int i = 0; i < 8; i++)
        place_ok(r);
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_MAX_OPEN_ORDERS);
}
END_TEST

START_TEST(client_ids_are_unique_among_open_orders)
{
    sim_order_req_t r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "990");
    r.client_id = "my-1";
    const sim_order_t *o = place_ok(r);
    ck_assert_str_eq(o->client_id, "my-1");
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_DUP_CLIENT_ID);
    ck_assert_int_eq(sim_engine_cancel(eng, SIM_VENUE_BINANCE, acct, btc, 0, "my-1", T0, NULL), SIM_OK);
    ck_assert_int_eq(sim_engine_cancel(eng, SIM_VENUE_BINANCE, acct, btc, 0, "my-1", T0, NULL), SIM_REJ_NOT_OPEN);
    const sim_order_t *again = place_ok(r);
    ck_assert_int_ne(again->id, o->id);
    ck_assert_ptr_eq(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, 0, "my-1"), again); /* newest wins */
    ck_assert_ptr_eq(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, o->id, NULL), o);
    ck_assert_int_eq(sim_engine_cancel(eng, SIM_VENUE_BINANCE, acct, btc, 0, "nope", T0, NULL), SIM_REJ_NOT_FOUND);
    /* another account may use the same id */
    int other = sim_engine_add_account(eng, "k2", "s2", NULL);
    r.account = other;
    place_ok(r);
    ck_assert_ptr_null(sim_engine_order(eng, SIM_VENUE_BINANCE, other, o->id, NULL));
    /* generated ids when none is given */
    r.account = acct;
    r.client_id = NULL;
    const sim_order_t *g = place_ok(r);
    char want[48];
    snprintf(want, sizeof want, "sim-%lld", (long long)g->id);
    ck_assert_str_eq(g->client_id, want);
}
END_TEST

START_TEST(hedge_mode_keeps_two_legs)
{
    sim_order_req_t r = req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL);
    ck_assert_int_eq(sim_engine_set_dual_side(eng, SIM_VENUE_BINANCE, acct, true), SIM_OK);
    ck_assert_int_eq(sim_engine_place(eng, &r, NULL), SIM_REJ_POSITION_SIDE);
    r.pos_side = SIM_POS_LONG;
    place_ok(r);
    sim_order_req_t s = req(SIM_SIDE_SELL, SIM_TYPE_MARKET, "0.02", NULL);
    s.pos_side = SIM_POS_SHORT;
    place_ok(s);
    ck_dec(sim_engine_position(eng, btc, acct, SIM_POS_LONG)->qty, "0.01");
    ck_dec(sim_engine_position(eng, btc, acct, SIM_POS_SHORT)->qty, "-0.02");
    sim_order_req_t close = req(SIM_SIDE_SELL, SIM_TYPE_MARKET, "0.02", NULL);
    close.pos_side = SIM_POS_LONG;
    ck_assert_int_eq(sim_engine_place(eng, &close, NULL), SIM_REJ_REDUCE_ONLY); /* more than the long leg */
    close.reduce_only = true;
    ck_assert_int_eq(sim_engine_place(eng, &close, NULL), SIM_REJ_BAD_PARAM); /* reduceOnly not in hedge mode */
    close.reduce_only = false;
    close.qty = D("0.01");
    place_ok(close);
    ck_dec(sim_engine_position(eng, btc, acct, SIM_POS_LONG)->qty, "0");
    ck_assert_int_eq(sim_engine_set_dual_side(eng, SIM_VENUE_BINANCE, acct, false), SIM_REJ_MODE_CHANGE);
}
END_TEST

typedef struct {
    sim_ledger_kind_t kinds[32];
    int64_t trade_ids[32];
    int n;
} ledger_t;

static int ledger_collect(const sim_ledger_entry_t *e, void *ctx)
{
    ledger_t *l = ctx;
    ck_assert_int_lt(l->n, 32);
    l->kinds[l->n] = e->kind;
    l->trade_ids[l->n++] = e->trade_id;
    return 0;
}

START_TEST(ledger_records_orders_fills_and_final_states)
{
    place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL));
    const sim_order_t *l = place_ok(req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "900"));
    sim_engine_cancel(eng, SIM_VENUE_BINANCE, acct, btc, l->id, NULL, T0, NULL);
    sim_order_req_t bad = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "900.05");
    ck_assert_int_ne(sim_engine_place(eng, &bad, NULL), SIM_OK); /* refusals leave no trace */
    ledger_t lg = {.n = 0};
    sim_engine_ledger(eng, SIM_VENUE_COUNT, -1, 0, ledger_collect, &lg);
    ck_assert_int_eq(lg.n, 5);
    sim_ledger_kind_t want[] = {SIM_LEDGER_ORDER, SIM_LEDGER_FILL, SIM_LEDGER_DONE, SIM_LEDGER_ORDER, SIM_LEDGER_DONE};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(lg.kinds[i], want[i]);
    int64_t first_trade = lg.trade_ids[1];
    place_ok(req(SIM_SIDE_SELL, SIM_TYPE_MARKET, "0.01", NULL));
    ledger_t since = {.n = 0};
    sim_engine_ledger(eng, SIM_VENUE_BINANCE, acct, first_trade, ledger_collect, &since);
    ck_assert_int_eq(since.n, 6); /* DONE of the first, ORDER + DONE of the limit, ORDER + FILL + DONE */
    ck_assert_int_eq(since.kinds[0], SIM_LEDGER_DONE);
    ledger_t other = {.n = 0};
    sim_engine_ledger(eng, SIM_VENUE_BYBIT, -1, 0, ledger_collect, &other);
    ck_assert_int_eq(other.n, 0);
}
END_TEST

START_TEST(reset_returns_to_the_start)
{
    place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.01", NULL));
    price("1100");
    sim_engine_reset(eng, T0 + 5000);
    sim_ticker_t tk;
    sim_engine_ticker(eng, btc, &tk);
    ck_dec(tk.last, "1000");
    ck_dec(sim_engine_position(eng, btc, acct, SIM_POS_BOTH)->qty, "0");
    sim_balance_t b;
    sim_engine_balance(eng, SIM_VENUE_BINANCE, acct, &b);
    ck_dec(b.wallet, "100000");
    ck_assert_int_eq(all_fills().n, 0);
    sim_engine_stats_t st;
    sim_engine_stats(eng, SIM_VENUE_BINANCE, &st);
    ck_assert_uint_eq(st.orders, 0);
    ck_assert_ptr_nonnull(sim_engine_account_by_key(eng, "key", 3));
}
END_TEST

START_TEST(price_path_is_seeded_and_candles_have_history)
{
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    cfg.seed = 42;
    sim_instrument_def_t def = {"X", "X", "USDT", "0.1", "1", "1", "100", "10", "0.1", "100000", "5", "1000", 10, 10};
    char a[2][DECIMAL_STR_MAX];
    for (int run = 0; run < 2; run++) {
        sim_engine_t *e = sim_engine_new(&cfg, NULL);
        ck_assert_int_eq(sim_engine_add_instrument(e, SIM_VENUE_BYBIT, &def, T0, NULL), 0);
        const sim_instrument_t *x = sim_engine_instrument(e, SIM_VENUE_BYBIT, "X");
        sim_engine_tick(e, T0 + 60000); /* 600 steps */
        sim_ticker_t tk;
        sim_engine_ticker(e, x, &tk);
        decimal_format(tk.last, a[run], sizeof a[run]);
        ck_assert(decimal_is_multiple(tk.last, x->tick));
        sim_candle_t cs[10];
        size_t n = sim_engine_candles(e, x, 60000, 0, 0, 10, T0 + 60000, cs, 10);
        ck_assert_uint_eq(n, 10);
        for (size_t i = 1; i < n; i++)
            ck_assert_int_eq(cs[i].open_ms, cs[i - 1].open_ms + 60000);
        ck_assert(decimal_cmp(cs[9].low, cs[9].high) <= 0);
        n = sim_engine_candles(e, x, 3600000, 0, 0, 1000, T0 + 60000, cs, 10);
        ck_assert_uint_eq(n, 10); /* capped by cap */
        sim_engine_destroy(&e);
    }
    ck_assert_str_eq(a[0], a[1]);
}
END_TEST

START_TEST(amend_keeps_id_and_fills_and_rematches)
{
    const sim_order_t *o = place_ok(req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.02", "990"));
    int64_t id = o->id;
    const sim_order_t *a = NULL;
    ck_assert_int_eq(sim_engine_amend(eng, SIM_VENUE_BINANCE, acct, btc, id, NULL, D("0.03"), D("995"),
                                      DECIMAL_ZERO, T0, &a), SIM_OK);
    ck_assert_ptr_eq(a, o);
    ck_assert_int_eq(a->id, id);
    ck_dec(a->qty, "0.03");
    ck_dec(a->price, "995");
    ck_assert_int_eq(sim_engine_amend(eng, SIM_VENUE_BINANCE, acct, btc, id, NULL, DECIMAL_ZERO, D("995.05"),
                                      DECIMAL_ZERO, T0, NULL), SIM_REJ_PRICE_TICK);
    ck_assert_int_eq(sim_engine_amend(eng, SIM_VENUE_BINANCE, acct, btc, id, NULL, DECIMAL_ZERO, DECIMAL_ZERO,
                                      D("900"), T0, NULL), SIM_REJ_BAD_PARAM); /* not a conditional */
    /* amending to a marketable price takes at once */
    ck_assert_int_eq(sim_engine_amend(eng, SIM_VENUE_BINANCE, acct, btc, id, NULL, DECIMAL_ZERO, D("1001"),
                                      DECIMAL_ZERO, T0, NULL), SIM_OK);
    ck_assert_int_eq(o->status, SIM_ST_FILLED);
    ck_dec(o->avg_price, "1000.1");
    ck_assert_int_eq(sim_engine_amend(eng, SIM_VENUE_BINANCE, acct, btc, id, NULL, D("0.05"), DECIMAL_ZERO,
                                      DECIMAL_ZERO, T0, NULL), SIM_REJ_NOT_OPEN);
}
END_TEST

START_TEST(gtd_expires_and_cancel_all_by_kind)
{
    sim_order_req_t r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "990");
    r.tif = SIM_TIF_GTD;
    r.good_till_ms = T0 + 5000;
    const sim_order_t *g = place_ok(r);
    const sim_order_t *plain = place_ok(req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "980"));
    sim_order_req_t st = req(SIM_SIDE_BUY, SIM_TYPE_STOP_MARKET, "0.01", NULL);
    st.trigger_price = D("1100");
    const sim_order_t *cond = place_ok(st);
    sim_engine_tick(eng, T0 + 4999);
    ck_assert_int_eq(g->status, SIM_ST_NEW);
    sim_engine_tick(eng, T0 + 5000);
    ck_assert_int_eq(g->status, SIM_ST_EXPIRED);
    ck_assert_uint_eq(sim_engine_cancel_all(eng, SIM_VENUE_BINANCE, acct, btc, true, T0), 1);
    ck_assert_int_eq(cond->status, SIM_ST_CANCELED);
    ck_assert_int_eq(plain->status, SIM_ST_NEW);
    ck_assert_uint_eq(sim_engine_cancel_all(eng, SIM_VENUE_BINANCE, acct, NULL, false, T0), 1);
    ck_assert_int_eq(plain->status, SIM_ST_CANCELED);
}
END_TEST

START_TEST(close_position_and_rejected_trigger)
{
    place_ok(req(SIM_SIDE_BUY, SIM_TYPE_MARKET, "0.03", NULL));
    sim_order_req_t cp = req(SIM_SIDE_SELL, SIM_TYPE_STOP_MARKET, "0", NULL);
    cp.close_position = true;
    cp.trigger_price = D("990");
    const sim_order_t *c = place_ok(cp);
    sim_order_req_t ro = req(SIM_SIDE_SELL, SIM_TYPE_STOP_MARKET, "0.01", NULL);
    ro.reduce_only = true;
    ro.trigger_price = D("985");
    const sim_order_t *r = place_ok(ro);
    price("990"); /* closes the whole 0.03 */
    ck_assert_int_eq(c->status, SIM_ST_TRIGGERED);
    ck_dec(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, c->child_id, NULL)->filled, "0.03");
    ck_dec(sim_engine_position(eng, btc, acct, SIM_POS_BOTH)->qty, "0");
    price("985"); /* nothing left to reduce: the reduce-only stop cannot become an order */
    ck_assert_int_eq(r->status, SIM_ST_REJECTED);
    ck_assert_int_eq(r->child_id, 0);
}
END_TEST

START_TEST(old_final_orders_are_forgotten_past_keep)
{
    sim_engine_destroy(&eng);
    sim_engine_config_t cfg;
    sim_engine_config_default(&cfg);
    cfg.tick_ms = 0;
    cfg.keep_orders = 4096;
    eng = sim_engine_new(&cfg, NULL);
    sim_instrument_def_t def = {"BTCUSDT", "BTC", "USDT", "0.1", "0.001", "0.001", "100", "10", "1", "1000000", "5",
                                "1000", 100, 5};
    ck_assert_int_eq(sim_engine_add_instrument(eng, SIM_VENUE_BINANCE, &def, T0, NULL), 0);
    btc = sim_engine_instrument(eng, SIM_VENUE_BINANCE, "BTCUSDT");
    acct = sim_engine_add_account(eng, "key", "secret", NULL);
    sim_order_req_t keep = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "900");
    keep.client_id = "rests";
    const sim_order_t *resting = place_ok(keep); /* in chunk 0: blocks freeing it while open */
    int64_t first = resting->id;
    sim_order_req_t r = req(SIM_SIDE_BUY, SIM_TYPE_LIMIT, "0.01", "999");
    r.tif = SIM_TIF_IOC; /* expires at once: final */
    char cid[32];
    for (int i = 1; i < 3 * 4096 + 10; i++) {
        snprintf(cid, sizeof cid, "c%d", i);
        r.client_id = cid;
        place_ok(r);
    }
    ck_assert_ptr_nonnull(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, first + 1, NULL)); /* kept: chunk 0 open */
    ck_assert_int_eq(sim_engine_cancel(eng, SIM_VENUE_BINANCE, acct, btc, first, NULL, T0, NULL), SIM_OK);
    for (int i = 0; i < 4096; i++) {
        snprintf(cid, sizeof cid, "d%d", i);
        r.client_id = cid;
        place_ok(r);
    }
    ck_assert_ptr_null(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, first + 1, NULL));
    ck_assert_ptr_null(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, 0, "c1"));
    ck_assert_ptr_null(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, 0, "rests"));
    ck_assert_ptr_nonnull(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, 0, "d4095"));
    ck_assert_ptr_null(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, 0, "c5000")); /* the backlog goes too */
    ck_assert_ptr_nonnull(sim_engine_order(eng, SIM_VENUE_BINANCE, acct, 0, "c12000"));
    r.client_id = "c1"; /* a forgotten id may be used again */
    place_ok(r);
    sim_engine_stats_t st;
    sim_engine_stats(eng, SIM_VENUE_BINANCE, &st);
    ck_assert_uint_eq(st.orders, 1 + 3 * 4096 + 9 + 4096 + 1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sim_engine");
    TCase *tc = tcase_create("engine");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, market_buy_takes_the_ask_with_taker_fee);
    tcase_add_test(tc, limit_rests_and_fills_as_maker_when_traded_through);
    tcase_add_test(tc, marketable_limit_takes_at_the_touch);
    tcase_add_test(tc, gtx_rejects_when_it_would_take_and_rests_otherwise);
    tcase_add_test(tc, ioc_and_fok);
    tcase_add_test(tc, partial_fills_split_market_orders_and_resting_fills);
    tcase_add_test(tc, stop_market_triggers_on_the_path);
    tcase_add_test(tc, take_profit_limit_and_trailing_stop);
    tcase_add_test(tc, reduce_only_never_increases);
    tcase_add_test(tc, pnl_and_fees_are_exact);
    tcase_add_test(tc, flip_through_zero_opens_the_rest_at_the_fill_price);
    tcase_add_test(tc, filters_are_enforced);
    tcase_add_test(tc, max_open_orders_setting_overrides_the_instruments);
    tcase_add_test(tc, client_ids_are_unique_among_open_orders);
    tcase_add_test(tc, hedge_mode_keeps_two_legs);
    tcase_add_test(tc, ledger_records_orders_fills_and_final_states);
    tcase_add_test(tc, reset_returns_to_the_start);
    tcase_add_test(tc, price_path_is_seeded_and_candles_have_history);
    tcase_add_test(tc, amend_keeps_id_and_fills_and_rematches);
    tcase_add_test(tc, gtd_expires_and_cancel_all_by_kind);
    tcase_add_test(tc, close_position_and_rejected_trigger);
    tcase_add_test(tc, old_final_orders_are_forgotten_past_keep);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}
