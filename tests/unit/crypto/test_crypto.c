/* test_crypto: HMAC signing against the official Binance vectors and the self-computed Bybit/CoinDCX
 * vectors of venues.md section 0, base64 output against an independently computed value, constant-time
 * comparison semantics, and random id shape and uniqueness. */
#include "crypto/crypto.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define BINANCE_SECRET "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

static void s_check_hex(const char *secret, const char *msg, const char *expected)
{
    char out[CRYPTO_HEX_SHA256_LEN];
    ck_assert_int_eq(crypto_hmac_sha256_hex(secret, msg, strlen(msg), out), 0);
    ck_assert_uint_eq(strlen(out), 64);
    ck_assert_str_eq(out, expected);
}

START_TEST(test_binance_official_query)
{
    s_check_hex(BINANCE_SECRET,
                "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                "&timestamp=1499827319559",
                "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}
END_TEST

START_TEST(test_binance_official_query_plus_body)
{
    s_check_hex(BINANCE_SECRET,
                "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000"
                "&timestamp=1499827319559",
                "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
}
END_TEST

START_TEST(test_binance_official_percent_encoded)
{
    s_check_hex(BINANCE_SECRET,
                "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
                "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
                "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}
END_TEST

START_TEST(test_bybit_get_post_ws)
{
    s_check_hex("bybit-test-secret", "1658384314791XXXXXXXXXX5000category=linear&symbol=ETHUSDT",
                "7584238cb4f5b51f963964cc8310b731e97ac3b47aaa1931c7b87ae3214d122e");
    s_check_hex("bybit-test-secret",
                "1658385579423XXXXXXXXXX5000{\"category\":\"linear\",\"symbol\":\"ETHUSDT\",\"side\":\"Buy\","
                "\"orderType\":\"Limit\",\"qty\":\"0.01\",\"price\":\"2000\",\"timeInForce\":\"GTC\","
                "\"orderLinkId\":\"t-1\"}",
                "aa86e5bbdfa81b2e0d4475031a4139f6458db07d6849c853d532c746c60e9b5a");
    s_check_hex("bybit-test-secret", "GET/realtime1662350400000",
                "e5afa359fdaabfeeae6a8755687997f43c4696196a957502edf608dcd3c83caa");
}
END_TEST

START_TEST(test_coindcx)
{
    s_check_hex("coindcx-test-secret",
                "{\"timestamp\":1705647376759,\"id\":\"c87ca633-6218-44ea-900b-e86981358cbd\"}",
                "ef7e5af5e405a3ab3176a43944139c9318ae217653bfed0de6c3e39027817e10");
}
END_TEST

START_TEST(test_raw_matches_hex)
{
    /* The raw MAC and its hex form agree, and a message with embedded NULs is signed over all its bytes. */
    const char msg[] = "a\0b";
    uint8_t mac[CRYPTO_SHA256_LEN];
    char hex_raw[CRYPTO_HEX_SHA256_LEN];
    char hex[CRYPTO_HEX_SHA256_LEN];
    ck_assert_int_eq(crypto_hmac_sha256("k", 1, msg, 3, mac), 0);
    crypto_hex(mac, sizeof mac, hex_raw);
    ck_assert_int_eq(crypto_hmac_sha256_hex("k", msg, 3, hex), 0);
    ck_assert_str_eq(hex, hex_raw);
    ck_assert_int_eq(crypto_hmac_sha256_hex("k", msg, 1, hex), 0);
    ck_assert_str_ne(hex, hex_raw);
}
END_TEST

START_TEST(test_base64)
{
    /* Expected values from: printf '%s' MSG | openssl dgst -sha256 -hmac KEY -binary | base64 */
    char out[CRYPTO_B64_SHA256_LEN];
    const char *msg = "GET/users/self/verify2020-12-08T09:08:57.715Z";
    ck_assert_int_eq(crypto_hmac_sha256_b64("okx-test-secret", msg, strlen(msg), out), 0);
    ck_assert_str_eq(out, "ixJ6uzqkYVCCzXp7oSwjRciPg7Efq3nweyrPtUk8OLk=");
    ck_assert_int_eq(crypto_hmac_sha256_b64("k", "", 0, out), 0);
    ck_assert_str_eq(out, "i7mQxAp9YcuXWXqUISUCW+UKyL63RDbjc1uYiTp/ZiA=");
}
END_TEST

START_TEST(test_hex)
{
    const uint8_t in[] = {0x00, 0x0f, 0xa5, 0xff};
    char out[9];
    crypto_hex(in, sizeof in, out);
    ck_assert_str_eq(out, "000fa5ff");
    crypto_hex(in, 0, out);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_ct_equal)
{
    ck_assert(crypto_ct_equal("abcdef", "abcdef", 6));
    ck_assert(!crypto_ct_equal("abcdef", "abcdeg", 6));
    ck_assert(!crypto_ct_equal("xbcdef", "abcdef", 6));
    ck_assert(crypto_ct_equal("abcdef", "abcdeg", 5)); /* only n bytes are compared */
    ck_assert(crypto_ct_equal("a\0c", "a\0c", 3));     /* not string semantics */
    ck_assert(!crypto_ct_equal("a\0c", "a\0d", 3));
    ck_assert(crypto_ct_equal(NULL, NULL, 0));
}
END_TEST

START_TEST(test_ct_streq)
{
    ck_assert(crypto_ct_streq("", ""));
    ck_assert(crypto_ct_streq("c8db56", "c8db56"));
    ck_assert(!crypto_ct_streq("c8db56", "c8db5"));  /* prefix is not equal */
    ck_assert(!crypto_ct_streq("c8db5", "c8db56"));
    ck_assert(!crypto_ct_streq("c8db56", "C8DB56")); /* case-sensitive */
    ck_assert(!crypto_ct_streq("c8db56", "c8db57"));
    ck_assert(!crypto_ct_streq("", "a"));
}
END_TEST

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

START_TEST(test_random_id)
{
    enum { N = 2000, LEN = 22 };
    static char ids[N][LEN + 1];
    char *ptrs[N];
    int seen[256] = {0};
    for (int i = 0; i < N; i++) {
        memset(ids[i], '#', sizeof ids[i]);
        ck_assert_int_eq(crypto_random_id(ids[i], LEN), 0);
        ck_assert_uint_eq(strlen(ids[i]), LEN);
        for (int j = 0; j < LEN; j++) {
            unsigned char c = (unsigned char) ids[i][j];
            ck_assert_msg((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'),
                          "bad char %d", c);
            seen[c]++;
        }
        ptrs[i] = ids[i];
    }
    qsort(ptrs, N, sizeof ptrs[0], s_cmp_str);
    for (int i = 1; i < N; i++)
        ck_assert_str_ne(ptrs[i - 1], ptrs[i]);
    /* 44000 draws over 62 symbols: each symbol expected ~710 times; every one must appear. */
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (const char *p = alphabet; *p; p++)
        ck_assert_msg(seen[(unsigned char) *p] > 300, "char %c seen %d times", *p, seen[(unsigned char) *p]);

    char one[2] = "#";
    ck_assert_int_eq(crypto_random_id(one, 0), 0);
    ck_assert_str_eq(one, "");
    char longer[101];
    ck_assert_int_eq(crypto_random_id(longer, 100), 0); /* longer than one refill of the pool */
    ck_assert_uint_eq(strlen(longer), 100);
}
END_TEST

START_TEST(test_random_bytes)
{
    uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};
    ck_assert_int_eq(crypto_random(a, sizeof a), 0);
    ck_assert_int_eq(crypto_random(b, sizeof b), 0);
    ck_assert(memcmp(a, b, sizeof a) != 0);
    ck_assert(memcmp(a, zero, sizeof a) != 0);
    ck_assert_int_eq(crypto_random(a, 0), 0);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("crypto");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_binance_official_query);
    tcase_add_test(tc, test_binance_official_query_plus_body);
    tcase_add_test(tc, test_binance_official_percent_encoded);
    tcase_add_test(tc, test_bybit_get_post_ws);
    tcase_add_test(tc, test_coindcx);
    tcase_add_test(tc, test_raw_matches_hex);
    tcase_add_test(tc, test_base64);
    tcase_add_test(tc, test_hex);
    tcase_add_test(tc, test_ct_equal);
    tcase_add_test(tc, test_ct_streq);
    tcase_add_test(tc, test_random_id);
    tcase_add_test(tc, test_random_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
