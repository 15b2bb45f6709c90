/* test_ratelimit: buckets and windows with injected time; waits that are exact (a retry after the wait
 * passes, one ms earlier fails), several rules, venue corrections, blocks, replica shares. */
#include "base/ratelimit.h"

#include "testutil.h"

#include <stdio.h>
#include <string.h>

static ratelimit_t *s_new(int share)
{
    err_t err = {0};
    ratelimit_t *rl = ratelimit_new("test", share, &err);
    ck_assert_msg(rl != NULL, "%s", err.msg);
    return rl;
}

static void s_add(ratelimit_t *rl, const char *name, ratelimit_kind_t kind, ratelimit_unit_t unit, int64_t limit,
                  int64_t interval_ms, int64_t refill)
{
    err_t err = {0};
    ratelimit_rule_t rule = {.name = name, .kind = kind, .unit = unit, .limit = limit, .interval_ms = interval_ms,
                             .refill = refill};
    ck_assert_msg(ratelimit_add_rule(rl, &rule, &err) == 0, "%s", err.msg);
}

static int64_t s_used(ratelimit_t *rl, size_t i, int64_t now)
{
    ratelimit_usage_t u;
    ck_assert_int_eq(ratelimit_usage(rl, i, now, &u), 0);
    return u.used;
}

/* Asserts a request is refused at now with a wait w > 0, refused at now + w - 1 and admitted at now + w. */
static int64_t s_expect_wait(ratelimit_t *rl, int64_t weight, int64_t now)
{
    int64_t wait = 0;
    ck_assert_int_eq(ratelimit_try(rl, weight, now, &wait), -1);
    ck_assert_int_gt(wait, 0);
    int64_t again = 0;
    if (wait > 1) {
        ck_assert_int_eq(ratelimit_try(rl, weight, now + wait - 1, &again), -1);
        ck_assert_int_eq(again, 1);
    }
    ck_assert_int_eq(ratelimit_try(rl, weight, now + wait, &again), 0);
    return wait;
}

START_TEST(test_bucket_by_count)
{
    ratelimit_t *rl = s_new(1);
    s_add(rl, "orders-1s", RATELIMIT_BUCKET, RATELIMIT_BY_COUNT, 10, 1000, 10);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(ratelimit_try(rl, 999, 5000, NULL), 0); /* weight ignored by count rules */
    ck_assert_int_eq(s_used(rl, 0, 5000), 10);
    ck_assert_int_eq(s_expect_wait(rl, 1, 5000), 100); /* 10 per second: one token every 100 ms */
    ck_assert_int_eq(s_expect_wait(rl, 1, 5100), 100);
    /* a long pause refills to capacity, never beyond */
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(ratelimit_try(rl, 1, 60000, NULL), 0);
    ck_assert_int_eq(ratelimit_try(rl, 1, 60000, NULL), -1);
    ratelimit_destroy(&rl);
    ck_assert_ptr_null(rl);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_bucket_fractional_refill)
{
    ratelimit_t *rl = s_new(1);
    s_add(rl, "slow", RATELIMIT_BUCKET, RATELIMIT_BY_WEIGHT, 3, 1000, 3); /* one unit per 333.3 ms */
    ck_assert_int_eq(ratelimit_try(rl, 3, 0, NULL), 0);
    ck_assert_int_eq(s_expect_wait(rl, 1, 0), 334);
    /* 334 ms gave 1.002 units, 1 spent: the 0.002 carries over, so the next unit is due at 667, not 668 */
    ck_assert_int_eq(s_expect_wait(rl, 1, 334), 333);
    ck_assert_int_eq(s_expect_wait(rl, 2, 667), 667);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_window_by_weight)
{
    ratelimit_t *rl = s_new(1);
    s_add(rl, "weight-1m", RATELIMIT_WINDOW, RATELIMIT_BY_WEIGHT, 100, 60000, 0);
    ck_assert_int_eq(ratelimit_try(rl, 40, 1000, NULL), 0);
    ck_assert_int_eq(ratelimit_try(rl, 40, 20000, NULL), 0);
    ck_assert_int_eq(ratelimit_try(rl, 20, 40000, NULL), 0);
    ck_assert_int_eq(s_used(rl, 0, 40000), 100);
    int64_t wait = 0;
    ck_assert_int_eq(ratelimit_try(rl, 1, 41000, &wait), -1);
    /* the weight spent at t=1000 must count for at least a full window, and for at most one slot more */
    ck_assert_int_ge(41000 + wait, 1000 + 60000);
    ck_assert_int_le(41000 + wait, 1000 + 60000 + 60000 / 64 + 1);
    s_expect_wait(rl, 40, 41000);
    /* 40 (t=20000) + 20 (t=40000) + 40 (now) = 100 again */
    ck_assert_int_eq(ratelimit_try(rl, 1, 61000 + 1000, NULL), -1);
    ck_assert_int_eq(s_used(rl, 0, 200000), 0);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_window_short)
{
    ratelimit_t *rl = s_new(1);
    s_add(rl, "burst", RATELIMIT_WINDOW, RATELIMIT_BY_COUNT, 3, 10, 0); /* 10 slots of 1 ms */
    ck_assert_int_eq(ratelimit_try(rl, 1, 100, NULL), 0);
    ck_assert_int_eq(ratelimit_try(rl, 1, 103, NULL), 0);
    ck_assert_int_eq(ratelimit_try(rl, 1, 105, NULL), 0);
    int64_t wait = s_expect_wait(rl, 1, 106);
    ck_assert_int_ge(106 + wait, 110);
    ck_assert_int_le(106 + wait, 111);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_rules_combine_and_refusal_charges_nothing)
{
    ratelimit_t *rl = s_new(1);
    s_add(rl, "weight-1m", RATELIMIT_WINDOW, RATELIMIT_BY_WEIGHT, 1200, 60000, 0);
    s_add(rl, "orders-10s", RATELIMIT_WINDOW, RATELIMIT_BY_COUNT, 5, 10000, 0);
    ck_assert_uint_eq(ratelimit_rule_count(rl), 2);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(ratelimit_try(rl, 10, 0, NULL), 0);
    ck_assert_int_eq(s_used(rl, 0, 0), 50);
    ck_assert_int_eq(s_used(rl, 1, 0), 5);
    int64_t wait = 0;
    ck_assert_int_eq(ratelimit_try(rl, 10, 1, &wait), -1); /* the order-count rule refuses */
    ck_assert_int_ge(wait, 9999);
    ck_assert_int_eq(s_used(rl, 0, 1), 50); /* and the weight rule was not charged */
    ck_assert_int_eq(ratelimit_try(rl, 1200, 20000, &wait), -1); /* the weight rule refuses */
    ck_assert_int_eq(s_used(rl, 1, 20000), 0);
    ratelimit_usage_t u;
    ck_assert_int_eq(ratelimit_usage(rl, 1, 20000, &u), 0);
    ck_assert_str_eq(u.name, "orders-10s");
    ck_assert_int_eq(u.limit, 5);
    ck_assert_int_eq(u.kind, RATELIMIT_WINDOW);
    ck_assert_int_eq(ratelimit_usage(rl, 2, 20000, &u), -1);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_never_admissible)
{
    ratelimit_t *rl = s_new(1);
    s_add(rl, "w", RATELIMIT_WINDOW, RATELIMIT_BY_WEIGHT, 100, 1000, 0);
    s_add(rl, "b", RATELIMIT_BUCKET, RATELIMIT_BY_WEIGHT, 50, 1000, 50);
    int64_t wait = 0;
    ck_assert_int_eq(ratelimit_try(rl, 51, 0, &wait), -1);
    ck_assert_int_eq(wait, -1);
    ck_assert_int_eq(ratelimit_try(rl, RATELIMIT_MAX_UNITS * 10, 0, &wait), -1);
    ck_assert_int_eq(wait, -1);
    ck_assert_int_eq(ratelimit_try(rl, 0, 0, NULL), 0); /* weight 0 costs nothing */
    ck_assert_int_eq(ratelimit_try(rl, 50, 0, NULL), 0);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_correct_from_venue)
{
    ratelimit_t *rl = s_new(1);
    s_add(rl, "weight-1m", RATELIMIT_WINDOW, RATELIMIT_BY_WEIGHT, 1200, 60000, 0);
    s_add(rl, "orders", RATELIMIT_BUCKET, RATELIMIT_BY_COUNT, 10, 1000, 10);
    err_t err = {0};
    ck_assert_int_eq(ratelimit_try(rl, 100, 0, NULL), 0);
    /* the venue counted more (other clients on the IP): trust it */
    ck_assert_int_eq(ratelimit_correct(rl, "weight-1m", 1190, 10, &err), 0);
    ck_assert_int_eq(s_used(rl, 0, 10), 1190);
    ck_assert_int_eq(ratelimit_try(rl, 20, 10, NULL), -1);
    ck_assert_int_eq(ratelimit_try(rl, 10, 10, NULL), 0);
    /* the venue counted less (its window moved on): the oldest usage is forgotten first */
    ck_assert_int_eq(ratelimit_try(rl, 50, 30000, NULL), -1);
    ck_assert_int_eq(ratelimit_correct(rl, "weight-1m", 60, 30000, &err), 0);
    ck_assert_int_eq(s_used(rl, 0, 30000), 60);
    ck_assert_int_eq(ratelimit_try(rl, 50, 30000, NULL), 0);
    /* the 60 units left in the oldest slot expire with it, one window (plus at most a slot) after t=0 */
    ck_assert_int_eq(s_used(rl, 0, 61000), 50);
    /* a bucket: venue says 10 used of 10 */
    ck_assert_int_eq(ratelimit_correct(rl, "orders", 10, 61000, &err), 0);
    ck_assert_int_eq(s_used(rl, 1, 61000), 10);
    ck_assert_int_eq(s_expect_wait(rl, 1, 61000), 100);
    ck_assert_int_eq(ratelimit_correct(rl, "nope", 1, 61000, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_int_eq(ratelimit_correct(rl, "orders", -1, 61000, &err), -1);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_block_until)
{
    ratelimit_t *rl = s_new(1);
    ck_assert_int_eq(ratelimit_try(rl, 1, 1000, NULL), 0); /* no rules: everything passes */
    ratelimit_block_until(rl, 5000);
    ratelimit_block_until(rl, 3000); /* does not shorten */
    ck_assert_int_eq(ratelimit_blocked_until(rl), 5000);
    int64_t wait = 0;
    ck_assert_int_eq(ratelimit_try(rl, 1, 1000, &wait), -1);
    ck_assert_int_eq(wait, 4000);
    ck_assert_int_eq(ratelimit_try(rl, 1, 4999, &wait), -1);
    ck_assert_int_eq(wait, 1);
    ck_assert_int_eq(ratelimit_try(rl, 1, 5000, &wait), 0);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_block_combines_with_rules)
{
    ratelimit_t *rl = s_new(1);
    s_add(rl, "w", RATELIMIT_WINDOW, RATELIMIT_BY_COUNT, 1, 10000, 0);
    ck_assert_int_eq(ratelimit_try(rl, 1, 0, NULL), 0);
    ratelimit_block_until(rl, 2000);
    int64_t wait = 0;
    ck_assert_int_eq(ratelimit_try(rl, 1, 0, &wait), -1);
    ck_assert_int_ge(wait, 10000); /* the longer of the block and the rule */
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_share_splits_budget)
{
    ratelimit_t *rl = s_new(3);
    s_add(rl, "weight-1m", RATELIMIT_WINDOW, RATELIMIT_BY_WEIGHT, 1200, 60000, 0);
    int admitted = 0;
    while (ratelimit_try(rl, 10, 0, NULL) == 0)
        admitted++;
    ck_assert_int_eq(admitted, 40); /* 400 weight: a third of 1200 */
    ck_assert_int_eq(s_used(rl, 0, 0), 1200);
    ratelimit_destroy(&rl);

    rl = s_new(4);
    s_add(rl, "b", RATELIMIT_BUCKET, RATELIMIT_BY_COUNT, 10, 1000, 10);
    admitted = 0;
    while (ratelimit_try(rl, 1, 0, NULL) == 0)
        admitted++;
    ck_assert_int_eq(admitted, 2); /* 2.5 each: 2 now, and the refill rate is a quarter too */
    ck_assert_int_eq(s_expect_wait(rl, 1, 0), 200);
    ck_assert_int_eq(s_expect_wait(rl, 1, 200), 400);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_time_never_goes_back)
{
    ratelimit_t *rl = s_new(1);
    s_add(rl, "b", RATELIMIT_BUCKET, RATELIMIT_BY_COUNT, 1, 1000, 1);
    ck_assert_int_eq(ratelimit_try(rl, 1, 10000, NULL), 0);
    int64_t wait = 0;
    ck_assert_int_eq(ratelimit_try(rl, 1, 500, &wait), -1); /* treated as t=10000 */
    ck_assert_int_eq(wait, 1000);
    ratelimit_destroy(&rl);
}
END_TEST

START_TEST(test_bad_config)
{
    err_t err = {0};
    ck_assert_ptr_null(ratelimit_new("x", 0, &err));
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_ptr_null(ratelimit_new("x", RATELIMIT_MAX_SHARE + 1, &err));
    ratelimit_t *rl = s_new(1);
    ratelimit_rule_t ok = {.name = "a", .kind = RATELIMIT_BUCKET, .limit = 1, .interval_ms = 1, .refill = 1};
    ratelimit_rule_t bad = ok;
    bad.limit = 0;
    ck_assert_int_eq(ratelimit_add_rule(rl, &bad, &err), -1);
    bad = ok;
    bad.interval_ms = RATELIMIT_MAX_INTERVAL_MS + 1;
    ck_assert_int_eq(ratelimit_add_rule(rl, &bad, &err), -1);
    bad = ok;
    bad.refill = 0;
    ck_assert_int_eq(ratelimit_add_rule(rl, &bad, &err), -1);
    bad = ok;
    bad.name = "";
    ck_assert_int_eq(ratelimit_add_rule(rl, &bad, &err), -1);
    bad.name = "a-name-that-is-far-too-long-for-the-field";
    ck_assert_int_eq(ratelimit_add_rule(rl, &bad, &err), -1);
    ck_assert_uint_eq(ratelimit_rule_count(rl), 0);
    ck_assert_int_eq(ratelimit_add_rule(rl, &ok, &err), 0);
    ck_assert_int_eq(ratelimit_add_rule(rl, &ok, &err), -1); /* duplicate name */
    ck_assert_ptr_nonnull(strstr(err.msg, "duplicate"));
    char names[RATELIMIT_MAX_RULES][8];
    for (int i = 1; i < RATELIMIT_MAX_RULES; i++) {
        snprintf(names[i], sizeof names[i], "r%d", i);
        ratelimit_rule_t r = ok;
        r.name = names[i];
        ck_assert_int_eq(ratelimit_add_rule(rl, &r, &err), 0);
    }
    ratelimit_rule_t extra = ok;
    extra.name = "extra";
    ck_assert_int_eq(ratelimit_add_rule(rl, &extra, &err), -1);
    ck_assert_uint_eq(ratelimit_rule_count(rl), RATELIMIT_MAX_RULES);
    ratelimit_destroy(&rl);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("ratelimit");
    tcase_add_test(tc, test_bucket_by_count);
    tcase_add_test(tc, test_bucket_fractional_refill);
    tcase_add_test(tc, test_window_by_weight);
    tcase_add_test(tc, test_window_short);
    tcase_add_test(tc, test_rules_combine_and_refusal_charges_nothing);
    tcase_add_test(tc, test_never_admissible);
    tcase_add_test(tc, test_correct_from_venue);
    tcase_add_test(tc, test_block_until);
    tcase_add_test(tc, test_block_combines_with_rules);
    tcase_add_test(tc, test_share_splits_budget);
    tcase_add_test(tc, test_time_never_goes_back);
    tcase_add_test(tc, test_bad_config);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
