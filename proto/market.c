/* market: wire descriptions of Position, Balance, Ticker and Kline. */
#include "market.h"
#include "wire.h"

#define T proto_position_t
static const wire_field_t s_position_fields[] = {
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("account", T, account, W_REQ, proto_check_account),
    WF_STR("symbol", T, symbol, W_REQ, proto_check_symbol),
    WF_ENUM("side", T, side, W_REQ, wire_direction_names),
    WF_DEC("quantity", T, quantity, W_REQ | W_NONNEG),
    WF_DEC("size", T, size, W_REQ),
    WF_DEC("entry_price", T, entry_price, W_NONNEG),
    WF_DEC("mark_price", T, mark_price, W_NONNEG),
    WF_DEC("liquidation_price", T, liquidation_price, W_NONNEG),
    WF_DEC("unrealized_pnl", T, unrealized_pnl, 0),
    WF_DEC("realized_pnl", T, realized_pnl, 0),
    WF_U32("leverage", T, leverage, 0),
    WF_DEC("margin", T, margin, W_NONNEG),
    WF_DEC("take_profit", T, take_profit, W_NONNEG),
    WF_DEC("stop_loss", T, stop_loss, W_NONNEG),
    WF_ENUM("position_side", T, position_side, 0, wire_position_side_names),
    WF_I64("updated_at", T, updated_at, 0),
};
#undef T
const wire_desc_t wire_position_desc = WIRE_DESC(proto_position_t, s_position_fields);

#define T proto_balance_t
static const wire_field_t s_balance_fields[] = {
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("account", T, account, W_REQ, proto_check_account),
    WF_STR("asset", T, asset, W_REQ, proto_check_asset),
    WF_DEC("total", T, total, W_REQ),
    WF_DEC("available", T, available, W_REQ),
    WF_DEC("locked", T, locked, W_REQ),
};
#undef T
const wire_desc_t wire_balance_desc = WIRE_DESC(proto_balance_t, s_balance_fields);

#define T proto_ticker_t
static const wire_field_t s_ticker_fields[] = {
    WF_STR("venue", T, venue, W_REQ, proto_check_venue),
    WF_STR("symbol", T, symbol, W_REQ, proto_check_symbol),
    WF_DEC("last", T, last, W_REQ | W_NONNEG),
    WF_DEC("mark", T, mark, W_NONNEG),
    WF_DEC("bid", T, bid, W_NONNEG),
    WF_DEC("ask", T, ask, W_NONNEG),
    WF_I64("time", T, time, W_REQ),
};
#undef T
const wire_desc_t wire_ticker_desc = WIRE_DESC(proto_ticker_t, s_ticker_fields);

#define T proto_kline_t
static const wire_field_t s_kline_fields[] = {
    WF_I64("open_time", T, open_time, W_REQ),
    WF_DEC("open", T, open, W_REQ | W_NONNEG),
    WF_DEC("high", T, high, W_REQ | W_NONNEG),
    WF_DEC("low", T, low, W_REQ | W_NONNEG),
    WF_DEC("close", T, close, W_REQ | W_NONNEG),
    WF_DEC("volume", T, volume, W_REQ | W_NONNEG),
    WF_I64("close_time", T, close_time, W_REQ),
};
#undef T
const wire_desc_t wire_kline_desc = WIRE_DESC(proto_kline_t, s_kline_fields);
