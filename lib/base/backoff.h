/* backoff: how long to wait before the next retry of a failing operation (reconnects, resubmits), growing
 * exponentially up to a cap with random jitter so that many clients failing together do not retry
 * together. Each backoff_t has its own PRNG: a fixed seed gives a fixed sequence (tests), seed 0 seeds
 * from the clock and the object's address (production, where replicas must not retry in step).
 *
 * Jitter modes (after the AWS architecture blog "Exponential Backoff And Jitter"), attempt n from 0:
 *   FULL          uniform in [0, min(cap, base * 2^n)]
 *   DECORRELATED  uniform in [base, min(cap, 3 * previous)], previous starting at base
 *   NONE          min(cap, base * 2^n), no randomness
 * Not thread-safe: one owner. */
#ifndef XR_BASE_BACKOFF_H
#define XR_BASE_BACKOFF_H

#include "err.h"

#include <stdint.h>

typedef struct _backoff_t backoff_t;

typedef enum {
    BACKOFF_FULL_JITTER = 0,      /* uniform between 0 and the exponential ceiling */
    BACKOFF_DECORRELATED_JITTER,  /* uniform between base and three times the previous delay */
    BACKOFF_NO_JITTER             /* the exponential ceiling itself */
} backoff_jitter_t;

typedef struct {
    int64_t base_ms;         /* first ceiling (FULL, NONE) or floor (DECORRELATED), >= 1 */
    int64_t cap_ms;          /* no delay is longer, >= base_ms */
    int max_attempts;        /* backoff_next_ms gives up after this many delays; 0 = never */
    backoff_jitter_t jitter; /* how delays are drawn */
} backoff_config_t;

/* Creates a backoff (copying cfg) with its PRNG seeded from seed (0: from the clock). Returns NULL with
 * err set (XR_INVALID_REQUEST) on a bad config. Caller owns the result. */
backoff_t *backoff_new(const backoff_config_t *cfg, uint64_t seed, err_t *err);

/* Destroys the backoff and sets *self_p to NULL; NULL is fine. */
void backoff_destroy(backoff_t **self_p);

/* The delay before the next attempt, in ms (0..cap_ms), counting one attempt; -1 once max_attempts
 * delays have been given (stop retrying). */
int64_t backoff_next_ms(backoff_t *self);

/* Starts over after a success: attempt 0, decorrelated history forgotten. The PRNG is not reseeded. */
void backoff_reset(backoff_t *self);

/* Delays given since creation or the last reset. */
int backoff_attempts(const backoff_t *self);

#endif
