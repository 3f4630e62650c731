import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliError, runCli, type CliIo } from '../../src/cli/main.js';
import { buildTestApp, type TestApp } from '../helpers.js';
import { buildFlowBin, runFlow } from './flow-bin.js';
import { makeWorld, type ApiWorld } from '../world.js';

describe('flow members import (over loopback HTTP)', () => {
  let t: TestApp;
  let w: ApiWorld;
  let base: string;
  let dir: string;
  let flowBin: ReturnType<typeof buildFlowBin>;
  beforeAll(async () => {
    flowBin = buildFlowBin();
    t = await buildTestApp();
    w = await makeWorld(t);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-cli-import-'));
  });
  afterAll(async () => {
    flowBin?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  function io(tty = false, env: NodeJS.ProcessEnv = {}, columns?: number) {
    const out: string[] = [];
    const err: string[] = [];
    const value: CliIo = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), stdin: async () => '', env, stderrIsTTY: tty, stderrColumns: () => columns };
    return { value, out, err };
  }

  it('uploads, shows progress, polls the job and prints the final job with --json', async () => {
    const file = path.join(dir, 'members.csv');
    fs.writeFileSync(file, 'first_name,last_name,email\nCli,One,cli1@example.com\nCli,Two,cli2@example.com\nCli,Bad,nope\n');
    const human = io(true);
    expect(await runCli(['members', 'import', file, '--key', w.keys.import_members, '--url', base], human.value)).toBe(0);
    expect(human.out.join('')).toMatch(/succeeded: 3 read, 2 created, 0 updated, 0 unchanged, 1 rejected/);
    expect(human.out.join('')).toContain('/errors');
    expect(human.err.join('')).toContain('%');
    const machine = io(false, { FLOW_API_KEY: w.keys.import_members });
    expect(await runCli(['members', 'import', file, '--url', base, '--json', '--dry-run'], machine.value)).toBe(0);
    const job = JSON.parse(machine.out.join(''));
    expect(job).toMatchObject({ status: 'succeeded', dryRun: true, counts: { read: 3, created: 0, unchanged: 2, rejected: 1 } });
    expect(machine.err.join('')).toBe('');
  });

  it('fails with a one-line error for a missing header or a key without members:import', async () => {
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, 'name,email\nA,a@example.com\n');
    const bad = io();
    const err = await runCli(['members', 'import', file, '--key', w.keys.import_members, '--url', base], bad.value).catch((e: unknown) => e);
    expect(cliError(err).line).toContain('last_name');
    const denied = await runCli(['members', 'import', file, '--key', w.keys.coursepro_integration, '--url', base], io().value).catch((e: unknown) => e);
    expect(cliError(denied)).toMatchObject({ code: 1 });
    expect(cliError(denied).line).toContain('permission_denied');
  });

  const port = () => String(new URL(base).port);

  it('the executable takes the key from FLOW_API_KEY and the server from PORT when --key and --url are absent', async () => {
    expect(port()).not.toBe('3000');
    const file = path.join(dir, 'env-key.csv');
    fs.writeFileSync(file, 'first_name,last_name,email\nEnv,Key,envkey@example.com\n');
    const res = await runFlow(flowBin.bin, ['members', 'import', file], { PORT: port(), FLOW_API_KEY: w.keys.import_members });
    expect(res.stderr).not.toContain('warning');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/succeeded: 1 read, 1 created/);
    // Without either, the error names both ways to give the key.
    const none = await runFlow(flowBin.bin, ['members', 'import', file], { PORT: port() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/FLOW_API_KEY.*--key|--key.*FLOW_API_KEY/);
  });

  it('--key beats FLOW_API_KEY and warns that it shows in ps and shell history', async () => {
    const file = path.join(dir, 'flag-key.csv');
    fs.writeFileSync(file, 'first_name,last_name,email\nFlag,Key,flagkey@example.com\n');
    // FLOW_API_KEY holds a key without members:import: the run succeeds only if --key is the one sent.
    const res = await runFlow(flowBin.bin, ['members', 'import', file, '--key', w.keys.import_members], { PORT: port(), FLOW_API_KEY: w.keys.coursepro_integration });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^warning: .*--key.*ps.*FLOW_API_KEY/m);
  });

  it('after an import with rejected rows, lists the first 20 reasons (row, field, reason) and the report URL', async () => {
    const file = path.join(dir, 'rejects.csv');
    const rows = ['first_name,last_name,email', 'Good,Row,goodrow@example.com'];
    for (let i = 0; i < 25; i++) rows.push(`Bad,Row${i},not-an-email-${i}`);
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const res = await runFlow(flowBin.bin, ['members', 'import', file], { PORT: port(), FLOW_API_KEY: w.keys.import_members });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('25 rejected');
    const listed = res.stdout.split('\n').filter((l) => /^ {2}row \d+ {2}email: /.test(l));
    expect(listed).toHaveLength(20);
    expect(listed[0]).toMatch(/^ {2}row 3 {2}email: \S/); // the header is row 1, the good row 2
    expect(res.stdout).toContain('first 20 of 25 rejected rows');
    expect(res.stdout).toMatch(new RegExp(`error report: ${base}/v1/member-imports/imp_\\w+/errors`));
    const json = await runFlow(flowBin.bin, ['members', 'import', file, '--json', '--dry-run'], { PORT: port(), FLOW_API_KEY: w.keys.import_members });
    const job = JSON.parse(json.stdout);
    expect(job.rejections).toHaveLength(20);
    expect(job.rejections[0]).toMatchObject({ row: 3, field: 'email' });
  });

  it('prints progress as plain lines, without carriage returns or escape codes, when stderr is not a terminal', async () => {
    const file = path.join(dir, 'plain.csv');
    fs.writeFileSync(file, 'first_name,last_name,email\n' + Array.from({ length: 50 }, (_, i) => `P,${i},plain${i}@example.com`).join('\n') + '\n');
    const res = await runFlow(flowBin.bin, ['members', 'import', file], { PORT: port(), FLOW_API_KEY: w.keys.import_members });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^importing 100% 50 rows, 0 rejected/m);
    expect(res.stderr).not.toContain('\r');
    expect(res.stderr).not.toContain('\u001b');
  });

  it('on a terminal, redraws one line that fits its width', async () => {
    const file = path.join(dir, 'tty.csv');
    fs.writeFileSync(file, 'first_name,last_name,email\n' + Array.from({ length: 20 }, (_, i) => `T,${i},tty${i}@example.com`).join('\n') + '\n');
    const narrow = io(true, { FLOW_API_KEY: w.keys.import_members }, 40);
    expect(await runCli(['members', 'import', file, '--url', base], narrow.value)).toBe(0);
    const drawn = narrow.err.join('').split('\r').slice(1).map((s) => s.replaceAll('\u001b[K', '').replace(/\n$/, ''));
    expect(drawn.length).toBeGreaterThan(0);
    for (const line of drawn) expect(line.length).toBeLessThan(40);
    expect(drawn.at(-1)).toMatch(/^importing/);
  });
});
