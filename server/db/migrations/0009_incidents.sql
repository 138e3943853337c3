-- Incidents from every agency (issue 6): the partnership's taxonomy, each source's own codes
-- mapped onto it, the incidents themselves, and each source's record of the people involved.

-- The partnership's categories. `harm_group` is what signal rules and analytics reason about
-- (a rule says "ASB or exploitation", not a list of every source's codes).
create table incident_categories (
  code text primary key check (code ~ '^[a-z][a-z0-9_]{1,59}$'),
  name text not null,
  -- A built-in category shows the catalogue's incidents.categories.<code> until renamed.
  name_translated boolean not null default true,
  harm_group text not null check (harm_group in (
    'asb', 'welfare', 'mental_health', 'exploitation', 'drugs', 'violence', 'domestic_abuse',
    'hate', 'missed_contact', 'housing', 'environmental', 'crime', 'other')),
  severity smallint not null default 2 check (severity between 1 and 5),
  active boolean not null default true,
  sort_order integer not null default 0
);

insert into incident_categories (code, name, harm_group, severity, sort_order) values
  ('asb_personal', 'ASB – personal', 'asb', 3, 10),
  ('asb_nuisance', 'ASB – nuisance', 'asb', 2, 20),
  ('asb_environmental', 'ASB – environmental', 'environmental', 1, 30),
  ('noise', 'Noise complaint', 'asb', 1, 40),
  ('neighbour_dispute', 'Neighbour dispute', 'asb', 2, 50),
  ('concern_for_welfare', 'Concern for welfare', 'welfare', 3, 60),
  ('mental_health_crisis', 'Mental-health crisis', 'mental_health', 4, 70),
  ('missed_appointment', 'Missed appointment', 'missed_contact', 1, 80),
  ('no_access_visit', 'No access at a visit', 'missed_contact', 1, 90),
  ('drug_activity', 'Drug activity', 'drugs', 3, 100),
  ('exploitation_concern', 'Exploitation concern (incl. cuckooing)', 'exploitation', 4, 110),
  ('domestic_incident', 'Domestic incident', 'domestic_abuse', 4, 120),
  ('violence', 'Violence against the person', 'violence', 4, 130),
  ('hate_incident', 'Hate incident', 'hate', 3, 140),
  ('housing_visit_concern', 'Housing visit concern', 'housing', 2, 150),
  ('criminal_damage', 'Criminal damage and arson', 'crime', 2, 160),
  ('burglary', 'Burglary', 'crime', 3, 170),
  ('theft', 'Theft', 'crime', 2, 180),
  ('other_crime', 'Other crime', 'crime', 2, 190),
  ('other', 'Other', 'other', 1, 200);

-- Each source's own codes ("NOISE-DOM", "Anti-social behaviour") mapped to a category.
-- organisation_id null: a mapping for any source (police.uk's crime types ship this way).
create table incident_category_mappings (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid references organisations (id),
  source_code text not null check (source_code = lower(btrim(source_code)) and source_code <> ''),
  category_code text not null references incident_categories (code),
  created_at timestamptz not null default now()
);
create unique index incident_category_mappings_source on incident_category_mappings
  (coalesce(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid), source_code);

insert into incident_category_mappings (organisation_id, source_code, category_code) values
  (null, 'anti-social behaviour', 'asb_nuisance'),
  (null, 'burglary', 'burglary'),
  (null, 'criminal damage and arson', 'criminal_damage'),
  (null, 'drugs', 'drug_activity'),
  (null, 'violence and sexual offences', 'violence'),
  (null, 'public order', 'other_crime'),
  (null, 'other theft', 'theft'),
  (null, 'shoplifting', 'theft'),
  (null, 'theft from the person', 'theft'),
  (null, 'bicycle theft', 'theft'),
  (null, 'vehicle crime', 'other_crime'),
  (null, 'robbery', 'violence'),
  (null, 'possession of weapons', 'other_crime'),
  (null, 'other crime', 'other_crime');

-- One upload or API batch; the CSV's rows are validated before anything is stored, and the
-- import commits all its rows or none.
create table incident_imports (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references organisations (id),
  created_by uuid references users (id),
  api_key_id uuid references api_keys (id),
  channel text not null check (channel in ('upload', 'api', 'police_uk', 'command')),
  file_name text,
  file_bytes bigint,
  file_sha256 text,
  template_id uuid,
  status text not null default 'uploaded' check (status in (
    'uploaded', 'validating', 'validated', 'importing', 'imported', 'failed', 'discarded')),
  rows_total integer not null default 0,
  rows_valid integer not null default 0,
  rows_invalid integer not null default 0,
  rows_imported integer not null default 0,
  rows_already_held integer not null default 0,
  -- The first row-level problems, for the validation report: [{ "row": 12, "field": "...", "message": "..." }]
  row_errors jsonb not null default '[]'::jsonb,
  failure text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index incident_imports_organisation_idx on incident_imports (organisation_id, created_at desc);

-- A source's saved column mapping for its CSV layout.
create table incident_mapping_templates (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references organisations (id),
  name text not null,
  -- { "<incident field>": "<CSV column header>", ... }, plus date format and category column.
  mapping jsonb not null,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index incident_mapping_templates_name on incident_mapping_templates (organisation_id, lower(name));

create table incidents (
  id uuid primary key default gen_random_uuid(),
  source_organisation_id uuid not null references organisations (id),
  -- The source's own reference; (source, reference) makes re-imports idempotent.
  source_reference text not null,
  occurred_at timestamptz not null,
  -- police.uk gives months only; near-repeat and day-of-week work skip coarser records.
  occurred_precision text not null default 'minute' check (occurred_precision in ('minute', 'day', 'month')),
  category_code text not null references incident_categories (code),
  source_category text,
  summary text,
  address text,
  postcode text check (postcode is null or postcode ~ '^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$'),
  latitude double precision check (latitude between 49.8 and 60.9),
  longitude double precision check (longitude between -8.7 and 1.8),
  check ((latitude is null) = (longitude is null)),
  location_id uuid references locations (id),
  -- District or ward name, and the LSOA code where the source gives one.
  area text,
  lsoa_code text,
  import_id uuid references incident_imports (id),
  created_at timestamptz not null default now()
);
create unique index incidents_source_reference on incidents (source_organisation_id, source_reference);
create index incidents_occurred_idx on incidents (occurred_at);
create index incidents_category_occurred_idx on incidents (category_code, occurred_at);
create index incidents_location_idx on incidents (location_id) where location_id is not null;
create index incidents_postcode_idx on incidents (postcode) where postcode is not null;
create index incidents_import_idx on incidents (import_id);

-- The source's record of a person in an incident, kept as the source sent it. Entity resolution
-- links it to a OneRoof person (person_id); unlinking never loses this record.
create table incident_people (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null references incidents (id) on delete cascade,
  role text not null check (role in (
    'victim', 'complainant', 'alleged_perpetrator', 'witness', 'person_at_risk', 'subject', 'other')),
  given_name text,
  family_name text,
  date_of_birth date,
  gender text,
  address text,
  postcode text,
  phone text,
  -- The source's own identifier for the person (NHS number, police or council person id).
  identifier_kind text check (identifier_kind in ('nhs_number', 'police_id', 'council_id', 'other')),
  identifier text,
  person_id uuid references people (id),
  link_status text not null default 'pending' check (link_status in (
    'pending', 'auto_linked', 'in_review', 'confirmed', 'new_person', 'unlinked')),
  match_weight double precision,
  linked_at timestamptz,
  check ((identifier is null) = (identifier_kind is null))
);
create index incident_people_incident_idx on incident_people (incident_id);
create index incident_people_person_idx on incident_people (person_id) where person_id is not null;
create index incident_people_pending_idx on incident_people (link_status) where link_status in ('pending', 'in_review');

-- API idempotency: a retried POST with the same key returns the first answer and stores nothing.
create table api_idempotency_keys (
  api_key_id uuid not null references api_keys (id),
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  request_sha256 text not null,
  response_status integer not null,
  response_body jsonb not null,
  created_at timestamptz not null default now(),
  primary key (api_key_id, idempotency_key)
);
