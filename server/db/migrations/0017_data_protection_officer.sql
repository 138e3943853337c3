-- The partnership's data-protection officer: approves retention runs, answers subject access
-- requests and reviews who looked at whose records. Sees audit, not casework.
alter table users drop constraint users_role_check;
alter table users add constraint users_role_check check (role in (
  'partnership_admin', 'organisation_admin', 'case_worker', 'case_manager', 'analyst',
  'read_only_partner', 'data_protection_officer'));
