/* crypto_hmac: a prepared HMAC-SHA256 key. Keying HMAC costs two SHA-256 block compressions plus OpenSSL's
 * algorithm lookup, several times the cost of signing a short request; a process that signs or checks many
 * messages under the same secret (a venue worker, the exchange simulator) prepares the key once and signs with
 * a copy of the prepared state. The object never changes after crypto_hmac_new, so one key may be used from
 * several threads at once. The secret is not kept, only its padded digests, and they are wiped on destroy. */
#ifndef XR_CRYPTO_CRYPTO_HMAC_H
#define XR_CRYPTO_CRYPTO_HMAC_H

#include "crypto.h"

#include <stddef.h>
#include <stdint.h>

typedef struct _crypto_hmac_t crypto_hmac_t;

/* One piece of a message that is signed in pieces (a request's query and body, Bybit's timestamp + key + ...). */
typedef struct {
    const void *data; /* bytes; may be NULL when len is 0 */
    size_t len;       /* byte count */
} crypto_part_t;

/* Prepares HMAC-SHA256 under key (any length, 0 included; longer than 64 bytes is hashed first, as RFC 2104
 * says). Returns the key, the caller's to destroy, or NULL if OpenSSL fails. */
crypto_hmac_t *crypto_hmac_new(const void *key, size_t key_len);

/* Same for a NUL-terminated secret (the venues' API secrets). */
crypto_hmac_t *crypto_hmac_new_str(const char *secret);

/* Destroys the key and wipes its state; NULL and an already destroyed key are fine. */
void crypto_hmac_destroy(crypto_hmac_t **self_p);

/* HMAC-SHA256 of msg into out, equal to crypto_hmac_sha256 under the same key. Returns 0, or -1 if OpenSSL
 * fails (out is then zeroed). Does not block; allocates one digest context per call. */
int crypto_hmac_sign(const crypto_hmac_t *self, const void *msg, size_t msg_len, uint8_t out[CRYPTO_SHA256_LEN]);

/* HMAC-SHA256 of the n parts one after the other, equal to crypto_hmac_sign over their concatenation, without
 * building it. Returns 0, or -1 if OpenSSL fails (out is then zeroed). */
int crypto_hmac_sign_parts(const crypto_hmac_t *self, const crypto_part_t *parts, size_t n,
                           uint8_t out[CRYPTO_SHA256_LEN]);

/* The same as 64 lowercase hex digits, NUL-terminated ("" on failure). Returns 0 or -1. */
int crypto_hmac_sign_parts_hex(const crypto_hmac_t *self, const crypto_part_t *parts, size_t n,
                               char out[CRYPTO_HEX_SHA256_LEN]);

/* The MAC as 64 lowercase hex digits / as base64, NUL-terminated (out is "" on failure). Returns 0 or -1. */
int crypto_hmac_sign_hex(const crypto_hmac_t *self, const void *msg, size_t msg_len,
                         char out[CRYPTO_HEX_SHA256_LEN]);
int crypto_hmac_sign_b64(const crypto_hmac_t *self, const void *msg, size_t msg_len,
                         char out[CRYPTO_B64_SHA256_LEN]);

#endif
