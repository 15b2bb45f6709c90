/* test_db: db_t against a real PostgreSQL 15 started by tests/support/pg.sh in this suite's scratch directory:
 * configuration errors, queries with parameters and NULLs, prepared statements, transactions, error kinds,
 * COPY escaping, and surviving a server restart and a killed backend (reconnect, re-prepare, session SQL). */
#include "db/db.h"

#include "base/err.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_pgdir[1024];
static char s_dsn[512];

/* Runs pg.sh VERB on this suite's cluster; for start/restart, keeps the DSN it prints. */
static int s_pg(const char *verb)
{
    return tu_pg(verb, s_pgdir, s_dsn, sizeof s_dsn);
}

static db_t *s_open(void)
{
    db_config_t cfg = {.dsn = s_dsn, .backoff_min_ms = 10, .backoff_max_ms = 50};
    err_t err;
    db_t *db = db_new(&cfg, &err);
    ck_assert_msg(db, "%s", err.msg);
    ck_assert_int_eq(db_connect(db, &err), 0);
    return db;
}

static void s_wait_due(db_t *db)
{
    while (db_retry_in_ms(db) > 0)
        usleep(5000);
}

START_TEST(bad_config_is_refused)
{
    err_t err;
    db_config_t cfg = {.dsn = "host= = nonsense"};
    ck_assert_ptr_null(db_new(&cfg, &err));
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    db_config_t empty = {.dsn = ""};
    ck_assert_ptr_null(db_new(&empty, &err));
    db_config_t nopw = {.dsn = s_dsn, .password_file = "/nonexistent/pw"};
    ck_assert_ptr_null(db_new(&nopw, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/pw"));
}
END_TEST

START_TEST(unreachable_server_backs_off_and_hides_password)
{
    char pwfile[1200];
    snprintf(pwfile, sizeof pwfile, "%s/pw", tu_scratch_dir("pw"));
    FILE *f = fopen(pwfile, "w");
    ck_assert_ptr_nonnull(f);
    fputs("s3cr3t-Pa55\n", f);
    fclose(f);
    ck_assert_int_eq(chmod(pwfile, 0600), 0);
    char dsn[1400];
    snprintf(dsn, sizeof dsn, "host=%s/nowhere dbname=xroute user=xroute", tu_scratch());
    db_config_t cfg = {.dsn = dsn, .password_file = pwfile, .backoff_min_ms = 200, .backoff_max_ms = 400};
    err_t err;
    db_t *db = db_new(&cfg, &err);
    ck_assert_ptr_nonnull(db);
    ck_assert_ptr_nonnull(strstr(db_target(db), "dbname=xroute"));
    ck_assert_ptr_null(strstr(db_target(db), "s3cr3t"));
    ck_assert_int_eq(db_ensure(db, &err), -1);
    ck_assert_int_eq(db_last_error(db), DB_ERR_CONNECTION);
    ck_assert_int_eq(err.code, XR_VENUE_UNAVAILABLE);
    ck_assert_ptr_null(strstr(err.msg, "s3cr3t"));
    ck_assert_int_eq(db_state(db), DB_DISCONNECTED);
    /* Not due yet: refused at once, without an attempt. */
    ck_assert_int_gt(db_retry_in_ms(db), 100);
    ck_assert_int_eq(db_ensure(db, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "retry in"));
    ck_assert_ptr_null(db_query(db, false, "SELECT 1", 0, NULL, &err));
    ck_assert_uint_eq(db_sessions(db), 0);
    db_destroy(&db);
    ck_assert_ptr_null(db);
    db_destroy(&db);
}
END_TEST

/* Writes a password file of the given mode in a scratch directory of its own; returns its path (static). */
static const char *s_pwfile(const char *dir, const char *content, mode_t mode)
{
    static char path[1200];
    snprintf(path, sizeof path, "%s/pg_password", tu_scratch_dir(dir));
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(content, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
    return path;
}

START_TEST(password_file_must_be_private)
{
    err_t err;
    /* 0600: accepted, and the session connects (the suite's server trusts the socket; the password rides along) */
    const char *path = s_pwfile("pw0600", "Priv4te-pw\n", 0600);
    db_config_t cfg = {.dsn = s_dsn, .password_file = path, .backoff_min_ms = 10, .backoff_max_ms = 50};
    db_t *db = db_new(&cfg, &err);
    ck_assert_msg(db, "%s", err.msg);
    ck_assert_msg(db_connect(db, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(db_state(db), DB_CONNECTED);
    db_destroy(&db);

    /* 0640 (group may read): refused by db_new, naming the file and its mode, never its content */
    path = s_pwfile("pw0640", "Gr0up-Readable-pw\n", 0640);
    cfg.password_file = path;
    ck_assert_ptr_null(db_new(&cfg, &err));
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "0640"), "%s", err.msg);
    ck_assert_ptr_null(strstr(err.msg, "Gr0up"));

    /* checked again at connect: a file opened up after db_new is refused there too */
    ck_assert_int_eq(chmod(path, 0600), 0);
    db = db_new(&cfg, &err);
    ck_assert_msg(db, "%s", err.msg);
    ck_assert_int_eq(chmod(path, 0604), 0);
    ck_assert_int_eq(db_connect(db, &err), -1);
    ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "0604"), "%s", err.msg);
    ck_assert_ptr_null(strstr(err.msg, "Gr0up"));
    ck_assert_int_eq(db_state(db), DB_DISCONNECTED);
    db_destroy(&db);
}
END_TEST

START_TEST(query_with_params_and_nulls)
{
    db_t *db = s_open();
    ck_assert_int_eq(db_state(db), DB_CONNECTED);
    err_t err;
    const char *params[2] = {"41", NULL};
    db_result_t *res = db_query(db, false, "SELECT $1::int + 1, $2::text IS NULL, 'a' || $2::text", 2, params,
                                &err);
    ck_assert_msg(res, "%s", err.msg);
    ck_assert_int_eq(db_result_rows(res), 1);
    ck_assert_int_eq(db_result_cols(res), 3);
    ck_assert_str_eq(db_result_get(res, 0, 0), "42");
    ck_assert_str_eq(db_result_get(res, 0, 1), "t");
    ck_assert_ptr_null(db_result_get(res, 0, 2));
    db_result_destroy(&res);
    ck_assert_ptr_null(res);
    ck_assert_ptr_null(db_query(db, false, "SELEC nonsense", 0, NULL, &err));
    ck_assert_int_eq(db_last_error(db), DB_ERR_QUERY);
    ck_assert_int_eq(db_state(db), DB_CONNECTED);
    db_destroy(&db);
}
END_TEST

START_TEST(transactions_and_constraints)
{
    db_t *db = s_open();
    err_t err;
    ck_assert_int_eq(db_exec(db, "DROP TABLE IF EXISTS tx_t; CREATE TABLE tx_t (k int PRIMARY KEY, v numeric)", &err), 0);
    ck_assert_int_eq(db_begin(db, &err), 0);
    ck_assert(db_in_transaction(db));
    const char *p1[2] = {"1", "0.10000000000000000001"};
    int64_t n = 0;
    ck_assert_int_eq(db_command(db, false, "INSERT INTO tx_t VALUES ($1, $2)", 2, p1, &n, &err), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(db_rollback(db, &err), 0);
    ck_assert(!db_in_transaction(db));
    db_result_t *res = db_query(db, false, "SELECT count(*) FROM tx_t", 0, NULL, &err);
    ck_assert_str_eq(db_result_get(res, 0, 0), "0");
    db_result_destroy(&res);

    ck_assert_int_eq(db_begin(db, &err), 0);
    ck_assert_int_eq(db_command(db, false, "INSERT INTO tx_t VALUES ($1, $2)", 2, p1, NULL, &err), 0);
    ck_assert_int_eq(db_commit(db, &err), 0);
    res = db_query(db, false, "SELECT v FROM tx_t WHERE k = 1", 0, NULL, &err);
    ck_assert_str_eq(db_result_get(res, 0, 0), "0.10000000000000000001"); /* NUMERIC is exact */
    db_result_destroy(&res);

    /* A duplicate key is a constraint error; the aborted transaction cannot commit. */
    ck_assert_int_eq(db_begin(db, &err), 0);
    ck_assert_int_eq(db_command(db, false, "INSERT INTO tx_t VALUES ($1, $2)", 2, p1, NULL, &err), -1);
    ck_assert_int_eq(db_last_error(db), DB_ERR_CONSTRAINT);
    ck_assert_int_eq(db_commit(db, &err), -1);
    ck_assert_int_eq(db_last_error(db), DB_ERR_QUERY);
    ck_assert(!db_in_transaction(db));
    ck_assert_int_eq(db_exec(db, "SELECT 1", &err), 0);
    db_destroy(&db);
}
END_TEST

START_TEST(copy_escapes_round_trip)
{
    db_t *db = s_open();
    err_t err;
    ck_assert_int_eq(db_exec(db, "DROP TABLE IF EXISTS copy_t; CREATE TABLE copy_t (i int, s text)", &err), 0);
    const char *values[] = {"plain", "tab\there", "new\nline", "back\\slash", "cr\rx", "", NULL, "\\N"};
    buf_t line;
    buf_init(&line, 4096);
    ck_assert_int_eq(db_copy_begin(db, "COPY copy_t (i, s) FROM STDIN", &err), 0);
    for (int i = 0; i < 8; i++) {
        buf_reset(&line);
        buf_printf(&line, "%d\t", i);
        ck_assert_int_eq(db_copy_field(&line, values[i], values[i] ? strlen(values[i]) : 0), 0);
        buf_putc(&line, '\n');
        ck_assert_int_eq(db_copy_put(db, line.data, line.len, &err), 0);
    }
    int64_t rows = 0;
    ck_assert_int_eq(db_copy_end(db, &rows, &err), 0);
    ck_assert_int_eq(rows, 8);
    db_result_t *res = db_query(db, false, "SELECT s FROM copy_t ORDER BY i", 0, NULL, &err);
    ck_assert_int_eq(db_result_rows(res), 8);
    for (int i = 0; i < 8; i++) {
        if (values[i])
            ck_assert_str_eq(db_result_get(res, i, 0), values[i]);
        else
            ck_assert_ptr_null(db_result_get(res, i, 0));
    }
    db_result_destroy(&res);

    /* A bad row fails the whole COPY; the session stays usable. */
    ck_assert_int_eq(db_copy_begin(db, "COPY copy_t (i, s) FROM STDIN", &err), 0);
    ck_assert_int_eq(db_copy_put(db, "x\ty\n", 4, &err), 0);
    ck_assert_int_eq(db_copy_end(db, &rows, &err), -1);
    ck_assert_int_eq(db_last_error(db), DB_ERR_QUERY);
    ck_assert_int_eq(db_exec(db, "SELECT 1", &err), 0);

    /* A field that does not fit leaves the buffer unchanged. */
    buf_t small;
    buf_init(&small, 8);
    buf_puts(&small, "ab");
    ck_assert_int_eq(db_copy_field(&small, "\\\\\\\\", 4), -1);
    ck_assert_str_eq(buf_cstr(&small), "ab");
    buf_release(&small);
    buf_release(&line);
    db_destroy(&db);
}
END_TEST

/* The round-trip savers: BEGIN+COPY together, statements+COMMIT together, literals. */
START_TEST(begin_copy_and_commit_with)
{
    db_t *db = s_open();
    err_t err;
    ck_assert_int_eq(db_exec(db, "DROP TABLE IF EXISTS bc_t; CREATE TABLE bc_t (k int PRIMARY KEY, s text)", &err), 0);
    ck_assert_int_eq(db_begin_copy(db, "COPY bc_t FROM STDIN", &err), 0);
    ck_assert(db_in_transaction(db));
    ck_assert_int_eq(db_copy_put(db, "1\ta\n2\tb\n", 8, &err), 0);
    ck_assert_int_eq(db_copy_end(db, NULL, &err), 0);
    buf_t sql;
    buf_init(&sql, 1024);
    buf_puts(&sql, "INSERT INTO bc_t VALUES (3, ");
    ck_assert_int_eq(db_append_literal(&sql, "it's \\ \"odd\""), 0);
    buf_puts(&sql, ")");
    ck_assert_msg(db_commit_with(db, sql.data, &err) == 0, "%s", err.msg);
    ck_assert(!db_in_transaction(db));
    db_result_t *res = db_query(db, false, "SELECT string_agg(s, '|' ORDER BY k) FROM bc_t", 0, NULL, &err);
    ck_assert_str_eq(db_result_get(res, 0, 0), "a|b|it's \\ \"odd\"");
    db_result_destroy(&res);
    /* A failing statement before COMMIT: nothing of the transaction stays. */
    ck_assert_int_eq(db_begin_copy(db, "COPY bc_t FROM STDIN", &err), 0);
    ck_assert_int_eq(db_copy_put(db, "4\td\n", 4, &err), 0);
    ck_assert_int_eq(db_copy_end(db, NULL, &err), 0);
    ck_assert_int_eq(db_commit_with(db, "INSERT INTO bc_t VALUES (1, 'dup')", &err), -1);
    ck_assert_int_eq(db_last_error(db), DB_ERR_CONSTRAINT);
    ck_assert(!db_in_transaction(db));
    res = db_query(db, false, "SELECT count(*) FROM bc_t", 0, NULL, &err);
    ck_assert_str_eq(db_result_get(res, 0, 0), "3");
    db_result_destroy(&res);
    /* A COPY into a missing table: refused, no transaction left open. */
    ck_assert_int_eq(db_begin_copy(db, "COPY no_such_t FROM STDIN", &err), -1);
    ck_assert(!db_in_transaction(db));
    ck_assert_int_eq(db_exec(db, "SELECT 1", &err), 0);
    buf_t small;
    buf_init(&small, 4);
    ck_assert_int_eq(db_append_literal(&small, "abcd"), -1);
    ck_assert_uint_eq(small.len, 0);
    buf_release(&small);
    buf_release(&sql);
    db_destroy(&db);
}
END_TEST

/* COPY ended without waiting: the outcome is collected later (rows counted, or the constraint reported), and
 * a rollback with an outcome outstanding collects it first and leaves nothing behind. */
START_TEST(copy_end_outcome_collected_later)
{
    db_t *db = s_open();
    err_t err;
    ck_assert_int_eq(db_exec(db, "DROP TABLE IF EXISTS ce_t; CREATE TABLE ce_t (k int PRIMARY KEY)", &err), 0);
    ck_assert_int_eq(db_begin_copy(db, "COPY ce_t FROM STDIN", &err), 0);
    ck_assert_int_eq(db_copy_put(db, "1\n2\n3\n", 6, &err), 0);
    ck_assert_int_eq(db_copy_end_send(db, &err), 0);
    ck_assert(db_copy_end_pending(db));
    for (int i = 0; i < 500 && !db_result_ready(db); i++)
        usleep(2000);
    ck_assert(db_result_ready(db));
    int64_t rows = -1;
    ck_assert_msg(db_copy_end_wait(db, &rows, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(rows, 3);
    ck_assert(!db_copy_end_pending(db));
    ck_assert_int_eq(db_commit(db, &err), 0);
    /* A duplicate: reported by the wait as a constraint failure. */
    ck_assert_int_eq(db_begin_copy(db, "COPY ce_t FROM STDIN", &err), 0);
    ck_assert_int_eq(db_copy_put(db, "4\n2\n", 4, &err), 0);
    ck_assert_int_eq(db_copy_end_send(db, &err), 0);
    ck_assert_int_eq(db_copy_end_wait(db, NULL, &err), -1);
    ck_assert_int_eq(db_last_error(db), DB_ERR_CONSTRAINT);
    ck_assert_int_eq(db_rollback(db, &err), 0);
    /* Rolled back with the outcome still outstanding. */
    ck_assert_int_eq(db_begin_copy(db, "COPY ce_t FROM STDIN", &err), 0);
    ck_assert_int_eq(db_copy_put(db, "5\n", 2, &err), 0);
    ck_assert_int_eq(db_copy_end_send(db, &err), 0);
    ck_assert_int_eq(db_rollback(db, &err), 0);
    ck_assert(!db_copy_end_pending(db) && !db_in_transaction(db));
    db_result_t *res = db_query(db, false, "SELECT string_agg(k::text, ',' ORDER BY k) FROM ce_t", 0, NULL, &err);
    ck_assert_str_eq(db_result_get(res, 0, 0), "1,2,3");
    db_result_destroy(&res);
    db_destroy(&db);
}
END_TEST

/* A killed backend: the failure is a connection error, the in-flight transaction is gone, and the next session
 * has the prepared statements and the session SQL again. */
START_TEST(killed_backend_reconnects_and_reprepares)
{
    db_t *db = s_open();
    db_t *admin = s_open();
    err_t err;
    ck_assert_int_eq(db_add_session_sql(db, "CREATE TEMP TABLE sess_t (x int)", &err), 0);
    ck_assert_int_eq(db_prepare(db, "add_one", "SELECT $1::int + 1", &err), 0);
    ck_assert_int_eq(db_exec(db, "DROP TABLE IF EXISTS kill_t; CREATE TABLE kill_t (k int)", &err), 0);
    db_result_t *res = db_query(db, false, "SELECT pg_backend_pid()", 0, NULL, &err);
    char pid[32];
    snprintf(pid, sizeof pid, "%s", db_result_get(res, 0, 0));
    db_result_destroy(&res);

    ck_assert_int_eq(db_begin(db, &err), 0);
    ck_assert_int_eq(db_exec(db, "INSERT INTO kill_t VALUES (1)", &err), 0);
    const char *pp[1] = {pid};
    ck_assert_int_eq(db_command(admin, false, "SELECT pg_terminate_backend($1::int)", 1, pp, NULL, &err), 0);
    usleep(50000);
    ck_assert_int_eq(db_exec(db, "INSERT INTO kill_t VALUES (2)", &err), -1);
    ck_assert_int_eq(db_last_error(db), DB_ERR_CONNECTION);
    ck_assert_int_eq(db_state(db), DB_DISCONNECTED);
    /* Still inside the broken transaction: no silent autocommit on a new session. */
    ck_assert_int_eq(db_exec(db, "INSERT INTO kill_t VALUES (3)", &err), -1);
    ck_assert_int_eq(db_rollback(db, &err), 0);

    s_wait_due(db);
    ck_assert_int_eq(db_ensure(db, &err), 0);
    ck_assert_uint_eq(db_sessions(db), 2);
    const char *p[1] = {"9"};
    res = db_query(db, true, "add_one", 1, p, &err);
    ck_assert_msg(res, "%s", err.msg);
    ck_assert_str_eq(db_result_get(res, 0, 0), "10");
    db_result_destroy(&res);
    ck_assert_int_eq(db_exec(db, "INSERT INTO sess_t VALUES (1)", &err), 0);
    res = db_query(db, false, "SELECT count(*) FROM kill_t", 0, NULL, &err);
    ck_assert_str_eq(db_result_get(res, 0, 0), "0");
    db_result_destroy(&res);
    db_destroy(&admin);
    db_destroy(&db);
}
END_TEST

/* pg.sh restart: queries fail as connection errors while it is down, and work again after db_ensure. */
START_TEST(server_restart_reconnects)
{
    db_t *db = s_open();
    err_t err;
    ck_assert_int_eq(db_prepare(db, "two", "SELECT 2", &err), 0);
    ck_assert_int_eq(s_pg("stop"), 0);
    ck_assert_ptr_null(db_query(db, true, "two", 0, NULL, &err));
    ck_assert_int_eq(db_last_error(db), DB_ERR_CONNECTION);
    ck_assert_int_eq(db_state(db), DB_DISCONNECTED);
    s_wait_due(db);
    ck_assert_int_eq(db_ensure(db, &err), -1); /* still down */
    ck_assert_int_eq(s_pg("start"), 0);
    s_wait_due(db);
    ck_assert_int_eq(db_ensure(db, &err), 0);
    db_result_t *res = db_query(db, true, "two", 0, NULL, &err);
    ck_assert_msg(res, "%s", err.msg);
    ck_assert_str_eq(db_result_get(res, 0, 0), "2");
    db_result_destroy(&res);
    ck_assert_int_eq(s_pg("restart"), 0);
    ck_assert_int_eq(db_exec(db, "SELECT 1", &err), -1);
    s_wait_due(db);
    ck_assert_int_eq(db_exec(db, "SELECT 1", &err), 0); /* outside a transaction: reconnects when due */
    ck_assert_uint_eq(db_sessions(db), 3);
    db_destroy(&db);
}
END_TEST

int main(void)
{
    snprintf(s_pgdir, sizeof s_pgdir, "%s/pg", tu_scratch());
    if (s_pg("start") != 0) {
        fprintf(stderr, "test_db: cannot start PostgreSQL in %s\n", s_pgdir);
        return 1;
    }
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("db");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bad_config_is_refused);
    tcase_add_test(tc, unreachable_server_backs_off_and_hides_password);
    tcase_add_test(tc, password_file_must_be_private);
    tcase_add_test(tc, query_with_params_and_nulls);
    tcase_add_test(tc, transactions_and_constraints);
    tcase_add_test(tc, copy_escapes_round_trip);
    tcase_add_test(tc, begin_copy_and_commit_with);
    tcase_add_test(tc, copy_end_outcome_collected_later);
    tcase_add_test(tc, killed_backend_reconnects_and_reprepares);
    tcase_add_test(tc, server_restart_reconnects);
    suite_add_tcase(s, tc);
    int rc = tu_run(s);
    s_pg("stop");
    return rc;
}
