import { z } from 'zod';
import type { FieldErrors } from '../../shared/errors.ts';
import { fieldErrorsFrom } from '../../shared/forms.ts';
import type { AnswerType, RiskInstrument, RiskQuestion } from './riskInstruments.ts';
import type { AnswerValue } from './riskScoring.ts';

export const TEXT_ANSWER_MAX = 2000;

export interface AssessmentInput {
  personId: string | null;
  /** Every question's answer by question id; null when an optional question was left blank. */
  answers: Record<string, AnswerValue>;
  professionalJudgement: boolean;
  professionalJudgementReason: string | null;
}

const MISSING: Record<AnswerType, string> = {
  yes_no: 'risk.errors.yesNoMissing',
  yes_no_not_known: 'risk.errors.yesNoNotKnownMissing',
  number: 'risk.errors.numberMissing',
  text: 'risk.errors.textMissing',
  choice: 'risk.errors.choiceMissing',
};

const INVALID: Record<AnswerType, string> = {
  ...MISSING,
  number: 'risk.errors.numberInvalid',
  text: 'risk.errors.textTooLong',
};

/** One posted field as the typed answer its question expects, or undefined if it is not one. */
export function parseAnswer(question: RiskQuestion, text: string): AnswerValue | undefined {
  switch (question.type) {
    case 'yes_no':
      return text === 'yes' ? true : text === 'no' ? false : undefined;
    case 'yes_no_not_known':
      return text === 'not_known' ? 'not_known' : text === 'yes' ? true : text === 'no' ? false : undefined;
    case 'number': {
      const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
      return value >= (question.min ?? 0) && value <= (question.max ?? Number.MAX_SAFE_INTEGER) ? value : undefined;
    }
    case 'text':
      return text.length <= TEXT_ANSWER_MAX ? text : undefined;
    case 'choice':
      return question.options?.some((option) => option.value === text) ? text : undefined;
  }
}

function answerSchema(question: RiskQuestion) {
  return z.unknown().optional().transform((raw, context): AnswerValue => {
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') {
      if (question.required) context.addIssue({ code: 'custom', message: MISSING[question.type] });
      return null;
    }
    const value = parseAnswer(question, text);
    if (value === undefined) {
      context.addIssue({ code: 'custom', message: INVALID[question.type] });
      return null;
    }
    return value;
  });
}

/** The answers part of the form, built from the instrument's questions: one field per question id. */
export function answersSchema(definition: RiskInstrument) {
  return z.object(Object.fromEntries(definition.questions.map((question) => [question.id, answerSchema(question)])));
}

export const assessmentDetailsSchema = z
  .object({
    personId: z
      .string()
      .optional()
      .transform((value) => (value ? value : null)),
    professionalJudgement: z
      .unknown()
      .optional()
      .transform((value) => value === 'yes'),
    professionalJudgementReason: z
      .string()
      .trim()
      .max(TEXT_ANSWER_MAX, 'risk.errors.judgementReasonTooLong')
      .optional()
      .transform((value) => (value ? value : null)),
  })
  .superRefine((value, context) => {
    if (value.professionalJudgement && !value.professionalJudgementReason) {
      context.addIssue({ code: 'custom', path: ['professionalJudgementReason'], message: 'risk.errors.judgementReasonMissing' });
    }
  });

export type AssessmentParse = { ok: true; data: AssessmentInput } | { ok: false; fieldErrors: FieldErrors };

/** Validates a posted assessment: every required question answered, each answer of its type. */
export function parseAssessment(definition: RiskInstrument, body: unknown): AssessmentParse {
  const form = body && typeof body === 'object' ? body : {};
  const answers = answersSchema(definition).safeParse(form);
  const details = assessmentDetailsSchema.safeParse(form);
  if (answers.success && details.success) {
    const { professionalJudgement, professionalJudgementReason, personId } = details.data;
    return {
      ok: true,
      data: {
        personId,
        answers: answers.data,
        professionalJudgement,
        professionalJudgementReason: professionalJudgement ? professionalJudgementReason : null,
      },
    };
  }
  return {
    ok: false,
    fieldErrors: { ...(answers.success ? {} : fieldErrorsFrom(answers.error)), ...(details.success ? {} : fieldErrorsFrom(details.error)) },
  };
}
