import type { FieldErrors } from '../../shared/errors.ts';
import type { FormErrors, FormValues } from '../../shared/forms.ts';
import type { Translate } from '../../shared/i18n/index.ts';
import type { RiskInstrument, RiskQuestion } from './riskInstruments.ts';
import type { AnswerValue } from './riskScoring.ts';
import { TEXT_ANSWER_MAX } from './riskSchemas.ts';

/** Scored questions carry their number on the form, as on the paper versions (DASH 1 to 27). */
function questionNumbers(instrument: RiskInstrument): Map<string, number> {
  return new Map(instrument.questions.filter((question) => question.scored).map((question, index) => [question.id, index + 1]));
}

function plainLabel(question: RiskQuestion, number: number | undefined, t: Translate): string {
  return number === undefined ? t(question.text) : t('risk.form.numberedQuestion', { number, question: t(question.text) });
}

function questionLabel(question: RiskQuestion, number: number | undefined, t: Translate): string {
  const text = plainLabel(question, number, t);
  return question.required ? text : t('risk.form.optional', { question: text });
}

/** How an error names its question: by number when it has one, else by its words. */
function questionReference(question: RiskQuestion, number: number | undefined, t: Translate): string {
  return number === undefined ? t(question.text) : t('risk.form.questionNumber', { number });
}

function hintFor(question: RiskQuestion, t: Translate) {
  const parts = [question.critical ? t('risk.form.critical') : '', question.help ? t(question.help) : ''].filter(Boolean);
  return parts.length > 0 ? { text: parts.join(' ') } : undefined;
}

function radioItems(question: RiskQuestion, value: unknown, t: Translate) {
  const choices =
    question.type === 'choice'
      ? (question.options ?? []).map((option) => ({ value: option.value, text: t(option.text) }))
      : [
          { value: 'yes', text: t('risk.answers.yes') },
          { value: 'no', text: t('risk.answers.no') },
          ...(question.type === 'yes_no_not_known' ? [{ value: 'not_known', text: t('risk.answers.notKnown') }] : []),
        ];
  return choices.map((choice) => ({ ...choice, checked: choice.value === value }));
}

/** The GOV.UK component and its parameters for one question, with what was typed and any error. */
function questionField(question: RiskQuestion, number: number | undefined, values: FormValues, errors: FormErrors | undefined, t: Translate) {
  const label = questionLabel(question, number, t);
  const value = typeof values[question.id] === 'string' ? values[question.id] : '';
  const common = { hint: hintFor(question, t), errorMessage: errors?.fields[question.id] };
  if (question.type === 'number') {
    return { kind: 'input', params: { ...common, id: question.id, name: question.id, label: { text: label, classes: 'govuk-label--s' }, value, inputmode: 'numeric', spellcheck: false, classes: 'govuk-input--width-4' } };
  }
  if (question.type === 'text') {
    return { kind: 'textarea', params: { ...common, id: question.id, name: question.id, label: { text: label, classes: 'govuk-label--s' }, value, rows: 3 } };
  }
  return {
    kind: 'radios',
    params: {
      ...common,
      idPrefix: question.id,
      name: question.id,
      classes: question.type === 'choice' ? 'govuk-radios--small' : 'govuk-radios--small govuk-radios--inline',
      fieldset: { legend: { text: label, classes: 'govuk-fieldset__legend--s' } },
      items: radioItems(question, value, t),
    },
  };
}

/** The form's questions grouped under their section headings. */
export function assessmentForm(instrument: RiskInstrument, values: FormValues, errors: FormErrors | undefined, t: Translate) {
  const numbers = questionNumbers(instrument);
  return instrument.sections
    .map((section) => ({
      title: t(section.title),
      fields: instrument.questions.filter((question) => question.section === section.id).map((question) => questionField(question, numbers.get(question.id), values, errors, t)),
    }))
    .filter((section) => section.fields.length > 0);
}

/** The error summary in the order of the form, each linking to its question's first input. */
export function assessmentErrors(instrument: RiskInstrument, fieldErrors: FieldErrors, t: Translate): FormErrors {
  const numbers = questionNumbers(instrument);
  const order = ['personId', ...instrument.questions.map((question) => question.id), 'professionalJudgementReason'];
  const fields: FormErrors['fields'] = {};
  const list: FormErrors['list'] = [];
  for (const field of [...order, ...Object.keys(fieldErrors).filter((key) => !order.includes(key))]) {
    const key = fieldErrors[field];
    if (!key) continue;
    const question = instrument.questions.find((candidate) => candidate.id === field);
    const text = question
      ? t(key, { question: questionReference(question, numbers.get(question.id), t), min: question.min ?? 0, max: question.max ?? TEXT_ANSWER_MAX })
      : t(key);
    fields[field] = { text };
    list.push({ text, href: `#${field}` });
  }
  return { list, fields };
}

function answerText(question: RiskQuestion, value: AnswerValue, t: Translate): string {
  if (value === null) return t('risk.answers.notAnswered');
  if (value === true) return t('risk.answers.yes');
  if (value === false) return t('risk.answers.no');
  if (value === 'not_known' && question.type === 'yes_no_not_known') return t('risk.answers.notKnown');
  const option = question.options?.find((candidate) => candidate.value === value);
  return option ? t(option.text) : String(value);
}

/** A completed assessment's answers as summary lists, one per section. */
export function answerSections(instrument: RiskInstrument, answers: Record<string, AnswerValue>, t: Translate) {
  const numbers = questionNumbers(instrument);
  return instrument.sections
    .map((section) => ({
      title: t(section.title),
      rows: instrument.questions
        .filter((question) => question.section === section.id)
        .map((question) => ({
          key: { text: plainLabel(question, numbers.get(question.id), t) },
          value: { text: answerText(question, answers[question.id] ?? null, t) },
        })),
    }))
    .filter((section) => section.rows.length > 0);
}

