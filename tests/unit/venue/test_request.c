/* test_request: parameters are percent-encoded as RFC 3986 (and Binance's signing) want, decimals in canonical
 * text, headers and parameters bounded with a sticky overflow, and reset keeps nothing of the last request. */
#include "testutil.h"
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

static Suite *s_suite(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_request_params);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
