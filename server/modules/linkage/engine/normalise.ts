import type { LinkageField } from './fields.ts';

const NOT_LETTERS = /[^\p{L}\s'-]/gu;
const SEPARATORS = /[\s'-]+/g;

/** Lower case, accents kept apart from letters removed, one space between words, no punctuation. */
export function normaliseName(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(NOT_LETTERS, ' ')
    .replace(SEPARATORS, ' ')
    .trim();
}

export function normaliseText(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function normalisePostcode(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export function digitsOnly(value: string): string {
  return value.replace(/\D/g, '');
}

/** A UK number with +44 or 0044 and one without compare equal. */
export function normalisePhone(value: string): string {
  const digits = digitsOnly(value);
  if (digits.startsWith('44') && digits.length === 12) return `0${digits.slice(2)}`;
  if (digits.startsWith('0044')) return `0${digits.slice(4)}`;
  return digits;
}

const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const UK_DATE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;

/**
 * A date of birth as YYYYMMDD, or '' when it cannot be read. UK dates are read day first.
 * Eight digits are kept as they are even when impossible (a typo in one part must still compare
 * on the other two).
 */
export function normaliseDateOfBirth(value: string): string {
  const text = value.trim();
  if (COMPACT_DATE.test(text)) return text;
  const iso = ISO_DATE.exec(text);
  if (iso) return compose(iso[1]!, iso[2]!, iso[3]!);
  const uk = UK_DATE.exec(text);
  if (uk) return compose(uk[3]!, uk[2]!, uk[1]!);
  return '';
}

function compose(year: string, month: string, day: string): string {
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1 || d > 31) return '';
  return `${year}${month.padStart(2, '0')}${day.padStart(2, '0')}`;
}

export const normalisers: Record<LinkageField, (value: string) => string> = {
  givenName: normaliseName,
  surname: normaliseName,
  dateOfBirth: normaliseDateOfBirth,
  postcode: normalisePostcode,
  streetNumber: (value) => normaliseText(value).replace(/\s+/g, ''),
  addressLine: normaliseText,
  locality: normaliseText,
  phone: normalisePhone,
  identifier: (value) => normaliseText(value).replace(/\s+/g, ''),
};
