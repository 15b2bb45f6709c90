/* bus_msg: one xroute ZeroMQ message as it travels: zero or more routing frames (ROUTER identities, a REQ
 * peer's empty delimiter, or a PUB topic) followed by exactly one envelope frame (proto/README.md section 1).
 * Receiving keeps the envelope in its ZeroMQ buffer (no copy); the proto reader can parse it in place.
 * Replies are built from the request so that they carry the same routing frames back. */
#ifndef XR_BUS_BUS_MSG_H
#define XR_BUS_BUS_MSG_H

#include "base/buf.h"
#include "base/err.h"
#include "proto/envelope.h"

#include <czmq.h>
#include <stddef.h>

/* At most this many frames before the envelope; a message with more is refused on receive. */
#define BUS_ROUTE_MAX 8
/* Bytes of one routing frame (ZeroMQ identities are at most 255). */
#define BUS_ROUTE_FRAME_MAX 255

typedef struct _bus_msg_t bus_msg_t;

/* An empty message (no routing frames, no envelope). Never NULL. */
bus_msg_t *bus_msg_new(void);

/* A message carrying req's routing frames and no envelope yet: the start of a reply. Never NULL. */
bus_msg_t *bus_msg_new_reply(const bus_msg_t *req);

/* Destroys the message; NULL-safe, idempotent, nulls *self_p. */
void bus_msg_destroy(bus_msg_t **self_p);

/* Appends a routing frame (len <= BUS_ROUTE_FRAME_MAX, at most BUS_ROUTE_MAX frames). Returns 0 or -1
 * (XR_INTERNAL) when over a limit. For a PUB message the one routing frame is the topic. */
int bus_msg_push_route(bus_msg_t *self, const void *data, size_t len, err_t *err);

/* Number of routing frames, and frame i (borrowed; *len set). */
size_t bus_msg_route_count(const bus_msg_t *self);
const void *bus_msg_route(const bus_msg_t *self, size_t i, size_t *len);

/* Sets the envelope to a copy of len bytes (replacing any). */
void bus_msg_set_envelope(bus_msg_t *self, const void *data, size_t len);

/* The envelope bytes (borrowed, valid until the message is destroyed or changed); *len set. NULL and 0 when
 * there is none. */
const void *bus_msg_envelope(const bus_msg_t *self, size_t *len);

/* Parses the envelope with reader (proto_msg_parse): the reader then borrows this message's bytes, so keep
 * the message until the body is decoded. 0, or -1 with err (XR_INVALID_REQUEST). */
int bus_msg_parse(const bus_msg_t *self, proto_msg_t *reader, proto_header_t *hdr, err_t *err);

/* The authenticated peer of a received message: with CURVE, the ZAP user id, which czmq's zauth sets to the
 * client's public key in Z85 (40 characters). NULL for a message built locally or received without
 * authentication (plain TCP). Borrowed, valid while the message lives. */
const char *bus_msg_user_id(const bus_msg_t *self);

/* Receives one message from sock without blocking. Returns the message (caller destroys), or NULL: with
 * err->code XR_OK when nothing was waiting (or the call was interrupted), XR_INVALID_REQUEST when a message
 * arrived but had too many/too long routing frames or an empty envelope (it is consumed and dropped). */
bus_msg_t *bus_msg_recv(zsock_t *sock, err_t *err);

/* Sends routing frames then the envelope without blocking, taking the message (*self_p is nulled, also on
 * failure). Returns 0, or -1 with err: XR_VENUE_UNAVAILABLE when the peer is unknown or gone
 * (ROUTER_MANDATORY) or its queue is full, XR_INTERNAL for anything else (no envelope included). */
int bus_msg_send(bus_msg_t **self_p, zsock_t *sock, err_t *err);

/* Convenience: sends routing frames of `route` (may be NULL for none) and the bytes of env, without taking
 * anything. Same return as bus_msg_send. */
int bus_send_envelope(zsock_t *sock, const bus_msg_t *route, const buf_t *env, err_t *err);

#endif
