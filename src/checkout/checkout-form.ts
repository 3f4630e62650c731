import { hasControlCharacters, withoutControlCharacters } from '../kernel/rules/control-characters.js';
import { dateOfBirthProblem } from '../kernel/rules/date-of-birth.js';
import { isEmail } from '../kernel/rules/email.js';
import { isPhone } from '../kernel/rules/phone.js';
import type { BankDetails, CardDetails } from './payment-provider.js';

/** The fields the hosted form posts (all text, as browsers send them). */
export type FormFields = Partial<Record<string, string>>;

/** Field name → message, shown beside the field. */
export type FormErrors = Partial<Record<string, string>>;

/** The customer's details as entered on the page. */
export interface CustomerDetails {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  dateOfBirth: string | null;
  marketingOptIn: boolean;
}

/** A checked payment form: the customer (when the page asked for details) and the chosen payment. */
export interface CheckedForm {
  customer: CustomerDetails | null;
  payment: { method: 'card'; card: CardDetails } | { method: 'direct_debit'; bank: BankDetails };
}

// The members' rule (kernel/rules/control-characters.ts), in the customer's words: pasted text can carry them.
const CONTROL_MESSAGE = 'This held hidden control characters (such as tabs), now removed: check it and send it again.';

/** Luhn checksum of a digit string (card numbers). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function text(f: FormFields, name: string): string {
  return (f[name] ?? '').trim();
}

/** Parses `MM/YY`, `MM / YY` or `MM/YYYY`. */
export function parseExpiry(raw: string): { month: number; year: number } | undefined {
  const m = /^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/.exec(raw.trim());
  if (!m) return undefined;
  const month = Number(m[1]);
  const year = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  if (month < 1 || month > 12) return undefined;
  return { month, year };
}

/**
 * Validates the hosted form server-side. `askDetails` is false when the integration named an existing member.
 * Every problem is reported against its own field; nothing is charged unless this returns no errors.
 */
export function checkForm(f: FormFields, opts: { askDetails: boolean; methods: ReadonlyArray<'card' | 'direct_debit'>; now: Date }): { form?: CheckedForm; errors: FormErrors } {
  const errors: FormErrors = {};
  let customer: CustomerDetails | null = null;
  if (opts.askDetails) {
    const firstName = text(f, 'firstName');
    const lastName = text(f, 'lastName');
    const email = text(f, 'email');
    const phone = text(f, 'phone');
    const dateOfBirth = text(f, 'dateOfBirth');
    if (hasControlCharacters(firstName)) errors.firstName = CONTROL_MESSAGE;
    else if (!firstName) errors.firstName = 'Enter your first name.';
    else if (firstName.length > 100) errors.firstName = 'Use at most 100 characters.';
    if (hasControlCharacters(lastName)) errors.lastName = CONTROL_MESSAGE;
    else if (!lastName) errors.lastName = 'Enter your last name.';
    else if (lastName.length > 100) errors.lastName = 'Use at most 100 characters.';
    if (hasControlCharacters(email)) errors.email = CONTROL_MESSAGE;
    else if (!email) errors.email = 'Enter your email address.';
    else if (!isEmail(email)) errors.email = 'Enter an email address like name@example.com.';
    if (hasControlCharacters(phone)) errors.phone = CONTROL_MESSAGE;
    else if (phone && !isPhone(phone)) errors.phone = 'Enter a phone number using digits, spaces and + ( ) . - only.';
    if (dateOfBirth) {
      const problem = dateOfBirthProblem(dateOfBirth, opts.now.toISOString().slice(0, 10));
      if (problem === 'not_a_date') errors.dateOfBirth = 'Enter a real date as YYYY-MM-DD.';
      else if (problem === 'implausible') errors.dateOfBirth = 'Enter a date of birth from 1900 to today.';
    }
    customer = { firstName, lastName, email, phone: phone || null, dateOfBirth: dateOfBirth || null, marketingOptIn: f.marketingOptIn === 'yes' };
  }
  if (f.terms !== 'yes') errors.terms = 'Accept the terms and conditions to continue.';

  const method = f.method === 'direct_debit' ? 'direct_debit' : 'card';
  if (!opts.methods.includes(method)) {
    errors.method = 'Choose a payment method offered here.';
    return { errors };
  }
  let payment: CheckedForm['payment'] | undefined;
  if (method === 'card') {
    const number = text(f, 'cardNumber').replace(/[\s-]/g, '');
    const expiry = parseExpiry(text(f, 'cardExpiry'));
    const cvc = text(f, 'cardCvc');
    if (!number) errors.cardNumber = 'Enter your card number.';
    else if (!/^\d{12,19}$/.test(number) || !luhnValid(number)) errors.cardNumber = 'Enter a valid card number.';
    if (!expiry) errors.cardExpiry = 'Enter the expiry date as MM/YY.';
    else {
      const y = opts.now.getUTCFullYear();
      const m = opts.now.getUTCMonth() + 1;
      if (expiry.year < y || (expiry.year === y && expiry.month < m)) errors.cardExpiry = 'This card has expired.';
      else if (expiry.year > y + 20) errors.cardExpiry = 'Enter a real expiry date.';
    }
    if (!/^\d{3}$/.test(cvc)) errors.cardCvc = 'Enter the 3-digit security code.';
    if (expiry) payment = { method: 'card', card: { number, expMonth: expiry.month, expYear: expiry.year, cvc } };
  } else {
    const accountHolder = text(f, 'accountHolder');
    const sortCode = text(f, 'sortCode').replace(/[\s-]/g, '');
    const accountNumber = text(f, 'accountNumber').replace(/\s/g, '');
    if (hasControlCharacters(accountHolder)) errors.accountHolder = CONTROL_MESSAGE;
    else if (!accountHolder) errors.accountHolder = 'Enter the name on the account.';
    else if (accountHolder.length > 100) errors.accountHolder = 'Use at most 100 characters.';
    if (!/^\d{6}$/.test(sortCode)) errors.sortCode = 'Enter a 6-digit sort code, like 20-00-00.';
    if (!/^\d{8}$/.test(accountNumber)) errors.accountNumber = 'Enter an 8-digit account number.';
    if (f.ddConfirm !== 'yes') errors.ddConfirm = 'Confirm that you can authorise Direct Debits on this account.';
    payment = { method: 'direct_debit', bank: { accountHolder, sortCode, accountNumber } };
  }
  if (Object.keys(errors).length > 0 || !payment) return { errors };
  return { form: { customer, payment }, errors };
}

/**
 * The submitted values the page shows again after an error (never card numbers, security codes or account
 * numbers), without control characters: shown again, they would be invisible and sent back.
 */
export function redisplayValues(f: FormFields): FormFields {
  const keep = ['firstName', 'lastName', 'email', 'phone', 'dateOfBirth', 'marketingOptIn', 'terms', 'method', 'accountHolder', 'ddConfirm', 'cardExpiry'];
  const out: FormFields = {};
  for (const k of keep) if (f[k] !== undefined) out[k] = withoutControlCharacters(String(f[k])).slice(0, 300);
  return out;
}
