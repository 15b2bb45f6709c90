/* decimal: exact fixed-point decimals for prices, quantities, fees and PnL (STYLE rule 20).
 * A value is mantissa / 10^scale with a signed 64-bit mantissa and a scale of 0..18, so any value with up to
 * 18 significant digits is exact, with up to 18 digits after the point. No float or double anywhere.
 *
 * Text rules (decimal_parse), every outcome defined and tested:
 *   accepted  "123", "-0.5", "0.10000", "1e-8", "1.5E+3", "-0" (is zero), "00012.5" (leading zeros),
 *             "2000.10" (equals "2000.1"), and inputs of any length whose significant digits fit: trailing zeros
 *             after the point and leading zeros are not significant
 *   refused   "" (empty), " 1" / "1 " (stray spaces), "+1", ".5", "5.", "1..2", "1e", "0x10", "NaN", "inf",
 *             "1,5", anything with more than 18 significant digits or more than 18 decimals after
 *             normalisation (XR_INVALID_REQUEST "overflow" / "too many decimals"), exponents beyond +-64
 * Values are kept normalised: no trailing zeros in the fraction (scale is the smallest that holds the value),
 * and zero is {0, 0}. Canonical text (decimal_format) is the shortest exact plain form: "2000.1", "-0.5",
 * "0", "100"; never an exponent, never "-0".
 * Arithmetic reports overflow as an error, never wraps or saturates silently. Rounding is always explicit. */
#ifndef XR_BASE_DECIMAL_H
#define XR_BASE_DECIMAL_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DECIMAL_MAX_SCALE 18
#define DECIMAL_MAX_DIGITS 18
/* Enough for "-" + 18 digits + "0." + 18 zeros + NUL, with margin. */
#define DECIMAL_STR_MAX 48

typedef struct {
    int64_t mantissa;  /* signed digits; |mantissa| < 10^18 */
    uint8_t scale;     /* digits after the point, 0..18 */
} decimal_t;

typedef enum {
    DECIMAL_ROUND_DOWN = 0,   /* toward zero */
    DECIMAL_ROUND_UP,         /* away from zero */
    DECIMAL_ROUND_FLOOR,      /* toward negative infinity */
    DECIMAL_ROUND_CEIL,       /* toward positive infinity */
    DECIMAL_ROUND_HALF_UP,    /* nearest; ties away from zero */
    DECIMAL_ROUND_HALF_EVEN,  /* nearest; ties to even */
    DECIMAL_ROUND_EXACT       /* refuse (XR_PRECISION) if any digit would be lost */
} decimal_round_t;

/* Zero and small integers. */
#define DECIMAL_ZERO ((decimal_t){0, 0})
decimal_t decimal_from_int(int64_t v); /* |v| must be < 10^18 (asserted) */

/* Parses len bytes of text (need not be NUL-terminated) by the rules above. Returns 0 and sets *out, or -1
 * with err (may be NULL) set to XR_INVALID_REQUEST and the reason; *out is untouched on failure. */
int decimal_parse(const char *text, size_t len, decimal_t *out, err_t *err);

/* decimal_parse of a NUL-terminated string. */
int decimal_from_str(const char *text, decimal_t *out, err_t *err);

/* Writes canonical text into out (cap >= DECIMAL_STR_MAX is always enough). Returns the length, or 0 if
 * cap is too small (out then holds ""). */
size_t decimal_format(decimal_t v, char *out, size_t cap);

/* Writes text with exactly `scale` decimals ("2000.10" for scale 2), rounding by mode. 0 on failure
 * (too small a buffer, or XR_PRECISION under DECIMAL_ROUND_EXACT). */
size_t decimal_format_fixed(decimal_t v, uint8_t scale, decimal_round_t mode, char *out, size_t cap);

/* -1, 0, 1 as a < b, a == b, a > b; exact across scales. */
int decimal_cmp(decimal_t a, decimal_t b);
bool decimal_eq(decimal_t a, decimal_t b);
bool decimal_is_zero(decimal_t v);
int decimal_sign(decimal_t v); /* -1, 0, 1 */
decimal_t decimal_neg(decimal_t v);
decimal_t decimal_abs(decimal_t v);
decimal_t decimal_min(decimal_t a, decimal_t b);
decimal_t decimal_max(decimal_t a, decimal_t b);

/* out = a + b, a - b: exact. Return 0, or -1 (XR_INVALID_REQUEST "overflow") when the exact result does not
 * fit 18 digits; *out is untouched on failure. err may be NULL. */
int decimal_add(decimal_t a, decimal_t b, decimal_t *out, err_t *err);
int decimal_sub(decimal_t a, decimal_t b, decimal_t *out, err_t *err);

/* out = a * b, a / b, rounded to `scale` decimals (0..18) by mode, then normalised. -1 on overflow,
 * division by zero, or an inexact result under DECIMAL_ROUND_EXACT (XR_PRECISION). */
int decimal_mul(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode, decimal_t *out, err_t *err);
int decimal_div(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode, decimal_t *out, err_t *err);

/* Rounds v to a multiple of tick (> 0) by mode (DOWN, UP, FLOOR, CEIL, HALF_UP, HALF_EVEN; EXACT refuses a
 * v that is not a multiple). Returns 0 or -1 (bad tick, overflow, XR_PRECISION under EXACT). */
int decimal_round_to(decimal_t v, decimal_t tick, decimal_round_t mode, decimal_t *out, err_t *err);

/* Rounds v to `scale` decimals by mode. Same return as decimal_round_to. */
int decimal_round_scale(decimal_t v, uint8_t scale, decimal_round_t mode, decimal_t *out, err_t *err);

/* True if v is an exact multiple of tick (tick > 0; zero is a multiple of every tick). */
bool decimal_is_multiple(decimal_t v, decimal_t tick);

/* Integer part toward zero into *out if it fits int64. Returns 0 or -1. */
int decimal_to_int(decimal_t v, int64_t *out);

#endif
