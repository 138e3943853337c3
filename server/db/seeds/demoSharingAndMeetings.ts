import { sql } from 'kysely';
import { nextOccurrences, startsAt } from '../../modules/meetings/meetingSchedule.ts';
import { dataCategories, type SharingPurpose, sharingPurposes } from '../../modules/sharingAgreements/sharingPurposes.ts';
import type { Services } from '../../services.ts';
import { systemActor } from '../../shared/actor.ts';
import { addDays, londonToday } from '../../shared/dates.ts';

interface DemoAgreement {
  title: string;
  parties: string[] | 'all';
  purposes: SharingPurpose[];
  startsInDays: number;
  endsInDays: number;
  status: 'active' | 'expired';
}

/**
 * The partnership's overarching agreement, its MARAC agreement, a hidden-harm agreement the NHS
 * trust has not joined yet (so an alert known to health only stays with health, as need-to-know
 * requires), and one that has run out (for the register).
 */
const demoAgreements: DemoAgreement[] = [
  {
    title: 'Northumbria Community Safety Partnership overarching information-sharing agreement',
    parties: 'all',
    purposes: sharingPurposes.filter((purpose) => purpose !== 'domestic_abuse_marac' && purpose !== 'hidden_harm_signals'),
    startsInDays: -240,
    endsInDays: 490,
    status: 'active',
  },
  {
    title: 'Hidden harm early warning information-sharing agreement',
    parties: ['police', 'city', 'county', 'fire', 'housing', 'victims', 'mediation'],
    purposes: ['hidden_harm_signals'],
    startsInDays: -240,
    endsInDays: 490,
    status: 'active',
  },
  { title: 'Domestic abuse and MARAC information-sharing agreement', parties: 'all', purposes: ['domestic_abuse_marac'], startsInDays: -300, endsInDays: 430, status: 'active' },
  { title: 'Fire safety home visits pilot (ended)', parties: ['fire', 'mediation'], purposes: ['problem_solving'], startsInDays: -700, endsInDays: -60, status: 'expired' },
];

/**
 * Demo information-sharing agreements, signed by every party, so that the demo referrals and
 * agencies on cases are allowed with enforcement on. Runs before the demo cases.
 */
export async function seedDemoSharingAgreements(services: Services, agencyIds: Map<string, string>): Promise<void> {
  const today = londonToday();
  await services.audit.run(systemActor('seed'), async (trx, audit) => {
    for (const demo of demoAgreements) {
      const { rows } = await sql<{ n: string }>`select nextval('sharing_agreement_numbers') as n`.execute(trx);
      const reference = `ISA-${String(rows[0]!.n).padStart(3, '0')}`;
      const created = await trx
        .insertInto('sharing_agreements')
        .values({
          reference,
          title: demo.title,
          purposes: demo.purposes,
          data_categories: [...dataCategories],
          lawful_bases: ['public_task', 'substantial_public_interest', 'crime_and_disorder_s115'],
          schedule1_condition: 'Paragraph 18: safeguarding of children and of individuals at risk; paragraph 10: preventing or detecting unlawful acts',
          retention: 'Six years after the case closes, then deleted by each party',
          security_requirements: 'Shared only through OneRoof or secure e-mail; access on a need-to-know basis; breaches reported to all parties within 24 hours',
          dpia_reference: `DPIA-CSP-${reference.slice(4)}`,
          starts_on: addDays(today, demo.startsInDays),
          review_on: addDays(today, Math.min(demo.endsInDays - 30, 120)),
          ends_on: addDays(today, demo.endsInDays),
          status: demo.status,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const parties = demo.parties === 'all' ? [...agencyIds.values()] : demo.parties.map((key) => agencyIds.get(key)!);
      await trx.insertInto('sharing_agreement_parties').values(parties.map((organisation_id) => ({ agreement_id: created.id, organisation_id, signed_at: new Date() }))).execute();
      audit({ action: 'SHARING_AGREEMENT_CREATED', recordType: 'sharing_agreement', recordId: created.id, details: { reference, demo: true } });
    }
  });
}

/** One CHaRMM series with its next meetings, and two demo cases flagged for it. */
export async function seedDemoMeetings(services: Services, agencyIds: Map<string, string>, caseIds: Map<string, string>): Promise<void> {
  const today = londonToday();
  const manager = await services.db.selectFrom('users').select(['id', 'organisation_id']).where('email', '=', 'manager@oneroof.example').executeTakeFirstOrThrow();
  await services.audit.run(systemActor('seed'), async (trx, audit) => {
    const firstDate = addDays(today, 3);
    const series = await trx
      .insertInto('meeting_series')
      .values({
        name: 'Newcastle Community Harm and Risk Management Meeting',
        kind: 'charmm',
        purpose: 'vulnerability_safeguarding',
        every_weeks: 4,
        first_date: firstDate,
        start_time: '10:00',
        location: 'Civic Centre, Committee Room 2, and online',
        confidentiality_statement:
          'Information shared at this meeting is confidential. It is shared only to reduce harm and manage risk, under the partnership’s information-sharing agreements. Do not pass it on outside the member organisations, and only to those who need to know.',
        created_by: manager.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const members = ['police', 'city', 'housing', 'nhs', 'victims', 'fire'].map((key) => agencyIds.get(key)!);
    await trx.insertInto('meeting_series_members').values(members.map((organisation_id) => ({ series_id: series.id, organisation_id }))).execute();
    await trx
      .insertInto('meetings')
      .values(nextOccurrences(series, firstDate, 4).map((heldOn) => ({ series_id: series.id, held_on: heldOn, starts_at: startsAt(heldOn, series.start_time) })))
      .execute();
    const flags = [
      { key: 'shields-road', reason: 'Escalating threats to an older complainant despite the warning letter; agree a joint plan.' },
      { key: 'fenham-mhc', reason: 'Hoarding with a recent kitchen fire; fire service and mental-health input needed.' },
    ];
    for (const flag of flags) {
      const caseId = caseIds.get(flag.key);
      if (!caseId) continue;
      await trx.insertInto('meeting_case_flags').values({ series_id: series.id, case_id: caseId, reason: flag.reason, flagged_by: manager.id, flagged_by_organisation_id: manager.organisation_id }).execute();
    }
    audit({ action: 'MEETING_SERIES_CREATED', recordType: 'meeting_series', recordId: series.id, details: { demo: true } });
  });
}
