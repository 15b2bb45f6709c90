/* bus_loop: the one event loop of a service (STYLE rule 10). It waits in zmq_poll on ZeroMQ sockets and raw
 * file descriptors together (the HTTP client's sockets, pipes), runs timers (one-shot or periodic, on the
 * monotonic clock), and stops cleanly on bus_loop_stop or on SIGINT/SIGTERM once bus_signal_install ran.
 * Handlers run on the loop's thread, one at a time; they may add or remove items and timers, including
 * their own. Bounded: at most BUS_LOOP_ITEMS sockets+fds and BUS_LOOP_TIMERS timers. */
#ifndef XR_BUS_BUS_LOOP_H
#define XR_BUS_BUS_LOOP_H

#include "base/err.h"

#include <czmq.h>
#include <stdint.h>

#define BUS_LOOP_ITEMS 64
#define BUS_LOOP_TIMERS 64

typedef struct _bus_loop_t bus_loop_t;

/* Handlers return 0 to continue, -1 to stop the loop (bus_loop_run then returns -1). */
typedef int (bus_sock_fn)(bus_loop_t *loop, zsock_t *sock, void *arg);
typedef int (bus_fd_fn)(bus_loop_t *loop, int fd, short revents, void *arg);  /* revents: ZMQ_POLLIN/OUT/ERR */
typedef int (bus_timer_fn)(bus_loop_t *loop, int timer_id, void *arg);

/* New loop with nothing registered. Never NULL. */
bus_loop_t *bus_loop_new(void);

/* Destroys the loop (not the sockets or fds registered in it); NULL-safe, nulls *self_p. */
void bus_loop_destroy(bus_loop_t **self_p);

/* Calls fn whenever sock is readable. The socket stays the caller's. Returns 0, or -1 (XR_INTERNAL) if the
 * loop is full or the socket is already registered. */
int bus_loop_add_sock(bus_loop_t *self, zsock_t *sock, bus_sock_fn *fn, void *arg, err_t *err);
void bus_loop_remove_sock(bus_loop_t *self, zsock_t *sock);

/* Calls fn when fd has any of events (ZMQ_POLLIN | ZMQ_POLLOUT). Registering an fd again updates its events
 * and handler. 0, or -1 if the loop is full. */
int bus_loop_add_fd(bus_loop_t *self, int fd, short events, bus_fd_fn *fn, void *arg, err_t *err);
void bus_loop_remove_fd(bus_loop_t *self, int fd);

/* Starts a timer firing after delay_ms, then every interval_ms (0 = once). Returns its id (> 0) or -1 when
 * BUS_LOOP_TIMERS are in use. A one-shot timer is gone after it fired. */
int bus_loop_add_timer(bus_loop_t *self, int64_t delay_ms, int64_t interval_ms, bus_timer_fn *fn, void *arg);

/* Cancels a timer; unknown ids are ignored. */
void bus_loop_cancel_timer(bus_loop_t *self, int timer_id);

/* Waits at most timeout_ms (-1 = until something happens) for one round of events and runs the due
 * handlers and timers. Returns 0, or -1 when a handler asked to stop, the loop was stopped, or an interrupt
 * signal arrived. */
int bus_loop_run_once(bus_loop_t *self, int64_t timeout_ms);

/* Runs rounds until a handler returns -1, bus_loop_stop is called, or SIGINT/SIGTERM arrives (after
 * bus_signal_install). Returns 0 when stopped by bus_loop_stop or a signal, -1 when a handler failed. */
int bus_loop_run(bus_loop_t *self);

/* Makes bus_loop_run return after the current round. Callable from handlers. */
void bus_loop_stop(bus_loop_t *self);

#endif
