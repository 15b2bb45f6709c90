/* test_log: level names and filtering, the structured line (time, level, service, pid, then the caller's
 * text) as it reaches stderr, the 4 KiB cap, one line per event, and log_redact never giving the secret away.
 * Lines are captured by pointing fd 2 at a scratch file for the length of one call. */
#include "base/clock.h"
#include "base/log.h"

#include "testutil.h"

#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int saved;        /* the real stderr */
    char path[1300];  /* where fd 2 points meanwhile */
} capture_t;

static void s_capture_begin(capture_t *c, const char *name)
{
    snprintf(c->path, sizeof c->path, "%s/%s", tu_scratch(), name);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    c->saved = dup(STDERR_FILENO);
    ck_assert_int_ge(c->saved, 0);
    ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
}

/* Restores stderr; returns what was written meanwhile (caller frees). */
static char *s_capture_end(capture_t *c, size_t *len)
{
    ck_assert_int_eq(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
    close(c->saved);
    char *text = tu_read_file(c->path, len);
    ck_assert_ptr_nonnull(text);
    return text;
}

static size_t s_count(const char *text, char ch)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == ch;
    return n;
}

START_TEST(test_level_parse)
{
    static const struct {
        const char *text;
        log_level_t level;
    } ok[] = {{"debug", LOG_LEVEL_DEBUG}, {"INFO", LOG_LEVEL_INFO}, {"Warn", LOG_LEVEL_WARN},
              {"error", LOG_LEVEL_ERROR}, {"OFF", LOG_LEVEL_OFF}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        log_level_t got = (log_level_t) 99;
        ck_assert_int_eq(log_level_parse(ok[i].text, &got), 0);
        ck_assert_int_eq(got, ok[i].level);
    }
    const char *bad[] = {"", "verbose", "warning", "info ", "err", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        log_level_t got = LOG_LEVEL_ERROR;
        ck_assert_int_eq(log_level_parse(bad[i], &got), -1);
        ck_assert_int_eq(got, LOG_LEVEL_ERROR); /* untouched */
    }
}
END_TEST

START_TEST(test_enabled_by_level)
{
    log_init("t", LOG_LEVEL_WARN);
    ck_assert(!log_enabled(LOG_LEVEL_DEBUG));
    ck_assert(!log_enabled(LOG_LEVEL_INFO));
    ck_assert(log_enabled(LOG_LEVEL_WARN));
    ck_assert(log_enabled(LOG_LEVEL_ERROR));
    ck_assert(!log_enabled(LOG_LEVEL_OFF)); /* OFF is a threshold, never a level to write at */
    log_init("t", LOG_LEVEL_DEBUG);
    ck_assert(log_enabled(LOG_LEVEL_DEBUG));
    log_init("t", LOG_LEVEL_OFF);
    for (int l = LOG_LEVEL_DEBUG; l <= LOG_LEVEL_OFF; l++)
        ck_assert(!log_enabled((log_level_t) l));
}
END_TEST

static int s_calls;

static int s_side_effect(void)
{
    return ++s_calls;
}

START_TEST(test_filtered_lines_not_formatted_or_written)
{
    log_init("filter", LOG_LEVEL_INFO);
    s_calls = 0;
    capture_t c;
    s_capture_begin(&c, "filter.log");
    log_debug("never n=%d", s_side_effect());
    log_info("shown n=%d", s_side_effect());
    log_init("filter", LOG_LEVEL_OFF);
    log_error("hidden n=%d", s_side_effect());
    log_write(LOG_LEVEL_OFF, "not a level"); /* OFF is no level to write at, whatever the threshold */
    size_t len;
    char *text = s_capture_end(&c, &len);
    ck_assert_int_eq(s_calls, 1); /* the arguments of a filtered line are not even evaluated */
    ck_assert_uint_eq(s_count(text, '\n'), 1);
    ck_assert_ptr_nonnull(strstr(text, "level=info svc=filter "));
    ck_assert_ptr_nonnull(strstr(text, " shown n=1\n"));
    ck_assert_ptr_null(strstr(text, "never"));
    ck_assert_ptr_null(strstr(text, "hidden"));
    free(text);
}
END_TEST

START_TEST(test_line_format)
{
    log_init("venue-binance", LOG_LEVEL_DEBUG);
    char before[32], after[32];
    capture_t c;
    clock_format_iso(clock_wall_ms(), before, sizeof before);
    s_capture_begin(&c, "format.log");
    log_warn("place cl_ord_id=%s result=%s", "abc", "NEW");
    size_t len;
    char *text = s_capture_end(&c, &len);
    clock_format_iso(clock_wall_ms(), after, sizeof after);

    regex_t re;
    ck_assert_int_eq(regcomp(&re,
                             "^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z) level=warn "
                             "svc=venue-binance pid=([0-9]+) place cl_ord_id=abc result=NEW\n$",
                             REG_EXTENDED),
                     0);
    regmatch_t m[3];
    int rc = regexec(&re, text, 3, m, 0);
    regfree(&re);
    ck_assert_msg(rc == 0, "line does not match the structured form: '%s'", text);
    ck_assert_uint_eq(len, strlen(text));
    /* the time is now, in UTC ISO-8601 (same width, so text order is time order) */
    char ts[32];
    snprintf(ts, sizeof ts, "%.*s", (int) (m[1].rm_eo - m[1].rm_so), text + m[1].rm_so);
    ck_assert_msg(strcmp(before, ts) <= 0 && strcmp(ts, after) <= 0, "time %s not within %s..%s", ts, before,
                  after);
    ck_assert_int_eq(strtol(text + m[2].rm_so, NULL, 10), getpid());
    free(text);

    /* each level by its name */
    const char *names[] = {"debug", "info", "warn", "error"};
    for (int l = LOG_LEVEL_DEBUG; l < LOG_LEVEL_OFF; l++) {
        s_capture_begin(&c, "levels.log");
        log_write((log_level_t) l, "x=1");
        text = s_capture_end(&c, &len);
        char want[64];
        snprintf(want, sizeof want, "Z level=%s svc=venue-binance pid=", names[l]);
        ck_assert_msg(strstr(text, want) != NULL, "level %d: '%s'", l, text);
        free(text);
    }
}
END_TEST

START_TEST(test_service_name_copied_and_capped)
{
    char name[64];
    snprintf(name, sizeof name, "%s", "recorder");
    log_init(name, LOG_LEVEL_INFO);
    snprintf(name, sizeof name, "%s", "changed!"); /* the logger keeps its own copy */
    capture_t c;
    s_capture_begin(&c, "svc.log");
    log_info("a=1");
    log_init("a-service-name-that-is-much-longer-than-31", LOG_LEVEL_INFO);
    log_info("b=2");
    size_t len;
    char *text = s_capture_end(&c, &len);
    ck_assert_ptr_nonnull(strstr(text, " svc=recorder pid="));
    ck_assert_ptr_null(strstr(text, "changed!"));
    ck_assert_ptr_nonnull(strstr(text, " svc=a-service-name-that-is-much-lon pid=")); /* first 31 chars */
    free(text);
}
END_TEST

START_TEST(test_long_line_truncated_to_one_line)
{
    log_init("long", LOG_LEVEL_INFO);
    size_t n = 10000;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    capture_t c;
    s_capture_begin(&c, "long.log");
    log_info("payload=%s", big);
    log_info("next=1");
    size_t len;
    char *text = s_capture_end(&c, &len);
    char *nl = strchr(text, '\n');
    ck_assert_ptr_nonnull(nl);
    size_t first = (size_t) (nl - text) + 1;
    ck_assert_uint_le(first, 4096);      /* at most 4 KiB, newline included */
    ck_assert_uint_ge(first, 4096 - 2);  /* and filled up to it: truncated, not dropped */
    ck_assert_ptr_nonnull(strstr(text, "payload=xxxx"));
    ck_assert_ptr_nonnull(strstr(nl + 1, " next=1\n")); /* the next event starts on its own line */
    ck_assert_uint_eq(s_count(text, '\n'), 2);
    free(text);
    free(big);
}
END_TEST

START_TEST(test_one_line_per_event)
{
    /* Text from the world (a venue's error message) may hold line breaks; the event still takes one line, so
     * that nobody can forge a second, fake log line through it. */
    log_init("gw", LOG_LEVEL_INFO);
    capture_t c;
    s_capture_begin(&c, "oneline.log");
    log_info("reject msg=%s", "bad\n2026-01-01T00:00:00.000Z level=error svc=gw pid=1 forged\r\nx");
    size_t len;
    char *text = s_capture_end(&c, &len);
    ck_assert_uint_eq(s_count(text, '\n'), 1);
    ck_assert_uint_eq(s_count(text, '\r'), 0);
    ck_assert(len > 0 && text[len - 1] == '\n');
    ck_assert_ptr_nonnull(strstr(text, "forged"));
    free(text);
}
END_TEST

START_TEST(test_redact_form)
{
    char out[64];
    ck_assert_str_eq(log_redact("hunter2", out, sizeof out), "<redacted len=7>");
    ck_assert_ptr_eq(log_redact("x", out, sizeof out), out);
    ck_assert_str_eq(log_redact("", out, sizeof out), "<redacted len=0>");
    ck_assert_str_eq(log_redact(NULL, out, sizeof out), "<redacted len=0>");
    const char *secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"; /* Binance doc key */
    ck_assert_str_eq(log_redact(secret, out, sizeof out), "<redacted len=64>");
    /* printf directives in a secret are data, not format */
    ck_assert_str_eq(log_redact("%s%n%x", out, sizeof out), "<redacted len=6>");
}
END_TEST

START_TEST(test_redact_never_reveals)
{
    const char *secrets[] = {"demo-secret", "0123456789abcdef0123456789abcdef", "<redacted len=5>", "a", "len="};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        char out[64];
        memset(out, '#', sizeof out);
        log_redact(secrets[i], out, sizeof out);
        char want[64];
        snprintf(want, sizeof want, "<redacted len=%zu>", strlen(secrets[i]));
        ck_assert_str_eq(out, want);
        /* and no piece of the secret longer than what the fixed text could hold by chance */
        if (strlen(secrets[i]) >= 6 && strcmp(secrets[i], want) != 0)
            ck_assert_msg(strstr(out, secrets[i]) == NULL, "secret %zu shows", i);
    }
    /* a short buffer truncates the description, NUL-terminated, never overruns */
    char small[10];
    memset(small, '#', sizeof small);
    log_redact("demo-secret", small, 8);
    ck_assert_str_eq(small, "<redact");
    ck_assert_int_eq(small[8], '#');
    ck_assert_int_eq(small[9], '#');

    /* through the logger: the line carries the description only */
    log_init("sec", LOG_LEVEL_INFO);
    char red[32];
    capture_t c;
    s_capture_begin(&c, "redact.log");
    log_info("auth key=%s secret=%s", "demo-key", log_redact("s3cr3t-value-xyz", red, sizeof red));
    size_t len;
    char *text = s_capture_end(&c, &len);
    ck_assert_ptr_null(strstr(text, "s3cr3t"));
    ck_assert_ptr_nonnull(strstr(text, " secret=<redacted len=16>\n"));
    free(text);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, test_level_parse);
    tcase_add_test(tc, test_enabled_by_level);
    tcase_add_test(tc, test_filtered_lines_not_formatted_or_written);
    tcase_add_test(tc, test_line_format);
    tcase_add_test(tc, test_service_name_copied_and_capped);
    tcase_add_test(tc, test_long_line_truncated_to_one_line);
    tcase_add_test(tc, test_one_line_per_event);
    tcase_add_test(tc, test_redact_form);
    tcase_add_test(tc, test_redact_never_reveals);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
