-- Retention: the partnership's schedules per record type, legal holds, and runs that a
-- data-protection officer approves before anything is deleted or anonymised (ADR 0026).

create table retention_schedules (
  record_type text primary key check (record_type in (
    'closed_cases', 'incidents', 'alerts', 'referrals', 'audit_log', 'attachments')),
  period_months integer not null check (period_months between 1 and 1200),
  action text not null check (action in ('delete', 'anonymise')),
  lawful_basis text not null check (lawful_basis in (
    'public_task', 'legal_obligation', 'law_enforcement', 'crime_and_disorder_act', 'limitation_act', 'partnership_policy')),
  legal_reason text not null check (legal_reason <> ''),
  enabled boolean not null default true,
  updated_by uuid references users (id),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  -- An audit event or a file cannot be "anonymised": they are only ever removed.
  check (action = 'delete' or record_type not in ('audit_log', 'attachments'))
);

create table retention_schedule_changes (
  id bigint generated always as identity primary key,
  record_type text not null references retention_schedules (record_type),
  changed_at timestamptz not null default now(),
  changed_by uuid references users (id),
  before jsonb,
  after jsonb not null
);
create index retention_schedule_changes_type_idx on retention_schedule_changes (record_type, changed_at desc);

create table legal_holds (
  id uuid primary key default gen_random_uuid(),
  subject_kind text not null check (subject_kind in ('case', 'person', 'incident')),
  subject_id uuid not null,
  reason text not null check (reason <> ''),
  placed_by uuid references users (id),
  placed_at timestamptz not null default now(),
  -- Inclusive last day of the hold (London date); null: until released.
  until date,
  released_at timestamptz,
  released_by uuid references users (id),
  release_reason text,
  check ((released_at is null) = (release_reason is null))
);
create index legal_holds_subject_idx on legal_holds (subject_kind, subject_id) where released_at is null;

-- Holds in force today, and every record they protect: a held person protects the cases and
-- incidents they are on; a held case protects the people on it.
create view legal_holds_in_force as
  select * from legal_holds
  where released_at is null and (until is null or until >= (now() at time zone 'Europe/London')::date);

create view retention_held_records as
  select 'case'::text as kind, subject_id as id from legal_holds_in_force where subject_kind = 'case'
  union select 'person', subject_id from legal_holds_in_force where subject_kind = 'person'
  union select 'incident', subject_id from legal_holds_in_force where subject_kind = 'incident'
  union select 'case', cp.case_id from case_people cp
    join legal_holds_in_force h on h.subject_kind = 'person' and h.subject_id = cp.person_id
  union select 'person', cp.person_id from case_people cp
    join legal_holds_in_force h on h.subject_kind = 'case' and h.subject_id = cp.case_id
  union select 'incident', ip.incident_id from incident_people ip
    join legal_holds_in_force h on h.subject_kind = 'person' and h.subject_id = ip.person_id;

create table retention_runs (
  id uuid primary key default gen_random_uuid(),
  status text not null default 'proposed' check (status in ('proposed', 'rejected', 'completed', 'failed')),
  -- The moment the due lists were computed: each cut-off is measured back from it.
  as_of timestamptz not null,
  proposed_at timestamptz not null default now(),
  proposed_by uuid references users (id),
  proposed_by_label text not null,
  decided_at timestamptz,
  decided_by uuid references users (id),
  decision_note text,
  completed_at timestamptz,
  failure text
);
create index retention_runs_proposed_idx on retention_runs (proposed_at desc);

create table retention_run_items (
  run_id uuid not null references retention_runs (id) on delete cascade,
  record_type text not null,
  action text not null check (action in ('delete', 'anonymise')),
  period_months integer not null,
  cutoff timestamptz not null,
  proposed integer not null,
  held integer not null,
  deleted integer not null default 0,
  anonymised integer not null default 0,
  skipped_hold integer not null default 0,
  skipped_other integer not null default 0,
  sample jsonb not null default '[]'::jsonb,
  primary key (run_id, record_type)
);

-- Exactly what the officer saw and approved: a run never acts on anything outside this list.
create table retention_run_records (
  run_id uuid not null references retention_runs (id) on delete cascade,
  record_type text not null,
  record_id text not null,
  -- Set when the run executes: acted on, kept for a hold placed since, or no longer due.
  outcome text check (outcome in ('act', 'held', 'skipped')),
  primary key (run_id, record_type, record_id)
);

alter table cases add column anonymised_at timestamptz;
alter table people add column anonymised_at timestamptz;
alter table incidents add column anonymised_at timestamptz;
alter table alerts add column anonymised_at timestamptz;
alter table referrals add column anonymised_at timestamptz;

-- Audit retention removes the oldest events. Before removing, it records the sequence number
-- and hash of the last removed event here; `audit:verify` then starts from the newest anchor.
-- Anchors are themselves append-only.
create table audit_chain_anchors (
  seq bigint primary key,
  hash text not null,
  removed_count bigint not null,
  removed_through timestamptz not null,
  run_id uuid references retention_runs (id),
  created_at timestamptz not null default now()
);

create function audit_chain_anchors_refuse_change() returns trigger
language plpgsql as $$
begin
  raise exception 'audit_chain_anchors is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end;
$$;
create trigger audit_chain_anchors_no_update before update on audit_chain_anchors
  for each row execute function audit_chain_anchors_refuse_change();
create trigger audit_chain_anchors_no_delete before delete on audit_chain_anchors
  for each row execute function audit_chain_anchors_refuse_change();
create trigger audit_chain_anchors_no_truncate before truncate on audit_chain_anchors
  for each statement execute function audit_chain_anchors_refuse_change();

-- The audit log stays append-only, except that a retention run may delete events at or before
-- an anchor it has recorded, in a transaction that says so (`oneroof.audit_retention`).
create or replace function audit_events_refuse_change() returns trigger
language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    if coalesce(current_setting('oneroof.audit_retention', true), '') = 'on'
       and exists (select 1 from audit_chain_anchors a where a.seq >= old.seq) then
      return old;
    end if;
  end if;
  raise exception 'audit_events is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end;
$$;
