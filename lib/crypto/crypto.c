/* crypto: HMAC-SHA256 request signing, constant-time comparison and random ids over OpenSSL 3.
 * lib/crypto is the only folder of xroute that includes OpenSSL headers (STYLE rule 14). Nothing here keeps
 * state between calls, so every function is safe to call from any thread. Secrets pass through but are
 * never logged nor copied into error text. */
#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <assert.h>
#include <limits.h>
#include <string.h>

int crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                       uint8_t out[CRYPTO_SHA256_LEN])
{
    assert(key || key_len == 0);
    assert(msg || msg_len == 0);
    assert(out);
    if (key_len > INT_MAX)
        return -1;
    /* HMAC() refuses a NULL key even when its length is 0; an empty key is a valid HMAC key. */
    static const uint8_t empty = 0;
    unsigned int out_len = 0;
    if (!HMAC(EVP_sha256(), key_len ? key : &empty, (int) key_len, msg_len ? msg : &empty, msg_len, out,
              &out_len))
        return -1;
    return out_len == CRYPTO_SHA256_LEN ? 0 : -1;
}

int crypto_hmac_sha256_hex(const char *secret, const void *msg, size_t msg_len, char out[CRYPTO_HEX_SHA256_LEN])
{
    assert(secret && out);
    uint8_t mac[CRYPTO_SHA256_LEN];
    int rc = crypto_hmac_sha256(secret, strlen(secret), msg, msg_len, mac);
    if (rc == 0)
        crypto_hex(mac, sizeof mac, out);
    else
        out[0] = '\0';
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}

int crypto_hmac_sha256_b64(const char *secret, const void *msg, size_t msg_len, char out[CRYPTO_B64_SHA256_LEN])
{
    assert(secret && out);
    uint8_t mac[CRYPTO_SHA256_LEN];
    out[0] = '\0';
    int rc = crypto_hmac_sha256(secret, strlen(secret), msg, msg_len, mac);
    /* 32 bytes encode to exactly 44 characters plus the NUL EVP_EncodeBlock writes. */
    if (rc == 0 && EVP_EncodeBlock((unsigned char *) out, mac, (int) sizeof mac) != CRYPTO_B64_SHA256_LEN - 1) {
        out[0] = '\0';
        rc = -1;
    }
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}

void crypto_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    assert(out && (in || n == 0));
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

bool crypto_ct_equal(const void *a, const void *b, size_t n)
{
    assert((a && b) || n == 0);
    if (n == 0)
        return true;
    return CRYPTO_memcmp(a, b, n) == 0;
}

bool crypto_ct_streq(const char *a, const char *b)
{
    assert(a && b);
    size_t la = strlen(a);
    size_t lb = strlen(b);
    /* Lengths are not secret (a signature's length is public); only the content comparison must not leak
     * where the strings differ. */
    if (la != lb)
        return false;
    return crypto_ct_equal(a, b, la);
}

int crypto_random(void *out, size_t n)
{
    assert(out || n == 0);
    uint8_t *p = out;
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int) n;
        if (RAND_bytes(p, chunk) != 1)
            return -1;
        p += chunk;
        n -= (size_t) chunk;
    }
    return 0;
}

int crypto_random_id(char *out, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    enum { ALPHABET_LEN = 62, REJECT_FROM = 248 }; /* 248 = 4 * 62: bytes above are rejected, no bias */
    assert(out);
    uint8_t pool[64];
    size_t filled = 0;
    while (filled < len) {
        if (crypto_random(pool, sizeof pool) != 0) {
            out[0] = '\0';
            return -1;
        }
        for (size_t i = 0; i < sizeof pool && filled < len; i++) {
            if (pool[i] < REJECT_FROM)
                out[filled++] = alphabet[pool[i] % ALPHABET_LEN];
        }
    }
    out[len] = '\0';
    OPENSSL_cleanse(pool, sizeof pool);
    return 0;
}
