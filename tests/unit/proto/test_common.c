/* common: enum names and parsing for every value, identifier validators on their edges, raw text. */
#include "proto/common.h"
#include "testutil.h"

#include <string.h>

#define CHECK_ENUM(fn, type, n)                                                  \
    do {                                                                         \
        ck_assert_str_eq(proto_##fn##_name((type) 0), "");                       \
        ck_assert_str_eq(proto_##fn##_name((type) (n)), "");                     \
        for (int i = 1; i < (n); i++) {                                          \
            const char *name = proto_##fn##_name((type) i);                      \
            ck_assert(name[0]);                                                  \
            type back;                                                           \
            ck_assert_int_eq(proto_##fn##_parse(name, strlen(name), &back), 0);  \
            ck_assert_int_eq(back, i);                                           \
        }                                                                        \
        type none;                                                               \
        ck_assert_int_eq(proto_##fn##_parse("", 0, &none), -1);                  \
        ck_assert_int_eq(proto_##fn##_parse("nope", 4, &none), -1);              \
    } while (0)

START_TEST(enums)
{
    CHECK_ENUM(side, proto_side_t, 3);
    CHECK_ENUM(order_type, proto_order_type_t, 8);
    CHECK_ENUM(tif, proto_tif_t, 5);
    CHECK_ENUM(position_side, proto_position_side_t, 4);
    CHECK_ENUM(status, proto_status_t, 9);
    CHECK_ENUM(liquidity, proto_liquidity_t, 3);
    CHECK_ENUM(direction, proto_direction_t, 4);
    CHECK_ENUM(interval, proto_interval_t, 16);
    CHECK_ENUM(circuit, proto_circuit_t, 4);
    ck_assert_str_eq(proto_order_type_name(PROTO_OT_TRAILING_STOP_MARKET), "TRAILING_STOP_MARKET");
    ck_assert_str_eq(proto_interval_name(PROTO_IV_1MO), "1M");
    ck_assert_str_eq(proto_interval_name(PROTO_IV_1M), "1m");
    proto_side_t s;
    ck_assert_int_eq(proto_side_parse("BUYX", 3, &s), 0); /* length-bounded */
    ck_assert_int_eq(s, PROTO_SIDE_BUY);
    ck_assert(proto_status_is_final(PROTO_STATUS_FILLED));
    ck_assert(proto_status_is_final(PROTO_STATUS_EXPIRED));
    ck_assert(!proto_status_is_final(PROTO_STATUS_PENDING_UNKNOWN));
    ck_assert(!proto_status_is_final(PROTO_STATUS_UNTRIGGERED));
}
END_TEST

START_TEST(validators)
{
    err_t err = {0};
    ck_assert_int_eq(proto_check_symbol("BTC/USDT", "s", &err), 0);
    ck_assert_int_eq(proto_check_symbol("1000PEPE/USDT", "s", &err), 0);
    const char *bad_symbols[] = {"", "/", "BTC", "BTC/", "/USDT", "BTC//USDT", "BTC/USDT/X", "btc/USDT",
                                 "BTC-USDT", "BTC/US DT", "ABCDEFGHIJKLMNOPQRSTU/X"};
    for (size_t i = 0; i < sizeof bad_symbols / sizeof bad_symbols[0]; i++) {
        ck_assert_msg(proto_check_symbol(bad_symbols[i], "body.symbol", &err) == -1, "%s", bad_symbols[i]);
        ck_assert_ptr_nonnull(strstr(err.msg, "body.symbol"));
    }
    ck_assert_int_eq(proto_check_client_order_id("a", "c", &err), 0);
    ck_assert_int_eq(proto_check_client_order_id("Az09_-", "c", &err), 0);
    ck_assert_int_eq(proto_check_client_order_id("", "c", &err), -1);
    ck_assert_int_eq(proto_check_client_order_id("a b", "c", &err), -1);
    ck_assert_int_eq(proto_check_client_order_id("123456789012345678901234567890123456", "c", &err), 0);
    ck_assert_int_eq(proto_check_client_order_id("1234567890123456789012345678901234567", "c", &err), -1);
    ck_assert_int_eq(proto_check_venue("binance", "v", &err), 0);
    ck_assert_int_eq(proto_check_venue("Binance", "v", &err), -1);
    ck_assert_int_eq(proto_check_venue("abcdefghijklmnopqrstuvw", "v", &err), 0);
    ck_assert_int_eq(proto_check_venue("abcdefghijklmnopqrstuvwx", "v", &err), -1);
    ck_assert_int_eq(proto_check_account("Main_1-x", "a", &err), 0);
    ck_assert_int_eq(proto_check_account("a.b", "a", &err), -1);
    ck_assert_int_eq(proto_check_instance("binance-1.host:2", "i", &err), 0);
    ck_assert_int_eq(proto_check_instance("b/1", "i", &err), -1);
    ck_assert_int_eq(proto_check_asset("USDT", "a", &err), 0);
    ck_assert_int_eq(proto_check_asset("usdt", "a", &err), -1);
    ck_assert_int_eq(proto_check_printable("!~", "p", &err), 0);
    ck_assert_int_eq(proto_check_printable("a\tb", "p", &err), -1);
    ck_assert_int_eq(proto_check_printable("", "p", &err), -1);
    ck_assert_int_eq(proto_check_leverage(1, "l", &err), 0);
    ck_assert_int_eq(proto_check_leverage(125, "l", &err), 0);
    ck_assert_int_eq(proto_check_leverage(0, "l", &err), -1);
    ck_assert_int_eq(proto_check_leverage(126, "l", &err), -1);
    decimal_t v;
    decimal_from_str("0.0001", &v, NULL);
    ck_assert_int_eq(proto_check_positive(v, "q", &err), 0);
    ck_assert_int_eq(proto_check_positive(DECIMAL_ZERO, "q", &err), -1);
    ck_assert_str_eq(err.msg, "q: must be > 0");
    ck_assert_int_eq(proto_check_non_negative(DECIMAL_ZERO, "q", &err), 0);
    ck_assert_int_eq(proto_check_non_negative(decimal_neg(v), "q", &err), -1);
}
END_TEST

START_TEST(raw_text)
{
    proto_raw_t r = {0};
    proto_raw_set(&r, "abc", 2);
    ck_assert_uint_eq(r.len, 2);
    ck_assert_str_eq(r.data, "ab");
    proto_raw_set(&r, "xyz", 3); /* replaces */
    proto_raw_t c;
    proto_raw_copy(&c, &r);
    ck_assert_str_eq(c.data, "xyz");
    ck_assert_ptr_ne(c.data, r.data);
    proto_raw_free(&r);
    proto_raw_free(&r);
    ck_assert_ptr_null(r.data);
    proto_raw_free(&c);
    proto_raw_t empty = {0}, copy;
    proto_raw_copy(&copy, &empty);
    ck_assert_ptr_null(copy.data);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("proto_common");
    TCase *tc = tcase_create("common");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, enums);
    tcase_add_test(tc, validators);
    tcase_add_test(tc, raw_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
