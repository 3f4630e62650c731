import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, mayReceive, permissionFor, subscribableTypes } from '../../src/webhooks/event-types.js';
import { MATRIX, PERMISSIONS, PURPOSES, permissionsOf } from '../../src/kernel/permissions.js';

describe('webhook event types', () => {
  it('lists at least the contract’s types, each gated by a real permission or by key ownership', () => {
    for (const t of ['member.created', 'member.updated', 'membership.created', 'membership.updated', 'attendance.recorded', 'checkout.session.completed', 'checkout.session.expired', 'member_import.finished', 'api_key.expiring', 'api_key.revoked']) {
      expect(EVENT_TYPES).toContain(t);
    }
    for (const t of EVENT_TYPES) {
      const p = permissionFor(t);
      if (p !== null) expect(PERMISSIONS).toContain(p);
    }
    expect(permissionFor('member.updated')).toBe('members:read');
    expect(permissionFor('membership.updated')).toBe('memberships:read');
    expect(permissionFor('member_import.finished')).toBe('members:import');
    expect(permissionFor('api_key.revoked')).toBeNull();
  });

  it('every purpose holds webhooks:manage', () => {
    expect([...MATRIX['webhooks:manage']].sort()).toEqual([...PURPOSES].sort());
    for (const p of PURPOSES) expect(permissionsOf(p)).toContain('webhooks:manage');
  });

  it('a resource event reaches a purpose only when it may read the resource', () => {
    const own = { endpointKeyId: 'key_a', eventKeyId: null };
    expect(mayReceive('import_members', 'member.created', own)).toBe(false);
    expect(mayReceive('innovatise_bridge', 'member.created', own)).toBe(true);
    expect(mayReceive('import_members', 'member_import.finished', own)).toBe(true);
    expect(mayReceive('innovatise_bridge', 'member_import.finished', own)).toBe(false);
    expect(mayReceive('innovatise_bridge', 'attendance.recorded', own)).toBe(false);
    expect(mayReceive('coursepro_integration', 'attendance.recorded', own)).toBe(true);
    expect(mayReceive('import_members', 'checkout.session.completed', own)).toBe(false);
  });

  it('a key event reaches only that key’s endpoints, whatever the purpose', () => {
    for (const p of PURPOSES) {
      expect(mayReceive(p, 'api_key.expiring', { endpointKeyId: 'key_a', eventKeyId: 'key_a' })).toBe(true);
      expect(mayReceive(p, 'api_key.revoked', { endpointKeyId: 'key_a', eventKeyId: 'key_b' })).toBe(false);
    }
    expect(subscribableTypes('import_members')).toEqual(['member_import.finished', 'api_key.expiring', 'api_key.revoked']);
  });
});
