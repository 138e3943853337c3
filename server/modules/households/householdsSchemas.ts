import { z } from 'zod';

/** How a member is related to the person the household was set up for. */
export const householdRelationships = ['partner', 'parent', 'child', 'sibling', 'other_relative', 'other_adult', 'lodger'] as const;
export type HouseholdRelationship = (typeof householdRelationships)[number];

export const newHouseholdSchema = z.object({
  name: z.string({ error: 'households.errors.nameMissing' }).trim().min(1, 'households.errors.nameMissing').max(100, 'households.errors.nameTooLong'),
  // "none" is the radio for a household without a known address.
  locationId: z
    .string()
    .optional()
    .transform((value) => (value && value !== 'none' ? value : null)),
});
export type NewHouseholdInput = z.output<typeof newHouseholdSchema>;

export const addMemberSchema = z.object({
  memberId: z.string({ error: 'households.errors.personMissing' }).trim().min(1, 'households.errors.personMissing'),
  relationship: z.enum(householdRelationships, { error: 'households.errors.relationshipMissing' }),
});
export type AddMemberInput = z.output<typeof addMemberSchema>;
