-- Audit events are written in two steps (ADR 0030). A unit of work inserts its events here, in
-- its own transaction, without waiting for anything; a chainer then moves them into the hash
-- chain (`audit_events`) in batches under the chain's advisory lock. Appends therefore no longer
-- queue behind one another's commit flush, and the event still commits or rolls back with the
-- change it records.
create table audit_inbox (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null,
  actor_user_id uuid,
  actor_label text not null,
  organisation_id uuid,
  action text not null,
  record_type text,
  record_id text,
  ip text,
  request_id text,
  reason text,
  details jsonb not null default '{}'::jsonb,
  break_glass boolean not null default false
);

-- Rows leave the inbox only into the chain: the chainer says so for its transaction
-- (`oneroof.audit_chaining`); nothing may edit an event while it waits.
create function audit_inbox_refuse_change() returns trigger
language plpgsql as $$
begin
  if tg_op = 'DELETE' and coalesce(current_setting('oneroof.audit_chaining', true), '') = 'on' then
    return old;
  end if;
  raise exception 'audit_inbox only moves into audit_events: % refused', tg_op
    using errcode = 'insufficient_privilege';
end;
$$;
create trigger audit_inbox_no_update before update on audit_inbox
  for each row execute function audit_inbox_refuse_change();
create trigger audit_inbox_no_delete before delete on audit_inbox
  for each row execute function audit_inbox_refuse_change();
create trigger audit_inbox_no_truncate before truncate on audit_inbox
  for each statement execute function audit_inbox_refuse_change();
