/* event: the events a venue worker publishes (event.order, event.fill) after journaling them, and the PUB
 * topic frame that precedes each ("<account>.<venue>."). Sequence numbers are per source and strictly +1;
 * README "Events" has the delivery, ack and replay rules. */
#ifndef XR_PROTO_EVENT_H
#define XR_PROTO_EVENT_H

#include "common.h"
#include "envelope.h"
#include "order.h"

#include "base/buf.h"
#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

/* Bytes of a topic "<account>.<venue>." with its NUL. */
#define PROTO_TOPIC_SZ (PROTO_ACCOUNT_SZ + PROTO_VENUE_SZ + 2)

typedef struct {
    proto_type_t type;                /* PROTO_T_EVENT_ORDER or PROTO_T_EVENT_FILL */
    char source[PROTO_INSTANCE_SZ];   /* required: worker instance id */
    uint64_t seq;                     /* required, >= 1, per source */
    proto_order_t order;              /* event.order */
    proto_fill_t fill;                /* event.fill */
} proto_event_t;

/* Zeroes *ev for type. */
void proto_event_init(proto_event_t *ev, proto_type_t type);

/* Decodes the body of an event envelope. 0 and *out filled (release with proto_event_free), or -1
 * (XR_INVALID_REQUEST naming the field, *out zeroed). */
int proto_event_decode(const proto_msg_t *msg, proto_event_t *out, err_t *err);

/* Appends an event envelope of type ev->type. 0 or -1 (out restored) when out is full. */
int proto_event_encode(const proto_header_t *h, const proto_event_t *ev, buf_t *out, err_t *err);

/* Writes the topic "<account>.<venue>." of an event (from its order or fill) into out (cap >=
 * PROTO_TOPIC_SZ). Returns the length, or 0 if cap is too small. */
size_t proto_event_topic(const proto_event_t *ev, char *out, size_t cap);

/* Releases the order's or fill's heap parts; *ev zeroed. Idempotent. */
void proto_event_free(proto_event_t *ev);

#endif
