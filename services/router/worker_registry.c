/* worker_registry: live venue workers and least-outstanding selection. A worker count is small (a few per
 * venue), so a flat array scanned linearly is both the simplest and the fastest structure here. */
#include "worker_registry.h"

#include "base/log.h"
#include "base/mem.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define WORKER_MAX 1024

struct _worker_registry_t {
    worker_t *workers;     /* dense array, registration order */
    size_t count;          /* entries in use */
    int64_t liveness_ms;   /* silence after which a worker is dropped */
};

worker_registry_t *worker_registry_new(int64_t liveness_ms)
{
    worker_registry_t *self = mem_calloc(1, sizeof *self);
    self->workers = mem_calloc(WORKER_MAX, sizeof *self->workers);
    self->liveness_ms = liveness_ms;
    return self;
}

void worker_registry_destroy(worker_registry_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mem_free((*self_p)->workers);
    mem_free(*self_p);
    *self_p = NULL;
}

worker_t *worker_registry_find(worker_registry_t *self, const uint8_t *identity, size_t identity_len)
{
    for (size_t i = 0; i < self->count; i++) {
        worker_t *w = &self->workers[i];
        if (w->identity_len == identity_len && memcmp(w->identity, identity, identity_len) == 0)
            return w;
    }
    return NULL;
}

static worker_t *s_find_instance(worker_registry_t *self, const char *instance)
{
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->workers[i].instance, instance) == 0)
            return &self->workers[i];
    return NULL;
}

worker_t *worker_registry_register(worker_registry_t *self, const uint8_t *identity, size_t identity_len,
                                   const char *venue, const char *account, const char *instance,
                                   uint32_t capacity, int64_t now_ms, bool *is_new)
{
    assert(self && identity_len <= WORKER_ID_MAX);
    worker_t *w = worker_registry_find(self, identity, identity_len);
    if (!w)
        w = s_find_instance(self, instance);
    *is_new = w == NULL;
    if (!w) {
        if (self->count == WORKER_MAX)
            return NULL;
        w = &self->workers[self->count++];
        memset(w, 0, sizeof *w);
    }
    memcpy(w->identity, identity, identity_len);
    w->identity_len = identity_len;
    snprintf(w->venue, sizeof w->venue, "%s", venue);
    snprintf(w->account, sizeof w->account, "%s", account);
    snprintf(w->instance, sizeof w->instance, "%s", instance);
    w->capacity = capacity ? capacity : 1;
    w->registered_ms = now_ms;
    w->last_seen_ms = now_ms;
    return w;
}

worker_t *worker_registry_pick(worker_registry_t *self, const char *venue, const char *account,
                               size_t *live_count)
{
    worker_t *best = NULL;
    size_t live = 0;
    for (size_t i = 0; i < self->count; i++) {
        worker_t *w = &self->workers[i];
        if (strcmp(w->venue, venue) != 0 || strcmp(w->account, account) != 0)
            continue;
        live++;
        if (w->inflight >= w->capacity)
            continue;
        if (!best || w->inflight < best->inflight || (w->inflight == best->inflight && w->served < best->served))
            best = w;
    }
    if (live_count)
        *live_count = live;
    return best;
}

size_t worker_registry_count(const worker_registry_t *self, const char *venue, const char *account)
{
    size_t n = 0;
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->workers[i].venue, venue) == 0 && strcmp(self->workers[i].account, account) == 0)
            n++;
    return n;
}

void worker_registry_remove(worker_registry_t *self, worker_t *w)
{
    size_t i = (size_t) (w - self->workers);
    assert(i < self->count);
    memmove(&self->workers[i], &self->workers[i + 1], (self->count - i - 1) * sizeof *w);
    self->count--;
}

size_t worker_registry_expire(worker_registry_t *self, int64_t now_ms,
                              void (*on_drop)(const worker_t *w, void *ctx), void *ctx)
{
    size_t dropped = 0;
    for (size_t i = 0; i < self->count;) {
        worker_t *w = &self->workers[i];
        if (now_ms - w->last_seen_ms <= self->liveness_ms) {
            i++;
            continue;
        }
        log_warn("worker venue=%s instance=%s silent for %lld ms: dropped, %u requests in flight",
                 w->venue, w->instance, (long long) (now_ms - w->last_seen_ms), w->inflight);
        if (on_drop)
            on_drop(w, ctx);
        worker_registry_remove(self, w);
        dropped++;
    }
    return dropped;
}

size_t worker_registry_size(const worker_registry_t *self)
{
    return self->count;
}

const worker_t *worker_registry_at(const worker_registry_t *self, size_t i)
{
    return i < self->count ? &self->workers[i] : NULL;
}
