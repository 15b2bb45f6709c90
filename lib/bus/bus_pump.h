/* bus_pump: waits on ZeroMQ sockets through their ZMQ_FD notification descriptors in a bus_loop, and drains
 * them. zmq_poll over ZeroMQ sockets asks every socket for its events (a getpid and a poll each) twice per
 * wait, which was the largest part of the gateway's and the router's CPU per order; a descriptor costs
 * nothing until it fires.
 *
 * The descriptor is edge-like: it signals that the socket's state may have changed, and any operation on
 * the socket (a send too, or setting an option) may consume that signal. So a socket whose descriptor fired,
 * and every socket the owner marked dirty (sent on, set options of) since its last empty receive, is drained
 * until a receive finds nothing (an empty receive also processes the socket's pending commands) before the
 * loop waits again; a socket left clean has nothing its descriptor would not announce. The owner's drain
 * function calls bus_pump_clean when a receive finds nothing, and may stop early after a batch. A pump cut
 * short after max_passes resumes from a zero-delay timer, so timers and signals still get their turn under
 * a flood. */
#ifndef XR_BUS_BUS_PUMP_H
#define XR_BUS_BUS_PUMP_H

#include "bus_loop.h"

#define BUS_PUMP_SOCKETS 8

typedef struct _bus_pump_t bus_pump_t;

/* Drains one socket: receives until a receive finds nothing (then bus_pump_clean) or a batch is done. */
typedef void (bus_pump_drain_fn)(void *arg);
/* Runs once after every pump, e.g. to write down what the round brought. */
typedef void (bus_pump_after_fn)(void *arg);

/* A pump on loop, at most max_passes passes over the dirty sockets per pump; after (may be NULL) and every
 * drain function get arg. Destroy it after the loop (the loop holds its handlers). */
bus_pump_t *bus_pump_new(bus_loop_t *loop, int max_passes, bus_pump_after_fn *after, void *arg);
void bus_pump_destroy(bus_pump_t **self_p);

/* Adds sock as bit (one of 1, 2, 4, ... below 1 << BUS_PUMP_SOCKETS, each once): its descriptor joins the
 * loop and fires a pump of it. Returns 0, or -1 with err if the loop is full. */
int bus_pump_add(bus_pump_t *self, unsigned bit, zsock_t *sock, bus_pump_drain_fn *drain, err_t *err);

/* The owner used these sockets (sent on them, set options): drain them at the next pump. */
void bus_pump_dirty(bus_pump_t *self, unsigned bits);

/* A receive on these sockets found nothing: they are clean. */
void bus_pump_clean(bus_pump_t *self, unsigned bits);

/* Pumps now: the sockets in bits and every dirty one (0 = only the dirty ones; a handler that sent calls
 * this so its sends do not wait for the next wake-up). */
void bus_pump_run(bus_pump_t *self, unsigned bits);

#endif
