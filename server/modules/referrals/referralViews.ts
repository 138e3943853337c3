import type { Translate } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';

/** Referral steps recorded on a case timeline (`case_events.kind`). */
export const REFERRAL_TIMELINE_KINDS = new Set([
  'referral_sent',
  'referral_acknowledged',
  'referral_accepted',
  'referral_declined',
  'referral_more_info_requested',
  'referral_info_provided',
  'referral_withdrawn',
]);

/** A referral step on the case timeline: its heading, and the referral it was about. */
export function describeReferralEvent(kind: string, details: Record<string, unknown>, t: Translate): { title: string; detail: string | undefined } {
  const reference = typeof details.reference === 'string' ? details.reference : undefined;
  return {
    title: t(`referrals.timeline.${kind}.title`),
    detail: reference ? t(`referrals.timeline.${kind}.detail`, { reference, toOrganisation: details.toOrganisation ?? '' }) : undefined,
  };
}

/** Notifications about a referral: what they say, and where they lead. */
export function referralNotification(kind: string, details: Record<string, unknown>, referralId: string, t: Translate) {
  return {
    message: t(`referrals.notifications.${kind}`, { reference: details.reference ?? '', organisation: details.organisation ?? '' }),
    link: { href: paths.referrals.show({ referralId }), text: typeof details.reference === 'string' ? details.reference : t('referrals.title') },
  };
}

/** A summary of many referrals at once (a backlog): how many, and a link to the inbox. */
export function referralDigestNotification(kind: string, details: Record<string, unknown>, t: Translate) {
  const count = typeof details.count === 'number' ? details.count : Number(details.count ?? 0);
  return {
    message: t(`referrals.notifications.digest.${kind.replace(/_digest$/, '')}`, { count }),
    link: { href: paths.referrals.inbox(), text: t('referrals.inbox.title') },
  };
}

export function isReferralDigest(kind: string): boolean {
  return kind.startsWith('referral_') && kind.endsWith('_digest');
}
