/* wire: proto's private msgpack layer, the one place that touches msgpack-c (STYLE rule 14). Other layers
 * must not include it; the family modules (envelope.c, order.c, request.c, ...) do.
 *
 * Decoding is table-driven: a value type is described by a wire_desc_t (key, kind, offset, limits, flags
 * per field) and wire_decode fills a struct from a msgpack map by that table, strictly: wrong types,
 * unknown enum names, strings over the field's size, missing required fields and duplicate keys are
 * errors that name the field by its path ("body.order.quantity: must be > 0"); unknown keys are skipped.
 * Encoding walks the same table, omitting optional fields that hold their zero value. Before any of
 * that, wire_scan checks the raw bytes structurally so that msgpack-c never sees input that could make it
 * allocate more than the input justifies. */
#ifndef XR_PROTO_WIRE_H
#define XR_PROTO_WIRE_H

#include "common.h"
#include "envelope.h"

#include "base/buf.h"
#include "base/err.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a value sits in the message, for error text; formatted only when an error is reported. */
typedef struct wire_path {
    const struct wire_path *parent;  /* NULL at the root */
    const char *key;                 /* map key, or NULL when this step is an array index */
    size_t index;                    /* array index when key is NULL */
} wire_path_t;

typedef enum {
    W_STR,   /* char[size]: msgpack str, <= size-1 bytes, no NUL; optional check function */
    W_DEC,   /* decimal_t: msgpack str of plain decimal text */
    W_I64,   /* int64_t: msgpack int */
    W_U32,   /* uint32_t: msgpack non-negative int <= UINT32_MAX */
    W_U64,   /* uint64_t: msgpack non-negative int */
    W_BOOL,  /* bool: msgpack boolean */
    W_ENUM,  /* an enum (int-sized): msgpack str, one of names[1..n-1] */
    W_CODE,  /* xr_code_t: msgpack str, an error code name other than OK */
    W_META,  /* proto_meta_t: msgpack map str->str, <= PROTO_META_MAX */
    W_RAW    /* proto_raw_t: msgpack str <= PROTO_RAW_MAX */
} wire_kind_t;

#define W_REQ 0x01u       /* must be present and not nil */
#define W_POS 0x02u       /* W_DEC: > 0 (when present or required) */
#define W_NONNEG 0x04u    /* W_DEC: >= 0 */
#define W_EMPTY_OK 0x08u  /* W_STR with W_REQ: "" is a valid value */
#define W_RANGE 0x10u     /* integers: lo <= v <= hi (when present or required) */

typedef int (wire_check_fn)(const char *s, const char *field, err_t *err);

typedef struct {
    const char *key;               /* wire key */
    uint8_t keylen;                /* strlen(key) */
    wire_kind_t kind;              /* how it is encoded */
    size_t offset;                 /* offsetof in the struct */
    size_t size;                   /* W_STR: array size */
    unsigned flags;                /* W_REQ, W_POS, ... */
    int64_t lo, hi;                /* W_RANGE bounds */
    wire_check_fn *check;          /* W_STR: charset/format validator, or NULL */
    const char *const *names;      /* W_ENUM: wire names indexed by value, names[0] = "" */
    size_t n_names;                /* W_ENUM: entries of names */
} wire_field_t;

typedef struct {
    const wire_field_t *fields;  /* table */
    size_t n;                    /* entries (<= 64) */
    size_t size;                 /* sizeof the struct */
} wire_desc_t;

#define WIRE_DESC(type, table) {table, sizeof table / sizeof table[0], sizeof(type)}

/* Field constructors, for readable tables. */
#define WF_STR(k, t, m, fl, chk) {k, sizeof(k) - 1, W_STR, offsetof(t, m), sizeof(((t *) 0)->m), fl, 0, 0, chk, NULL, 0}
#define WF_DEC(k, t, m, fl) {k, sizeof(k) - 1, W_DEC, offsetof(t, m), 0, fl, 0, 0, NULL, NULL, 0}
#define WF_I64(k, t, m, fl) {k, sizeof(k) - 1, W_I64, offsetof(t, m), 0, fl, 0, 0, NULL, NULL, 0}
#define WF_I64R(k, t, m, fl, l, h) {k, sizeof(k) - 1, W_I64, offsetof(t, m), 0, (fl) | W_RANGE, l, h, NULL, NULL, 0}
#define WF_U32(k, t, m, fl) {k, sizeof(k) - 1, W_U32, offsetof(t, m), 0, fl, 0, 0, NULL, NULL, 0}
#define WF_U32R(k, t, m, fl, l, h) {k, sizeof(k) - 1, W_U32, offsetof(t, m), 0, (fl) | W_RANGE, l, h, NULL, NULL, 0}
#define WF_U64(k, t, m, fl) {k, sizeof(k) - 1, W_U64, offsetof(t, m), 0, fl, 0, 0, NULL, NULL, 0}
#define WF_U64R(k, t, m, fl, l, h) {k, sizeof(k) - 1, W_U64, offsetof(t, m), 0, (fl) | W_RANGE, l, h, NULL, NULL, 0}
#define WF_BOOL(k, t, m, fl) {k, sizeof(k) - 1, W_BOOL, offsetof(t, m), 0, fl, 0, 0, NULL, NULL, 0}
#define WF_ENUM(k, t, m, fl, nm) {k, sizeof(k) - 1, W_ENUM, offsetof(t, m), 0, fl, 0, 0, NULL, nm, sizeof nm / sizeof nm[0]}
#define WF_CODE(k, t, m, fl) {k, sizeof(k) - 1, W_CODE, offsetof(t, m), 0, fl, 0, 0, NULL, NULL, 0}
#define WF_META(k, t, m, fl) {k, sizeof(k) - 1, W_META, offsetof(t, m), 0, fl, 0, 0, NULL, NULL, 0}
#define WF_RAW(k, t, m, fl) {k, sizeof(k) - 1, W_RAW, offsetof(t, m), 0, fl, 0, 0, NULL, NULL, 0}

/* Enum name tables (common.c), indexed by enum value. */
extern const char *const wire_side_names[3];
extern const char *const wire_order_type_names[8];
extern const char *const wire_tif_names[5];
extern const char *const wire_position_side_names[4];
extern const char *const wire_status_names[9];
extern const char *const wire_liquidity_names[3];
extern const char *const wire_direction_names[4];
extern const char *const wire_interval_names[16];
extern const char *const wire_circuit_names[4];

/* Descriptions of the value types (order.c, market.c, admin.c, error.c). */
extern const wire_desc_t wire_order_desc;     /* proto_order_t */
extern const wire_desc_t wire_cancel_desc;    /* proto_cancel_t */
extern const wire_desc_t wire_fill_desc;      /* proto_fill_t */
extern const wire_desc_t wire_position_desc;  /* proto_position_t */
extern const wire_desc_t wire_balance_desc;   /* proto_balance_t */
extern const wire_desc_t wire_ticker_desc;    /* proto_ticker_t */
extern const wire_desc_t wire_kline_desc;     /* proto_kline_t */
extern const wire_desc_t wire_health_desc;    /* proto_health_t */
extern const wire_desc_t wire_route_desc;     /* proto_route_t */
extern const wire_desc_t wire_worker_desc;    /* proto_worker_info_t */
extern const wire_desc_t wire_error_desc;     /* proto_error_t */

/* ---- decoding */

/* Structural check of len bytes: exactly one msgpack object, nothing after it, nesting <= PROTO_DEPTH_MAX,
 * maps <= PROTO_MAP_MAX entries, arrays <= PROTO_ARRAY_MAX items, str/bin/ext <= PROTO_RAW_MAX bytes, no
 * reserved byte 0xc1, every length within the input. 0 or -1 (XR_INVALID_REQUEST). */
int wire_scan(const char *data, size_t len, err_t *err);

/* Skips the one msgpack object at *pp (checked as wire_scan checks: bounds, depth, sizes), advancing *pp
 * past it. Returns 0, or -1 with err set (XR_INVALID_REQUEST) and *pp unspecified. */
int wire_skip(const unsigned char **pp, const unsigned char *end, err_t *err);

/* Reads the header of a map at *pp: its entry count in *n, *pp moved past the header. Returns 0, or -1 when
 * no (complete) map header starts there. */
int wire_map_head(const unsigned char **pp, const unsigned char *end, uint32_t *n);

/* Whether [p, end) is exactly one msgpack str equal to s. */
bool wire_is_str(const unsigned char *p, const unsigned char *end, const char *s);

/* Sets err to XR_INVALID_REQUEST "<path>[.key]: <text>". Returns -1. */
int wire_fail(err_t *err, const wire_path_t *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fills out (zeroed first) from map obj by desc. Returns 0, or -1 with err naming the field; on failure the
 * heap parts already decoded are freed and out is zeroed. */
int wire_decode(const msgpack_object *obj, const wire_desc_t *desc, void *out, const wire_path_t *path,
                err_t *err);

/* Checks a struct built in code against desc as the decoder would: required fields set, string formats,
 * decimal signs, integer ranges. 0 or -1 naming the field. */
int wire_validate(const wire_desc_t *desc, const void *obj, const wire_path_t *path, err_t *err);

/* Frees the heap parts (W_META, W_RAW) of a struct described by desc and zeroes it. */
void wire_free(const wire_desc_t *desc, void *obj);

/* Map lookup: the value under key, or NULL when absent. A nil value counts as absent. */
const msgpack_object *wire_get(const msgpack_object *map, const char *key);

/* Checks that obj is a map whose keys are all strings and no key in `keys` (NULL-terminated) appears twice.
 * 0 or -1. */
int wire_check_map(const msgpack_object *obj, const char *const *keys, const wire_path_t *path, err_t *err);

/* Copies a msgpack str into a char[size] (<= size-1 bytes, no NUL). 0 or -1 naming path.key. */
int wire_get_str(const msgpack_object *obj, char *out, size_t size, const wire_path_t *path, const char *key,
                 err_t *err);

/* An array of at most max items: returns 0 and sets *arr, or -1 naming path.key. */
int wire_get_array(const msgpack_object *obj, size_t max, const msgpack_object_array **arr,
                   const wire_path_t *path, const char *key, err_t *err);

/* The body map of the last successful proto_msg_parse of msg (asserted). Borrowed from msg. */
const msgpack_object *wire_msg_body(const proto_msg_t *msg);

/* ---- encoding */

/* An encoder appending to a buf_t; the first failed append makes every later one a no-op. */
typedef struct {
    msgpack_packer pk;  /* writes into out */
    buf_t *out;         /* destination */
    size_t start;       /* out->len when the encoder began (restored on failure) */
    bool failed;        /* an append hit out's maximum */
} wire_writer_t;

/* Starts appending to out (whose current length is restored if the message does not fit). */
void wire_writer_init(wire_writer_t *w, buf_t *out);

/* Ends: 0, or -1 (XR_INVALID_REQUEST "message too large", out restored to its old length). */
int wire_writer_end(wire_writer_t *w, err_t *err);

/* Append one msgpack value (or a map/array header of n entries) to the writer; failures are remembered and
 * reported by wire_writer_end. Decimals are written as canonical text. */
void wire_put_key(wire_writer_t *w, const char *key);
void wire_put_str(wire_writer_t *w, const char *s, size_t len);
void wire_put_cstr(wire_writer_t *w, const char *s);
void wire_put_dec(wire_writer_t *w, decimal_t v);
void wire_put_int(wire_writer_t *w, int64_t v);
void wire_put_uint(wire_writer_t *w, uint64_t v);
void wire_put_bool(wire_writer_t *w, bool v);
void wire_put_map(wire_writer_t *w, size_t n);
void wire_put_array(wire_writer_t *w, size_t n);
/* Appends len bytes that already are msgpack (e.g. an entry copied from another message). */
void wire_put_raw(wire_writer_t *w, const void *data, size_t len);

/* Number of fields of obj that desc would write (required ones and set optional ones). */
size_t wire_count(const wire_desc_t *desc, const void *obj);

/* Writes the fields of obj as map entries (no map header; use wire_count for it). */
void wire_put_fields(wire_writer_t *w, const wire_desc_t *desc, const void *obj);

/* Writes obj as a complete map. */
void wire_put_struct(wire_writer_t *w, const wire_desc_t *desc, const void *obj);

/* Writes the envelope map header and fields of h with the given type, then the key "body": the caller
 * writes the body map next. */
void wire_put_envelope(wire_writer_t *w, const proto_header_t *h, const char *type);

#endif
