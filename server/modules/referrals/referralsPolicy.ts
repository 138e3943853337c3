import { hasPermission } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import type { ReferralStatus } from './referralsSchemas.ts';

/** Which end of a referral the user's organisation is at. Anyone else may not know it exists. */
export type ReferralSide = 'sender' | 'receiver';

export type ReferralStep = 'acknowledge' | 'accept' | 'decline' | 'requestMoreInfo' | 'provideInfo' | 'withdraw' | 'redirect';

/**
 * The referral workflow as data: each step, who takes it, and from which statuses.
 * received → acknowledged → accepted | declined | more information requested; the referrer
 * answers a request (back to acknowledged), withdraws while it is open, or redirects a decline.
 */
export const referralSteps: Record<ReferralStep, { side: ReferralSide; from: readonly ReferralStatus[]; to?: ReferralStatus }> = {
  acknowledge: { side: 'receiver', from: ['received'], to: 'acknowledged' },
  accept: { side: 'receiver', from: ['received', 'acknowledged', 'more_info_requested'], to: 'accepted' },
  decline: { side: 'receiver', from: ['received', 'acknowledged', 'more_info_requested'], to: 'declined' },
  requestMoreInfo: { side: 'receiver', from: ['received', 'acknowledged'], to: 'more_info_requested' },
  provideInfo: { side: 'sender', from: ['more_info_requested'], to: 'acknowledged' },
  withdraw: { side: 'sender', from: ['received', 'acknowledged', 'more_info_requested'], to: 'withdrawn' },
  redirect: { side: 'sender', from: ['declined'] },
};

/** What the user may do with one referral they can see, computed once per request. */
export function referralPolicy(user: CurrentUser, side: ReferralSide, status: string) {
  const permission = referralSteps.acknowledge.side === side ? 'referral:receive' : 'referral:create';
  const may = (step: ReferralStep) => {
    const rule = referralSteps[step];
    return rule.side === side && (rule.from as readonly string[]).includes(status) && hasPermission(user.role, permission);
  };
  return {
    side,
    canAcknowledge: may('acknowledge'),
    canAccept: may('accept'),
    canDecline: may('decline'),
    canRequestMoreInfo: may('requestMoreInfo'),
    canProvideInfo: may('provideInfo'),
    canWithdraw: may('withdraw'),
    canRedirect: may('redirect'),
    may,
  };
}

export type ReferralPolicy = ReturnType<typeof referralPolicy>;
