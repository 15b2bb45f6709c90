/* bus_signal: clean stop on SIGINT and SIGTERM. The handler sets the process-wide interrupt flag (the one
 * piece of global state STYLE rule 9 allows) and writes a byte to a self-pipe that every bus_loop polls, so a
 * service wakes up at once whichever thread the signal hit. czmq's own handler is switched off so that there
 * is one owner of these signals. */
#ifndef XR_BUS_BUS_SIGNAL_H
#define XR_BUS_BUS_SIGNAL_H

#include "base/err.h"

#include <stdbool.h>

/* Installs the handlers (idempotent). Call once from main before building sockets. 0 or -1 (XR_INTERNAL). */
int bus_signal_install(err_t *err);

/* True once SIGINT or SIGTERM arrived (or bus_signal_raise was called). Async-signal-safe. */
bool bus_signal_interrupted(void);

/* Read end of the self-pipe (readable once interrupted), or -1 before bus_signal_install. */
int bus_signal_fd(void);

/* Sets the flag as a signal would (for tests and for a service that decides to stop itself). */
void bus_signal_raise(void);

/* Clears the flag and drains the pipe (for tests that raise more than once). */
void bus_signal_reset(void);

#endif
