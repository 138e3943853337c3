import type { RetentionAction, RetentionRecordType } from '../../db/schema.ts';

/** The record types a schedule can cover, in the order the pages list them. */
export const retentionRecordTypes = ['closed_cases', 'incidents', 'alerts', 'referrals', 'attachments', 'audit_log'] as const satisfies readonly RetentionRecordType[];

export const retentionActions = ['anonymise', 'delete'] as const satisfies readonly RetentionAction[];

/** The legal grounds a partnership gives for keeping a record as long as it does. */
export const retentionLawfulBases = ['public_task', 'legal_obligation', 'law_enforcement', 'crime_and_disorder_act', 'limitation_act', 'partnership_policy'] as const;

/** What a record type can have done to it: an audit event or a file can only be removed. */
export function actionsFor(recordType: RetentionRecordType): readonly RetentionAction[] {
  return recordType === 'audit_log' || recordType === 'attachments' ? ['delete'] : retentionActions;
}

export const legalHoldSubjects = ['case', 'person', 'incident'] as const;
export type LegalHoldSubject = (typeof legalHoldSubjects)[number];

/**
 * The newest trigger date that is due: a record is due once its trigger date plus the period has
 * passed, so a record whose trigger is exactly `cutoff` is due. Months are calendar months in
 * UTC; a day that does not exist in the target month (31 March less one month) is its last day.
 */
export function retentionCutoff(asOf: Date, periodMonths: number): Date {
  const year = asOf.getUTCFullYear();
  const month = asOf.getUTCMonth() - periodMonths;
  const firstOfTarget = new Date(Date.UTC(year, month, 1));
  const lastDay = new Date(Date.UTC(firstOfTarget.getUTCFullYear(), firstOfTarget.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      firstOfTarget.getUTCFullYear(),
      firstOfTarget.getUTCMonth(),
      Math.min(asOf.getUTCDate(), lastDay),
      asOf.getUTCHours(),
      asOf.getUTCMinutes(),
      asOf.getUTCSeconds(),
      asOf.getUTCMilliseconds(),
    ),
  );
}

/** The partnership's starting schedules, loaded with the demo data (and by `retention:defaults`). */
export const defaultSchedules: { recordType: RetentionRecordType; periodMonths: number; action: RetentionAction; lawfulBasis: (typeof retentionLawfulBases)[number]; legalReason: string }[] = [
  { recordType: 'closed_cases', periodMonths: 72, action: 'anonymise', lawfulBasis: 'limitation_act', legalReason: 'Closed anti-social behaviour and community safety cases are kept six years after closure, the limitation period for civil claims, then anonymised so partnership statistics still count them.' },
  { recordType: 'incidents', periodMonths: 24, action: 'anonymise', lawfulBasis: 'crime_and_disorder_act', legalReason: 'Incident data shared under section 115 of the Crime and Disorder Act 1998 is needed for two years of trend and hotspot analysis; after that only the location, date and category are kept.' },
  { recordType: 'alerts', periodMonths: 24, action: 'delete', lawfulBasis: 'public_task', legalReason: 'A resolved alert has served its purpose once the incidents behind it have aged out; two years matches the incident schedule.' },
  { recordType: 'referrals', periodMonths: 72, action: 'anonymise', lawfulBasis: 'limitation_act', legalReason: 'Closed referrals are kept six years as evidence of how handovers were made, then anonymised so handover performance figures stay complete.' },
  { recordType: 'attachments', periodMonths: 72, action: 'delete', lawfulBasis: 'limitation_act', legalReason: 'Files attached to closed cases follow the case: six years after upload, once the case is closed.' },
  { recordType: 'audit_log', periodMonths: 84, action: 'delete', lawfulBasis: 'legal_obligation', legalReason: 'Access and change records are kept seven years to answer subject access requests and complaints, then removed; the hash chain is anchored so it still verifies.' },
];
