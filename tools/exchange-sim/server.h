/* server: the simulator's sockets and its one event loop. One libmicrohttpd daemon per listener (admin + one per
 * dialect), all in external-epoll mode and driven from a single loop together with the engine's price-path
 * timer and the timers of delayed replies, so the engine needs no locks. HTTP/1.1 keep-alive, bodies capped at
 * SIM_MAX_BODY, faults (faults.h) applied per request, every venue request recorded (reqlog.h). */
#ifndef XR_SIM_SERVER_H
#define XR_SIM_SERVER_H

#include "dialect.h"
#include "engine.h"
#include "faults.h"
#include "reqlog.h"

#include "base/err.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _sim_server_t sim_server_t;

typedef struct {
    const char *bind;     /* listen address, IPv4 or IPv6 text ("127.0.0.1") */
    int port_base;        /* admin port; a dialect listens on port_base + (default_port - 9100). -1: every
                             listener on an ephemeral port (tests) */
    size_t log_keep;      /* requests kept per venue for /admin/requests */
} sim_server_config_t;

/* Creates a server over an engine and a fault table (both borrowed; they must outlive the server). Listens on
 * nothing yet. Returns NULL with err set on a bad config. */
sim_server_t *sim_server_new(sim_engine_t *engine, sim_faults_t *faults, const sim_server_config_t *cfg,
                             err_t *err);

/* Stops every listener, finishes the dialects (fini) and frees everything; *self_p becomes NULL. */
void sim_server_destroy(sim_server_t **self_p);

/* Adds a dialect: allocates its state, calls its init (which registers the venue's instruments). Call before
 * sim_server_start. Returns 0, or -1 with err set (init failed, venue already served). */
int sim_server_add_dialect(sim_server_t *self, const sim_dialect_t *dialect, err_t *err);

/* Binds and starts the admin listener and one per dialect. Returns 0, or -1 with err set (port in use...). */
int sim_server_start(sim_server_t *self, err_t *err);

/* Port a venue's listener is bound to (venue < 0: admin); 0 if none. */
uint16_t sim_server_port(const sim_server_t *self, int venue);

/* Runs the loop until *stop becomes non-zero (checked at least every 100 ms). Returns 0, or -1 if polling
 * failed. Blocks. */
int sim_server_run(sim_server_t *self, volatile sig_atomic_t *stop);

/* Runs one loop iteration waiting at most max_wait_ms. For tests that drive the server step by step. */
int sim_server_step(sim_server_t *self, int max_wait_ms);

/* The admin operations behind /admin (admin.c): the engine, the fault table, a venue's request log (NULL when
 * the venue has no dialect), the dialect of a venue (NULL if none), and reset (engine, dialect counters,
 * faults and request logs). */
sim_engine_t *sim_server_engine(sim_server_t *self);
sim_faults_t *sim_server_faults(sim_server_t *self);
const sim_reqlog_t *sim_server_reqlog(const sim_server_t *self, int venue);
const sim_dialect_t *sim_server_dialect(const sim_server_t *self, int venue);
void sim_server_reset(sim_server_t *self);

/* Answers one admin request (admin.c). */
void sim_admin_handle(sim_server_t *server, const sim_http_req_t *req, sim_http_resp_t *resp);

#endif
