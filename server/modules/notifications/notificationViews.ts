import type { Translate } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';

interface NotificationRow {
  id: string;
  kind: string;
  case_id: string | null;
  details: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** What each kind of notification says, when it carries what the sentence needs. */
const messages: Record<string, (details: Record<string, unknown>, t: Translate) => string | undefined> = {
  high_risk_assessment: (d, t) =>
    text(d.reference) ? t('notifications.kinds.high_risk_assessment', { reference: d.reference, instrument: text(d.instrument) ?? t('notifications.anInstrument') }) : undefined,
  action_assigned: (d, t) => (text(d.reference) && text(d.title) ? t('notifications.kinds.action_assigned', { reference: d.reference, title: d.title }) : undefined),
};

function messageOf(row: NotificationRow, t: Translate): string {
  const known = messages[row.kind]?.(row.details ?? {}, t);
  if (known) return known;
  const reference = text(row.details?.reference);
  return reference ? t('notifications.kinds.generic', { reference }) : t('notifications.kinds.genericNoCase');
}

export function notificationItems(rows: NotificationRow[], t: Translate) {
  return rows.map((row) => ({
    id: row.id,
    message: messageOf(row, t),
    unread: row.read_at === null,
    receivedAt: row.created_at,
    caseLink: row.case_id
      ? { href: paths.cases.show({ caseId: row.case_id }), text: text(row.details?.reference) ?? t('notifications.viewCase') }
      : undefined,
  }));
}
