/* clidset: the client order ids this worker has sent recently, so that a place_order repeating one (a client
 * retrying after a timeout or after the worker restarted) is answered by querying that order instead of
 * placing it again. Binance only refuses a duplicate id while the first order is open; a filled market
 * order's id would be accepted again, so the venue alone cannot give at-most-once.
 * A bounded FIFO: at most `cap` ids; the oldest is forgotten when a new one comes. Lookups are O(1). */
#ifndef XR_VENUE_CLIDSET_H
#define XR_VENUE_CLIDSET_H

#include "model.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct _clidset_t clidset_t;

/* A set holding at most cap (>= 1) ids. Caller owns it. */
clidset_t *clidset_new(size_t cap);
void clidset_destroy(clidset_t **self_p);

/* Adds clid (at most VENUE_CLID_MAX-1 chars; longer ids are ignored). Adding a present id does nothing. */
void clidset_add(clidset_t *self, const char *clid);

/* True if clid is in the set. */
bool clidset_has(const clidset_t *self, const char *clid);

/* Number of ids held. */
size_t clidset_count(const clidset_t *self);

#endif
