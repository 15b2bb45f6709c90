/* test_model: wire names of the unified enums round-trip, OrderRequest shape checks name the bad field,
 * request parameters are percent-encoded as Binance and RFC 3986 want, and header lookup in raw replies. */
#include "testutil.h"
#include "venue/adapter.h"
#include "venue/model.h"
#include "venue/request.h"

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
    for (int i = 0; i < VENUE_OP_COUNT_; i++) {
        venue_op_t op;
        ck_assert_int_eq(venue_op_parse(venue_op_name((venue_op_t) i), &op), 0);
        ck_assert_int_eq(op, i);
    }
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

START_TEST(test_request_params)
{
    venue_req_t r;
    venue_req_init(&r);
    venue_req_reset(&r, VENUE_GET, "/x");
    venue_req_param(&r, "a", "b c/d:e");
    venue_req_param_int(&r, "n", -42);
    venue_req_param_decimal(&r, "p", D("2000.10"));
    venue_req_param(&r, "u", "~._-");
    ck_assert_str_eq(buf_cstr(&r.query), "a=b%20c%2Fd%3Ae&n=-42&p=2000.1&u=~._-");
    ck_assert(!r.overflow);
    for (int i = 0; i < VENUE_REQ_HEADERS_MAX; i++)
        venue_req_header(&r, "X", "y");
    ck_assert(!r.overflow);
    venue_req_header(&r, "X", "y");
    ck_assert(r.overflow);
    venue_req_reset(&r, VENUE_POST, "/y");
    ck_assert(!r.overflow);
    ck_assert_str_eq(buf_cstr(&r.query), "");
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    venue_req_param(&r, "k", big);
    ck_assert(!r.overflow);
    venue_req_param(&r, "k", big);
    ck_assert(r.overflow); /* past VENUE_REQ_PARAMS_MAX */
    ck_assert_str_eq(venue_method_name(VENUE_DELETE), "DELETE");
    venue_req_release(&r);
}
END_TEST

START_TEST(test_resp_header)
{
    venue_resp_t r = {.headers = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRetry-After:  12 \r\n"
                                 "X-Long: 0123456789\r\n"};
    char v[8];
    ck_assert_int_eq(venue_resp_header(&r, "retry-after", v, sizeof v), 0);
    ck_assert_str_eq(v, "12");
    ck_assert_int_eq(venue_resp_header(&r, "X-Long", v, sizeof v), -1);
    ck_assert_int_eq(venue_resp_header(&r, "Retry", v, sizeof v), -1);
    r.headers = NULL;
    ck_assert_int_eq(venue_resp_header(&r, "Retry-After", v, sizeof v), -1);
}
END_TEST

START_TEST(test_result_arrays_bounded)
{
    venue_result_t res = {0};
    for (int i = 0; i < VENUE_RESULT_ITEMS_MAX; i++) {
        venue_fill_t *f = venue_result_add_fill(&res);
        ck_assert_ptr_nonnull(f);
        f->seq_key = i;
    }
    ck_assert_ptr_null(venue_result_add_fill(&res));
    ck_assert_int_eq(res.fills[9999].seq_key, 9999);
    ck_assert_int_eq(res.fills[5].seq_key, 5);
    venue_result_release(&res);
    ck_assert_uint_eq(res.n_fills, 0);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_enum_names_round_trip);
    tcase_add_test(tc, test_clid_valid);
    tcase_add_test(tc, test_order_req_check);
    tcase_add_test(tc, test_request_params);
    tcase_add_test(tc, test_resp_header);
    tcase_add_test(tc, test_result_arrays_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
