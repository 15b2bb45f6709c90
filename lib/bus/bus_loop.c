/* bus_loop: zmq_poll over sockets, raw fds and the interrupt pipe, with timers on the monotonic clock.
 * Items and timers live in fixed arrays; removal during a round only marks the slot, and slots are compacted
 * between rounds, so a handler can remove anything (itself included) without disturbing the dispatch. */
#include "bus_loop.h"
#include "bus_signal.h"

#include "base/clock.h"
#include "base/mem.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

typedef struct {
    zsock_t *sock;      /* socket, or NULL for an fd item */
    int fd;             /* fd when sock is NULL */
    short events;       /* ZMQ_POLLIN / ZMQ_POLLOUT */
    bus_sock_fn *sock_fn; /* handler of a socket item */
    bus_fd_fn *fd_fn;   /* handler of an fd item */
    void *arg;          /* handler argument */
    bool removed;       /* removed during the current round */
} s_item_t;

typedef struct {
    int id;             /* > 0 while active, 0 when the slot is free */
    int64_t due_ns;     /* next firing, monotonic */
    int64_t interval_ms; /* 0 = one-shot */
    bus_timer_fn *fn;   /* handler */
    void *arg;          /* handler argument */
} s_timer_t;

struct _bus_loop_t {
    s_item_t items[BUS_LOOP_ITEMS];
    size_t n_items;
    s_timer_t timers[BUS_LOOP_TIMERS];
    int next_timer_id;
    bool stopped;       /* bus_loop_stop was called */
    bool failed;        /* a handler returned -1 */
    bool dirty;         /* some item was removed this round */
};

bus_loop_t *bus_loop_new(void)
{
    bus_loop_t *self = mem_calloc(1, sizeof *self);
    self->next_timer_id = 1;
    return self;
}

void bus_loop_destroy(bus_loop_t **self_p)
{
    assert(self_p);
    mem_free(*self_p);
    *self_p = NULL;
}

static s_item_t *s_find(bus_loop_t *self, zsock_t *sock, int fd)
{
    for (size_t i = 0; i < self->n_items; i++) {
        s_item_t *it = &self->items[i];
        if (!it->removed && it->sock == sock && (sock || it->fd == fd))
            return it;
    }
    return NULL;
}

static s_item_t *s_new_item(bus_loop_t *self, err_t *err)
{
    if (self->n_items >= BUS_LOOP_ITEMS) {
        err_set(err, XR_INTERNAL, "loop: more than %d items", BUS_LOOP_ITEMS);
        return NULL;
    }
    s_item_t *it = &self->items[self->n_items++];
    memset(it, 0, sizeof *it);
    return it;
}

int bus_loop_add_sock(bus_loop_t *self, zsock_t *sock, bus_sock_fn *fn, void *arg, err_t *err)
{
    assert(self && sock && fn);
    if (s_find(self, sock, -1))
        return err_set(err, XR_INTERNAL, "loop: socket already registered");
    s_item_t *it = s_new_item(self, err);
    if (!it)
        return -1;
    it->sock = sock;
    it->fd = -1;
    it->events = ZMQ_POLLIN;
    it->sock_fn = fn;
    it->arg = arg;
    return 0;
}

void bus_loop_remove_sock(bus_loop_t *self, zsock_t *sock)
{
    assert(self);
    s_item_t *it = s_find(self, sock, -1);
    if (it) {
        it->removed = true;
        self->dirty = true;
    }
}

int bus_loop_add_fd(bus_loop_t *self, int fd, short events, bus_fd_fn *fn, void *arg, err_t *err)
{
    assert(self && fd >= 0 && fn);
    s_item_t *it = s_find(self, NULL, fd);
    if (!it && !(it = s_new_item(self, err)))
        return -1;
    it->sock = NULL;
    it->fd = fd;
    it->events = events;
    it->fd_fn = fn;
    it->arg = arg;
    return 0;
}

void bus_loop_remove_fd(bus_loop_t *self, int fd)
{
    assert(self);
    s_item_t *it = s_find(self, NULL, fd);
    if (it) {
        it->removed = true;
        self->dirty = true;
    }
}

int bus_loop_add_timer(bus_loop_t *self, int64_t delay_ms, int64_t interval_ms, bus_timer_fn *fn, void *arg)
{
    assert(self && fn && delay_ms >= 0 && interval_ms >= 0);
    for (size_t i = 0; i < BUS_LOOP_TIMERS; i++) {
        s_timer_t *t = &self->timers[i];
        if (t->id)
            continue;
        t->id = self->next_timer_id++;
        if (self->next_timer_id <= 0)
            self->next_timer_id = 1;
        t->due_ns = clock_mono_ns() + delay_ms * 1000000;
        t->interval_ms = interval_ms;
        t->fn = fn;
        t->arg = arg;
        return t->id;
    }
    return -1;
}

void bus_loop_cancel_timer(bus_loop_t *self, int timer_id)
{
    assert(self);
    for (size_t i = 0; i < BUS_LOOP_TIMERS; i++) {
        if (timer_id > 0 && self->timers[i].id == timer_id)
            self->timers[i].id = 0;
    }
}

void bus_loop_stop(bus_loop_t *self)
{
    assert(self);
    self->stopped = true;
}

/* Milliseconds until the earliest timer (rounded up), capped by timeout_ms (-1 = no cap). */
static long s_wait_ms(const bus_loop_t *self, int64_t timeout_ms)
{
    int64_t now = clock_mono_ns();
    int64_t wait = timeout_ms;
    for (size_t i = 0; i < BUS_LOOP_TIMERS; i++) {
        const s_timer_t *t = &self->timers[i];
        if (!t->id)
            continue;
        int64_t ms = t->due_ns <= now ? 0 : (t->due_ns - now + 999999) / 1000000;
        if (wait < 0 || ms < wait)
            wait = ms;
    }
    return (long) wait;
}

static void s_compact(bus_loop_t *self)
{
    size_t j = 0;
    for (size_t i = 0; i < self->n_items; i++) {
        if (!self->items[i].removed)
            self->items[j++] = self->items[i];
    }
    self->n_items = j;
    self->dirty = false;
}

static int s_run_timers(bus_loop_t *self)
{
    int64_t now = clock_mono_ns();
    for (size_t i = 0; i < BUS_LOOP_TIMERS; i++) {
        s_timer_t *t = &self->timers[i];
        if (!t->id || t->due_ns > now)
            continue;
        int id = t->id;
        if (t->interval_ms > 0) {
            t->due_ns += t->interval_ms * 1000000;
            if (t->due_ns <= now) /* late by more than a period: do not fire a burst */
                t->due_ns = now + t->interval_ms * 1000000;
        } else {
            t->id = 0;
        }
        if (t->fn(self, id, t->arg) != 0)
            return -1;
    }
    return 0;
}

/* Runs the handlers of the ready items among the first n (the ones polled this round). */
static int s_dispatch(bus_loop_t *self, const zmq_pollitem_t *polled, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s_item_t *it = &self->items[i];
        if (!polled[i].revents || it->removed)
            continue;
        int rc = it->sock ? it->sock_fn(self, it->sock, it->arg) : it->fd_fn(self, it->fd, polled[i].revents, it->arg);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int bus_loop_run_once(bus_loop_t *self, int64_t timeout_ms)
{
    assert(self);
    if (self->dirty)
        s_compact(self);
    zmq_pollitem_t polled[BUS_LOOP_ITEMS + 1];
    size_t n = self->n_items;
    for (size_t i = 0; i < n; i++) {
        s_item_t *it = &self->items[i];
        polled[i] = (zmq_pollitem_t){.socket = it->sock ? zsock_resolve(it->sock) : NULL,
                                     .fd = it->sock ? 0 : it->fd, .events = it->events, .revents = 0};
    }
    size_t n_poll = n;
    int sig_fd = bus_signal_fd();
    if (sig_fd >= 0)
        polled[n_poll++] = (zmq_pollitem_t){.socket = NULL, .fd = sig_fd, .events = ZMQ_POLLIN, .revents = 0};
    if (self->stopped || bus_signal_interrupted())
        return -1;
    int rc = zmq_poll(polled, (int) n_poll, s_wait_ms(self, timeout_ms));
    if (rc < 0 && zmq_errno() != EINTR) {
        self->failed = true;
        return -1;
    }
    if (bus_signal_interrupted())
        return -1;
    if (rc > 0 && s_dispatch(self, polled, n) != 0) {
        self->failed = true;
        return -1;
    }
    if (s_run_timers(self) != 0) {
        self->failed = true;
        return -1;
    }
    return self->stopped ? -1 : 0;
}

int bus_loop_run(bus_loop_t *self)
{
    assert(self);
    self->stopped = false;
    self->failed = false;
    while (bus_loop_run_once(self, -1) == 0)
        ;
    return self->failed ? -1 : 0;
}
