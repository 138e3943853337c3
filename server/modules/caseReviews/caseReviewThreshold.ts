/** The partnership's threshold for an ASB Case Review (`case_review_settings`). */
export interface ThresholdRules {
  /** Qualifying complaints about the same problem needed within the period (default 3). */
  complaints: number;
  periodMonths: number;
  /** A lower number when the person affected is vulnerable; null when not adopted. */
  vulnerableComplaints: number | null;
  /** One hate-motivated incident that was reported is enough, when adopted. */
  singleHateIncident: boolean;
}

export const DEFAULT_THRESHOLD_RULES: ThresholdRules = { complaints: 3, periodMonths: 6, vulnerableComplaints: null, singleHateIncident: false };

export const reportedToOptions = ['council', 'police', 'housing_provider', 'other', 'not_reported'] as const;
export type ReportedTo = (typeof reportedToOptions)[number];

export interface ThresholdIncident {
  occurredOn: string;
  reportedTo: readonly string[];
}

export interface ThresholdFacts {
  incidents: readonly ThresholdIncident[];
  vulnerable: boolean;
  hateMotivated: 'yes' | 'no' | 'not_sure';
  /** The day the application is made, ISO, in England and Wales. */
  today: string;
}

export type ThresholdRule = 'standard' | 'vulnerable' | 'hate_incident' | 'not_met';

export interface ThresholdResult {
  met: boolean;
  /** Which rule was met, or `not_met`. */
  rule: ThresholdRule;
  qualifying: number;
  /** Complaints the applicant's circumstances needed (the lowest applicable number). */
  needed: number;
}

/**
 * Whether an application appears to meet the partnership's threshold. A complaint qualifies when
 * the incident was reported to at least one agency and happened within the period before the
 * application (not in the future). Staff make the real decision; this is what the form tells
 * the applicant, and what the queue shows first.
 */
export function assessThreshold(rules: ThresholdRules, facts: ThresholdFacts): ThresholdResult {
  const earliest = monthsBefore(facts.today, rules.periodMonths);
  const qualifying = facts.incidents.filter(
    (incident) => incident.occurredOn >= earliest && incident.occurredOn <= facts.today && wasReported(incident),
  ).length;
  const vulnerableApplies = facts.vulnerable && rules.vulnerableComplaints !== null;
  const needed = vulnerableApplies ? Math.min(rules.complaints, rules.vulnerableComplaints!) : rules.complaints;
  if (qualifying >= rules.complaints) return { met: true, rule: 'standard', qualifying, needed };
  if (vulnerableApplies && qualifying >= rules.vulnerableComplaints!) return { met: true, rule: 'vulnerable', qualifying, needed };
  if (rules.singleHateIncident && facts.hateMotivated === 'yes' && qualifying >= 1) return { met: true, rule: 'hate_incident', qualifying, needed: 1 };
  return { met: false, rule: 'not_met', qualifying, needed };
}

function wasReported(incident: ThresholdIncident): boolean {
  return incident.reportedTo.some((agency) => agency !== 'not_reported');
}

/** The same day `months` calendar months earlier; the 31st falls back to the month's last day. */
export function monthsBefore(isoDate: string, months: number): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(year, month - 1 - months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}
