import type { Services } from '../../services.ts';
import { systemActor } from '../../shared/actor.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import type { CurrentUser } from '../../types.ts';

/** A demo user as the services see them. */
async function demoUser(services: Services, email: string): Promise<CurrentUser> {
  const row = await services.db
    .selectFrom('users')
    .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.organisation_id', 'organisations.name as organisation_name'])
    .where('users.email', '=', email)
    .executeTakeFirstOrThrow();
  return { id: row.id, email: row.email, name: row.name, role: row.role as CurrentUser['role'], organisationId: row.organisation_id, organisationName: row.organisation_name, locale: null, mfaEnabled: true };
}

/**
 * One demo problem, taken through the stages by the demo analyst with the services (so the
 * audit trail and history are what real use leaves): burglaries around Heaton Park Road, with
 * responses given to the housing provider and the police, waiting for its assessment.
 */
export async function seedDemoProblems(services: Services, agencyIds: Map<string, string>): Promise<void> {
  const actor = systemActor('seed');
  const analyst = await demoUser(services, 'analyst@oneroof.example');
  const due = addDays(londonToday(), 28);
  const problem = await services.problems.create(
    analyst,
    { title: 'Burglaries around Heaton Park Road', leadOrganisationId: agencyIds.get('police')!, ownerUserId: analyst.id, categoryCodes: ['burglary'], targetLatitude: 54.9826, targetLongitude: -1.5895, targetRadius: 350, h3Cell: undefined, savedAnalysisId: null },
    actor,
  );
  const version = async () => (await services.db.selectFrom('problems').select('version').where('id', '=', problem.id).executeTakeFirstOrThrow()).version;
  await services.problems.updateObjective(analyst, problem.id, { objective: 'Reduce residential burglary in the Heaton Park Road terraces', objectiveMeasure: 'Burglaries in the target area, four months before and after the gates are fitted, against Fenham', version: await version() }, actor);
  await services.problems.transition(analyst, problem.id, { to: 'scanning', reason: null }, actor);
  await services.problems.updateScanning(analyst, problem.id, {
    scanningSummary: 'Burglaries through rear yards have doubled since the spring, mostly on weekday evenings.',
    categoryCodes: ['burglary'],
    targetLatitude: 54.9826,
    targetLongitude: -1.5895,
    targetRadius: 350,
    bufferWidth: 400,
    comparisonLatitude: 54.9836,
    comparisonLongitude: -1.655,
    comparisonRadius: 500,
    version: await version(),
  }, actor);
  await services.problems.addEvidence(analyst, problem.id, { kind: 'incident_count', label: 'Police-recorded burglaries, last 12 months', url: null, count: 46 }, actor);
  await services.problems.addEvidence(analyst, problem.id, { kind: 'note', label: 'Residents’ meeting: broken rear gates on three back lanes', url: null, count: null }, actor);
  await services.problems.transition(analyst, problem.id, { to: 'analysis', reason: null }, actor);
  await services.problems.updateAnalysis(analyst, problem.id, {
    analysisSummary: 'Entry is through rear yards whose gates no longer lock; the back lanes are unlit.',
    victim: 'Terraced houses with rear yards, many let to students',
    guardian: 'Neighbours, landlords’ agents',
    offender: 'Local young adults known for acquisitive crime',
    handler: 'Youth offending team, families',
    location: 'Unlit back lanes with broken gates',
    manager: 'Tyneside Homes and private landlords',
    version: await version(),
  }, actor);
  await services.problems.transition(analyst, problem.id, { to: 'response', reason: null }, actor);
  const officer = async (email: string) => (await demoUser(services, email)).id;
  await services.problems.addResponse(analyst, problem.id, { title: 'Fit lockable gates to the back lanes', description: 'Three lanes behind Heaton Park Road', ownerOrganisationId: agencyIds.get('housing')!, ownerUserId: await officer('caseworker@oneroof.example'), dueDate: due }, actor);
  await services.problems.addResponse(analyst, problem.id, { title: 'Evening patrols and crime prevention visits', description: null, ownerOrganisationId: agencyIds.get('police')!, ownerUserId: await officer('police@oneroof.example'), dueDate: due }, actor);
  await services.problems.transition(analyst, problem.id, { to: 'assessment', reason: null }, actor);
}
