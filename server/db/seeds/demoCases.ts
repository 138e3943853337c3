import { sql } from 'kysely';
import type { CasePriority, OutcomeCode } from '../../modules/cases/caseWorkflow.ts';
import { viewerOf } from '../../modules/cases/casesService.ts';
import type { InterventionInput } from '../../modules/actions/actionsSchemas.ts';
import { personSchema } from '../../modules/people/peopleSchemas.ts';
import { locationSchema } from '../../modules/places/placesSchemas.ts';
import { asbRiskMatrix, ensureInstruments, type RiskInstrument, safelivesDash, vulnerabilityScreening } from '../../modules/risk/riskInstruments.ts';
import type { NoteSensitivity } from '../../modules/timeline/noteAccess.ts';
import type { Services } from '../../services.ts';
import type { Actor } from '../../shared/actor.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import type { CurrentUser } from '../../types.ts';

/**
 * Demo cases for the demo partnership: a handful of realistic, fictional cases across the case
 * types, worked by the demo officers through the same services the pages use, so that the
 * timeline, notifications and audit trail are what real use would leave behind.
 *
 * The services stamp everything "now", and refuse due dates in the past; a demo needs history
 * (cases opened weeks ago, actions overdue, reviews due). So each step of a case runs "on" a day
 * some days ago, in office hours: after the service call, the rows that step wrote for the case
 * are moved back to then. The audit trail is left as written: it truthfully records when the
 * seed ran.
 */

type Officer = 'manager' | 'caseworker' | 'police' | 'housing' | 'nhs' | 'idva';
type Agency = 'police' | 'city' | 'county' | 'nhs' | 'fire' | 'housing' | 'victims' | 'mediation';

/** The demo sign-ins who work cases, by their part in the demo. */
export const demoOfficerEmails: Record<Officer, string> = {
  manager: 'manager@oneroof.example',
  caseworker: 'caseworker@oneroof.example',
  police: 'police@oneroof.example',
  housing: 'housing@oneroof.example',
  nhs: 'nhs@oneroof.example',
  idva: 'idva@oneroof.example',
};

interface DemoPerson {
  key: string;
  role: 'victim' | 'alleged_perpetrator' | 'witness' | 'person_at_risk' | 'household_member' | 'complainant';
  givenName: string;
  familyName: string;
  born?: string;
  age?: number;
  gender?: 'female' | 'male' | 'non_binary' | 'not_known';
  phone?: string;
  aliases?: string;
  marker?: { marker: string; notes: string };
}

interface DemoPlace {
  addressLine1: string;
  town: string;
  postcode: string;
  locationType: 'dwelling' | 'street' | 'park' | 'shop' | 'open_space' | 'transport';
  area: string;
}

interface DemoAction {
  title: string;
  description?: string;
  owner: Agency;
  officer?: Officer;
  /** Days after the day it was agreed. */
  dueInDays: number;
}

/**
 * One thing an officer did on a case, `day` days ago. Dates within a step (an action's due date,
 * an intervention's review and expiry) count from that day; an issued intervention was issued on it.
 */
type Step =
  | { day: number; by: Officer; do: 'agency'; agency: Agency }
  | { day: number; by: Officer; do: 'person'; person: DemoPerson }
  | { day: number; by: Officer; do: 'link-person'; person: string; role: DemoPerson['role'] }
  | { day: number; by: Officer; do: 'place'; place: DemoPlace }
  | { day: number; by: Officer; do: 'assess'; instrument: RiskInstrument; about?: string; yes: string[]; extra?: Record<string, string> }
  | { day: number; by: Officer; do: 'action'; action: DemoAction }
  | { day: number; by: Officer; do: 'complete-action'; title: string }
  | { day: number; by: Officer; do: 'intervention'; stage: InterventionInput['stage']; status: InterventionInput['status']; about?: string; issued?: true; reviewInDays?: number; expiresInDays?: number; notes: string }
  | { day: number; by: Officer; do: 'note'; body: string; sensitivity?: NoteSensitivity }
  | { day: number; by: Officer; do: 'status'; transition: 'assess' | 'start' | 'review' | 'resume' }
  | { day: number; by: Officer; do: 'close'; outcome: OutcomeCode; reason: string }
  | { day: number; by: Officer; do: 'link-case'; caseKey: string };

interface DemoCase {
  key: string;
  caseType: string;
  priority: CasePriority;
  summary: string;
  area: string;
  /** Who opens it: the case is led by their organisation, with them as lead officer. */
  openedBy: Officer;
  openedDaysAgo: number;
  steps: Step[];
}

const demoCases: DemoCase[] = [
  {
    key: 'shields-road',
    caseType: 'anti_social_behaviour',
    priority: 'medium',
    summary: 'Group of young people gathering outside the shops on Shields Road most evenings: stones thrown at buses, verbal abuse of shop staff and of an older resident who complained.',
    area: 'Byker',
    openedBy: 'manager',
    openedDaysAgo: 42,
    steps: [
      { day: 42, by: 'manager', do: 'person', person: { key: 'margaret', role: 'complainant', givenName: 'Margaret', familyName: 'Ellison', born: '1953-06-11', gender: 'female', phone: '0191 496 0714' } },
      { day: 42, by: 'manager', do: 'person', person: { key: 'kyle', role: 'alleged_perpetrator', givenName: 'Kyle', familyName: 'Robson', born: '2006-02-03', gender: 'male', aliases: 'Robbo' } },
      { day: 42, by: 'manager', do: 'place', place: { addressLine1: 'Shields Road shopping parade', town: 'Newcastle upon Tyne', postcode: 'NE6 1DL', locationType: 'street', area: 'Byker' } },
      { day: 41, by: 'manager', do: 'agency', agency: 'police' },
      { day: 41, by: 'manager', do: 'agency', agency: 'housing' },
      {
        day: 40,
        by: 'manager',
        do: 'assess',
        instrument: asbRiskMatrix,
        about: 'margaret',
        yes: ['isolated', 'age', 'previous_victimisation', 'unsafe_at_home', 'sleep_or_health', 'daily_life', 'repeat_incidents'],
      },
      { day: 40, by: 'manager', do: 'status', transition: 'assess' },
      { day: 39, by: 'manager', do: 'note', body: 'Spoke to Mrs Ellison at home. She no longer uses the bus stop outside the parade and is anxious about going out after 4pm. Agreed weekly phone contact.' },
      { day: 38, by: 'manager', do: 'action', action: { title: 'High-visibility patrols on Shields Road, 4pm to 9pm', description: 'Neighbourhood team to patrol the parade and the bus stops for four weeks and report incidents to the case.', owner: 'police', dueInDays: 28 } },
      { day: 38, by: 'manager', do: 'action', action: { title: 'Home visit to the Robson household about the tenancy', owner: 'housing', officer: 'caseworker', dueInDays: 14 } },
      { day: 37, by: 'manager', do: 'status', transition: 'start' },
      { day: 35, by: 'manager', do: 'intervention', stage: 'warning_letter', status: 'issued', about: 'kyle', issued: true, reviewInDays: 7, notes: 'First warning letter hand-delivered with his mother present.' },
      { day: 12, by: 'caseworker', do: 'note', body: 'Two further reports this week of stones thrown at the number 12 bus. Shop staff identified Kyle from CCTV.' },
      { day: 10, by: 'manager', do: 'intervention', stage: 'community_protection_warning', status: 'planned', about: 'kyle', reviewInDays: 21, notes: 'To be issued jointly with the neighbourhood police team if there is another incident.' },
      { day: 3, by: 'manager', do: 'action', action: { title: 'Call Mrs Ellison for her weekly update', owner: 'city', officer: 'manager', dueInDays: 5 } },
    ],
  },
  {
    key: 'heaton-da',
    caseType: 'domestic_abuse',
    priority: 'high',
    summary: 'Victim disclosed escalating abuse by her partner after a police call-out: threats to kill, strangulation and constant messages since she asked him to leave.',
    area: 'Heaton',
    openedBy: 'police',
    openedDaysAgo: 16,
    steps: [
      { day: 16, by: 'police', do: 'person', person: { key: 'laura', role: 'victim', givenName: 'Laura', familyName: 'Bennett', born: '1991-09-23', gender: 'female', phone: '07700 900412' } },
      { day: 16, by: 'police', do: 'person', person: { key: 'stephen', role: 'alleged_perpetrator', givenName: 'Stephen', familyName: 'Bennett', born: '1987-01-30', gender: 'male' } },
      { day: 16, by: 'police', do: 'place', place: { addressLine1: '27 Mowbray Street', town: 'Newcastle upon Tyne', postcode: 'NE6 5PA', locationType: 'dwelling', area: 'Heaton' } },
      {
        day: 15,
        by: 'police',
        do: 'assess',
        instrument: safelivesDash,
        about: 'laura',
        yes: [
          'very_frightened', 'afraid_of_further_violence', 'isolated', 'separated', 'stalking', 'more_often', 'getting_worse',
          'controlling_or_jealous', 'threats_to_kill', 'strangulation', 'financial_issues', 'drugs_alcohol_mental_health', 'broken_bail', 'criminal_history',
        ],
        extra: { police_call_outs: '2' },
      },
      { day: 15, by: 'police', do: 'agency', agency: 'victims' },
      { day: 15, by: 'police', do: 'agency', agency: 'housing' },
      { day: 15, by: 'police', do: 'agency', agency: 'city' },
      { day: 15, by: 'police', do: 'status', transition: 'assess' },
      { day: 14, by: 'police', do: 'action', action: { title: 'Refer to MARAC', description: 'Dash score 14: refer to the next Newcastle MARAC and share the police history.', owner: 'victims', officer: 'idva', dueInDays: 2 } },
      { day: 14, by: 'police', do: 'action', action: { title: 'Fit extra locks and a door camera (sanctuary scheme)', owner: 'housing', officer: 'caseworker', dueInDays: 7 } },
      { day: 14, by: 'police', do: 'action', action: { title: 'Apply for a domestic abuse protection notice', owner: 'police', officer: 'police', dueInDays: 1 } },
      { day: 13, by: 'police', do: 'status', transition: 'start' },
      { day: 12, by: 'idva', do: 'complete-action', title: 'Refer to MARAC' },
      { day: 12, by: 'police', do: 'complete-action', title: 'Apply for a domestic abuse protection notice' },
      { day: 9, by: 'idva', do: 'note', body: 'IDVA contact made by phone at a safe time. Laura is staying with her sister in Gosforth for now and wants to return home once the locks are fitted.', sensitivity: 'sensitive' },
      { day: 2, by: 'idva', do: 'action', action: { title: 'Support Laura to apply for a non-molestation order', owner: 'victims', officer: 'idva', dueInDays: 6 } },
    ],
  },
  {
    key: 'walker-cuckooing',
    caseType: 'criminal_exploitation',
    priority: 'high',
    summary: 'Tenant with a learning disability believed to have had his flat taken over for dealing: visitors day and night, tenant seen sleeping in the stairwell.',
    area: 'Walker',
    openedBy: 'manager',
    openedDaysAgo: 24,
    steps: [
      {
        day: 24,
        by: 'manager',
        do: 'person',
        person: { key: 'peter', role: 'person_at_risk', givenName: 'Peter', familyName: 'Dodds', born: '1972-11-05', gender: 'male', marker: { marker: 'cuckooing_risk', notes: 'Flat believed used for dealing; visitors at all hours.' } },
      },
      { day: 24, by: 'manager', do: 'person', person: { key: 'jordan', role: 'alleged_perpetrator', givenName: 'Jordan', familyName: 'Kerr', age: 23, gender: 'male', aliases: 'JK' } },
      { day: 24, by: 'manager', do: 'place', place: { addressLine1: 'Flat 6, Fossway Court', town: 'Newcastle upon Tyne', postcode: 'NE6 3NL', locationType: 'dwelling', area: 'Walker' } },
      { day: 23, by: 'manager', do: 'agency', agency: 'police' },
      { day: 23, by: 'manager', do: 'agency', agency: 'housing' },
      { day: 23, by: 'manager', do: 'agency', agency: 'nhs' },
      { day: 22, by: 'manager', do: 'assess', instrument: vulnerabilityScreening, about: 'peter', yes: ['disability_affects_daily_living', 'housing_at_risk', 'isolated', 'cuckooing', 'financial_or_criminal_exploitation'], extra: { concern_raised_by: 'neighbour' } },
      { day: 22, by: 'manager', do: 'status', transition: 'assess' },
      { day: 21, by: 'manager', do: 'action', action: { title: 'Joint welfare visit with the learning disability team', owner: 'nhs', officer: 'nhs', dueInDays: 5 } },
      { day: 21, by: 'manager', do: 'action', action: { title: 'Gather evidence for a partial closure order', description: 'Visitor logs, CCTV from the block entrance and neighbour statements.', owner: 'police', officer: 'police', dueInDays: 21 } },
      { day: 20, by: 'caseworker', do: 'note', body: 'Door entry logs show 40+ visitors to flat 6 in a week. Peter was not home during the visit; neighbour says he has been staying with his brother.' },
      { day: 18, by: 'manager', do: 'intervention', stage: 'closure_order', status: 'planned', reviewInDays: 14, notes: 'Partial closure order to be sought if the evidence supports it; Peter to keep access.' },
      { day: 18, by: 'manager', do: 'link-case', caseKey: 'shields-road' },
      { day: 6, by: 'caseworker', do: 'action', action: { title: 'Agree a safety plan and a key-fob change with Peter', owner: 'housing', officer: 'caseworker', dueInDays: 3 } },
    ],
  },
  {
    key: 'fenham-mhc',
    caseType: 'mental_health_crisis',
    priority: 'high',
    summary: 'Older man in crisis after a bereavement: repeated 999 calls, hoarding that blocks the exits of his flat, and a small kitchen fire last month.',
    area: 'Fenham',
    openedBy: 'manager',
    openedDaysAgo: 9,
    steps: [
      {
        day: 9,
        by: 'manager',
        do: 'person',
        person: { key: 'graham', role: 'person_at_risk', givenName: 'Graham', familyName: 'Whitfield', born: '1949-04-17', gender: 'male', phone: '0191 496 0388', marker: { marker: 'hoarding', notes: 'Exits blocked; kitchen fire in the last month.' } },
      },
      { day: 9, by: 'manager', do: 'person', person: { key: 'susan', role: 'household_member', givenName: 'Susan', familyName: 'Whitfield', born: '1978-08-02', gender: 'female' } },
      { day: 9, by: 'manager', do: 'place', place: { addressLine1: '3 Two Ball Lonnen', town: 'Newcastle upon Tyne', postcode: 'NE4 9SA', locationType: 'dwelling', area: 'Fenham' } },
      { day: 9, by: 'manager', do: 'agency', agency: 'nhs' },
      { day: 9, by: 'manager', do: 'agency', agency: 'fire' },
      { day: 8, by: 'manager', do: 'assess', instrument: vulnerabilityScreening, about: 'graham', yes: ['unmet_mental_health_need', 'unsafe_living_conditions', 'isolated', 'others_at_risk'], extra: { concern_raised_by: 'family_or_friend' } },
      { day: 8, by: 'manager', do: 'status', transition: 'assess' },
      { day: 8, by: 'manager', do: 'action', action: { title: 'Crisis team assessment at home', owner: 'nhs', officer: 'nhs', dueInDays: 2 } },
      { day: 8, by: 'manager', do: 'action', action: { title: 'Safe and well visit with smoke alarms fitted', owner: 'fire', dueInDays: 5 } },
      { day: 7, by: 'manager', do: 'status', transition: 'start' },
      { day: 6, by: 'nhs', do: 'complete-action', title: 'Crisis team assessment at home' },
      { day: 6, by: 'nhs', do: 'note', body: 'Assessed at home with his daughter present. Referred to the older adults community mental health team; follow-up in two weeks.', sensitivity: 'health_restricted' },
      { day: 4, by: 'manager', do: 'action', action: { title: 'Agree a clearance plan with Graham and his daughter', owner: 'city', officer: 'manager', dueInDays: 10 } },
    ],
  },
  {
    key: 'benwell-hate',
    caseType: 'hate_incident',
    priority: 'high',
    summary: 'Racist graffiti on a family\'s front door and eggs thrown at their windows, three times in two weeks. The children are now afraid to walk to school.',
    area: 'Benwell and Scotswood',
    openedBy: 'police',
    openedDaysAgo: 6,
    steps: [
      { day: 6, by: 'police', do: 'person', person: { key: 'amira', role: 'victim', givenName: 'Amira', familyName: 'Haddad', born: '1986-03-12', gender: 'female', phone: '07700 900871' } },
      { day: 6, by: 'police', do: 'place', place: { addressLine1: '41 Adelaide Terrace', town: 'Newcastle upon Tyne', postcode: 'NE4 8BE', locationType: 'dwelling', area: 'Benwell and Scotswood' } },
      { day: 6, by: 'police', do: 'agency', agency: 'city' },
      { day: 6, by: 'police', do: 'agency', agency: 'victims' },
      {
        day: 5,
        by: 'police',
        do: 'assess',
        instrument: asbRiskMatrix,
        about: 'amira',
        yes: ['previous_victimisation', 'unsafe_at_home', 'sleep_or_health', 'children_affected', 'threats_of_violence', 'targeted_hate', 'property_damage', 'daily_life', 'repeat_incidents', 'considering_moving'],
      },
      { day: 5, by: 'police', do: 'action', action: { title: 'Remove the graffiti within 24 hours', owner: 'city', officer: 'manager', dueInDays: 1 } },
      { day: 5, by: 'police', do: 'action', action: { title: 'Offer hate crime support and a target-hardening visit', owner: 'victims', officer: 'idva', dueInDays: 3 } },
      { day: 4, by: 'manager', do: 'complete-action', title: 'Remove the graffiti within 24 hours' },
      { day: 2, by: 'police', do: 'note', body: 'House-to-house enquiries done on Adelaide Terrace. A neighbour\'s doorbell camera may have caught the last incident; footage requested.' },
    ],
  },
  {
    key: 'gosforth-noise',
    caseType: 'neighbour_nuisance',
    priority: 'medium',
    summary: 'Long-running noise dispute between neighbours in a converted house: loud music late at night, banging on the ceiling in return, and a recent shouting match on the stairs.',
    area: 'Gosforth',
    openedBy: 'caseworker',
    openedDaysAgo: 58,
    steps: [
      { day: 58, by: 'caseworker', do: 'person', person: { key: 'david', role: 'complainant', givenName: 'David', familyName: 'Armstrong', born: '1964-12-01', gender: 'male' } },
      { day: 58, by: 'caseworker', do: 'person', person: { key: 'shannon', role: 'alleged_perpetrator', givenName: 'Shannon', familyName: 'Pike', born: '1997-07-19', gender: 'female' } },
      { day: 58, by: 'caseworker', do: 'place', place: { addressLine1: '12 Elmfield Road', town: 'Newcastle upon Tyne', postcode: 'NE3 4BB', locationType: 'dwelling', area: 'Gosforth' } },
      { day: 57, by: 'housing', do: 'agency', agency: 'mediation' },
      { day: 57, by: 'housing', do: 'agency', agency: 'city' },
      { day: 55, by: 'caseworker', do: 'status', transition: 'assess' },
      { day: 55, by: 'caseworker', do: 'status', transition: 'start' },
      { day: 54, by: 'caseworker', do: 'intervention', stage: 'mediation', status: 'planned', notes: 'Both households agreed in principle to mediation.' },
      { day: 50, by: 'caseworker', do: 'action', action: { title: 'Offer mediation sessions to both households', owner: 'mediation', dueInDays: 14 } },
      { day: 50, by: 'caseworker', do: 'action', action: { title: 'Install noise recording equipment in flat 1', owner: 'city', dueInDays: 21 } },
      { day: 30, by: 'caseworker', do: 'intervention', stage: 'acceptable_behaviour_agreement', status: 'issued', about: 'shannon', issued: true, reviewInDays: 60, expiresInDays: 150, notes: 'Six-month agreement: no music after 11pm, no contact on the stairs.' },
      { day: 20, by: 'caseworker', do: 'note', body: 'Mediation session held. Both agreed to quiet hours. Mr Armstrong still reports banging at weekends.' },
      { day: 4, by: 'caseworker', do: 'action', action: { title: 'Check in with both tenants after the first month of the agreement', owner: 'housing', officer: 'caseworker', dueInDays: 2 } },
    ],
  },
  {
    key: 'ashington-bikes',
    caseType: 'anti_social_behaviour',
    priority: 'medium',
    summary: 'Off-road motorbikes ridden through Hirst Park and along the riverside path in the evenings, damaging the grass and putting walkers at risk.',
    area: 'Ashington',
    openedBy: 'police',
    openedDaysAgo: 20,
    steps: [
      { day: 20, by: 'police', do: 'person', person: { key: 'liam', role: 'alleged_perpetrator', givenName: 'Liam', familyName: 'Foster', born: '2003-05-27', gender: 'male' } },
      { day: 20, by: 'police', do: 'person', person: { key: 'joan', role: 'witness', givenName: 'Joan', familyName: 'Sinclair', born: '1958-10-09', gender: 'female' } },
      { day: 20, by: 'police', do: 'place', place: { addressLine1: 'Hirst Park, Hawthorn Road entrance', town: 'Ashington', postcode: 'NE63 9AU', locationType: 'park', area: 'Ashington' } },
      { day: 19, by: 'police', do: 'agency', agency: 'county' },
      { day: 19, by: 'police', do: 'status', transition: 'assess' },
      { day: 18, by: 'police', do: 'intervention', stage: 'community_protection_warning', status: 'issued', about: 'liam', issued: true, reviewInDays: 10, notes: 'Warning given after he was stopped on the riverside path.' },
      { day: 18, by: 'police', do: 'action', action: { title: 'Install kissing gates at the park entrances', owner: 'county', dueInDays: 45 } },
      { day: 16, by: 'police', do: 'status', transition: 'start' },
      { day: 8, by: 'police', do: 'note', body: 'Two more bikes seized under section 59 after a warning. Reports down since the warning was issued.' },
    ],
  },
  {
    key: 'blyth-da-closed',
    caseType: 'domestic_abuse',
    priority: 'medium',
    summary: 'Victim of controlling behaviour by her ex-partner, who kept turning up at her home and workplace. Now rehoused and supported.',
    area: 'Blyth',
    openedBy: 'manager',
    openedDaysAgo: 75,
    steps: [
      { day: 75, by: 'manager', do: 'person', person: { key: 'karen', role: 'victim', givenName: 'Karen', familyName: 'Milburn', born: '1983-02-14', gender: 'female' } },
      { day: 75, by: 'manager', do: 'person', person: { key: 'gary', role: 'alleged_perpetrator', givenName: 'Gary', familyName: 'Nixon', born: '1980-06-06', gender: 'male' } },
      { day: 75, by: 'manager', do: 'place', place: { addressLine1: '9 Cowpen Road', town: 'Blyth', postcode: 'NE24 4JP', locationType: 'dwelling', area: 'Blyth' } },
      { day: 74, by: 'manager', do: 'agency', agency: 'victims' },
      {
        day: 74,
        by: 'manager',
        do: 'assess',
        instrument: safelivesDash,
        about: 'karen',
        yes: ['very_frightened', 'isolated', 'separated', 'stalking', 'more_often', 'controlling_or_jealous', 'financial_issues', 'other_person_threat', 'criminal_history', 'getting_worse'],
        extra: { police_call_outs: '1' },
      },
      { day: 74, by: 'manager', do: 'status', transition: 'assess' },
      { day: 73, by: 'manager', do: 'action', action: { title: 'IDVA support and safety planning', owner: 'victims', officer: 'idva', dueInDays: 7 } },
      { day: 72, by: 'manager', do: 'status', transition: 'start' },
      { day: 66, by: 'idva', do: 'complete-action', title: 'IDVA support and safety planning' },
      { day: 30, by: 'manager', do: 'status', transition: 'review' },
      { day: 21, by: 'manager', do: 'close', outcome: 'resolved', reason: 'Karen rehoused out of area with her agreement; no contact from the ex-partner for eight weeks; IDVA support ended by agreement.' },
    ],
  },
  {
    key: 'walker-dog',
    caseType: 'anti_social_behaviour',
    priority: 'low',
    summary: 'Dog left loose in the shared garden of a low-rise block, fouling and lunging at children. Neighbours have complained to the housing office.',
    area: 'Walker',
    openedBy: 'caseworker',
    openedDaysAgo: 3,
    steps: [
      { day: 3, by: 'caseworker', do: 'person', person: { key: 'nicola', role: 'complainant', givenName: 'Nicola', familyName: 'Grant', born: '1990-01-21', gender: 'female' } },
      { day: 3, by: 'caseworker', do: 'link-person', person: 'jordan', role: 'alleged_perpetrator' },
      { day: 3, by: 'caseworker', do: 'place', place: { addressLine1: 'Shared garden, 2 to 20 Church Walk', town: 'Newcastle upon Tyne', postcode: 'NE6 3BS', locationType: 'open_space', area: 'Walker' } },
      { day: 1, by: 'caseworker', do: 'note', body: 'Letter sent to all residents of the block reminding them of the tenancy conditions about pets in shared areas.' },
      { day: 1, by: 'caseworker', do: 'action', action: { title: 'Visit the dog owner with the council dog warden', owner: 'housing', officer: 'caseworker', dueInDays: 5 } },
    ],
  },
  {
    key: 'morpeth-fraud',
    caseType: 'vulnerability',
    priority: 'medium',
    summary: 'Man in his eighties living alone, targeted by doorstep traders: paid several thousand pounds for roof work that was never done.',
    area: 'Morpeth',
    openedBy: 'manager',
    openedDaysAgo: 33,
    steps: [
      { day: 33, by: 'manager', do: 'person', person: { key: 'arthur', role: 'victim', givenName: 'Arthur', familyName: 'Pringle', born: '1941-08-30', gender: 'male', phone: '01670 496 021', marker: { marker: 'older_person', notes: 'Lives alone; hard of hearing.' } } },
      { day: 33, by: 'manager', do: 'place', place: { addressLine1: '5 Abbey Meadows', town: 'Morpeth', postcode: 'NE61 2BD', locationType: 'dwelling', area: 'Morpeth' } },
      { day: 32, by: 'manager', do: 'agency', agency: 'police' },
      { day: 32, by: 'manager', do: 'agency', agency: 'victims' },
      { day: 31, by: 'manager', do: 'assess', instrument: vulnerabilityScreening, about: 'arthur', yes: ['isolated', 'financial_or_criminal_exploitation', 'disability_affects_daily_living'], extra: { concern_raised_by: 'professional' } },
      { day: 31, by: 'manager', do: 'status', transition: 'assess' },
      { day: 30, by: 'manager', do: 'action', action: { title: 'Trading Standards referral and a no-cold-calling sticker', owner: 'city', officer: 'manager', dueInDays: 7 } },
      { day: 30, by: 'manager', do: 'action', action: { title: 'Arrange a call-blocker and bank protection', owner: 'victims', officer: 'idva', dueInDays: 14 } },
      { day: 29, by: 'manager', do: 'status', transition: 'start' },
      { day: 27, by: 'manager', do: 'complete-action', title: 'Trading Standards referral and a no-cold-calling sticker' },
      { day: 5, by: 'manager', do: 'status', transition: 'review' },
      { day: 5, by: 'manager', do: 'note', body: 'No new contact from the traders for a month. Review with Arthur and his nephew before closing.' },
    ],
  },
];

interface Seeded {
  caseIds: Map<string, string>;
  references: Map<string, string>;
  people: Map<string, string>;
}

/**
 * Works every demo case through the services as its officers. Runs only right after the demo
 * partnership itself was loaded, so it never adds to a database somebody is using.
 */
export async function seedDemoCases(services: Services, agencyIds: Map<string, string>): Promise<{ cases: number; caseIds: Map<string, string> }> {
  await ensureInstruments(services.db);
  const officers = await loadOfficers(services);
  const seeded: Seeded = { caseIds: new Map(), references: new Map(), people: new Map() };
  // Oldest first, so that references count up in the order the cases were opened.
  const oldestFirst = [...demoCases].sort((a, b) => b.openedDaysAgo - a.openedDaysAgo);
  for (const [index, demo] of oldestFirst.entries()) await seedCase(services, demo, index, officers, agencyIds, seeded);
  return { cases: demoCases.length, caseIds: seeded.caseIds };
}

async function loadOfficers(services: Services): Promise<Map<Officer, CurrentUser>> {
  const rows = await services.db
    .selectFrom('users')
    .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.organisation_id', 'organisations.name as organisation_name'])
    .where('users.email', 'in', Object.values(demoOfficerEmails))
    .execute();
  const byEmail = new Map(rows.map((row) => [row.email, row]));
  return new Map(
    (Object.entries(demoOfficerEmails) as [Officer, string][]).map(([officer, email]) => {
      const row = byEmail.get(email);
      if (!row) throw new Error(`Demo officer ${email} is missing`);
      const user: CurrentUser = {
        id: row.id,
        email: row.email,
        name: row.name,
        role: row.role as CurrentUser['role'],
        organisationId: row.organisation_id,
        organisationName: row.organisation_name,
        locale: null,
        mfaEnabled: true,
      };
      return [officer, user];
    }),
  );
}

/** The seed acting as a demo officer: their identity, labelled so the audit log shows it was the seed. */
function actorFor(user: CurrentUser): Actor {
  return { userId: user.id, label: `${user.email} (demo seed)`, organisationId: user.organisationId, role: user.role, ip: null, requestId: null };
}

async function seedCase(services: Services, demo: DemoCase, caseIndex: number, officers: Map<Officer, CurrentUser>, agencyIds: Map<string, string>, seeded: Seeded) {
  const opener = officers.get(demo.openedBy)!;
  const when = officeHours(caseIndex);
  const since = new Date();
  const created = await services.cases.create(
    opener,
    { caseType: demo.caseType, priority: demo.priority, summary: demo.summary, area: demo.area, leadOfficerId: null },
    actorFor(opener),
  );
  await backdate(services, created.id, since, demo.openedDaysAgo, when(demo.openedDaysAgo));
  seeded.caseIds.set(demo.key, created.id);
  seeded.references.set(demo.key, created.reference);
  for (const step of demo.steps) {
    const user = officers.get(step.by)!;
    const stepStart = new Date();
    await runStep(services, created.id, step, user, officers, agencyIds, seeded);
    await backdate(services, created.id, stepStart, step.day, when(step.day));
  }
}

/**
 * When each step of one case happened: on its day, from mid-morning, each later step on the
 * same day some minutes after the one before; cases start at different times.
 */
function officeHours(caseIndex: number): (daysAgo: number) => Date {
  const stepsOnDay = new Map<number, number>();
  return (daysAgo) => {
    const index = stepsOnDay.get(daysAgo) ?? 0;
    stepsOnDay.set(daysAgo, index + 1);
    const minutes = ((caseIndex * 47) % 240) + index * 13;
    return new Date(Date.parse(`${addDays(londonToday(), -daysAgo)}T09:00:00Z`) + minutes * 60_000);
  };
}

async function runStep(services: Services, caseId: string, step: Step, user: CurrentUser, officers: Map<Officer, CurrentUser>, agencyIds: Map<string, string>, seeded: Seeded) {
  const actor = actorFor(user);
  const today = londonToday();
  switch (step.do) {
    case 'agency':
      return services.cases.addAgency(user, caseId, agencyIds.get(step.agency)!, actor);
    case 'person': {
      const personId = await services.cases.createAndLinkPerson(user, caseId, personInput(step.person), step.person.role, actor);
      seeded.people.set(step.person.key, personId);
      if (step.person.marker) await services.people.addMarker(viewerOf(user), personId, step.person.marker, actor);
      return;
    }
    case 'link-person':
      return services.cases.linkPerson(user, caseId, seeded.people.get(step.person)!, step.role, actor);
    case 'place':
      return services.cases.addLocation(user, caseId, locationSchema.parse(step.place), actor);
    case 'assess': {
      const body = { ...answersFor(step.instrument, step.yes), ...step.extra, personId: step.about ? seeded.people.get(step.about) : '' };
      await services.risk.complete(user, caseId, step.instrument.code, body, actor);
      return;
    }
    case 'action': {
      const { action } = step;
      await services.actions.createAction(
        user,
        caseId,
        {
          title: action.title,
          description: action.description ?? null,
          ownerOrganisationId: agencyIds.get(action.owner)!,
          ownerUserId: action.officer ? officers.get(action.officer)!.id : null,
          dueDate: addDays(today, action.dueInDays),
        },
        actor,
      );
      return;
    }
    case 'complete-action': {
      const action = await services.db
        .selectFrom('case_actions')
        .select(['id', 'description', 'owner_user_id', 'due_date', 'version'])
        .where('case_id', '=', caseId)
        .where('title', '=', step.title)
        .executeTakeFirstOrThrow();
      await services.actions.updateAction(
        user,
        caseId,
        action.id,
        { status: 'done', description: action.description, ownerUserId: action.owner_user_id, dueDate: action.due_date ?? today, version: action.version },
        actor,
      );
      return;
    }
    case 'intervention': {
      // Typed dates are stored as given (backdating moves only what the services stamp).
      const stepDay = addDays(today, -step.day);
      const after = (days: number | undefined) => (days === undefined ? null : addDays(stepDay, days));
      await services.actions.recordIntervention(
        user,
        caseId,
        {
          stage: step.stage,
          status: step.status,
          personId: step.about ? seeded.people.get(step.about)! : null,
          issuedOn: step.issued ? stepDay : null,
          reviewOn: after(step.reviewInDays),
          expiresOn: after(step.expiresInDays),
          notes: step.notes,
        },
        actor,
      );
      return;
    }
    case 'note':
      await services.timeline.addNote(user, caseId, { body: step.body, sensitivity: step.sensitivity ?? 'standard' }, undefined, actor);
      return;
    case 'status':
    case 'close': {
      const { version } = await services.db.selectFrom('cases').select('version').where('id', '=', caseId).executeTakeFirstOrThrow();
      const closing = step.do === 'close';
      return services.cases.transition(
        user,
        caseId,
        {
          transition: closing ? 'close' : step.transition,
          outcome: closing ? step.outcome : undefined,
          closureReason: closing ? step.reason : null,
          reason: null,
          version,
        },
        actor,
      );
    }
    case 'link-case':
      return services.cases.linkCase(user, caseId, seeded.references.get(step.caseKey)!, actor);
  }
}

/** A person as the "add a person" form would give them, so that the demo data passes its checks. */
function personInput(person: DemoPerson) {
  const [year, month, day] = person.born?.split('-') ?? [];
  return personSchema.parse({
    givenName: person.givenName,
    familyName: person.familyName,
    'dateOfBirth-day': day ?? '',
    'dateOfBirth-month': month ?? '',
    'dateOfBirth-year': year ?? '',
    approximateAge: person.age === undefined ? '' : String(person.age),
    gender: person.gender ?? '',
    phone: person.phone ?? '',
    aliases: person.aliases ?? '',
  });
}

/** The posted form of an assessment: "yes" to the named questions, "no" to every other yes/no question. */
function answersFor(instrument: RiskInstrument, yes: string[]): Record<string, string> {
  const unknown = yes.filter((id) => !instrument.questions.some((question) => question.id === id));
  if (unknown.length > 0) throw new Error(`Demo answers name questions ${instrument.code} does not have: ${unknown.join(', ')}`);
  return Object.fromEntries(
    instrument.questions.filter((question) => question.type.startsWith('yes_no')).map((question) => [question.id, yes.includes(question.id) ? 'yes' : 'no']),
  );
}

/**
 * Moves what one step wrote for a case (rows stamped at or after `since`) back to `to`, and the
 * dates that step counted from today (action due dates, the review date) back by `days`. One
 * statement, so that a step costs one round trip.
 */
async function backdate(services: Services, caseId: string, since: Date, days: number, to: Date): Promise<void> {
  if (days === 0) return;
  const shift = sql`make_interval(secs => ${(since.getTime() - to.getTime()) / 1000}::double precision)`;
  const moved = (column: string) => sql`case when ${sql.ref(column)} >= ${since} then ${sql.ref(column)} - ${shift} else ${sql.ref(column)} end`;
  await sql`
    with
      moved_case as (
        update cases set
          opened_at = ${moved('opened_at')},
          closed_at = ${moved('closed_at')},
          next_review_due = case when updated_at >= ${since} and next_review_due is not null
            and exists (select 1 from risk_assessments where case_id = ${caseId} and completed_at >= ${since})
            then next_review_due - ${days}::int else next_review_due end,
          updated_at = ${moved('updated_at')}
        where id = ${caseId}
        returning 1
      ),
      moved_events as (update case_events set occurred_at = occurred_at - ${shift} where case_id = ${caseId} and occurred_at >= ${since} returning 1),
      moved_participants as (update case_participants set added_at = added_at - ${shift} where case_id = ${caseId} and added_at >= ${since} returning 1),
      moved_people_links as (update case_people set added_at = added_at - ${shift} where case_id = ${caseId} and added_at >= ${since} returning 1),
      moved_people as (
        update people set created_at = ${moved('created_at')}, updated_at = ${moved('updated_at')}
        where id in (select person_id from case_people where case_id = ${caseId}) and (created_at >= ${since} or updated_at >= ${since})
        returning 1
      ),
      moved_markers as (
        update person_markers set created_at = created_at - ${shift}, recorded_on = recorded_on - ${days}::int
        where person_id in (select person_id from case_people where case_id = ${caseId}) and created_at >= ${since}
        returning 1
      ),
      moved_place_links as (update case_locations set added_at = added_at - ${shift} where case_id = ${caseId} and added_at >= ${since} returning 1),
      moved_places as (
        update locations set created_at = created_at - ${shift}
        where id in (select location_id from case_locations where case_id = ${caseId}) and created_at >= ${since}
        returning 1
      ),
      moved_case_links as (update case_links set added_at = added_at - ${shift} where (case_id = ${caseId} or linked_case_id = ${caseId}) and added_at >= ${since} returning 1),
      moved_assessments as (update risk_assessments set completed_at = completed_at - ${shift} where case_id = ${caseId} and completed_at >= ${since} returning 1),
      moved_actions as (
        update case_actions set
          due_date = case when created_at >= ${since} then due_date - ${days}::int else due_date end,
          created_at = ${moved('created_at')},
          updated_at = ${moved('updated_at')},
          completed_at = ${moved('completed_at')}
        where case_id = ${caseId} and (created_at >= ${since} or updated_at >= ${since})
        returning 1
      ),
      moved_interventions as (update case_interventions set created_at = created_at - ${shift} where case_id = ${caseId} and created_at >= ${since} returning 1),
      moved_notes as (update case_notes set created_at = created_at - ${shift} where case_id = ${caseId} and created_at >= ${since} returning 1),
      moved_notifications as (update notifications set created_at = created_at - ${shift} where case_id = ${caseId} and created_at >= ${since} returning 1)
    select 1
  `.execute(services.db);
}
