import type { Services } from '../../services.ts';
import { systemActor } from '../../shared/actor.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import { isRole } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import { recentQuarters } from '../../modules/governance/quarters.ts';

/**
 * The demo partnership's Community Safety Agreement (vision, commitments by named partners,
 * measures from OneRoof's data and two entered by hand), published and signed by the police and
 * the city council; last year's assembly with feedback and "you said, we did", and the next one
 * open for registration.
 */
export async function seedDemoGovernance(services: Services, agencyIds: Map<string, string>): Promise<void> {
  const { agreement, measures, events } = services.governance;
  const actor = systemActor('seed');
  const admin = await demoUser(services, 'admin@oneroof.example');
  const policeAdmin = await demoUser(services, 'orgadmin@oneroof.example');
  const agency = (key: string) => agencyIds.get(key)!;

  await agreement.updateDraft(
    {
      title: 'Northumbria Community Safety Agreement 2026–2029',
      vision: 'Northumberland and Tyne and Wear are places where everyone is safe and feels safe. Partners act early and together, put victims first, and tell the public what we do and how well it works.',
      startsOn: '2026-04-01',
      endsOn: '2029-03-31',
    },
    actor,
  );
  const commitments: [string, string, string][] = [
    ['vawg', 'victims', 'Offer an independent domestic violence adviser to every victim assessed at high risk within one working day.'],
    ['vawg', 'police', 'Review every repeat domestic abuse call at the daily management meeting.'],
    ['asb', 'city', 'Hold a multi-agency case conference within ten working days of a third report of anti-social behaviour.'],
    ['asb', 'housing', 'Visit every tenant who reports anti-social behaviour within five working days.'],
    ['exploitation', 'police', 'Share cuckooing concerns with housing and the council on the day they are found.'],
    ['mental_health', 'nhs', 'Decide on every Right Care, Right Person referral within the handover target.'],
    ['mental_health', 'police', 'Hand over concern-for-welfare calls with no immediate risk to life to health within an hour.'],
    ['inequality', 'county', 'Target prevention funding at the ten most deprived neighbourhoods.'],
  ];
  for (const [priority, organisation, text] of commitments) await agreement.addCommitment(priority, { organisationId: agency(organisation), commitment: text }, actor);
  const measureForms: [string, Parameters<typeof agreement.addMeasure>[1]][] = [
    ['asb', { title: 'ASB incidents per 1,000 residents', source: 'asb_incidents_per_1000', unit: 'rate_per_1000', direction: 'lower_is_better', baseline: '3.2', target: '2.5', dueOn: '2029-03-31' }],
    ['asb', { title: 'ASB Case Reviews carried out', source: 'case_review_outcomes', unit: 'count', direction: 'higher_is_better', baseline: '1', target: '6', dueOn: '2029-03-31' }],
    ['vawg', { title: 'Repeat-victim rate', source: 'repeat_victim_rate', unit: 'percent', direction: 'lower_is_better', baseline: '28', target: '20%', dueOn: '2029-03-31' }],
    ['vawg', { title: 'High-risk victims engaging with an adviser', source: 'manual', unit: 'percent', direction: 'higher_is_better', baseline: '55', target: '75%', dueOn: '2028-03-31' }],
    ['mental_health', { title: 'Referrals decided on time', source: 'referral_deadline_compliance', unit: 'percent', direction: 'higher_is_better', baseline: '70', target: '90%', dueOn: '2027-03-31' }],
    ['inequality', { title: 'Residents in the most deprived wards who feel safe after dark', source: 'manual', unit: 'percent', direction: 'higher_is_better', baseline: '48', target: '60%', dueOn: '2029-03-31' }],
  ];
  for (const [priority, form] of measureForms) await agreement.addMeasure(priority, form, actor);
  const draft = await agreement.draft();
  if (!draft) return;
  await agreement.publish(admin, draft.version.id, actor);
  await agreement.sign(policeAdmin, draft.version.id, 'Chief Superintendent, Partnerships', actor);
  await agreement.sign(admin, draft.version.id, 'Head of Community Safety', actor);

  await measures.savePopulation(1_460_000, actor);
  const quarters = recentQuarters(new Date(), 3);
  const entered: [string, number[]][] = [
    ['High-risk victims engaging with an adviser', [58, 61, 63]],
    ['Residents in the most deprived wards who feel safe after dark', [49, 49, 51]],
  ];
  const published = await agreement.published();
  for (const [title, values] of entered) {
    const code = published?.priorities.flatMap((priority) => priority.measures).find((measure) => measure.title === title)?.code;
    if (!code) continue;
    for (const [index, quarter] of quarters.entries()) await measures.recordFigure(admin, code, { quarter, value: String(values[index]), note: 'Partner survey' }, actor);
  }

  const today = londonToday();
  const lastYear = await events.create(
    admin,
    {
      title: 'Community Safety Assembly 2026', kind: 'assembly', description: 'The partnership’s annual assembly: over thirty organisations.', venue: 'Newcastle Civic Centre',
      eventDate: addDays(today, -60), startTime: '09:30', endTime: '15:30', capacity: 150,
      agenda: [{ time: '09:30', title: 'Welcome and the year in figures' }, { time: '10:15', title: 'Workshops' }, { time: '13:30', title: 'What we heard, and what happens next' }],
      workshops: ['Hidden harm', 'Low-level crime', 'Information sharing barriers', 'Building public trust'],
    },
    actor,
  );
  const lastEvent = await events.event(lastYear, admin, actor, { manage: false });
  await events.submitFeedback(lastEvent.event.survey_token, { overallRating: 4, usefulnessRating: 5, wentWell: 'Meeting housing officers face to face.', improve: 'More time for the information-sharing workshop.' }, { ip: null, requestId: null });
  await events.addFollowUp(admin, lastYear, { youSaid: 'Residents do not know who to call about anti-social behaviour.', weWill: 'Publish one number on every partner’s letters and website.', ownerOrganisationId: agency('city') }, actor);
  await events.addFollowUp(admin, lastYear, { youSaid: 'Partners are unsure what they may share about people at risk of exploitation.', weWill: 'Run information-sharing clinics with each partner.', ownerOrganisationId: agency('police') }, actor);
  const followUps = await events.publicFollowUps();
  const first = followUps.find((item) => item.event_id === lastYear);
  if (first) await events.updateFollowUp(lastYear, first.id, { status: 'done', weDid: 'One ASB number now appears on every council and Tyneside Homes letter.' }, actor);

  const nextYear = await events.create(
    admin,
    {
      title: 'Community Safety Assembly 2027', kind: 'assembly', description: 'Partners and residents review the year and set next year’s focus.', venue: 'Newcastle Civic Centre',
      eventDate: addDays(today, 100), startTime: '09:30', endTime: '15:30', capacity: 150,
      agenda: [{ time: '09:30', title: 'Welcome' }, { time: '10:00', title: 'Progress against our priorities' }, { time: '11:00', title: 'Workshops' }, { time: '14:30', title: 'You said, we did' }],
      workshops: ['Hidden harm', 'Low-level crime', 'Information sharing barriers', 'Building public trust'],
    },
    actor,
  );
  await events.registerSelf(policeAdmin, nextYear, actor);
  await events.registerGuest(admin, nextYear, { name: 'Jean Robson', email: 'chair@byker-residents.example', organisationName: 'Byker Residents Association' }, actor);
}

async function demoUser(services: Services, email: string): Promise<CurrentUser> {
  const row = await services.db
    .selectFrom('users')
    .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.organisation_id', 'organisations.name as organisation_name'])
    .where('users.email', '=', email)
    .executeTakeFirstOrThrow();
  if (!isRole(row.role)) throw new Error(`Demo user ${email} has no known role`);
  return { id: row.id, email: row.email, name: row.name, role: row.role, organisationId: row.organisation_id, organisationName: row.organisation_name, locale: null, mfaEnabled: true };
}
