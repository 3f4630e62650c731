/**
 * The email rule: at most 254 characters, a dot-atom local part and a domain of at least two DNS labels (the
 * pattern of JSON Schema's `email` format as ajv-formats checks it, which the HTTP validator takes from here).
 * Pure: the members API, the member import, the hosted checkout, staff accounts and the configuration use it.
 */

/** The longest email address (RFC 5321's path limit less the angle brackets). */
export const EMAIL_MAX_LENGTH = 254;

/** The pattern an email address must match (case-insensitive). */
export const EMAIL_PATTERN = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** The field-error message for a value that is not an email address (the API's words). */
export const EMAIL_MESSAGE = 'must be an email address';

/** True for an email address (already trimmed). */
export function isEmail(value: string): boolean {
  return value.length <= EMAIL_MAX_LENGTH && EMAIL_PATTERN.test(value);
}
