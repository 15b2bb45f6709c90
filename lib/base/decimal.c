/* decimal: exact fixed-point decimals (see decimal.h for the text rules and the value contract).
 * Every value is mantissa / 10^scale with |mantissa| < 10^18. Results are computed exactly in 128-bit
 * integers (two 18-digit mantissas multiply to at most 36 digits, 10^38 still fits), rounded only where the
 * caller named a rounding mode, normalised, and refused with an error when they do not fit 18 digits.
 * Inputs built by hand need not be normalised, but must respect the ranges (asserted); outputs always are.
 * Parse, format, compare and same-scale add stay in 64-bit arithmetic and never allocate: they sit on the
 * hot path of order validation and of the simulator's matching engine. */
#include "decimal.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

#define S_LIMIT 1000000000000000000LL /* 10^18: every |mantissa| is below it */

static const uint64_t s_p10[20] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
    10000000000000000000ULL,
};

/* 10^n for n <= 38 (the largest power of ten below 2^128). */
static inline u128 s_pow10(unsigned n)
{
    assert(n <= 38);
    return n < 20 ? (u128) s_p10[n] : (u128) s_p10[19] * s_p10[n - 19];
}

/* A decimal_t that breaks the ranges is a bug of ours (values only come from this module or literals). */
static inline void s_check(decimal_t v)
{
    assert(v.scale <= DECIMAL_MAX_SCALE);
    assert(v.mantissa > -S_LIMIT && v.mantissa < S_LIMIT);
    (void) v;
}

static inline uint64_t s_abs(int64_t m)
{
    return m < 0 ? (uint64_t) 0 - (uint64_t) m : (uint64_t) m;
}

/* q = n / d, r = n % d, in 64-bit instructions whenever both fit (128-bit division is a library call). */
static inline void s_divmod(u128 n, u128 d, u128 *q, u128 *r)
{
    if ((n >> 64) == 0 && (d >> 64) == 0) {
        uint64_t n64 = (uint64_t) n, d64 = (uint64_t) d;
        *q = n64 / d64;
        *r = n64 % d64;
    } else {
        *q = n / d;
        *r = n % d;
    }
}

/* Builds the normalised value (neg ? -1 : 1) * mag / 10^scale into *out: strips trailing zeros of the
 * fraction, then refuses a magnitude that still needs more than 18 digits. *out is untouched on failure. */
static int s_make(bool neg, u128 mag, unsigned scale, decimal_t *out, err_t *err)
{
    if (mag == 0) {
        *out = DECIMAL_ZERO;
        return 0;
    }
    while (scale > 0 && (mag >> 64) != 0 && mag % 10 == 0) {
        mag /= 10;
        scale--;
    }
    if ((mag >> 64) != 0)
        return err_set(err, XR_INVALID_REQUEST, "overflow");
    uint64_t m = (uint64_t) mag;
    while (scale > 0 && m % 10 == 0) {
        m /= 10;
        scale--;
    }
    if (m >= (uint64_t) S_LIMIT)
        return err_set(err, XR_INVALID_REQUEST, "overflow");
    out->mantissa = neg ? -(int64_t) m : (int64_t) m;
    out->scale = (uint8_t) scale;
    return 0;
}

/* Rounds the magnitude quotient *q of a division whose remainder is rem (0 <= rem < den) by mode, for a
 * result of sign neg. Returns -1 only under DECIMAL_ROUND_EXACT with a non-zero remainder. */
static int s_round(u128 *q, u128 rem, u128 den, bool neg, decimal_round_t mode)
{
    if (rem == 0)
        return 0;
    bool up;
    u128 rest = den - rem; /* rem vs rest compares rem with den / 2 without overflow */
    switch (mode) {
    case DECIMAL_ROUND_DOWN:
        up = false;
        break;
    case DECIMAL_ROUND_UP:
        up = true;
        break;
    case DECIMAL_ROUND_FLOOR:
        up = neg;
        break;
    case DECIMAL_ROUND_CEIL:
        up = !neg;
        break;
    case DECIMAL_ROUND_HALF_UP:
        up = rem >= rest;
        break;
    case DECIMAL_ROUND_HALF_EVEN:
        up = rem > rest || (rem == rest && (*q & 1) != 0);
        break;
    case DECIMAL_ROUND_EXACT:
        return -1;
    default:
        assert(!"unknown decimal rounding mode");
        return -1;
    }
    *q += up;
    return 0;
}

static int s_scale_error(err_t *err, unsigned scale)
{
    return err_set(err, XR_INVALID_REQUEST, "scale %u out of range 0..%d", scale, DECIMAL_MAX_SCALE);
}

decimal_t decimal_from_int(int64_t v)
{
    assert(v > -S_LIMIT && v < S_LIMIT);
    return (decimal_t){v, 0};
}

/* ---------------------------------------------------------------- parsing */

/* Reports a refused text as `invalid decimal "<text>": <reason>`, quoting at most 32 bytes of the input
 * with non-printable bytes shown as '?'. Skips all formatting when nobody asked for the reason. */
static int s_parse_fail(err_t *err, const char *text, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_parse_fail(err_t *err, const char *text, size_t len, const char *fmt, ...)
{
    if (!err)
        return -1;
    char shown[40];
    size_t n = len < 32 ? len : 32;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) text[i];
        shown[i] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
    }
    shown[n] = '\0';
    char reason[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return err_set(err, XR_INVALID_REQUEST, "invalid decimal \"%s%s\": %s", shown, len > n ? "..." : "", reason);
}

/* Digits of the text folded into a value: sig counts significant digits (from the first non-zero one),
 * zeros the run of zeros after the last non-zero digit, which stays pending until another non-zero digit
 * shows it was significant. Only the first 18 significant digits are accumulated; more is an overflow. */
typedef struct {
    uint64_t digits;  /* significant digits without the pending zeros, while sig <= 18 */
    size_t sig;       /* significant digits seen, pending zeros excluded */
    size_t zeros;     /* zeros since the last non-zero digit */
} s_acc_t;

static inline const unsigned char *s_scan(const unsigned char *p, const unsigned char *end, s_acc_t *acc)
{
    for (; p < end; p++) {
        unsigned d = (unsigned) *p - '0';
        if (d > 9)
            break;
        if (d == 0) {
            acc->zeros += acc->sig != 0;
            continue;
        }
        size_t grow = acc->zeros + 1;
        if (acc->sig + grow <= DECIMAL_MAX_DIGITS)
            acc->digits = acc->digits * s_p10[grow] + d;
        acc->sig += grow;
        acc->zeros = 0;
    }
    return p;
}

/* The common plain form "[-]digits[.digits]" with at most 19 characters after the sign, in one pass.
 * Returns false, writing nothing, for anything else (exponents, long or malformed texts, overflow): the
 * general path then decides, with the reason. */
static inline bool s_parse_plain(const unsigned char *p, const unsigned char *end, decimal_t *out)
{
    bool neg = *p == '-';
    p += neg;
    if (end - p > DECIMAL_MAX_DIGITS + 1) /* 19 digits still fit uint64; the range check is below */
        return false;
    const unsigned char *mark = p;
    uint64_t m = 0;
    for (; p < end && (unsigned) *p - '0' <= 9; p++)
        m = m * 10 + (*p - '0');
    if (p == mark)
        return false;
    unsigned scale = 0;
    if (p < end) {
        if (*p != '.')
            return false;
        mark = ++p;
        for (; p < end && (unsigned) *p - '0' <= 9; p++)
            m = m * 10 + (*p - '0');
        if (p == mark || p != end)
            return false;
        scale = (unsigned) (p - mark);
    }
    if (m >= (uint64_t) S_LIMIT)
        return false;
    while (scale > 0 && m % 10 == 0) {
        m /= 10;
        scale--;
    }
    out->mantissa = neg ? -(int64_t) m : (int64_t) m;
    out->scale = (uint8_t) (m ? scale : 0);
    return true;
}

/* Parses the exponent digits at p (after 'e' and its sign) into *exp, stopping growth past 64 so that any
 * length is safe. Returns the end of the digits. */
static const unsigned char *s_scan_exponent(const unsigned char *p, const unsigned char *end, int64_t *exp)
{
    int64_t e = 0;
    for (; p < end && (unsigned) *p - '0' <= 9; p++) {
        if (e <= 64)
            e = e * 10 + (*p - '0');
    }
    *exp = e;
    return p;
}

/* Builds the value digits * 10^e of acc.sig significant digits, or explains why it does not fit. */
static int s_parse_value(const char *text, size_t len, bool neg, const s_acc_t *acc, int64_t e, decimal_t *out,
                         err_t *err)
{
    int64_t m;
    uint8_t scale = 0;
    if (acc->sig == 0) {
        *out = DECIMAL_ZERO;
        return 0;
    }
    if (e >= 0) {
        if ((int64_t) acc->sig + e > DECIMAL_MAX_DIGITS)
            return s_parse_fail(err, text, len, "overflow: more than %d significant digits", DECIMAL_MAX_DIGITS);
        m = (int64_t) (acc->digits * s_p10[e]);
    } else {
        if (-e > DECIMAL_MAX_SCALE)
            return s_parse_fail(err, text, len, "too many decimals (at most %d)", DECIMAL_MAX_SCALE);
        if (acc->sig > DECIMAL_MAX_DIGITS)
            return s_parse_fail(err, text, len, "overflow: more than %d significant digits", DECIMAL_MAX_DIGITS);
        m = (int64_t) acc->digits;
        scale = (uint8_t) -e;
    }
    out->mantissa = neg ? -m : m;
    out->scale = scale;
    return 0;
}

int decimal_parse(const char *text, size_t len, decimal_t *out, err_t *err)
{
    assert(out);
    assert(text || len == 0);
    if (len == 0)
        return s_parse_fail(err, "", 0, "empty");
    const unsigned char *start = (const unsigned char *) text;
    const unsigned char *p = start, *end = start + len, *mark;
    if (s_parse_plain(p, end, out))
        return 0;
    bool neg = *p == '-';
    p += neg;
    s_acc_t acc = {0, 0, 0};
    mark = p;
    p = s_scan(p, end, &acc);
    if (p == mark)
        return s_parse_fail(err, text, len, "expected a digit at offset %zu", (size_t) (p - start));
    size_t nfrac = 0;
    if (p < end && *p == '.') {
        mark = ++p;
        p = s_scan(p, end, &acc);
        nfrac = (size_t) (p - mark);
        if (nfrac == 0)
            return s_parse_fail(err, text, len, "expected a digit at offset %zu", (size_t) (p - start));
    }
    int64_t exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = p < end && *p == '-';
        p += p < end && (*p == '-' || *p == '+');
        mark = p;
        p = s_scan_exponent(p, end, &exp);
        if (p == mark)
            return s_parse_fail(err, text, len, "expected a digit at offset %zu", (size_t) (p - start));
        if (exp > 64)
            return s_parse_fail(err, text, len, "exponent out of range -64..64");
        exp = eneg ? -exp : exp;
    }
    if (p != end)
        return s_parse_fail(err, text, len, "unexpected character at offset %zu", (size_t) (p - start));
    /* the digits' trailing zeros fold into the exponent */
    return s_parse_value(text, len, neg, &acc, exp - (int64_t) nfrac + (int64_t) acc.zeros, out, err);
}

int decimal_from_str(const char *text, decimal_t *out, err_t *err)
{
    if (!text)
        return err_set(err, XR_INVALID_REQUEST, "invalid decimal: missing value");
    return decimal_parse(text, strlen(text), out, err);
}

/* ---------------------------------------------------------------- formatting */

/* Writes sign, mag with frac fraction digits, then pad more zero decimals, into out. Returns the length,
 * or 0 with out = "" when cap is too small. */
static size_t s_write(bool neg, uint64_t mag, unsigned frac, unsigned pad, char *out, size_t cap)
{
    char tmp[DECIMAL_STR_MAX + DECIMAL_MAX_SCALE];
    char *end = tmp + sizeof tmp, *p = end;
    for (unsigned i = 0; i < pad; i++)
        *--p = '0';
    for (unsigned i = 0; i < frac; i++) {
        *--p = (char) ('0' + mag % 10);
        mag /= 10;
    }
    if (frac + pad > 0)
        *--p = '.';
    do {
        *--p = (char) ('0' + mag % 10);
        mag /= 10;
    } while (mag);
    if (neg)
        *--p = '-';
    size_t n = (size_t) (end - p);
    if (n >= cap) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return n;
}

size_t decimal_format(decimal_t v, char *out, size_t cap)
{
    s_check(v);
    assert(out || cap == 0);
    uint64_t mag = s_abs(v.mantissa);
    unsigned scale = v.scale;
    while (scale > 0 && mag % 10 == 0) { /* only values built by hand are not normalised */
        mag /= 10;
        scale--;
    }
    return s_write(v.mantissa < 0, mag, mag ? scale : 0, 0, out, cap);
}

size_t decimal_format_fixed(decimal_t v, uint8_t scale, decimal_round_t mode, char *out, size_t cap)
{
    s_check(v);
    assert(out || cap == 0);
    decimal_t r;
    if (scale > DECIMAL_MAX_SCALE || decimal_round_scale(v, scale, mode, &r, NULL) != 0) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    return s_write(r.mantissa < 0, s_abs(r.mantissa), r.scale, scale - r.scale, out, cap);
}

/* ---------------------------------------------------------------- comparison */

int decimal_cmp(decimal_t a, decimal_t b)
{
    s_check(a);
    s_check(b);
    if (a.scale == b.scale)
        return (a.mantissa > b.mantissa) - (a.mantissa < b.mantissa);
    unsigned s = a.scale > b.scale ? a.scale : b.scale;
    i128 x = (i128) a.mantissa * (int64_t) s_p10[s - a.scale];
    i128 y = (i128) b.mantissa * (int64_t) s_p10[s - b.scale];
    return (x > y) - (x < y);
}

bool decimal_eq(decimal_t a, decimal_t b)
{
    return decimal_cmp(a, b) == 0;
}

bool decimal_is_zero(decimal_t v)
{
    s_check(v);
    return v.mantissa == 0;
}

int decimal_sign(decimal_t v)
{
    s_check(v);
    return (v.mantissa > 0) - (v.mantissa < 0);
}

decimal_t decimal_neg(decimal_t v)
{
    s_check(v);
    return (decimal_t){-v.mantissa, v.mantissa ? v.scale : 0};
}

decimal_t decimal_abs(decimal_t v)
{
    return v.mantissa < 0 ? decimal_neg(v) : v;
}

decimal_t decimal_min(decimal_t a, decimal_t b)
{
    return decimal_cmp(a, b) <= 0 ? a : b;
}

decimal_t decimal_max(decimal_t a, decimal_t b)
{
    return decimal_cmp(a, b) >= 0 ? a : b;
}

/* ---------------------------------------------------------------- arithmetic */

static int s_add(int64_t ma, unsigned sa, int64_t mb, unsigned sb, decimal_t *out, err_t *err)
{
    if (sa == sb) { /* |ma + mb| < 2 * 10^18 fits int64 */
        int64_t sum = ma + mb;
        return s_make(sum < 0, s_abs(sum), sa, out, err);
    }
    unsigned s = sa > sb ? sa : sb;
    i128 sum = (i128) ma * (int64_t) s_p10[s - sa] + (i128) mb * (int64_t) s_p10[s - sb];
    return s_make(sum < 0, sum < 0 ? (u128) -sum : (u128) sum, s, out, err);
}

int decimal_add(decimal_t a, decimal_t b, decimal_t *out, err_t *err)
{
    s_check(a);
    s_check(b);
    assert(out);
    return s_add(a.mantissa, a.scale, b.mantissa, b.scale, out, err);
}

int decimal_sub(decimal_t a, decimal_t b, decimal_t *out, err_t *err)
{
    s_check(a);
    s_check(b);
    assert(out);
    return s_add(a.mantissa, a.scale, -b.mantissa, b.scale, out, err);
}

int decimal_mul(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode, decimal_t *out, err_t *err)
{
    s_check(a);
    s_check(b);
    assert(out);
    if (scale > DECIMAL_MAX_SCALE)
        return s_scale_error(err, scale);
    bool neg = (a.mantissa < 0) != (b.mantissa < 0);
    u128 p = (u128) s_abs(a.mantissa) * s_abs(b.mantissa); /* < 10^36 */
    unsigned sp = (unsigned) a.scale + b.scale;
    if (sp <= scale)
        return s_make(neg, p, sp, out, err);
    u128 den = s_pow10(sp - scale), q, rem;
    s_divmod(p, den, &q, &rem);
    if (s_round(&q, rem, den, neg, mode) != 0)
        return err_set(err, XR_PRECISION, "product needs more than %u decimals", scale);
    return s_make(neg, q, scale, out, err);
}

int decimal_div(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode, decimal_t *out, err_t *err)
{
    s_check(a);
    s_check(b);
    assert(out);
    if (scale > DECIMAL_MAX_SCALE)
        return s_scale_error(err, scale);
    if (b.mantissa == 0)
        return err_set(err, XR_INVALID_REQUEST, "division by zero");
    bool neg = (a.mantissa < 0) != (b.mantissa < 0);
    uint64_t na = s_abs(a.mantissa), nb = s_abs(b.mantissa);
    /* The result at `scale` is q = na * 10^k / nb, with k in -18..36. */
    int k = (int) scale + b.scale - a.scale;
    u128 q, rem, den;
    if (k <= 0) {
        den = (u128) nb * s_pow10((unsigned) -k); /* < 10^36 */
        s_divmod(na, den, &q, &rem);
    } else if (k <= 20) {
        den = nb;
        s_divmod((u128) na * s_pow10((unsigned) k), den, &q, &rem); /* < 10^38 */
    } else {
        /* na * 10^k could pass 2^128: divide by 10^20 first, then bring down the last k - 20 digits.
         * A first quotient so large that q >= 10^36 means |a / b| >= 10^18: an overflow whatever the scale. */
        unsigned k2 = (unsigned) k - 20;
        u128 q1, r1, q2;
        den = nb;
        s_divmod((u128) na * s_pow10(20), den, &q1, &r1);
        if (q1 >= s_pow10(36 - k2))
            return err_set(err, XR_INVALID_REQUEST, "overflow");
        s_divmod(r1 * s_pow10(k2), den, &q2, &rem); /* r1 < 10^18, k2 <= 16 */
        q = q1 * s_pow10(k2) + q2;
    }
    if (s_round(&q, rem, den, neg, mode) != 0)
        return err_set(err, XR_PRECISION, "quotient needs more than %u decimals", scale);
    return s_make(neg, q, scale, out, err);
}

int decimal_round_scale(decimal_t v, uint8_t scale, decimal_round_t mode, decimal_t *out, err_t *err)
{
    s_check(v);
    assert(out);
    if (scale > DECIMAL_MAX_SCALE)
        return s_scale_error(err, scale);
    bool neg = v.mantissa < 0;
    uint64_t mag = s_abs(v.mantissa);
    if (v.scale <= scale)
        return s_make(neg, mag, v.scale, out, err);
    uint64_t den = s_p10[v.scale - scale];
    u128 q = mag / den;
    if (s_round(&q, mag % den, den, neg, mode) != 0) {
        if (err) {
            char text[DECIMAL_STR_MAX];
            decimal_format(v, text, sizeof text);
            err_set(err, XR_PRECISION, "%s has more than %u decimals", text, scale);
        }
        return -1;
    }
    return s_make(neg, q, scale, out, err);
}

int decimal_round_to(decimal_t v, decimal_t tick, decimal_round_t mode, decimal_t *out, err_t *err)
{
    s_check(v);
    s_check(tick);
    assert(out);
    if (tick.mantissa <= 0)
        return err_set(err, XR_INVALID_REQUEST, "tick must be positive");
    bool neg = v.mantissa < 0;
    unsigned s = v.scale > tick.scale ? v.scale : tick.scale;
    u128 val = (u128) s_abs(v.mantissa) * s_p10[s - v.scale];
    u128 t = (u128) (uint64_t) tick.mantissa * s_p10[s - tick.scale];
    u128 q, rem;
    s_divmod(val, t, &q, &rem);
    if (s_round(&q, rem, t, neg, mode) != 0) {
        if (err) {
            char vt[DECIMAL_STR_MAX], tt[DECIMAL_STR_MAX];
            decimal_format(v, vt, sizeof vt);
            decimal_format(tick, tt, sizeof tt);
            err_set(err, XR_PRECISION, "%s is not a multiple of %s", vt, tt);
        }
        return -1;
    }
    return s_make(neg, q * t, s, out, err); /* q * t <= val + t < 2 * 10^36 */
}

bool decimal_is_multiple(decimal_t v, decimal_t tick)
{
    s_check(v);
    s_check(tick);
    if (tick.mantissa <= 0)
        return false;
    unsigned s = v.scale > tick.scale ? v.scale : tick.scale;
    u128 val = (u128) s_abs(v.mantissa) * s_p10[s - v.scale];
    u128 t = (u128) (uint64_t) tick.mantissa * s_p10[s - tick.scale];
    u128 q, rem;
    s_divmod(val, t, &q, &rem);
    return rem == 0;
}

int decimal_to_int(decimal_t v, int64_t *out)
{
    s_check(v);
    assert(out);
    *out = v.mantissa / (int64_t) s_p10[v.scale]; /* truncates toward zero; always fits */
    return 0;
}
