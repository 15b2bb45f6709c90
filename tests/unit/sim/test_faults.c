/* Check suite for the fault table: prefix and "*" matching per venue, counts that run out, "until cleared",
 * seeded probabilities (repeatable), validation, and clearing. */
#include "sim/faults.h"

#include "testutil.h"

#include <stdio.h>
#include <string.h>

static sim_fault_t fault(int venue, const char *prefix, sim_fault_kind_t kind, int64_t count, int per_mille)
{
    sim_fault_t f = {.venue = venue, .kind = kind, .count = count, .per_mille = per_mille, .ms = 5};
    snprintf(f.prefix, sizeof f.prefix, "%s", prefix);
    return f;
}

static sim_fault_kind_t hit(sim_faults_t *t, int venue, const char *path)
{
    int64_t ms;
    return sim_faults_match(t, venue, path, strlen(path), &ms);
}

START_TEST(prefix_count_and_venue)
{
    sim_faults_t *t = sim_faults_new(1);
    sim_fault_t f = fault(0, "/fapi/v1/order", SIM_FAULT_DROP, 2, 1000);
    ck_assert_int_eq(sim_faults_add(t, &f, NULL), 0);
    ck_assert_int_eq(hit(t, 1, "/fapi/v1/order"), SIM_FAULT_NONE); /* other venue */
    ck_assert_int_eq(hit(t, 0, "/fapi/v1/time"), SIM_FAULT_NONE);
    ck_assert_int_eq(hit(t, 0, "/fapi/v1/orderX"), SIM_FAULT_DROP); /* a prefix */
    ck_assert_int_eq(hit(t, 0, "/fapi/v1/order"), SIM_FAULT_DROP);
    ck_assert_int_eq(hit(t, 0, "/fapi/v1/order"), SIM_FAULT_NONE); /* used up */
    ck_assert_uint_eq(sim_faults_count(t), 0);
    f = fault(0, "*", SIM_FAULT_LATENCY, -1, 1000);
    sim_faults_add(t, &f, NULL);
    int64_t ms = 0;
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(sim_faults_match(t, 0, "/x", 2, &ms), SIM_FAULT_LATENCY);
    ck_assert_int_eq(ms, 5);
    ck_assert_uint_eq(sim_faults_clear(t, 1), 0);
    ck_assert_uint_eq(sim_faults_clear(t, -1), 1);
    ck_assert_int_eq(hit(t, 0, "/x"), SIM_FAULT_NONE);
    sim_faults_destroy(&t);
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(probability_is_seeded)
{
    int hits[2] = {0, 0};
    char seq[2][200];
    for (int run = 0; run < 2; run++) {
        sim_faults_t *t = sim_faults_new(42);
        sim_fault_t f = fault(2, "*", SIM_FAULT_HTTP5XX, -1, 250);
        sim_faults_add(t, &f, NULL);
        for (int i = 0; i < 200; i++) {
            seq[run][i] = hit(t, 2, "/p") == SIM_FAULT_HTTP5XX;
            hits[run] += seq[run][i];
        }
        sim_faults_destroy(&t);
    }
    ck_assert_int_eq(hits[0], hits[1]);
    ck_assert(memcmp(seq[0], seq[1], sizeof seq[0]) == 0);
    ck_assert_int_gt(hits[0], 20);
    ck_assert_int_lt(hits[0], 80);
}
END_TEST

START_TEST(validation_and_names)
{
    sim_faults_t *t = sim_faults_new(1);
    sim_fault_t bad[] = {fault(0, "", SIM_FAULT_DROP, 1, 1000), fault(0, "*", SIM_FAULT_NONE, 1, 1000),
                         fault(0, "*", SIM_FAULT_DROP, 0, 1000), fault(0, "*", SIM_FAULT_DROP, -2, 1000),
                         fault(0, "*", SIM_FAULT_DROP, 1, 1001)};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(sim_faults_add(t, &bad[i], NULL), -1);
    sim_fault_t ok = fault(0, "*", SIM_FAULT_DROP, 1, 1000);
    for (int i = 0; i < SIM_FAULTS_MAX; i++)
        ck_assert_int_eq(sim_faults_add(t, &ok, NULL), 0);
    ck_assert_int_eq(sim_faults_add(t, &ok, NULL), -1);
    sim_faults_destroy(&t);
    const char *names[] = {"latency", "http5xx", "ratelimit", "drop", "timeout", "lose_reply"};
    for (size_t i = 0; i < 6; i++) {
        sim_fault_kind_t k;
        ck_assert_int_eq(sim_fault_kind_parse(names[i], &k), 0);
        ck_assert_str_eq(sim_fault_kind_name(k), names[i]);
    }
    sim_fault_kind_t k;
    ck_assert_int_eq(sim_fault_kind_parse("none", &k), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_faults");
    TCase *tc = tcase_create("faults");
    tcase_add_test(tc, prefix_count_and_venue);
    tcase_add_test(tc, probability_is_seeded);
    tcase_add_test(tc, validation_and_names);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
