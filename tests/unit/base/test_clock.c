/* test_clock: wall time agrees with the system's, monotonic time never goes back and measures sleeps, the ISO
 * form of known instants (epoch, negative, leap day, the header's example, a too-small buffer), and the venue
 * clock offset: midpoint arithmetic, a backwards round trip, newest sample wins, venue time now. */
#include "base/clock.h"

#include "testutil.h"

#include <string.h>
#include <time.h>

START_TEST(test_wall_agrees_with_time)
{
    time_t t0 = time(NULL);
    int64_t ms = clock_wall_ms();
    int64_t us = clock_wall_us();
    int64_t ms2 = clock_wall_ms();
    time_t t1 = time(NULL);
    ck_assert_int_ge(ms / 1000, (int64_t) t0);
    ck_assert_int_le(ms / 1000, (int64_t) t1);
    ck_assert_int_le(ms, us / 1000); /* sampled in this order: ms <= us <= ms2, at their own resolutions */
    ck_assert_int_le(us / 1000, ms2);
    ck_assert_int_gt(ms, INT64_C(1700000000000)); /* milliseconds, not seconds or microseconds */
    ck_assert_int_lt(ms, INT64_C(4102444800000)); /* before 2100 */
}
END_TEST

START_TEST(test_mono_never_goes_back)
{
    int64_t prev = clock_mono_ns();
    for (int i = 0; i < 200000; i++) {
        int64_t now = clock_mono_ns();
        ck_assert_int_ge(now, prev);
        prev = now;
    }
    int64_t ns = clock_mono_ns();
    int64_t ms = clock_mono_ms();
    int64_t ns2 = clock_mono_ns();
    ck_assert_int_le(ns / 1000000, ms); /* the same clock in other units */
    ck_assert_int_le(ms, ns2 / 1000000);
}
END_TEST

START_TEST(test_mono_measures_sleep)
{
    int64_t ns0 = clock_mono_ns();
    int64_t ms0 = clock_mono_ms();
    struct timespec d = {0, 30 * 1000000};
    while (nanosleep(&d, &d) != 0) {
    }
    int64_t dns = clock_mono_ns() - ns0;
    int64_t dms = clock_mono_ms() - ms0;
    ck_assert_int_ge(dns, INT64_C(30000000));
    ck_assert_int_lt(dns, INT64_C(5000000000)); /* a loaded machine is slow, not that slow */
    ck_assert_int_ge(dms, 29);                  /* truncation of both ends may cost one millisecond */
    ck_assert_int_lt(dms, 5000);
}
END_TEST

START_TEST(test_format_iso_known_instants)
{
    static const struct {
        int64_t ms;
        const char *iso;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {-1000, "1969-12-31T23:59:59.000Z"},
        {-1001, "1969-12-31T23:59:58.999Z"},
        {INT64_C(1709208000000), "2024-02-29T12:00:00.000Z"},
        {INT64_C(1795294247123), "2026-11-21T20:50:47.123Z"},
        {INT64_C(253402300799999), "9999-12-31T23:59:59.999Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[40];
        memset(out, '#', sizeof out);
        size_t n = clock_format_iso(cases[i].ms, out, sizeof out);
        ck_assert_str_eq(out, cases[i].iso);
        ck_assert_uint_eq(n, strlen(cases[i].iso));
    }
}
END_TEST

START_TEST(test_format_iso_buffer)
{
    char out[25];
    ck_assert_uint_eq(clock_format_iso(0, out, sizeof out), 24); /* 24 chars and the NUL: exactly fits */
    ck_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
    char small[24];
    memset(small, '#', sizeof small);
    ck_assert_uint_eq(clock_format_iso(0, small, sizeof small), 0);
    ck_assert_int_eq(small[0], '#'); /* nothing written */
    /* year 10000 needs 25 characters: refused rather than cut */
    ck_assert_uint_eq(clock_format_iso(INT64_C(253402300800000), out, sizeof out), 0);
}
END_TEST

START_TEST(test_offset_midpoint)
{
    clock_offset_t o;
    memset(&o, 0, sizeof o);
    ck_assert(!clock_offset_valid(&o));
    /* sent at 1000, replied at 1100: the venue said 6000 at our 1050 */
    clock_offset_update(&o, 1000, 6000, 1100);
    ck_assert(clock_offset_valid(&o));
    ck_assert_int_eq(o.offset_ms, 4950);
    ck_assert_int_eq(o.rtt_ms, 100);
    ck_assert_int_eq(o.synced_at_ms, 1100);
    /* a venue clock behind ours: negative offset */
    clock_offset_update(&o, 5000, 4000, 5020);
    ck_assert_int_eq(o.offset_ms, -1010);
    ck_assert_int_eq(o.rtt_ms, 20);
    /* odd round trip: the midpoint rounds down */
    clock_offset_update(&o, 100, 300, 201);
    ck_assert_int_eq(o.rtt_ms, 101);
    ck_assert_int_eq(o.offset_ms, 150);
}
END_TEST

START_TEST(test_offset_backwards_rtt_and_newest_wins)
{
    clock_offset_t o;
    memset(&o, 0, sizeof o);
    /* our wall clock stepped back during the request: no negative round trip, offset from the send time */
    clock_offset_update(&o, 2000, 2500, 1990);
    ck_assert_int_eq(o.rtt_ms, 0);
    ck_assert_int_eq(o.offset_ms, 500);
    ck_assert_int_eq(o.synced_at_ms, 1990);
    /* a good sample (rtt 2) then a worse one (rtt 400): the newest replaces it anyway (clocks drift) */
    clock_offset_update(&o, 10000, 10101, 10002);
    ck_assert_int_eq(o.offset_ms, 100);
    clock_offset_update(&o, 20000, 20000, 20400);
    ck_assert_int_eq(o.offset_ms, -200);
    ck_assert_int_eq(o.rtt_ms, 400);
    ck_assert_int_eq(o.synced_at_ms, 20400);
}
END_TEST

START_TEST(test_offset_venue_now)
{
    clock_offset_t o;
    memset(&o, 0, sizeof o);
    int64_t a = clock_wall_ms();
    int64_t v = clock_offset_venue_now(&o); /* never synced: our own clock */
    int64_t b = clock_wall_ms();
    ck_assert_int_ge(v, a);
    ck_assert_int_le(v, b);
    int64_t now = clock_wall_ms();
    clock_offset_update(&o, now - 10, now + 3600000, now + 10); /* venue an hour ahead */
    a = clock_wall_ms();
    v = clock_offset_venue_now(&o);
    b = clock_wall_ms();
    ck_assert_int_ge(v, a + 3600000);
    ck_assert_int_le(v, b + 3600000);
    clock_offset_update(&o, now, now - 1500, now); /* 1.5 s behind */
    a = clock_wall_ms();
    v = clock_offset_venue_now(&o);
    b = clock_wall_ms();
    ck_assert_int_ge(v, a - 1500);
    ck_assert_int_le(v, b - 1500);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("clock");
    tcase_add_test(tc, test_wall_agrees_with_time);
    tcase_add_test(tc, test_mono_never_goes_back);
    tcase_add_test(tc, test_mono_measures_sleep);
    tcase_add_test(tc, test_format_iso_known_instants);
    tcase_add_test(tc, test_format_iso_buffer);
    tcase_add_test(tc, test_offset_midpoint);
    tcase_add_test(tc, test_offset_backwards_rtt_and_newest_wins);
    tcase_add_test(tc, test_offset_venue_now);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
