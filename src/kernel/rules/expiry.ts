import { addDays, isIsoDate } from '../time.js';

/**
 * The key expiry rule: a date `YYYY-MM-DD` from today to two years ahead, "today" being the date in the
 * environment's time zone; a key is "expiring soon" within 14 days of it. Pure: the server's key checks and
 * status, and the console's key form use it.
 */

/** How far ahead an expiry date may be. */
export const MAX_EXPIRY_YEARS = 2;

/** The days before its expiry date a key counts as expiring soon. */
export const EXPIRING_SOON_DAYS = 14;

/** The same day `years` years after `date` (29 February falls back to 28 February). */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-');
  const candidate = `${Number(y) + years}-${m}-${d}`;
  return isIsoDate(candidate) ? candidate : `${Number(y) + years}-${m}-28`;
}

/** The latest expiry date allowed on `today`. */
export function maxExpiry(today: string): string {
  return addYears(today, MAX_EXPIRY_YEARS);
}

/** Why an expiry date is refused on `today`. */
export type ExpiryProblem = 'not_a_date' | 'past' | 'too_far';

/** What is wrong with an expiry date on `today` (both `YYYY-MM-DD`); undefined when it is fine. */
export function expiryProblem(value: string, today: string): ExpiryProblem | undefined {
  if (!isIsoDate(value)) return 'not_a_date';
  if (value < today) return 'past';
  if (value > maxExpiry(today)) return 'too_far';
  return undefined;
}

/** The field-error message for an expiry problem (the API's words). */
export function expiryMessage(problem: ExpiryProblem, today: string): string {
  if (problem === 'not_a_date') return 'must be a date written YYYY-MM-DD';
  if (problem === 'past') return `must not be in the past (today is ${today})`;
  return `must be at most ${MAX_EXPIRY_YEARS} years ahead (${maxExpiry(today)})`;
}

/** A key's status on `today`, by its dates in the environment's zone. */
export function keyStatus(k: { revokedAt: string | null; expiresOn: string }, today: string): 'active' | 'expiring_soon' | 'expired' | 'revoked' {
  if (k.revokedAt) return 'revoked';
  if (k.expiresOn < today) return 'expired';
  if (k.expiresOn <= addDays(today, EXPIRING_SOON_DAYS)) return 'expiring_soon';
  return 'active';
}
