import type { WorkingCalendar } from '../../shared/workingTime.ts';
import type { ReferralUrgency } from './referralsSchemas.ts';

/** A span of time a receiver is allowed, counted one of three ways. */
export type Allowance =
  | { clock: 'elapsed'; minutes: number }
  | { clock: 'working_hours'; minutes: number }
  | { clock: 'working_days'; days: number };

/**
 * How long the receiving organisation has, per urgency, to acknowledge a referral and to decide
 * (accept or decline). Working time is Monday to Friday 09:00–17:00 London time without English
 * and Welsh bank holidays; a working day ends at 17:00.
 *
 * - Immediate: the services that take these (crisis teams, out-of-hours) work round the clock, and
 *   a risk to someone's safety does not wait for Monday, so this is elapsed time: 1 hour to
 *   acknowledge, 4 hours to decide.
 * - 24 hours: 2 working hours to acknowledge; 8 working hours (one full working day, so "this time
 *   on the next working day") to decide.
 * - 5 working days: by the end of the next working day to acknowledge; by the end of the fifth
 *   working day to decide.
 * - Routine: 2 working days to acknowledge, 10 working days to decide.
 */
export const DEFAULT_ALLOWANCES: Record<ReferralUrgency, { acknowledge: Allowance; decide: Allowance }> = {
  immediate: { acknowledge: { clock: 'elapsed', minutes: 60 }, decide: { clock: 'elapsed', minutes: 240 } },
  hours_24: { acknowledge: { clock: 'working_hours', minutes: 120 }, decide: { clock: 'working_hours', minutes: 480 } },
  working_days_5: { acknowledge: { clock: 'working_days', days: 1 }, decide: { clock: 'working_days', days: 5 } },
  routine: { acknowledge: { clock: 'working_days', days: 2 }, decide: { clock: 'working_days', days: 10 } },
};

/** A pathway's own deadlines, when the partnership has set them. */
export interface PathwayDeadlines {
  acknowledge_within_minutes: number | null;
  decide_within_minutes: number | null;
  deadline_clock: string | null;
  handover_target_minutes: number | null;
}

export interface ReferralDeadlines {
  acknowledgeDueAt: Date;
  decideDueAt: Date;
}

export function deadlineAfter(calendar: WorkingCalendar, from: Date, allowance: Allowance): Date {
  switch (allowance.clock) {
    case 'elapsed':
      return new Date(from.getTime() + allowance.minutes * 60_000);
    case 'working_hours':
      return calendar.addWorkingHours(from, allowance.minutes / 60);
    case 'working_days':
      return calendar.addWorkingDays(from, allowance.days);
  }
}

function pathwayAllowance(minutes: number | null, clock: string | null): Allowance | undefined {
  if (!minutes) return undefined;
  return clock === 'working' ? { clock: 'working_hours', minutes } : { clock: 'elapsed', minutes };
}

/**
 * When a referral sent at `sentAt` must be acknowledged and decided: the pathway's own allowance
 * where it has one, else the urgency's. Where police attended and the pathway has a handover
 * target (Right Care, Right Person: one hour), the decision is due by then at the latest.
 */
export function referralDeadlinesFor(
  calendar: WorkingCalendar,
  sentAt: Date,
  urgency: ReferralUrgency,
  pathway?: PathwayDeadlines | null,
  policeAttended = false,
): ReferralDeadlines {
  const defaults = DEFAULT_ALLOWANCES[urgency];
  const acknowledge = pathwayAllowance(pathway?.acknowledge_within_minutes ?? null, pathway?.deadline_clock ?? null) ?? defaults.acknowledge;
  const decide = pathwayAllowance(pathway?.decide_within_minutes ?? null, pathway?.deadline_clock ?? null) ?? defaults.decide;
  let decideDueAt = deadlineAfter(calendar, sentAt, decide);
  if (policeAttended && pathway?.handover_target_minutes) {
    const handoverDue = new Date(sentAt.getTime() + pathway.handover_target_minutes * 60_000);
    if (handoverDue < decideDueAt) decideDueAt = handoverDue;
  }
  let acknowledgeDueAt = deadlineAfter(calendar, sentAt, acknowledge);
  if (acknowledgeDueAt > decideDueAt) acknowledgeDueAt = decideDueAt;
  return { acknowledgeDueAt, decideDueAt };
}

/** Reminders go when three quarters of the time allowed has passed. */
export const REMINDER_FRACTION = 0.75;
