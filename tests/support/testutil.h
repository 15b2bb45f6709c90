/* testutil: what every Check suite needs: its scratch directory, fixture paths, file reading, and running
 * the suite with a process exit code. */
#ifndef XR_TESTUTIL_H
#define XR_TESTUTIL_H

#include <check.h>
#include <stddef.h>

/* This suite's scratch directory ($XR_SCRATCH, else /tmp/xr-test-<pid>), created if missing. Borrowed. */
const char *tu_scratch(void);

/* Makes an empty, fresh sub-directory of the scratch directory and returns its path (static buffer
 * owned by the caller's next call: copy it if you keep it). */
const char *tu_scratch_dir(const char *name);

/* Full path of a fixture file ($XR_FIXTURES/name) in a static buffer. */
const char *tu_fixture(const char *name);

/* Reads a whole file; returns malloc'd bytes (NUL-terminated, *len set) or NULL. Caller frees. */
char *tu_read_file(const char *path, size_t *len);

/* Runs tests/support/pg.sh VERB (start, stop, restart, ...) on the throwaway PostgreSQL cluster in pgdir; for
 * any verb but stop, copies the DSN it prints into dsn. Returns 0, or -1 if the script failed. */
int tu_pg(const char *verb, const char *pgdir, char *dsn, size_t dsn_cap);

/* Runs the suite (CK_NORMAL output, forking as Check decides) and returns 0 if every test passed. */
int tu_run(Suite *suite);

#endif
