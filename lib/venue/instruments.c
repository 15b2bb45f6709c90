/* instruments: the contract table and the pre-trade checks of tick, step, quantity bounds and notional.
 * Lookups are linear over a few hundred entries at most per request; a venue lists ~300-600 contracts and
 * a request does one or two lookups, which costs far less than the HTTP call it precedes. */
#include "instruments.h"

#include "base/mem.h"

#include <assert.h>
#include <string.h>

struct _instruments_t {
    instrument_t *items; /* contracts, in insertion order */
    size_t count;        /* in use */
    size_t cap;          /* allocated */
};

instruments_t *instruments_new(void)
{
    return mem_calloc(1, sizeof(instruments_t));
}

void instruments_destroy(instruments_t **self_p)
{
    assert(self_p);
    if (!*self_p)
        return;
    mem_free((*self_p)->items);
    mem_free(*self_p);
    *self_p = NULL;
}

static bool s_part_valid(const char *s, size_t n)
{
    if (n < 1 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

bool instruments_symbol_valid(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash)
        return false;
    return s_part_valid(s, (size_t) (slash - s)) && s_part_valid(slash + 1, strlen(slash + 1));
}

int instruments_add(instruments_t *self, const instrument_t *inst, err_t *err)
{
    assert(self && inst);
    if (!instruments_symbol_valid(inst->symbol))
        return err_set(err, XR_INVALID_REQUEST, "instrument symbol '%s' is not BASE/QUOTE", inst->symbol);
    if (!inst->venue_symbol[0])
        return err_set(err, XR_INVALID_REQUEST, "instrument %s has no venue symbol", inst->symbol);
    if (instruments_find(self, inst->symbol) || instruments_find_venue(self, inst->venue_symbol))
        return err_set(err, XR_INVALID_REQUEST, "instrument %s listed twice", inst->symbol);
    if (self->count == INSTRUMENTS_MAX)
        return err_set(err, XR_INVALID_REQUEST, "more than %d instruments", INSTRUMENTS_MAX);
    if (self->count == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 64;
        self->items = mem_realloc(self->items, self->cap * sizeof(instrument_t));
    }
    self->items[self->count++] = *inst;
    return 0;
}

void instruments_replace(instruments_t *self, instruments_t *other)
{
    assert(self && other);
    mem_free(self->items);
    *self = *other;
    memset(other, 0, sizeof *other);
}

size_t instruments_count(const instruments_t *self)
{
    return self->count;
}

const instrument_t *instruments_at(const instruments_t *self, size_t i)
{
    return i < self->count ? &self->items[i] : NULL;
}

const instrument_t *instruments_find(const instruments_t *self, const char *symbol)
{
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->items[i].symbol, symbol) == 0)
            return &self->items[i];
    return NULL;
}

const instrument_t *instruments_find_venue(const instruments_t *self, const char *venue_symbol)
{
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->items[i].venue_symbol, venue_symbol) == 0)
            return &self->items[i];
    return NULL;
}

/* Checks or rounds one price: on the tick, within [min, max]. */
static int s_price(const instrument_t *in, const char *field, decimal_t *p, bool round, err_t *err)
{
    char a[DECIMAL_STR_MAX], b[DECIMAL_STR_MAX];
    if (decimal_is_zero(*p))
        return 0;
    if (decimal_sign(in->tick) > 0 && !decimal_is_multiple(*p, in->tick)) {
        if (!round) {
            decimal_format(*p, a, sizeof a);
            decimal_format(in->tick, b, sizeof b);
            return err_set(err, XR_PRECISION, "%s %s is not a multiple of tick size %s", field, a, b);
        }
        if (decimal_round_to(*p, in->tick, DECIMAL_ROUND_HALF_UP, p, err) < 0)
            return -1;
    }
    if ((decimal_sign(in->min_price) > 0 && decimal_cmp(*p, in->min_price) < 0) ||
        (decimal_sign(in->max_price) > 0 && decimal_cmp(*p, in->max_price) > 0)) {
        decimal_format(*p, a, sizeof a);
        return err_set(err, XR_PRECISION, "%s %s outside the instrument's price range", field, a);
    }
    return 0;
}

static int s_quantity(const instrument_t *in, venue_order_req_t *req, err_t *err)
{
    bool market = req->type == VENUE_TYPE_MARKET || req->type == VENUE_TYPE_STOP_MARKET ||
                  req->type == VENUE_TYPE_TAKE_PROFIT_MARKET || req->type == VENUE_TYPE_TRAILING_STOP_MARKET;
    decimal_t step = market && decimal_sign(in->market_step) > 0 ? in->market_step : in->step;
    decimal_t max = market && decimal_sign(in->market_max_qty) > 0 ? in->market_max_qty : in->max_qty;
    char a[DECIMAL_STR_MAX], b[DECIMAL_STR_MAX];
    if (decimal_sign(step) > 0 && !decimal_is_multiple(req->quantity, step)) {
        if (!req->round) {
            decimal_format(req->quantity, a, sizeof a);
            decimal_format(step, b, sizeof b);
            return err_set(err, XR_PRECISION, "quantity %s is not a multiple of step size %s", a, b);
        }
        if (decimal_round_to(req->quantity, step, DECIMAL_ROUND_DOWN, &req->quantity, err) < 0)
            return -1;
    }
    decimal_format(req->quantity, a, sizeof a);
    if (decimal_sign(req->quantity) <= 0 ||
        (decimal_sign(in->min_qty) > 0 && decimal_cmp(req->quantity, in->min_qty) < 0)) {
        decimal_format(in->min_qty, b, sizeof b);
        return err_set(err, XR_PRECISION, "quantity %s below the minimum %s", a, b);
    }
    if (decimal_sign(max) > 0 && decimal_cmp(req->quantity, max) > 0) {
        decimal_format(max, b, sizeof b);
        return err_set(err, XR_PRECISION, "quantity %s above the maximum %s", a, b);
    }
    return 0;
}

int instrument_check_order(const instrument_t *inst, venue_order_req_t *req, decimal_t ref_price, err_t *err)
{
    assert(inst && req);
    if (!inst->trading)
        return err_set(err, XR_UNKNOWN_SYMBOL, "%s is not trading", inst->symbol);
    if (s_price(inst, "price", &req->price, req->round, err) < 0 ||
        s_price(inst, "stop_price", &req->stop_price, req->round, err) < 0 ||
        s_price(inst, "take_profit_price", &req->take_profit, req->round, err) < 0 ||
        s_price(inst, "stop_loss_price", &req->stop_loss, req->round, err) < 0)
        return -1;
    if (s_quantity(inst, req, err) < 0)
        return -1;
    if (req->reduce_only || decimal_sign(inst->min_notional) <= 0)
        return 0;
    decimal_t px = !decimal_is_zero(req->price) ? req->price
                   : !decimal_is_zero(req->stop_price) ? req->stop_price : ref_price;
    if (decimal_is_zero(px))
        return 0;
    decimal_t notional;
    /* Rounded down to 8 decimals: a floor below a minimum of at most 8 decimals means the exact value is too. */
    unsigned sc = (unsigned) px.scale + req->quantity.scale;
    if (decimal_mul(px, req->quantity, (uint8_t) (sc < 8 ? sc : 8), DECIMAL_ROUND_DOWN, &notional, err) < 0)
        return err_set(err, XR_INVALID_REQUEST, "price * quantity overflows");
    if (decimal_cmp(notional, inst->min_notional) < 0) {
        char a[DECIMAL_STR_MAX], b[DECIMAL_STR_MAX];
        decimal_format(notional, a, sizeof a);
        decimal_format(inst->min_notional, b, sizeof b);
        return err_set(err, XR_MIN_NOTIONAL, "notional %s below the minimum %s", a, b);
    }
    return 0;
}
