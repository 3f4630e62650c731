/**
 * The payment provider interface. The checkout service never talks to a payment system directly: it asks a
 * provider to charge a card or set up a direct-debit mandate and records what the provider answers.
 * The built-in test provider (test-provider.ts) is the default; docs/payments.md explains how a Stripe or
 * GoCardless provider plugs in.
 */

/** What a payment is for: passed to every provider call. */
export interface PaymentContext {
  environmentId: string;
  checkoutSessionId: string;
  /** Unique per attempt (`<session id>:<attempt>`): providers must treat a repeat as the same request. */
  idempotencyKey: string;
  amountPence: number;
  currency: string;
  description: string;
  customer: { firstName: string; lastName: string; email: string };
}

/** Card details as typed on the hosted page (never stored or logged; only brand and last 4 are kept). */
export interface CardDetails {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** UK bank details for a direct-debit mandate (only the last 4 digits of the account are kept). */
export interface BankDetails {
  accountHolder: string;
  sortCode: string;
  accountNumber: string;
}

/** The outcome of a card charge. */
export type CardOutcome =
  | { status: 'succeeded'; providerRef: string; brand: string; last4: string }
  | { status: 'declined'; reason: string; providerRef?: string }
  /** The customer must confirm (e.g. 3-D Secure) before the charge completes; see confirmCardAction. */
  | { status: 'requires_action'; providerRef: string; brand: string; last4: string };

/** The outcome of a mandate set-up: pending until the bank confirms it (asynchronously). */
export type MandateOutcome = { status: 'pending'; mandateRef: string } | { status: 'failed'; reason: string };

/** A payment system as the checkout sees it. */
export interface PaymentProvider {
  /** Stored with each payment, e.g. `test`, `stripe`, `gocardless`. */
  readonly name: string;
  /** The payment methods the hosted page offers. */
  readonly methods: ReadonlyArray<'card' | 'direct_debit'>;
  /** Charges a card now. */
  chargeCard(ctx: PaymentContext, card: CardDetails): Promise<CardOutcome>;
  /** Finishes a charge that needed the customer's confirmation: `approved` is what the customer did. */
  confirmCardAction(ctx: PaymentContext, providerRef: string, approved: boolean): Promise<CardOutcome>;
  /** Creates a direct-debit mandate; it stays pending until the provider reports it active or failed. */
  createMandate(ctx: PaymentContext, bank: BankDetails): Promise<MandateOutcome>;
}
