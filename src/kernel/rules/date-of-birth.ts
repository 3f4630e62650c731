import { isIsoDate } from '../time.js';

/**
 * The date-of-birth rule of a member: a real date `YYYY-MM-DD`, from 1 January 1900 to today. Pure: the member
 * import and the hosted checkout's customer form use it.
 */

/** The earliest plausible date of birth. */
export const EARLIEST_DATE_OF_BIRTH = '1900-01-01';

/** Why a date of birth is refused. */
export type DateOfBirthProblem = 'not_a_date' | 'implausible';

/** What is wrong with a date of birth on `today` (both `YYYY-MM-DD`); undefined when it is fine. */
export function dateOfBirthProblem(value: string, today: string): DateOfBirthProblem | undefined {
  if (!isIsoDate(value)) return 'not_a_date';
  if (value < EARLIEST_DATE_OF_BIRTH || value > today) return 'implausible';
  return undefined;
}
