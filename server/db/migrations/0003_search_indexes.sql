-- Search at scale. "Find a person" matches the first and the last name word by word (sounds
-- like, or spelt like), so that the database combines the word indexes and reads only people
-- who match on both words, instead of rechecking everyone who shares one common word.
-- (`if not exists`: a large database may have had them built by hand ahead of the upgrade.)
create index if not exists people_given_name_trgm on people using gin ((lower(given_name)) gin_trgm_ops);
create index if not exists people_family_name_trgm on people using gin ((lower(family_name)) gin_trgm_ops);
create index if not exists people_family_soundex on people (soundex(family_name));
create index if not exists person_names_given_name_trgm on person_names using gin ((lower(given_name)) gin_trgm_ops);
create index if not exists person_names_family_name_trgm on person_names using gin ((lower(family_name)) gin_trgm_ops);
create index if not exists person_names_given_metaphone on person_names (dmetaphone(given_name));
create index if not exists person_names_family_soundex on person_names (soundex(family_name));

-- A postcode district ("NE6"): the outward code, before the space.
create index if not exists locations_postcode_district on locations (split_part(postcode, ' ', 1));
