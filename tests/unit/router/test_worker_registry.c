/* worker_registry: registration, least-outstanding choice, capacity, expiry with callbacks, replica counts. */
#include "router/worker_registry.h"
#include "testutil.h"

#include <string.h>

static worker_t *s_reg(worker_registry_t *r, const char *id, const char *venue, const char *inst, uint32_t cap,
                       int64_t now, bool *is_new)
{
    return worker_registry_register(r, (const uint8_t *) id, strlen(id), venue, "default", inst, cap, now, is_new);
}

START_TEST(test_least_outstanding)
{
    worker_registry_t *r = worker_registry_new(3000);
    bool is_new;
    worker_t *a = s_reg(r, "A", "binance", "b-1", 2, 0, &is_new);
    ck_assert(is_new);
    worker_t *b = s_reg(r, "B", "binance", "b-2", 2, 0, &is_new);
    s_reg(r, "C", "bybit", "y-1", 8, 0, &is_new);
    size_t live = 0;
    worker_t *p = worker_registry_pick(r, "binance", "default", &live);
    ck_assert_uint_eq(live, 2);
    ck_assert_ptr_eq(p, a);
    a->inflight = 1;
    ck_assert_ptr_eq(worker_registry_pick(r, "binance", "default", NULL), b);
    b->inflight = 2; /* b full */
    ck_assert_ptr_eq(worker_registry_pick(r, "binance", "default", NULL), a);
    a->inflight = 2; /* both full */
    ck_assert_ptr_null(worker_registry_pick(r, "binance", "default", &live));
    ck_assert_uint_eq(live, 2);
    ck_assert_ptr_null(worker_registry_pick(r, "coindcx", "default", &live));
    ck_assert_uint_eq(live, 0);
    ck_assert_ptr_null(worker_registry_pick(r, "binance", "other", NULL));
    worker_registry_destroy(&r);
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_reregister_same_instance_new_identity)
{
    worker_registry_t *r = worker_registry_new(3000);
    bool is_new;
    worker_t *a = s_reg(r, "A", "binance", "b-1", 4, 0, &is_new);
    a->inflight = 3;
    worker_t *a2 = s_reg(r, "A2", "binance", "b-1", 4, 10, &is_new);
    ck_assert(!is_new);
    ck_assert_ptr_eq(a, a2);
    ck_assert_uint_eq(a2->inflight, 3);
    ck_assert_uint_eq(worker_registry_size(r), 1);
    ck_assert_ptr_null(worker_registry_find(r, (const uint8_t *) "A", 1));
    ck_assert_ptr_eq(worker_registry_find(r, (const uint8_t *) "A2", 2), a2);
    worker_registry_destroy(&r);
}
END_TEST

static void s_on_drop(const worker_t *w, void *ctx)
{
    char *names = ctx;
    strncat(names, w->instance, 63 - strlen(names));
}

START_TEST(test_expire)
{
    worker_registry_t *r = worker_registry_new(3000);
    bool is_new;
    s_reg(r, "A", "binance", "a", 4, 0, &is_new);
    worker_t *b = s_reg(r, "B", "binance", "b", 4, 0, &is_new);
    s_reg(r, "C", "binance", "c", 4, 0, &is_new);
    b->last_seen_ms = 2500;
    char names[64] = "";
    ck_assert_uint_eq(worker_registry_expire(r, 3000, s_on_drop, names), 0);
    ck_assert_uint_eq(worker_registry_expire(r, 3001, s_on_drop, names), 2);
    ck_assert_str_eq(names, "ac");
    ck_assert_uint_eq(worker_registry_size(r), 1);
    ck_assert_str_eq(worker_registry_at(r, 0)->instance, "b");
    ck_assert_ptr_null(worker_registry_at(r, 1));
    worker_registry_destroy(&r);
}
END_TEST

/* Replicas of one (venue, account), full ones included; other venues and accounts apart; the count follows
 * re-registration (no double count) and expiry. */
START_TEST(test_count_replicas)
{
    worker_registry_t *r = worker_registry_new(3000);
    bool is_new;
    ck_assert_uint_eq(worker_registry_count(r, "binance", "default"), 0);
    worker_t *a = s_reg(r, "A", "binance", "b-1", 1, 0, &is_new);
    s_reg(r, "B", "binance", "b-2", 1, 0, &is_new);
    s_reg(r, "C", "bybit", "y-1", 1, 0, &is_new);
    worker_registry_register(r, (const uint8_t *) "D", 1, "binance", "other", "b-9", 1, 0, &is_new);
    a->inflight = 1; /* full: still a replica sharing the budget */
    ck_assert_uint_eq(worker_registry_count(r, "binance", "default"), 2);
    ck_assert_uint_eq(worker_registry_count(r, "binance", "other"), 1);
    ck_assert_uint_eq(worker_registry_count(r, "bybit", "default"), 1);
    ck_assert_uint_eq(worker_registry_count(r, "coindcx", "default"), 0);
    s_reg(r, "A2", "binance", "b-1", 1, 100, &is_new); /* b-1 again under a new routing id */
    ck_assert_uint_eq(worker_registry_count(r, "binance", "default"), 2);
    s_reg(r, "E", "binance", "b-3", 1, 100, &is_new);
    ck_assert_uint_eq(worker_registry_count(r, "binance", "default"), 3);
    worker_registry_expire(r, 3050, NULL, NULL); /* b-2 (and the others seen at 0) silent too long */
    ck_assert_uint_eq(worker_registry_count(r, "binance", "default"), 2);
    ck_assert_uint_eq(worker_registry_count(r, "bybit", "default"), 0);
    worker_registry_destroy(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("worker_registry");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_least_outstanding);
    tcase_add_test(tc, test_reregister_same_instance_new_identity);
    tcase_add_test(tc, test_expire);
    tcase_add_test(tc, test_count_replicas);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
