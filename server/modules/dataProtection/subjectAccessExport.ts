import type { SubjectAccessFindings, ThirdParty } from './subjectAccessSourcesRepository.ts';

/** What the DPO decided about the findings: what to redact, which unlinked incident records are this person. */
export interface ExportDecisions {
  redactions: readonly string[];
  confirmedCandidates: readonly string[];
}

export interface ExportRequest {
  reference: string;
  requesterName: string;
  receivedOn: string;
  dueOn: string;
}

export const REDACTED = '[redacted: third-party information]';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/**
 * The subject access export: the findings as plain data (the JSON download and the HTML page are
 * both drawn from it), with the unconfirmed candidate incidents left out and the ticked
 * third-party items redacted — their names, and their names wherever they appear in free text.
 */
export function buildSubjectAccessExport(request: ExportRequest, findings: SubjectAccessFindings, decisions: ExportDecisions, generatedAt: Date) {
  const redacted = new Set(decisions.redactions);
  const confirmed = new Set(decisions.confirmedCandidates);
  const allThirdParties = [...findings.casePeople, ...findings.incidentPeople, ...findings.alertPeople];
  const scrub = textScrubber(allThirdParties.filter((party) => redacted.has(party.key)), findings.person);
  const party = (found: ThirdParty) =>
    redacted.has(found.key)
      ? { name: REDACTED, role: found.role, dateOfBirth: null, redacted: true }
      : { name: fullName(found), role: found.role, dateOfBirth: found.date_of_birth, redacted: false };
  const peopleOn = (list: ThirdParty[], recordId: string) => list.filter((found) => found.record_id === recordId).map(party);
  const caseReference = new Map(findings.cases.map((found) => [found.id, found.reference]));
  const incidents = findings.incidents.filter((found) => !found.candidate || confirmed.has(`incident_person:${found.incident_person_id}`));
  const { person } = findings;

  return {
    request: { reference: request.reference, requester: request.requesterName, receivedOn: request.receivedOn, dueOn: request.dueOn },
    generatedAt: generatedAt.toISOString(),
    person: {
      givenName: person.given_name,
      familyName: person.family_name,
      dateOfBirth: person.date_of_birth,
      approximateAge: person.approximate_age,
      gender: person.gender,
      ethnicity: person.ethnicity,
      disability: person.disability,
      religion: person.religion,
      sexuality: person.sexuality,
      phone: person.phone,
      email: person.email,
      preferredLanguage: person.preferred_language,
      recordedBy: person.organisation,
      recordedAt: iso(person.created_at),
      otherNames: findings.otherNames.map((name) => ({ kind: name.kind, name: `${name.given_name} ${name.family_name}`.trim() })),
      markers: findings.markers.map((marker) => ({ marker: marker.marker, recordedOn: marker.recorded_on, organisation: marker.organisation, notes: scrub(marker.notes) })),
      addresses: findings.addresses.map((address) => ({ address: address.address, from: address.valid_from, to: address.valid_to })),
    },
    cases: findings.cases.map((found) => ({
      reference: found.reference,
      type: found.case_type,
      status: found.status,
      role: found.role,
      summary: scrub(found.summary),
      openedAt: iso(found.opened_at),
      closedAt: iso(found.closed_at),
      leadOrganisation: found.lead_organisation,
      otherPeople: peopleOn(findings.casePeople, found.id),
    })),
    notes: findings.notes.map((note) => ({
      caseReference: caseReference.get(note.case_id) ?? null,
      createdAt: iso(note.created_at),
      author: note.author,
      organisation: note.organisation,
      sensitivity: note.sensitivity,
      body: redacted.has(`note:${note.id}`) ? REDACTED : scrub(note.body),
      redacted: redacted.has(`note:${note.id}`),
    })),
    timeline: findings.timeline.map((entry) => ({
      caseReference: caseReference.get(entry.case_id) ?? null,
      occurredAt: iso(entry.occurred_at),
      kind: entry.kind,
      actor: entry.actor,
      organisation: entry.organisation,
      details: scrub(JSON.stringify(entry.details ?? {})),
    })),
    incidents: incidents.map((found) => ({
      reference: found.source_reference,
      occurredAt: iso(found.occurred_at),
      category: found.category_code,
      organisation: found.organisation,
      role: found.role,
      summary: scrub(found.summary),
      address: found.address,
      postcode: found.postcode,
      matchedByNameAndDateOfBirth: found.candidate,
      otherPeople: peopleOn(findings.incidentPeople, found.id),
    })),
    referrals: findings.referrals.map((found) => ({
      reference: found.reference,
      createdAt: iso(found.created_at),
      from: found.from_organisation,
      to: found.to_organisation,
      urgency: found.urgency,
      status: found.status,
      reason: scrub(found.reason),
      requested: scrub(found.requested),
      informationShared: scrub(found.information_shared),
    })),
    alerts: findings.alerts.map((found) => ({
      rule: found.rule_code,
      status: found.status,
      involvement: found.involvement,
      firstRaisedAt: iso(found.first_fired_at),
      lastRaisedAt: iso(found.last_fired_at),
      otherPeople: peopleOn(findings.alertPeople, found.id),
    })),
    riskAssessments: findings.riskAssessments.map((found) => ({
      caseReference: caseReference.get(found.case_id) ?? null,
      instrument: found.instrument_code,
      score: found.score,
      band: found.band,
      reason: scrub(found.band_reason),
      completedAt: iso(found.completed_at),
      organisation: found.organisation,
    })),
    accessLog: findings.accessLog.map((event) => ({
      at: iso(event.occurred_at),
      who: event.actor_name ?? event.actor_label,
      organisation: event.organisation,
      action: event.action,
      recordType: event.record_type,
      breakGlass: event.break_glass,
    })),
  };
}

export type SubjectAccessExport = ReturnType<typeof buildSubjectAccessExport>;

function fullName(found: { given_name: string | null; family_name: string | null }): string {
  return `${found.given_name ?? ''} ${found.family_name ?? ''}`.trim();
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces the redacted people's names in free text: the full name, and the family name alone
 * unless the subject shares it (a relative's surname is the subject's own). Other identifying
 * detail in free text needs the whole note ticked; the ADR says why this is a safety net, not a promise.
 */
export function textScrubber(redactedPeople: ThirdParty[], subject: { given_name: string; family_name: string }) {
  const subjectFamily = subject.family_name.trim().toLowerCase();
  const patterns: RegExp[] = [];
  for (const party of redactedPeople) {
    const full = fullName(party);
    if (full.length >= 3) patterns.push(new RegExp(`\\b${escapeRegExp(full).replace(/\s+/g, '\\s+')}\\b`, 'giu'));
    const family = (party.family_name ?? '').trim();
    if (family.length >= 3 && family.toLowerCase() !== subjectFamily) patterns.push(new RegExp(`\\b${escapeRegExp(family)}\\b`, 'giu'));
  }
  return <T extends string | null>(text: T): T => {
    if (text === null || patterns.length === 0) return text;
    return patterns.reduce((result, pattern) => result.replace(pattern, REDACTED), text as string) as T;
  };
}
