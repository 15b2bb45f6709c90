/* crypto: the only user of OpenSSL. HMAC-SHA256 signing (lowercase hex for Binance, Bybit and CoinDCX;
 * base64 for OKX), constant-time comparison for checking signatures, and random bytes and ids. */
#ifndef XR_CRYPTO_CRYPTO_H
#define XR_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_HEX_SHA256_LEN 65 /* 64 hex digits + NUL */
#define CRYPTO_B64_SHA256_LEN 45 /* 44 base64 chars + NUL */

/* HMAC-SHA256 of msg under key into out. Returns 0, or -1 if OpenSSL fails. Does not block. */
int crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                       uint8_t out[CRYPTO_SHA256_LEN]);

/* HMAC-SHA256 as 64 lowercase hex digits (NUL-terminated) / as base64 (NUL-terminated). Returns 0 or -1. */
int crypto_hmac_sha256_hex(const char *secret, const void *msg, size_t msg_len, char out[CRYPTO_HEX_SHA256_LEN]);
int crypto_hmac_sha256_b64(const char *secret, const void *msg, size_t msg_len, char out[CRYPTO_B64_SHA256_LEN]);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void crypto_hex(const uint8_t *in, size_t n, char *out);

/* True if the n bytes of a and b are equal, in time that does not depend on where they differ. */
bool crypto_ct_equal(const void *a, const void *b, size_t n);

/* True if the two strings are equal; time depends only on their lengths, never on their content.
 * Case-sensitive (hex signatures are compared after lowering by the caller when a venue allows any case). */
bool crypto_ct_streq(const char *a, const char *b);

/* n cryptographically random bytes. Returns 0 or -1. */
int crypto_random(void *out, size_t n);

/* A random id of len characters from [A-Za-z0-9] (NUL-terminated; out holds len+1). Returns 0 or -1.
 * 22 characters give ~131 bits. Used for client order ids and correlation ids. */
int crypto_random_id(char *out, size_t len);

#endif
