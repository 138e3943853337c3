-- The audit log, partitioned by calendar month (UTC) of `occurred_at` (ADR 0031). It grows with
-- every request and is never updated, so old months are only read for investigations and removed
-- by retention; partitions keep its indexes a month deep and let a month go as one unit later.

alter table audit_events rename to audit_events_unpartitioned;
alter table audit_events_unpartitioned rename constraint audit_events_pkey to audit_events_unpartitioned_pkey;
drop index audit_events_actor_idx, audit_events_record_idx, audit_events_occurred_idx, audit_events_action_idx;

-- A partitioned table's unique keys must include the partition key, so the primary key is
-- (seq, occurred_at). seq stays unique because only the chainer assigns it, under the chain's
-- advisory lock, and `audit:verify` reports a duplicate or missing seq.
create table audit_events (
  seq bigint not null,
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
  break_glass boolean not null default false,
  prev_hash text not null,
  hash text not null,
  primary key (seq, occurred_at)
) partition by range (occurred_at);
create index audit_events_actor_idx on audit_events (actor_user_id, occurred_at desc);
create index audit_events_record_idx on audit_events (record_type, record_id, occurred_at desc);
create index audit_events_occurred_idx on audit_events (occurred_at desc);
create index audit_events_action_idx on audit_events (action, occurred_at desc);

-- Row triggers on the parent are cloned onto every partition, so an UPDATE or DELETE is refused
-- (or allowed by 0018's retention rule) whether it names the parent or a partition. A statement
-- trigger is not cloned: each partition gets its own TRUNCATE trigger below.
create trigger audit_events_no_update before update on audit_events
  for each row execute function audit_events_refuse_change();
create trigger audit_events_no_delete before delete on audit_events
  for each row execute function audit_events_refuse_change();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_refuse_change();

-- Catches an event whose month has no partition yet, so an insert never fails for want of one.
create table audit_events_default partition of audit_events default;
create trigger audit_events_no_truncate before truncate on audit_events_default
  for each statement execute function audit_events_refuse_change();

-- Creates the partition `audit_events_yYYYYmMM` for the UTC month containing `month`, unless it
-- exists. Events of that month already caught by the default partition move into the new one:
-- the default is detached (which drops its cloned row triggers, so the move is not refused),
-- the rows copied and removed from it, and it is attached again, all in the caller's transaction.
create function audit_events_create_month_partition(month date) returns boolean
language plpgsql as $$
declare
  first_day date := date_trunc('month', month::timestamp)::date;
  next_first_day date := (date_trunc('month', month::timestamp) + interval '1 month')::date;
  partition_name text := 'audit_events_' || to_char(first_day::timestamp, '"y"YYYY"m"MM');
  lower_bound timestamptz := (first_day::text || ' 00:00:00+00')::timestamptz;
  upper_bound timestamptz := (next_first_day::text || ' 00:00:00+00')::timestamptz;
  caught boolean;
begin
  if exists (select 1 from pg_inherits i join pg_class c on c.oid = i.inhrelid
             where i.inhparent = 'audit_events'::regclass and c.relname = partition_name) then
    return false;
  end if;
  caught := exists (select 1 from audit_events_default where occurred_at >= lower_bound and occurred_at < upper_bound);
  if caught then
    alter table audit_events detach partition audit_events_default;
  end if;
  execute format('create table %I partition of audit_events for values from (%L) to (%L)',
    partition_name, first_day::text || ' 00:00:00+00', next_first_day::text || ' 00:00:00+00');
  execute format('create trigger audit_events_no_truncate before truncate on %I
    for each statement execute function audit_events_refuse_change()', partition_name);
  if caught then
    execute format('insert into %I select * from audit_events_default where occurred_at >= $1 and occurred_at < $2', partition_name)
      using lower_bound, upper_bound;
    delete from audit_events_default where occurred_at >= lower_bound and occurred_at < upper_bound;
    alter table audit_events attach partition audit_events_default default;
  end if;
  return true;
end;
$$;

-- The partitions from this month to `months_ahead` months ahead; returns how many it created.
-- Called at start-up and nightly. It takes the chain's advisory lock (as the chainer and audit
-- retention do), so it never runs beside either or beside another process doing the same.
create function audit_events_ensure_partitions(months_ahead integer default 3) returns integer
language plpgsql as $$
declare
  this_month date := date_trunc('month', now() at time zone 'UTC')::date;
  created integer := 0;
begin
  if months_ahead < 0 then
    raise exception 'months_ahead must not be negative';
  end if;
  perform pg_advisory_xact_lock(4242001);
  for offset_months in 0..months_ahead loop
    if audit_events_create_month_partition((this_month + make_interval(months => offset_months))::date) then
      created := created + 1;
    end if;
  end loop;
  return created;
end;
$$;

-- One partition per month the existing events fall in, this month and the next three; then the
-- events move across (no trigger refuses an INSERT) and the old table goes.
select audit_events_create_month_partition(month)
from (select distinct date_trunc('month', occurred_at at time zone 'UTC')::date as month from audit_events_unpartitioned) months
order by month;
select audit_events_ensure_partitions(3);
insert into audit_events (seq, occurred_at, actor_user_id, actor_label, organisation_id, action, record_type, record_id, ip,
                          request_id, reason, details, break_glass, prev_hash, hash)
  select seq, occurred_at, actor_user_id, actor_label, organisation_id, action, record_type, record_id, ip,
         request_id, reason, details, break_glass, prev_hash, hash
  from audit_events_unpartitioned;
drop table audit_events_unpartitioned;
