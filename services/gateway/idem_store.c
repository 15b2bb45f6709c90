/* idem_store: client order ids seen within a window, journaled for restarts.
 *
 * Changes are collected in memory (applied to the table at once) and reach the journal as one record per
 * batch (idem_store_write, idem_store_flush): one write for all the admissions and updates of a loop round
 * instead of one per change. A batch record holds the changes' own records, each prefixed by its length; a
 * batch of one is written as that plain record. */
#include "idem_store.h"

#include "base/buf.h"
#include "base/journal.h"
#include "base/log.h"
#include "base/mem.h"

#include <czmq.h>
#include <assert.h>
#include <string.h>

#define IDEM_KEY_MAX 128
#define IDEM_RECORD_MAX (IDEM_STATE_MAX + IDEM_KEY_MAX + 16)
#define IDEM_BATCH_MAX (256 * 1024) /* largest batch record; a change that does not fit writes the batch first */

enum { REC_ADMIT = 1, REC_UPDATE = 2, REC_BATCH = 3 };

typedef struct {
    int64_t first_seen_ms;  /* when admitted */
    uint64_t last_seq;      /* journal seq of the newest record about this entry */
    uint8_t *state;         /* encoded order state, or NULL */
    size_t state_len;       /* bytes in state */
} entry_t;

struct _idem_store_t {
    journal_t *journal;     /* durable history of admissions and updates */
    zhashx_t *entries;      /* key "account\x1fclient_order_id" -> entry_t */
    int64_t window_ms;      /* how long an id is remembered */
    bool dirty;             /* appended since the last flush */
    buf_t rec;              /* scratch for encoding records */
    buf_t batch;            /* changes not written yet: REC_BATCH kind byte, then (u32 LE length, record)... */
    size_t batch_n;         /* records in batch */
};

static void s_entry_free(void **item)
{
    entry_t *e = *item;
    if (e) {
        mem_free(e->state);
        mem_free(e);
    }
    *item = NULL;
}

static int s_key(char *out, const char *account, const char *id)
{
    int n = snprintf(out, IDEM_KEY_MAX, "%s\x1f%s", account, id);
    return n > 0 && n < IDEM_KEY_MAX ? 0 : -1;
}

/* Record: kind(1) | first-seen wall ms (8, LE) | key len (1) | key | state bytes (rest). Every record is
 * self-sufficient (an update carries the first-seen time too), so truncation may drop any record older than
 * the newest record of every live entry. */
static int s_encode(idem_store_t *self, int kind, int64_t ms, const char *key, const void *state, size_t len)
{
    uint8_t hdr[10];
    size_t klen = strlen(key);
    hdr[0] = (uint8_t) kind;
    for (int i = 0; i < 8; i++)
        hdr[1 + i] = (uint8_t) ((uint64_t) ms >> (8 * i));
    hdr[9] = (uint8_t) klen;
    buf_reset(&self->rec);
    if (buf_append(&self->rec, hdr, sizeof hdr) || buf_append(&self->rec, key, klen) ||
        buf_append(&self->rec, state, len))
        return -1;
    return 0;
}

static void s_apply(idem_store_t *self, int kind, int64_t ms, const char *key, const uint8_t *state, size_t len,
                    uint64_t seq)
{
    entry_t *e = zhashx_lookup(self->entries, key);
    if (kind == REC_ADMIT && e) {
        /* an id admitted again after its window starts afresh */
        zhashx_delete(self->entries, key);
        e = NULL;
    }
    if (!e) {
        e = mem_calloc(1, sizeof *e);
        e->first_seen_ms = ms;
        zhashx_insert(self->entries, key, e);
    }
    e->last_seq = seq;
    if (kind == REC_UPDATE) {
        mem_free(e->state);
        e->state = mem_alloc(len ? len : 1);
        memcpy(e->state, state, len);
        e->state_len = len;
    }
}

static int s_replay_record(idem_store_t *self, uint64_t seq, const uint8_t *p, size_t len);

static int s_replay_one(void *ctx, uint64_t seq, const void *data, size_t len)
{
    idem_store_t *self = ctx;
    const uint8_t *p = data;
    if (len < 1 || p[0] != REC_BATCH)
        return s_replay_record(self, seq, p, len);
    size_t off = 1;
    while (off < len) {
        if (len - off < 4) {
            log_warn("idem_store: batch record seq=%llu is cut short, rest skipped", (unsigned long long) seq);
            return 0;
        }
        uint32_t n = (uint32_t) p[off] | (uint32_t) p[off + 1] << 8 | (uint32_t) p[off + 2] << 16 |
                     (uint32_t) p[off + 3] << 24;
        off += 4;
        if (n > len - off) {
            log_warn("idem_store: batch record seq=%llu is cut short, rest skipped", (unsigned long long) seq);
            return 0;
        }
        s_replay_record(self, seq, p + off, n);
        off += n;
    }
    return 0;
}

static int s_replay_record(idem_store_t *self, uint64_t seq, const uint8_t *p, size_t len)
{
    if (len < 10 || (p[0] != REC_ADMIT && p[0] != REC_UPDATE) || (size_t) p[9] + 10 > len || p[9] >= IDEM_KEY_MAX) {
        log_warn("idem_store: record seq=%llu is malformed, skipped", (unsigned long long) seq);
        return 0;
    }
    uint64_t ms = 0;
    for (int i = 0; i < 8; i++)
        ms |= (uint64_t) p[1 + i] << (8 * i);
    char key[IDEM_KEY_MAX];
    memcpy(key, p + 10, p[9]);
    key[p[9]] = '\0';
    s_apply(self, p[0], (int64_t) ms, key, p + 10 + p[9], len - 10 - p[9], seq);
    return 0;
}

idem_store_t *idem_store_open(const char *path, int64_t window_ms, int64_t now_ms, err_t *err)
{
    idem_store_t *self = mem_calloc(1, sizeof *self);
    self->window_ms = window_ms;
    buf_init(&self->rec, IDEM_RECORD_MAX);
    buf_init(&self->batch, IDEM_BATCH_MAX);
    self->entries = zhashx_new();
    zhashx_set_destructor(self->entries, s_entry_free);
    self->journal = journal_open(path, IDEM_BATCH_MAX, err);
    if (!self->journal)
        goto fail;
    journal_set_prealloc(self->journal, JOURNAL_PREALLOC_DEFAULT); /* cheaper fdatasync: base/journal.h */
    if (journal_replay(self->journal, 0, s_replay_one, self, err) != 0)
        goto fail;
    if (idem_store_expire(self, now_ms, err) != 0)
        goto fail;
    log_info("idem_store path=%s ids=%zu window_ms=%lld", path, idem_store_size(self), (long long) window_ms);
    return self;
fail:
    idem_store_destroy(&self);
    return NULL;
}

void idem_store_destroy(idem_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    idem_store_t *self = *self_p;
    if (self->journal && (self->dirty || self->batch_n))
        idem_store_flush(self, NULL);
    journal_destroy(&self->journal);
    zhashx_destroy(&self->entries);
    buf_release(&self->rec);
    buf_release(&self->batch);
    mem_free(self);
    *self_p = NULL;
}

bool idem_store_lookup(idem_store_t *self, const char *account, const char *client_order_id, int64_t now_ms,
                       idem_entry_t *out)
{
    char key[IDEM_KEY_MAX];
    if (s_key(key, account, client_order_id) != 0)
        return false;
    entry_t *e = zhashx_lookup(self->entries, key);
    if (!e || now_ms - e->first_seen_ms > self->window_ms)
        return false;
    out->first_seen_ms = e->first_seen_ms;
    out->has_state = e->state != NULL;
    out->state = e->state;
    out->state_len = e->state_len;
    return true;
}

/* Adds a change to the batch (writing the batch first when it would not fit) and applies it. The change
 * gets the sequence number its batch record will have. */
static int s_append(idem_store_t *self, int kind, int64_t ms, const char *key, const void *state, size_t len,
                    err_t *err)
{
    if (s_encode(self, kind, ms, key, state, len) != 0)
        return err_set(err, XR_INTERNAL, "idempotency record too large");
    if (self->batch.len + 4 + self->rec.len > IDEM_BATCH_MAX && idem_store_write(self, err) != 0)
        return -1;
    if (self->batch_n == 0) {
        buf_reset(&self->batch);
        uint8_t kind_byte = REC_BATCH;
        buf_append(&self->batch, &kind_byte, 1);
    }
    uint8_t n[4] = {(uint8_t) self->rec.len, (uint8_t) (self->rec.len >> 8), (uint8_t) (self->rec.len >> 16),
                    (uint8_t) (self->rec.len >> 24)};
    if (buf_append(&self->batch, n, sizeof n) || buf_append(&self->batch, self->rec.data, self->rec.len))
        return err_set(err, XR_INTERNAL, "idempotency batch full"); /* cannot happen: checked above */
    self->batch_n++;
    s_apply(self, kind, ms, key, state, len, journal_last_seq(self->journal) + 1);
    return 0;
}

int idem_store_write(idem_store_t *self, err_t *err)
{
    if (self->batch_n == 0)
        return 0;
    /* a batch of one is written as its plain record */
    const uint8_t *data = (const uint8_t *) self->batch.data;
    size_t len = self->batch.len;
    if (self->batch_n == 1) {
        data += 5;
        len -= 5;
    }
    uint64_t seq;
    int rc = journal_append_nosync(self->journal, data, len, &seq, err);
    /* The changes are in the table already. A failed write drops them from the journal: the caller refuses
     * what it admitted (idem_store_flush fails too), and an update lost here only makes a resubmission after a
     * restart answer with less state. */
    self->batch_n = 0;
    buf_reset(&self->batch);
    if (rc != 0)
        return -1;
    self->dirty = true;
    return 0;
}

int idem_store_admit(idem_store_t *self, const char *account, const char *client_order_id, int64_t now_ms,
                     err_t *err)
{
    char key[IDEM_KEY_MAX];
    if (s_key(key, account, client_order_id) != 0)
        return err_set(err, XR_INVALID_REQUEST, "account and client order id too long");
    return s_append(self, REC_ADMIT, now_ms, key, NULL, 0, err);
}

int idem_store_update(idem_store_t *self, const char *account, const char *client_order_id, const void *state,
                      size_t len, err_t *err)
{
    char key[IDEM_KEY_MAX];
    if (len > IDEM_STATE_MAX)
        return err_set(err, XR_INTERNAL, "order state of %zu bytes is larger than %d", len, IDEM_STATE_MAX);
    if (s_key(key, account, client_order_id) != 0)
        return 0;
    entry_t *e = zhashx_lookup(self->entries, key);
    if (!e)
        return 0;
    return s_append(self, REC_UPDATE, e->first_seen_ms, key, state, len, err);
}

int idem_store_flush(idem_store_t *self, err_t *err)
{
    if (idem_store_write(self, err) != 0)
        return -1;
    if (!self->dirty)
        return 0;
    if (journal_sync(self->journal, err) != 0)
        return -1;
    self->dirty = false;
    return 0;
}

int idem_store_expire(idem_store_t *self, int64_t now_ms, err_t *err)
{
    if (idem_store_write(self, err) != 0)
        return -1;
    uint64_t keep_from = journal_last_seq(self->journal) + 1;
    zlistx_t *stale = zlistx_new();
    for (entry_t *e = zhashx_first(self->entries); e; e = zhashx_next(self->entries)) {
        if (now_ms - e->first_seen_ms > self->window_ms)
            zlistx_add_end(stale, (void *) zhashx_cursor(self->entries));
        else if (e->last_seq < keep_from)
            keep_from = e->last_seq;
    }
    for (const char *k = zlistx_first(stale); k; k = zlistx_next(stale)) {
        char key[IDEM_KEY_MAX];
        snprintf(key, sizeof key, "%s", k);
        zhashx_delete(self->entries, key);
    }
    zlistx_destroy(&stale);
    /* Records before the newest record of every live entry are superseded or expired. */
    if (keep_from > journal_first_seq(self->journal) && keep_from > 1)
        return journal_truncate(self->journal, keep_from - 1, err);
    return 0;
}

size_t idem_store_size(const idem_store_t *self)
{
    return zhashx_size(self->entries);
}
