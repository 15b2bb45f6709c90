/* faults: the table of injected faults (POST/DELETE /admin/fault). A fault applies to requests of one venue
 * whose path starts with a prefix ("*" = every path), for `count` requests (-1: until cleared), each time with
 * a probability (per mille, drawn from the seeded generator so runs repeat). The server asks the table once
 * per request, after the request is complete and before (or, for lose_reply, after) the dialect handles it. */
#ifndef XR_SIM_FAULTS_H
#define XR_SIM_FAULTS_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SIM_FAULT_NONE = 0,   /* no fault: handle normally */
    SIM_FAULT_LATENCY,    /* handle normally, but send the reply ms later */
    SIM_FAULT_HTTP5XX,    /* do not handle; reply the venue's 5xx (dialect fault_reply) */
    SIM_FAULT_RATELIMIT,  /* do not handle; reply the venue's rate-limit error (429 / 403 per venue) */
    SIM_FAULT_DROP,       /* do not handle; close the connection without a reply */
    SIM_FAULT_TIMEOUT,    /* do not handle; never reply (the connection stays open until the client leaves) */
    SIM_FAULT_LOSE_REPLY  /* handle (the order exists), then close the connection without a reply */
} sim_fault_kind_t;

/* "latency", "http5xx", "ratelimit", "drop", "timeout", "lose_reply"; "none". Borrowed static string. */
const char *sim_fault_kind_name(sim_fault_kind_t kind);

/* Parses a kind name. Returns 0, or -1 if unknown. */
int sim_fault_kind_parse(const char *name, sim_fault_kind_t *out);

typedef struct _sim_faults_t sim_faults_t;

#define SIM_FAULTS_MAX 64 /* faults active at once */

typedef struct {
    int venue;              /* sim_venue_t of the venue it applies to */
    char prefix[128];       /* path prefix, or "*" for every path */
    sim_fault_kind_t kind;  /* what to do */
    int64_t ms;             /* latency: delay of the reply */
    int64_t count;          /* requests it still applies to; -1 = until cleared */
    int per_mille;          /* probability 0..1000 that a matching request is hit (1000 = always) */
} sim_fault_t;

/* Creates an empty table; rnd_seed seeds the probability draws. Caller destroys it. */
sim_faults_t *sim_faults_new(uint64_t rnd_seed);

/* Frees the table; *self_p becomes NULL. NULL is fine. */
void sim_faults_destroy(sim_faults_t **self_p);

/* Adds a fault. Returns 0, or -1 (err set) when the table is full or the fault is malformed (empty prefix,
 * count 0 or < -1, probability out of range, negative ms). */
int sim_faults_add(sim_faults_t *self, const sim_fault_t *fault, err_t *err);

/* Removes every fault of a venue (venue < 0: of all venues). Returns how many were removed. */
size_t sim_faults_clear(sim_faults_t *self, int venue);

/* Decides the fault for one request of a venue to path (path_len bytes): the first matching active fault in
 * insertion order, drawn by its probability; a hit uses up one of its count. Returns its kind (NONE when no
 * fault hits) and sets *ms to the fault's delay. */
sim_fault_kind_t sim_faults_match(sim_faults_t *self, int venue, const char *path, size_t path_len, int64_t *ms);

/* Number of active faults, and a copy of the i-th (returns -1 if out of range). For GET /admin/fault. */
size_t sim_faults_count(const sim_faults_t *self);
int sim_faults_get(const sim_faults_t *self, size_t i, sim_fault_t *out);

#endif
