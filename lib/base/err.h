/* err: the unified error codes of xroute (../shared/model.md "Errors") and a small error struct
 * that callers pass down when they need to know why something failed (STYLE rule 6).
 * The codes travel on the wire by name (proto/README.md); the numeric values are internal only. */
#ifndef XR_BASE_ERR_H
#define XR_BASE_ERR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum {
    XR_OK = 0,                /* no error */
    XR_INVALID_REQUEST,       /* malformed or incomplete request, bad input of any kind */
    XR_UNKNOWN_SYMBOL,        /* symbol not listed by the venue or not in our instrument table */
    XR_NO_ROUTE,              /* routing table has no venue for the symbol */
    XR_PRECISION,             /* price or quantity not a multiple of tick/step, or outside min/max */
    XR_MIN_NOTIONAL,          /* price * quantity below the instrument's minimum */
    XR_INSUFFICIENT_BALANCE,  /* venue says margin or balance is not enough */
    XR_ORDER_NOT_FOUND,       /* no such order at the venue */
    XR_DUPLICATE_ORDER,       /* client order id already used */
    XR_RATE_LIMITED,          /* rate limit hit; retry-after is carried beside the code */
    XR_AUTH,                  /* bad key, signature or permission */
    XR_CLOCK_SKEW,            /* timestamp outside the venue's window */
    XR_RISK_REJECTED,         /* our own pre-trade limits refused it */
    XR_VENUE_UNAVAILABLE,     /* no worker, circuit open, venue down */
    XR_TIMEOUT,               /* outcome unknown */
    XR_UNSUPPORTED,           /* the venue cannot do this; the message says why */
    XR_VENUE_REJECTED,        /* anything else the venue refused */
    XR_INTERNAL,              /* our own failure */
    XR_CODE_COUNT_            /* number of codes; not a code */
} xr_code_t;

#define ERR_MSG_MAX 256

typedef struct {
    xr_code_t code;         /* XR_OK when no error */
    char msg[ERR_MSG_MAX];  /* human-readable reason, NUL-terminated, never holds a secret */
} err_t;

/* Wire name of a code ("INVALID_REQUEST"); "INTERNAL" for out-of-range values. Borrowed static string. */
const char *xr_code_name(xr_code_t code);

/* Parses a wire name into *out. Returns 0, or -1 if the name is not a known code. */
int xr_code_parse(const char *name, xr_code_t *out);

/* Sets err (which may be NULL) to code and a printf-style message, truncated to fit. Returns -1 so that
 * callers can write `return err_set(err, ...)`. */
int err_set(err_t *err, xr_code_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int err_setv(err_t *err, xr_code_t code, const char *fmt, va_list ap);

/* Resets err (may be NULL) to XR_OK with an empty message. */
void err_clear(err_t *err);

#endif
