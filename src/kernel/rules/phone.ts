/**
 * The phone rule of a member: 1–32 characters of digits, spaces and `+ ( ) . -`. Pure: the members API schema,
 * the member import and the hosted checkout's customer form use it.
 */

/** The longest phone number. */
export const PHONE_MAX_LENGTH = 32;

/** The characters a phone number may hold, as a JSON Schema / RegExp pattern source. */
export const PHONE_PATTERN_SOURCE = '^[0-9+() .-]+$';

const PHONE = new RegExp(PHONE_PATTERN_SOURCE);

/** True for a phone number (already trimmed). */
export function isPhone(value: string): boolean {
  return value.length >= 1 && value.length <= PHONE_MAX_LENGTH && PHONE.test(value);
}
