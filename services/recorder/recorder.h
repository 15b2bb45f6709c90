/* recorder: persists every fill and order update published by the venue workers exactly once in PostgreSQL.
 *
 * Delivery without loss (proto/README.md sections 10-12): every event carries (source, seq), seq strictly +1
 * per source. The recorder keeps, per source, the last seq committed (loaded from event_sources at start and
 * written in the same transaction as the rows) and the last seq admitted into the pending batch. An event with
 * the next seq joins the batch; a repeat is ignored; a jump is a gap: the event is dropped and the source is
 * asked to replay from the first missing seq (events.replay, asked again after replay_timeout_ms without
 * progress). events.ack {source, seq} goes out only after the commit. events.hello from a worker tells how far
 * it has published: anything beyond what is stored is asked for again, and the worker is acked what is stored.
 * Batches commit at batch_max events or flush_ms after their first event, synchronous_commit on; with
 * pipelining (default) the next batch is loaded on a second session while the previous COMMIT is flushed.
 *
 * PostgreSQL down or restarting: pending batches are kept (at most three of batch_max) and retried with
 * backoff; while they are full the recorder stops reading events (ZeroMQ queues, then the PUB drops, and the gap is
 * replayed later from the worker's journal). kill -9: nothing acked is lost, nothing unacked was dropped by
 * the worker, so the restarted recorder resumes from event_sources and the replays fill in the rest.
 *
 * Control socket (ROUTER): events.hello from workers (identity = worker instance id), and `health` requests
 * from anyone (answered with a `result` whose one Health entry describes the recorder: venue "recorder",
 * reachable = PostgreSQL connected, inflight = events received but not committed, journal_backlog = events the
 * workers published that are not committed yet). The same figures are logged every health_log_ms.
 *
 * Backstop (recorder_backstop.h): on start, once caught up, and every backstop.interval_ms, the venues' trade
 * history since the last recorded fill is read through the router (get_fills) and any fill trades lacks is
 * stored through recorder_backstop_fills(), the one entry point for that check, and logged as an incident.
 *
 * One bus_loop; all state lives in recorder_t. */
#ifndef XR_RECORDER_RECORDER_H
#define XR_RECORDER_RECORDER_H

#include "base/err.h"
#include "recorder_backstop.h"

#include "bus/bus_curve.h"
#include "db/db.h"
#include "proto/order.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *events;           /* SUB bind endpoint, e.g. "tcp://127.0.0.1:7120" (":*" = ephemeral) */
    const char *control;          /* ROUTER bind endpoint, e.g. "tcp://127.0.0.1:7121" */
    const char *instance;         /* this recorder's name in health replies (default "recorder") */
    db_config_t db;               /* PostgreSQL session (dsn required) */
    const char *sql_dir;          /* migrations applied at start (deploy/sql) */
    size_t batch_max;             /* events per transaction (default 500) */
    int64_t flush_ms;             /* commit a batch at most this long after its first event (default 5) */
    int64_t replay_timeout_ms;    /* ask for a replay again after this long without progress (default 300) */
    int64_t health_log_ms;        /* health line interval (default 10000) */
    size_t max_sources;           /* distinct event sources tracked (default 1024) */
    bool pipeline;                /* overlap a batch's COMMIT with loading the next (default true; see
                                     recorder_store_set_pipeline) */
    bus_curve_t *curve;           /* CURVE keys and zauth (borrowed, outlives the recorder); NULL = plain TCP.
                                     Both sockets are worker links: events serve with the shared "events" key,
                                     control with the recorder's own (lib/bus/bus_curve.h); the backstop's
                                     link to the router is a client of server "router" */
    recorder_backstop_config_t backstop; /* get_fills backstop (router NULL = off) */
} recorder_config_t;

/* Recorder figures (plain values; also what `health` answers and the periodic log shows). */
typedef struct {
    bool db_connected;            /* PostgreSQL session up */
    bool db_ready;                /* schema applied and event_sources loaded */
    uint64_t lag;                 /* events received and accepted but not committed yet */
    uint64_t behind;              /* sum over sources of (worker's last published seq - committed seq) */
    int64_t last_commit_ms;       /* wall time of the last commit; 0 = none yet */
    uint64_t received;            /* events received on the SUB socket */
    uint64_t committed;           /* events committed (stored, duplicates of stored fills, rejects) */
    uint64_t commits;             /* transactions committed (committed / commits = mean batch size) */
    uint64_t duplicates;          /* events ignored because their seq was already admitted */
    uint64_t gaps;                /* events dropped because of a gap before them */
    uint64_t replays;             /* events.replay requests sent */
    uint64_t acks;                /* events.ack messages sent */
    uint64_t invalid;             /* messages refused by the decoder */
    uint64_t fills_new;           /* fills inserted */
    uint64_t fills_dup;           /* fills that were already stored */
    uint64_t rejects;             /* events recorded in event_rejects */
    size_t sources;               /* sources tracked */
    recorder_backstop_stats_t backstop; /* backstop counters (zero when off) */
} recorder_health_t;

typedef struct _recorder_t recorder_t;

/* Fills cfg with the defaults above (endpoints 127.0.0.1:7120/7121, no DSN). */
void recorder_config_default(recorder_config_t *cfg);

/* Binds both sockets and prepares the store (does not need PostgreSQL yet: the loop connects with backoff and
 * applies migrations when it can). NULL with err naming the endpoint or setting on failure. */
recorder_t *recorder_new(const recorder_config_t *cfg, err_t *err);

/* Runs the loop until SIGINT/SIGTERM (bus_signal_install must have run) or recorder_stop. Commits what it
 * can before returning. Returns 0 on a clean stop. */
int recorder_run(recorder_t *self);

/* Runs one round of the loop waiting at most timeout_ms (for tests). Returns 0, or -1 once stopped. */
int recorder_run_once(recorder_t *self, int64_t timeout_ms);

/* Makes recorder_run return after the current round. */
void recorder_stop(recorder_t *self);

/* Bound endpoints with real ports. Borrowed. */
const char *recorder_events_endpoint(recorder_t *self);
const char *recorder_control_endpoint(recorder_t *self);

/* Current figures. */
recorder_health_t recorder_health(const recorder_t *self);

/* Backstop: stores those of the n fills (the venue's own history, e.g. from get_fills) that are not in trades
 * yet, in one transaction outside any source's sequence (source "backstop"). *missing (may be NULL) gets how
 * many were missing. 0, or -1 with err when PostgreSQL is unavailable. Blocks. */
int recorder_backstop_fills(recorder_t *self, const proto_fill_t *fills, size_t n, size_t *missing, err_t *err);

/* Makes the next backstop pass due now (it still waits until the recorder has caught up). No-op when off. */
void recorder_backstop_now(recorder_t *self);

/* Commits what is pending if possible, closes sockets and the session. NULL-safe; nulls *self_p. */
void recorder_destroy(recorder_t **self_p);

#endif
