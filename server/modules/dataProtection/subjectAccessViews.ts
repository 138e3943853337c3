import type { SubjectAccessFindings } from './subjectAccessSourcesRepository.ts';

export interface ThirdPartyItem {
  key: string;
  name: string;
  dateOfBirth: string | null;
  /** Where they are named: "case ASB-2026-000001 (witness)", "incident WM-123 (victim)". */
  namedOn: { kind: 'case' | 'incident' | 'alert'; label: string; role: string | null }[];
}

/** Each third party once (a neighbour on two cases is one box to tick), with every record that names them. */
export function thirdPartyItems(findings: SubjectAccessFindings): ThirdPartyItem[] {
  const caseReference = new Map(findings.cases.map((found) => [found.id, found.reference]));
  const incidentReference = new Map(findings.incidents.map((found) => [found.id, found.source_reference]));
  const alertRule = new Map(findings.alerts.map((found) => [found.id, found.rule_code]));
  const items = new Map<string, ThirdPartyItem>();
  const add = (kind: 'case' | 'incident' | 'alert', labels: Map<string, string>) => (party: SubjectAccessFindings['casePeople'][number]) => {
    const item = items.get(party.key) ?? { key: party.key, name: `${party.given_name ?? ''} ${party.family_name ?? ''}`.trim(), dateOfBirth: party.date_of_birth, namedOn: [] };
    item.namedOn.push({ kind, label: labels.get(party.record_id) ?? '', role: party.role });
    items.set(party.key, item);
  };
  findings.casePeople.forEach(add('case', caseReference));
  findings.incidentPeople.forEach(add('incident', incidentReference));
  findings.alertPeople.forEach(add('alert', alertRule));
  return [...items.values()];
}
