/* control: the small control messages between venue workers and the router (worker.register,
 * worker.heartbeat, router.hello, router.heartbeat) and between workers and the recorder (events.hello,
 * events.ack, events.replay). One struct tagged by type; only the fields of that type are meaningful.
 * Semantics (liveness, re-registration, acks and replay) are in README "Control". */
#ifndef XR_PROTO_CONTROL_H
#define XR_PROTO_CONTROL_H

#include "common.h"
#include "envelope.h"

#include "base/buf.h"
#include "base/err.h"

#include <stdint.h>

typedef struct {
    proto_type_t type;                 /* WORKER_*, ROUTER_*, EVENTS_* */
    char venue[PROTO_VENUE_SZ];        /* worker.register: required */
    char instance[PROTO_INSTANCE_SZ];  /* worker.register, worker.heartbeat: required */
    char account[PROTO_ACCOUNT_SZ];    /* worker.register: required */
    uint32_t capacity;                 /* worker.register: required, >= 1, requests in flight it accepts */
    uint32_t pid;                      /* worker.register: required */
    uint32_t inflight;                 /* worker.heartbeat: required */
    uint64_t journal_backlog;          /* worker.heartbeat: required, events not yet acked */
    int64_t epoch;                     /* router.hello, router.heartbeat: required, router start (epoch ms);
                                          a change means the router restarted */
    uint32_t replicas;                 /* router.heartbeat: optional, live workers registered for the
                                          receiver's (venue, account), itself included; 0 = not told */
    char source[PROTO_INSTANCE_SZ];    /* events.*: required, the worker instance whose events these are */
    uint64_t first_seq;                /* events.hello: required, oldest seq still journaled (0 = none) */
    uint64_t last_seq;                 /* events.hello: required, newest seq published (0 = none yet) */
    uint64_t seq;                      /* events.ack: required, committed up to and including this seq */
    uint64_t from_seq;                 /* events.replay: required, >= 1, republish from this seq */
} proto_control_t;

/* Zeroes *c for type. */
void proto_control_init(proto_control_t *c, proto_type_t type);

/* Decodes the body of the last parsed envelope as the control message of its type. 0, or -1
 * (XR_INVALID_REQUEST naming the field, *out zeroed; "type: not a control message" for other types). */
int proto_control_decode(const proto_msg_t *msg, proto_control_t *out, err_t *err);

/* Appends a control envelope of type c->type with h's id/client/ts/deadline. 0 or -1 (out restored). */
int proto_control_encode(const proto_header_t *h, const proto_control_t *c, buf_t *out, err_t *err);

#endif
