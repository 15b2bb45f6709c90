/* model: wire names of the unified enums, and shape checks of an OrderRequest that apply on every venue
 * (the venue's own rules, tick, step and notional, are checked by instruments.c). */
#include "model.h"

#include <string.h>

static const char *const s_side[] = {"", "BUY", "SELL"};
static const char *const s_type[] = {"",           "MARKET",      "LIMIT", "STOP_MARKET", "STOP_LIMIT",
                                     "TAKE_PROFIT_MARKET", "TAKE_PROFIT_LIMIT", "TRAILING_STOP_MARKET"};
static const char *const s_tif[] = {"", "GTC", "IOC", "FOK", "GTX"};
static const char *const s_pside[] = {"", "BOTH", "LONG", "SHORT"};
static const char *const s_status[] = {"",         "NEW",      "PARTIALLY_FILLED", "FILLED",     "CANCELED",
                                       "REJECTED", "EXPIRED",  "UNTRIGGERED",      "PENDING_UNKNOWN"};
static const char *const s_liq[] = {"", "MAKER", "TAKER"};
static const char *const s_dir[] = {"FLAT", "LONG", "SHORT"};

#define S_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *s_name(const char *const *tab, size_t n, int v)
{
    return v >= 0 && (size_t) v < n ? tab[v] : "";
}

/* Index of s in tab (skipping the "" at 0), or -1. */
static int s_parse(const char *const *tab, size_t n, const char *s)
{
    if (!s || !*s)
        return -1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(tab[i], s) == 0)
            return (int) i;
    return -1;
}

#define S_ENUM(name, tab, type)                                  \
    const char *venue_##name##_name(type v)                      \
    {                                                            \
        return s_name(tab, S_COUNT(tab), (int) v);               \
    }                                                            \
    int venue_##name##_parse(const char *s, type *out)           \
    {                                                            \
        int i = s_parse(tab, S_COUNT(tab), s);                   \
        if (i < 0)                                               \
            return -1;                                           \
        *out = (type) i;                                         \
        return 0;                                                \
    }

S_ENUM(side, s_side, venue_side_t)
S_ENUM(type, s_type, venue_type_t)
S_ENUM(tif, s_tif, venue_tif_t)
S_ENUM(pside, s_pside, venue_pside_t)
S_ENUM(status, s_status, venue_status_t)

const char *venue_liq_name(venue_liq_t v)
{
    return s_name(s_liq, S_COUNT(s_liq), (int) v);
}

const char *venue_pos_dir_name(venue_pos_dir_t v)
{
    return s_name(s_dir, S_COUNT(s_dir), (int) v);
}

bool venue_type_has_price(venue_type_t t)
{
    return t == VENUE_TYPE_LIMIT || t == VENUE_TYPE_STOP_LIMIT || t == VENUE_TYPE_TAKE_PROFIT_LIMIT;
}

bool venue_type_has_trigger(venue_type_t t)
{
    return t == VENUE_TYPE_STOP_MARKET || t == VENUE_TYPE_STOP_LIMIT || t == VENUE_TYPE_TAKE_PROFIT_MARKET ||
           t == VENUE_TYPE_TAKE_PROFIT_LIMIT;
}

bool venue_status_final(venue_status_t s)
{
    return s == VENUE_STATUS_FILLED || s == VENUE_STATUS_CANCELED || s == VENUE_STATUS_REJECTED ||
           s == VENUE_STATUS_EXPIRED;
}

bool venue_clid_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '-';
        if (!ok || n >= 36)
            return false;
    }
    return n >= 1;
}

int venue_order_req_check(const venue_order_req_t *r, err_t *err)
{
    if (!r->symbol[0])
        return err_set(err, XR_INVALID_REQUEST, "missing symbol");
    if (r->side == VENUE_SIDE_NONE)
        return err_set(err, XR_INVALID_REQUEST, "missing side");
    if (r->type == VENUE_TYPE_NONE)
        return err_set(err, XR_INVALID_REQUEST, "missing type");
    if (decimal_sign(r->quantity) <= 0)
        return err_set(err, XR_INVALID_REQUEST, "quantity must be positive");
    if (venue_type_has_price(r->type) && decimal_sign(r->price) <= 0)
        return err_set(err, XR_INVALID_REQUEST, "type %s needs a positive price", venue_type_name(r->type));
    if (!venue_type_has_price(r->type) && !decimal_is_zero(r->price))
        return err_set(err, XR_INVALID_REQUEST, "type %s takes no price", venue_type_name(r->type));
    if (venue_type_has_trigger(r->type) && decimal_sign(r->stop_price) <= 0)
        return err_set(err, XR_INVALID_REQUEST, "type %s needs a positive stop_price",
                       venue_type_name(r->type));
    if (r->type == VENUE_TYPE_TRAILING_STOP_MARKET && decimal_sign(r->trailing_pct) <= 0)
        return err_set(err, XR_INVALID_REQUEST, "TRAILING_STOP_MARKET needs a positive trailing_stop_pct");
    if (decimal_sign(r->stop_price) < 0 || decimal_sign(r->take_profit) < 0 || decimal_sign(r->stop_loss) < 0)
        return err_set(err, XR_INVALID_REQUEST, "negative trigger price");
    if (r->type == VENUE_TYPE_MARKET && r->time_in_force != VENUE_TIF_NONE)
        return err_set(err, XR_INVALID_REQUEST, "MARKET orders take no time_in_force");
    if (r->client_order_id[0] && !venue_clid_valid(r->client_order_id))
        return err_set(err, XR_INVALID_REQUEST, "client_order_id must be 1..36 chars of [A-Za-z0-9_-]");
    if (r->leverage < 0 || r->leverage > 125)
        return err_set(err, XR_INVALID_REQUEST, "leverage must be 1..125");
    return 0;
}

int venue_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        dst[0] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}
