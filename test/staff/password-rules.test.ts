import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliError, runCli, type CliIo } from '../../src/cli/main.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { AppError } from '../../src/kernel/errors.js';
import { serve } from '../../src/server.js';
import { buildTestApp, demoEnvId, freshDatabase, type TestApp } from '../helpers.js';

// Too short (11), only spaces (12), on the common-password list (12, any case), and one past the maximum.
const BAD = ['elevenchars', ' '.repeat(12), 'password1234', 'PassWord1234', 'x'.repeat(201)];

describe('password rules', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it.each(BAD.map((password, i) => [password, `new${i}@test.flow`]))('refuses %j with 400 validation_failed naming `password`, and stores nothing', async (password, email) => {
    const err = await t.deps.staff.create({ environmentId: await demoEnvId(t), email, role: 'staff', password }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).code).toBe('validation_failed');
    expect((err as AppError).errors).toEqual([{ path: 'password', message: expect.any(String) }]);
    expect(await t.deps.staff.findByEmail(email)).toBeUndefined();
  });

  it('accepts a long, uncommon password (12 characters counted as characters, not UTF-16 units)', async () => {
    const env = await demoEnvId(t);
    await expect(t.deps.staff.create({ environmentId: env, email: 'ok@test.flow', role: 'staff', password: 'lime kiln 47' })).resolves.toMatchObject({ email: 'ok@test.flow' });
    // 11 emoji are 22 UTF-16 units but 11 characters: too short.
    const emoji = await t.deps.staff.create({ environmentId: env, email: 'emoji@test.flow', role: 'staff', password: '🔑'.repeat(11) }).catch((e: unknown) => e);
    expect((emoji as AppError).errors?.[0].path).toBe('password');
  });
});

describe('password rules where a password is set outside the API', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => db.drop());

  it('CLI `staff create --password-stdin` refuses a common password, naming the field', async () => {
    const env = { FLOW_DATA_DIR: db.dataDir, ...(db.config.databaseUrl ? { DATABASE_URL: db.config.databaseUrl } : {}) };
    const makeDeps = async () => createDeps({ ...loadConfig(env), logLevel: 'silent' });
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, stdin: async () => 'password1234\n', env };
    expect(await runCli(['env', 'create', 'pw', '--name', 'Pw'], io, makeDeps)).toBe(0);
    const failure = await runCli(['staff', 'create', '--env', 'pw', '--email', 'a@pw.example', '--role', 'admin', '--password-stdin'], io, makeDeps).catch(cliError);
    expect(typeof failure).toBe('object');
    const { line, code } = failure as ReturnType<typeof cliError>;
    expect(code).not.toBe(0);
    expect(line).toMatch(/^error \(validation_failed\): password /);
  });

  it('FLOW_ADMIN_PASSWORD of only spaces stops the configuration, naming the variable', () => {
    expect(() => loadConfig({ FLOW_ADMIN_PASSWORD: ' '.repeat(12) })).toThrow(ConfigError);
    expect(() => loadConfig({ FLOW_ADMIN_PASSWORD: ' '.repeat(12) })).toThrow('FLOW_ADMIN_PASSWORD');
  });

  it('a common FLOW_ADMIN_PASSWORD stops start-up before anything is written, naming the variable', async () => {
    const dataDir = fs.mkdtempSync(`${db.dataDir}/start-`);
    const config = { ...loadConfig({ FLOW_DATA_DIR: dataDir, FLOW_ADMIN_PASSWORD: 'password1234', PORT: '0', LOG_LEVEL: 'silent' }), databaseUrl: undefined };
    const err = await serve(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/^FLOW_ADMIN_PASSWORD /);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
