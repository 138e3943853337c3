-- What an incident import needs between its steps (issue 6): the uploaded file on disk, how it
-- was decoded, its header row, the column mapping chosen, and how far the background work has got.
alter table incident_imports
  add column storage_key text,
  add column encoding text,
  add column headers jsonb not null default '[]'::jsonb,
  -- { "columns": { "<incident field>": "<CSV header>" }, "policeUk": true|false }
  add column mapping jsonb,
  add column bytes_processed bigint not null default 0,
  -- Rows that repeat an earlier row's reference in the same file (also counted as invalid).
  add column rows_duplicate integer not null default 0;
