import { z } from 'zod';
import { optionalText } from '../../shared/forms.ts';
import { organisationTypes } from './organisationTypes.ts';

export const organisationSchema = z.object({
  name: z.string({ error: 'organisations.errors.nameMissing' }).trim().min(1, 'organisations.errors.nameMissing').max(150, 'organisations.errors.nameTooLong'),
  type: z.enum(organisationTypes, { error: 'organisations.errors.typeMissing' }),
  contactName: optionalText(150, 'organisations.errors.contactNameTooLong'),
  contactEmail: z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((value) => (value ? value : null))
    .pipe(z.email({ error: 'validation.email.format' }).max(320, 'validation.email.tooLong').nullable()),
  contactPhone: z
    .string()
    .trim()
    .optional()
    .transform((value) => (value ? value : null))
    .pipe(z.string().regex(/^\+?[0-9 ()-]{6,20}$/, 'organisations.errors.contactPhoneFormat').nullable()),
  active: z
    .string()
    .optional()
    .transform((value) => value === 'yes'),
});

export type OrganisationInput = z.output<typeof organisationSchema>;

export const singleSignOnSchema = z
  .object({
    enabled: z.string().optional().transform((value) => value === 'yes'),
    issuer: z
      .string()
      .trim()
      .optional()
      .transform((value) => (value ? value : null))
      .pipe(z.url({ protocol: /^https?$/, error: 'organisations.errors.issuerFormat' }).max(500).nullable()),
    clientId: z
      .string()
      .trim()
      .max(200, 'organisations.errors.clientIdTooLong')
      .optional()
      .transform((value) => (value ? value : null)),
    clientSecret: z
      .string()
      .max(500, 'organisations.errors.clientSecretTooLong')
      .optional()
      .transform((value) => (value ? value : null)),
    satisfiesMfa: z.string().optional().transform((value) => value === 'yes'),
  })
  .superRefine((value, context) => {
    if (!value.enabled) return;
    if (!value.issuer) context.addIssue({ code: 'custom', path: ['issuer'], message: 'organisations.errors.issuerMissing' });
    if (!value.clientId) context.addIssue({ code: 'custom', path: ['clientId'], message: 'organisations.errors.clientIdMissing' });
  });

export type SingleSignOnInput = z.output<typeof singleSignOnSchema>;
