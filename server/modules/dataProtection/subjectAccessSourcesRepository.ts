import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

/** Everything OneRoof holds about one person, read from every source, regardless of need-to-know. */
export interface SubjectAccessFindings {
  person: PersonFound;
  otherNames: { kind: string; given_name: string; family_name: string }[];
  markers: { marker: string; recorded_on: string; notes: string | null; organisation: string | null }[];
  addresses: { address: string; valid_from: string | null; valid_to: string | null }[];
  cases: CaseFound[];
  casePeople: ThirdParty[];
  notes: NoteFound[];
  timeline: TimelineFound[];
  incidents: IncidentFound[];
  incidentPeople: ThirdParty[];
  referrals: ReferralFound[];
  alerts: AlertFound[];
  alertPeople: ThirdParty[];
  riskAssessments: RiskFound[];
  accessLog: AccessFound[];
}

export interface PersonFound {
  id: string;
  given_name: string;
  family_name: string;
  date_of_birth: string | null;
  approximate_age: number | null;
  gender: string | null;
  ethnicity: string | null;
  disability: string | null;
  religion: string | null;
  sexuality: string | null;
  phone: string | null;
  email: string | null;
  preferred_language: string | null;
  created_at: Date;
  organisation: string | null;
}

/** Someone else named on the same case, incident or alert: marked for the DPO to consider redacting. */
export interface ThirdParty {
  key: string;
  /** The case, incident or alert they are named on. */
  record_id: string;
  role: string | null;
  given_name: string | null;
  family_name: string | null;
  date_of_birth: string | null;
}

export interface CaseFound { id: string; reference: string; case_type: string; status: string; summary: string; role: string; opened_at: Date; closed_at: Date | null; lead_organisation: string }
export interface NoteFound { id: string; case_id: string; body: string; sensitivity: string; created_at: Date; author: string | null; organisation: string }
export interface TimelineFound { id: string; case_id: string; occurred_at: Date; kind: string; actor: string | null; organisation: string | null; details: Record<string, unknown> }
export interface IncidentFound {
  id: string;
  incident_person_id: string;
  /** True for an unlinked record with the same name and date of birth: the DPO confirms it is this person. */
  candidate: boolean;
  role: string;
  source_reference: string;
  occurred_at: Date;
  category_code: string;
  summary: string | null;
  address: string | null;
  postcode: string | null;
  organisation: string;
}
export interface ReferralFound { id: string; reference: string; status: string; urgency: string; reason: string; requested: string; information_shared: string; created_at: Date; from_organisation: string; to_organisation: string }
export interface AlertFound { id: string; rule_code: string; status: string; involvement: string; first_fired_at: Date; last_fired_at: Date; facts: Record<string, unknown> }
export interface RiskFound { id: string; case_id: string; instrument_code: string; score: number; band: string; band_reason: string; completed_at: Date; organisation: string | null }
export interface AccessFound { seq: string; occurred_at: Date; actor_label: string; actor_name: string | null; organisation: string | null; action: string; record_type: string; record_id: string; reason: string | null; break_glass: boolean }

/** How many audit events the export lists at most (newest first); the page says when there are more. */
export const ACCESS_LOG_LIMIT = 5_000;

export class SubjectAccessSourcesRepository {
  async find(trx: Transaction<Database>, personId: string): Promise<SubjectAccessFindings | undefined> {
    const person = (
      await sql<PersonFound>`
        select p.id, p.given_name, p.family_name, p.date_of_birth, p.approximate_age, p.gender, p.ethnicity, p.disability, p.religion,
          p.sexuality, p.phone, p.email, p.preferred_language, p.created_at, o.name as organisation
        from people p left join organisations o on o.id = p.created_by_organisation_id
        where p.id = ${personId}`.execute(trx)
    ).rows[0];
    if (!person) return undefined;

    const cases = (
      await sql<CaseFound>`
        select c.id, c.reference, coalesce(ct.name, c.case_type) as case_type, c.status, c.summary, cp.role, c.opened_at, c.closed_at, o.name as lead_organisation
        from case_people cp join cases c on c.id = cp.case_id join organisations o on o.id = c.lead_organisation_id
        left join case_types ct on ct.code = c.case_type
        where cp.person_id = ${personId} order by c.opened_at, c.reference`.execute(trx)
    ).rows;
    const caseIds = cases.map((found) => found.id);

    const incidents = (
      await sql<IncidentFound>`
        select i.id, ip.id as incident_person_id, ip.person_id is null as candidate, ip.role, i.source_reference, i.occurred_at, i.category_code,
          i.summary, i.address, i.postcode, o.name as organisation
        from incident_people ip join incidents i on i.id = ip.incident_id join organisations o on o.id = i.source_organisation_id
        where ip.person_id = ${personId}
           or (${person.date_of_birth}::date is not null and ip.person_id is null
               and lower(ip.family_name) = lower(${person.family_name}) and lower(ip.given_name) = lower(${person.given_name})
               and ip.date_of_birth = ${person.date_of_birth}::date)
        order by i.occurred_at, i.source_reference`.execute(trx)
    ).rows;
    const incidentIds = [...new Set(incidents.map((found) => found.id))];
    const ownIncidentPeople = incidents.map((found) => found.incident_person_id);

    const alerts = (
      await sql<AlertFound>`
        select a.id, a.rule_code, a.status, coalesce(ap.involvement, 'subject') as involvement, a.first_fired_at, a.last_fired_at, a.facts
        from alerts a left join alert_people ap on ap.alert_id = a.id and ap.person_id = ${personId}
        where a.person_id = ${personId} or ap.person_id is not null
        order by a.first_fired_at`.execute(trx)
    ).rows;
    const alertIds = alerts.map((found) => found.id);

    const referrals = (
      await sql<ReferralFound>`
        select r.id, r.reference, r.status, r.urgency, r.reason, r.requested, r.information_shared, r.created_at,
          from_org.name as from_organisation, to_org.name as to_organisation
        from referrals r join organisations from_org on from_org.id = r.from_organisation_id join organisations to_org on to_org.id = r.to_organisation_id
        where r.person_id = ${personId} or r.case_id = any(${caseIds}::uuid[])
        order by r.created_at`.execute(trx)
    ).rows;
    const referralIds = referrals.map((found) => found.id);

    const [otherNames, markers, addresses, casePeople, notes, timeline, incidentPeople, alertPeople, riskAssessments, accessLog] = await Promise.all([
      sql<SubjectAccessFindings['otherNames'][number]>`select kind, given_name, family_name from person_names where person_id = ${personId} order by created_at`.execute(trx),
      sql<SubjectAccessFindings['markers'][number]>`
        select pm.marker, pm.recorded_on, pm.notes, o.name as organisation from person_markers pm left join organisations o on o.id = pm.source_organisation_id
        where pm.person_id = ${personId} order by pm.recorded_on`.execute(trx),
      sql<SubjectAccessFindings['addresses'][number]>`
        select concat_ws(', ', l.address_line_1, l.address_line_2, l.town, l.postcode) as address, pa.valid_from, pa.valid_to
        from person_addresses pa join locations l on l.id = pa.location_id where pa.person_id = ${personId} order by pa.valid_from nulls first`.execute(trx),
      sql<ThirdParty>`
        select 'person:' || p.id as key, cp.case_id as record_id, cp.role, p.given_name, p.family_name, p.date_of_birth
        from case_people cp join people p on p.id = cp.person_id
        where cp.case_id = any(${caseIds}::uuid[]) and cp.person_id <> ${personId} order by p.family_name, p.given_name`.execute(trx),
      sql<NoteFound>`
        select n.id, n.case_id, n.body, n.sensitivity, n.created_at, u.name as author, o.name as organisation
        from case_notes n left join users u on u.id = n.author_id join organisations o on o.id = n.author_organisation_id
        where n.case_id = any(${caseIds}::uuid[]) order by n.created_at`.execute(trx),
      sql<TimelineFound>`
        select e.id, e.case_id, e.occurred_at, e.kind, u.name as actor, o.name as organisation, e.details
        from case_events e left join users u on u.id = e.actor_user_id left join organisations o on o.id = e.actor_organisation_id
        where e.case_id = any(${caseIds}::uuid[]) order by e.occurred_at`.execute(trx),
      sql<ThirdParty>`
        select 'incident_person:' || ip.id as key, ip.incident_id as record_id, ip.role, ip.given_name, ip.family_name, ip.date_of_birth
        from incident_people ip
        where ip.incident_id = any(${incidentIds}::uuid[]) and not (ip.id = any(${ownIncidentPeople}::uuid[]))
          and (ip.person_id is null or ip.person_id <> ${personId})
        order by ip.family_name, ip.given_name`.execute(trx),
      sql<ThirdParty>`
        select 'person:' || p.id as key, ap.alert_id as record_id, ap.involvement as role, p.given_name, p.family_name, p.date_of_birth
        from alert_people ap join people p on p.id = ap.person_id
        where ap.alert_id = any(${alertIds}::uuid[]) and ap.person_id <> ${personId} order by p.family_name, p.given_name`.execute(trx),
      sql<RiskFound>`
        select ra.id, ra.case_id, ra.instrument_code, ra.score, ra.band, ra.band_reason, ra.completed_at, o.name as organisation
        from risk_assessments ra left join organisations o on o.id = ra.completed_by_organisation_id
        where ra.person_id = ${personId} or (ra.person_id is null and ra.case_id = any(${caseIds}::uuid[]))
        order by ra.completed_at`.execute(trx),
      this.#accessLog(trx, personId, { case: caseIds, incident: incidentIds, referral: referralIds, alert: alertIds }),
    ]);
    return {
      person,
      otherNames: otherNames.rows,
      markers: markers.rows,
      addresses: addresses.rows,
      cases,
      casePeople: casePeople.rows,
      notes: notes.rows,
      timeline: timeline.rows,
      incidents,
      incidentPeople: incidentPeople.rows,
      referrals,
      alerts,
      alertPeople: alertPeople.rows,
      riskAssessments: riskAssessments.rows,
      accessLog,
    };
  }

  // One branch per record type, so each uses the (record_type, record_id, occurred_at) index.
  async #accessLog(trx: Transaction<Database>, personId: string, records: Record<'case' | 'incident' | 'referral' | 'alert', string[]>): Promise<AccessFound[]> {
    const branch = (recordType: string, ids: string[]) =>
      sql`select * from audit_events where record_type = ${recordType} and record_id = any(${ids}::text[])`;
    const result = await sql<AccessFound>`
      select e.seq, e.occurred_at, e.actor_label, u.name as actor_name, o.name as organisation, e.action, e.record_type, e.record_id, e.reason, e.break_glass
      from (
        ${branch('person', [personId])} union all ${branch('case', records.case)} union all ${branch('incident', records.incident)}
        union all ${branch('referral', records.referral)} union all ${branch('alert', records.alert)}
      ) e
      left join users u on u.id = e.actor_user_id left join organisations o on o.id = e.organisation_id
      order by e.seq desc limit ${ACCESS_LOG_LIMIT}`.execute(trx);
    return result.rows;
  }
}
