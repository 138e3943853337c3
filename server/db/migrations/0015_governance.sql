-- Partnership governance (issue 8): the Community Safety Agreement as versioned records that
-- partner organisations sign, its outcome measures and manual quarterly figures, and events
-- (the Community Safety Assembly) with registration, feedback and "you said, we did".

-- One row: the figures the public page and the measures need from the partnership.
create table governance_settings (
  id smallint primary key default 1 check (id = 1),
  -- Residents in the partnership's area, for rates per 1,000; null until someone enters it.
  population integer check (population is null or population > 0),
  updated_at timestamptz not null default now()
);
insert into governance_settings (id) values (1);

-- A version is edited only while it is a draft; publishing freezes it and supersedes the one
-- before, so a signature always names exactly the text that was signed.
create table agreement_versions (
  id uuid primary key default gen_random_uuid(),
  version_number integer not null unique check (version_number > 0),
  status text not null default 'draft' check (status in ('draft', 'published', 'superseded')),
  title text not null,
  vision text not null,
  starts_on date not null,
  ends_on date not null,
  check (ends_on > starts_on),
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  published_by uuid references users (id),
  published_at timestamptz,
  check ((status = 'draft') = (published_at is null))
);
create unique index agreement_versions_one_draft on agreement_versions (status) where status = 'draft';
create unique index agreement_versions_one_published on agreement_versions (status) where status = 'published';

create table agreement_priorities (
  id uuid primary key default gen_random_uuid(),
  version_id uuid not null references agreement_versions (id) on delete cascade,
  -- Stable across versions: a priority copied into a new draft keeps its code.
  code text not null check (code ~ '^[a-z][a-z0-9_]{1,59}$'),
  title text not null,
  description text not null default '',
  sort_order integer not null default 0,
  unique (version_id, code)
);

create table agreement_commitments (
  id uuid primary key default gen_random_uuid(),
  priority_id uuid not null references agreement_priorities (id) on delete cascade,
  organisation_id uuid not null references organisations (id),
  commitment text not null,
  sort_order integer not null default 0
);
create index agreement_commitments_priority_idx on agreement_commitments (priority_id);

create table agreement_measures (
  id uuid primary key default gen_random_uuid(),
  priority_id uuid not null references agreement_priorities (id) on delete cascade,
  -- Stable across versions, so manual figures entered against a measure outlive a new version.
  code text not null check (code ~ '^[a-z][a-z0-9_]{1,59}$'),
  title text not null,
  unit text not null check (unit in ('percent', 'count', 'rate_per_1000', 'days')),
  source text not null check (source in (
    'manual', 'referral_deadline_compliance', 'case_review_outcomes', 'asb_incidents_per_1000', 'repeat_victim_rate')),
  baseline numeric not null,
  target numeric not null,
  due_on date not null,
  direction text not null check (direction in ('higher_is_better', 'lower_is_better')),
  sort_order integer not null default 0,
  check (unit <> 'percent' or (baseline between 0 and 100 and target between 0 and 100))
);
create index agreement_measures_priority_idx on agreement_measures (priority_id);

create table agreement_signatures (
  id uuid primary key default gen_random_uuid(),
  version_id uuid not null references agreement_versions (id),
  organisation_id uuid not null references organisations (id),
  signed_by uuid not null references users (id),
  signed_by_name text not null,
  job_title text not null,
  signed_at timestamptz not null default now(),
  unique (version_id, organisation_id)
);

-- A figure for a quarter ('2026-Q3') of a measure OneRoof cannot count itself.
create table measure_figures (
  id uuid primary key default gen_random_uuid(),
  measure_code text not null,
  quarter text not null check (quarter ~ '^[0-9]{4}-Q[1-4]$'),
  value numeric not null,
  note text,
  entered_by uuid not null references users (id),
  entered_by_name text not null,
  entered_at timestamptz not null default now(),
  unique (measure_code, quarter)
);

create table governance_events (
  id uuid primary key default gen_random_uuid(),
  title text not null,
  kind text not null default 'assembly' check (kind in ('assembly', 'workshop', 'meeting', 'other')),
  description text not null default '',
  venue text not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  check (ends_at > starts_at),
  capacity integer not null check (capacity > 0),
  -- The feedback survey's link for guests without accounts; it lets one submit feedback, nothing more.
  survey_token text not null unique,
  created_by uuid references users (id),
  created_at timestamptz not null default now()
);

create table event_agenda_items (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null references governance_events (id) on delete cascade,
  starts_at_time text check (starts_at_time is null or starts_at_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
  title text not null,
  sort_order integer not null default 0
);

create table event_workshops (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null references governance_events (id) on delete cascade,
  title text not null,
  sort_order integer not null default 0
);

create table event_registrations (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null references governance_events (id) on delete cascade,
  -- A partner's own user, or an invited guest without an account (user_id null).
  user_id uuid references users (id),
  organisation_id uuid references organisations (id),
  name text not null,
  email text not null check (email = lower(email)),
  organisation_name text not null,
  registered_by uuid references users (id),
  registered_at timestamptz not null default now(),
  unique (event_id, email)
);

create table event_feedback (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null references governance_events (id) on delete cascade,
  overall_rating smallint not null check (overall_rating between 1 and 5),
  usefulness_rating smallint not null check (usefulness_rating between 1 and 5),
  went_well text,
  improve text,
  submitted_at timestamptz not null default now()
);
create index event_feedback_event_idx on event_feedback (event_id);

-- "You said, we did": what came out of an event, who owns it, and where it stands.
create table event_follow_ups (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null references governance_events (id) on delete cascade,
  you_said text not null,
  we_will text not null,
  owner_organisation_id uuid not null references organisations (id),
  status text not null default 'planned' check (status in ('planned', 'in_progress', 'done')),
  we_did text,
  completed_on date,
  check ((status = 'done') = (completed_on is not null)),
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index event_follow_ups_event_idx on event_follow_ups (event_id);

-- The agreement starts as a draft with the partnership's five priorities; the partnership
-- writes its vision, commitments and measures, then publishes it for partners to sign.
with draft as (
  insert into agreement_versions (version_number, status, title, vision, starts_on, ends_on)
  values (1, 'draft', 'Community Safety Agreement',
    'A place where everyone is safe and feels safe, where partners act together early, and where the public can see what we do.',
    '2026-04-01', '2029-03-31')
  returning id
)
insert into agreement_priorities (version_id, code, title, description, sort_order)
select draft.id, priority.code, priority.title, priority.description, priority.sort_order
from draft, (values
  ('vawg', 'Reduce violence against women and girls', 'Prevent abuse, support victims and hold perpetrators to account.', 10),
  ('asb', 'Tackle anti-social behaviour', 'Respond early and together to anti-social behaviour and its harm to victims and neighbourhoods.', 20),
  ('exploitation', 'Protect people from criminal exploitation', 'Identify and disrupt exploitation, including county lines and cuckooing, and safeguard those at risk.', 30),
  ('mental_health', 'Improve mental-health responses', 'Get people in mental-health crisis the right care from the right service (Right Care, Right Person).', 40),
  ('inequality', 'Reduce inequality', 'Close the gaps in safety between neighbourhoods and communities.', 50)
) as priority (code, title, description, sort_order);
