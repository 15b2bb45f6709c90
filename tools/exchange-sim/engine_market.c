/* engine_market: the price path of every instrument (a seeded random walk in whole ticks, or prices set by
 * the admin API), its 1-minute candles (with 1500 minutes of generated history before the start, so klines
 * are never empty), tickers, and the clock-driven step that expires GTD orders and matches after each move.
 * Integer arithmetic in ticks only: no floating point touches a price. */
#include "engine_int.h"

#include "base/log.h"
#include "base/mem.h"

#include <assert.h>
#include <string.h>

#define MINUTE_MS 60000

static uint64_t s_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [-k, k]. */
static int64_t s_rand_sym(uint64_t *state, int64_t k)
{
    return (int64_t)(s_rand(state) % (uint64_t)(2 * k + 1)) - k;
}

static int64_t s_floor_minute(int64_t ms)
{
    return ms - ((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS;
}

/* price + ticks * tick, kept at or above one tick (and min_price). */
static decimal_t s_move(const sim_instrument_t *in, decimal_t price, int64_t ticks)
{
    decimal_t d = sim_dmul(decimal_from_int(ticks < 0 ? -ticks : ticks), in->tick, 18, DECIMAL_ROUND_HALF_EVEN);
    decimal_t p = ticks < 0 ? sim_dsub(price, d) : sim_dadd(price, d);
    decimal_t floor = decimal_max(in->tick, in->min_price);
    if (decimal_cmp(p, floor) < 0)
        p = floor;
    if (decimal_sign(in->max_price) > 0 && decimal_cmp(p, in->max_price) > 0)
        p = in->max_price;
    return p;
}

static void s_candles_reserve(s_inst_t *si, size_t need)
{
    if (need <= si->cap_candles)
        return;
    size_t cap = si->cap_candles ? si->cap_candles : 2048;
    while (cap < need)
        cap *= 2;
    si->candles = mem_realloc(si->candles, cap * sizeof si->candles[0]);
    si->cap_candles = cap;
}

/* Generates SIM_HISTORY_MINUTES candles ending with the minute before created_ms at the start price. */
static void s_history(s_inst_t *si, uint64_t *rng)
{
    const sim_instrument_t *in = &si->pub;
    int64_t now_min = s_floor_minute(si->created_ms);
    size_t n = SIM_HISTORY_MINUTES;
    s_candles_reserve(si, n + 1);
    decimal_t p = in->start_price;
    int64_t k = si->walk_ticks;
    for (size_t i = n; i-- > 0;) {
        sim_candle_t *c = &si->candles[i];
        memset(c, 0, sizeof *c);
        c->open_ms = now_min - (int64_t)(n - i) * MINUTE_MS;
        c->close_ms = c->open_ms + MINUTE_MS - 1;
        c->close = p;
        c->open = s_move(in, p, s_rand_sym(rng, 25 * k));
        decimal_t hi = decimal_max(c->open, c->close), lo = decimal_min(c->open, c->close);
        c->high = s_move(in, hi, (int64_t)(s_rand(rng) % (uint64_t)(5 * k + 1)));
        c->low = s_move(in, lo, -(int64_t)(s_rand(rng) % (uint64_t)(5 * k + 1)));
        c->volume = sim_dmul(in->min_qty, decimal_from_int(10 + (int64_t)(s_rand(rng) % 1000)), 18,
                             DECIMAL_ROUND_HALF_EVEN);
        c->quote_volume = sim_dmul(c->volume, c->close, 8, DECIMAL_ROUND_HALF_EVEN);
        c->trades = 10 + (int64_t)(s_rand(rng) % 500);
        p = c->open;
    }
    sim_candle_t *cur = &si->candles[n];
    memset(cur, 0, sizeof *cur);
    cur->open_ms = now_min;
    cur->close_ms = now_min + MINUTE_MS - 1;
    cur->open = cur->high = cur->low = cur->close = in->start_price;
    si->n_candles = n + 1;
}

static uint64_t s_seed_of(const sim_engine_t *self, const sim_instrument_t *in)
{
    uint64_t h = 1469598103934665603ull ^ self->cfg.seed ^ ((uint64_t)in->venue << 56);
    for (const unsigned char *p = (const unsigned char *)in->symbol; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

void sim_market_init(sim_engine_t *self, s_inst_t *si, int64_t now_ms)
{
    const sim_instrument_t *in = &si->pub;
    /* max ticks per step = start * walk_bp / 1e6 / tick, at least 1 */
    decimal_t move = sim_dmul(in->start_price, decimal_from_int(self->cfg.walk_bp), 18, DECIMAL_ROUND_HALF_EVEN);
    move = sim_ddiv(move, decimal_from_int(1000000), 18, DECIMAL_ROUND_HALF_EVEN);
    decimal_t ticks = sim_ddiv(move, in->tick, 0, DECIMAL_ROUND_DOWN);
    int64_t k = 0;
    if (decimal_to_int(ticks, &k) != 0 || k < 1)
        k = 1;
    si->walk_ticks = k;
    si->rng_seed = s_seed_of(self, in);
    si->created_ms = now_ms;
    sim_market_reset(self, si, now_ms);
}

void sim_market_reset(sim_engine_t *self, s_inst_t *si, int64_t now_ms)
{
    si->rng = si->rng_seed;
    si->last = si->pub.start_price;
    si->last_ms = now_ms;
    si->next_step_ms = now_ms + self->cfg.tick_ms;
    uint64_t hist = si->rng_seed ^ 0x4157ull;
    s_history(si, &hist);
    if (now_ms > si->created_ms)
        sim_market_price(si, si->last, now_ms);
}

/* The candle of now's minute, appending flat minutes up to it. NULL if now is before the history. */
static sim_candle_t *s_candle_now(s_inst_t *si, int64_t now_ms)
{
    assert(si->n_candles > 0);
    int64_t m = s_floor_minute(now_ms);
    sim_candle_t *last = &si->candles[si->n_candles - 1];
    if (m < si->candles[0].open_ms)
        return NULL;
    if (m <= last->open_ms)
        return &si->candles[(size_t)((m - si->candles[0].open_ms) / MINUTE_MS)];
    size_t gap = (size_t)((m - last->open_ms) / MINUTE_MS);
    if (gap > 100000) /* a clock jump: keep the history bounded */
        gap = 100000;
    s_candles_reserve(si, si->n_candles + gap);
    for (size_t g = 0; g < gap; g++) {
        sim_candle_t *prev = &si->candles[si->n_candles - 1];
        sim_candle_t *c = &si->candles[si->n_candles++];
        memset(c, 0, sizeof *c);
        c->open_ms = prev->open_ms + MINUTE_MS;
        c->close_ms = c->open_ms + MINUTE_MS - 1;
        c->open = c->high = c->low = c->close = prev->close;
    }
    return &si->candles[si->n_candles - 1];
}

void sim_market_price(s_inst_t *si, decimal_t price, int64_t now_ms)
{
    sim_candle_t *c = s_candle_now(si, now_ms);
    if (!c)
        return;
    if (decimal_cmp(price, c->high) > 0)
        c->high = price;
    if (decimal_cmp(price, c->low) < 0)
        c->low = price;
    c->close = price;
}

void sim_market_trade(s_inst_t *si, decimal_t price, decimal_t qty, int64_t now_ms)
{
    sim_candle_t *c = s_candle_now(si, now_ms);
    if (!c)
        return;
    c->volume = sim_dadd(c->volume, qty);
    c->quote_volume = sim_dadd(c->quote_volume, sim_dmul(price, qty, 8, DECIMAL_ROUND_HALF_EVEN));
    c->trades++;
}

static void s_set_last(sim_engine_t *self, s_inst_t *si, decimal_t price, int64_t now_ms)
{
    si->last = price;
    si->last_ms = now_ms;
    sim_market_price(si, price, now_ms);
    sim_engine_match(self, si, now_ms);
}

int sim_engine_set_price(sim_engine_t *self, const sim_instrument_t *inst, decimal_t price, int64_t now_ms,
                         err_t *err)
{
    assert(self && inst);
    if (decimal_sign(price) <= 0 || !decimal_is_multiple(price, inst->tick) ||
        decimal_cmp(price, inst->min_price) < 0 ||
        (decimal_sign(inst->max_price) > 0 && decimal_cmp(price, inst->max_price) > 0))
        return err_set(err, XR_INVALID_REQUEST, "price must be a positive multiple of the tick within %s limits",
                       inst->symbol);
    s_set_last(self, sim_engine_inst_int(self, inst), price, now_ms);
    return 0;
}

int64_t sim_engine_tick(sim_engine_t *self, int64_t now_ms)
{
    assert(self);
    int64_t tick = self->cfg.tick_ms;
    int64_t wait = tick > 0 ? tick : 100;
    for (int v = 0; v < SIM_VENUE_COUNT; v++) {
        s_venue_t *vs = &self->venues[v];
        for (size_t i = 0; i < vs->n_inst; i++) {
            s_inst_t *si = &vs->inst[i];
            if (tick <= 0) {
                sim_engine_match(self, si, now_ms); /* GTD expiry only */
                continue;
            }
            int steps = 0;
            while (si->next_step_ms <= now_ms && steps++ < 50) {
                decimal_t p = s_move(&si->pub, si->last, s_rand_sym(&si->rng, si->walk_ticks));
                s_set_last(self, si, p, si->next_step_ms);
                si->next_step_ms += tick;
            }
            if (si->next_step_ms <= now_ms)
                si->next_step_ms = now_ms + tick;
            if (si->next_step_ms - now_ms < wait)
                wait = si->next_step_ms - now_ms;
        }
    }
    return wait;
}

void sim_engine_ticker(const sim_engine_t *self, const sim_instrument_t *inst, sim_ticker_t *out)
{
    const s_inst_t *si = &self->venues[inst->venue].inst[inst->index];
    memset(out, 0, sizeof *out);
    out->last = si->last;
    out->mark = si->last;
    out->bid = si->last;
    out->ask = sim_dadd(si->last, inst->tick);
    out->bid_qty = out->ask_qty = sim_ddiv(inst->max_mkt_qty, decimal_from_int(10), inst->qty_precision,
                                           DECIMAL_ROUND_DOWN);
    out->time_ms = si->last_ms;
    int64_t day_ago = si->last_ms - 86400000;
    out->open_24h = si->candles[0].open;
    if (day_ago >= si->candles[0].open_ms) {
        size_t idx = (size_t)((s_floor_minute(day_ago) - si->candles[0].open_ms) / MINUTE_MS);
        if (idx < si->n_candles)
            out->open_24h = si->candles[idx].open;
    }
}

size_t sim_engine_candles(const sim_engine_t *self, const sim_instrument_t *inst, int64_t interval_ms,
                          int64_t start_ms, int64_t end_ms, size_t limit, int64_t now_ms, sim_candle_t *out,
                          size_t cap)
{
    if (interval_ms < MINUTE_MS || interval_ms % MINUTE_MS != 0 || cap == 0 || limit == 0)
        return 0;
    s_inst_t *si = sim_engine_inst_int((sim_engine_t *)self, inst);
    s_candle_now(si, now_ms); /* bring the series up to now */
    /* aggregate into buckets aligned to the epoch, keeping those whose open is within range */
    size_t n_out = 0, skipped_from_front = 0;
    sim_candle_t cur;
    bool have = false;
    /* First pass counts buckets in range so that the newest `limit` can be chosen without a second buffer. */
    size_t in_range = 0;
    int64_t last_bucket = INT64_MIN;
    for (size_t i = 0; i < si->n_candles; i++) {
        int64_t b = si->candles[i].open_ms - ((si->candles[i].open_ms % interval_ms) + interval_ms) % interval_ms;
        if ((start_ms && b < start_ms) || (end_ms && b > end_ms) || b > now_ms)
            continue;
        if (b != last_bucket) {
            in_range++;
            last_bucket = b;
        }
    }
    size_t want = in_range < limit ? in_range : limit;
    if (!start_ms && in_range > want)
        skipped_from_front = in_range - want;
    size_t bucket_no = 0;
    last_bucket = INT64_MIN;
    for (size_t i = 0; i < si->n_candles && n_out < cap; i++) {
        const sim_candle_t *c = &si->candles[i];
        int64_t b = c->open_ms - ((c->open_ms % interval_ms) + interval_ms) % interval_ms;
        if ((start_ms && b < start_ms) || (end_ms && b > end_ms) || b > now_ms)
            continue;
        if (b != last_bucket) {
            if (have) {
                if (bucket_no > skipped_from_front && n_out < want)
                    out[n_out++] = cur;
            }
            bucket_no++;
            last_bucket = b;
            cur = *c;
            cur.open_ms = b;
            cur.close_ms = b + interval_ms - 1;
            have = true;
            continue;
        }
        if (decimal_cmp(c->high, cur.high) > 0)
            cur.high = c->high;
        if (decimal_cmp(c->low, cur.low) < 0)
            cur.low = c->low;
        cur.close = c->close;
        cur.volume = sim_dadd(cur.volume, c->volume);
        cur.quote_volume = sim_dadd(cur.quote_volume, c->quote_volume);
        cur.trades += c->trades;
    }
    if (have && bucket_no > skipped_from_front && n_out < want && n_out < cap)
        out[n_out++] = cur;
    return n_out;
}
