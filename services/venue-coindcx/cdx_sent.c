/* cdx_sent: the orders this worker sent (see cdx_sent.h), and the rule that recognises one of them among the
 * orders a list reply shows. */
#include "cdx_sent.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t s_count(const cdx_sent_t *self)
{
    return self->n < CDX_SENT_MAX ? self->n : CDX_SENT_MAX;
}

cdx_sent_entry_t *cdx_sent_by_clid(cdx_sent_t *self, const char *clid)
{
    assert(self);
    for (size_t i = 0, n = s_count(self); i < n && clid[0]; i++) {
        cdx_sent_entry_t *m = &self->e[(self->n - 1 - i) % CDX_SENT_MAX];
        if (strcmp(m->clid, clid) == 0)
            return m;
    }
    return NULL;
}

cdx_sent_entry_t *cdx_sent_by_id(cdx_sent_t *self, const char *order_id)
{
    assert(self);
    for (size_t i = 0, n = s_count(self); i < n && order_id[0]; i++) {
        cdx_sent_entry_t *m = &self->e[(self->n - 1 - i) % CDX_SENT_MAX];
        if (strcmp(m->order_id, order_id) == 0)
            return m;
    }
    return NULL;
}

void cdx_sent_record(cdx_sent_t *self, const char *clid, const coindcx_intent_t *sent)
{
    cdx_sent_entry_t *m = cdx_sent_by_clid(self, clid);
    if (!m) {
        m = &self->e[self->n++ % CDX_SENT_MAX];
        memset(m, 0, sizeof *m);
        snprintf(m->clid, sizeof m->clid, "%s", clid);
    }
    m->sent = *sent;
}

void cdx_sent_set_id(cdx_sent_t *self, const char *clid, const char *order_id)
{
    cdx_sent_entry_t *m = cdx_sent_by_clid(self, clid);
    if (m)
        snprintf(m->order_id, sizeof m->order_id, "%s", order_id);
}

void cdx_sent_forget(cdx_sent_t *self, const char *clid)
{
    cdx_sent_entry_t *m = cdx_sent_by_clid(self, clid);
    if (m && !m->order_id[0])
        m->clid[0] = '\0';
}

void cdx_sent_own(cdx_sent_t *self, venue_order_t *o)
{
    const cdx_sent_entry_t *known = cdx_sent_by_id(self, o->order_id);
    snprintf(o->client_order_id, sizeof o->client_order_id, "%s", known ? known->clid : "");
    if (known)
        return;
    /* An order whose create reply was lost shows up (in a list, behind a fill) before the resolver asks. */
    cdx_sent_entry_t *hit = NULL;
    for (size_t i = 0, n = s_count(self); i < n; i++) {
        cdx_sent_entry_t *m = &self->e[i];
        if (m->order_id[0] || !m->clid[0] || coindcx_match_order(o, 1, &m->sent, NULL, 0) != 0)
            continue;
        if (hit)
            return; /* two sends fit: left to the resolver's closest-in-time rule */
        hit = m;
    }
    if (hit) {
        snprintf(hit->order_id, sizeof hit->order_id, "%s", o->order_id);
        snprintf(o->client_order_id, sizeof o->client_order_id, "%s", hit->clid);
    }
}

size_t cdx_sent_claimed(const cdx_sent_t *self, const char *except_clid, const char **out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0, n = s_count(self); i < n && k < cap; i++) {
        const cdx_sent_entry_t *m = &self->e[i];
        if (m->order_id[0] && strcmp(m->clid, except_clid) != 0)
            out[k++] = m->order_id;
    }
    return k;
}

long coindcx_match_order(const venue_order_t *orders, size_t n, const coindcx_intent_t *want,
                         const char *const *claimed, size_t n_claimed)
{
    long best = -1;
    int64_t best_d = 0;
    for (size_t i = 0; i < n; i++) {
        const venue_order_t *o = &orders[i];
        if (strcmp(o->symbol, want->symbol) != 0 || o->side != want->side || o->type != want->type ||
            !decimal_eq(o->quantity, want->quantity) ||
            (venue_type_has_price(want->type) && !decimal_eq(o->price, want->price)) ||
            (venue_type_has_trigger(want->type) && !decimal_eq(o->stop_price, want->stop_price)))
            continue;
        if (want->sent_ms && (o->created_at < want->sent_ms - COINDCX_MATCH_BEFORE_MS ||
                              o->created_at > want->sent_ms + COINDCX_MATCH_AFTER_MS))
            continue;
        bool taken = false;
        for (size_t k = 0; k < n_claimed && !taken; k++)
            taken = claimed[k] && strcmp(claimed[k], o->order_id) == 0;
        if (taken)
            continue;
        int64_t d = want->sent_ms ? llabs(o->created_at - want->sent_ms) : -o->created_at;
        if (best < 0 || d < best_d) {
            best = (long) i;
            best_d = d;
        }
    }
    return best;
}
