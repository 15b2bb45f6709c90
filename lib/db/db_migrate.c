/* db_migrate: versioned schema migrations, one transaction per file, recorded in schema_migrations. */
#include "db_migrate.h"

#include "base/log.h"
#include "base/mem.h"

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Key of the advisory lock that serialises migration runners ("xrmigrat" in ASCII). */
#define DB_MIGRATE_LOCK "8675309001"

static const char *s_bootstrap =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version text PRIMARY KEY,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static bool s_is_migration(const char *name)
{
    size_t n = strlen(name);
    if (n < 9 || n > 120 || strcmp(name + n - 4, ".sql") != 0)
        return false;
    return isdigit((unsigned char) name[0]) && isdigit((unsigned char) name[1]) &&
           isdigit((unsigned char) name[2]) && name[3] == '_';
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sorted migration file names of dir; caller frees each and the array. */
static char **s_list_dir(const char *dir, int *count, err_t *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        err_set(err, XR_INTERNAL, "migrations dir %s: %s", dir, strerror(errno));
        return NULL;
    }
    char **names = mem_calloc(DB_MIGRATE_MAX_FILES, sizeof *names);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!s_is_migration(e->d_name))
            continue;
        if (n == DB_MIGRATE_MAX_FILES) {
            err_set(err, XR_INTERNAL, "migrations dir %s: more than %d files", dir, DB_MIGRATE_MAX_FILES);
            closedir(d);
            for (int i = 0; i < n; i++)
                mem_free(names[i]);
            mem_free(names);
            return NULL;
        }
        names[n++] = mem_strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t) n, sizeof *names, s_cmp);
    *count = n;
    return names;
}

static char *s_read_sql(const char *path, err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(err, XR_INTERNAL, "migration %s: %s", path, strerror(errno));
        return NULL;
    }
    char *sql = mem_alloc(DB_MIGRATE_MAX_BYTES + 1);
    size_t n = fread(sql, 1, DB_MIGRATE_MAX_BYTES + 1, f);
    fclose(f);
    if (n > DB_MIGRATE_MAX_BYTES) {
        mem_free(sql);
        err_set(err, XR_INTERNAL, "migration %s: larger than %d bytes", path, DB_MIGRATE_MAX_BYTES);
        return NULL;
    }
    sql[n] = '\0';
    return sql;
}

/* Applies one file if its version is not recorded yet. Returns 1 applied, 0 skipped, -1 failed. */
static int s_apply_one(db_t *db, const char *dir, const char *file, err_t *err)
{
    char version[128];
    snprintf(version, sizeof version, "%.*s", (int) (strlen(file) - 4), file);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *sql = s_read_sql(path, err);
    if (!sql)
        return -1;
    const char *params[1] = {version};
    int rc = -1;
    if (db_begin(db, err) != 0)
        goto done;
    if (db_exec(db, "SELECT pg_advisory_xact_lock(" DB_MIGRATE_LOCK ")", err) != 0)
        goto rollback;
    db_result_t *res = db_query(db, false, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, params, err);
    if (!res)
        goto rollback;
    bool done_before = db_result_rows(res) > 0;
    db_result_destroy(&res);
    if (done_before) {
        rc = db_rollback(db, err) == 0 ? 0 : -1;
        goto done;
    }
    if (db_exec(db, sql, err) != 0 ||
        db_command(db, false, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, params, NULL, err) != 0)
        goto rollback;
    if (db_commit(db, err) != 0)
        goto done;
    log_info("migrate version=%s target=\"%s\" applied", version, db_target(db));
    rc = 1;
    goto done;
rollback:
    db_rollback(db, NULL);
done:
    if (rc < 0 && err) {
        char msg[ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        err_set(err, err->code == XR_OK ? XR_INTERNAL : err->code, "migration %s: %s", file, msg);
    }
    mem_free(sql);
    return rc;
}

int db_migrate_apply(db_t *db, const char *dir, int *applied, err_t *err)
{
    assert(db && dir);
    int count = 0, done = 0, rc = -1;
    if (applied)
        *applied = 0;
    char **names = s_list_dir(dir, &count, err);
    if (!names)
        return -1;
    if (db_begin(db, err) != 0)
        goto out;
    if (db_exec(db, "SELECT pg_advisory_xact_lock(" DB_MIGRATE_LOCK ")", err) != 0 ||
        db_exec(db, s_bootstrap, err) != 0) {
        db_rollback(db, NULL);
        goto out;
    }
    if (db_commit(db, err) != 0)
        goto out;
    for (int i = 0; i < count; i++) {
        int r = s_apply_one(db, dir, names[i], err);
        if (r < 0)
            goto out;
        done += r;
    }
    rc = 0;
out:
    if (applied)
        *applied = done;
    for (int i = 0; i < count; i++)
        mem_free(names[i]);
    mem_free(names);
    return rc;
}

int db_migrate_list(db_t *db, char names[][128], int cap, int *count, err_t *err)
{
    assert(db && count);
    *count = 0;
    db_result_t *res = db_query(db, false, "SELECT version FROM schema_migrations ORDER BY version", 0, NULL, err);
    if (!res)
        return -1;
    int rows = db_result_rows(res);
    for (int i = 0; i < rows && i < cap; i++)
        snprintf(names[i], 128, "%s", db_result_get(res, i, 0));
    *count = rows < cap ? rows : cap;
    db_result_destroy(&res);
    return 0;
}
