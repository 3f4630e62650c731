import { newId } from '../kernel/ids.js';
import type { Clock } from '../kernel/time.js';
import type { BankDetails, CardDetails, CardOutcome, MandateOutcome, PaymentContext, PaymentProvider } from './payment-provider.js';
import type { TestMandatesRepository } from './test-provider.repository.js';

/** The test provider's card numbers (CONTRACT §7). */
const TEST_CARDS = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  requiresAction: '4000000000003220',
} as const;

/** The reason shown for the declined test card. */
export const DECLINED_REASON = 'Your card was declined by the card issuer.';

/** The built-in test provider, plus what a real provider would do by webhook: deciding a pending mandate. */
export interface TestProvider extends PaymentProvider {
  /** Marks a pending mandate active (as the bank would); false when it was not pending. */
  confirmMandate(environmentId: string, mandateId: string): Promise<boolean>;
  /** Marks a pending mandate failed; false when it was not pending. */
  failMandate(environmentId: string, mandateId: string): Promise<boolean>;
  /** A mandate of the environment. */
  findMandate(environmentId: string, mandateId: string): ReturnType<TestMandatesRepository['find']>;
}

function brandOf(number: string): string {
  if (number.startsWith('4')) return 'visa';
  if (/^5[1-5]/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  return 'card';
}

/**
 * The default provider: no money moves. 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined,
 * 4000 0000 0000 3220 asks for a confirmation step; any other number is declined. Expiry and CVC rules are
 * checked again here (a provider never trusts the page). Direct-debit mandates stay pending until
 * confirmMandate/failMandate (exposed through the test-provider API route).
 */
export function createTestProvider(deps: { repo: TestMandatesRepository; clock: Clock }): TestProvider {
  const { repo, clock } = deps;
  const chargeRef = () => newId('tp_ch');

  return {
    name: 'test',
    methods: ['card', 'direct_debit'],
    async chargeCard(_ctx: PaymentContext, card: CardDetails): Promise<CardOutcome> {
      const now = clock.now();
      const expired = card.expYear < now.getUTCFullYear() || (card.expYear === now.getUTCFullYear() && card.expMonth < now.getUTCMonth() + 1);
      if (expired) return { status: 'declined', reason: 'Your card has expired.' };
      if (!/^\d{3}$/.test(card.cvc)) return { status: 'declined', reason: "Your card's security code is incorrect." };
      const last4 = card.number.slice(-4);
      const brand = brandOf(card.number);
      if (card.number === TEST_CARDS.succeeds) return { status: 'succeeded', providerRef: chargeRef(), brand, last4 };
      if (card.number === TEST_CARDS.requiresAction) return { status: 'requires_action', providerRef: chargeRef(), brand, last4 };
      if (card.number === TEST_CARDS.declined) return { status: 'declined', reason: DECLINED_REASON };
      return { status: 'declined', reason: 'The test payment provider accepts only its test card numbers (e.g. 4242 4242 4242 4242).' };
    },
    async confirmCardAction(_ctx: PaymentContext, providerRef: string, approved: boolean): Promise<CardOutcome> {
      if (!approved) return { status: 'declined', reason: 'The payment was not confirmed with your bank.', providerRef };
      return { status: 'succeeded', providerRef, brand: 'visa', last4: TEST_CARDS.requiresAction.slice(-4) };
    },
    async createMandate(ctx: PaymentContext, bank: BankDetails): Promise<MandateOutcome> {
      const now = clock.now().toISOString();
      const id = newId('tp_md');
      await repo.insert({
        id,
        environment_id: ctx.environmentId,
        account_holder: bank.accountHolder,
        sort_code: bank.sortCode,
        account_last4: bank.accountNumber.slice(-4),
        status: 'pending',
        created_at: now,
        updated_at: now,
      });
      return { status: 'pending', mandateRef: id };
    },
    confirmMandate: (environmentId, mandateId) => repo.decide(mandateId, environmentId, 'active', clock.now().toISOString()),
    failMandate: (environmentId, mandateId) => repo.decide(mandateId, environmentId, 'failed', clock.now().toISOString()),
    findMandate: (environmentId, mandateId) => repo.find(mandateId, environmentId),
  };
}
