import { randomInt } from 'node:crypto';
import { randomToken, sha256Hex } from '../../shared/crypto.ts';

/**
 * An API key reads `or_<prefix>_<secret>`. The prefix finds the key without revealing it; only
 * a SHA-256 of the secret is stored, so a copy of the database cannot call the API. Prefixes are
 * letters and digits only, so that `_` always separates the parts and a double-click selects
 * the whole key.
 */
const PREFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PREFIX_LENGTH = 12;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^or_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  prefix: string;
  secretHash: string;
  /** Shown to the administrator once, then forgotten. */
  fullKey: string;
}

export interface PresentedApiKey {
  prefix: string;
  secret: string;
}

export function generateApiKey(): GeneratedApiKey {
  const prefix = Array.from({ length: PREFIX_LENGTH }, () => PREFIX_ALPHABET[randomInt(PREFIX_ALPHABET.length)]).join('');
  const secret = randomToken(SECRET_BYTES);
  return { prefix, secretHash: hashApiKeySecret(secret), fullKey: `or_${prefix}_${secret}` };
}

export function parseApiKey(token: string): PresentedApiKey | undefined {
  const match = KEY_PATTERN.exec(token);
  return match ? { prefix: match[1]!, secret: match[2]! } : undefined;
}

export function hashApiKeySecret(secret: string): string {
  return sha256Hex(secret);
}

/** How a key is recognised in lists and logs: its prefix, never its secret. */
export function maskedApiKey(prefix: string): string {
  return `or_${prefix}_…`;
}
