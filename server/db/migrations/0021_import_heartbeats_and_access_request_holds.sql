-- Issue 9 follow-ups.

-- 1. Background imports beat a heart. Validation and import run in the process that started them;
-- with several processes on one database, a start-up (or the periodic sweep) fails only imports
-- whose process stopped beating, never the in-flight work of a live one (see
-- incidentImportService.ts). Null: started before this column existed, treated as stale.
alter table incident_imports add column heartbeat_at timestamptz;
create index incident_imports_running on incident_imports (heartbeat_at) where status in ('validating', 'importing');

-- 2. An open subject access request holds the person's data as a legal hold does: retention
-- keeps the person (and, as for a hold, the cases and incidents they are on) until the request
-- is answered, so what is released is what was held when it arrived. An approved request no
-- longer holds anything; the request itself (dates, decision, frozen export) is kept.
create or replace view retention_held_records as
  with held_people as (
    select subject_id as id from legal_holds_in_force where subject_kind = 'person'
    union select person_id from subject_access_requests where status = 'open'
  )
  select 'case'::text as kind, subject_id as id from legal_holds_in_force where subject_kind = 'case'
  union select 'person', id from held_people
  union select 'incident', subject_id from legal_holds_in_force where subject_kind = 'incident'
  union select 'case', cp.case_id from case_people cp join held_people h on h.id = cp.person_id
  union select 'person', cp.person_id from case_people cp
    join legal_holds_in_force h on h.subject_kind = 'case' and h.subject_id = cp.case_id
  union select 'incident', ip.incident_id from incident_people ip join held_people h on h.id = ip.person_id;
