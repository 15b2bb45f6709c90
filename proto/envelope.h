/* envelope: the one msgpack map that ends every ZeroMQ message (README "Envelope"), the message types it
 * names, and the reader that parses an envelope once so that the family decoders (request.h, result.h,
 * error.h, control.h, event.h) can decode its body without parsing twice.
 *
 * Decoding is strict and bounded: the bytes are first checked structurally (sizes against the remaining
 * input, nesting, string lengths, exactly one object and no trailing bytes) and only then unpacked by
 * msgpack-c into a zone owned by the reader. Strings of the parsed tree point into the caller's bytes, so
 * the bytes must outlive the decoding of the body. Encoding appends one complete envelope to a buf_t. */
#ifndef XR_PROTO_ENVELOPE_H
#define XR_PROTO_ENVELOPE_H

#include "common.h"

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message types (the envelope's `type`). Wire names in the comments. */
typedef enum {
    PROTO_T_UNKNOWN = 0,        /* a type name this build does not know; the name is kept in type_name */
    /* client requests (gateway -> router -> worker) */
    PROTO_T_PLACE_ORDER,        /* "place_order" */
    PROTO_T_CANCEL_ORDER,       /* "cancel_order" */
    PROTO_T_CANCEL_ALL,         /* "cancel_all" */
    PROTO_T_GET_ORDER,          /* "get_order" */
    PROTO_T_GET_OPEN_ORDERS,    /* "get_open_orders" */
    PROTO_T_GET_POSITIONS,      /* "get_positions" */
    PROTO_T_GET_BALANCES,       /* "get_balances" */
    PROTO_T_GET_TICKER,         /* "get_ticker" */
    PROTO_T_GET_KLINES,         /* "get_klines" */
    PROTO_T_SET_LEVERAGE,       /* "set_leverage" */
    PROTO_T_CLOSE_POSITION,     /* "close_position" */
    PROTO_T_GET_FILLS,          /* "get_fills" */
    PROTO_T_HEALTH,             /* "health" */
    /* admin requests answered by the router */
    PROTO_T_ROUTE,              /* "route" */
    PROTO_T_RELOAD,             /* "reload" */
    PROTO_T_VENUES,             /* "venues" */
    /* replies */
    PROTO_T_RESULT,             /* "result" */
    PROTO_T_ERROR,              /* "error" */
    /* worker <-> router control (router backend) */
    PROTO_T_WORKER_REGISTER,    /* "worker.register" */
    PROTO_T_WORKER_HEARTBEAT,   /* "worker.heartbeat" */
    PROTO_T_ROUTER_HELLO,       /* "router.hello" */
    PROTO_T_ROUTER_HEARTBEAT,   /* "router.heartbeat" */
    /* events (worker PUB) */
    PROTO_T_EVENT_ORDER,        /* "event.order" */
    PROTO_T_EVENT_FILL,         /* "event.fill" */
    /* worker <-> recorder control */
    PROTO_T_EVENTS_HELLO,       /* "events.hello" */
    PROTO_T_EVENTS_ACK,         /* "events.ack" */
    PROTO_T_EVENTS_REPLAY,      /* "events.replay" */
    PROTO_T_COUNT_              /* number of types; not a type */
} proto_type_t;

/* Wire name of a type; "" for PROTO_T_UNKNOWN and out-of-range values. Borrowed static string. */
const char *proto_type_name(proto_type_t t);

/* Type for a wire name of len bytes; PROTO_T_UNKNOWN if not known. */
proto_type_t proto_type_parse(const char *s, size_t len);

/* True for the request types (place_order .. venues). */
bool proto_type_is_request(proto_type_t t);

/* The envelope's fields other than the body. */
typedef struct {
    uint32_t v;                       /* protocol version; PROTO_VERSION (decoders refuse others) */
    proto_type_t type;                /* decoded type; encoders set it from the body they write */
    char type_name[PROTO_TYPE_SZ];    /* the wire name as received (useful when type is UNKNOWN) */
    char id[PROTO_ID_SZ];             /* correlation id, 1..64 bytes; replies echo the request's */
    char client[PROTO_CLIENT_SZ];     /* client id, "" when absent; the gateway sets it on forwarded requests */
    int64_t ts;                       /* sender's wall clock, epoch ms */
    int64_t deadline;                 /* absolute epoch ms after which the caller stops waiting; 0 = none */
} proto_header_t;

/* Fills h for a new message: v = PROTO_VERSION, the given id (truncation asserted against), client "",
 * ts = now (wall ms), no deadline. type is set by the encoder. */
void proto_header_init(proto_header_t *h, const char *id);

/* A header for a reply to req: same id and client, ts = now, no deadline. */
void proto_header_reply(proto_header_t *h, const proto_header_t *req);

/* A reusable envelope reader. Opaque; holds the msgpack zone of the last parse. */
typedef struct _proto_msg_t proto_msg_t;

/* New reader. Never NULL (allocation aborts on OOM). */
proto_msg_t *proto_msg_new(void);

/* Destroys the reader; NULL-safe, idempotent, nulls *self_p. */
void proto_msg_destroy(proto_msg_t **self_p);

/* Parses len bytes as one envelope: checks structure and limits, then the envelope fields (v, type, id,
 * client, ts, deadline, body map). On success returns 0, fills *hdr and keeps the parsed tree for a body
 * decoder; the tree borrows `data`, which must stay valid and unchanged until the next parse or destroy.
 * On failure returns -1, err (may be NULL) is XR_INVALID_REQUEST naming the field, *hdr is zeroed except
 * that hdr->id is set whenever the id itself was readable (so an error reply can echo it). */
int proto_msg_parse(proto_msg_t *self, const void *data, size_t len, proto_header_t *hdr, err_t *err);

/* Header of the last successful parse; asserts there was one. Borrowed. */
const proto_header_t *proto_msg_header(const proto_msg_t *self);

#endif
