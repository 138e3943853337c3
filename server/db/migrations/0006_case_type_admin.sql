-- Case types managed by the partnership administrator (/admin/case-types).

-- True while a type keeps the built-in name the i18n catalogue translates (cases.types.<code>);
-- a type the partnership added or renamed is shown by the name it was given, in every language.
alter table case_types add column name_translated boolean not null default false;
update case_types set name_translated = true
  where code in ('anti_social_behaviour', 'vulnerability', 'criminal_exploitation', 'domestic_abuse',
                 'mental_health_crisis', 'hate_incident', 'neighbour_nuisance');

-- Two types with one prefix would issue look-alike references; two with one name could not be told apart.
create unique index case_types_reference_prefix_key on case_types (reference_prefix);
create unique index case_types_name_key on case_types (lower(name));
