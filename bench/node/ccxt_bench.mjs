// ccxt_bench: the peer of the xroute pipeline in `make bench`: the ccxt npm package (exchange id `binanceusdm`,
// its rate limiter off) placing the same resting limit orders on the same exchange simulator, with a fixed
// number of requests in flight (a pool of promises), over Node's keep-alive HTTP agent (ccxt's default).
//
// usage: node ccxt_bench.mjs BASE_URL N INFLIGHT CLID_PREFIX API_KEY SECRET SYMBOL:QTY:PRICE...
//   SYMBOL is the venue's id (BTCUSDT); prices and quantities are passed as text and ccxt formats them to the
//   market's precision. Markets are loaded before the clock starts. Prints one JSON line like bench_pipeline.
import ccxt from 'ccxt';

const [base, nArg, inflightArg, prefix, apiKey, secret, ...specs] = process.argv.slice(2);
const n = Number(nArg), inflight = Number(inflightArg);
const ex = new ccxt.binanceusdm({
    apiKey, secret, enableRateLimit: false, timeout: 30000,
    options: { fetchCurrencies: false, adjustForTimeDifference: false },
});
for (const [k, v] of Object.entries(ex.urls.api)) {
    if (typeof v === 'string') ex.urls.api[k] = v.replace(/^https?:\/\/[^/]+/, base);
}
await ex.loadMarkets();
const syms = specs.map((s) => {
    const [id, qty, price] = s.split(':');
    return { symbol: ex.markets_by_id[id][0].symbol, qty: Number(qty), price: Number(price) };
});
const lat = [];
let ok = 0, errors = 0, firstError = '', next = 0;
async function worker() {
    while (next < n) {
        const i = next++;
        const s = syms[i % syms.length];
        const t = process.hrtime.bigint();
        try {
            await ex.createOrder(s.symbol, 'limit', 'buy', s.qty, s.price,
                { timeInForce: 'GTC', newClientOrderId: `${prefix}-${i}` });
            ok++;
        } catch (e) {
            errors++;
            if (!firstError) firstError = String(e.message || e).slice(0, 200);
        }
        lat.push(Number((process.hrtime.bigint() - t) / 1000n));
    }
}
const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: inflight }, worker));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
lat.sort((a, b) => a - b);
const pct = (p) => (lat.length ? lat[Math.round(p * (lat.length - 1))] : 0);
console.log(JSON.stringify({
    orders: n, inflight, ok, errors, first_error: firstError, seconds: secs,
    orders_per_s: Math.round((lat.length / secs) * 10) / 10,
    p50_us: pct(0.5), p99_us: pct(0.99), p999_us: pct(0.999), max_us: lat[lat.length - 1] || 0,
}));
