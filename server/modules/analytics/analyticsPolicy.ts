import type { Role } from '../../shared/permissions.ts';

/**
 * Who sees what on the analytics pages (all of them need `analytics:view` first). Exact small
 * counts stay with the analysts who work with the records and the partnership administrator;
 * everyone else sees "fewer than N". The repeat-victims table names people: analysts only.
 */
export function seesExactCounts(role: Role): boolean {
  return role === 'analyst' || role === 'partnership_admin';
}

export function mayViewRepeatVictims(role: Role): boolean {
  return role === 'analyst';
}

/** Analyses are saved and re-run by the roles who analyse, not by those who only read results. */
export function maySaveAnalyses(role: Role): boolean {
  return role === 'analyst' || role === 'partnership_admin' || role === 'case_manager';
}
