/* recorder_store: the recorder's database side. It owns the PostgreSQL session (lib/db), applies the schema
 * migrations at start, collects a batch of events (fills and order updates, each tagged with its source and
 * seq) and writes the batch in one transaction together with the new last seq of every source in it.
 *
 * Writes are idempotent, so a batch whose commit outcome is unknown (connection lost during COMMIT) can simply
 * be written again: fills are keyed by (venue, account, trade_id) with ON CONFLICT DO NOTHING, order events by
 * (source, seq), the orders table only moves forward (status rank, filled quantity, updated_at, seq), and a
 * source's last seq only grows.
 *
 * Fast path: fills are COPYed straight into trades (no duplicate is the normal case); order updates go
 * through a session-local staging table (venue JSON parsed once, on COPY) and prepared INSERT ... SELECT
 * statements (history, then the forward-only upsert) run by EXECUTE with the COMMIT in one round trip. If the
 * direct COPY is refused for its data (a fill stored before), the batch goes again through staging with
 * ON CONFLICT DO NOTHING. If PostgreSQL still refuses it (bad data, not the connection), the batch is written
 * event by event, each in its own transaction, and an event refused even then is recorded in event_rejects with
 * the reason, so one bad event can neither block a source nor vanish. */
#ifndef XR_RECORDER_STORE_H
#define XR_RECORDER_STORE_H

#include "base/err.h"
#include "db/db.h"
#include "proto/order.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _recorder_store_t recorder_store_t;

/* Counters since the store was created (plain values; for health, logs and tests). */
typedef struct {
    uint64_t commits;          /* transactions committed (fast path batches + slow path events) */
    uint64_t events;           /* events committed (stored or rejected) */
    uint64_t fills_new;        /* fills inserted */
    uint64_t fills_dup;        /* fills already present (replays, duplicates) */
    uint64_t orders_events;    /* order updates committed (history written, or already there) */
    uint64_t rejects;          /* events written to event_rejects */
    uint64_t staged_batches;   /* batches whose fills could not be COPYed straight in (a duplicate) */
    uint64_t slow_batches;     /* batches that had to be written event by event */
    uint64_t failed_commits;   /* batch commits that failed for the connection (batch kept) */
    int64_t last_commit_ms;    /* wall time of the last successful commit; 0 = never */
} recorder_store_stats_t;

/* Called once per stored source by recorder_store_load_sources, and per source of every batch once it is
 * committed (last_seq = the highest seq of that source in the batch). */
typedef void (recorder_store_source_fn)(const char *source, uint64_t last_seq, void *ctx);
typedef recorder_store_source_fn recorder_store_commit_fn;

/* A store over a new db_t built from cfg (not connected yet) that holds at most batch_max events per batch
 * and applies the migrations of sql_dir on its first successful open. NULL with err on bad config. */
recorder_store_t *recorder_store_new(const db_config_t *cfg, const char *sql_dir, size_t batch_max, err_t *err);

/* Destroys the store and its sessions; NULL-safe, nulls *self_p. Uncommitted batches are discarded (a COMMIT
 * already sent completes or not on the server: writes are idempotent either way). */
void recorder_store_destroy(recorder_store_t **self_p);

/* Who hears about committed batches (per source, in commit order). Set before the first commit. */
void recorder_store_set_commit_fn(recorder_store_t *self, recorder_store_commit_fn *fn, void *ctx);

/* Pipelined commits (off by default): a sealed batch is loaded at once on a free session (its rows sent, the
 * outcome collected later), so up to two batches load on the server in parallel; recorder_store_commit
 * completes every batch sealed before the call and leaves the one it seals loading or with its COMMIT sent,
 * to be collected by the next call. A batch's COMMIT is sent only after every older one is known to have
 * succeeded, so per source the committed seq only moves forward and nothing is skipped. A batch sharing a
 * fill key with the older batch on the server loads only after it. */
void recorder_store_set_pipeline(recorder_store_t *self, bool on);

/* Cooperative waits on both sessions (db_set_wait_fn): while a batch is loaded or committed, the owner may keep
 * adding events (they go to the batch being built, never to one being written). */
void recorder_store_set_wait_fn(recorder_store_t *self, db_wait_fn *fn, void *ctx);

/* Makes the store usable: connects if due (backoff), applies migrations (first time only), sets up staging
 * tables and prepared statements. 0 when ready; -1 with err when the database is down (retry later; see
 * db_retry_in_ms) or a migration failed. Cheap when already ready. Blocks while connecting/migrating. */
int recorder_store_open(recorder_store_t *self, err_t *err);

/* True once open has succeeded (the schema is in place); the session itself may be down since. */
bool recorder_store_ready(const recorder_store_t *self);

/* Reads event_sources and calls fn for every source. 0, or -1 with err (database down). */
int recorder_store_load_sources(recorder_store_t *self, recorder_store_source_fn *fn, void *ctx, err_t *err);

/* Adds one event to the batch (copies what it needs). -1 with err when the batch is full (XR_INTERNAL) or the
 * event cannot be encoded (XR_INVALID_REQUEST: would exceed the staging line limit); the batch is unchanged. */
int recorder_store_add_fill(recorder_store_t *self, const char *source, uint64_t seq, const proto_fill_t *fill,
                            err_t *err);
int recorder_store_add_order(recorder_store_t *self, const char *source, uint64_t seq, const proto_order_t *order,
                             err_t *err);

/* Events not known to be committed (batch being built, batch whose COMMIT is out, batch to retry); whether the
 * batch being built is full; whether a sealed batch is on the server (loading, or its COMMIT out: call
 * recorder_store_commit again to collect it). */
size_t recorder_store_pending(const recorder_store_t *self);
bool recorder_store_full(const recorder_store_t *self);
bool recorder_store_in_flight(const recorder_store_t *self);

/* Writes what is pending durably (synchronous_commit on): seals the batch being built; without pipelining,
 * writes every sealed batch and waits; with it, completes (waiting) every batch sealed before this call, starts
 * loading the one sealed now and sends its COMMIT if its rows are already in (collected by the next call).
 * At most three batches are held: the one being built and two sealed ones. Every committed batch is reported
 * to the commit fn. 0: all done or in flight. -1 with err: the database is down or the connection broke;
 * nothing is lost: failed batches are kept for a later call (writing one again is harmless) and the batch
 * being built keeps growing up to batch_max. Blocks. */
int recorder_store_commit(recorder_store_t *self, err_t *err);

/* Backstop: writes those of the n fills that trades does not hold yet, in one transaction of its own (the
 * batch is untouched), with source "backstop" and seq 0. *missing (may be NULL) gets how many were inserted;
 * each inserted fill is an incident, logged at warn with its venue, account and trade id (at most 50 ids
 * per line, then how many more). 0, or -1 with err (database down, or data
 * PostgreSQL refuses: nothing is written then). Blocks. */
int recorder_store_backstop_fills(recorder_store_t *self, const proto_fill_t *fills, size_t n, size_t *missing,
                                  err_t *err);

/* One (venue, account, symbol) whose trade history the backstop reads, from since_ms (epoch ms). */
typedef void (recorder_store_target_fn)(const char *venue, const char *account, const char *symbol,
                                        int64_t since_ms, void *ctx);

/* The backstop's work list: every (venue, account, symbol) with a fill in trades or an order in orders
 * that is open or was updated within lookback_ms, each with since_ms = its last recorded fill (or, with
 * none, its oldest such order's creation), never earlier than now - lookback_ms. At most max targets,
 * ordered by venue, account, symbol. 0, or -1 with err (database down). Blocks. */
int recorder_store_backstop_targets(recorder_store_t *self, int64_t lookback_ms, size_t max,
                                    recorder_store_target_fn *fn, void *ctx, err_t *err);

/* Discards the batch being built without writing it. */
void recorder_store_clear(recorder_store_t *self);

/* The first session (for health: state, retry time). Borrowed. */
db_t *recorder_store_db(recorder_store_t *self);

/* Counters. */
recorder_store_stats_t recorder_store_stats(const recorder_store_t *self);

#endif
