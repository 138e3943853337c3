-- Problem-solving records (SARA / OSARA): a partnership problem moving through Objective →
-- Scanning → Analysis → Response → Assessment, its evidence, linked cases, responses (case
-- actions that belong to a problem instead of a case) and before/after assessments.

create table problems (
  id uuid primary key default gen_random_uuid(),
  reference text not null unique,
  title text not null,
  stage text not null default 'objective' check (stage in ('objective', 'scanning', 'analysis', 'response', 'assessment', 'closed')),
  owner_user_id uuid references users (id),
  lead_organisation_id uuid not null references organisations (id),
  -- Objective
  objective text,
  objective_measure text,
  -- Scanning: what the problem is, which incident categories make it up, and where.
  scanning_summary text,
  category_codes text[] not null default '{}',
  target_latitude double precision check (target_latitude between 49.8 and 60.9),
  target_longitude double precision check (target_longitude between -8.7 and 1.8),
  target_radius_m integer check (target_radius_m between 25 and 20000),
  -- The H3 cell the problem was created from, kept for the record; the area is the circle.
  target_h3_cell text,
  comparison_latitude double precision check (comparison_latitude between 49.8 and 60.9),
  comparison_longitude double precision check (comparison_longitude between -8.7 and 1.8),
  comparison_radius_m integer check (comparison_radius_m between 25 and 20000),
  -- The displacement buffer is the ring from the target's edge out to this width.
  buffer_width_m integer check (buffer_width_m between 25 and 20000),
  check ((target_latitude is null) = (target_longitude is null) and (target_latitude is null) = (target_radius_m is null)),
  check ((comparison_latitude is null) = (comparison_longitude is null) and (comparison_latitude is null) = (comparison_radius_m is null)),
  -- Analysis: the problem analysis triangle.
  analysis_summary text,
  victim text,
  guardian text,
  offender text,
  handler text,
  location text,
  manager text,
  closed_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index problems_stage on problems (stage, updated_at desc);
create index problems_owner on problems (owner_user_id);

-- Scanning evidence as typed rows: a saved analysis of the analytics pages (0013), an incident
-- count, a document or web page, or a note.
create table problem_evidence (
  id uuid primary key default gen_random_uuid(),
  problem_id uuid not null references problems (id) on delete cascade,
  kind text not null check (kind in ('saved_analysis', 'incident_count', 'document', 'note')),
  label text not null,
  url text,
  count integer check (count >= 0),
  saved_analysis_id uuid references saved_analyses (id) on delete set null,
  created_by uuid references users (id),
  created_at timestamptz not null default now()
);
create index problem_evidence_problem on problem_evidence (problem_id, created_at);

create table problem_cases (
  problem_id uuid not null references problems (id) on delete cascade,
  case_id uuid not null references cases (id) on delete cascade,
  linked_by uuid references users (id),
  linked_at timestamptz not null default now(),
  primary key (problem_id, case_id)
);
create index problem_cases_case on problem_cases (case_id);

create table problem_events (
  id uuid primary key default gen_random_uuid(),
  problem_id uuid not null references problems (id) on delete cascade,
  kind text not null,
  from_stage text,
  to_stage text,
  reason text,
  user_id uuid references users (id),
  created_at timestamptz not null default now()
);
create index problem_events_problem on problem_events (problem_id, created_at);

-- Each assessment keeps the counts it was computed from, so the record does not move when
-- incidents are imported later; the estimates are recomputed from them by pure functions.
create table problem_assessments (
  id uuid primary key default gen_random_uuid(),
  problem_id uuid not null references problems (id) on delete cascade,
  category_codes text[] not null default '{}',
  before_start date not null,
  before_end date not null,
  after_start date not null,
  after_end date not null,
  check (before_start <= before_end and after_start <= after_end and before_end < after_start),
  target_before integer not null check (target_before >= 0),
  target_after integer not null check (target_after >= 0),
  comparison_before integer not null check (comparison_before >= 0),
  comparison_after integer not null check (comparison_after >= 0),
  buffer_before integer not null check (buffer_before >= 0),
  buffer_after integer not null check (buffer_after >= 0),
  conclusion text,
  recorded_by uuid references users (id),
  created_at timestamptz not null default now()
);
create index problem_assessments_problem on problem_assessments (problem_id, created_at desc);

-- Responses are case actions that belong to a problem: exactly one of case and problem.
alter table case_actions add column problem_id uuid references problems (id) on delete cascade;
alter table case_actions alter column case_id drop not null;
alter table case_actions add constraint case_actions_case_or_problem check ((case_id is null) <> (problem_id is null));
create index case_actions_problem on case_actions (problem_id) where problem_id is not null;
