-- Linking incident people to OneRoof people (issue 6, phase 2): the clerical review queue, the
-- models incremental runs learn and reuse, and why a record was left unlinked (ADR 0024).

-- Why a record is 'unlinked': too little to link on, or a reviewer undid its link.
alter table incident_people add column unlinked_reason text
  check (unlinked_reason is null or unlinked_reason in ('too_little_to_link', 'unlinked_by_reviewer'));
alter table incident_people add column linked_by uuid references users (id);

-- One possible match for a record in review: the incident person, the OneRoof person it may be,
-- the record of that person it was compared with, and why (each field's weight).
create table link_candidates (
  id uuid primary key default gen_random_uuid(),
  incident_person_id uuid not null references incident_people (id) on delete cascade,
  candidate_person_id uuid not null references people (id) on delete cascade,
  -- The candidate's record as compared: { givenName, surname, dateOfBirth, postcode, ... }.
  candidate_record jsonb not null,
  -- Whose record that is (the person's own organisation, or the agency that sent the incident).
  candidate_organisation_id uuid references organisations (id),
  match_weight double precision not null,
  match_probability double precision not null,
  -- { priorWeight, fields: [{ comparison, level, weight }] }
  explanation jsonb not null,
  status text not null default 'open' check (status in ('open', 'confirmed', 'rejected')),
  decided_by uuid references users (id),
  decided_at timestamptz,
  decision_reason text check (decision_reason is null or length(decision_reason) <= 1000),
  created_at timestamptz not null default now(),
  check ((status = 'open') = (decided_at is null))
);
create unique index link_candidates_pair on link_candidates (incident_person_id, candidate_person_id);
create index link_candidates_open_idx on link_candidates (created_at) where status = 'open';

-- Models trained by runs with enough pairs; small batches are scored with the latest one.
create table linkage_models (
  id uuid primary key default gen_random_uuid(),
  parameters jsonb not null,
  trained_at timestamptz not null default now(),
  pending_records integer not null,
  existing_records integer not null,
  compared_pairs integer not null
);
create index linkage_models_trained_idx on linkage_models (trained_at desc);

-- Exact identifier matches (NHS number etc.) find the person directly.
create index incident_people_identifier_idx on incident_people (identifier_kind, identifier) where identifier is not null and person_id is not null;
