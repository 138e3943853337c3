import { sql } from 'kysely';
import type { SharingAgreementRow } from '../../server/db/schema.ts';
import { addDays, londonToday } from '../../server/shared/dates.ts';
import { type DataCategory, dataCategories, type SharingPurpose, sharingPurposes } from '../../server/modules/sharingAgreements/sharingPurposes.ts';
import type { TestApp } from '../support/testApp.ts';

export interface SharingAgreementOptions {
  /** Defaults to every purpose and every category of data: "these organisations may share". */
  purposes?: readonly SharingPurpose[];
  dataCategories?: readonly DataCategory[];
  status?: 'draft' | 'active' | 'expired' | 'withdrawn';
  /** Parties that have signed; defaults to all of them. */
  signedBy?: readonly string[];
  startsOn?: string;
  reviewOn?: string;
  endsOn?: string;
}

/**
 * An information-sharing agreement among the given organisations, written straight into the
 * database (active, signed by all, from a year ago to a year ahead unless told otherwise), for
 * tests that share data between organisations without being about agreements.
 */
export async function createSharingAgreement(testApp: TestApp, parties: readonly string[], options: SharingAgreementOptions = {}): Promise<SharingAgreementRow> {
  const db = testApp.database.db;
  const today = londonToday();
  const { rows } = await sql<{ n: string }>`select nextval('sharing_agreement_numbers') as n`.execute(db);
  const agreement = await db
    .insertInto('sharing_agreements')
    .values({
      reference: `ISA-${String(rows[0]!.n).padStart(3, '0')}`,
      title: 'Test information-sharing agreement',
      purposes: [...(options.purposes ?? sharingPurposes)],
      data_categories: [...(options.dataCategories ?? dataCategories)],
      lawful_bases: ['public_task', 'substantial_public_interest', 'crime_and_disorder_s115'],
      schedule1_condition: 'Paragraph 18: safeguarding of children and individuals at risk',
      retention: 'Six years after the case closes',
      security_requirements: 'Secure e-mail or OneRoof only',
      starts_on: options.startsOn ?? addDays(today, -365),
      review_on: options.reviewOn ?? addDays(today, 180),
      ends_on: options.endsOn ?? addDays(today, 365),
      status: options.status ?? 'active',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const signed = options.signedBy ?? parties;
  await db
    .insertInto('sharing_agreement_parties')
    .values(parties.map((organisation_id) => ({ agreement_id: agreement.id, organisation_id, signed_at: signed.includes(organisation_id) ? new Date() : null })))
    .execute();
  return agreement;
}
