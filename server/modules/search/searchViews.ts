import type { Translate } from '../../shared/i18n/index.ts';
import type { CaseSearchRow } from './caseSearchRepository.ts';
import type { PersonMatch, PostcodeFilter } from './personSearchRepository.ts';
import { postcodeLabel } from './searchSchemas.ts';

/** Below this, a name is found only because it sounds alike or is another form: not worth a "spelt similarly". */
const SIMILAR_ENOUGH = 0.3;

/** Why a person is in the results, in the reader's language, strongest reason first. */
export function personReasons(match: PersonMatch, t: Translate, postcode?: PostcodeFilter): string[] {
  const reasons: string[] = [];
  const otherName = `${match.matched_given} ${match.matched_family}`.trim();
  if (match.matched_kind === 'alias') reasons.push(t('search.people.reasons.alias', { name: otherName }));
  if (match.matched_kind === 'previous') reasons.push(t('search.people.reasons.previous', { name: otherName }));
  if (match.matched_kind === 'nickname') reasons.push(t('search.people.reasons.knownAs', { name: otherName }));
  if (match.exact) reasons.push(t('search.people.reasons.exact'));
  else {
    if (match.similarity >= SIMILAR_ENOUGH) reasons.push(t('search.people.reasons.similar', { percent: Math.round(match.similarity * 100) }));
    if (match.sounds_alike) reasons.push(t('search.people.reasons.soundsAlike'));
    if (match.nickname) reasons.push(t('search.people.reasons.nickname'));
  }
  if (match.date_of_birth_match === 'exact') reasons.push(t('search.people.reasons.dateOfBirth'));
  if (match.date_of_birth_match === 'swapped') reasons.push(t('search.people.reasons.dateOfBirthSwapped'));
  if (match.date_of_birth_match === 'year' && match.date_of_birth) reasons.push(t('search.people.reasons.birthYear', { year: match.date_of_birth.slice(0, 4) }));
  if (postcode) reasons.push(t('search.people.reasons.postcode', { postcode: postcodeLabel(postcode) }));
  return reasons;
}

/** Why a case is in the results; nothing when it was found by the lists' filters alone. */
export function caseReasons(row: CaseSearchRow, t: Translate, reference?: string): string[] {
  const reasons: string[] = [];
  if (row.reference_match === 'exact') reasons.push(t('search.cases.reasons.exact'));
  if (row.reference_match === 'start' || row.reference_match === 'part') reasons.push(t(`search.cases.reasons.${row.reference_match}`, { reference }));
  if (row.matched_person) reasons.push(t('search.cases.reasons.person', { name: row.matched_person }));
  if (row.matched_place) reasons.push(t('search.cases.reasons.place', { place: row.matched_place }));
  return reasons;
}

export interface PaginationItem {
  number?: number;
  href?: string;
  current?: boolean;
  ellipsis?: boolean;
}

/** GOV.UK pagination items: first, last, and the pages either side of the current one, with gaps. */
export function paginationItems(current: number, pages: number, href: (page: number) => string): PaginationItem[] {
  const wanted = [...new Set([1, current - 1, current, current + 1, pages])].filter((page) => page >= 1 && page <= pages).sort((a, b) => a - b);
  const items: PaginationItem[] = [];
  for (const [index, page] of wanted.entries()) {
    if (index > 0 && page - wanted[index - 1]! > 1) items.push({ ellipsis: true });
    items.push({ number: page, href: href(page), current: page === current });
  }
  return items;
}
