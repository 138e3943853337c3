-- Signals and alerts (issue 6): rules over the linked incidents, the alerts they raise with the
-- evidence that fired them, and what practitioners decided about each alert.

-- One row per rule; the partnership tunes the numbers at /admin/alert-rules. Not every column
-- means something to every rule (docs/adr: alert rules as set-based SQL).
create table alert_rules (
  code text primary key check (code in (
    'repeat_victim', 'multi_agency', 'vulnerability_harm', 'escalation', 'repeat_location',
    'cuckooing', 'missed_contacts')),
  enabled boolean not null default true,
  window_days integer not null check (window_days between 1 and 3650),
  -- The number that must be reached: incidents, agencies, unrelated people or missed contacts.
  threshold integer not null check (threshold between 1 and 1000),
  -- Harm groups counted (empty: every group).
  harm_groups text[] not null default '{}',
  -- Vulnerability markers (person_markers.marker) that make a person "vulnerable" for the rule.
  markers text[] not null default '{}',
  -- Escalation: the recent window's count must be at least factor × the previous window's.
  factor numeric(5, 2) check (factor is null or factor between 1 and 100),
  -- Repeat location: size of the square grid cell for incidents known only by coordinates.
  grid_metres integer check (grid_metres is null or grid_metres between 10 and 5000),
  sort_order integer not null default 0,
  updated_by uuid references users (id),
  updated_at timestamptz not null default now()
);

insert into alert_rules (code, window_days, threshold, harm_groups, markers, factor, grid_metres, sort_order) values
  ('repeat_victim', 28, 3, '{}', '{}', null, null, 10),
  ('multi_agency', 90, 3, '{}', '{}', null, null, 20),
  ('vulnerability_harm', 28, 1, '{asb,exploitation,welfare}',
    '{mental_health,learning_disability,physical_disability,substance_use,older_person,care_leaver,homeless,self_neglect,cuckooing_risk,exploitation_risk}', null, null, 30),
  ('escalation', 14, 3, '{}', '{}', 2, null, 40),
  ('repeat_location', 28, 5, '{}', '{}', null, 100, 50),
  ('cuckooing', 28, 3, '{drugs,asb,exploitation}',
    '{mental_health,learning_disability,substance_use,older_person,care_leaver,cuckooing_risk,exploitation_risk,self_neglect}', null, null, 60),
  ('missed_contacts', 56, 2, '{missed_contact}',
    '{mental_health,learning_disability,substance_use,older_person,self_neglect,care_leaver,homeless}', null, null, 70);

create table alerts (
  id uuid primary key default gen_random_uuid(),
  rule_code text not null references alert_rules (code),
  subject_kind text not null check (subject_kind in ('person', 'location')),
  -- 'person:<uuid>' or the location key; with the rule, what "the same alert" means.
  subject_key text not null,
  person_id uuid references people (id),
  location_id uuid references locations (id),
  -- An address or coordinates as the incidents gave them, for location alerts without a location record.
  location_label text,
  -- The figures behind the one-line reason, e.g. { "incidents": 4, "days": 28, "agencies": 3 }.
  facts jsonb not null default '{}'::jsonb,
  status text not null default 'open' check (status in ('open', 'case_opened', 'added_to_case', 'dismissed')),
  assigned_to uuid references users (id),
  assigned_at timestamptz,
  case_id uuid references cases (id),
  dismiss_reason text check (dismiss_reason is null or dismiss_reason in (
    'already_known', 'not_a_concern', 'insufficient_information', 'linkage_wrong', 'handled_elsewhere', 'other')),
  dismiss_detail text,
  decided_by uuid references users (id),
  decided_at timestamptz,
  first_fired_at timestamptz not null default now(),
  last_fired_at timestamptz not null default now(),
  version integer not null default 1,
  check ((status = 'dismissed') = (dismiss_reason is not null)),
  check ((status in ('case_opened', 'added_to_case')) = (case_id is not null))
);
-- At most one open alert per rule and subject: a re-run adds evidence to it.
create unique index alerts_open_subject on alerts (rule_code, subject_key) where status = 'open';
create index alerts_subject_idx on alerts (rule_code, subject_key);
create index alerts_status_idx on alerts (status, last_fired_at desc);
create index alerts_assigned_idx on alerts (assigned_to) where assigned_to is not null;

-- The incidents that fired an alert. organisation_id is the incident's source, kept here so that
-- need-to-know ("an organisation that supplied evidence") is one index look-up.
create table alert_evidence (
  alert_id uuid not null references alerts (id) on delete cascade,
  incident_id uuid not null references incidents (id) on delete cascade,
  organisation_id uuid not null references organisations (id),
  added_at timestamptz not null default now(),
  primary key (alert_id, incident_id)
);
create index alert_evidence_incident_idx on alert_evidence (incident_id);
create index alert_evidence_organisation_idx on alert_evidence (organisation_id, alert_id);

-- The people an alert is about (subject) or who appear in its evidence (associated).
create table alert_people (
  alert_id uuid not null references alerts (id) on delete cascade,
  person_id uuid not null references people (id),
  involvement text not null check (involvement in ('subject', 'associated')),
  primary key (alert_id, person_id)
);

-- The rules read incidents by time and then by linked person; these keep 1,000,000 incidents fast.
create index incident_people_person_incident_idx on incident_people (person_id, incident_id, role) where person_id is not null;
create index incident_people_incident_person_idx on incident_people (incident_id, person_id) where person_id is not null;
create index incidents_occurred_covering_idx on incidents (occurred_at) include (id, source_organisation_id, category_code, location_id);
