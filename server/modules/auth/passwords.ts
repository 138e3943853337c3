import { hash, verify } from '@node-rs/argon2';

// @node-rs/argon2 declares its Algorithm enum as an ambient const enum, which erasable TypeScript
// cannot import; 2 is its value for Argon2id.
const ARGON2ID = 2;

// OWASP's recommended Argon2id floor: 19 MiB, two passes, one lane.
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

// Verifying against this when no account matches keeps a wrong e-mail address as slow as a
// wrong password, so response times do not reveal which addresses have accounts.
let decoyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (!passwordHash) {
    decoyHash ??= hashPassword('decoy password that never matches');
    await verify(await decoyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

/** Passwords people commonly choose that meet the length rule; refused outright. */
const COMMON_PASSWORDS = new Set([
  'password1234', 'password12345', 'password123456', 'passwordpassword', 'qwertyuiop12', 'qwertyuiop123',
  '123456789012', '1234567890123', 'iloveyou1234', 'letmein12345', 'welcome12345', 'administrator',
  'abcdefghijkl', 'qwertyqwerty', 'changeme1234', 'password1234!', 'Password1234', 'Password123!',
]);

/** An i18n key naming what is wrong with a new password, or undefined when it is acceptable. */
export function passwordProblem(password: string, email: string | undefined): string | undefined {
  if (password.length === 0) return 'validation.password.missing';
  if (password.length < PASSWORD_MIN_LENGTH) return 'validation.password.tooShort';
  if (password.length > PASSWORD_MAX_LENGTH) return 'validation.password.tooLong';
  if (new Set(password).size < 4) return 'validation.password.tooSimple';
  if (COMMON_PASSWORDS.has(password) || COMMON_PASSWORDS.has(password.toLowerCase())) return 'validation.password.common';
  if (email && password.toLowerCase().includes(email.split('@')[0]!.toLowerCase()) && email.split('@')[0]!.length >= 4) {
    return 'validation.password.containsEmail';
  }
  return undefined;
}
