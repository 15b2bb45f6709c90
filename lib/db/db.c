/* db: a PostgreSQL session that survives server restarts: a two-state connection machine with backoff, session
 * SQL and prepared statements replayed on every new connection, error classification, transactions and COPY.
 * Connection loss is detected from the result (SQLSTATE class 08, 57P0x admin/crash shutdown) or from the
 * connection status; the session is then closed at once so that the next db_ensure() starts a fresh one. */
#include "db.h"

#include "base/clock.h"
#include "base/config.h"
#include "base/log.h"
#include "base/mem.h"

#include <libpq-fe.h>

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_MAX_STATEMENTS 64     /* prepared statements per session */
#define DB_MAX_SESSION_SQL 32    /* session setup statements */
#define DB_PASSWORD_MAX 512      /* longest password read from a file */

typedef struct {
    char *name;  /* statement name */
    char *sql;   /* statement text */
} db_stmt_t;

struct _db_t {
    char *dsn;                              /* conninfo as configured (never logged) */
    char *password_file;                    /* path or NULL */
    char *app_name;                         /* application_name */
    char target[256];                       /* "host=... dbname=..." for logs */
    char timeout_text[16];                  /* connect_timeout as text */
    int backoff_min_ms;                     /* first retry delay */
    int backoff_max_ms;                     /* retry delay ceiling */
    PGconn *conn;                           /* NULL when disconnected */
    db_state_t state;                       /* connection state (one door: s_set_state) */
    int64_t state_since_ms;                 /* wall time of the last transition */
    int64_t next_attempt_mono_ms;           /* monotonic time when a reconnect is due */
    int retry_delay_ms;                     /* delay to apply after the next failed attempt */
    uint64_t sessions;                      /* sessions established */
    bool in_tx;                             /* a db_begin not yet committed or rolled back */
    bool in_copy;                           /* a COPY in progress */
    bool copy_failed;                       /* a put failed during the COPY in progress */
    bool commit_pending;                    /* db_commit_send done, db_commit_wait not yet */
    bool copy_pending;                      /* db_copy_end_send done, db_copy_end_wait not yet */
    db_wait_fn *wait_fn;                    /* cooperative wait (db_set_wait_fn), or NULL */
    void *wait_ctx;                         /* its argument */
    db_errkind_t last_error;                /* kind of the last failure */
    db_stmt_t stmts[DB_MAX_STATEMENTS];     /* registered prepared statements */
    int nstmts;                             /* entries used in stmts */
    char *session_sql[DB_MAX_SESSION_SQL];  /* registered session setup */
    int nsession_sql;                       /* entries used in session_sql */
};

struct _db_result_t {
    PGresult *res;     /* the libpq result */
    int64_t affected;  /* affected rows of a command */
};

const char *db_state_name(db_state_t state)
{
    return state == DB_CONNECTED ? "connected" : "disconnected";
}

const char *db_errkind_name(db_errkind_t kind)
{
    switch (kind) {
    case DB_ERR_NONE: return "none";
    case DB_ERR_CONNECTION: return "connection";
    case DB_ERR_CONSTRAINT: return "constraint";
    case DB_ERR_QUERY: return "query";
    }
    return "query";
}

/* The one door of the connection state machine. */
static void s_set_state(db_t *self, db_state_t state, const char *why)
{
    if (self->state == state)
        return;
    log_info("db state %s -> %s target=\"%s\" reason=\"%s\"", db_state_name(self->state), db_state_name(state),
             self->target, why);
    self->state = state;
    self->state_since_ms = clock_wall_ms();
}

/* Copies libpq's message (one line, no trailing newline) into a short printable form. */
static void s_clean_message(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = in ? in : ""; *p && n + 1 < cap; p++)
        out[n++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static void s_close(db_t *self, const char *why)
{
    if (self->conn) {
        PQfinish(self->conn);
        self->conn = NULL;
    }
    self->in_copy = false;
    self->copy_failed = false;
    self->copy_pending = false;
    s_set_state(self, DB_DISCONNECTED, why);
}

static db_errkind_t s_classify(const db_t *self, const PGresult *res)
{
    if (!self->conn || PQstatus(self->conn) == CONNECTION_BAD)
        return DB_ERR_CONNECTION;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!state)
        return res ? DB_ERR_QUERY : DB_ERR_CONNECTION;
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
        strcmp(state, "57P03") == 0)
        return DB_ERR_CONNECTION;
    if (strncmp(state, "23", 2) == 0)
        return DB_ERR_CONSTRAINT;
    return DB_ERR_QUERY;
}

/* Records a failed call: classifies it, closes the session if the connection is gone, fills err. Returns -1. */
static int s_fail(db_t *self, const PGresult *res, const char *what, err_t *err)
{
    char msg[200];
    const char *text = res ? PQresultErrorMessage(res) : NULL;
    if ((!text || !*text) && self->conn)
        text = PQerrorMessage(self->conn);
    s_clean_message(text, msg, sizeof msg);
    db_errkind_t kind = s_classify(self, res);
    self->last_error = kind;
    if (kind == DB_ERR_CONNECTION && self->conn) {
        s_close(self, "connection lost");
        self->next_attempt_mono_ms = clock_mono_ms();
        self->retry_delay_ms = self->backoff_min_ms;
    }
    return err_set(err, kind == DB_ERR_CONNECTION ? XR_VENUE_UNAVAILABLE : XR_INTERNAL, "db %s (%s): %s", what,
                   db_errkind_name(kind), msg[0] ? msg : "no detail");
}

static int s_fail_down(db_t *self, const char *what, err_t *err)
{
    self->last_error = DB_ERR_CONNECTION;
    return err_set(err, XR_VENUE_UNAVAILABLE, "db %s (connection): not connected to %s", what, self->target);
}

static void s_notice(void *arg, const char *message)
{
    (void) arg;
    char msg[200];
    s_clean_message(message, msg, sizeof msg);
    log_debug("db notice: %s", msg);
}

/* Builds the "host=... dbname=..." description from the parsed DSN: nothing else, so no secret can leak. */
static int s_describe(db_t *self, err_t *err)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(self->dsn, &perr);
    if (!opts) {
        char msg[200];
        s_clean_message(perr ? perr : "out of memory", msg, sizeof msg);
        PQfreemem(perr);
        return err_set(err, XR_INVALID_REQUEST, "db dsn does not parse: %s", msg);
    }
    const char *host = NULL, *dbname = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (o->val && strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (o->val && strcmp(o->keyword, "hostaddr") == 0 && !host)
            host = o->val;
        else if (o->val && strcmp(o->keyword, "dbname") == 0)
            dbname = o->val;
    }
    snprintf(self->target, sizeof self->target, "host=%s dbname=%s", host ? host : "default",
             dbname ? dbname : "default");
    PQconninfoFree(opts);
    return 0;
}

/* Reads the first line of the password file into out (cut to cap - 1 bytes). Like every secret file, it must be
 * a regular file that group and others cannot access (0600; config_read_secret_file). Returns 0, or -1 with err
 * naming the file and never quoting it. */
static int s_read_password(const char *path, char *out, size_t cap, err_t *err)
{
    char *secret = NULL;
    if (config_read_secret_file("the database password", path, &secret, err) != 0)
        return -1;
    size_t n = strcspn(secret, "\r\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, secret, n);
    out[n] = '\0';
    config_secret_free(&secret);
    if (!out[0])
        return err_set(err, XR_INVALID_REQUEST, "db password file %s is empty", path);
    return 0;
}

db_t *db_new(const db_config_t *cfg, err_t *err)
{
    assert(cfg);
    if (!cfg->dsn || !cfg->dsn[0]) {
        err_set(err, XR_INVALID_REQUEST, "db dsn is empty");
        return NULL;
    }
    db_t *self = mem_calloc(1, sizeof *self);
    self->dsn = mem_strdup(cfg->dsn);
    self->password_file = mem_strdup(cfg->password_file);
    self->app_name = mem_strdup(cfg->app_name ? cfg->app_name : "xroute");
    snprintf(self->timeout_text, sizeof self->timeout_text, "%d",
             cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : 5);
    self->backoff_min_ms = cfg->backoff_min_ms > 0 ? cfg->backoff_min_ms : 100;
    self->backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : 5000;
    if (self->backoff_max_ms < self->backoff_min_ms)
        self->backoff_max_ms = self->backoff_min_ms;
    self->retry_delay_ms = self->backoff_min_ms;
    self->state = DB_DISCONNECTED;
    self->state_since_ms = clock_wall_ms();
    self->next_attempt_mono_ms = clock_mono_ms();
    if (s_describe(self, err) != 0)
        goto fail;
    if (self->password_file) {
        char pw[DB_PASSWORD_MAX];
        int rc = s_read_password(self->password_file, pw, sizeof pw, err);
        explicit_bzero(pw, sizeof pw);
        if (rc != 0)
            goto fail;
    }
    return self;
fail:
    db_destroy(&self);
    return NULL;
}

void db_destroy(db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    db_t *self = *self_p;
    if (self->conn)
        PQfinish(self->conn);
    for (int i = self->nsession_sql - 1; i >= 0; i--)
        mem_free(self->session_sql[i]);
    for (int i = self->nstmts - 1; i >= 0; i--) {
        mem_free(self->stmts[i].sql);
        mem_free(self->stmts[i].name);
    }
    mem_free(self->app_name);
    mem_free(self->password_file);
    mem_free(self->dsn);
    mem_free(self);
    *self_p = NULL;
}

static int s_run_session_sql(db_t *self, const char *sql, err_t *err)
{
    PGresult *res = PQexec(self->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        s_fail(self, res, "session setup", err);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return 0;
}

static int s_prepare_one(db_t *self, const db_stmt_t *st, err_t *err)
{
    PGresult *res = PQprepare(self->conn, st->name, st->sql, 0, NULL);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        char what[96];
        snprintf(what, sizeof what, "prepare %s", st->name);
        s_fail(self, res, what, err);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return 0;
}

/* A failed attempt: next one after the current delay, which then doubles up to the ceiling. */
static void s_backoff(db_t *self)
{
    self->next_attempt_mono_ms = clock_mono_ms() + self->retry_delay_ms;
    self->retry_delay_ms = self->retry_delay_ms * 2 > self->backoff_max_ms ? self->backoff_max_ms
                                                                           : self->retry_delay_ms * 2;
}

static PGconn *s_open(db_t *self, err_t *err)
{
    char pw[DB_PASSWORD_MAX] = "";
    const char *keys[6] = {"dbname", "connect_timeout", "application_name", NULL, NULL, NULL};
    const char *vals[6] = {self->dsn, self->timeout_text, self->app_name, NULL, NULL, NULL};
    if (self->password_file) {
        if (s_read_password(self->password_file, pw, sizeof pw, err) != 0) {
            self->last_error = DB_ERR_CONNECTION;
            return NULL;
        }
        keys[3] = "password";
        vals[3] = pw;
    }
    /* expand_dbname: the first "dbname" is the whole DSN; later keys override it. */
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    explicit_bzero(pw, sizeof pw);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        char msg[200];
        s_clean_message(conn ? PQerrorMessage(conn) : "out of memory", msg, sizeof msg);
        err_set(err, XR_VENUE_UNAVAILABLE, "db connect %s (connection): %s", self->target, msg);
        self->last_error = DB_ERR_CONNECTION;
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, s_notice, NULL);
    return conn;
}

int db_connect(db_t *self, err_t *err)
{
    assert(self);
    if (self->conn)
        s_close(self, "reconnect requested");
    self->in_tx = false;
    self->conn = s_open(self, err);
    if (!self->conn)
        goto failed;
    for (int i = 0; i < self->nsession_sql; i++)
        if (s_run_session_sql(self, self->session_sql[i], err) != 0)
            goto failed;
    for (int i = 0; i < self->nstmts; i++)
        if (s_prepare_one(self, &self->stmts[i], err) != 0)
            goto failed;
    self->sessions++;
    self->retry_delay_ms = self->backoff_min_ms;
    self->last_error = DB_ERR_NONE;
    s_set_state(self, DB_CONNECTED, self->sessions == 1 ? "connected" : "reconnected");
    return 0;
failed:
    if (self->conn) {
        PQfinish(self->conn);
        self->conn = NULL;
    }
    s_backoff(self);
    log_debug("db connect target=\"%s\" failed, retry in %d ms", self->target,
              (int) (self->next_attempt_mono_ms - clock_mono_ms()));
    return -1;
}

int db_ensure(db_t *self, err_t *err)
{
    assert(self);
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return 0;
    if (self->conn)
        s_close(self, "connection broken");
    if (clock_mono_ms() < self->next_attempt_mono_ms) {
        self->last_error = DB_ERR_CONNECTION;
        return err_set(err, XR_VENUE_UNAVAILABLE, "db (connection): %s down, retry in %lld ms", self->target,
                       (long long) db_retry_in_ms(self));
    }
    return db_connect(self, err);
}

void db_disconnect(db_t *self)
{
    assert(self);
    self->in_tx = false;
    s_close(self, "disconnect requested");
    self->next_attempt_mono_ms = clock_mono_ms();
}

db_state_t db_state(const db_t *self)
{
    assert(self);
    return self->state;
}

int64_t db_state_since_ms(const db_t *self)
{
    assert(self);
    return self->state_since_ms;
}

int64_t db_retry_in_ms(const db_t *self)
{
    assert(self);
    if (self->conn)
        return 0;
    int64_t left = self->next_attempt_mono_ms - clock_mono_ms();
    return left > 0 ? left : 0;
}

uint64_t db_sessions(const db_t *self)
{
    assert(self);
    return self->sessions;
}

db_errkind_t db_last_error(const db_t *self)
{
    assert(self);
    return self->last_error;
}

const char *db_target(const db_t *self)
{
    assert(self);
    return self->target;
}

int db_add_session_sql(db_t *self, const char *sql, err_t *err)
{
    assert(self && sql);
    if (self->nsession_sql == DB_MAX_SESSION_SQL)
        return err_set(err, XR_INTERNAL, "db: more than %d session statements", DB_MAX_SESSION_SQL);
    self->session_sql[self->nsession_sql++] = mem_strdup(sql);
    if (!self->conn)
        return 0;
    return s_run_session_sql(self, sql, err);
}

int db_prepare(db_t *self, const char *name, const char *sql, err_t *err)
{
    assert(self && name && sql);
    for (int i = 0; i < self->nstmts; i++)
        assert(strcmp(self->stmts[i].name, name) != 0); /* one name, one statement */
    if (self->nstmts == DB_MAX_STATEMENTS)
        return err_set(err, XR_INTERNAL, "db: more than %d prepared statements", DB_MAX_STATEMENTS);
    db_stmt_t *st = &self->stmts[self->nstmts++];
    st->name = mem_strdup(name);
    st->sql = mem_strdup(sql);
    if (!self->conn)
        return 0;
    return s_prepare_one(self, st, err);
}

/* Statements outside a transaction reconnect when due; inside one, a lost session stays lost until the caller
 * rolls back (silently continuing in autocommit on a new session would break atomicity). */
static int s_ready(db_t *self, const char *what, err_t *err)
{
    assert(!self->commit_pending); /* only db_commit_wait may follow db_commit_send */
    assert(!self->copy_pending);   /* only db_copy_end_wait (or db_rollback) may follow db_copy_end_send */
    if (self->in_copy)
        return err_set(err, XR_INTERNAL, "db %s: a COPY is in progress", what);
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return 0;
    if (self->in_tx)
        return s_fail_down(self, what, err);
    return db_ensure(self, err);
}

/* Until a result can be read without blocking, lets the wait fn wait (and work). Without one, PQgetResult
 * simply blocks. */
static void s_await(db_t *self)
{
    if (!self->wait_fn)
        return;
    while (self->conn && PQisBusy(self->conn)) {
        self->wait_fn(PQsocket(self->conn), self->wait_ctx);
        if (!PQconsumeInput(self->conn))
            return; /* broken: PQgetResult reports it */
    }
}

int db_exec(db_t *self, const char *sql, err_t *err)
{
    assert(self && sql);
    if (s_ready(self, "exec", err) != 0)
        return -1;
    PGresult *res = PQexec(self->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        s_fail(self, res, "exec", err);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    self->last_error = DB_ERR_NONE;
    return 0;
}

db_result_t *db_query(db_t *self, bool prepared, const char *sql, int nparams, const char *const *params,
                      err_t *err)
{
    assert(self && sql && nparams >= 0);
    if (s_ready(self, "query", err) != 0)
        return NULL;
    PGresult *res = prepared ? PQexecPrepared(self->conn, sql, nparams, params, NULL, NULL, 0)
                             : PQexecParams(self->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char what[96];
        snprintf(what, sizeof what, "%s", prepared ? sql : "query");
        s_fail(self, res, what, err);
        PQclear(res);
        return NULL;
    }
    db_result_t *out = mem_calloc(1, sizeof *out);
    out->res = res;
    const char *n = PQcmdTuples(res);
    out->affected = (n && *n) ? strtoll(n, NULL, 10) : 0;
    self->last_error = DB_ERR_NONE;
    return out;
}

int db_command(db_t *self, bool prepared, const char *sql, int nparams, const char *const *params,
               int64_t *affected, err_t *err)
{
    db_result_t *res = db_query(self, prepared, sql, nparams, params, err);
    if (!res)
        return -1;
    if (affected)
        *affected = res->affected;
    db_result_destroy(&res);
    return 0;
}

int db_begin(db_t *self, err_t *err)
{
    assert(self);
    assert(!self->in_tx); /* no nested transactions */
    if (db_exec(self, "BEGIN", err) != 0)
        return -1;
    self->in_tx = true;
    return 0;
}

int db_commit(db_t *self, err_t *err)
{
    assert(self);
    assert(self->in_tx);
    if (!self->conn) {
        self->in_tx = false;
        return s_fail_down(self, "commit", err);
    }
    PGresult *res = PQexec(self->conn, "COMMIT");
    self->in_tx = false;
    /* A COMMIT of an aborted transaction "succeeds" as ROLLBACK: that is a failure for the caller. */
    const char *tag = res ? PQcmdStatus(res) : "";
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK || strcmp(tag, "COMMIT") != 0) {
        if (res && PQresultStatus(res) == PGRES_COMMAND_OK) {
            self->last_error = DB_ERR_QUERY;
            PQclear(res);
            return err_set(err, XR_INTERNAL, "db commit (query): transaction was aborted and rolled back");
        }
        s_fail(self, res, "commit", err);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    self->last_error = DB_ERR_NONE;
    return 0;
}

int db_rollback(db_t *self, err_t *err)
{
    assert(self);
    bool was = self->in_tx;
    self->in_tx = false;
    if (!self->conn)
        return 0; /* the server dropped the transaction with the session */
    if (self->copy_pending)
        db_copy_end_wait(self, NULL, NULL);
    if (!self->conn)
        return 0;
    if (self->in_copy) {
        int64_t rows;
        db_copy_end(self, &rows, NULL);
    }
    if (!was)
        return 0;
    PGresult *res = PQexec(self->conn, "ROLLBACK");
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        s_fail(self, res, "rollback", err);
        PQclear(res);
        return self->conn ? -1 : 0;
    }
    PQclear(res);
    return 0;
}

int db_begin_copy(db_t *self, const char *copy_sql, err_t *err)
{
    assert(self && copy_sql);
    assert(!self->in_tx);
    if (s_ready(self, "begin copy", err) != 0)
        return -1;
    size_t n = strlen(copy_sql) + 8;
    char *sql = mem_alloc(n);
    snprintf(sql, n, "BEGIN;%s", copy_sql);
    PGresult *res = PQexec(self->conn, sql);
    mem_free(sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        s_fail(self, res, "begin copy", err);
        PQclear(res);
        if (self->conn) {
            PGresult *rb = PQexec(self->conn, "ROLLBACK");
            PQclear(rb);
        }
        return -1;
    }
    PQclear(res);
    self->in_tx = true;
    self->in_copy = true;
    self->copy_failed = false;
    return 0;
}

int db_commit_send(db_t *self, const char *sql, err_t *err)
{
    assert(self && sql);
    assert(self->in_tx && !self->commit_pending);
    if (!self->conn) {
        self->in_tx = false;
        return s_fail_down(self, "commit", err);
    }
    size_t n = strlen(sql) + 16;
    char *text = mem_alloc(n);
    snprintf(text, n, "%s;COMMIT", sql);
    int sent = PQsendQuery(self->conn, text);
    mem_free(text);
    if (!sent) {
        s_fail(self, NULL, "commit", err);
        db_rollback(self, NULL);
        return -1;
    }
    self->commit_pending = true;
    return 0;
}

int db_commit_wait(db_t *self, err_t *err)
{
    assert(self && self->commit_pending);
    self->commit_pending = false;
    if (!self->conn) {
        self->in_tx = false;
        return s_fail_down(self, "commit", err);
    }
    /* Several statements: the outcome is the first failure, or else the last result (COMMIT). */
    PGresult *res, *bad = NULL, *last = NULL;
    for (;;) {
        s_await(self);
        if ((res = PQgetResult(self->conn)) == NULL)
            break;
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !bad) {
            bad = res;
            continue;
        }
        PQclear(last);
        last = res;
    }
    bool ok = !bad && last && strcmp(PQcmdStatus(last), "COMMIT") == 0;
    int rc = 0;
    if (!ok) {
        if (!bad && last) {
            self->last_error = DB_ERR_QUERY;
            rc = err_set(err, XR_INTERNAL, "db commit (query): transaction was aborted and rolled back");
            self->in_tx = false;
        } else {
            rc = s_fail(self, bad, "commit", err);
            db_rollback(self, NULL);
        }
    } else {
        self->in_tx = false;
        self->last_error = DB_ERR_NONE;
    }
    PQclear(bad);
    PQclear(last);
    return rc;
}

bool db_commit_pending(const db_t *self)
{
    assert(self);
    return self->commit_pending;
}

int db_commit_with(db_t *self, const char *sql, err_t *err)
{
    if (db_commit_send(self, sql, err) != 0)
        return -1;
    return db_commit_wait(self, err);
}

int db_append_literal(buf_t *out, const char *text)
{
    assert(out && text);
    size_t mark = out->len;
    int rc = buf_putc(out, '\'');
    for (const char *p = text; rc == 0 && *p; p++)
        rc = *p == '\'' ? buf_append(out, "''", 2) : buf_putc(out, *p);
    if (rc == 0)
        rc = buf_putc(out, '\'');
    if (rc != 0) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

void db_set_wait_fn(db_t *self, db_wait_fn *fn, void *ctx)
{
    assert(self);
    self->wait_fn = fn;
    self->wait_ctx = ctx;
}

bool db_in_transaction(const db_t *self)
{
    assert(self);
    return self->in_tx;
}

int db_copy_begin(db_t *self, const char *copy_sql, err_t *err)
{
    assert(self && copy_sql);
    if (s_ready(self, "copy", err) != 0)
        return -1;
    PGresult *res = PQexec(self->conn, copy_sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        s_fail(self, res, "copy begin", err);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    self->in_copy = true;
    self->copy_failed = false;
    return 0;
}

int db_copy_put(db_t *self, const char *data, size_t len, err_t *err)
{
    assert(self && self->in_copy);
    assert(len <= (size_t) INT32_MAX);
    if (self->copy_failed)
        return err_set(err, XR_INTERNAL, "db copy: an earlier put failed");
    if (PQputCopyData(self->conn, data, (int) len) != 1) {
        self->copy_failed = true;
        self->last_error = DB_ERR_CONNECTION;
        return err_set(err, XR_VENUE_UNAVAILABLE, "db copy put (connection): %s", PQerrorMessage(self->conn));
    }
    return 0;
}

int db_copy_end_send(db_t *self, err_t *err)
{
    assert(self && self->in_copy && !self->copy_pending);
    self->in_copy = false;
    if (PQputCopyEnd(self->conn, self->copy_failed ? "aborted by client" : NULL) != 1) {
        self->copy_failed = false;
        s_fail(self, NULL, "copy end", err);
        return -1;
    }
    self->copy_pending = true;
    return 0;
}

bool db_copy_end_pending(const db_t *self)
{
    assert(self);
    return self->copy_pending;
}

bool db_result_ready(db_t *self)
{
    assert(self);
    if (!self->conn)
        return true; /* the wait reports the lost connection at once */
    if (!PQconsumeInput(self->conn))
        return true;
    return !PQisBusy(self->conn);
}

int db_copy_end_wait(db_t *self, int64_t *rows, err_t *err)
{
    assert(self && self->copy_pending);
    self->copy_pending = false;
    if (!self->conn) {
        self->copy_failed = false;
        return s_fail_down(self, "copy", err);
    }
    int rc = 0;
    PGresult *res;
    for (;;) {
        s_await(self);
        if ((res = PQgetResult(self->conn)) == NULL)
            break;
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
            rc = -1;
            if (self->copy_failed)
                err_set(err, XR_VENUE_UNAVAILABLE, "db copy (connection): put failed");
            else
                s_fail(self, res, "copy", err);
        } else if (rows) {
            const char *n = PQcmdTuples(res);
            *rows = (n && *n) ? strtoll(n, NULL, 10) : 0;
        }
        PQclear(res);
        if (!self->conn)
            break;
    }
    if (rc == 0 && self->copy_failed)
        rc = err_set(err, XR_VENUE_UNAVAILABLE, "db copy (connection): put failed");
    self->copy_failed = false;
    if (rc == 0)
        self->last_error = DB_ERR_NONE;
    else if (self->conn && PQstatus(self->conn) == CONNECTION_BAD)
        s_fail(self, NULL, "copy", NULL);
    return rc;
}

int db_copy_end(db_t *self, int64_t *rows, err_t *err)
{
    if (db_copy_end_send(self, err) != 0)
        return -1;
    return db_copy_end_wait(self, rows, err);
}

int db_copy_field(buf_t *out, const char *value, size_t len)
{
    assert(out);
    if (!value)
        return buf_append(out, "\\N", 2);
    size_t mark = out->len;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc = NULL;
        switch (value[i]) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        default: continue;
        }
        if (buf_append(out, value + start, i - start) != 0 || buf_append(out, esc, 2) != 0)
            goto overflow;
        start = i + 1;
    }
    if (buf_append(out, value + start, len - start) != 0)
        goto overflow;
    return 0;
overflow:
    out->len = mark;
    if (out->data)
        out->data[mark] = '\0';
    return -1;
}

int db_result_rows(const db_result_t *res)
{
    assert(res);
    return PQntuples(res->res);
}

int db_result_cols(const db_result_t *res)
{
    assert(res);
    return PQnfields(res->res);
}

const char *db_result_get(const db_result_t *res, int row, int col)
{
    assert(res);
    assert(row >= 0 && row < PQntuples(res->res) && col >= 0 && col < PQnfields(res->res));
    if (PQgetisnull(res->res, row, col))
        return NULL;
    return PQgetvalue(res->res, row, col);
}

int64_t db_result_affected(const db_result_t *res)
{
    assert(res);
    return res->affected;
}

void db_result_destroy(db_result_t **res_p)
{
    if (!res_p || !*res_p)
        return;
    PQclear((*res_p)->res);
    mem_free(*res_p);
    *res_p = NULL;
}
