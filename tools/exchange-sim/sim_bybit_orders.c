/* sim_bybit_orders: the Bybit dialect's order and execution routes (create, amend, cancel, cancel-all,
 * realtime, history, execution/list). A conditional order keeps one orderId for its whole life: once the
 * engine triggers it, the parent is shown with the execution state of the order it became and the child is
 * hidden from lists; fills of the child are reported under the parent. Shared plumbing: sim_bybit_int.h. */
#include "sim_bybit_int.h"

#include "base/decimal.h"
#include "base/mem.h"
#include "json/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------------------
 * Orders: views */

/* Bybit shows one order per orderId over a conditional's whole life: a TRIGGERED parent is shown with its
 * child's execution state. */
typedef struct {
    const sim_order_t *o;      /* the order as the client knows it (parent for triggered conditionals) */
    const sim_order_t *exec;   /* where execution state comes from (the child, or o) */
} by_view_t;

static by_view_t s_view(by_ctx_t *c, const sim_order_t *o)
{
    by_view_t v = {o, o};
    if (o->status == SIM_ST_TRIGGERED && o->child_id > 0) {
        const sim_order_t *ch = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, o->child_id, NULL);
        if (ch)
            v.exec = ch;
    }
    return v;
}

static const char *s_status_name(const sim_order_t *o)
{
    switch (o->status) {
    case SIM_ST_NEW:
        return "New";
    case SIM_ST_PARTIALLY_FILLED:
        return "PartiallyFilled";
    case SIM_ST_FILLED:
        return "Filled";
    case SIM_ST_CANCELED:
    case SIM_ST_EXPIRED:
        return "Cancelled";
    case SIM_ST_UNTRIGGERED:
        return "Untriggered";
    case SIM_ST_TRIGGERED:
        return "Triggered";
    case SIM_ST_REJECTED:
        return "Rejected";
    }
    return "Rejected";
}

static bool s_type_is_market(sim_type_t t)
{
    return t == SIM_TYPE_MARKET || t == SIM_TYPE_STOP_MARKET || t == SIM_TYPE_TAKE_PROFIT_MARKET ||
           t == SIM_TYPE_TRAILING_STOP_MARKET;
}

/* 1 = rises to trigger, 2 = falls to it, 0 = not conditional. */
static int s_trigger_direction(const sim_order_t *o)
{
    if (!sim_type_is_conditional(o->orig_type))
        return 0;
    bool stop = o->orig_type == SIM_TYPE_STOP || o->orig_type == SIM_TYPE_STOP_MARKET ||
                o->orig_type == SIM_TYPE_TRAILING_STOP_MARKET;
    return (o->side == SIM_SIDE_BUY) == stop ? 1 : 2;
}

/* The client's orderLinkId: "" for ids the engine generated ("sim-<id>"). */
static const char *s_link_id(const sim_order_t *o, char *buf, size_t cap)
{
    snprintf(buf, cap, "sim-%" PRId64, o->id);
    return strcmp(buf, o->client_id) == 0 ? "" : o->client_id;
}

static void s_write_order(by_ctx_t *c, jw_t *w, const sim_order_t *order)
{
    by_view_t v = s_view(c, order);
    const sim_order_t *o = v.o, *x = v.exec;
    const sim_instrument_t *in = o->inst;
    uint8_t pp = in->price_precision, qp = in->qty_precision;
    char id[37], lb[40], fee[DECIMAL_STR_MAX];
    by_fmt_id(o->id, BY_ID_SALT_ORDER, id);
    const char *status = x == o ? s_status_name(o) : s_status_name(x);
    decimal_t leaves = DECIMAL_ZERO, leaves_value = DECIMAL_ZERO;
    if (sim_status_is_open(x->status)) {
        decimal_sub(x->qty, x->filled, &leaves, NULL);
        decimal_mul(leaves, x->price, 8, DECIMAL_ROUND_HALF_UP, &leaves_value, NULL);
    }
    bool cancelled = x->status == SIM_ST_CANCELED || x->status == SIM_ST_EXPIRED;
    jw_object_begin(w);
    by_kv_str(w, "orderId", id);
    by_kv_str(w, "orderLinkId", s_link_id(o, lb, sizeof lb));
    by_kv_str(w, "blockTradeId", "");
    by_kv_str(w, "symbol", in->symbol);
    by_kv_fixed(w, "price", o->price, pp);
    by_kv_fixed(w, "qty", o->qty, qp);
    by_kv_str(w, "side", o->side == SIM_SIDE_BUY ? "Buy" : "Sell");
    by_kv_str(w, "isLeverage", "");
    by_kv_int(w, "positionIdx", 0);
    by_kv_str(w, "orderStatus", status);
    by_kv_str(w, "createType", "CreateByUser");
    by_kv_str(w, "cancelType", cancelled ? (x->status == SIM_ST_EXPIRED ? "CancelByIOC" : "CancelByUser") : "UNKNOWN");
    by_kv_str(w, "rejectReason", "EC_NoError");
    jw_key(w, "avgPrice");
    if (decimal_is_zero(x->filled))
        jw_string(w, "");
    else
        by_jw_dec(w, x->avg_price);
    by_kv_fixed(w, "leavesQty", leaves, qp);
    by_kv_dec(w, "leavesValue", leaves_value);
    by_kv_fixed(w, "cumExecQty", x->filled, qp);
    by_kv_dec(w, "cumExecValue", x->cum_quote);
    by_kv_dec(w, "cumExecFee", x->fee);
    by_kv_str(w, "timeInForce", s_type_is_market(o->orig_type) ? "IOC" :
                               o->tif == SIM_TIF_IOC ? "IOC" : o->tif == SIM_TIF_FOK ? "FOK" :
                               o->tif == SIM_TIF_GTX ? "PostOnly" : "GTC");
    by_kv_str(w, "orderType", s_type_is_market(o->orig_type) ? "Market" : "Limit");
    by_kv_str(w, "stopOrderType", sim_type_is_conditional(o->orig_type) ? "Stop" : "");
    by_kv_str(w, "orderIv", "");
    by_kv_str(w, "marketUnit", "");
    by_kv_fixed(w, "triggerPrice", o->trigger_price, pp);
    by_kv_fixed(w, "takeProfit", o->take_profit, pp);
    by_kv_fixed(w, "stopLoss", o->stop_loss, pp);
    by_kv_str(w, "tpslMode", decimal_is_zero(o->take_profit) && decimal_is_zero(o->stop_loss) ? "" : "Full");
    by_kv_str(w, "ocoTriggerBy", "");
    by_kv_str(w, "tpLimitPrice", "");
    by_kv_str(w, "slLimitPrice", "");
    by_kv_str(w, "tpTriggerBy", decimal_is_zero(o->take_profit) ? "" : "LastPrice");
    by_kv_str(w, "slTriggerBy", decimal_is_zero(o->stop_loss) ? "" : "LastPrice");
    by_kv_int(w, "triggerDirection", s_trigger_direction(o));
    by_kv_str(w, "triggerBy", sim_type_is_conditional(o->orig_type) ? "LastPrice" : "");
    by_kv_str(w, "lastPriceOnCreated", "");
    by_kv_str(w, "basePrice", "");
    by_kv_bool(w, "reduceOnly", o->reduce_only);
    by_kv_bool(w, "closeOnTrigger", o->close_position);
    by_kv_str(w, "placeType", "");
    by_kv_str(w, "smpType", "None");
    by_kv_int(w, "smpGroup", 0);
    by_kv_str(w, "smpOrderId", "");
    jw_key(w, "cumFeeDetail");
    jw_object_begin(w);
    if (!decimal_is_zero(x->fee)) {
        decimal_format(x->fee, fee, sizeof fee);
        by_kv_str(w, "USDT", fee);
    }
    jw_object_end(w);
    by_kv_i64str(w, "createdTime", o->created_ms);
    by_kv_i64str(w, "updatedTime", x->updated_ms > o->updated_ms ? x->updated_ms : o->updated_ms);
    jw_object_end(w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Orders: writes */

/* Reads the order reference: orderId (ours) or orderLinkId. -1 after failing the request. */
static int s_arg_order_ref(by_ctx_t *c, int64_t *id, char *link, size_t cap, bool required)
{
    char ids[64];
    *id = 0;
    link[0] = '\0';
    int ri = by_arg_copy(c, "orderId", ids, sizeof ids);
    int rl = by_arg_copy(c, "orderLinkId", link, cap);
    if (ri < 0 || rl < 0)
        return -1;
    if (ri == 0 && rl == 0) {
        if (!required)
            return 0;
        by_fail(c, 10001, "Missing some parameters that must be filled in, orderId or orderLinkId");
        return -1;
    }
    if (ri > 0) {
        *id = by_parse_id(ids, strlen(ids), BY_ID_SALT_ORDER);
        if (*id == 0) {
            by_fail(c, 110001, "order not exists or too late to cancel");
            return -1;
        }
    }
    return 1;
}

static void s_write_ack(by_ctx_t *c, const sim_order_t *o)
{
    char id[37], lb[40];
    by_fmt_id(o->id, BY_ID_SALT_ORDER, id);
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    by_kv_str(&w, "orderId", id);
    by_kv_str(&w, "orderLinkId", s_link_id(o, lb, sizeof lb));
    jw_object_end(&w);
    by_ok_end(c, &w);
}

/* Reads side, orderType, qty, price, timeInForce; -1 after failing the request. */
static int s_read_order_basics(by_ctx_t *c, sim_order_req_t *r, bool *market)
{
    char side[8], type[8], tif[16];
    if (by_arg_need(c, "side", side, sizeof side) < 0 || by_arg_need(c, "orderType", type, sizeof type) < 0)
        return -1;
    if (strcmp(side, "Buy") == 0)
        r->side = SIM_SIDE_BUY;
    else if (strcmp(side, "Sell") == 0)
        r->side = SIM_SIDE_SELL;
    else
        return by_fail(c, 10001, "params error: side invalid"), -1;
    if (strcmp(type, "Market") != 0 && strcmp(type, "Limit") != 0)
        return by_fail(c, 10001, "params error: orderType invalid"), -1;
    *market = type[0] == 'M';
    int rq = by_arg_dec(c, "qty", &r->qty);
    if (rq < 0)
        return -1;
    if (rq == 0)
        return by_fail(c, 10001, "Missing some parameters that must be filled in, qty"), -1;
    int rp = by_arg_dec(c, "price", &r->price);
    if (rp < 0)
        return -1;
    if (!*market && rp == 0)
        return by_fail(c, 10001, "Missing some parameters that must be filled in, price"), -1;
    if (*market)
        r->price = DECIMAL_ZERO; /* Bybit ignores a price on market orders */
    int rt = by_arg_copy(c, "timeInForce", tif, sizeof tif);
    if (rt < 0)
        return -1;
    r->tif = SIM_TIF_GTC;
    if (rt > 0) {
        if (strcmp(tif, "GTC") == 0)
            r->tif = SIM_TIF_GTC;
        else if (strcmp(tif, "IOC") == 0)
            r->tif = SIM_TIF_IOC;
        else if (strcmp(tif, "FOK") == 0)
            r->tif = SIM_TIF_FOK;
        else if (strcmp(tif, "PostOnly") == 0)
            r->tif = SIM_TIF_GTX;
        else
            return by_fail(c, 10001, "params error: timeInForce invalid"), -1;
    }
    if (*market)
        r->tif = SIM_TIF_IOC;
    return 0;
}

/* Reads triggerPrice/triggerDirection/triggerBy and sets the conditional type; -1 after failing. */
static int s_read_trigger(by_ctx_t *c, sim_order_req_t *r, bool market)
{
    int64_t dir = 0;
    char by[16];
    int rt = by_arg_dec(c, "triggerPrice", &r->trigger_price);
    int rd = by_arg_int(c, "triggerDirection", &dir);
    int rb = by_arg_copy(c, "triggerBy", by, sizeof by);
    if (rt < 0 || rd < 0 || rb < 0)
        return -1;
    if (rb > 0 && strcmp(by, "LastPrice") != 0 && strcmp(by, "MarkPrice") != 0 && strcmp(by, "IndexPrice") != 0)
        return by_fail(c, 10001, "params error: triggerBy invalid"), -1;
    if (rt == 0 || decimal_is_zero(r->trigger_price)) {
        r->type = market ? SIM_TYPE_MARKET : SIM_TYPE_LIMIT;
        r->trigger_price = DECIMAL_ZERO;
        return 0;
    }
    if (rd == 0 || (dir != 1 && dir != 2))
        return by_fail(c, 10001, "params error: triggerDirection invalid"), -1;
    /* rise to trigger: a buy stop or a sell take-profit; fall to trigger: the mirror */
    bool stop = (dir == 1) == (r->side == SIM_SIDE_BUY);
    if (market)
        r->type = stop ? SIM_TYPE_STOP_MARKET : SIM_TYPE_TAKE_PROFIT_MARKET;
    else
        r->type = stop ? SIM_TYPE_STOP : SIM_TYPE_TAKE_PROFIT;
    return 0;
}

/* Validates an attached TP/SL price (a positive multiple of tick); -1 after failing. */
static int s_read_tpsl(by_ctx_t *c, const char *name, const sim_instrument_t *in, decimal_t *out)
{
    int r = by_arg_dec(c, name, out);
    if (r <= 0)
        return r;
    if (decimal_sign(*out) < 0 || !decimal_is_multiple(*out, in->tick))
        return by_fail(c, 10001, "params error: %s invalid", name), -1;
    return 1;
}

/* Validates the TP/SL option names Bybit accepts with them (values checked, not simulated). */
static int s_read_tpsl_options(by_ctx_t *c)
{
    static const char *const names[] = {"tpTriggerBy", "slTriggerBy", "tpslMode", "tpOrderType", "slOrderType",
                                        "smpType", "marketUnit", "orderFilter"};
    char t[24];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (by_arg_copy(c, names[i], t, sizeof t) < 0)
            return -1;
    decimal_t d;
    if (by_arg_dec(c, "tpLimitPrice", &d) < 0 || by_arg_dec(c, "slLimitPrice", &d) < 0)
        return -1;
    int64_t iv;
    return by_arg_int(c, "isLeverage", &iv) < 0 ? -1 : 0;
}

/* A client id used by any order of the account, open or final (Bybit keeps orderLinkId unique). */
static bool s_link_id_used(by_ctx_t *c, const char *link)
{
    return sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, 0, link) != NULL;
}

void by_order_create(by_ctx_t *c)
{
    sim_order_req_t r;
    memset(&r, 0, sizeof r);
    bool market = false, reduce = false, close = false;
    int64_t pidx = 0;
    char link[64];
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, true, &r.inst) < 0 || s_read_order_basics(c, &r, &market) < 0 ||
        s_read_trigger(c, &r, market) < 0)
        return;
    int rl = by_arg_copy(c, "orderLinkId", link, sizeof link);
    if (rl < 0 || by_arg_bool(c, "reduceOnly", &reduce) < 0 || by_arg_bool(c, "closeOnTrigger", &close) < 0 ||
        by_arg_int(c, "positionIdx", &pidx) < 0 || s_read_tpsl(c, "takeProfit", r.inst, &r.take_profit) < 0 ||
        s_read_tpsl(c, "stopLoss", r.inst, &r.stop_loss) < 0 || s_read_tpsl_options(c) < 0)
        return;
    if (pidx != 0) {
        by_fail(c, 10001, "position idx not match position mode");
        return;
    }
    if (rl > 0 && !by_link_id_ok(link, strlen(link))) {
        by_fail(c, 10001, "params error: orderLinkId invalid");
        return;
    }
    if (rl > 0 && s_link_id_used(c, link)) {
        by_fail(c, 110072, "OrderLinkedID is duplicate");
        return;
    }
    /* qty "0" with reduceOnly + closeOnTrigger closes the whole position */
    if (decimal_is_zero(r.qty) && reduce && close) {
        const sim_position_t *p = sim_engine_position(c->st->engine, r.inst, c->account, SIM_POS_BOTH);
        r.qty = decimal_abs(p->qty);
        r.cap_reduce_only = true;
    }
    r.venue = SIM_VENUE_BYBIT;
    r.account = c->account;
    r.pos_side = SIM_POS_BOTH;
    r.reduce_only = reduce || close;
    r.client_id = rl > 0 ? link : NULL;
    r.now_ms = c->now;
    const sim_order_t *o = NULL;
    sim_result_t res = sim_engine_place(c->st->engine, &r, &o);
    if (res != SIM_OK) {
        by_fail_engine(c, res, &r);
        return;
    }
    s_write_ack(c, o);
}

void by_order_cancel(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    int64_t id;
    char link[64], filter[24];
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, true, &inst) < 0 ||
        s_arg_order_ref(c, &id, link, sizeof link, true) < 0 ||
        by_arg_copy(c, "orderFilter", filter, sizeof filter) < 0)
        return;
    /* a triggered conditional is cancelled through the order it became */
    const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, id, id ? NULL : link);
    if (!o || o->inst != inst) {
        by_fail(c, 110001, "order not exists or too late to cancel");
        return;
    }
    int64_t target = o->status == SIM_ST_TRIGGERED && o->child_id > 0 ? o->child_id : o->id;
    const sim_order_t *done = NULL;
    sim_result_t r = sim_engine_cancel(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, target, NULL, c->now, &done);
    if (r == SIM_REJ_NOT_OPEN || r == SIM_REJ_NOT_FOUND) {
        by_fail(c, 110001, "order not exists or too late to cancel");
        return;
    }
    if (r != SIM_OK) {
        by_fail_engine(c, r, NULL);
        return;
    }
    s_write_ack(c, o);
}

void by_order_amend(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    int64_t id;
    char link[64];
    decimal_t qty = DECIMAL_ZERO, price = DECIMAL_ZERO, trig = DECIMAL_ZERO, tp = DECIMAL_ZERO, sl = DECIMAL_ZERO;
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, true, &inst) < 0 ||
        s_arg_order_ref(c, &id, link, sizeof link, true) < 0)
        return;
    int rq = by_arg_dec(c, "qty", &qty), rp = by_arg_dec(c, "price", &price), rt = by_arg_dec(c, "triggerPrice", &trig);
    if (rq < 0 || rp < 0 || rt < 0)
        return;
    int rtp = s_read_tpsl(c, "takeProfit", inst, &tp), rsl = s_read_tpsl(c, "stopLoss", inst, &sl);
    if (rtp < 0 || rsl < 0 || s_read_tpsl_options(c) < 0)
        return;
    char by[16];
    if (by_arg_copy(c, "triggerBy", by, sizeof by) < 0)
        return;
    const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, id, id ? NULL : link);
    if (!o || o->inst != inst) {
        by_fail(c, 110001, "order not exists or too late to cancel");
        return;
    }
    if (rtp > 0 || rsl > 0) {
        if ((rtp > 0 && !decimal_eq(tp, o->take_profit)) || (rsl > 0 && !decimal_eq(sl, o->stop_loss))) {
            by_fail(c, 10001, "amending takeProfit/stopLoss is not supported by the simulator");
            return;
        }
    }
    if (rq == 0 && rp == 0 && rt == 0 && rtp == 0 && rsl == 0) {
        by_fail(c, 10001, "The order remains unchanged as the parameters entered match the existing ones.");
        return;
    }
    if (!sim_status_is_open(o->status)) {
        by_fail(c, 110001, "order not exists or too late to cancel");
        return;
    }
    const sim_order_t *out = NULL;
    sim_result_t r = sim_engine_amend(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, o->id, NULL, qty, price, trig,
                                      c->now, &out);
    if (r != SIM_OK) {
        sim_order_req_t rq2;
        memset(&rq2, 0, sizeof rq2);
        rq2.inst = inst;
        rq2.side = o->side;
        rq2.type = o->type;
        by_fail_engine(c, r, &rq2);
        return;
    }
    s_write_ack(c, o);
}

typedef struct {
    int64_t ids[BY_LIST_MAX];   /* ids gathered */
    size_t n;                   /* count */
    const char *base;           /* baseCoin filter or NULL */
} by_ids_t;

static int s_collect_cb(const sim_order_t *o, void *ctx)
{
    by_ids_t *g = ctx;
    if (o->parent_id > 0 || (g->base && strcmp(o->inst->base, g->base) != 0))
        return 0;
    if (g->n >= BY_LIST_MAX)
        return 1;
    g->ids[g->n++] = o->id;
    return 0;
}

/* orderFilter for cancel-all / realtime: -1 both, 0 plain, 1 conditional; -2 after failing the request. */
static int s_arg_filter(by_ctx_t *c, int dflt)
{
    char f[24];
    int r = by_arg_copy(c, "orderFilter", f, sizeof f);
    if (r < 0)
        return -2;
    if (r == 0)
        return dflt;
    if (strcmp(f, "Order") == 0)
        return 0;
    if (strcmp(f, "StopOrder") == 0)
        return 1;
    if (strcmp(f, "tpslOrder") == 0)
        return 1;
    by_fail(c, 10001, "params error: orderFilter invalid");
    return -2;
}

void by_order_cancel_all(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    const char *base;
    char base_buf[16];
    bool stop_all = false;
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, false, &inst) < 0)
        return;
    int rf = by_arg_coin_filters(c, &base, base_buf, sizeof base_buf);
    int filter = s_arg_filter(c, -1);
    if (rf < 0 || filter == -2 || by_arg_bool(c, "stopOrderType", &stop_all) < 0)
        return;
    if (!inst && rf == 0) {
        by_fail(c, 10001, "Missing some parameters that must be filled in, symbol or baseCoin or settleCoin");
        return;
    }
    by_ids_t *g = mem_calloc(1, sizeof *g);
    g->base = base;
    sim_engine_open_orders(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, filter, s_collect_cb, g);
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "list");
    jw_array_begin(&w);
    for (size_t i = 0; i < g->n; i++) {
        const sim_order_t *o = NULL;
        sim_result_t r =
            sim_engine_cancel(c->st->engine, SIM_VENUE_BYBIT, c->account, NULL, g->ids[i], NULL, c->now, &o);
        if (r != SIM_OK || !o)
            continue;
        char id[37], lb[40];
        by_fmt_id(o->id, BY_ID_SALT_ORDER, id);
        jw_object_begin(&w);
        by_kv_str(&w, "orderId", id);
        by_kv_str(&w, "orderLinkId", s_link_id(o, lb, sizeof lb));
        jw_object_end(&w);
    }
    jw_array_end(&w);
    by_kv_str(&w, "success", "1");
    jw_object_end(&w);
    mem_free(g);
    by_ok_end(c, &w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Orders: reads */

typedef struct {
    const sim_order_t *list[BY_LIST_MAX]; /* gathered orders, oldest first */
    size_t n;                             /* count */
    bool wrapped;                         /* more matched than fit: the oldest were dropped */
    const char *base;                     /* baseCoin filter */
    bool open_only;                       /* only open orders (as the client sees them) */
    bool closed_only;                     /* only final orders */
    int64_t start_ms, end_ms;             /* createdTime window (0 = none) */
    by_ctx_t *c;                          /* request (for the client's view of conditionals) */
    const char *status;                   /* orderStatus filter, or NULL */
} by_gather_t;

static int s_gather_cb(const sim_order_t *o, void *ctx)
{
    by_gather_t *g = ctx;
    if (o->parent_id > 0 || (g->base && strcmp(o->inst->base, g->base) != 0))
        return 0;
    if ((g->start_ms && o->created_ms < g->start_ms) || (g->end_ms && o->created_ms > g->end_ms))
        return 0;
    by_view_t v = s_view(g->c, o);
    if (g->closed_only && sim_status_is_open(v.exec->status))
        return 0;
    if (g->status && strcmp(g->status, s_status_name(v.exec)) != 0)
        return 0;
    if (g->n == BY_LIST_MAX) { /* keep the newest: drop the oldest */
        memmove(g->list, g->list + 1, (BY_LIST_MAX - 1) * sizeof g->list[0]);
        g->n--;
        g->wrapped = true;
    }
    g->list[g->n++] = o;
    return 0;
}

/* Writes list (newest first) with cursor paging: the cursor is the decimal id after which to continue. */
static void s_write_order_page(by_ctx_t *c, by_gather_t *g, int64_t limit, int64_t cursor)
{
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    jw_key(&w, "list");
    jw_array_begin(&w);
    int64_t written = 0, last_id = 0;
    bool more = false;
    for (size_t i = g->n; i-- > 0;) {
        const sim_order_t *o = g->list[i];
        if (cursor > 0 && o->id >= cursor)
            continue;
        if (written == limit) {
            more = true;
            break;
        }
        s_write_order(c, &w, o);
        last_id = o->id;
        written++;
    }
    jw_array_end(&w);
    jw_key(&w, "nextPageCursor");
    if (more)
        by_jw_i64str(&w, last_id);
    else
        jw_string(&w, "");
    by_kv_str(&w, "category", "linear");
    jw_object_end(&w);
    by_ok_end(c, &w);
}

static int s_arg_cursor(by_ctx_t *c, int64_t *cursor)
{
    char t[32];
    *cursor = 0;
    int r = by_arg_copy(c, "cursor", t, sizeof t);
    if (r <= 0)
        return r;
    if (!by_parse_i64(t, strlen(t), cursor)) {
        by_fail(c, 10001, "params error: cursor invalid");
        return -1;
    }
    return 1;
}

static bool s_status_known(const char *s)
{
    static const char *const names[] = {"New", "PartiallyFilled", "Untriggered", "Rejected", "PartiallyFilledCanceled",
                                        "Filled", "Cancelled", "Triggered", "Deactivated"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], s) == 0)
            return true;
    return false;
}

static void s_order_list(by_ctx_t *c, bool history)
{
    const sim_instrument_t *inst;
    const char *base;
    char base_buf[16], link[64];
    int64_t id, limit = 20, open_only = 0, cursor, start = 0, end = 0;
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, false, &inst) < 0)
        return;
    int rf = by_arg_coin_filters(c, &base, base_buf, sizeof base_buf);
    int rr = s_arg_order_ref(c, &id, link, sizeof link, false);
    int filter = s_arg_filter(c, -1);
    if (rf < 0 || rr < 0 || filter == -2 || by_arg_int(c, "limit", &limit) < 0 || s_arg_cursor(c, &cursor) < 0)
        return;
    if (!history && by_arg_int(c, "openOnly", &open_only) < 0)
        return;
    if (history && (by_arg_int(c, "startTime", &start) < 0 || by_arg_int(c, "endTime", &end) < 0))
        return;
    char status[24];
    int rs = history ? by_arg_copy(c, "orderStatus", status, sizeof status) : 0;
    if (rs < 0)
        return;
    if (rs > 0 && !s_status_known(status)) {
        by_fail(c, 10001, "params error: orderStatus invalid");
        return;
    }
    if (!inst && rf == 0 && rr == 0) {
        by_fail(c, 10001, "Missing some parameters that must be filled in, symbol or settleCoin or baseCoin");
        return;
    }
    if (limit < 1 || limit > 50 || open_only < 0 || open_only > 2) {
        by_fail(c, 10001, "params error: limit or openOnly invalid");
        return;
    }
    by_gather_t *g = mem_calloc(1, sizeof *g);
    g->base = base;
    g->c = c;
    g->status = rs > 0 ? status : NULL;
    if (rr > 0) {
        /* by id: whatever its status */
        const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, id, id ? NULL : link);
        if (o && o->parent_id == 0 && (!inst || o->inst == inst))
            g->list[g->n++] = o;
    } else if (!history && open_only == 0) {
        sim_engine_open_orders(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, filter, s_gather_cb, g);
    } else {
        g->closed_only = !history;
        g->start_ms = start;
        g->end_ms = end;
        sim_engine_orders(c->st->engine, SIM_VENUE_BYBIT, c->account, inst, filter, 0, s_gather_cb, g);
    }
    s_write_order_page(c, g, limit, cursor);
    mem_free(g);
}

void by_order_realtime(by_ctx_t *c)
{
    s_order_list(c, false);
}

void by_order_history(by_ctx_t *c)
{
    s_order_list(c, true);
}

/* ---------------------------------------------------------------------------------------------------------
 * Executions */

typedef struct {
    by_ctx_t *c;          /* request */
    sim_fill_t list[BY_LIST_MAX]; /* fills gathered, oldest first (copies) */
    size_t n;             /* count */
    const char *base;     /* baseCoin filter */
} by_fills_t;

static int s_fill_cb(const sim_fill_t *f, void *ctx)
{
    by_fills_t *g = ctx;
    if (g->base && strcmp(f->inst->base, g->base) != 0)
        return 0;
    if (g->n == BY_LIST_MAX) {
        memmove(g->list, g->list + 1, (BY_LIST_MAX - 1) * sizeof g->list[0]);
        g->n--;
    }
    g->list[g->n++] = *f;
    return 0;
}

static void s_write_fill(by_ctx_t *c, jw_t *w, const sim_fill_t *f)
{
    const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, f->order_id, NULL);
    if (o && o->parent_id > 0) {
        const sim_order_t *p = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, o->parent_id, NULL);
        if (p)
            o = p;
    }
    const sim_instrument_t *in = f->inst;
    char id[37], eid[37], lb[40];
    by_fmt_id(o ? o->id : f->order_id, BY_ID_SALT_ORDER, id);
    by_fmt_id(f->trade_id, BY_ID_SALT_EXEC, eid);
    sim_ticker_t t;
    sim_engine_ticker(c->st->engine, in, &t);
    decimal_t leaves = DECIMAL_ZERO;
    if (o && sim_status_is_open(o->status))
        decimal_sub(o->qty, o->filled, &leaves, NULL);
    jw_object_begin(w);
    by_kv_str(w, "symbol", in->symbol);
    by_kv_str(w, "orderId", id);
    by_kv_str(w, "orderLinkId", o ? s_link_id(o, lb, sizeof lb) : "");
    by_kv_str(w, "side", f->side == SIM_SIDE_BUY ? "Buy" : "Sell");
    by_kv_fixed(w, "orderPrice", o ? o->price : DECIMAL_ZERO, in->price_precision);
    by_kv_fixed(w, "orderQty", o ? o->qty : f->qty, in->qty_precision);
    by_kv_fixed(w, "leavesQty", leaves, in->qty_precision);
    by_kv_str(w, "createType", "CreateByUser");
    by_kv_str(w, "orderType", o && s_type_is_market(o->orig_type) ? "Market" : "Limit");
    by_kv_str(w, "stopOrderType", o && sim_type_is_conditional(o->orig_type) ? "Stop" : "");
    by_kv_dec(w, "execFee", f->fee);
    by_kv_str(w, "execId", eid);
    by_kv_fixed(w, "execPrice", f->price, in->price_precision);
    by_kv_fixed(w, "execQty", f->qty, in->qty_precision);
    by_kv_str(w, "execType", "Trade");
    by_kv_dec(w, "execValue", f->quote_qty);
    by_kv_i64str(w, "execTime", f->time_ms);
    by_kv_str(w, "feeCurrency", "USDT");
    by_kv_bool(w, "isMaker", f->maker);
    by_kv_dec(w, "feeRate", f->fee_rate);
    by_kv_str(w, "tradeIv", "");
    by_kv_str(w, "markIv", "");
    by_kv_fixed(w, "markPrice", t.mark, in->price_precision);
    by_kv_fixed(w, "indexPrice", t.mark, in->price_precision);
    by_kv_str(w, "underlyingPrice", "");
    by_kv_str(w, "blockTradeId", "");
    by_kv_fixed(w, "closedSize", decimal_is_zero(f->realized) ? DECIMAL_ZERO : f->qty, in->qty_precision);
    by_kv_int(w, "seq", f->trade_id);
    by_kv_str(w, "extraFees", "");
    jw_object_end(w);
}

void by_execution_list(by_ctx_t *c)
{
    const sim_instrument_t *inst;
    const char *base;
    char base_buf[16], link[64], exec_type[24];
    int64_t id, limit = 50, cursor, start = 0, end = 0;
    if (by_need_linear(c, true) < 0 || by_arg_symbol(c, false, &inst) < 0)
        return;
    int rf = by_arg_coin_filters(c, &base, base_buf, sizeof base_buf);
    int rr = s_arg_order_ref(c, &id, link, sizeof link, false);
    int re = by_arg_copy(c, "execType", exec_type, sizeof exec_type);
    if (rf < 0 || rr < 0 || re < 0 || by_arg_int(c, "limit", &limit) < 0 || s_arg_cursor(c, &cursor) < 0 ||
        by_arg_int(c, "startTime", &start) < 0 || by_arg_int(c, "endTime", &end) < 0)
        return;
    if (limit < 1 || limit > 100) {
        by_fail(c, 10001, "params error: limit invalid");
        return;
    }
    if (start && end && (end < start || end - start > 7 * 86400000LL)) {
        by_fail(c, 10001, "params error: startTime and endTime must be within 7 days");
        return;
    }
    by_fills_t *g = mem_calloc(1, sizeof *g);
    g->c = c;
    g->base = base;
    bool none = re > 0 && strcmp(exec_type, "Trade") != 0;
    sim_fill_query_t q;
    memset(&q, 0, sizeof q);
    q.inst = inst;
    q.start_ms = start;
    q.end_ms = end;
    if (rr > 0) {
        const sim_order_t *o = sim_engine_order(c->st->engine, SIM_VENUE_BYBIT, c->account, id, id ? NULL : link);
        if (!o)
            none = true;
        else
            q.order_id = o->status == SIM_ST_TRIGGERED && o->child_id > 0 ? o->child_id : o->id;
    }
    if (!none)
        sim_engine_fills(c->st->engine, SIM_VENUE_BYBIT, c->account, &q, s_fill_cb, g);
    jw_t w;
    by_ok_begin(c, &w);
    jw_object_begin(&w);
    by_kv_str(&w, "category", "linear");
    jw_key(&w, "list");
    jw_array_begin(&w);
    int64_t written = 0, last = 0;
    bool more = false;
    for (size_t i = g->n; i-- > 0;) {
        if (cursor > 0 && g->list[i].trade_id >= cursor)
            continue;
        if (written == limit) {
            more = true;
            break;
        }
        s_write_fill(c, &w, &g->list[i]);
        last = g->list[i].trade_id;
        written++;
    }
    jw_array_end(&w);
    jw_key(&w, "nextPageCursor");
    if (more)
        by_jw_i64str(&w, last);
    else
        jw_string(&w, "");
    jw_object_end(&w);
    mem_free(g);
    by_ok_end(c, &w);
}
