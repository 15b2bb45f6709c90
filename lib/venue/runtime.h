/* runtime: everything a venue worker does that is not particular to its venue, driving any adapter
 * (adapter.h). One process = one runtime = one event loop (poll over the ZMQ_FD descriptors of the router
 * and recorder DEALERs, the HTTP client's sockets and the signal pipe) with many venue calls in flight at once.
 *
 * What it guarantees, for every venue alike:
 *  - at most once: every order has a client order id before it leaves; "sending id X" is journaled and
 *    fdatasync'd before the HTTP call (group commit: one sync per loop round for all orders of that round);
 *    a timeout, 5xx or lost reply answers PENDING_UNKNOWN and is resolved by querying the order (after the
 *    acceptance window), never by resending; after a restart unresolved ids are resolved before the worker
 *    registers with the router; a place_order repeating a client id sent before (also before a restart) is
 *    answered by querying that order, and one repeating an id still in progress is refused;
 *  - every order state change and fill it learns is journaled, then published (event.order / event.fill)
 *    with a per-instance seq; the journal is kept until the recorder acknowledges, and replayed on request;
 *  - fills are discovered from the venue's trade history by one instance per account at a time (an flock
 *    lease in the shared state directory), with a persistent cursor, for every symbol with open or recently
 *    active orders; polls are paced to half of the weight budget, and an order reply showing a fill polls its
 *    symbol at once; a fill carries its order's client id and metadata;
 *  - pre-trade checks (tick, step, quantity bounds, notional), rate limits from the venue's published limits
 *    corrected by its usage headers and shared between replicas, Retry-After honoured, clock offset and
 *    resync on CLOCK_SKEW, retries with jittered backoff only where safe, one circuit breaker per venue.
 *
 * Configuration (environment, or KEY=VALUE file given with --config; <V> is the upper-case venue name):
 *   <V>_API_KEY, <V>_API_SECRET (or <V>_API_SECRET_FILE)   required; the service stops naming a missing one
 *   <V>_TESTNET (false), <V>_BASE_URL (override: the simulator), <V>_RECV_WINDOW_MS (5000)
 *   <V>_PUBLIC_URL   market-data host, for venues that have one (default ops->public_url, or <V>_BASE_URL
 *                    when only that is set)
 *   XROUTE_VENUE_ROUTER (tcp://127.0.0.1:7111)   router ROUTER the worker's DEALER connects to
 *   XROUTE_VENUE_EVENTS (tcp://127.0.0.1:7102,tcp://127.0.0.1:7120)   where the event PUB connects
 *   XROUTE_VENUE_RECORDER (tcp://127.0.0.1:7121)   recorder ROUTER for events.hello/ack/replay
 *   XROUTE_VENUE_INSTANCE (<venue>-1)   stable id of this worker (journal, event source)
 *   XROUTE_VENUE_ACCOUNT (default)   the account this worker serves
 *   XROUTE_VENUE_STATE_DIR (var/<venue>)   journals of this instance (named by its instance id); the fills
 *                    lease, cursors and active symbols of the account: replicas of one account MUST share it
 *   XROUTE_VENUE_JOURNAL_SYNC (true)   fdatasync the journals before sending and publishing; false keeps
 *                    everything across a process crash but not a machine crash (benchmarks' "sync OFF")
 *   XROUTE_VENUE_CAPACITY (64), XROUTE_VENUE_REPLICAS (1: a floor; the budget is split by the larger of it
 *                    and the router's live count of this account's replicas), XROUTE_VENUE_HTTP_TIMEOUT_MS (10000),
 *   XROUTE_VENUE_FILL_POLL_MS (250), XROUTE_VENUE_ACCEPTANCE_MS (venue default), XROUTE_LOG_LEVEL (info) */
#ifndef XR_VENUE_RUNTIME_H
#define XR_VENUE_RUNTIME_H

#include "adapter.h"

#include "base/config.h"
#include "base/err.h"

typedef struct _venue_runtime_t venue_runtime_t;

/* Builds a runtime for ops from cfg: reads credentials (failing with a message naming a missing variable),
 * opens the journals (recovering them), creates sockets and the HTTP client. Does not contact the venue
 * yet. Returns NULL with err set. Caller owns the result. */
venue_runtime_t *venue_runtime_new(const venue_ops_t *ops, const config_t *cfg, err_t *err);

/* Runs the event loop until SIGINT/SIGTERM (bus_signal_install must have run) or a fatal error. Returns 0
 * on a clean stop, -1 on failure. Blocks. */
int venue_runtime_run(venue_runtime_t *self);

/* Stops, closes sockets and journals, frees; NULL-safe; sets *self_p to NULL. */
void venue_runtime_destroy(venue_runtime_t **self_p);

/* The whole main() of a venue worker: --help/--version, --config FILE, logging, config, signals, run.
 * Returns the process exit code (0 clean stop, 2 bad configuration, 1 runtime failure). */
int venue_main(int argc, char **argv, const venue_ops_t *ops);

#endif
