/* test_crypto_hmac: the prepared HMAC-SHA256 key against the official vectors (RFC 4231 test cases 1-4, 6
 * and 7, which cover keys shorter than, equal to and longer than the 64-byte block; the Binance signing
 * examples also used by test_crypto), against the one-shot crypto_hmac_sha256 over every key length up to
 * three blocks and message lengths across block boundaries, reuse of one key for many messages, messages
 * signed in parts, and the hex and base64 forms. */
#include "crypto/crypto_hmac.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define BINANCE_SECRET "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

/* Bytes from a hex string (no separators) into out; returns the count. */
static size_t s_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    ck_assert_uint_le(n, cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t) v;
    }
    return n;
}

static void s_check(const uint8_t *key, size_t key_len, const void *msg, size_t msg_len, const char *expected)
{
    crypto_hmac_t *h = crypto_hmac_new(key, key_len);
    ck_assert_ptr_nonnull(h);
    char out[CRYPTO_HEX_SHA256_LEN];
    ck_assert_int_eq(crypto_hmac_sign_hex(h, msg, msg_len, out), 0);
    ck_assert_str_eq(out, expected);
    /* the key is unchanged by signing: a second use gives the same MAC */
    ck_assert_int_eq(crypto_hmac_sign_hex(h, msg, msg_len, out), 0);
    ck_assert_str_eq(out, expected);
    crypto_hmac_destroy(&h);
    ck_assert_ptr_null(h);
}

START_TEST(test_rfc4231)
{
    static const struct {
        const char *key_hex;
        const char *msg;     /* text, or NULL to use msg_hex */
        const char *msg_hex;
        const char *mac;
    } tc[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", NULL,
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"4a656665", "what do ya want for nothing?", NULL,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819", NULL,
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {NULL, "Test Using Larger Than Block-Size Key - Hash Key First", NULL,
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {NULL,
         "This is a test using a larger than block-size key and a larger than block-size data. The key needs to "
         "be hashed before being used by the HMAC algorithm.",
         NULL, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
        uint8_t key[131], msg[64];
        size_t key_len;
        if (tc[i].key_hex) {
            key_len = s_unhex(tc[i].key_hex, key, sizeof key);
        } else { /* cases 6 and 7: 131 bytes of 0xaa */
            memset(key, 0xaa, sizeof key);
            key_len = sizeof key;
        }
        if (tc[i].msg)
            s_check(key, key_len, tc[i].msg, strlen(tc[i].msg), tc[i].mac);
        else
            s_check(key, key_len, msg, s_unhex(tc[i].msg_hex, msg, sizeof msg), tc[i].mac);
    }
}
END_TEST

START_TEST(test_binance_official)
{
    const char *q = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                    "&timestamp=1499827319559";
    const char *qb = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000"
                     "&timestamp=1499827319559";
    crypto_hmac_t *h = crypto_hmac_new_str(BINANCE_SECRET);
    ck_assert_ptr_nonnull(h);
    char out[CRYPTO_HEX_SHA256_LEN];
    /* one key, several messages, in any order */
    for (int round = 0; round < 3; round++) {
        ck_assert_int_eq(crypto_hmac_sign_hex(h, q, strlen(q), out), 0);
        ck_assert_str_eq(out, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
        ck_assert_int_eq(crypto_hmac_sign_hex(h, qb, strlen(qb), out), 0);
        ck_assert_str_eq(out, "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
    }
    crypto_hmac_destroy(&h);
    crypto_hmac_destroy(&h); /* idempotent */
    crypto_hmac_destroy(NULL);
}
END_TEST

START_TEST(test_matches_one_shot)
{
    /* every key length from 0 to 192 bytes (below, at and above the 64-byte block) against message lengths
     * around the block boundaries (55/56 bytes is where SHA-256 padding needs a second block) */
    static const size_t msg_lens[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000};
    uint8_t key[192], msg[1000];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t) (i * 7 + 1);
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t) (i * 13 + 5);
    for (size_t kl = 0; kl <= sizeof key; kl++) {
        crypto_hmac_t *h = crypto_hmac_new(kl ? key : NULL, kl);
        ck_assert_ptr_nonnull(h);
        for (size_t m = 0; m < sizeof msg_lens / sizeof msg_lens[0]; m++) {
            uint8_t want[CRYPTO_SHA256_LEN], got[CRYPTO_SHA256_LEN];
            ck_assert_int_eq(crypto_hmac_sha256(key, kl, msg, msg_lens[m], want), 0);
            ck_assert_int_eq(crypto_hmac_sign(h, msg, msg_lens[m], got), 0);
            ck_assert_msg(memcmp(want, got, sizeof want) == 0, "key %zu bytes, message %zu bytes", kl,
                          msg_lens[m]);
        }
        crypto_hmac_destroy(&h);
    }
}
END_TEST

START_TEST(test_parts)
{
    /* the Binance query+body vector signed as two parts, as many one-byte parts, and with empty parts between */
    const char *q = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
    const char *b = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    const char *want = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77";
    crypto_hmac_t *h = crypto_hmac_new_str(BINANCE_SECRET);
    char out[CRYPTO_HEX_SHA256_LEN];
    crypto_part_t two[] = {{q, strlen(q)}, {b, strlen(b)}};
    ck_assert_int_eq(crypto_hmac_sign_parts_hex(h, two, 2, out), 0);
    ck_assert_str_eq(out, want);
    crypto_part_t gaps[] = {{NULL, 0}, {q, strlen(q)}, {"", 0}, {b, strlen(b)}, {NULL, 0}};
    ck_assert_int_eq(crypto_hmac_sign_parts_hex(h, gaps, 5, out), 0);
    ck_assert_str_eq(out, want);
    char joined[256];
    int n = snprintf(joined, sizeof joined, "%s%s", q, b);
    crypto_part_t bytes[256];
    for (int i = 0; i < n; i++)
        bytes[i] = (crypto_part_t){joined + i, 1};
    ck_assert_int_eq(crypto_hmac_sign_parts_hex(h, bytes, (size_t) n, out), 0);
    ck_assert_str_eq(out, want);
    /* no parts at all is the empty message */
    uint8_t none[CRYPTO_SHA256_LEN], empty[CRYPTO_SHA256_LEN];
    ck_assert_int_eq(crypto_hmac_sign_parts(h, NULL, 0, none), 0);
    ck_assert_int_eq(crypto_hmac_sha256(BINANCE_SECRET, strlen(BINANCE_SECRET), "", 0, empty), 0);
    ck_assert(memcmp(none, empty, sizeof none) == 0);
    crypto_hmac_destroy(&h);
}
END_TEST

START_TEST(test_b64_and_empty)
{
    /* the same independently computed values as test_crypto's base64 case */
    char out[CRYPTO_B64_SHA256_LEN];
    const char *msg = "GET/users/self/verify2020-12-08T09:08:57.715Z";
    crypto_hmac_t *h = crypto_hmac_new_str("okx-test-secret");
    ck_assert_int_eq(crypto_hmac_sign_b64(h, msg, strlen(msg), out), 0);
    ck_assert_str_eq(out, "ixJ6uzqkYVCCzXp7oSwjRciPg7Efq3nweyrPtUk8OLk=");
    crypto_hmac_destroy(&h);
    h = crypto_hmac_new_str("k");
    ck_assert_int_eq(crypto_hmac_sign_b64(h, NULL, 0, out), 0);
    ck_assert_str_eq(out, "i7mQxAp9YcuXWXqUISUCW+UKyL63RDbjc1uYiTp/ZiA=");
    crypto_hmac_destroy(&h);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("crypto_hmac");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_rfc4231);
    tcase_add_test(tc, test_binance_official);
    tcase_add_test(tc, test_matches_one_shot);
    tcase_add_test(tc, test_parts);
    tcase_add_test(tc, test_b64_and_empty);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
