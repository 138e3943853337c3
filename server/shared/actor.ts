import type { Role } from './permissions.ts';

/** Who is doing something, and from where: written into every audit event. */
export interface Actor {
  userId: string | null;
  /** E-mail of a user, `api-key:<name>` for an API client, or `system` / `cli`. */
  label: string;
  organisationId: string | null;
  role: Role | null;
  ip: string | null;
  requestId: string | null;
}

export function systemActor(label = 'system'): Actor {
  return { userId: null, label, organisationId: null, role: null, ip: null, requestId: null };
}

/**
 * A member of the public acting without an account (an ASB Case Review applicant), named by
 * what identifies them to staff, e.g. `applicant:CR-2026-000123`.
 */
export function publicActor(label: string, from: { ip: string | null; requestId: string | null }): Actor {
  return { userId: null, label, organisationId: null, role: null, ip: from.ip, requestId: from.requestId };
}
