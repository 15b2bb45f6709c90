/* test_buf: the bounded buffer's hard maximum (exactly max fits, one byte more fails and changes nothing, for
 * every append form), growth keeping the bytes and the NUL, binary data, reset keeping memory, and release
 * leaving a reusable buffer under the same maximum. */
#include "base/buf.h"

#include "testutil.h"

#include <string.h>

/* Asserts b is unchanged from (len, cap, data, text). */
static void s_same(const buf_t *b, size_t len, size_t cap, const char *data, const char *text)
{
    ck_assert_uint_eq(b->len, len);
    ck_assert_uint_eq(b->cap, cap);
    ck_assert_ptr_eq(b->data, data);
    ck_assert_str_eq(buf_cstr(b), text);
}

START_TEST(test_init_allocates_nothing)
{
    buf_t b;
    memset(&b, 0x5a, sizeof b);
    buf_init(&b, 100);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    ck_assert_uint_eq(b.max, 100);
    ck_assert_str_eq(buf_cstr(&b), "");
    buf_release(&b);
    buf_release(&b); /* idempotent */
}
END_TEST

START_TEST(test_exact_max_then_refused)
{
    buf_t b;
    buf_init(&b, 10);
    ck_assert_int_eq(buf_puts(&b, "0123456"), 0);
    ck_assert_int_eq(buf_append(&b, "789", 3), 0); /* exactly max */
    ck_assert_uint_eq(b.len, 10);
    ck_assert_str_eq(buf_cstr(&b), "0123456789");
    size_t cap = b.cap;
    const char *data = b.data;
    ck_assert_int_eq(buf_putc(&b, 'x'), -1);
    s_same(&b, 10, cap, data, "0123456789");
    ck_assert_int_eq(buf_puts(&b, "y"), -1);
    s_same(&b, 10, cap, data, "0123456789");
    ck_assert_int_eq(buf_append(&b, "zz", 2), -1);
    s_same(&b, 10, cap, data, "0123456789");
    ck_assert_int_eq(buf_printf(&b, "%d", 7), -1);
    s_same(&b, 10, cap, data, "0123456789");
    ck_assert_int_eq(buf_append(&b, "", 0), 0); /* nothing more always fits */
    s_same(&b, 10, cap, data, "0123456789");
    buf_release(&b);
}
END_TEST

START_TEST(test_refused_append_is_all_or_nothing)
{
    buf_t b;
    buf_init(&b, 8);
    ck_assert_int_eq(buf_puts(&b, "abc"), 0);
    size_t cap = b.cap;
    const char *data = b.data;
    ck_assert_int_eq(buf_puts(&b, "defghi"), -1); /* 9 > 8: not even the part that would fit */
    s_same(&b, 3, cap, data, "abc");
    ck_assert_int_eq(buf_printf(&b, "%s-%d", "de", 12345), -1); /* "de-12345" is 8 bytes: 11 > 8 */
    s_same(&b, 3, cap, data, "abc");
    ck_assert_int_eq(buf_printf(&b, "%s%d", "de", 123), 0); /* 3 + 5 = 8 */
    ck_assert_str_eq(buf_cstr(&b), "abcde123");
    buf_release(&b);
}
END_TEST

START_TEST(test_max_zero)
{
    buf_t b;
    buf_init(&b, 0);
    ck_assert_int_eq(buf_putc(&b, 'a'), -1);
    ck_assert_int_eq(buf_printf(&b, "x"), -1);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(buf_cstr(&b), "");
    ck_assert_int_eq(buf_printf(&b, "%s", ""), 0);
    ck_assert_str_eq(buf_cstr(&b), "");
    buf_release(&b);
}
END_TEST

START_TEST(test_growth_keeps_bytes)
{
    buf_t b;
    buf_init(&b, 1 << 20);
    size_t last_cap = 0;
    int grew = 0;
    for (int i = 0; i < 20000; i++) {
        ck_assert_int_eq(buf_putc(&b, (char) ('a' + i % 26)), 0);
        ck_assert_uint_ge(b.cap, b.len + 1); /* room for the NUL, always */
        ck_assert_int_eq(b.data[b.len], '\0');
        if (b.cap != last_cap) {
            grew++;
            last_cap = b.cap;
        }
    }
    ck_assert_uint_eq(b.len, 20000);
    ck_assert_int_le(grew, 12); /* geometric growth: a few reallocations for 20,000 appends, not thousands */
    ck_assert_uint_le(b.cap, 2 * 20001);
    for (size_t i = 0; i < b.len; i++)
        ck_assert_int_eq(b.data[i], 'a' + (int) (i % 26));
    /* one large printf grows in one step and keeps what was there */
    char big[5000];
    memset(big, 'Q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(buf_printf(&b, "[%s]", big), 0);
    ck_assert_uint_eq(b.len, 20000 + 5001);
    ck_assert_int_eq(b.data[19999], 'a' + 19999 % 26);
    ck_assert_int_eq(b.data[20000], '[');
    ck_assert_int_eq(b.data[b.len - 1], ']');
    ck_assert_uint_eq(strlen(buf_cstr(&b)), b.len);
    buf_release(&b);
}
END_TEST

START_TEST(test_binary_bytes)
{
    buf_t b;
    buf_init(&b, 64);
    const char bytes[] = {'a', '\0', 'b', '\xff', '\0'};
    ck_assert_int_eq(buf_append(&b, bytes, sizeof bytes), 0);
    ck_assert_uint_eq(b.len, sizeof bytes); /* length counts embedded NULs */
    ck_assert_int_eq(memcmp(b.data, bytes, sizeof bytes), 0);
    ck_assert_int_eq(b.data[b.len], '\0');
    buf_release(&b);
}
END_TEST

START_TEST(test_reset_keeps_memory)
{
    buf_t b;
    buf_init(&b, 1000);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(buf_printf(&b, "%03d,", i), 0);
    ck_assert_uint_eq(b.len, 400);
    size_t cap = b.cap;
    const char *data = b.data;
    buf_reset(&b);
    s_same(&b, 0, cap, data, "");
    ck_assert_int_eq(buf_puts(&b, "again"), 0);
    ck_assert_ptr_eq(b.data, data); /* no new allocation for what fits */
    ck_assert_str_eq(buf_cstr(&b), "again");
    /* the maximum still applies after a reset */
    buf_reset(&b);
    char fill[1001];
    memset(fill, 'f', 1000);
    fill[1000] = '\0';
    ck_assert_int_eq(buf_puts(&b, fill), 0);
    ck_assert_int_eq(buf_putc(&b, 'g'), -1);
    buf_release(&b);
}
END_TEST

START_TEST(test_release_then_reuse)
{
    buf_t b;
    buf_init(&b, 4);
    ck_assert_int_eq(buf_puts(&b, "abcd"), 0);
    buf_release(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    ck_assert_str_eq(buf_cstr(&b), "");
    buf_reset(&b); /* on a released buffer: still empty, no crash */
    ck_assert_int_eq(buf_puts(&b, "wxyz"), 0); /* reusable, under the same maximum */
    ck_assert_int_eq(buf_putc(&b, '!'), -1);
    ck_assert_str_eq(buf_cstr(&b), "wxyz");
    buf_release(&b);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, test_init_allocates_nothing);
    tcase_add_test(tc, test_exact_max_then_refused);
    tcase_add_test(tc, test_refused_append_is_all_or_nothing);
    tcase_add_test(tc, test_max_zero);
    tcase_add_test(tc, test_growth_keeps_bytes);
    tcase_add_test(tc, test_binary_bytes);
    tcase_add_test(tc, test_reset_keeps_memory);
    tcase_add_test(tc, test_release_then_reuse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
