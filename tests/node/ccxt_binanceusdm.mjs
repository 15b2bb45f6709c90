// ccxt_binanceusdm: the Binance USD-M dialect of the exchange simulator, driven by an independent client
// (the ccxt npm package, exchange id `binanceusdm`). ccxt signs with its own code (HMAC over the exact
// query string) and parses replies with its own parser, so a pass means a real client would accept the
// simulator's wire format. Every api section of urls.api points at 127.0.0.1; currency fetching (sapi) and
// time adjustment are off so nothing leaves the machine.

import ccxt from 'ccxt';
import { startSim, CREDS, Checks, assert, assertEq, expectError, runMain } from './simlib.mjs';

const SYMBOL = 'ETH/USDT:USDT';

function client(base, overrides = {}) {
    const ex = new ccxt.binanceusdm({
        apiKey: overrides.apiKey || CREDS.binance.key,
        secret: overrides.secret || CREDS.binance.secret,
        enableRateLimit: false,
        timeout: 5000,
        options: {
            fetchCurrencies: false,
            adjustForTimeDifference: false,
            warnOnFetchOpenOrdersWithoutSymbol: false,
        },
    });
    // Keep each section's path (/fapi/v1, /fapi/v2, ...) and swap only the scheme and host.
    for (const [k, v] of Object.entries(ex.urls.api)) {
        if (typeof v === 'string') ex.urls.api[k] = v.replace(/^https?:\/\/[^/]+/, base);
    }
    return ex;
}

async function main() {
    const sim = await startSim();
    const base = sim.url(sim.ports.binance);
    const ex = client(base);
    const t = new Checks('ccxt-binanceusdm');
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
                assert(m.limits.cost.min > 0, b + ' has min notional');
            }
            market = markets[SYMBOL];
        });
        await t.run('fetchTime is the server clock', async () => {
            const ts = await ex.fetchTime();
            assert(Math.abs(ts - Date.now()) < 5000, 'server time within 5 s: ' + ts);
        });
        // the last price the order checks below are placed around; read raw first so that a fetchTicker
        // failure does not cascade into every later check
        last = Number((await ex.fapiPublicGetTickerPrice({ symbol: 'ETHUSDT' })).price);
        await t.run('fetchTicker has a last price', async () => {
            const tk = await ex.fetchTicker(SYMBOL);
            assertEq(tk.symbol, SYMBOL, 'ticker symbol');
            assert(tk.last > 0, 'last ' + tk.last);
            last = tk.last;
        });
        await t.run('fetchOHLCV returns consecutive candles, oldest first', async () => {
            const candles = await ex.fetchOHLCV(SYMBOL, '1m', undefined, 5);
            assertEq(candles.length, 5, 'five candles');
            for (const c of candles) assert(c[2] >= c[3] && c[1] > 0, 'high >= low');
            assertEq(candles[4][0] - candles[0][0], 4 * 60000, 'consecutive minutes');
        });
        await t.run('fetchBalance shows USDT', async () => {
            const bal = await ex.fetchBalance();
            assert(bal.USDT && bal.USDT.total > 0, 'USDT total ' + JSON.stringify(bal.USDT));
            assert(bal.USDT.free > 0 && bal.USDT.free <= bal.USDT.total, 'free <= total');
        });
        await t.run('setLeverage 5 succeeds', async () => {
            const r = await ex.setLeverage(5, SYMBOL);
            assertEq(Number(r.leverage), 5, 'leverage echoed');
            assertEq(r.symbol, 'ETHUSDT', 'symbol echoed');
        });
        await t.run('limit order with a client id rests; fetchOrder finds it as NEW', async () => {
            const price = Number(ex.priceToPrecision(SYMBOL, last * 0.97));
            const amount = Number(ex.amountToPrecision(SYMBOL, 25 / price)); // above min notional
            const o = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, price, { clientOrderId: 'lim-' + uid });
            assert(o.id, 'order id');
            ids.limit = o.id;
            ids.limitAmount = amount;
            const f = await ex.fetchOrder(o.id, SYMBOL);
            assertEq(f.status, 'open', 'status');
            assertEq(f.info.status, 'NEW', 'raw status');
            assertEq(f.clientOrderId, 'lim-' + uid, 'client id');
            assertEq(f.price, price, 'price');
        });
        await t.run('a duplicate client id is refused with -4116', async () => {
            const price = Number(ex.priceToPrecision(SYMBOL, last * 0.97));
            await expectError(() => ex.createOrder(SYMBOL, 'limit', 'buy', ids.limitAmount, price, { clientOrderId: 'lim-' + uid }),
                // ccxt maps -4116 on fapi to a plain ExchangeError; the venue code in the message is what counts
                [ccxt.InvalidOrder, ccxt.DuplicateOrderId, ccxt.ExchangeError], '-4116', 'duplicate client id');
        });
        await t.run('market order with a client id fills and opens a long position', async () => {
            const qty = Number(ex.amountToPrecision(SYMBOL, 50 / last));
            ids.mktQty = qty;
            const o = await ex.createOrder(SYMBOL, 'market', 'buy', qty, undefined, { clientOrderId: 'mkt-' + uid });
            ids.market = o.id;
            const f = await ex.fetchOrder(o.id, SYMBOL);
            assertEq(f.status, 'closed', 'market order status');
            assertEq(f.filled, qty, 'filled qty');
            assert(f.average > 0, 'average price');
            const pos = (await ex.fetchPositions([SYMBOL])).filter((p) => p.contracts > 0);
            assertEq(pos.length, 1, 'one position');
            assertEq(pos[0].side, 'long', 'long');
            assertEq(pos[0].contracts, qty, 'size');
        });
        await t.run('a reduce-only market sell reduces the position', async () => {
            const part = Number(ex.amountToPrecision(SYMBOL, ids.mktQty / 2));
            const o = await ex.createOrder(SYMBOL, 'market', 'sell', part, undefined, { reduceOnly: true, clientOrderId: 'ro-' + uid });
            const f = await ex.fetchOrder(o.id, SYMBOL);
            assertEq(f.reduceOnly, true, 'reduceOnly echoed');
            assertEq(f.status, 'closed', 'filled');
            const pos = (await ex.fetchPositions([SYMBOL])).filter((p) => p.contracts > 0);
            assertEq(pos[0].contracts, Number(ex.amountToPrecision(SYMBOL, ids.mktQty - part)), 'position reduced');
        });
        await t.run('a stop-market order is accepted as a conditional (algo) order', async () => {
            const trigger = Number(ex.priceToPrecision(SYMBOL, last * 0.96));
            const qty = Number(ex.amountToPrecision(SYMBOL, ids.mktQty / 2));
            const o = await ex.createOrder(SYMBOL, 'STOP_MARKET', 'sell', qty, undefined,
                { triggerPrice: trigger, reduceOnly: true, clientOrderId: 'stp-' + uid });
            assert(o.id, 'algo id');
            ids.stop = o.id;
            const open = await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true });
            assert(open.some((x) => x.id === ids.stop), 'stop order listed among open conditional orders');
        });
        await t.run('fetchOpenOrders lists the resting limit order only', async () => {
            const open = await ex.fetchOpenOrders(SYMBOL);
            const got = open.map((o) => o.id);
            assert(got.includes(ids.limit), 'limit order open');
            assert(!got.includes(ids.market), 'filled order not open');
        });
        await t.run('cancelOrder cancels; a second cancel is -2011', async () => {
            const c = await ex.cancelOrder(ids.limit, SYMBOL);
            assertEq(c.status, 'canceled', 'cancel reply status');
            const f = await ex.fetchOrder(ids.limit, SYMBOL);
            assertEq(f.info.status, 'CANCELED', 'raw CANCELED');
            await expectError(() => ex.cancelOrder(ids.limit, SYMBOL), [ccxt.OrderNotFound, ccxt.InvalidOrder, ccxt.BadRequest, ccxt.ExchangeError],
                '-20', 'second cancel');
        });
        await t.run('cancelAllOrders leaves no open order (plain and conditional)', async () => {
            const price = Number(ex.priceToPrecision(SYMBOL, last * 0.97));
            await ex.createOrder(SYMBOL, 'limit', 'buy', ids.limitAmount, price, { clientOrderId: 'lim2-' + uid });
            await ex.cancelAllOrders(SYMBOL);
            await ex.cancelAllOrders(SYMBOL, { trigger: true });
            assertEq((await ex.fetchOpenOrders(SYMBOL)).length, 0, 'open orders after cancel-all');
            assertEq((await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).length, 0, 'open algo orders');
        });
        await t.run('fetchMyTrades lists the fills', async () => {
            const trades = await ex.fetchMyTrades(SYMBOL);
            const mine = trades.filter((tr) => tr.order === ids.market);
            assert(mine.length >= 1, 'a fill of the market order');
            const sum = mine.reduce((s, tr) => s + tr.amount, 0);
            assertEq(Number(ex.amountToPrecision(SYMBOL, sum)), ids.mktQty, 'filled quantity');
            assert(mine[0].fee && mine[0].fee.currency === 'USDT', 'fee in USDT');
        });
        await t.run('a wrong secret is -1022 (AuthenticationError)', async () => {
            const bad = client(base, { secret: 'not-the-secret' });
            bad.markets = ex.markets; bad.markets_by_id = ex.markets_by_id;
            await expectError(() => bad.fetchOpenOrders(SYMBOL), [ccxt.AuthenticationError, ccxt.BadRequest], '-1022', 'bad signature');
        });
        await t.run('an unknown key is -2015 or -2014 (AuthenticationError)', async () => {
            const bad = client(base, { apiKey: 'no-such-key' });
            bad.markets = ex.markets; bad.markets_by_id = ex.markets_by_id;
            await expectError(() => bad.fetchOpenOrders(SYMBOL), [ccxt.AuthenticationError, ccxt.OperationRejected], '-201', 'bad key');
        });
        await t.run('a stale timestamp is -1021 (InvalidNonce)', async () => {
            const stale = client(base);
            stale.markets = ex.markets; stale.markets_by_id = ex.markets_by_id;
            stale.options.timeDifference = 60000; // nonce = now - 60 s; recvWindow 10 s
            await expectError(() => stale.fetchOpenOrders(SYMBOL), [ccxt.InvalidNonce, ccxt.BadRequest], '-1021', 'stale timestamp');
        });
    } finally {
        await sim.stop();
        if (t.failed.length) console.log('--- simulator output ---\n' + sim.log().slice(-4000));
    }
    return t.finish();
}

runMain(main);
