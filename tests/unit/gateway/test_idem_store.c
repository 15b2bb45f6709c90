/* idem_store: ids remembered within the window, across reopen (a gateway restart), states updated, expiry
 * and journal truncation that never forgets a live id. */
#include "gateway/idem_store.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define HOUR (3600 * 1000LL)

static const char *s_path(const char *name)
{
    static char path[1400];
    snprintf(path, sizeof path, "%s/idem.journal", tu_scratch_dir(name));
    return path;
}

START_TEST(test_admit_lookup_update_reopen)
{
    const char *path = s_path("reopen");
    err_t err = {0};
    idem_store_t *s = idem_store_open(path, 24 * HOUR, 1000, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    idem_entry_t e;
    ck_assert(!idem_store_lookup(s, "default", "abc", 1000, &e));
    ck_assert_int_eq(idem_store_admit(s, "default", "abc", 1000, &err), 0);
    ck_assert(idem_store_lookup(s, "default", "abc", 2000, &e));
    ck_assert(!e.has_state);
    ck_assert_int_eq(e.first_seen_ms, 1000);
    ck_assert(!idem_store_lookup(s, "other", "abc", 2000, &e)); /* accounts are separate */
    ck_assert_int_eq(idem_store_update(s, "default", "abc", "STATE-1", 7, &err), 0);
    ck_assert_int_eq(idem_store_update(s, "default", "abc", "STATE-2!", 8, &err), 0);
    ck_assert_int_eq(idem_store_update(s, "default", "nobody", "X", 1, &err), 0); /* ignored */
    ck_assert_int_eq(idem_store_flush(s, &err), 0);
    idem_store_destroy(&s);
    ck_assert_ptr_null(s);

    s = idem_store_open(path, 24 * HOUR, 5000, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    ck_assert_uint_eq(idem_store_size(s), 1);
    ck_assert(idem_store_lookup(s, "default", "abc", 5000, &e));
    ck_assert(e.has_state);
    ck_assert_uint_eq(e.state_len, 8);
    ck_assert_int_eq(memcmp(e.state, "STATE-2!", 8), 0);
    ck_assert_int_eq(e.first_seen_ms, 1000);
    ck_assert(!idem_store_lookup(s, "default", "nobody", 5000, &e));
    idem_store_destroy(&s);
}
END_TEST

START_TEST(test_window_and_truncation)
{
    const char *path = s_path("window");
    err_t err = {0};
    idem_store_t *s = idem_store_open(path, 10 * HOUR, 0, &err);
    ck_assert_ptr_nonnull(s);
    char id[32];
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "old-%d", i);
        ck_assert_int_eq(idem_store_admit(s, "default", id, i, &err), 0);
        ck_assert_int_eq(idem_store_update(s, "default", id, "S", 1, &err), 0);
    }
    ck_assert_int_eq(idem_store_admit(s, "default", "young", 5 * HOUR, &err), 0);
    ck_assert_int_eq(idem_store_flush(s, &err), 0);
    idem_entry_t e;
    /* past the window an id is not remembered, even before expiry runs */
    ck_assert(!idem_store_lookup(s, "default", "old-0", 10 * HOUR + 1, &e));
    ck_assert_int_eq(idem_store_expire(s, 10 * HOUR + 100, &err), 0);
    ck_assert_uint_eq(idem_store_size(s), 1);
    /* the young id updated after truncation survives a reopen */
    ck_assert_int_eq(idem_store_update(s, "default", "young", "FILLED", 6, &err), 0);
    ck_assert_int_eq(idem_store_flush(s, &err), 0);
    idem_store_destroy(&s);
    s = idem_store_open(path, 10 * HOUR, 10 * HOUR + 200, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    ck_assert_uint_eq(idem_store_size(s), 1);
    ck_assert(idem_store_lookup(s, "default", "young", 10 * HOUR + 200, &e));
    ck_assert(e.has_state);
    ck_assert_int_eq(memcmp(e.state, "FILLED", 6), 0);
    ck_assert_int_eq(e.first_seen_ms, 5 * HOUR);
    /* an expired id can be used again */
    ck_assert_int_eq(idem_store_admit(s, "default", "old-1", 10 * HOUR + 300, &err), 0);
    ck_assert(idem_store_lookup(s, "default", "old-1", 10 * HOUR + 300, &e));
    ck_assert(!e.has_state);
    idem_store_destroy(&s);
}
END_TEST

/* Changes are journaled in batches: many admissions and large updates (more than one batch record holds)
 * all come back after a reopen, each with its newest state, and a batch of one is read back too. */
START_TEST(test_batches_reopen)
{
    const char *path = s_path("batches");
    err_t err = {0};
    idem_store_t *s = idem_store_open(path, 24 * HOUR, 1000, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    static char state[IDEM_STATE_MAX];
    char id[32];
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "big-%d", i);
        ck_assert_int_eq(idem_store_admit(s, "default", id, 1000 + i, &err), 0);
        memset(state, 'a' + i % 26, sizeof state);
        ck_assert_int_eq(idem_store_update(s, "default", id, "old", 3, &err), 0);
        ck_assert_int_eq(idem_store_update(s, "default", id, state, sizeof state, &err), 0);
    }
    ck_assert_int_eq(idem_store_write(s, &err), 0);
    ck_assert_int_eq(idem_store_write(s, &err), 0); /* nothing left: no-op */
    ck_assert_int_eq(idem_store_admit(s, "default", "single", 5000, &err), 0);
    ck_assert_int_eq(idem_store_flush(s, &err), 0);
    idem_store_destroy(&s);

    s = idem_store_open(path, 24 * HOUR, 6000, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    ck_assert_uint_eq(idem_store_size(s), 61);
    idem_entry_t e;
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "big-%d", i);
        ck_assert(idem_store_lookup(s, "default", id, 6000, &e));
        ck_assert_int_eq(e.first_seen_ms, 1000 + i);
        ck_assert(e.has_state);
        ck_assert_uint_eq(e.state_len, sizeof state);
        ck_assert_int_eq(e.state[0], 'a' + i % 26);
        ck_assert_int_eq(e.state[sizeof state - 1], 'a' + i % 26);
    }
    ck_assert(idem_store_lookup(s, "default", "single", 6000, &e));
    ck_assert(!e.has_state);
    idem_store_destroy(&s);
}
END_TEST

START_TEST(test_unwritable_path)
{
    err_t err = {0};
    ck_assert_ptr_null(idem_store_open("/proc/definitely/not/here/idem", HOUR, 0, &err));
    ck_assert_int_ne(err.code, XR_OK);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("idem_store");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_admit_lookup_update_reopen);
    tcase_add_test(tc, test_window_and_truncation);
    tcase_add_test(tc, test_batches_reopen);
    tcase_add_test(tc, test_unwritable_path);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
