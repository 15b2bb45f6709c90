/* rt_orders: at-most-once order sending and the order table.
 *
 * The send journal (<state_dir>/<instance>.sends) holds one record per order send: "S" before the request
 * leaves (fdatasync'd by the loop's group commit before the request is submitted: after a crash we know the
 * id may have reached the venue) and "R" once its outcome is settled (a definitive reply, or the resolver's
 * answer). The last 2 * RT_SENT_KEEP records are kept so that a restarted worker still recognises a repeated
 * client id (clidset.h) and answers it by query instead of placing it again. An "S" without "R" is an intent: after a timeout,
 * a 5xx or a lost reply, and for every intent found at start, the resolver queries the order by client id
 * once the venue can no longer accept it (sent + recvWindow + acceptance window) and publishes the real
 * outcome as event.order; "not found" then means it never reached the venue (published as REJECTED).
 * Nothing is ever resent.
 *
 * The order table remembers the last state of orders seen here, so that fills (whose venue record may lack
 * the client id) get their client order id, and so that a state change is published once. */
#include "rt.h"

#include "base/log.h"
#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RT_SEND_RECORD_MAX 512
#define RT_RESOLVE_RETRY_MS 2000
#define RT_ORDER_REFRESH_MS 5000 /* open orders of live symbols are listed this often */
#define RT_ORDER_STALE_MS 60000  /* a request that never became an order is forgotten after this */

/* "S|clid|symbol|side|type|tif|qty|price|stop|reduce|sent_ms", "R|clid" (settled) or "O|clid|order_id|symbol"
 * (s_journal_link). */
static void s_restore(venue_runtime_t *rt, const char *clid, const char *oid, const char *symbol);

static int s_encode(const venue_order_req_t *o, int64_t sent_ms, char *out, size_t cap)
{
    char q[DECIMAL_STR_MAX], p[DECIMAL_STR_MAX], s[DECIMAL_STR_MAX];
    decimal_format(o->quantity, q, sizeof q);
    decimal_format(o->price, p, sizeof p);
    decimal_format(o->stop_price, s, sizeof s);
    int n = snprintf(out, cap, "S|%s|%s|%d|%d|%d|%s|%s|%s|%d|%lld", o->client_order_id, o->symbol, (int) o->side,
                     (int) o->type, (int) o->time_in_force, q, p, s, o->reduce_only ? 1 : 0, (long long) sent_ms);
    return n > 0 && (size_t) n < cap ? n : -1;
}

/* Splits text (len bytes) at '|' into at most max fields (NUL-terminated copies in buf). */
static int s_split(const char *text, size_t len, char *buf, size_t cap, char **fields, int max)
{
    if (len >= cap)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    int n = 0;
    for (char *p = buf; n < max;) {
        fields[n++] = p;
        char *bar = strchr(p, '|');
        if (!bar)
            break;
        *bar = '\0';
        p = bar + 1;
    }
    return n;
}

static rt_intent_t *s_find(venue_runtime_t *rt, const char *clid)
{
    for (size_t i = 0; i < rt->n_intents; i++)
        if (strcmp(rt->intents[i].order.client_order_id, clid) == 0)
            return &rt->intents[i];
    return NULL;
}

static void s_remove(venue_runtime_t *rt, rt_intent_t *in)
{
    size_t i = (size_t) (in - rt->intents);
    rt->intents[i] = rt->intents[--rt->n_intents];
}

static int s_add(venue_runtime_t *rt, const venue_order_req_t *o, uint64_t seq, int64_t sent_ms)
{
    rt_intent_t *in = s_find(rt, o->client_order_id);
    if (!in) {
        if (rt->n_intents == RT_INTENTS_MAX)
            return -1;
        in = &rt->intents[rt->n_intents++];
    }
    memset(in, 0, sizeof *in);
    in->order = *o;
    in->seq = seq;
    in->sent_ms = sent_ms;
    return 0;
}

typedef struct {
    venue_runtime_t *rt; /* owner */
    int bad;             /* records that did not parse */
} s_replay_t;

static int s_replay(void *ctx, uint64_t seq, const void *data, size_t len)
{
    s_replay_t *r = ctx;
    char buf[RT_SEND_RECORD_MAX], *f[12];
    int n = s_split(data, len, buf, sizeof buf, f, 12);
    if (n == 4 && strcmp(f[0], "O") == 0) {
        s_restore(r->rt, f[1], f[2], f[3]);
        return 0;
    }
    if (n == 2 && strcmp(f[0], "R") == 0) {
        rt_intent_t *in = s_find(r->rt, f[1]);
        if (in)
            s_remove(r->rt, in);
        return 0;
    }
    venue_order_req_t o = {0};
    if (n != 11 || strcmp(f[0], "S") != 0 || venue_copy(o.client_order_id, sizeof o.client_order_id, f[1]) < 0 ||
        venue_copy(o.symbol, sizeof o.symbol, f[2]) < 0 || decimal_from_str(f[6], &o.quantity, NULL) < 0 ||
        decimal_from_str(f[7], &o.price, NULL) < 0 || decimal_from_str(f[8], &o.stop_price, NULL) < 0) {
        r->bad++;
        return 0;
    }
    o.side = (venue_side_t) strtol(f[3], NULL, 10);
    o.type = (venue_type_t) strtol(f[4], NULL, 10);
    o.time_in_force = (venue_tif_t) strtol(f[5], NULL, 10);
    o.reduce_only = f[9][0] == '1';
    clidset_add(r->rt->sent, o.client_order_id);
    if (s_add(r->rt, &o, seq, strtoll(f[10], NULL, 10)) < 0)
        r->bad++;
    return 0;
}

int rt_orders_open(venue_runtime_t *rt, err_t *err)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.sends", rt->state_dir, rt->instance);
    rt->intents = mem_calloc(RT_INTENTS_MAX, sizeof(rt_intent_t));
    rt->orders = mem_calloc(RT_ORDERS_MAX, sizeof(rt_order_t));
    rt->by_oid = mem_alloc(RT_ORDER_BUCKETS * sizeof(int32_t));
    rt->by_clid = mem_alloc(RT_ORDER_BUCKETS * sizeof(int32_t));
    memset(rt->by_oid, 0xff, RT_ORDER_BUCKETS * sizeof(int32_t)); /* -1: empty */
    memset(rt->by_clid, 0xff, RT_ORDER_BUCKETS * sizeof(int32_t));
    rt->sent = clidset_new(RT_SENT_KEEP);
    rt->sends = journal_open(path, RT_SEND_RECORD_MAX, err);
    if (!rt->sends)
        return -1;
    journal_set_prealloc(rt->sends, JOURNAL_PREALLOC_DEFAULT); /* cheaper fdatasync: journal.h */
    s_replay_t r = {rt, 0};
    if (journal_replay(rt->sends, 1, s_replay, &r, err) < 0)
        return -1;
    if (r.bad)
        log_error("send journal venue=%s: %d records unreadable", rt->venue, r.bad);
    /* Every send left open by the previous run has an unknown outcome: resolve before taking work. */
    for (size_t i = 0; i < rt->n_intents; i++) {
        int64_t wait = rt->intents[i].sent_ms + rt->creds.recv_window_ms + rt->acceptance_ms - clock_wall_ms();
        rt->intents[i].resolve_at = rt_now() + (wait > 0 ? wait : 0);
        log_warn("unresolved send from previous run venue=%s cl_ord_id=%s symbol=%s: resolving by query",
                 rt->venue, rt->intents[i].order.client_order_id, rt->intents[i].order.symbol);
    }
    return 0;
}

int rt_intent_begin(venue_runtime_t *rt, const venue_order_req_t *o, err_t *err)
{
    char rec[RT_SEND_RECORD_MAX];
    int64_t now = clock_wall_ms();
    int n = s_encode(o, now, rec, sizeof rec);
    if (n < 0)
        return err_set(err, XR_INTERNAL, "send record too long");
    if (rt->n_intents == RT_INTENTS_MAX && !s_find(rt, o->client_order_id))
        return err_set(err, XR_INTERNAL, "too many unresolved order sends");
    uint64_t seq;
    if (journal_append_nosync(rt->sends, rec, (size_t) n, &seq, err) < 0)
        return -1;
    rt->sends_dirty = true;
    s_add(rt, o, seq, now);
    clidset_add(rt->sent, o->client_order_id);
    rt_fills_activate(rt, o->symbol);
    return 0;
}

bool rt_intent_exists(venue_runtime_t *rt, const char *clid)
{
    return s_find(rt, clid) != NULL;
}

/* Drops settled records from the front of the journal, keeping the last 2 * RT_SENT_KEEP records (the ids a
 * restarted worker must still recognise), in batches so that truncation (a durable write) stays rare. */
static void s_truncate(venue_runtime_t *rt)
{
    uint64_t last = journal_last_seq(rt->sends), keep = 2 * RT_SENT_KEEP;
    if (last <= keep)
        return;
    uint64_t upto = last - keep;
    for (size_t i = 0; i < rt->n_intents; i++)
        if (rt->intents[i].seq <= upto)
            upto = rt->intents[i].seq - 1;
    if (upto >= journal_first_seq(rt->sends) + 4096) {
        err_t err;
        if (journal_truncate(rt->sends, upto, &err) < 0)
            log_error("send journal venue=%s truncate failed: %s", rt->venue, err.msg);
    }
}

void rt_intent_end(venue_runtime_t *rt, const char *clid)
{
    rt_intent_t *in = s_find(rt, clid);
    if (!in)
        return;
    char rec[64];
    int n = snprintf(rec, sizeof rec, "R|%s", clid);
    err_t err;
    /* Not synced: losing it in a crash only costs one extra query at the next start. */
    if (journal_append_nosync(rt->sends, rec, (size_t) n, NULL, &err) < 0)
        log_error("send journal venue=%s cl_ord_id=%s: %s", rt->venue, clid, err.msg);
    s_remove(rt, in);
    s_truncate(rt);
}

void rt_intent_unknown(venue_runtime_t *rt, const char *clid, int64_t sent_ms)
{
    rt_intent_t *in = s_find(rt, clid);
    if (!in)
        return;
    int64_t window = rt->creds.recv_window_ms + rt->acceptance_ms;
    int64_t wait = sent_ms + window - clock_wall_ms();
    in->resolve_at = rt_now() + (wait > 0 ? wait : 0);
}

static void s_publish_outcome(venue_runtime_t *rt, const venue_order_t *o)
{
    rt_order_seen(rt, o, rt->account);
}

static void s_resolved(venue_runtime_t *rt, rt_call_t *c, int rc)
{
    const char *clid = c->call.in.client_order_id;
    rt_intent_t *in = s_find(rt, clid);
    if (!in)
        return;
    in->resolving = false;
    if (rc == VENUE_DONE) {
        log_info("resolved venue=%s cl_ord_id=%s status=%s order_id=%s", rt->venue, clid,
                 venue_status_name(c->call.result.order.status), c->call.result.order.order_id);
        s_publish_outcome(rt, &c->call.result.order);
        rt_intent_end(rt, clid);
        return;
    }
    if (c->call.fail.code == XR_ORDER_NOT_FOUND) {
        /* Past the acceptance window and unknown to the venue: it never reached it, and never will. */
        venue_order_t o = {0};
        const venue_order_req_t *r = &in->order;
        snprintf(o.client_order_id, sizeof o.client_order_id, "%s", clid);
        snprintf(o.symbol, sizeof o.symbol, "%s", r->symbol);
        o.side = r->side;
        o.type = r->type;
        o.time_in_force = r->time_in_force;
        o.quantity = r->quantity;
        o.price = r->price;
        o.stop_price = r->stop_price;
        o.reduce_only = r->reduce_only;
        o.status = VENUE_STATUS_REJECTED;
        o.created_at = in->sent_ms;
        o.updated_at = clock_wall_ms();
        log_info("resolved venue=%s cl_ord_id=%s: never reached the venue, REJECTED", rt->venue, clid);
        rt_event_order(rt, &o, rt->account);
        rt_intent_end(rt, clid);
        return;
    }
    in->attempts++;
    int64_t delay = RT_RESOLVE_RETRY_MS * (in->attempts < 8 ? in->attempts : 8);
    log_warn("resolve venue=%s cl_ord_id=%s failed (%s), again in %lld ms", rt->venue, clid,
             c->call.fail.message, (long long) delay);
    in->resolve_at = rt_now() + delay;
}

void rt_intents_tick(venue_runtime_t *rt, int64_t now_ms)
{
    if (!instruments_count(rt->instruments))
        return;
    for (size_t i = 0; i < rt->n_intents; i++) {
        rt_intent_t *in = &rt->intents[i];
        if (!in->resolve_at || in->resolving || now_ms < in->resolve_at)
            continue;
        in->resolving = true;
        rt_call_t *c = rt_call_new(rt, VENUE_OP_GET_ORDER);
        snprintf(c->call.in.symbol, sizeof c->call.in.symbol, "%s", in->order.symbol);
        snprintf(c->call.in.client_order_id, sizeof c->call.in.client_order_id, "%s", in->order.client_order_id);
        /* Venues without client ids match on what was sent (side, type, quantity, price, time). */
        c->call.in.order = in->order;
        c->call.in.start_ms = in->sent_ms;
        c->on_done = s_resolved;
        rt_call_start(rt, c);
        return; /* the call may have changed the intents array; one per tick is plenty */
    }
}

/* ---- the order table ------------------------------------------------------------------------------------
 * Slots in one array, found through two chained hash indexes (by venue order id and by client order id) so
 * that every reply, fill and listing costs a few comparisons whatever the number of tracked orders. */

typedef enum { K_OID, K_CLID } s_key_t;

static uint32_t s_hash(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *) key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h & (RT_ORDER_BUCKETS - 1);
}

static const char *s_key(const rt_order_t *t, s_key_t k)
{
    return k == K_OID ? t->o.order_id : t->o.client_order_id;
}

static int32_t *s_next(rt_order_t *t, s_key_t k)
{
    return k == K_OID ? &t->next_oid : &t->next_clid;
}

static int32_t *s_heads(const venue_runtime_t *rt, s_key_t k)
{
    return k == K_OID ? rt->by_oid : rt->by_clid;
}

static void s_link(venue_runtime_t *rt, int32_t i, s_key_t k)
{
    rt_order_t *t = &rt->orders[i];
    if (!s_key(t, k)[0])
        return;
    int32_t *head = &s_heads(rt, k)[s_hash(s_key(t, k))];
    *s_next(t, k) = *head;
    *head = i;
}

static void s_unlink(venue_runtime_t *rt, int32_t i, s_key_t k)
{
    rt_order_t *t = &rt->orders[i];
    if (!s_key(t, k)[0])
        return;
    for (int32_t *p = &s_heads(rt, k)[s_hash(s_key(t, k))]; *p >= 0; p = s_next(&rt->orders[*p], k))
        if (*p == i) {
            *p = *s_next(t, k);
            *s_next(t, k) = -1;
            return;
        }
    assert(!"order slot missing from its index");
}

static int32_t s_lookup(const venue_runtime_t *rt, const char *key, s_key_t k)
{
    if (!key[0] || !rt->orders)
        return -1;
    for (int32_t i = s_heads(rt, k)[s_hash(key)]; i >= 0; i = k == K_OID ? rt->orders[i].next_oid : rt->orders[i].next_clid)
        if (strcmp(s_key(&rt->orders[i], k), key) == 0)
            return i;
    return -1;
}

/* Sets slot i's order to o, moving it in the indexes when its ids change. */
static void s_store(venue_runtime_t *rt, int32_t i, const venue_order_t *o)
{
    rt_order_t *t = &rt->orders[i];
    bool oid = strcmp(t->o.order_id, o->order_id) != 0, clid = strcmp(t->o.client_order_id, o->client_order_id) != 0;
    if (oid)
        s_unlink(rt, i, K_OID);
    if (clid)
        s_unlink(rt, i, K_CLID);
    t->o = *o;
    if (oid)
        s_link(rt, i, K_OID);
    if (clid)
        s_link(rt, i, K_CLID);
}

/* A free slot: a new one, else one whose order is final (or a request that never became an order, after a
 * while), found by a hand that goes round the table (so the oldest are reused first, roughly). -1 when every
 * tracked order is live. */
static int32_t s_new_slot(venue_runtime_t *rt)
{
    int32_t i = -1;
    if (rt->n_orders < RT_ORDERS_MAX) {
        i = (int32_t) rt->n_orders++;
    } else {
        if (rt_now() < rt->evict_none_until)
            return -1; /* every order was live a moment ago: not worth another pass over the table yet */
        int64_t stale = rt_now() - RT_ORDER_STALE_MS;
        for (size_t k = 0; k < RT_ORDERS_MAX && i < 0; k++) {
            size_t j = (rt->evict_hand + k) % RT_ORDERS_MAX;
            const rt_order_t *t = &rt->orders[j];
            if (venue_status_final(t->o.status) || t->gone ||
                (t->o.status == VENUE_STATUS_NONE && t->touched_ms < stale))
                i = (int32_t) j;
        }
        if (i < 0) {
            rt->evict_none_until = rt_now() + 1000;
            log_warn("orders venue=%s: %d orders tracked, all live; new ones are not tracked for a second",
                     rt->venue, RT_ORDERS_MAX);
            return -1;
        }
        rt->evict_hand = (size_t) i + 1;
        s_unlink(rt, i, K_OID);
        s_unlink(rt, i, K_CLID);
        proto_meta_free(&rt->orders[i].meta);
    }
    memset(&rt->orders[i], 0, sizeof rt->orders[i]);
    rt->orders[i].next_oid = rt->orders[i].next_clid = -1;
    return i;
}

/* The slot of an order by venue id, else by client id, or -1. */
static int32_t s_slot_of(const venue_runtime_t *rt, const char *order_id, const char *client_order_id)
{
    int32_t i = s_lookup(rt, order_id, K_OID);
    return i >= 0 ? i : s_lookup(rt, client_order_id, K_CLID);
}

const rt_order_t *rt_order_find(const venue_runtime_t *rt, const char *order_id)
{
    int32_t i = s_lookup(rt, order_id, K_OID);
    return i >= 0 ? &rt->orders[i] : NULL;
}

const rt_order_t *rt_order_lookup(const venue_runtime_t *rt, const char *order_id, const char *client_order_id)
{
    int32_t i = s_slot_of(rt, order_id, client_order_id);
    return i >= 0 ? &rt->orders[i] : NULL;
}

/* "O|clid|order_id|symbol": the venue id of an order sent here, so that a restarted worker still knows whose
 * fills are whose on venues that keep no client ids (CoinDCX), and can act on a client id alone. Not synced on
 * its own: it rides on the next group commit (a process crash keeps it in the page cache anyway). */
static void s_journal_link(venue_runtime_t *rt, const venue_order_t *o)
{
    if (!o->client_order_id[0] || !o->order_id[0] || !clidset_has(rt->sent, o->client_order_id))
        return;
    char rec[RT_SEND_RECORD_MAX];
    int n = snprintf(rec, sizeof rec, "O|%s|%s|%s", o->client_order_id, o->order_id, o->symbol);
    err_t err;
    if (n > 0 && (size_t) n < sizeof rec && journal_append_nosync(rt->sends, rec, (size_t) n, NULL, &err) < 0)
        log_error("send journal venue=%s cl_ord_id=%s: %s", rt->venue, o->client_order_id, err.msg);
}

/* Replay of an "O" record: the pair is known again, the order's state is not (until it is seen). */
static void s_restore(venue_runtime_t *rt, const char *clid, const char *oid, const char *symbol)
{
    venue_order_t o = {0};
    if (venue_copy(o.client_order_id, sizeof o.client_order_id, clid) < 0 ||
        venue_copy(o.order_id, sizeof o.order_id, oid) < 0 || venue_copy(o.symbol, sizeof o.symbol, symbol) < 0)
        return;
    int32_t i = s_slot_of(rt, o.order_id, o.client_order_id);
    if (i < 0 && (i = s_new_slot(rt)) < 0)
        return;
    rt->orders[i].restored = true;
    rt->orders[i].touched_ms = rt_now();
    s_store(rt, i, &o);
}

void rt_order_meta(venue_runtime_t *rt, const char *clid, const char *symbol, const proto_meta_t *meta)
{
    if (!meta->count)
        return;
    venue_order_t key = {0};
    snprintf(key.client_order_id, sizeof key.client_order_id, "%s", clid);
    snprintf(key.symbol, sizeof key.symbol, "%s", symbol);
    int32_t i = s_slot_of(rt, key.order_id, key.client_order_id);
    if (i < 0) {
        if ((i = s_new_slot(rt)) < 0)
            return;
        rt->orders[i].touched_ms = rt_now();
        s_store(rt, i, &key);
    }
    proto_meta_free(&rt->orders[i].meta);
    proto_meta_copy(&rt->orders[i].meta, meta);
}

void rt_orders_free(venue_runtime_t *rt)
{
    for (size_t i = 0; rt->orders && i < rt->n_orders; i++)
        proto_meta_free(&rt->orders[i].meta);
    mem_free(rt->orders);
    mem_free(rt->by_oid);
    mem_free(rt->by_clid);
    rt->orders = NULL;
    rt->by_oid = rt->by_clid = NULL;
    rt->n_orders = 0;
}

void rt_order_seen(venue_runtime_t *rt, const venue_order_t *o, const char *account)
{
    if (!o->order_id[0] && o->status != VENUE_STATUS_REJECTED)
        return;
    int32_t i = s_slot_of(rt, o->order_id, o->client_order_id);
    venue_order_t now = *o;
    bool changed = true;
    if (i >= 0) {
        /* What a reply leaves out the table keeps: a REJECTED order has no venue id, a CoinDCX order no client id. */
        const venue_order_t *old = &rt->orders[i].o;
        if (!now.order_id[0])
            memcpy(now.order_id, old->order_id, sizeof now.order_id);
        if (!now.client_order_id[0])
            memcpy(now.client_order_id, old->client_order_id, sizeof now.client_order_id);
        changed = old->status != now.status || !decimal_eq(old->filled_quantity, now.filled_quantity) ||
                  strcmp(old->order_id, now.order_id) != 0;
    } else {
        i = s_new_slot(rt);
    }
    if (i >= 0 && changed) {
        rt_order_t *t = &rt->orders[i];
        bool learned = now.order_id[0] && strcmp(t->o.order_id, now.order_id) != 0;
        s_store(rt, i, &now);
        t->touched_ms = rt_now();
        t->restored = false;
        t->gone = false;
        if (learned)
            s_journal_link(rt, &now);
    }
    if (changed)
        rt_event_order(rt, &now, account);
    if (!venue_status_final(now.status))
        rt_fills_activate(rt, now.symbol);
    if (changed && decimal_sign(now.filled_quantity) > 0)
        rt_fills_hint(rt, now.symbol);
}

void rt_order_refresh(venue_runtime_t *rt, const char *symbol, const char *order_id)
{
    rt_call_t *c = rt_call_new(rt, VENUE_OP_GET_ORDER);
    snprintf(c->call.in.symbol, sizeof c->call.in.symbol, "%s", symbol);
    snprintf(c->call.in.order_id, sizeof c->call.in.order_id, "%s", order_id);
    rt_call_start(rt, c); /* completion records the state (rt_call.c s_finish) */
}

/* Open orders of one symbol arrived: record each; tracked live orders missing from the list ended at the
 * venue (filled, cancelled, expired, triggered): query them for their final state. Orders known only from
 * the journal (restored) are left alone: their fills bring them back (rt_fills.c). */
static void s_open_listed(venue_runtime_t *rt, rt_call_t *c, int rc)
{
    if (rc != VENUE_DONE)
        return;
    const venue_result_t *r = &c->call.result;
    uint32_t round = ++rt->listing_round;
    for (size_t i = 0; i < r->n_orders; i++) {
        int32_t j = s_lookup(rt, r->orders[i].order_id, K_OID);
        if (j < 0)
            continue;
        rt->orders[j].listed = round;
        rt_order_seen(rt, &r->orders[i], rt->account);
    }
    int asked = 0;
    for (size_t i = 0; i < rt->n_orders; i++) {
        rt_order_t *t = &rt->orders[i];
        if (t->restored || t->listed == round || venue_status_final(t->o.status) || !t->o.order_id[0] ||
            t->touched_ms >= c->created_ms || strcmp(t->o.symbol, c->call.in.symbol) != 0)
            continue;
        t->gone = true; /* not open at the venue any more (orders ended by someone else, cancelled in bulk) */
        if (asked < 16) {
            rt_order_refresh(rt, t->o.symbol, t->o.order_id);
            asked++;
        }
    }
}

void rt_orders_tick(venue_runtime_t *rt, int64_t now_ms)
{
    if (!rt->ready || now_ms < rt->next_order_refresh)
        return;
    rt->next_order_refresh = now_ms + RT_ORDER_REFRESH_MS;
    char done[8][VENUE_SYMBOL_MAX];
    int n = 0;
    for (size_t i = 0; i < rt->n_orders && n < 8; i++) {
        const rt_order_t *t = &rt->orders[i];
        if (t->restored || venue_status_final(t->o.status) || !t->o.order_id[0])
            continue;
        bool seen = false;
        for (int j = 0; j < n && !seen; j++)
            seen = strcmp(done[j], t->o.symbol) == 0;
        if (seen)
            continue;
        snprintf(done[n++], VENUE_SYMBOL_MAX, "%s", t->o.symbol);
        rt_call_t *c = rt_call_new(rt, VENUE_OP_GET_OPEN_ORDERS);
        snprintf(c->call.in.symbol, sizeof c->call.in.symbol, "%s", t->o.symbol);
        c->on_done = s_open_listed;
        rt_call_start(rt, c);
    }
}
