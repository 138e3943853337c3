import { z } from 'zod';
import { emailField } from '../server/modules/auth/authSchemas.ts';
import { type OrganisationType, organisationTypes } from '../server/modules/organisations/organisationTypes.ts';
import { OutboxRepository } from '../server/modules/outbox/outboxRepository.ts';
import { partnershipSchema } from '../server/modules/partnership/partnershipSchemas.ts';
import { UsersRepository } from '../server/modules/users/usersRepository.ts';
import type { Services } from '../server/services.ts';
import { type Actor, systemActor } from '../server/shared/actor.ts';
import { translatorFor } from '../server/shared/i18n/index.ts';
import { paths } from '../server/shared/paths.ts';
import { CliError } from './operatorContext.ts';

export interface CreateAdminOptions {
  email: string;
  name: string;
  organisation?: string | undefined;
  organisationType: string;
  partnershipName: string;
  partnershipArea: string;
  logoText?: string | undefined;
}

export interface CreatedAdmin {
  userId: string;
  email: string;
  organisationName: string;
  inviteLink: string;
}

const adminSchema = z.object({
  email: emailField,
  name: z.string().trim().min(1, 'users.errors.nameMissing').max(150, 'users.errors.nameTooLong'),
  organisationType: z.enum(organisationTypes),
});

/**
 * The first partnership administrator of a new installation (or a replacement when nobody can
 * sign in): the partnership and their organisation when missing, the account without a password,
 * and an invitation whose link is returned so an operator without e-mail can pass it on.
 */
export async function createAdmin(services: Services, options: CreateAdminOptions): Promise<CreatedAdmin> {
  const input = parse(adminSchema, options);
  const users = new UsersRepository(services.db);
  if (await users.findByEmail(input.email)) {
    throw new CliError(`There is already an account with the email address ${input.email}. Nothing was changed.`);
  }
  const actor = systemActor('cli');
  const partnershipName = await ensurePartnership(services, options, actor);
  const organisation = await ensureOrganisation(services, options.organisation?.trim() || partnershipName, input.organisationType, actor);
  const outbox = new OutboxRepository(services.db);
  return services.audit.run(actor, async (trx, audit) => {
    const user = await users.create(trx, { email: input.email, name: input.name, role: 'partnership_admin', organisation_id: organisation.id, password_hash: null });
    audit({ action: 'ADMIN_CREATED_FROM_CLI', recordType: 'user', recordId: user.id, details: { role: user.role, organisationId: organisation.id } });
    await services.auth.sendAccountLink(trx, user, 'invite', null);
    audit({ action: 'INVITE_SENT', recordType: 'user', recordId: user.id });
    const message = await outbox.latestTo(trx, user.email);
    return { userId: user.id, email: user.email, organisationName: organisation.name, inviteLink: inviteLinkIn(message?.body_text ?? '') };
  });
}

async function ensurePartnership(services: Services, options: CreateAdminOptions, actor: Actor): Promise<string> {
  const existing = await services.partnership.details();
  if (existing) return existing.name;
  const details = parse(partnershipSchema, {
    name: options.partnershipName,
    area: options.partnershipArea,
    logoText: options.logoText ?? options.partnershipName.trim().slice(0, 40),
  });
  await services.partnership.update(details, actor);
  return details.name;
}

async function ensureOrganisation(services: Services, name: string, type: OrganisationType, actor: Actor) {
  const existing = (await services.organisations.list()).find((organisation) => organisation.name.toLowerCase() === name.toLowerCase());
  if (existing) return existing;
  return services.organisations.create({ name, type, contactName: null, contactEmail: null, contactPhone: null, active: true }, actor);
}

function inviteLinkIn(body: string): string {
  const marker = paths.auth.acceptInvite.pattern.replace(':token', '');
  const link = body.split(/\s+/).find((word) => word.includes(marker) && URL.canParse(word));
  if (!link) throw new CliError('The invitation was not found in the e-mail outbox.');
  return link;
}

/** Validates with the app's own schemas; their messages are catalogue keys, shown in English. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const t = translatorFor('en');
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${/^[a-z]+\./.test(issue.message) ? t(issue.message) : issue.message}`);
  throw new CliError(`Cannot create the administrator. ${problems.join('; ')}`);
}
