/* worker_registry: the venue workers connected to the router's backend. A worker registers with its venue,
 * account, instance id and capacity (maximum requests in flight); it is known by its ZeroMQ routing id. The
 * registry picks the live worker with the fewest outstanding requests for a (venue, account), and drops
 * workers that have not been heard from within the liveness window. */
#ifndef XR_ROUTER_WORKER_REGISTRY_H
#define XR_ROUTER_WORKER_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORKER_ID_MAX 256      /* ZeroMQ routing ids are at most 255 bytes */
#define WORKER_NAME_MAX 64     /* venue, account, instance strings incl. NUL */

typedef struct {
    uint8_t identity[WORKER_ID_MAX];   /* routing id on the backend socket */
    size_t identity_len;               /* bytes in identity */
    char venue[WORKER_NAME_MAX];       /* "binance" */
    char account[WORKER_NAME_MAX];     /* "default" */
    char instance[WORKER_NAME_MAX];    /* unique per process, e.g. "binance-host-1234" */
    uint32_t capacity;                 /* most requests it takes at once */
    uint32_t inflight;                 /* requests sent to it and not yet answered */
    uint32_t reported_inflight;        /* what its last heartbeat said it was doing */
    uint64_t journal_backlog;          /* from its last heartbeat */
    uint64_t served;                   /* replies received from it */
    int64_t registered_ms;             /* when it (re-)registered, monotonic ms */
    int64_t last_seen_ms;              /* last message from it, monotonic ms */
} worker_t;

typedef struct _worker_registry_t worker_registry_t;

/* New empty registry; workers silent for longer than liveness_ms are dropped by _expire. */
worker_registry_t *worker_registry_new(int64_t liveness_ms);
void worker_registry_destroy(worker_registry_t **self_p);

/* Adds a worker or refreshes the one with the same routing id (or the same instance id under a new routing
 * id: the old entry is replaced, its in-flight count carried over). Returns the entry (borrowed), or NULL if
 * the registry is full (1024 workers). *is_new tells whether it was unknown. */
worker_t *worker_registry_register(worker_registry_t *self, const uint8_t *identity, size_t identity_len,
                                   const char *venue, const char *account, const char *instance,
                                   uint32_t capacity, int64_t now_ms, bool *is_new);

/* The worker with this routing id, or NULL. Borrowed. */
worker_t *worker_registry_find(worker_registry_t *self, const uint8_t *identity, size_t identity_len);

/* The live worker of (venue, account) with the fewest requests in flight and room left (ties: the one
 * that has served fewer), or NULL. *live_count (optional) gets how many live workers the venue has. */
worker_t *worker_registry_pick(worker_registry_t *self, const char *venue, const char *account,
                               size_t *live_count);

/* How many workers of (venue, account) are registered (replicas sharing that account, counting any that
 * are full). Registered workers are the live ones once _expire has run. */
size_t worker_registry_count(const worker_registry_t *self, const char *venue, const char *account);

/* Removes workers silent since before now_ms - liveness; calls on_drop(worker, ctx) for each before it is
 * removed. Returns how many were dropped. */
size_t worker_registry_expire(worker_registry_t *self, int64_t now_ms,
                              void (*on_drop)(const worker_t *w, void *ctx), void *ctx);

/* Removes one worker (it said goodbye). */
void worker_registry_remove(worker_registry_t *self, worker_t *w);

/* Number of workers, and the i-th (registration order), for listings. */
size_t worker_registry_size(const worker_registry_t *self);
const worker_t *worker_registry_at(const worker_registry_t *self, size_t i);

#endif
