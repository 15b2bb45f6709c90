/* common: what every message family of the wire contract shares (proto/README.md "Conventions"): limits,
 * enumerations with their wire names, the string-map and raw-text value types, and the validators for
 * client order ids, unified symbols and the other bounded identifiers.
 * Every decoded message is a plain public struct: bounded strings are fixed char arrays (always
 * NUL-terminated, "" when absent), prices and quantities are decimal_t, and the few variable parts
 * (metadata, raw venue text, item arrays) are bounded heap arrays released by the family's free function. */
#ifndef XR_PROTO_COMMON_H
#define XR_PROTO_COMMON_H

#include "base/decimal.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1

/* Decoder limits (README "Limits"): anything beyond is refused with XR_INVALID_REQUEST. */
#define PROTO_ENVELOPE_MAX (1u << 20)  /* bytes of one envelope */
#define PROTO_STR_MAX 256              /* bytes of a string unless stated otherwise */
#define PROTO_RAW_MAX 65536            /* bytes of a `raw` venue text */
#define PROTO_MESSAGE_MAX 1024         /* bytes of an error message / venue message */
#define PROTO_MAP_MAX 64               /* entries of any map */
#define PROTO_ARRAY_MAX 10000          /* items of any array */
#define PROTO_DEPTH_MAX 8              /* nesting of maps/arrays, the envelope map being level 1 */
#define PROTO_META_MAX 32              /* entries of a metadata map */

/* Sizes of the fixed string fields, NUL included (the wire maximum is one less). */
#define PROTO_TYPE_SZ 33        /* message type name, 1..32 */
#define PROTO_ID_SZ 65          /* correlation id, 1..64 */
#define PROTO_CLIENT_SZ 65      /* client id, 0..64 */
#define PROTO_SYMBOL_SZ 48      /* unified symbol BASE/QUOTE, 3..41 */
#define PROTO_CLOID_SZ 40       /* client order id, 1..36 of [A-Za-z0-9_-] */
#define PROTO_ORDER_ID_SZ 65    /* venue order id / trade id, 1..64 */
#define PROTO_VENUE_SZ 24       /* venue name, 1..23 of [a-z0-9_-] */
#define PROTO_ACCOUNT_SZ 40     /* account name, 1..39 of [A-Za-z0-9_-] */
#define PROTO_INSTANCE_SZ 64    /* worker instance / event source id, 1..63 of [A-Za-z0-9_.:-] */
#define PROTO_ASSET_SZ 24       /* asset, 1..20 of [A-Z0-9] */
#define PROTO_META_KEY_SZ 65    /* metadata key, 1..64 */
#define PROTO_META_VALUE_SZ 257 /* metadata value, 0..256 */
#define PROTO_TEXT_SZ 257       /* generic short text (cursor, reason, venue code), 0..256 */
#define PROTO_MESSAGE_SZ 1025   /* error message, 0..1024 */

#define PROTO_DEFAULT_ACCOUNT "default"
#define PROTO_LEVERAGE_MAX 125

typedef enum { PROTO_SIDE_NONE = 0, PROTO_SIDE_BUY, PROTO_SIDE_SELL } proto_side_t;

typedef enum {
    PROTO_OT_NONE = 0,              /* absent */
    PROTO_OT_MARKET,                /* "MARKET" */
    PROTO_OT_LIMIT,                 /* "LIMIT": needs price */
    PROTO_OT_STOP_MARKET,           /* "STOP_MARKET": needs stop_price */
    PROTO_OT_STOP_LIMIT,            /* "STOP_LIMIT": needs price and stop_price */
    PROTO_OT_TAKE_PROFIT_MARKET,    /* "TAKE_PROFIT_MARKET": needs stop_price */
    PROTO_OT_TAKE_PROFIT_LIMIT,     /* "TAKE_PROFIT_LIMIT": needs price and stop_price */
    PROTO_OT_TRAILING_STOP_MARKET   /* "TRAILING_STOP_MARKET": needs trailing_stop_pct */
} proto_order_type_t;

typedef enum {
    PROTO_TIF_NONE = 0,  /* absent: the venue default (GTC for limit types) */
    PROTO_TIF_GTC,       /* "GTC" */
    PROTO_TIF_IOC,       /* "IOC" */
    PROTO_TIF_FOK,       /* "FOK" */
    PROTO_TIF_GTX        /* "GTX": post-only */
} proto_tif_t;

typedef enum {
    PROTO_PS_NONE = 0,  /* absent: one-way mode (same as BOTH) */
    PROTO_PS_BOTH,      /* "BOTH" */
    PROTO_PS_LONG,      /* "LONG" (hedge mode) */
    PROTO_PS_SHORT      /* "SHORT" (hedge mode) */
} proto_position_side_t;

typedef enum {
    PROTO_STATUS_NONE = 0,          /* absent (never valid in an OrderResult) */
    PROTO_STATUS_NEW,               /* "NEW" */
    PROTO_STATUS_PARTIALLY_FILLED,  /* "PARTIALLY_FILLED" */
    PROTO_STATUS_FILLED,            /* "FILLED" */
    PROTO_STATUS_CANCELED,          /* "CANCELED" */
    PROTO_STATUS_REJECTED,          /* "REJECTED" */
    PROTO_STATUS_EXPIRED,           /* "EXPIRED" */
    PROTO_STATUS_UNTRIGGERED,       /* "UNTRIGGERED": a resting conditional order */
    PROTO_STATUS_PENDING_UNKNOWN    /* "PENDING_UNKNOWN": sent, outcome not yet known */
} proto_status_t;

typedef enum { PROTO_LIQ_NONE = 0, PROTO_LIQ_MAKER, PROTO_LIQ_TAKER } proto_liquidity_t;

/* Direction of a position (not to be confused with proto_position_side_t, the hedge-mode leg). */
typedef enum { PROTO_DIR_NONE = 0, PROTO_DIR_LONG, PROTO_DIR_SHORT, PROTO_DIR_FLAT } proto_direction_t;

typedef enum {
    PROTO_IV_NONE = 0, PROTO_IV_1M, PROTO_IV_3M, PROTO_IV_5M, PROTO_IV_15M, PROTO_IV_30M, PROTO_IV_1H,
    PROTO_IV_2H, PROTO_IV_4H, PROTO_IV_6H, PROTO_IV_8H, PROTO_IV_12H, PROTO_IV_1D, PROTO_IV_3D, PROTO_IV_1W,
    PROTO_IV_1MO  /* wire names "1m" "3m" "5m" "15m" "30m" "1h" "2h" "4h" "6h" "8h" "12h" "1d" "3d" "1w" "1M" */
} proto_interval_t;

typedef enum { PROTO_CIRCUIT_NONE = 0, PROTO_CIRCUIT_CLOSED, PROTO_CIRCUIT_OPEN, PROTO_CIRCUIT_HALF_OPEN } proto_circuit_t;

/* Wire names of enum values; "" for the NONE value and for out-of-range values. Borrowed static strings. */
const char *proto_side_name(proto_side_t v);
const char *proto_order_type_name(proto_order_type_t v);
const char *proto_tif_name(proto_tif_t v);
const char *proto_position_side_name(proto_position_side_t v);
const char *proto_status_name(proto_status_t v);
const char *proto_liquidity_name(proto_liquidity_t v);
const char *proto_direction_name(proto_direction_t v);
const char *proto_interval_name(proto_interval_t v);
const char *proto_circuit_name(proto_circuit_t v);

/* Parse a wire name (exact, case-sensitive) of len bytes. Return 0 and set *out, or -1 if unknown. */
int proto_side_parse(const char *s, size_t len, proto_side_t *out);
int proto_order_type_parse(const char *s, size_t len, proto_order_type_t *out);
int proto_tif_parse(const char *s, size_t len, proto_tif_t *out);
int proto_position_side_parse(const char *s, size_t len, proto_position_side_t *out);
int proto_status_parse(const char *s, size_t len, proto_status_t *out);
int proto_liquidity_parse(const char *s, size_t len, proto_liquidity_t *out);
int proto_direction_parse(const char *s, size_t len, proto_direction_t *out);
int proto_interval_parse(const char *s, size_t len, proto_interval_t *out);
int proto_circuit_parse(const char *s, size_t len, proto_circuit_t *out);

/* True for a final order status (FILLED, CANCELED, REJECTED, EXPIRED). */
bool proto_status_is_final(proto_status_t v);

/* One metadata entry. */
typedef struct {
    char key[PROTO_META_KEY_SZ];      /* 1..64 bytes, UTF-8 */
    char value[PROTO_META_VALUE_SZ];  /* 0..256 bytes, UTF-8 */
} proto_kv_t;

/* A string -> string map of at most PROTO_META_MAX entries, in wire order (keys unique). */
typedef struct {
    proto_kv_t *items;  /* heap array (mem_*), NULL when count is 0 */
    size_t count;       /* entries in use */
} proto_meta_t;

/* Appends key=value (copied; truncation refused). Returns 0, or -1 with XR_INVALID_REQUEST if the map is
 * full, the key is empty/too long/duplicate or the value is too long. */
int proto_meta_set(proto_meta_t *m, const char *key, const char *value, err_t *err);

/* Value for key, or NULL. Borrowed from m. */
const char *proto_meta_get(const proto_meta_t *m, const char *key);

/* Deep copy of src into *dst (dst's old content is not freed). */
void proto_meta_copy(proto_meta_t *dst, const proto_meta_t *src);

/* Frees the entries; the map is empty afterwards. Idempotent. */
void proto_meta_free(proto_meta_t *m);

/* Raw venue text (JSON as received), at most PROTO_RAW_MAX bytes. */
typedef struct {
    char *data;  /* heap, NUL-terminated; NULL when absent */
    size_t len;  /* bytes, NUL not counted */
} proto_raw_t;

/* Sets raw to a copy of len bytes (len <= PROTO_RAW_MAX, asserted), replacing any old content. */
void proto_raw_set(proto_raw_t *r, const char *data, size_t len);
void proto_raw_copy(proto_raw_t *dst, const proto_raw_t *src);
void proto_raw_free(proto_raw_t *r);

/* Validators. Each returns 0, or -1 with err (may be NULL) set to XR_INVALID_REQUEST and a message that
 * names `field`. The string is NUL-terminated. */
/* 1..36 of [A-Za-z0-9_-]. */
int proto_check_client_order_id(const char *s, const char *field, err_t *err);
/* "BASE/QUOTE", each part 1..20 of [A-Z0-9]. */
int proto_check_symbol(const char *s, const char *field, err_t *err);
/* 1..23 of [a-z0-9_-]. */
int proto_check_venue(const char *s, const char *field, err_t *err);
/* 1..39 of [A-Za-z0-9_-]. */
int proto_check_account(const char *s, const char *field, err_t *err);
/* 1..63 of [A-Za-z0-9_.:-]. */
int proto_check_instance(const char *s, const char *field, err_t *err);
/* 1..20 of [A-Z0-9]. */
int proto_check_asset(const char *s, const char *field, err_t *err);
/* Non-empty, printable ASCII only (0x21..0x7e): correlation ids, venue order and trade ids. */
int proto_check_printable(const char *s, const char *field, err_t *err);
/* v > 0. */
int proto_check_positive(decimal_t v, const char *field, err_t *err);
/* v >= 0. */
int proto_check_non_negative(decimal_t v, const char *field, err_t *err);
/* 1..125. */
int proto_check_leverage(uint32_t v, const char *field, err_t *err);

#endif
