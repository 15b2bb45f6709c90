/* testutil: shared helpers for the Check suites. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_scratch[1024];

static void s_mkdirs(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0700);
            *p = '/';
        }
    }
    mkdir(tmp, 0700);
}

const char *tu_scratch(void)
{
    if (!s_scratch[0]) {
        const char *env = getenv("XR_SCRATCH");
        if (env && *env)
            snprintf(s_scratch, sizeof s_scratch, "%s", env);
        else
            snprintf(s_scratch, sizeof s_scratch, "/tmp/xr-test-%d", (int) getpid());
        s_mkdirs(s_scratch);
    }
    return s_scratch;
}

const char *tu_scratch_dir(const char *name)
{
    static char path[1200];
    char cmd[1400];
    snprintf(path, sizeof path, "%s/%s", tu_scratch(), name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        return NULL;
    s_mkdirs(path);
    return path;
}

const char *tu_fixture(const char *name)
{
    static char path[1200];
    const char *root = getenv("XR_FIXTURES");
    snprintf(path, sizeof path, "%s/%s", root ? root : "tests/fixtures", name);
    return path;
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t) n + 1);
    if (!data || fread(data, 1, (size_t) n, f) != (size_t) n) {
        free(data);
        fclose(f);
        return NULL;
    }
    fclose(f);
    data[n] = '\0';
    if (len)
        *len = (size_t) n;
    return data;
}

int tu_run(Suite *suite)
{
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

int tu_pg(const char *verb, const char *pgdir, char *dsn, size_t dsn_cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/tests/support/pg.sh %s '%s'", getenv("XR_SOURCE"), verb, pgdir);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[512] = "";
    if (fgets(line, sizeof line, p) && strncmp(verb, "stop", 4) != 0) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(dsn, dsn_cap, "%s", line);
    }
    return pclose(p) == 0 ? 0 : -1;
}
