import type { Translate } from '../../shared/i18n/index.ts';

type Facts = Record<string, unknown>;

const count = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

function markerList(facts: Facts, t: Translate): string {
  const markers = Array.isArray(facts.markers) ? facts.markers.map(String) : [];
  return markers.map((marker) => t(`people.markers.${marker}`, { defaultValue: marker.replace(/_/g, ' ') })).join(', ');
}

/** The one-line, plain-language reason an alert fired: "4 incidents as victim or complainant in 28 days, reported by 3 agencies". */
export function alertReason(rule: string, facts: Facts, t: Translate): string {
  const phrases = {
    incidents: t('alerts.counts.incidents', { count: count(facts.incidents) }),
    agencies: t('alerts.counts.agencies', { count: count(facts.agencies) }),
    days: t('alerts.counts.days', { count: count(facts.days) }),
    people: t('alerts.counts.people', { count: count(facts.people) }),
    recent: t('alerts.counts.incidents', { count: count(facts.recent) }),
    previous: t('alerts.counts.incidents', { count: count(facts.previous) }),
    missed: t('alerts.counts.missedContacts', { count: count(facts.missed) }),
    police: t('alerts.counts.policeContacts', { count: count(facts.police) }),
    markers: markerList(facts, t),
  };
  return t(`alerts.reasons.${rule}`, { ...phrases, defaultValue: rule });
}

export function ruleName(rule: string, t: Translate): string {
  return t(`alerts.rules.${rule}.name`, { defaultValue: rule });
}

/** A category's name: the incidents catalogue's for a built-in one, else as the partnership wrote it. */
export function incidentCategoryName(incident: { category_code: string; category_name: string; category_name_translated: boolean }, t: Translate): string {
  return incident.category_name_translated ? t(`incidents.categories.${incident.category_code}`, { defaultValue: incident.category_name }) : incident.category_name;
}

export const STATUS_TAG_CLASSES: Record<string, string> = {
  open: 'govuk-tag--blue',
  case_opened: 'govuk-tag--green',
  added_to_case: 'govuk-tag--green',
  dismissed: 'govuk-tag--grey',
};

/** The case timeline's words for the evidence an alert brought to the case. */
export const ALERT_TIMELINE_KINDS = new Set(['alert_evidence_linked']);

export function describeAlertEvent(kind: string, details: Record<string, unknown>, t: Translate): { title: string; detail: string | undefined } {
  const incidents = Array.isArray(details.incidents) ? details.incidents : [];
  const rule = typeof details.rule === 'string' ? details.rule : '';
  const facts = details.facts && typeof details.facts === 'object' ? (details.facts as Facts) : {};
  return {
    title: t(`alerts.timeline.${kind}`, { defaultValue: kind.replace(/_/g, ' ') }),
    detail: rule
      ? t('alerts.timeline.detail', { rule: ruleName(rule, t), reason: alertReason(rule, facts, t), evidence: incidents.map((incident) => evidenceLine(incident, t)).join('; ') })
      : undefined,
  };
}

/** "2026-06-12, Noise complaint, City Council": what every agency on a case may see of an incident. */
function evidenceLine(incident: unknown, t: Translate): string {
  const { occurredAt, category, organisation } = (incident ?? {}) as { occurredAt?: unknown; category?: unknown; organisation?: unknown };
  const day = typeof occurredAt === 'string' ? occurredAt.slice(0, 10) : '';
  const categoryText = typeof category === 'string' ? t(`incidents.categories.${category}`, { defaultValue: category.replace(/_/g, ' ') }) : '';
  return [day, categoryText, typeof organisation === 'string' ? organisation : ''].filter(Boolean).join(', ');
}
