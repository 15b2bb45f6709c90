// simlib: what every independent-client test of the exchange simulator shares. It finds free loopback
// ports, starts its own xroute-exchange-sim process, waits until every dialect port accepts connections,
// and stops it at the end (SIGTERM, then SIGKILL); a small check runner counts and prints results so a
// test fails loudly on the first wrong answer and still reports the rest.
//
// Environment: XR_BIN (the build's bin/ directory, set by CTest) names the simulator binary.
// Ports: admin = base, Binance = base+1, Bybit = base+2, CoinDCX = base+3 (docs/architecture.md).

import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

// Credentials the simulator is started with (test-only values, never real keys). One --account exists on
// every venue of the simulator.
const ACCOUNT = { key: 'simx-test-key', secret: 'simx-test-secret' };
export const CREDS = { binance: ACCOUNT, bybit: ACCOUNT, coindcx: ACCOUNT };

function portFree(port) {
    return new Promise((resolve) => {
        const srv = net.createServer();
        srv.once('error', () => resolve(false));
        srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
}

// A base port with base..base+3 free, from the 19200-19299 range given to these suites (random start so
// that two suites started together rarely race for the same ports).
export async function findPortBase(lo = 19200, hi = 19296) {
    const span = hi - lo;
    const start = lo + Math.floor(Math.random() * span);
    for (let i = 0; i < span; i += 4) {
        const base = lo + ((start - lo + i) % span);
        let ok = true;
        for (let p = base; p < base + 4 && ok; p++) ok = await portFree(p);
        if (ok) return base;
    }
    throw new Error('no free port block in ' + lo + '..' + hi);
}

function connectOnce(port) {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
        s.once('error', () => resolve(false));
    });
}

// Starts the simulator on a free port block; resolves to { base, ports, stop(), log() } once all four
// ports accept connections (5 s at most). extraArgs go on the command line after --port-base.
export async function startSim(extraArgs = []) {
    const bin = path.join(process.env.XR_BIN || path.resolve('../../build/bin'), 'xroute-exchange-sim');
    if (!fs.existsSync(bin)) throw new Error('simulator not found: ' + bin + ' (set XR_BIN)');
    const base = await findPortBase();
    const parent = process.env.XR_SCRATCH || os.tmpdir();
    fs.mkdirSync(parent, { recursive: true });
    const scratch = fs.mkdtempSync(path.join(parent, 'simx-'));
    const args = ['--port-base', String(base), '--account', ACCOUNT.key + ':' + ACCOUNT.secret, ...extraArgs];
    const proc = spawn(bin, args, { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d) => { output += d; });
    proc.stderr.on('data', (d) => { output += d; });
    let exited = null;
    proc.on('exit', (code, sig) => { exited = { code, sig }; });
    const ports = { admin: base, binance: base + 1, bybit: base + 2, coindcx: base + 3 };
    const deadline = Date.now() + 5000;
    for (const p of Object.values(ports)) {
        while (!(await connectOnce(p))) {
            if (exited) throw new Error('simulator exited early ' + JSON.stringify(exited) + ':\n' + output);
            if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error('simulator not listening on ' + p + ':\n' + output); }
            await new Promise((r) => setTimeout(r, 50));
        }
    }
    const stop = async () => {
        if (exited) return exited;
        proc.kill('SIGTERM');
        const t0 = Date.now();
        while (!exited && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
        if (!exited) proc.kill('SIGKILL');
        return exited;
    };
    return { base, ports, proc, stop, log: () => output, url: (p) => 'http://127.0.0.1:' + p };
}

// Admin API of the simulator (JSON over HTTP on the admin port). Returns the parsed reply.
export async function admin(sim, method, pathname, body) {
    const res = await fetch(sim.url(sim.ports.admin) + pathname, {
        method,
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* leave null */ }
    return { status: res.status, text, json };
}

// A sequential check runner: run(name, fn) records pass/fail; finish() prints a summary and returns the
// process exit code.
export class Checks {
    constructor(suite) { this.suite = suite; this.passed = 0; this.failed = []; }
    async run(name, fn) {
        try {
            await fn();
            this.passed++;
            console.log('PASS ' + this.suite + ': ' + name);
        } catch (e) {
            this.failed.push(name);
            console.log('FAIL ' + this.suite + ': ' + name + ': ' + (e && e.stack ? e.stack : e));
        }
    }
    finish() {
        console.log(this.suite + ': ' + this.passed + ' passed, ' + this.failed.length + ' failed');
        if (this.failed.length) console.log('failed: ' + this.failed.join('; '));
        return this.failed.length ? 1 : 0;
    }
}

export function assert(cond, msg) {
    if (!cond) throw new Error('assertion failed: ' + msg);
}

export function assertEq(actual, expected, msg) {
    if (actual !== expected) {
        throw new Error('assertion failed: ' + msg + ': expected ' + JSON.stringify(expected) + ', got ' + JSON.stringify(actual));
    }
}

// Expects fn to throw an error of one of the given classes whose message contains `needle` (the venue's
// own code); returns the error.
export async function expectError(fn, classes, needle, msg) {
    let err = null;
    try { await fn(); } catch (e) { err = e; }
    if (!err) throw new Error('assertion failed: ' + msg + ': no error thrown');
    const okClass = classes.some((c) => err instanceof c);
    if (!okClass) throw new Error('assertion failed: ' + msg + ': wrong error class ' + err.constructor.name + ': ' + err.message);
    if (needle && !String(err.message).includes(needle)) {
        throw new Error('assertion failed: ' + msg + ': message lacks ' + needle + ': ' + err.message);
    }
    return err;
}

// Runs main() with a hard time limit so a hung simulator can never hang CTest.
export function runMain(main, limitMs = 90000) {
    const timer = setTimeout(() => { console.log('TIMEOUT after ' + limitMs + ' ms'); process.exit(3); }, limitMs);
    main().then((code) => { clearTimeout(timer); process.exit(code); },
        (e) => { clearTimeout(timer); console.log('ERROR ' + (e && e.stack ? e.stack : e)); process.exit(2); });
}
