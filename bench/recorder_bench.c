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
 * default 19450), BENCH_PIPELINE (0/1: the recorder's --pipeline, default 1), BENCH_BATCH (the recorder's --batch,
 * default: its own default), BENCH_FLUSH_MS (its --flush-ms, default: its own), BENCH_COPY (0: skip the COPY
 * baselines, for profiling the recorder alone). Prints one line per measurement and a summary: fills/s, and the
 * CPU each fill cost during the recorder phase in xroute-recorder and in PostgreSQL (the postmaster and all its
 * children: backends, WAL writer, checkpointer), from /proc/PID/task/TID/schedstat, plus the machine's busy
 * share (/proc/stat) over that phase.
 *
 *   orders:       with BENCH_ORDERS=M, after the fill rounds: M event.order updates (a NEW limit order each, with
 *                 a Binance-sized venue JSON) per rate of BENCH_ORDER_RATES (events/s, comma-separated, 0 = as
 *                 fast as the PUB takes them; default "1000,0"). 1,000/s gives the recorder's batches of a few
 *                 events (its 5 ms flush), like the pipeline at one order in flight; 0 gives large batches. Per
 *                 rate: events/s, events per commit (pg_stat_database), CPU per event in the recorder and in
 *                 PostgreSQL, WAL bytes per event (pg_current_wal_lsn). */
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

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Order update i of an orders phase: a NEW limit order as venue-binance reports it. */
static void s_order(proto_order_t *o, const char *tag, long i)
{
    memset(o, 0, sizeof *o);
    snprintf(o->venue, sizeof o->venue, "binance");
    snprintf(o->account, sizeof o->account, "default");
    snprintf(o->order_id, sizeof o->order_id, "%s-%09ld", tag, i);
    snprintf(o->client_order_id, sizeof o->client_order_id, "%s-c%09ld", tag, i);
    snprintf(o->symbol, sizeof o->symbol, i % 2 ? "ETH/USDT" : "BTC/USDT");
    o->side = i % 2 ? PROTO_SIDE_BUY : PROTO_SIDE_SELL;
    o->type = PROTO_OT_LIMIT;
    o->time_in_force = PROTO_TIF_GTC;
    o->quantity = (decimal_t){i % 997 + 1, 3};
    o->price = (decimal_t){200000 + i % 5000, 2};
    o->status = PROTO_STATUS_NEW;
    o->created_at = o->updated_at = 1763700000000 + i;
    char raw[800];
    int n = snprintf(raw, sizeof raw,
                     "{\"orderId\":%ld,\"symbol\":\"%s\",\"status\":\"NEW\",\"clientOrderId\":\"%s\","
                     "\"price\":\"%ld.%02ld\",\"avgPrice\":\"0.00\",\"origQty\":\"0.%03ld\",\"executedQty\":\"0\","
                     "\"cumQty\":\"0\",\"cumQuote\":\"0\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\","
                     "\"reduceOnly\":false,\"closePosition\":false,\"side\":\"%s\",\"positionSide\":\"BOTH\","
                     "\"stopPrice\":\"0\",\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,"
                     "\"origType\":\"LIMIT\",\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":\"NONE\","
                     "\"goodTillDate\":0,\"updateTime\":%lld}",
                     4000000000L + i, i % 2 ? "ETHUSDT" : "BTCUSDT", o->client_order_id, (200000 + i % 5000) / 100,
                     (200000 + i % 5000) % 100, i % 997 + 1, i % 2 ? "BUY" : "SELL", (long long) o->updated_at);
    proto_raw_set(&o->raw, raw, (size_t) n);
}

/* CPU time (ns) of every thread of pid so far; 0 if it is gone. */
static int64_t s_pid_cpu_ns(long pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char f[320];
        snprintf(f, sizeof f, "/proc/%ld/task/%s/schedstat", pid, e->d_name);
        FILE *fp = fopen(f, "r");
        long long ns = 0;
        if (fp && fscanf(fp, "%lld", &ns) == 1)
            total += ns;
        if (fp)
            fclose(fp);
    }
    closedir(d);
    return total;
}

/* The parent pid of pid (field 4 of /proc/PID/stat), or -1. */
static long s_ppid(long pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    long ppid = -1;
    if (fgets(line, sizeof line, fp)) {
        const char *p = strrchr(line, ')'); /* the command name may hold spaces */
        char state;
        if (p && sscanf(p + 1, " %c %ld", &state, &ppid) != 2)
            ppid = -1;
    }
    fclose(fp);
    return ppid;
}

/* CPU time (ns) of the cluster: the postmaster (its pid is the first line of postmaster.pid) and its children. */
static int64_t s_pg_cpu_ns(const bench_t *b)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/pg/data/postmaster.pid", b->scratch);
    FILE *fp = fopen(path, "r");
    long pm = 0;
    if (!fp || fscanf(fp, "%ld", &pm) != 1 || pm <= 0) {
        if (fp)
            fclose(fp);
        return 0;
    }
    fclose(fp);
    int64_t total = s_pid_cpu_ns(pm);
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end == '\0' && pid > 0 && s_ppid(pid) == pm)
            total += s_pid_cpu_ns(pid);
    }
    if (d)
        closedir(d);
    return total;
}

/* Busy and total jiffies of the whole machine (first line of /proc/stat). */
static void s_machine(int64_t *busy, int64_t *total)
{
    long long v[8] = {0};
    FILE *fp = fopen("/proc/stat", "r");
    if (fp && fscanf(fp, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                     &v[6], &v[7]) == 8) {
        *total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
        *busy = *total - v[3] - v[4];
    } else {
        *busy = *total = 0;
    }
    if (fp)
        fclose(fp);
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
        const char *pipeline = getenv("BENCH_PIPELINE"), *batch = getenv("BENCH_BATCH"),
                   *flush = getenv("BENCH_FLUSH_MS");
        char *args[16] = {exe, "--events", ev, "--control", ctl, "--dsn", b->dsn, "--sql-dir", sql, "--pipeline",
                          (char *) (pipeline && *pipeline ? pipeline : "1")};
        int n = 11;
        if (batch && *batch) {
            args[n++] = "--batch";
            args[n++] = (char *) batch;
        }
        if (flush && *flush) {
            args[n++] = "--flush-ms";
            args[n++] = (char *) flush;
        }
        args[n] = NULL;
        execv(exe, args);
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

/* CPU spent during the timed part of a recorder round. */
typedef struct {
    long recorder_pid;     /* xroute-recorder */
    int64_t rec_ns;        /* its CPU time (ns) */
    int64_t pg_ns;         /* the cluster's CPU time (ns) */
    int64_t busy, total;   /* machine jiffies (busy, all) */
} phase_t;

static void s_phase_mark(const bench_t *b, phase_t *p)
{
    p->rec_ns = s_pid_cpu_ns(p->recorder_pid);
    p->pg_ns = s_pg_cpu_ns(b);
    s_machine(&p->busy, &p->total);
}

/* Publishes the n events of the journal (at most rate per second; 0 = no limit) and serves replays until
 * everything is acked. Returns seconds, or -1; start and end get the CPU counters right around the timed part. */
static double s_run_recorder(bench_t *b, buf_t *journal, long n, long rate, long *replays, phase_t *start,
                             phase_t *end)
{
    char ep[128];
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.sndhwm = (int) n + 1000;
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
    s_phase_mark(b, start);
    int64_t t0 = clock_mono_ns(), last_hello = clock_mono_ms();
    while (acked < (uint64_t) n) {
        long sent = 0;
        /* Paced: event k is due k / rate seconds after the start. */
        uint64_t due = rate > 0 ? (uint64_t) ((clock_mono_ns() - t0) / 1000 * rate / 1000000) + 1 : (uint64_t) n;
        /* Flow control as a worker would have it: at most WINDOW events published and not yet acked. */
        while (cursor <= (uint64_t) n && cursor <= due && sent < 2000 && cursor <= acked + WINDOW) {
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
    s_phase_mark(b, end);
    bus_msg_destroy(&topic);
    proto_msg_destroy(&reader);
    zsock_destroy(&dealer);
    zsock_destroy(&pub);
    return acked == (uint64_t) n ? secs : -1;
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

/* Prints the durability-relevant server settings the run uses (they must be PostgreSQL's defaults). */
static void s_settings(bench_t *b)
{
    db_config_t cfg = {.dsn = b->dsn};
    err_t err;
    db_t *db = db_new(&cfg, &err);
    db_result_t *res =
        db && db_connect(db, &err) == 0
            ? db_query(db, false,
                       "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name)"
                       " FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'full_page_writes',"
                       " 'wal_sync_method', 'shared_buffers', 'wal_buffers', 'max_wal_size', 'commit_delay')",
                       0, NULL, &err)
            : NULL;
    printf("server: PostgreSQL %s\n", res ? db_result_get(res, 0, 0) : "settings unknown");
    db_result_destroy(&res);
    db_destroy(&db);
}

/* A journal of n events of source b->source, numbered from 1: fills (type PROTO_T_EVENT_FILL, of round
 * b->round) or order updates (PROTO_T_EVENT_ORDER, for the orders phase). */
static buf_t *s_journal(bench_t *b, long n, proto_type_t type)
{
    buf_t *journal = calloc((size_t) n, sizeof *journal);
    for (long i = 0; i < n; i++) {
        proto_event_t ev;
        proto_event_init(&ev, type);
        snprintf(ev.source, sizeof ev.source, "%s", b->source);
        ev.seq = (uint64_t) i + 1;
        if (type == PROTO_T_EVENT_FILL)
            s_fill(&ev.fill, b->round, i);
        else
            s_order(&ev.order, b->source, i);
        proto_header_t h;
        char id[32];
        snprintf(id, sizeof id, "%c%ld", type == PROTO_T_EVENT_FILL ? 'e' : 'o', i + 1);
        proto_header_init(&h, id);
        buf_init(&journal[i], 1 << 20);
        proto_event_encode(&h, &ev, &journal[i], NULL);
        proto_event_free(&ev);
    }
    return journal;
}

/* A number from the cluster (first column of the first row), or -1. */
static double s_number(bench_t *b, const char *sql)
{
    db_config_t cfg = {.dsn = b->dsn};
    err_t err;
    db_t *db = db_new(&cfg, &err);
    double v = -1;
    db_result_t *res = db && db_connect(db, &err) == 0 ? db_query(db, false, sql, 0, NULL, &err) : NULL;
    if (res && db_result_rows(res) > 0 && db_result_get(res, 0, 0))
        v = strtod(db_result_get(res, 0, 0), NULL);
    db_result_destroy(&res);
    db_destroy(&db);
    return v;
}

#define S_COMMITS_SQL "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
#define S_LSN_SQL "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"

/* One orders phase: m order updates at rate per second through the recorder. 0, or -1 when not all stored. */
static int s_orders_phase(bench_t *b, pid_t rec, long m, long rate)
{
    snprintf(b->source, sizeof b->source, "orders-%ld", rate);
    buf_t *journal = s_journal(b, m, PROTO_T_EVENT_ORDER);
    long replays = 0;
    phase_t p0 = {.recorder_pid = rec}, p1 = {.recorder_pid = rec};
    /* pg_stat_database lags by up to 500 ms (stats flush): both readings are taken after a pause. */
    usleep(600000);
    double commits0 = s_number(b, S_COMMITS_SQL), wal0 = s_number(b, S_LSN_SQL);
    double secs = s_run_recorder(b, journal, m, rate, &replays, &p0, &p1);
    double wal1 = s_number(b, S_LSN_SQL);
    usleep(600000);
    double commits1 = s_number(b, S_COMMITS_SQL);
    for (long i = 0; i < m; i++)
        buf_release(&journal[i]);
    free(journal);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM public.order_events WHERE source = '%s'", b->source);
    long stored = s_count(b, sql);
    if (secs <= 0 || stored != m) {
        printf("orders at %ld/s: FAILED: %ld of %ld stored\n", rate, stored, m);
        return -1;
    }
    /* Less the phase's own bookkeeping: four queries above, each a transaction of its own. */
    double commits = commits1 - commits0 - 4;
    printf("orders at %s%ld/s: %ld events in %.1f s (%.0f/s, %ld replays), %.1f events per commit; CPU per event: "
           "recorder %.1f us, postgres %.1f us; WAL %.0f bytes per event\n",
           rate ? "" : "max ", rate ? rate : (long) (m / secs), m, secs, m / secs, replays,
           commits > 0 ? m / commits : 0, (double) (p1.rec_ns - p0.rec_ns) / 1e3 / (double) m,
           (double) (p1.pg_ns - p0.pg_ns) / 1e3 / (double) m, (wal1 - wal0) / (double) m);
    fflush(stdout);
    return 0;
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
    s_settings(&b);

    const char *copy_env = getenv("BENCH_COPY");
    bool with_copy = !(copy_env && strcmp(copy_env, "0") == 0);
    pid_t rec = s_start_recorder(&b);
    double r_rec[MAX_ROUNDS], r_copy[MAX_ROUNDS], r_copy500[MAX_ROUNDS], r_rec_cpu[MAX_ROUNDS],
        r_pg_cpu[MAX_ROUNDS], r_busy[MAX_ROUNDS];
    long total_stored = 0;
    int rc = 0;
    for (b.round = 1; b.round <= rounds; b.round++) {
        snprintf(b.source, sizeof b.source, "bench-%d", b.round);
        buf_t *journal = s_journal(&b, b.n, PROTO_T_EVENT_FILL);
        long replays = 0;
        phase_t p0 = {.recorder_pid = rec}, p1 = {.recorder_pid = rec};
        double t_rec = s_run_recorder(&b, journal, b.n, 0, &replays, &p0, &p1);
        r_rec_cpu[b.round - 1] = (double) (p1.rec_ns - p0.rec_ns) / 1e3 / (double) b.n;
        r_pg_cpu[b.round - 1] = (double) (p1.pg_ns - p0.pg_ns) / 1e3 / (double) b.n;
        r_busy[b.round - 1] =
            p1.total > p0.total ? 100.0 * (double) (p1.busy - p0.busy) / (double) (p1.total - p0.total) : 0;
        for (long i = 0; i < b.n; i++)
            buf_release(&journal[i]);
        free(journal);
        double t_copy = with_copy ? s_run_copy(&b, "copy_all", b.n) : 1;
        double t_copy500 = with_copy ? s_run_copy(&b, "copy_500", 500) : 1;
        if (t_rec <= 0 || t_copy <= 0 || t_copy500 <= 0) {
            printf("round %d FAILED\n", b.round);
            rc = 1;
            break;
        }
        r_rec[b.round - 1] = b.n / t_rec;
        r_copy[b.round - 1] = b.n / t_copy;
        r_copy500[b.round - 1] = b.n / t_copy500;
        printf("round %d: recorder %6.0f/s (%ld replays)  copy %6.0f/s  copy/500 %6.0f/s  CPU per fill: recorder "
               "%.1f us, postgres %.1f us; machine busy %.0f%%\n",
               b.round, r_rec[b.round - 1], replays, r_copy[b.round - 1], r_copy500[b.round - 1],
               r_rec_cpu[b.round - 1], r_pg_cpu[b.round - 1], r_busy[b.round - 1]);
        fflush(stdout);
    }
    const char *orders_env = getenv("BENCH_ORDERS");
    long orders = orders_env ? strtol(orders_env, NULL, 10) : 0;
    if (rc == 0 && orders > 0) {
        const char *rates = getenv("BENCH_ORDER_RATES");
        char list[128];
        snprintf(list, sizeof list, "%s", rates && *rates ? rates : "1000,0");
        for (char *p = list; rc == 0 && *p;) {
            char *end;
            long rate = strtol(p, &end, 10);
            if (end == p || rate < 0) {
                fprintf(stderr, "bench_recorder: BENCH_ORDER_RATES: '%s' is not a list of rates\n", list);
                rc = 2;
                break;
            }
            rc = s_orders_phase(&b, rec, orders, rate) == 0 ? 0 : 1;
            p = *end == ',' ? end + 1 : end;
        }
    }
    kill(rec, SIGTERM);
    waitpid(rec, NULL, 0);
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
    qsort(r_rec_cpu, (size_t) rounds, sizeof(double), s_cmp_double);
    qsort(r_pg_cpu, (size_t) rounds, sizeof(double), s_cmp_double);
    double m_rec = r_rec[rounds / 2], m_copy = r_copy[rounds / 2], m_copy500 = r_copy500[rounds / 2];
    printf("recorder fills/s: min %.0f max %.0f\n", r_rec[0], r_rec[rounds - 1]);
    if (!with_copy) {
        printf("median: recorder %.0f durable fills/s (COPY baselines skipped); CPU per fill: recorder %.1f us, "
               "postgres %.1f us\n",
               m_rec, r_rec_cpu[rounds / 2], r_pg_cpu[rounds / 2]);
        return 0;
    }
    printf("median: recorder %.0f durable fills/s = %.0f%% of COPY (%.0f/s, one transaction) and %.0f%% of "
           "COPY in 500-row transactions (%.0f/s); CPU per fill: recorder %.1f us, postgres %.1f us\n",
           m_rec, 100.0 * m_rec / m_copy, m_copy, 100.0 * m_rec / m_copy500, m_copy500, r_rec_cpu[rounds / 2],
           r_pg_cpu[rounds / 2]);
    return 0;
}
