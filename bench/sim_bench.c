/* sim_bench: signed order requests per second through xroute-exchange-sim's Binance dialect over HTTP/1.1
 * keep-alive, at concurrency 1 and 64 (or the levels given).
 *
 * The bench starts the real simulator (rate limits off, 100 ms price path), then for each concurrency level opens
 * that many keep-alive connections and drives them from one epoll loop: each connection sends a freshly signed
 * POST /fapi/v1/order (MARKET, 0.001 BTCUSDT, alternating BUY and SELL so the position stays flat), waits for the
 * reply, checks it is a 200, and sends the next. Every request carries a new timestamp and HMAC-SHA256 signature,
 * so the client does the work a real trading client does (with a prepared HMAC key, as the venue workers can).
 *
 * Prints per level: requests/s and latency percentiles, which depend on what else the machine runs, and the CPU
 * time per request of the simulator (/proc/PID/stat) and of this client (getrusage), which do not. From those it
 * derives the ceilings on this machine's 2 cores with nothing else running: the simulator is one thread, so it
 * cannot exceed 1 / sim_cpu_per_req; with the client sharing the 2 cores, both together cannot exceed
 * 2 / (sim + client CPU per request). The lower of the two is printed as ceiling_2core.
 *
 * usage: bench_sim [seconds per level (default 5)] [levels... (default 1 64)]
 * Environment: XR_BIN (bin dir with xroute-exchange-sim), BENCH_PORT (port base, default 19180). */
#include "base/clock.h"
#include "crypto/crypto.h"
#include "crypto/crypto_hmac.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY "bench-key"
#define SECRET "bench-secret-0123456789"
#define MAX_CONN 1024
#define MAX_LAT 4000000

typedef struct {
    int fd;                 /* socket */
    char out[1024];         /* request being sent */
    size_t out_len;         /* bytes of it */
    size_t out_off;         /* bytes sent */
    char in[8192];          /* reply being read */
    size_t in_len;          /* bytes read */
    int64_t sent_ns;        /* when the request was fully written */
    int side;               /* alternates BUY / SELL */
} conn_t;

typedef struct {
    conn_t conns[MAX_CONN]; /* connections */
    int n;                  /* in use */
    int ep;                 /* epoll */
    uint16_t port;          /* Binance port */
    uint64_t done;          /* replies received in the window */
    uint64_t bad;           /* non-200 replies */
    uint32_t *lat_us;       /* latencies of the window */
    size_t n_lat;           /* recorded */
    pid_t sim;              /* the simulator process */
    long long cpu0;         /* its CPU ticks when the window opened */
    double self_cpu0;       /* this process's CPU seconds when the window opened */
    crypto_hmac_t *hmac;    /* SECRET, prepared */
} bench_t;

static int s_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void s_build(bench_t *b, conn_t *c)
{
    char params[512], sig[CRYPTO_HEX_SHA256_LEN];
    int n = snprintf(params, sizeof params, "symbol=BTCUSDT&side=%s&type=MARKET&quantity=0.001&timestamp=%lld",
                     c->side ? "SELL" : "BUY", (long long)clock_wall_ms());
    c->side ^= 1;
    crypto_hmac_sign_hex(b->hmac, params, (size_t)n, sig);
    c->out_len = (size_t)snprintf(c->out, sizeof c->out,
                                  "POST /fapi/v1/order?%s&signature=%s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                  "X-MBX-APIKEY: " KEY "\r\nContent-Length: 0\r\n\r\n",
                                  params, sig, b->port);
    c->out_off = 0;
    c->in_len = 0;
}

static int s_send(conn_t *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (w < 0)
            return errno == EAGAIN ? 0 : -1;
        c->out_off += (size_t)w;
    }
    c->sent_ns = clock_mono_ns();
    return 1;
}

/* Reads what is there; returns 1 when a whole reply is in, 0 if more is needed, -1 on error. */
static int s_recv(bench_t *b, conn_t *c)
{
    for (;;) {
        ssize_t r = read(c->fd, c->in + c->in_len, sizeof c->in - 1 - c->in_len);
        if (r == 0)
            return -1;
        if (r < 0) {
            if (errno != EAGAIN)
                return -1;
            break;
        }
        c->in_len += (size_t)r;
        if (c->in_len >= sizeof c->in - 1)
            return -1;
    }
    c->in[c->in_len] = '\0';
    char *end = strstr(c->in, "\r\n\r\n");
    if (!end)
        return 0;
    char *cl = strcasestr(c->in, "Content-Length:");
    size_t body = cl ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
    if (c->in_len < (size_t)(end + 4 - c->in) + body)
        return 0;
    if (strncmp(c->in, "HTTP/1.1 200", 12) != 0) {
        if (b->bad++ < 3)
            fprintf(stderr, "bench: unexpected reply: %.200s\n", c->in);
    }
    return 1;
}

/* CPU seconds (user + system) this process has used. */
static double s_self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU time (user + system) of a process in clock ticks, from /proc; -1 if unreadable. */
static long long s_cpu_ticks(pid_t pid)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *p = strrchr(text, ')'); /* the command name may hold spaces */
    long long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &utime, &stime) != 2)
        return -1;
    return utime + stime;
}

/* The 1-minute load average, for reading the rate and latency figures ("?" if unreadable). */
static const char *s_load(void)
{
    static char text[32];
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f || !fgets(text, sizeof text, f))
        snprintf(text, sizeof text, "?");
    if (f)
        fclose(f);
    char *sp = strchr(text, ' ');
    if (sp)
        *sp = '\0';
    return text;
}

static int s_level(bench_t *b, int conc, int seconds)
{
    b->n = conc;
    b->done = b->bad = 0;
    b->n_lat = 0;
    b->ep = epoll_create1(0);
    for (int i = 0; i < conc; i++) {
        conn_t *c = &b->conns[i];
        memset(c, 0, sizeof *c);
        c->side = i & 1;
        c->fd = s_connect(b->port);
        if (c->fd < 0)
            return -1;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
        epoll_ctl(b->ep, EPOLL_CTL_ADD, c->fd, &ev);
        s_build(b, c);
    }
    int64_t start = clock_mono_ns(), warm = start + 500000000LL, stop = warm + (int64_t)seconds * 1000000000LL;
    uint64_t base_done = 0;
    bool counting = false;
    struct epoll_event evs[256];
    while (clock_mono_ns() < stop) {
        int n = epoll_wait(b->ep, evs, 256, 100);
        int64_t now = clock_mono_ns();
        if (!counting && now >= warm) {
            counting = true;
            base_done = b->done;
            b->n_lat = 0;
            start = now;
            b->cpu0 = s_cpu_ticks(b->sim);
            b->self_cpu0 = s_self_cpu();
        }
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->out_off < c->out_len && s_send(c) < 0)
                return -1;
            if (c->out_off < c->out_len)
                continue;
            int r = s_recv(b, c);
            if (r < 0) {
                fprintf(stderr, "bench: connection lost\n");
                return -1;
            }
            if (r == 1) {
                b->done++;
                if (counting && b->n_lat < MAX_LAT)
                    b->lat_us[b->n_lat++] = (uint32_t)((clock_mono_ns() - c->sent_ns) / 1000);
                s_build(b, c);
                if (s_send(c) < 0)
                    return -1;
            }
        }
    }
    double secs = (double)(clock_mono_ns() - start) / 1e9;
    uint64_t done = b->done - base_done;
    long long cpu1 = s_cpu_ticks(b->sim);
    double cpu_s = b->cpu0 >= 0 && cpu1 >= 0 ? (double)(cpu1 - b->cpu0) / (double)sysconf(_SC_CLK_TCK) : 0;
    double client_s = s_self_cpu() - b->self_cpu0;
    for (int i = 0; i < conc; i++)
        close(b->conns[i].fd);
    close(b->ep);
    /* percentiles by counting sort over microseconds (bounded at 1 s) */
    static uint32_t hist[1000001];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < b->n_lat; i++)
        hist[b->lat_us[i] > 1000000 ? 1000000 : b->lat_us[i]]++;
    uint32_t p[3] = {0, 0, 0};
    double q[3] = {0.5, 0.99, 0.999};
    for (int k = 0; k < 3; k++) {
        uint64_t want = (uint64_t)(q[k] * (double)b->n_lat), acc = 0;
        for (uint32_t us = 0; us <= 1000000; us++) {
            acc += hist[us];
            if (acc > want) {
                p[k] = us;
                break;
            }
        }
    }
    /* CPU per request does not depend on what else the machine runs; the ceilings follow from it */
    double sim_us = done ? cpu_s * 1e6 / (double)done : 0.0, client_us = done ? client_s * 1e6 / (double)done : 0.0;
    double sim_max = sim_us > 0 ? 1e6 / sim_us : 0.0;
    double pair_max = sim_us + client_us > 0 ? 2e6 / (sim_us + client_us) : 0.0;
    printf("sim_bench concurrency=%d requests=%llu seconds=%.2f rate=%.0f req/s p50=%uus p99=%uus p99.9=%uus "
           "sim_cpu=%.0f%% sim_cpu_per_req=%.1fus client_cpu_per_req=%.1fus sim_1core_max=%.0f req/s "
           "ceiling_2core=%.0f req/s non200=%llu load=%s\n",
           conc, (unsigned long long)done, secs, (double)done / secs, p[0], p[1], p[2], 100.0 * cpu_s / secs, sim_us,
           client_us, sim_max, sim_max < pair_max ? sim_max : pair_max, (unsigned long long)b->bad, s_load());
    fflush(stdout);
    return b->bad ? -1 : 0;
}

static pid_t s_start_sim(uint16_t base)
{
    const char *bin = getenv("XR_BIN");
    char path[1024], port[16];
    snprintf(path, sizeof path, "%s/xroute-exchange-sim", bin ? bin : "build/bin");
    snprintf(port, sizeof port, "%u", base);
    pid_t pid = fork();
    if (pid == 0) {
        execl(path, path, "--port-base", port, "--no-rate-limits", "--log-level", "warn", "--account",
              KEY ":" SECRET, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(base + 1))};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return pid;
        usleep(50000);
    }
    kill(pid, SIGTERM);
    return -1;
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 5;
    if (seconds <= 0)
        seconds = 5;
    int levels[16] = {1, 64}, n_levels = 2;
    if (argc > 2) {
        n_levels = 0;
        for (int i = 2; i < argc && n_levels < 16; i++) {
            long v = strtol(argv[i], NULL, 10);
            if (v >= 1 && v <= MAX_CONN)
                levels[n_levels++] = (int)v;
        }
    }
    const char *bp = getenv("BENCH_PORT");
    uint16_t base = (uint16_t)(bp ? strtol(bp, NULL, 10) : 19180);
    signal(SIGPIPE, SIG_IGN);
    pid_t sim = s_start_sim(base);
    if (sim < 0) {
        fprintf(stderr, "bench: simulator did not start\n");
        return 1;
    }
    static bench_t b;
    b.port = (uint16_t)(base + 1);
    b.sim = sim;
    b.lat_us = malloc(MAX_LAT * sizeof *b.lat_us);
    b.hmac = crypto_hmac_new_str(SECRET);
    if (!b.lat_us || !b.hmac) {
        fprintf(stderr, "bench: out of memory or no HMAC\n");
        kill(sim, SIGTERM);
        waitpid(sim, NULL, 0);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < n_levels && rc == 0; i++)
        rc = s_level(&b, levels[i], seconds);
    free(b.lat_us);
    crypto_hmac_destroy(&b.hmac);
    kill(sim, SIGTERM);
    int st = 0;
    waitpid(sim, &st, 0);
    return rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
