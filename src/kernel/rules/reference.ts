import { hasControlCharacters } from './control-characters.js';

/**
 * The key reference rule: 1–100 characters after trimming, no control characters. Pure: the server's key
 * checks, the CLI (through the service) and the console's key forms use it.
 */

/** The longest reference, after trimming. */
export const REFERENCE_MAX_LENGTH = 100;

/** The longest reference text a request may carry before trimming (the schema's bound). */
export const REFERENCE_INPUT_MAX_LENGTH = 1000;

/** Why a (trimmed) reference is refused. */
export type ReferenceProblem = 'missing' | 'too_long' | 'control_characters';

/** The field-error message of each problem (the API's words; the console words them for staff). */
export const REFERENCE_MESSAGES: Record<ReferenceProblem, string> = {
  missing: 'is required',
  too_long: `must be at most ${REFERENCE_MAX_LENGTH} characters`,
  control_characters: 'must not contain control characters',
};

/** What is wrong with a reference, judged after trimming; undefined when it is fine. */
export function referenceProblem(value: string): ReferenceProblem | undefined {
  const v = value.trim();
  if (v.length < 1) return 'missing';
  if (v.length > REFERENCE_MAX_LENGTH) return 'too_long';
  if (hasControlCharacters(v)) return 'control_characters';
  return undefined;
}
