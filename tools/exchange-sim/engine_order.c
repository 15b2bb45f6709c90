/* engine_order: orders, matching, fills, positions and the ledger of the engine (model in engine.h).
 * Every status change goes through s_set_status, which logs old -> new with the order id (STYLE rule 12) and
 * keeps the open lists, open counts and reserved margin in step with the status. */
#include "engine_int.h"

#include "base/log.h"
#include "base/mem.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_status_names[] = {"NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED",
                                       "UNTRIGGERED", "TRIGGERED", "REJECTED"};

/* ---- storage ---- */

static s_order_t *s_at(s_venue_t *vs, size_t idx)
{
    assert(idx < vs->n_orders && idx >= vs->first_live);
    return &vs->chunks[idx >> SIM_CHUNK_BITS][idx & ((1u << SIM_CHUNK_BITS) - 1)];
}

static size_t s_index(const s_venue_t *vs, const s_order_t *so)
{
    return (size_t)(so->o.id - vs->first_order_id);
}

static uint32_t s_cid_hash(int account, const char *cid)
{
    uint32_t h = 2166136261u ^ (uint32_t)account;
    for (const unsigned char *p = (const unsigned char *)cid; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static void s_cid_rehash(s_venue_t *vs)
{
    size_t nb = vs->n_buckets ? vs->n_buckets * 2 : 1024;
    mem_free(vs->cid_buckets);
    vs->cid_buckets = mem_alloc(nb * sizeof vs->cid_buckets[0]);
    for (size_t i = 0; i < nb; i++)
        vs->cid_buckets[i] = -1;
    vs->n_buckets = nb;
    for (size_t idx = vs->first_live; idx < vs->n_orders; idx++) {
        s_order_t *so = s_at(vs, idx);
        uint32_t b = s_cid_hash(so->o.account, so->o.client_id) & (uint32_t)(nb - 1);
        so->cid_next = vs->cid_buckets[b];
        vs->cid_buckets[b] = (int32_t)idx;
    }
}

/* Newest order of an account with this client id, or NULL. */
static s_order_t *s_by_cid(s_venue_t *vs, int account, const char *cid)
{
    if (!vs->n_buckets || !cid || !*cid)
        return NULL;
    uint32_t b = s_cid_hash(account, cid) & (uint32_t)(vs->n_buckets - 1);
    /* chains run newest first: an index below first_live means the rest of the chain was freed */
    for (int32_t idx = vs->cid_buckets[b]; idx >= 0 && (size_t)idx >= vs->first_live;) {
        s_order_t *so = s_at(vs, (size_t)idx);
        if (so->o.account == account && strcmp(so->o.client_id, cid) == 0)
            return so;
        idx = so->cid_next;
    }
    return NULL;
}

static s_order_t *s_by_id(s_venue_t *vs, int64_t id)
{
    if (id < vs->first_order_id + (int64_t)vs->first_live || id - vs->first_order_id >= (int64_t)vs->n_orders)
        return NULL;
    return s_at(vs, (size_t)(id - vs->first_order_id));
}

/* Past SIM_ORDERS_KEEP orders, frees the oldest chunk if every order in it is final (as Binance forgets old
 * canceled orders); its orders are then "not found". Called when a new chunk starts. */
static void s_forget_old(s_venue_t *vs, size_t keep)
{
    while (vs->n_orders - vs->first_live > keep + (1u << SIM_CHUNK_BITS)) {
        size_t chunk = vs->first_live >> SIM_CHUNK_BITS;
        s_order_t *c = vs->chunks[chunk];
        for (size_t i = 0; i < ((size_t)1 << SIM_CHUNK_BITS); i++)
            if (c[i].open_pos >= 0)
                return; /* an old order still rests: keep the chunk */
        mem_free(c);
        vs->chunks[chunk] = NULL;
        vs->first_live = (chunk + 1) << SIM_CHUNK_BITS;
    }
}

/* Appends a zeroed order and indexes its client id (which must already be in o). */
static s_order_t *s_store(sim_engine_t *self, s_venue_t *vs, const sim_order_t *o)
{
    size_t idx = vs->n_orders;
    size_t chunk = idx >> SIM_CHUNK_BITS;
    if (chunk >= vs->n_chunks) {
        vs->chunks = mem_realloc(vs->chunks, (vs->n_chunks + 1) * sizeof vs->chunks[0]);
        vs->chunks[vs->n_chunks++] = mem_calloc((size_t)1 << SIM_CHUNK_BITS, sizeof(s_order_t));
        s_forget_old(vs, self->cfg.keep_orders ? self->cfg.keep_orders : SIM_ORDERS_KEEP);
    }
    vs->n_orders++;
    s_order_t *so = s_at(vs, idx);
    memset(so, 0, sizeof *so);
    so->o = *o;
    so->o.id = vs->first_order_id + (int64_t)idx;
    if (!so->o.client_id[0])
        snprintf(so->o.client_id, sizeof so->o.client_id, "sim-%lld", (long long)so->o.id);
    so->open_pos = -1;
    if (vs->n_orders - vs->first_live > vs->n_buckets) {
        s_cid_rehash(vs); /* indexes every order including this one */
    } else {
        uint32_t b = s_cid_hash(so->o.account, so->o.client_id) & (uint32_t)(vs->n_buckets - 1);
        so->cid_next = vs->cid_buckets[b];
        vs->cid_buckets[b] = (int32_t)idx;
    }
    return so;
}

/* ---- ledger ---- */

static sim_ledger_entry_t *s_ledger_add(s_venue_t *vs, sim_ledger_kind_t kind, const sim_order_t *o,
                                        int64_t now_ms)
{
    if (vs->n_ledger >= SIM_LEDGER_MAX) {
        size_t drop = SIM_LEDGER_MAX / 4;
        memmove(vs->ledger, vs->ledger + drop, (vs->n_ledger - drop) * sizeof vs->ledger[0]);
        vs->n_ledger -= drop;
        vs->ledger_dropped += drop;
    }
    if (vs->n_ledger == vs->cap_ledger) {
        vs->cap_ledger = vs->cap_ledger ? vs->cap_ledger * 2 : 1024;
        vs->ledger = mem_realloc(vs->ledger, vs->cap_ledger * sizeof vs->ledger[0]);
    }
    sim_ledger_entry_t *e = &vs->ledger[vs->n_ledger++];
    memset(e, 0, sizeof *e);
    e->seq = (int64_t)(vs->n_ledger + vs->ledger_dropped);
    e->kind = kind;
    e->venue = o->venue;
    e->account = o->account;
    e->inst = o->inst;
    e->order_id = o->id;
    memcpy(e->client_id, o->client_id, sizeof e->client_id);
    e->side = o->side;
    e->type = o->type;
    e->tif = o->tif;
    e->status = o->status;
    e->reduce_only = o->reduce_only;
    e->time_ms = now_ms;
    return e;
}

size_t sim_engine_ledger(const sim_engine_t *self, sim_venue_t venue, int account, int64_t since_trade,
                         int (*fn)(const sim_ledger_entry_t *e, void *ctx), void *ctx)
{
    size_t n = 0;
    for (int v = 0; v < SIM_VENUE_COUNT; v++) {
        if (venue != SIM_VENUE_COUNT && (int)venue != v)
            continue;
        const s_venue_t *vs = &self->venues[v];
        size_t from = 0;
        if (since_trade > 0)
            for (size_t i = 0; i < vs->n_ledger; i++)
                if (vs->ledger[i].kind == SIM_LEDGER_FILL && vs->ledger[i].trade_id <= since_trade)
                    from = i + 1;
        for (size_t i = from; i < vs->n_ledger; i++) {
            const sim_ledger_entry_t *e = &vs->ledger[i];
            if (account >= 0 && e->account != account)
                continue;
            n++;
            if (fn(e, ctx))
                return n;
        }
    }
    return n;
}

/* ---- status: the one door ---- */

static void s_open_add(s_inst_t *si, s_order_t *so, size_t idx)
{
    if (si->n_open == si->cap_open) {
        si->cap_open = si->cap_open ? si->cap_open * 2 : 64;
        si->open = mem_realloc(si->open, si->cap_open * sizeof si->open[0]);
    }
    so->open_pos = (int32_t)si->n_open;
    si->open[si->n_open++] = (int32_t)idx;
}

static void s_open_remove(s_venue_t *vs, s_inst_t *si, s_order_t *so)
{
    size_t pos = (size_t)so->open_pos;
    assert(pos < si->n_open);
    int32_t last = si->open[--si->n_open];
    if (pos < si->n_open) {
        si->open[pos] = last;
        s_at(vs, (size_t)last)->open_pos = (int32_t)pos;
    }
    so->open_pos = -1;
}

/* Margin reserved for the unfilled rest of a plain, non-reduce-only order. */
static decimal_t s_reserve_of(sim_engine_t *self, const sim_order_t *o)
{
    if (sim_type_is_conditional(o->type) || o->reduce_only || o->type == SIM_TYPE_MARKET ||
        !sim_status_is_open(o->status))
        return DECIMAL_ZERO;
    decimal_t rest = sim_dsub(o->qty, o->filled);
    decimal_t notional = sim_dmul(rest, o->price, 8, DECIMAL_ROUND_HALF_EVEN);
    int lev = sim_engine_leverage(self, o->inst, o->account);
    return sim_ddiv(notional, decimal_from_int(lev > 0 ? lev : 1), 8, DECIMAL_ROUND_CEIL);
}

static void s_update_reserve(sim_engine_t *self, s_order_t *so)
{
    s_acct_t *ac = sim_engine_acct(self, so->o.venue, so->o.account);
    decimal_t now = s_reserve_of(self, &so->o);
    ac->order_margin = sim_dadd(sim_dsub(ac->order_margin, so->reserved), now);
    so->reserved = now;
}

static void s_set_status(sim_engine_t *self, s_order_t *so, sim_status_t st, int64_t now_ms)
{
    s_venue_t *vs = &self->venues[so->o.venue];
    s_inst_t *si = &vs->inst[so->o.inst->index];
    s_acct_t *ac = sim_engine_acct(self, so->o.venue, so->o.account);
    sim_status_t old = so->o.status;
    bool was_open = so->open_pos >= 0;
    so->o.status = st;
    so->o.updated_ms = now_ms;
    bool is_open = sim_status_is_open(st);
    if (is_open && !was_open) {
        s_open_add(si, so, s_index(vs, so));
        ac->open_count[si->pub.index]++;
    } else if (!is_open && was_open) {
        s_open_remove(vs, si, so);
        ac->open_count[si->pub.index]--;
    }
    s_update_reserve(self, so);
    if (!is_open) {
        sim_ledger_entry_t *e = s_ledger_add(vs, SIM_LEDGER_DONE, &so->o, now_ms);
        e->qty = so->o.filled;
        e->price = so->o.avg_price;
    }
    if (old != st)
        log_debug("order venue=%s id=%lld cl_ord_id=%s %s -> %s", sim_venue_name(so->o.venue),
                  (long long)so->o.id, so->o.client_id, s_status_names[old], s_status_names[st]);
}

/* ---- positions and fills ---- */

static sim_position_t *s_pos(const sim_order_t *o, s_acct_t *ac)
{
    sim_position_t *p = &ac->pos[o->inst->index][o->pos_side];
    p->inst = o->inst;
    return p;
}

/* Quantity an order of this side could close on its position leg (>= 0). */
static decimal_t s_closable(const sim_position_t *p, sim_side_t side)
{
    int sign = decimal_sign(p->qty);
    if ((side == SIM_SIDE_SELL && sign > 0) || (side == SIM_SIDE_BUY && sign < 0))
        return decimal_abs(p->qty);
    return DECIMAL_ZERO;
}

/* Applies a signed fill to a position; returns the realized PnL. */
static decimal_t s_position_apply(sim_position_t *p, decimal_t fqty, decimal_t price, int64_t now_ms)
{
    decimal_t realized = DECIMAL_ZERO;
    int ps = decimal_sign(p->qty), fs = decimal_sign(fqty);
    if (ps != 0 && fs != 0 && ps != fs) {
        decimal_t aq = decimal_abs(p->qty);
        decimal_t closed = decimal_min(decimal_abs(fqty), aq);
        decimal_t fc = fs > 0 ? closed : decimal_neg(closed);
        decimal_t removed;
        if (decimal_eq(closed, aq)) {
            removed = p->cost;
        } else {
            decimal_t frac = sim_ddiv(closed, aq, 18, DECIMAL_ROUND_HALF_EVEN);
            removed = sim_dmul(p->cost, frac, 8, DECIMAL_ROUND_HALF_EVEN);
        }
        /* closing fc (signed, opposite to the position) at price: proceeds are -fc * price */
        realized = sim_dsub(decimal_neg(sim_dmul(fc, price, 18, DECIMAL_ROUND_HALF_EVEN)), removed);
        p->qty = sim_dadd(p->qty, fc);
        p->cost = sim_dsub(p->cost, removed);
        fqty = sim_dsub(fqty, fc);
        if (decimal_is_zero(p->qty))
            p->cost = DECIMAL_ZERO;
    }
    if (!decimal_is_zero(fqty)) {
        p->qty = sim_dadd(p->qty, fqty);
        p->cost = sim_dadd(p->cost, sim_dmul(fqty, price, 18, DECIMAL_ROUND_HALF_EVEN));
    }
    p->entry_price = decimal_is_zero(p->qty) ? DECIMAL_ZERO : sim_ddiv(p->cost, p->qty, 8, DECIMAL_ROUND_HALF_EVEN);
    p->realized = sim_dadd(p->realized, realized);
    p->update_ms = now_ms;
    return realized;
}

static void s_fill_record(sim_engine_t *self, s_venue_t *vs, const sim_fill_t *f)
{
    (void)self;
    if (vs->n_fills >= SIM_FILLS_MAX) {
        size_t drop = SIM_FILLS_MAX / 4;
        memmove(vs->fills, vs->fills + drop, (vs->n_fills - drop) * sizeof vs->fills[0]);
        vs->n_fills -= drop;
        vs->fills_dropped += drop;
        vs->first_trade_id += (int64_t)drop; /* trade id = first_trade_id + index stays true */
    }
    if (vs->n_fills == vs->cap_fills) {
        vs->cap_fills = vs->cap_fills ? vs->cap_fills * 2 : 1024;
        vs->fills = mem_realloc(vs->fills, vs->cap_fills * sizeof vs->fills[0]);
    }
    vs->fills[vs->n_fills++] = *f;
}

/* When a position leg goes flat, its resting reduce-only orders (plain ones; conditionals wait) expire, as on
 * Binance: there is nothing left for them to reduce. */
static void s_expire_reduce_only(sim_engine_t *self, s_inst_t *si, const sim_order_t *filled, int64_t now_ms)
{
    s_venue_t *vs = &self->venues[filled->venue];
    for (size_t k = si->n_open; k-- > 0;) {
        if (k >= si->n_open)
            continue;
        s_order_t *so = s_at(vs, (size_t)si->open[k]);
        if (&so->o == filled || so->o.account != filled->account || so->o.pos_side != filled->pos_side ||
            !so->o.reduce_only || sim_type_is_conditional(so->o.type))
            continue;
        s_set_status(self, so, SIM_ST_EXPIRED, now_ms);
    }
}

/* Executes qty of an order at price. A reduce-only order is capped at what it can close; with nothing left
 * to close it expires. Returns the quantity executed. */
static decimal_t s_execute(sim_engine_t *self, s_order_t *so, decimal_t price, decimal_t qty, bool maker,
                           int64_t now_ms)
{
    sim_order_t *o = &so->o;
    s_venue_t *vs = &self->venues[o->venue];
    s_inst_t *si = &vs->inst[o->inst->index];
    s_acct_t *ac = sim_engine_acct(self, o->venue, o->account);
    sim_position_t *p = s_pos(o, ac);
    bool hedge_close = (o->pos_side == SIM_POS_LONG && o->side == SIM_SIDE_SELL) ||
                       (o->pos_side == SIM_POS_SHORT && o->side == SIM_SIDE_BUY);
    if (o->reduce_only || hedge_close) {
        decimal_t closable = s_closable(p, o->side);
        if (decimal_cmp(qty, closable) > 0)
            qty = closable;
    }
    if (decimal_sign(qty) <= 0)
        return DECIMAL_ZERO;
    decimal_t fqty = o->side == SIM_SIDE_BUY ? qty : decimal_neg(qty);
    decimal_t realized = s_position_apply(p, fqty, price, now_ms);
    ac->touched[o->inst->index][o->pos_side] = true;
    decimal_t quote = sim_dmul(price, qty, 18, DECIMAL_ROUND_HALF_EVEN);
    decimal_t rate = maker ? self->cfg.maker_fee : self->cfg.taker_fee;
    decimal_t fee = sim_dmul(quote, rate, 8, DECIMAL_ROUND_HALF_UP);
    ac->wallet = sim_dsub(sim_dadd(ac->wallet, realized), fee);
    ac->realized = sim_dadd(ac->realized, realized);
    ac->fees = sim_dadd(ac->fees, fee);
    ac->update_ms = now_ms;
    o->filled = sim_dadd(o->filled, qty);
    o->cum_quote = sim_dadd(o->cum_quote, quote);
    o->avg_price = sim_ddiv(o->cum_quote, o->filled, 8, DECIMAL_ROUND_HALF_EVEN);
    o->fee = sim_dadd(o->fee, fee);
    o->realized = sim_dadd(o->realized, realized);
    o->maker_only_fills = (o->maker_only_fills || decimal_eq(o->filled, qty)) && maker;
    o->updated_ms = now_ms;
    sim_fill_t f = {
        .trade_id = vs->first_trade_id + (int64_t)vs->n_fills, .order_id = o->id, .venue = o->venue,
        .account = o->account, .inst = o->inst, .side = o->side, .pos_side = o->pos_side, .price = price,
        .qty = qty, .quote_qty = quote, .fee = fee, .fee_rate = rate, .realized = realized, .maker = maker,
        .time_ms = now_ms};
    s_fill_record(self, vs, &f);
    sim_ledger_entry_t *e = s_ledger_add(vs, SIM_LEDGER_FILL, o, now_ms);
    e->price = price;
    e->qty = qty;
    e->trade_id = f.trade_id;
    e->fee = fee;
    e->realized = realized;
    e->maker = maker;
    sim_market_trade(si, price, qty, now_ms);
    log_debug("fill venue=%s id=%lld trade=%lld qty=%lld/%u maker=%d", sim_venue_name(o->venue), (long long)o->id,
              (long long)f.trade_id, (long long)qty.mantissa, qty.scale, maker);
    if (decimal_is_zero(p->qty))
        s_expire_reduce_only(self, si, o, now_ms);
    return qty;
}

/* After fills: FILLED when complete, else PARTIALLY_FILLED (or keep). */
static void s_after_fill(sim_engine_t *self, s_order_t *so, int64_t now_ms)
{
    sim_order_t *o = &so->o;
    if (decimal_cmp(o->filled, o->qty) >= 0)
        s_set_status(self, so, SIM_ST_FILLED, now_ms);
    else if (!decimal_is_zero(o->filled) && o->status == SIM_ST_NEW)
        s_set_status(self, so, SIM_ST_PARTIALLY_FILLED, now_ms);
    else
        s_update_reserve(self, so);
}

/* Splits qty into n step-aligned chunks (the first ones larger); returns the number of chunks written. */
static int s_split(decimal_t qty, decimal_t step, int n, decimal_t *out)
{
    decimal_t steps_d = sim_ddiv(qty, step, 0, DECIMAL_ROUND_DOWN);
    int64_t steps = 0;
    if (decimal_to_int(steps_d, &steps) != 0 || steps < n || n <= 1) {
        out[0] = qty;
        return 1;
    }
    int64_t base = steps / n, extra = steps % n;
    decimal_t used = DECIMAL_ZERO;
    for (int k = 0; k < n; k++) {
        int64_t s = base + (k < extra ? 1 : 0);
        out[k] = k == n - 1 ? sim_dsub(qty, used) : sim_dmul(decimal_from_int(s), step, 18, DECIMAL_ROUND_HALF_EVEN);
        used = sim_dadd(used, out[k]);
    }
    return n;
}

/* Takes liquidity at once: market orders walk one tick per trade; marketable limits trade at the touch. */
static void s_take(sim_engine_t *self, s_order_t *so, int64_t now_ms)
{
    sim_order_t *o = &so->o;
    s_inst_t *si = sim_engine_inst_int(self, o->inst);
    decimal_t touch = o->side == SIM_SIDE_BUY ? sim_dadd(si->last, si->pub.tick) : si->last;
    decimal_t chunks[SIM_MAX_PARTIAL_FILLS];
    int n = s_split(sim_dsub(o->qty, o->filled), si->pub.step, self->cfg.partial_fills, chunks);
    for (int k = 0; k < n; k++) {
        decimal_t price = touch;
        if (o->type == SIM_TYPE_MARKET && k > 0) {
            decimal_t off = sim_dmul(decimal_from_int(k), si->pub.tick, 18, DECIMAL_ROUND_HALF_EVEN);
            price = o->side == SIM_SIDE_BUY ? sim_dadd(touch, off) : sim_dsub(touch, off);
            if (decimal_sign(price) <= 0)
                price = si->pub.tick;
        }
        if (decimal_is_zero(s_execute(self, so, price, chunks[k], false, now_ms)))
            break;
    }
    s_after_fill(self, so, now_ms);
    if (sim_status_is_open(o->status) && (o->type == SIM_TYPE_MARKET || o->tif == SIM_TIF_IOC ||
                                          o->tif == SIM_TIF_FOK))
        s_set_status(self, so, SIM_ST_EXPIRED, now_ms);
}

static bool s_marketable(const s_inst_t *si, sim_side_t side, decimal_t price)
{
    if (side == SIM_SIDE_BUY)
        return decimal_cmp(price, sim_dadd(si->last, si->pub.tick)) >= 0;
    return decimal_cmp(price, si->last) <= 0;
}

/* ---- placement ---- */

static sim_result_t s_check_price(const sim_instrument_t *in, decimal_t price)
{
    if (decimal_sign(price) <= 0 || decimal_cmp(price, in->min_price) < 0)
        return SIM_REJ_PRICE_MIN;
    if (decimal_sign(in->max_price) > 0 && decimal_cmp(price, in->max_price) > 0)
        return SIM_REJ_PRICE_MAX;
    if (!decimal_is_multiple(price, in->tick))
        return SIM_REJ_PRICE_TICK;
    return SIM_OK;
}

static sim_result_t s_check_qty(const sim_instrument_t *in, decimal_t qty, bool market)
{
    if (decimal_sign(qty) <= 0)
        return SIM_REJ_QTY_NOT_POSITIVE;
    if (!decimal_is_multiple(qty, in->step))
        return SIM_REJ_QTY_STEP;
    if (decimal_cmp(qty, in->min_qty) < 0)
        return SIM_REJ_QTY_MIN;
    if (decimal_cmp(qty, market ? in->max_mkt_qty : in->max_qty) > 0)
        return SIM_REJ_QTY_MAX;
    return SIM_OK;
}

static bool s_needs_price(sim_type_t t)
{
    return t == SIM_TYPE_LIMIT || t == SIM_TYPE_STOP || t == SIM_TYPE_TAKE_PROFIT;
}

static bool s_is_marketish(sim_type_t t)
{
    return t == SIM_TYPE_MARKET || t == SIM_TYPE_STOP_MARKET || t == SIM_TYPE_TAKE_PROFIT_MARKET ||
           t == SIM_TYPE_TRAILING_STOP_MARKET;
}

/* True if a conditional's trigger condition holds at the last price. */
static bool s_triggered(const s_inst_t *si, const sim_order_t *o)
{
    int c = decimal_cmp(si->last, o->trigger_price);
    bool stop = o->type == SIM_TYPE_STOP || o->type == SIM_TYPE_STOP_MARKET;
    if (stop)
        return o->side == SIM_SIDE_BUY ? c >= 0 : c <= 0;
    return o->side == SIM_SIDE_BUY ? c <= 0 : c >= 0;
}

static sim_result_t s_validate(sim_engine_t *self, const sim_order_req_t *r, s_acct_t *ac)
{
    const sim_instrument_t *in = r->inst;
    s_inst_t *si = sim_engine_inst_int(self, in);
    bool cond = sim_type_is_conditional(r->type);
    if (s_needs_price(r->type)) {
        sim_result_t pr = s_check_price(in, r->price);
        if (pr != SIM_OK)
            return pr;
    }
    if (cond && r->type != SIM_TYPE_TRAILING_STOP_MARKET) {
        sim_result_t pr = s_check_price(in, r->trigger_price);
        if (pr != SIM_OK)
            return pr;
    }
    if (r->type == SIM_TYPE_TRAILING_STOP_MARKET) {
        if (decimal_cmp(r->callback_rate, (decimal_t){1, 1}) < 0 ||
            decimal_cmp(r->callback_rate, decimal_from_int(10)) > 0)
            return SIM_REJ_BAD_PARAM;
        if (!decimal_is_zero(r->trigger_price) && s_check_price(in, r->trigger_price) != SIM_OK)
            return SIM_REJ_PRICE_TICK;
    }
    if (ac->dual != (r->pos_side != SIM_POS_BOTH))
        return SIM_REJ_POSITION_SIDE;
    if (ac->dual && r->reduce_only)
        return SIM_REJ_BAD_PARAM;
    if (r->close_position && (!cond || r->type == SIM_TYPE_STOP || r->type == SIM_TYPE_TAKE_PROFIT))
        return SIM_REJ_BAD_PARAM;
    if (!r->close_position) {
        sim_result_t qr = s_check_qty(in, r->qty, s_is_marketish(r->type));
        if (qr != SIM_OK)
            return qr;
    }
    bool reducing = r->reduce_only || r->close_position;
    if (!reducing && !r->close_position) {
        decimal_t px = s_needs_price(r->type) ? r->price
                       : cond && !decimal_is_zero(r->trigger_price) ? r->trigger_price : si->last;
        decimal_t notional = sim_dmul(px, r->qty, 18, DECIMAL_ROUND_HALF_EVEN);
        if (decimal_cmp(notional, in->min_notional) < 0)
            return SIM_REJ_MIN_NOTIONAL;
    }
    if (r->client_id && r->client_id[0]) {
        if (strlen(r->client_id) >= SIM_CLIENT_ID_MAX)
            return SIM_REJ_BAD_PARAM;
        s_order_t *dup = s_by_cid(&self->venues[r->venue], r->account, r->client_id);
        if (dup && sim_status_is_open(dup->o.status))
            return SIM_REJ_DUP_CLIENT_ID;
    }
    if (ac->open_count[in->index] >= in->max_open_orders)
        return SIM_REJ_MAX_OPEN_ORDERS;
    return SIM_OK;
}

/* Reduce-only / hedge-close rules and margin, for a plain order or a child at trigger time. */
static sim_result_t s_check_position(sim_engine_t *self, const sim_order_req_t *r, s_acct_t *ac, decimal_t qty,
                                     decimal_t px)
{
    const sim_position_t *p = &ac->pos[r->inst->index][r->pos_side];
    bool hedge_close = (r->pos_side == SIM_POS_LONG && r->side == SIM_SIDE_SELL) ||
                       (r->pos_side == SIM_POS_SHORT && r->side == SIM_SIDE_BUY);
    decimal_t closable = s_closable(p, r->side);
    if (r->reduce_only && decimal_is_zero(closable))
        return SIM_REJ_REDUCE_ONLY;
    if (hedge_close && decimal_cmp(qty, closable) > 0)
        return SIM_REJ_REDUCE_ONLY;
    if (r->reduce_only || hedge_close)
        return SIM_OK;
    decimal_t opening = decimal_cmp(qty, closable) > 0 ? sim_dsub(qty, closable) : DECIMAL_ZERO;
    if (decimal_is_zero(opening))
        return SIM_OK;
    int lev = ac->leverage[r->inst->index];
    decimal_t im = sim_ddiv(sim_dmul(opening, px, 8, DECIMAL_ROUND_HALF_EVEN), decimal_from_int(lev), 8,
                            DECIMAL_ROUND_CEIL);
    decimal_t fee = sim_dmul(sim_dmul(opening, px, 8, DECIMAL_ROUND_HALF_EVEN), self->cfg.taker_fee, 8,
                             DECIMAL_ROUND_HALF_UP);
    sim_balance_t bal;
    sim_engine_balance(self, r->venue, r->account, &bal);
    if (decimal_cmp(sim_dadd(im, fee), bal.available) > 0)
        return SIM_REJ_MARGIN;
    return SIM_OK;
}

static void s_fill_order_fields(sim_order_t *o, const sim_order_req_t *r, int leverage)
{
    memset(o, 0, sizeof *o);
    o->venue = r->venue;
    o->account = r->account;
    o->inst = r->inst;
    if (r->client_id)
        snprintf(o->client_id, sizeof o->client_id, "%s", r->client_id);
    o->side = r->side;
    o->type = o->orig_type = r->type;
    o->tif = r->type == SIM_TYPE_MARKET ? SIM_TIF_GTC : r->tif;
    o->pos_side = r->pos_side;
    o->price = s_needs_price(r->type) ? r->price : DECIMAL_ZERO;
    o->qty = r->qty;
    o->trigger_price = r->trigger_price;
    o->callback_rate = r->callback_rate;
    o->reduce_only = r->reduce_only;
    o->close_position = r->close_position;
    o->leverage = leverage;
    o->good_till_ms = r->tif == SIM_TIF_GTD ? r->good_till_ms : 0;
    o->take_profit = r->take_profit;
    o->stop_loss = r->stop_loss;
    o->created_ms = o->updated_ms = r->now_ms;
}

/* Accepts a validated order: stores it, writes the ledger, and matches what is marketable. */
static s_order_t *s_accept(sim_engine_t *self, const sim_order_req_t *r, s_acct_t *ac, int64_t parent_id)
{
    s_venue_t *vs = &self->venues[r->venue];
    s_inst_t *si = sim_engine_inst_int(self, r->inst);
    sim_order_t tmp;
    s_fill_order_fields(&tmp, r, ac->leverage[r->inst->index]);
    tmp.parent_id = parent_id;
    bool cond = sim_type_is_conditional(r->type);
    tmp.status = cond ? SIM_ST_UNTRIGGERED : SIM_ST_NEW;
    s_order_t *so = s_store(self, vs, &tmp);
    s_ledger_add(vs, SIM_LEDGER_ORDER, &so->o, r->now_ms);
    vs->ledger[vs->n_ledger - 1].price = so->o.price;
    vs->ledger[vs->n_ledger - 1].qty = so->o.qty;
    vs->ledger[vs->n_ledger - 1].trigger_price = so->o.trigger_price;
    /* enter the open state through the door so lists, counts and reserves follow (no old -> new: it is new) */
    s_set_status(self, so, tmp.status, r->now_ms);
    if (cond) {
        if (r->type == SIM_TYPE_TRAILING_STOP_MARKET) {
            so->o.trail_active = decimal_is_zero(r->trigger_price);
            so->o.trail_extreme = si->last;
        }
        return so;
    }
    if (r->type == SIM_TYPE_MARKET || s_marketable(si, r->side, r->price))
        s_take(self, so, r->now_ms);
    else if (r->tif == SIM_TIF_IOC || r->tif == SIM_TIF_FOK)
        s_set_status(self, so, SIM_ST_EXPIRED, r->now_ms);
    return so;
}

sim_result_t sim_engine_place(sim_engine_t *self, const sim_order_req_t *req, const sim_order_t **out)
{
    assert(self && req);
    if (out)
        *out = NULL;
    if (!req->inst || (unsigned)req->venue >= SIM_VENUE_COUNT || req->inst->venue != req->venue)
        return SIM_REJ_UNKNOWN_SYMBOL;
    s_acct_t *ac = sim_engine_acct(self, req->venue, req->account);
    if (!ac)
        return SIM_REJ_UNKNOWN_ACCOUNT;
    if ((unsigned)req->type > SIM_TYPE_TRAILING_STOP_MARKET || (unsigned)req->tif > SIM_TIF_GTD ||
        (unsigned)req->side > SIM_SIDE_SELL || (unsigned)req->pos_side > SIM_POS_SHORT)
        return SIM_REJ_BAD_PARAM;
    sim_result_t r = s_validate(self, req, ac);
    if (r != SIM_OK)
        return r;
    s_inst_t *si = sim_engine_inst_int(self, req->inst);
    bool cond = sim_type_is_conditional(req->type);
    if (cond) {
        sim_order_t probe;
        s_fill_order_fields(&probe, req, 0);
        if (req->type != SIM_TYPE_TRAILING_STOP_MARKET && s_triggered(si, &probe))
            return SIM_REJ_WOULD_TRIGGER;
        if (req->reduce_only && decimal_is_zero(s_closable(&ac->pos[req->inst->index][req->pos_side], req->side)))
            return SIM_REJ_REDUCE_ONLY;
    } else {
        bool take = req->type == SIM_TYPE_MARKET || s_marketable(si, req->side, req->price);
        if (req->type == SIM_TYPE_LIMIT && req->tif == SIM_TIF_GTX && take)
            return SIM_REJ_POST_ONLY;
        decimal_t px = req->type == SIM_TYPE_MARKET
                           ? (req->side == SIM_SIDE_BUY ? sim_dadd(si->last, si->pub.tick) : si->last)
                           : req->price;
        r = s_check_position(self, req, ac, req->qty, px);
        if (r != SIM_OK)
            return r;
    }
    s_order_t *so = s_accept(self, req, ac, 0);
    if (out)
        *out = &so->o;
    return SIM_OK;
}

/* ---- cancel / amend / queries ---- */

static s_order_t *s_find(sim_engine_t *self, sim_venue_t venue, int account, int64_t id, const char *client_id)
{
    if ((unsigned)venue >= SIM_VENUE_COUNT)
        return NULL;
    s_venue_t *vs = &self->venues[venue];
    s_order_t *so = id > 0 ? s_by_id(vs, id) : s_by_cid(vs, account, client_id);
    if (!so || so->o.account != account)
        return NULL;
    return so;
}

sim_result_t sim_engine_cancel(sim_engine_t *self, sim_venue_t venue, int account, const sim_instrument_t *inst,
                               int64_t id, const char *client_id, int64_t now_ms, const sim_order_t **out)
{
    if (out)
        *out = NULL;
    s_order_t *so = s_find(self, venue, account, id, client_id);
    if (!so || (inst && so->o.inst != inst))
        return SIM_REJ_NOT_FOUND;
    if (out)
        *out = &so->o;
    if (!sim_status_is_open(so->o.status))
        return SIM_REJ_NOT_OPEN;
    s_set_status(self, so, SIM_ST_CANCELED, now_ms);
    return SIM_OK;
}

size_t sim_engine_cancel_all(sim_engine_t *self, sim_venue_t venue, int account, const sim_instrument_t *inst,
                             bool conditional, int64_t now_ms)
{
    if ((unsigned)venue >= SIM_VENUE_COUNT)
        return 0;
    s_venue_t *vs = &self->venues[venue];
    size_t n = 0;
    for (size_t i = 0; i < vs->n_inst; i++) {
        s_inst_t *si = &vs->inst[i];
        if (inst && &si->pub != inst)
            continue;
        for (size_t k = si->n_open; k-- > 0;) {
            s_order_t *so = s_at(vs, (size_t)si->open[k]);
            if (so->o.account != account || sim_type_is_conditional(so->o.type) != conditional)
                continue;
            s_set_status(self, so, SIM_ST_CANCELED, now_ms);
            n++;
            if (k > si->n_open)
                k = si->n_open;
        }
    }
    return n;
}

sim_result_t sim_engine_amend(sim_engine_t *self, sim_venue_t venue, int account, const sim_instrument_t *inst,
                              int64_t id, const char *client_id, decimal_t qty, decimal_t price,
                              decimal_t trigger_price, int64_t now_ms, const sim_order_t **out)
{
    if (out)
        *out = NULL;
    s_order_t *so = s_find(self, venue, account, id, client_id);
    if (!so || (inst && so->o.inst != inst))
        return SIM_REJ_NOT_FOUND;
    if (out)
        *out = &so->o;
    sim_order_t *o = &so->o;
    if (!sim_status_is_open(o->status))
        return SIM_REJ_NOT_OPEN;
    const sim_instrument_t *in = o->inst;
    if (!decimal_is_zero(qty)) {
        sim_result_t r = s_check_qty(in, qty, s_is_marketish(o->type));
        if (r != SIM_OK)
            return r;
        if (decimal_cmp(qty, o->filled) <= 0)
            return SIM_REJ_QTY_MIN;
    }
    if (!decimal_is_zero(price)) {
        if (!s_needs_price(o->type))
            return SIM_REJ_BAD_PARAM;
        sim_result_t r = s_check_price(in, price);
        if (r != SIM_OK)
            return r;
    }
    if (!decimal_is_zero(trigger_price)) {
        if (!sim_type_is_conditional(o->type) || o->status != SIM_ST_UNTRIGGERED)
            return SIM_REJ_BAD_PARAM;
        sim_result_t r = s_check_price(in, trigger_price);
        if (r != SIM_OK)
            return r;
    }
    s_inst_t *si = sim_engine_inst_int(self, in);
    decimal_t new_price = decimal_is_zero(price) ? o->price : price;
    if (o->type == SIM_TYPE_LIMIT && o->tif == SIM_TIF_GTX && s_marketable(si, o->side, new_price))
        return SIM_REJ_POST_ONLY;
    if (!decimal_is_zero(trigger_price)) {
        sim_order_t probe = *o;
        probe.trigger_price = trigger_price;
        if (s_triggered(si, &probe))
            return SIM_REJ_WOULD_TRIGGER;
    }
    if (!decimal_is_zero(qty))
        o->qty = qty;
    o->price = new_price;
    if (!decimal_is_zero(trigger_price))
        o->trigger_price = trigger_price;
    o->updated_ms = now_ms;
    s_update_reserve(self, so);
    if (o->type == SIM_TYPE_LIMIT && s_marketable(si, o->side, o->price))
        s_take(self, so, now_ms);
    return SIM_OK;
}

const sim_order_t *sim_engine_order(const sim_engine_t *self, sim_venue_t venue, int account, int64_t id,
                                    const char *client_id)
{
    s_order_t *so = s_find((sim_engine_t *)self, venue, account, id, client_id);
    return so ? &so->o : NULL;
}

static int s_cmp_idx(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static bool s_kind_ok(const sim_order_t *o, int conditional)
{
    return conditional < 0 || sim_type_is_conditional(o->type) == (conditional == 1);
}

size_t sim_engine_open_orders(const sim_engine_t *self, sim_venue_t venue, int account,
                              const sim_instrument_t *inst, int conditional,
                              int (*fn)(const sim_order_t *o, void *ctx), void *ctx)
{
    if ((unsigned)venue >= SIM_VENUE_COUNT)
        return 0;
    s_venue_t *vs = (s_venue_t *)&self->venues[venue];
    size_t total = 0;
    for (size_t i = 0; i < vs->n_inst; i++)
        if (!inst || &vs->inst[i].pub == inst)
            total += vs->inst[i].n_open;
    if (total == 0)
        return 0;
    int32_t *idx = mem_alloc(total * sizeof *idx);
    size_t m = 0;
    for (size_t i = 0; i < vs->n_inst; i++) {
        if (inst && &vs->inst[i].pub != inst)
            continue;
        for (size_t k = 0; k < vs->inst[i].n_open; k++) {
            const s_order_t *so = s_at(vs, (size_t)vs->inst[i].open[k]);
            if (so->o.account == account && s_kind_ok(&so->o, conditional))
                idx[m++] = vs->inst[i].open[k];
        }
    }
    qsort(idx, m, sizeof *idx, s_cmp_idx);
    size_t n = 0;
    for (size_t k = 0; k < m; k++) {
        n++;
        if (fn(&s_at(vs, (size_t)idx[k])->o, ctx))
            break;
    }
    mem_free(idx);
    return n;
}

size_t sim_engine_orders(const sim_engine_t *self, sim_venue_t venue, int account, const sim_instrument_t *inst,
                         int conditional, int64_t from_id, int (*fn)(const sim_order_t *o, void *ctx), void *ctx)
{
    if ((unsigned)venue >= SIM_VENUE_COUNT)
        return 0;
    s_venue_t *vs = (s_venue_t *)&self->venues[venue];
    size_t start = vs->first_live;
    if (from_id > vs->first_order_id + (int64_t)start)
        start = (size_t)(from_id - vs->first_order_id);
    size_t n = 0;
    for (size_t i = start; i < vs->n_orders; i++) {
        const sim_order_t *o = &s_at(vs, i)->o;
        if (o->account != account || (inst && o->inst != inst) || !s_kind_ok(o, conditional))
            continue;
        n++;
        if (fn(o, ctx))
            break;
    }
    return n;
}

size_t sim_engine_fills(const sim_engine_t *self, sim_venue_t venue, int account, const sim_fill_query_t *q,
                        int (*fn)(const sim_fill_t *f, void *ctx), void *ctx)
{
    if ((unsigned)venue >= SIM_VENUE_COUNT)
        return 0;
    const s_venue_t *vs = &self->venues[venue];
    size_t start = 0;
    if (q->from_trade_id > vs->first_trade_id)
        start = (size_t)(q->from_trade_id - vs->first_trade_id);
    bool newest = q->newest && q->limit > 0 && q->from_trade_id == 0 && q->start_ms == 0;
    if (newest) {
        /* walk back to find where the last `limit` matches begin */
        size_t seen = 0, i = vs->n_fills;
        while (i > start && seen < q->limit) {
            const sim_fill_t *f = &vs->fills[i - 1];
            if (f->account == account && (!q->inst || f->inst == q->inst) &&
                (!q->order_id || f->order_id == q->order_id) && (!q->end_ms || f->time_ms <= q->end_ms))
                seen++;
            i--;
        }
        start = i;
    }
    size_t n = 0;
    for (size_t i = start; i < vs->n_fills; i++) {
        const sim_fill_t *f = &vs->fills[i];
        if (f->account != account || (q->inst && f->inst != q->inst) || (q->order_id && f->order_id != q->order_id))
            continue;
        if ((q->start_ms && f->time_ms < q->start_ms) || (q->end_ms && f->time_ms > q->end_ms))
            continue;
        n++;
        if (fn(f, ctx) || (q->limit && n >= q->limit))
            break;
    }
    return n;
}

/* ---- matching on the price path ---- */

/* Triggers a conditional: places its child (or rejects the parent if the child cannot be placed). */
static void s_trigger(sim_engine_t *self, s_order_t *so, int64_t now_ms)
{
    sim_order_t *o = &so->o;
    s_acct_t *ac = sim_engine_acct(self, o->venue, o->account);
    s_inst_t *si = sim_engine_inst_int(self, o->inst);
    sim_order_req_t r = {
        .venue = o->venue, .account = o->account, .inst = o->inst, .side = o->side, .pos_side = o->pos_side,
        .qty = o->qty, .price = o->price, .reduce_only = o->reduce_only || o->close_position,
        .tif = o->tif == SIM_TIF_GTD ? SIM_TIF_GTC : o->tif, .now_ms = now_ms};
    r.type = (o->type == SIM_TYPE_STOP || o->type == SIM_TYPE_TAKE_PROFIT) ? SIM_TYPE_LIMIT : SIM_TYPE_MARKET;
    if (o->close_position || ac->dual) {
        decimal_t closable = s_closable(&ac->pos[o->inst->index][o->pos_side], o->side);
        if (o->close_position)
            r.qty = closable;
        if (ac->dual)
            r.reduce_only = false;
    }
    char cid[SIM_CLIENT_ID_MAX];
    snprintf(cid, sizeof cid, "%s", o->client_id);
    r.client_id = NULL; /* the child gets its own generated id; the parent keeps the client's */
    decimal_t px = r.type == SIM_TYPE_LIMIT ? r.price
                   : (r.side == SIM_SIDE_BUY ? sim_dadd(si->last, si->pub.tick) : si->last);
    bool ok = decimal_sign(r.qty) > 0 && s_check_position(self, &r, ac, r.qty, px) == SIM_OK;
    if (!ok) {
        s_set_status(self, so, SIM_ST_REJECTED, now_ms);
        log_info("trigger venue=%s id=%lld cl_ord_id=%s rejected: nothing to reduce or no margin",
                 sim_venue_name(o->venue), (long long)o->id, cid);
        return;
    }
    s_order_t *child = s_accept(self, &r, ac, o->id);
    child->o.orig_type = o->type;
    o = &so->o; /* storage may have grown: parent pointer stays valid (chunks never move) */
    o->child_id = child->o.id;
    s_set_status(self, so, SIM_ST_TRIGGERED, now_ms);
}

static void s_trail(s_inst_t *si, s_order_t *so)
{
    sim_order_t *o = &so->o;
    if (!o->trail_active) {
        int c = decimal_cmp(si->last, o->trigger_price);
        /* a sell trailing stop activates when the price rises to the activation price, a buy when it falls */
        if ((o->side == SIM_SIDE_SELL && c >= 0) || (o->side == SIM_SIDE_BUY && c <= 0)) {
            o->trail_active = true;
            o->trail_extreme = si->last;
        }
        return;
    }
    if (o->side == SIM_SIDE_SELL ? decimal_cmp(si->last, o->trail_extreme) > 0
                                 : decimal_cmp(si->last, o->trail_extreme) < 0)
        o->trail_extreme = si->last;
}

static bool s_trail_hit(const s_inst_t *si, const sim_order_t *o)
{
    if (!o->trail_active)
        return false;
    decimal_t off = sim_dmul(o->trail_extreme, o->callback_rate, 12, DECIMAL_ROUND_HALF_EVEN);
    off = sim_ddiv(off, decimal_from_int(100), 12, DECIMAL_ROUND_HALF_EVEN);
    if (o->side == SIM_SIDE_SELL)
        return decimal_cmp(si->last, sim_dsub(o->trail_extreme, off)) <= 0;
    return decimal_cmp(si->last, sim_dadd(o->trail_extreme, off)) >= 0;
}

/* One resting fill step: fills ceil(qty / partial_fills) (step-aligned) of a crossed limit order. */
static void s_rest_fill(sim_engine_t *self, s_order_t *so, int64_t now_ms)
{
    sim_order_t *o = &so->o;
    int n = self->cfg.partial_fills;
    decimal_t rest = sim_dsub(o->qty, o->filled);
    decimal_t chunk = rest;
    if (n > 1) {
        decimal_t chunks[SIM_MAX_PARTIAL_FILLS];
        s_split(o->qty, o->inst->step, n, chunks); /* the first chunk is the largest */
        chunk = decimal_min(chunks[0], rest);
    }
    decimal_t done = s_execute(self, so, o->price, chunk, true, now_ms);
    if (decimal_is_zero(done) && o->reduce_only) {
        s_set_status(self, so, SIM_ST_EXPIRED, now_ms);
        return;
    }
    s_after_fill(self, so, now_ms);
    if (o->reduce_only && sim_status_is_open(o->status)) {
        s_acct_t *ac = sim_engine_acct(self, o->venue, o->account);
        if (decimal_is_zero(s_closable(&ac->pos[o->inst->index][o->pos_side], o->side)))
            s_set_status(self, so, SIM_ST_EXPIRED, now_ms);
    }
}

void sim_engine_match(sim_engine_t *self, s_inst_t *si, int64_t now_ms)
{
    if (si->n_open == 0)
        return;
    s_venue_t *vs = &self->venues[si->pub.venue];
    size_t n = si->n_open;
    int32_t stack_ids[256];
    int32_t *ids = n <= 256 ? stack_ids : mem_alloc(n * sizeof *ids);
    memcpy(ids, si->open, n * sizeof *ids);
    qsort(ids, n, sizeof *ids, s_cmp_idx); /* oldest first: time priority */
    for (size_t k = 0; k < n; k++) {
        s_order_t *so = s_at(vs, (size_t)ids[k]);
        sim_order_t *o = &so->o;
        if (!sim_status_is_open(o->status))
            continue;
        if (o->good_till_ms > 0 && now_ms >= o->good_till_ms) {
            s_set_status(self, so, SIM_ST_EXPIRED, now_ms);
            continue;
        }
        if (o->status == SIM_ST_UNTRIGGERED) {
            if (o->type == SIM_TYPE_TRAILING_STOP_MARKET) {
                s_trail(si, so);
                if (s_trail_hit(si, o))
                    s_trigger(self, so, now_ms);
            } else if (s_triggered(si, o)) {
                s_trigger(self, so, now_ms);
            }
            continue;
        }
        if (o->type != SIM_TYPE_LIMIT)
            continue;
        bool crossed = o->side == SIM_SIDE_BUY ? decimal_cmp(si->last, o->price) < 0
                                               : decimal_cmp(si->last, o->price) > 0;
        if (crossed)
            s_rest_fill(self, so, now_ms);
    }
    if (ids != stack_ids)
        mem_free(ids);
}
