/* test_model: wire names of the unified enums round-trip, client ids are checked, and OrderRequest shape
 * checks name the bad field. */
#include "testutil.h"
#include "venue/model.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static decimal_t D(const char *s)
{
    decimal_t d;
    ck_assert_int_eq(decimal_from_str(s, &d, NULL), 0);
    return d;
}

START_TEST(test_enum_names_round_trip)
{
    for (int i = 1; i <= VENUE_STATUS_PENDING_UNKNOWN; i++) {
        venue_status_t st;
        ck_assert_int_eq(venue_status_parse(venue_status_name((venue_status_t) i), &st), 0);
        ck_assert_int_eq(st, i);
    }
    for (int i = 1; i <= VENUE_TYPE_TRAILING_STOP_MARKET; i++) {
        venue_type_t t;
        ck_assert_int_eq(venue_type_parse(venue_type_name((venue_type_t) i), &t), 0);
        ck_assert_int_eq(t, i);
    }
    venue_side_t s;
    ck_assert_int_eq(venue_side_parse("buy", &s), -1);
    ck_assert_int_eq(venue_side_parse("", &s), -1);
    ck_assert_str_eq(venue_tif_name(VENUE_TIF_GTX), "GTX");
    ck_assert_str_eq(venue_tif_name(VENUE_TIF_NONE), "");
    ck_assert(venue_status_final(VENUE_STATUS_EXPIRED));
    ck_assert(!venue_status_final(VENUE_STATUS_PENDING_UNKNOWN));
}
END_TEST

START_TEST(test_clid_valid)
{
    ck_assert(venue_clid_valid("a"));
    ck_assert(venue_clid_valid("abcdefghijklmnopqrstuvwxyz0123456789"));
    ck_assert(!venue_clid_valid("abcdefghijklmnopqrstuvwxyz01234567890"));
    ck_assert(!venue_clid_valid(""));
    ck_assert(!venue_clid_valid("a.b"));
    ck_assert(!venue_clid_valid("a b"));
}
END_TEST

START_TEST(test_order_req_check)
{
    venue_order_req_t r = {.side = VENUE_SIDE_BUY, .type = VENUE_TYPE_LIMIT};
    snprintf(r.symbol, sizeof r.symbol, "ETH/USDT");
    r.quantity = D("1");
    err_t e;
    ck_assert_int_eq(venue_order_req_check(&r, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "price"));
    r.price = D("2000");
    ck_assert_int_eq(venue_order_req_check(&r, &e), 0);
    r.type = VENUE_TYPE_MARKET;
    ck_assert_int_eq(venue_order_req_check(&r, &e), -1); /* market with a price */
    r.price = DECIMAL_ZERO;
    ck_assert_int_eq(venue_order_req_check(&r, &e), 0);
    r.type = VENUE_TYPE_STOP_MARKET;
    ck_assert_int_eq(venue_order_req_check(&r, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "stop_price"));
    r.type = VENUE_TYPE_TRAILING_STOP_MARKET;
    ck_assert_int_eq(venue_order_req_check(&r, &e), -1);
    r.trailing_pct = D("1");
    ck_assert_int_eq(venue_order_req_check(&r, &e), 0);
    r.quantity = D("-1");
    ck_assert_int_eq(venue_order_req_check(&r, &e), -1);
    r.quantity = D("1");
    snprintf(r.client_order_id, sizeof r.client_order_id, "bad id");
    ck_assert_int_eq(venue_order_req_check(&r, &e), -1);
    ck_assert_int_eq(e.code, XR_INVALID_REQUEST);
    r.client_order_id[0] = '\0';
    r.leverage = 200;
    ck_assert_int_eq(venue_order_req_check(&r, &e), -1);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_enum_names_round_trip);
    tcase_add_test(tc, test_clid_valid);
    tcase_add_test(tc, test_order_req_check);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
