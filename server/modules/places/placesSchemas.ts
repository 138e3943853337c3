import { z } from 'zod';
import { optionalText } from '../../shared/forms.ts';
import { normalisePostcode } from './postcodes.ts';

export const locationTypes = [
  'dwelling', 'street', 'park', 'shop', 'licensed_premises', 'transport', 'school', 'open_space', 'business', 'other',
] as const;

const optionalNumber = (min: number, max: number, message: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, context) => {
      if (!value) return null;
      const number = Number(value);
      if (!Number.isFinite(number) || number < min || number > max) {
        context.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return number;
    });

export const locationSchema = z
  .object({
    addressLine1: z.string({ error: 'places.errors.addressMissing' }).trim().min(1, 'places.errors.addressMissing').max(200, 'places.errors.addressTooLong'),
    addressLine2: optionalText(200, 'places.errors.addressTooLong'),
    town: optionalText(100, 'places.errors.townTooLong'),
    postcode: z
      .string()
      .trim()
      .optional()
      .transform((value, context) => {
        if (!value) return null;
        const postcode = normalisePostcode(value);
        if (!postcode) {
          context.addIssue({ code: 'custom', message: 'places.errors.postcodeFormat' });
          return z.NEVER;
        }
        return postcode;
      }),
    uprn: z
      .string()
      .trim()
      .optional()
      .transform((value) => (value ? value : null))
      .pipe(z.string().regex(/^[0-9]{1,12}$/, 'places.errors.uprnFormat').nullable()),
    latitude: optionalNumber(49, 61, 'places.errors.latitudeRange'),
    longitude: optionalNumber(-9, 2.5, 'places.errors.longitudeRange'),
    locationType: z.enum(locationTypes, { error: 'places.errors.typeMissing' }),
    area: optionalText(100, 'places.errors.areaTooLong'),
  })
  .superRefine((value, context) => {
    if ((value.latitude === null) !== (value.longitude === null)) {
      context.addIssue({ code: 'custom', path: [value.latitude === null ? 'latitude' : 'longitude'], message: 'places.errors.coordinatesPair' });
    }
  });

export type LocationInput = z.output<typeof locationSchema>;
