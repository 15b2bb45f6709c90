/* backoff: exponential delays with jitter; the PRNG is xoshiro256** seeded through splitmix64. */
#include "backoff.h"

#include "clock.h"
#include "mem.h"

#include <assert.h>
#include <inttypes.h>
#include <unistd.h>

struct _backoff_t {
    backoff_config_t cfg;  /* copied configuration */
    int attempts;          /* delays given since the last reset */
    int64_t previous_ms;   /* DECORRELATED: the last delay (base_ms after a reset) */
    uint64_t s[4];         /* xoshiro256** state, never all zero */
};

static uint64_t s_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t s_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t s_next(backoff_t *self)
{
    uint64_t *s = self->s;
    uint64_t result = s_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s_rotl(s[3], 45);
    return result;
}

/* Uniform in [lo, hi] without modulo bias (rejection sampling). */
static int64_t s_uniform(backoff_t *self, int64_t lo, int64_t hi)
{
    assert(lo <= hi);
    uint64_t range = (uint64_t) (hi - lo) + 1;
    uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    uint64_t r;
    do
        r = s_next(self);
    while (r >= limit);
    return lo + (int64_t) (r % range);
}

backoff_t *backoff_new(const backoff_config_t *cfg, uint64_t seed, err_t *err)
{
    assert(cfg);
    if (cfg->base_ms < 1 || cfg->cap_ms < cfg->base_ms || cfg->max_attempts < 0 ||
        (cfg->jitter != BACKOFF_FULL_JITTER && cfg->jitter != BACKOFF_DECORRELATED_JITTER &&
         cfg->jitter != BACKOFF_NO_JITTER)) {
        err_set(err, XR_INVALID_REQUEST, "backoff: need 1 <= base_ms (%" PRId64 ") <= cap_ms (%" PRId64
                ") and max_attempts >= 0", cfg->base_ms, cfg->cap_ms);
        return NULL;
    }
    backoff_t *self = mem_calloc(1, sizeof *self);
    self->cfg = *cfg;
    if (seed == 0)
        seed = (uint64_t) clock_mono_ns() ^ ((uint64_t) getpid() << 32) ^ (uint64_t) (uintptr_t) self;
    for (int i = 0; i < 4; i++)
        self->s[i] = s_splitmix(&seed);
    backoff_reset(self);
    return self;
}

void backoff_destroy(backoff_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mem_free(*self_p);
    *self_p = NULL;
}

/* min(cap, base * 2^n) without overflow. */
static int64_t s_ceiling(const backoff_config_t *cfg, int n)
{
    if (n >= 62 || cfg->base_ms > (cfg->cap_ms >> n))
        return cfg->cap_ms;
    int64_t c = cfg->base_ms << n;
    return c < cfg->cap_ms ? c : cfg->cap_ms;
}

int64_t backoff_next_ms(backoff_t *self)
{
    assert(self);
    const backoff_config_t *cfg = &self->cfg;
    if (cfg->max_attempts > 0 && self->attempts >= cfg->max_attempts)
        return -1;
    int n = self->attempts;
    if (self->attempts < INT32_MAX)
        self->attempts++;
    switch (cfg->jitter) {
    case BACKOFF_FULL_JITTER:
        return s_uniform(self, 0, s_ceiling(cfg, n));
    case BACKOFF_DECORRELATED_JITTER: {
        int64_t hi = self->previous_ms > cfg->cap_ms / 3 ? cfg->cap_ms : self->previous_ms * 3;
        self->previous_ms = s_uniform(self, cfg->base_ms, hi);
        return self->previous_ms;
    }
    case BACKOFF_NO_JITTER:
        return s_ceiling(cfg, n);
    }
    assert(!"unknown jitter mode");
    return -1;
}

void backoff_reset(backoff_t *self)
{
    assert(self);
    self->attempts = 0;
    self->previous_ms = self->cfg.base_ms;
}

int backoff_attempts(const backoff_t *self)
{
    assert(self);
    return self->attempts;
}
