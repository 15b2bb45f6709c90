/* ratelimit: token buckets and slotted rolling windows with exact integer arithmetic. A bucket keeps its
 * tokens multiplied by interval_ms, so refilling `refill` per interval adds exactly `refill` per elapsed ms
 * with no rounding; a window keeps per-slot usage in a ring of S_SLOTS + 1 slots. */
#include "ratelimit.h"

#include "log.h"
#include "mem.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define S_SLOTS 64

typedef struct {
    char name[RATELIMIT_NAME_MAX];  /* rule name */
    ratelimit_kind_t kind;          /* bucket or window */
    ratelimit_unit_t unit;          /* per request or by weight */
    int64_t limit;                  /* capacity or window maximum */
    int64_t interval_ms;            /* refill interval or window length */
    int64_t refill;                 /* bucket: units per interval */
    int64_t tokens_x;               /* bucket: tokens times interval_ms, 0..limit * interval_ms */
    int64_t last_ms;                /* bucket: time of the last refill */
    int nslots;                     /* window: slots covering the window */
    int64_t slot_ms;                /* window: slot length; nslots * slot_ms >= interval_ms */
    int64_t head;                   /* window: absolute number (now / slot_ms) of the newest slot */
    int64_t ring[S_SLOTS + 1];      /* window: usage of slots head - nslots .. head, by slot % (nslots + 1) */
} s_rule_t;

struct _ratelimit_t {
    char name[RATELIMIT_NAME_MAX];          /* for logs */
    int share;                              /* replicas splitting the budget */
    size_t nrules;                          /* rules in use */
    s_rule_t rules[RATELIMIT_MAX_RULES];    /* the rules, in order of addition */
    int64_t now_ms;                         /* latest time seen: time never goes back */
    int64_t blocked_until;                  /* every request refused before this */
};

ratelimit_t *ratelimit_new(const char *name, int share, err_t *err)
{
    if (share < 1 || share > RATELIMIT_MAX_SHARE) {
        err_set(err, XR_INVALID_REQUEST, "ratelimit share %d outside 1..%d", share, RATELIMIT_MAX_SHARE);
        return NULL;
    }
    ratelimit_t *self = mem_calloc(1, sizeof *self);
    snprintf(self->name, sizeof self->name, "%s", name ? name : "-");
    self->share = share;
    return self;
}

void ratelimit_destroy(ratelimit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mem_free(*self_p);
    *self_p = NULL;
}

static s_rule_t *s_find(ratelimit_t *self, const char *name)
{
    for (size_t i = 0; i < self->nrules; i++) {
        if (strcmp(self->rules[i].name, name) == 0)
            return &self->rules[i];
    }
    return NULL;
}

static int s_validate(ratelimit_t *self, const ratelimit_rule_t *rule, err_t *err)
{
    if (!rule->name || !rule->name[0] || strlen(rule->name) >= RATELIMIT_NAME_MAX)
        return err_set(err, XR_INVALID_REQUEST, "ratelimit rule name missing or longer than %d", RATELIMIT_NAME_MAX - 1);
    if (self->nrules >= RATELIMIT_MAX_RULES)
        return err_set(err, XR_INVALID_REQUEST, "ratelimit %s: more than %d rules", self->name, RATELIMIT_MAX_RULES);
    if (s_find(self, rule->name))
        return err_set(err, XR_INVALID_REQUEST, "ratelimit %s: duplicate rule %s", self->name, rule->name);
    if (rule->kind != RATELIMIT_BUCKET && rule->kind != RATELIMIT_WINDOW)
        return err_set(err, XR_INVALID_REQUEST, "ratelimit rule %s: unknown kind", rule->name);
    if (rule->unit != RATELIMIT_BY_COUNT && rule->unit != RATELIMIT_BY_WEIGHT)
        return err_set(err, XR_INVALID_REQUEST, "ratelimit rule %s: unknown unit", rule->name);
    if (rule->limit < 1 || rule->limit > RATELIMIT_MAX_UNITS)
        return err_set(err, XR_INVALID_REQUEST, "ratelimit rule %s: limit %" PRId64 " outside 1..%lld", rule->name,
                       rule->limit, RATELIMIT_MAX_UNITS);
    if (rule->interval_ms < 1 || rule->interval_ms > RATELIMIT_MAX_INTERVAL_MS)
        return err_set(err, XR_INVALID_REQUEST, "ratelimit rule %s: interval %" PRId64 " ms outside 1..%lld",
                       rule->name, rule->interval_ms, RATELIMIT_MAX_INTERVAL_MS);
    if (rule->kind == RATELIMIT_BUCKET && (rule->refill < 1 || rule->refill > RATELIMIT_MAX_UNITS))
        return err_set(err, XR_INVALID_REQUEST, "ratelimit rule %s: refill %" PRId64 " outside 1..%lld", rule->name,
                       rule->refill, RATELIMIT_MAX_UNITS);
    return 0;
}

int ratelimit_add_rule(ratelimit_t *self, const ratelimit_rule_t *rule, err_t *err)
{
    assert(self);
    assert(rule);
    if (s_validate(self, rule, err) != 0)
        return -1;
    s_rule_t *r = &self->rules[self->nrules++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", rule->name);
    r->kind = rule->kind;
    r->unit = rule->unit;
    r->limit = rule->limit;
    r->interval_ms = rule->interval_ms;
    r->refill = rule->refill;
    r->tokens_x = r->limit * r->interval_ms;
    r->last_ms = self->now_ms;
    r->nslots = r->interval_ms < S_SLOTS ? (int) r->interval_ms : S_SLOTS;
    r->slot_ms = (r->interval_ms + r->nslots - 1) / r->nslots;
    r->head = self->now_ms / r->slot_ms;
    return 0;
}

static int64_t s_now(ratelimit_t *self, int64_t now_ms)
{
    if (now_ms > self->now_ms)
        self->now_ms = now_ms;
    return self->now_ms;
}

static int64_t *s_slot(s_rule_t *r, int64_t slot)
{
    return &r->ring[slot % (r->nslots + 1)];
}

/* Brings a rule to now: refills a bucket, retires the window's expired slots. */
static void s_advance(s_rule_t *r, int64_t now)
{
    if (r->kind == RATELIMIT_BUCKET) {
        int64_t cap_x = r->limit * r->interval_ms;
        int64_t to_full_ms = (cap_x - r->tokens_x + r->refill - 1) / r->refill;
        int64_t elapsed = now - r->last_ms;
        r->tokens_x = elapsed >= to_full_ms ? cap_x : r->tokens_x + elapsed * r->refill;
        r->last_ms = now;
        return;
    }
    int64_t cur = now / r->slot_ms;
    if (cur - r->head > r->nslots)
        memset(r->ring, 0, sizeof r->ring);
    else
        for (int64_t k = r->head + 1; k <= cur; k++)
            *s_slot(r, k) = 0;
    if (cur > r->head)
        r->head = cur;
}

static int64_t s_window_used(s_rule_t *r)
{
    int64_t used = 0;
    for (int i = 0; i <= r->nslots; i++)
        used += r->ring[i];
    return used;
}

/* Units in use now, rounded up (the rule must be advanced to now). */
static int64_t s_used(s_rule_t *r)
{
    if (r->kind == RATELIMIT_WINDOW)
        return s_window_used(r);
    return (r->limit * r->interval_ms - r->tokens_x + r->interval_ms - 1) / r->interval_ms;
}

/* Milliseconds until cost units fit (0: now), or -1 if they never can. */
static int64_t s_wait(s_rule_t *r, int64_t cost, int64_t now)
{
    if (cost > r->limit)
        return -1;
    if (r->kind == RATELIMIT_BUCKET) {
        int64_t need = cost * r->interval_ms - r->tokens_x;
        return need <= 0 ? 0 : (need + r->refill - 1) / r->refill;
    }
    int64_t used = s_window_used(r);
    if (used + cost <= r->limit)
        return 0;
    /* slot k counts until slot k + nslots + 1 begins: release the oldest slots until the cost fits */
    for (int64_t k = r->head - r->nslots; k <= r->head; k++) {
        if (k < 0)
            continue;
        used -= *s_slot(r, k);
        if (used + cost <= r->limit)
            return (k + r->nslots + 1) * r->slot_ms - now;
    }
    assert(!"a window's usage must drain within nslots + 1 slots");
    return -1;
}

static int64_t s_cost(const ratelimit_t *self, const s_rule_t *r, int64_t weight)
{
    int64_t units = r->unit == RATELIMIT_BY_COUNT ? 1 : weight;
    if (units > RATELIMIT_MAX_UNITS)
        return RATELIMIT_MAX_UNITS + 1; /* beyond any limit; keeps the product below in range */
    return units * self->share;
}

int ratelimit_try(ratelimit_t *self, int64_t weight, int64_t now_ms, int64_t *wait_ms)
{
    assert(self);
    assert(weight >= 0);
    int64_t now = s_now(self, now_ms);
    int64_t worst = 0;
    if (now < self->blocked_until)
        worst = self->blocked_until - now;
    for (size_t i = 0; i < self->nrules && worst >= 0; i++) {
        s_rule_t *r = &self->rules[i];
        s_advance(r, now);
        int64_t w = s_wait(r, s_cost(self, r, weight), now);
        if (w < 0 || w > worst)
            worst = w;
    }
    if (wait_ms)
        *wait_ms = worst;
    if (worst != 0)
        return -1;
    for (size_t i = 0; i < self->nrules; i++) {
        s_rule_t *r = &self->rules[i];
        int64_t cost = s_cost(self, r, weight);
        if (r->kind == RATELIMIT_BUCKET)
            r->tokens_x -= cost * r->interval_ms;
        else
            *s_slot(r, r->head) += cost;
    }
    return 0;
}

int ratelimit_correct(ratelimit_t *self, const char *rule, int64_t used_units, int64_t now_ms, err_t *err)
{
    assert(self);
    s_rule_t *r = rule ? s_find(self, rule) : NULL;
    if (!r)
        return err_set(err, XR_INVALID_REQUEST, "ratelimit %s: no rule named %s", self->name, rule ? rule : "(null)");
    if (used_units < 0)
        return err_set(err, XR_INVALID_REQUEST, "ratelimit %s: negative usage %" PRId64, self->name, used_units);
    if (used_units > r->limit)
        used_units = r->limit;
    int64_t now = s_now(self, now_ms);
    s_advance(r, now);
    if (r->kind == RATELIMIT_BUCKET) {
        r->tokens_x = (r->limit - used_units) * r->interval_ms;
        return 0;
    }
    int64_t diff = used_units - s_window_used(r);
    if (diff >= 0) {
        *s_slot(r, r->head) += diff;
        return 0;
    }
    for (int64_t k = r->head - r->nslots; k <= r->head && diff < 0; k++) {
        if (k < 0)
            continue;
        int64_t *slot = s_slot(r, k);
        int64_t take = *slot < -diff ? *slot : -diff;
        *slot -= take;
        diff += take;
    }
    return 0;
}

void ratelimit_block_until(ratelimit_t *self, int64_t until_ms)
{
    assert(self);
    if (until_ms <= self->blocked_until)
        return;
    self->blocked_until = until_ms;
    log_warn("ratelimit name=%s blocked until_ms=%" PRId64 ": every request refused until then", self->name,
             until_ms);
}

int64_t ratelimit_blocked_until(const ratelimit_t *self)
{
    assert(self);
    return self->blocked_until;
}

size_t ratelimit_rule_count(const ratelimit_t *self)
{
    assert(self);
    return self->nrules;
}

int ratelimit_usage(ratelimit_t *self, size_t index, int64_t now_ms, ratelimit_usage_t *out)
{
    assert(self);
    assert(out);
    if (index >= self->nrules)
        return -1;
    s_rule_t *r = &self->rules[index];
    s_advance(r, s_now(self, now_ms));
    memcpy(out->name, r->name, sizeof out->name);
    out->kind = r->kind;
    out->used = s_used(r);
    out->limit = r->limit;
    return 0;
}
