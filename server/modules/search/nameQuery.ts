import { alternativeGivenNames } from './nicknames.ts';

/** A name as typed into a search, read both ways round, with the other forms of each word. */
export interface NameQuery {
  /** Lower case, single spaces, given name first: "jon smyth" (also for "Smyth, Jon"). */
  text: string;
  /** The first word read as a given name and the last as a family name (a comma swaps them). */
  given: string;
  family: string;
  /** One word only: it may be either name. */
  single: boolean;
  /** Other forms of `given` and of `family` (Bill → William, Will…), for names typed the other way round. */
  givenForms: string[];
  familyForms: string[];
  /** The whole name with each other form put in: "william jones" for "bill jones", both orders. */
  variants: string[];
}

const MAX_FORMS = 12;
const MAX_VARIANTS = 16;

/** Reads a typed name, or undefined when it has fewer than two letters. */
export function parseNameQuery(typed: string): NameQuery | undefined {
  const [before, after] = typed.toLowerCase().split(',', 2);
  const words = (after === undefined ? wordsOf(before ?? '') : [...wordsOf(after), ...wordsOf(before ?? '')]);
  if (words.join('').replace(/['-]/g, '').length < 2) return undefined;
  const given = words[0]!;
  const family = words[words.length - 1]!;
  const givenForms = alternativeGivenNames(given).slice(0, MAX_FORMS);
  const familyForms = words.length > 1 ? alternativeGivenNames(family).slice(0, MAX_FORMS) : [];
  const middle = words.slice(1, -1);
  const variants = [
    ...givenForms.map((form) => [form, ...middle, ...(words.length > 1 ? [family] : [])].join(' ')),
    ...familyForms.map((form) => [given, ...middle, form].join(' ')),
  ].slice(0, MAX_VARIANTS);
  return { text: words.join(' '), given, family, single: words.length === 1, givenForms, familyForms, variants };
}

/** Letters (any alphabet), apostrophes and hyphens make words; anything else separates them. */
function wordsOf(text: string): string[] {
  return text
    .normalize('NFC')
    .split(/[^\p{L}'’-]+/u)
    .map((word) => word.replace(/’/g, "'").replace(/^['-]+|['-]+$/g, ''))
    .filter(Boolean);
}
