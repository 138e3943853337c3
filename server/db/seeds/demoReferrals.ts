import { sql } from 'kysely';
import { referralDeadlinesFor } from '../../modules/referrals/referralDeadlines.ts';
import type { NewReferralInput, ReferralUrgency } from '../../modules/referrals/referralsSchemas.ts';
import type { Services } from '../../services.ts';
import type { Actor } from '../../shared/actor.ts';
import { englandAndWalesCalendar } from '../../shared/workingTime.ts';
import type { CurrentUser } from '../../types.ts';

/**
 * Demo referrals between the demo agencies, sent and answered through ReferralsService as the
 * demo officers, so that inboxes, sent lists, case timelines, notifications, the audit trail and
 * the partnership dashboard all show what real use leaves behind. As with the demo cases, each
 * step runs now and what it wrote is then moved back to when the story says it happened; the
 * deadlines are counted again from the moved sending time, in working time where the urgency
 * says so. The audit trail is left as written.
 */

type Sender = 'manager' | 'caseworker' | 'police';
type Receiver = 'nhs' | 'housing' | 'idva';

interface DemoReferral {
  /** The demo case it is about, by its key in demoCases.ts. */
  caseKey: string;
  from: Sender;
  to: 'nhs' | 'housing' | 'victims';
  sentHoursAgo: number;
  form: Omit<NewReferralInput, 'toOrganisationId' | 'toTeam' | 'lawfulBasisDetail'> & Record<string, unknown>;
  then?: { by: Receiver; hoursAfterSending: number; step: 'acknowledge' | 'accept' | 'decline' | 'moreInfo'; text?: string }[];
}

const lawful = { lawfulBasis: 'public_task' as const, consent: 'not_sought' as const, consentReason: 'Asking would delay help; sharing is for a statutory safeguarding purpose.' };

export const demoReferrals: DemoReferral[] = [
  {
    // Right Care, Right Person: police attended, no immediate risk to life; health took it within the hour.
    caseKey: 'benwell-hate',
    from: 'police',
    to: 'nhs',
    sentHoursAgo: 5 * 24 + 3,
    form: {
      pathway: 'concern_for_welfare_mental_health',
      urgency: 'immediate' as ReferralUrgency,
      reason: 'After a third incident Ms Haddad called 999 saying she could not cope and had not slept for days. Officers attended; no immediate risk to life.',
      requested: 'Contact from the crisis team today and a mental health assessment.',
      informationShared: 'Victim of repeated racially aggravated abuse at home; lives alone; no previous contact with mental health services known to police.',
      ...lawful,
      'answer-riskToLife': 'no',
      'answer-policeAttended': 'yes',
    },
    then: [{ by: 'nhs', hoursAfterSending: 0.7, step: 'accept' }],
  },
  {
    caseKey: 'shields-road',
    from: 'manager',
    to: 'victims',
    sentHoursAgo: 2 * 24 + 1,
    form: {
      pathway: 'asb_victim_support',
      urgency: 'working_days_5' as ReferralUrgency,
      reason: 'Older resident targeted by repeated anti-social behaviour outside her home; she is frightened to go out after dark.',
      requested: 'Emotional support and help to keep a diary of incidents.',
      informationShared: 'Mrs Ellison, 72, lives alone; incidents most evenings since the summer; a warning letter has been issued to one young person.',
      lawfulBasis: 'consent',
      consent: 'given',
      consentReason: null,
      'answer-victimAgreedContact': 'yes',
    },
    then: [{ by: 'idva', hoursAfterSending: 3, step: 'acknowledge' }],
  },
  {
    // Nobody at Tyneside Homes has answered: past both deadlines, on the dashboard.
    caseKey: 'walker-cuckooing',
    from: 'manager',
    to: 'housing',
    sentHoursAgo: 6 * 24 + 2,
    form: {
      pathway: null,
      urgency: 'hours_24' as ReferralUrgency,
      reason: 'A vulnerable tenant’s flat is believed to be used for dealing (cuckooing).',
      requested: 'A joint visit with the tenancy officer and a lock change if Mr Dodds agrees.',
      informationShared: 'Visitors at all hours; Mr Dodds has said he feels unable to refuse them. Police are aware.',
      ...lawful,
    },
  },
  {
    caseKey: 'ashington-bikes',
    from: 'police',
    to: 'housing',
    sentHoursAgo: 8 * 24,
    form: {
      pathway: null,
      urgency: 'working_days_5' as ReferralUrgency,
      reason: 'Off-road bikes ridden on the riverside path; the rider may be a tenant.',
      requested: 'Tenancy enforcement action against the rider if he is a tenant.',
      informationShared: 'Liam Foster, 22, stopped on the riverside path and given a community protection warning.',
      ...lawful,
    },
    then: [{ by: 'housing', hoursAfterSending: 26, step: 'decline', text: 'Mr Foster is not a Tyneside Homes tenant; his address is privately rented. Try the council’s private sector housing team.' }],
  },
  {
    caseKey: 'gosforth-noise',
    from: 'caseworker',
    to: 'nhs',
    sentHoursAgo: 6 * 24,
    form: {
      pathway: null,
      urgency: 'routine' as ReferralUrgency,
      reason: 'The noise may be linked to the tenant’s mental health; she has said she is struggling.',
      requested: 'An assessment and support, so that the acceptable behaviour agreement can be kept.',
      informationShared: 'Shannon Pike, 29; an acceptable behaviour agreement is in place; she mentioned being on a waiting list for counselling.',
      ...lawful,
    },
    then: [{ by: 'nhs', hoursAfterSending: 22, step: 'moreInfo', text: 'Does Ms Pike know about this referral, and who is her GP?' }],
  },
  {
    caseKey: 'heaton-da',
    from: 'police',
    to: 'victims',
    sentHoursAgo: 1,
    form: {
      pathway: null,
      urgency: 'hours_24' as ReferralUrgency,
      reason: 'Further incident reported last night; the victim has asked for IDVA support again.',
      requested: 'IDVA contact and safety planning.',
      informationShared: 'Laura Bennett; DASH high risk; the alleged perpetrator is on bail with conditions not to contact her.',
      ...lawful,
    },
  },
];

const OFFICER_EMAILS: Record<Sender | Receiver, string> = {
  manager: 'manager@oneroof.example',
  caseworker: 'caseworker@oneroof.example',
  police: 'police@oneroof.example',
  nhs: 'nhs@oneroof.example',
  housing: 'housing@oneroof.example',
  idva: 'idva@oneroof.example',
};

/** Sends and answers the demo referrals, then runs the deadline scan once so that late ones are escalated. */
export async function seedDemoReferrals(services: Services, agencyIds: Map<string, string>, caseIds: Map<string, string>): Promise<{ referrals: number }> {
  const officers = await loadOfficers(services);
  const officer = (key: Sender | Receiver) => {
    const user = officers.get(OFFICER_EMAILS[key]);
    if (!user) throw new Error(`Demo officer ${OFFICER_EMAILS[key]} is missing`);
    return user;
  };
  const calendar = englandAndWalesCalendar();
  const now = Date.now();
  for (const demo of demoReferrals) {
    const caseId = caseIds.get(demo.caseKey);
    if (!caseId) throw new Error(`Demo case ${demo.caseKey} is missing`);
    const sender = officer(demo.from);
    const sentAt = new Date(now - demo.sentHoursAgo * 3_600_000);
    const sentSince = new Date();
    const input = { ...demo.form, toOrganisationId: agencyIds.get(demo.to)!, toTeam: null, lawfulBasisDetail: null } as NewReferralInput;
    let referral = await services.referrals.referCase(sender, caseId, input, actorFor(sender));
    const pathway = referral.pathway_id ? await services.db.selectFrom('referral_pathways').selectAll().where('id', '=', referral.pathway_id).executeTakeFirst() : null;
    const due = referralDeadlinesFor(calendar, sentAt, referral.urgency as ReferralUrgency, pathway, referral.police_attended);
    await moveBack(services, referral.id, caseId, sentSince, sentAt, due);
    for (const step of demo.then ?? []) {
      const user = officer(step.by);
      const stepSince = new Date();
      const actor = actorFor(user);
      if (step.step === 'acknowledge') referral = await services.referrals.acknowledge(user, referral.id, referral.version, actor);
      else if (step.step === 'accept') referral = await services.referrals.accept(user, referral.id, { version: referral.version, caseType: null }, actor);
      else if (step.step === 'decline') referral = await services.referrals.decline(user, referral.id, { version: referral.version, declineCode: 'wrong_service', declineReason: step.text! }, actor);
      else referral = await services.referrals.requestMoreInfo(user, referral.id, { version: referral.version, moreInfoRequest: step.text! }, actor);
      await moveBack(services, referral.id, caseId, stepSince, new Date(sentAt.getTime() + step.hoursAfterSending * 3_600_000));
    }
  }
  await services.referrals.scanDeadlines();
  return { referrals: demoReferrals.length };
}

async function loadOfficers(services: Services): Promise<Map<string, CurrentUser>> {
  const rows = await services.db
    .selectFrom('users')
    .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.organisation_id', 'organisations.name as organisation_name'])
    .where('users.email', 'in', Object.values(OFFICER_EMAILS))
    .execute();
  return new Map(
    rows.map((row) => [
      row.email,
      { id: row.id, email: row.email, name: row.name, role: row.role as CurrentUser['role'], organisationId: row.organisation_id, organisationName: row.organisation_name, locale: null, mfaEnabled: true },
    ]),
  );
}

function actorFor(user: CurrentUser): Actor {
  return { userId: user.id, label: `${user.email} (demo seed)`, organisationId: user.organisationId, role: user.role, ip: null, requestId: null };
}

/**
 * Moves what one step wrote for a referral (rows stamped at or after `since`) back to `to`; for
 * the sending step, `due` gives the deadlines counted from then. One statement per step.
 */
async function moveBack(services: Services, referralId: string, caseId: string, since: Date, to: Date, due?: { acknowledgeDueAt: Date; decideDueAt: Date }): Promise<void> {
  const shift = sql`make_interval(secs => ${(since.getTime() - to.getTime()) / 1000}::double precision)`;
  const moved = (column: string) => sql`case when ${sql.ref(column)} >= ${since} then ${sql.ref(column)} - ${shift} else ${sql.ref(column)} end`;
  await sql`
    with
      moved_referral as (
        update referrals set
          created_at = ${moved('created_at')},
          updated_at = ${moved('updated_at')},
          acknowledged_at = ${moved('acknowledged_at')},
          decided_at = ${moved('decided_at')},
          acknowledge_due_at = coalesce(${due?.acknowledgeDueAt ?? null}::timestamptz, acknowledge_due_at),
          decide_due_at = coalesce(${due?.decideDueAt ?? null}::timestamptz, decide_due_at)
        where id = ${referralId}
        returning 1
      ),
      moved_events as (update referral_events set occurred_at = occurred_at - ${shift} where referral_id = ${referralId} and occurred_at >= ${since} returning 1),
      moved_notifications as (update notifications set created_at = created_at - ${shift} where referral_id = ${referralId} and created_at >= ${since} returning 1),
      moved_case_events as (update case_events set occurred_at = occurred_at - ${shift} where case_id = ${caseId} and occurred_at >= ${since} returning 1),
      moved_participants as (update case_participants set added_at = added_at - ${shift} where case_id = ${caseId} and added_at >= ${since} returning 1)
    select 1
  `.execute(services.db);
}
