/* test_adapter: the helpers hooks rely on: header lookup in a raw reply block (case, spaces, bounds) and
 * through a lookup function, bounded result arrays, failing with a message, and operation names. */
#include "testutil.h"
#include "venue/adapter.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static const char *s_lookup(const void *ctx, const char *name)
{
    (void) ctx;
    return strcmp(name, "X-Test") == 0 ? "42" : NULL;
}

START_TEST(test_header_fn)
{
    venue_resp_t r = {.header_fn = s_lookup};
    char v[8];
    ck_assert_int_eq(venue_resp_header(&r, "X-Test", v, sizeof v), 0);
    ck_assert_str_eq(v, "42");
    ck_assert_int_eq(venue_resp_header(&r, "X-Other", v, sizeof v), -1);
    ck_assert_int_eq(venue_resp_header(&r, "X-Test", v, 2), -1);
}
END_TEST

START_TEST(test_op_names)
{
    for (int i = 0; i < VENUE_OP_COUNT_; i++) {
        venue_op_t op;
        ck_assert_int_eq(venue_op_parse(venue_op_name((venue_op_t) i), &op), 0);
        ck_assert_int_eq(op, i);
    }
    venue_op_t op;
    ck_assert_int_eq(venue_op_parse("place", &op), -1);
    ck_assert_str_eq(venue_op_name(VENUE_OP_COUNT_), "");
}
END_TEST

START_TEST(test_fail_helpers)
{
    venue_call_t call;
    memset(&call, 0, sizeof call);
    ck_assert_int_eq(venue_fail(&call, XR_PRECISION, "price %s", "1.23"), VENUE_FAIL);
    ck_assert_int_eq(call.fail.code, XR_PRECISION);
    ck_assert_str_eq(call.fail.message, "price 1.23");
    venue_error_t e = {.code = XR_ORDER_NOT_FOUND};
    snprintf(e.venue_code, sizeof e.venue_code, "-2013");
    call.error = &e;
    ck_assert_int_eq(venue_fail_reply(&call), VENUE_FAIL);
    ck_assert_int_eq(call.fail.code, XR_ORDER_NOT_FOUND);
    ck_assert_str_eq(call.fail.venue_code, "-2013");
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
    Suite *s = suite_create("adapter");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_resp_header);
    tcase_add_test(tc, test_header_fn);
    tcase_add_test(tc, test_result_arrays_bounded);
    tcase_add_test(tc, test_fail_helpers);
    tcase_add_test(tc, test_op_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
