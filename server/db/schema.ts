import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Table types for Kysely. They mirror server/db/migrations/*.sql and must change with them. */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface PartnershipTable {
  id: Generated<number>;
  name: string;
  area: string;
  logo_text: string;
  updated_at: UpdatedAt;
}

export interface OrganisationsTable {
  id: Generated<string>;
  name: string;
  type: string;
  contact_name: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  active: Generated<boolean>;
  sso_enabled: Generated<boolean>;
  oidc_issuer: string | null;
  oidc_client_id: string | null;
  oidc_client_secret_encrypted: string | null;
  sso_satisfies_mfa: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  organisation_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string | null;
  disabled: Generated<boolean>;
  mfa_secret_encrypted: string | null;
  mfa_enabled_at: Timestamp | null;
  mfa_last_time_step: ColumnType<string | null, number | null, number | null>;
  oidc_subject: string | null;
  locale: string | null;
  last_sign_in_at: Timestamp | null;
  is_demo: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface SessionsTable {
  sid_hash: string;
  user_id: string | null;
  data: ColumnType<unknown, string, string>;
  expires_at: Timestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SignInThrottleTable {
  key: string;
  failures: Generated<number>;
  lock_count: Generated<number>;
  locked_until: Timestamp | null;
  last_failure_at: UpdatedAt;
}

export interface OneTimeTokensTable {
  id: Generated<string>;
  user_id: string;
  purpose: 'invite' | 'password_reset';
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface EmailOutboxTable {
  id: Generated<string>;
  organisation_id: string | null;
  to_address: string;
  subject: string;
  body_text: string;
  status: Generated<'pending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
}

export interface ApiKeysTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  key_prefix: string;
  secret_hash: string;
  permissions: string[];
  created_by: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

export interface AuditEventsTable {
  seq: ColumnType<string, number | string, never>;
  occurred_at: ColumnType<Date, string, never>;
  actor_user_id: string | null;
  actor_label: string;
  organisation_id: string | null;
  action: string;
  record_type: string | null;
  record_id: string | null;
  ip: string | null;
  request_id: string | null;
  reason: string | null;
  details: ColumnType<Record<string, unknown>, string, never>;
  break_glass: ColumnType<boolean, boolean, never>;
  prev_hash: string;
  hash: string;
}

export interface Database {
  partnership: PartnershipTable;
  organisations: OrganisationsTable;
  users: UsersTable;
  recovery_codes: RecoveryCodesTable;
  sessions: SessionsTable;
  sign_in_throttle: SignInThrottleTable;
  one_time_tokens: OneTimeTokensTable;
  email_outbox: EmailOutboxTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
}

export type OrganisationRow = Selectable<OrganisationsTable>;
export type NewOrganisationRow = Insertable<OrganisationsTable>;
export type OrganisationUpdate = Updateable<OrganisationsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type EmailOutboxRow = Selectable<EmailOutboxTable>;
export type PartnershipRow = Selectable<PartnershipTable>;
