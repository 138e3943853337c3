import { z } from 'zod';
import { roles } from '../../shared/permissions.ts';
import { emailField } from '../auth/authSchemas.ts';

export const userSchema = z.object({
  name: z.string({ error: 'users.errors.nameMissing' }).trim().min(1, 'users.errors.nameMissing').max(150, 'users.errors.nameTooLong'),
  email: emailField,
  organisationId: z.string({ error: 'users.errors.organisationMissing' }).min(1, 'users.errors.organisationMissing'),
  role: z.enum(roles, { error: 'users.errors.roleMissing' }),
});

export type UserInput = z.output<typeof userSchema>;

export const userListQuerySchema = z.object({
  organisationId: z.string().optional().transform((value) => value || undefined),
  role: z.enum(roles).optional().catch(undefined),
  status: z.enum(['active', 'disabled']).optional().catch(undefined),
  search: z.string().trim().max(200).optional().transform((value) => value || undefined),
});

export const userStatusSchema = z.object({ disabled: z.enum(['true', 'false']).transform((value) => value === 'true') });
