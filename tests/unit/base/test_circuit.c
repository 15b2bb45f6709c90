/* test_circuit: the breaker's life with injected time: opening on consecutive failures, the cool-down,
 * half-open probes closing or reopening it, unanswered probes, and the one logged transition line. */
#include "base/circuit.h"
#include "base/log.h"

#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const circuit_config_t s_cfg = {.failure_threshold = 3, .open_ms = 1000, .probes = 2};

static circuit_t *s_new(const circuit_config_t *cfg)
{
    err_t err = {0};
    circuit_t *c = circuit_new("binance", cfg, &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    return c;
}

static void s_open_it(circuit_t *c, int64_t now)
{
    for (int i = 0; i < 3; i++) {
        ck_assert(circuit_allow(c, now));
        circuit_record(c, false, now);
    }
    ck_assert_int_eq(circuit_state(c), CIRCUIT_OPEN);
}

START_TEST(test_opens_after_consecutive_failures)
{
    circuit_t *c = s_new(&s_cfg);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_CLOSED);
    circuit_record(c, false, 0);
    circuit_record(c, false, 0);
    circuit_record(c, true, 0); /* a success in between clears the count */
    circuit_record(c, false, 0);
    circuit_record(c, false, 0);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_CLOSED);
    ck_assert_int_eq(circuit_transitions(c), 0);
    circuit_record(c, false, 100);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_OPEN);
    ck_assert_int_eq(circuit_open_until(c), 1100);
    ck_assert(!circuit_allow(c, 100));
    ck_assert(!circuit_allow(c, 1099));
    circuit_record(c, true, 500); /* a late result while open changes nothing */
    ck_assert_int_eq(circuit_state(c), CIRCUIT_OPEN);
    ck_assert_int_eq(circuit_transitions(c), 1);
    circuit_destroy(&c);
    ck_assert_ptr_null(c);
    circuit_destroy(&c);
}
END_TEST

START_TEST(test_half_open_probes_close)
{
    circuit_t *c = s_new(&s_cfg);
    s_open_it(c, 0);
    ck_assert(circuit_allow(c, 1000));
    ck_assert_int_eq(circuit_state(c), CIRCUIT_HALF_OPEN);
    ck_assert_int_eq(circuit_open_until(c), 0);
    ck_assert(circuit_allow(c, 1001));
    ck_assert(!circuit_allow(c, 1002)); /* only two probes */
    circuit_record(c, true, 1010);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_HALF_OPEN); /* one success of two */
    circuit_record(c, true, 1020);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_CLOSED);
    for (int i = 0; i < 10; i++)
        ck_assert(circuit_allow(c, 1030));
    /* closed again means a fresh failure count */
    circuit_record(c, false, 1040);
    circuit_record(c, false, 1040);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_CLOSED);
    ck_assert_int_eq(circuit_transitions(c), 3);
    circuit_destroy(&c);
}
END_TEST

START_TEST(test_probe_failure_reopens)
{
    circuit_t *c = s_new(&s_cfg);
    s_open_it(c, 0);
    ck_assert(circuit_allow(c, 1500));
    ck_assert(circuit_allow(c, 1500));
    circuit_record(c, true, 1600);
    circuit_record(c, false, 1700);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_OPEN);
    ck_assert_int_eq(circuit_open_until(c), 2700); /* a new cool-down from the failure */
    ck_assert(!circuit_allow(c, 2699));
    ck_assert(circuit_allow(c, 2700));
    ck_assert_int_eq(circuit_state(c), CIRCUIT_HALF_OPEN);
    circuit_destroy(&c);
}
END_TEST

START_TEST(test_unanswered_probes_are_reissued)
{
    circuit_t *c = s_new(&s_cfg);
    s_open_it(c, 0);
    ck_assert(circuit_allow(c, 1000));
    ck_assert(circuit_allow(c, 1000));
    circuit_record(c, true, 1100);
    ck_assert(!circuit_allow(c, 1999));
    ck_assert(circuit_allow(c, 2000)); /* the lost probe's slot comes back after open_ms */
    ck_assert(!circuit_allow(c, 2000));
    circuit_record(c, true, 2100);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_CLOSED);
    circuit_destroy(&c);
}
END_TEST

START_TEST(test_single_probe_single_failure)
{
    circuit_config_t cfg = {.failure_threshold = 1, .open_ms = 50, .probes = 1};
    circuit_t *c = s_new(&cfg);
    circuit_record(c, false, 10);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_OPEN);
    ck_assert(circuit_allow(c, 60));
    ck_assert(!circuit_allow(c, 61));
    circuit_record(c, true, 70);
    ck_assert_int_eq(circuit_state(c), CIRCUIT_CLOSED);
    circuit_destroy(&c);
}
END_TEST

START_TEST(test_transitions_logged)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/log.txt", tu_scratch_dir("circuit_log"));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    log_init("test", LOG_LEVEL_INFO);
    circuit_t *c = s_new(&s_cfg);
    s_open_it(c, 0);
    circuit_allow(c, 1000);
    circuit_record(c, false, 1000);
    circuit_allow(c, 2000);
    circuit_allow(c, 2000);
    circuit_record(c, true, 2000);
    circuit_record(c, true, 2000);
    circuit_destroy(&c);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    char *text = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    const char *want[] = {
        "circuit name=binance closed -> open reason=3_consecutive_failures",
        "circuit name=binance open -> half_open reason=cooldown_over",
        "circuit name=binance half_open -> open reason=probe_failed",
        "circuit name=binance open -> half_open reason=cooldown_over",
        "circuit name=binance half_open -> closed reason=2_probes_succeeded",
    };
    const char *at = text;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *hit = strstr(at, want[i]);
        ck_assert_msg(hit != NULL, "missing in order: %s\n--- log:\n%s", want[i], text);
        at = hit + strlen(want[i]);
    }
    ck_assert_ptr_null(strstr(at, "circuit name=binance "));
    free(text);
}
END_TEST

START_TEST(test_names_and_bad_config)
{
    ck_assert_str_eq(circuit_state_name(CIRCUIT_CLOSED), "closed");
    ck_assert_str_eq(circuit_state_name(CIRCUIT_OPEN), "open");
    ck_assert_str_eq(circuit_state_name(CIRCUIT_HALF_OPEN), "half_open");
    ck_assert_str_eq(circuit_state_name((circuit_state_t) 42), "unknown");
    err_t err = {0};
    circuit_config_t cfg = s_cfg;
    cfg.failure_threshold = 0;
    ck_assert_ptr_null(circuit_new("x", &cfg, &err));
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    cfg = s_cfg;
    cfg.open_ms = 0;
    ck_assert_ptr_null(circuit_new("x", &cfg, &err));
    cfg = s_cfg;
    cfg.probes = 0;
    ck_assert_ptr_null(circuit_new("x", &cfg, &err));
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("circuit");
    TCase *tc = tcase_create("circuit");
    tcase_add_test(tc, test_opens_after_consecutive_failures);
    tcase_add_test(tc, test_half_open_probes_close);
    tcase_add_test(tc, test_probe_failure_reopens);
    tcase_add_test(tc, test_unanswered_probes_are_reissued);
    tcase_add_test(tc, test_single_probe_single_failure);
    tcase_add_test(tc, test_transitions_logged);
    tcase_add_test(tc, test_names_and_bad_config);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
