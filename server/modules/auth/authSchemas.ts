import { z } from 'zod';
import { passwordProblem } from './passwords.ts';

export const emailField = z
  .string({ error: 'validation.email.missing' })
  .trim()
  .toLowerCase()
  .min(1, 'validation.email.missing')
  .max(320, 'validation.email.tooLong')
  .pipe(z.email({ error: 'validation.email.format' }));

export const signInSchema = z.object({
  email: emailField,
  password: z.string({ error: 'validation.password.missingSignIn' }).min(1, 'validation.password.missingSignIn').max(1024, 'validation.password.tooLong'),
  returnTo: z.string().max(2048).optional(),
});

export const codeSchema = z.object({
  code: z
    .string({ error: 'validation.code.missing' })
    .transform((value) => value.replace(/\s+/g, ''))
    .pipe(z.string().min(1, 'validation.code.missing').regex(/^\d{6}$/, 'validation.code.format')),
});

export const recoveryCodeSchema = z.object({
  code: z
    .string({ error: 'validation.recoveryCode.missing' })
    .trim()
    .min(1, 'validation.recoveryCode.missing')
    .regex(/^[a-z0-9]{5}-?[a-z0-9]{5}$/i, 'validation.recoveryCode.format'),
});

export const forgotPasswordSchema = z.object({ email: emailField });

/** A new password typed twice; `email` lets the rules refuse a password built from the address. */
export function newPasswordSchema(email: string | undefined) {
  return z
    .object({
      password: z.string({ error: 'validation.password.missing' }),
      confirmPassword: z.string({ error: 'validation.password.confirmMissing' }),
    })
    .superRefine((value, context) => {
      const problem = passwordProblem(value.password, email);
      if (problem) context.addIssue({ code: 'custom', path: ['password'], message: problem });
      else if (value.confirmPassword.length === 0) {
        context.addIssue({ code: 'custom', path: ['confirmPassword'], message: 'validation.password.confirmMissing' });
      } else if (value.password !== value.confirmPassword) {
        context.addIssue({ code: 'custom', path: ['confirmPassword'], message: 'validation.password.mismatch' });
      }
    });
}

export const changePasswordSchema = (email: string) =>
  z
    .object({ currentPassword: z.string({ error: 'validation.password.currentMissing' }).min(1, 'validation.password.currentMissing') })
    .and(newPasswordSchema(email));
