-- Analytics (issue 7): an analysis saved with its parameters so that it can be re-run on new
-- data (and linked from a problem profile), and the background runs of long analyses.

create table saved_analyses (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('dashboard', 'hotspots', 'near_repeat', 'repeats')),
  name text not null check (btrim(name) <> '' and length(name) <= 200),
  -- The page's own parameters, as its form posts them (validated again on every re-run).
  parameters jsonb not null,
  owner_user_id uuid not null references users (id),
  organisation_id uuid not null references organisations (id),
  -- What the last run found, in a few figures (e.g. { "incidents": 812, "significantCells": 3 }).
  last_run_summary jsonb,
  last_run_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index saved_analyses_updated_idx on saved_analyses (updated_at desc);

-- A near-repeat run takes seconds to minutes: it runs in the background of the process that
-- started it, and the progress page reads its state from here.
create table analysis_runs (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('near_repeat')),
  parameters jsonb not null,
  status text not null default 'running' check (status in ('running', 'finished', 'failed')),
  result jsonb,
  failure text,
  saved_analysis_id uuid references saved_analyses (id) on delete set null,
  started_by uuid not null references users (id),
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create index analysis_runs_started_by_idx on analysis_runs (started_by, started_at desc);
