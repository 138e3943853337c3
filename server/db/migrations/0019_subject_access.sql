-- Subject access requests (UK GDPR Art 15), rectification and restriction flags on a person
-- (Arts 16 and 18), for the data-protection officer. See ADR 0027.

create table subject_access_requests (
  id uuid primary key default gen_random_uuid(),
  reference text not null unique,
  person_id uuid not null references people(id),
  requester_name text not null,
  requester_relationship text not null check (requester_relationship in ('self', 'representative')),
  identity_verified boolean not null,
  received_on date not null,
  due_on date not null,
  extension_months integer not null default 0 check (extension_months between 0 and 2),
  extension_reason text,
  status text not null default 'open' check (status in ('open', 'approved')),
  -- Keys of the items the DPO ticked to redact ('person:<id>', 'incident_person:<id>', 'note:<id>')
  -- and of the unlinked incident records the DPO confirmed are this person ('incident_person:<id>').
  redactions jsonb not null default '[]',
  confirmed_candidates jsonb not null default '[]',
  -- What was approved is what is released: the export frozen at approval.
  approved_export jsonb,
  approved_by uuid references users(id),
  approved_at timestamptz,
  created_by uuid references users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);

create index subject_access_requests_person on subject_access_requests (person_id);
create index subject_access_requests_open_due on subject_access_requests (due_on) where status = 'open';

create table person_data_protection_flags (
  person_id uuid primary key references people(id) on delete cascade,
  rectification_requested text,
  rectification_requested_at timestamptz,
  rectification_requested_by uuid references users(id),
  restriction_reason text,
  restricted_at timestamptz,
  restricted_by uuid references users(id),
  updated_at timestamptz not null default now()
);

-- Alert rules and linkage skip restricted people with an anti-join on this index.
create index person_data_protection_flags_restricted on person_data_protection_flags (person_id) where restricted_at is not null;

-- The SAR's unlinked candidates: incident records with the same name and date of birth.
create index incident_people_unlinked_name_dob on incident_people (lower(family_name), lower(given_name), date_of_birth) where person_id is null;
