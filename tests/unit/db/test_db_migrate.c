/* test_db_migrate: the migrations of deploy/sql against a real PostgreSQL (tests/support/pg.sh): applied in
 * order and recorded, applying twice changes nothing, a failing migration leaves no trace and stops the run,
 * and the schema's own rules hold (fill key, exact NUMERIC, status rank, ms timestamps, safe JSONB). */
#include "db/db.h"
#include "db/db_migrate.h"

#include "base/err.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char s_pgdir[1024];
static char s_dsn[512];

static int s_pg(const char *verb)
{
    return tu_pg(verb, s_pgdir, s_dsn, sizeof s_dsn);
}

/* A fresh schema per test (first on the search_path), so tests do not see each other's objects. */
static db_t *s_fresh(const char *name)
{
    db_config_t cfg = {.dsn = s_dsn};
    err_t err;
    db_t *admin = db_new(&cfg, &err);
    ck_assert_int_eq(db_connect(admin, &err), 0);
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", name, name);
    ck_assert_int_eq(db_exec(admin, sql, &err), 0);
    db_destroy(&admin);
    char dsn[700];
    snprintf(dsn, sizeof dsn, "%s options='-csearch_path=%s'", s_dsn, name);
    db_config_t c2 = {.dsn = dsn};
    db_t *db = db_new(&c2, &err);
    ck_assert_int_eq(db_connect(db, &err), 0);
    return db;
}

static const char *s_sql_dir(void)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/deploy/sql", getenv("XR_SOURCE"));
    return dir;
}

static char *s_value(db_t *db, const char *sql)
{
    static char out[512];
    err_t err;
    db_result_t *res = db_query(db, false, sql, 0, NULL, &err);
    ck_assert_msg(res, "%s: %s", sql, err.msg);
    const char *v = db_result_rows(res) > 0 ? db_result_get(res, 0, 0) : NULL;
    snprintf(out, sizeof out, "%s", v ? v : "(null)");
    db_result_destroy(&res);
    return out;
}

START_TEST(apply_twice_changes_nothing)
{
    db_t *db = s_fresh("m_twice");
    err_t err;
    int applied = -1;
    ck_assert_msg(db_migrate_apply(db, s_sql_dir(), &applied, &err) == 0, "%s", err.msg);
    ck_assert_int_ge(applied, 1);
    char names[8][128];
    int count = 0;
    ck_assert_int_eq(db_migrate_list(db, names, 8, &count, &err), 0);
    ck_assert_int_eq(count, applied);
    ck_assert_str_eq(names[0], "001_init");
    ck_assert_int_eq(db_migrate_apply(db, s_sql_dir(), &applied, &err), 0);
    ck_assert_int_eq(applied, 0);
    ck_assert_int_eq(db_migrate_list(db, names, 8, &count, &err), 0);
    ck_assert_int_eq(count, 1);
    /* The SQL itself is idempotent too. */
    char *sql = tu_read_file("deploy/sql/001_init.sql", NULL);
    if (!sql) {
        char path[1200];
        snprintf(path, sizeof path, "%s/001_init.sql", s_sql_dir());
        sql = tu_read_file(path, NULL);
    }
    ck_assert_ptr_nonnull(sql);
    ck_assert_msg(db_exec(db, sql, &err) == 0, "%s", err.msg);
    free(sql);
    ck_assert_str_eq(s_value(db, "SELECT count(*) FROM information_schema.views WHERE table_schema = current_schema() AND table_name IN "
                                 "('fills_by_symbol_day','fees_by_day','realized_pnl_by_day','open_orders')"),
                     "4");
    db_destroy(&db);
}
END_TEST

START_TEST(failing_migration_leaves_no_trace)
{
    const char *dir = tu_scratch_dir("mig");
    char path[1200];
    snprintf(path, sizeof path, "%s/001_a.sql", dir);
    FILE *f = fopen(path, "w");
    fputs("CREATE TABLE a_t (x int);\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/002_b.sql", dir);
    f = fopen(path, "w");
    fputs("CREATE TABLE b_t (x int);\nSELECT no_such_function();\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/003_c.sql", dir);
    f = fopen(path, "w");
    fputs("CREATE TABLE c_t (x int);\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/README.txt", dir);
    f = fopen(path, "w");
    fputs("not a migration\n", f);
    fclose(f);
    db_t *db = s_fresh("m_fail");
    err_t err;
    int applied = -1;
    ck_assert_int_eq(db_migrate_apply(db, dir, &applied, &err), -1);
    ck_assert_int_eq(applied, 1);
    ck_assert_ptr_nonnull(strstr(err.msg, "002_b.sql"));
    ck_assert_str_eq(s_value(db, "SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations"),
                     "001_a");
    ck_assert_str_eq(s_value(db, "SELECT count(*) FROM pg_tables WHERE tablename IN ('a_t','b_t','c_t')"), "1");
    ck_assert_int_eq(db_migrate_apply(db, "/nonexistent/dir", &applied, &err), -1);
    db_destroy(&db);
}
END_TEST

START_TEST(schema_rules)
{
    db_t *db = s_fresh("m_rules");
    err_t err;
    ck_assert_int_eq(db_migrate_apply(db, s_sql_dir(), NULL, &err), 0);
    ck_assert_str_eq(s_value(db, "SELECT xr_status_rank('PENDING_UNKNOWN') < xr_status_rank('NEW') AND "
                                 "xr_status_rank('NEW') < xr_status_rank('PARTIALLY_FILLED') AND "
                                 "xr_status_rank('PARTIALLY_FILLED') < xr_status_rank('CANCELED')"),
                     "t");
    ck_assert_str_eq(s_value(db, "SELECT xr_ms_ts(1700000000123) = timestamptz '2023-11-14 22:13:20.123+00'"), "t");
    ck_assert_str_eq(s_value(db, "SELECT xr_ms_ts(0) IS NULL"), "t");
    ck_assert_str_eq(s_value(db, "SELECT xr_jsonb('{\"a\":1}')->>'a'"), "1");
    ck_assert_str_eq(s_value(db, "SELECT xr_jsonb('not json')->>'unparsed'"), "not json");
    const char *ins = "INSERT INTO trades (venue, account, trade_id, order_id, symbol, side, quantity, price, "
                      "executed_at) VALUES ('bybit', 'default', 't1', 'o1', 'BTC/USDT', 'BUY', "
                      "'0.001', '65000.123456789012345678', now()) ON CONFLICT DO NOTHING";
    int64_t n = 0;
    ck_assert_int_eq(db_command(db, false, ins, 0, NULL, &n, &err), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(db_command(db, false, ins, 0, NULL, &n, &err), 0);
    ck_assert_int_eq(n, 0);
    ck_assert_str_eq(s_value(db, "SELECT price FROM trades"), "65000.123456789012345678");
    ck_assert_str_eq(s_value(db, "SELECT fills FROM fills_by_symbol_day"), "1");
    ck_assert_int_eq(db_exec(db, "INSERT INTO trades (venue, account, trade_id, order_id, symbol, side, quantity, "
                                 "price, executed_at) VALUES ('bybit','default','t2','o1','BTC/USDT','HOLD',1,1,now())",
                             &err),
                     -1);
    ck_assert_int_eq(db_last_error(db), DB_ERR_CONSTRAINT);
    db_destroy(&db);
}
END_TEST

int main(void)
{
    snprintf(s_pgdir, sizeof s_pgdir, "%s/pg", tu_scratch());
    if (s_pg("start") != 0) {
        fprintf(stderr, "test_db_migrate: cannot start PostgreSQL in %s\n", s_pgdir);
        return 1;
    }
    Suite *s = suite_create("db_migrate");
    TCase *tc = tcase_create("db_migrate");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, apply_twice_changes_nothing);
    tcase_add_test(tc, failing_migration_leaves_no_trace);
    tcase_add_test(tc, schema_rules);
    suite_add_tcase(s, tc);
    int rc = tu_run(s);
    s_pg("stop");
    return rc;
}
