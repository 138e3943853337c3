-- Foundation: the partnership, its organisations and users, sign-in, sessions, the e-mail
-- outbox, API keys and the append-only audit log.

create table partnership (
  id smallint primary key default 1 check (id = 1),
  name text not null,
  area text not null,
  logo_text text not null,
  updated_at timestamptz not null default now()
);

create table organisations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  type text not null check (type in (
    'police', 'district_borough_council', 'county_council', 'nhs_trust', 'integrated_care_board',
    'fire_rescue', 'housing_provider', 'victim_support', 'voluntary_sector', 'education',
    'probation', 'other')),
  contact_name text,
  contact_email text,
  contact_phone text,
  active boolean not null default true,
  sso_enabled boolean not null default false,
  oidc_issuer text,
  oidc_client_id text,
  oidc_client_secret_encrypted text,
  sso_satisfies_mfa boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (not sso_enabled or (oidc_issuer is not null and oidc_client_id is not null))
);
create unique index organisations_name_key on organisations (lower(name));

create table users (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references organisations (id),
  email text not null check (email = lower(email)),
  name text not null,
  role text not null check (role in (
    'partnership_admin', 'organisation_admin', 'case_worker', 'case_manager', 'analyst',
    'read_only_partner')),
  password_hash text,
  disabled boolean not null default false,
  mfa_secret_encrypted text,
  mfa_enabled_at timestamptz,
  mfa_last_time_step bigint,
  oidc_subject text,
  locale text check (locale in ('en', 'cy', 'ms')),
  last_sign_in_at timestamptz,
  is_demo boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on users (email);
create unique index users_oidc_subject_key on users (organisation_id, oidc_subject);
create index users_organisation_idx on users (organisation_id);

create table recovery_codes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index recovery_codes_user_idx on recovery_codes (user_id);

create table sessions (
  sid_hash text primary key,
  user_id uuid references users (id) on delete cascade,
  data jsonb not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index sessions_user_idx on sessions (user_id);
create index sessions_expires_idx on sessions (expires_at);

-- Keyed by 'email:<address>' or 'ip:<address>' so that unknown addresses are throttled exactly
-- like known ones (no account enumeration through lockout behaviour).
create table sign_in_throttle (
  key text primary key,
  failures integer not null default 0,
  lock_count integer not null default 0,
  locked_until timestamptz,
  last_failure_at timestamptz not null default now()
);

create table one_time_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('invite', 'password_reset')),
  token_hash text not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now()
);
create unique index one_time_tokens_hash_key on one_time_tokens (token_hash);
create index one_time_tokens_user_idx on one_time_tokens (user_id, purpose);

create table email_outbox (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid references organisations (id),
  to_address text not null,
  subject text not null,
  body_text text not null,
  status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
  attempts integer not null default 0,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index email_outbox_created_idx on email_outbox (created_at desc);
create index email_outbox_organisation_idx on email_outbox (organisation_id, created_at desc);
create index email_outbox_pending_idx on email_outbox (status) where status = 'pending';

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references organisations (id),
  name text not null,
  key_prefix text not null,
  secret_hash text not null,
  permissions text[] not null,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid references users (id)
);
create unique index api_keys_prefix_key on api_keys (key_prefix);
create index api_keys_organisation_idx on api_keys (organisation_id);

-- The audit log is append-only. Each row stores a SHA-256 over its own content and the previous
-- row's hash (computed by the application under an advisory lock, checked by `audit:verify`);
-- the triggers below make the database itself refuse to change or remove a row.
create table audit_events (
  seq bigint primary key,
  occurred_at timestamptz not null,
  actor_user_id uuid,
  actor_label text not null,
  organisation_id uuid,
  action text not null,
  record_type text,
  record_id text,
  ip text,
  request_id text,
  reason text,
  details jsonb not null default '{}'::jsonb,
  break_glass boolean not null default false,
  prev_hash text not null,
  hash text not null
);
create index audit_events_actor_idx on audit_events (actor_user_id, occurred_at desc);
create index audit_events_record_idx on audit_events (record_type, record_id, occurred_at desc);
create index audit_events_occurred_idx on audit_events (occurred_at desc);
create index audit_events_action_idx on audit_events (action, occurred_at desc);

create function audit_events_refuse_change() returns trigger
language plpgsql as $$
begin
  raise exception 'audit_events is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_events_no_update before update on audit_events
  for each row execute function audit_events_refuse_change();
create trigger audit_events_no_delete before delete on audit_events
  for each row execute function audit_events_refuse_change();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_refuse_change();
