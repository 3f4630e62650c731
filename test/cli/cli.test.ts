import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliError, parseDuration, runCli, type CliIo } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { capturedLogs, freshDatabase } from '../helpers.js';
import { buildFlowBin, runFlow } from './flow-bin.js';

describe('flow CLI', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await freshDatabase();
    env = { FLOW_DATA_DIR: db.dataDir, ...(db.config.databaseUrl ? { DATABASE_URL: db.config.databaseUrl } : {}) };
  });
  afterAll(async () => db.drop());

  async function flow(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), stdin: async () => stdin, env };
    try {
      const code = await runCli(args, io, async () => createDeps({ ...loadConfig(env), logLevel: 'silent' }));
      return { code, out, err };
    } catch (e) {
      const { line, code } = cliError(e);
      return { code, out, err: err + line + '\n' };
    }
  }

  it('creates an environment and a staff user (password from stdin), lists environments', async () => {
    expect((await flow(['env', 'create', 'riverside', '--name', 'Riverside Leisure'])).code).toBe(0);
    const list = await flow(['env', 'list', '--json']);
    expect(JSON.parse(list.out).map((e: { slug: string }) => e.slug)).toContain('riverside');
    const staff = await flow(['staff', 'create', '--env', 'riverside', '--email', 'Ops@Riverside.example', '--role', 'admin', '--password-stdin', '--json'], 'a long enough password\n');
    expect(staff.code).toBe(0);
    expect(JSON.parse(staff.out)).toMatchObject({ email: 'ops@riverside.example', role: 'admin' });
    expect(staff.out).not.toContain('a long enough password');
  });

  it('keys create --json prints the secret once with id, reference, purpose, expiresAt, permissions; list and show redact it', async () => {
    const logo = path.join(db.dataDir, 'logo.png');
    fs.writeFileSync(logo, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } }).png().toBuffer());
    const created = await flow(['keys', 'create', '--env', 'riverside', '--reference', 'Innovatise app', '--purpose', 'innovatise_bridge', '--expires', '2027-03-31', '--logo', logo, '--primary', '#0a7', '--secondary', '#ffcc00', '--allow-ip', '10.0.0.0/8', '--json']);
    expect(created.code, created.err).toBe(0);
    const k = JSON.parse(created.out);
    expect(k).toMatchObject({ reference: 'Innovatise app', purpose: 'innovatise_bridge', expiresOn: '2027-03-31', allowedIps: ['10.0.0.0/8'] });
    expect(k.key).toMatch(/^flow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);
    expect(k.expiresAt).toBe('2027-03-31T23:00:00.000Z');
    expect(k.permissions).toContain('members:write');
    expect(k.theme).toMatchObject({ primaryColour: '#00AA77', secondaryColour: '#FFCC00' });
    expect(k.theme.logoUrl).toMatch(/^\/logos\//);

    const list = await flow(['keys', 'list', '--env', 'riverside']);
    expect(list.out).toContain(k.preview);
    expect(list.out).not.toContain(k.key);
    const shown = JSON.parse((await flow(['keys', 'show', k.id, '--json'])).out);
    expect(shown.key).toBeUndefined();
    expect(shown.id).toBe(k.id);

    const rolled = await flow(['keys', 'roll', k.id, '--grace', '24h', '--json']);
    expect(rolled.code).toBe(0);
    const r = JSON.parse(rolled.out);
    expect(r.key).not.toBe(k.key);
    expect(r.previousSecretExpiresAt).not.toBeNull();

    expect((await flow(['keys', 'revoke', k.id])).code).toBe(0);
    const again = await flow(['keys', 'revoke', k.id]);
    expect(again.code).toBe(1);
    expect(again.err.trim().split('\n')).toHaveLength(1);
    expect(again.err).toContain('conflict');
  });

  it('fails with one line naming the field and exit 1 on bad input, exit 2 on bad usage', async () => {
    const bad = await flow(['keys', 'create', '--env', 'riverside', '--reference', '', '--purpose', 'nope', '--expires', '2020-01-01']);
    expect(bad.code).toBe(1);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/--reference: .*--purpose: .*--expires: /);
    expect((await flow(['keys', 'create', '--env', 'nowhere', '--reference', 'x', '--purpose', 'flow_api', '--expires', '2027-01-01'])).err).toContain('not_found');
    expect((await flow(['keys', 'roll', 'key_x', '--grace', 'soon'])).code).toBe(2);
    expect((await flow(['keys', 'explode'])).code).toBe(2);
    expect((await flow(['keys', 'list', '--bogus-flag'])).code).toBe(2);
  });

  it('parses grace durations', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('7d')).toBe(604800);
    expect(() => parseDuration('1w')).toThrow();
  });

  it('never logs a secret', () => {
    expect(capturedLogs.join('')).not.toMatch(/flow_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}/);
  });

  it('the flow executable migrates, exits non-zero with one line on stderr for an error', async () => {
    const flowBin = buildFlowBin();
    try {
      const ok = await runFlow(flowBin.bin, ['migrate', '--json'], env);
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout).applied).toEqual([]);
      const res = await runFlow(flowBin.bin, ['keys', 'show', 'key_doesnotexist'], env);
      expect(res.code).toBe(1);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toContain('not_found');
    } finally {
      flowBin.remove();
    }
  });
});
