import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, loadSecretKey } from '../../src/webhooks/secret-box.js';
import { loadConfig, ConfigError } from '../../src/config.js';

describe('webhook secrets at rest', () => {
  it('AES-256-GCM: opens what it sealed, bound to the endpoint, tamper-evident, never the plaintext', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('whsec_abc', 'we_1');
    expect(sealed).not.toContain('whsec_abc');
    expect(sealed).toMatch(/^v1:/);
    expect(box.open(sealed, 'we_1')).toBe('whsec_abc');
    expect(box.seal('whsec_abc', 'we_1')).not.toBe(sealed); // a fresh IV each time
    expect(() => box.open(sealed, 'we_2')).toThrow();
    const parts = sealed.split(':');
    const ct = Buffer.from(parts[3], 'base64');
    ct[0] ^= 1;
    expect(() => box.open([parts[0], parts[1], parts[2], ct.toString('base64')].join(':'), 'we_1')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'we_1')).toThrow();
  });

  it('without FLOW_WEBHOOK_SECRET_KEY, generates one key in the data dir (0600) and keeps it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-whkey-'));
    try {
      const a = loadSecretKey(undefined, dir);
      expect(a.length).toBe(32);
      const file = path.join(dir, 'webhook-secret.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(loadSecretKey(undefined, dir).equals(a)).toBe(true);
      const configured = randomBytes(32);
      expect(loadSecretKey(configured, dir).equals(configured)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('config: FLOW_WEBHOOK_SECRET_KEY must be 32 bytes of base64; FLOW_WEBHOOK_ALLOW_PRIVATE is a boolean', () => {
    const key = randomBytes(32).toString('base64');
    expect(loadConfig({ FLOW_WEBHOOK_SECRET_KEY: key }).webhookSecretKey?.toString('base64')).toBe(key);
    expect(() => loadConfig({ FLOW_WEBHOOK_SECRET_KEY: randomBytes(16).toString('base64') })).toThrow(ConfigError);
    expect(() => loadConfig({ FLOW_WEBHOOK_SECRET_KEY: 'not base64!' })).toThrow(/FLOW_WEBHOOK_SECRET_KEY/);
    expect(loadConfig({}).webhookAllowPrivate).toBe(false);
    expect(loadConfig({ FLOW_WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate).toBe(true);
    expect(() => loadConfig({ FLOW_WEBHOOK_ALLOW_PRIVATE: 'maybe' })).toThrow(/FLOW_WEBHOOK_ALLOW_PRIVATE/);
  });
});
