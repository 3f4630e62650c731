import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gettingStartedPage, VERIFY_NODE, VERIFY_PYTHON } from '../../src/public-api/guide.js';
import { newSigningSecret, webhookHeaders } from '../../src/webhooks/signing.js';

/** The getting-started page's verification examples, run as an integrator would paste them, against real signatures. */
describe('getting started: the webhook verification examples work as printed', () => {
  const secret = newSigningSecret();
  const body = JSON.stringify({ id: 'evt_guide', type: 'member.created', createdAt: new Date().toISOString(), data: { object: { id: 'mem_1', firstName: 'Zoë' } } });
  const now = Math.floor(Date.now() / 1000);
  const good = webhookHeaders(secret, 'evt_guide', now, body);
  const cases: Array<[string, Record<string, string>, string, boolean]> = [
    ['a real delivery', good, body, true],
    ['a tampered body', good, body.replace('Zoë', 'Zoe'), false],
    ['another secret', webhookHeaders(newSigningSecret(), 'evt_guide', now, body), body, false],
    ['a stale timestamp', webhookHeaders(secret, 'evt_guide', now - 3600, body), body, false],
  ];

  it('prints both examples on the page, escaped', () => {
    const html = gettingStartedPage();
    expect(html).toContain('id="webhooks"');
    expect(html).toContain('crypto.timingSafeEqual(given, expected)');
    expect(html).toContain('hmac.compare_digest');
    expect(html).not.toContain('=> {\n    const given'); // the arrow is escaped as =&gt;
  });

  it('Node', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-guide-'));
    const file = path.join(dir, 'verify.mjs');
    fs.writeFileSync(file, VERIFY_NODE);
    const { verify } = (await import(pathToFileURL(file).href)) as { verify: (s: string, h: Record<string, string>, b: string) => boolean };
    for (const [what, headers, raw, expected] of cases) expect(verify(secret, headers, raw), what).toBe(expected);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasPython())('Python', () => {
    const script = `${VERIFY_PYTHON}\nimport json, sys\nfor c in json.load(sys.stdin):\n    print(verify(c["secret"], c["headers"], c["body"].encode()))\n`;
    const input = JSON.stringify(cases.map(([, headers, raw]) => ({ secret, headers, body: raw })));
    const out = execFileSync('python3', ['-c', script], { input, encoding: 'utf8' }).trim().split('\n');
    expect(out).toEqual(cases.map(([, , , expected]) => (expected ? 'True' : 'False')));
  });
});

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 9)']);
    return true;
  } catch {
    process.stderr.write('[public-api/guide-examples] skipped the Python example: python3 ≥ 3.9 not found\n');
    return false;
  }
}
