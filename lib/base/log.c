/* log: structured, levelled log lines on stderr. */
#include "log.h"

#include "clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Set once by log_init before any other thread or actor starts; read-only afterwards. */
static char s_service[32] = "xroute";
static log_level_t s_level = LOG_LEVEL_INFO;

static const char *const s_level_names[] = {"debug", "info", "warn", "error", "off"};

void log_init(const char *service, log_level_t level)
{
    if (service)
        snprintf(s_service, sizeof s_service, "%s", service);
    s_level = level;
}

int log_level_parse(const char *text, log_level_t *out)
{
    if (!text)
        return -1;
    for (int i = 0; i <= LOG_LEVEL_OFF; i++) {
        if (strcasecmp(text, s_level_names[i]) == 0) {
            *out = (log_level_t) i;
            return 0;
        }
    }
    return -1;
}

bool log_enabled(log_level_t level)
{
    return level >= s_level && level < LOG_LEVEL_OFF;
}

void log_write(log_level_t level, const char *fmt, ...)
{
    char line[4096];
    char ts[32];
    if (level < LOG_LEVEL_DEBUG || level >= LOG_LEVEL_OFF)
        return;
    clock_format_iso(clock_wall_ms(), ts, sizeof ts);
    int n = snprintf(line, sizeof line, "%s level=%s svc=%s pid=%d ", ts, s_level_names[level], s_service,
                     (int) getpid());
    if (n < 0 || (size_t) n >= sizeof line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t) n, fmt, ap);
    va_end(ap);
    size_t len = (size_t) n + (m < 0 ? 0 : (size_t) m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    /* one event, one line: a line break inside the text (a venue's error body, say) must not start a second,
     * forgeable line */
    for (size_t i = (size_t) n; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void) w; /* nothing sensible to do if stderr is gone */
}

const char *log_redact(const char *secret, char *out, size_t cap)
{
    snprintf(out, cap, "<redacted len=%zu>", secret ? strlen(secret) : (size_t) 0);
    return out;
}
