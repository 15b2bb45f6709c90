/* convert: field-by-field copies between proto values and the adapter model. */
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int venue_convert_op(proto_type_t type, venue_op_t *out)
{
    static const struct {
        proto_type_t t;
        venue_op_t op;
    } map[] = {
        {PROTO_T_PLACE_ORDER, VENUE_OP_PLACE_ORDER},       {PROTO_T_CANCEL_ORDER, VENUE_OP_CANCEL_ORDER},
        {PROTO_T_CANCEL_ALL, VENUE_OP_CANCEL_ALL},         {PROTO_T_GET_ORDER, VENUE_OP_GET_ORDER},
        {PROTO_T_GET_OPEN_ORDERS, VENUE_OP_GET_OPEN_ORDERS}, {PROTO_T_GET_POSITIONS, VENUE_OP_GET_POSITIONS},
        {PROTO_T_GET_BALANCES, VENUE_OP_GET_BALANCES},     {PROTO_T_GET_TICKER, VENUE_OP_GET_TICKER},
        {PROTO_T_GET_KLINES, VENUE_OP_GET_KLINES},         {PROTO_T_SET_LEVERAGE, VENUE_OP_SET_LEVERAGE},
        {PROTO_T_CLOSE_POSITION, VENUE_OP_CLOSE_POSITION}, {PROTO_T_GET_FILLS, VENUE_OP_GET_FILLS},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].t == type) {
            *out = map[i].op;
            return 0;
        }
    return -1;
}

static void s_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

int venue_convert_request(const proto_request_t *r, venue_input_t *in, err_t *err)
{
    memset(in, 0, sizeof *in);
    s_copy(in->symbol, sizeof in->symbol, r->symbol);
    s_copy(in->order_id, sizeof in->order_id, r->ref.order_id);
    s_copy(in->client_order_id, sizeof in->client_order_id, r->ref.client_order_id);
    s_copy(in->asset, sizeof in->asset, r->asset);
    if (r->op == PROTO_T_GET_KLINES) {
        s_copy(in->interval, sizeof in->interval, proto_interval_name(r->klines.interval));
        in->limit = (int) r->klines.limit;
        in->start_ms = r->klines.start;
        in->end_ms = r->klines.end;
    }
    if (r->op == PROTO_T_GET_FILLS) {
        in->limit = (int) r->fills.limit;
        in->start_ms = r->fills.since_ms;
        if (r->fills.cursor[0]) {
            /* A number is a trade id cursor; anything else is the adapter's own and passed through. */
            char *end;
            long long c = strtoll(r->fills.cursor, &end, 10);
            if (!*end && c > 0)
                in->from_id = c;
            else if (snprintf(in->cursor, sizeof in->cursor, "%s", r->fills.cursor) >= (int) sizeof in->cursor)
                return err_set(err, XR_INVALID_REQUEST, "body.cursor: too long");
        }
    }
    in->leverage = (int) r->leverage;
    if (r->op == PROTO_T_PLACE_ORDER) {
        const proto_order_request_t *o = &r->order;
        venue_order_req_t *v = &in->order;
        s_copy(v->symbol, sizeof v->symbol, r->symbol);
        v->side = (venue_side_t) o->side;
        v->type = (venue_type_t) o->type;
        v->quantity = o->quantity;
        v->price = o->price;
        v->stop_price = o->stop_price;
        v->time_in_force = (venue_tif_t) o->time_in_force;
        v->reduce_only = o->reduce_only;
        v->position_side = (venue_pside_t) o->position_side;
        s_copy(v->client_order_id, sizeof v->client_order_id, o->client_order_id);
        v->leverage = (int) o->leverage;
        v->take_profit = o->take_profit_price;
        v->stop_loss = o->stop_loss_price;
        v->trailing_pct = o->trailing_stop_pct;
        v->round = o->round;
        return venue_order_req_check(v, err);
    }
    return 0;
}

void venue_convert_order(const venue_order_t *o, const char *venue, const char *account, proto_order_t *out)
{
    memset(out, 0, sizeof *out);
    s_copy(out->venue, sizeof out->venue, venue);
    s_copy(out->account, sizeof out->account, account);
    s_copy(out->order_id, sizeof out->order_id, o->order_id);
    s_copy(out->client_order_id, sizeof out->client_order_id, o->client_order_id);
    s_copy(out->symbol, sizeof out->symbol, o->symbol);
    out->side = (proto_side_t) o->side;
    out->type = (proto_order_type_t) o->type;
    out->time_in_force = (proto_tif_t) o->time_in_force;
    out->quantity = o->quantity;
    out->filled_quantity = o->filled_quantity;
    out->price = o->price;
    out->average_price = o->average_price;
    out->stop_price = o->stop_price;
    out->reduce_only = o->reduce_only;
    out->status = (proto_status_t) o->status;
    out->created_at = o->created_at;
    out->updated_at = o->updated_at;
}

void venue_convert_fill(const venue_fill_t *f, const char *venue, const char *account, proto_fill_t *out)
{
    memset(out, 0, sizeof *out);
    s_copy(out->venue, sizeof out->venue, venue);
    s_copy(out->account, sizeof out->account, account);
    s_copy(out->trade_id, sizeof out->trade_id, f->trade_id);
    s_copy(out->order_id, sizeof out->order_id, f->order_id);
    s_copy(out->client_order_id, sizeof out->client_order_id, f->client_order_id);
    s_copy(out->symbol, sizeof out->symbol, f->symbol);
    out->side = (proto_side_t) f->side;
    out->quantity = f->quantity;
    out->price = f->price;
    out->fee = f->fee;
    s_copy(out->fee_asset, sizeof out->fee_asset, f->fee_asset);
    out->realized_pnl = f->realized_pnl;
    out->liquidity = (proto_liquidity_t) f->liquidity;
    out->executed_at = f->executed_at;
}

void venue_convert_position(const venue_position_t *p, const char *venue, const char *account,
                            proto_position_t *out)
{
    memset(out, 0, sizeof *out);
    s_copy(out->venue, sizeof out->venue, venue);
    s_copy(out->account, sizeof out->account, account);
    s_copy(out->symbol, sizeof out->symbol, p->symbol);
    out->side = p->side == VENUE_POS_LONG ? PROTO_DIR_LONG : p->side == VENUE_POS_SHORT ? PROTO_DIR_SHORT
                                                                                           : PROTO_DIR_FLAT;
    out->quantity = p->quantity;
    out->size = p->size;
    out->entry_price = p->entry_price;
    out->mark_price = p->mark_price;
    out->liquidation_price = p->liquidation_price;
    out->unrealized_pnl = p->unrealized_pnl;
    out->realized_pnl = p->realized_pnl;
    out->leverage = p->leverage > 0 ? (uint32_t) p->leverage : 0;
    out->margin = p->margin;
    out->take_profit = p->take_profit;
    out->stop_loss = p->stop_loss;
    out->position_side = (proto_position_side_t) p->position_side;
}

void venue_convert_balance(const venue_balance_t *b, const char *venue, const char *account, proto_balance_t *out)
{
    memset(out, 0, sizeof *out);
    s_copy(out->venue, sizeof out->venue, venue);
    s_copy(out->account, sizeof out->account, account);
    s_copy(out->asset, sizeof out->asset, b->asset);
    out->total = b->total;
    out->available = b->available;
    out->locked = b->locked;
}

void venue_convert_cancel(const venue_cancel_t *c, const char *symbol, proto_cancel_t *out)
{
    memset(out, 0, sizeof *out);
    out->ok = c->ok;
    s_copy(out->order_id, sizeof out->order_id, c->order_id);
    s_copy(out->client_order_id, sizeof out->client_order_id, c->client_order_id);
    s_copy(out->symbol, sizeof out->symbol, symbol);
    out->status = (proto_status_t) c->status;
}

static void s_lists(const venue_result_t *r, const char *venue, const char *account, proto_result_t *out)
{
    for (size_t i = 0; i < r->n_cancels; i++) {
        proto_cancel_t *c = proto_result_add_cancel(out);
        if (c)
            venue_convert_cancel(&r->cancels[i], "", c);
    }
    for (size_t i = 0; i < r->n_orders && out->op == PROTO_T_GET_OPEN_ORDERS; i++) {
        proto_order_t *o = proto_result_add_order(out);
        if (o)
            venue_convert_order(&r->orders[i], venue, account, o);
    }
    for (size_t i = 0; i < r->n_positions && out->op == PROTO_T_GET_POSITIONS; i++) {
        proto_position_t *p = proto_result_add_position(out);
        if (p)
            venue_convert_position(&r->positions[i], venue, account, p);
    }
    for (size_t i = 0; i < r->n_balances; i++) {
        proto_balance_t *b = proto_result_add_balance(out);
        if (b)
            venue_convert_balance(&r->balances[i], venue, account, b);
    }
    for (size_t i = 0; i < r->n_klines; i++) {
        proto_kline_t *k = proto_result_add_kline(out);
        if (k)
            *k = (proto_kline_t){r->klines[i].open_time, r->klines[i].open,   r->klines[i].high,
                                 r->klines[i].low,       r->klines[i].close,  r->klines[i].volume,
                                 r->klines[i].close_time};
    }
    for (size_t i = 0; i < r->n_fills; i++) {
        proto_fill_t *f = proto_result_add_fill(out);
        if (f)
            venue_convert_fill(&r->fills[i], venue, account, f);
    }
}

static const proto_type_t s_op_type[VENUE_OP_COUNT_] = {
    PROTO_T_PLACE_ORDER,  PROTO_T_CANCEL_ORDER,   PROTO_T_CANCEL_ALL,   PROTO_T_GET_ORDER,
    PROTO_T_GET_OPEN_ORDERS, PROTO_T_GET_POSITIONS, PROTO_T_GET_BALANCES, PROTO_T_GET_TICKER,
    PROTO_T_GET_KLINES,   PROTO_T_SET_LEVERAGE,   PROTO_T_CLOSE_POSITION, PROTO_T_GET_FILLS,
    PROTO_T_UNKNOWN,      PROTO_T_UNKNOWN};

void venue_convert_result(venue_op_t op, const venue_result_t *r, const char *venue, const char *account,
                          const char *symbol, proto_result_t *out)
{
    proto_result_init(out, s_op_type[op]);
    switch (op) {
    case VENUE_OP_PLACE_ORDER:
    case VENUE_OP_GET_ORDER:
    case VENUE_OP_CLOSE_POSITION:
        venue_convert_order(&r->order, venue, account, &out->order);
        break;
    case VENUE_OP_CANCEL_ORDER:
        venue_convert_cancel(&r->cancel, symbol, &out->cancel);
        break;
    case VENUE_OP_CANCEL_ALL:
        out->cancel_count = (uint32_t) r->count;
        break;
    case VENUE_OP_GET_TICKER:
        s_copy(out->ticker.venue, sizeof out->ticker.venue, venue);
        s_copy(out->ticker.symbol, sizeof out->ticker.symbol, r->ticker.symbol);
        out->ticker.last = r->ticker.last;
        out->ticker.mark = r->ticker.mark;
        out->ticker.bid = r->ticker.bid;
        out->ticker.ask = r->ticker.ask;
        out->ticker.time = r->ticker.time;
        break;
    case VENUE_OP_SET_LEVERAGE:
        s_copy(out->leverage.symbol, sizeof out->leverage.symbol, symbol);
        out->leverage.leverage = r->leverage > 0 ? (uint32_t) r->leverage : 0;
        break;
    case VENUE_OP_GET_FILLS:
        if (r->cursor[0])
            snprintf(out->cursor, sizeof out->cursor, "%s", r->cursor);
        else if (r->n_fills && r->fills[r->n_fills - 1].seq_key > 0)
            snprintf(out->cursor, sizeof out->cursor, "%lld", (long long) r->fills[r->n_fills - 1].seq_key + 1);
        break;
    default:
        break;
    }
    s_lists(r, venue, account, out);
}

void venue_convert_error(const venue_error_t *e, const char *venue, const char *clid, proto_error_t *out)
{
    memset(out, 0, sizeof *out);
    out->code = e->code == XR_OK ? XR_INTERNAL : e->code;
    s_copy(out->message, sizeof out->message, e->message);
    s_copy(out->venue_code, sizeof out->venue_code, e->venue_code);
    s_copy(out->venue_message, sizeof out->venue_message, e->venue_message);
    out->retry_after_ms = e->retry_after_ms;
    s_copy(out->client_order_id, sizeof out->client_order_id, clid ? clid : "");
    s_copy(out->venue, sizeof out->venue, venue);
}
