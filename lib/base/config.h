/* config: a service's settings, read once at start from the environment and an optional KEY=VALUE file,
 * with defaults given by the caller at each lookup. Precedence: environment > file > default. A setting
 * whose value is empty counts as not set in every layer (so `FOO=` in docker-compose falls back).
 *
 * File format, one setting per line: `KEY=VALUE`; blank lines and lines starting with `#` (after optional
 * spaces) are ignored; spaces around the key and the value are trimmed; a value wrapped in matching single or
 * double quotes is taken literally without them. There is no shell expansion, no escapes, no inline comment
 * (a `#` inside a value is part of it), no `export`. Keys are [A-Za-z_][A-Za-z0-9_]*; a key given twice is an
 * error. A malformed line is refused with an error naming the file and the line, never quoting its content.
 *
 * Getter errors (XR_INVALID_REQUEST) always name the key. They quote the offending value, except for keys
 * that look like credentials (containing SECRET, KEY, PASS or TOKEN). Secrets (config_get_secret) never
 * appear in any error or log text. A config_t is immutable after creation; getters may be called from any
 * thread. */
#ifndef XR_BASE_CONFIG_H
#define XR_BASE_CONFIG_H

#include "decimal.h"
#include "err.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct _config_t config_t;

/* Snapshots env (a NULL-terminated array of "KEY=VALUE" strings; NULL means the process environment) and
 * reads the file at file_path (NULL for none; at most 1 MiB). Returns the config, or NULL with err naming the
 * file (and line) that could not be read or parsed. Caller destroys. */
config_t *config_new_from(const char *const *env, const char *file_path, err_t *err);

/* config_new_from(NULL, file_path, err): the process environment plus the optional file. */
config_t *config_new(const char *file_path, err_t *err);

/* Wipes every value held (they may be credentials) and frees. Accepts NULL; sets *self_p to NULL. */
void config_destroy(config_t **self_p);

/* True if key has a non-empty value in the environment or the file. */
bool config_has(const config_t *self, const char *key);

/* Value of key, or def when not set. Borrowed: valid until config_destroy. */
const char *config_get_str(const config_t *self, const char *key, const char *def);

/* Sets *out to the value of key (borrowed, as config_get_str). Returns 0, or -1 with
 * "missing required setting KEY" when it is not set. */
int config_require_str(const config_t *self, const char *key, const char **out, err_t *err);

/* Integer setting (decimal digits with an optional '-') within min..max, or def when not set (def must lie
 * in range: asserted). Returns 0, or -1 when the value is not an integer or is out of range. */
int config_get_int(const config_t *self, const char *key, int64_t def, int64_t min, int64_t max, int64_t *out,
                   err_t *err);

/* Boolean setting: true/false, 1/0, yes/no (any case), or def when not set. Returns 0 or -1. */
int config_get_bool(const config_t *self, const char *key, bool def, bool *out, err_t *err);

/* Decimal setting by the rules of decimal_parse, or def when not set. Returns 0 or -1. */
int config_get_decimal(const config_t *self, const char *key, decimal_t def, decimal_t *out, err_t *err);

/* Duration in milliseconds: "500ms", "5s", "2m", "24h", or a bare number of milliseconds; non-negative
 * whole numbers only. def_ms when not set. Returns 0, or -1 for any other form or one beyond int64. */
int config_get_duration_ms(const config_t *self, const char *key, int64_t def_ms, int64_t *out, err_t *err);

/* Reads the secret `key` (for example BINANCE_API_SECRET): when the setting `key`_FILE is set, from the file
 * it names (a regular file that neither group nor others may read or write, at most 64 KiB, one trailing
 * newline stripped), else from the setting `key` itself (refused when it comes from a config file that group
 * or others may read or write). On success *out is a heap copy the caller releases with config_secret_free.
 * Returns -1 with err naming the key and the file, never the value, when the secret is missing, empty,
 * unreadable, holds a NUL byte, or its file is exposed (error text gives the file's mode). Blocks on file I/O. */
int config_get_secret(const config_t *self, const char *key, char **out, err_t *err);

/* Reads a secret file as config_get_secret reads `key`_FILE: a regular file that group and others cannot
 * access (0600), no NUL byte, not empty, one trailing newline dropped. `what` names the secret in errors, which
 * name the file and never quote it. On success *out is a heap copy released with config_secret_free. */
int config_read_secret_file(const char *what, const char *path, char **out, err_t *err);

/* Overwrites the secret's bytes with zeros, frees it and sets *secret_p to NULL. Accepts NULL. */
void config_secret_free(char **secret_p);

#endif
