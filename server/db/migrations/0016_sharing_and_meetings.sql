-- Information-sharing agreements with their enforcement, and multi-agency meetings (issue 8).

-- One row: the partnership's choice to enforce agreements (on for every new deployment) and how
-- many days before an agreement's review date its parties are reminded.
create table sharing_settings (
  id smallint primary key default 1 check (id = 1),
  enforcement_enabled boolean not null default true,
  review_reminder_days integer not null default 30 check (review_reminder_days between 1 and 365),
  updated_by uuid references users (id),
  updated_at timestamptz not null default now()
);
insert into sharing_settings (id) values (1);

create sequence sharing_agreement_numbers;

-- Purposes, data categories and lawful bases are code lists kept in the application
-- (modules/sharingAgreements/sharingPurposes.ts). An agreement is in force while it is active,
-- signed by every party, and today is within [starts_on, ends_on].
create table sharing_agreements (
  id uuid primary key default gen_random_uuid(),
  reference text not null unique,
  title text not null,
  purposes text[] not null check (cardinality(purposes) > 0),
  data_categories text[] not null check (cardinality(data_categories) > 0),
  lawful_bases text[] not null check (cardinality(lawful_bases) > 0),
  schedule1_condition text,
  retention text not null,
  security_requirements text not null,
  dpia_reference text,
  starts_on date not null,
  review_on date not null,
  ends_on date not null,
  status text not null default 'draft' check (status in ('draft', 'active', 'expired', 'withdrawn')),
  withdrawn_reason text,
  review_reminded_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_on >= starts_on),
  check (review_on >= starts_on)
);

create table sharing_agreement_parties (
  agreement_id uuid not null references sharing_agreements (id) on delete cascade,
  organisation_id uuid not null references organisations (id),
  signed_at timestamptz,
  signed_by uuid references users (id),
  primary key (agreement_id, organisation_id)
);
create index sharing_agreement_parties_organisation on sharing_agreement_parties (organisation_id);

-- A meeting series (CHaRMM, Joint Action Group, MARAC) meets every N weeks on a weekday.
create table meeting_series (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  kind text not null check (kind in ('charmm', 'jag', 'marac', 'other')),
  purpose text not null,
  every_weeks integer not null check (every_weeks between 1 and 12),
  first_date date not null,
  start_time text not null check (start_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
  location text,
  confidentiality_statement text not null,
  created_by uuid references users (id),
  created_at timestamptz not null default now()
);

create table meeting_series_members (
  series_id uuid not null references meeting_series (id) on delete cascade,
  organisation_id uuid not null references organisations (id),
  primary key (series_id, organisation_id)
);
create index meeting_series_members_organisation on meeting_series_members (organisation_id);

create table meetings (
  id uuid primary key default gen_random_uuid(),
  series_id uuid not null references meeting_series (id) on delete cascade,
  held_on date not null,
  starts_at timestamptz not null,
  status text not null default 'scheduled' check (status in ('scheduled', 'held', 'cancelled')),
  created_at timestamptz not null default now(),
  unique (series_id, held_on)
);

-- A case flagged for the series' next meeting; discussed_meeting_id is set when minutes are
-- recorded for it, so it leaves later agendas.
create table meeting_case_flags (
  id uuid primary key default gen_random_uuid(),
  series_id uuid not null references meeting_series (id) on delete cascade,
  case_id uuid not null references cases (id),
  reason text not null,
  flagged_by uuid references users (id),
  flagged_by_organisation_id uuid references organisations (id),
  flagged_at timestamptz not null default now(),
  discussed_meeting_id uuid references meetings (id)
);
create unique index meeting_case_flags_open on meeting_case_flags (series_id, case_id) where discussed_meeting_id is null;

-- Who came, and when they accepted the confidentiality statement (before seeing the agenda).
create table meeting_attendees (
  meeting_id uuid not null references meetings (id) on delete cascade,
  user_id uuid not null references users (id),
  organisation_id uuid not null references organisations (id),
  confidentiality_accepted_at timestamptz not null default now(),
  primary key (meeting_id, user_id)
);

-- Minutes live on the case timeline as a note; this row ties that note to the meeting.
create table meeting_minutes (
  id uuid primary key default gen_random_uuid(),
  meeting_id uuid not null references meetings (id) on delete cascade,
  case_id uuid not null references cases (id),
  note_id uuid not null,
  action_id uuid,
  written_by uuid references users (id),
  written_at timestamptz not null default now()
);
create index meeting_minutes_meeting on meeting_minutes (meeting_id);
