import { z } from 'zod';
import type { CalendarDate } from '../../shared/dates.ts';
import { asArray, optionalId, optionalText, withCalendarDates } from '../../shared/forms.ts';
import { problemStages } from './problemWorkflow.ts';

/** A number typed into a text box, or null when left empty; out of range is the field's error. */
const optionalNumber = (min: number, max: number, message: string) =>
  z
    .unknown()
    .transform((value) => (typeof value === 'string' ? value.trim() : ''))
    .transform((text, context) => {
      if (text === '') return null;
      const number = Number(text);
      if (!Number.isFinite(number) || number < min || number > max) {
        context.addIssue({ code: 'custom', message });
        return null;
      }
      return number;
    });

const latitude = optionalNumber(49.8, 60.9, 'problems.errors.latitude');
const longitude = optionalNumber(-8.7, 1.8, 'problems.errors.longitude');
const radius = optionalNumber(25, 20000, 'problems.errors.radius');

const categoryCodes = z.preprocess(asArray, z.array(z.string().regex(/^[a-z][a-z0-9_]{1,59}$/)).max(30));

const title = z.string({ error: 'problems.errors.titleMissing' }).trim().min(1, 'problems.errors.titleMissing').max(200, 'problems.errors.titleTooLong');

// A form without its version cannot prove it saw the latest save: it is treated as stale.
const version = z.coerce.number().int().catch(0);

type Circle = { latitude: number | null; longitude: number | null; radius: number | null };

/** A circle is all three of its boxes or none: a partly typed one names the first empty box. */
function checkCircle(prefix: 'target' | 'comparison', circle: Circle, context: z.RefinementCtx) {
  const given = [circle.latitude, circle.longitude, circle.radius].filter((value) => value !== null).length;
  if (given === 0 || given === 3) return;
  const missing = circle.latitude === null ? 'Latitude' : circle.longitude === null ? 'Longitude' : 'Radius';
  context.addIssue({ code: 'custom', path: [`${prefix}${missing}`], message: 'problems.errors.areaIncomplete' });
}

export const newProblemSchema = z
  .object({
    title,
    leadOrganisationId: z.string({ error: 'problems.errors.leadOrganisationMissing' }).min(1, 'problems.errors.leadOrganisationMissing'),
    ownerUserId: optionalId,
    categoryCodes,
    targetLatitude: latitude,
    targetLongitude: longitude,
    targetRadius: radius,
    h3Cell: z.string().regex(/^[0-9a-f]{15}$/).optional().catch(undefined),
    savedAnalysisId: optionalId,
  })
  .superRefine((value, context) => checkCircle('target', { latitude: value.targetLatitude, longitude: value.targetLongitude, radius: value.targetRadius }, context));

export type NewProblemInput = z.output<typeof newProblemSchema>;

/** What /problems/new may be opened with, e.g. from a hotspot cell: all optional, bad values ignored. */
export const prefillQuerySchema = z.object({
  h3: z.string().regex(/^[0-9a-f]{15}$/).optional().catch(undefined),
  lat: z.coerce.number().min(49.8).max(60.9).optional().catch(undefined),
  lng: z.coerce.number().min(-8.7).max(1.8).optional().catch(undefined),
  radius: z.coerce.number().int().min(25).max(20000).optional().catch(undefined),
  category: z.preprocess(asArray, z.array(z.string().regex(/^[a-z][a-z0-9_]{1,59}$/))).catch([]),
  analysis: z.uuid().optional().catch(undefined),
  title: z.string().trim().max(200).optional().catch(undefined),
});

export type PrefillQuery = z.output<typeof prefillQuerySchema>;

export const objectiveSchema = z.object({
  objective: optionalText(2000, 'problems.errors.textTooLong'),
  objectiveMeasure: optionalText(2000, 'problems.errors.textTooLong'),
  version,
});

export type ObjectiveInput = z.output<typeof objectiveSchema>;

export const scanningSchema = z
  .object({
    scanningSummary: optionalText(4000, 'problems.errors.textTooLong'),
    categoryCodes,
    targetLatitude: latitude,
    targetLongitude: longitude,
    targetRadius: radius,
    comparisonLatitude: latitude,
    comparisonLongitude: longitude,
    comparisonRadius: radius,
    bufferWidth: radius,
    version,
  })
  .superRefine((value, context) => {
    checkCircle('target', { latitude: value.targetLatitude, longitude: value.targetLongitude, radius: value.targetRadius }, context);
    checkCircle('comparison', { latitude: value.comparisonLatitude, longitude: value.comparisonLongitude, radius: value.comparisonRadius }, context);
  });

export type ScanningInput = z.output<typeof scanningSchema>;

export const triangleFields = ['victim', 'guardian', 'offender', 'handler', 'location', 'manager'] as const;

export const analysisSchema = z.object({
  analysisSummary: optionalText(4000, 'problems.errors.textTooLong'),
  victim: optionalText(2000, 'problems.errors.textTooLong'),
  guardian: optionalText(2000, 'problems.errors.textTooLong'),
  offender: optionalText(2000, 'problems.errors.textTooLong'),
  handler: optionalText(2000, 'problems.errors.textTooLong'),
  location: optionalText(2000, 'problems.errors.textTooLong'),
  manager: optionalText(2000, 'problems.errors.textTooLong'),
  version,
});

export type AnalysisInput = z.output<typeof analysisSchema>;

export const evidenceKinds = ['saved_analysis', 'incident_count', 'document', 'note'] as const;

export const evidenceSchema = z.object({
  kind: z.enum(evidenceKinds, { error: 'problems.errors.evidenceKindMissing' }),
  label: z.string({ error: 'problems.errors.evidenceLabelMissing' }).trim().min(1, 'problems.errors.evidenceLabelMissing').max(300, 'problems.errors.textTooLong'),
  // Only web addresses and the app's own pages: never javascript: or data: links.
  url: optionalText(1000, 'problems.errors.textTooLong').refine((value) => value === null || /^(https?:\/\/|\/(?![/\\]))/.test(value), 'problems.errors.evidenceUrl'),
  count: optionalNumber(0, 10_000_000, 'problems.errors.evidenceCount'),
});

export type EvidenceInput = z.output<typeof evidenceSchema>;

export const linkCaseSchema = z.object({
  reference: z.string({ error: 'problems.errors.caseReferenceMissing' }).trim().toUpperCase().min(1, 'problems.errors.caseReferenceMissing').max(40, 'problems.errors.caseNotFound'),
});

export const transitionSchema = z.object({
  to: z.enum(problemStages, { error: 'problems.errors.stageMissing' }),
  reason: optionalText(1000, 'problems.errors.textTooLong'),
});

export type TransitionInput = z.output<typeof transitionSchema>;

const requiredDate = (field: string) =>
  z.custom<CalendarDate>().transform((date, context) => {
    if (date.kind === 'date') return date.iso;
    context.addIssue({ code: 'custom', message: date.kind === 'blank' ? 'problems.errors.dateMissing' : `problems.errors.date.${date.problem}` });
    return '';
  });

export const assessmentSchema = z.preprocess(
  withCalendarDates(['beforeStart', 'beforeEnd', 'afterStart', 'afterEnd']),
  z.object({
    beforeStart: requiredDate('beforeStart'),
    beforeEnd: requiredDate('beforeEnd'),
    afterStart: requiredDate('afterStart'),
    afterEnd: requiredDate('afterEnd'),
    conclusion: optionalText(4000, 'problems.errors.textTooLong'),
  }),
);

export type AssessmentInput = z.output<typeof assessmentSchema>;

export const listQuerySchema = z.object({
  stage: z.enum(problemStages).optional().catch(undefined),
  owner: z.enum(['mine', 'anyone']).catch('anyone'),
});

export type ListQuery = z.output<typeof listQuerySchema>;
