/* json: bounded parsing of outside JSON over json-c 0.16, exact typed getters, and a compact writer.
 *
 * json-c does the structural parsing (strict mode, UTF-8 validated, depth-limited). Two of its habits are
 * not acceptable for money and ids, so json_parse adds a second, linear pass over the raw text that checks
 * every bare token (s_check_tokens):
 *   - json-c saturates integers silently: 18446744073709551616 becomes UINT64_MAX and -9223372036854775809
 *     becomes INT64_MIN. We refuse integer tokens outside [INT64_MIN, UINT64_MAX] ("integer out of range").
 *     Tokens in (INT64_MAX, UINT64_MAX] parse (json-c keeps them exactly as uint64) but json_int64 and
 *     json_decimal refuse them.
 *   - json-c accepts NaN, Infinity and "1." even in strict mode. We refuse any number token that does not
 *     follow RFC 8259's grammar, and any bare word other than true/false/null.
 * Number text: json-c keeps the original token text of every non-integer number (json_object_new_double_s
 * stores it as the node's serializer data), so json_number_text returns it byte for byte ("1e-3", "0.10").
 * Integer tokens are stored as integers and printed back; with leading zeros refused by the grammar the
 * printed text equals the token, except "-0", which reads back as "0" (the same value).
 * Other json-c facts callers may meet: a duplicate key keeps the last value (at the first key's position
 * in json_object_each); a top-level "null" is refused by json_parse (json-c represents null as a NULL node,
 * which would be indistinguishable from failure).
 *
 * The writer keeps the kind of each open container in the upper half of jw_t.need_comma (bit 32+d set when
 * the container at depth d is an object), so it nests at most JW_MAX_DEPTH deep. */
/* json-c typedefs `json_bool`, which our API uses as a function name: rename json-c's type while its
 * headers are read (it is a plain int, so the ABI is unchanged). */
#define json_bool jsonc_bool_t
#include <json-c/json.h>
#undef json_bool

#include "json.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JW_MAX_DEPTH 31
#define JW_KIND_SHIFT 32

/* ---------------------------------------------------------------------------------------------------- */
/* Parsing */

static bool s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* True if the n digits at p (no sign, no leading zero unless n == 1) are at most the limit digits. */
static bool s_digits_within(const char *p, size_t n, const char *limit)
{
    size_t ln = strlen(limit);
    if (n != ln)
        return n < ln;
    return memcmp(p, limit, n) <= 0;
}

/* Checks one number token against RFC 8259 and, for integers, the range json-c stores exactly. */
static int s_check_number(const char *p, size_t n, size_t at, err_t *err)
{
    size_t i = 0;
    bool neg = p[0] == '-';
    if (neg)
        i++;
    size_t int_start = i;
    if (i < n && p[i] == '0')
        i++;
    else
        while (i < n && s_is_digit(p[i]))
            i++;
    size_t int_len = i - int_start;
    bool integral = true;
    if (int_len == 0)
        goto bad;
    if (i < n && p[i] == '.') {
        integral = false;
        size_t start = ++i;
        while (i < n && s_is_digit(p[i]))
            i++;
        if (i == start)
            goto bad;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        integral = false;
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t start = i;
        while (i < n && s_is_digit(p[i]))
            i++;
        if (i == start)
            goto bad;
    }
    if (i != n)
        goto bad;
    if (integral && !s_digits_within(p + int_start, int_len, neg ? "9223372036854775808" : "18446744073709551615"))
        return err_set(err, XR_INVALID_REQUEST, "json: integer out of range at offset %zu", at);
    return 0;
bad:
    return err_set(err, XR_INVALID_REQUEST, "json: invalid number at offset %zu", at);
}

/* Second pass over text that json-c accepted: every bare token must be a valid number or a literal, and
 * containers nest at most max_depth deep (json-c's own limit counts scalars as a level except inside
 * empty containers, so it only serves as the outer bound). */
static int s_check_tokens(const char *text, size_t len, int max_depth, err_t *err)
{
    size_t i = 0;
    int depth = 0;
    while (i < len) {
        char c = text[i];
        if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return err_set(err, XR_INVALID_REQUEST, "json: nested deeper than %d", max_depth);
            i++;
        } else if (c == ']' || c == '}') {
            depth--;
            i++;
        } else if (c == '"') {
            for (i++; i < len && text[i] != '"'; i++)
                if (text[i] == '\\')
                    i++;
            i++;
        } else if (c == '-' || s_is_digit(c)) {
            size_t j = i;
            while (j < len && text[j] != '\0' && (s_is_digit(text[j]) || strchr("+-.eE", text[j])))
                j++;
            if (s_check_number(text + i, j - i, i, err) != 0)
                return -1;
            i = j;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            size_t j = i;
            while (j < len && ((text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z')))
                j++;
            size_t n = j - i;
            if (!((n == 4 && memcmp(text + i, "true", 4) == 0) || (n == 5 && memcmp(text + i, "false", 5) == 0)
                  || (n == 4 && memcmp(text + i, "null", 4) == 0)))
                return err_set(err, XR_INVALID_REQUEST, "json: invalid literal at offset %zu", i);
            i = j;
        } else {
            i++;
        }
    }
    return 0;
}

/* Runs json-c over the bytes; NULL with err set on any refusal. A top-level number needs a terminator to
 * be complete, so after consuming everything with "continue" we feed one NUL byte as end of input. */
static json_t *s_tokenize(const char *text, size_t len, int max_depth, err_t *err)
{
    struct json_tokener *tok = json_tokener_new_ex(max_depth + 1); /* json-c counts a scalar as a level */
    if (!tok) {
        err_set(err, XR_INTERNAL, "json: tokener allocation failed");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_t *root = json_tokener_parse_ex(tok, text, (int) len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (!root && jerr == json_tokener_continue) {
        root = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
        end = len;
    }
    if (jerr == json_tokener_success && !root) {
        err_set(err, XR_INVALID_REQUEST, "json: top-level null");
    } else if (jerr == json_tokener_error_depth) {
        err_set(err, XR_INVALID_REQUEST, "json: nested deeper than %d", max_depth);
    } else if (jerr != json_tokener_success) {
        err_set(err, XR_INVALID_REQUEST, "json: %s at offset %zu", json_tokener_error_desc(jerr),
                jerr == json_tokener_continue ? len : end);
    } else {
        for (size_t i = end; i < len; i++) {
            if (!s_is_space(text[i])) {
                err_set(err, XR_INVALID_REQUEST, "json: trailing bytes at offset %zu", i);
                json_object_put(root);
                root = NULL;
                break;
            }
        }
    }
    if (jerr != json_tokener_success && root) {
        json_object_put(root);
        root = NULL;
    }
    json_tokener_free(tok);
    return root;
}

json_t *json_parse(const char *text, size_t len, size_t max_len, int max_depth, err_t *err)
{
    assert(text || len == 0);
    assert(max_depth > 0 && max_depth < INT_MAX);
    if (len > max_len || len > INT_MAX) {
        err_set(err, XR_INVALID_REQUEST, "json: too long (%zu bytes, limit %zu)", len, max_len);
        return NULL;
    }
    if (len == 0) {
        err_set(err, XR_INVALID_REQUEST, "json: empty input");
        return NULL;
    }
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        err_set(err, XR_INVALID_REQUEST, "json: NUL byte at offset %zu", (size_t) (nul - text));
        return NULL;
    }
    json_t *root = s_tokenize(text, len, max_depth, err);
    if (root && s_check_tokens(text, len, max_depth, err) != 0)
        json_free(&root);
    return root;
}

void json_free(json_t **root_p)
{
    if (root_p && *root_p) {
        json_object_put(*root_p);
        *root_p = NULL;
    }
}

/* ---------------------------------------------------------------------------------------------------- */
/* Reading */

json_kind_t json_kind(const json_t *v)
{
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        return JSON_BOOL;
    case json_type_double:
    case json_type_int:
        return JSON_NUMBER;
    case json_type_string:
        return JSON_STRING;
    case json_type_array:
        return JSON_ARRAY;
    case json_type_object:
        return JSON_OBJECT;
    case json_type_null:
    default:
        return JSON_NULL;
    }
}

const json_t *json_get(const json_t *v, const char *key)
{
    assert(key);
    json_t *out = NULL;
    if (json_kind(v) != JSON_OBJECT || !json_object_object_get_ex(v, key, &out))
        return NULL;
    return out;
}

size_t json_array_len(const json_t *v)
{
    return json_kind(v) == JSON_ARRAY ? json_object_array_length(v) : 0;
}

const json_t *json_array_at(const json_t *v, size_t i)
{
    if (i >= json_array_len(v))
        return NULL;
    return json_object_array_get_idx(v, i);
}

int json_object_each(const json_t *v, int (*fn)(const char *key, const json_t *val, void *ctx), void *ctx)
{
    assert(fn);
    if (json_kind(v) != JSON_OBJECT)
        return 0;
    /* json-c's iteration API takes a non-const object but does not modify it. */
    json_object_object_foreach((json_t *) v, key, val) {
        int rc = fn(key, val, ctx);
        if (rc != 0)
            return rc;
    }
    return 0;
}

const char *json_string(const json_t *v, size_t *len)
{
    if (json_kind(v) != JSON_STRING)
        return NULL;
    if (len)
        *len = (size_t) json_object_get_string_len(v);
    return json_object_get_string((json_t *) v);
}

const char *json_number_text(const json_t *v)
{
    if (json_kind(v) != JSON_NUMBER)
        return NULL;
    /* For doubles this is the stored token text; for integers json-c prints into the node's own buffer,
     * which lives as long as the node. Neither changes the value, hence the cast. */
    return json_object_to_json_string_ext((json_t *) v, JSON_C_TO_STRING_PLAIN);
}

int json_decimal(const json_t *v, decimal_t *out, err_t *err)
{
    assert(out);
    const char *text;
    size_t len = 0;
    switch (json_kind(v)) {
    case JSON_STRING:
        text = json_string(v, &len);
        if (len == 0)
            return err_set(err, XR_INVALID_REQUEST, "empty string is not a decimal");
        break;
    case JSON_NUMBER:
        text = json_number_text(v);
        len = strlen(text);
        break;
    default:
        return err_set(err, XR_INVALID_REQUEST, "not a decimal (wrong kind)");
    }
    return decimal_parse(text, len, out, err);
}

/* Parses an optional '-' and 1..19 digits that fit int64; nothing else. */
static int s_parse_int64(const char *text, size_t len, int64_t *out)
{
    size_t digits = len > 0 && text[0] == '-' ? len - 1 : len;
    if (digits == 0 || digits > 19)
        return -1;
    char tmp[24];
    memcpy(tmp, text, len);
    tmp[len] = '\0';
    for (size_t i = len - digits; i < len; i++)
        if (!s_is_digit(tmp[i]))
            return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(tmp, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (int64_t) v;
    return 0;
}

int json_int64(const json_t *v, int64_t *out, err_t *err)
{
    assert(out);
    const char *text;
    size_t len = 0;
    switch (json_kind(v)) {
    case JSON_STRING:
        text = json_string(v, &len);
        break;
    case JSON_NUMBER:
        if (json_object_get_type(v) != json_type_int)
            return err_set(err, XR_INVALID_REQUEST, "not an integer (fraction or exponent)");
        text = json_number_text(v);
        len = strlen(text);
        break;
    default:
        return err_set(err, XR_INVALID_REQUEST, "not an integer (wrong kind)");
    }
    if (s_parse_int64(text, len, out) != 0)
        return err_set(err, XR_INVALID_REQUEST, "not an integer that fits int64");
    return 0;
}

int json_bool(const json_t *v, bool *out, err_t *err)
{
    assert(out);
    if (json_kind(v) == JSON_BOOL) {
        *out = json_object_get_boolean(v) != 0;
        return 0;
    }
    size_t len = 0;
    const char *s = json_string(v, &len);
    if (s && len == 4 && memcmp(s, "true", 4) == 0) {
        *out = true;
        return 0;
    }
    if (s && len == 5 && memcmp(s, "false", 5) == 0) {
        *out = false;
        return 0;
    }
    return err_set(err, XR_INVALID_REQUEST, "not a bool");
}

/* The member named key, or NULL with err "missing field key". A member whose value is null counts as
 * present (its node is NULL), so *present tells the two apart. */
static const json_t *s_member(const json_t *obj, const char *key, bool *present, err_t *err)
{
    assert(key);
    json_t *val = NULL;
    *present = json_kind(obj) == JSON_OBJECT && json_object_object_get_ex(obj, key, &val);
    if (!*present)
        err_set(err, XR_INVALID_REQUEST, "missing field %s", key);
    return val;
}

/* Rewrites err's message as "field key: <reason>". Returns -1. */
static int s_field_err(err_t *err, const char *key, const char *reason)
{
    if (!err)
        return -1;
    char why[ERR_MSG_MAX];
    snprintf(why, sizeof why, "%s", reason);
    return err_set(err, XR_INVALID_REQUEST, "field %s: %s", key, why);
}

int json_get_str(const json_t *obj, const char *key, char *out, size_t cap, err_t *err)
{
    assert(out && cap > 0);
    bool present;
    const json_t *v = s_member(obj, key, &present, err);
    if (!present)
        return -1;
    size_t len = 0;
    const char *s = json_string(v, &len);
    if (!s)
        return s_field_err(err, key, "not a string");
    if (memchr(s, '\0', len))
        return s_field_err(err, key, "contains a NUL character");
    if (len >= cap)
        return s_field_err(err, key, "too long");
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

int json_get_decimal(const json_t *obj, const char *key, decimal_t *out, err_t *err)
{
    bool present;
    const json_t *v = s_member(obj, key, &present, err);
    if (!present)
        return -1;
    if (json_decimal(v, out, err) != 0)
        return s_field_err(err, key, err ? err->msg : "");
    return 0;
}

int json_get_int64(const json_t *obj, const char *key, int64_t *out, err_t *err)
{
    bool present;
    const json_t *v = s_member(obj, key, &present, err);
    if (!present)
        return -1;
    if (json_int64(v, out, err) != 0)
        return s_field_err(err, key, err ? err->msg : "");
    return 0;
}

int json_get_bool(const json_t *obj, const char *key, bool *out, err_t *err)
{
    bool present;
    const json_t *v = s_member(obj, key, &present, err);
    if (!present)
        return -1;
    if (json_bool(v, out, err) != 0)
        return s_field_err(err, key, err ? err->msg : "");
    return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Writing */

void jw_init(jw_t *w, buf_t *out)
{
    assert(w && out);
    w->out = out;
    w->depth = 0;
    w->need_comma = 0;
    w->after_key = false;
    w->failed = false;
}

static bool s_in_object(const jw_t *w)
{
    return w->depth > 0 && (w->need_comma & (UINT64_C(1) << (JW_KIND_SHIFT + w->depth))) != 0;
}

static bool s_has_element(const jw_t *w)
{
    return (w->need_comma & (UINT64_C(1) << w->depth)) != 0;
}

static void s_put(jw_t *w, const char *s, size_t n)
{
    if (!w->failed && buf_append(w->out, s, n) != 0)
        w->failed = true;
}

/* Everything a value needs before its first byte: a key when inside an object, a comma between array
 * elements, and only one value at top level. Returns false (and fails the writer) on misuse. */
static bool s_begin_value(jw_t *w)
{
    assert(w);
    if (w->failed)
        return false;
    if (s_in_object(w)) {
        if (!w->after_key)
            w->failed = true;
        w->after_key = false;
        return !w->failed;
    }
    if (s_has_element(w)) {
        if (w->depth == 0) {
            w->failed = true;
            return false;
        }
        s_put(w, ",", 1);
    }
    w->need_comma |= UINT64_C(1) << w->depth;
    return !w->failed;
}

static void s_put_escaped(jw_t *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    s_put(w, "\"", 1);
    size_t run = 0; /* start of the pending run of bytes that need no escaping */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        s_put(w, s + run, i - run);
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char) c};
            s_put(w, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0f]};
            s_put(w, esc, 6);
        }
        run = i + 1;
    }
    s_put(w, s + run, n - run);
    s_put(w, "\"", 1);
}

static void s_open(jw_t *w, bool object)
{
    if (!s_begin_value(w))
        return;
    if (w->depth >= JW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->depth++;
    w->need_comma &= ~(UINT64_C(1) << w->depth);
    if (object)
        w->need_comma |= UINT64_C(1) << (JW_KIND_SHIFT + w->depth);
    else
        w->need_comma &= ~(UINT64_C(1) << (JW_KIND_SHIFT + w->depth));
    s_put(w, object ? "{" : "[", 1);
}

static void s_close(jw_t *w, bool object)
{
    assert(w);
    if (w->failed)
        return;
    if (w->depth == 0 || s_in_object(w) != object || w->after_key) {
        w->failed = true;
        return;
    }
    w->need_comma &= ~(UINT64_C(1) << w->depth);
    w->need_comma &= ~(UINT64_C(1) << (JW_KIND_SHIFT + w->depth));
    w->depth--;
    s_put(w, object ? "}" : "]", 1);
}

void jw_object_begin(jw_t *w)
{
    s_open(w, true);
}

void jw_object_end(jw_t *w)
{
    s_close(w, true);
}

void jw_array_begin(jw_t *w)
{
    s_open(w, false);
}

void jw_array_end(jw_t *w)
{
    s_close(w, false);
}

void jw_key(jw_t *w, const char *key)
{
    assert(w);
    if (w->failed)
        return;
    if (!key || !s_in_object(w) || w->after_key) {
        w->failed = true;
        return;
    }
    if (s_has_element(w))
        s_put(w, ",", 1);
    w->need_comma |= UINT64_C(1) << w->depth;
    s_put_escaped(w, key, strlen(key));
    s_put(w, ":", 1);
    w->after_key = true;
}

void jw_string(jw_t *w, const char *s)
{
    if (!s) {
        w->failed = true;
        return;
    }
    jw_string_n(w, s, strlen(s));
}

void jw_string_n(jw_t *w, const char *s, size_t n)
{
    if (!s && n > 0) {
        w->failed = true;
        return;
    }
    if (s_begin_value(w))
        s_put_escaped(w, s ? s : "", n);
}

void jw_int64(jw_t *w, int64_t v)
{
    if (!s_begin_value(w))
        return;
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    s_put(w, tmp, (size_t) n);
}

void jw_bool(jw_t *w, bool v)
{
    if (s_begin_value(w))
        s_put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jw_t *w)
{
    if (s_begin_value(w))
        s_put(w, "null", 4);
}

void jw_decimal_string(jw_t *w, decimal_t v)
{
    char tmp[DECIMAL_STR_MAX];
    size_t n = decimal_format(v, tmp, sizeof tmp);
    if (n == 0) {
        w->failed = true;
        return;
    }
    jw_string_n(w, tmp, n);
}

void jw_decimal_number(jw_t *w, decimal_t v)
{
    char tmp[DECIMAL_STR_MAX];
    size_t n = decimal_format(v, tmp, sizeof tmp);
    if (n == 0) {
        w->failed = true;
        return;
    }
    if (s_begin_value(w))
        s_put(w, tmp, n);
}

void jw_raw(jw_t *w, const char *json_text)
{
    if (!json_text || !*json_text) {
        w->failed = true;
        return;
    }
    if (s_begin_value(w))
        s_put(w, json_text, strlen(json_text));
}

/* Also true when the document is incomplete (an open container or a key without its value), since the
 * caller checks this once, at the end. */
bool jw_failed(const jw_t *w)
{
    assert(w);
    return w->failed || w->depth != 0 || w->after_key;
}
