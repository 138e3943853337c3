import type { Translate } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import { isReferralDigest, referralDigestNotification, referralNotification } from '../referrals/referralViews.ts';

interface NotificationRow {
  id: string;
  kind: string;
  case_id: string | null;
  referral_id?: string | null;
  details: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** What each kind of notification says, when it carries what the sentence needs. */
const messages: Record<string, (details: Record<string, unknown>, t: Translate) => string | undefined> = {
  high_risk_assessment: (d, t) =>
    text(d.reference) ? t('notifications.kinds.high_risk_assessment', { reference: d.reference, instrument: instrumentName(d.instrument, t) }) : undefined,
  action_assigned: (d, t) => (text(d.reference) && text(d.title) ? t('notifications.kinds.action_assigned', { reference: d.reference, title: d.title }) : undefined),
};

/** The tool's name in the reader's language; the stored code only if this version no longer knows it. */
function instrumentName(code: unknown, t: Translate): string {
  const known = text(code);
  return known ? t(`risk.instruments.${known}.name`, { defaultValue: known }) : t('notifications.anInstrument');
}

function messageOf(row: NotificationRow, t: Translate): string {
  const known = messages[row.kind]?.(row.details ?? {}, t);
  if (known) return known;
  const reference = text(row.details?.reference);
  return reference ? t('notifications.kinds.generic', { reference }) : t('notifications.kinds.genericNoCase');
}

export function notificationItems(rows: NotificationRow[], t: Translate) {
  return rows.map((row) => (row.referral_id || isReferralDigest(row.kind) ? referralItem(row, row.referral_id, t) : {
    id: row.id,
    message: messageOf(row, t),
    unread: row.read_at === null,
    receivedAt: row.created_at,
    caseLink: row.case_id
      ? { href: paths.cases.show({ caseId: row.case_id }), text: text(row.details?.reference) ?? t('notifications.viewCase') }
      : undefined,
  }));
}

/** A notification about a referral says what happened to it and links to the referral, not a case. */
function referralItem(row: NotificationRow, referralId: string | null | undefined, t: Translate) {
  const { message, link } = referralId ? referralNotification(row.kind, row.details ?? {}, referralId, t) : referralDigestNotification(row.kind, row.details ?? {}, t);
  return { id: row.id, message, unread: row.read_at === null, receivedAt: row.created_at, caseLink: link };
}
