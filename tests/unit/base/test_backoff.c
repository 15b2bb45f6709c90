/* test_backoff: bounds of every jitter mode, the cap, attempt limits, reset, and reproducibility from a
 * fixed seed. */
#include "base/backoff.h"

#include "testutil.h"

static backoff_t *s_new(backoff_jitter_t jitter, int64_t base, int64_t cap, int max, uint64_t seed)
{
    err_t err = {0};
    backoff_config_t cfg = {.base_ms = base, .cap_ms = cap, .max_attempts = max, .jitter = jitter};
    backoff_t *b = backoff_new(&cfg, seed, &err);
    ck_assert_msg(b != NULL, "%s", err.msg);
    return b;
}

START_TEST(test_no_jitter_sequence)
{
    backoff_t *b = s_new(BACKOFF_NO_JITTER, 100, 1000, 0, 1);
    const int64_t want[] = {100, 200, 400, 800, 1000, 1000, 1000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_int_eq(backoff_next_ms(b), want[i]);
    ck_assert_int_eq(backoff_attempts(b), 7);
    for (int i = 0; i < 200; i++) /* far past 2^63: still the cap, no overflow */
        ck_assert_int_eq(backoff_next_ms(b), 1000);
    backoff_reset(b);
    ck_assert_int_eq(backoff_attempts(b), 0);
    ck_assert_int_eq(backoff_next_ms(b), 100);
    backoff_destroy(&b);
    ck_assert_ptr_null(b);
    backoff_destroy(&b);
}
END_TEST

START_TEST(test_full_jitter_bounds_and_spread)
{
    backoff_t *b = s_new(BACKOFF_FULL_JITTER, 100, 30000, 0, 42);
    for (int round = 0; round < 200; round++) {
        int64_t ceiling = 100;
        for (int n = 0; n < 12; n++) {
            int64_t d = backoff_next_ms(b);
            ck_assert_int_ge(d, 0);
            ck_assert_int_le(d, ceiling);
            ceiling = ceiling * 2 > 30000 ? 30000 : ceiling * 2;
        }
        backoff_reset(b);
    }
    /* at the cap the draws spread over the whole range: mean near half, both ends reached */
    int64_t sum = 0, lo = 30000, hi = 0;
    for (int i = 0; i < 20; i++)
        backoff_next_ms(b);
    for (int i = 0; i < 10000; i++) {
        int64_t d = backoff_next_ms(b);
        sum += d;
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    ck_assert_int_gt(sum / 10000, 13500);
    ck_assert_int_lt(sum / 10000, 16500);
    ck_assert_int_lt(lo, 300);
    ck_assert_int_gt(hi, 29700);
    backoff_destroy(&b);
}
END_TEST

START_TEST(test_decorrelated_bounds)
{
    backoff_t *b = s_new(BACKOFF_DECORRELATED_JITTER, 50, 5000, 0, 7);
    int64_t previous = 50;
    int reached_cap_region = 0;
    for (int i = 0; i < 5000; i++) {
        int64_t d = backoff_next_ms(b);
        int64_t hi = previous * 3 > 5000 ? 5000 : previous * 3;
        ck_assert_int_ge(d, 50);
        ck_assert_int_le(d, hi);
        reached_cap_region += d > 4000;
        previous = d;
    }
    ck_assert_int_gt(reached_cap_region, 0);
    backoff_reset(b);
    ck_assert_int_le(backoff_next_ms(b), 150); /* history forgotten: back to [base, 3 * base] */
    backoff_destroy(&b);
}
END_TEST

START_TEST(test_max_attempts)
{
    backoff_t *b = s_new(BACKOFF_FULL_JITTER, 10, 100, 3, 5);
    for (int i = 0; i < 3; i++)
        ck_assert_int_ge(backoff_next_ms(b), 0);
    ck_assert_int_eq(backoff_next_ms(b), -1);
    ck_assert_int_eq(backoff_next_ms(b), -1);
    ck_assert_int_eq(backoff_attempts(b), 3);
    backoff_reset(b);
    ck_assert_int_ge(backoff_next_ms(b), 0);
    backoff_destroy(&b);
}
END_TEST

START_TEST(test_seed_determinism)
{
    backoff_t *a = s_new(BACKOFF_FULL_JITTER, 100, 100000, 0, 1234);
    backoff_t *b = s_new(BACKOFF_FULL_JITTER, 100, 100000, 0, 1234);
    backoff_t *c = s_new(BACKOFF_FULL_JITTER, 100, 100000, 0, 1235);
    int differ = 0;
    for (int i = 0; i < 50; i++) {
        if (i % 10 == 0) {
            backoff_reset(a);
            backoff_reset(b);
            backoff_reset(c);
        }
        int64_t da = backoff_next_ms(a);
        ck_assert_int_eq(da, backoff_next_ms(b));
        differ += da != backoff_next_ms(c);
    }
    ck_assert_int_gt(differ, 40);
    backoff_destroy(&c);
    backoff_destroy(&b);
    backoff_destroy(&a);
    /* seed 0: seeded from the clock and the address, so two instances do not retry in step */
    a = s_new(BACKOFF_FULL_JITTER, 1, 1000000000, 0, 0);
    b = s_new(BACKOFF_FULL_JITTER, 1, 1000000000, 0, 0);
    for (int i = 0; i < 30; i++) {
        backoff_next_ms(a);
        backoff_next_ms(b);
    }
    ck_assert_int_ne(backoff_next_ms(a), backoff_next_ms(b));
    backoff_destroy(&b);
    backoff_destroy(&a);
}
END_TEST

START_TEST(test_bad_config)
{
    err_t err = {0};
    backoff_config_t cfg = {.base_ms = 0, .cap_ms = 10};
    ck_assert_ptr_null(backoff_new(&cfg, 1, &err));
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    cfg = (backoff_config_t){.base_ms = 20, .cap_ms = 10};
    ck_assert_ptr_null(backoff_new(&cfg, 1, &err));
    cfg = (backoff_config_t){.base_ms = 1, .cap_ms = 10, .max_attempts = -1};
    ck_assert_ptr_null(backoff_new(&cfg, 1, &err));
    cfg = (backoff_config_t){.base_ms = 1, .cap_ms = 10, .jitter = (backoff_jitter_t) 9};
    ck_assert_ptr_null(backoff_new(&cfg, 1, &err));
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("backoff");
    TCase *tc = tcase_create("backoff");
    tcase_add_test(tc, test_no_jitter_sequence);
    tcase_add_test(tc, test_full_jitter_bounds_and_spread);
    tcase_add_test(tc, test_decorrelated_bounds);
    tcase_add_test(tc, test_max_attempts);
    tcase_add_test(tc, test_seed_determinism);
    tcase_add_test(tc, test_bad_config);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
