/* crypto_hmac: HMAC-SHA256 (RFC 2104) with the key schedule done once. The object holds two SHA-256 contexts
 * that have already absorbed the key XOR ipad and the key XOR opad blocks; signing copies the inner one,
 * absorbs the message, then copies the outer one and absorbs the inner digest. That is what HMAC_Init does on
 * every call of the one-shot crypto_hmac_sha256, plus OpenSSL's fetch of the HMAC and SHA-256 implementations,
 * which the object also does once. */
#include "crypto_hmac.h"

#include "base/mem.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <assert.h>
#include <string.h>

#define S_BLOCK 64 /* SHA-256 block size: the HMAC pad length */

struct _crypto_hmac_t {
    EVP_MD *md;          /* SHA-256, fetched once */
    EVP_MD_CTX *inner;   /* has absorbed key ^ ipad */
    EVP_MD_CTX *outer;   /* has absorbed key ^ opad */
};

/* A context of md that has absorbed the 64-byte block pad; NULL if OpenSSL fails. */
static EVP_MD_CTX *s_pad_ctx(EVP_MD *md, const uint8_t pad[S_BLOCK])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex2(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, pad, S_BLOCK) == 1)
        return ctx;
    EVP_MD_CTX_free(ctx);
    return NULL;
}

crypto_hmac_t *crypto_hmac_new(const void *key, size_t key_len)
{
    assert(key || key_len == 0);
    crypto_hmac_t *self = mem_calloc(1, sizeof *self);
    uint8_t block[S_BLOCK] = {0};
    uint8_t pad[S_BLOCK];
    self->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!self->md)
        goto fail;
    if (key_len > S_BLOCK) {
        unsigned int n = 0;
        if (EVP_Digest(key, key_len, block, &n, self->md, NULL) != 1 || n != CRYPTO_SHA256_LEN)
            goto fail;
    } else if (key_len > 0) {
        memcpy(block, key, key_len);
    }
    for (size_t i = 0; i < S_BLOCK; i++)
        pad[i] = block[i] ^ 0x36;
    self->inner = s_pad_ctx(self->md, pad);
    for (size_t i = 0; i < S_BLOCK; i++)
        pad[i] = block[i] ^ 0x5c;
    self->outer = s_pad_ctx(self->md, pad);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
    if (!self->inner || !self->outer)
        goto fail;
    return self;
fail:
    OPENSSL_cleanse(block, sizeof block);
    crypto_hmac_destroy(&self);
    return NULL;
}

crypto_hmac_t *crypto_hmac_new_str(const char *secret)
{
    assert(secret);
    return crypto_hmac_new(secret, strlen(secret));
}

void crypto_hmac_destroy(crypto_hmac_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    crypto_hmac_t *self = *self_p;
    /* freeing a digest context wipes its state (the provider's freectx clears before freeing) */
    EVP_MD_CTX_free(self->outer);
    EVP_MD_CTX_free(self->inner);
    EVP_MD_free(self->md);
    OPENSSL_cleanse(self, sizeof *self);
    mem_free(self);
    *self_p = NULL;
}

int crypto_hmac_sign_parts(const crypto_hmac_t *self, const crypto_part_t *parts, size_t n,
                           uint8_t out[CRYPTO_SHA256_LEN])
{
    assert(self && out);
    assert(parts || n == 0);
    uint8_t inner[CRYPTO_SHA256_LEN];
    unsigned int n_inner = 0, n_out = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_MD_CTX_copy_ex(ctx, self->inner) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        assert(parts[i].data || parts[i].len == 0);
        if (parts[i].len > 0)
            ok = EVP_DigestUpdate(ctx, parts[i].data, parts[i].len) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, inner, &n_inner) == 1 && n_inner == CRYPTO_SHA256_LEN &&
             EVP_MD_CTX_copy_ex(ctx, self->outer) == 1 && EVP_DigestUpdate(ctx, inner, sizeof inner) == 1 &&
             EVP_DigestFinal_ex(ctx, out, &n_out) == 1 && n_out == CRYPTO_SHA256_LEN;
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(inner, sizeof inner);
    if (!ok) {
        memset(out, 0, CRYPTO_SHA256_LEN);
        return -1;
    }
    return 0;
}

int crypto_hmac_sign(const crypto_hmac_t *self, const void *msg, size_t msg_len, uint8_t out[CRYPTO_SHA256_LEN])
{
    assert(msg || msg_len == 0);
    crypto_part_t part = {msg, msg_len};
    return crypto_hmac_sign_parts(self, &part, 1, out);
}

int crypto_hmac_sign_parts_hex(const crypto_hmac_t *self, const crypto_part_t *parts, size_t n,
                               char out[CRYPTO_HEX_SHA256_LEN])
{
    assert(out);
    uint8_t mac[CRYPTO_SHA256_LEN];
    int rc = crypto_hmac_sign_parts(self, parts, n, mac);
    if (rc == 0)
        crypto_hex(mac, sizeof mac, out);
    else
        out[0] = '\0';
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}

int crypto_hmac_sign_hex(const crypto_hmac_t *self, const void *msg, size_t msg_len,
                         char out[CRYPTO_HEX_SHA256_LEN])
{
    assert(msg || msg_len == 0);
    crypto_part_t part = {msg, msg_len};
    return crypto_hmac_sign_parts_hex(self, &part, 1, out);
}

int crypto_hmac_sign_b64(const crypto_hmac_t *self, const void *msg, size_t msg_len,
                         char out[CRYPTO_B64_SHA256_LEN])
{
    assert(out);
    uint8_t mac[CRYPTO_SHA256_LEN];
    out[0] = '\0';
    int rc = crypto_hmac_sign(self, msg, msg_len, mac);
    /* 32 bytes encode to exactly 44 characters plus the NUL EVP_EncodeBlock writes. */
    if (rc == 0 && EVP_EncodeBlock((unsigned char *) out, mac, (int) sizeof mac) != CRYPTO_B64_SHA256_LEN - 1) {
        out[0] = '\0';
        rc = -1;
    }
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}
