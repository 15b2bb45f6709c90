/* db_migrate: applies the versioned SQL migrations of a directory (deploy/sql/NNN_name.sql) in name order, each
 * in its own transaction together with its row in schema_migrations, so that a migration is either fully applied
 * and recorded or not at all. Already recorded versions are skipped, so applying twice changes nothing.
 * Concurrent runners (two recorders starting at once) are serialised by a transaction-level advisory lock.
 * Migration files must not contain BEGIN/COMMIT of their own. */
#ifndef XR_DB_DB_MIGRATE_H
#define XR_DB_DB_MIGRATE_H

#include "base/err.h"
#include "db.h"

#define DB_MIGRATE_MAX_FILES 256           /* migrations per directory */
#define DB_MIGRATE_MAX_BYTES (1024 * 1024) /* size of one migration file */

/* Applies every pending migration of dir ("NNN_*.sql", NNN = three digits) in order on a connected (or due to
 * reconnect) session. *applied (may be NULL) gets how many were applied now. Stops at the first failure and
 * returns -1 with err naming the file; earlier migrations stay applied. Blocks for the whole run. */
int db_migrate_apply(db_t *db, const char *dir, int *applied, err_t *err);

/* Versions recorded in schema_migrations, i.e. the file names without ".sql", in order; -1 with err if the
 * table cannot be read. *count gets how many. Writes at most cap names of up to 127 bytes into names. */
int db_migrate_list(db_t *db, char names[][128], int cap, int *count, err_t *err);

#endif
