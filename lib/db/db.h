/* db: one PostgreSQL session over libpq, for a service loop that can afford to block for a few milliseconds per
 * statement (the recorder commits a batch at a time). lib/db is the only user of libpq (STYLE rule 14).
 *
 * What it adds to a bare PGconn:
 *  - a connection state machine (DISCONNECTED <-> CONNECTED, one door, logged) with reconnect and exponential
 *    backoff: after a failure, db_ensure() tries again only once the backoff delay has passed, so a loop can
 *    call it on every turn;
 *  - session setup (db_add_session_sql) and prepared statements (db_prepare) that are replayed on every new
 *    connection, so a reconnect is invisible to callers except for the transaction it interrupted;
 *  - error classification: connection lost (retry after reconnect), constraint violation, other;
 *  - transactions and COPY FROM STDIN for batched writes.
 * The password comes from a file (db_config_t.password_file) or libpq's own PGPASSFILE/.pgpass; it is never
 * logged and never put in error text. Logs name only the host and database (db_target).
 * Every call blocks until the server answers (connect is bounded by connect_timeout). Not thread-safe: one
 * db_t belongs to one loop. */
#ifndef XR_DB_DB_H
#define XR_DB_DB_H

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _db_t db_t;
typedef struct _db_result_t db_result_t;

typedef enum {
    DB_DISCONNECTED = 0,  /* no session: never connected, lost, or the last attempt failed (see retry time) */
    DB_CONNECTED          /* session up, session SQL run, every registered statement prepared */
} db_state_t;

typedef enum {
    DB_ERR_NONE = 0,      /* the last call succeeded */
    DB_ERR_CONNECTION,    /* no connection, connection lost or server shutting down: retry after reconnect */
    DB_ERR_CONSTRAINT,    /* integrity constraint violated (SQLSTATE class 23): the data is at fault */
    DB_ERR_QUERY          /* anything else (bad SQL, bad value, serialization...): retrying as is won't help */
} db_errkind_t;

typedef struct {
    const char *dsn;            /* libpq conninfo ("host=... dbname=...") or URI; required; may not hold secrets
                                   we promise to hide beyond what libpq itself does */
    const char *password_file;  /* optional file (mode 0600) whose first line is the password; NULL: .pgpass */
    const char *app_name;       /* application_name reported to the server; NULL: "xroute" */
    int connect_timeout_s;      /* bound on one connect attempt; 0: 5 s */
    int backoff_min_ms;         /* first retry delay after a failure; 0: 100 ms */
    int backoff_max_ms;         /* ceiling of the doubling delay; 0: 5000 ms */
} db_config_t;

/* Checks the configuration (the DSN must parse; the password file, if named, must be a readable regular file that
 * group and others cannot access: mode 0600, checked again at every connect) and returns an
 * unconnected session, or NULL with err set (XR_INVALID_REQUEST). Does not connect. Caller destroys. */
db_t *db_new(const db_config_t *cfg, err_t *err);

/* Closes the connection and frees everything. Accepts NULL and *self_p == NULL; sets *self_p to NULL. */
void db_destroy(db_t **self_p);

/* Registers SQL to run at the start of every session (SET ..., CREATE TEMP TABLE ...), in registration order.
 * If connected, runs it now too. Returns 0, or -1 with err (the statement is still registered). */
int db_add_session_sql(db_t *self, const char *sql, err_t *err);

/* Registers a named prepared statement (parameters as $1..$n, types inferred by the server). Prepared now if
 * connected, and again on every new session. Returns 0, or -1 with err (still registered if it failed only
 * because the connection is down). */
int db_prepare(db_t *self, const char *name, const char *sql, err_t *err);

/* Connects now, whatever the backoff says (blocks up to connect_timeout). On success runs the session SQL and
 * prepares every statement. Returns 0, or -1 with err and the retry delay doubled. */
int db_connect(db_t *self, err_t *err);

/* Makes sure a session is up: 0 if connected (or a due reconnect attempt succeeded); -1 with err
 * (DB_ERR_CONNECTION) if down and not yet due for a retry, or the attempt failed. Cheap when connected. */
int db_ensure(db_t *self, err_t *err);

/* Drops the session (rolls back any open transaction); the next db_ensure reconnects without waiting. */
void db_disconnect(db_t *self);

/* Current state, its name ("connected"/"disconnected"), and the wall time of the last state change (ms). */
db_state_t db_state(const db_t *self);
const char *db_state_name(db_state_t state);
int64_t db_state_since_ms(const db_t *self);

/* Milliseconds until the next reconnect attempt is due (0: now or connected). */
int64_t db_retry_in_ms(const db_t *self);

/* Number of sessions established so far (1 after the first connect; grows with each reconnect). */
uint64_t db_sessions(const db_t *self);

/* Kind of the last failure of any call on self (DB_ERR_NONE after a success). */
db_errkind_t db_last_error(const db_t *self);
const char *db_errkind_name(db_errkind_t kind);

/* Safe description of the target for logs: "host=/run/pg dbname=xroute". Borrowed, valid while self lives. */
const char *db_target(const db_t *self);

/* Runs one or more statements without parameters (simple query protocol), discarding rows. 0 or -1 with err. */
int db_exec(db_t *self, const char *sql, err_t *err);

/* Runs a statement with text parameters (NULL entries are SQL NULL); sql is either SQL text (prepared = false)
 * or the name of a statement registered with db_prepare (prepared = true). Returns the result (caller
 * destroys), or NULL with err. */
db_result_t *db_query(db_t *self, bool prepared, const char *sql, int nparams, const char *const *params,
                      err_t *err);

/* db_query for statements whose rows are not needed; *affected (may be NULL) gets the affected row count. */
int db_command(db_t *self, bool prepared, const char *sql, int nparams, const char *const *params,
               int64_t *affected, err_t *err);

/* BEGIN / COMMIT / ROLLBACK. A failed COMMIT reports the kind (connection lost: the outcome is unknown, so
 * writes must be idempotent). Rollback on a lost connection succeeds (nothing is left to undo). */
int db_begin(db_t *self, err_t *err);
int db_commit(db_t *self, err_t *err);
int db_rollback(db_t *self, err_t *err);

/* Round-trip savers for a loop that commits often. db_begin_copy sends BEGIN and a COPY ... FROM STDIN together
 * (afterwards: a transaction is open, as after db_begin, and the COPY waits for put/end). db_commit_with runs sql
 * (statements without parameters, e.g. built with db_append_literal) and then COMMIT, in one round trip; if any
 * statement fails nothing is committed, the transaction is rolled back and the kind is reported as usual. */
int db_begin_copy(db_t *self, const char *copy_sql, err_t *err);
int db_commit_with(db_t *self, const char *sql, err_t *err);

/* db_commit_with in two halves, so that the caller can work (on another session) while the server commits:
 * db_commit_send sends sql + COMMIT and returns once it is sent; db_commit_wait blocks for the outcome (same
 * result and error kinds as db_commit_with). Between the two, the only call allowed on this session is
 * db_commit_wait (asserted); db_commit_pending tells whether one is outstanding. */
int db_commit_send(db_t *self, const char *sql, err_t *err);
int db_commit_wait(db_t *self, err_t *err);
bool db_commit_pending(const db_t *self);

/* Called while db_copy_end or db_commit_wait wait for the server: it should wait (a few ms at most) for fd to
 * become readable and may do other work meanwhile, as long as it does not use this db_t. Lets a single-threaded
 * loop keep taking input while PostgreSQL works. NULL (the default): plain blocking waits. */
typedef void (db_wait_fn)(int fd, void *ctx);
void db_set_wait_fn(db_t *self, db_wait_fn *fn, void *ctx);

/* Appends text as an SQL string literal: '...' with single quotes doubled (the session must keep
 * standard_conforming_strings on, PostgreSQL's default). -1 if out would pass its maximum (out unchanged). */
int db_append_literal(buf_t *out, const char *text);

/* True while a transaction opened by db_begin is in progress. */
bool db_in_transaction(const db_t *self);

/* COPY ... FROM STDIN (text format): begin with the COPY statement, put rows (whole or partial lines, in
 * order), end to learn whether the server accepted them. After a failure of put, call end anyway (it
 * reports the error and cleans up). All three return 0 or -1 with err. */
int db_copy_begin(db_t *self, const char *copy_sql, err_t *err);
int db_copy_put(db_t *self, const char *data, size_t len, err_t *err);
int db_copy_end(db_t *self, int64_t *rows, err_t *err);

/* db_copy_end in two halves, so that the caller can work (or load another session) while the server takes
 * the rows in: db_copy_end_send ends the data and returns once it is sent; db_copy_end_wait blocks for the
 * outcome (same result and error kinds as db_copy_end). Between the two the only calls allowed on this session
 * are db_copy_end_wait, db_result_ready and db_rollback (which collects the outcome first, then rolls back);
 * db_copy_end_pending tells whether an outcome is outstanding. */
int db_copy_end_send(db_t *self, err_t *err);
int db_copy_end_wait(db_t *self, int64_t *rows, err_t *err);
bool db_copy_end_pending(const db_t *self);

/* True when an outstanding outcome (db_copy_end_send, db_commit_send) can be read without blocking, or the
 * connection is gone (the wait then reports it at once). Reads what the server sent; never blocks. */
bool db_result_ready(db_t *self);

/* Appends one field in COPY text format to out: NULL becomes \N; backslash, tab, newline and CR are escaped.
 * Returns 0, or -1 if out would pass its maximum (out is then unchanged). */
int db_copy_field(buf_t *out, const char *value, size_t len);

/* Rows and columns of a result; a value as text (NULL for SQL NULL; borrowed, valid until destroy);
 * the affected row count of a command (0 if none). */
int db_result_rows(const db_result_t *res);
int db_result_cols(const db_result_t *res);
const char *db_result_get(const db_result_t *res, int row, int col);
int64_t db_result_affected(const db_result_t *res);

/* Frees a result. Accepts NULL; sets *res_p to NULL. */
void db_result_destroy(db_result_t **res_p);

#endif
