/* fuzz_json: parses arbitrary bytes with json_parse under tight limits, then walks the whole tree and reads
 * every node with every getter (kind, string, number text, decimal, int64, bool, member getters), checking
 * the invariants that callers rely on: a refusal always names a reason, getters that fail leave their output
 * untouched, number nodes always have text, and a writer echo of the tree parses back. Must never crash. */
#include "json/json.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static void s_walk(const json_t *v, jw_t *w);

static int s_member(const char *key, const json_t *val, void *ctx)
{
    jw_t *w = ctx;
    jw_key(w, key);
    s_walk(val, w);
    return 0;
}

static void s_read_all(const json_t *v)
{
    err_t err;
    decimal_t d = {42, 1};
    int64_t i = 42;
    bool b = true;
    size_t len = 0;
    const char *s = json_string(v, &len);
    assert(!s || json_kind(v) == JSON_STRING);
    const char *num = json_number_text(v);
    assert((num != NULL) == (json_kind(v) == JSON_NUMBER));
    if (num)
        assert(num[0] != '\0');
    if (json_decimal(v, &d, &err) != 0) {
        assert(err.code == XR_INVALID_REQUEST && err.msg[0] != '\0');
        assert(d.mantissa == 42 && d.scale == 1);
    } else {
        char text[DECIMAL_STR_MAX];
        assert(decimal_format(d, text, sizeof text) > 0);
    }
    if (json_int64(v, &i, &err) != 0)
        assert(i == 42 && err.msg[0] != '\0');
    if (json_bool(v, &b, &err) != 0)
        assert(b && err.msg[0] != '\0');
    (void) json_decimal(v, &d, NULL);
    (void) json_int64(v, &i, NULL);
    (void) json_bool(v, &b, NULL);
}

static int s_member_getters(const char *key, const json_t *val, void *ctx)
{
    const json_t *obj = ctx;
    err_t err;
    char out[16];
    decimal_t d;
    int64_t i;
    bool b;
    assert(json_get(obj, key) != NULL || json_kind(val) == JSON_NULL);
    (void) json_get_str(obj, key, out, sizeof out, &err);
    (void) json_get_decimal(obj, key, &d, &err);
    (void) json_get_int64(obj, key, &i, &err);
    (void) json_get_bool(obj, key, &b, &err);
    return 0;
}

/* Reads every node and echoes the tree through the writer (numbers as their text, via jw_raw). */
static void s_walk(const json_t *v, jw_t *w)
{
    s_read_all(v);
    switch (json_kind(v)) {
    case JSON_NULL:
        jw_null(w);
        break;
    case JSON_BOOL: {
        bool b = false;
        int rc = json_bool(v, &b, NULL);
        assert(rc == 0);
        jw_bool(w, b);
        break;
    }
    case JSON_NUMBER:
        jw_raw(w, json_number_text(v));
        break;
    case JSON_STRING: {
        size_t len = 0;
        const char *s = json_string(v, &len);
        jw_string_n(w, s, len);
        break;
    }
    case JSON_ARRAY:
        jw_array_begin(w);
        for (size_t i = 0; i < json_array_len(v); i++)
            s_walk(json_array_at(v, i), w);
        assert(json_array_at(v, json_array_len(v)) == NULL);
        jw_array_end(w);
        break;
    case JSON_OBJECT:
        jw_object_begin(w);
        json_object_each(v, s_member, w);
        json_object_each(v, s_member_getters, (void *) v);
        jw_object_end(w);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_t err;
    err_clear(&err);
    json_t *root = json_parse((const char *) data, size, 16384, 16, &err);
    if (!root) {
        assert(err.code == XR_INVALID_REQUEST && err.msg[0] != '\0');
        return 0;
    }
    buf_t b;
    buf_init(&b, 1 << 20);
    jw_t w;
    jw_init(&w, &b);
    s_walk(root, &w);
    /* The echo of an accepted document is itself accepted (the writer nests up to 31, parse allowed 16). */
    if (!jw_failed(&w)) {
        json_t *again = json_parse(b.data, b.len, 1 << 20, 16, &err);
        assert(again);
        json_free(&again);
    }
    buf_release(&b);
    json_free(&root);
    return 0;
}
