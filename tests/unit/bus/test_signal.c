/* bus_signal: a real SIGTERM sent from another thread while the loop blocks in zmq_poll with no timeout
 * wakes it at once (self-pipe) and makes bus_loop_run return 0; SIGINT sets the flag too; raise/reset. */
#include "bus/bus_loop.h"
#include "bus/bus_signal.h"
#include "testutil.h"

#include "base/clock.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

static void *s_kill_later(void *arg)
{
    usleep(50 * 1000);
    kill(getpid(), *(int *) arg);
    return NULL;
}

static void s_stop_by(int sig)
{
    ck_assert_int_eq(bus_signal_install(NULL), 0);
    ck_assert_int_eq(bus_signal_install(NULL), 0); /* idempotent */
    bus_signal_reset();
    ck_assert(!bus_signal_interrupted());
    ck_assert_int_ge(bus_signal_fd(), 0);
    bus_loop_t *loop = bus_loop_new();
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, s_kill_later, &sig), 0);
    int64_t t0 = clock_mono_ms();
    ck_assert_int_eq(bus_loop_run(loop), 0); /* nothing registered, no timeout: only the signal ends it */
    ck_assert_int_lt(clock_mono_ms() - t0, 5000);
    ck_assert(bus_signal_interrupted());
    pthread_join(t, NULL);
    bus_loop_destroy(&loop);
}

START_TEST(sigterm_stops_a_blocked_loop)
{
    s_stop_by(SIGTERM);
}
END_TEST

START_TEST(sigint_stops_a_blocked_loop)
{
    s_stop_by(SIGINT);
}
END_TEST

START_TEST(raise_and_reset)
{
    ck_assert_int_eq(bus_signal_install(NULL), 0);
    bus_signal_reset();
    bus_loop_t *loop = bus_loop_new();
    bus_signal_raise();
    ck_assert(bus_signal_interrupted());
    ck_assert_int_eq(bus_loop_run_once(loop, 1000), -1);
    bus_signal_reset();
    ck_assert(!bus_signal_interrupted());
    ck_assert_int_eq(bus_loop_run_once(loop, 10), 0);
    bus_loop_destroy(&loop);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("bus_signal");
    TCase *tc = tcase_create("signal");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, sigterm_stops_a_blocked_loop);
    tcase_add_test(tc, sigint_stops_a_blocked_loop);
    tcase_add_test(tc, raise_and_reset);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
