import { describe, expect, it } from 'vitest';
import { nextPath } from './caseReviewJourney.ts';
import { assessThreshold, DEFAULT_THRESHOLD_RULES, monthsBefore, type ThresholdFacts } from './caseReviewThreshold.ts';

const today = '2026-11-30';
const reported = (occurredOn: string, reportedTo: string[] = ['council']) => ({ occurredOn, reportedTo });
const facts = (incidents: ThresholdFacts['incidents'], extra: Partial<ThresholdFacts> = {}): ThresholdFacts => ({
  incidents,
  vulnerable: false,
  hateMotivated: 'no',
  today,
  ...extra,
});

describe('the ASB Case Review threshold', () => {
  it('is met by three reported incidents about the same problem in the last six months', () => {
    const result = assessThreshold(DEFAULT_THRESHOLD_RULES, facts([reported('2026-11-01'), reported('2026-09-10', ['police']), reported('2026-06-01', ['housing_provider', 'council'])]));
    expect(result).toEqual({ met: true, rule: 'standard', qualifying: 3, needed: 3 });
  });

  it('is not met by two', () => {
    const result = assessThreshold(DEFAULT_THRESHOLD_RULES, facts([reported('2026-11-01'), reported('2026-10-01')]));
    expect(result).toEqual({ met: false, rule: 'not_met', qualifying: 2, needed: 3 });
  });

  it('does not count incidents older than six months, nor ones never reported to an agency', () => {
    const result = assessThreshold(
      DEFAULT_THRESHOLD_RULES,
      facts([reported('2026-11-01'), reported('2026-10-01'), reported('2026-05-29'), reported('2026-11-20', ['not_reported'])]),
    );
    expect(result.qualifying).toBe(2);
    expect(result.met).toBe(false);
    // Exactly six months back still counts.
    expect(assessThreshold(DEFAULT_THRESHOLD_RULES, facts([reported('2026-11-01'), reported('2026-10-01'), reported('2026-05-30')])).met).toBe(true);
  });

  it('does not count a date in the future', () => {
    expect(assessThreshold(DEFAULT_THRESHOLD_RULES, facts([reported('2026-11-01'), reported('2026-10-01'), reported('2026-12-01')])).qualifying).toBe(2);
  });

  it('uses the lower number for a vulnerable person only where the partnership adopted it', () => {
    const two = [reported('2026-11-01'), reported('2026-10-01')];
    expect(assessThreshold(DEFAULT_THRESHOLD_RULES, facts(two, { vulnerable: true })).met).toBe(false);
    const local = { ...DEFAULT_THRESHOLD_RULES, vulnerableComplaints: 2 };
    expect(assessThreshold(local, facts(two, { vulnerable: true }))).toEqual({ met: true, rule: 'vulnerable', qualifying: 2, needed: 2 });
    expect(assessThreshold(local, facts(two, { vulnerable: false })).met).toBe(false);
  });

  it('is met by a single reported hate-motivated incident where the partnership adopted that variant', () => {
    const one = [reported('2026-11-01', ['police'])];
    expect(assessThreshold(DEFAULT_THRESHOLD_RULES, facts(one, { hateMotivated: 'yes' })).met).toBe(false);
    const local = { ...DEFAULT_THRESHOLD_RULES, singleHateIncident: true };
    expect(assessThreshold(local, facts(one, { hateMotivated: 'yes' }))).toEqual({ met: true, rule: 'hate_incident', qualifying: 1, needed: 1 });
    expect(assessThreshold(local, facts(one, { hateMotivated: 'not_sure' })).met).toBe(false);
    expect(assessThreshold(local, facts([reported('2026-11-01', ['not_reported'])], { hateMotivated: 'yes' })).met).toBe(false);
  });

  it('counts calendar months back, falling back to the last day of a shorter month', () => {
    expect(monthsBefore('2026-08-31', 6)).toBe('2026-02-28');
    expect(monthsBefore('2028-08-31', 6)).toBe('2028-02-29');
    expect(monthsBefore('2026-03-15', 6)).toBe('2025-09-15');
  });
});

describe('the order of the public form', () => {
  it('asks about the person affected only when applying for someone else, and returns to "check your answers" once seen', () => {
    expect(nextPath('applicantName', { applyingFor: 'self' })).toBe('/asb-case-review/contact-details');
    expect(nextPath('applicantName', { applyingFor: 'someone_else' })).toBe('/asb-case-review/person-affected');
    expect(nextPath('location', { applyingFor: 'self' })).toBe('/asb-case-review/incidents/1');
    const complete = {
      applyingFor: 'self' as const, applicantName: 'A', email: 'a@example.org', problemDescription: 'P', problemLocation: 'L',
      incidents: [{ occurredOn: '2026-11-01', reportedTo: ['council' as const], agencyReferences: null, description: 'D' }],
      impact: 'I', vulnerable: 'no' as const, hateMotivated: 'no' as const, checked: true,
    };
    expect(nextPath('impact', complete)).toBe('/asb-case-review/check-answers');
    expect(nextPath('applyingFor', { ...complete, applyingFor: 'someone_else' })).toBe('/asb-case-review/person-affected');
  });
});
