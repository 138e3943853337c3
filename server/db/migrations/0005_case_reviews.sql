-- ASB Case Review (the "Community Trigger", Anti-social Behaviour, Crime and Policing Act 2014
-- s.104): the partnership's threshold rules and letter template, public applications with their
-- incidents, the staff workflow (events, meetings, recommendations) and the applicant's appeal.

-- One row: the partnership's rules. Deadlines already given to applications keep their dates.
create table case_review_settings (
  id smallint primary key default 1 check (id = 1),
  threshold_complaints integer not null default 3 check (threshold_complaints between 1 and 20),
  threshold_period_months integer not null default 6 check (threshold_period_months between 1 and 24),
  -- Local variants; null means the partnership has not adopted it.
  vulnerable_threshold_complaints integer check (vulnerable_threshold_complaints between 1 and 20),
  single_hate_incident boolean not null default false,
  acknowledge_working_days integer not null default 2 check (acknowledge_working_days between 0 and 30),
  decision_working_days integer not null default 10 check (decision_working_days between 1 and 60),
  -- Plain text with ((placeholders)); never evaluated as a template language.
  outcome_letter_template text not null,
  updated_by uuid references users (id),
  updated_at timestamptz not null default now()
);

insert into case_review_settings (id, outcome_letter_template) values (1,
'Dear ((applicantName)),

ASB Case Review ((reference))

Thank you for asking for a review of how your reports of anti-social behaviour were dealt with. You applied on ((receivedDate)).

((decision))

((outcome))

What the partners have agreed to do:
((recommendations))

If you are not satisfied with how the review was carried out, you can ask for the decision to be looked at again using the tracking link you were sent.

Yours sincerely,

((partnershipName))
((letterDate))');

create table case_review_applications (
  id uuid primary key default gen_random_uuid(),
  reference text not null unique,
  status text not null default 'received' check (status in (
    'received', 'acknowledged', 'threshold_met', 'threshold_not_met', 'review_scheduled', 'outcome_sent', 'closed'
  )),
  applying_for text not null check (applying_for in ('self', 'someone_else')),
  applicant_name text not null,
  victim_name text,
  relationship_to_victim text,
  contact_email text not null,
  contact_phone text,
  problem_description text not null,
  problem_location text not null,
  impact text not null,
  vulnerable boolean not null,
  vulnerability_details text,
  hate_motivated text not null check (hate_motivated in ('yes', 'no', 'not_sure')),
  -- What the form told the applicant, by the rules in force when they applied.
  threshold_appears_met boolean not null,
  threshold_rule text not null,
  qualifying_complaints integer not null,
  locale text not null default 'en',
  tracking_token_hash text not null unique,
  received_at timestamptz not null default now(),
  acknowledge_due_at timestamptz not null,
  decision_due_at timestamptz not null,
  acknowledged_at timestamptz,
  acknowledged_by uuid references users (id),
  decided_at timestamptz,
  decided_by uuid references users (id),
  threshold_decision text check (threshold_decision in ('met', 'not_met')),
  decision_reason text,
  outcome_summary text,
  outcome_letter text,
  outcome_sent_at timestamptz,
  updated_at timestamptz not null default now()
);
create index case_review_applications_status_idx on case_review_applications (status, received_at);
create index case_review_applications_received_idx on case_review_applications (received_at);

create table case_review_incidents (
  id uuid primary key default gen_random_uuid(),
  application_id uuid not null references case_review_applications (id) on delete cascade,
  position integer not null,
  occurred_on date not null,
  reported_to text[] not null default '{}',
  agency_references text,
  description text not null,
  unique (application_id, position)
);

-- What happened to an application, for its history page (the audit log holds the same steps).
create table case_review_events (
  id uuid primary key default gen_random_uuid(),
  application_id uuid not null references case_review_applications (id) on delete cascade,
  kind text not null,
  details jsonb not null default '{}'::jsonb,
  actor_user_id uuid references users (id),
  actor_label text not null,
  occurred_at timestamptz not null default now()
);
create index case_review_events_application_idx on case_review_events (application_id, occurred_at);

create table case_review_meetings (
  id uuid primary key default gen_random_uuid(),
  application_id uuid not null references case_review_applications (id) on delete cascade,
  meets_at timestamptz not null,
  location text not null,
  other_participants text,
  created_by uuid references users (id),
  created_at timestamptz not null default now()
);
create index case_review_meetings_application_idx on case_review_meetings (application_id, meets_at);

create table case_review_meeting_organisations (
  meeting_id uuid not null references case_review_meetings (id) on delete cascade,
  organisation_id uuid not null references organisations (id),
  primary key (meeting_id, organisation_id)
);

create table case_review_recommendations (
  id uuid primary key default gen_random_uuid(),
  application_id uuid not null references case_review_applications (id) on delete cascade,
  recommendation text not null,
  owner_organisation_id uuid not null references organisations (id),
  due_on date not null,
  status text not null default 'agreed' check (status in ('agreed', 'in_progress', 'completed', 'not_completed')),
  completed_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now()
);
create index case_review_recommendations_application_idx on case_review_recommendations (application_id, created_at);

-- The applicant may ask once for the threshold decision or the review's outcome to be looked at again.
create table case_review_appeals (
  id uuid primary key default gen_random_uuid(),
  application_id uuid not null unique references case_review_applications (id) on delete cascade,
  reason text not null,
  status text not null default 'requested' check (status in ('requested', 'upheld', 'not_upheld')),
  requested_at timestamptz not null default now(),
  response text,
  decided_at timestamptz,
  decided_by uuid references users (id)
);
