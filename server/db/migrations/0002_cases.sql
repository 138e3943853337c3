-- Shared multi-agency case management: people, households, locations, cases with their
-- agencies, people, places and links, workflow, risk assessments, actions, interventions, notes
-- with attachments, the case timeline, notifications and break-glass access.

create extension if not exists pg_trgm;
create extension if not exists fuzzystrmatch;

-- People -------------------------------------------------------------------------------------

create table people (
  id uuid primary key default gen_random_uuid(),
  given_name text not null,
  family_name text not null,
  date_of_birth date,
  approximate_age integer check (approximate_age between 0 and 120),
  age_recorded_on date,
  gender text check (gender in ('female', 'male', 'non_binary', 'other', 'not_known')),
  -- Special category data (UK GDPR Article 9): optional, shown only where needed.
  ethnicity text,
  disability text,
  religion text,
  sexuality text,
  phone text,
  email text,
  preferred_language text,
  interpreter_needed boolean not null default false,
  created_by uuid references users (id),
  created_by_organisation_id uuid references organisations (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
-- Names are searched with typos (trigrams) and sound-alikes (double metaphone).
create index people_full_name_trgm on people using gin ((lower(given_name || ' ' || family_name)) gin_trgm_ops);
create index people_family_metaphone on people (dmetaphone(family_name));
create index people_given_metaphone on people (dmetaphone(given_name));
create index people_date_of_birth on people (date_of_birth);

create table person_names (
  id uuid primary key default gen_random_uuid(),
  person_id uuid not null references people (id) on delete cascade,
  kind text not null check (kind in ('alias', 'previous', 'nickname')),
  given_name text not null default '',
  family_name text not null default '',
  created_at timestamptz not null default now()
);
create index person_names_person on person_names (person_id);
create index person_names_trgm on person_names using gin ((lower(given_name || ' ' || family_name)) gin_trgm_ops);
create index person_names_family_metaphone on person_names (dmetaphone(family_name));

create table person_markers (
  id uuid primary key default gen_random_uuid(),
  person_id uuid not null references people (id) on delete cascade,
  marker text not null check (marker in (
    'mental_health', 'learning_disability', 'physical_disability', 'substance_use', 'child',
    'older_person', 'care_leaver', 'homeless', 'hoarding', 'cuckooing_risk', 'exploitation_risk',
    'domestic_abuse', 'self_neglect', 'other')),
  source_organisation_id uuid references organisations (id),
  recorded_on date not null default current_date,
  notes text,
  recorded_by uuid references users (id),
  created_at timestamptz not null default now()
);
create index person_markers_person on person_markers (person_id);

-- Places -------------------------------------------------------------------------------------

create table locations (
  id uuid primary key default gen_random_uuid(),
  address_line_1 text not null,
  address_line_2 text,
  town text,
  postcode text check (postcode is null or postcode ~ '^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$'),
  uprn text check (uprn is null or uprn ~ '^[0-9]{1,12}$'),
  latitude double precision check (latitude between -90 and 90),
  longitude double precision check (longitude between -180 and 180),
  location_type text not null check (location_type in (
    'dwelling', 'street', 'park', 'shop', 'licensed_premises', 'transport', 'school', 'open_space',
    'business', 'other')),
  area text,
  created_at timestamptz not null default now()
);
create index locations_postcode on locations (postcode);
create index locations_address_trgm on locations using gin ((lower(address_line_1)) gin_trgm_ops);

create table person_addresses (
  id uuid primary key default gen_random_uuid(),
  person_id uuid not null references people (id) on delete cascade,
  location_id uuid not null references locations (id),
  valid_from date,
  valid_to date,
  created_at timestamptz not null default now(),
  check (valid_to is null or valid_from is null or valid_to >= valid_from)
);
create index person_addresses_person on person_addresses (person_id);
create index person_addresses_location on person_addresses (location_id);

create table households (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  location_id uuid references locations (id),
  created_at timestamptz not null default now()
);

create table household_members (
  household_id uuid not null references households (id) on delete cascade,
  person_id uuid not null references people (id) on delete cascade,
  relationship text,
  primary key (household_id, person_id)
);

-- Cases --------------------------------------------------------------------------------------

-- Case types are configuration of the partnership: the defaults are loaded here.
create table case_types (
  code text primary key,
  reference_prefix text not null check (reference_prefix ~ '^[A-Z]{2,5}$'),
  name text not null,
  active boolean not null default true,
  sort_order integer not null default 0
);
insert into case_types (code, reference_prefix, name, sort_order) values
  ('anti_social_behaviour', 'ASB', 'Anti-social behaviour', 1),
  ('vulnerability', 'VUL', 'Vulnerability and hidden harm', 2),
  ('criminal_exploitation', 'CEX', 'Criminal exploitation (county lines, cuckooing)', 3),
  ('domestic_abuse', 'DA', 'Domestic abuse', 4),
  ('mental_health_crisis', 'MHC', 'Mental-health crisis', 5),
  ('hate_incident', 'HATE', 'Hate incident', 6),
  ('neighbour_nuisance', 'ENV', 'Environmental or neighbour nuisance', 7);

create table case_reference_counters (
  prefix text not null,
  year integer not null,
  last_number integer not null,
  primary key (prefix, year)
);

create table cases (
  id uuid primary key default gen_random_uuid(),
  reference text not null,
  case_type text not null references case_types (code),
  priority text not null default 'medium' check (priority in ('low', 'medium', 'high', 'urgent')),
  summary text not null,
  status text not null default 'open' check (status in ('open', 'assessed', 'in_progress', 'under_review', 'closed')),
  outcome_code text,
  closure_reason text,
  lead_organisation_id uuid not null references organisations (id),
  lead_officer_id uuid references users (id),
  area text,
  risk_level text check (risk_level in ('standard', 'medium', 'high')),
  next_review_due date,
  opened_at timestamptz not null default now(),
  closed_at timestamptz,
  created_by uuid references users (id),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check ((status = 'closed') = (closed_at is not null))
);
create unique index cases_reference_key on cases (reference);
create index cases_lead_organisation on cases (lead_organisation_id, status);
create index cases_lead_officer on cases (lead_officer_id, status);
create index cases_next_review on cases (next_review_due) where status <> 'closed';
create index cases_reference_trgm on cases using gin (reference gin_trgm_ops);

-- Organisations taking part in a case besides the lead: they see it (need to know).
create table case_participants (
  case_id uuid not null references cases (id) on delete cascade,
  organisation_id uuid not null references organisations (id),
  added_by uuid references users (id),
  added_at timestamptz not null default now(),
  primary key (case_id, organisation_id)
);
create index case_participants_organisation on case_participants (organisation_id, case_id);

create table case_people (
  case_id uuid not null references cases (id) on delete cascade,
  person_id uuid not null references people (id),
  role text not null check (role in (
    'victim', 'alleged_perpetrator', 'witness', 'person_at_risk', 'household_member', 'complainant')),
  added_at timestamptz not null default now(),
  primary key (case_id, person_id, role)
);
create index case_people_person on case_people (person_id);

create table case_locations (
  case_id uuid not null references cases (id) on delete cascade,
  location_id uuid not null references locations (id),
  added_at timestamptz not null default now(),
  primary key (case_id, location_id)
);
create index case_locations_location on case_locations (location_id);

create table case_links (
  case_id uuid not null references cases (id) on delete cascade,
  linked_case_id uuid not null references cases (id) on delete cascade,
  added_at timestamptz not null default now(),
  primary key (case_id, linked_case_id),
  check (case_id <> linked_case_id)
);

-- Every event on a case, in order: the case timeline. Notes have their own table and appear
-- here by reference, so that their sensitivity can be checked on read.
create table case_events (
  id bigint generated always as identity primary key,
  case_id uuid not null references cases (id) on delete cascade,
  occurred_at timestamptz not null default now(),
  kind text not null,
  actor_user_id uuid references users (id),
  actor_organisation_id uuid references organisations (id),
  note_id uuid,
  details jsonb not null default '{}'::jsonb
);
create index case_events_case on case_events (case_id, occurred_at desc, id desc);

-- Risk assessments ---------------------------------------------------------------------------

create table risk_instruments (
  code text not null,
  version integer not null,
  name text not null,
  definition jsonb not null,
  active boolean not null default true,
  primary key (code, version)
);

create table risk_assessments (
  id uuid primary key default gen_random_uuid(),
  case_id uuid not null references cases (id) on delete cascade,
  person_id uuid references people (id),
  instrument_code text not null,
  instrument_version integer not null,
  score integer not null,
  band text not null check (band in ('standard', 'medium', 'high')),
  band_reason text not null,
  professional_judgement boolean not null default false,
  professional_judgement_reason text,
  completed_by uuid references users (id),
  completed_by_organisation_id uuid references organisations (id),
  completed_at timestamptz not null default now(),
  foreign key (instrument_code, instrument_version) references risk_instruments (code, version)
);
create index risk_assessments_case on risk_assessments (case_id, completed_at desc);

create table risk_assessment_answers (
  assessment_id uuid not null references risk_assessments (id) on delete cascade,
  question_id text not null,
  answer_boolean boolean,
  answer_number numeric,
  answer_text text,
  answer_choice text,
  primary key (assessment_id, question_id),
  check (num_nonnulls(answer_boolean, answer_number, answer_text, answer_choice) <= 1)
);

-- Action plan and interventions ---------------------------------------------------------------

create table case_actions (
  id uuid primary key default gen_random_uuid(),
  case_id uuid not null references cases (id) on delete cascade,
  title text not null,
  description text,
  owner_organisation_id uuid not null references organisations (id),
  owner_user_id uuid references users (id),
  due_date date,
  status text not null default 'open' check (status in ('open', 'in_progress', 'done', 'cancelled')),
  completed_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index case_actions_case on case_actions (case_id);
create index case_actions_owner on case_actions (owner_organisation_id, status, due_date);

create table case_interventions (
  id uuid primary key default gen_random_uuid(),
  case_id uuid not null references cases (id) on delete cascade,
  person_id uuid references people (id),
  stage text not null check (stage in (
    'warning_letter', 'acceptable_behaviour_agreement', 'community_protection_warning',
    'community_protection_notice', 'civil_injunction', 'closure_order', 'criminal_behaviour_order',
    'public_spaces_protection_order', 'mediation', 'support_referral')),
  status text not null default 'planned' check (status in ('planned', 'issued', 'breached', 'complied', 'expired', 'withdrawn')),
  issued_on date,
  review_on date,
  expires_on date,
  notes text,
  created_by uuid references users (id),
  created_by_organisation_id uuid references organisations (id),
  created_at timestamptz not null default now()
);
create index case_interventions_case on case_interventions (case_id);

-- Notes and attachments ------------------------------------------------------------------------

create table case_notes (
  id uuid primary key default gen_random_uuid(),
  case_id uuid not null references cases (id) on delete cascade,
  body text not null,
  sensitivity text not null default 'standard' check (sensitivity in ('standard', 'sensitive', 'health_restricted')),
  author_id uuid references users (id),
  author_organisation_id uuid not null references organisations (id),
  created_at timestamptz not null default now()
);
create index case_notes_case on case_notes (case_id, created_at desc);

create table case_attachments (
  id uuid primary key default gen_random_uuid(),
  case_id uuid not null references cases (id) on delete cascade,
  note_id uuid references case_notes (id) on delete cascade,
  file_name text not null,
  content_type text not null,
  size_bytes bigint not null,
  sha256 text not null,
  storage_key text not null,
  uploaded_by uuid references users (id),
  created_at timestamptz not null default now()
);
create index case_attachments_case on case_attachments (case_id);

-- Which roles may read notes of each sensitivity, set by the partnership. Health-restricted
-- notes are always visible to the organisation that wrote them.
create table sensitivity_clearances (
  role text not null,
  sensitivity text not null check (sensitivity in ('sensitive', 'health_restricted')),
  primary key (role, sensitivity)
);
insert into sensitivity_clearances (role, sensitivity) values ('case_manager', 'sensitive');

-- Review intervals by risk level, set by the partnership.
create table review_intervals (
  risk_level text primary key check (risk_level in ('standard', 'medium', 'high')),
  days integer not null check (days between 1 and 365)
);
insert into review_intervals (risk_level, days) values ('high', 14), ('medium', 28), ('standard', 56);

-- Notifications and break-glass access --------------------------------------------------------

create table notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  kind text not null,
  case_id uuid references cases (id) on delete cascade,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index notifications_user on notifications (user_id, created_at desc) where read_at is null;

create table break_glass_grants (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  case_id uuid not null references cases (id) on delete cascade,
  reason text not null,
  granted_at timestamptz not null default now(),
  expires_at timestamptz not null,
  reviewed_by uuid references users (id),
  reviewed_at timestamptz,
  review_outcome text check (review_outcome in ('justified', 'not_justified'))
);
create index break_glass_grants_user on break_glass_grants (user_id, case_id, expires_at);
create index break_glass_grants_review on break_glass_grants (reviewed_at, granted_at desc);
