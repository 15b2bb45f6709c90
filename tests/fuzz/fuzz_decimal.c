/* fuzz_decimal: arbitrary bytes through decimal_parse, then every operation on what it accepted, checked
 * against invariants rather than against a second implementation:
 *   - an accepted value is normalised, its canonical text parses back to the same value and the same text,
 *     and the plain fast path and the general parser (forced by appending "e0") agree;
 *   - a refusal names a reason and leaves *out untouched;
 *   - if the input holds a '|', both sides are parsed and combined: (a + b) - b == a, sign(a - b) ==
 *     cmp(a, b), mul at any scale and mode equals rounding the exact product, a DOWN quotient q satisfies
 *     |q*b| <= |a| < |(q + ulp)*b|, tick rounding brackets the value with multiples one tick apart.
 * The scale and rounding mode of the checks come from a hash of the input. Must never crash. */
#include "base/decimal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond)                                                                    \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_decimal: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static void s_check_normal(decimal_t v)
{
    FZ_CHECK(v.scale <= DECIMAL_MAX_SCALE);
    FZ_CHECK(v.mantissa > -1000000000000000000LL && v.mantissa < 1000000000000000000LL);
    FZ_CHECK(v.scale == 0 || v.mantissa % 10 != 0);
}

static bool s_same(decimal_t a, decimal_t b)
{
    return a.mantissa == b.mantissa && a.scale == b.scale;
}

/* Parses len bytes; on refusal checks the error contract and returns false. */
static bool s_parse(const char *text, size_t len, decimal_t *out)
{
    err_t err = {XR_OK, ""};
    decimal_t v = {42, 1};
    if (decimal_parse(text, len, &v, &err) != 0) {
        FZ_CHECK(err.code == XR_INVALID_REQUEST && err.msg[0] != '\0');
        FZ_CHECK(v.mantissa == 42 && v.scale == 1);
        return false;
    }
    s_check_normal(v);
    char t1[DECIMAL_STR_MAX], t2[DECIMAL_STR_MAX];
    size_t n1 = decimal_format(v, t1, sizeof t1);
    FZ_CHECK(n1 > 0 && n1 == strlen(t1));
    decimal_t back;
    FZ_CHECK(decimal_parse(t1, n1, &back, NULL) == 0 && s_same(back, v));
    size_t n2 = decimal_format(back, t2, sizeof t2);
    FZ_CHECK(n2 == n1 && memcmp(t1, t2, n1) == 0);
    FZ_CHECK(strchr(t1, 'e') == NULL && strcmp(t1, "-0") != 0);
    *out = v;
    return true;
}

static void s_check_fixed(decimal_t a, uint8_t scale, decimal_round_t mode)
{
    char text[DECIMAL_STR_MAX];
    decimal_t r, back;
    size_t n = decimal_format_fixed(a, scale, mode, text, sizeof text);
    int rc = decimal_round_scale(a, scale, mode, &r, NULL);
    FZ_CHECK((n > 0) == (rc == 0));
    if (rc != 0)
        return;
    s_check_normal(r);
    FZ_CHECK(decimal_parse(text, n, &back, NULL) == 0 && s_same(back, r));
    const char *dot = strchr(text, '.');
    FZ_CHECK(scale == 0 ? dot == NULL : (dot != NULL && strlen(dot + 1) == scale));
}

static void s_check_add(decimal_t a, decimal_t b)
{
    decimal_t sum, diff, back;
    if (decimal_sub(a, b, &diff, NULL) == 0) {
        s_check_normal(diff);
        FZ_CHECK(decimal_sign(diff) == decimal_cmp(a, b));
    }
    FZ_CHECK(decimal_cmp(a, b) == -decimal_cmp(b, a));
    if (decimal_add(a, b, &sum, NULL) == 0) {
        s_check_normal(sum);
        FZ_CHECK(decimal_sub(sum, b, &back, NULL) == 0 && s_same(back, a));
        decimal_t other;
        FZ_CHECK(decimal_add(b, a, &other, NULL) == 0 && s_same(other, sum));
    }
}

static void s_check_mul(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode)
{
    decimal_t exact, r, back;
    err_t err;
    int rc = decimal_mul(a, b, scale, mode, &r, &err);
    if (rc == 0)
        s_check_normal(r);
    else
        FZ_CHECK(err.msg[0] != '\0');
    if (decimal_mul(a, b, DECIMAL_MAX_SCALE, DECIMAL_ROUND_EXACT, &exact, NULL) != 0)
        return;
    decimal_t rounded;
    FZ_CHECK(decimal_round_scale(exact, scale, mode, &rounded, NULL) == rc);
    if (rc == 0)
        FZ_CHECK(s_same(r, rounded));
    if (!decimal_is_zero(b)) {
        FZ_CHECK(decimal_div(exact, b, DECIMAL_MAX_SCALE, DECIMAL_ROUND_EXACT, &back, NULL) == 0);
        FZ_CHECK(s_same(back, a));
    }
}

static void s_check_div(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode)
{
    decimal_t q;
    err_t err;
    if (decimal_is_zero(b)) {
        FZ_CHECK(decimal_div(a, b, scale, mode, &q, &err) == -1 && err.code == XR_INVALID_REQUEST);
        return;
    }
    if (decimal_div(a, b, scale, mode, &q, NULL) == 0)
        s_check_normal(q);
    if (decimal_div(a, b, scale, DECIMAL_ROUND_DOWN, &q, NULL) != 0)
        return;
    /* |q| * |b| <= |a| < (|q| + 10^-scale) * |b| whenever the products fit */
    decimal_t qa = decimal_abs(q), ba = decimal_abs(b), aa = decimal_abs(a), ulp = {1, scale}, p, next;
    if (decimal_mul(qa, ba, DECIMAL_MAX_SCALE, DECIMAL_ROUND_EXACT, &p, NULL) == 0)
        FZ_CHECK(decimal_cmp(p, aa) <= 0);
    if (decimal_add(qa, ulp, &next, NULL) == 0 &&
        decimal_mul(next, ba, DECIMAL_MAX_SCALE, DECIMAL_ROUND_EXACT, &p, NULL) == 0)
        FZ_CHECK(decimal_cmp(p, aa) > 0);
}

static void s_check_tick(decimal_t a, decimal_t b, decimal_round_t mode)
{
    decimal_t tick = decimal_abs(b), lo, hi, r, d;
    if (decimal_is_zero(tick)) {
        FZ_CHECK(!decimal_is_multiple(a, tick));
        FZ_CHECK(decimal_round_to(a, tick, mode, &r, NULL) == -1);
        return;
    }
    bool multiple = decimal_is_multiple(a, tick);
    FZ_CHECK((decimal_round_to(a, tick, DECIMAL_ROUND_EXACT, &r, NULL) == 0) == multiple);
    if (decimal_round_to(a, tick, mode, &r, NULL) == 0) {
        s_check_normal(r);
        FZ_CHECK(decimal_is_multiple(r, tick));
    }
    if (decimal_round_to(a, tick, DECIMAL_ROUND_FLOOR, &lo, NULL) != 0 ||
        decimal_round_to(a, tick, DECIMAL_ROUND_CEIL, &hi, NULL) != 0)
        return;
    FZ_CHECK(decimal_cmp(lo, a) <= 0 && decimal_cmp(a, hi) <= 0);
    FZ_CHECK(decimal_is_multiple(lo, tick) && decimal_is_multiple(hi, tick));
    FZ_CHECK(decimal_sub(hi, lo, &d, NULL) == 0);
    FZ_CHECK(multiple ? decimal_is_zero(d) : decimal_eq(d, tick));
}

/* Appending "e0" to a text without an exponent changes nothing but sends it down the general parser
 * instead of the plain fast path: both must agree on acceptance and value. */
static void s_check_general_path(const char *text, size_t size, bool ok, decimal_t v)
{
    if (size > 64 || memchr(text, 'e', size) || memchr(text, 'E', size))
        return;
    char buf[72];
    memcpy(buf, text, size);
    memcpy(buf + size, "e0", 2);
    decimal_t w;
    int rc = decimal_parse(buf, size + 2, &w, NULL);
    FZ_CHECK((rc == 0) == ok);
    if (ok)
        FZ_CHECK(s_same(v, w));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    uint8_t scale = (uint8_t) (h % 19);
    decimal_round_t mode = (decimal_round_t) ((h / 19) % 7);

    decimal_t a = DECIMAL_ZERO, b;
    bool ok = s_parse(text, size, &a);
    if (ok)
        s_check_fixed(a, scale, mode);
    s_check_general_path(text, size, ok, a);
    const char *bar = size ? memchr(text, '|', size) : NULL;
    if (!bar)
        return 0;
    size_t la = (size_t) (bar - text);
    if (!s_parse(text, la, &a) || !s_parse(bar + 1, size - la - 1, &b))
        return 0;
    s_check_fixed(a, scale, mode);
    s_check_add(a, b);
    s_check_mul(a, b, scale, mode);
    s_check_div(a, b, scale, mode);
    s_check_tick(a, b, mode);
    return 0;
}
