/* adapter: the helpers every adapter hook uses (failing, result arrays, header lookup, symbol mapping) and
 * the operation names. */
#include "adapter.h"

#include "base/mem.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const s_op_names[VENUE_OP_COUNT_] = {
    "place_order", "cancel_order", "cancel_all", "get_order",    "get_open_orders", "get_positions",
    "get_balances", "get_ticker",  "get_klines", "set_leverage", "close_position",  "get_fills",
    "load_instruments", "time"};

const char *venue_op_name(venue_op_t op)
{
    return op < VENUE_OP_COUNT_ ? s_op_names[op] : "";
}

int venue_op_parse(const char *name, venue_op_t *out)
{
    for (int i = 0; i < VENUE_OP_COUNT_; i++)
        if (strcmp(s_op_names[i], name) == 0) {
            *out = (venue_op_t) i;
            return 0;
        }
    return -1;
}

int venue_resp_header(const venue_resp_t *r, const char *name, char *out, size_t cap)
{
    if (r->header_fn) {
        const char *v = r->header_fn(r->header_ctx, name);
        if (!v || strlen(v) >= cap)
            return -1;
        memcpy(out, v, strlen(v) + 1);
        return 0;
    }
    size_t nlen = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t llen = eol ? (size_t) (eol - p) : strlen(p);
        if (llen > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1, *end = p + llen;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && isspace((unsigned char) end[-1]))
                end--;
            size_t vlen = (size_t) (end - v);
            if (vlen >= cap)
                return -1;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return 0;
        }
        p = eol ? eol + 1 : p + llen;
    }
    return -1;
}

/* Grows *arr (of *n items of size sz) by one zeroed item; NULL at the limit. */
static void *s_add(void **arr, size_t *n, size_t sz)
{
    if (*n >= VENUE_RESULT_ITEMS_MAX)
        return NULL;
    /* Capacity doubles at powers of two, so n alone tells when to grow. */
    if ((*n & (*n - 1)) == 0 || *n == 0) {
        size_t cap = *n ? *n * 2 : 8;
        *arr = mem_realloc(*arr, cap * sz);
    }
    char *item = (char *) *arr + *n * sz;
    memset(item, 0, sz);
    (*n)++;
    return item;
}

#define S_ADDER(fn, type, field, count)                                       \
    type *fn(venue_result_t *r)                                               \
    {                                                                         \
        return s_add((void **) &r->field, &r->count, sizeof(type));           \
    }

S_ADDER(venue_result_add_order, venue_order_t, orders, n_orders)
S_ADDER(venue_result_add_cancel, venue_cancel_t, cancels, n_cancels)
S_ADDER(venue_result_add_position, venue_position_t, positions, n_positions)
S_ADDER(venue_result_add_balance, venue_balance_t, balances, n_balances)
S_ADDER(venue_result_add_kline, venue_kline_t, klines, n_klines)
S_ADDER(venue_result_add_fill, venue_fill_t, fills, n_fills)

void venue_result_release(venue_result_t *r)
{
    mem_free(r->orders);
    mem_free(r->cancels);
    mem_free(r->positions);
    mem_free(r->balances);
    mem_free(r->klines);
    mem_free(r->fills);
    instruments_destroy(&r->instruments);
    memset(r, 0, sizeof *r);
}

int venue_fail(venue_call_t *call, xr_code_t code, const char *fmt, ...)
{
    memset(&call->fail, 0, sizeof call->fail);
    call->fail.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->fail.message, sizeof call->fail.message, fmt, ap);
    va_end(ap);
    return VENUE_FAIL;
}

int venue_fail_reply(venue_call_t *call)
{
    assert(call->error);
    call->fail = *call->error;
    return VENUE_FAIL;
}

int venue_symbol_to_venue(const venue_ops_t *ops, const instruments_t *t, const char *symbol, char *out,
                          size_t cap, err_t *err)
{
    if (ops && ops->symbol_to_venue)
        return ops->symbol_to_venue(t, symbol, out, cap, err);
    const instrument_t *in = instruments_find(t, symbol);
    if (!in)
        return err_set(err, XR_UNKNOWN_SYMBOL, "unknown symbol %s", symbol);
    if (venue_copy(out, cap, in->venue_symbol) < 0)
        return err_set(err, XR_INTERNAL, "venue symbol too long");
    return 0;
}

int venue_symbol_from_venue(const venue_ops_t *ops, const instruments_t *t, const char *venue_symbol, char *out,
                            size_t cap, err_t *err)
{
    if (ops && ops->symbol_from_venue)
        return ops->symbol_from_venue(t, venue_symbol, out, cap, err);
    const instrument_t *in = instruments_find_venue(t, venue_symbol);
    if (!in)
        return err_set(err, XR_UNKNOWN_SYMBOL, "unknown venue symbol %s", venue_symbol);
    if (venue_copy(out, cap, in->symbol) < 0)
        return err_set(err, XR_INTERNAL, "symbol too long");
    return 0;
}

venue_step_fn *venue_ops_hook(const venue_ops_t *ops, venue_op_t op)
{
    switch (op) {
    case VENUE_OP_PLACE_ORDER: return ops->place_order;
    case VENUE_OP_CANCEL_ORDER: return ops->cancel_order;
    case VENUE_OP_CANCEL_ALL: return ops->cancel_all;
    case VENUE_OP_GET_ORDER: return ops->get_order;
    case VENUE_OP_GET_OPEN_ORDERS: return ops->get_open_orders;
    case VENUE_OP_GET_POSITIONS: return ops->get_positions;
    case VENUE_OP_GET_BALANCES: return ops->get_balances;
    case VENUE_OP_GET_TICKER: return ops->get_ticker;
    case VENUE_OP_GET_KLINES: return ops->get_klines;
    case VENUE_OP_SET_LEVERAGE: return ops->set_leverage;
    case VENUE_OP_CLOSE_POSITION: return ops->close_position;
    case VENUE_OP_GET_FILLS: return ops->get_fills;
    case VENUE_OP_LOAD_INSTRUMENTS: return ops->load_instruments;
    case VENUE_OP_TIME: return ops->time;
    case VENUE_OP_COUNT_: break;
    }
    return NULL;
}

int venue_sign_hex(const venue_creds_t *creds, const crypto_part_t *parts, size_t n,
                   char out[CRYPTO_HEX_SHA256_LEN])
{
    if (creds->hmac)
        return crypto_hmac_sign_parts_hex(creds->hmac, parts, n, out);
    crypto_hmac_t *k = crypto_hmac_new_str(creds->api_secret);
    int rc = k ? crypto_hmac_sign_parts_hex(k, parts, n, out) : -1;
    crypto_hmac_destroy(&k);
    return rc;
}
