import { distance as levenshtein } from 'fastest-levenshtein';
import jaroWinkler from 'talisman/metrics/jaro-winkler.js';
import { type EncodedRecords } from './encodedRecords.ts';
import type { LinkageField } from './fields.ts';
import { areNicknames } from './nicknames.ts';
import { type PairCache, pairCacheFor } from './pairCache.ts';

/** Level 0 of every comparison: one side has nothing, so the field is no evidence either way. */
export const MISSING = 0;
/** Level 1 of every comparison: the values disagree beyond every partial level. */
export const DIFFERENT = 1;

/**
 * One field's comparison: graded levels from "different" to "exact". The engine learns how likely
 * each level is for true matches (m) and for random pairs (u).
 */
export interface Comparison {
  name: ComparisonName;
  /** Level labels; index 0 is missing, 1 different, the last exact. */
  levels: readonly string[];
  /** The record fields it reads; the chance of exact agreement is the product of theirs. */
  fields: readonly LinkageField[];
  /** Exact agreement on a rare value of this field counts for more than on a common one. */
  termFrequencyField?: LinkageField;
  level(records: EncodedRecords, a: number, b: number): number;
}

const JW_HIGH = 0.92;
const JW_MIDDLE = 0.88;
const JW_LOW = 0.7;

export const givenNameLevels = ['missing', 'different', 'initial only', 'Jaro–Winkler ≥ 0.70', 'Jaro–Winkler ≥ 0.88', 'nickname', 'Jaro–Winkler ≥ 0.92', 'swapped with surname', 'exact'] as const;

export function compareGivenName(a: string, b: string, surnameA = '', surnameB = ''): number {
  const level = (label: (typeof givenNameLevels)[number]) => givenNameLevels.indexOf(label);
  if (a === '' || b === '') return MISSING;
  if (a === b) return level('exact');
  if (surnameA !== '' && a === surnameB && b === surnameA) return level('swapped with surname');
  const similarity = jaroWinkler(a, b);
  if (similarity >= JW_HIGH) return level('Jaro–Winkler ≥ 0.92');
  if (areNicknames(a, b)) return level('nickname');
  if ((a.length === 1 || b.length === 1) && a[0] === b[0]) return level('initial only');
  if (similarity >= JW_MIDDLE) return level('Jaro–Winkler ≥ 0.88');
  if (similarity >= JW_LOW) return level('Jaro–Winkler ≥ 0.70');
  return DIFFERENT;
}

export const surnameLevels = ['missing', 'different', 'Jaro–Winkler ≥ 0.70', 'Jaro–Winkler ≥ 0.88', 'Jaro–Winkler ≥ 0.92', 'swapped with given name', 'exact'] as const;

export function compareSurname(a: string, b: string, givenA = '', givenB = ''): number {
  const level = (label: (typeof surnameLevels)[number]) => surnameLevels.indexOf(label);
  if (a === '' || b === '') return MISSING;
  if (a === b) return level('exact');
  if (givenA !== '' && a === givenB && b === givenA) return level('swapped with given name');
  const similarity = jaroWinkler(a, b);
  if (similarity >= JW_HIGH) return level('Jaro–Winkler ≥ 0.92');
  if (similarity >= JW_MIDDLE) return level('Jaro–Winkler ≥ 0.88');
  if (similarity >= JW_LOW) return level('Jaro–Winkler ≥ 0.70');
  return DIFFERENT;
}

export const dateOfBirthLevels = ['missing', 'different', 'year only', 'one part differs', 'one digit differs', 'day and month swapped', 'exact'] as const;

/** Dates as YYYYMMDD. Compared character by character: it runs for millions of pairs. */
export function compareDateOfBirth(a: string, b: string): number {
  const level = (label: (typeof dateOfBirthLevels)[number]) => dateOfBirthLevels.indexOf(label);
  if (a === '' || b === '') return MISSING;
  if (a === b) return level('exact');
  if (a.length !== 8 || b.length !== 8) return compareDateParts(a, b);
  const sameYear = sameSpan(a, 0, b, 0, 4);
  if (sameYear && sameSpan(a, 4, b, 6, 2) && sameSpan(a, 6, b, 4, 2)) return level('day and month swapped');
  let differing = 0;
  for (let index = 0; index < 8; index += 1) if (a.charCodeAt(index) !== b.charCodeAt(index)) differing += 1;
  if (differing === 1) return level('one digit differs');
  const partsEqual = Number(sameYear) + Number(sameSpan(a, 4, b, 4, 2)) + Number(sameSpan(a, 6, b, 6, 2));
  if (partsEqual === 2) return level('one part differs');
  if (sameYear) return level('year only');
  return DIFFERENT;
}

function sameSpan(a: string, fromA: number, b: string, fromB: number, length: number): boolean {
  for (let index = 0; index < length; index += 1) if (a.charCodeAt(fromA + index) !== b.charCodeAt(fromB + index)) return false;
  return true;
}

/** The same levels for dates not in the 8-character form (never produced by normalise, kept for safety). */
function compareDateParts(a: string, b: string): number {
  const level = (label: (typeof dateOfBirthLevels)[number]) => dateOfBirthLevels.indexOf(label);
  const [yearA, monthA, dayA] = [a.slice(0, 4), a.slice(4, 6), a.slice(6, 8)];
  const [yearB, monthB, dayB] = [b.slice(0, 4), b.slice(4, 6), b.slice(6, 8)];
  if (yearA === yearB && monthA === dayB && dayA === monthB) return level('day and month swapped');
  if (differingCharacters(a, b) === 1) return level('one digit differs');
  const partsEqual = Number(yearA === yearB) + Number(monthA === monthB) + Number(dayA === dayB);
  if (partsEqual === 2) return level('one part differs');
  if (yearA === yearB) return level('year only');
  return DIFFERENT;
}

function differingCharacters(a: string, b: string): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let differing = 0;
  for (let index = 0; index < a.length; index += 1) if (a.charCodeAt(index) !== b.charCodeAt(index)) differing += 1;
  return differing;
}

export const postcodeLevels = ['missing', 'different', 'same district or two characters differ', 'one character differs', 'exact'] as const;

/** Postcodes upper case without spaces. The UK district is all but the last three characters. */
export function comparePostcode(a: string, b: string): number {
  if (a === '' || b === '') return MISSING;
  if (a === b) return 4;
  const edits = levenshtein(a, b);
  if (edits === 1) return 3;
  if (edits === 2 || (a.length >= 5 && b.length >= 5 && a.slice(0, -3) === b.slice(0, -3))) return 2;
  return DIFFERENT;
}

export const editLevels = ['missing', 'different', 'one character differs', 'exact'] as const;

export function compareByEdits(a: string, b: string): number {
  if (a === '' || b === '') return MISSING;
  if (a === b) return 3;
  return levenshtein(a, b) === 1 ? 2 : DIFFERENT;
}

export const identifierLevels = ['missing', 'different', 'two characters differ', 'one character differs', 'exact'] as const;

export function compareIdentifier(a: string, b: string): number {
  if (a === '' || b === '') return MISSING;
  if (a === b) return 4;
  const edits = levenshtein(a, b);
  return edits === 1 ? 3 : edits === 2 ? 2 : DIFFERENT;
}

export interface AddressParts {
  postcode: string;
  streetNumber: string;
  addressLine: string;
  locality: string;
}

export const addressLevels = ['missing', 'different', 'same town or nearby postcode', 'same street', 'same postcode', 'same home, small differences', 'exact'] as const;

const similar = (a: string, b: string) => a !== '' && b !== '' && (a === b || jaroWinkler(a, b) >= JW_HIGH);
const agreesOrAbsent = (a: string, b: string) => a === b || a === '' || b === '';

/**
 * Postcode, house number, street and town as one comparison: they go together (neighbours share
 * all of them), so scoring them as four independent fields would count one fact four times.
 * Street and town similarity are asked for only when the level depends on them (they are the
 * costly part).
 */
export function compareAddress(a: AddressParts, b: AddressParts, sameStreetOf = () => similar(a.addressLine, b.addressLine), sameTownOf = () => similar(a.locality, b.locality)): number {
  const level = (label: (typeof addressLevels)[number]) => addressLevels.indexOf(label);
  const hasAny = (parts: AddressParts) => parts.postcode !== '' || parts.addressLine !== '' || parts.locality !== '';
  if (!hasAny(a) || !hasAny(b)) return MISSING;
  const postcode = comparePostcode(a.postcode, b.postcode);
  const sameNumber = a.streetNumber !== '' && a.streetNumber === b.streetNumber;
  if (postcode === 4 && sameNumber && agreesOrAbsent(a.addressLine, b.addressLine) && agreesOrAbsent(a.locality, b.locality)) return level('exact');
  if (sameNumber) {
    const sameStreet = sameStreetOf();
    if ((postcode >= 3 && (sameStreet || sameTownOf())) || (sameStreet && sameTownOf())) return level('same home, small differences');
  }
  if (postcode === 4) return level('same postcode');
  const sameTown = sameTownOf();
  if (!sameTown && postcode < 2) return DIFFERENT;
  return sameStreetOf() ? level('same street') : level('same town or nearby postcode');
}

function text(records: EncodedRecords, field: LinkageField, index: number): string {
  const token = records.tokens[field][index]!;
  return token < 0 ? '' : records.dictionaries[field][token]!;
}

/** Equal tokens are equal values: the exact level costs no string work. */
function byTokens(field: LinkageField, exact: number, compare: (a: string, b: string) => number) {
  return (records: EncodedRecords, a: number, b: number): number => {
    const tokenA = records.tokens[field][a]!;
    const tokenB = records.tokens[field][b]!;
    if (tokenA < 0 || tokenB < 0) return MISSING;
    if (tokenA === tokenB) return exact;
    return compare(records.dictionaries[field][tokenA]!, records.dictionaries[field][tokenB]!);
  };
}

/**
 * Names, postcodes, streets and towns repeat across millions of pairs, so each distinct pair of
 * values is compared once per thread (see pairCache.ts).
 */
const pairCaches = new WeakMap<readonly string[], PairCache>();

function nameLevel(
  records: EncodedRecords,
  field: 'givenName' | 'surname',
  otherField: 'givenName' | 'surname',
  a: number,
  b: number,
  exact: number,
  swapped: number,
  compare: (a: string, b: string) => number,
): number {
  const tokens = records.tokens[field];
  const tokenA = tokens[a]!;
  const tokenB = tokens[b]!;
  if (tokenA < 0 || tokenB < 0) return MISSING;
  if (tokenA === tokenB) return exact;
  const valueA = records.dictionaries[field][tokenA]!;
  const valueB = records.dictionaries[field][tokenB]!;
  if (valueA === text(records, otherField, b) && valueB === text(records, otherField, a)) return swapped;
  return pairCacheFor(pairCaches, records.dictionaries[field]).get(tokenA, tokenB, () => compare(valueA, valueB));
}

/** Whether two records' values of a field are the same or nearly (Jaro–Winkler ≥ 0.92), once per distinct pair of values. */
function similarTokens(records: EncodedRecords, field: LinkageField, a: number, b: number): boolean {
  const tokenA = records.tokens[field][a]!;
  const tokenB = records.tokens[field][b]!;
  if (tokenA < 0 || tokenB < 0) return false;
  if (tokenA === tokenB) return true;
  const dictionary = records.dictionaries[field];
  return pairCacheFor(pairCaches, dictionary).get(tokenA, tokenB, () => Number(jaroWinkler(dictionary[tokenA]!, dictionary[tokenB]!) >= JW_HIGH)) === 1;
}

/** comparePostcode on tokens, once per distinct pair of postcodes. */
function postcodeLevel(records: EncodedRecords, a: number, b: number): number {
  const tokenA = records.tokens.postcode[a]!;
  const tokenB = records.tokens.postcode[b]!;
  if (tokenA < 0 || tokenB < 0) return MISSING;
  if (tokenA === tokenB) return 4;
  const dictionary = records.dictionaries.postcode;
  return pairCacheFor(pairCaches, dictionary).get(tokenA, tokenB, () => comparePostcode(dictionary[tokenA]!, dictionary[tokenB]!));
}

/** compareAddress on tokens: the same levels without building strings or objects for each pair. */
function addressLevel(records: EncodedRecords, a: number, b: number): number {
  const { postcode, streetNumber, addressLine, locality } = records.tokens;
  const hasAny = (index: number) => postcode[index]! >= 0 || addressLine[index]! >= 0 || locality[index]! >= 0;
  if (!hasAny(a) || !hasAny(b)) return MISSING;
  const postcodes = postcodeLevel(records, a, b);
  const sameNumber = streetNumber[a]! >= 0 && streetNumber[a] === streetNumber[b];
  const agreesOrAbsent = (tokens: Int32Array) => tokens[a] === tokens[b] || tokens[a]! < 0 || tokens[b]! < 0;
  if (postcodes === 4 && sameNumber && agreesOrAbsent(addressLine) && agreesOrAbsent(locality)) return ADDRESS_EXACT;
  if (sameNumber) {
    const sameStreet = similarTokens(records, 'addressLine', a, b);
    if ((postcodes >= 3 && (sameStreet || similarTokens(records, 'locality', a, b))) || (sameStreet && similarTokens(records, 'locality', a, b))) return ADDRESS_SAME_HOME;
  }
  if (postcodes === 4) return ADDRESS_SAME_POSTCODE;
  const sameTown = similarTokens(records, 'locality', a, b);
  if (!sameTown && postcodes < 2) return DIFFERENT;
  return similarTokens(records, 'addressLine', a, b) ? ADDRESS_SAME_STREET : ADDRESS_NEARBY;
}

const ADDRESS_EXACT = addressLevels.indexOf('exact');
const ADDRESS_SAME_HOME = addressLevels.indexOf('same home, small differences');
const ADDRESS_SAME_POSTCODE = addressLevels.indexOf('same postcode');
const ADDRESS_SAME_STREET = addressLevels.indexOf('same street');
const ADDRESS_NEARBY = addressLevels.indexOf('same town or nearby postcode');

export type ComparisonName = 'givenName' | 'surname' | 'dateOfBirth' | 'address' | 'phone' | 'identifier';

/** The comparisons of OneRoof's one linkage configuration, in pattern order. */
export const comparisons: readonly Comparison[] = [
  {
    name: 'givenName',
    levels: givenNameLevels,
    fields: ['givenName'],
    termFrequencyField: 'givenName',
    level: (records, a, b) => {
      const swapped = givenNameLevels.indexOf('swapped with surname');
      return nameLevel(records, 'givenName', 'surname', a, b, givenNameLevels.length - 1, swapped, compareGivenName);
    },
  },
  {
    name: 'surname',
    levels: surnameLevels,
    fields: ['surname'],
    termFrequencyField: 'surname',
    level: (records, a, b) => {
      const swapped = surnameLevels.indexOf('swapped with given name');
      return nameLevel(records, 'surname', 'givenName', a, b, surnameLevels.length - 1, swapped, compareSurname);
    },
  },
  { name: 'dateOfBirth', levels: dateOfBirthLevels, fields: ['dateOfBirth'], level: byTokens('dateOfBirth', dateOfBirthLevels.length - 1, compareDateOfBirth) },
  {
    name: 'address',
    levels: addressLevels,
    fields: ['postcode', 'streetNumber', 'addressLine', 'locality'],
    level: addressLevel,
  },
  { name: 'phone', levels: editLevels, fields: ['phone'], level: byTokens('phone', editLevels.length - 1, compareByEdits) },
  { name: 'identifier', levels: identifierLevels, fields: ['identifier'], level: byTokens('identifier', identifierLevels.length - 1, compareIdentifier) },
];

/** Place values that pack one pair's levels into a single integer (its comparison pattern). */
export const patternRadix: readonly number[] = comparisons.map((_, index) => comparisons.slice(0, index).reduce((product, comparison) => product * comparison.levels.length, 1));

export function patternOf(records: EncodedRecords, a: number, b: number): number {
  let pattern = 0;
  for (let index = 0; index < comparisons.length; index += 1) pattern += comparisons[index]!.level(records, a, b) * patternRadix[index]!;
  return pattern;
}

export function levelsOfPattern(pattern: number): number[] {
  return comparisons.map((comparison, index) => Math.floor(pattern / patternRadix[index]!) % comparison.levels.length);
}
