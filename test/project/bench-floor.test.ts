// The /v1/me floor of `npm run bench` (bench/floor-server.js, contractMinimum) is the target the product is
// measured against: it must answer like the product and do what the contract asks of every /v1 answer, or the
// ratio flatters one side. Started as the bench starts it, beside the product's own answer to the same key.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/kernel/key-format.js';
import { apiWorld } from '../world.js';
import type { TestApp } from '../helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECURITY = /^(content-security-policy|cross-origin-|permissions-policy|referrer-policy|x-content-type-options|x-frame-options|strict-transport-security)/;
/** Headers of the HTTP connection, not of the answer (inject does not send them). */
const CONNECTION = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

let t: TestApp;
let key: string;
let product: { body: string; headers: Record<string, string> };
const floors: ChildProcess[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-floor-test-'));

/** Starts the contract-minimum floor for `key` with the product's body and security headers. */
async function floor(spec: { limit: number; expiresAtMs: number }): Promise<string> {
  const file = path.join(dir, `spec-${floors.length}.json`);
  const headers = Object.fromEntries(Object.entries(product.headers).filter(([k]) => SECURITY.test(k)));
  fs.writeFileSync(file, JSON.stringify({ kind: 'me', contractMinimum: true, key, body: product.body, headers, ...spec }));
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/floor-server.js'), file], { stdio: ['pipe', 'pipe', 'inherit'] });
  floors.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`the floor exited with ${code}`)));
  });
  return (JSON.parse(line) as { base: string }).base;
}

const me = (base: string, presented: string) => fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${presented}` } });
const names = (h: Iterable<[string, string]>) => [...h].map(([k]) => k).filter((k) => !CONNECTION.has(k)).sort();

beforeAll(async () => {
  const world = await apiWorld('flow_api');
  t = world.t;
  key = world.w.keys.flow_api;
  const res = await t.app.inject({ method: 'GET', url: '/v1/me', headers: world.k });
  expect(res.statusCode).toBe(200);
  product = { body: res.body, headers: res.headers as Record<string, string> };
});

afterAll(async () => {
  for (const f of floors) f.kill();
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the /v1/me floor of npm run bench (contract minimum)', () => {
  it('answers with the product body and the same headers, counting the key’s calls and giving each answer its own id', async () => {
    const base = await floor({ limit: 600, expiresAtMs: Date.now() + 86_400_000 });
    const first = await me(base, key);
    const second = await me(base, key);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe(product.body);
    expect(names(first.headers)).toEqual(names(Object.entries(product.headers)));
    expect(first.headers.get('ratelimit-limit')).toBe('600');
    expect(Number(first.headers.get('ratelimit-remaining')) - Number(second.headers.get('ratelimit-remaining'))).toBe(1);
    expect(Number(second.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
  });

  it('refuses a bad checksum as malformed, an unknown well-formed key as invalid, and counts to its limit', async () => {
    const base = await floor({ limit: 2, expiresAtMs: Date.now() + 86_400_000 });
    const wrongChecksum = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(await (await me(base, wrongChecksum)).json()).toEqual({ code: 'key_malformed' });
    expect(await (await me(base, generateKey().key)).json()).toEqual({ code: 'key_invalid' });
    expect((await me(base, key)).status).toBe(200);
    expect((await me(base, key)).status).toBe(200);
    const third = await me(base, key);
    expect(third.status).toBe(429);
    expect(third.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('refuses the key once it has expired', async () => {
    const base = await floor({ limit: 600, expiresAtMs: Date.now() - 1 });
    const res = await me(base, key);
    expect(res.status).toBe(401);
  });
});
