/* bus_pump: real inproc PAIR sockets in a real bus_loop. A message wakes the pump through the socket's
 * descriptor and is drained; a socket marked dirty is drained without a wake-up; a pump cut short after
 * max_passes resumes from a timer; the after hook runs once per pump. */
#include "bus/bus_pump.h"
#include "testutil.h"

#include <czmq.h>

typedef struct {
    bus_pump_t *pump;
    zsock_t *rx;
    int received;    /* messages drained */
    int drains;      /* drain calls */
    int afters;      /* after-hook calls */
    int batch;       /* messages taken per drain call at most */
} s_ctx_t;

static void s_drain(void *arg)
{
    s_ctx_t *c = arg;
    c->drains++;
    for (int i = 0; i < c->batch; i++) {
        zmsg_t *m = zmsg_recv_nowait(c->rx);
        if (!m) {
            bus_pump_clean(c->pump, 1);
            return;
        }
        zmsg_destroy(&m);
        c->received++;
    }
}

static void s_after(void *arg)
{
    ((s_ctx_t *) arg)->afters++;
}

static void s_pair(const char *ep, zsock_t **rx, zsock_t **tx)
{
    *rx = zsock_new_pair(ep);  /* '@' bind by default */
    *tx = zsock_new_pair(ep[0] == '@' ? ep + 1 : ep);
    ck_assert_ptr_nonnull(*rx);
    ck_assert_ptr_nonnull(*tx);
}

static void s_send(zsock_t *tx, int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(zstr_send(tx, "x"), 0);
}

START_TEST(descriptor_wakes_and_drains)
{
    zsock_t *rx, *tx;
    s_pair("@inproc://pump-wake", &rx, &tx);
    bus_loop_t *loop = bus_loop_new();
    s_ctx_t c = {.rx = rx, .batch = 100};
    c.pump = bus_pump_new(loop, 4, s_after, &c);
    ck_assert_int_eq(bus_pump_add(c.pump, 1, rx, s_drain, NULL), 0);
    bus_pump_run(c.pump, 1); /* setting up may have consumed a notification */
    ck_assert_int_eq(c.afters, 1);
    s_send(tx, 3);
    for (int i = 0; i < 20 && c.received < 3; i++)
        ck_assert_int_eq(bus_loop_run_once(loop, 50), 0);
    ck_assert_int_eq(c.received, 3);
    ck_assert_int_ge(c.afters, 2);
    bus_loop_destroy(&loop);
    bus_pump_destroy(&c.pump);
    zsock_destroy(&tx);
    zsock_destroy(&rx);
}
END_TEST

START_TEST(dirty_socket_drained_without_a_wakeup)
{
    zsock_t *rx, *tx;
    s_pair("@inproc://pump-dirty", &rx, &tx);
    bus_loop_t *loop = bus_loop_new();
    s_ctx_t c = {.rx = rx, .batch = 100};
    c.pump = bus_pump_new(loop, 4, NULL, &c);
    ck_assert_int_eq(bus_pump_add(c.pump, 1, rx, s_drain, NULL), 0);
    bus_pump_run(c.pump, 1);
    int before = c.drains;
    bus_pump_run(c.pump, 0); /* clean: nothing to drain */
    ck_assert_int_eq(c.drains, before);
    s_send(tx, 2);
    bus_pump_dirty(c.pump, 1);
    bus_pump_run(c.pump, 0);
    ck_assert_int_eq(c.received, 2);
    bus_loop_destroy(&loop);
    bus_pump_destroy(&c.pump);
    zsock_destroy(&tx);
    zsock_destroy(&rx);
}
END_TEST

START_TEST(pump_cut_short_resumes_from_a_timer)
{
    zsock_t *rx, *tx;
    s_pair("@inproc://pump-resume", &rx, &tx);
    bus_loop_t *loop = bus_loop_new();
    s_ctx_t c = {.rx = rx, .batch = 1};
    c.pump = bus_pump_new(loop, 2, NULL, &c);
    ck_assert_int_eq(bus_pump_add(c.pump, 1, rx, s_drain, NULL), 0);
    s_send(tx, 5);
    bus_pump_run(c.pump, 1);
    ck_assert_int_eq(c.received, 2); /* two passes of one message each */
    for (int i = 0; i < 20 && c.received < 5; i++)
        ck_assert_int_eq(bus_loop_run_once(loop, 0), 0); /* the zero-delay timer resumes it */
    ck_assert_int_eq(c.received, 5);
    bus_loop_destroy(&loop);
    bus_pump_destroy(&c.pump);
    zsock_destroy(&tx);
    zsock_destroy(&rx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bus_pump");
    TCase *tc = tcase_create("pump");
    tcase_add_test(tc, descriptor_wakes_and_drains);
    tcase_add_test(tc, dirty_socket_drained_without_a_wakeup);
    tcase_add_test(tc, pump_cut_short_resumes_from_a_timer);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
