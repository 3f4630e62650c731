import { hasControlCharacters, showControlCharacters } from '../kernel/rules/control-characters.js';
import type { MemberRow, RowError } from '../members/member-rules.js';
import type { ExternalRef } from '../members/members.repository.js';
import { dateOfBirthProblem } from '../kernel/rules/date-of-birth.js';
import { EMAIL_MAX_LENGTH, isEmail } from '../kernel/rules/email.js';
import { PHONE_MAX_LENGTH, isPhone } from '../kernel/rules/phone.js';

/** The member fields an import row may carry (CONTRACT §6 CSV headers, camelCased). */
const IMPORT_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'memberNumber',
  'dateOfBirth',
  'phone',
  'addressLine1',
  'addressLine2',
  'town',
  'postcode',
  'homeSiteId',
  'marketingOptIn',
  'externalSystem',
  'externalId',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** The CSV header of each field as the contract writes it. */
export const CSV_HEADER: Record<ImportField, string> = {
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  memberNumber: 'member_number',
  dateOfBirth: 'date_of_birth',
  phone: 'phone',
  addressLine1: 'address_line1',
  addressLine2: 'address_line2',
  town: 'town',
  postcode: 'postcode',
  homeSiteId: 'home_site_id',
  marketingOptIn: 'marketing_opt_in',
  externalSystem: 'external_system',
  externalId: 'external_id',
};

/** Headers every CSV must have. */
export const REQUIRED_HEADERS: readonly ImportField[] = ['firstName', 'lastName', 'email'];

/** Header or key normalisation: case, spaces, `_` and `-` do not matter. */
function normaliseName(name: string): string {
  return name.replace(/[\s_-]/g, '').toLowerCase();
}

const BY_NORMALISED = new Map<string, ImportField>(IMPORT_FIELDS.map((f) => [normaliseName(f), f]));

/** The field a header or JSON key names, if any. */
export function fieldOf(name: string): ImportField | undefined {
  return BY_NORMALISED.get(normaliseName(name));
}

/**
 * One row as read: the raw text of each field, by its position in IMPORT_FIELDS (undefined = column absent or
 * empty), plus extra external refs from JSON. Cells by position, not by name: every access of a row is then a
 * plain array index, where field names as keys cost a dictionary look-up each, several times a cell.
 */
export interface RawRow {
  cells: Array<string | undefined>;
  refs: ExternalRef[];
}

/** Each field's position in a raw row's cells. */
export const FIELD_INDEX = Object.fromEntries(IMPORT_FIELDS.map((f, i) => [f, i])) as Record<ImportField, number>;

/** The cells of a row with nothing in it yet. */
export function noCells(): Array<string | undefined> {
  return new Array<string | undefined>(IMPORT_FIELDS.length).fill(undefined);
}

/** A row that passed validation (the members service applies it). */
export type ValidRow = MemberRow;

export type { RowError } from '../members/member-rules.js';

/** A cell as the error report shows it (control characters as their pictures: PostgreSQL cannot store a NUL). */
export function cellPreview(s: string): string {
  const shown = showControlCharacters(s);
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

const MAX_LEN: Record<ImportField, number> = {
  firstName: 100,
  lastName: 100,
  email: EMAIL_MAX_LENGTH,
  memberNumber: 32,
  dateOfBirth: 10,
  phone: PHONE_MAX_LENGTH,
  addressLine1: 200,
  addressLine2: 200,
  town: 100,
  postcode: 16,
  homeSiteId: 64,
  marketingOptIn: 5,
  externalSystem: 50,
  externalId: 100,
};

const MAX_LENGTHS = IMPORT_FIELDS.map((f) => MAX_LEN[f]);
const HEADERS = IMPORT_FIELDS.map((f) => CSV_HEADER[f]);

/** A cell holding none of these (and not too long) passes every check of a cell; one that does is checked one rule at a time. */
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u001F\u007F\uFFFD]/;
const LINE_BREAK = /[\r\n]/;
const MEMBER_NUMBER = /^[A-Za-z0-9][A-Za-z0-9_./-]*$/;
const SYSTEM = /^[A-Za-z0-9_.-]+$/;
const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** True when the field's cell was refused already (then it is not also "required"). */
function refused(errors: RowError[], field: string): boolean {
  return errors.length > 0 && errors.some((e) => e.field === field);
}

/** Validates and normalises one row against `today` (YYYY-MM-DD); returns the row or its errors. */
export function validateRow(row: number, raw: RawRow, today: string): { ok: true; value: ValidRow } | { ok: false; errors: RowError[] } {
  const errors: RowError[] = [];
  const c = noCells();
  for (let i = 0; i < IMPORT_FIELDS.length; i++) {
    const text = raw.cells[i];
    if (text === undefined) continue;
    const s = text.trim();
    if (s === '') continue;
    const max = MAX_LENGTHS[i];
    if (s.length <= max && !SUSPECT.test(s)) {
      c[i] = s;
      continue;
    }
    const header = HEADERS[i];
    if (s.length > max) errors.push({ row, field: header, reason: `is ${s.length.toLocaleString('en-GB')} characters long; at most ${max} allowed`, value: cellPreview(s) });
    else if (s.includes('\uFFFD')) errors.push({ row, field: header, reason: 'is not valid UTF-8 text (wrong file encoding?)', value: cellPreview(s) });
    else if (LINE_BREAK.test(s)) errors.push({ row, field: header, reason: 'contains a line break', value: cellPreview(s) });
    else if (hasControlCharacters(s)) errors.push({ row, field: header, reason: 'contains control characters', value: cellPreview(s) });
    else c[i] = s;
  }
  const I = FIELD_INDEX;
  const v: Partial<Record<ImportField, string>> = {
    firstName: c[I.firstName],
    lastName: c[I.lastName],
    email: c[I.email],
    memberNumber: c[I.memberNumber],
    dateOfBirth: c[I.dateOfBirth],
    phone: c[I.phone],
    addressLine1: c[I.addressLine1],
    addressLine2: c[I.addressLine2],
    town: c[I.town],
    postcode: c[I.postcode],
    homeSiteId: c[I.homeSiteId],
    marketingOptIn: c[I.marketingOptIn],
    externalSystem: c[I.externalSystem],
    externalId: c[I.externalId],
  };
  for (const f of REQUIRED_HEADERS) {
    if (v[f] === undefined && !refused(errors, CSV_HEADER[f])) errors.push({ row, field: CSV_HEADER[f], reason: 'is required' });
  }
  if (v.email !== undefined && !isEmail(v.email)) errors.push({ row, field: 'email', reason: 'is not an email address', value: v.email });
  if (v.memberNumber !== undefined && !MEMBER_NUMBER.test(v.memberNumber)) errors.push({ row, field: 'member_number', reason: 'may hold only letters, digits and . _ / -', value: v.memberNumber });
  const dobProblem = v.dateOfBirth === undefined ? undefined : dateOfBirthProblem(v.dateOfBirth, today);
  if (dobProblem === 'not_a_date') errors.push({ row, field: 'date_of_birth', reason: 'is not a date written YYYY-MM-DD', value: v.dateOfBirth });
  else if (dobProblem === 'implausible') errors.push({ row, field: 'date_of_birth', reason: 'is not a plausible date of birth', value: v.dateOfBirth });
  if (v.phone !== undefined && !isPhone(v.phone)) errors.push({ row, field: 'phone', reason: 'may hold only digits, spaces and + ( ) . -', value: v.phone });
  let marketingOptIn: boolean | undefined;
  if (v.marketingOptIn !== undefined) {
    const b = v.marketingOptIn.toLowerCase();
    if (TRUE.has(b)) marketingOptIn = true;
    else if (FALSE.has(b)) marketingOptIn = false;
    else errors.push({ row, field: 'marketing_opt_in', reason: 'must be true or false (yes/no, 1/0)', value: v.marketingOptIn });
  }
  const refs: ExternalRef[] = [];
  if ((v.externalSystem === undefined) !== (v.externalId === undefined)) {
    const missing = v.externalSystem === undefined ? 'external_system' : 'external_id';
    if (!refused(errors, missing)) errors.push({ row, field: missing, reason: 'is required when the other external reference column is given' });
  } else if (v.externalSystem !== undefined && v.externalId !== undefined) {
    if (!SYSTEM.test(v.externalSystem)) errors.push({ row, field: 'external_system', reason: 'may hold only letters, digits and . _ -', value: v.externalSystem });
    else refs.push({ system: v.externalSystem, id: v.externalId });
  }
  for (const r of raw.refs) {
    if (!SYSTEM.test(r.system) || r.system.length > 50 || r.id.length === 0 || r.id.length > 100 || hasControlCharacters(r.id)) {
      errors.push({ row, field: 'externalRefs', reason: 'each needs a system (letters, digits, . _ -) and an id of at most 100 characters without control characters' });
    }
    else if (!refs.some((x) => x.system === r.system && x.id === r.id)) refs.push(r);
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      row,
      firstName: v.firstName!,
      lastName: v.lastName!,
      email: v.email!,
      emailLower: v.email!.toLowerCase(),
      memberNumber: v.memberNumber,
      dateOfBirth: v.dateOfBirth,
      phone: v.phone,
      addressLine1: v.addressLine1,
      addressLine2: v.addressLine2,
      town: v.town,
      postcode: v.postcode,
      homeSiteId: v.homeSiteId,
      marketingOptIn,
      refs,
    },
  };
}
