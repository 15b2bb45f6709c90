/* admin: values of the health, route and venues replies (venue health, a routing decision, the workers the
 * router knows). Plain value types embedded in result.h; codec in admin.c. */
#ifndef XR_PROTO_ADMIN_H
#define XR_PROTO_ADMIN_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char venue[PROTO_VENUE_SZ];           /* required */
    char instance[PROTO_INSTANCE_SZ];     /* worker instance that answered; "" when none */
    bool reachable;                       /* required: last venue call succeeded */
    int64_t clock_offset_ms;              /* venue clock minus ours */
    uint32_t rate_limit_used;             /* weight/requests used in the current window */
    uint32_t rate_limit_limit;            /* window limit; 0 = unknown */
    proto_circuit_t circuit;              /* required */
    uint32_t inflight;                    /* requests in flight at the worker */
    uint64_t journal_backlog;             /* events not yet acknowledged by the recorder */
    uint32_t replicas;                    /* replicas the account's rate-limit budget is split between */
} proto_health_t;

typedef struct {
    char symbol[PROTO_SYMBOL_SZ];  /* required */
    char venue[PROTO_VENUE_SZ];    /* required: the venue chosen */
    char reason[PROTO_TEXT_SZ];    /* required: human-readable, e.g. "exact rule BTC/USDT (line 3)" */
    char rule[16];                 /* kind of rule that matched: "override", "exact", "pattern", "default";
                                      "" = not told */
} proto_route_t;

typedef struct {
    char venue[PROTO_VENUE_SZ];        /* required */
    char instance[PROTO_INSTANCE_SZ];  /* required */
    char account[PROTO_ACCOUNT_SZ];    /* required */
    bool alive;                        /* required: heartbeats within the liveness window */
    uint32_t capacity;                 /* max requests in flight the worker accepts */
    uint32_t inflight;                 /* requests in flight now */
    uint64_t journal_backlog;          /* last reported */
    int64_t last_seen;                 /* epoch ms of the last heartbeat */
    uint32_t pid;                      /* worker's process id */
} proto_worker_info_t;

#endif
