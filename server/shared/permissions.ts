/**
 * Roles and permissions, in one place. A route declares the permission it needs; a module's
 * policy then decides about the individual record. `personalData` marks permissions that reveal
 * personal data: any role holding one must use a second factor. `apiScope` marks permissions an
 * organisation may grant to an API key.
 */
export const permissionDefinitions = {
  'partnership:manage': { personalData: false, apiScope: false },
  'organisation:view': { personalData: false, apiScope: true },
  'organisation:manage': { personalData: false, apiScope: false },
  'user:manage': { personalData: true, apiScope: false },
  'user:manage_any_organisation': { personalData: true, apiScope: false },
  'api_key:manage': { personalData: false, apiScope: false },
  'api_key:manage_any_organisation': { personalData: false, apiScope: false },
  'outbox:view': { personalData: true, apiScope: false },
  'audit:view': { personalData: true, apiScope: false },
  'case:view': { personalData: true, apiScope: true },
  'case:edit': { personalData: true, apiScope: true },
  'case:manage': { personalData: true, apiScope: false },
  'case:create': { personalData: true, apiScope: false },
  'case:export': { personalData: true, apiScope: false },
  'case:break_glass': { personalData: true, apiScope: false },
  'break_glass:review': { personalData: true, apiScope: false },
  'case_settings:manage': { personalData: false, apiScope: false },
  'case_review:manage': { personalData: true, apiScope: false },
  'person:view': { personalData: true, apiScope: true },
  'incident:view': { personalData: true, apiScope: true },
  'incident:write': { personalData: true, apiScope: true },
  'analytics:view': { personalData: false, apiScope: true },
  'governance:view': { personalData: false, apiScope: true },
  'governance:manage': { personalData: false, apiScope: false },
  'agreement:sign': { personalData: false, apiScope: false },
  'referral:create': { personalData: true, apiScope: false },
  'referral:receive': { personalData: true, apiScope: false },
  'referral:view': { personalData: true, apiScope: false },
  'pathway:manage': { personalData: false, apiScope: false },
  'sharing_agreement:manage': { personalData: false, apiScope: false },
  'sharing_agreement:sign': { personalData: false, apiScope: false },
  'meeting:manage': { personalData: true, apiScope: false },
  'meeting:attend': { personalData: true, apiScope: false },
  // Problem-solving records are about places and patterns; linked cases show only through case:view and need-to-know.
  'problem:view': { personalData: false, apiScope: false },
  'problem:manage': { personalData: false, apiScope: false },
  'alert:view': { personalData: true, apiScope: false },
  'alert:triage': { personalData: true, apiScope: false },
  'alert:statistics': { personalData: false, apiScope: false },
  'alert_rules:manage': { personalData: false, apiScope: false },
  // Linking one agency's record of a person to another's shows both side by side.
  'linkage:review': { personalData: true, apiScope: false },
  'retention:manage': { personalData: false, apiScope: false },
  'retention:approve': { personalData: true, apiScope: false },
  'subject_access:manage': { personalData: true, apiScope: false },
  'access_review:view': { personalData: true, apiScope: false },
} as const satisfies Record<string, { personalData: boolean; apiScope: boolean }>;

export type Permission = keyof typeof permissionDefinitions;
export const allPermissions = Object.keys(permissionDefinitions) as Permission[];
export const apiScopes = allPermissions.filter((permission) => permissionDefinitions[permission].apiScope);

export const roles = [
  'partnership_admin',
  'organisation_admin',
  'case_manager',
  'case_worker',
  'analyst',
  'read_only_partner',
  'data_protection_officer',
] as const;
export type Role = (typeof roles)[number];

export const rolePermissions: Record<Role, readonly Permission[]> = {
  partnership_admin: [
    'partnership:manage', 'organisation:view', 'organisation:manage', 'user:manage',
    'user:manage_any_organisation', 'api_key:manage', 'api_key:manage_any_organisation',
    'outbox:view', 'audit:view', 'analytics:view', 'governance:view', 'break_glass:review', 'case_settings:manage',
    'case_review:manage', 'pathway:manage', 'alert_rules:manage', 'alert:statistics', 'problem:view', 'problem:manage',
    'sharing_agreement:manage', 'sharing_agreement:sign', 'meeting:manage', 'meeting:attend',
    'governance:manage', 'agreement:sign', 'retention:manage',
  ],
  organisation_admin: ['organisation:view', 'incident:write', 'user:manage', 'api_key:manage', 'outbox:view', 'governance:view', 'sharing_agreement:sign', 'agreement:sign'],
  case_manager: [
    'organisation:view', 'case:view', 'case:edit', 'case:manage', 'case:create', 'case:export', 'case:break_glass',
    'person:view', 'incident:view', 'incident:write', 'analytics:view', 'governance:view', 'case_review:manage',
    'referral:create', 'referral:receive', 'referral:view', 'alert:view', 'alert:triage', 'alert:statistics', 'problem:view', 'problem:manage',
    'meeting:manage', 'meeting:attend', 'linkage:review',
  ],
  case_worker: [
    'organisation:view', 'case:view', 'case:edit', 'case:create', 'person:view', 'incident:view', 'incident:write', 'governance:view',
    'referral:create', 'referral:receive', 'referral:view', 'alert:view', 'alert:triage', 'problem:view',
    'meeting:attend',
  ],
  analyst: ['organisation:view', 'incident:view', 'analytics:view', 'governance:view', 'alert:statistics', 'problem:view', 'problem:manage'],
  read_only_partner: ['organisation:view', 'analytics:view', 'governance:view'],
  data_protection_officer: [
    'organisation:view', 'governance:view', 'audit:view', 'break_glass:review',
    'retention:manage', 'retention:approve', 'subject_access:manage', 'access_review:view',
  ],
};

/** Who may reach a route: anyone, any signed-in user, or holders of a named permission. */
export type Access = 'public' | 'signed-in' | Permission;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export function hasPermission(role: Role, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

export function roleRequiresMfa(role: Role): boolean {
  return rolePermissions[role].some((permission) => permissionDefinitions[permission].personalData);
}

/** The roles an administrator holding `actorRole` may give to someone. */
export function assignableRoles(actorRole: Role): Role[] {
  if (hasPermission(actorRole, 'user:manage_any_organisation')) return [...roles];
  if (hasPermission(actorRole, 'user:manage')) return roles.filter((role) => role !== 'partnership_admin');
  return [];
}
