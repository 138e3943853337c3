import { describe, expect, it } from 'vitest';
import { catalogueKeys, loadCatalogue } from '../../shared/i18n/index.ts';
import { asbRiskMatrix, policeDash, type RiskInstrument, riskInstruments, safelivesDash, vulnerabilityScreening } from './riskInstruments.ts';
import { type Answers, score } from './riskScoring.ts';
import { parseAssessment } from './riskSchemas.ts';

/** "Yes" to the first `count` scored questions (skipping any critical ones), "no" to the rest. */
function yesTo(instrument: RiskInstrument, count: number, extra: Answers = {}): Answers {
  const ordinary = instrument.questions.filter((question) => question.scored && !question.critical);
  const answers: Record<string, boolean> = {};
  for (const question of instrument.questions.filter((candidate) => candidate.scored)) answers[question.id] = false;
  for (const question of ordinary.slice(0, count)) answers[question.id] = true;
  return { ...answers, ...extra };
}

describe('the instruments', () => {
  it('has the SafeLives 24 and the police 27 questions, all scored yes / no / don\'t know', () => {
    const scored = (instrument: RiskInstrument) => instrument.questions.filter((question) => question.scored);
    expect(scored(safelivesDash)).toHaveLength(24);
    expect(scored(policeDash)).toHaveLength(27);
    expect(scored(policeDash).every((question) => question.type === 'yes_no_not_known')).toBe(true);
    expect(policeDash.questions.find((question) => question.id === 'afraid_of_details')?.type).toBe('text');
    expect(scored(asbRiskMatrix).length).toBeGreaterThanOrEqual(16);
    expect(scored(vulnerabilityScreening)).toHaveLength(10);
  });

  it('names every question, section, option and rule with a key in the English catalogue', () => {
    const english = new Set(catalogueKeys(loadCatalogue('en')));
    const keys = riskInstruments.flatMap((instrument) => [
      instrument.name,
      instrument.guidance,
      instrument.rule,
      ...instrument.sections.map((section) => section.title),
      ...instrument.questions.flatMap((question) => [question.text, ...(question.help ? [question.help] : []), ...(question.options ?? []).map((option) => option.text)]),
    ]);
    expect(keys.filter((key) => !english.has(key))).toEqual([]);
  });

  it('gives every question a unique id that cannot clash with the form\'s own fields', () => {
    for (const instrument of riskInstruments) {
      const ids = instrument.questions.map((question) => question.id);
      expect(new Set(ids).size, instrument.code).toBe(ids.length);
      expect(ids.filter((id) => ['personId', 'professionalJudgement', 'professionalJudgementReason', '_csrf'].includes(id))).toEqual([]);
    }
  });
});

describe('scoring the Dash checklist (SafeLives and police)', () => {
  it.each([
    [0, 'standard'],
    [9, 'standard'],
    [10, 'medium'],
    [13, 'medium'],
    [14, 'high'],
    [24, 'high'],
  ])('%i yes → %s', (yes, band) => {
    expect(score(safelivesDash, yesTo(safelivesDash, yes), false, null)).toEqual({ score: yes, band, bandReason: 'score' });
    expect(score(policeDash, yesTo(policeDash, yes), false, null)).toEqual({ score: yes, band, bandReason: 'score' });
  });

  it("does not count \"don't know\"", () => {
    const answers = { ...yesTo(safelivesDash, 13), criminal_history: 'not_known' as const, broken_bail: 'not_known' as const };
    expect(score(safelivesDash, answers, false, null)).toMatchObject({ score: 13, band: 'medium' });
  });

  it('3 yes with 3 police call-outs in 12 months → high by escalation; 2 call-outs → standard', () => {
    expect(score(safelivesDash, yesTo(safelivesDash, 3), false, 3)).toEqual({ score: 3, band: 'high', bandReason: 'escalation' });
    expect(score(policeDash, yesTo(policeDash, 3), false, 5)).toEqual({ score: 3, band: 'high', bandReason: 'escalation' });
    expect(score(safelivesDash, yesTo(safelivesDash, 3), false, 2)).toEqual({ score: 3, band: 'standard', bandReason: 'score' });
  });

  it('2 yes with professional judgement → high', () => {
    expect(score(safelivesDash, yesTo(safelivesDash, 2), true, null)).toEqual({ score: 2, band: 'high', bandReason: 'professional-judgement' });
  });

  it('a score that is high on its own keeps "score" as the reason', () => {
    expect(score(safelivesDash, yesTo(safelivesDash, 15), true, 4)).toEqual({ score: 15, band: 'high', bandReason: 'score' });
  });
});

describe('scoring the ASB risk matrix', () => {
  it.each([
    [0, 'standard'],
    [5, 'standard'],
    [6, 'medium'],
    [9, 'medium'],
    [10, 'high'],
    [14, 'high'],
  ])('%i yes (none critical) → %s', (yes, band) => {
    expect(score(asbRiskMatrix, yesTo(asbRiskMatrix, yes), false, null)).toEqual({ score: yes, band, bandReason: 'score' });
  });

  it.each(['self_harm', 'threats_to_kill', 'violence_used'])('a yes to the critical question %s makes it high whatever the score', (critical) => {
    expect(score(asbRiskMatrix, yesTo(asbRiskMatrix, 0, { [critical]: true }), false, null)).toEqual({ score: 1, band: 'high', bandReason: 'critical-question' });
  });

  it('professional judgement makes it high', () => {
    expect(score(asbRiskMatrix, yesTo(asbRiskMatrix, 4), true, null)).toEqual({ score: 4, band: 'high', bandReason: 'professional-judgement' });
  });

  it('ignores an escalation count it does not define', () => {
    expect(score(asbRiskMatrix, yesTo(asbRiskMatrix, 4), false, 10)).toMatchObject({ band: 'standard' });
  });
});

describe('scoring the vulnerability screening', () => {
  it.each([
    [0, 'standard'],
    [2, 'standard'],
    [3, 'medium'],
    [5, 'medium'],
    [6, 'high'],
  ])('%i yes (none critical) → %s', (yes, band) => {
    expect(score(vulnerabilityScreening, yesTo(vulnerabilityScreening, yes), false, null)).toEqual({ score: yes, band, bandReason: 'score' });
  });

  it('cuckooing, or self-harm or suicide, makes it high', () => {
    expect(score(vulnerabilityScreening, yesTo(vulnerabilityScreening, 0, { cuckooing: true }), false, null)).toMatchObject({ band: 'high', bandReason: 'critical-question' });
    expect(score(vulnerabilityScreening, yesTo(vulnerabilityScreening, 1, { self_harm_or_suicide: true }), false, null)).toMatchObject({ score: 2, band: 'high' });
  });
});

describe('validating a posted assessment', () => {
  const allNo = (instrument: RiskInstrument) =>
    Object.fromEntries(instrument.questions.filter((question) => question.required).map((question) => [question.id, 'no']));

  it('types each answer by its question', () => {
    const parsed = parseAssessment(policeDash, { ...allNo(policeDash), current_injury: 'yes', weapons: 'not_known', police_call_outs: ' 4 ', afraid_of_details: '  That he will come back  ' });
    expect(parsed.ok && parsed.data.answers).toMatchObject({ current_injury: true, very_frightened: false, weapons: 'not_known', police_call_outs: 4, afraid_of_details: 'That he will come back' });
  });

  it('keys a problem by question id: unanswered, not an allowed answer, not a whole number, or judgement without a reason', () => {
    const { current_injury: _omitted, ...rest } = allNo(safelivesDash);
    const parsed = parseAssessment(safelivesDash, { ...rest, weapons: 'maybe', police_call_outs: '2.5', professionalJudgement: 'yes' });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.fieldErrors).toEqual({
      current_injury: 'risk.errors.yesNoNotKnownMissing',
      weapons: 'risk.errors.yesNoNotKnownMissing',
      police_call_outs: 'risk.errors.numberInvalid',
      professionalJudgementReason: 'risk.errors.judgementReasonMissing',
    });
  });

  it('refuses a choice that is not one of the options and leaves optional questions blank', () => {
    const parsed = parseAssessment(vulnerabilityScreening, { ...allNo(vulnerabilityScreening), concern_raised_by: 'someone' });
    expect(!parsed.ok && parsed.fieldErrors).toEqual({ concern_raised_by: 'risk.errors.choiceMissing' });
    const blank = parseAssessment(vulnerabilityScreening, allNo(vulnerabilityScreening));
    expect(blank.ok && blank.data.answers.concern_raised_by).toBeNull();
  });
});
