/* bus_loop: one loop over a real ZeroMQ socket and a raw pipe fd, periodic and one-shot timers, stop from a
 * handler, failure from a handler, removal of an item from its own handler, bounded registration. */
#include "bus/bus_loop.h"
#include "bus/bus_sock.h"
#include "testutil.h"

#include "base/clock.h"

#include <unistd.h>

typedef struct {
    int fd_calls;
    int sock_calls;
    int ticks;
    int once;
    int cancelled;
    char last;
} s_ctx_t;

static int s_on_fd(bus_loop_t *loop, int fd, short revents, void *arg)
{
    (void) loop;
    s_ctx_t *c = arg;
    ck_assert(revents & ZMQ_POLLIN);
    ck_assert_int_eq(read(fd, &c->last, 1), 1);
    c->fd_calls++;
    return 0;
}

START_TEST(raw_fd_wakes_the_loop)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    s_ctx_t c = {0};
    bus_loop_t *loop = bus_loop_new();
    ck_assert_int_eq(bus_loop_add_fd(loop, p[0], ZMQ_POLLIN, s_on_fd, &c, NULL), 0);
    /* Nothing ready: the round times out after about the timeout. */
    int64_t t0 = clock_mono_ms();
    ck_assert_int_eq(bus_loop_run_once(loop, 30), 0);
    ck_assert_int_ge(clock_mono_ms() - t0, 25);
    ck_assert_int_eq(c.fd_calls, 0);
    ck_assert_int_eq(write(p[1], "z", 1), 1);
    ck_assert_int_eq(bus_loop_run_once(loop, 1000), 0);
    ck_assert_int_eq(c.fd_calls, 1);
    ck_assert_int_eq(c.last, 'z');
    /* Removed: a ready fd no longer calls back. */
    bus_loop_remove_fd(loop, p[0]);
    ck_assert_int_eq(write(p[1], "y", 1), 1);
    ck_assert_int_eq(bus_loop_run_once(loop, 20), 0);
    ck_assert_int_eq(c.fd_calls, 1);
    bus_loop_destroy(&loop);
    ck_assert_ptr_null(loop);
    close(p[0]);
    close(p[1]);
}
END_TEST

static int s_on_sock_stop(bus_loop_t *loop, zsock_t *sock, void *arg)
{
    s_ctx_t *c = arg;
    char *s = zstr_recv(sock);
    ck_assert_str_eq(s, "hello");
    zstr_free(&s);
    c->sock_calls++;
    bus_loop_remove_sock(loop, sock); /* removing itself while dispatching is fine */
    bus_loop_stop(loop);
    return 0;
}

START_TEST(socket_and_stop)
{
    zsock_t *a = bus_sock_new(ZMQ_PAIR, "@inproc://loop-pair", NULL, NULL);
    zsock_t *b = bus_sock_new(ZMQ_PAIR, ">inproc://loop-pair", NULL, NULL);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    s_ctx_t c = {0};
    bus_loop_t *loop = bus_loop_new();
    ck_assert_int_eq(bus_loop_add_sock(loop, a, s_on_sock_stop, &c, NULL), 0);
    err_t err = {0};
    ck_assert_int_eq(bus_loop_add_sock(loop, a, s_on_sock_stop, &c, &err), -1); /* twice */
    zstr_send(b, "hello");
    ck_assert_int_eq(bus_loop_run(loop), 0);
    ck_assert_int_eq(c.sock_calls, 1);
    bus_loop_destroy(&loop);
    zsock_destroy(&b);
    zsock_destroy(&a);
}
END_TEST

static int s_tick(bus_loop_t *loop, int id, void *arg)
{
    (void) id;
    s_ctx_t *c = arg;
    if (++c->ticks == 5)
        bus_loop_stop(loop);
    return 0;
}

static int s_once(bus_loop_t *loop, int id, void *arg)
{
    (void) loop;
    (void) id;
    ((s_ctx_t *) arg)->once++;
    return 0;
}

static int s_never(bus_loop_t *loop, int id, void *arg)
{
    (void) loop;
    (void) id;
    ((s_ctx_t *) arg)->cancelled++;
    return 0;
}

START_TEST(timers)
{
    s_ctx_t c = {0};
    bus_loop_t *loop = bus_loop_new();
    int64_t t0 = clock_mono_ms();
    ck_assert_int_gt(bus_loop_add_timer(loop, 10, 10, s_tick, &c), 0);
    ck_assert_int_gt(bus_loop_add_timer(loop, 5, 0, s_once, &c), 0);
    int never = bus_loop_add_timer(loop, 20, 0, s_never, &c);
    bus_loop_cancel_timer(loop, never);
    ck_assert_int_eq(bus_loop_run(loop), 0);
    int64_t took = clock_mono_ms() - t0;
    ck_assert_int_eq(c.ticks, 5);
    ck_assert_int_eq(c.once, 1);
    ck_assert_int_eq(c.cancelled, 0);
    ck_assert_int_ge(took, 45); /* 5 ticks 10 ms apart, first after 10 ms */
    bus_loop_destroy(&loop);
}
END_TEST

START_TEST(timer_slots_bounded)
{
    s_ctx_t c = {0};
    bus_loop_t *loop = bus_loop_new();
    for (int i = 0; i < BUS_LOOP_TIMERS; i++)
        ck_assert_int_gt(bus_loop_add_timer(loop, 1000, 0, s_never, &c), 0);
    ck_assert_int_eq(bus_loop_add_timer(loop, 1000, 0, s_never, &c), -1);
    bus_loop_destroy(&loop);
}
END_TEST

static int s_fail(bus_loop_t *loop, int id, void *arg)
{
    (void) loop;
    (void) id;
    (void) arg;
    return -1;
}

START_TEST(handler_failure_stops_with_error)
{
    bus_loop_t *loop = bus_loop_new();
    ck_assert_int_gt(bus_loop_add_timer(loop, 0, 0, s_fail, NULL), 0);
    ck_assert_int_eq(bus_loop_run(loop), -1);
    bus_loop_destroy(&loop);
}
END_TEST

START_TEST(items_bounded)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    bus_loop_t *loop = bus_loop_new();
    s_ctx_t c = {0};
    err_t err = {0};
    for (int i = 0; i < BUS_LOOP_ITEMS; i++) {
        int fd = dup(p[0]);
        ck_assert_int_eq(bus_loop_add_fd(loop, fd, ZMQ_POLLIN, s_on_fd, &c, &err), 0);
    }
    int fd = dup(p[0]);
    ck_assert_int_eq(bus_loop_add_fd(loop, fd, ZMQ_POLLIN, s_on_fd, &c, &err), -1);
    ck_assert_int_eq(err.code, XR_INTERNAL);
    close(fd);
    bus_loop_destroy(&loop);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("bus_loop");
    TCase *tc = tcase_create("loop");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, raw_fd_wakes_the_loop);
    tcase_add_test(tc, socket_and_stop);
    tcase_add_test(tc, timers);
    tcase_add_test(tc, timer_slots_bounded);
    tcase_add_test(tc, handler_failure_stops_with_error);
    tcase_add_test(tc, items_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(s_suite());
}
