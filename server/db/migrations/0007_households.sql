-- Households in use: who lives with whom, and how they are related. The tables came with
-- 0002_cases.sql; this adds what the pages need.
--
-- `relationship` is the member's relationship to the person the household was set up for (that
-- person's own row has none). A fixed list, translated in the households catalogue.
alter table household_members
  add column added_at timestamptz not null default now(),
  add constraint household_members_relationship_check check (relationship is null or relationship in (
    'partner', 'parent', 'child', 'sibling', 'other_relative', 'other_adult', 'lodger'));

-- A person's page and a case's people page look households up by member.
create index if not exists household_members_person on household_members (person_id);
