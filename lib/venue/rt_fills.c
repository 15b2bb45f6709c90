/* rt_fills: fill discovery from the venue's trade history.
 *
 * One instance per account does it at a time: the holder of an exclusive flock on
 * <state_dir>/<venue>-<account>.fills.lock (the kernel drops the lock when the holder dies, and another
 * replica takes it on its next try), so replicas do not multiply fills. Every instance marks the symbols it
 * trades by creating <state_dir>/<venue>-<account>.active/<symbol> (first activity time inside, mtime =
 * last activity); the owner polls those symbols' trade history while they are active, from a cursor (the
 * last trade id published, kept in <venue>-<account>.cursors) so nothing is read twice or skipped. Each
 * new trade is published as event.fill (journaled first), then the cursor file is rewritten. Latency
 * (venue execution time -> event published) is sampled for health. */
#include "rt.h"

#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define RT_ACTIVE_MS (10 * 60 * 1000) /* a symbol is polled this long after its last activity */
#define RT_MARK_EVERY_MS (RT_ACTIVE_MS / 20) /* an active symbol's marker file is touched at most this often */
#define RT_LEASE_TRY_MS 1000
#define RT_ACTIVE_SCAN_MS 500
#define RT_FILLS_PAGE 1000
#define RT_OPEN_SCAN_MS 60000 /* the fill owner lists every open order this often (and at start) */
#define RT_FILL_BUDGET_PCT 50 /* trade-history polls use at most this share of the request weight budget */
#define RT_FILL_URGENT_PCT 25 /* a fill hint polls at once only while less than this share is used */
#define RT_ACTIVITY_POLL_MS 50 /* order activity on a symbol brings its next trade poll this close, no closer */

static void s_path(const venue_runtime_t *rt, const char *suffix, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s-%s.%s", rt->state_dir, rt->venue, rt->account, suffix);
}

/* Symbol file names: '/' is not allowed in a name, so "ETH/USDT" is stored as "ETH_USDT". */
static void s_symfile(const char *symbol, char *out, size_t cap)
{
    snprintf(out, cap, "%s", symbol);
    for (char *p = out; *p; p++)
        if (*p == '/')
            *p = '_';
}

static rt_cursor_t *s_cursor(venue_runtime_t *rt, const char *symbol, bool create)
{
    for (size_t i = 0; i < rt->n_cursors; i++)
        if (strcmp(rt->cursors[i].symbol, symbol) == 0)
            return &rt->cursors[i];
    if (!create || rt->n_cursors == RT_SYMBOLS_MAX)
        return NULL;
    rt_cursor_t *c = &rt->cursors[rt->n_cursors++];
    memset(c, 0, sizeof *c);
    snprintf(c->symbol, sizeof c->symbol, "%s", symbol);
    return c;
}

static void s_load_cursors(venue_runtime_t *rt)
{
    char path[700], line[256];
    s_path(rt, "cursors", path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        /* "SYMBOL LAST_ID [KEY]" */
        line[strcspn(line, "\n")] = '\0';
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = '\0';
        char *end;
        long long id = strtoll(sp + 1, &end, 10);
        rt_cursor_t *c = s_cursor(rt, line, true);
        if (c && id > c->last_id)
            c->last_id = id;
        if (c && *end == ' ' && end[1])
            snprintf(c->key, sizeof c->key, "%s", end + 1);
    }
    fclose(f);
}

/* Rewrites the cursor file atomically (write, fsync, rename). */
static void s_save_cursors(venue_runtime_t *rt)
{
    char path[700], tmp[720];
    s_path(rt, "cursors", path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        log_error("fills venue=%s: cannot write %s: %s", rt->venue, tmp, strerror(errno));
        return;
    }
    for (size_t i = 0; i < rt->n_cursors; i++)
        if (rt->cursors[i].last_id > 0 || rt->cursors[i].key[0])
            fprintf(f, "%s %lld%s%s\n", rt->cursors[i].symbol, (long long) rt->cursors[i].last_id,
                    rt->cursors[i].key[0] ? " " : "", rt->cursors[i].key);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    if (rename(tmp, path) < 0)
        log_error("fills venue=%s: rename cursors: %s", rt->venue, strerror(errno));
}

/* The venue time written into an active-symbol file when it was created; 0 when unreadable. */
static int64_t s_first_activity(const char *file)
{
    FILE *f = fopen(file, "r");
    long long t = 0;
    if (f && fscanf(f, "%lld", &t) != 1)
        t = 0;
    if (f)
        fclose(f);
    return t > 0 ? (int64_t) t : 0;
}

/* Order activity on a symbol brings its next trade poll forward to RT_ACTIVITY_POLL_MS from now (never
 * later than it was due): a stream of orders is followed by polls at most that often per symbol, not one
 * poll per order. A fill seen in an order reply polls at once instead (rt_fills_hint). */
static void s_poll_soon(const venue_runtime_t *rt, rt_cursor_t *c)
{
    int64_t soon = rt_now() + (rt->fill_poll_ms < RT_ACTIVITY_POLL_MS ? rt->fill_poll_ms : RT_ACTIVITY_POLL_MS);
    if (!c->next_poll || c->next_poll > soon)
        c->next_poll = soon;
}

void rt_fills_activate(venue_runtime_t *rt, const char *symbol)
{
    /* The marker file tells other replicas (and a restart) that the symbol is active; its time needs only to be
     * good to a fraction of RT_ACTIVE_MS, so a stream of orders touches it now and then, not once per order. */
    rt_cursor_t *known = s_cursor(rt, symbol, false);
    if (known && known->marked_ms && rt_now() - known->marked_ms < RT_MARK_EVERY_MS) {
        known->active_until = rt_now() + RT_ACTIVE_MS;
        s_poll_soon(rt, known);
        return;
    }
    char dir[700], file[800], name[VENUE_SYMBOL_MAX];
    s_path(rt, "active", dir, sizeof dir);
    mkdir(dir, 0700);
    s_symfile(symbol, name, sizeof name);
    snprintf(file, sizeof file, "%s/%s", dir, name);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    int64_t first = clock_offset_venue_now(&rt->clock);
    if (fd >= 0) {
        char t[32];
        int n = snprintf(t, sizeof t, "%lld\n", (long long) first);
        if (write(fd, t, (size_t) n) != n)
            log_warn("fills venue=%s: short write on %s", rt->venue, file);
        close(fd);
    } else {
        first = s_first_activity(file);
        utimes(file, NULL);
    }
    rt_cursor_t *c = s_cursor(rt, symbol, true);
    if (c && !c->last_id && !c->start_ms && first > 0)
        c->start_ms = first - 5000;
    if (c) {
        c->marked_ms = rt_now();
        c->active_until = rt_now() + RT_ACTIVE_MS;
        s_poll_soon(rt, c);
    }
}

/* The owner picks up symbols other replicas marked active. */
static void s_scan_active(venue_runtime_t *rt, int64_t now_ms)
{
    char dir[700];
    s_path(rt, "active", dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d)
        return;
    int64_t wall = clock_wall_ms();
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char file[1000], symbol[VENUE_SYMBOL_MAX];
        struct stat st;
        snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
        if (stat(file, &st) < 0 || snprintf(symbol, sizeof symbol, "%s", e->d_name) >= (int) sizeof symbol)
            continue;
        char *u = strchr(symbol, '_');
        if (u)
            *u = '/';
        int64_t age = wall - (int64_t) st.st_mtime * 1000;
        if (age > RT_ACTIVE_MS || !instruments_find(rt->instruments, symbol))
            continue;
        rt_cursor_t *c = s_cursor(rt, symbol, true);
        if (!c)
            continue;
        if (!c->last_id && !c->start_ms) {
            int64_t t = s_first_activity(file);
            c->start_ms = t > 0 ? t - 5000 : wall - 60000;
        }
        int64_t until = now_ms + RT_ACTIVE_MS - age;
        if (until > c->active_until)
            c->active_until = until;
    }
    closedir(d);
}

static void s_try_lease(venue_runtime_t *rt)
{
    if (rt->lease_fd < 0) {
        char path[700];
        s_path(rt, "fills.lock", path, sizeof path);
        rt->lease_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (rt->lease_fd < 0)
            return;
    }
    if (flock(rt->lease_fd, LOCK_EX | LOCK_NB) == 0) {
        rt->fill_owner = true;
        s_load_cursors(rt);
        log_info("fills venue=%s account=%s instance=%s: this instance now discovers fills", rt->venue,
                 rt->account, rt->instance);
        if (ftruncate(rt->lease_fd, 0) == 0) {
            char t[80];
            int n = snprintf(t, sizeof t, "%s %d\n", rt->instance, (int) getpid());
            if (pwrite(rt->lease_fd, t, (size_t) n, 0) != n)
                log_warn("fills venue=%s: lease note not written", rt->venue);
        }
    }
}

static void s_latency(venue_runtime_t *rt, const venue_fill_t *f)
{
    int64_t venue_now = clock_offset_venue_now(&rt->clock);
    rt->latency_ms[rt->n_latency % RT_LATENCY_SAMPLES] = venue_now - f->executed_at;
    rt->n_latency++;
}

static void s_looked_up(venue_runtime_t *rt, rt_call_t *call, int rc)
{
    rt_cursor_t *c = s_cursor(rt, call->call.in.symbol, false);
    (void) rc; /* found or not, the fill is published next: without a client id if the query failed */
    if (!c)
        return;
    c->polling = false;
    snprintf(c->looked_up, sizeof c->looked_up, "%s", call->call.in.order_id);
    c->next_poll = rt_now();
}

static void s_lookup(venue_runtime_t *rt, rt_cursor_t *c, const venue_fill_t *f)
{
    c->polling = true;
    rt_call_t *call = rt_call_new(rt, VENUE_OP_GET_ORDER);
    snprintf(call->call.in.symbol, sizeof call->call.in.symbol, "%s", c->symbol);
    snprintf(call->call.in.order_id, sizeof call->call.in.order_id, "%s", f->order_id);
    call->on_done = s_looked_up;
    rt_call_start(rt, call);
}

static uint64_t s_id_hash(const char *id)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *) id; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

/* Whether fill f was published already. A numeric cursor (seq_key = trade id) orders trades for good. A
 * millisecond cursor (VENUE_CAP_MS_CURSOR) does not within the last millisecond read: a trade the venue lists
 * late there may take a rank already passed, so that millisecond's trades are told apart by trade id (once
 * RT_MS_IDS are remembered, by rank as before). After a restart nothing is remembered for that millisecond and
 * its trades are compared by rank too. */
static bool s_fill_seen(const venue_runtime_t *rt, const rt_cursor_t *c, const venue_fill_t *f)
{
    if (f->seq_key <= 0)
        return false;
    if (!(rt->ops->caps & VENUE_CAP_MS_CURSOR) || f->seq_key / 1000 != c->last_id / 1000 ||
        c->ids_ms != f->seq_key / 1000 || c->n_ids >= RT_MS_IDS)
        return f->seq_key <= c->last_id;
    uint64_t h = s_id_hash(f->trade_id);
    for (size_t i = 0; i < c->n_ids; i++)
        if (c->ids[i] == h)
            return true;
    return false;
}

static void s_fill_published(venue_runtime_t *rt, rt_cursor_t *c, const venue_fill_t *f)
{
    if (f->seq_key > c->last_id)
        c->last_id = f->seq_key;
    if (!(rt->ops->caps & VENUE_CAP_MS_CURSOR) || f->seq_key <= 0)
        return;
    if (f->seq_key / 1000 != c->ids_ms) {
        c->ids_ms = f->seq_key / 1000;
        c->n_ids = 0;
    }
    if (c->n_ids < RT_MS_IDS)
        c->ids[c->n_ids++] = s_id_hash(f->trade_id);
}

static void s_polled(venue_runtime_t *rt, rt_call_t *call, int rc)
{
    rt_cursor_t *c = s_cursor(rt, call->call.in.symbol, false);
    if (!c)
        return;
    c->polling = false;
    c->next_poll = rt_now() + rt->fill_poll_ms;
    rt->fill_weight = call->call.req.weight; /* (c->urgent may have been set meanwhile: polled again at once) */
    if (rc != VENUE_DONE) {
        log_warn("fills venue=%s symbol=%s poll failed: %s", rt->venue, c->symbol, call->call.fail.message);
        c->next_poll = rt_now() + 4 * rt->fill_poll_ms;
        return;
    }
    const venue_result_t *r = &call->call.result;
    int published = 0;
    bool complete = true;
    for (size_t i = 0; i < r->n_fills; i++) {
        venue_fill_t f = r->fills[i];
        if (s_fill_seen(rt, c, &f))
            continue;
        const rt_order_t *o = rt_order_find(rt, f.order_id);
        if (!o && !f.client_order_id[0] && strcmp(c->looked_up, f.order_id) != 0) {
            /* An order we have not seen (its reply was lost, or another replica placed it): learn its
             * client id first; the trade is read again on the next poll since the cursor stays before it. */
            s_lookup(rt, c, &f);
            complete = false;
            break;
        }
        if (o && !f.client_order_id[0])
            snprintf(f.client_order_id, sizeof f.client_order_id, "%s", o->o.client_order_id);
        if (rt_event_fill(rt, &f, rt->account) < 0) {
            complete = false;
            break; /* not journaled: the cursor stays, the trade is read again next time */
        }
        s_latency(rt, &f);
        s_fill_published(rt, c, &f);
        published++;
    }
    /* The adapter's cursor moves only past a page read to the end (a lookup or a journal failure stops early,
     * and the rest of the page must be read again). */
    if (r->cursor[0] && complete && strcmp(c->key, r->cursor) != 0) {
        snprintf(c->key, sizeof c->key, "%s", r->cursor);
        rt->cursors_dirty = true;
    }
    if (published) {
        rt->cursors_dirty = true; /* written by rt_flush once these events are durable */
        /* Fills change their orders: learn the new state (event.order when it changed). An order missing from
         * the table (placed before a restart, or by another replica) is asked for too: its new state would
         * otherwise never be published. */
        for (size_t i = 0, asked = 0; i < r->n_fills && asked < 8; i++) {
            const venue_fill_t *fi = &r->fills[i];
            const rt_order_t *o = rt_order_find(rt, fi->order_id);
            bool dup = false;
            for (size_t j = 0; j < i && !dup; j++)
                dup = strcmp(r->fills[j].order_id, fi->order_id) == 0;
            if (dup || (o && venue_status_final(o->o.status)))
                continue;
            rt_order_refresh(rt, o ? o->o.symbol : fi->symbol, fi->order_id);
            asked++;
        }
        c->active_until = rt_now() + RT_ACTIVE_MS;
    }
    if (r->n_fills >= RT_FILLS_PAGE)
        c->next_poll = rt_now(); /* more pages waiting */
}

/* Every symbol with an open order is active, whoever placed it and whenever (orders resting since before a
 * restart, or placed by a replica that died, still fill). */
static void s_open_scanned(venue_runtime_t *rt, rt_call_t *c, int rc)
{
    rt->open_scanning = false;
    if (rc != VENUE_DONE) {
        rt->next_open_scan = rt_now() + RT_OPEN_SCAN_MS / 10;
        return;
    }
    for (size_t i = 0; i < c->call.result.n_orders; i++)
        if (!s_cursor(rt, c->call.result.orders[i].symbol, false) ||
            s_cursor(rt, c->call.result.orders[i].symbol, false)->active_until < rt_now() + RT_ACTIVE_MS / 2)
            rt_fills_activate(rt, c->call.result.orders[i].symbol);
}

static void s_open_scan(venue_runtime_t *rt, int64_t now_ms)
{
    if (rt->open_scanning || now_ms < rt->next_open_scan || !rt->ops->get_open_orders)
        return;
    rt->open_scanning = true;
    rt->next_open_scan = now_ms + RT_OPEN_SCAN_MS;
    rt_call_t *c = rt_call_new(rt, VENUE_OP_GET_OPEN_ORDERS);
    c->on_done = s_open_scanned;
    rt_call_start(rt, c);
}

/* Least time between two trade-history polls (all symbols together) so that they stay within
 * RT_FILL_BUDGET_PCT of this instance's share of the venue's weight budget; polls of many active symbols
 * then take turns instead of starving orders and queries. */
static int64_t s_poll_gap(const venue_runtime_t *rt)
{
    const venue_limits_t *l = &rt->limits;
    if (l->weight_per_window <= 0 || l->weight_window_ms <= 0)
        return 0;
    int64_t w = rt->fill_weight > 0 ? rt->fill_weight : 1;
    return w * l->weight_window_ms * rt->replicas * 100 / (RT_FILL_BUDGET_PCT * l->weight_per_window);
}

/* An urgent poll (a fill seen in an order reply) skips the pacing gap only while little of the weight budget
 * is used; past that it waits its turn like any poll, so a stream of filled orders can never spend the
 * budget that queries, other replicas and a restarting worker need. */
static bool s_urgent_now(const venue_runtime_t *rt, int64_t now_ms)
{
    ratelimit_usage_t u;
    if (ratelimit_usage(rt->weight_rl, 0, now_ms, &u) != 0 || u.limit <= 0)
        return true;
    return u.used * 100 < u.limit * RT_FILL_URGENT_PCT;
}

void rt_fills_tick(venue_runtime_t *rt, int64_t now_ms)
{
    if (!rt->ops->get_fills || !rt->ready)
        return;
    if (!rt->fill_owner) {
        if (now_ms >= rt->next_lease_try) {
            rt->next_lease_try = now_ms + RT_LEASE_TRY_MS;
            s_try_lease(rt);
        }
        if (!rt->fill_owner)
            return;
    }
    if (now_ms >= rt->next_active_scan) {
        rt->next_active_scan = now_ms + RT_ACTIVE_SCAN_MS;
        s_scan_active(rt, now_ms);
    }
    s_open_scan(rt, now_ms);
    for (size_t i = 0; i < rt->n_cursors; i++) {
        rt_cursor_t *c = &rt->cursors[i];
        bool paced = now_ms >= rt->next_fill_poll;
        bool due = (c->urgent && (paced || s_urgent_now(rt, now_ms))) || (paced && now_ms >= c->next_poll);
        if (c->polling || !due || now_ms >= c->active_until)
            continue;
        c->urgent = false;
        rt->next_fill_poll = now_ms + s_poll_gap(rt);
        if (!c->last_id && !c->start_ms)
            c->start_ms = clock_offset_venue_now(&rt->clock) - 60000;
        c->polling = true;
        rt_call_t *call = rt_call_new(rt, VENUE_OP_GET_FILLS);
        snprintf(call->call.in.symbol, sizeof call->call.in.symbol, "%s", c->symbol);
        call->call.in.from_id = c->last_id > 0 ? c->last_id + 1 : 0;
        call->call.in.start_ms = c->last_id > 0 || c->key[0] ? 0 : c->start_ms;
        snprintf(call->call.in.cursor, sizeof call->call.in.cursor, "%s", c->key);
        call->call.in.limit = RT_FILLS_PAGE;
        call->on_done = s_polled;
        rt_call_start(rt, call);
        return; /* one poll started per tick keeps the loop responsive */
    }
}

void rt_fills_close(venue_runtime_t *rt)
{
    if (rt->lease_fd >= 0) {
        close(rt->lease_fd); /* releases the flock: another replica takes over */
        rt->lease_fd = -1;
    }
    rt->fill_owner = false;
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

void rt_fills_latency(const venue_runtime_t *rt, int64_t *p50, int64_t *max)
{
    size_t n = rt->n_latency < RT_LATENCY_SAMPLES ? rt->n_latency : RT_LATENCY_SAMPLES;
    *p50 = *max = -1;
    if (!n)
        return;
    int64_t s[RT_LATENCY_SAMPLES];
    memcpy(s, rt->latency_ms, n * sizeof s[0]);
    qsort(s, n, sizeof s[0], s_cmp);
    *p50 = s[n / 2];
    *max = s[n - 1];
}

void rt_fills_save(venue_runtime_t *rt)
{
    s_save_cursors(rt);
}

void rt_fills_hint(venue_runtime_t *rt, const char *symbol)
{
    rt_cursor_t *c = s_cursor(rt, symbol, false);
    if (!c || !rt->fill_owner)
        return; /* a replica that does not own discovery leaves it to the owner's pacing */
    c->urgent = true;
    c->active_until = rt_now() + RT_ACTIVE_MS;
}
