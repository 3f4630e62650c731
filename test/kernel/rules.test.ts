import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { validatorCompiler } from '../../src/http/validation.js';
import { CIDR_MESSAGE, ipFamily, MAX_ALLOWED_IPS, normaliseCidr } from '../../src/kernel/rules/cidr.js';
import { normaliseHex } from '../../src/kernel/rules/colour.js';
import { hasControlCharacters } from '../../src/kernel/rules/control-characters.js';
import { dateOfBirthProblem, EARLIEST_DATE_OF_BIRTH } from '../../src/kernel/rules/date-of-birth.js';
import { EMAIL_MAX_LENGTH, isEmail } from '../../src/kernel/rules/email.js';
import { addYears, EXPIRING_SOON_DAYS, expiryMessage, expiryProblem, keyStatus, maxExpiry } from '../../src/kernel/rules/expiry.js';
import { PHONE_MAX_LENGTH, isPhone } from '../../src/kernel/rules/phone.js';
import { checkRedirectTarget, isLocalHost, MAX_REDIRECT_URL_LENGTH, normaliseOrigin } from '../../src/kernel/rules/redirect-origin.js';
import { REFERENCE_MAX_LENGTH, referenceProblem } from '../../src/kernel/rules/reference.js';
import { checkExpiry as consoleExpiry, checkIps, checkOrigins, checkReference as consoleReference } from '../../console/src/lib/validate.js';

describe('colour rule', () => {
  it('takes #RGB and #RRGGBB in any case, trimmed, and stores upper-case #RRGGBB', () => {
    expect(normaliseHex('#abc')).toBe('#AABBCC');
    expect(normaliseHex(' #a1B2c3 ')).toBe('#A1B2C3');
    expect(normaliseHex('#000')).toBe('#000000');
  });
  it('refuses anything else', () => {
    for (const v of ['abc', '#abcd', '#ab', '#gggggg', '#1234567', '# abc', 'red', '', null, undefined]) expect(normaliseHex(v)).toBeUndefined();
  });
});

describe('reference rule', () => {
  it('counts characters after trimming: 1 to 100', () => {
    expect(referenceProblem('')).toBe('missing');
    expect(referenceProblem('   \n ')).toBe('missing');
    expect(referenceProblem('x'.repeat(REFERENCE_MAX_LENGTH))).toBeUndefined();
    expect(referenceProblem(`  ${'x'.repeat(REFERENCE_MAX_LENGTH)}  `)).toBeUndefined();
    expect(referenceProblem('x'.repeat(REFERENCE_MAX_LENGTH + 1))).toBe('too_long');
  });
  it('refuses control characters inside (C0 and DEL), not other Unicode', () => {
    for (const c of ['\u0000', '\u0007', '\t', '\u001f', '\u007f']) expect(referenceProblem(`a${c}b`)).toBe('control_characters');
    expect(referenceProblem('CoursePro – Main site ✓')).toBeUndefined();
    expect(hasControlCharacters('\u0080')).toBe(false);
  });
  it('the console says the same thing in its own words', () => {
    expect(consoleReference('  ')).toMatch(/^Enter a reference/);
    expect(consoleReference('x'.repeat(101))).toBe('The reference must be at most 100 characters (it has 101).');
    expect(consoleReference('a\u0000')).toBe('The reference must not contain control characters.');
    expect(consoleReference(' Door ')).toBeUndefined();
  });
});

describe('expiry rule', () => {
  const today = '2026-06-15';
  it('allows today up to two years ahead, to the day', () => {
    expect(expiryProblem(today, today)).toBeUndefined();
    expect(expiryProblem('2028-06-15', today)).toBeUndefined();
    expect(expiryProblem('2028-06-16', today)).toBe('too_far');
    expect(expiryProblem('2026-06-14', today)).toBe('past');
  });
  it('a 29 February today ends two years on, on 28 February', () => {
    expect(maxExpiry('2028-02-29')).toBe('2030-02-28');
    expect(addYears('2028-02-29', 4)).toBe('2032-02-29');
    expect(expiryProblem('2030-03-01', '2028-02-29')).toBe('too_far');
  });
  it('refuses what is not a real date written YYYY-MM-DD', () => {
    for (const v of ['2026-02-30', '2026-6-15', '15/06/2026', '2026-06-15T00:00:00Z', '']) expect(expiryProblem(v, today)).toBe('not_a_date');
  });
  it('names the limits in the API and console messages', () => {
    expect(expiryMessage('too_far', today)).toBe('must be at most 2 years ahead (2028-06-15)');
    expect(expiryMessage('past', today)).toBe('must not be in the past (today is 2026-06-15)');
    expect(consoleExpiry('2028-06-16', today)).toBe('The expiry date must be at most 2 years ahead (2028-06-15 at the latest).');
    expect(consoleExpiry('', today)).toBe('Select the expiry date.');
  });
  it('a key is expiring soon within 14 days, expired the day after its date, revoked above all', () => {
    expect(EXPIRING_SOON_DAYS).toBe(14);
    expect(keyStatus({ revokedAt: null, expiresOn: '2026-06-29' }, today)).toBe('expiring_soon');
    expect(keyStatus({ revokedAt: null, expiresOn: '2026-06-30' }, today)).toBe('active');
    expect(keyStatus({ revokedAt: null, expiresOn: today }, today)).toBe('expiring_soon');
    expect(keyStatus({ revokedAt: null, expiresOn: '2026-06-14' }, today)).toBe('expired');
    expect(keyStatus({ revokedAt: '2026-01-01T00:00:00Z', expiresOn: '2027-01-01' }, today)).toBe('revoked');
  });
});

describe('redirect origin rule', () => {
  it('an allowed origin is https (http only for a local host) with nothing after the host', () => {
    expect(normaliseOrigin(' https://App.Example.com ')).toBe('https://app.example.com');
    expect(normaliseOrigin('https://app.example.com/')).toBe('https://app.example.com');
    expect(normaliseOrigin('https://app.example.com:8443')).toBe('https://app.example.com:8443');
    expect(normaliseOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    expect(normaliseOrigin('http://[::1]:3000')).toBe('http://[::1]:3000');
    expect(normaliseOrigin('http://app.localhost')).toBe('http://app.localhost');
    for (const v of ['http://app.example.com', 'https://app.example.com/x', 'https://app.example.com?a=1', 'https://app.example.com#x', 'https://u@app.example.com', 'https://:p@app.example.com', 'ftp://app.example.com', 'javascript:alert(1)', 'app.example.com', '']) {
      expect(normaliseOrigin(v), v).toBeUndefined();
    }
  });
  it('local hosts are localhost, its subdomains and the loopback addresses only', () => {
    expect(['localhost', 'a.localhost', '127.0.0.1', '[::1]'].every(isLocalHost)).toBe(true);
    expect(['localhost.example.com', '127.0.0.2', 'mylocalhost'].some(isLocalHost)).toBe(false);
  });
  it('a redirect URL must be absolute, https, without credentials, and on an allowed origin when the key lists any', () => {
    expect(checkRedirectTarget('https://app.example.com/done?x=1#y', [])).toEqual({ url: 'https://app.example.com/done?x=1#y' });
    expect(checkRedirectTarget('/done', [])).toEqual({ message: 'must be an absolute https URL' });
    expect(checkRedirectTarget('http://app.example.com/', [])).toEqual({ message: 'must be an https URL (http is allowed only for localhost)' });
    expect(checkRedirectTarget('https://u:p@app.example.com/', [])).toEqual({ message: 'must not contain a user name or password' });
    expect(checkRedirectTarget('https://evil.example/', ['https://app.example.com'])).toEqual({ message: "must be on one of this key's allowed redirect origins (https://app.example.com)" });
    expect(checkRedirectTarget('https://app.example.com/x', ['https://app.example.com'])).toEqual({ url: 'https://app.example.com/x' });
    const long = `https://app.example.com/${'a'.repeat(MAX_REDIRECT_URL_LENGTH)}`;
    expect(checkRedirectTarget(long, [])).toEqual({ message: 'must be at most 2000 characters' });
  });
  it('the console refuses the same origins the server does', () => {
    expect(checkOrigins('https://app.example.com\nhttp://localhost:5173')).toBeUndefined();
    expect(checkOrigins('https://app.example.com\nhttps://app.example.com/path')).toBe('Line 2: “https://app.example.com/path” is not an https origin such as https://app.example.com.');
    expect(checkOrigins(Array.from({ length: 21 }, (_, i) => `https://a${i}.example.com`).join('\n'))).toBe('List at most 20 origins.');
  });
});

describe('email rule', () => {
  it('takes a dot-atom local part at a domain of two or more labels, at most 254 characters', () => {
    for (const v of ['ada@example.com', 'Ada.Lovelace+flow@mail.example.co.uk', "o'brien@example.ie", 'a@b.co']) expect(isEmail(v), v).toBe(true);
    for (const v of ['ada', 'ada@', '@example.com', 'ada@example', 'ada @example.com', 'ada@@example.com', 'a..b@example.com', 'ada@-example.com', 'josé@example.com', '=cmd|x@a.b c']) {
      expect(isEmail(v), v).toBe(false);
    }
    const local = 'a'.repeat(64);
    const at = (n: number) => `${local}@${'b'.repeat(n - local.length - 5)}.com`;
    expect(at(EMAIL_MAX_LENGTH).length).toBe(254);
    expect(isEmail(at(EMAIL_MAX_LENGTH))).toBe(true);
    expect(isEmail(at(EMAIL_MAX_LENGTH + 1))).toBe(false);
  });
  it('is the `email` format the HTTP validator checks', () => {
    const validate = validatorCompiler()({ schema: { type: 'string', format: 'email' }, httpPart: 'body', method: 'POST', url: '/' }) as (v: unknown) => boolean;
    for (const v of ['ada@example.com', 'ada@example', 'josé@example.com', 'a..b@example.com', "o'brien@example.ie"]) expect(validate(v), v).toBe(isEmail(v));
  });
});

describe('phone rule', () => {
  it('digits, spaces and + ( ) . - only, 1 to 32 characters', () => {
    for (const v of ['0113 496 0000', '+44 (0)113 496-0000', '0113.496.0000', '1']) expect(isPhone(v), v).toBe(true);
    for (const v of ['', '@bad', '0113 496 0000 ext 5', '0113\t496', '+44 113 x']) expect(isPhone(v), v).toBe(false);
    expect(isPhone('1'.repeat(PHONE_MAX_LENGTH))).toBe(true);
    expect(isPhone('1'.repeat(PHONE_MAX_LENGTH + 1))).toBe(false);
  });
});

describe('date of birth rule', () => {
  const today = '2026-06-15';
  it('a real date from 1 January 1900 to today', () => {
    expect(dateOfBirthProblem(EARLIEST_DATE_OF_BIRTH, today)).toBeUndefined();
    expect(dateOfBirthProblem('1899-12-31', today)).toBe('implausible');
    expect(dateOfBirthProblem(today, today)).toBeUndefined();
    expect(dateOfBirthProblem('2026-06-16', today)).toBe('implausible');
    expect(dateOfBirthProblem('1990-13-01', today)).toBe('not_a_date');
    expect(dateOfBirthProblem('2001-02-29', today)).toBe('not_a_date');
    expect(dateOfBirthProblem('2000-02-29', today)).toBeUndefined();
  });
});

describe('CIDR rule', () => {
  it('normalises addresses to single-address blocks and keeps blocks as written', () => {
    expect(normaliseCidr(' 203.0.113.7 ')).toBe('203.0.113.7/32');
    expect(normaliseCidr('198.51.100.0/24')).toBe('198.51.100.0/24');
    expect(normaliseCidr('2001:db8::/32')).toBe('2001:db8::/32');
    expect(normaliseCidr('::1')).toBe('::1/128');
    expect(normaliseCidr('::ffff:192.0.2.0/120')).toBe('::ffff:192.0.2.0/120');
    expect(normaliseCidr('0.0.0.0/0')).toBe('0.0.0.0/0');
  });
  it('refuses bad prefixes, zones, leading zeros and names', () => {
    for (const v of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.256', 'example.com', '10.0.0.0/24/1', '', '010.0.0.1', '10.0.0.0/', '10.0.0.0/-1', 'fe80::1%eth0', '1.2.3.4/ 8', '1::2::3', '1:2:3:4:5:6:7:8:9']) {
      expect(normaliseCidr(v), v).toBeUndefined();
    }
  });
  it('judges an address exactly as node:net does (zone ids aside), without importing it', () => {
    const samples = ['1.2.3.4', '255.255.255.255', '256.1.1.1', '1.2.3', '01.2.3.4', '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::ffff:1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', 'fe80::1', 'FE80::ABCD', '12345::', 'g::1', ':1', '1:', '1.2.3.4.5'];
    // Plus random strings over the address alphabet, so the grammar is compared beyond hand-picked cases.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const alphabet = '0123456789abcdef:.';
    for (let i = 0; i < 20000; i++) samples.push(Array.from({ length: 2 + rand(14) }, () => alphabet[rand(alphabet.length)]).join(''));
    const disagree = samples.filter((s) => ipFamily(s) !== net.isIP(s));
    expect(disagree).toEqual([]);
    expect(samples.filter((s) => ipFamily(s) !== 0).length).toBeGreaterThan(50);
  });
  it('the console checks each line exactly, in the server words', () => {
    expect(checkIps('203.0.113.0/24\n2001:db8::1')).toBeUndefined();
    expect(checkIps('203.0.113.0/24\n300.1.1.1')).toBe(`Line 2: ${CIDR_MESSAGE}.`);
    expect(checkIps('10.0.0.0/33')).toBe(`Line 1: ${CIDR_MESSAGE}.`);
    expect(checkIps(Array.from({ length: MAX_ALLOWED_IPS + 1 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join('\n'))).toBe('List at most 100 addresses or blocks.');
  });
});
