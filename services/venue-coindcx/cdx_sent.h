/* cdx_sent: the orders this worker sent, for a venue that keeps no client order ids: client id -> what was
 * sent and when, and the venue order id once a reply (or a match) names it. A bounded ring embedded in the
 * adapter's private state, which the runtime hands over zeroed: a zeroed cdx_sent_t is a valid empty one, so
 * the struct is public (STYLE rule 2's exception for embedded value types). Lookups go newest first.
 * Also where a sent order is recognised among listed ones (coindcx_match_order, coindcx.h). Not thread-safe:
 * the runtime calls hooks from its one loop. */
#ifndef XR_COINDCX_CDX_SENT_H
#define XR_COINDCX_CDX_SENT_H

#include "coindcx.h"

#include <stddef.h>

#define CDX_SENT_MAX 4096 /* orders remembered; the oldest is forgotten first */

typedef struct {
    char clid[VENUE_CLID_MAX];      /* ours; "" = free or forgotten */
    char order_id[VENUE_ID_MAX];    /* the venue's, "" until known */
    coindcx_intent_t sent;          /* parameters and send time */
} cdx_sent_entry_t;

typedef struct {
    cdx_sent_entry_t e[CDX_SENT_MAX]; /* ring */
    size_t n;                         /* entries written so far (ring index = n % CDX_SENT_MAX) */
} cdx_sent_t;

/* The entry of a client id / of a venue order id, or NULL. Borrowed (valid until the next record). */
cdx_sent_entry_t *cdx_sent_by_clid(cdx_sent_t *self, const char *clid);
cdx_sent_entry_t *cdx_sent_by_id(cdx_sent_t *self, const char *order_id);

/* Remembers an order about to be sent; a resend of the same client id updates its entry. */
void cdx_sent_record(cdx_sent_t *self, const char *clid, const coindcx_intent_t *sent);

/* Names the venue id of a client id's order (no-op for an unknown client id). */
void cdx_sent_set_id(cdx_sent_t *self, const char *clid, const char *order_id);

/* Forgets a send the venue refused for sure, so that no later order is taken for it. */
void cdx_sent_forget(cdx_sent_t *self, const char *clid);

/* Our client id of a venue order into out ("" when this worker did not send it, as far as it knows). When
 * unknown and exactly one send without a venue id matches o (coindcx_match_order), o is that send: its entry
 * takes o's id and o->client_order_id is set. */
void cdx_sent_own(cdx_sent_t *self, venue_order_t *o);

/* Venue ids owned by entries other than except_clid's, into out (at most cap, borrowed). Returns the count. */
size_t cdx_sent_claimed(const cdx_sent_t *self, const char *except_clid, const char **out, size_t cap);

#endif
