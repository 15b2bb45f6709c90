/* engine: the simulated exchange (see engine.h for the model). Orders live in chunked arrays indexed by
 * (id - first id), so a lookup by id is O(1) and pointers never move; client ids are found through a chained
 * hash per venue; each instrument keeps the indices of its open orders, which the price path scans after
 * every step. Accounts' per-venue state (wallet, leverage, positions) is allocated when first touched.
 * Market data (price path, candles) is in engine_market.c; both share engine_int.h. */
#include "engine_int.h"

#include "base/log.h"
#include "base/mem.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static const char *s_venue_names[SIM_VENUE_COUNT] = {"binance", "bybit", "coindcx"};

const char *sim_venue_name(sim_venue_t venue)
{
    return (unsigned)venue < SIM_VENUE_COUNT ? s_venue_names[venue] : "unknown";
}

int sim_venue_parse(const char *name, sim_venue_t *out)
{
    for (int i = 0; i < SIM_VENUE_COUNT; i++)
        if (name && strcmp(name, s_venue_names[i]) == 0) {
            *out = (sim_venue_t)i;
            return 0;
        }
    return -1;
}

bool sim_type_is_conditional(sim_type_t type)
{
    return type != SIM_TYPE_LIMIT && type != SIM_TYPE_MARKET;
}

bool sim_status_is_open(sim_status_t status)
{
    return status == SIM_ST_NEW || status == SIM_ST_PARTIALLY_FILLED || status == SIM_ST_UNTRIGGERED;
}

const char *sim_result_name(sim_result_t r)
{
    static const char *names[] = {
        "ok", "unknown symbol", "bad parameter", "quantity not positive", "quantity below minimum",
        "quantity above maximum", "quantity not a multiple of step", "price below minimum",
        "price above maximum", "price not a multiple of tick", "min notional", "duplicate client id",
        "margin insufficient", "reduce-only rejected", "post-only would take", "would immediately trigger",
        "position side mismatch", "too many open orders", "bad leverage", "order not found",
        "order not open", "position mode cannot change", "unknown account"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "unknown";
}

/* ---- decimal helpers: inputs are bounded by instrument filters, so overflow means a broken invariant
 * somewhere upstream; it is logged and the left operand kept rather than crashing the simulator. ---- */

decimal_t sim_dadd(decimal_t a, decimal_t b)
{
    decimal_t r;
    if (decimal_add(a, b, &r, NULL) != 0) {
        log_warn("engine decimal add overflow kept=left");
        return a;
    }
    return r;
}

decimal_t sim_dsub(decimal_t a, decimal_t b)
{
    decimal_t r;
    if (decimal_sub(a, b, &r, NULL) != 0) {
        log_warn("engine decimal sub overflow kept=left");
        return a;
    }
    return r;
}

decimal_t sim_dmul(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode)
{
    decimal_t r;
    if (decimal_mul(a, b, scale, mode, &r, NULL) != 0) {
        log_warn("engine decimal mul overflow kept=left");
        return a;
    }
    return r;
}

decimal_t sim_ddiv(decimal_t a, decimal_t b, uint8_t scale, decimal_round_t mode)
{
    decimal_t r;
    if (decimal_is_zero(b) || decimal_div(a, b, scale, mode, &r, NULL) != 0)
        return DECIMAL_ZERO;
    return r;
}

static int s_dparse(const char *text, decimal_t *out, const char *what, err_t *err)
{
    if (!text)
        return err_set(err, XR_INVALID_REQUEST, "instrument %s missing", what);
    if (decimal_from_str(text, out, err) != 0)
        return err_set(err, XR_INVALID_REQUEST, "instrument %s: bad decimal \"%s\"", what, text);
    return 0;
}

/* ---- lifecycle ---- */

void sim_engine_config_default(sim_engine_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->partial_fills = 1;
    cfg->maker_fee = (decimal_t){2, 4};
    cfg->taker_fee = (decimal_t){5, 4};
    cfg->initial_funds = decimal_from_int(100000);
    cfg->tick_ms = 100;
    cfg->walk_bp = 100;
    cfg->rate_limits = true;
    cfg->rate_limit_per_min = 0;
}

sim_engine_t *sim_engine_new(const sim_engine_config_t *cfg, err_t *err)
{
    assert(cfg);
    if (cfg->partial_fills < 1 || cfg->partial_fills > SIM_MAX_PARTIAL_FILLS) {
        err_set(err, XR_INVALID_REQUEST, "partial fills must be 1..%d", SIM_MAX_PARTIAL_FILLS);
        return NULL;
    }
    if (decimal_sign(cfg->maker_fee) < 0 || decimal_sign(cfg->taker_fee) < 0 ||
        decimal_sign(cfg->initial_funds) < 0 || cfg->tick_ms < 0 || cfg->walk_bp < 0 || cfg->walk_bp > 10000) {
        err_set(err, XR_INVALID_REQUEST, "bad engine config (fees, funds, tick or walk)");
        return NULL;
    }
    sim_engine_t *self = mem_calloc(1, sizeof *self);
    self->cfg = *cfg;
    for (int v = 0; v < SIM_VENUE_COUNT; v++)
        sim_engine_venue_clear(self, v);
    return self;
}

static void s_venue_free(s_venue_t *vs, bool keep_instruments)
{
    for (size_t c = 0; c < vs->n_chunks; c++)
        mem_free(vs->chunks[c]);
    mem_free(vs->chunks);
    vs->chunks = NULL;
    vs->n_chunks = 0;
    vs->n_orders = 0;
    mem_free(vs->cid_buckets);
    vs->cid_buckets = NULL;
    vs->n_buckets = 0;
    mem_free(vs->fills);
    vs->fills = NULL;
    vs->n_fills = vs->cap_fills = 0;
    mem_free(vs->ledger);
    vs->ledger = NULL;
    vs->n_ledger = vs->cap_ledger = 0;
    for (size_t a = 0; a < vs->n_accts; a++)
        mem_free(vs->accts[a]);
    mem_free(vs->accts);
    vs->accts = NULL;
    vs->n_accts = 0;
    for (size_t i = 0; i < vs->n_inst; i++) {
        mem_free(vs->inst[i].open);
        vs->inst[i].open = NULL;
        vs->inst[i].n_open = vs->inst[i].cap_open = 0;
        if (!keep_instruments) {
            mem_free(vs->inst[i].candles);
            vs->inst[i].candles = NULL;
        }
    }
    if (!keep_instruments)
        vs->n_inst = 0;
}

void sim_engine_venue_clear(sim_engine_t *self, int v)
{
    s_venue_t *vs = &self->venues[v];
    /* Ids start high and differ per venue and seed, so ids of different runs and venues rarely collide. */
    vs->first_order_id = 1000000 * (int64_t)(v + 1) * 1000 + (int64_t)(self->cfg.seed % 1000) * 1000000;
    vs->first_trade_id = vs->first_order_id / 2 + 1;
    vs->ledger_dropped = 0;
    vs->first_live = 0;
    vs->fills_dropped = 0;
}

void sim_engine_destroy(sim_engine_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_engine_t *self = *self_p;
    for (int v = SIM_VENUE_COUNT - 1; v >= 0; v--)
        s_venue_free(&self->venues[v], false);
    for (int i = self->n_accounts - 1; i >= 0; i--)
        crypto_hmac_destroy(&self->accounts[i].hmac);
    mem_free(self->accounts);
    mem_free(self);
    *self_p = NULL;
}

void sim_engine_reset(sim_engine_t *self, int64_t now_ms)
{
    assert(self);
    for (int v = 0; v < SIM_VENUE_COUNT; v++) {
        s_venue_t *vs = &self->venues[v];
        s_venue_free(vs, true);
        sim_engine_venue_clear(self, v);
        for (size_t i = 0; i < vs->n_inst; i++)
            sim_market_reset(self, &vs->inst[i], now_ms);
    }
    log_info("engine reset");
}

const sim_engine_config_t *sim_engine_config(const sim_engine_t *self)
{
    return &self->cfg;
}

int sim_engine_set_partial_fills(sim_engine_t *self, int n)
{
    if (n < 1 || n > SIM_MAX_PARTIAL_FILLS)
        return -1;
    self->cfg.partial_fills = n;
    return 0;
}

void sim_engine_set_rate_limits(sim_engine_t *self, bool on, int per_min)
{
    self->cfg.rate_limits = on;
    self->cfg.rate_limit_per_min = per_min > 0 ? per_min : 0;
}

/* ---- instruments ---- */

static uint8_t s_precision(decimal_t v)
{
    return v.scale;
}

int sim_engine_add_instrument(sim_engine_t *self, sim_venue_t venue, const sim_instrument_def_t *def,
                              int64_t now_ms, err_t *err)
{
    assert(self && def && (unsigned)venue < SIM_VENUE_COUNT);
    s_venue_t *vs = &self->venues[venue];
    if (vs->n_inst >= SIM_MAX_INSTRUMENTS)
        return err_set(err, XR_INVALID_REQUEST, "too many instruments (max %d)", SIM_MAX_INSTRUMENTS);
    if (!def->symbol || !def->base || !def->quote || strlen(def->symbol) >= 32 || strlen(def->base) >= 16 ||
        strlen(def->quote) >= 8 || !def->symbol[0])
        return err_set(err, XR_INVALID_REQUEST, "instrument names missing or too long");
    if (sim_engine_instrument(self, venue, def->symbol))
        return err_set(err, XR_INVALID_REQUEST, "duplicate instrument %s", def->symbol);
    s_inst_t *si = &vs->inst[vs->n_inst];
    memset(si, 0, sizeof *si);
    sim_instrument_t *in = &si->pub;
    in->venue = venue;
    in->index = (int)vs->n_inst;
    snprintf(in->symbol, sizeof in->symbol, "%s", def->symbol);
    snprintf(in->base, sizeof in->base, "%s", def->base);
    snprintf(in->quote, sizeof in->quote, "%s", def->quote);
    if (s_dparse(def->tick, &in->tick, "tick", err) || s_dparse(def->step, &in->step, "step", err) ||
        s_dparse(def->min_qty, &in->min_qty, "min_qty", err) ||
        s_dparse(def->max_qty, &in->max_qty, "max_qty", err) ||
        s_dparse(def->max_mkt_qty, &in->max_mkt_qty, "max_mkt_qty", err) ||
        s_dparse(def->min_price, &in->min_price, "min_price", err) ||
        s_dparse(def->max_price, &in->max_price, "max_price", err) ||
        s_dparse(def->min_notional, &in->min_notional, "min_notional", err) ||
        s_dparse(def->start_price, &in->start_price, "start_price", err))
        return -1;
    if (decimal_sign(in->tick) <= 0 || decimal_sign(in->step) <= 0 ||
        !decimal_is_multiple(in->start_price, in->tick) || decimal_sign(in->start_price) <= 0 ||
        def->max_leverage < 1 || def->max_leverage > 1000)
        return err_set(err, XR_INVALID_REQUEST, "instrument %s: bad tick, step, start price or leverage",
                       def->symbol);
    in->max_leverage = def->max_leverage;
    in->max_open_orders = self->cfg.max_open_orders > 0 ? self->cfg.max_open_orders
                          : def->max_open_orders > 0    ? def->max_open_orders
                                                        : 200;
    in->price_precision = s_precision(in->tick);
    in->qty_precision = s_precision(in->step);

    sim_market_init(self, si, now_ms);
    vs->n_inst++;
    return 0;
}

int sim_engine_set_precision(sim_engine_t *self, sim_venue_t venue, const char *symbol, int price_precision,
                             int qty_precision)
{
    const sim_instrument_t *pub = sim_engine_instrument(self, venue, symbol);
    if (!pub || price_precision > DECIMAL_MAX_SCALE || qty_precision > DECIMAL_MAX_SCALE)
        return -1;
    sim_instrument_t *in = &sim_engine_inst_int(self, pub)->pub;
    if (price_precision > in->tick.scale)
        in->price_precision = (uint8_t)price_precision;
    if (qty_precision > in->step.scale)
        in->qty_precision = (uint8_t)qty_precision;
    return 0;
}

const sim_instrument_t *sim_engine_instrument_n(const sim_engine_t *self, sim_venue_t venue, const char *symbol,
                                                size_t len)
{
    assert(self);
    if ((unsigned)venue >= SIM_VENUE_COUNT || !symbol)
        return NULL;
    const s_venue_t *vs = &self->venues[venue];
    for (size_t i = 0; i < vs->n_inst; i++) {
        const char *s = vs->inst[i].pub.symbol;
        if (strncmp(s, symbol, len) == 0 && s[len] == '\0')
            return &vs->inst[i].pub;
    }
    return NULL;
}

const sim_instrument_t *sim_engine_instrument(const sim_engine_t *self, sim_venue_t venue, const char *symbol)
{
    return symbol ? sim_engine_instrument_n(self, venue, symbol, strlen(symbol)) : NULL;
}

size_t sim_engine_instrument_count(const sim_engine_t *self, sim_venue_t venue)
{
    return (unsigned)venue < SIM_VENUE_COUNT ? self->venues[venue].n_inst : 0;
}

const sim_instrument_t *sim_engine_instrument_at(const sim_engine_t *self, sim_venue_t venue, size_t i)
{
    if ((unsigned)venue >= SIM_VENUE_COUNT || i >= self->venues[venue].n_inst)
        return NULL;
    return &self->venues[venue].inst[i].pub;
}

s_inst_t *sim_engine_inst_int(sim_engine_t *self, const sim_instrument_t *inst)
{
    assert(inst && (unsigned)inst->venue < SIM_VENUE_COUNT);
    s_inst_t *si = &self->venues[inst->venue].inst[inst->index];
    assert(&si->pub == inst);
    return si;
}

/* ---- accounts ---- */

int sim_engine_add_account(sim_engine_t *self, const char *key, const char *secret, err_t *err)
{
    assert(self);
    if (!key || !*key || strlen(key) >= sizeof self->accounts[0].key)
        return err_set(err, XR_INVALID_REQUEST, "account key empty or longer than %zu",
                       sizeof self->accounts[0].key - 1);
    if (!secret || !*secret || strlen(secret) >= sizeof self->accounts[0].secret)
        return err_set(err, XR_INVALID_REQUEST, "account secret empty or longer than %zu",
                       sizeof self->accounts[0].secret - 1);
    if (sim_engine_account_by_key(self, key, strlen(key)))
        return err_set(err, XR_INVALID_REQUEST, "duplicate account key");
    if (self->n_accounts >= SIM_MAX_ACCOUNTS)
        return err_set(err, XR_INVALID_REQUEST, "too many accounts (max %d)", SIM_MAX_ACCOUNTS);
    self->accounts = mem_realloc(self->accounts, (size_t)(self->n_accounts + 1) * sizeof self->accounts[0]);
    sim_account_t *a = &self->accounts[self->n_accounts];
    memset(a, 0, sizeof *a);
    a->id = self->n_accounts;
    memcpy(a->key, key, strlen(key) + 1);
    memcpy(a->secret, secret, strlen(secret) + 1);
    a->hmac = crypto_hmac_new_str(secret);
    if (!a->hmac) {
        memset(a, 0, sizeof *a);
        return err_set(err, XR_INTERNAL, "cannot prepare the account's signing key");
    }
    return self->n_accounts++;
}

const sim_account_t *sim_engine_account_by_key(const sim_engine_t *self, const char *key, size_t key_len)
{
    if (!key)
        return NULL;
    for (int i = 0; i < self->n_accounts; i++)
        if (strncmp(self->accounts[i].key, key, key_len) == 0 && self->accounts[i].key[key_len] == '\0')
            return &self->accounts[i];
    return NULL;
}

const sim_account_t *sim_engine_account(const sim_engine_t *self, int id)
{
    return id >= 0 && id < self->n_accounts ? &self->accounts[id] : NULL;
}

int sim_engine_account_count(const sim_engine_t *self)
{
    return self->n_accounts;
}

s_acct_t *sim_engine_acct(sim_engine_t *self, int venue, int account)
{
    if (account < 0 || account >= self->n_accounts || (unsigned)venue >= SIM_VENUE_COUNT)
        return NULL;
    s_venue_t *vs = &self->venues[venue];
    if ((size_t)account >= vs->n_accts) {
        vs->accts = mem_realloc(vs->accts, (size_t)self->n_accounts * sizeof vs->accts[0]);
        for (size_t a = vs->n_accts; a < (size_t)self->n_accounts; a++)
            vs->accts[a] = NULL;
        vs->n_accts = (size_t)self->n_accounts;
    }
    if (!vs->accts[account]) {
        s_acct_t *ac = mem_calloc(1, sizeof *ac);
        ac->wallet = self->cfg.initial_funds;
        for (size_t i = 0; i < SIM_MAX_INSTRUMENTS; i++) {
            int max = i < vs->n_inst ? vs->inst[i].pub.max_leverage : 20;
            ac->leverage[i] = max < 20 ? max : 20;
            for (int s = 0; s < 3; s++) {
                sim_position_t *p = &ac->pos[i][s];
                p->inst = i < vs->n_inst ? &vs->inst[i].pub : NULL;
                p->account = account;
                p->side = (sim_pos_side_t)s;
            }
        }
        vs->accts[account] = ac;
    }
    return vs->accts[account];
}

bool sim_engine_dual_side(const sim_engine_t *self, sim_venue_t venue, int account)
{
    s_acct_t *ac = sim_engine_acct((sim_engine_t *)self, venue, account);
    return ac && ac->dual;
}

sim_result_t sim_engine_set_dual_side(sim_engine_t *self, sim_venue_t venue, int account, bool dual)
{
    s_acct_t *ac = sim_engine_acct(self, venue, account);
    if (!ac)
        return SIM_REJ_UNKNOWN_ACCOUNT;
    if (ac->dual == dual)
        return SIM_OK;
    for (size_t i = 0; i < self->venues[venue].n_inst; i++) {
        if (ac->open_count[i] > 0)
            return SIM_REJ_MODE_CHANGE;
        for (int s = 0; s < 3; s++)
            if (!decimal_is_zero(ac->pos[i][s].qty))
                return SIM_REJ_MODE_CHANGE;
    }
    ac->dual = dual;
    return SIM_OK;
}

int sim_engine_leverage(const sim_engine_t *self, const sim_instrument_t *inst, int account)
{
    s_acct_t *ac = sim_engine_acct((sim_engine_t *)self, inst->venue, account);
    return ac ? ac->leverage[inst->index] : 0;
}

sim_result_t sim_engine_set_leverage(sim_engine_t *self, const sim_instrument_t *inst, int account, int leverage)
{
    if (!inst)
        return SIM_REJ_UNKNOWN_SYMBOL;
    s_acct_t *ac = sim_engine_acct(self, inst->venue, account);
    if (!ac)
        return SIM_REJ_UNKNOWN_ACCOUNT;
    if (leverage < 1 || leverage > inst->max_leverage)
        return SIM_REJ_LEVERAGE;
    ac->leverage[inst->index] = leverage;
    return SIM_OK;
}

bool sim_engine_isolated(const sim_engine_t *self, const sim_instrument_t *inst, int account)
{
    s_acct_t *ac = sim_engine_acct((sim_engine_t *)self, inst->venue, account);
    return ac && ac->isolated[inst->index];
}

void sim_engine_set_isolated(sim_engine_t *self, const sim_instrument_t *inst, int account, bool isolated)
{
    s_acct_t *ac = sim_engine_acct(self, inst->venue, account);
    if (ac)
        ac->isolated[inst->index] = isolated;
}

/* ---- positions and balances ---- */

const sim_position_t *sim_engine_position(sim_engine_t *self, const sim_instrument_t *inst, int account,
                                          sim_pos_side_t side)
{
    s_acct_t *ac = sim_engine_acct(self, inst->venue, account);
    if (!ac || (unsigned)side > SIM_POS_SHORT)
        return NULL;
    return &ac->pos[inst->index][side];
}

decimal_t sim_engine_unrealized(const sim_engine_t *self, const sim_position_t *pos)
{
    if (decimal_is_zero(pos->qty))
        return DECIMAL_ZERO;
    const s_inst_t *si = &self->venues[pos->inst->venue].inst[pos->inst->index];
    return sim_dsub(sim_dmul(si->last, pos->qty, 8, DECIMAL_ROUND_HALF_EVEN), pos->cost);
}

decimal_t sim_engine_position_margin(const sim_engine_t *self, const sim_position_t *pos)
{
    if (decimal_is_zero(pos->qty))
        return DECIMAL_ZERO;
    const s_inst_t *si = &self->venues[pos->inst->venue].inst[pos->inst->index];
    int lev = sim_engine_leverage(self, pos->inst, pos->account);
    decimal_t notional = sim_dmul(si->last, decimal_abs(pos->qty), 8, DECIMAL_ROUND_HALF_EVEN);
    return sim_ddiv(notional, decimal_from_int(lev > 0 ? lev : 1), 8, DECIMAL_ROUND_CEIL);
}

size_t sim_engine_positions(sim_engine_t *self, sim_venue_t venue, int account, bool with_flat,
                            int (*fn)(const sim_position_t *p, void *ctx), void *ctx)
{
    s_acct_t *ac = sim_engine_acct(self, venue, account);
    if (!ac)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < self->venues[venue].n_inst; i++)
        for (int s = 0; s < 3; s++) {
            const sim_position_t *p = &ac->pos[i][s];
            bool show = !decimal_is_zero(p->qty) || (with_flat && ac->touched[i][s]);
            if (!show)
                continue;
            n++;
            if (fn(p, ctx))
                return n;
        }
    return n;
}

int sim_engine_balance(sim_engine_t *self, sim_venue_t venue, int account, sim_balance_t *out)
{
    s_acct_t *ac = sim_engine_acct(self, venue, account);
    if (!ac)
        return -1;
    memset(out, 0, sizeof *out);
    out->wallet = ac->wallet;
    out->realized = ac->realized;
    out->fees = ac->fees;
    out->order_margin = ac->order_margin;
    out->update_ms = ac->update_ms;
    for (size_t i = 0; i < self->venues[venue].n_inst; i++)
        for (int s = 0; s < 3; s++) {
            const sim_position_t *p = &ac->pos[i][s];
            if (decimal_is_zero(p->qty))
                continue;
            out->unrealized = sim_dadd(out->unrealized, sim_engine_unrealized(self, p));
            out->position_margin = sim_dadd(out->position_margin, sim_engine_position_margin(self, p));
        }
    out->available = sim_dsub(sim_dsub(sim_dadd(out->wallet, out->unrealized), out->position_margin),
                              out->order_margin);
    return 0;
}

void sim_engine_stats(const sim_engine_t *self, sim_venue_t venue, sim_engine_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)venue >= SIM_VENUE_COUNT)
        return;
    const s_venue_t *vs = &self->venues[venue];
    out->orders = vs->n_orders;
    for (size_t i = 0; i < vs->n_inst; i++)
        out->open_orders += vs->inst[i].n_open;
    out->fills = vs->n_fills + vs->fills_dropped;
    out->ledger = vs->n_ledger + vs->ledger_dropped;
}
