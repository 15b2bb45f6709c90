/* risk: every limit, its message, reduce-only exemption, last-price notional, rate bucket, bad files. */
#include "gateway/risk.h"
#include "testutil.h"

#include <string.h>

static const char *s_conf =
    "allow BTC/USDT ETH/USDT\n"
    "allow SOL/USDT   # more\n"
    "max_qty BTC/USDT 2\n"
    "max_qty * 1000\n"
    "max_notional BTC/USDT 100000\n"
    "max_open_orders 3\n"
    "orders_per_second 5\n";

static decimal_t D(const char *s)
{
    decimal_t d;
    ck_assert_int_eq(decimal_from_str(s, &d, NULL), 0);
    return d;
}

static risk_order_t s_order(const char *sym, const char *qty, const char *price)
{
    risk_order_t o = {.client = "c1", .account = "default", .symbol = sym, .quantity = D(qty)};
    if (price) {
        o.has_price = true;
        o.price = D(price);
    }
    return o;
}

static risk_t *s_risk(const char *text)
{
    err_t err = {0};
    risk_t *r = risk_parse(text, "risk", &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    return r;
}

START_TEST(test_symbols_and_quantity)
{
    risk_t *r = s_risk(s_conf);
    risk_state_t *st = risk_state_new();
    err_t err = {0};
    risk_order_t o = s_order("XRP/USDT", "1", "0.5");
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), -1);
    ck_assert_int_eq(err.code, XR_RISK_REJECTED);
    ck_assert_str_eq(err.msg, "allow: symbol XRP/USDT is not allowed");
    o = s_order("BTC/USDT", "2.001", "10");
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), -1);
    ck_assert_str_eq(err.msg, "max_qty BTC/USDT 2 exceeded: quantity 2.001");
    o = s_order("BTC/USDT", "2", "10");
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), 0);
    o = s_order("SOL/USDT", "1000.1", "1");
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), -1);
    ck_assert_str_eq(err.msg, "max_qty * 1000 exceeded: quantity 1000.1");
    risk_state_destroy(&st);
    risk_destroy(&r);
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_notional)
{
    risk_t *r = s_risk(s_conf);
    risk_state_t *st = risk_state_new();
    err_t err = {0};
    risk_order_t o = s_order("BTC/USDT", "1.5", "66666.67");
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), -1);
    ck_assert_str_eq(err.msg, "max_notional BTC/USDT 100000 exceeded: notional 100000.005");
    o.reduce_only = true;
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), 0);
    /* market order: unknown price is not checked, a known last price is */
    o = s_order("BTC/USDT", "1.5", NULL);
    ck_assert_int_eq(risk_check(r, st, &o, 1000, &err), 0);
    risk_state_set_price(st, "BTC/USDT", D("70000"));
    ck_assert_int_eq(risk_check(r, st, &o, 2000, &err), -1);
    ck_assert_str_eq(err.msg, "max_notional BTC/USDT 100000 exceeded: notional 105000");
    risk_state_destroy(&st);
    risk_destroy(&r);
}
END_TEST

START_TEST(test_open_orders_and_rate)
{
    risk_t *r = s_risk(s_conf);
    risk_state_t *st = risk_state_new();
    err_t err = {0};
    risk_order_t o = s_order("ETH/USDT", "1", "100");
    risk_state_open_orders_add(st, "default", 3);
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), -1);
    ck_assert_str_eq(err.msg, "max_open_orders 3 reached for account default");
    o.account = "other";
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), 0);
    risk_state_open_orders_add(st, "default", -1);
    ck_assert_int_eq(risk_state_open_orders(st, "default"), 2);
    o.account = "default";
    /* burst of 5 per second per client: 2 used above by "c1" (a refused attempt counts too) */
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(risk_check(r, st, &o, 0, &err), 0);
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), -1);
    ck_assert_str_eq(err.msg, "orders_per_second 5 exceeded for client c1");
    o.client = "c2"; /* another client has its own bucket */
    ck_assert_int_eq(risk_check(r, st, &o, 0, &err), 0);
    o.client = "c1";
    ck_assert_int_eq(risk_check(r, st, &o, 199, &err), -1); /* 199 ms refill 0.995 of an order */
    ck_assert_int_eq(risk_check(r, st, &o, 200, &err), 0);
    risk_state_destroy(&st);
    risk_destroy(&r);
}
END_TEST

START_TEST(test_bad_files)
{
    const char *bad[][2] = {
        {"max_qty BTC/USDT\n", "risk:1: want 'max_qty SYMBOL VALUE'"},
        {"max_qty BTC/USDT -1\n", "risk:1: max_qty BTC/USDT: '-1' is not a positive decimal"},
        {"max_qty BTCUSDT 1\n", "risk:1: max_qty: bad symbol 'BTCUSDT'"},
        {"max_open_orders 1.5\n", "risk:1: max_open_orders: '1.5' is not a positive whole number"},
        {"\nlimit_everything 1\n", "risk:2: unknown limit 'limit_everything'"},
        {"allow\n", "risk:1: allow needs at least one symbol"},
        {"max_qty * 1\nmax_qty * 2\n", "risk:2: second max_qty for *"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err = {0};
        ck_assert_ptr_null(risk_parse(bad[i][0], "risk", &err));
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        ck_assert_str_eq(err.msg, bad[i][1]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("risk");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_symbols_and_quantity);
    tcase_add_test(tc, test_notional);
    tcase_add_test(tc, test_open_orders_and_rate);
    tcase_add_test(tc, test_bad_files);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
