/* common: enum wire names, identifier validators, metadata maps and raw text shared by every family. */
#include "common.h"
#include "wire.h"

#include "base/mem.h"

#include <assert.h>
#include <string.h>

const char *const wire_side_names[3] = {"", "BUY", "SELL"};
const char *const wire_order_type_names[8] = {
    "", "MARKET", "LIMIT", "STOP_MARKET", "STOP_LIMIT", "TAKE_PROFIT_MARKET", "TAKE_PROFIT_LIMIT",
    "TRAILING_STOP_MARKET"};
const char *const wire_tif_names[5] = {"", "GTC", "IOC", "FOK", "GTX"};
const char *const wire_position_side_names[4] = {"", "BOTH", "LONG", "SHORT"};
const char *const wire_status_names[9] = {
    "", "NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED", "UNTRIGGERED", "PENDING_UNKNOWN"};
const char *const wire_liquidity_names[3] = {"", "MAKER", "TAKER"};
const char *const wire_direction_names[4] = {"", "LONG", "SHORT", "FLAT"};
const char *const wire_interval_names[16] = {
    "", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"};
const char *const wire_circuit_names[4] = {"", "CLOSED", "OPEN", "HALF_OPEN"};

static const char *s_name(const char *const *names, size_t n, int v)
{
    return v > 0 && (size_t) v < n ? names[v] : "";
}

static int s_parse(const char *const *names, size_t n, const char *s, size_t len, int *out)
{
    for (size_t i = 1; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
            *out = (int) i;
            return 0;
        }
    }
    return -1;
}

#define S_ENUM_FUNCS(fn, type, table)                                              \
    const char *proto_##fn##_name(type v)                                          \
    {                                                                              \
        return s_name(table, sizeof table / sizeof table[0], (int) v);             \
    }                                                                              \
    int proto_##fn##_parse(const char *s, size_t len, type *out)                   \
    {                                                                              \
        int v;                                                                     \
        if (!s || s_parse(table, sizeof table / sizeof table[0], s, len, &v) != 0) \
            return -1;                                                             \
        *out = (type) v;                                                           \
        return 0;                                                                  \
    }

S_ENUM_FUNCS(side, proto_side_t, wire_side_names)
S_ENUM_FUNCS(order_type, proto_order_type_t, wire_order_type_names)
S_ENUM_FUNCS(tif, proto_tif_t, wire_tif_names)
S_ENUM_FUNCS(position_side, proto_position_side_t, wire_position_side_names)
S_ENUM_FUNCS(status, proto_status_t, wire_status_names)
S_ENUM_FUNCS(liquidity, proto_liquidity_t, wire_liquidity_names)
S_ENUM_FUNCS(direction, proto_direction_t, wire_direction_names)
S_ENUM_FUNCS(interval, proto_interval_t, wire_interval_names)
S_ENUM_FUNCS(circuit, proto_circuit_t, wire_circuit_names)

bool proto_status_is_final(proto_status_t v)
{
    return v == PROTO_STATUS_FILLED || v == PROTO_STATUS_CANCELED || v == PROTO_STATUS_REJECTED ||
           v == PROTO_STATUS_EXPIRED;
}

/* ---------------------------------------------------------------- metadata and raw */

int proto_meta_set(proto_meta_t *m, const char *key, const char *value, err_t *err)
{
    assert(m && key && value);
    size_t klen = strlen(key), vlen = strlen(value);
    if (klen == 0 || klen >= PROTO_META_KEY_SZ)
        return err_set(err, XR_INVALID_REQUEST, "metadata: key must be 1..%d bytes", PROTO_META_KEY_SZ - 1);
    if (vlen >= PROTO_META_VALUE_SZ)
        return err_set(err, XR_INVALID_REQUEST, "metadata.%s: longer than %d bytes", key,
                       PROTO_META_VALUE_SZ - 1);
    if (proto_meta_get(m, key))
        return err_set(err, XR_INVALID_REQUEST, "metadata.%s: duplicate key", key);
    if (m->count >= PROTO_META_MAX)
        return err_set(err, XR_INVALID_REQUEST, "metadata: more than %d entries", PROTO_META_MAX);
    m->items = mem_realloc(m->items, (m->count + 1) * sizeof *m->items);
    proto_kv_t *e = &m->items[m->count++];
    memcpy(e->key, key, klen + 1);
    memcpy(e->value, value, vlen + 1);
    return 0;
}

const char *proto_meta_get(const proto_meta_t *m, const char *key)
{
    for (size_t i = 0; i < m->count; i++) {
        if (strcmp(m->items[i].key, key) == 0)
            return m->items[i].value;
    }
    return NULL;
}

void proto_meta_copy(proto_meta_t *dst, const proto_meta_t *src)
{
    dst->count = src->count;
    dst->items = NULL;
    if (src->count) {
        dst->items = mem_alloc(src->count * sizeof *src->items);
        memcpy(dst->items, src->items, src->count * sizeof *src->items);
    }
}

void proto_meta_free(proto_meta_t *m)
{
    mem_free(m->items);
    m->items = NULL;
    m->count = 0;
}

void proto_raw_set(proto_raw_t *r, const char *data, size_t len)
{
    assert(len <= PROTO_RAW_MAX);
    mem_free(r->data);
    r->data = mem_alloc(len + 1);
    memcpy(r->data, data, len);
    r->data[len] = '\0';
    r->len = len;
}

void proto_raw_copy(proto_raw_t *dst, const proto_raw_t *src)
{
    dst->data = NULL;
    dst->len = 0;
    if (src->data)
        proto_raw_set(dst, src->data, src->len);
}

void proto_raw_free(proto_raw_t *r)
{
    mem_free(r->data);
    r->data = NULL;
    r->len = 0;
}

/* ---------------------------------------------------------------- validators */

static bool s_upper_digit(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool s_word(char c)
{
    return s_upper_digit(c) || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
}

static bool s_venue_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool s_instance_char(char c)
{
    return s_word(c) || c == '.' || c == ':';
}

static int s_charset(const char *s, size_t min, size_t max, bool (*ok)(char), const char *field,
                     const char *what, err_t *err)
{
    size_t n = strnlen(s, max + 1);
    bool good = n >= min && n <= max;
    for (size_t i = 0; good && i < n; i++)
        good = ok(s[i]);
    if (!good)
        return err_set(err, XR_INVALID_REQUEST, "%s: must be %zu..%zu characters of %s", field, min, max, what);
    return 0;
}

int proto_check_client_order_id(const char *s, const char *field, err_t *err)
{
    return s_charset(s, 1, 36, s_word, field, "[A-Za-z0-9_-]", err);
}

int proto_check_symbol(const char *s, const char *field, err_t *err)
{
    const char *slash = strchr(s, '/');
    size_t n = strnlen(s, PROTO_SYMBOL_SZ);
    if (slash && n < PROTO_SYMBOL_SZ) {
        size_t base = (size_t) (slash - s), quote = n - base - 1;
        bool ok = base >= 1 && base <= 20 && quote >= 1 && quote <= 20;
        for (size_t i = 0; ok && i < n; i++)
            ok = i == base || s_upper_digit(s[i]);
        if (ok)
            return 0;
    }
    return err_set(err, XR_INVALID_REQUEST, "%s: must be BASE/QUOTE, each 1..20 of [A-Z0-9]", field);
}

int proto_check_venue(const char *s, const char *field, err_t *err)
{
    return s_charset(s, 1, PROTO_VENUE_SZ - 1, s_venue_char, field, "[a-z0-9_-]", err);
}

int proto_check_account(const char *s, const char *field, err_t *err)
{
    return s_charset(s, 1, PROTO_ACCOUNT_SZ - 1, s_word, field, "[A-Za-z0-9_-]", err);
}

int proto_check_instance(const char *s, const char *field, err_t *err)
{
    return s_charset(s, 1, PROTO_INSTANCE_SZ - 1, s_instance_char, field, "[A-Za-z0-9_.:-]", err);
}

int proto_check_asset(const char *s, const char *field, err_t *err)
{
    return s_charset(s, 1, 20, s_upper_digit, field, "[A-Z0-9]", err);
}

int proto_check_positive(decimal_t v, const char *field, err_t *err)
{
    if (decimal_sign(v) <= 0)
        return err_set(err, XR_INVALID_REQUEST, "%s: must be > 0", field);
    return 0;
}

int proto_check_non_negative(decimal_t v, const char *field, err_t *err)
{
    if (decimal_sign(v) < 0)
        return err_set(err, XR_INVALID_REQUEST, "%s: must be >= 0", field);
    return 0;
}

int proto_check_leverage(uint32_t v, const char *field, err_t *err)
{
    if (v < 1 || v > PROTO_LEVERAGE_MAX)
        return err_set(err, XR_INVALID_REQUEST, "%s: must be 1..%d", field, PROTO_LEVERAGE_MAX);
    return 0;
}

int proto_check_printable(const char *s, const char *field, err_t *err)
{
    if (!s[0])
        return err_set(err, XR_INVALID_REQUEST, "%s: must not be empty", field);
    for (const char *p = s; *p; p++) {
        if ((unsigned char) *p < 0x21 || (unsigned char) *p > 0x7e)
            return err_set(err, XR_INVALID_REQUEST, "%s: must be printable ASCII without spaces", field);
    }
    return 0;
}
