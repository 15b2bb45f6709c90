/* log: one structured line per event, on stderr:
 *   2026-11-21T20:50:47.123Z level=info svc=venue-binance pid=42 place cl_ord_id=abc result=NEW
 * The text after the fixed prefix is the caller's, written as key=value pairs by convention (STYLE rule 15).
 * The service name and level are set once at start and read-only afterwards: the one piece of process-wide
 * state besides the interrupt flag, because every module logs and none should carry a logger around.
 * Levels are checked before formatting. Never log a key, secret or signature: log_redact helps. */
#ifndef XR_BASE_LOG_H
#define XR_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* The names carry LEVEL because czmq includes <syslog.h>, whose LOG_DEBUG and LOG_INFO macros would
 * otherwise silently replace these values in any file that includes czmq. */
typedef enum {
    LOG_LEVEL_DEBUG = 0,  /* detail for developers */
    LOG_LEVEL_INFO,       /* normal operation: starts, stops, orders */
    LOG_LEVEL_WARN,       /* something failed and was handled */
    LOG_LEVEL_ERROR,      /* something failed and was not handled */
    LOG_LEVEL_OFF         /* nothing is logged */
} log_level_t;

/* Sets the service name (copied, at most 31 chars) and the minimum level. Call once from main. */
void log_init(const char *service, log_level_t level);

/* Parses "debug", "info", "warn", "error", "off" (any case). Returns 0, or -1 if unknown. */
int log_level_parse(const char *text, log_level_t *out);

/* True if a line at this level would be written. */
bool log_enabled(log_level_t level);

/* Writes one line atomically (one write(2)); lines longer than 4 KiB are truncated; line breaks in the text
 * become spaces, so that one event is always one line. */
void log_write(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Describes a secret without revealing it: "<redacted len=32>". Writes into out; returns out. */
const char *log_redact(const char *secret, char *out, size_t cap);

#define log_debug(...) do { if (log_enabled(LOG_LEVEL_DEBUG)) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...)  do { if (log_enabled(LOG_LEVEL_INFO)) log_write(LOG_LEVEL_INFO, __VA_ARGS__); } while (0)
#define log_warn(...)  do { if (log_enabled(LOG_LEVEL_WARN)) log_write(LOG_LEVEL_WARN, __VA_ARGS__); } while (0)
#define log_error(...) do { if (log_enabled(LOG_LEVEL_ERROR)) log_write(LOG_LEVEL_ERROR, __VA_ARGS__); } while (0)

#endif
