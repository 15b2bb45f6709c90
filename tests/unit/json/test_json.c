/* test_json: bounded parsing (size, depth, trailing bytes, NULs, number grammar and integer range), exact
 * reading of venue-shaped bodies (CoinDCX number tokens, Binance string decimals and string bools), member
 * getters and their error text, and the compact writer's exact bytes and sticky misuse errors. */
#include "json/json.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define MAX_LEN (64 * 1024)

static json_t *s_parse(const char *text)
{
    err_t err;
    err_clear(&err);
    json_t *root = json_parse(text, strlen(text), MAX_LEN, JSON_DEFAULT_MAX_DEPTH, &err);
    ck_assert_msg(root, "parse failed: %s: %s", text, err.msg);
    ck_assert_int_eq(err.code, XR_OK);
    return root;
}

/* Asserts that text is refused and that the reason contains want. */
static void s_refused(const char *text, size_t len, const char *want)
{
    err_t err;
    err_clear(&err);
    json_t *root = json_parse(text, len, MAX_LEN, JSON_DEFAULT_MAX_DEPTH, &err);
    ck_assert_msg(!root, "accepted: %.*s", (int) len, text);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_msg(strstr(err.msg, want), "for %.*s: got '%s', want '%s'", (int) len, text, err.msg, want);
}

static void s_refused_str(const char *text, const char *want)
{
    s_refused(text, strlen(text), want);
}

static void s_dec_eq(const json_t *v, int64_t mantissa, uint8_t scale)
{
    decimal_t d;
    err_t err;
    ck_assert_msg(json_decimal(v, &d, &err) == 0, "json_decimal: %s", err.msg);
    ck_assert_msg(d.mantissa == mantissa && d.scale == scale, "got %lld/10^%u, want %lld/10^%u",
                  (long long) d.mantissa, d.scale, (long long) mantissa, scale);
}

START_TEST(test_coindcx_numbers_exact)
{
    const char *body = "{\"id\":\"c87ca633-6218-44ea-900b-e86981358cbd\",\"price\":0.2962,\"fee\":1e-3,"
                       "\"leverage\":33,\"avg\":12345678.12345678,\"qty\":0.10,\"neg\":-1.5E+3,\"zero\":-0}";
    json_t *root = s_parse(body);
    ck_assert_int_eq(json_kind(root), JSON_OBJECT);
    ck_assert_str_eq(json_number_text(json_get(root, "price")), "0.2962");
    ck_assert_str_eq(json_number_text(json_get(root, "fee")), "1e-3");
    ck_assert_str_eq(json_number_text(json_get(root, "leverage")), "33");
    ck_assert_str_eq(json_number_text(json_get(root, "avg")), "12345678.12345678");
    ck_assert_str_eq(json_number_text(json_get(root, "qty")), "0.10");
    ck_assert_str_eq(json_number_text(json_get(root, "neg")), "-1.5E+3");
    ck_assert_str_eq(json_number_text(json_get(root, "zero")), "0"); /* integer -0 reads back as 0 */
    s_dec_eq(json_get(root, "price"), 2962, 4);
    s_dec_eq(json_get(root, "fee"), 1, 3);
    s_dec_eq(json_get(root, "leverage"), 33, 0);
    s_dec_eq(json_get(root, "avg"), 1234567812345678LL, 8); /* a double would give ...12345678.123456776 */
    s_dec_eq(json_get(root, "qty"), 1, 1);
    s_dec_eq(json_get(root, "neg"), -1500, 0);
    s_dec_eq(json_get(root, "zero"), 0, 0);
    ck_assert_ptr_null(json_number_text(json_get(root, "id")));
    json_free(&root);
    ck_assert_ptr_null(root);
    json_free(&root);
    json_free(NULL);
}
END_TEST

START_TEST(test_binance_string_decimals)
{
    const char *body = "{\"orderId\":8389765519213451234,\"symbol\":\"ETHUSDT\",\"status\":\"NEW\","
                       "\"clientOrderId\":\"x-abc\",\"price\":\"2000.10\",\"origQty\":\"0.010\","
                       "\"executedQty\":\"0\",\"reduceOnly\":false,\"updateTime\":1699999999999,"
                       "\"dualSidePosition\":\"true\",\"priceProtect\":\"false\"}";
    json_t *root = s_parse(body);
    err_t err;
    decimal_t d;
    int64_t id;
    bool b;
    char sym[16];
    ck_assert_int_eq(json_get_decimal(root, "price", &d, &err), 0);
    ck_assert(d.mantissa == 20001 && d.scale == 1);
    ck_assert_int_eq(json_get_decimal(root, "origQty", &d, &err), 0);
    ck_assert(d.mantissa == 1 && d.scale == 2);
    ck_assert_int_eq(json_get_decimal(root, "executedQty", &d, &err), 0);
    ck_assert(d.mantissa == 0 && d.scale == 0);
    ck_assert_int_eq(json_get_int64(root, "orderId", &id, &err), 0);
    ck_assert(id == 8389765519213451234LL);
    ck_assert_int_eq(json_get_int64(root, "updateTime", &id, &err), 0);
    ck_assert(id == 1699999999999LL);
    ck_assert_int_eq(json_get_str(root, "symbol", sym, sizeof sym, &err), 0);
    ck_assert_str_eq(sym, "ETHUSDT");
    ck_assert_int_eq(json_get_bool(root, "reduceOnly", &b, &err), 0);
    ck_assert(!b);
    ck_assert_int_eq(json_get_bool(root, "dualSidePosition", &b, &err), 0);
    ck_assert(b);
    ck_assert_int_eq(json_get_bool(root, "priceProtect", &b, &err), 0);
    ck_assert(!b);
    /* Only the exact strings "true"/"false" count as bools. */
    ck_assert_int_eq(json_get_bool(root, "status", &b, &err), -1);
    ck_assert_str_eq(err.msg, "field status: not a bool");
    json_free(&root);

    root = s_parse("[\"True\",1,0,\"\",null,\"true \"]");
    for (size_t i = 0; i < json_array_len(root); i++) {
        b = true;
        ck_assert_int_eq(json_bool(json_array_at(root, i), &b, &err), -1);
        ck_assert(b); /* untouched */
    }
    json_free(&root);
}
END_TEST

START_TEST(test_getter_errors)
{
    json_t *root = s_parse("{\"price\":\"abc\",\"qty\":\"\",\"n\":null,\"obj\":{},\"s\":\"hello\","
                           "\"nul\":\"a\\u0000b\",\"f\":1.5,\"big\":1234567890123456789}");
    err_t err;
    decimal_t d = {7, 0};
    int64_t i = 7;
    char out[6];

    ck_assert_int_eq(json_get_decimal(root, "missing", &d, &err), -1);
    ck_assert_str_eq(err.msg, "missing field missing");
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_int_eq(json_get_decimal(root, "price", &d, &err), -1);
    ck_assert_msg(strncmp(err.msg, "field price: ", 13) == 0, "%s", err.msg);
    ck_assert_int_eq(json_get_decimal(root, "qty", &d, &err), -1);
    ck_assert_str_eq(err.msg, "field qty: empty string is not a decimal");
    ck_assert_int_eq(json_get_decimal(root, "n", &d, &err), -1);
    ck_assert_str_eq(err.msg, "field n: not a decimal (wrong kind)");
    ck_assert_int_eq(json_get_decimal(root, "obj", &d, &err), -1);
    ck_assert_int_eq(json_get_decimal(root, "big", &d, &err), -1); /* 19 significant digits */
    ck_assert(d.mantissa == 7 && d.scale == 0);                     /* untouched on failure */

    ck_assert_int_eq(json_get_int64(root, "f", &i, &err), -1);
    ck_assert_str_eq(err.msg, "field f: not an integer (fraction or exponent)");
    ck_assert_int_eq(json_get_int64(root, "s", &i, &err), -1);
    ck_assert_int_eq(json_get_int64(root, "n", &i, &err), -1);
    ck_assert_int_eq(json_get_int64(root, "big", &i, &err), 0);
    ck_assert(i == 1234567890123456789LL);

    ck_assert_int_eq(json_get_str(root, "s", out, 5, &err), -1); /* "hello" needs 6 bytes */
    ck_assert_str_eq(err.msg, "field s: too long");
    ck_assert_int_eq(json_get_str(root, "s", out, 6, &err), 0);
    ck_assert_str_eq(out, "hello");
    ck_assert_int_eq(json_get_str(root, "n", out, sizeof out, &err), -1);
    ck_assert_str_eq(err.msg, "field n: not a string");
    ck_assert_int_eq(json_get_str(root, "nul", out, sizeof out, &err), -1);
    ck_assert_str_eq(err.msg, "field nul: contains a NUL character");
    ck_assert_int_eq(json_get_str(root, "f", out, sizeof out, NULL), -1); /* err is optional */
    ck_assert_int_eq(json_get_str(NULL, "f", out, sizeof out, &err), -1);
    ck_assert_str_eq(err.msg, "missing field f");
    json_free(&root);
}
END_TEST

START_TEST(test_int64)
{
    json_t *root = s_parse("[9223372036854775807,-9223372036854775808,9223372036854775808,"
                           "18446744073709551615,\"123\",\"-5\",\"12a\",\"\",\" 1\",\"1.0\",1e3,1.0,\"+1\","
                           "\"-\",\"99999999999999999999\",true]");
    int64_t v = 0;
    err_t err;
    ck_assert_int_eq(json_int64(json_array_at(root, 0), &v, &err), 0);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(json_int64(json_array_at(root, 1), &v, &err), 0);
    ck_assert(v == INT64_MIN);
    /* json-c keeps these as uint64: the text is exact, but they do not fit int64 nor a decimal. */
    ck_assert_str_eq(json_number_text(json_array_at(root, 2)), "9223372036854775808");
    ck_assert_str_eq(json_number_text(json_array_at(root, 3)), "18446744073709551615");
    ck_assert_int_eq(json_int64(json_array_at(root, 2), &v, &err), -1);
    ck_assert_str_eq(err.msg, "not an integer that fits int64");
    ck_assert_int_eq(json_int64(json_array_at(root, 3), &v, &err), -1);
    decimal_t d;
    ck_assert_int_eq(json_decimal(json_array_at(root, 3), &d, &err), -1);
    ck_assert_int_eq(json_int64(json_array_at(root, 4), &v, &err), 0);
    ck_assert(v == 123);
    ck_assert_int_eq(json_int64(json_array_at(root, 5), &v, &err), 0);
    ck_assert(v == -5);
    for (size_t i = 6; i < json_array_len(root); i++)
        ck_assert_msg(json_int64(json_array_at(root, i), &v, &err) == -1, "element %zu", i);
    ck_assert_int_eq(json_int64(NULL, &v, &err), -1);
    json_free(&root);
}
END_TEST

START_TEST(test_integer_range_refused)
{
    /* json-c would silently saturate these; we refuse the document. */
    s_refused_str("18446744073709551616", "integer out of range");
    s_refused_str("[-9223372036854775809]", "integer out of range");
    s_refused_str("{\"id\":123456789012345678901234567890}", "integer out of range at offset 6");
    /* Large non-integers are kept as text (and read as decimals only if they fit). */
    json_t *root = s_parse("[1E400,123456789012345678901234567890.5]");
    ck_assert_str_eq(json_number_text(json_array_at(root, 0)), "1E400");
    ck_assert_str_eq(json_number_text(json_array_at(root, 1)), "123456789012345678901234567890.5");
    decimal_t d;
    ck_assert_int_eq(json_decimal(json_array_at(root, 0), &d, NULL), -1);
    ck_assert_int_eq(json_decimal(json_array_at(root, 1), &d, NULL), -1);
    json_free(&root);
}
END_TEST

START_TEST(test_malformed)
{
    s_refused_str("", "empty");
    s_refused_str("   ", "json: ");
    s_refused_str("{", "json: ");
    s_refused_str("[1,]", "json: ");
    s_refused_str("{\"a\":1,}", "json: ");
    s_refused_str("{\"a\" 1}", "json: ");
    s_refused_str("'a'", "json: ");
    s_refused_str("TRUE", "json: ");
    s_refused_str("nul", "json: ");
    s_refused_str("NaN", "invalid literal");
    s_refused_str("[Infinity]", "invalid literal");
    s_refused_str("[-Infinity]", "json: ");
    s_refused_str("1.", "invalid number");
    s_refused_str("[1.e5]", "invalid number");
    s_refused_str("[1e]", "json: ");
    s_refused_str(".5", "json: ");
    s_refused_str("01", "json: ");
    s_refused_str("-", "json: ");
    s_refused_str("0x10", "json: ");
    s_refused_str("/*c*/1", "json: ");
    s_refused_str("\"\xff\"", "json: ");         /* invalid UTF-8 */
    s_refused_str("null", "top-level null");
}
END_TEST

START_TEST(test_trailing_and_nul)
{
    s_refused_str("{\"a\":1} x", "json: ");
    s_refused_str("{\"a\":1}{}", "json: ");
    s_refused_str("1 2", "json: ");
    s_refused_str("\"x\"y", "json: ");
    s_refused_str("[1]]", "json: ");
    s_refused("{\"a\":1}\0", 8, "NUL byte at offset 7");
    s_refused("{\"a\":\"x\0y\"}", 11, "NUL byte at offset 7");
    s_refused("1\0", 2, "NUL byte at offset 1");
    json_t *root = s_parse(" \t{\"a\":1}\r\n ");
    ck_assert_int_eq(json_kind(root), JSON_OBJECT);
    json_free(&root);
    root = s_parse("42 ");
    ck_assert_str_eq(json_number_text(root), "42");
    json_free(&root);
    root = s_parse("-0.5");
    ck_assert_str_eq(json_number_text(root), "-0.5");
    json_free(&root);
    root = s_parse("\"x\"");
    ck_assert_str_eq(json_string(root, NULL), "x");
    json_free(&root);

    /* Only len bytes are read: the rest of the buffer is not part of the document. */
    err_t err;
    const char *buf = "[1,2]garbage";
    root = json_parse(buf, 5, MAX_LEN, 4, &err);
    ck_assert_ptr_nonnull(root);
    ck_assert_uint_eq(json_array_len(root), 2);
    json_free(&root);
    root = json_parse("1234", 2, MAX_LEN, 4, &err);
    ck_assert_str_eq(json_number_text(root), "12");
    json_free(&root);
}
END_TEST

START_TEST(test_limits)
{
    err_t err;
    const char *doc = "{\"a\":[1,2,3]}"; /* 13 bytes, depth 2 */
    json_t *root = json_parse(doc, 13, 13, 2, &err);
    ck_assert_ptr_nonnull(root);
    json_free(&root);
    ck_assert_ptr_null(json_parse(doc, 13, 12, 2, &err));
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_str_eq(err.msg, "json: too long (13 bytes, limit 12)");
    ck_assert_ptr_null(json_parse(doc, 13, 13, 1, &err));
    ck_assert_str_eq(err.msg, "json: nested deeper than 1");

    root = json_parse("7", 1, 1, 1, &err);
    ck_assert_ptr_nonnull(root);
    json_free(&root);

    char deep[200];
    for (int d = 1; d <= 40; d++) {
        size_t n = 0;
        for (int i = 0; i < d; i++)
            deep[n++] = '[';
        for (int i = 0; i < d; i++)
            deep[n++] = ']';
        root = json_parse(deep, n, MAX_LEN, JSON_DEFAULT_MAX_DEPTH, &err);
        if (d <= JSON_DEFAULT_MAX_DEPTH) {
            ck_assert_msg(root, "depth %d: %s", d, err.msg);
            json_free(&root);
        } else {
            ck_assert_ptr_null(root);
            ck_assert_str_eq(err.msg, "json: nested deeper than 32");
        }
    }
    /* Objects count like arrays. */
    root = json_parse("{\"a\":{\"b\":{}}}", 14, MAX_LEN, 3, &err);
    ck_assert_ptr_nonnull(root);
    json_free(&root);
    ck_assert_ptr_null(json_parse("{\"a\":{\"b\":{}}}", 14, MAX_LEN, 2, &err));
}
END_TEST

static int s_collect(const char *key, const json_t *val, void *ctx)
{
    buf_t *b = ctx;
    buf_printf(b, "%s=%d;", key, (int) json_kind(val));
    return strcmp(key, "stop") == 0 ? 7 : 0;
}

START_TEST(test_tree_walk)
{
    json_t *root = s_parse("{\"z\":1,\"a\":\"s\",\"m\":[true,null,{\"k\":[]}],\"n\":null,\"stop\":{},\"after\":2}");
    buf_t b;
    buf_init(&b, 1024);
    ck_assert_int_eq(json_object_each(root, s_collect, &b), 7);
    ck_assert_str_eq(buf_cstr(&b), "z=2;a=3;m=4;n=0;stop=5;");
    const json_t *m = json_get(root, "m");
    ck_assert_int_eq(json_kind(m), JSON_ARRAY);
    ck_assert_uint_eq(json_array_len(m), 3);
    ck_assert_int_eq(json_kind(json_array_at(m, 0)), JSON_BOOL);
    ck_assert_int_eq(json_kind(json_array_at(m, 1)), JSON_NULL);
    ck_assert_int_eq(json_kind(json_array_at(m, 2)), JSON_OBJECT);
    ck_assert_ptr_null(json_array_at(m, 3));
    ck_assert_uint_eq(json_array_len(json_get(json_array_at(m, 2), "k")), 0);
    ck_assert_ptr_null(json_get(m, "k"));       /* not an object */
    ck_assert_uint_eq(json_array_len(root), 0); /* not an array */
    ck_assert_int_eq(json_object_each(m, s_collect, &b), 0);
    ck_assert_ptr_null(json_string(m, NULL));
    ck_assert_int_eq(json_kind(NULL), JSON_NULL);
    json_free(&root);

    root = s_parse("[\"a\\u0000b\",\"\\u00e9\\n\\\"\",\"\\ud83d\\ude00\"]");
    size_t len = 0;
    const char *s = json_string(json_array_at(root, 0), &len);
    ck_assert_uint_eq(len, 3);
    ck_assert(memcmp(s, "a\0b", 3) == 0);
    ck_assert_str_eq(json_string(json_array_at(root, 1), NULL), "\xc3\xa9\n\"");
    ck_assert_str_eq(json_string(json_array_at(root, 2), NULL), "\xf0\x9f\x98\x80");
    json_free(&root);

    /* Duplicate keys: json-c keeps the last value. */
    root = s_parse("{\"a\":1,\"a\":2}");
    ck_assert_str_eq(json_number_text(json_get(root, "a")), "2");
    json_free(&root);
    buf_release(&b);
}
END_TEST

/* ---------------------------------------------------------------------------------------------------- */
/* Writer */

START_TEST(test_writer_bybit_body)
{
    buf_t b;
    buf_init(&b, 4096);
    jw_t w;
    jw_init(&w, &b);
    decimal_t qty, price;
    ck_assert_int_eq(decimal_from_str("0.010", &qty, NULL), 0);
    ck_assert_int_eq(decimal_from_str("2000", &price, NULL), 0);
    jw_object_begin(&w);
    jw_key(&w, "category");
    jw_string(&w, "linear");
    jw_key(&w, "symbol");
    jw_string(&w, "ETHUSDT");
    jw_key(&w, "side");
    jw_string(&w, "Buy");
    jw_key(&w, "orderType");
    jw_string(&w, "Limit");
    jw_key(&w, "qty");
    jw_decimal_string(&w, qty);
    jw_key(&w, "price");
    jw_decimal_string(&w, price);
    jw_key(&w, "timeInForce");
    jw_string(&w, "GTC");
    jw_key(&w, "orderLinkId");
    jw_string(&w, "t-1");
    jw_object_end(&w);
    ck_assert(!jw_failed(&w));
    /* The exact body of the self-computed Bybit POST vector in venues.md section 0. */
    ck_assert_str_eq(buf_cstr(&b), "{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\","
                                   "\"orderType\":\"Limit\",\"qty\":\"0.01\",\"price\":\"2000\","
                                   "\"timeInForce\":\"GTC\",\"orderLinkId\":\"t-1\"}");
    buf_release(&b);
}
END_TEST

START_TEST(test_writer_coindcx_body)
{
    buf_t b;
    buf_init(&b, 4096);
    jw_t w;
    jw_init(&w, &b);
    decimal_t price, qty, neg;
    ck_assert_int_eq(decimal_from_str("0.2962", &price, NULL), 0);
    ck_assert_int_eq(decimal_from_str("12345678.12345678", &qty, NULL), 0);
    ck_assert_int_eq(decimal_from_str("-0.50", &neg, NULL), 0);
    jw_object_begin(&w);
    jw_key(&w, "timestamp");
    jw_int64(&w, 1705647376759LL);
    jw_key(&w, "order");
    jw_object_begin(&w);
    jw_key(&w, "side");
    jw_string(&w, "buy");
    jw_key(&w, "price");
    jw_decimal_number(&w, price);
    jw_key(&w, "total_quantity");
    jw_decimal_number(&w, qty);
    jw_key(&w, "pnl");
    jw_decimal_number(&w, neg);
    jw_key(&w, "hidden");
    jw_bool(&w, false);
    jw_key(&w, "post_only");
    jw_bool(&w, true);
    jw_key(&w, "stop");
    jw_null(&w);
    jw_object_end(&w);
    jw_key(&w, "ids");
    jw_array_begin(&w);
    jw_int64(&w, INT64_MIN);
    jw_int64(&w, 0);
    jw_raw(&w, "{\"pre\":[1,2]}");
    jw_array_begin(&w);
    jw_array_end(&w);
    jw_object_begin(&w);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_object_end(&w);
    ck_assert(!jw_failed(&w));
    const char *want = "{\"timestamp\":1705647376759,\"order\":{\"side\":\"buy\",\"price\":0.2962,"
                       "\"total_quantity\":12345678.12345678,\"pnl\":-0.5,\"hidden\":false,\"post_only\":true,"
                       "\"stop\":null},\"ids\":[-9223372036854775808,0,{\"pre\":[1,2]},[],{}]}";
    ck_assert_str_eq(buf_cstr(&b), want);

    /* What we write, we read back exactly. */
    err_t err;
    json_t *root = json_parse(b.data, b.len, MAX_LEN, 8, &err);
    ck_assert_msg(root, "%s", err.msg);
    decimal_t d;
    ck_assert_int_eq(json_get_decimal(json_get(root, "order"), "total_quantity", &d, &err), 0);
    ck_assert(decimal_eq(d, qty));
    json_free(&root);
    buf_release(&b);
}
END_TEST

START_TEST(test_writer_escapes)
{
    buf_t b;
    buf_init(&b, 4096);
    jw_t w;
    jw_init(&w, &b);
    jw_object_begin(&w);
    jw_key(&w, "k\"\\\n");
    jw_string(&w, "a\"b\\c/d\n\t\x01\x1f\x7f\xc3\xa9");
    jw_key(&w, "n");
    jw_string_n(&w, "x\0y", 3);
    jw_key(&w, "");
    jw_string(&w, "");
    jw_key(&w, "e");
    jw_string_n(&w, NULL, 0);
    jw_object_end(&w);
    ck_assert(!jw_failed(&w));
    ck_assert_str_eq(buf_cstr(&b), "{\"k\\\"\\\\\\u000a\":\"a\\\"b\\\\c/d\\u000a\\u0009\\u0001\\u001f\x7f\xc3\xa9\","
                                   "\"n\":\"x\\u0000y\",\"\":\"\",\"e\":\"\"}");
    json_t *root = json_parse(b.data, b.len, MAX_LEN, 2, NULL);
    ck_assert_ptr_nonnull(root);
    size_t len;
    ck_assert_str_eq(json_string(json_get(root, "k\"\\\n"), &len), "a\"b\\c/d\n\t\x01\x1f\x7f\xc3\xa9");
    ck_assert(memcmp(json_string(json_get(root, "n"), &len), "x\0y", 3) == 0 && len == 3);
    json_free(&root);
    buf_release(&b);
}
END_TEST

START_TEST(test_writer_top_level_values)
{
    buf_t b;
    buf_init(&b, 64);
    jw_t w;
    jw_init(&w, &b);
    jw_string(&w, "x");
    ck_assert(!jw_failed(&w));
    ck_assert_str_eq(buf_cstr(&b), "\"x\"");
    jw_int64(&w, 1); /* a second top-level value */
    ck_assert(jw_failed(&w));
    ck_assert_str_eq(buf_cstr(&b), "\"x\"");
    buf_release(&b);
}
END_TEST

/* Runs one misuse scenario and checks the writer failed and stopped writing at the misuse. */
typedef void (*s_scenario_fn)(jw_t *w);
static void s_misuse(s_scenario_fn fn, const char *want_text)
{
    buf_t b;
    buf_init(&b, 4096);
    jw_t w;
    jw_init(&w, &b);
    fn(&w);
    ck_assert(jw_failed(&w));
    ck_assert_str_eq(buf_cstr(&b), want_text);
    jw_object_end(&w); /* sticky: nothing more is written */
    jw_string(&w, "more");
    ck_assert(jw_failed(&w));
    ck_assert_str_eq(buf_cstr(&b), want_text);
    buf_release(&b);
}

static void s_value_without_key(jw_t *w)
{
    jw_object_begin(w);
    jw_string(w, "v");
}
static void s_key_in_array(jw_t *w)
{
    jw_array_begin(w);
    jw_key(w, "k");
}
static void s_key_twice(jw_t *w)
{
    jw_object_begin(w);
    jw_key(w, "a");
    jw_key(w, "b");
}
static void s_wrong_end(jw_t *w)
{
    jw_object_begin(w);
    jw_array_end(w);
}
static void s_end_at_top(jw_t *w)
{
    jw_array_end(w);
}
static void s_end_after_key(jw_t *w)
{
    jw_object_begin(w);
    jw_key(w, "a");
    jw_object_end(w);
}
static void s_key_at_top(jw_t *w)
{
    jw_key(w, "a");
}
static void s_null_string(jw_t *w)
{
    jw_array_begin(w);
    jw_string(w, NULL);
}
static void s_empty_raw(jw_t *w)
{
    jw_array_begin(w);
    jw_raw(w, "");
}
static void s_unclosed(jw_t *w)
{
    jw_array_begin(w);
    jw_int64(w, 1);
}
static void s_dangling_key(jw_t *w)
{
    jw_object_begin(w);
    jw_key(w, "a");
}

START_TEST(test_writer_misuse)
{
    s_misuse(s_value_without_key, "{");
    s_misuse(s_key_in_array, "[");
    s_misuse(s_key_twice, "{\"a\":");
    s_misuse(s_wrong_end, "{");
    s_misuse(s_end_at_top, "");
    s_misuse(s_end_after_key, "{\"a\":");
    s_misuse(s_key_at_top, "");
    s_misuse(s_null_string, "[");
    s_misuse(s_empty_raw, "[");
    s_misuse(s_unclosed, "[1");
    s_misuse(s_dangling_key, "{\"a\":");
}
END_TEST

START_TEST(test_writer_depth)
{
    buf_t b;
    buf_init(&b, 4096);
    jw_t w;
    jw_init(&w, &b);
    for (int i = 0; i < 31; i++)
        jw_array_begin(&w);
    ck_assert(!w.failed);
    for (int i = 0; i < 31; i++)
        jw_array_end(&w);
    ck_assert(!jw_failed(&w));
    ck_assert_uint_eq(b.len, 62);

    buf_reset(&b);
    jw_init(&w, &b);
    for (int i = 0; i < 15; i++) {
        jw_object_begin(&w);
        jw_key(&w, "a");
        jw_array_begin(&w);
    }
    jw_object_begin(&w);
    jw_key(&w, "a");
    ck_assert(!w.failed); /* 31 levels */
    jw_array_begin(&w);   /* the 32nd */
    ck_assert(jw_failed(&w));
    buf_release(&b);
}
END_TEST

START_TEST(test_writer_buffer_full)
{
    buf_t b;
    buf_init(&b, 10);
    jw_t w;
    jw_init(&w, &b);
    jw_array_begin(&w);
    jw_string(&w, "abcd");
    ck_assert(!w.failed);
    ck_assert_str_eq(buf_cstr(&b), "[\"abcd\"");
    jw_string(&w, "efgh");
    ck_assert(jw_failed(&w));
    ck_assert(b.len <= 10);
    jw_array_end(&w);
    ck_assert(jw_failed(&w));
    ck_assert(b.len <= 10);
    buf_release(&b);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_coindcx_numbers_exact);
    tcase_add_test(tc, test_binance_string_decimals);
    tcase_add_test(tc, test_getter_errors);
    tcase_add_test(tc, test_int64);
    tcase_add_test(tc, test_integer_range_refused);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_trailing_and_nul);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_tree_walk);
    suite_add_tcase(s, tc);
    tc = tcase_create("write");
    tcase_add_test(tc, test_writer_bybit_body);
    tcase_add_test(tc, test_writer_coindcx_body);
    tcase_add_test(tc, test_writer_escapes);
    tcase_add_test(tc, test_writer_top_level_values);
    tcase_add_test(tc, test_writer_misuse);
    tcase_add_test(tc, test_writer_depth);
    tcase_add_test(tc, test_writer_buffer_full);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
