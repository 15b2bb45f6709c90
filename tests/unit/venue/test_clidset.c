/* test_clidset: membership, duplicates, FIFO eviction at the bound, and many ids through a small set. */
#include "testutil.h"
#include "venue/clidset.h"

#include <check.h>
#include <stdio.h>

START_TEST(test_add_has)
{
    clidset_t *s = clidset_new(4);
    ck_assert(!clidset_has(s, "a"));
    clidset_add(s, "a");
    clidset_add(s, "a");
    clidset_add(s, "");
    ck_assert(clidset_has(s, "a"));
    ck_assert(!clidset_has(s, "b"));
    ck_assert_uint_eq(clidset_count(s), 1);
    clidset_destroy(&s);
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_fifo_eviction)
{
    clidset_t *s = clidset_new(3);
    clidset_add(s, "a");
    clidset_add(s, "b");
    clidset_add(s, "c");
    clidset_add(s, "d"); /* evicts a */
    ck_assert(!clidset_has(s, "a"));
    ck_assert(clidset_has(s, "b") && clidset_has(s, "c") && clidset_has(s, "d"));
    ck_assert_uint_eq(clidset_count(s), 3);
    clidset_destroy(&s);
}
END_TEST

START_TEST(test_many)
{
    clidset_t *s = clidset_new(1000);
    char id[40];
    for (int i = 0; i < 100000; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        clidset_add(s, id);
    }
    for (int i = 0; i < 100000; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        ck_assert_msg(clidset_has(s, id) == (i >= 99000), "id %d", i);
    }
    clidset_destroy(&s);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("clidset");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_add_has);
    tcase_add_test(tc, test_fifo_eviction);
    tcase_add_test(tc, test_many);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
