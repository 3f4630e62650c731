#!/usr/bin/env node
// Webhook burst bench (issue 12): /v1/me requests/s while a backlog of 1,000 deliveries is worked through
// against a slow (2 s) receiver ÷ /v1/me requests/s with no delivery in flight — one real server process
// (dist/server.js, NODE_ENV=production, FLOW_WEBHOOK_ALLOW_PRIVATE=true) on loopback, same run.
//
// The receiver (bench/slow-receiver.js) is its own process. 1,000 test events are queued through the API
// (POST /v1/webhook-endpoints/:id/test) over 8 endpoints while they are paused; then rounds alternate:
// "burst" = the endpoints enabled and the worker at its maximum concurrency (4 per endpoint, 32 per node:
// 8 endpoints × 4 fill it), "quiet" = the endpoints paused and every attempt in flight answered. The worker
// caps a node at 32 attempts in flight, so 1,000 are never in flight at once: the burst is the backlog of
// 1,000 pending deliveries being worked through at the worker's maximum (the output says so).
//
//   standalone:  npm run build && node bench/webhooks.js [--seconds 5] [--rounds 4] [--connections 50]
//                → prints one JSON line { bench, burstMeRps, quietMeRps, ratio (median of rounds), ... }
//   profile:     BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/webhooks.js (flags for the server process)
//   from run.js: import { webhooksBench } from './webhooks.js'; const r = await webhooksBench();
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load, ROOT, startServer } from './lib.js';

const EVENTS = 1000;
const ENDPOINTS = 8;
const DELAY_MS = 2000;

/** The slow receiver in its own process; `stats()` asks it for its counters. */
async function startReceiver() {
  const child = fork(path.join(ROOT, 'bench/slow-receiver.js'), [], { env: { ...process.env, DELAY_MS: String(DELAY_MS) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m) => resolve(m.port));
  });
  return {
    port,
    stats: () =>
      new Promise((resolve) => {
        const on = (m) => {
          if (m?.type !== 'stats') return;
          child.off('message', on);
          resolve(m);
        };
        child.on('message', on);
        child.send({ type: 'stats' });
      }),
    resetMax: () => child.send({ type: 'reset-max' }),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Polls `fn` until it returns true or `ms` passes; returns whether it did. */
async function until(fn, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * CPU seconds (user + system) the process has used, from /proc (Linux); null elsewhere. Lets the bench report
 * the server's CPU per /v1/me request, which other load on a shared machine does not change.
 */
function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** /v1/me rps during the burst ÷ without it, on one server, alternating rounds. */
export async function webhooksBench({ seconds = 5, rounds = 4, connections = 50 } = {}) {
  const receiver = await startReceiver();
  const serverStarted = Date.now();
  const windows = []; // the rounds' times (ms after the server was spawned), printed with BENCH_NODE_ARGS to read a --cpu-prof by round
  const server = await startServer({ FLOW_WEBHOOK_ALLOW_PRIVATE: 'true' }, process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []);
  try {
    const created = JSON.parse(server.flow(['keys', 'create', '--env', 'demo', '--reference', 'bench-webhooks', '--purpose', 'flow_api', '--expires', isoDaysAhead(30), '--json']));
    const auth = { authorization: `Bearer ${created.key}` };
    const api = async (method, p, body) => {
      const res = await fetch(`${server.base}${p}`, { method, headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const endpoints = [];
    for (let i = 0; i < ENDPOINTS; i++) {
      const e = await api('POST', '/v1/webhook-endpoints', { url: `http://127.0.0.1:${receiver.port}/hooks/${i}`, events: ['member.updated'], description: `bench ${i}` });
      endpoints.push(e.id);
    }
    const setStatus = (status) => Promise.all(endpoints.map((id) => api('PATCH', `/v1/webhook-endpoints/${id}`, { status })));
    // Queue the backlog while the endpoints are paused, so that no delivery starts before the first burst round.
    await setStatus('paused');
    const queueStarted = Date.now();
    for (let i = 0; i < EVENTS; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, EVENTS - i) }, (_, j) => api('POST', `/v1/webhook-endpoints/${endpoints[(i + j) % ENDPOINTS]}/test`)));
    }
    const queueMs = Date.now() - queueStarted;

    await load(`${server.base}/v1/me`, { duration: 2, connections, headers: auth }); // warm-up

    const maxInFlight = ENDPOINTS * 4;
    const burst = [];
    const quiet = [];
    const ratios = [];
    let errors = 0;
    let inFlightShort = 0;
    const burstRound = async () => {
      await setStatus('enabled');
      // The worker polls every 500 ms and refills a slot as soon as it frees: wait for every slot to be taken.
      if (!(await until(async () => (await receiver.stats()).open >= maxInFlight, 5000))) inFlightShort++;
      receiver.resetMax();
      const before = await receiver.stats();
      const cpu0 = cpuSeconds(server.child.pid);
      const started = Date.now();
      const m = await load(`${server.base}/v1/me`, { duration: seconds, connections, headers: auth });
      const cpu = cpu0 === null ? null : cpuSeconds(server.child.pid) - cpu0;
      windows.push({ side: 'burst', from: started - serverStarted, to: Date.now() - serverStarted });
      const after = await receiver.stats();
      burst.push({ ...m, cpu, requests: m.rps * seconds, answered: after.answered - before.answered, meanInFlight: (after.openMs - before.openMs) / (after.at - before.at), maxOpen: after.maxOpen });
      errors += m.errors + m.non2xx;
      return m.rps;
    };
    const quietRound = async () => {
      await setStatus('paused');
      // Paused endpoints get no new attempt; wait until every attempt in flight is answered (≤ 2 s).
      await until(async () => (await receiver.stats()).open === 0, 10_000);
      const cpu0 = cpuSeconds(server.child.pid);
      const started = Date.now();
      const m = await load(`${server.base}/v1/me`, { duration: seconds, connections, headers: auth });
      const cpu = cpu0 === null ? null : cpuSeconds(server.child.pid) - cpu0;
      windows.push({ side: 'quiet', from: started - serverStarted, to: Date.now() - serverStarted });
      const s = await receiver.stats();
      quiet.push({ ...m, cpu, requests: m.rps * seconds, openAtEnd: s.open });
      errors += m.errors + m.non2xx;
      return m.rps;
    };
    for (let i = 0; i < rounds; i++) {
      // Alternate which side goes first, so a drift of the machine's load hits both sides alike.
      let b;
      let q;
      if (i % 2 === 0) {
        b = await burstRound();
        q = await quietRound();
      } else {
        q = await quietRound();
        b = await burstRound();
      }
      ratios.push(b / q);
    }
    // The deliveries' own cost: the server's CPU over one window of burst with no /v1/me load, per delivery answered.
    await setStatus('enabled');
    await until(async () => (await receiver.stats()).open >= maxInFlight, 5000);
    const alone0 = { cpu: cpuSeconds(server.child.pid), answered: (await receiver.stats()).answered };
    const aloneStarted = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    windows.push({ side: 'deliveries alone', from: aloneStarted - serverStarted, to: Date.now() - serverStarted });
    const aloneAnswered = (await receiver.stats()).answered - alone0.answered;
    const aloneCpu = alone0.cpu === null ? null : cpuSeconds(server.child.pid) - alone0.cpu;
    await setStatus('paused');
    if (process.env.BENCH_NODE_ARGS) console.error(JSON.stringify({ windows }));
    const final = await receiver.stats();
    const sum = (xs, k) => xs.reduce((a, x) => a + x[k], 0);
    const sorted = [...ratios].sort((a, b) => a - b);
    const median = (sorted[Math.floor((rounds - 1) / 2)] + sorted[Math.ceil((rounds - 1) / 2)]) / 2;
    const answeredDuringBurst = sum(burst, 'answered');
    // The server's CPU per /v1/me request (the deliveries' CPU included in the burst's): quiet ÷ burst is about
    // the ratio a CPU-bound server would show at these request rates, whatever else runs on the machine.
    const cpuPerRequestMs = (xs) => (xs.some((r) => r.cpu === null) ? null : round((1000 * sum(xs, 'cpu')) / sum(xs, 'requests')));
    const perDelivery = aloneCpu === null || aloneAnswered === 0 ? null : round((1000 * aloneCpu) / aloneAnswered);
    const burstCpu = cpuPerRequestMs(burst);
    const quietCpu = cpuPerRequestMs(quiet);
    return {
      bench: 'v1_me_during_webhook_burst_vs_quiet',
      burstMeRps: Math.round(sum(burst, 'rps') / rounds),
      quietMeRps: Math.round(sum(quiet, 'rps') / rounds),
      ratio: round(median),
      ratios: ratios.map(round),
      serverCpuMsPerMeBurst: burstCpu,
      serverCpuMsPerMeQuiet: quietCpu,
      cpuRatio: burstCpu && quietCpu ? round(quietCpu / burstCpu) : null,
      serverCpuShareBurst: burst[0].cpu === null ? null : round(sum(burst, 'cpu') / (rounds * seconds)),
      serverCpuShareQuiet: quiet[0].cpu === null ? null : round(sum(quiet, 'cpu') / (rounds * seconds)),
      burstMeP99Ms: Math.max(...burst.map((r) => r.p99)),
      quietMeP99Ms: Math.max(...quiet.map((r) => r.p99)),
      eventsQueued: EVENTS,
      queueSeconds: round(queueMs / 1000),
      endpoints: ENDPOINTS,
      receiverDelayMs: DELAY_MS,
      serverCpuMsPerDeliveryWithoutLoad: perDelivery,
      // What the ratio would be if the server had one core to itself: the share of it the deliveries take at the burst's rate.
      ratioIfServerHadOneFreeCore: perDelivery === null ? null : round(1 - (answeredDuringBurst / (rounds * seconds)) * (perDelivery / 1000)),
      // In flight = open requests at the receiver: at most the worker's cap (4 per endpoint, 32 per node), never 1,000.
      meanInFlightDuringBurst: round(sum(burst, 'meanInFlight') / rounds),
      maxInFlightDuringBurst: `${Math.max(...burst.map((r) => r.maxOpen))} (worker cap ${maxInFlight}; the rest of the 1,000 pending)`,
      deliveriesAnsweredDuringBurstWindows: answeredDuringBurst,
      deliveriesPerSecondDuringBurst: round(answeredDuringBurst / (rounds * seconds)),
      deliveriesAnsweredInAll: final.answered,
      pendingAtEnd: EVENTS - final.received,
      burstRoundsNotAtFullConcurrency: inFlightShort,
      quietRoundsWithAttemptsInFlight: quiet.filter((r) => r.openAtEnd > 0).length,
      connections,
      secondsPerRound: seconds,
      rounds,
      errors,
    };
  } finally {
    await server.stop();
    await receiver.stop();
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}

function isoDaysAhead(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}
function round(x) {
  return Math.round(x * 1000) / 1000;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '4' }, connections: { type: 'string', default: '50' } } });
  console.log(JSON.stringify(await webhooksBench({ seconds: Number(values.seconds), rounds: Number(values.rounds), connections: Number(values.connections) })));
}
