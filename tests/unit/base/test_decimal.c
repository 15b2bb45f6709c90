/* test_decimal: the decimal contract of lib/base/decimal.h, case by case: every accepted and refused text
 * form, canonical text, comparison across scales, exact arithmetic with explicit rounding, overflow as an
 * error, tick rounding in every mode. Doubles as the usage example of decimal_t. */
#include "base/decimal.h"
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const decimal_round_t s_modes[] = {
    DECIMAL_ROUND_DOWN, DECIMAL_ROUND_UP,      DECIMAL_ROUND_FLOOR,
    DECIMAL_ROUND_CEIL, DECIMAL_ROUND_HALF_UP, DECIMAL_ROUND_HALF_EVEN,
};
static const char *const s_mode_names[] = {"DOWN", "UP", "FLOOR", "CEIL", "HALF_UP", "HALF_EVEN"};

/* Parses text that must be accepted. */
static decimal_t D(const char *text)
{
    decimal_t v;
    err_t err = {0};
    ck_assert_msg(decimal_from_str(text, &v, &err) == 0, "parse \"%s\": %s", text, err.msg);
    return v;
}

/* Canonical text of v in a static buffer (one at a time). */
static const char *T(decimal_t v)
{
    static char buf[DECIMAL_STR_MAX];
    ck_assert_uint_gt(decimal_format(v, buf, sizeof buf), 0);
    return buf;
}

#define ck_assert_dec(v, text) ck_assert_str_eq(T(v), (text))

/* ------------------------------------------------------------------ parse */

START_TEST(parse_accepted_forms)
{
    static const struct {
        const char *text;
        int64_t mantissa;
        uint8_t scale;
        const char *canonical;
    } cases[] = {
        {"123", 123, 0, "123"},
        {"-0.5", -5, 1, "-0.5"},
        {"0.10000", 1, 1, "0.1"},
        {"1e-8", 1, 8, "0.00000001"},
        {"1.5E+3", 1500, 0, "1500"},
        {"-0", 0, 0, "0"},
        {"0", 0, 0, "0"},
        {"-0.000", 0, 0, "0"},
        {"-0.000e5", 0, 0, "0"},
        {"00012.5", 125, 1, "12.5"},
        {"2000.10", 20001, 1, "2000.1"},
        {"100", 100, 0, "100"},
        {"1e2", 100, 0, "100"},
        {"1E0", 1, 0, "1"},
        {"1e+0", 1, 0, "1"},
        {"5e-0", 5, 0, "5"},
        {"123.456e-2", 123456, 5, "1.23456"},
        {"0.5e1", 5, 0, "5"},
        {"12.5e-1", 125, 2, "1.25"},
        {"-12.50E1", -125, 0, "-125"},
        {"1e-0000018", 1, 18, "0.000000000000000001"},
        {"1e000017", 100000000000000000, 0, "100000000000000000"},
        {"0e64", 0, 0, "0"},
        {"0e-64", 0, 0, "0"},
        {"999999999999999999", 999999999999999999, 0, "999999999999999999"},
        {"-999999999999999999", -999999999999999999, 0, "-999999999999999999"},
        {"0.000000000000000001", 1, 18, "0.000000000000000001"},
        {"0.999999999999999999", 999999999999999999, 18, "0.999999999999999999"},
        {"-99999999999999999.9", -999999999999999999, 1, "-99999999999999999.9"},
        {"1000000000000000000e-18", 1, 0, "1"},
        {"123456789012345678e-18", 123456789012345678, 18, "0.123456789012345678"},
        {"12345678901234567800000e-5", 123456789012345678, 0, "123456789012345678"},
        /* 40-digit inputs whose significant digits fit */
        {"0000000000000000000000000000000000000001", 1, 0, "1"},
        {"1.000000000000000000000000000000000000000", 1, 0, "1"},
        {"000000000000000000001234.5600000000000000", 123456, 2, "1234.56"},
        {"0.000000000000000123000000000000000000000", 123, 18, "0.000000000000000123"},
        {"-0000000000000000000.000000000000000000000", 0, 0, "0"},
        {"100000000000000000000000000000000000000e-30", 100000000, 0, "100000000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        decimal_t v = {7, 3};
        err_t err = {0};
        int rc = decimal_from_str(cases[i].text, &v, &err);
        ck_assert_msg(rc == 0, "\"%s\" refused: %s", cases[i].text, err.msg);
        ck_assert_msg(v.mantissa == cases[i].mantissa && v.scale == cases[i].scale,
                      "\"%s\" -> {%lld, %u}", cases[i].text, (long long) v.mantissa, v.scale);
        ck_assert_dec(v, cases[i].canonical);
    }
}
END_TEST

START_TEST(parse_canonical_value_of_examples)
{
    /* The contract's examples compare by value too. */
    ck_assert(decimal_eq(D("2000.10"), D("2000.1")));
    ck_assert(decimal_eq(D("-0"), DECIMAL_ZERO));
    ck_assert(decimal_eq(D("1.5E+3"), decimal_from_int(1500)));
    ck_assert(decimal_eq(D("0.10000"), D("1e-1")));
    ck_assert_int_eq(decimal_sign(D("-0")), 0);
}
END_TEST

START_TEST(parse_long_inputs)
{
    /* 3000 leading zeros, then 1.5, then 3000 trailing zeros after the point: 6003 digits, 2 significant. */
    size_t n = 3000;
    char *text = malloc(2 * n + 8);
    memset(text, '0', n);
    memcpy(text + n, "1.5", 3);
    memset(text + n + 3, '0', n);
    text[2 * n + 3] = '\0';
    decimal_t v;
    ck_assert_int_eq(decimal_from_str(text, &v, NULL), 0);
    ck_assert_dec(v, "1.5");

    /* "1" + 60 zeros + "e-60" is 1: trailing integer zeros fold into the exponent */
    memset(text, '0', 2 * n + 8);
    text[0] = '1';
    memcpy(text + 61, "e-60", 5);
    ck_assert_int_eq(decimal_from_str(text, &v, NULL), 0);
    ck_assert_dec(v, "1");
    ck_assert_int_eq(v.scale, 0);
    /* "1" + 3000 zeros + "e-64" is 10^2936: overflow; "1" + 3000 zeros + "e-3000" : exponent refused */
    memset(text, '0', 2 * n + 8);
    text[0] = '1';
    memcpy(text + n + 1, "e-64", 5);
    err_t err = {0};
    ck_assert_int_eq(decimal_from_str(text, &v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "overflow"));
    memcpy(text + n + 1, "e-3000", 7);
    ck_assert_int_eq(decimal_from_str(text, &v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "exponent"));

    /* 40 significant digits: refused whatever the point position */
    ck_assert_int_eq(decimal_from_str("1234567890123456789012345678901234567890", &v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "overflow"));
    ck_assert_int_eq(decimal_from_str("1.234567890123456789012345678901234567890", &v, &err), -1);
    ck_assert_int_eq(decimal_from_str("12345678901234567890123456789012345678.90", &v, &err), -1);
    free(text);
}
END_TEST

START_TEST(parse_refused_forms)
{
    static const struct {
        const char *text;
        const char *reason;
    } cases[] = {
        {"", "empty"},
        {" 1", "offset 0"},
        {"1 ", "offset 1"},
        {"+1", "offset 0"},
        {".5", "offset 0"},
        {"5.", "offset 2"},
        {"1..2", "offset 2"},
        {"1e", "offset 2"},
        {"1e+", "offset 3"},
        {"1e--5", "offset 3"},
        {"0x10", "offset 1"},
        {"NaN", "offset 0"},
        {"nan", "offset 0"},
        {"inf", "offset 0"},
        {"-inf", "offset 1"},
        {"Infinity", "offset 0"},
        {"1,5", "offset 1"},
        {"-", "offset 1"},
        {"--1", "offset 1"},
        {"-.5", "offset 1"},
        {"e5", "offset 0"},
        {"1.2.3", "offset 3"},
        {"1e5.5", "offset 3"},
        {"1 000", "offset 1"},
        {"\t1", "offset 0"},
        {"1\n", "offset 1"},
        {"1_000", "offset 1"},
        {"\xd9\xa1", "offset 0"},
        {"1000000000000000000", "overflow"},
        {"9999999999999999999", "overflow"},
        {"-1000000000000000000", "overflow"},
        {"1e18", "overflow"},
        {"0.1e19", "overflow"},
        {"1e64", "overflow"},
        {"1e000064", "overflow"},
        {"1234567890.123456789", "overflow"},
        {"0.1234567890123456789", "too many decimals"},
        {"0.0000000000000000001", "too many decimals"},
        {"1e-19", "too many decimals"},
        {"-1e-64", "too many decimals"},
        {"1e65", "exponent out of range"},
        {"1e-65", "exponent out of range"},
        {"0e65", "exponent out of range"},
        {"1e99999999999999999999999999", "exponent out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        decimal_t v = {7, 3};
        err_t err = {0};
        int rc = decimal_from_str(cases[i].text, &v, &err);
        ck_assert_msg(rc == -1, "\"%s\" accepted", cases[i].text);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        ck_assert_msg(strstr(err.msg, cases[i].reason), "\"%s\": message \"%s\" lacks \"%s\"", cases[i].text,
                      err.msg, cases[i].reason);
        ck_assert_msg(strstr(err.msg, "invalid decimal"), "%s", err.msg);
        ck_assert_msg(v.mantissa == 7 && v.scale == 3, "\"%s\" changed *out", cases[i].text);
        ck_assert_int_eq(decimal_from_str(cases[i].text, &v, NULL), -1); /* err is optional */
    }
}
END_TEST

START_TEST(parse_length_bounded)
{
    decimal_t v;
    /* only len bytes are read: no NUL needed */
    ck_assert_int_eq(decimal_parse("12345", 3, &v, NULL), 0);
    ck_assert_dec(v, "123");
    ck_assert_int_eq(decimal_parse("1.5xyz", 3, &v, NULL), 0);
    ck_assert_dec(v, "1.5");
    /* an embedded NUL is a stray byte */
    err_t err = {0};
    ck_assert_int_eq(decimal_parse("1\0", 2, &v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "offset 1"));
    ck_assert_int_eq(decimal_parse(NULL, 0, &v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "empty"));
    ck_assert_int_eq(decimal_from_str(NULL, &v, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    /* the message quotes at most 32 bytes of a long input, non-printable bytes as '?' */
    char long_text[200];
    memset(long_text, '9', sizeof long_text - 1);
    long_text[0] = '\x01';
    long_text[sizeof long_text - 1] = '\0';
    ck_assert_int_eq(decimal_from_str(long_text, &v, &err), -1);
    char quoted[64] = "\"?";
    memset(quoted + 2, '9', 31);
    memcpy(quoted + 33, "...\"", 5);
    ck_assert_msg(strstr(err.msg, quoted) != NULL, "%s", err.msg);
}
END_TEST

/* ------------------------------------------------------------------ format */

START_TEST(format_canonical)
{
    char buf[DECIMAL_STR_MAX];
    ck_assert_dec(DECIMAL_ZERO, "0");
    ck_assert_dec(decimal_from_int(-42), "-42");
    ck_assert_dec(D("-0.5"), "-0.5");
    /* values built by hand need not be normalised; the text always is */
    ck_assert_dec(((decimal_t){2000, 2}), "20");
    ck_assert_dec(((decimal_t){-500, 3}), "-0.5");
    ck_assert_dec(((decimal_t){0, 5}), "0");
    ck_assert_dec(((decimal_t){-999999999999999999, 18}), "-0.999999999999999999");
    /* buffer sizes: the text and its NUL must fit, or nothing is written */
    ck_assert_uint_eq(decimal_format(D("123"), buf, 3), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(decimal_format(D("123"), buf, 4), 3);
    ck_assert_str_eq(buf, "123");
    ck_assert_uint_eq(decimal_format(D("1"), NULL, 0), 0);
    ck_assert_uint_eq(decimal_format(D("-0.999999999999999999"), buf, sizeof buf), 21);
}
END_TEST

START_TEST(format_fixed_scales)
{
    char buf[DECIMAL_STR_MAX];
    ck_assert_uint_eq(decimal_format_fixed(D("2000.1"), 2, DECIMAL_ROUND_EXACT, buf, sizeof buf), 7);
    ck_assert_str_eq(buf, "2000.10");
    ck_assert_uint_eq(decimal_format_fixed(D("2000.1"), 0, DECIMAL_ROUND_DOWN, buf, sizeof buf), 4);
    ck_assert_str_eq(buf, "2000");
    ck_assert_uint_gt(decimal_format_fixed(D("1.005"), 2, DECIMAL_ROUND_HALF_UP, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1.01");
    ck_assert_uint_gt(decimal_format_fixed(D("1.005"), 2, DECIMAL_ROUND_HALF_EVEN, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1.00");
    ck_assert_uint_gt(decimal_format_fixed(D("-0.001"), 2, DECIMAL_ROUND_DOWN, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "0.00"); /* never "-0.00" */
    ck_assert_uint_gt(decimal_format_fixed(D("-0.001"), 2, DECIMAL_ROUND_FLOOR, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "-0.01");
    ck_assert_uint_gt(decimal_format_fixed(D("9.99"), 1, DECIMAL_ROUND_HALF_UP, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "10.0");
    ck_assert_uint_gt(decimal_format_fixed(DECIMAL_ZERO, 3, DECIMAL_ROUND_EXACT, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "0.000");
    ck_assert_uint_gt(decimal_format_fixed(D("5"), 18, DECIMAL_ROUND_EXACT, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "5.000000000000000000");
    ck_assert_uint_eq(decimal_format_fixed(D("-999999999999999999"), 18, DECIMAL_ROUND_EXACT, buf, sizeof buf), 38);
    ck_assert_str_eq(buf, "-999999999999999999.000000000000000000");
    /* failures write "" and return 0 */
    ck_assert_uint_eq(decimal_format_fixed(D("1.005"), 2, DECIMAL_ROUND_EXACT, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(decimal_format_fixed(D("2000.1"), 2, DECIMAL_ROUND_EXACT, buf, 7), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(decimal_format_fixed(D("2000.1"), 2, DECIMAL_ROUND_EXACT, buf, 8), 7);
    ck_assert_uint_eq(decimal_format_fixed(D("1"), 19, DECIMAL_ROUND_EXACT, buf, sizeof buf), 0);
}
END_TEST

/* ------------------------------------------------------------------ compare */

START_TEST(compare_across_scales)
{
    static const struct {
        const char *a, *b;
        int cmp;
    } cases[] = {
        {"1.5", "1.50", 0},
        {"2000.10", "2000.1", 0},
        {"1.05", "1.5", -1},
        {"-1", "0.5", -1},
        {"-0.1", "-0.01", -1},
        {"0", "-0", 0},
        {"0.000000000000000001", "0", 1},
        {"-0.000000000000000001", "0", -1},
        {"999999999999999999", "0.999999999999999999", 1},
        {"-999999999999999999", "-99999999999999999.9", -1},
        {"9999999999999999.9", "9999999999999999.89", 1},
        {"123456789.123456789", "123456789.12345679", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        decimal_t a = D(cases[i].a), b = D(cases[i].b);
        ck_assert_msg(decimal_cmp(a, b) == cases[i].cmp, "cmp(%s, %s)", cases[i].a, cases[i].b);
        ck_assert_msg(decimal_cmp(b, a) == -cases[i].cmp, "cmp(%s, %s)", cases[i].b, cases[i].a);
        ck_assert(decimal_eq(a, b) == (cases[i].cmp == 0));
    }
    /* hand-built values that are not normalised compare by value */
    ck_assert(decimal_eq(((decimal_t){2000, 2}), decimal_from_int(20)));
    ck_assert_int_eq(decimal_cmp(((decimal_t){1, 0}), ((decimal_t){999999999999999999, 18})), 1);
}
END_TEST

START_TEST(sign_neg_abs_min_max)
{
    ck_assert(decimal_is_zero(D("-0.000")));
    ck_assert(!decimal_is_zero(D("0.000000000000000001")));
    ck_assert_int_eq(decimal_sign(D("-3.2")), -1);
    ck_assert_int_eq(decimal_sign(D("3.2")), 1);
    ck_assert_int_eq(decimal_sign(DECIMAL_ZERO), 0);
    ck_assert_dec(decimal_neg(D("3.2")), "-3.2");
    ck_assert_dec(decimal_neg(D("-3.2")), "3.2");
    ck_assert_dec(decimal_neg(DECIMAL_ZERO), "0");
    ck_assert_dec(decimal_abs(D("-999999999999999999")), "999999999999999999");
    ck_assert_dec(decimal_abs(D("0.25")), "0.25");
    ck_assert_dec(decimal_min(D("1.5"), D("1.45")), "1.45");
    ck_assert_dec(decimal_max(D("1.5"), D("1.45")), "1.5");
    ck_assert_dec(decimal_min(D("-2"), D("1")), "-2");
    ck_assert_dec(decimal_max(D("-2"), D("-2.000001")), "-2");
}
END_TEST

/* ------------------------------------------------------------------ add, sub */

START_TEST(add_sub_exact)
{
    decimal_t r;
    ck_assert_int_eq(decimal_add(D("0.1"), D("0.2"), &r, NULL), 0);
    ck_assert(decimal_eq(r, D("0.3")));
    ck_assert_int_eq(r.mantissa, 3);
    ck_assert_int_eq(r.scale, 1);
    ck_assert_int_eq(decimal_add(D("1.5"), D("-1.5"), &r, NULL), 0);
    ck_assert_int_eq(r.mantissa, 0);
    ck_assert_int_eq(r.scale, 0);
    ck_assert_int_eq(decimal_add(D("0.999999999999999999"), D("0.000000000000000001"), &r, NULL), 0);
    ck_assert_dec(r, "1");
    ck_assert_int_eq(r.scale, 0);
    ck_assert_int_eq(decimal_add(D("0.9"), D("0.1"), &r, NULL), 0);
    ck_assert_dec(r, "1");
    ck_assert_int_eq(decimal_add(D("123456789.123456789"), D("0.000000001"), &r, NULL), 0);
    ck_assert_dec(r, "123456789.12345679");
    ck_assert_int_eq(decimal_add(D("99999999999999999.9"), D("0.1"), &r, NULL), 0);
    ck_assert_dec(r, "100000000000000000");
    ck_assert_int_eq(decimal_add(D("999999999999999999"), D("-1"), &r, NULL), 0);
    ck_assert_dec(r, "999999999999999998");
    ck_assert_int_eq(decimal_sub(D("2000.1"), D("2000.10"), &r, NULL), 0);
    ck_assert_dec(r, "0");
    ck_assert_int_eq(decimal_sub(D("0.3"), D("0.1"), &r, NULL), 0);
    ck_assert_dec(r, "0.2");
    ck_assert_int_eq(decimal_sub(D("-5"), D("0.25"), &r, NULL), 0);
    ck_assert_dec(r, "-5.25");
    ck_assert_int_eq(decimal_sub(D("0"), D("-999999999999999999"), &r, NULL), 0);
    ck_assert_dec(r, "999999999999999999");
}
END_TEST

START_TEST(add_sub_overflow)
{
    static const struct {
        const char *a, *b;
        bool sub;
    } cases[] = {
        {"999999999999999999", "1", false},
        {"-999999999999999999", "-1", false},
        {"-999999999999999999", "1", true},
        {"999999999999999999", "-999999999999999999", true},
        {"999999999999999999", "0.1", false},                  /* would need 19 digits */
        {"0.000000000000000001", "100000000000000000", false}, /* idem */
        {"500000000000000000", "500000000000000000", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        decimal_t r = {7, 3};
        err_t err = {0};
        decimal_t a = D(cases[i].a), b = D(cases[i].b);
        int rc = cases[i].sub ? decimal_sub(a, b, &r, &err) : decimal_add(a, b, &r, &err);
        ck_assert_msg(rc == -1, "%s %c %s did not overflow", cases[i].a, cases[i].sub ? '-' : '+', cases[i].b);
        ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
        ck_assert_str_eq(err.msg, "overflow");
        ck_assert(r.mantissa == 7 && r.scale == 3);
    }
}
END_TEST

/* ------------------------------------------------------------------ mul, div */

START_TEST(mul_exact_and_rounded)
{
    decimal_t r;
    err_t err = {0};
    ck_assert_int_eq(decimal_mul(D("1.5"), D("2"), 0, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "3");
    ck_assert_int_eq(decimal_mul(D("0.1"), D("0.1"), 2, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "0.01");
    ck_assert_int_eq(decimal_mul(D("0.1"), D("0.1"), 1, DECIMAL_ROUND_HALF_UP, &r, NULL), 0);
    ck_assert_dec(r, "0");
    ck_assert_int_eq(decimal_mul(D("0.1"), D("0.1"), 1, DECIMAL_ROUND_UP, &r, NULL), 0);
    ck_assert_dec(r, "0.1");
    ck_assert_int_eq(decimal_mul(D("123.45"), D("0.001"), 8, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "0.12345");
    ck_assert_int_eq(decimal_mul(D("999999999999999999"), D("0.000000000000000001"), 18, DECIMAL_ROUND_EXACT, &r,
                                 NULL),
                     0);
    ck_assert_dec(r, "0.999999999999999999");
    ck_assert_int_eq(decimal_mul(D("100000000"), D("1000000000"), 0, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "100000000000000000");
    ck_assert_int_eq(decimal_mul(D("-3"), D("0"), 0, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "0");
    /* price * quantity = notional */
    ck_assert_int_eq(decimal_mul(D("43123.45"), D("0.003"), 8, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "129.37035");

    /* two 18-digit operands: exact product 0.999999999999999998000000000000000001 */
    decimal_t n = D("0.999999999999999999");
    ck_assert_int_eq(decimal_mul(n, n, 18, DECIMAL_ROUND_DOWN, &r, NULL), 0);
    ck_assert_dec(r, "0.999999999999999998");
    ck_assert_int_eq(decimal_mul(n, n, 18, DECIMAL_ROUND_UP, &r, NULL), 0);
    ck_assert_dec(r, "0.999999999999999999");
    ck_assert_int_eq(decimal_mul(n, n, 18, DECIMAL_ROUND_HALF_EVEN, &r, NULL), 0);
    ck_assert_dec(r, "0.999999999999999998");
    ck_assert_int_eq(decimal_mul(n, decimal_neg(n), 18, DECIMAL_ROUND_FLOOR, &r, NULL), 0);
    ck_assert_dec(r, "-0.999999999999999999");
    ck_assert_int_eq(decimal_mul(n, n, 18, DECIMAL_ROUND_EXACT, &r, &err), -1);
    ck_assert_int_eq(err.code, XR_PRECISION);

    /* -1.5 * 1.5 = -2.25 at one decimal, every mode */
    static const char *const expect[] = {"-2.2", "-2.3", "-2.3", "-2.2", "-2.3", "-2.2"};
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq(decimal_mul(D("-1.5"), D("1.5"), 1, s_modes[i], &r, NULL), 0);
        ck_assert_msg(strcmp(T(r), expect[i]) == 0, "%s: %s", s_mode_names[i], T(r));
    }
}
END_TEST

START_TEST(mul_errors)
{
    decimal_t r = {7, 3};
    err_t err = {0};
    ck_assert_int_eq(decimal_mul(D("999999999999999999"), D("10"), 0, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_str_eq(err.msg, "overflow");
    ck_assert_int_eq(decimal_mul(D("1000000000"), D("1000000000"), 0, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_str_eq(err.msg, "overflow");
    ck_assert_int_eq(decimal_mul(D("999999999999999999"), D("-999999999999999999"), 18, DECIMAL_ROUND_DOWN, &r, &err),
                     -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    /* 17 integer digits fit, but with its 8 decimals the product needs 25 digits */
    ck_assert_int_eq(decimal_mul(D("123456789.6789"), D("123456789.6789"), 8, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_str_eq(err.msg, "overflow");
    ck_assert_int_eq(decimal_mul(D("1"), D("1"), 19, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "scale 19"));
    ck_assert(r.mantissa == 7 && r.scale == 3);
}
END_TEST

START_TEST(div_exact_and_rounded)
{
    decimal_t r;
    ck_assert_int_eq(decimal_div(D("1"), D("3"), 18, DECIMAL_ROUND_DOWN, &r, NULL), 0);
    ck_assert_dec(r, "0.333333333333333333");
    ck_assert_int_eq(decimal_div(D("1"), D("3"), 18, DECIMAL_ROUND_UP, &r, NULL), 0);
    ck_assert_dec(r, "0.333333333333333334");
    ck_assert_int_eq(decimal_div(D("2"), D("3"), 2, DECIMAL_ROUND_HALF_UP, &r, NULL), 0);
    ck_assert_dec(r, "0.67");
    ck_assert_int_eq(decimal_div(D("2"), D("3"), 2, DECIMAL_ROUND_DOWN, &r, NULL), 0);
    ck_assert_dec(r, "0.66");
    ck_assert_int_eq(decimal_div(D("-2"), D("3"), 2, DECIMAL_ROUND_FLOOR, &r, NULL), 0);
    ck_assert_dec(r, "-0.67");
    ck_assert_int_eq(decimal_div(D("-2"), D("3"), 2, DECIMAL_ROUND_CEIL, &r, NULL), 0);
    ck_assert_dec(r, "-0.66");
    ck_assert_int_eq(decimal_div(D("2"), D("-3"), 2, DECIMAL_ROUND_CEIL, &r, NULL), 0);
    ck_assert_dec(r, "-0.66");
    ck_assert_int_eq(decimal_div(D("-2"), D("-3"), 2, DECIMAL_ROUND_CEIL, &r, NULL), 0);
    ck_assert_dec(r, "0.67");
    ck_assert_int_eq(decimal_div(D("0.5"), D("0.25"), 0, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "2");
    ck_assert_int_eq(decimal_div(D("1"), D("8"), 3, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "0.125");
    ck_assert_int_eq(decimal_div(D("1"), D("8"), 2, DECIMAL_ROUND_HALF_EVEN, &r, NULL), 0);
    ck_assert_dec(r, "0.12");
    ck_assert_int_eq(decimal_div(D("1"), D("8"), 2, DECIMAL_ROUND_HALF_UP, &r, NULL), 0);
    ck_assert_dec(r, "0.13");
    ck_assert_int_eq(decimal_div(D("7"), D("7"), 18, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "1");
    ck_assert_int_eq(r.scale, 0);
    ck_assert_int_eq(decimal_div(D("0"), D("-5"), 4, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "0");
    ck_assert_int_eq(decimal_div(D("123456789012345678"), D("1"), 18, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "123456789012345678");
    /* exact value 1.000000000000000001e-18 */
    ck_assert_int_eq(decimal_div(D("1"), D("999999999999999999"), 18, DECIMAL_ROUND_HALF_UP, &r, NULL), 0);
    ck_assert_dec(r, "0.000000000000000001");
    ck_assert_int_eq(decimal_div(D("0.000000000000000001"), D("999999999999999999"), 18, DECIMAL_ROUND_DOWN, &r,
                                 NULL),
                     0);
    ck_assert_dec(r, "0");
    ck_assert_int_eq(decimal_div(D("0.000000000000000001"), D("999999999999999999"), 18, DECIMAL_ROUND_UP, &r,
                                 NULL),
                     0);
    ck_assert_dec(r, "0.000000000000000001");
    /* dividend scaled down (k < 0): 1e-18 / 3 at scale 0 */
    ck_assert_int_eq(decimal_div(D("0.000000000000000001"), D("3"), 0, DECIMAL_ROUND_UP, &r, NULL), 0);
    ck_assert_dec(r, "1");
    ck_assert_int_eq(decimal_div(D("-0.000000000000000001"), D("3"), 0, DECIMAL_ROUND_FLOOR, &r, NULL), 0);
    ck_assert_dec(r, "-1");
    /* dividend scaled by 10^36 (beyond 128 bits in one step): 1000 / 1.024e-15 = 976562500000000000 */
    ck_assert_int_eq(decimal_div(D("1000"), D("0.000000000000001024"), 18, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "976562500000000000");
    ck_assert_int_eq(decimal_div(D("0.5"), D("0.000000000000000002"), 18, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "250000000000000000");
    /* the same path with rounding: 10^18 / 7001 = 142836737608913.012426796... */
    ck_assert_int_eq(decimal_div(D("1"), D("0.000000000000007001"), 3, DECIMAL_ROUND_DOWN, &r, NULL), 0);
    ck_assert_dec(r, "142836737608913.012");
    ck_assert_int_eq(decimal_div(D("1"), D("0.000000000000007001"), 3, DECIMAL_ROUND_UP, &r, NULL), 0);
    ck_assert_dec(r, "142836737608913.013");
    ck_assert_int_eq(decimal_div(D("-1"), D("0.000000000000007001"), 2, DECIMAL_ROUND_HALF_UP, &r, NULL), 0);
    ck_assert_dec(r, "-142836737608913.01");
    ck_assert_int_eq(decimal_div(D("0.5"), D("0.000000000000000003"), 0, DECIMAL_ROUND_HALF_UP, &r, NULL), 0);
    ck_assert_dec(r, "166666666666666667");
}
END_TEST

START_TEST(div_errors)
{
    decimal_t r = {7, 3};
    err_t err = {0};
    ck_assert_int_eq(decimal_div(D("1"), DECIMAL_ZERO, 2, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_str_eq(err.msg, "division by zero");
    ck_assert_int_eq(decimal_div(D("1"), D("0.000000000000000001"), 0, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_str_eq(err.msg, "overflow");
    ck_assert_int_eq(decimal_div(D("999999999999999999"), D("0.000000000000000003"), 18, DECIMAL_ROUND_DOWN, &r, &err),
                     -1);
    ck_assert_str_eq(err.msg, "overflow");
    ck_assert_int_eq(decimal_div(D("1000"), D("0.000000000000000003"), 18, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_str_eq(err.msg, "overflow");
    /* 333333333333333333.333... fits at scale 0, not with 18 decimals */
    ck_assert_int_eq(decimal_div(D("1"), D("0.000000000000000003"), 18, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_str_eq(err.msg, "overflow");
    ck_assert_int_eq(decimal_div(D("0.5"), D("0.000000000000000003"), 17, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_str_eq(err.msg, "overflow");
    ck_assert_int_eq(decimal_div(D("1"), D("3"), 18, DECIMAL_ROUND_EXACT, &r, &err), -1);
    ck_assert_int_eq(err.code, XR_PRECISION);
    ck_assert_int_eq(decimal_div(D("1"), D("3"), 19, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert(r.mantissa == 7 && r.scale == 3);
}
END_TEST

/* ------------------------------------------------------------------ rounding */

START_TEST(round_scale_every_mode)
{
    static const struct {
        const char *v;
        uint8_t scale;
        const char *expect[6]; /* DOWN UP FLOOR CEIL HALF_UP HALF_EVEN */
    } cases[] = {
        {"2.5", 0, {"2", "3", "2", "3", "3", "2"}},
        {"-2.5", 0, {"-2", "-3", "-3", "-2", "-3", "-2"}},
        {"3.5", 0, {"3", "4", "3", "4", "4", "4"}},
        {"-3.5", 0, {"-3", "-4", "-4", "-3", "-4", "-4"}},
        {"2.4", 0, {"2", "3", "2", "3", "2", "2"}},
        {"-2.4", 0, {"-2", "-3", "-3", "-2", "-2", "-2"}},
        {"2.6", 0, {"2", "3", "2", "3", "3", "3"}},
        {"-2.6", 0, {"-2", "-3", "-3", "-2", "-3", "-3"}},
        {"2.50000001", 0, {"2", "3", "2", "3", "3", "3"}},
        {"2.49999999", 0, {"2", "3", "2", "3", "2", "2"}},
        {"-0.5", 0, {"0", "-1", "-1", "0", "-1", "0"}},
        {"0.5", 0, {"0", "1", "0", "1", "1", "0"}},
        {"1.005", 2, {"1", "1.01", "1", "1.01", "1.01", "1"}},
        {"1.015", 2, {"1.01", "1.02", "1.01", "1.02", "1.02", "1.02"}},
        {"-1.015", 2, {"-1.01", "-1.02", "-1.02", "-1.01", "-1.02", "-1.02"}},
        {"0.999999999999999999", 17, {"0.99999999999999999", "1", "0.99999999999999999", "1", "1", "1"}},
        {"999999999999999999", 0, {"999999999999999999", "999999999999999999", "999999999999999999",
                                   "999999999999999999", "999999999999999999", "999999999999999999"}},
        {"5.25", 4, {"5.25", "5.25", "5.25", "5.25", "5.25", "5.25"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t m = 0; m < 6; m++) {
            decimal_t r;
            ck_assert_int_eq(decimal_round_scale(D(cases[i].v), cases[i].scale, s_modes[m], &r, NULL), 0);
            ck_assert_msg(strcmp(T(r), cases[i].expect[m]) == 0, "round(%s, %u, %s) = %s, want %s", cases[i].v,
                          cases[i].scale, s_mode_names[m], T(r), cases[i].expect[m]);
        }
    }
    decimal_t r = {7, 3};
    err_t err = {0};
    ck_assert_int_eq(decimal_round_scale(D("2.5"), 0, DECIMAL_ROUND_EXACT, &r, &err), -1);
    ck_assert_int_eq(err.code, XR_PRECISION);
    ck_assert_ptr_nonnull(strstr(err.msg, "2.5"));
    ck_assert(r.mantissa == 7 && r.scale == 3);
    ck_assert_int_eq(decimal_round_scale(D("2.50"), 1, DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "2.5");
    ck_assert_int_eq(decimal_round_scale(D("2.5"), 19, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
}
END_TEST

START_TEST(round_to_tick_every_mode)
{
    static const struct {
        const char *v, *tick;
        const char *expect[6]; /* DOWN UP FLOOR CEIL HALF_UP HALF_EVEN */
    } cases[] = {
        {"100.125", "0.01", {"100.12", "100.13", "100.12", "100.13", "100.13", "100.12"}},
        {"-100.125", "0.01", {"-100.12", "-100.13", "-100.13", "-100.12", "-100.13", "-100.12"}},
        {"100.135", "0.01", {"100.13", "100.14", "100.13", "100.14", "100.14", "100.14"}},
        {"100.1249", "0.01", {"100.12", "100.13", "100.12", "100.13", "100.12", "100.12"}},
        {"100.12", "0.01", {"100.12", "100.12", "100.12", "100.12", "100.12", "100.12"}},
        {"10.25", "0.5", {"10", "10.5", "10", "10.5", "10.5", "10"}},
        {"10.75", "0.5", {"10.5", "11", "10.5", "11", "11", "11"}},
        {"-10.75", "0.5", {"-10.5", "-11", "-11", "-10.5", "-11", "-11"}},
        {"10.3", "0.5", {"10", "10.5", "10", "10.5", "10.5", "10.5"}},
        {"-10.2", "0.5", {"-10", "-10.5", "-10.5", "-10", "-10", "-10"}},
        {"12.5", "5", {"10", "15", "10", "15", "15", "10"}},
        {"-17.5", "5", {"-15", "-20", "-20", "-15", "-20", "-20"}},
        {"23", "5", {"20", "25", "20", "25", "25", "25"}},
        {"1234.56789", "5", {"1230", "1235", "1230", "1235", "1235", "1235"}},
        {"0.0005", "0.001", {"0", "0.001", "0", "0.001", "0.001", "0"}},
        {"-0.0015", "0.001", {"-0.001", "-0.002", "-0.002", "-0.001", "-0.002", "-0.002"}},
        {"2.123456", "0.001", {"2.123", "2.124", "2.123", "2.124", "2.123", "2.123"}},
        {"-2.1235", "0.001", {"-2.123", "-2.124", "-2.124", "-2.123", "-2.124", "-2.124"}},
        {"7", "0.25", {"7", "7", "7", "7", "7", "7"}},
        {"0", "0.5", {"0", "0", "0", "0", "0", "0"}},
        {"0.000000000000000001", "1000", {"0", "1000", "0", "1000", "0", "0"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t m = 0; m < 6; m++) {
            decimal_t r;
            err_t err = {0};
            int rc = decimal_round_to(D(cases[i].v), D(cases[i].tick), s_modes[m], &r, &err);
            ck_assert_msg(rc == 0, "round_to(%s, %s): %s", cases[i].v, cases[i].tick, err.msg);
            ck_assert_msg(strcmp(T(r), cases[i].expect[m]) == 0, "round_to(%s, %s, %s) = %s, want %s", cases[i].v,
                          cases[i].tick, s_mode_names[m], T(r), cases[i].expect[m]);
            ck_assert(decimal_is_multiple(r, D(cases[i].tick)));
        }
    }
}
END_TEST

START_TEST(round_to_exact_and_errors)
{
    decimal_t r = {7, 3};
    err_t err = {0};
    ck_assert_int_eq(decimal_round_to(D("100.12"), D("0.01"), DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "100.12");
    ck_assert_int_eq(decimal_round_to(D("15"), D("5"), DECIMAL_ROUND_EXACT, &r, NULL), 0);
    ck_assert_dec(r, "15");
    r = (decimal_t){7, 3};
    ck_assert_int_eq(decimal_round_to(D("100.125"), D("0.01"), DECIMAL_ROUND_EXACT, &r, &err), -1);
    ck_assert_int_eq(err.code, XR_PRECISION);
    ck_assert_str_eq(err.msg, "100.125 is not a multiple of 0.01");
    ck_assert(r.mantissa == 7 && r.scale == 3);
    ck_assert_int_eq(decimal_round_to(D("1"), DECIMAL_ZERO, DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_ptr_nonnull(strstr(err.msg, "tick"));
    ck_assert_int_eq(decimal_round_to(D("1"), D("-0.01"), DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    /* 999999999999999999 / 0.4 = 2499999999999999997.5 ticks: either neighbour needs 19 digits */
    ck_assert_int_eq(decimal_round_to(D("999999999999999999"), D("0.4"), DECIMAL_ROUND_DOWN, &r, &err), -1);
    ck_assert_str_eq(err.msg, "overflow");
    ck_assert_int_eq(decimal_round_to(D("999999999999999999"), D("1000"), DECIMAL_ROUND_UP, &r, &err), -1);
    ck_assert_str_eq(err.msg, "overflow");
    ck_assert(r.mantissa == 7 && r.scale == 3);
    ck_assert_int_eq(decimal_round_to(D("999999999999999999"), D("1000"), DECIMAL_ROUND_DOWN, &r, &err), 0);
    ck_assert_dec(r, "999999999999999000");
}
END_TEST

START_TEST(is_multiple_cases)
{
    ck_assert(decimal_is_multiple(D("100.12"), D("0.01")));
    ck_assert(!decimal_is_multiple(D("100.125"), D("0.01")));
    ck_assert(decimal_is_multiple(DECIMAL_ZERO, D("0.01")));
    ck_assert(decimal_is_multiple(DECIMAL_ZERO, D("7")));
    ck_assert(decimal_is_multiple(D("-15"), D("5")));
    ck_assert(!decimal_is_multiple(D("-16"), D("5")));
    ck_assert(decimal_is_multiple(D("15"), D("0.5")));
    ck_assert(!decimal_is_multiple(D("0.5"), D("5")));
    ck_assert(decimal_is_multiple(D("7.5"), D("2.5")));
    ck_assert(!decimal_is_multiple(D("7.6"), D("2.5")));
    ck_assert(decimal_is_multiple(D("999999999999999999"), D("0.000000000000000001")));
    ck_assert(decimal_is_multiple(D("0.999999999999999999"), D("0.000000000000000001")));
    ck_assert(!decimal_is_multiple(D("1"), D("0.000000000000000003"))); /* 10^18 mod 3 = 1 */
    ck_assert(decimal_is_multiple(D("0.3"), D("0.000000000000000003")));
    ck_assert(!decimal_is_multiple(D("1"), DECIMAL_ZERO));
    ck_assert(!decimal_is_multiple(D("1"), D("-1")));
}
END_TEST

START_TEST(int_conversion)
{
    int64_t i = 99;
    ck_assert_int_eq(decimal_to_int(D("2.9"), &i), 0);
    ck_assert_int_eq(i, 2);
    ck_assert_int_eq(decimal_to_int(D("-2.9"), &i), 0);
    ck_assert_int_eq(i, -2);
    ck_assert_int_eq(decimal_to_int(D("0.5"), &i), 0);
    ck_assert_int_eq(i, 0);
    ck_assert_int_eq(decimal_to_int(D("-0.000000000000000001"), &i), 0);
    ck_assert_int_eq(i, 0);
    ck_assert_int_eq(decimal_to_int(D("999999999999999999"), &i), 0);
    ck_assert_int_eq(i, 999999999999999999);
    ck_assert_int_eq(decimal_to_int(D("-12345678901234567.8"), &i), 0);
    ck_assert_int_eq(i, -12345678901234567);
    decimal_t v = decimal_from_int(-999999999999999999);
    ck_assert_int_eq(v.mantissa, -999999999999999999);
    ck_assert_int_eq(v.scale, 0);
    ck_assert_dec(decimal_from_int(0), "0");
}
END_TEST

/* ------------------------------------------------------------------ properties */

/* Deterministic values of every scale and width, from a fixed-seed generator. */
static uint64_t s_next(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return *state >> 11;
}

static decimal_t s_random(uint64_t *state)
{
    static const int64_t p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
                                  10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
                                  1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000};
    unsigned digits = 1 + (unsigned) (s_next(state) % 18);
    int64_t m = (int64_t) (s_next(state) % (uint64_t) p10[digits]);
    if (s_next(state) & 1)
        m = -m;
    decimal_t v = {m, (uint8_t) (s_next(state) % 19)};
    decimal_t n;
    ck_assert_int_eq(decimal_round_scale(v, 18, DECIMAL_ROUND_EXACT, &n, NULL), 0); /* normalises */
    return n;
}

START_TEST(property_roundtrip_and_arithmetic)
{
    uint64_t state = 20261121;
    for (int i = 0; i < 20000; i++) {
        decimal_t a = s_random(&state), b = s_random(&state), r, back;
        char text[DECIMAL_STR_MAX];
        size_t n = decimal_format(a, text, sizeof text);
        ck_assert_int_eq(decimal_parse(text, n, &back, NULL), 0);
        ck_assert(back.mantissa == a.mantissa && back.scale == a.scale);
        /* a - b has the sign of cmp(a, b), and (a + b) - b == a, whenever they fit */
        if (decimal_sub(a, b, &r, NULL) == 0)
            ck_assert_int_eq(decimal_sign(r), decimal_cmp(a, b));
        if (decimal_add(a, b, &r, NULL) == 0) {
            ck_assert_int_eq(decimal_sub(r, b, &back, NULL), 0);
            ck_assert(back.mantissa == a.mantissa && back.scale == a.scale);
        }
        /* a * b exact at scale 18 then / b gives a back when both fit exactly */
        if (decimal_mul(a, b, 18, DECIMAL_ROUND_EXACT, &r, NULL) == 0 && !decimal_is_zero(b)) {
            ck_assert_int_eq(decimal_div(r, b, 18, DECIMAL_ROUND_EXACT, &back, NULL), 0);
            ck_assert(decimal_eq(back, a));
        }
        /* floor <= v <= ceil, both within one tick of v, and on the tick */
        decimal_t tick = decimal_abs(b), lo, hi, d;
        if (!decimal_is_zero(tick) && decimal_round_to(a, tick, DECIMAL_ROUND_FLOOR, &lo, NULL) == 0 &&
            decimal_round_to(a, tick, DECIMAL_ROUND_CEIL, &hi, NULL) == 0) {
            ck_assert_int_le(decimal_cmp(lo, a), 0);
            ck_assert_int_ge(decimal_cmp(hi, a), 0);
            ck_assert(decimal_is_multiple(lo, tick) && decimal_is_multiple(hi, tick));
            ck_assert_int_eq(decimal_sub(hi, lo, &d, NULL), 0);
            ck_assert(decimal_is_zero(d) == decimal_is_multiple(a, tick));
            if (!decimal_is_zero(d))
                ck_assert(decimal_eq(d, tick));
        }
    }
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("decimal");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, parse_accepted_forms);
    tcase_add_test(tc, parse_canonical_value_of_examples);
    tcase_add_test(tc, parse_long_inputs);
    tcase_add_test(tc, parse_refused_forms);
    tcase_add_test(tc, parse_length_bounded);
    tcase_add_test(tc, format_canonical);
    tcase_add_test(tc, format_fixed_scales);
    tcase_add_test(tc, compare_across_scales);
    tcase_add_test(tc, sign_neg_abs_min_max);
    tcase_add_test(tc, add_sub_exact);
    tcase_add_test(tc, add_sub_overflow);
    tcase_add_test(tc, mul_exact_and_rounded);
    tcase_add_test(tc, mul_errors);
    tcase_add_test(tc, div_exact_and_rounded);
    tcase_add_test(tc, div_errors);
    tcase_add_test(tc, round_scale_every_mode);
    tcase_add_test(tc, round_to_tick_every_mode);
    tcase_add_test(tc, round_to_exact_and_errors);
    tcase_add_test(tc, is_multiple_cases);
    tcase_add_test(tc, int_conversion);
    tcase_add_test(tc, property_roundtrip_and_arithmetic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
