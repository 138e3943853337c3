import { z } from 'zod';
import { type CalendarDate, londonToday } from '../../shared/dates.ts';
import { withCalendarDates } from '../../shared/forms.ts';
import type { LocationInput } from '../places/placesSchemas.ts';
import { locationSchema } from '../places/placesSchemas.ts';

/** The order of the fields on the "add an address" form, for the error summary. */
export const NEW_ADDRESS_FIELDS = ['addressLine1', 'addressLine2', 'town', 'postcode', 'uprn', 'validFrom', 'validTo', 'replacesCurrent'];
export const NEW_ADDRESS_DATE_FIELDS = ['validFrom', 'validTo'] as const;
export const END_ADDRESS_DATE_FIELDS = ['movedOutOn'] as const;

/** A date someone lived somewhere, as ISO, or null when left blank: a real date, not in the future. */
const pastDate = (field: string) =>
  z.custom<CalendarDate>().transform((date, context) => {
    if (date.kind === 'problem') context.addIssue({ code: 'custom', message: `addresses.errors.${field}.${date.problem}` });
    else if (date.kind === 'date' && date.iso > londonToday()) context.addIssue({ code: 'custom', message: `addresses.errors.${field}.future` });
    return date.kind === 'date' ? date.iso : null;
  });

const { addressLine1, addressLine2, town, postcode, uprn } = locationSchema.shape;

/**
 * A new address for a person: the place (a home, so no map position or area) and when they lived
 * there. No "until" date means it is where they live now.
 */
export const newAddressSchema = z.preprocess(
  withCalendarDates(NEW_ADDRESS_DATE_FIELDS),
  z
    .object({
      addressLine1,
      addressLine2,
      town,
      postcode,
      uprn,
      validFrom: pastDate('validFrom'),
      validTo: pastDate('validTo'),
      replacesCurrent: z
        .string()
        .optional()
        .transform((value) => value === 'yes'),
    })
    .superRefine((value, context) => {
      if (value.validFrom && value.validTo && value.validTo < value.validFrom) {
        context.addIssue({ code: 'custom', path: ['validTo'], message: 'addresses.errors.validTo.beforeFrom' });
      }
      // An address they have already left cannot be the one that replaces where they live now.
      if (value.replacesCurrent && value.validTo) {
        context.addIssue({ code: 'custom', path: ['replacesCurrent'], message: 'addresses.errors.replacesWithEnd' });
      }
    })
    .transform((value) => ({
      location: {
        addressLine1: value.addressLine1,
        addressLine2: value.addressLine2,
        town: value.town,
        postcode: value.postcode,
        uprn: value.uprn,
        latitude: null,
        longitude: null,
        locationType: 'dwelling',
        area: null,
      } satisfies LocationInput,
      validFrom: value.validFrom,
      validTo: value.validTo,
      replacesCurrent: value.replacesCurrent,
    })),
);
export type NewAddressInput = z.output<typeof newAddressSchema>;

/** "Moved out": the day they left, required; whether it is on or after the day they moved in is checked against the address. */
export const endAddressSchema = z.preprocess(
  withCalendarDates(END_ADDRESS_DATE_FIELDS),
  z.object({
    movedOutOn: pastDate('movedOutOn').transform((iso, context) => {
      if (iso === null) context.addIssue({ code: 'custom', message: 'addresses.errors.movedOutOn.missing' });
      return iso ?? '';
    }),
  }),
);
export type EndAddressInput = z.output<typeof endAddressSchema>;
