/* hop_bench: what one ZeroMQ hop costs on this machine, the way xroute's services make and wait on their
 * sockets, over tcp://127.0.0.1 and ipc://, with CURVE on and off.
 *
 * A chain of processes (this program exec'd in roles): a client DEALER -> F forwarders -> an echo end, F = 0..3.
 * A forwarder is what the gateway and the router are without their own work: a ROUTER in front (bound), a
 * DEALER behind (connected to the next ROUTER); a request from the front goes out behind as the envelope alone
 * (one frame on the wire, as the gateway and the router send it), the sender's identity kept by the forwarder
 * (in order: the chain is one FIFO path, where the services look it up by correlation id); a reply from behind
 * goes out in front to that identity. The echo end is a ROUTER that sends every message back as it came.
 * Every socket is made by lib/bus (bus_sock, CURVE through bus_curve with zauth on the bound side, exactly as
 * the services configure it) and every process waits the way the gateway and the router do: bus_loop over the
 * sockets' ZMQ_FD descriptors, drained by a bus_pump. With CURVE on, every bound side checks that each message
 * carries the ZAP user id (the client's key): a chain that ran unauthenticated fails.
 *
 * The message is a real place_order request envelope (proto_request_encode, 266 bytes), 256 different ones
 * in turn; replies come back in order (one path, FIFO) and each is compared with what was sent. The client
 * keeps 1 or 64 messages in flight for a fixed time and measures messages/s, the round trip of each, and the
 * CPU every process of the chain used meanwhile (all threads: /proc/PID/task/TID/schedstat, first field; the
 * second field, time spent waiting for a CPU, is reported too, and the context switches of every thread from
 * /proc/PID/task/TID/status: the wake-ups a message costs). F forwarders make F + 1 ZeroMQ links, so the
 * growth from F to F + 1 is one hop (a forwarding process and a link, both directions): the summary fits it
 * over F (least squares per round; median and range of the rounds).
 *
 * usage: bench_hop [-r ROUNDS] [-s SECONDS] [-f 0,1,2,3] [-t tcp,ipc] [-c off,on] [-i 1,64]
 * Prints one JSON line per run and per summary figure (lines starting with '{'), then tables. Rounds run every
 * chain in turn, so a noisy moment of the shared machine spreads over all of them. Exit 0 when every run
 * completed, authenticated when CURVE was on, with every reply equal to its request; 1 otherwise. */
#include "base/buf.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/decimal.h"
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "bus/bus_curve.h"
#include "bus/bus_loop.h"
#include "bus/bus_msg.h"
#include "bus/bus_pump.h"
#include "bus/bus_signal.h"
#include "bus/bus_sock.h"
#include "proto/proto.h"

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOP_FWD_MAX 6               /* forwarders; a message then carries 7 routing frames (BUS_ROUTE_MAX 8) */
#define HOP_PROCS (HOP_FWD_MAX + 2) /* client, forwarders, echo */
#define HOP_LEVELS 4                /* in-flight levels per run */
#define HOP_ROUNDS_MAX 50
#define HOP_N_ENV 256 /* distinct envelopes sent in turn */
#define HOP_RING 8192 /* send times kept; > the largest in-flight level */
#define HOP_INFLIGHT_MAX 4096
#define HOP_LAT_MAX (8L << 20) /* latencies kept per level */
#define HOP_BATCH 256          /* messages taken from one socket before the pump turns to the other */
#define HOP_PASSES 16          /* pump passes before the loop polls again (as gateway and router) */
#define HOP_STALL_MS 10000     /* no reply for this long: the run failed */
#define HOP_WARMUP_S 0.3
#define HOP_EXIT_UNAUTH 3 /* a role's exit status when a message came without the expected user id */
#define HOP_KEY "hop"     /* the one key pair of the chain: every server and every client */

#define S_FRONT 1u /* pump bits */
#define S_BACK 2u

/* ---- measurements shared by the roles and the parent ---------------------------------------------------- */

/* What the client measured over one in-flight level; written whole to the parent's pipe. */
typedef struct {
    int inflight;               /* messages kept in flight */
    int n_procs;                /* client, forwarders (nearest first), echo */
    long msgs;                  /* round trips completed */
    long mismatches;            /* replies that differ from their request, or arrived with routing frames */
    double seconds;             /* first send to last reply */
    uint32_t p50_us;            /* round trip at the client: median */
    uint32_t p99_us;            /* 99th percentile */
    uint32_t p999_us;           /* 99.9th percentile */
    uint32_t max_us;            /* slowest */
    double cpu_us[HOP_PROCS];   /* CPU per message of each process, all threads */
    double wait_us[HOP_PROCS];  /* time per message each process was runnable but had no CPU */
    double switches[HOP_PROCS]; /* context switches per message (voluntary and not), all threads: wake-ups */
} hop_result_t;

/* A process's counters: all its threads summed. */
typedef struct {
    int64_t run_ns;   /* on a CPU (schedstat, first field) */
    int64_t wait_ns;  /* runnable, waiting for a CPU (second field) */
    int64_t switches; /* voluntary_ctxt_switches + nonvoluntary_ctxt_switches */
} sched_t;

/* Adds the context switches of one thread (its status file) to *switches. */
static void s_task_switches(const char *path, int64_t *switches)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return; /* the thread just ended */
    char line[256];
    while (fgets(line, sizeof line, f)) {
        long long v = 0;
        if (sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1 ||
            sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1)
            *switches += v;
    }
    fclose(f);
}

/* Sums the counters of every thread of pid into *out. -1 if it is gone. */
static int s_proc_sched(pid_t pid, sched_t *out)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    memset(out, 0, sizeof *out);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[300];
        snprintf(p, sizeof p, "/proc/%d/task/%s/schedstat", (int) pid, e->d_name);
        FILE *f = fopen(p, "r");
        if (!f)
            continue; /* the thread just ended */
        long long run = 0, wait = 0;
        if (fscanf(f, "%lld %lld", &run, &wait) == 2) {
            out->run_ns += run;
            out->wait_ns += wait;
        }
        fclose(f);
        snprintf(p, sizeof p, "/proc/%d/task/%s/status", (int) pid, e->d_name);
        s_task_switches(p, &out->switches);
    }
    closedir(d);
    return 0;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    return x < y ? -1 : x > y;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* Percentile q (0..1) of n sorted values. */
static uint32_t s_pct(const uint32_t *v, long n, double q)
{
    if (n <= 0)
        return 0;
    long i = (long) (q * (double) (n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

/* Parses a comma-separated list of integers in min..max into out (at most cap). Returns the count, -1 if bad. */
static int s_parse_ints(const char *text, long min, long max, long *out, int cap)
{
    int n = 0;
    const char *p = text;
    while (*p) {
        char *end = NULL;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || v < min || v > max || n == cap || (*end && *end != ','))
            return -1;
        out[n++] = v;
        p = *end ? end + 1 : end;
    }
    return n;
}

/* ---- the roles: echo end and forwarder ------------------------------------------------------------------- */

/* The ROUTER identity a forwarded request came from. */
typedef struct {
    uint8_t id[BUS_ROUTE_FRAME_MAX]; /* identity bytes */
    size_t len;                      /* their number */
} hop_peer_t;

typedef struct {
    zsock_t *front;    /* ROUTER, bound */
    zsock_t *back;     /* DEALER to the next ROUTER; NULL for the echo end */
    bus_loop_t *loop;  /* the process's one loop */
    bus_pump_t *pump;  /* drains front (S_FRONT) and back (S_BACK) */
    bool curve;        /* CURVE on: every message from the front must carry a user id */
    long unauth;       /* messages that did not */
    long dropped;      /* malformed or unsendable messages */
    buf_t out;         /* the envelope being forwarded (a copy, as the gateway and the router make) */
    hop_peer_t *peers; /* forwarders: the sender of each request forwarded and not answered, oldest first */
    long head;         /* requests forwarded */
    long tail;         /* replies sent back */
} node_t;

/* Sends msg out of sock, taking it; counts a failure. */
static void s_node_send(node_t *self, bus_msg_t **msg, zsock_t *sock, unsigned bit)
{
    err_t err = {0};
    bus_pump_dirty(self->pump, bit);
    if (bus_msg_send(msg, sock, &err) != 0)
        self->dropped++;
}

/* Sends a request on behind as the gateway and the router do: the envelope alone (one frame on the wire), the
 * sender's identity kept here. The chain keeps order, so replies come back oldest first. */
static void s_forward(node_t *self, const bus_msg_t *msg)
{
    size_t len = 0, id_len = 0;
    const void *env = bus_msg_envelope(msg, &len);
    const void *id = bus_msg_route_count(msg) == 1 ? bus_msg_route(msg, 0, &id_len) : NULL;
    if (!id || self->head - self->tail >= HOP_RING) {
        self->dropped++;
        return;
    }
    hop_peer_t *peer = &self->peers[self->head % HOP_RING];
    memcpy(peer->id, id, id_len);
    peer->len = id_len;
    buf_reset(&self->out);
    err_t err = {0};
    bus_pump_dirty(self->pump, S_BACK);
    if (buf_append(&self->out, env, len) != 0 || bus_send_envelope(self->back, NULL, &self->out, &err) != 0) {
        self->dropped++;
        return;
    }
    self->head++;
}

/* Sends a reply from behind out in front to the sender of the oldest request not yet answered. */
static void s_reply(node_t *self, const bus_msg_t *msg)
{
    size_t len = 0;
    const void *env = bus_msg_envelope(msg, &len);
    if (self->tail == self->head || bus_msg_route_count(msg) != 0) {
        self->dropped++;
        return;
    }
    const hop_peer_t *peer = &self->peers[self->tail++ % HOP_RING];
    bus_msg_t *route = bus_msg_new();
    bus_msg_push_route(route, peer->id, peer->len, NULL);
    buf_reset(&self->out);
    err_t err = {0};
    bus_pump_dirty(self->pump, S_FRONT);
    if (buf_append(&self->out, env, len) != 0 || bus_send_envelope(self->front, route, &self->out, &err) != 0)
        self->dropped++;
    bus_msg_destroy(&route);
}

/* The front: requests in. The echo end sends them back, a forwarder sends them on behind. */
static void s_drain_front(void *arg)
{
    node_t *self = arg;
    for (int i = 0; i < HOP_BATCH; i++) {
        err_t err = {0};
        bus_msg_t *msg = bus_msg_recv(self->front, &err);
        if (!msg) {
            if (err.code != XR_OK) {
                self->dropped++;
                continue;
            }
            bus_pump_clean(self->pump, S_FRONT);
            break;
        }
        if (self->curve && !bus_msg_user_id(msg))
            self->unauth++;
        if (self->back)
            s_forward(self, msg);
        else
            s_node_send(self, &msg, self->front, S_FRONT);
        bus_msg_destroy(&msg);
    }
}

/* The back (forwarders only): replies in, out in front. */
static void s_drain_back(void *arg)
{
    node_t *self = arg;
    for (int i = 0; i < HOP_BATCH; i++) {
        err_t err = {0};
        bus_msg_t *msg = bus_msg_recv(self->back, &err);
        if (!msg) {
            if (err.code != XR_OK) {
                self->dropped++;
                continue;
            }
            bus_pump_clean(self->pump, S_BACK);
            break;
        }
        s_reply(self, msg);
        bus_msg_destroy(&msg);
    }
}

/* Writes all of len bytes to fd. 0 or -1. */
static int s_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t) w;
    }
    return 0;
}

/* The CURVE settings of this process (XROUTE_CURVE and XROUTE_KEYS_DIR, set by the parent). */
static bus_curve_t *s_curve_new(config_t **cfg, err_t *err)
{
    *cfg = config_new(NULL, err);
    return *cfg ? bus_curve_new(*cfg, HOP_KEY, err) : NULL;
}

/* Echo end (connect == NULL) or forwarder: binds front on bind, tells the parent the bound endpoint on
 * report_fd, runs until SIGTERM. Exit status 0, HOP_EXIT_UNAUTH, or 1 on a setup failure. */
static int s_role_node(const char *bind, const char *connect, int report_fd)
{
    log_init(connect ? "hop-fwd" : "hop-echo", LOG_LEVEL_WARN);
    prctl(PR_SET_NAME, connect ? "hop-fwd" : "hop-echo"); /* for ps, top and perf */
    node_t self;
    memset(&self, 0, sizeof self);
    buf_init(&self.out, 1 << 16);
    self.peers = mem_calloc(HOP_RING, sizeof *self.peers);
    err_t err = {0};
    config_t *cfg = NULL;
    int rc = 1;
    if (bus_signal_install(&err) != 0)
        goto done;
    bus_curve_t *curve = s_curve_new(&cfg, &err);
    if (!curve)
        goto done;
    self.curve = bus_curve_enabled(curve, false);
    char ep[600];
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    if (bus_curve_server_opts(curve, NULL, false, &o, &err) != 0)
        goto cleanup;
    snprintf(ep, sizeof ep, "@%s", bind);
    if (!(self.front = bus_router_new(ep, &o, &err)))
        goto cleanup;
    if (connect) {
        bus_sock_opts_default(&o);
        if (bus_curve_client_opts(curve, HOP_KEY, false, &o, &err) != 0)
            goto cleanup;
        snprintf(ep, sizeof ep, ">%s", connect);
        if (!(self.back = bus_dealer_new(ep, &o, &err)))
            goto cleanup;
    }
    self.loop = bus_loop_new();
    self.pump = bus_pump_new(self.loop, HOP_PASSES, NULL, &self);
    if (bus_pump_add(self.pump, S_FRONT, self.front, s_drain_front, &err) != 0 ||
        (self.back && bus_pump_add(self.pump, S_BACK, self.back, s_drain_back, &err) != 0))
        goto cleanup;
    char line[600];
    int n = snprintf(line, sizeof line, "%s\n", bus_sock_endpoint(self.front));
    if (s_write_all(report_fd, line, (size_t) n) != 0)
        goto cleanup;
    close(report_fd);
    report_fd = -1;
    bus_pump_run(self.pump, self.back ? S_FRONT | S_BACK : S_FRONT); /* setup may have consumed a notification */
    bus_loop_run(self.loop);
    rc = self.unauth ? HOP_EXIT_UNAUTH : 0;
    if (self.unauth || self.dropped)
        fprintf(stderr, "bench_hop %s: %ld messages without a user id, %ld dropped\n", connect ? "fwd" : "echo",
                self.unauth, self.dropped);
cleanup:
    bus_pump_destroy(&self.pump);
    bus_loop_destroy(&self.loop);
    zsock_destroy(&self.back);
    zsock_destroy(&self.front);
    bus_curve_destroy(&curve);
done:
    if (rc == 1 && err.msg[0])
        fprintf(stderr, "bench_hop %s: %s\n", connect ? "fwd" : "echo", err.msg);
    if (report_fd >= 0)
        close(report_fd);
    config_destroy(&cfg);
    mem_free(self.peers);
    buf_release(&self.out);
    return rc;
}

/* ---- the client ------------------------------------------------------------------------------------------ */

typedef struct {
    zsock_t *sock;             /* DEALER to the first ROUTER of the chain */
    bus_loop_t *loop;          /* its loop */
    bus_pump_t *pump;          /* drains sock (S_FRONT) */
    buf_t env[HOP_N_ENV];      /* the envelopes, sent in turn */
    int inflight;              /* level being run */
    long sent;                 /* messages sent in this level */
    long answered;             /* replies received in this level */
    long mismatches;           /* replies unlike their request */
    int64_t stop_ns;           /* no new sends from this monotonic time on */
    int64_t last_reply_ns;     /* for the stall check */
    int64_t sent_ns[HOP_RING]; /* send time of message i at i % HOP_RING */
    uint32_t *lat_us;          /* round trips of this level */
    long n_lat;                /* entries in lat_us */
    bool failed;               /* a send failed or the chain stalled */
} client_t;

/* Encodes envelope i: a LIMIT GTC place_order as the gateway forwards it (client id, deadline set). */
static int s_client_envelope(buf_t *out, int i, err_t *err)
{
    proto_request_t req;
    proto_request_init(&req, PROTO_T_PLACE_ORDER);
    snprintf(req.venue, sizeof req.venue, "binance");
    snprintf(req.symbol, sizeof req.symbol, "BTC/USDT");
    req.order.side = PROTO_SIDE_BUY;
    req.order.type = PROTO_OT_LIMIT;
    req.order.time_in_force = PROTO_TIF_GTC;
    if (decimal_from_str("0.002", &req.order.quantity, err) < 0 ||
        decimal_from_str("87312.40", &req.order.price, err) < 0)
        return -1;
    snprintf(req.order.client_order_id, sizeof req.order.client_order_id, "hop-bench-%08d", i);
    char id[32];
    snprintf(id, sizeof id, "g%d", 1000000 + i);
    proto_header_t h;
    proto_header_init(&h, id);
    snprintf(h.client, sizeof h.client, "rJ2q8mZ1PwX0kT4vB7nY3cLd9sF6hG5aE8uQ0iO2");
    h.deadline = h.ts + 30000;
    int rc = proto_request_encode(&h, &req, out, err);
    proto_request_free(&req);
    return rc;
}

static void s_client_send(client_t *self)
{
    err_t err = {0};
    self->sent_ns[self->sent % HOP_RING] = clock_mono_ns();
    bus_pump_dirty(self->pump, S_FRONT);
    if (bus_send_envelope(self->sock, NULL, &self->env[self->sent % HOP_N_ENV], &err) != 0) {
        fprintf(stderr, "bench_hop client: send: %s\n", err.msg);
        self->failed = true;
        bus_loop_stop(self->loop);
        return;
    }
    self->sent++;
}

/* Reply number `answered`: the chain keeps order, so it answers message `answered`. */
static void s_client_reply(client_t *self, bus_msg_t *msg)
{
    int64_t now = clock_mono_ns();
    long i = self->answered++;
    size_t len = 0;
    const void *env = bus_msg_envelope(msg, &len);
    const buf_t *want = &self->env[i % HOP_N_ENV];
    if (i >= self->sent || bus_msg_route_count(msg) != 0 || len != want->len || memcmp(env, want->data, len) != 0)
        self->mismatches++;
    if (self->n_lat < HOP_LAT_MAX)
        self->lat_us[self->n_lat++] = (uint32_t) ((now - self->sent_ns[i % HOP_RING]) / 1000);
    self->last_reply_ns = now;
    if (now < self->stop_ns && self->n_lat < HOP_LAT_MAX)
        s_client_send(self);
    else if (self->answered >= self->sent)
        bus_loop_stop(self->loop);
}

static void s_client_drain(void *arg)
{
    client_t *self = arg;
    for (int i = 0; i < HOP_BATCH; i++) {
        err_t err = {0};
        bus_msg_t *msg = bus_msg_recv(self->sock, &err);
        if (!msg) {
            if (err.code != XR_OK) {
                self->mismatches++;
                continue;
            }
            bus_pump_clean(self->pump, S_FRONT);
            break;
        }
        s_client_reply(self, msg);
        bus_msg_destroy(&msg);
    }
}

static int s_client_watchdog(bus_loop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    client_t *self = arg;
    if ((clock_mono_ns() - self->last_reply_ns) / 1000000 < HOP_STALL_MS)
        return 0;
    fprintf(stderr, "bench_hop client: no reply for %d ms (%ld of %ld answered)\n", HOP_STALL_MS, self->answered,
            self->sent);
    self->failed = true;
    return -1;
}

/* Runs one level: inflight messages outstanding for `seconds`, then waits for the last replies. The CPU of
 * pids (client first) is read at both ends. 0, or -1 when the chain failed. */
static int s_client_level(client_t *self, int inflight, double seconds, const pid_t *pids, int n_pids, hop_result_t *r)
{
    sched_t s0[HOP_PROCS], s1;
    memset(r, 0, sizeof *r);
    r->inflight = inflight;
    r->n_procs = n_pids;
    for (int p = 0; p < n_pids; p++)
        if (s_proc_sched(pids[p], &s0[p]) != 0)
            return -1;
    self->inflight = inflight;
    self->sent = self->answered = self->mismatches = self->n_lat = 0;
    int64_t t0 = clock_mono_ns();
    self->last_reply_ns = t0;
    self->stop_ns = t0 + (int64_t) (seconds * 1e9);
    for (int i = 0; i < inflight; i++)
        s_client_send(self);
    bus_pump_run(self->pump, S_FRONT);
    if (bus_loop_run(self->loop) != 0 || self->failed)
        return -1;
    r->seconds = (double) (clock_mono_ns() - t0) / 1e9;
    r->msgs = self->answered;
    r->mismatches = self->mismatches;
    for (int p = 0; p < n_pids; p++) {
        if (s_proc_sched(pids[p], &s1) != 0)
            return -1;
        r->cpu_us[p] = (double) (s1.run_ns - s0[p].run_ns) / 1e3 / (double) r->msgs;
        r->wait_us[p] = (double) (s1.wait_ns - s0[p].wait_ns) / 1e3 / (double) r->msgs;
        r->switches[p] = (double) (s1.switches - s0[p].switches) / (double) r->msgs;
    }
    qsort(self->lat_us, (size_t) self->n_lat, sizeof *self->lat_us, s_cmp_u32);
    r->p50_us = s_pct(self->lat_us, self->n_lat, 0.50);
    r->p99_us = s_pct(self->lat_us, self->n_lat, 0.99);
    r->p999_us = s_pct(self->lat_us, self->n_lat, 0.999);
    r->max_us = self->n_lat ? self->lat_us[self->n_lat - 1] : 0;
    return 0;
}

/* Makes the client's socket, loop and envelopes. 0 or -1 with err. */
static int s_client_init(client_t *self, const char *connect, err_t *err)
{
    config_t *cfg = NULL;
    bus_curve_t *curve = s_curve_new(&cfg, err);
    int rc = -1;
    if (!curve)
        goto done;
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    if (bus_curve_client_opts(curve, HOP_KEY, false, &o, err) != 0)
        goto done;
    char ep[600];
    snprintf(ep, sizeof ep, ">%s", connect);
    if (!(self->sock = bus_dealer_new(ep, &o, err)))
        goto done;
    for (int i = 0; i < HOP_N_ENV; i++) {
        buf_init(&self->env[i], 4096);
        if (s_client_envelope(&self->env[i], i, err) != 0)
            goto done;
    }
    self->lat_us = mem_calloc(HOP_LAT_MAX, sizeof *self->lat_us);
    self->loop = bus_loop_new();
    self->pump = bus_pump_new(self->loop, HOP_PASSES, NULL, self);
    if (bus_pump_add(self->pump, S_FRONT, self->sock, s_client_drain, err) != 0)
        goto done;
    bus_loop_add_timer(self->loop, 500, 500, s_client_watchdog, self);
    rc = 0;
done:
    bus_curve_destroy(&curve);
    config_destroy(&cfg);
    return rc;
}

static void s_client_fini(client_t *self)
{
    bus_pump_destroy(&self->pump);
    bus_loop_destroy(&self->loop);
    zsock_destroy(&self->sock);
    for (int i = 0; i < HOP_N_ENV; i++)
        buf_release(&self->env[i]);
    mem_free(self->lat_us);
}

/* Client role: warms the chain up, runs each level and writes an hop_result_t per level to report_fd.
 * pids_text: the chain's servers, nearest first. Exit status 0 or 1. */
static int s_role_client(const char *connect, int report_fd, double seconds, const char *levels_text,
                         const char *pids_text)
{
    log_init("hop-client", LOG_LEVEL_WARN);
    prctl(PR_SET_NAME, "hop-client");
    long levels[HOP_LEVELS], pids_l[HOP_PROCS - 1];
    int n_levels = s_parse_ints(levels_text, 1, HOP_INFLIGHT_MAX, levels, HOP_LEVELS);
    int n_pids = s_parse_ints(pids_text, 1, 1L << 30, pids_l, HOP_PROCS - 1);
    if (n_levels < 1 || n_pids < 1)
        return 1;
    pid_t pids[HOP_PROCS];
    pids[0] = getpid();
    for (int p = 0; p < n_pids; p++)
        pids[p + 1] = (pid_t) pids_l[p];
    client_t *self = mem_calloc(1, sizeof *self);
    err_t err = {0};
    int rc = 1;
    if (s_client_init(self, connect, &err) != 0) {
        fprintf(stderr, "bench_hop client: %s\n", err.msg);
        goto cleanup;
    }
    hop_result_t r;
    if (s_client_level(self, 64, HOP_WARMUP_S, pids, n_pids + 1, &r) != 0 || r.mismatches)
        goto cleanup;
    for (int l = 0; l < n_levels; l++) {
        if (s_client_level(self, (int) levels[l], seconds, pids, n_pids + 1, &r) != 0)
            goto cleanup;
        if (s_write_all(report_fd, &r, sizeof r) != 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    s_client_fini(self);
    mem_free(self);
    close(report_fd);
    return rc;
}

/* Probe role: one request to connect with this process's CURVE settings; exit 0 when it was answered within
 * a second, 1 when not (refused during the handshake), 2 on a setup failure. */
static int s_role_probe(const char *connect)
{
    log_init("hop-probe", LOG_LEVEL_OFF);
    client_t *self = mem_calloc(1, sizeof *self);
    err_t err = {0};
    int rc = 2;
    if (s_client_init(self, connect, &err) != 0)
        goto cleanup;
    rc = 1;
    if (bus_send_envelope(self->sock, NULL, &self->env[0], &err) != 0)
        goto cleanup;
    zmq_pollitem_t item = {zsock_resolve(self->sock), 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 1000) == 1) {
        bus_msg_t *msg = bus_msg_recv(self->sock, &err);
        rc = msg ? 0 : 1;
        bus_msg_destroy(&msg);
    }
cleanup:
    s_client_fini(self);
    mem_free(self);
    return rc;
}

/* ---- the parent: chains, rounds, report ------------------------------------------------------------------ */

typedef struct {
    bool ipc;   /* ipc:// (else tcp://127.0.0.1) */
    bool curve; /* CURVE on every link */
    int fwd;    /* forwarders */
} chain_t;

typedef struct {
    chain_t chain;  /* what ran */
    int round;      /* 1.. */
    double load1;   /* 1-minute load average at the end */
    hop_result_t r; /* what the client measured */
} run_t;

typedef struct {
    char exe[1024];          /* this program, exec'd in the roles */
    char dir[64];            /* temp dir: keys and ipc endpoints */
    int rounds;              /* every chain runs once per round */
    double seconds;          /* per level */
    long levels[HOP_LEVELS]; /* in-flight levels */
    int n_levels;
    long fwds[HOP_FWD_MAX + 1]; /* forwarder counts */
    int n_fwds;
    bool ipcs[2]; /* transports: false tcp, true ipc */
    int n_ipcs;
    bool curves[2]; /* CURVE off, on */
    int n_curves;
    run_t *runs; /* every run so far */
    size_t n_runs;
    size_t cap_runs;
    int failures; /* chains that failed */
} bench_t;

/* Starts this program (exe) in a role: argv (NULL-terminated) after the program name, with "%fd" replaced by the
 * write end of a new pipe whose read end lands in *rfd. Returns the pid or -1. */
static pid_t s_spawn(const char *exe, const char *const *args, int *rfd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    char fd_text[16];
    snprintf(fd_text, sizeof fd_text, "%d", p[1]);
    const char *argv[16];
    int n = 0;
    argv[n++] = "bench_hop";
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = strcmp(args[i], "%fd") == 0 ? fd_text : args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* a parent that dies takes its chain along */
        fcntl(p[1], F_SETFD, 0);
        execv(exe, (char *const *) argv);
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    *rfd = p[0];
    return pid;
}

/* Reads up to cap bytes from fd until EOF or timeout_ms; returns the count or -1. */
static ssize_t s_read_all(int fd, void *out, size_t cap, int timeout_ms)
{
    size_t got = 0;
    int64_t until = clock_mono_ms() + timeout_ms;
    while (got < cap) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int left = (int) (until - clock_mono_ms());
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            return -1;
        ssize_t r = read(fd, (char *) out + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t) r;
    }
    return (ssize_t) got;
}

/* Starts an echo end (connect NULL) or a forwarder and reads the endpoint it bound into ep. pid or -1. */
static pid_t s_start_node(const bench_t *b, const chain_t *c, int k, const char *connect, char *ep, size_t cap)
{
    char bind[200];
    if (c->ipc)
        snprintf(bind, sizeof bind, "ipc://%s/n%d.sock", b->dir, k);
    else
        snprintf(bind, sizeof bind, "tcp://127.0.0.1:*");
    const char *echo_args[] = {"--role", "echo", bind, "%fd", NULL};
    const char *fwd_args[] = {"--role", "fwd", bind, connect, "%fd", NULL};
    int rfd = -1;
    pid_t pid = s_spawn(b->exe, connect ? fwd_args : echo_args, &rfd);
    if (pid < 0)
        return -1;
    ssize_t n = s_read_all(rfd, ep, cap - 1, 10000);
    close(rfd);
    if (n <= 1 || ep[n - 1] != '\n') {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    ep[n - 1] = '\0';
    return pid;
}

/* Stops the chain's servers; -1 when one did not exit cleanly (e.g. saw an unauthenticated message). */
static int s_stop_nodes(const pid_t *pids, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGTERM);
    for (int i = 0; i < n; i++) {
        int st = 0;
        if (pids[i] <= 0 || waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            if (pids[i] > 0 && WIFEXITED(st) && WEXITSTATUS(st) == HOP_EXIT_UNAUTH)
                fprintf(stderr, "bench_hop: a server of the chain saw messages without CURVE authentication\n");
            rc = -1;
        }
    }
    return rc;
}

/* Starts the servers of chain c, the echo end first, then forwarders from the far end to the near one.
 * pids[0] is the nearest (the client's peer), pids[c->fwd] the echo end; ep receives the nearest endpoint. */
static int s_start_chain(const bench_t *b, const chain_t *c, pid_t *pids, char *ep, size_t cap)
{
    setenv("XROUTE_CURVE", c->curve ? "on" : "off", 1);
    char next[600] = "";
    for (int k = c->fwd; k >= 0; k--) {
        pids[k] = s_start_node(b, c, k, k == c->fwd ? NULL : next, ep, cap);
        if (pids[k] < 0) {
            s_stop_nodes(pids + k + 1, c->fwd - k);
            return -1;
        }
        snprintf(next, sizeof next, "%s", ep);
    }
    return 0;
}

static void s_add_run(bench_t *b, const chain_t *c, int round, const hop_result_t *r)
{
    if (b->n_runs == b->cap_runs) {
        b->cap_runs = b->cap_runs ? b->cap_runs * 2 : 64;
        b->runs = mem_realloc(b->runs, b->cap_runs * sizeof *b->runs);
    }
    run_t *run = &b->runs[b->n_runs++];
    run->chain = *c;
    run->round = round;
    run->r = *r;
    double load[3] = {0, 0, 0};
    run->load1 = getloadavg(load, 3) > 0 ? load[0] : -1;
}

static const char *s_proc_name(int p, int n_procs, char *out, size_t cap)
{
    if (p == 0)
        snprintf(out, cap, "client");
    else if (p == n_procs - 1)
        snprintf(out, cap, "echo");
    else
        snprintf(out, cap, "fwd%d", p);
    return out;
}

static void s_print_run_json(const run_t *run)
{
    const hop_result_t *r = &run->r;
    char name[16];
    double cpu = 0, wait = 0, sw = 0;
    printf("{\"bench\":\"hop\",\"transport\":\"%s\",\"curve\":%s,\"forwarders\":%d,\"inflight\":%d,\"round\":%d,"
           "\"msgs\":%ld,\"mismatches\":%ld,\"seconds\":%.3f,\"msgs_per_s\":%.0f,\"p50_us\":%u,\"p99_us\":%u,"
           "\"p999_us\":%u,\"max_us\":%u,\"cpu_us_per_msg\":{",
           run->chain.ipc ? "ipc" : "tcp", run->chain.curve ? "true" : "false", run->chain.fwd, r->inflight, run->round,
           r->msgs, r->mismatches, r->seconds, (double) r->msgs / r->seconds, r->p50_us, r->p99_us, r->p999_us,
           r->max_us);
    for (int p = 0; p < r->n_procs; p++) {
        printf("\"%s\":%.1f,", s_proc_name(p, r->n_procs, name, sizeof name), r->cpu_us[p]);
        cpu += r->cpu_us[p];
    }
    printf("\"total\":%.1f},\"wait_us_per_msg\":{", cpu);
    for (int p = 0; p < r->n_procs; p++) {
        printf("\"%s\":%.1f,", s_proc_name(p, r->n_procs, name, sizeof name), r->wait_us[p]);
        wait += r->wait_us[p];
    }
    printf("\"total\":%.1f},\"switches_per_msg\":{", wait);
    for (int p = 0; p < r->n_procs; p++) {
        printf("\"%s\":%.2f,", s_proc_name(p, r->n_procs, name, sizeof name), r->switches[p]);
        sw += r->switches[p];
    }
    printf("\"total\":%.2f},\"load1\":%.2f}\n", sw, run->load1);
    fflush(stdout);
}

/* Runs chain c once (round `round`): servers, client over every level, stop. 0 or -1. */
static int s_run_chain(bench_t *b, const chain_t *c, int round)
{
    pid_t pids[HOP_PROCS];
    char ep[600];
    if (s_start_chain(b, c, pids, ep, sizeof ep) != 0)
        return -1;
    char pids_text[200] = "", levels_text[100] = "", secs[32];
    size_t off = 0;
    for (int k = 0; k <= c->fwd; k++)
        off += (size_t) snprintf(pids_text + off, sizeof pids_text - off, "%s%d", k ? "," : "", (int) pids[k]);
    off = 0;
    for (int l = 0; l < b->n_levels; l++)
        off += (size_t) snprintf(levels_text + off, sizeof levels_text - off, "%s%ld", l ? "," : "", b->levels[l]);
    snprintf(secs, sizeof secs, "%.3f", b->seconds);
    const char *args[] = {"--role", "client", ep, "%fd", secs, levels_text, pids_text, NULL};
    int rfd = -1, st = 0, rc = -1;
    pid_t client = s_spawn(b->exe, args, &rfd);
    if (client < 0)
        goto stop;
    hop_result_t res[HOP_LEVELS];
    int timeout_ms = (int) (b->seconds * 1000 * b->n_levels) + 2 * HOP_STALL_MS + 5000;
    ssize_t n = s_read_all(rfd, res, sizeof res, timeout_ms);
    close(rfd);
    if (n != (ssize_t) (b->n_levels * sizeof res[0]))
        kill(client, SIGKILL);
    waitpid(client, &st, 0);
    if (n != (ssize_t) (b->n_levels * sizeof res[0]) || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        goto stop;
    rc = 0;
    for (int l = 0; l < b->n_levels; l++) {
        s_add_run(b, c, round, &res[l]);
        s_print_run_json(&b->runs[b->n_runs - 1]);
        if (res[l].mismatches)
            rc = -1;
    }
stop:
    if (s_stop_nodes(pids, c->fwd + 1) != 0)
        rc = -1;
    return rc;
}

/* ---- keys and the CURVE check ---------------------------------------------------------------------------- */

static int s_copy_file(const char *from, const char *to)
{
    char text[4096];
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    ssize_t n = read(in, text, sizeof text);
    close(in);
    int out = n > 0 ? open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
    if (out < 0)
        return -1;
    int rc = s_write_all(out, text, (size_t) n);
    close(out);
    return rc;
}

/* One key pair for the whole chain: DIR/keys/hop.cert{,_secret}, and hop.cert in the allow directory. */
static int s_make_keys(const bench_t *b, err_t *err)
{
    char keys[200], allow[300], from[300], to[400];
    snprintf(keys, sizeof keys, "%s/keys", b->dir);
    if (bus_curve_keygen(keys, HOP_KEY, NULL, err) != 0)
        return -1;
    snprintf(allow, sizeof allow, "%s/allow", keys);
    mkdir(allow, 0755);
    snprintf(allow, sizeof allow, "%s/allow/" HOP_KEY, keys);
    snprintf(from, sizeof from, "%s/" HOP_KEY ".cert", keys);
    snprintf(to, sizeof to, "%s/" HOP_KEY ".cert", allow);
    if (mkdir(allow, 0755) != 0 || s_copy_file(from, to) != 0)
        return err_set(err, XR_INTERNAL, "cannot fill the allow directory %s", allow);
    setenv("XROUTE_KEYS_DIR", keys, 1);
    return 0;
}

/* Runs a probe against the first server of a running chain with CURVE on or off; returns its exit status. */
static int s_probe(const bench_t *b, const char *ep, bool curve)
{
    setenv("XROUTE_CURVE", curve ? "on" : "off", 1);
    const char *args[] = {"--role", "probe", ep, NULL};
    int rfd = -1, st = 0;
    pid_t pid = s_spawn(b->exe, args, &rfd);
    if (pid < 0)
        return -1;
    close(rfd);
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* CURVE over ipc:// with bus_curve: a CURVE client is answered, a plain one is refused. 0 or -1. */
static int s_check_ipc_curve(const bench_t *b)
{
    chain_t c = {.ipc = true, .curve = true, .fwd = 0};
    pid_t pid;
    char ep[600];
    if (s_start_chain(b, &c, &pid, ep, sizeof ep) != 0)
        return -1;
    int with = s_probe(b, ep, true), without = s_probe(b, ep, false);
    int stopped = s_stop_nodes(&pid, 1);
    int major = 0, minor = 0, patch = 0;
    zmq_version(&major, &minor, &patch);
    printf("check: libzmq %d.%d.%d (CURVE %s, ipc %s); CURVE over %s with bus_curve and zauth: a CURVE client is "
           "%s, a plain client %s\n",
           major, minor, patch, zsys_has_curve() ? "yes" : "NO", zmq_has("ipc") ? "yes" : "NO", ep,
           with == 0 ? "answered" : "NOT answered", without == 1 ? "refused" : "NOT refused");
    return with == 0 && without == 1 && stopped == 0 ? 0 : -1;
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    return remove(path);
}

/* ---- summary --------------------------------------------------------------------------------------------- */

/* A median with its range over the rounds. */
typedef struct {
    double med; /* median */
    double min; /* smallest */
    double max; /* largest */
    int n;      /* values; 0 = none */
} stat_t;

static stat_t s_stat(double *v, int n)
{
    stat_t s = {0, 0, 0, n};
    if (n == 0)
        return s;
    qsort(v, (size_t) n, sizeof *v, s_cmp_double);
    s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    s.min = v[0];
    s.max = v[n - 1];
    return s;
}

typedef enum {
    F_RATE,       /* messages/s */
    F_P50,        /* round trip p50, us */
    F_P99,        /* round trip p99, us */
    F_CPU,        /* CPU per message, all processes, us */
    F_CPU_CLIENT, /* CPU per message of the client */
    F_CPU_FWD,    /* CPU per message of a forwarder (mean of the chain's) */
    F_CPU_ECHO,   /* CPU per message of the echo end */
    F_WAIT,       /* run-queue wait per message, all processes, us */
    F_SWITCH,     /* context switches per message, all processes */
    F_LOAD        /* 1-minute load average */
} field_t;

static double s_field(const run_t *run, field_t f)
{
    const hop_result_t *r = &run->r;
    double sum = 0;
    switch (f) {
    case F_RATE:
        return (double) r->msgs / r->seconds;
    case F_P50:
        return r->p50_us;
    case F_P99:
        return r->p99_us;
    case F_CPU_CLIENT:
        return r->cpu_us[0];
    case F_CPU_ECHO:
        return r->cpu_us[r->n_procs - 1];
    case F_CPU_FWD:
        for (int p = 1; p < r->n_procs - 1; p++)
            sum += r->cpu_us[p];
        return r->n_procs > 2 ? sum / (r->n_procs - 2) : 0;
    case F_LOAD:
        return run->load1;
    case F_CPU:
    case F_WAIT:
    case F_SWITCH:
        for (int p = 0; p < r->n_procs; p++)
            sum += f == F_CPU ? r->cpu_us[p] : f == F_WAIT ? r->wait_us[p] : r->switches[p];
        return sum;
    }
    return 0;
}

static bool s_match(const run_t *run, bool ipc, bool curve, int fwd, int inflight, int round)
{
    return run->chain.ipc == ipc && run->chain.curve == curve && run->chain.fwd == fwd && run->r.inflight == inflight &&
           (round == 0 || run->round == round);
}

/* Field f over the rounds of one chain and level. */
static stat_t s_over_rounds(const bench_t *b, bool ipc, bool curve, int fwd, int inflight, field_t f)
{
    double v[HOP_ROUNDS_MAX];
    int n = 0;
    for (size_t i = 0; i < b->n_runs && n < HOP_ROUNDS_MAX; i++)
        if (s_match(&b->runs[i], ipc, curve, fwd, inflight, 0))
            v[n++] = s_field(&b->runs[i], f);
    return s_stat(v, n);
}

/* Least-squares slope of field f over the forwarder counts of one round; false when fewer than two ran. */
static bool s_slope_round(const bench_t *b, bool ipc, bool curve, int inflight, int round, field_t f, double *slope)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int n = 0;
    for (size_t i = 0; i < b->n_runs; i++) {
        const run_t *run = &b->runs[i];
        if (!s_match(run, ipc, curve, run->chain.fwd, inflight, round))
            continue;
        double x = run->chain.fwd, y = s_field(run, f);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        n++;
    }
    double den = n * sxx - sx * sx;
    if (n < 2 || den == 0)
        return false;
    *slope = (n * sxy - sx * sy) / den;
    return true;
}

/* Per-hop figure: the slope of f per round, median and range over the rounds. */
static stat_t s_per_hop(const bench_t *b, bool ipc, bool curve, int inflight, field_t f)
{
    double v[HOP_ROUNDS_MAX];
    int n = 0;
    for (int round = 1; round <= b->rounds && n < HOP_ROUNDS_MAX; round++)
        if (s_slope_round(b, ipc, curve, inflight, round, f, &v[n]))
            n++;
    return s_stat(v, n);
}

static void s_fmt(char *out, size_t cap, stat_t s, int decimals)
{
    if (s.n == 0)
        snprintf(out, cap, "-");
    else if (s.n == 1)
        snprintf(out, cap, "%.*f", decimals, s.med);
    else
        snprintf(out, cap, "%.*f (%.*f..%.*f)", decimals, s.med, decimals, s.min, decimals, s.max);
}

static void s_print_json_stat(const char *name, stat_t s)
{
    printf(",\"%s\":{\"median\":%.1f,\"min\":%.1f,\"max\":%.1f}", name, s.med, s.min, s.max);
}

/* The table of every chain and level, medians (min..max) over the rounds. */
static void s_print_chains(const bench_t *b)
{
    const bool *ipcs = b->ipcs, *curves = b->curves;
    printf("\n| transport | CURVE | forwarders | in flight | msgs/s | p50 us | p99 us | CPU us/msg total | client | "
           "per forwarder | echo | run-queue wait us/msg | switches/msg | load |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int t = 0; t < b->n_ipcs; t++)
        for (int c = 0; c < b->n_curves; c++)
            for (int l = 0; l < b->n_levels; l++)
                for (int k = 0; k < b->n_fwds; k++) {
                    int inf = (int) b->levels[l], fw = (int) b->fwds[k];
                    char col[10][64];
                    field_t fs[] = {F_RATE,    F_P50,      F_P99,  F_CPU,    F_CPU_CLIENT,
                                    F_CPU_FWD, F_CPU_ECHO, F_WAIT, F_SWITCH, F_LOAD};
                    for (int i = 0; i < 10; i++)
                        s_fmt(col[i], sizeof col[i], s_over_rounds(b, ipcs[t], curves[c], fw, inf, fs[i]),
                              fs[i] == F_RATE || fs[i] == F_P50 || fs[i] == F_P99 ? 0 : 1);
                    if (fw == 0)
                        snprintf(col[5], sizeof col[5], "-");
                    printf("| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                           ipcs[t] ? "ipc" : "tcp", curves[c] ? "on" : "off", fw, inf, col[0], col[1], col[2], col[3],
                           col[4], col[5], col[6], col[7], col[8], col[9]);
                }
}

/* One row of the per-hop table, and its JSON line. */
static void s_print_hop_row(const bench_t *b, bool ipc, bool curve, int inf)
{
    stat_t cpu = s_per_hop(b, ipc, curve, inf, F_CPU);
    stat_t p50 = s_per_hop(b, ipc, curve, inf, F_P50);
    stat_t p99 = s_per_hop(b, ipc, curve, inf, F_P99);
    stat_t sw = s_per_hop(b, ipc, curve, inf, F_SWITCH);
    double v[HOP_ROUNDS_MAX * HOP_FWD_MAX];
    int n = 0;
    for (size_t i = 0; i < b->n_runs && n < HOP_ROUNDS_MAX * HOP_FWD_MAX; i++) {
        const run_t *run = &b->runs[i];
        if (run->chain.fwd > 0 && s_match(run, ipc, curve, run->chain.fwd, inf, 0))
            v[n++] = s_field(run, F_CPU_FWD);
    }
    stat_t own = s_stat(v, n);
    stat_t r0 = s_over_rounds(b, ipc, curve, 0, inf, F_RATE);
    stat_t r3 = s_over_rounds(b, ipc, curve, 3, inf, F_RATE);
    char a[64], p[64], q[64], o[64], w[64];
    s_fmt(w, sizeof w, sw, 1);
    s_fmt(a, sizeof a, cpu, 1);
    s_fmt(p, sizeof p, p50, 1);
    s_fmt(q, sizeof q, p99, 1);
    s_fmt(o, sizeof o, own, 1);
    printf("| %s | %s | %d | %s | %s | %s | %s | %s | %.0f / %.0f |\n", ipc ? "ipc" : "tcp", curve ? "on" : "off", inf,
           a, p, q, o, w, r0.med, r3.med);
    printf("{\"bench\":\"hop\",\"summary\":\"per_hop\",\"transport\":\"%s\",\"curve\":%s,\"inflight\":%d",
           ipc ? "ipc" : "tcp", curve ? "true" : "false", inf);
    s_print_json_stat("cpu_us", cpu);
    s_print_json_stat("p50_us", p50);
    s_print_json_stat("p99_us", p99);
    s_print_json_stat("forwarder_cpu_us", own);
    s_print_json_stat("switches", sw);
    printf("}\n");
}

/* One hop: slopes over the forwarder count, and the forwarding process's own CPU. */
static void s_print_hops(const bench_t *b)
{
    printf("\nOne hop (a forwarding process plus one more link, both directions): slope over the forwarder "
           "count, per round; median (min..max) of the rounds.\n\n");
    printf("| transport | CURVE | in flight | CPU us/msg per hop | p50 us per hop | p99 us per hop | "
           "forwarder's own CPU us/msg | switches/msg per hop | msgs/s with 0 / 3 forwarders |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    for (int t = 0; t < b->n_ipcs; t++)
        for (int c = 0; c < b->n_curves; c++)
            for (int l = 0; l < b->n_levels; l++)
                s_print_hop_row(b, b->ipcs[t], b->curves[c], (int) b->levels[l]);
}

/* Per round, the per-hop slope of f for chain kind a minus that for kind b (both of the same round, so the
 * machine's load of the moment weighs on both); median and range over the rounds. */
static stat_t s_per_hop_diff(const bench_t *b, int inflight, field_t f, const chain_t *ka, const chain_t *kb)
{
    double v[HOP_ROUNDS_MAX];
    int n = 0;
    for (int round = 1; round <= b->rounds && n < HOP_ROUNDS_MAX; round++) {
        double x, y;
        if (s_slope_round(b, ka->ipc, ka->curve, inflight, round, f, &x) &&
            s_slope_round(b, kb->ipc, kb->curve, inflight, round, f, &y))
            v[n++] = x - y;
    }
    return s_stat(v, n);
}

/* ipc against tcp and CURVE on against off, paired by round. */
static void s_print_diffs(const bench_t *b)
{
    const struct {
        const char *name; /* what is compared */
        const char *key;  /* its JSON name */
        chain_t a;        /* kind measured */
        chain_t b;        /* minus this kind */
    } cmp[] = {
        {"ipc minus tcp, CURVE off", "ipc_minus_tcp_curve_off", {true, false, 0}, {false, false, 0}},
        {"ipc minus tcp, CURVE on", "ipc_minus_tcp_curve_on", {true, true, 0}, {false, true, 0}},
        {"CURVE on minus off, tcp", "curve_on_minus_off_tcp", {false, true, 0}, {false, false, 0}},
        {"CURVE on minus off, ipc", "curve_on_minus_off_ipc", {true, true, 0}, {true, false, 0}},
    };
    printf("\nDifferences per hop, paired by round (negative: the first kind is cheaper); median (min..max) of "
           "the rounds' differences.\n\n");
    printf("| comparison | in flight | CPU us/msg per hop | p50 us per hop |\n|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++)
        for (int l = 0; l < b->n_levels; l++) {
            int inf = (int) b->levels[l];
            stat_t cpu = s_per_hop_diff(b, inf, F_CPU, &cmp[i].a, &cmp[i].b);
            stat_t p50 = s_per_hop_diff(b, inf, F_P50, &cmp[i].a, &cmp[i].b);
            if (cpu.n == 0)
                continue; /* one of the two kinds did not run */
            char c[64], p[64];
            s_fmt(c, sizeof c, cpu, 1);
            s_fmt(p, sizeof p, p50, 1);
            printf("| %s | %d | %s | %s |\n", cmp[i].name, inf, c, p);
            printf("{\"bench\":\"hop\",\"summary\":\"%s\",\"inflight\":%d", cmp[i].key, inf);
            s_print_json_stat("cpu_us", cpu);
            s_print_json_stat("p50_us", p50);
            printf("}\n");
        }
}

/* ---- main ------------------------------------------------------------------------------------------------ */

static int s_role(int argc, char **argv)
{
    const char *role = argv[2];
    char *end = NULL;
    if (strcmp(role, "echo") == 0 && argc == 5)
        return s_role_node(argv[3], NULL, (int) strtol(argv[4], &end, 10));
    if (strcmp(role, "fwd") == 0 && argc == 6)
        return s_role_node(argv[3], argv[4], (int) strtol(argv[5], &end, 10));
    if (strcmp(role, "client") == 0 && argc == 8)
        return s_role_client(argv[3], (int) strtol(argv[4], &end, 10), strtod(argv[5], NULL), argv[6], argv[7]);
    if (strcmp(role, "probe") == 0 && argc == 4)
        return s_role_probe(argv[3]);
    fprintf(stderr, "bench_hop: bad role arguments\n");
    return 2;
}

static void s_usage(void)
{
    fprintf(stderr, "usage: bench_hop [-r ROUNDS] [-s SECONDS per level] [-f FORWARDERS,...] [-t tcp,ipc] "
                    "[-c off,on] [-i INFLIGHT,...]\n");
}

/* Parses a list of two names (e.g. "tcp,ipc") into flags: first name false, second true. Count or -1. */
static int s_parse_pair(const char *text, const char *no, const char *yes, bool *out)
{
    int n = 0;
    char copy[64];
    snprintf(copy, sizeof copy, "%s", text);
    for (char *p = copy, *next; p && *p && n < 2; p = next) {
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        if (strcmp(p, no) != 0 && strcmp(p, yes) != 0)
            return -1;
        out[n++] = strcmp(p, yes) == 0;
    }
    return n > 0 ? n : -1;
}

/* Reads the options into b (defaults: 5 rounds of 2 s per level, forwarders 0..3, tcp and ipc, CURVE off and on,
 * 1 and 64 in flight). 0, or -1 on a bad option. */
static int s_parse_args(bench_t *b, int argc, char **argv)
{
    *b = (bench_t){.rounds = 5,
                   .seconds = 2.0,
                   .levels = {1, 64},
                   .n_levels = 2,
                   .fwds = {0, 1, 2, 3},
                   .n_fwds = 4,
                   .ipcs = {false, true},
                   .n_ipcs = 2,
                   .curves = {false, true},
                   .n_curves = 2};
    int opt;
    while ((opt = getopt(argc, argv, "r:s:f:t:c:i:")) != -1) {
        long one[1] = {0};
        bool bad = false;
        switch (opt) {
        case 'r':
            bad = s_parse_ints(optarg, 1, HOP_ROUNDS_MAX, one, 1) != 1;
            b->rounds = (int) one[0];
            break;
        case 's':
            b->seconds = strtod(optarg, NULL);
            bad = !(b->seconds >= 0.1 && b->seconds <= 600);
            break;
        case 'f':
            bad = (b->n_fwds = s_parse_ints(optarg, 0, HOP_FWD_MAX, b->fwds, HOP_FWD_MAX + 1)) < 1;
            break;
        case 't':
            bad = (b->n_ipcs = s_parse_pair(optarg, "tcp", "ipc", b->ipcs)) < 1;
            break;
        case 'c':
            bad = (b->n_curves = s_parse_pair(optarg, "off", "on", b->curves)) < 1;
            break;
        case 'i':
            bad = (b->n_levels = s_parse_ints(optarg, 1, HOP_INFLIGHT_MAX, b->levels, HOP_LEVELS)) < 1;
            break;
        default:
            bad = true;
        }
        if (bad)
            return -1;
    }
    return optind == argc ? 0 : -1;
}

/* Every round runs every chain once, in the same order. */
static void s_run_rounds(bench_t *b)
{
    for (int round = 1; round <= b->rounds; round++)
        for (int t = 0; t < b->n_ipcs; t++)
            for (int c = 0; c < b->n_curves; c++)
                for (int k = 0; k < b->n_fwds; k++) {
                    chain_t ch = {.ipc = b->ipcs[t], .curve = b->curves[c], .fwd = (int) b->fwds[k]};
                    if (s_run_chain(b, &ch, round) != 0) {
                        fprintf(stderr, "bench_hop: %s CURVE %s, %d forwarders, round %d failed\n",
                                ch.ipc ? "ipc" : "tcp", ch.curve ? "on" : "off", ch.fwd, round);
                        b->failures++;
                    }
                }
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--role") == 0)
        return s_role(argc, argv);
    bench_t b;
    if (s_parse_args(&b, argc, argv) != 0) {
        s_usage();
        return 2;
    }
    ssize_t n = readlink("/proc/self/exe", b.exe, sizeof b.exe - 1);
    if (n <= 0 || n >= (ssize_t) sizeof b.exe - 1) {
        perror("bench_hop: /proc/self/exe");
        return 1;
    }
    b.exe[n] = '\0';
    snprintf(b.dir, sizeof b.dir, "/tmp/xr-hop-XXXXXX");
    if (!mkdtemp(b.dir)) {
        perror("bench_hop: mkdtemp");
        return 1;
    }
    err_t err = {0};
    int rc = 1;
    if (s_make_keys(&b, &err) != 0) {
        fprintf(stderr, "bench_hop: keys: %s\n", err.msg);
        goto cleanup;
    }
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    buf_t env;
    buf_init(&env, 4096);
    s_client_envelope(&env, 0, NULL);
    printf("bench_hop: %d rounds, %.1f s per level, envelope %zu bytes, %ld cores, load average at start %.2f %.2f "
           "%.2f\n",
           b.rounds, b.seconds, env.len, sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
    buf_release(&env);
    if (s_check_ipc_curve(&b) != 0)
        b.failures++;
    s_run_rounds(&b);
    getloadavg(load, 3);
    s_print_chains(&b);
    s_print_hops(&b);
    s_print_diffs(&b);
    printf("\nload average at the end %.2f %.2f %.2f; %d failures\n", load[0], load[1], load[2], b.failures);
    rc = b.failures ? 1 : 0;
cleanup:
    nftw(b.dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    mem_free(b.runs);
    return rc;
}
