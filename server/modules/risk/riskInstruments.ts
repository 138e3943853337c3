import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { translatorFor } from '../../shared/i18n/index.ts';
import { RiskRepository } from './riskRepository.ts';

/**
 * Risk instruments as versioned data. Each definition is stored (as JSON) in risk_instruments
 * under its code and version, and every assessment points at the version it used, so an old
 * assessment is always read with the questions it was asked. A stored version never changes:
 * changing questions, wording keys or rules means adding a new version here.
 */

export const riskBands = ['standard', 'medium', 'high'] as const;
export type RiskBand = (typeof riskBands)[number];

export const answerTypes = ['yes_no', 'yes_no_not_known', 'number', 'text', 'choice'] as const;
export type AnswerType = (typeof answerTypes)[number];

/** Why an assessment got its band: recorded with it (risk_assessments.band_reason). */
export type BandReason = 'score' | 'critical-question' | 'escalation' | 'professional-judgement';

export interface RiskSection {
  id: string;
  /** i18n key of the section heading. */
  title: string;
}

export interface RiskQuestion {
  id: string;
  section: string;
  /** i18n key of the question as asked. */
  text: string;
  /** i18n key of guidance shown under the question. */
  help?: string;
  type: AnswerType;
  required: boolean;
  /** A "yes" adds one to the score. Scored questions are numbered on the form. */
  scored: boolean;
  /** A "yes" makes the band high whatever the score. */
  critical: boolean;
  /** For `choice`: each value with the i18n key of its label. */
  options?: { value: string; text: string }[];
  /** For `number`: the accepted whole numbers. */
  min?: number;
  max?: number;
}

export interface ScoringRules {
  /** The score is the number of scored questions answered "yes". */
  method: 'count_yes';
  /** Each band from its lowest score, ascending: a score takes the last band it reaches. */
  bands: { band: RiskBand; from: number }[];
  /** The assessor may judge the risk high whatever the score, giving a reason. */
  professionalJudgement: boolean;
  /** A number question whose answer at or above `threshold` makes the band high. */
  escalation?: { question: string; threshold: number };
  /** What a high result should lead to: a MARAC referral for domestic abuse. */
  referral?: 'marac';
}

export interface RiskInstrument {
  code: string;
  version: number;
  /** i18n keys: the instrument's name, when to use it, and its scoring rule in words. */
  name: string;
  guidance: string;
  rule: string;
  sections: RiskSection[];
  questions: RiskQuestion[];
  scoring: ScoringRules;
}

type QuestionOptions = Partial<Pick<RiskQuestion, 'critical' | 'required' | 'options' | 'min' | 'max'>> & { help?: boolean };

/** Builds questions whose wording lives under one catalogue branch, e.g. `risk.dash`. */
function questionsUnder(branch: string) {
  const make = (type: AnswerType, scored: boolean) => (section: string, id: string, options: QuestionOptions = {}): RiskQuestion => {
    const { help, ...rest } = options;
    return {
      id,
      section,
      text: `${branch}.questions.${id}`,
      ...(help ? { help: `${branch}.help.${id}` } : {}),
      type,
      required: type === 'yes_no' || type === 'yes_no_not_known',
      scored,
      critical: false,
      ...rest,
    };
  };
  return {
    yesNo: make('yes_no', true),
    yesNoNotKnown: make('yes_no_not_known', true),
    number: make('number', false),
    text: make('text', false),
    choice: make('choice', false),
    section: (id: string): RiskSection => ({ id, title: `${branch}.sections.${id}` }),
  };
}

const asb = questionsUnder('risk.instruments.asb_risk_matrix');

/**
 * The ASB victim and witness risk assessment matrix: one point per "yes"; 0–5 standard, 6–9
 * medium, 10 or more high; a "yes" to a critical question (thoughts of self-harm or suicide,
 * threats to kill, violence used) makes it high whatever the score.
 */
export const asbRiskMatrix: RiskInstrument = {
  code: 'asb_risk_matrix',
  version: 1,
  name: 'risk.instruments.asb_risk_matrix.name',
  guidance: 'risk.instruments.asb_risk_matrix.guidance',
  rule: 'risk.instruments.asb_risk_matrix.rule',
  sections: [asb.section('vulnerability'), asb.section('harm')],
  questions: [
    asb.yesNo('vulnerability', 'disability_or_illness'),
    asb.yesNo('vulnerability', 'mental_health'),
    asb.yesNo('vulnerability', 'isolated'),
    asb.yesNo('vulnerability', 'previous_victimisation'),
    asb.yesNo('vulnerability', 'age', { help: true }),
    asb.yesNo('vulnerability', 'unsafe_at_home'),
    asb.yesNo('vulnerability', 'sleep_or_health'),
    asb.yesNo('vulnerability', 'children_affected'),
    asb.yesNo('vulnerability', 'self_harm', { critical: true }),
    asb.yesNo('harm', 'threats_of_violence'),
    asb.yesNo('harm', 'threats_to_kill', { critical: true }),
    asb.yesNo('harm', 'violence_used', { critical: true }),
    asb.yesNo('harm', 'targeted_hate', { help: true }),
    asb.yesNo('harm', 'property_damage'),
    asb.yesNo('harm', 'daily_life'),
    asb.yesNo('harm', 'repeat_incidents'),
    asb.yesNo('harm', 'considering_moving'),
  ],
  scoring: {
    method: 'count_yes',
    bands: [
      { band: 'standard', from: 0 },
      { band: 'medium', from: 6 },
      { band: 'high', from: 10 },
    ],
    professionalJudgement: true,
  },
};

const dash = questionsUnder('risk.dash');
const callOuts = () =>
  dash.number('escalation', 'police_call_outs', { help: true, min: 0, max: 999 });

// The 24 questions of the SafeLives Dash risk identification checklist, in its order and sections.
const currentSituation = [
  dash.yesNoNotKnown('current_situation', 'current_injury'),
  dash.yesNoNotKnown('current_situation', 'very_frightened'),
  dash.yesNoNotKnown('current_situation', 'afraid_of_further_violence'),
  dash.yesNoNotKnown('current_situation', 'isolated'),
  dash.yesNoNotKnown('current_situation', 'depressed_or_suicidal'),
  dash.yesNoNotKnown('current_situation', 'separated'),
  dash.yesNoNotKnown('current_situation', 'child_contact_conflict'),
  dash.yesNoNotKnown('current_situation', 'stalking'),
  dash.yesNoNotKnown('current_situation', 'pregnant_or_new_baby'),
];
const abuseHistory = [
  dash.yesNoNotKnown('abuse_history', 'more_often'),
  dash.yesNoNotKnown('abuse_history', 'getting_worse'),
  dash.yesNoNotKnown('abuse_history', 'controlling_or_jealous'),
  dash.yesNoNotKnown('abuse_history', 'weapons'),
  dash.yesNoNotKnown('abuse_history', 'threats_to_kill'),
  dash.yesNoNotKnown('abuse_history', 'strangulation'),
  dash.yesNoNotKnown('abuse_history', 'sexual_abuse'),
];
const abuser = [
  dash.yesNoNotKnown('abuser', 'other_person_threat'),
  dash.yesNoNotKnown('abuser', 'hurt_anyone_else'),
  dash.yesNoNotKnown('abuser', 'animal_abuse'),
  dash.yesNoNotKnown('abuser', 'financial_issues'),
  dash.yesNoNotKnown('abuser', 'drugs_alcohol_mental_health'),
  dash.yesNoNotKnown('abuser', 'suicide_threats'),
  dash.yesNoNotKnown('abuser', 'broken_bail'),
  dash.yesNoNotKnown('abuser', 'criminal_history'),
];

/** 0–9 "yes" standard, 10–13 medium, 14 or more high (the SafeLives MARAC threshold). */
const dashScoring: ScoringRules = {
  method: 'count_yes',
  bands: [
    { band: 'standard', from: 0 },
    { band: 'medium', from: 10 },
    { band: 'high', from: 14 },
  ],
  professionalJudgement: true,
  escalation: { question: 'police_call_outs', threshold: 3 },
  referral: 'marac',
};

/** The SafeLives Dash risk identification checklist (RIC) for agencies other than the police. */
export const safelivesDash: RiskInstrument = {
  code: 'safelives_dash',
  version: 1,
  name: 'risk.instruments.safelives_dash.name',
  guidance: 'risk.instruments.safelives_dash.guidance',
  rule: 'risk.dash.rule',
  sections: [dash.section('current_situation'), dash.section('abuse_history'), dash.section('abuser'), dash.section('escalation')],
  questions: [...currentSituation, ...abuseHistory, ...abuser, callOuts()],
  scoring: dashScoring,
};

/**
 * The police DASH form: the 24 checklist questions plus the three about children and other
 * dependants (27 in all), and the free-text "what are you afraid of?" the police record.
 */
export const policeDash: RiskInstrument = {
  code: 'police_dash',
  version: 1,
  name: 'risk.instruments.police_dash.name',
  guidance: 'risk.instruments.police_dash.guidance',
  rule: 'risk.dash.rule',
  sections: [
    dash.section('current_situation'),
    dash.section('children'),
    dash.section('abuse_history'),
    dash.section('abuser'),
    dash.section('escalation'),
  ],
  questions: [
    ...currentSituation.slice(0, 3),
    dash.text('current_situation', 'afraid_of_details', { help: true }),
    ...currentSituation.slice(3),
    dash.yesNoNotKnown('children', 'other_children_or_dependants'),
    dash.yesNoNotKnown('children', 'hurt_children'),
    dash.yesNoNotKnown('children', 'threatened_children'),
    ...abuseHistory,
    ...abuser,
    callOuts(),
  ],
  scoring: dashScoring,
};

const screening = questionsUnder('risk.instruments.vulnerability_screening');

/**
 * A general vulnerability screen for any case: one point per "yes"; 0–2 standard, 3–5 medium,
 * 6 or more high; self-harm or suicide, and cuckooing, make it high whatever the score, because
 * each needs a safeguarding response at once.
 */
export const vulnerabilityScreening: RiskInstrument = {
  code: 'vulnerability_screening',
  version: 1,
  name: 'risk.instruments.vulnerability_screening.name',
  guidance: 'risk.instruments.vulnerability_screening.guidance',
  rule: 'risk.instruments.vulnerability_screening.rule',
  sections: ['health', 'housing', 'isolation', 'exploitation', 'safeguarding', 'context'].map(screening.section),
  questions: [
    screening.yesNo('health', 'unmet_mental_health_need'),
    screening.yesNo('health', 'substance_use'),
    screening.yesNo('health', 'disability_affects_daily_living'),
    screening.yesNo('housing', 'housing_at_risk'),
    screening.yesNo('housing', 'unsafe_living_conditions', { help: true }),
    screening.yesNo('isolation', 'isolated'),
    screening.yesNo('exploitation', 'cuckooing', { critical: true, help: true }),
    screening.yesNo('exploitation', 'financial_or_criminal_exploitation'),
    screening.yesNo('safeguarding', 'others_at_risk'),
    screening.yesNo('safeguarding', 'self_harm_or_suicide', { critical: true }),
    screening.choice('context', 'concern_raised_by', {
      options: ['self', 'family_or_friend', 'neighbour', 'professional', 'anonymous'].map((value) => ({
        value,
        text: `risk.instruments.vulnerability_screening.options.${value}`,
      })),
    }),
  ],
  scoring: {
    method: 'count_yes',
    bands: [
      { band: 'standard', from: 0 },
      { band: 'medium', from: 3 },
      { band: 'high', from: 6 },
    ],
    professionalJudgement: true,
  },
};

/** Every version of every instrument this release knows; earlier versions stay listed. */
export const riskInstruments: readonly RiskInstrument[] = [asbRiskMatrix, safelivesDash, policeDash, vulnerabilityScreening];

/**
 * Stores each definition at start-up and refuses to start if a stored version differs from the
 * code (someone changed a definition in place instead of adding a version). A newer version
 * retires the older ones for new assessments.
 */
export async function ensureInstruments(db: Kysely<Database>, instruments: readonly RiskInstrument[] = riskInstruments): Promise<void> {
  const repository = new RiskRepository(db);
  const english = translatorFor('en');
  for (const instrument of instruments) {
    const unchanged = await repository.storeInstrument(instrument, english(instrument.name));
    if (!unchanged) {
      throw new Error(`Risk instrument ${instrument.code} version ${instrument.version} differs from the stored definition: add a new version instead`);
    }
  }
  await repository.retireSupersededInstruments();
}
