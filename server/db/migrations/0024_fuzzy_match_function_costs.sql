-- The planner takes fuzzystrmatch's functions for as cheap as an addition (cost 1), so on a
-- table of a few thousand other names it preferred reading every row and working out each one's
-- double metaphone to using the indexes on them (seen in EXPLAIN of "Find a person": a 9 ms
-- sequential scan of person_names). At their real cost it uses the indexes; searches over the
-- load benchmark's 50,000 people went from 24 ms to 16 ms at the median. Where the database role
-- does not own the functions (an extension installed by an administrator), the migration leaves
-- them as they are rather than fail.
do $$
begin
  alter function dmetaphone(text) cost 100;
  alter function soundex(text) cost 100;
exception when insufficient_privilege then
  raise notice 'fuzzystrmatch function costs left unchanged: this role does not own them';
end $$;
