/* rt_events: event.order / event.fill with a per-instance sequence number, journaled before they are
 * published, kept until the recorder acknowledges them, and re-published on its replay request.
 *
 * The event journal (<state_dir>/<instance>.events) numbers its records exactly as the events are numbered:
 * the record of seq n is journal record n, so "replay from n" is journal_replay(n) and "ack n" is
 * journal_truncate(n). A record is [u16 topic length][topic][envelope bytes], ready to publish again. */
#include "rt.h"

#include "base/log.h"
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

#define RT_EVENT_RECORD_MAX (PROTO_ENVELOPE_MAX + PROTO_TOPIC_SZ + 2)

int rt_events_open(venue_runtime_t *rt, err_t *err)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.events", rt->state_dir, rt->instance);
    rt->events = journal_open(path, RT_EVENT_RECORD_MAX, err);
    if (!rt->events)
        return -1;
    journal_set_prealloc(rt->events, JOURNAL_PREALLOC_DEFAULT); /* cheaper fdatasync: journal.h */
    return 0;
}

static void s_publish(venue_runtime_t *rt, const char *topic, size_t topic_len, const void *env, size_t env_len)
{
    bus_msg_t *m = bus_msg_new();
    err_t err;
    if (bus_msg_push_route(m, topic, topic_len, &err) < 0) {
        bus_msg_destroy(&m);
        return;
    }
    bus_msg_set_envelope(m, env, env_len);
    if (bus_msg_send(&m, rt->pub, &err) < 0)
        log_warn("publish venue=%s failed: %s (the journal keeps it for replay)", rt->venue, err.msg);
}

/* Journals then publishes one event; ev->seq is assigned here. */
static int s_emit(venue_runtime_t *rt, proto_event_t *ev)
{
    err_t err;
    char topic[PROTO_TOPIC_SZ];
    ev->seq = journal_last_seq(rt->events) + 1;
    snprintf(ev->source, sizeof ev->source, "%s", rt->instance);
    size_t tlen = proto_event_topic(ev, topic, sizeof topic);
    proto_header_t h;
    char id[40];
    snprintf(id, sizeof id, "%s-%llu", rt->instance, (unsigned long long) ev->seq);
    id[sizeof id - 1] = '\0';
    proto_header_init(&h, id);
    buf_t rec;
    buf_init(&rec, RT_EVENT_RECORD_MAX);
    uint8_t len2[2] = {(uint8_t) (tlen & 0xff), (uint8_t) (tlen >> 8)};
    int rc = -1;
    if (tlen == 0 || buf_append(&rec, len2, 2) < 0 || buf_append(&rec, topic, tlen) < 0) {
        log_error("event venue=%s: bad topic", rt->venue);
        goto done;
    }
    size_t env_at = rec.len;
    buf_t env;
    buf_init(&env, PROTO_ENVELOPE_MAX);
    if (proto_event_encode(&h, ev, &env, &err) < 0 || buf_append(&rec, env.data, env.len) < 0) {
        log_error("event venue=%s encode failed: %s", rt->venue, err.msg);
        buf_release(&env);
        goto done;
    }
    buf_release(&env);
    uint64_t seq;
    uint8_t len4[4] = {(uint8_t) rec.len, (uint8_t) (rec.len >> 8), (uint8_t) (rec.len >> 16),
                       (uint8_t) (rec.len >> 24)};
    if (journal_append_nosync(rt->events, rec.data, rec.len, &seq, &err) < 0) {
        log_error("event venue=%s journal failed: %s; event not published", rt->venue, err.msg);
        goto done;
    }
    assert(seq == ev->seq);
    (void) env_at;
    /* Published by rt_events_flush once the journal is synced (group commit). */
    if (buf_append(&rt->pubq, len4, 4) < 0 || buf_append(&rt->pubq, rec.data, rec.len) < 0)
        log_warn("event venue=%s seq=%llu: publish queue full; the recorder gets it by replay", rt->venue,
                 (unsigned long long) seq);
    else
        rt->n_pubq++;
    rc = 0;
done:
    buf_release(&rec);
    return rc;
}

int rt_event_order(venue_runtime_t *rt, const venue_order_t *o, const char *account)
{
    proto_event_t ev;
    proto_event_init(&ev, PROTO_T_EVENT_ORDER);
    venue_convert_order(o, rt->venue, account, &ev.order);
    int rc = s_emit(rt, &ev);
    /* Debug, not info: a line per order state is the recorder's job (order_events), and at the default level
     * it was a formatted write(2) on every order's path. Fills stay at info. */
    if (rc == 0)
        log_debug("event.order venue=%s seq=%llu cl_ord_id=%s order_id=%s status=%s", rt->venue,
                 (unsigned long long) ev.seq, o->client_order_id, o->order_id, venue_status_name(o->status));
    proto_event_free(&ev);
    return rc;
}

int rt_event_fill(venue_runtime_t *rt, const venue_fill_t *f, const char *account)
{
    proto_event_t ev;
    proto_event_init(&ev, PROTO_T_EVENT_FILL);
    venue_convert_fill(f, rt->venue, account, &ev.fill);
    /* The order's metadata rides on its fills; a fill can be found before the order's venue id is known here
     * (Bybit acknowledges with ids only and the state arrives by a second call), so the client id counts too. */
    const rt_order_t *o = rt_order_lookup(rt, f->order_id, f->client_order_id);
    if (o && !ev.fill.client_order_id[0] && o->o.client_order_id[0])
        snprintf(ev.fill.client_order_id, sizeof ev.fill.client_order_id, "%s", o->o.client_order_id);
    if (o && o->meta.count)
        proto_meta_copy(&ev.fill.metadata, &o->meta);
    int rc = s_emit(rt, &ev);
    if (rc == 0)
        log_info("event.fill venue=%s seq=%llu trade_id=%s order_id=%s cl_ord_id=%s", rt->venue,
                 (unsigned long long) ev.seq, f->trade_id, f->order_id, f->client_order_id);
    proto_event_free(&ev);
    return rc;
}

void rt_events_hello(venue_runtime_t *rt)
{
    proto_control_t c;
    proto_control_init(&c, PROTO_T_EVENTS_HELLO);
    snprintf(c.source, sizeof c.source, "%s", rt->instance);
    c.first_seq = journal_count(rt->events) ? journal_first_seq(rt->events) : 0;
    c.last_seq = journal_last_seq(rt->events);
    proto_header_t h;
    char id[48];
    snprintf(id, sizeof id, "hello-%llu", (unsigned long long) ++rt->id_counter);
    proto_header_init(&h, id);
    buf_reset(&rt->out);
    err_t err;
    rt->zdirty |= RT_Z_RECORDER;
    if (proto_control_encode(&h, &c, &rt->out, &err) == 0)
        bus_send_envelope(rt->recorder, NULL, &rt->out, &err);
}

int rt_events_flush(venue_runtime_t *rt);

static int s_replay_one(void *ctx, uint64_t seq, const void *data, size_t len)
{
    venue_runtime_t *rt = ctx;
    const uint8_t *p = data;
    (void) seq;
    if (len < 2)
        return 0;
    size_t tlen = (size_t) p[0] | ((size_t) p[1] << 8);
    if (2 + tlen > len)
        return 0;
    s_publish(rt, (const char *) p + 2, tlen, p + 2 + tlen, len - 2 - tlen);
    return 0;
}

/* The recorder has stored more events of this instance than its journal ever held: the journal was lost
 * (a wiped state directory). Event numbers must continue after the recorder's, or the recorder would take
 * the new events for ones it already has. An empty journal is renumbered; one that already holds new
 * events cannot be, and those events are left to the recorder's backstop (fills) and to later states. */
static void s_behind(venue_runtime_t *rt, uint64_t recorder_seq)
{
    err_t err;
    if (journal_count(rt->events) == 0 && rt->n_pubq == 0) {
        if (journal_skip_to(rt->events, recorder_seq + 1, &err) == 0)
            log_warn("event journal venue=%s instance=%s was behind the recorder (%llu stored): events continue "
                     "from seq %llu", rt->venue, rt->instance, (unsigned long long) recorder_seq,
                     (unsigned long long) recorder_seq + 1);
        else
            log_error("event journal venue=%s renumbering to %llu failed: %s", rt->venue,
                      (unsigned long long) recorder_seq + 1, err.msg);
        return;
    }
    log_error("event journal venue=%s instance=%s: the recorder has %llu events of this instance, the journal "
              "ends at %llu with events not yet stored: a lost journal; the recorder will take events %llu..%llu "
              "for ones it has (fills come back by its backstop)",
              rt->venue, rt->instance, (unsigned long long) recorder_seq,
              (unsigned long long) journal_last_seq(rt->events), (unsigned long long) journal_first_seq(rt->events),
              (unsigned long long) journal_last_seq(rt->events));
}

void rt_events_on_recorder(venue_runtime_t *rt)
{
    err_t err;
    for (;;) {
        bus_msg_t *m = bus_msg_recv(rt->recorder, &err);
        if (!m)
            return;
        proto_header_t h;
        proto_control_t c;
        if (bus_msg_parse(m, rt->reader, &h, &err) < 0 || proto_control_decode(rt->reader, &c, &err) < 0) {
            log_warn("recorder venue=%s: bad message: %s", rt->venue, err.msg);
            bus_msg_destroy(&m);
            continue;
        }
        bus_msg_destroy(&m);
        if (strcmp(c.source, rt->instance) != 0)
            continue;
        if (c.type == PROTO_T_EVENTS_ACK && c.seq > journal_last_seq(rt->events)) {
            s_behind(rt, c.seq);
        } else if (c.type == PROTO_T_EVENTS_ACK) {
            uint64_t upto = c.seq < journal_last_seq(rt->events) ? c.seq : journal_last_seq(rt->events);
            /* not synced: a MARK lost in a machine crash only brings back events the recorder already has
             * (it de-duplicates by sequence); the next event's sync makes it durable anyway */
            if (upto >= journal_first_seq(rt->events) && journal_truncate_nosync(rt->events, upto, &err) < 0)
                log_error("event journal venue=%s truncate to %llu failed: %s", rt->venue,
                          (unsigned long long) upto, err.msg);
        } else if (c.type == PROTO_T_EVENTS_REPLAY) {
            if (rt_events_flush(rt) < 0)
                continue; /* never replay records that are not durable yet; the recorder asks again */
            uint64_t from = c.from_seq > journal_first_seq(rt->events) ? c.from_seq : journal_first_seq(rt->events);
            log_info("replay venue=%s from_seq=%llu (asked %llu) last_seq=%llu", rt->venue,
                     (unsigned long long) from, (unsigned long long) c.from_seq,
                     (unsigned long long) journal_last_seq(rt->events));
            if (journal_replay(rt->events, from, s_replay_one, rt, &err) < 0)
                log_error("replay venue=%s failed: %s", rt->venue, err.msg);
        }
    }
}

int rt_events_flush(venue_runtime_t *rt)
{
    if (!rt->n_pubq)
        return 0;
    err_t err;
    if (rt->journal_sync && journal_sync(rt->events, &err) < 0) {
        log_error("event journal venue=%s sync failed: %s; events held back", rt->venue, err.msg);
        return -1;
    }
    const uint8_t *p = (const uint8_t *) rt->pubq.data, *end = p + rt->pubq.len;
    while (p + 4 <= end) {
        size_t len = (size_t) p[0] | ((size_t) p[1] << 8) | ((size_t) p[2] << 16) | ((size_t) p[3] << 24);
        p += 4;
        if (p + len > end)
            break;
        s_replay_one(rt, 0, p, len);
        p += len;
    }
    buf_reset(&rt->pubq);
    rt->n_pubq = 0;
    return 0;
}
