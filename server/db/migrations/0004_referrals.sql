-- Referrals and handovers between agencies, with deadlines (issue 5).

-- Pathways make a common handover one click: who may use it, where it goes, its questions, its
-- default urgency and, when the default for that urgency does not fit, its own deadlines. One
-- deployment is one partnership, so this table is the partnership's configuration.
create table referral_pathways (
  id uuid primary key default gen_random_uuid(),
  code text not null unique,
  name text not null,
  description text not null default '',
  -- Organisation types that may use it; empty means any agency.
  from_organisation_types text[] not null default '{}',
  -- Where it goes: one organisation when the partnership has chosen it, else any active
  -- organisation of this type.
  to_organisation_id uuid references organisations (id),
  to_organisation_type text,
  to_team text,
  default_urgency text not null check (default_urgency in ('immediate', 'hours_24', 'working_days_5', 'routine')),
  -- Extra questions: [{ "key": "...", "kind": "yes_no" | "text", "required": true }]; labels are
  -- i18n keys referrals.questions.<key>.
  questions jsonb not null default '[]'::jsonb,
  -- Overrides of the urgency's deadlines, in minutes of the given kind of time.
  acknowledge_within_minutes integer check (acknowledge_within_minutes > 0),
  decide_within_minutes integer check (decide_within_minutes > 0),
  deadline_clock text check (deadline_clock in ('elapsed', 'working')),
  -- A handover target where police attended (Right Care, Right Person: one hour).
  handover_target_minutes integer check (handover_target_minutes > 0),
  active boolean not null default true,
  sort_order integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (to_organisation_id is not null or to_organisation_type is not null)
);

create table referrals (
  id uuid primary key default gen_random_uuid(),
  reference text not null unique,
  case_id uuid references cases (id),
  person_id uuid references people (id),
  pathway_id uuid references referral_pathways (id),
  from_organisation_id uuid not null references organisations (id),
  from_user_id uuid references users (id),
  to_organisation_id uuid not null references organisations (id),
  to_team text,
  urgency text not null check (urgency in ('immediate', 'hours_24', 'working_days_5', 'routine')),
  reason text not null,
  requested text not null,
  information_shared text not null,
  lawful_basis text not null check (lawful_basis in (
    'public_task', 'legal_obligation', 'vital_interests', 'consent', 'legitimate_interests', 'crime_and_disorder_act')),
  lawful_basis_detail text,
  consent text not null check (consent in ('given', 'refused', 'not_sought')),
  consent_reason text,
  answers jsonb not null default '{}'::jsonb,
  police_attended boolean not null default false,
  status text not null default 'received' check (status in (
    'received', 'acknowledged', 'accepted', 'declined', 'more_info_requested', 'withdrawn')),
  acknowledge_due_at timestamptz not null,
  decide_due_at timestamptz not null,
  acknowledged_at timestamptz,
  acknowledged_by uuid references users (id),
  decided_at timestamptz,
  decided_by uuid references users (id),
  decline_code text check (decline_code in (
    'not_eligible', 'insufficient_information', 'already_known', 'no_capacity', 'wrong_service', 'other')),
  decline_reason text,
  more_info_request text,
  withdrawn_at timestamptz,
  withdrawal_reason text,
  -- The case the receiver joined or opened on accepting.
  accepted_case_id uuid references cases (id),
  redirected_from_id uuid references referrals (id),
  -- What the scheduler has already done, so that nothing is sent twice.
  acknowledge_reminded_at timestamptz,
  acknowledge_breached_at timestamptz,
  decide_reminded_at timestamptz,
  decide_breached_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (case_id is not null or person_id is not null),
  check (from_organisation_id <> to_organisation_id),
  check (consent = 'given' or (consent_reason is not null and consent_reason <> '')),
  check (status <> 'declined' or decline_code is not null)
);
create index referrals_inbox on referrals (to_organisation_id, created_at desc, id);
create index referrals_sent on referrals (from_organisation_id, created_at desc, id);
-- The inbox's default view (waiting for an answer), newest first, read in index order.
create index referrals_inbox_open on referrals (to_organisation_id, created_at desc, id)
  where status in ('received', 'acknowledged', 'more_info_requested');
create index referrals_case on referrals (case_id) where case_id is not null;
create index referrals_person on referrals (person_id) where person_id is not null;
-- The deadline scan reads only open referrals whose next step is still to be taken.
create index referrals_acknowledge_open on referrals (acknowledge_due_at)
  where status = 'received' and acknowledge_breached_at is null;
create index referrals_decide_open on referrals (decide_due_at)
  where status in ('received', 'acknowledged') and decide_breached_at is null;

create table referral_events (
  id bigint generated always as identity primary key,
  referral_id uuid not null references referrals (id) on delete cascade,
  occurred_at timestamptz not null default now(),
  kind text not null,
  actor_user_id uuid references users (id),
  actor_organisation_id uuid references organisations (id),
  details jsonb not null default '{}'::jsonb
);
create index referral_events_referral on referral_events (referral_id, occurred_at, id);

alter table notifications add column referral_id uuid references referrals (id) on delete cascade;

-- The partnership's starting pathways; administrators change them at /admin/referral-pathways.
insert into referral_pathways
  (code, name, description, from_organisation_types, to_organisation_type, default_urgency, questions,
   acknowledge_within_minutes, decide_within_minutes, deadline_clock, handover_target_minutes, sort_order)
values
  ('concern_for_welfare_mental_health', 'Concern for welfare → mental health crisis team',
   'Right Care, Right Person: where there is no real and immediate risk to life or of serious harm, health leads.',
   '{police}', 'nhs_trust', 'immediate',
   '[{"key":"riskToLife","kind":"yes_no","required":true},{"key":"policeAttended","kind":"yes_no","required":true}]',
   null, null, null, 60, 10),
  ('asb_victim_support', 'ASB victim → victim support',
   'A council ASB team asks victim support to contact a victim of anti-social behaviour.',
   '{district_borough_council,county_council}', 'victim_support', 'working_days_5',
   '[{"key":"victimAgreedContact","kind":"yes_no","required":true}]', null, null, null, null, 20),
  ('marac', 'High-risk domestic abuse → MARAC coordinator',
   'Any agency refers a high-risk domestic abuse case to the MARAC coordinator.',
   '{}', 'other', 'hours_24',
   '[{"key":"dashScore","kind":"text","required":false}]', null, null, null, null, 30),
  ('exploitation_panel', 'Exploitation → exploitation panel',
   'Any agency refers a child or adult at risk of exploitation to the exploitation panel.',
   '{}', 'other', 'working_days_5', '[]', null, null, null, null, 40),
  ('tenancy_sustainment', 'Housing → tenancy sustainment',
   'A housing provider asks for tenancy sustainment support for a tenant at risk of losing their home.',
   '{housing_provider}', 'voluntary_sector', 'routine', '[]', null, null, null, null, 50);
