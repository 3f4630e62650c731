import type { FieldError } from '../errors.js';

/**
 * The control characters no member field (nor a key reference) may hold: C0 (U+0000–U+001F: NUL, tab, line breaks …) and DEL
 * (U+007F). Every member field is one line of text; a NUL cannot even be stored by PostgreSQL while SQLite
 * keeps it, so refusing them before the store makes both answer the same. One rule for every way a member
 * is written: POST/PATCH /v1/members, the member import, and checkout's customer fields.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F]/;
const EVERY_CONTROL_CHARACTER = new RegExp(CONTROL_CHARACTERS.source, 'g');

/** The field-error message for a value with control characters. */
const CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters (U+0000–U+001F, U+007F)';

/** True when `s` holds a control character. */
export function hasControlCharacters(s: string): boolean {
  return CONTROL_CHARACTERS.test(s);
}

/** One field error per named text value that holds a control character (undefined and null are skipped). */
export function controlCharacterErrors(fields: Record<string, string | null | undefined>): FieldError[] {
  return Object.entries(fields).flatMap(([path, v]) => (typeof v === 'string' && hasControlCharacters(v) ? [{ path, message: CONTROL_CHARACTERS_MESSAGE }] : []));
}

/**
 * `s` with each control character replaced by its Unicode control picture (U+0000 → ␀, U+007F → ␡), for
 * showing a refused value back (an import's error report) where the character itself cannot be stored.
 */
export function showControlCharacters(s: string): string {
  return s.replace(EVERY_CONTROL_CHARACTER, (c) => String.fromCharCode(c === '\u007F' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
}

/** `s` without its control characters (a form shown again must not carry them back invisibly). */
export function withoutControlCharacters(s: string): string {
  return s.replace(EVERY_CONTROL_CHARACTER, '');
}
