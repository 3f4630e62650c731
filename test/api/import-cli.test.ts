import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliError, runCli, type CliIo } from '../../src/cli/main.js';
import { buildTestApp, type TestApp } from '../helpers.js';
import { makeWorld, type ApiWorld } from './fixtures.js';

describe('flow members import (over loopback HTTP)', () => {
  let t: TestApp;
  let w: ApiWorld;
  let base: string;
  let dir: string;
  beforeAll(async () => {
    t = await buildTestApp();
    w = await makeWorld(t);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-cli-import-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  function io(tty = false) {
    const out: string[] = [];
    const err: string[] = [];
    const value: CliIo = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), stdin: async () => '', env: {}, stderrIsTTY: tty };
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
    const machine = io();
    expect(await runCli(['members', 'import', file, '--key', w.keys.import_members, '--url', base, '--json', '--dry-run'], machine.value)).toBe(0);
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
});
