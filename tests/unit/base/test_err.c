/* test_err: every code's wire name round-trips and is the one proto/README.md documents, out-of-range codes
 * read as INTERNAL, unknown names are refused; err_set formats, truncates to the fixed message size with the
 * NUL kept, returns -1, and accepts a NULL err; err_clear resets. */
#include "base/err.h"

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_names_round_trip)
{
    for (int c = 0; c < XR_CODE_COUNT_; c++) {
        const char *name = xr_code_name((xr_code_t) c);
        ck_assert_ptr_nonnull(name);
        ck_assert_uint_gt(strlen(name), 0);
        for (const char *p = name; *p; p++) /* wire names are UPPER_SNAKE */
            ck_assert_msg((*p >= 'A' && *p <= 'Z') || *p == '_', "code %d name '%s'", c, name);
        xr_code_t back = XR_CODE_COUNT_;
        ck_assert_int_eq(xr_code_parse(name, &back), 0);
        ck_assert_int_eq(back, c);
        for (int d = 0; d < c; d++)
            ck_assert_str_ne(xr_code_name((xr_code_t) d), name);
    }
    ck_assert_str_eq(xr_code_name(XR_OK), "OK");
    ck_assert_str_eq(xr_code_name(XR_RISK_REJECTED), "RISK_REJECTED");
    ck_assert_str_eq(xr_code_name(XR_TIMEOUT), "TIMEOUT");
}
END_TEST

START_TEST(test_names_documented_in_proto_readme)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/proto/README.md", getenv("XR_SOURCE") ? getenv("XR_SOURCE") : ".");
    char *doc = tu_read_file(path, NULL);
    ck_assert_msg(doc != NULL, "cannot read %s", path);
    for (int c = 0; c < XR_CODE_COUNT_; c++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "`%s`", xr_code_name((xr_code_t) c));
        ck_assert_msg(strstr(doc, quoted) != NULL, "%s is not in proto/README.md", quoted);
    }
    free(doc);
}
END_TEST

START_TEST(test_out_of_range_and_unknown)
{
    ck_assert_str_eq(xr_code_name(XR_CODE_COUNT_), "INTERNAL");
    ck_assert_str_eq(xr_code_name((xr_code_t) 999), "INTERNAL");
    ck_assert_str_eq(xr_code_name((xr_code_t) -1), "INTERNAL");
    const char *bad[] = {"", "ok", "invalid_request", "RISK_REJECTED ", "XR_TIMEOUT", "NOPE", "CODE_COUNT_", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        xr_code_t out = XR_AUTH;
        ck_assert_int_eq(xr_code_parse(bad[i], &out), -1);
        ck_assert_int_eq(out, XR_AUTH); /* untouched */
    }
}
END_TEST

START_TEST(test_set_formats_and_returns)
{
    err_t err;
    memset(&err, 0x5a, sizeof err);
    ck_assert_int_eq(err_set(&err, XR_PRECISION, "price %s is not a multiple of %s (%d)", "1.005", "0.01", 3), -1);
    ck_assert_int_eq(err.code, XR_PRECISION);
    ck_assert_str_eq(err.msg, "price 1.005 is not a multiple of 0.01 (3)");
    ck_assert_int_eq(err_set(&err, XR_AUTH, "%s", ""), -1);
    ck_assert_int_eq(err.code, XR_AUTH);
    ck_assert_str_eq(err.msg, "");
    /* text from the world with % in it is data when passed as an argument */
    err_set(&err, XR_VENUE_REJECTED, "venue said: %s", "100% %s %n");
    ck_assert_str_eq(err.msg, "venue said: 100% %s %n");
    /* a NULL err is allowed: still -1, nothing happens */
    ck_assert_int_eq(err_set(NULL, XR_INTERNAL, "ignored %d", 1), -1);
}
END_TEST

START_TEST(test_set_truncates)
{
    err_t err;
    char longer[1000];
    memset(longer, 'm', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    memset(&err, 0x5a, sizeof err);
    err_set(&err, XR_INVALID_REQUEST, "field: %s", longer);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_uint_eq(strlen(err.msg), ERR_MSG_MAX - 1);
    ck_assert_int_eq(err.msg[ERR_MSG_MAX - 1], '\0');
    ck_assert_int_eq(strncmp(err.msg, "field: mmm", 10), 0);
    /* exactly the largest message that fits is kept whole */
    char fits[ERR_MSG_MAX];
    memset(fits, 'f', ERR_MSG_MAX - 1);
    fits[ERR_MSG_MAX - 1] = '\0';
    err_set(&err, XR_INTERNAL, "%s", fits);
    ck_assert_str_eq(err.msg, fits);
}
END_TEST

static int s_setv(err_t *err, xr_code_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = err_setv(err, code, fmt, ap);
    va_end(ap);
    return rc;
}

START_TEST(test_setv_and_clear)
{
    err_t err = {0};
    ck_assert_int_eq(s_setv(&err, XR_TIMEOUT, "after %lld ms on %s", 5000LL, "bybit"), -1);
    ck_assert_int_eq(err.code, XR_TIMEOUT);
    ck_assert_str_eq(err.msg, "after 5000 ms on bybit");
    ck_assert_int_eq(s_setv(NULL, XR_TIMEOUT, "x"), -1);
    err_clear(&err);
    ck_assert_int_eq(err.code, XR_OK);
    ck_assert_str_eq(err.msg, "");
    err_clear(NULL);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("err");
    TCase *tc = tcase_create("err");
    tcase_add_test(tc, test_names_round_trip);
    tcase_add_test(tc, test_names_documented_in_proto_readme);
    tcase_add_test(tc, test_out_of_range_and_unknown);
    tcase_add_test(tc, test_set_formats_and_returns);
    tcase_add_test(tc, test_set_truncates);
    tcase_add_test(tc, test_setv_and_clear);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
