/* bus_pump: the dirty set is a bit mask; each pass drains the dirty sockets in the order they were added. */
#include "bus_pump.h"

#include "base/mem.h"

#include <assert.h>

struct _bus_pump_t {
    bus_loop_t *loop;          /* the loop the descriptors and the resume timer live in */
    int max_passes;            /* passes per pump before it resumes from a timer */
    bus_pump_after_fn *after;  /* run after every pump, or NULL */
    void *arg;                 /* argument of after and of the drains */
    struct {
        unsigned bit;              /* the owner's bit for it */
        zsock_t *sock;             /* the socket */
        bus_pump_drain_fn *drain;  /* drains it */
    } socks[BUS_PUMP_SOCKETS];
    size_t n_socks;            /* sockets added */
    unsigned dirty;            /* bits of the sockets to drain */
    int timer;                 /* one-shot timer resuming a pump cut short; 0 = none armed */
};

bus_pump_t *bus_pump_new(bus_loop_t *loop, int max_passes, bus_pump_after_fn *after, void *arg)
{
    assert(loop && max_passes > 0);
    bus_pump_t *self = mem_calloc(1, sizeof *self);
    self->loop = loop;
    self->max_passes = max_passes;
    self->after = after;
    self->arg = arg;
    return self;
}

void bus_pump_destroy(bus_pump_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mem_free(*self_p);
    *self_p = NULL;
}

static int s_on_resume(bus_loop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    bus_pump_t *self = arg;
    self->timer = 0; /* one-shot: gone once fired */
    bus_pump_run(self, 0);
    return 0;
}

static int s_on_fd(bus_loop_t *loop, int fd, short revents, void *arg)
{
    (void) loop;
    (void) revents;
    bus_pump_t *self = arg;
    unsigned bit = 0;
    for (size_t i = 0; i < self->n_socks && !bit; i++)
        if (zsock_fd(self->socks[i].sock) == fd)
            bit = self->socks[i].bit;
    bus_pump_run(self, bit);
    return 0;
}

int bus_pump_add(bus_pump_t *self, unsigned bit, zsock_t *sock, bus_pump_drain_fn *drain, err_t *err)
{
    assert(self && sock && drain && self->n_socks < BUS_PUMP_SOCKETS);
    assert(bit && (bit & (bit - 1)) == 0 && bit < (1u << BUS_PUMP_SOCKETS));
    for (size_t i = 0; i < self->n_socks; i++)
        assert(self->socks[i].bit != bit);
    if (bus_loop_add_fd(self->loop, zsock_fd(sock), ZMQ_POLLIN, s_on_fd, self, err) != 0)
        return -1;
    self->socks[self->n_socks].bit = bit;
    self->socks[self->n_socks].sock = sock;
    self->socks[self->n_socks].drain = drain;
    self->n_socks++;
    return 0;
}

void bus_pump_dirty(bus_pump_t *self, unsigned bits)
{
    self->dirty |= bits;
}

void bus_pump_clean(bus_pump_t *self, unsigned bits)
{
    self->dirty &= ~bits;
}

void bus_pump_run(bus_pump_t *self, unsigned bits)
{
    self->dirty |= bits;
    for (int pass = 0; pass < self->max_passes && self->dirty; pass++)
        for (size_t i = 0; i < self->n_socks; i++)
            if (self->dirty & self->socks[i].bit)
                self->socks[i].drain(self->arg);
    if (self->after)
        self->after(self->arg);
    if (self->dirty && !self->timer) {
        self->timer = bus_loop_add_timer(self->loop, 0, 0, s_on_resume, self);
        if (self->timer < 0)
            self->timer = 0; /* no free timer (BUS_LOOP_TIMERS): an owner leaves one for its pump */
    }
}
