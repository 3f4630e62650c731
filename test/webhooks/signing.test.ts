import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newSigningSecret, signatureHeader, webhookHeaders } from '../../src/webhooks/signing.js';

/**
 * An independent verifier written from the Standard Webhooks specification: the signed content is
 * `${id}.${timestamp}.${body}`, the key is the base64 part after `whsec_`, the header is a space-separated
 * list of `v1,<base64>` signatures, any of which may match.
 */
function verify(secret: string, headers: Record<string, string>, body: string): boolean {
  const key = Buffer.from(secret.split('_').slice(1).join('_'), 'base64');
  const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest();
  return headers['webhook-signature'].split(' ').some((sig) => {
    const [version, value] = sig.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('Standard Webhooks signing', () => {
  it('matches the specification’s known-answer vector', () => {
    // The test vector of the standard-webhooks reference libraries.
    expect(signatureHeader('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('produces headers an independent verifier accepts, and refuses any change', () => {
    const secret = newSigningSecret();
    const body = JSON.stringify({ id: 'evt_1', type: 'member.created', createdAt: '2026-06-15T10:00:00.000Z', data: { object: { id: 'mem_1', firstName: 'Zoë' } } });
    const h = webhookHeaders(secret, 'evt_1', 1781517600, body);
    expect(h['content-type']).toBe('application/json');
    expect(h['webhook-id']).toBe('evt_1');
    expect(h['webhook-timestamp']).toBe('1781517600');
    expect(h['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verify(secret, h, body)).toBe(true);
    expect(verify(secret, h, body.replace('Zoë', 'Zoe'))).toBe(false);
    expect(verify(secret, { ...h, 'webhook-timestamp': '1781517601' }, body)).toBe(false);
    expect(verify(secret, { ...h, 'webhook-id': 'evt_2' }, body)).toBe(false);
    expect(verify(newSigningSecret(), h, body)).toBe(false);
  });

  it('secrets are whsec_ + base64 of 24–32 random bytes, never repeated', () => {
    const a = newSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const bytes = Buffer.from(a.slice(6), 'base64').length;
    expect(bytes).toBeGreaterThanOrEqual(24);
    expect(bytes).toBeLessThanOrEqual(32);
    expect(newSigningSecret()).not.toBe(a);
  });
});
