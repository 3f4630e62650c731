import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers.js';
import { buildFlowBin, runFlow } from './flow-bin.js';

/** The CLI's contract as a shell user meets it: the real executable, run as a child process. */
describe('flow executable: version, help, flag-named errors, --json errors, empty store', () => {
  let flowBin: ReturnType<typeof buildFlowBin>;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let env: NodeJS.ProcessEnv;
  const flow = (args: string[], extra: NodeJS.ProcessEnv = {}, input?: string) => runFlow(flowBin.bin, args, { ...env, ...extra }, input);
  const good = ['keys', 'create', '--env', 'riverside', '--reference', 'Contract test', '--purpose', 'flow_api'];

  beforeAll(async () => {
    flowBin = buildFlowBin();
    db = await freshDatabase();
    env = { FLOW_DATA_DIR: db.dataDir, ...(db.config.databaseUrl ? { DATABASE_URL: db.config.databaseUrl } : {}) };
  });
  afterAll(async () => {
    flowBin?.remove();
    await db?.drop();
  });

  // Runs first, while the store has no environment.
  it('names the store it opened when that store has no environment yet', async () => {
    const where = db.config.databaseUrl ? new URL(db.config.databaseUrl).pathname.slice(1) : path.join(db.dataDir, 'flow.sqlite');
    const list = await flow(['env', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(where);
    const keys = await flow(['keys', 'list', '--env', 'riverside']);
    expect(keys.code).toBe(1);
    expect(keys.stderr.trim().split('\n')).toHaveLength(1);
    expect(keys.stderr).toContain(where);
    expect(keys.stderr).toContain('no environments');
    if (db.config.databaseUrl) {
      // The URL is named without its password.
      const withPassword = new URL(db.config.databaseUrl);
      withPassword.password = 'sekret-pw';
      const res = await flow(['env', 'list'], { DATABASE_URL: withPassword.toString() });
      expect(res.stdout + res.stderr).not.toContain('sekret-pw');
    }
  });

  it('also names a fresh SQLite file when pointed at an empty data directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-empty-'));
    try {
      const res = await flow(['keys', 'show', 'key_doesnotexist00'], { FLOW_DATA_DIR: dir, DATABASE_URL: '' });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(path.join(dir, 'flow.sqlite'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    const res = await flow(['--version']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout.trim()).toBe(pkg.version);
    expect(JSON.parse((await flow(['--version', '--json'])).stdout)).toEqual({ version: pkg.version });
  });

  it('help <command> and <command> --help print that command\'s usage (the same text)', async () => {
    const help = await flow(['help', 'keys', 'create']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: flow keys create --env <slug> .*--expires <YYYY-MM-DD>/);
    expect(help.stdout).not.toContain('members import');
    expect((await flow(['keys', 'create', '--help'])).stdout).toBe(help.stdout);
    const all = await flow(['help']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('members import');
    const unknown = await flow(['help', 'keys', 'explode']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('keys explode');
  });

  it('an unknown flag is named with the usage of the command it was given to', async () => {
    const res = await flow(['keys', 'list', '--env', 'riverside', '--bogus-flag']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('--bogus-flag');
    expect(res.stderr).toContain('usage: flow keys list --env <slug>');
    // A flag of another command is not silently ignored.
    expect((await flow(['keys', 'list', '--env', 'riverside', '--expires', '2027-01-01'])).stderr).toContain('unknown flag --expires');
  });

  it('a service validation error names the flag the user typed, not the field', async () => {
    expect((await flow(['env', 'create', 'riverside', '--name', 'Riverside Leisure'])).code).toBe(0);
    const past = await flow([...good, '--expires', '2020-01-01']);
    expect(past.code).toBe(1);
    expect(past.stderr.trim().split('\n')).toHaveLength(1);
    expect(past.stderr).toContain('--expires');
    expect(past.stderr).not.toContain('expiresOn');
    const colour = await flow([...good, '--expires', '2027-01-01', '--primary', 'teal-ish', '--allow-ip', '10.0.0.0/8', '--allow-ip', '10.0.0.999']);
    expect(colour.code).toBe(1);
    expect(colour.stderr).toContain('--primary');
    expect(colour.stderr).toContain('--allow-ip #2');
    expect(colour.stderr).not.toMatch(/primaryColour|allowedIps/);
  });

  it('with --json an error is one JSON line on stderr, the exit code non-zero', async () => {
    const res = await flow([...good, '--expires', '2020-01-01', '--json']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const body = JSON.parse(lines[0]);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('--expires');
    expect(body.error.errors).toEqual([expect.objectContaining({ flag: '--expires', path: 'expiresOn' })]);

    const usage = await flow(['keys', 'list', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr).error).toMatchObject({ code: 'validation_failed', errors: [{ flag: '--env' }] });
    const missing = await flow(['keys', 'show', 'key_doesnotexist00', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr).error.code).toBe('not_found');
  });
});
