import sharp from 'sharp';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js';
import { newId } from '../../src/kernel/ids.js';
import type { CreateKeyInput } from '../../src/keys/keys.service.js';
import { createMembershipTypesRepository, type MembershipType } from '../../src/membership-types/membership-types.repository.js';
import { createMembersRepository } from '../../src/members/members.repository.js';
import { createMembershipsRepository } from '../../src/memberships/memberships.repository.js';
import { createSitesRepository } from '../../src/sites/sites.repository.js';
import type { TestApp } from '../helpers.js';

/** A checkout world in one environment: a site, membership types, and helpers to make keys and sessions. */
export async function checkoutWorld(t: TestApp, envSlug = 'demo') {
  const env = await t.deps.environments.get(envSlug).catch(() => t.deps.environments.create({ slug: envSlug, name: `Env ${envSlug}` }));
  const db = t.deps.store.db;
  const now = t.clock.now().toISOString();
  const site = { id: newId('site'), environmentId: env.id, code: `S${Math.floor(Math.random() * 1e6)}`, name: 'Riverside Leisure Centre', addressLine1: null, town: 'Leeds', postcode: null, phone: null, active: true, createdAt: now, updatedAt: now };
  await createSitesRepository(db).insert(site);
  const types = createMembershipTypesRepository(db);
  const base: MembershipType = {
    id: '',
    environmentId: env.id,
    name: 'ADULT-GYM',
    friendlyName: 'Adult Gym Membership',
    group: 'Gym',
    category: 'Adult',
    pricePence: 3200,
    currency: 'GBP',
    paymentType: 'recurring',
    billingPeriod: 'month',
    durationMonths: null,
    joiningFeePence: 0,
    integration: 'none',
    siteId: null,
    active: true,
    createdAt: now,
    updatedAt: now,
  };
  const monthly = { ...base, id: newId('mt') };
  const fixed = { ...base, id: newId('mt'), name: 'SWIM-12', friendlyName: 'Swim 12 Months', paymentType: 'fixed' as const, billingPeriod: null, durationMonths: 12, pricePence: 24000 };
  const oneOff = { ...base, id: newId('mt'), name: 'DAY', friendlyName: 'Day Pass', paymentType: 'session' as const, billingPeriod: null, pricePence: 850 };
  for (const ty of [monthly, fixed, oneOff]) await types.insert(ty);

  async function key(input: Partial<CreateKeyInput> = {}) {
    return t.deps.keys.create(env.id, { reference: 'Checkout test', purpose: 'innovatise_bridge', expiresOn: '2026-12-31', ...input }, SYSTEM_ACTOR);
  }

  async function logo(colour = '#FF6600'): Promise<string> {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: colour } }).png().toBuffer();
    return (await t.deps.logos.upload(env.id, png)).id;
  }

  async function createSession(apiKey: string, body: Record<string, unknown> = {}) {
    return t.app.inject({
      method: 'POST',
      url: '/v1/checkout/sessions',
      headers: { authorization: `Bearer ${apiKey}` },
      payload: {
        membershipTypeId: monthly.id,
        siteId: site.id,
        customer: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
        successUrl: 'https://app.example.com/done?x=1',
        cancelUrl: 'https://app.example.com/cancelled',
        ...body,
      },
    });
  }

  const members = createMembersRepository(db);
  const memberships = createMembershipsRepository(db);
  return {
    env,
    site,
    monthly,
    fixed,
    oneOff,
    key,
    logo,
    createSession,
    memberCount: () => members.count(env.id),
    membershipsOf: async (memberId: string) => memberships.listForMember(env.id, memberId, { limit: 100 }),
    async membershipCount(): Promise<number> {
      const r = await db.selectFrom('memberships').select((eb) => eb.fn.countAll().as('n')).where('environment_id', '=', env.id).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}

/** The hidden CSRF token of a rendered checkout page. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf field in page');
  return m[1];
}

/** A urlencoded form body. */
export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** Pays a session by Direct Debit on its hosted page, as the customer would: a pending test mandate (303 when accepted). */
export async function payByDirectDebit(t: TestApp, id: string) {
  const page = await t.app.inject({ method: 'GET', url: `/checkout/${id}` });
  return t.app.inject({
    method: 'POST',
    url: `/checkout/${id}/pay`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ csrf: csrfOf(page.body), firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@example.com', terms: 'yes', method: 'direct_debit', accountHolder: 'Ada Lovelace', sortCode: '20-00-00', accountNumber: '55779911', ddConfirm: 'yes' }),
  });
}

/** A complete, valid card form for a new customer. */
export function cardForm(csrf: string, card = '4242 4242 4242 4242', extra: Record<string, string> = {}): Record<string, string> {
  return { csrf, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', terms: 'yes', method: 'card', cardNumber: card, cardExpiry: '12/30', cardCvc: '123', ...extra };
}
