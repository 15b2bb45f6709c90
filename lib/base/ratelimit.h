/* ratelimit: a venue's request budget as a set of rules that must all admit a request, so that we are
 * refused by ourselves (cheaply, with a known wait) before the venue refuses us (and maybe bans us).
 *
 * Each rule is a token bucket (capacity tokens, refilled continuously at `refill` per interval) or a
 * rolling window (at most `limit` units in any interval_ms), counted per request or by request weight.
 * The window is kept in 64 slots and counts a request for at least the full window and at most one slot
 * longer: it may refuse slightly early, never late. The venue's own count (a usage header such as
 * X-MBX-USED-WEIGHT-1M) can overwrite a rule's usage, and a Retry-After or a ban blocks everything.
 *
 * Replicas: with share N, each of N processes sharing one venue budget gets 1/N of it. Internally a
 * request is charged N times its cost against the venue's full limit, which keeps the arithmetic exact;
 * usage is therefore reported in venue units, as the venue itself would count a fleet of N like us.
 *
 * Time is always passed in (now_ms, any monotonic millisecond clock, the same for all calls); a now_ms
 * earlier than one seen before is treated as that earlier maximum. Not thread-safe: one owner. */
#ifndef XR_BASE_RATELIMIT_H
#define XR_BASE_RATELIMIT_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct _ratelimit_t ratelimit_t;

#define RATELIMIT_MAX_RULES 8              /* rules per limiter */
#define RATELIMIT_NAME_MAX 32              /* bytes of a rule or limiter name, NUL included */
#define RATELIMIT_MAX_UNITS 1000000000LL   /* largest limit, refill or weight */
#define RATELIMIT_MAX_INTERVAL_MS (7LL * 24 * 3600 * 1000) /* longest interval: a week */
#define RATELIMIT_MAX_SHARE 1000           /* most replicas sharing a budget */

typedef enum {
    RATELIMIT_BUCKET = 0,  /* token bucket: limit tokens, refill tokens added per interval_ms, continuously */
    RATELIMIT_WINDOW       /* rolling window: at most limit units within any interval_ms */
} ratelimit_kind_t;

typedef enum {
    RATELIMIT_BY_COUNT = 0,  /* every request costs 1 unit */
    RATELIMIT_BY_WEIGHT      /* a request costs its weight */
} ratelimit_unit_t;

typedef struct {
    const char *name;         /* unique within the limiter, e.g. "weight-1m"; copied, shorter than 32 */
    ratelimit_kind_t kind;    /* bucket or window */
    ratelimit_unit_t unit;    /* per request or by weight */
    int64_t limit;            /* bucket capacity or window maximum, 1..RATELIMIT_MAX_UNITS */
    int64_t interval_ms;      /* refill interval or window length, 1..RATELIMIT_MAX_INTERVAL_MS */
    int64_t refill;           /* bucket: units added per interval_ms, 1..RATELIMIT_MAX_UNITS; window: unused */
} ratelimit_rule_t;

typedef struct {
    char name[RATELIMIT_NAME_MAX];  /* the rule's name */
    ratelimit_kind_t kind;          /* bucket or window */
    int64_t used;                   /* units in use now, in venue units (rounded up) */
    int64_t limit;                  /* the rule's limit */
} ratelimit_usage_t;

/* Creates a limiter without rules (which admits everything). name (copied, for logs) may be NULL; share
 * is the number of replicas splitting the budget (1..RATELIMIT_MAX_SHARE). Returns NULL with err set on a
 * bad share. Caller owns the result. */
ratelimit_t *ratelimit_new(const char *name, int share, err_t *err);

/* Destroys the limiter and sets *self_p to NULL; NULL is fine. */
void ratelimit_destroy(ratelimit_t **self_p);

/* Adds a rule (index = number of rules before it); a bucket starts full, a window empty. Returns -1 with
 * err set (XR_INVALID_REQUEST, limiter unchanged) on a bad value, a duplicate name, or too many rules. */
int ratelimit_add_rule(ratelimit_t *self, const ratelimit_rule_t *rule, err_t *err);

/* Asks to send one request of the given weight (>= 0) at now_ms. Returns 0 if every rule admits it (it is
 * then charged to all of them), or -1 (nothing charged) with *wait_ms (may be NULL) set to how long until
 * it would be admitted if nothing else is sent, or to -1 if it never can (its cost exceeds a rule's limit). */
int ratelimit_try(ratelimit_t *self, int64_t weight, int64_t now_ms, int64_t *wait_ms);

/* Sets the named rule's usage to what the venue reports (used_units, its units, >= 0) at now_ms. A
 * window that counted more forgets its oldest usage first; a bucket's usage is capped at its limit.
 * Returns -1 with err set if no rule has that name or used_units < 0. */
int ratelimit_correct(ratelimit_t *self, const char *rule, int64_t used_units, int64_t now_ms, err_t *err);

/* Refuses every request until until_ms (Retry-After, HTTP 418/429 ban); an earlier until_ms than one
 * already set does not shorten the block. Logs the block at warn. */
void ratelimit_block_until(ratelimit_t *self, int64_t until_ms);

/* The time until which requests are blocked (0 if never blocked). */
int64_t ratelimit_blocked_until(const ratelimit_t *self);

/* Number of rules. */
size_t ratelimit_rule_count(const ratelimit_t *self);

/* Fills *out with rule index's usage at now_ms (for health). Returns -1 if index is out of range. */
int ratelimit_usage(ratelimit_t *self, size_t index, int64_t now_ms, ratelimit_usage_t *out);

#endif
