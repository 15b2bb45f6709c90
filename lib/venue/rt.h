/* rt: the runtime's private parts shared by its files (runtime.c: service, sockets, router protocol,
 * requests; rt_call.c: driving adapter calls over HTTP; rt_orders.c: the send journal, unknown-outcome
 * resolution and the order table; rt_events.c: event journal, publishing, recorder acks and replay;
 * rt_fills.c: fill discovery, its lease and cursors). Not an API: only lib/venue includes it. */
#ifndef XR_VENUE_RT_H
#define XR_VENUE_RT_H

#include "adapter.h"
#include "clidset.h"
#include "convert.h"
#include "runtime.h"

#include "base/backoff.h"
#include "base/circuit.h"
#include "base/clock.h"
#include "base/journal.h"
#include "base/ratelimit.h"
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "http/http_client.h"
#include "proto/proto.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

/* czmq includes <syslog.h>, whose LOG_LEVEL_DEBUG / LOG_LEVEL_INFO macros would hide the levels of base/log.h (and make
 * it fail to compile when included afterwards). Files of the runtime include base/log.h after this header. */
#undef LOG_LEVEL_DEBUG
#undef LOG_LEVEL_INFO

#define RT_HTTP_FDS_MAX 64       /* HTTP sockets polled at once */
#define RT_Z_ROUTER 1u           /* zdirty bits: the router DEALER */
#define RT_Z_RECORDER 2u         /* the recorder DEALER */
#define RT_INTENTS_MAX 4096      /* unresolved order sends */
#define RT_ORDERS_MAX 262144     /* orders tracked for fills and state changes (320 bytes each, touched as used) */
#define RT_ORDER_BUCKETS 262144  /* hash buckets of each order-table index (a power of two) */
#define RT_MS_IDS 128            /* trade ids remembered for the last millisecond of a VENUE_CAP_MS_CURSOR cursor */
#define RT_SYMBOLS_MAX 256       /* symbols with a fill cursor */
#define RT_LATENCY_SAMPLES 256   /* fill latency ring */
#define RT_REPLICAS_HOLD_MS 3000 /* a lower live replica count must hold this long before the budget share grows */
#define RT_SENT_KEEP 65536       /* client ids remembered (and send records kept) for duplicate detection */

typedef struct rt_call rt_call_t;

/* Where a call is between adapter steps. Every change goes through rt_call.c s_state (logged at debug). */
typedef enum {
    RC_BUILT = 0, /* the adapter built a request (or the call just started) */
    RC_WAITING,   /* held back until wake_at_ms: rate-limit room or a retry backoff */
    RC_JOURNAL,   /* its send record is appended; sent once rt_flush made it durable */
    RC_SENT,      /* on the wire: the HTTP client will call back */
    RC_RESYNC,    /* refused for clock skew: waiting for the clock resync, then sent again */
    RC_DONE       /* finished (answered or completed); about to be freed */
} rt_call_state_t;
typedef void(rt_done_fn)(venue_runtime_t *rt, rt_call_t *c, int rc);

/* One adapter operation in progress. */
struct rt_call {
    rt_call_t *next;            /* list of live calls */
    venue_runtime_t *rt;        /* owner */
    venue_call_t call;          /* the adapter's view */
    venue_ctx_t ctx;            /* what hooks read */
    bus_msg_t *route;           /* client calls: routing frames of the request; NULL for internal calls */
    proto_header_t hdr;         /* client calls: the request's header */
    rt_done_fn *on_done;        /* internal calls: completion */
    venue_op_t reply_op;        /* the operation the client asked for (op may differ: a repeated id is queried) */
    bool dedupe;                /* a place_order whose client id was sent before: answered by get_order */
    void *arg;                  /* internal calls: completion argument */
    rt_call_state_t state;      /* see rt_call_state_t */
    int64_t wake_at_ms;         /* RC_WAITING: (re)send at this monotonic time */
    bool answered;              /* the client already has its reply (PENDING_UNKNOWN) */
    bool journaled;             /* the current CREATES_ORDER request is in the send journal */
    bool saved;                 /* q_len/b_len/n_headers hold the unsigned request's sizes */
    size_t q_len, b_len;        /* unsigned sizes of query and body */
    int n_headers;              /* unsigned header count */
    int skew_retries;           /* resyncs done for CLOCK_SKEW (at most 1) */
    int retries;                /* safe retries done for this step */
    int64_t sent_wall_ms;       /* when the current request left */
    int64_t created_ms;         /* monotonic ms the call was made */
    uint64_t send_no;           /* order of the current request among all sent (rate-limit usage is taken from
                                   the reply of the latest request only) */
    int64_t deadline_ms;        /* caller's deadline (epoch ms), 0 = none */
    char account[PROTO_ACCOUNT_SZ]; /* account of the request */
};

/* One order send whose outcome is not settled yet (journaled "S", not yet "R"). */
typedef struct {
    venue_order_req_t order;    /* what was sent (symbol, side, type, quantity, price, clid) */
    uint64_t seq;               /* its journal record */
    int64_t sent_ms;            /* wall ms when it was (first) sent */
    int64_t resolve_at;         /* monotonic ms to query it; 0 = its reply is still awaited */
    bool resolving;             /* a query is in flight */
    int attempts;               /* queries done */
} rt_intent_t;

/* What the runtime knows of one order (for fills' client ids and for order events). */
typedef struct {
    venue_order_t o;            /* last known state (status NONE: only the request is known yet) */
    int64_t touched_ms;         /* monotonic ms of the last change */
    proto_meta_t meta;          /* the place_order's metadata, copied onto its fills */
    int32_t next_oid;           /* next slot in the same by-venue-id bucket, -1 = end */
    int32_t next_clid;          /* next slot in the same by-client-id bucket, -1 = end */
    bool restored;              /* known from the send journal only (client id <-> venue id, state unknown):
                                   not refreshed by the open-order listing */
    uint32_t listed;            /* open-order listing round that last saw it (rt_orders.c) */
    bool gone;                  /* missing from an open-order listing made after its last change: ended at the
                                   venue (its final state is queried, a few at a time); may be forgotten */
} rt_order_t;

/* Fill discovery state of one symbol. */
typedef struct {
    char symbol[VENUE_SYMBOL_MAX];  /* unified */
    int64_t last_id;                /* highest trade id published; 0 = none yet */
    int64_t ids_ms;                 /* VENUE_CAP_MS_CURSOR: the venue ms whose published trades ids[] holds */
    uint64_t ids[RT_MS_IDS];        /* hashes of the trade ids published in ids_ms */
    size_t n_ids;                   /* used entries of ids */
    char key[VENUE_ID_MAX];         /* the adapter's own cursor (result.cursor), when it keeps one */
    int64_t start_ms;               /* venue ms to start from when last_id is 0 */
    int64_t active_until;           /* monotonic ms; poll while now < active_until */
    int64_t next_poll;              /* monotonic ms of the next poll */
    bool polling;                   /* a poll is in flight */
    bool urgent;                    /* an order reply showed a fill: poll now, ahead of the pacing */
    int64_t marked_ms;              /* monotonic ms the symbol's activity marker file was last touched */
    char looked_up[VENUE_ID_MAX];   /* last order id queried to learn a fill's client id */
} rt_cursor_t;

struct _venue_runtime_t {
    const venue_ops_t *ops;          /* the adapter */
    void *state;                     /* its private state */
    char venue[PROTO_VENUE_SZ];      /* venue name */
    char account[PROTO_ACCOUNT_SZ];  /* account served */
    char instance[PROTO_INSTANCE_SZ];/* stable instance id */
    char state_dir[512];             /* journals, lease, cursors */
    char base_url[256];              /* REST base */
    char public_url[256];            /* market-data host (req.public_host) */
    char router_ep[256];             /* router backend */
    char events_ep[512];             /* PUB connect endpoints (comma separated) */
    char recorder_ep[256];           /* recorder control */
    venue_creds_t creds;             /* key, secret, recv window */
    int capacity;                    /* client calls in flight accepted */
    int replicas;                    /* instances sharing the account: max(replicas_config, the router's live
                                        count); the rate-limit budget is split by it */
    int replicas_config;             /* XROUTE_VENUE_REPLICAS: the floor of replicas */
    int64_t replicas_lower_since;    /* rt_now() since which the router's count has been below the split; 0 = not */
    int http_timeout_ms;             /* per HTTP request */
    int64_t fill_poll_ms;            /* fill poll period while a symbol is active */
    int64_t acceptance_ms;           /* wait after recv window before resolving an unknown outcome */

    zsock_t *router;                 /* DEALER to the router backend */
    zsock_t *pub;                    /* events out */
    zsock_t *recorder;               /* DEALER to the recorder control */
    unsigned zdirty;                 /* RT_Z_* sockets to drain before the loop waits (see venue_runtime_run) */
    http_client_t *http;             /* the one HTTP client */
    http_pollfd_t fds[RT_HTTP_FDS_MAX]; /* HTTP sockets of the current poll */
    size_t n_fds;                    /* in use */
    proto_msg_t *reader;             /* envelope reader */
    buf_t out;                       /* envelope being encoded */

    instruments_t *instruments;      /* current contract table */
    venue_limits_t limits;           /* the venue's published limits (zero until loaded) */
    clock_offset_t clock;            /* venue clock offset */
    ratelimit_t *weight_rl;          /* request weight budget */
    ratelimit_t *order_rl;           /* order count budget */
    circuit_t *circuit;              /* venue circuit breaker */
    backoff_t *backoff;              /* retry delays */
    journal_t *sends;                /* "sending id X" journal */
    clidset_t *sent;                 /* client ids sent recently (from the journal and this run) */
    journal_t *events;               /* event journal (seq = journal seq) */

    rt_call_t *calls;                /* live calls */
    int n_client_calls;              /* client calls in flight */
    rt_intent_t *intents;            /* unresolved sends */
    size_t n_intents;
    rt_order_t *orders;              /* tracked orders */
    size_t n_orders;
    int32_t *by_oid;                 /* RT_ORDER_BUCKETS chain heads: slot index by venue order id, -1 = none */
    int32_t *by_clid;                /* RT_ORDER_BUCKETS chain heads: slot index by client order id */
    size_t evict_hand;               /* where the next search for a slot to reuse starts */
    int64_t evict_none_until;        /* monotonic ms: a full table had nothing to reuse; no new search before */
    uint32_t listing_round;          /* open-order listings done (rt_order_t.listed) */
    rt_cursor_t cursors[RT_SYMBOLS_MAX]; /* fill cursors */
    size_t n_cursors;
    int lease_fd;                    /* fills lease file, -1 when none */
    bool fill_owner;                 /* this instance holds the lease */
    int64_t latency_ms[RT_LATENCY_SAMPLES]; /* fill latency ring */
    size_t n_latency;                /* samples taken (ring index = n % size) */

    bool ready;                      /* time, instruments and startup intents done: take work */
    bool starting;                   /* a startup step is in flight */
    int start_step;                  /* 0 time, 1 instruments, 2 intents, 3 done */
    int64_t next_start_try;          /* monotonic ms of the next startup attempt */
    bool reachable;                  /* last venue call got an answer */
    int64_t router_epoch;            /* last router epoch seen */
    int64_t router_seen_ms;          /* monotonic ms of the last router message */
    bool registered;                 /* register sent since the last router change */
    int64_t next_heartbeat;          /* monotonic ms */
    int64_t next_hello;              /* monotonic ms: events.hello to the recorder */
    int64_t next_time_sync;          /* monotonic ms */
    int64_t next_instruments;        /* monotonic ms */
    int64_t next_lease_try;          /* monotonic ms */
    int64_t next_active_scan;        /* monotonic ms */
    int64_t next_order_refresh;      /* monotonic ms */
    int64_t next_open_scan;          /* monotonic ms: fill owner lists all open orders */
    int64_t next_fill_poll;          /* monotonic ms: earliest next trade-history poll (budget pacing) */
    int fill_weight;                 /* weight of the last trade-history request */
    bool open_scanning;              /* that listing is in flight */
    bool time_syncing;               /* a time call is in flight */
    bool sends_dirty;                /* send records appended since the last sync */
    bool cursors_dirty;              /* fill cursors moved: rewrite the file after the events are durable */
    buf_t pubq;                      /* events journaled, not yet synced and published: [u32 len][record]... */
    size_t n_pubq;                   /* events in pubq */
    uint64_t id_counter;             /* for internal correlation ids */
    uint64_t send_counter;           /* requests sent (rt_call_t.send_no) */
    uint64_t usage_send_no;          /* send_no of the request whose reply last set the rate-limit usage */
    bool journal_sync;               /* fdatasync the journals before acting on them (XROUTE_VENUE_JOURNAL_SYNC) */
};

/* rt_call.c */
rt_call_t *rt_call_new(venue_runtime_t *rt, venue_op_t op);
void rt_call_start(venue_runtime_t *rt, rt_call_t *c);
void rt_call_tick(venue_runtime_t *rt, int64_t now_ms);
void rt_call_free(venue_runtime_t *rt, rt_call_t *c);
/* Sends (or queues) the current request of c. */
void rt_call_send(venue_runtime_t *rt, rt_call_t *c);
/* After the send journal's group commit: submits every call waiting in RC_JOURNAL (durable), or fails them. */
void rt_calls_journaled(venue_runtime_t *rt, bool durable, const char *why);
/* Starts a clock sync; when it ends, sends `waiting` (a call refused for CLOCK_SKEW; may be NULL) again. */
void rt_time_sync(venue_runtime_t *rt, rt_call_t *waiting);

/* runtime.c */
void rt_reply_result(venue_runtime_t *rt, rt_call_t *c, const proto_result_t *res);
void rt_reply_error(venue_runtime_t *rt, rt_call_t *c, const venue_error_t *e);
int64_t rt_now(void); /* monotonic ms */

/* rt_orders.c */
int rt_orders_open(venue_runtime_t *rt, err_t *err);
int rt_intent_begin(venue_runtime_t *rt, const venue_order_req_t *o, err_t *err);
void rt_intent_end(venue_runtime_t *rt, const char *clid);
void rt_intent_unknown(venue_runtime_t *rt, const char *clid, int64_t sent_ms);
bool rt_intent_exists(venue_runtime_t *rt, const char *clid);
void rt_intents_tick(venue_runtime_t *rt, int64_t now_ms);
/* Records an order's state; publishes event.order when it is new or changed. */
void rt_order_seen(venue_runtime_t *rt, const venue_order_t *o, const char *account);
const rt_order_t *rt_order_find(const venue_runtime_t *rt, const char *order_id);
/* The tracked order with this venue order id, else with this client order id (either may be ""), or NULL. */
const rt_order_t *rt_order_lookup(const venue_runtime_t *rt, const char *order_id, const char *client_order_id);
/* Remembers a place_order's metadata (copied) for the fills of that client order id. */
void rt_order_meta(venue_runtime_t *rt, const char *clid, const char *symbol, const proto_meta_t *meta);
/* Frees the order table. */
void rt_orders_free(venue_runtime_t *rt);
/* Queries one order (by venue id) and records its state. */
void rt_order_refresh(venue_runtime_t *rt, const char *symbol, const char *order_id);
/* Periodically lists open orders of symbols with tracked live orders, to see venue-side changes. */
void rt_orders_tick(venue_runtime_t *rt, int64_t now_ms);

/* runtime.c: group commit of both journals, then the sends and publishes they held back. */
void rt_flush(venue_runtime_t *rt);

/* rt_events.c */
int rt_events_open(venue_runtime_t *rt, err_t *err);
int rt_event_order(venue_runtime_t *rt, const venue_order_t *o, const char *account);
int rt_event_fill(venue_runtime_t *rt, const venue_fill_t *f, const char *account);
void rt_events_hello(venue_runtime_t *rt);
void rt_events_on_recorder(venue_runtime_t *rt);
/* Syncs the event journal and publishes what it held back. Returns 0, or -1 when the sync failed (nothing
 * is published; the events stay queued for the next try). */
int rt_events_flush(venue_runtime_t *rt);

/* rt_fills.c */
void rt_fills_activate(venue_runtime_t *rt, const char *symbol);
void rt_fills_tick(venue_runtime_t *rt, int64_t now_ms);
/* An order reply showed executed quantity on symbol: poll its trade history at once. */
void rt_fills_hint(venue_runtime_t *rt, const char *symbol);
void rt_fills_close(venue_runtime_t *rt);
/* p50 and max fill latency over the recent samples; -1 when none. */
void rt_fills_latency(const venue_runtime_t *rt, int64_t *p50, int64_t *max);
/* Rewrites the cursor file (after the events it covers are durable). */
void rt_fills_save(venue_runtime_t *rt);

#endif
