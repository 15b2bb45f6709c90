/* sim_coindcx_trading: the CoinDCX dialect's private routes: orders (create answers the order as placed,
 * status "initial"; list by status and side; cancel; edit keeps the id), positions (fixed ids per pair,
 * update_leverage with the leverage lock while a position is open, margin type, cancel-all, exit), wallet,
 * cross-margin details and trades. Shared plumbing: sim_coindcx_int.h. */
#include "sim_coindcx_int.h"

#include "base/decimal.h"
#include "base/mem.h"
#include "json/json.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------------------
 * Orders: view */

static const char *s_type_name(sim_type_t t)
{
    switch (t) {
    case SIM_TYPE_LIMIT:
        return "limit_order";
    case SIM_TYPE_MARKET:
        return "market_order";
    case SIM_TYPE_STOP:
        return "stop_limit";
    case SIM_TYPE_STOP_MARKET:
        return "stop_market";
    case SIM_TYPE_TAKE_PROFIT:
        return "take_profit_limit";
    case SIM_TYPE_TAKE_PROFIT_MARKET:
        return "take_profit_market";
    case SIM_TYPE_TRAILING_STOP_MARKET:
        return "stop_market";
    }
    return "limit_order";
}

/* The order a client sees under an id: a triggered conditional shows the state of the order it became. */
static const sim_order_t *s_exec_of(cd_ctx_t *c, const sim_order_t *o)
{
    if (o->status == SIM_ST_TRIGGERED && o->child_id > 0) {
        const sim_order_t *ch = sim_engine_order(c->st->engine, SIM_VENUE_COINDCX, c->account, o->child_id, NULL);
        if (ch)
            return ch;
    }
    return o;
}

static const char *s_status_name(const sim_order_t *x)
{
    switch (x->status) {
    case SIM_ST_NEW:
        return "open";
    case SIM_ST_PARTIALLY_FILLED:
        return "partially_filled";
    case SIM_ST_FILLED:
        return "filled";
    case SIM_ST_CANCELED:
    case SIM_ST_EXPIRED:
        return decimal_is_zero(x->filled) ? "cancelled" : "partially_cancelled";
    case SIM_ST_UNTRIGGERED:
        return "untriggered";
    case SIM_ST_TRIGGERED:
        return "open";
    case SIM_ST_REJECTED:
        return "rejected";
    }
    return "rejected";
}

/* Writes one order. as_placed: the acknowledgment of create (status "initial", nothing executed yet). */
static void s_write_order(cd_ctx_t *c, jw_t *w, const sim_order_t *o, bool as_placed)
{
    const sim_order_t *x = as_placed ? o : s_exec_of(c, o);
    const sim_engine_config_t *cfg = sim_engine_config(c->st->engine);
    char id[37];
    cd_fmt_id(o->id, CD_SALT_ORDER, id);
    decimal_t remaining = DECIMAL_ZERO, cancelled = DECIMAL_ZERO, rest;
    decimal_sub(x->qty, x->filled, &rest, NULL);
    if (as_placed || sim_status_is_open(x->status) || x->status == SIM_ST_TRIGGERED)
        remaining = as_placed ? o->qty : rest;
    else if (x->status == SIM_ST_CANCELED || x->status == SIM_ST_EXPIRED || x->status == SIM_ST_REJECTED)
        cancelled = rest;
    decimal_t price = o->price;
    if (decimal_is_zero(price) && !as_placed && !decimal_is_zero(x->filled))
        price = x->avg_price;
    if (decimal_is_zero(price) && (o->type == SIM_TYPE_MARKET || o->type == SIM_TYPE_STOP_MARKET ||
                                   o->type == SIM_TYPE_TAKE_PROFIT_MARKET)) {
        sim_ticker_t t;
        sim_engine_ticker(c->st->engine, o->inst, &t);
        price = t.last;
    }
    decimal_t margin = DECIMAL_ZERO, notional;
    if (decimal_mul(price, o->qty, 8, DECIMAL_ROUND_HALF_UP, &notional, NULL) == 0 && o->leverage > 0)
        decimal_div(notional, decimal_from_int(o->leverage), 8, DECIMAL_ROUND_UP, &margin, NULL);
    jw_object_begin(w);
    cd_kv_str(w, "id", id);
    cd_kv_str(w, "pair", o->inst->symbol);
    cd_kv_str(w, "side", o->side == SIM_SIDE_BUY ? "buy" : "sell");
    cd_kv_str(w, "status", as_placed ? "initial" : s_status_name(x));
    cd_kv_str(w, "order_type", s_type_name(o->orig_type));
    cd_kv_str(w, "stop_trigger_instruction", "last_price");
    cd_kv_str(w, "notification", "no_notification");
    cd_kv_lev(w, "leverage", o->leverage);
    cd_kv_num(w, "maker_fee", cd_pct(cfg->maker_fee));
    cd_kv_num(w, "taker_fee", cd_pct(cfg->taker_fee));
    cd_kv_num(w, "fee_amount", as_placed ? DECIMAL_ZERO : x->fee);
    cd_kv_num(w, "price", price);
    cd_kv_num(w, "stop_price", o->trigger_price);
    cd_kv_num(w, "avg_price", as_placed || decimal_is_zero(x->filled) ? DECIMAL_ZERO : x->avg_price);
    cd_kv_num(w, "total_quantity", o->qty);
    cd_kv_num(w, "remaining_quantity", remaining);
    cd_kv_num(w, "cancelled_quantity", cancelled);
    cd_kv_num(w, "ideal_margin", margin);
    cd_kv_null(w, "order_category");
    cd_kv_str(w, "stage", "default");
    cd_kv_null(w, "group_id");
    cd_kv_null(w, "liquidation_fee");
    bool isolated = sim_engine_isolated(c->st->engine, o->inst, c->account);
    cd_kv_str(w, "position_margin_type", isolated ? "isolated" : "crossed");
    cd_kv_null(w, "display_message");
    cd_kv_null(w, "group_status");
    cd_kv_null(w, "metatags");
    jw_key(w, "created_at");
    jw_int64(w, o->created_ms);
    jw_key(w, "updated_at");
    jw_int64(w, as_placed ? o->created_ms : (x->updated_ms > o->updated_ms ? x->updated_ms : o->updated_ms));
    cd_kv_str(w, "margin_currency_short_name", "USDT");
    cd_kv_num(w, "settlement_currency_conversion_price", DECIMAL_ZERO);
    if (decimal_is_zero(o->take_profit))
        cd_kv_null(w, "take_profit_price");
    else
        cd_kv_num(w, "take_profit_price", o->take_profit);
    if (decimal_is_zero(o->stop_loss))
        cd_kv_null(w, "stop_loss_price");
    else
        cd_kv_num(w, "stop_loss_price", o->stop_loss);
    jw_object_end(w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Orders: create, cancel, edit, list */

static int s_parse_type(const char *s, sim_type_t *out)
{
    static const struct {
        const char *name;
        sim_type_t type;
    } map[] = {{"market_order", SIM_TYPE_MARKET},     {"limit_order", SIM_TYPE_LIMIT},
               {"market", SIM_TYPE_MARKET},           {"limit", SIM_TYPE_LIMIT},
               {"stop_limit", SIM_TYPE_STOP},         {"stop_market", SIM_TYPE_STOP_MARKET},
               {"take_profit_limit", SIM_TYPE_TAKE_PROFIT}, {"take_profit_market", SIM_TYPE_TAKE_PROFIT_MARKET}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, s) == 0) {
            *out = map[i].type;
            return 0;
        }
    return -1;
}

static bool s_type_has_price(sim_type_t t)
{
    return t == SIM_TYPE_LIMIT || t == SIM_TYPE_STOP || t == SIM_TYPE_TAKE_PROFIT;
}

/* The trigger and band rules CoinDCX documents for create; -1 after failing the request. */
static int s_check_prices(cd_ctx_t *c, const sim_order_req_t *r)
{
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, r->inst, &t);
    bool buy = r->side == SIM_SIDE_BUY;
    bool cond = sim_type_is_conditional(r->type);
    if (cond) {
        bool stop = r->type == SIM_TYPE_STOP || r->type == SIM_TYPE_STOP_MARKET;
        int cmp = decimal_cmp(r->trigger_price, t.last);
        bool above = stop == buy; /* buy stop and sell take-profit trigger above LTP */
        if (above && cmp <= 0)
            return cd_err(c, 400, "Trigger price should be greater than the current price");
        if (!above && cmp >= 0)
            return cd_err(c, 400, "Trigger price should be less than the current price");
        if (r->type == SIM_TYPE_STOP || r->type == SIM_TYPE_TAKE_PROFIT) {
            int lc = decimal_cmp(r->price, r->trigger_price);
            if (buy && r->type == SIM_TYPE_STOP && lc <= 0)
                return cd_err(c, 400, "Limit price should be greater than the trigger price");
            if (!buy && r->type == SIM_TYPE_STOP && lc >= 0)
                return cd_err(c, 400, "Limit price should be less than the trigger price");
        }
    }
    if (r->type == SIM_TYPE_LIMIT) {
        /* limit price band around LTP: buy <= LTP*(1+up%), sell >= LTP*(1-down%) */
        decimal_t f, bound;
        char b[DECIMAL_STR_MAX];
        decimal_t pct;
        decimal_div(decimal_from_int(CD_BAND_PCT), decimal_from_int(100), 4, DECIMAL_ROUND_DOWN, &pct, NULL);
        decimal_add(decimal_from_int(1), buy ? pct : decimal_neg(pct), &f, NULL);
        if (decimal_mul(t.last, f, r->inst->price_precision, buy ? DECIMAL_ROUND_FLOOR : DECIMAL_ROUND_CEIL, &bound,
                        NULL) == 0) {
            decimal_format(bound, b, sizeof b);
            if (buy && decimal_cmp(r->price, bound) > 0)
                return cd_err(c, 400, "Please enter a value lower than %s", b);
            if (!buy && decimal_cmp(r->price, bound) < 0)
                return cd_err(c, 400, "Please enter a value higher than %s", b);
        }
    }
    return 0;
}

/* Reads the "order" object of create into r; -1 after failing the request. */
static int s_read_order(cd_ctx_t *c, const json_t *o, sim_order_req_t *r)
{
    char side[8], pair[32], type[24], tif[24], note[32], mtype[16];
    int64_t lev = 0;
    if (cd_need_str(c, o, "side", side, sizeof side) < 0 || cd_need_str(c, o, "pair", pair, sizeof pair) < 0 ||
        cd_need_str(c, o, "order_type", type, sizeof type) < 0)
        return -1;
    if (strcmp(side, "buy") == 0)
        r->side = SIM_SIDE_BUY;
    else if (strcmp(side, "sell") == 0)
        r->side = SIM_SIDE_SELL;
    else
        return cd_err(c, 400, "side does not have a valid value");
    r->inst = cd_pair(c, pair);
    if (!r->inst)
        return cd_err(c, 400, "pair does not have a valid value");
    if (s_parse_type(type, &r->type) < 0)
        return cd_err(c, 400, "order_type does not have a valid value");
    int rq = cd_dec(c, o, "total_quantity", &r->qty);
    if (rq < 0)
        return -1;
    if (rq == 0)
        return cd_err(c, 400, "total_quantity is missing");
    if (decimal_cmp(r->qty, r->inst->min_qty) < 0) {
        char t[DECIMAL_STR_MAX];
        decimal_format(r->inst->min_qty, t, sizeof t);
        return cd_err(c, 422, "Quantity should be greater than %s", t);
    }
    int rp = cd_dec(c, o, "price", &r->price), rs = cd_dec(c, o, "stop_price", &r->trigger_price);
    if (rp < 0 || rs < 0)
        return -1;
    if (s_type_has_price(r->type) && (rp == 0 || decimal_is_zero(r->price)))
        return cd_err(c, 422, "Price can't be empty for %s Order", s_type_name(r->type));
    if (!s_type_has_price(r->type))
        r->price = DECIMAL_ZERO; /* a market order's price is informational */
    if (sim_type_is_conditional(r->type) && (rs == 0 || decimal_is_zero(r->trigger_price)))
        return cd_err(c, 400, "stop_price is missing");
    if (!sim_type_is_conditional(r->type))
        r->trigger_price = DECIMAL_ZERO;
    int rt = cd_str(c, o, "time_in_force", tif, sizeof tif);
    int rn = cd_str(c, o, "notification", note, sizeof note);
    int rm = cd_str(c, o, "position_margin_type", mtype, sizeof mtype);
    int rl = cd_int(c, o, "leverage", &lev);
    if (rt < 0 || rn < 0 || rm < 0 || rl < 0 || cd_margin_currency(c, o) < 0)
        return -1;
    bool market = !s_type_has_price(r->type);
    if (rt > 0 && market)
        return cd_err(c, 400, "time_in_force should not be sent for market orders");
    r->tif = SIM_TIF_GTC;
    if (rt > 0) {
        if (strcmp(tif, "good_till_cancel") == 0)
            r->tif = SIM_TIF_GTC;
        else if (strcmp(tif, "immediate_or_cancel") == 0)
            r->tif = SIM_TIF_IOC;
        else if (strcmp(tif, "fill_or_kill") == 0)
            r->tif = SIM_TIF_FOK;
        else
            return cd_err(c, 400, "time_in_force does not have a valid value");
    }
    if (rn > 0 && strcmp(note, "no_notification") != 0 && strcmp(note, "email_notification") != 0 &&
        strcmp(note, "push_notification") != 0)
        return cd_err(c, 400, "notification does not have a valid value");
    if (rm > 0 && strcmp(mtype, "isolated") != 0 && strcmp(mtype, "crossed") != 0)
        return cd_err(c, 400, "position_margin_type does not have a valid value");
    if (rl > 0 && lev != sim_engine_leverage(c->st->engine, r->inst, c->account))
        return cd_err(c, 422, "Order leverage must be equal to position leverage");
    int rtp = cd_dec(c, o, "take_profit_price", &r->take_profit), rsl = cd_dec(c, o, "stop_loss_price", &r->stop_loss);
    if (rtp < 0 || rsl < 0)
        return -1;
    if ((rtp > 0 || rsl > 0) && r->type != SIM_TYPE_MARKET && r->type != SIM_TYPE_LIMIT)
        return cd_err(c, 400,
                      "take_profit_price and stop_loss_price are only allowed for market_order and limit_order");
    if (decimal_sign(r->take_profit) < 0 || decimal_sign(r->stop_loss) < 0)
        return cd_err(c, 400, "take_profit_price or stop_loss_price is invalid");
    return 0;
}

void cd_orders_create(cd_ctx_t *c)
{
    const json_t *o = json_get(c->body, "order");
    if (!o || json_kind(o) != JSON_OBJECT) {
        cd_err(c, 400, "order is missing");
        return;
    }
    sim_order_req_t r;
    memset(&r, 0, sizeof r);
    if (s_read_order(c, o, &r) < 0 || s_check_prices(c, &r) < 0)
        return;
    r.venue = SIM_VENUE_COINDCX;
    r.account = c->account;
    r.pos_side = SIM_POS_BOTH;
    r.now_ms = c->now;
    const sim_order_t *out = NULL;
    sim_result_t res = sim_engine_place(c->st->engine, &r, &out);
    if (res != SIM_OK) {
        cd_fail_engine(c, res, &r);
        return;
    }
    jw_t w;
    cd_begin(c, &w);
    jw_array_begin(&w);
    s_write_order(c, &w, out, true);
    jw_array_end(&w);
    cd_end(c, &w);
}

/* The order named by body "id"; NULL after failing the request. */
static const sim_order_t *s_order_by_body_id(cd_ctx_t *c)
{
    char ids[64];
    if (cd_need_str(c, c->body, "id", ids, sizeof ids) < 0)
        return NULL;
    int64_t id = cd_parse_id(ids, strlen(ids), CD_SALT_ORDER);
    const sim_order_t *o = id ? sim_engine_order(c->st->engine, SIM_VENUE_COINDCX, c->account, id, NULL) : NULL;
    if (!o || o->parent_id > 0) {
        cd_err(c, 404, "Order not found");
        return NULL;
    }
    return o;
}

void cd_orders_cancel(cd_ctx_t *c)
{
    const sim_order_t *o = s_order_by_body_id(c);
    if (!o)
        return;
    int64_t target = o->status == SIM_ST_TRIGGERED && o->child_id > 0 ? o->child_id : o->id;
    sim_result_t r = sim_engine_cancel(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, target, NULL, c->now, NULL);
    if (r != SIM_OK) {
        cd_fail_engine(c, r, NULL);
        return;
    }
    cd_success(c);
}

void cd_orders_edit(cd_ctx_t *c)
{
    const sim_order_t *o = s_order_by_body_id(c);
    if (!o)
        return;
    decimal_t qty, price, tp = DECIMAL_ZERO, sl = DECIMAL_ZERO;
    int rq = cd_dec(c, c->body, "total_quantity", &qty);
    if (rq < 0)
        return;
    int rp = cd_dec(c, c->body, "price", &price);
    if (rp < 0)
        return;
    if (rq == 0) {
        cd_err(c, 400, "total_quantity is missing");
        return;
    }
    if (rp == 0) {
        cd_err(c, 400, "price is missing");
        return;
    }
    int rtp = cd_dec(c, c->body, "take_profit_price", &tp), rsl = cd_dec(c, c->body, "stop_loss_price", &sl);
    if (rtp < 0 || rsl < 0)
        return;
    if ((rtp > 0 && !decimal_eq(tp, o->take_profit)) || (rsl > 0 && !decimal_eq(sl, o->stop_loss))) {
        cd_err(c, 422, "Changing take_profit_price or stop_loss_price on edit is not supported by the simulator");
        return;
    }
    if (!sim_status_is_open(o->status)) {
        cd_err(c, 422, "Only open orders can be edited");
        return;
    }
    if (o->type != SIM_TYPE_LIMIT) {
        cd_err(c, 422, "Only limit orders can be edited");
        return;
    }
    sim_order_req_t rq2;
    memset(&rq2, 0, sizeof rq2);
    rq2.inst = o->inst;
    rq2.side = o->side;
    rq2.type = o->type;
    rq2.price = price;
    rq2.qty = qty;
    if (s_check_prices(c, &rq2) < 0)
        return;
    const sim_order_t *out = NULL;
    sim_result_t r = sim_engine_amend(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, o->id, NULL, qty, price,
                                      DECIMAL_ZERO, c->now, &out);
    if (r != SIM_OK) {
        cd_fail_engine(c, r, &rq2);
        return;
    }
    jw_t w;
    cd_begin(c, &w);
    jw_array_begin(&w);
    s_write_order(c, &w, out ? out : o, false);
    jw_array_end(&w);
    cd_end(c, &w);
}

typedef struct {
    cd_ctx_t *c;                              /* request */
    const sim_order_t *list[CD_LIST_MAX];     /* matches, oldest first */
    size_t n;                                 /* count */
    sim_side_t side;                          /* side filter */
    unsigned status_mask;                     /* bit per CoinDCX status name index */
} cd_gather_t;

static const char *const s_status_names[] = {"open", "partially_filled", "filled", "cancelled", "partially_cancelled",
                                             "rejected", "untriggered", "initial"};

static unsigned s_status_bit(const char *name)
{
    for (size_t i = 0; i < sizeof s_status_names / sizeof s_status_names[0]; i++)
        if (strcmp(s_status_names[i], name) == 0)
            return 1u << i;
    return 0;
}

static int s_gather_cb(const sim_order_t *o, void *ctx)
{
    cd_gather_t *g = ctx;
    if (o->parent_id > 0 || o->side != g->side)
        return 0;
    unsigned bit = s_status_bit(s_status_name(s_exec_of(g->c, o)));
    if (!(g->status_mask & bit))
        return 0;
    if (g->n == CD_LIST_MAX) {
        memmove(g->list, g->list + 1, (CD_LIST_MAX - 1) * sizeof g->list[0]);
        g->n--;
    }
    g->list[g->n++] = o;
    return 0;
}

/* "open,partially_filled" (also upper case) -> mask; 0 after failing the request. */
static unsigned s_status_mask(cd_ctx_t *c, const char *text)
{
    unsigned mask = 0;
    char word[32];
    size_t n = 0;
    for (const char *p = text;; p++) {
        if (*p == ',' || *p == '\0') {
            while (n > 0 && word[n - 1] == ' ')
                n--;
            word[n] = '\0';
            for (size_t i = 0; i < n; i++)
                word[i] = (char)tolower((unsigned char)word[i]);
            if (strcmp(word, "canceled") == 0)
                memcpy(word, "cancelled", sizeof "cancelled");
            unsigned bit = s_status_bit(word);
            if (!bit) {
                cd_err(c, 400, "status does not have a valid value");
                return 0;
            }
            if (bit == s_status_bit("initial"))
                bit = s_status_bit("open");
            mask |= bit;
            n = 0;
            if (*p == '\0')
                break;
            continue;
        }
        if (*p == ' ' && n == 0)
            continue;
        if (n + 1 >= sizeof word) {
            cd_err(c, 400, "status does not have a valid value");
            return 0;
        }
        word[n++] = *p;
    }
    return mask;
}

void cd_orders_list(cd_ctx_t *c)
{
    char status[256], side[8];
    int64_t page, size;
    if (cd_need_str(c, c->body, "status", status, sizeof status) < 0 ||
        cd_need_str(c, c->body, "side", side, sizeof side) < 0 ||
        cd_paging(c, c->body, true, &page, &size) < 0 || cd_margin_currency(c, c->body) < 0)
        return;
    cd_gather_t *g = mem_calloc(1, sizeof *g);
    g->c = c;
    if (strcmp(side, "buy") == 0)
        g->side = SIM_SIDE_BUY;
    else if (strcmp(side, "sell") == 0)
        g->side = SIM_SIDE_SELL;
    else {
        cd_err(c, 400, "side does not have a valid value");
        mem_free(g);
        return;
    }
    g->status_mask = s_status_mask(c, status);
    if (g->status_mask == 0) {
        mem_free(g);
        return;
    }
    sim_engine_orders(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, -1, 0, s_gather_cb, g);
    jw_t w;
    cd_begin(c, &w);
    jw_array_begin(&w);
    int64_t skip = (page - 1) * size, shown = 0;
    for (size_t i = g->n; i-- > 0 && shown < size;) {
        if (skip > 0) {
            skip--;
            continue;
        }
        s_write_order(c, &w, g->list[i], false);
        shown++;
    }
    jw_array_end(&w);
    mem_free(g);
    cd_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Positions */

typedef struct {
    decimal_t buy_open, sell_open, order_margin; /* open (non-conditional) orders of one pair */
} cd_open_t;

static int s_open_cb(const sim_order_t *o, void *ctx)
{
    cd_open_t *s = ctx;
    decimal_t rest, notional, margin;
    if (decimal_sub(o->qty, o->filled, &rest, NULL) < 0)
        return 0;
    if (o->side == SIM_SIDE_BUY)
        decimal_add(s->buy_open, rest, &s->buy_open, NULL);
    else
        decimal_add(s->sell_open, rest, &s->sell_open, NULL);
    if (o->leverage > 0 && decimal_mul(rest, o->price, 8, DECIMAL_ROUND_HALF_UP, &notional, NULL) == 0 &&
        decimal_div(notional, decimal_from_int(o->leverage), 8, DECIMAL_ROUND_UP, &margin, NULL) == 0)
        decimal_add(s->order_margin, margin, &s->order_margin, NULL);
    return 0;
}

static void s_write_position(cd_ctx_t *c, jw_t *w, const sim_instrument_t *in)
{
    const sim_position_t *p = sim_engine_position(c->st->engine, in, c->account, SIM_POS_BOTH);
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, in, &t);
    cd_open_t open;
    memset(&open, 0, sizeof open);
    sim_engine_open_orders(c->st->engine, SIM_VENUE_COINDCX, c->account, in, 0, s_open_cb, &open);
    bool active = p && !decimal_is_zero(p->qty);
    decimal_t margin = active ? sim_engine_position_margin(c->st->engine, p) : DECIMAL_ZERO;
    char id[37];
    cd_fmt_id(cd_pos_number(c->account, in->index), CD_SALT_POS, id);
    jw_object_begin(w);
    cd_kv_str(w, "id", id);
    cd_kv_str(w, "pair", in->symbol);
    cd_kv_num(w, "active_pos", active ? p->qty : DECIMAL_ZERO);
    cd_kv_num(w, "inactive_pos_buy", open.buy_open);
    cd_kv_num(w, "inactive_pos_sell", open.sell_open);
    cd_kv_num(w, "avg_price", active ? p->entry_price : DECIMAL_ZERO);
    cd_kv_num(w, "liquidation_price", DECIMAL_ZERO);
    cd_kv_num(w, "locked_margin", margin);
    cd_kv_num(w, "locked_user_margin", margin);
    cd_kv_num(w, "locked_order_margin", open.order_margin);
    cd_kv_null(w, "take_profit_trigger");
    cd_kv_null(w, "stop_loss_trigger");
    cd_kv_lev(w, "leverage", sim_engine_leverage(c->st->engine, in, c->account));
    cd_kv_num(w, "maintenance_margin", DECIMAL_ZERO);
    cd_kv_num(w, "mark_price", t.mark);
    cd_kv_str(w, "margin_type", sim_engine_isolated(c->st->engine, in, c->account) ? "isolated" : "crossed");
    cd_kv_num(w, "settlement_currency_avg_price", DECIMAL_ZERO);
    cd_kv_str(w, "margin_currency_short_name", "USDT");
    jw_key(w, "updated_at");
    jw_int64(w, p && p->update_ms ? p->update_ms : c->now);
    jw_object_end(w);
}

/* Instrument of a position id (fixed per account and pair); NULL if not this account's. */
static const sim_instrument_t *s_position_inst(cd_ctx_t *c, const char *id)
{
    int64_t n = cd_parse_id(id, strlen(id), CD_SALT_POS);
    if (n <= 0 || (n >> 16) != c->account + 1)
        return NULL;
    return sim_engine_instrument_at(c->st->engine, SIM_VENUE_COINDCX, (size_t)((n & 0xffff) - 1));
}

/* Comma list of pairs or position ids -> selection bitmap over instruments; -1 after failing. */
static int s_select(cd_ctx_t *c, const char *list, bool ids, bool *sel, size_t count)
{
    char item[64];
    size_t n = 0;
    for (const char *p = list;; p++) {
        if (*p == ',' || *p == '\0') {
            item[n] = '\0';
            if (n > 0) {
                const sim_instrument_t *in = ids ? s_position_inst(c, item) : cd_pair(c, item);
                if (!in || (size_t)in->index >= count)
                    return cd_err(c, 404, ids ? "Position not found" : "pairs does not have a valid value");
                sel[in->index] = true;
            }
            n = 0;
            if (*p == '\0')
                return 0;
            continue;
        }
        if (*p == ' ')
            continue;
        if (n + 1 >= sizeof item)
            return cd_err(c, 400, "pairs does not have a valid value");
        item[n++] = *p;
    }
}

typedef struct {
    bool touched[64]; /* instruments with a position record */
} cd_touched_t;

static int s_touched_cb(const sim_position_t *p, void *ctx)
{
    cd_touched_t *t = ctx;
    if (p->inst->index >= 0 && p->inst->index < 64)
        t->touched[p->inst->index] = true;
    return 0;
}

void cd_positions(cd_ctx_t *c)
{
    char pairs[1024], pos_ids[2048];
    int64_t page, size;
    if (cd_paging(c, c->body, false, &page, &size) < 0 || cd_margin_currency(c, c->body) < 0)
        return;
    int rp = cd_str(c, c->body, "pairs", pairs, sizeof pairs);
    int ri = cd_str(c, c->body, "position_ids", pos_ids, sizeof pos_ids);
    if (rp < 0 || ri < 0)
        return;
    size_t count = sim_engine_instrument_count(c->st->engine, SIM_VENUE_COINDCX);
    bool sel[64] = {false};
    if (count > 64)
        count = 64;
    if (rp > 0 && s_select(c, pairs, false, sel, count) < 0)
        return;
    if (ri > 0 && s_select(c, pos_ids, true, sel, count) < 0)
        return;
    if (rp == 0 && ri == 0) {
        /* every pair the account has traded, flat or not */
        cd_touched_t t;
        memset(&t, 0, sizeof t);
        sim_engine_positions(c->st->engine, SIM_VENUE_COINDCX, c->account, true, s_touched_cb, &t);
        memcpy(sel, t.touched, sizeof sel);
    }
    jw_t w;
    cd_begin(c, &w);
    jw_array_begin(&w);
    int64_t skip = (page - 1) * size, shown = 0;
    for (size_t i = 0; i < count && shown < size; i++) {
        if (!sel[i])
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        s_write_position(c, &w, sim_engine_instrument_at(c->st->engine, SIM_VENUE_COINDCX, i));
        shown++;
    }
    jw_array_end(&w);
    cd_end(c, &w);
}

/* Pair from body "pair" or position "id"; NULL after failing the request. */
static const sim_instrument_t *s_pair_or_position(cd_ctx_t *c, bool allow_pair)
{
    char pair[32], id[64];
    int rp = allow_pair ? cd_str(c, c->body, "pair", pair, sizeof pair) : 0;
    int ri = cd_str(c, c->body, "id", id, sizeof id);
    if (rp < 0 || ri < 0)
        return NULL;
    if (rp > 0) {
        const sim_instrument_t *in = cd_pair(c, pair);
        if (!in)
            cd_err(c, 400, "pair does not have a valid value");
        return in;
    }
    if (ri > 0) {
        const sim_instrument_t *in = s_position_inst(c, id);
        if (!in)
            cd_err(c, 404, "Position not found");
        return in;
    }
    cd_err(c, 400, allow_pair ? "pair or id is missing" : "id is missing");
    return NULL;
}

void cd_update_leverage(cd_ctx_t *c)
{
    int64_t lev;
    int rl = cd_int(c, c->body, "leverage", &lev);
    if (rl < 0)
        return;
    if (rl == 0) {
        cd_err(c, 400, "leverage is missing");
        return;
    }
    if (cd_margin_currency(c, c->body) < 0)
        return;
    const sim_instrument_t *in = s_pair_or_position(c, true);
    if (!in)
        return;
    if (lev < 1) {
        cd_err(c, 400, "Leverage cannot be less than 1x");
        return;
    }
    if (lev > in->max_leverage) {
        cd_err(c, 400, "Max allowed leverage for current position size = %dx", in->max_leverage);
        return;
    }
    const sim_position_t *p = sim_engine_position(c->st->engine, in, c->account, SIM_POS_BOTH);
    if (p && !decimal_is_zero(p->qty) && lev != sim_engine_leverage(c->st->engine, in, c->account)) {
        cd_err(c, 422, "Leverage cannot be changed while a position is open");
        return;
    }
    sim_result_t r = sim_engine_set_leverage(c->st->engine, in, c->account, (int)lev);
    if (r != SIM_OK) {
        cd_fail_engine(c, r, NULL);
        return;
    }
    cd_success(c);
}

void cd_margin_type(cd_ctx_t *c)
{
    char mt[16];
    if (cd_need_str(c, c->body, "margin_type", mt, sizeof mt) < 0)
        return;
    const sim_instrument_t *in = s_pair_or_position(c, true);
    if (!in)
        return;
    if (strcmp(mt, "isolated") != 0 && strcmp(mt, "crossed") != 0) {
        cd_err(c, 400, "margin_type does not have a valid value");
        return;
    }
    const sim_position_t *p = sim_engine_position(c->st->engine, in, c->account, SIM_POS_BOTH);
    if (p && !decimal_is_zero(p->qty)) {
        cd_err(c, 422, "Margin type cannot be changed while a position is open");
        return;
    }
    sim_engine_set_isolated(c->st->engine, in, c->account, mt[0] == 'i');
    jw_t w;
    cd_begin(c, &w);
    jw_array_begin(&w);
    s_write_position(c, &w, in);
    jw_array_end(&w);
    cd_end(c, &w);
}

void cd_cancel_all(cd_ctx_t *c)
{
    if (cd_margin_currency(c, c->body) < 0)
        return;
    sim_engine_cancel_all(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, false, c->now);
    sim_engine_cancel_all(c->st->engine, SIM_VENUE_COINDCX, c->account, NULL, true, c->now);
    cd_success(c);
}

void cd_cancel_all_for_position(cd_ctx_t *c)
{
    const sim_instrument_t *in = s_pair_or_position(c, false);
    if (!in)
        return;
    sim_engine_cancel_all(c->st->engine, SIM_VENUE_COINDCX, c->account, in, false, c->now);
    sim_engine_cancel_all(c->st->engine, SIM_VENUE_COINDCX, c->account, in, true, c->now);
    cd_success(c);
}

void cd_exit(cd_ctx_t *c)
{
    const sim_instrument_t *in = s_pair_or_position(c, false);
    if (!in)
        return;
    const sim_position_t *p = sim_engine_position(c->st->engine, in, c->account, SIM_POS_BOTH);
    if (!p || decimal_is_zero(p->qty)) {
        cd_err(c, 422, "Position is not active");
        return;
    }
    sim_order_req_t r;
    memset(&r, 0, sizeof r);
    r.venue = SIM_VENUE_COINDCX;
    r.account = c->account;
    r.inst = in;
    r.side = decimal_sign(p->qty) > 0 ? SIM_SIDE_SELL : SIM_SIDE_BUY;
    r.type = SIM_TYPE_MARKET;
    r.tif = SIM_TIF_IOC;
    r.pos_side = SIM_POS_BOTH;
    r.qty = decimal_abs(p->qty);
    r.reduce_only = true;
    r.cap_reduce_only = true;
    r.now_ms = c->now;
    const sim_order_t *o = NULL;
    sim_result_t res = sim_engine_place(c->st->engine, &r, &o);
    if (res != SIM_OK) {
        cd_fail_engine(c, res, &r);
        return;
    }
    char group[80], hex[37];
    cd_fmt_id(o->id, CD_SALT_ORDER, hex);
    snprintf(group, sizeof group, "%.8s%s%" PRId64, hex, in->symbol, c->now / 1000);
    jw_t w;
    cd_begin(c, &w);
    jw_object_begin(&w);
    cd_kv_str(&w, "message", "success");
    jw_key(&w, "status");
    jw_int64(&w, 200);
    jw_key(&w, "code");
    jw_int64(&w, 200);
    jw_key(&w, "data");
    jw_object_begin(&w);
    cd_kv_str(&w, "group_id", group);
    jw_object_end(&w);
    jw_object_end(&w);
    cd_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Wallet, trades */

void cd_wallets(cd_ctx_t *c)
{
    sim_balance_t b;
    if (sim_engine_balance(c->st->engine, SIM_VENUE_COINDCX, c->account, &b) < 0) {
        cd_err(c, 401, "Invalid credentials");
        return;
    }
    char id[37];
    cd_fmt_id(c->account + 1, CD_SALT_WALLET, id);
    jw_t w;
    cd_begin(c, &w);
    jw_array_begin(&w);
    jw_object_begin(&w);
    cd_kv_str(&w, "id", id);
    cd_kv_str(&w, "currency_short_name", "USDT");
    cd_kv_dec_string(&w, "balance", b.wallet);
    cd_kv_dec_string(&w, "locked_balance", DECIMAL_ZERO);
    cd_kv_dec_string(&w, "cross_order_margin", b.order_margin);
    cd_kv_dec_string(&w, "cross_user_margin", b.position_margin);
    jw_object_end(&w);
    jw_array_end(&w);
    cd_end(c, &w);
}

void cd_cross_margin_details(cd_ctx_t *c)
{
    sim_balance_t b;
    if (sim_engine_balance(c->st->engine, SIM_VENUE_COINDCX, c->account, &b) < 0) {
        cd_err(c, 401, "Invalid credentials");
        return;
    }
    decimal_t equity, im, avail = decimal_sign(b.available) > 0 ? b.available : DECIMAL_ZERO;
    decimal_add(b.wallet, b.unrealized, &equity, NULL);
    decimal_add(b.position_margin, b.order_margin, &im, NULL);
    jw_t w;
    cd_begin(c, &w);
    jw_object_begin(&w);
    cd_kv_num(&w, "pnl", b.unrealized);
    cd_kv_num(&w, "maintenance_margin", DECIMAL_ZERO);
    cd_kv_num(&w, "available_wallet_balance", b.wallet);
    cd_kv_num(&w, "total_wallet_balance", b.wallet);
    cd_kv_num(&w, "total_initial_margin", im);
    cd_kv_num(&w, "total_initial_margin_isolated", DECIMAL_ZERO);
    cd_kv_num(&w, "total_initial_margin_crossed", b.position_margin);
    cd_kv_num(&w, "total_open_order_initial_margin_crossed", b.order_margin);
    cd_kv_num(&w, "available_balance_cross", avail);
    cd_kv_num(&w, "available_balance_isolated", avail);
    cd_kv_num(&w, "margin_ratio_cross", DECIMAL_ZERO);
    cd_kv_num(&w, "withdrawable_balance", avail);
    cd_kv_num(&w, "total_account_equity", equity);
    jw_key(&w, "updated_at");
    jw_int64(&w, b.update_ms ? b.update_ms : c->now);
    jw_object_end(&w);
    cd_end(c, &w);
}

/* "YYYY-MM-DD" -> ms at 00:00 UTC; -1 if malformed. */
static int64_t s_parse_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31 ||
        y < 1970 || y > 9999)
        return -1;
    /* days from civil (Howard Hinnant) */
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400000LL;
}

typedef struct {
    sim_fill_t list[CD_LIST_MAX];   /* fills, oldest first */
    size_t n;                       /* count */
} cd_fills_t;

static int s_fill_cb(const sim_fill_t *f, void *ctx)
{
    cd_fills_t *g = ctx;
    if (g->n == CD_LIST_MAX) {
        memmove(g->list, g->list + 1, (CD_LIST_MAX - 1) * sizeof g->list[0]);
        g->n--;
    }
    g->list[g->n++] = *f;
    return 0;
}

void cd_trades(cd_ctx_t *c)
{
    char pair[32], from[16], to[16], oid[64];
    int64_t page, size;
    if (cd_need_str(c, c->body, "pair", pair, sizeof pair) < 0 ||
        cd_need_str(c, c->body, "from_date", from, sizeof from) < 0 ||
        cd_need_str(c, c->body, "to_date", to, sizeof to) < 0 || cd_paging(c, c->body, true, &page, &size) < 0 ||
        cd_margin_currency(c, c->body) < 0)
        return;
    int ro = cd_str(c, c->body, "order_id", oid, sizeof oid);
    if (ro < 0)
        return;
    const sim_instrument_t *in = cd_pair(c, pair);
    if (!in) {
        cd_err(c, 400, "pair does not have a valid value");
        return;
    }
    int64_t f = s_parse_date(from), t = s_parse_date(to);
    if (f < 0 || t < 0 || t < f) {
        cd_err(c, 400, "from_date or to_date does not have a valid value");
        return;
    }
    sim_fill_query_t q;
    memset(&q, 0, sizeof q);
    q.inst = in;
    q.start_ms = f;
    q.end_ms = t + 86400000LL - 1;
    cd_fills_t *g = mem_calloc(1, sizeof *g);
    bool none = false;
    if (ro > 0) {
        int64_t id = cd_parse_id(oid, strlen(oid), CD_SALT_ORDER);
        const sim_order_t *o = id ? sim_engine_order(c->st->engine, SIM_VENUE_COINDCX, c->account, id, NULL) : NULL;
        if (!o)
            none = true;
        else
            q.order_id = o->status == SIM_ST_TRIGGERED && o->child_id > 0 ? o->child_id : o->id;
    }
    if (!none)
        sim_engine_fills(c->st->engine, SIM_VENUE_COINDCX, c->account, &q, s_fill_cb, g);
    jw_t w;
    cd_begin(c, &w);
    jw_array_begin(&w);
    int64_t skip = (page - 1) * size, shown = 0;
    for (size_t i = g->n; i-- > 0 && shown < size;) {
        if (skip > 0) {
            skip--;
            continue;
        }
        const sim_fill_t *fl = &g->list[i];
        const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_COINDCX, c->account, fl->order_id, NULL);
        int64_t shown_id = o && o->parent_id > 0 ? o->parent_id : fl->order_id;
        char id[37];
        cd_fmt_id(shown_id, CD_SALT_ORDER, id);
        jw_object_begin(&w);
        cd_kv_num(&w, "price", fl->price);
        cd_kv_num(&w, "quantity", fl->qty);
        jw_key(&w, "is_maker");
        jw_bool(&w, fl->maker);
        cd_kv_num(&w, "fee_amount", fl->fee);
        cd_kv_str(&w, "pair", in->symbol);
        cd_kv_str(&w, "side", fl->side == SIM_SIDE_BUY ? "buy" : "sell");
        jw_key(&w, "timestamp");
        jw_int64(&w, fl->time_ms);
        cd_kv_str(&w, "order_id", id);
        cd_kv_num(&w, "settlement_currency_conversion_price", DECIMAL_ZERO);
        cd_kv_str(&w, "margin_currency_short_name", "USDT");
        jw_object_end(&w);
        shown++;
    }
    jw_array_end(&w);
    mem_free(g);
    cd_end(c, &w);
}
