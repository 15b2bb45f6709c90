/* json: the only user of json-c. Bounded parsing of outside JSON (venue replies, simulator requests), typed
 * getters that read money exactly (a decimal string "0.1" or a JSON number token 0.1 both become the decimal
 * 0.1 from their text, never through a double), and a compact writer whose output bytes are exactly what gets
 * signed and sent.
 *
 * A parsed document is a tree of json_t nodes owned by its root; nodes are borrowed from the root and live
 * until json_free(&root). */
#ifndef XR_JSON_JSON_H
#define XR_JSON_JSON_H

#include "base/buf.h"
#include "base/decimal.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct json_object json_t; /* a node of a parsed document (json-c's type, kept opaque) */

typedef enum {
    JSON_NULL = 0,  /* null, or a missing node (NULL pointer) */
    JSON_BOOL,      /* true / false */
    JSON_NUMBER,    /* any number token; read with json_decimal or json_int64 */
    JSON_STRING,    /* string */
    JSON_ARRAY,     /* array */
    JSON_OBJECT     /* object */
} json_kind_t;

#define JSON_DEFAULT_MAX_DEPTH 32

/* Parses exactly len bytes (not NUL-terminated necessarily) as one JSON value. Refuses (NULL, err set to
 * XR_INVALID_REQUEST with the reason) input longer than max_len, nested deeper than max_depth, malformed
 * text, trailing non-space bytes, and embedded NUL bytes. The returned root is the caller's: json_free it. */
json_t *json_parse(const char *text, size_t len, size_t max_len, int max_depth, err_t *err);

/* Frees a root returned by json_parse and sets *root_p to NULL. NULL and *root_p == NULL are fine. */
void json_free(json_t **root_p);

/* Kind of a node; JSON_NULL for NULL. */
json_kind_t json_kind(const json_t *v);

/* Member of an object by key; NULL if v is not an object or has no such key. Borrowed. */
const json_t *json_get(const json_t *v, const char *key);

/* Length of an array (0 if not an array) and its i-th element (NULL if out of range). Borrowed. */
size_t json_array_len(const json_t *v);
const json_t *json_array_at(const json_t *v, size_t i);

/* Calls fn for each member of an object, in document order, until fn returns non-zero (which is
 * returned). Returns 0 when v is not an object. */
int json_object_each(const json_t *v, int (*fn)(const char *key, const json_t *val, void *ctx), void *ctx);

/* String value (borrowed) or NULL when v is not a string; *len (optional) gets its length. */
const char *json_string(const json_t *v, size_t *len);

/* Exact text of a number token as it appeared in the input ("0.2962", "1e-3", "33"); NULL if not a number.
 * Borrowed. */
const char *json_number_text(const json_t *v);

/* Reads a decimal from a string ("0.1") or a number token (0.1), exactly. Returns 0, or -1 with err set
 * (wrong kind, malformed, overflow). An empty string is an error. */
int json_decimal(const json_t *v, decimal_t *out, err_t *err);

/* Reads an integer from a number token without fraction or exponent, or from a string of digits ("123");
 * -1 with err set otherwise or when it does not fit int64. */
int json_int64(const json_t *v, int64_t *out, err_t *err);

/* Reads a bool (true/false tokens; also the strings "true"/"false", which Binance uses). -1 otherwise. */
int json_bool(const json_t *v, bool *out, err_t *err);

/* Member getters: json_get + the typed reader, with the key named in the error ("missing field price",
 * "field price: not a decimal"). json_get_str copies at most cap-1 bytes and fails if the value is longer. */
int json_get_str(const json_t *obj, const char *key, char *out, size_t cap, err_t *err);
int json_get_decimal(const json_t *obj, const char *key, decimal_t *out, err_t *err);
int json_get_int64(const json_t *obj, const char *key, int64_t *out, err_t *err);
int json_get_bool(const json_t *obj, const char *key, bool *out, err_t *err);

/* Compact writer: no spaces, members in call order, strings escaped per RFC 8259 (control characters as
 * \u00XX, '"' and '\\' escaped, '/' and non-ASCII left as they are). Errors (buffer full, misuse) are sticky:
 * check jw_failed at the end. */
typedef struct {
    buf_t *out;            /* where the text goes (borrowed) */
    int depth;             /* open containers */
    uint64_t need_comma;   /* bit d set when the container at depth d already has an element */
    bool after_key;        /* a key was written and waits for its value */
    bool failed;           /* sticky error: buffer full, too deep, or a value without a key in an object */
} jw_t;

void jw_init(jw_t *w, buf_t *out);
void jw_object_begin(jw_t *w);
void jw_object_end(jw_t *w);
void jw_array_begin(jw_t *w);
void jw_array_end(jw_t *w);
void jw_key(jw_t *w, const char *key);
void jw_string(jw_t *w, const char *s);
void jw_string_n(jw_t *w, const char *s, size_t n);
void jw_int64(jw_t *w, int64_t v);
void jw_bool(jw_t *w, bool v);
void jw_null(jw_t *w);
void jw_decimal_string(jw_t *w, decimal_t v); /* "0.1" as a JSON string (Binance, Bybit) */
void jw_decimal_number(jw_t *w, decimal_t v); /* 0.1 as a JSON number token (CoinDCX) */
void jw_raw(jw_t *w, const char *json_text);  /* pre-encoded JSON value, written as is */
bool jw_failed(const jw_t *w);

#endif
