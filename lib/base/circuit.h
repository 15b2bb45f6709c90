/* circuit: a per-venue circuit breaker. After failure_threshold consecutive failures (a timeout counts as
 * a failure) the circuit opens and refuses requests for open_ms, sparing a sick venue and answering our
 * callers at once (VENUE_UNAVAILABLE). Then it turns half-open and admits up to `probes` requests: once
 * that many have succeeded it closes; any failure reopens it for another cool-down.
 *
 * Consecutive failures rather than a failure ratio: it needs no window, reacts the same at any request
 * rate, and one success proves the venue answers. Every state change goes through one transition
 * function that logs `circuit name=<name> <old> -> <new> reason=<why>` (STYLE rule 12).
 *
 * The caller records the outcome of every admitted request. A probe whose outcome is never recorded
 * would hold its slot forever, so after a further open_ms without any result the half-open circuit
 * admits a fresh set of probes. Results arriving while open (requests admitted before it opened) are
 * ignored. Time is passed in (now_ms, a monotonic ms clock). Not thread-safe: one owner. */
#ifndef XR_BASE_CIRCUIT_H
#define XR_BASE_CIRCUIT_H

#include "err.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct _circuit_t circuit_t;

typedef enum {
    CIRCUIT_CLOSED = 0,  /* healthy: everything is admitted, consecutive failures are counted */
    CIRCUIT_OPEN,        /* failing: everything is refused until the cool-down ends */
    CIRCUIT_HALF_OPEN    /* testing: up to `probes` requests admitted; their results decide */
} circuit_state_t;

typedef struct {
    int failure_threshold;  /* consecutive failures that open the circuit, >= 1 */
    int64_t open_ms;        /* cool-down before probing, >= 1 */
    int probes;             /* requests admitted while half-open, and successes needed to close, >= 1 */
} circuit_config_t;

/* Creates a closed circuit named name (copied, at most 31 chars; for logs) with cfg (copied). Returns
 * NULL with err set (XR_INVALID_REQUEST) on a bad config. Caller owns the result. */
circuit_t *circuit_new(const char *name, const circuit_config_t *cfg, err_t *err);

/* Destroys the circuit and sets *self_p to NULL; NULL is fine. */
void circuit_destroy(circuit_t **self_p);

/* May a request be sent at now_ms? Closed: yes. Open: no, until the cool-down ends, when the circuit
 * turns half-open. Half-open: yes while probe slots are free (taking one). */
bool circuit_allow(circuit_t *self, int64_t now_ms);

/* Records the outcome of an admitted request. Closed: a failure counts toward the threshold, a success
 * clears the count. Half-open: a success counts toward closing, a failure reopens. Open: ignored. */
void circuit_record(circuit_t *self, bool ok, int64_t now_ms);

/* Current state (the open -> half-open step happens in circuit_allow). */
circuit_state_t circuit_state(const circuit_t *self);

/* Lower-case name of a state ("closed", "open", "half_open"); "unknown" otherwise. Static string. */
const char *circuit_state_name(circuit_state_t state);

/* While open, the time at which probing may start; otherwise 0. For "retry in N ms" answers. */
int64_t circuit_open_until(const circuit_t *self);

/* Number of state transitions since creation (for health and tests). */
uint64_t circuit_transitions(const circuit_t *self);

#endif
