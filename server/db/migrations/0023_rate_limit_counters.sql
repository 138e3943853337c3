-- Rate-limit counters shared by every app process (the API's per-key limit, the public ASB Case
-- Review forms' per-address limit), so N processes behind a load balancer allow what one would,
-- not N times it. Unlogged: a counter lost in a crash only forgives some requests, and the
-- counters cost no WAL flush on the request path.
create unlogged table rate_limit_counters (
  key text primary key,
  window_started_at timestamptz not null,
  hits integer not null
);
