/* recorder_bench: durable fills per second through xroute-recorder, against PostgreSQL COPY of the same rows
 * in the same run and on the same throwaway cluster (tests/support/pg.sh).
 *
 *   recorder:     this program plays a venue worker: it publishes N pre-encoded event.fill envelopes as fast as
 *                 the PUB takes them, serves events.replay from its in-memory journal, and stops the clock when
 *                 events.ack reaches N (every fill committed, synchronous_commit on).
 *   copy:         the same N rows COPYed into an identical trades table (same schema, indexes and key) in one
 *                 transaction: PostgreSQL's own upper bound for bulk loading.
 *   copy/500:     the same rows COPYed in transactions of 500 rows (the recorder's batch size, each commit
 *                 durable), for a like-for-like reference.
 *
 * usage: bench_recorder [N [ROUNDS]]   (default 100000 fills, 3 rounds; medians reported). Environment: XR_SOURCE (repo root), XR_BIN (bin dir with
 * xroute-recorder), XR_SCRATCH (work dir; default /tmp/xr-bench-recorder), BENCH_PORT (first of two ports,
 * default 19450), BENCH_PIPELINE (0/1: the recorder's --pipeline, default 1). Prints one line per measurement and a summary. */
#include "base/buf.h"
#include "base/clock.h"
#include "base/decimal.h"
#include "base/err.h"
#include "base/log.h"
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "db/db.h"
#include "db/db_migrate.h"
#include "proto/control.h"
#include "proto/event.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define WINDOW 20000 /* events in flight (published, not acked) */

typedef struct {
    const char *src;       /* repo root */
    const char *bin;       /* binaries */
    char scratch[1024];    /* work dir */
    char dsn[512];         /* cluster DSN */
    int port;              /* events port; control = port + 1 */
    long n;                /* fills per round */
    int round;             /* current round (part of trade ids and of the source name) */
    char source[32];       /* event source of the round */
} bench_t;

static int s_pg(bench_t *b, const char *verb)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/tests/support/pg.sh %s '%s/pg'", b->src, verb, b->scratch);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[512] = "";
    if (fgets(line, sizeof line, p) && strcmp(verb, "start") == 0) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(b->dsn, sizeof b->dsn, "%s", line);
    }
    return pclose(p) == 0 ? 0 : -1;
}

static void s_fill(proto_fill_t *f, int round, long i)
{
    memset(f, 0, sizeof *f);
    snprintf(f->venue, sizeof f->venue, "bybit");
    snprintf(f->account, sizeof f->account, "default");
    snprintf(f->trade_id, sizeof f->trade_id, "R%d-T%09ld", round, i);
    snprintf(f->order_id, sizeof f->order_id, "O%08ld", i / 4);
    snprintf(f->client_order_id, sizeof f->client_order_id, "bot1-%08ld", i / 4);
    snprintf(f->symbol, sizeof f->symbol, i % 2 ? "ETH/USDT" : "BTC/USDT");
    f->side = i % 2 ? PROTO_SIDE_BUY : PROTO_SIDE_SELL;
    f->order_type = PROTO_OT_LIMIT;
    f->quantity = (decimal_t){i % 997 + 1, 3};
    f->price = (decimal_t){200000 + i % 5000, 2};
    f->fee = (decimal_t){-(i % 7), 4};
    snprintf(f->fee_asset, sizeof f->fee_asset, "USDT");
    f->realized_pnl = (decimal_t){i % 13 - 6, 1};
    f->liquidity = i % 3 ? PROTO_LIQ_MAKER : PROTO_LIQ_TAKER;
    f->executed_at = 1763700000000 + i;
    proto_meta_set(&f->metadata, "bot", "bot1", NULL);
    char raw[128];
    int n = snprintf(raw, sizeof raw, "{\"execId\":\"T%09ld\",\"execQty\":\"%ld\"}", i, i % 997 + 1);
    proto_raw_set(&f->raw, raw, (size_t) n);
}

static pid_t s_start_recorder(bench_t *b)
{
    char ev[64], ctl[64], sql[1200], log_path[1200], exe[1200];
    snprintf(ev, sizeof ev, "tcp://127.0.0.1:%d", b->port);
    snprintf(ctl, sizeof ctl, "tcp://127.0.0.1:%d", b->port + 1);
    snprintf(sql, sizeof sql, "%s/deploy/sql", b->src);
    snprintf(log_path, sizeof log_path, "%s/recorder.log", b->scratch);
    snprintf(exe, sizeof exe, "%s/xroute-recorder", b->bin);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *lf = freopen(log_path, "w", stderr);
        (void) lf;
        const char *pipeline = getenv("BENCH_PIPELINE");
        execl(exe, exe, "--events", ev, "--control", ctl, "--dsn", b->dsn, "--sql-dir", sql, "--pipeline",
              pipeline && *pipeline ? pipeline : "1", (char *) NULL);
        _exit(127);
    }
    return pid;
}

/* Reads control messages: acks move *acked, replays move *cursor back. */
static void s_control(zsock_t *dealer, proto_msg_t *reader, uint64_t *acked, uint64_t *cursor, long *replays)
{
    for (;;) {
        err_t err;
        bus_msg_t *m = bus_msg_recv(dealer, &err);
        if (!m)
            return;
        proto_header_t hdr;
        proto_control_t c;
        if (bus_msg_parse(m, reader, &hdr, &err) == 0 && proto_control_decode(reader, &c, &err) == 0) {
            if (c.type == PROTO_T_EVENTS_ACK && c.seq > *acked)
                *acked = c.seq;
            else if (c.type == PROTO_T_EVENTS_REPLAY && c.from_seq < *cursor) {
                *cursor = c.from_seq;
                (*replays)++;
            }
        }
        bus_msg_destroy(&m);
    }
}

static void s_hello(zsock_t *dealer, const char *source, uint64_t first, uint64_t last)
{
    proto_control_t c;
    proto_control_init(&c, PROTO_T_EVENTS_HELLO);
    snprintf(c.source, sizeof c.source, "%s", source);
    c.first_seq = first;
    c.last_seq = last;
    proto_header_t h;
    proto_header_init(&h, "hello");
    buf_t out;
    buf_init(&out, 4096);
    proto_control_encode(&h, &c, &out, NULL);
    bus_send_envelope(dealer, NULL, &out, NULL);
    buf_release(&out);
}

/* Publishes the journal and serves replays until everything is acked. Returns seconds, or -1. */
static double s_run_recorder(bench_t *b, buf_t *journal, long *replays)
{
    char ep[128];
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.sndhwm = (int) b->n + 1000;
    snprintf(ep, sizeof ep, ">tcp://127.0.0.1:%d", b->port);
    zsock_t *pub = bus_pub_new(ep, &o, NULL);
    bus_sock_opts_default(&o);
    o.routing_id = b->source;
    snprintf(ep, sizeof ep, ">tcp://127.0.0.1:%d", b->port + 1);
    zsock_t *dealer = bus_dealer_new(ep, &o, NULL);
    if (!pub || !dealer)
        return -1;
    proto_msg_t *reader = proto_msg_new();
    bus_msg_t *topic = bus_msg_new();
    bus_msg_push_route(topic, "default.bybit.", 14, NULL);
    uint64_t acked = 0, cursor = 1, published = 0;
    /* Let the recorder come up (migrations) and the subscription settle before the clock starts. */
    int64_t ready_until = clock_mono_ms() + (b->round == 1 ? 3000 : 500);
    while (clock_mono_ms() < ready_until) {
        s_hello(dealer, b->source, 0, 0);
        s_control(dealer, reader, &acked, &cursor, replays);
        usleep(100000);
    }
    int64_t t0 = clock_mono_ns(), last_hello = clock_mono_ms();
    while (acked < (uint64_t) b->n) {
        long sent = 0;
        /* Flow control as a worker would have it: at most WINDOW events published and not yet acked. */
        while (cursor <= (uint64_t) b->n && sent < 2000 && cursor <= acked + WINDOW) {
            bus_send_envelope(pub, topic, &journal[cursor - 1], NULL);
            if (cursor > published)
                published = cursor;
            cursor++;
            sent++;
        }
        s_control(dealer, reader, &acked, &cursor, replays);
        if (clock_mono_ms() - last_hello >= 1000) {
            s_hello(dealer, b->source, acked + 1, published);
            last_hello = clock_mono_ms();
        }
        if (sent == 0)
            usleep(1000);
        if ((clock_mono_ns() - t0) / 1000000000 > 300) {
            fprintf(stderr, "bench_recorder: no full ack after 300 s (acked %llu)\n", (unsigned long long) acked);
            break;
        }
    }
    double secs = (double) (clock_mono_ns() - t0) / 1e9;
    bus_msg_destroy(&topic);
    proto_msg_destroy(&reader);
    zsock_destroy(&dealer);
    zsock_destroy(&pub);
    return acked == (uint64_t) b->n ? secs : -1;
}

/* COPY text of fill i in the column order of the copy baseline. */
static void s_copy_line(buf_t *out, const proto_fill_t *f)
{
    char q[DECIMAL_STR_MAX], p[DECIMAL_STR_MAX], fee[DECIMAL_STR_MAX], pnl[DECIMAL_STR_MAX], ts[32];
    decimal_format(f->quantity, q, sizeof q);
    decimal_format(f->price, p, sizeof p);
    decimal_format(f->fee, fee, sizeof fee);
    decimal_format(f->realized_pnl, pnl, sizeof pnl);
    clock_format_iso(f->executed_at, ts, sizeof ts);
    buf_printf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t{\"bot\":\"bot1\"}\t%s\n", f->venue,
               f->account, f->trade_id, f->order_id, f->client_order_id, f->symbol, proto_side_name(f->side),
               proto_order_type_name(f->order_type), q, p, fee, f->fee_asset, pnl,
               proto_liquidity_name(f->liquidity), ts, f->raw.data);
}

/* COPY of all rows into schema's trades, rows_per_tx per transaction. Returns seconds, or -1. */
static double s_run_copy(bench_t *b, const char *schema, long rows_per_tx)
{
    char dsn[800], sql[1200];
    snprintf(dsn, sizeof dsn, "%s options='-csearch_path=%s%d'", b->dsn, schema, b->round);
    db_config_t cfg = {.dsn = dsn};
    err_t err;
    db_t *db = db_new(&cfg, &err);
    if (!db || db_connect(db, &err) != 0)
        goto fail;
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s%d CASCADE; CREATE SCHEMA %s%d", schema, b->round, schema,
             b->round);
    snprintf(dsn, sizeof dsn, "%s/deploy/sql", b->src);
    if (db_exec(db, sql, &err) != 0 || db_migrate_apply(db, dsn, NULL, &err) != 0)
        goto fail;
    buf_t text;
    buf_init(&text, (size_t) 1 << 31);
    proto_fill_t f;
    int64_t t0 = clock_mono_ns();
    for (long i = 0; i < b->n;) {
        buf_reset(&text);
        long end = i + rows_per_tx < b->n ? i + rows_per_tx : b->n;
        for (; i < end; i++) {
            s_fill(&f, b->round, i);
            s_copy_line(&text, &f);
            proto_fill_free(&f);
        }
        if (db_begin(db, &err) != 0 ||
            db_copy_begin(db,
                          "COPY trades (venue, account, trade_id, order_id, client_order_id, symbol, side,"
                          " order_type, quantity, price, fee, fee_asset, realized_pnl, liquidity, executed_at,"
                          " metadata, raw) FROM STDIN",
                          &err) != 0 ||
            db_copy_put(db, text.data, text.len, &err) != 0 || db_copy_end(db, NULL, &err) != 0 ||
            db_commit(db, &err) != 0) {
            buf_release(&text);
            goto fail;
        }
    }
    double secs = (double) (clock_mono_ns() - t0) / 1e9;
    buf_release(&text);
    db_destroy(&db);
    return secs;
fail:
    fprintf(stderr, "bench_recorder: copy baseline: %s\n", err.msg);
    db_destroy(&db);
    return -1;
}

static long s_count(bench_t *b, const char *sql)
{
    db_config_t cfg = {.dsn = b->dsn};
    err_t err;
    db_t *db = db_new(&cfg, &err);
    long n = -1;
    db_result_t *res = db && db_connect(db, &err) == 0 ? db_query(db, false, sql, 0, NULL, &err) : NULL;
    if (res) {
        n = strtol(db_result_get(res, 0, 0), NULL, 10);
        db_result_destroy(&res);
    }
    db_destroy(&db);
    return n;
}

static buf_t *s_journal(bench_t *b)
{
    buf_t *journal = calloc((size_t) b->n, sizeof *journal);
    for (long i = 0; i < b->n; i++) {
        proto_event_t ev;
        proto_event_init(&ev, PROTO_T_EVENT_FILL);
        snprintf(ev.source, sizeof ev.source, "%s", b->source);
        ev.seq = (uint64_t) i + 1;
        s_fill(&ev.fill, b->round, i);
        proto_header_t h;
        char id[32];
        snprintf(id, sizeof id, "e%ld", i + 1);
        proto_header_init(&h, id);
        buf_init(&journal[i], 1 << 20);
        proto_event_encode(&h, &ev, &journal[i], NULL);
        proto_event_free(&ev);
    }
    return journal;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

#define MAX_ROUNDS 9

int main(int argc, char **argv)
{
    bench_t b = {.src = getenv("XR_SOURCE"), .bin = getenv("XR_BIN"), .n = 100000, .port = 19450};
    int rounds = 3;
    if (argc > 1)
        b.n = strtol(argv[1], NULL, 10);
    if (argc > 2)
        rounds = (int) strtol(argv[2], NULL, 10);
    if (!b.src || !b.bin || b.n <= 0 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: XR_SOURCE=repo XR_BIN=bindir bench_recorder [N [ROUNDS]]\n");
        return 2;
    }
    const char *port = getenv("BENCH_PORT");
    if (port)
        b.port = (int) strtol(port, NULL, 10);
    const char *scratch = getenv("XR_SCRATCH");
    snprintf(b.scratch, sizeof b.scratch, "%s", scratch && *scratch ? scratch : "/tmp/xr-bench-recorder");
    char cmd[1200];
    s_pg(&b, "stop"); /* a cluster left running by an interrupted run, before wiping its files */
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", b.scratch, b.scratch);
    if (system(cmd) != 0 || s_pg(&b, "start") != 0) {
        fprintf(stderr, "bench_recorder: cannot start PostgreSQL in %s/pg\n", b.scratch);
        return 1;
    }
    log_init("bench", LOG_LEVEL_WARN);
    printf("bench_recorder: N=%ld fills per round, %d rounds, %ld cores, load average at start: ", b.n, rounds,
           sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
    if (system("cut -d' ' -f1-3 /proc/loadavg") != 0)
        printf("?\n");

    pid_t rec = s_start_recorder(&b);
    double r_rec[MAX_ROUNDS], r_copy[MAX_ROUNDS], r_copy500[MAX_ROUNDS];
    long total_stored = 0;
    int rc = 0;
    for (b.round = 1; b.round <= rounds; b.round++) {
        snprintf(b.source, sizeof b.source, "bench-%d", b.round);
        buf_t *journal = s_journal(&b);
        long replays = 0;
        double t_rec = s_run_recorder(&b, journal, &replays);
        for (long i = 0; i < b.n; i++)
            buf_release(&journal[i]);
        free(journal);
        double t_copy = s_run_copy(&b, "copy_all", b.n);
        double t_copy500 = s_run_copy(&b, "copy_500", 500);
        if (t_rec <= 0 || t_copy <= 0 || t_copy500 <= 0) {
            printf("round %d FAILED\n", b.round);
            rc = 1;
            break;
        }
        r_rec[b.round - 1] = b.n / t_rec;
        r_copy[b.round - 1] = b.n / t_copy;
        r_copy500[b.round - 1] = b.n / t_copy500;
        printf("round %d: recorder %6.0f/s (%ld replays)  copy %6.0f/s  copy/500 %6.0f/s\n", b.round,
               r_rec[b.round - 1], replays, r_copy[b.round - 1], r_copy500[b.round - 1]);
        fflush(stdout);
    }
    kill(rec, SIGTERM);
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    wait4(rec, NULL, 0, &ru);
    double rec_cpu = (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
                     ru.ru_stime.tv_usec / 1e6;
    total_stored = s_count(&b, "SELECT count(*) FROM public.trades");
    s_pg(&b, "stop");
    if (rc != 0)
        return rc;
    if (total_stored != b.n * rounds) {
        printf("recorder: FAILED: %ld rows stored, expected %ld\n", total_stored, b.n * rounds);
        return 1;
    }
    qsort(r_rec, (size_t) rounds, sizeof(double), s_cmp_double);
    qsort(r_copy, (size_t) rounds, sizeof(double), s_cmp_double);
    qsort(r_copy500, (size_t) rounds, sizeof(double), s_cmp_double);
    double m_rec = r_rec[rounds / 2], m_copy = r_copy[rounds / 2], m_copy500 = r_copy500[rounds / 2];
    printf("median: recorder %.0f durable fills/s = %.0f%% of COPY (%.0f/s, one transaction) and %.0f%% of "
           "COPY in 500-row transactions (%.0f/s); recorder CPU %.1f us per fill\n",
           m_rec, 100.0 * m_rec / m_copy, m_copy, 100.0 * m_rec / m_copy500, m_copy500,
           rec_cpu * 1e6 / (double) (b.n * rounds));
    return 0;
}
