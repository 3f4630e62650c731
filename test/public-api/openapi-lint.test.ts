import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers.js';
import { OPERATIONS } from '../../src/public-api/operations.js';

const run = promisify(execFile);
const REDOCLY = path.resolve('node_modules/.bin/redocly');

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: Array<{ pointer: string }>;
}

/** `redocly lint --extends recommended` on a served document: every problem it reports. */
async function lint(doc: unknown): Promise<LintProblem[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-lint-'));
  const file = path.join(dir, 'openapi.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const out = await run(REDOCLY, ['lint', '--extends', 'recommended', '--format', 'json', file], { env, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout: string }) => err);
  fs.rmSync(dir, { recursive: true, force: true });
  return (JSON.parse(out.stdout) as { problems: LintProblem[] }).problems;
}

describe('the OpenAPI documents', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  for (const url of ['/openapi.json', '/openapi/public.json', '/openapi/admin.json', '/openapi/test-provider.json']) {
    it(`${url} passes redocly lint --extends recommended with 0 errors and 0 warnings`, async () => {
      const res = await t.app.inject({ url, headers: { host: 'flow.test:3000' } });
      expect(res.statusCode).toBe(200);
      const problems = await lint(res.json());
      expect(problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
    }, 60_000);
  }

  it('every operation has a stable operationId from the table, unique across the document', async () => {
    const doc = (await t.app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, { operationId: string }>> };
    const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, id: op.operationId })));
    expect(ops.filter((o) => OPERATIONS[o.key]?.id !== o.id).map((o) => o.key)).toEqual([]);
    expect(new Set(ops.map((o) => o.id)).size).toBe(ops.length);
  });

  it('servers: FLOW_PUBLIC_URL when set, else the origin the caller reached', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json', headers: { host: 'flow.test:8080' } })).json();
    expect(doc.servers).toEqual([{ url: 'http://flow.test:8080', description: 'This server' }]);
    const other = await buildTestApp({ config: { publicUrl: 'https://api.flow.example/' } });
    try {
      expect((await other.app.inject('/openapi/public.json')).json().servers[0].url).toBe('https://api.flow.example');
    } finally {
      await other.close();
    }
  });
});
