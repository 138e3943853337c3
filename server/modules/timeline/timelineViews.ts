import type { FieldErrors } from '../../shared/errors.ts';
import type { FormErrors } from '../../shared/forms.ts';
import type { Translate } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import { describeReferralEvent, REFERRAL_TIMELINE_KINDS } from '../referrals/referralViews.ts';
import { ALERT_TIMELINE_KINDS, describeAlertEvent } from '../alerts/alertViews.ts';
import type { TimelinePage } from './timelineService.ts';

type Details = Record<string, unknown>;
type Describe = (details: Details, t: Translate) => string | undefined;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
const translated = (t: Translate, prefix: string, value: unknown): string | undefined => {
  const known = text(value);
  return known ? t(`${prefix}.${known}`, { defaultValue: known.replace(/_/g, ' ') }) : undefined;
};
/** A detail line only when the event recorded what it needs. */
const when = (ready: unknown, line: () => string): string | undefined => (ready ? line() : undefined);

// Case columns named in a case_updated event, and the field label each one has on the form.
const CASE_FIELD_LABELS: Record<string, string> = {
  case_type: 'caseType',
  priority: 'priority',
  summary: 'summary',
  area: 'area',
  lead_officer_id: 'leadOfficer',
};

function fieldLabel(column: string, t: Translate): string {
  const label = CASE_FIELD_LABELS[column];
  return label ? t(`cases.fields.${label}`) : column.replace(/_/g, ' ');
}

const describers: Record<string, Describe> = {
  case_opened: (d, t) => when(text(d.reference), () => t('timeline.events.case_opened.detail', { reference: d.reference, caseType: text(d.caseTypeName) ?? translated(t, 'cases.types', d.caseType) ?? '' })),
  case_updated: (d, t) =>
    when(Array.isArray(d.changed) && d.changed.length > 0, () =>
      t('timeline.events.case_updated.detail', {
        fields: (d.changed as unknown[]).map((field) => fieldLabel(String(field), t)).join(', '),
      }),
    ),
  status_changed: (d, t) =>
    when(text(d.from) && text(d.to), () => t('timeline.events.status_changed.detail', { from: translated(t, 'cases.status', d.from), to: translated(t, 'cases.status', d.to) })),
  agency_added: (d, t) => when(text(d.organisation), () => t('timeline.events.agency_added.detail', { organisation: d.organisation })),
  agency_removed: (d, t) => when(text(d.organisation), () => t('timeline.events.agency_removed.detail', { organisation: d.organisation })),
  person_linked: (d, t) => when(text(d.role), () => t('timeline.events.person_linked.detail', { role: translated(t, 'cases.personRoles', d.role) })),
  person_unlinked: (d, t) => when(text(d.role), () => t('timeline.events.person_unlinked.detail', { role: translated(t, 'cases.personRoles', d.role) })),
  location_linked: (d, t) => when(text(d.address), () => t('timeline.events.location_linked.detail', { address: [d.address, d.postcode].filter(text).join(', ') })),
  case_linked: (d, t) => when(text(d.reference), () => t('timeline.events.case_linked.detail', { reference: d.reference })),
  risk_assessment_completed: (d, t) => when(text(d.band), () => t('timeline.events.risk_assessment_completed.detail', { band: translated(t, 'cases.risk', d.band) })),
  action_created: (d) => text(d.title),
  action_updated: (d) => text(d.title),
};

const KNOWN_KINDS = new Set([
  ...Object.keys(describers),
  'intervention_recorded', 'intervention_updated', 'note_added', 'break_glass_used',
]);

/** The heading and (when the event recorded enough) the one-line description of an event. */
export function describeEvent(kind: string, details: Details, t: Translate): { title: string; detail: string | undefined } {
  if (REFERRAL_TIMELINE_KINDS.has(kind)) return describeReferralEvent(kind, details, t);
  if (ALERT_TIMELINE_KINDS.has(kind)) return describeAlertEvent(kind, details, t);
  if (!KNOWN_KINDS.has(kind)) {
    return { title: t('timeline.events.unknown.title'), detail: t('timeline.events.unknown.detail', { kind: kind.replace(/_/g, ' ') }) };
  }
  return { title: t(`timeline.events.${kind}.title`), detail: describers[kind]?.(details, t) };
}

/** 2.5 MB, 340 KB, 12 bytes. */
export function formatFileSize(bytes: number, t: Translate): string {
  if (bytes >= 1024 * 1024) return t('timeline.size.megabytes', { size: Number((bytes / (1024 * 1024)).toFixed(1)) });
  if (bytes >= 1024) return t('timeline.size.kilobytes', { size: Math.round(bytes / 1024) });
  return t('timeline.size.bytes', { count: bytes });
}

/** The timeline as the template shows it: one item per visible event. */
export function timelineItems(page: TimelinePage, t: Translate) {
  return page.entries.map((entry) => ({
    ...describeEvent(entry.kind, entry.details ?? {}, t),
    occurredAt: entry.occurred_at,
    byline: entry.actor_name
      ? t('timeline.byline', { name: entry.actor_name, organisation: entry.actor_organisation_name ?? '' })
      : t('timeline.bySystem'),
    note: entry.note_body === null ? undefined : { body: entry.note_body, sensitivity: entry.note_sensitivity },
    attachments: entry.attachments.map((attachment) => ({
      name: attachment.file_name,
      size: formatFileSize(Number(attachment.size_bytes), t),
      href: paths.cases.attachment({ caseId: page.opened.case.id, attachmentId: attachment.id }),
    })),
  }));
}

const NOTE_FIELDS = ['body', 'sensitivity', 'attachment'];

/** The error summary for the note form; the size limit is part of the file's message. */
export function noteErrors(fieldErrors: FieldErrors, t: Translate, maxBytes: number): FormErrors {
  const fields: FormErrors['fields'] = {};
  const list: FormErrors['list'] = [];
  const ordered = Object.keys(fieldErrors).sort((a, b) => rank(a) - rank(b));
  for (const field of ordered) {
    const message = t(fieldErrors[field] as string, { size: formatFileSize(maxBytes, t) });
    fields[field] = { text: message };
    list.push({ text: message, href: `#${field}` });
  }
  return { list, fields };
}

function rank(field: string): number {
  const index = NOTE_FIELDS.indexOf(field);
  return index === -1 ? NOTE_FIELDS.length : index;
}
