// ccxt_bybit: the Bybit v5 dialect of the exchange simulator, driven by an independent client (the ccxt
// npm package, exchange id `bybit`). ccxt signs with its own code (X-BAPI-* over timestamp + key +
// recvWindow + exact query or JSON body) and parses replies with its own parser, so a pass means a real
// client would accept the simulator's wire format. Every ccxt call goes to 127.0.0.1 only: urls.api is
// overridden and spot/inverse/option market loading is switched off (loadMarkets still fetches currencies from
// /v5/asset/coin/query-info, as it does against Bybit when keys are set).

import ccxt from 'ccxt';
import { startSim, admin, CREDS, Checks, assert, assertEq, expectError, runMain } from './simlib.mjs';

const SYMBOL = 'ETH/USDT:USDT';

function client(base, overrides = {}) {
    const ex = new ccxt.bybit({
        apiKey: overrides.apiKey || CREDS.bybit.key,
        secret: overrides.secret || CREDS.bybit.secret,
        enableRateLimit: false,
        timeout: 5000,
        options: {
            fetchMarkets: { types: ['linear'] },
            adjustForTimeDifference: false,
            defaultType: 'swap',
            defaultSubType: 'linear',
        },
    });
    for (const k of Object.keys(ex.urls.api)) ex.urls.api[k] = base;
    return ex;
}

async function main() {
    const sim = await startSim();
    const base = sim.url(sim.ports.bybit);
    const ex = client(base);
    const t = new Checks('ccxt-bybit');
    let last = null;
    let market = null;
    const uid = Date.now().toString(36);
    const ids = {};
    try {
        await t.run('loadMarkets lists the five USDT perpetuals with venue filters', async () => {
            const markets = await ex.loadMarkets();
            for (const b of ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE']) {
                const m = markets[b + '/USDT:USDT'];
                assert(m, 'market ' + b + '/USDT:USDT loaded');
                assertEq(m.id, b + 'USDT', 'market id');
                assert(m.swap && m.linear && m.active, b + ' is an active linear swap');
                assert(m.precision.price > 0 && m.precision.amount > 0, b + ' has tick and step');
                assert(m.limits.amount.min > 0, b + ' has min qty');
                assert(m.limits.leverage.max >= 1, b + ' has max leverage');
            }
            market = markets[SYMBOL];
            assert(ex.currencies.USDT && ex.currencies.ETH, 'currencies from /v5/asset/coin/query-info');
        });
        await t.run('fetchTime is the server clock', async () => {
            const ts = await ex.fetchTime();
            assert(Math.abs(ts - Date.now()) < 5000, 'server time within 5 s: ' + ts);
        });
        await t.run('fetchTicker has last, bid, ask and mark', async () => {
            const tk = await ex.fetchTicker(SYMBOL);
            assertEq(tk.symbol, SYMBOL, 'ticker symbol');
            assert(tk.last > 0 && tk.bid > 0 && tk.ask > 0, 'positive prices ' + JSON.stringify([tk.last, tk.bid, tk.ask]));
            assert(tk.bid <= tk.ask, 'bid <= ask');
            assert(tk.markPrice > 0, 'mark price');
            last = tk.last;
        });
        await t.run('fetchOHLCV returns candles; the raw list is newest first', async () => {
            const candles = await ex.fetchOHLCV(SYMBOL, '1m', undefined, 5);
            assertEq(candles.length, 5, 'five candles');
            for (const c of candles) assert(c[2] >= c[3] && c[1] > 0, 'high >= low');
            assert(candles[4][0] - candles[0][0] === 4 * 60000, 'consecutive minutes');
            const raw = await ex.publicGetV5MarketKline({ category: 'linear', symbol: 'ETHUSDT', interval: '1', limit: 3 });
            const list = raw.result.list;
            assertEq(list.length, 3, 'raw kline count');
            assert(Number(list[0][0]) > Number(list[1][0]) && Number(list[1][0]) > Number(list[2][0]), 'newest first');
        });
        await t.run('fetchBalance shows USDT in the unified account', async () => {
            const bal = await ex.fetchBalance();
            assert(bal.USDT && bal.USDT.total > 0, 'USDT total ' + JSON.stringify(bal.USDT));
            assert(bal.USDT.free > 0 && bal.USDT.free <= bal.USDT.total, 'free <= total');
        });
        await t.run('setLeverage 5 succeeds; setting it again is 110043 leverage not modified', async () => {
            const r = await ex.setLeverage(5, SYMBOL);
            assertEq(String(r.retCode), '0', 'retCode');
            await expectError(() => ex.setLeverage(5, SYMBOL), [ccxt.BadRequest, ccxt.ExchangeError], '110043', 'unchanged leverage');
        });
        await t.run('limit order with a client id rests; fetchOrder finds it as New', async () => {
            const price = ex.priceToPrecision(SYMBOL, last * 0.8);
            const o = await ex.createOrder(SYMBOL, 'limit', 'buy', market.limits.amount.min * 2, Number(price),
                { clientOrderId: 'lim-' + uid });
            assert(o.id && o.id.length > 0, 'order id');
            assertEq(o.clientOrderId, 'lim-' + uid, 'ack echoes orderLinkId');
            ids.limit = o.id;
            const f = await ex.fetchOrder(o.id, SYMBOL, { acknowledged: true });
            assertEq(f.status, 'open', 'status');
            assertEq(f.info.orderStatus, 'New', 'raw orderStatus');
            assertEq(f.clientOrderId, 'lim-' + uid, 'client id');
            assertEq(f.price, Number(price), 'price');
            assertEq(f.type, 'limit', 'type');
        });
        await t.run('editOrder amends the price and keeps the order id', async () => {
            const price = Number(ex.priceToPrecision(SYMBOL, last * 0.79));
            const e = await ex.editOrder(ids.limit, SYMBOL, 'limit', 'buy', market.limits.amount.min * 2, price);
            assertEq(e.id, ids.limit, 'amend ack id');
            const f = await ex.fetchOrder(ids.limit, SYMBOL, { acknowledged: true });
            assertEq(f.price, price, 'amended price');
            assertEq(f.status, 'open', 'still open');
        });
        await t.run('a duplicate orderLinkId is refused with 110072', async () => {
            const price = ex.priceToPrecision(SYMBOL, last * 0.8);
            await expectError(() => ex.createOrder(SYMBOL, 'limit', 'buy', market.limits.amount.min, Number(price),
                { clientOrderId: 'lim-' + uid }), [ccxt.InvalidOrder, ccxt.DuplicateOrderId], '110072', 'duplicate client id');
        });
        await t.run('market order with a client id fills and opens a long position', async () => {
            const qty = market.limits.amount.min * 10;
            const o = await ex.createOrder(SYMBOL, 'market', 'buy', qty, undefined, { clientOrderId: 'mkt-' + uid });
            ids.market = o.id;
            const f = await ex.fetchOrder(o.id, SYMBOL, { acknowledged: true });
            assertEq(f.status, 'closed', 'market order status');
            assertEq(f.info.orderStatus, 'Filled', 'raw status');
            assertEq(f.filled, qty, 'filled qty');
            assert(f.average > 0, 'average price');
            const pos = await ex.fetchPositions([SYMBOL]);
            assertEq(pos.length, 1, 'one position');
            assertEq(pos[0].side, 'long', 'long');
            assertEq(pos[0].contracts, qty, 'size');
            assertEq(pos[0].leverage, 5, 'leverage follows set-leverage');
            assert(pos[0].entryPrice > 0, 'entry price');
        });
        await t.run('fetchPositions without a symbol lists open positions (settleCoin)', async () => {
            const all = await ex.fetchPositions();
            assertEq(all.length, 1, 'one open position');
            assertEq(all[0].symbol, SYMBOL, 'its symbol');
        });
        await t.run('a reduce-only market sell halves the position', async () => {
            const qty = market.limits.amount.min * 5;
            const o = await ex.createOrder(SYMBOL, 'market', 'sell', qty, undefined,
                { reduceOnly: true, clientOrderId: 'ro-' + uid });
            const f = await ex.fetchOrder(o.id, SYMBOL, { acknowledged: true });
            assertEq(f.reduceOnly, true, 'reduceOnly echoed');
            assertEq(f.status, 'closed', 'filled');
            const pos = await ex.fetchPositions([SYMBOL]);
            assertEq(pos[0].contracts, market.limits.amount.min * 5, 'position halved');
        });
        await t.run('a stop-market order rests as Untriggered', async () => {
            const trigger = Number(ex.priceToPrecision(SYMBOL, last * 0.7));
            const o = await ex.createOrder(SYMBOL, 'market', 'sell', market.limits.amount.min, undefined,
                { triggerPrice: trigger, triggerDirection: 'descending', reduceOnly: true, clientOrderId: 'stp-' + uid });
            ids.stop = o.id;
            const f = await ex.fetchOrder(o.id, SYMBOL, { acknowledged: true });
            assertEq(f.info.orderStatus, 'Untriggered', 'conditional status');
            assertEq(f.triggerPrice, trigger, 'trigger price');
            assertEq(f.status, 'open', 'unified status');
        });
        await t.run('a limit order with attached take-profit and stop-loss keeps them', async () => {
            const price = Number(ex.priceToPrecision(SYMBOL, last * 0.85));
            const tp = Number(ex.priceToPrecision(SYMBOL, last * 1.1));
            const sl = Number(ex.priceToPrecision(SYMBOL, last * 0.75));
            const o = await ex.createOrder(SYMBOL, 'limit', 'buy', market.limits.amount.min, price,
                { takeProfit: tp, stopLoss: sl, clientOrderId: 'tpsl-' + uid });
            const f = await ex.fetchOrder(o.id, SYMBOL, { acknowledged: true });
            assertEq(f.takeProfitPrice, tp, 'take profit');
            assertEq(f.stopLossPrice, sl, 'stop loss');
        });
        await t.run('fetchOpenOrders lists the resting and the conditional orders', async () => {
            const open = await ex.fetchOpenOrders(SYMBOL);
            const got = open.map((o) => o.id);
            assert(got.includes(ids.limit), 'limit order open');
            assert(got.includes(ids.stop), 'stop order open');
            assert(!got.includes(ids.market), 'filled order not open');
        });
        await t.run('a stop order fires when the price falls through it and keeps its orderId', async () => {
            const now = (await ex.fetchTicker(SYMBOL)).last;
            const trigger = Number(ex.priceToPrecision(SYMBOL, now * 0.98));
            const o = await ex.createOrder(SYMBOL, 'market', 'sell', market.limits.amount.min, undefined,
                { triggerPrice: trigger, triggerDirection: 'descending', reduceOnly: true, clientOrderId: 'fire-' + uid });
            const before = await ex.fetchPositions([SYMBOL]);
            const r = await admin(sim, 'POST', '/admin/price',
                { venue: 'bybit', symbol: 'ETHUSDT', price: ex.priceToPrecision(SYMBOL, now * 0.97) });
            assertEq(r.status, 200, 'admin price ' + r.text);
            const f = await ex.fetchOrder(o.id, SYMBOL, { acknowledged: true });
            assertEq(f.id, o.id, 'same id after the trigger');
            assertEq(f.info.orderStatus, 'Filled', 'the triggered order filled');
            assertEq(f.clientOrderId, 'fire-' + uid, 'client id kept');
            const after = await ex.fetchPositions([SYMBOL]);
            assertEq(Number(ex.amountToPrecision(SYMBOL, before[0].contracts - after[0].contracts)),
                market.limits.amount.min, 'position reduced by the stop');
            last = (await ex.fetchTicker(SYMBOL)).last;
        });
        await t.run('cancelOrder cancels; a second cancel is 110001', async () => {
            const c = await ex.cancelOrder(ids.limit, SYMBOL);
            assertEq(c.id, ids.limit, 'cancel ack id');
            const f = await ex.fetchOrder(ids.limit, SYMBOL, { acknowledged: true });
            assertEq(f.status, 'canceled', 'canceled');
            assertEq(f.info.orderStatus, 'Cancelled', 'raw Cancelled');
            await expectError(() => ex.cancelOrder(ids.limit, SYMBOL), [ccxt.OrderNotFound, ccxt.InvalidOrder], '1100', 'second cancel');
        });
        await t.run('fetchClosedOrders and fetchCanceledOrders read the order history', async () => {
            const closed = await ex.fetchClosedOrders(SYMBOL);
            assert(closed.some((o) => o.id === ids.market && o.status === 'closed'), 'filled market order in history');
            assert(!closed.some((o) => o.id === ids.limit), 'a cancelled order is not closed-filled');
            const canceled = await ex.fetchCanceledOrders(SYMBOL);
            assert(canceled.some((o) => o.id === ids.limit && o.status === 'canceled'), 'cancelled order in history');
        });
        await t.run('cancelAllOrders leaves no open order', async () => {
            await ex.cancelAllOrders(SYMBOL);
            await ex.cancelAllOrders(SYMBOL, { trigger: true });
            const open = await ex.fetchOpenOrders(SYMBOL);
            assertEq(open.length, 0, 'open orders after cancel-all');
        });
        await t.run('fetchMyTrades lists the fills', async () => {
            const trades = await ex.fetchMyTrades(SYMBOL);
            const mine = trades.filter((tr) => tr.order === ids.market);
            assert(mine.length >= 1, 'a fill of the market order');
            const sum = mine.reduce((s, tr) => s + tr.amount, 0);
            assertEq(sum, market.limits.amount.min * 10, 'filled quantity');
            assert(mine[0].fee && mine[0].fee.currency === 'USDT', 'fee in USDT');
            assertEq(mine[0].info.execType, 'Trade', 'execType');
        });
        await t.run('a wrong secret is 10004 (AuthenticationError)', async () => {
            const bad = client(base, { secret: 'not-the-secret' });
            bad.markets = ex.markets; bad.markets_by_id = ex.markets_by_id; bad.options.enableUnifiedAccount = true; bad.options.enableUnifiedMargin = false;
            await expectError(() => bad.fetchBalance(), [ccxt.AuthenticationError], '10004', 'bad signature');
        });
        await t.run('an unknown key is 10003 (AuthenticationError)', async () => {
            const bad = client(base, { apiKey: 'no-such-key' });
            bad.markets = ex.markets; bad.markets_by_id = ex.markets_by_id; bad.options.enableUnifiedAccount = true; bad.options.enableUnifiedMargin = false;
            await expectError(() => bad.fetchBalance(), [ccxt.AuthenticationError], '10003', 'bad key');
        });
        await t.run('a stale timestamp is 10002 (InvalidNonce)', async () => {
            const stale = client(base);
            stale.markets = ex.markets; stale.markets_by_id = ex.markets_by_id; stale.options.enableUnifiedAccount = true; stale.options.enableUnifiedMargin = false;
            stale.options.timeDifference = 60000; // ccxt's nonce = now - timeDifference: 60 s old, recvWindow 5 s
            await expectError(() => stale.fetchBalance(), [ccxt.InvalidNonce], '10002', 'stale timestamp');
        });
        await t.run('rate-limit headers come with private replies', async () => {
            await ex.fetchBalance();
            const h = ex.last_response_headers || {};
            const get = (n) => h[n] ?? h[n.toLowerCase()];
            assert(Number(get('X-Bapi-Limit')) > 0, 'X-Bapi-Limit ' + JSON.stringify(h));
            assert(get('X-Bapi-Limit-Status') !== undefined, 'X-Bapi-Limit-Status');
            assert(Number(get('X-Bapi-Limit-Reset-Timestamp')) > 0, 'reset timestamp');
        });
    } finally {
        const st = await sim.stop();
        if (st && st.sig === 'SIGKILL') console.log('simulator needed SIGKILL');
        if (t.failed.length) console.log('--- simulator output ---\n' + sim.log().slice(-4000));
    }
    return t.finish();
}

runMain(main);
