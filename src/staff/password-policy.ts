/** Password rules, applied wherever a password is set (staff create, CLI, first-start admin). */
const PASSWORD_MIN = 12;
const PASSWORD_MAX = 200;

/** Length and blankness: cheap and synchronous (the configuration check uses it). Undefined when fine. */
export function passwordShapeProblem(password: string): string | undefined {
  const length = [...password].length; // characters, not UTF-16 units
  if (length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  if (password.trim() === '') return 'must not be only spaces';
  return undefined;
}

// The common-password list of zxcvbn-ts (@zxcvbn-ts/language-common, MIT, ~49,000 entries) is loaded on
// first use, not by every process that starts (~200 ms, ~15 MB); only entries long enough to pass the
// length rule are kept.
let common: Promise<Set<string>> | undefined;
const commonPasswords = () =>
  (common ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set(dictionary['passwords-common'].filter((p) => [...p].length >= PASSWORD_MIN).map((p) => p.toLowerCase())),
  ));

/** Every rule, the common-password list included. Undefined when the password may be used. */
export async function passwordProblem(password: string): Promise<string | undefined> {
  const shape = passwordShapeProblem(password);
  if (shape) return shape;
  if ((await commonPasswords()).has(password.trim().toLowerCase())) return 'is one of the most common passwords; choose another';
  return undefined;
}
