/* err: unified error codes and the err_t helper. */
#include "err.h"

#include <stdio.h>
#include <string.h>

static const char *const s_names[XR_CODE_COUNT_] = {
    [XR_OK] = "OK",
    [XR_INVALID_REQUEST] = "INVALID_REQUEST",
    [XR_UNKNOWN_SYMBOL] = "UNKNOWN_SYMBOL",
    [XR_NO_ROUTE] = "NO_ROUTE",
    [XR_PRECISION] = "PRECISION",
    [XR_MIN_NOTIONAL] = "MIN_NOTIONAL",
    [XR_INSUFFICIENT_BALANCE] = "INSUFFICIENT_BALANCE",
    [XR_ORDER_NOT_FOUND] = "ORDER_NOT_FOUND",
    [XR_DUPLICATE_ORDER] = "DUPLICATE_ORDER",
    [XR_RATE_LIMITED] = "RATE_LIMITED",
    [XR_AUTH] = "AUTH",
    [XR_CLOCK_SKEW] = "CLOCK_SKEW",
    [XR_RISK_REJECTED] = "RISK_REJECTED",
    [XR_VENUE_UNAVAILABLE] = "VENUE_UNAVAILABLE",
    [XR_TIMEOUT] = "TIMEOUT",
    [XR_UNSUPPORTED] = "UNSUPPORTED",
    [XR_VENUE_REJECTED] = "VENUE_REJECTED",
    [XR_INTERNAL] = "INTERNAL",
};

const char *xr_code_name(xr_code_t code)
{
    if ((int) code < 0 || code >= XR_CODE_COUNT_)
        return "INTERNAL";
    return s_names[code];
}

int xr_code_parse(const char *name, xr_code_t *out)
{
    if (!name)
        return -1;
    for (int i = 0; i < XR_CODE_COUNT_; i++) {
        if (strcmp(s_names[i], name) == 0) {
            *out = (xr_code_t) i;
            return 0;
        }
    }
    return -1;
}

int err_setv(err_t *err, xr_code_t code, const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return -1;
}

int err_set(err_t *err, xr_code_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

void err_clear(err_t *err)
{
    if (!err)
        return;
    err->code = XR_OK;
    err->msg[0] = '\0';
}
