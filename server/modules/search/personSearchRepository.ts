import { expressionBuilder, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { type CaseViewer, visibleTo } from '../cases/caseAccess.ts';
import { personVisibleTo } from '../people/personAccess.ts';
import type { NameQuery } from './nameQuery.ts';

export type DateOfBirthFilter = { kind: 'exact'; date: string } | { kind: 'year'; year: number };
export type PostcodeFilter = { kind: 'full'; postcode: string } | { kind: 'district'; outward: string };

export interface PersonSearchCriteria {
  name: NameQuery;
  dateOfBirth?: DateOfBirthFilter | undefined;
  postcode?: PostcodeFilter | undefined;
}

export type NameKind = 'primary' | 'alias' | 'previous' | 'nickname';

/**
 * Whose people a search looks through: those a viewer may know of, or everyone in the partnership
 * (only for the data-protection officer answering a subject access request, audited as such).
 */
export type PersonSearchScope = CaseViewer | 'everyone';

export interface PersonMatch {
  id: string;
  given_name: string;
  family_name: string;
  date_of_birth: string | null;
  approximate_age: number | null;
  score: number;
  /** The name of theirs that matched best: their own, or an alias, previous name or nickname. */
  matched_kind: NameKind;
  matched_given: string;
  matched_family: string;
  /** Trigram similarity of that name to what was typed (or to it with a nickname put in), 0–1. */
  similarity: number;
  exact: boolean;
  sounds_alike: boolean;
  nickname: boolean;
  date_of_birth_match: 'exact' | 'swapped' | 'year' | null;
}

/**
 * The `%` operator's cut-off for this transaction, used word by word (first name, last name):
 * "smyth" and "smith" (0.33), "thmopson" and "thompson" (0.38) are alike at it. Slips that keep
 * the sound ("jon", 0.29 to "john") come in through their sound instead.
 */
export const TRIGRAM_THRESHOLD = 0.3;

/**
 * How many of the best candidates, by a rough score, the viewer may know of are scored in full.
 * Checking who may be known costs a few index lookups a person, so candidates are checked best
 * first only until this many pass: a common name ("Smith") does not check every Smith.
 */
export const SHORTLIST = 100;

/** For case search: candidates (best first, by the rough score) whose cases are looked at. */
export const CASE_SEARCH_CANDIDATES = 2_000;

/** How much each kind of agreement counts (a name scores up to 1.1); a date of birth adds to it. */
const WEIGHTS = {
  similarity: 0.55, soundsAlike: 0.25, exact: 0.2, firstName: 0.1, otherName: 0.9,
  // A name is a little less alike through a nickname put in ("Jack Smith" for "John Smith") than as typed.
  variant: 0.9,
  dobExact: 0.3, dobSwapped: 0.15, dobYear: 0.05,
};

/** Double metaphone codes of the typed words and their other forms, worked out by the database. */
export interface NameSounds {
  given: string;
  family: string;
  /** Of `given` and its other forms; of `family` and its other forms. */
  givenForms: string[];
  familyForms: string[];
  /**
   * Soundex of the typed words, for last names: it keeps the consonants in order and ignores
   * vowels, so it forgives slips that change the metaphone ("Smtih", "Thmopson").
   */
  givenSoundex: string;
  familySoundex: string;
}

/**
 * Fuzzy person search on PostgreSQL's pg_trgm (spelling) and fuzzystrmatch (sound). Every
 * candidate comes from indexes: a first name that sounds like the one typed (or one of its
 * nicknames) or is spelt like it, together with a last name that sounds or is spelt like the
 * one typed, in either order, on their own name or another name (so the database combines
 * bitmaps of the word indexes and reads only the people who match on both words). Candidates
 * get a rough score from the name that found them; best first, they are checked against the
 * need-to-know rule (and the postcode) until a shortlist is full, and only the shortlist is
 * scored in full.
 */
export class PersonSearchRepository {
  /** Runs inside `trx`: the trigram threshold is set for that transaction alone. */
  async search(trx: Transaction<Database>, viewer: PersonSearchScope, criteria: PersonSearchCriteria, limit: number): Promise<PersonMatch[]> {
    const sounds = await this.sounds(trx, criteria.name);
    await this.useTrigramThreshold(trx);
    return (await this.searchQuery(viewer, criteria, sounds, limit).execute(trx)).rows;
  }

  /** The query alone (for EXPLAIN): needs the trigram threshold set in its transaction. */
  searchQuery(viewer: PersonSearchScope, criteria: PersonSearchCriteria, sounds: NameSounds, limit: number): RawBuilder<PersonMatch> {
    const dob = dateOfBirthSql(criteria.dateOfBirth);
    const people = expressionBuilder<Database, 'people'>();
    // `offset 0` keeps the checks out of the sorted list, so that they run best first, lazily.
    const shortlist = sql`
      select people.id from (
        select candidates.id, candidates.rough, people.created_by_organisation_id
        from (${candidatesSql(criteria.name, sounds, criteria.dateOfBirth)}) candidates
        join people on people.id = candidates.id
        where ${dob.filter}
        order by candidates.rough desc, candidates.id
        offset 0
      ) people
      where ${viewer === 'everyone' ? sql`true` : personVisibleTo(viewer)(people)} and ${postcodeFilterSql(criteria.postcode, viewer)}
      limit ${SHORTLIST}`;
    return sql<PersonMatch>`
      select people.id, people.given_name, people.family_name, people.date_of_birth, people.approximate_age,
        name_matches.matched_kind, name_matches.matched_given, name_matches.matched_family, name_matches.similarity,
        name_matches.exact, name_matches.sounds_alike, name_matches.nickname,
        ${dob.match} as date_of_birth_match,
        name_matches.name_score + ${dob.bonus} as score
      from (${scoredSql(shortlist, criteria.name, sounds)}) name_matches
      join people on people.id = name_matches.id
      order by score desc, people.family_name, people.given_name, people.id
      limit ${limit}`;
  }

  async sounds(trx: Transaction<Database>, name: NameQuery): Promise<NameSounds> {
    const words = [...new Set([name.given, name.family, ...name.givenForms, ...name.familyForms])];
    const result = await sql<{ word: string; sound: string; soundex: string }>`select word, dmetaphone(word) as sound, soundex(word) as soundex from unnest(${words}::text[]) as word`.execute(trx);
    const soundOf = new Map(result.rows.map((row) => [row.word, row.sound]));
    const soundexOf = new Map(result.rows.map((row) => [row.word, row.soundex]));
    const distinct = (forms: string[]) => [...new Set(forms.map((form) => soundOf.get(form) ?? ''))].filter(Boolean);
    return {
      given: soundOf.get(name.given) ?? '',
      family: soundOf.get(name.family) ?? '',
      givenForms: distinct([name.given, ...name.givenForms]),
      familyForms: distinct([name.family, ...name.familyForms]),
      givenSoundex: soundexOf.get(name.given) ?? '',
      familySoundex: soundexOf.get(name.family) ?? '',
    };
  }

  async useTrigramThreshold(trx: Transaction<Database>): Promise<void> {
    await sql`select set_config('pg_trgm.similarity_threshold', ${String(TRIGRAM_THRESHOLD)}, true)`.execute(trx);
  }
}

const fullName = (table: string) => sql`lower(${sql.ref(`${table}.given_name`)} || ' ' || ${sql.ref(`${table}.family_name`)})`;

/**
 * People whose own name or other name matches, best first by the rough score, at most
 * `CASE_SEARCH_CANDIDATES` of them, each with the best-matching name and its score (columns id,
 * matched_kind, matched_given, matched_family, similarity, exact, sounds_alike, nickname,
 * name_score). No visibility filter: callers add theirs (case search reads only visible cases).
 */
export function nameMatchesSql(name: NameQuery, sounds: NameSounds): RawBuilder<unknown> {
  const best = sql`select candidates.id from (${candidatesSql(name, sounds)}) candidates order by candidates.rough desc, candidates.id limit ${CASE_SEARCH_CANDIDATES}`;
  return scoredSql(best, name, sounds);
}

/** Each person found by any arm once (columns id, rough): the rough score is that of their best arm. */
function candidatesSql(name: NameQuery, sounds: NameSounds, dateOfBirth?: DateOfBirthFilter): RawBuilder<unknown> {
  return sql`select arms.id, max(arms.rough) as rough from (${sql.join(candidateArms(name, sounds, dateOfBirth), sql` union all `)}) arms group by arms.id`;
}

/** The people with the ids `ids` selects, each with their best-matching name and its score. */
function scoredSql(ids: RawBuilder<unknown>, name: NameQuery, sounds: NameSounds): RawBuilder<unknown> {
  return sql`
    select people.id, best.kind as matched_kind, best.given_name as matched_given, best.family_name as matched_family,
      best.similarity, best.exact, best.sounds_alike, best.nickname, best.name_score
    from (${ids}) chosen
    join people on people.id = chosen.id
    cross join lateral (
      select names.kind, names.given_name, names.family_name, agreement.similarity, agreement.exact, agreement.sounds_alike, agreement.nickname,
        (${WEIGHTS.similarity}::float8 * agreement.similarity
          + case when agreement.sounds_alike then ${WEIGHTS.soundsAlike}::float8 else 0 end
          + case when agreement.exact then ${WEIGHTS.exact}::float8 else 0 end
          + case when agreement.first_name then ${WEIGHTS.firstName}::float8 else 0 end)
          * case when names.kind = 'primary' then 1 else ${WEIGHTS.otherName}::float8 end as name_score
      from (
        select 'primary' as kind, people.given_name, people.family_name
        union all
        select other.kind, other.given_name, other.family_name from person_names other where other.person_id = people.id
      ) names
      cross join lateral (select ${agreementSql(name, sounds)}) agreement
      order by name_score desc
      limit 1
    ) best`;
}

/**
 * Each way a person can come into the results, as an indexed lookup, with a rough score: how
 * alike their name is to what was typed, more if it also sounds the same, a little less for
 * another name than for their own.
 */
function candidateArms(name: NameQuery, sounds: NameSounds, dateOfBirth?: DateOfBirthFilter): RawBuilder<unknown>[] {
  const arms: RawBuilder<unknown>[] = [];
  for (const [table, id] of [['people', 'id'], ['person_names', 'person_id']] as const) {
    const weight = table === 'people' ? 1 : WEIGHTS.otherName;
    const given = sql.ref(`${table}.given_name`);
    const family = sql.ref(`${table}.family_name`);
    /** The first name sounds like one of `forms`, or (given `typed`) is spelt like it. */
    const firstName = (forms: readonly string[], typed?: string) =>
      wordMatch([forms.length > 0 && sql`dmetaphone(${given}) = any(${forms}::text[])`], typed === undefined ? undefined : sql`lower(${given}) % ${typed}`);
    /** The last name sounds like `sound` (metaphone or soundex), or (given `typed`) is spelt like it. */
    const lastName = (sound: string, soundex: string, typed?: string) =>
      wordMatch([sound !== '' && sql`dmetaphone(${family}) = ${sound}`, soundex !== '' && sql`soundex(${family}) = ${soundex}`], typed === undefined ? undefined : sql`lower(${family}) % ${typed}`);
    const arm = (where: RawBuilder<unknown>, soundsAlike: RawBuilder<unknown>) =>
      sql`select ${sql.ref(`${table}.${id}`)} as id,
          (similarity(${fullName(table)}, ${name.text}) + case when ${soundsAlike} then ${WEIGHTS.soundsAlike}::float8 else 0 end) * ${weight}::float8 as rough
        from ${sql.table(table)} where ${where}`;
    if (name.single) {
      // One word may be either name.
      const last = lastName(sounds.family, sounds.familySoundex, name.family);
      const first = firstName(sounds.givenForms, name.given);
      for (const word of [last, first]) if (word.where) arms.push(arm(word.where, word.soundsAlike));
      continue;
    }
    // As typed (first name first), by sound or spelling; the other way round ("Smith John"), by
    // sound alone: a slip in spelling as well as the order is rare, and the spelling indexes
    // are the costly part of the lookup.
    const asTyped = { first: firstName(sounds.givenForms, name.given), last: lastName(sounds.family, sounds.familySoundex, name.family) };
    const reversed = { first: firstName(sounds.familyForms), last: lastName(sounds.given, sounds.givenSoundex) };
    for (const { first, last } of [asTyped, reversed]) {
      if (!first.where || !last.where) continue;
      arms.push(arm(sql`${first.where} and ${last.where}`, sql`(${first.soundsAlike} and ${last.soundsAlike})`));
    }
  }
  if (dateOfBirth?.kind === 'exact') {
    // With a date of birth, a badly misspelt name is still worth showing if it is a little alike.
    arms.push(sql`select people.id, similarity(${fullName('people')}, ${name.text}) + ${WEIGHTS.dobExact}::float8 as rough from people
      where people.date_of_birth = any(${datesOfBirth(dateOfBirth.date)}::date[])
        and (similarity(${fullName('people')}, ${name.text}) > 0.15 or dmetaphone(people.family_name) = any(${[sounds.given, sounds.family].filter(Boolean)}::text[]))`);
  }
  return arms;
}

/**
 * One word's condition: it sounds alike by any of `sounds` (those there is a code to compare
 * with) or, when asked, is spelt alike. Each part has an index, so the database can combine them.
 */
function wordMatch(sounds: (RawBuilder<unknown> | false)[], spelling?: RawBuilder<unknown>) {
  const usable = sounds.filter((sound): sound is RawBuilder<unknown> => sound !== false);
  const soundsAlike = usable.length > 0 ? sql`(${sql.join(usable, sql` or `)})` : sql`false`;
  const conditions = spelling ? [...usable, spelling] : usable;
  // Nothing to go on (no sound and no spelling asked for): this word cannot match.
  return { where: conditions.length > 0 ? sql`(${sql.join(conditions, sql` or `)})` : undefined, soundsAlike };
}

/** How one name (`names.given_name`, `names.family_name`) agrees with the typed name. */
function agreementSql(name: NameQuery, sounds: NameSounds): RawBuilder<unknown> {
  const full = sql`lower(names.given_name || ' ' || names.family_name)`;
  const given = sql`lower(names.given_name)`;
  const family = sql`lower(names.family_name)`;
  const similarity = sql`greatest(similarity(${full}, ${name.text}), ${WEIGHTS.variant}::float8 * (select max(similarity(${full}, variant)) from unnest(${name.variants}::text[]) as variant))::float8`;
  const exact = name.single
    ? sql`(${given} = ${name.given} or ${family} = ${name.family})`
    : sql`((${given} = ${name.given} and ${family} = ${name.family}) or (${given} = ${name.family} and ${family} = ${name.given}))`;
  const soundsAlike = name.single
    ? sql`(dmetaphone(names.family_name) = ${sounds.family} or dmetaphone(names.given_name) = any(${sounds.givenForms}::text[]))`
    : sql`((dmetaphone(names.family_name) = ${sounds.family} and dmetaphone(names.given_name) = any(${sounds.givenForms}::text[]))
        or (dmetaphone(names.family_name) = ${sounds.given} and dmetaphone(names.given_name) = any(${sounds.familyForms}::text[])))`;
  const forms = [...name.givenForms, ...name.familyForms];
  const nickname = sql`(${given} = any(${forms}::text[]))`;
  // Their first name is the one typed (either way round) or another form of it.
  const firstName = sql`(${given} = any(${[name.given, name.family, ...forms]}::text[]))`;
  return sql`${similarity} as similarity, ${exact} as exact, coalesce(${soundsAlike}, false) as sounds_alike, ${nickname} as nickname, ${firstName} as first_name`;
}

/** The date typed, and the same date with day and month swapped (a common slip) when that is a date. */
export function datesOfBirth(date: string): string[] {
  const [year, month, day] = date.split('-');
  const swapped = `${year}-${day}-${month}`;
  const valid = Number(day) <= 12 && day !== month && !Number.isNaN(Date.parse(`${swapped}T00:00:00Z`));
  return valid ? [date, swapped] : [date];
}

function dateOfBirthSql(filter: DateOfBirthFilter | undefined): { filter: RawBuilder<unknown>; match: RawBuilder<unknown>; bonus: RawBuilder<unknown> } {
  if (!filter) return { filter: sql`true`, match: sql`null::text`, bonus: sql`0::float8` };
  if (filter.kind === 'year') {
    const range = sql`people.date_of_birth >= make_date(${filter.year}::int, 1, 1) and people.date_of_birth < make_date(${filter.year}::int + 1, 1, 1)`;
    return { filter: range, match: sql`'year'::text`, bonus: sql`${WEIGHTS.dobYear}::float8` };
  }
  const exact = sql`people.date_of_birth = ${filter.date}::date`;
  return {
    filter: sql`people.date_of_birth = any(${datesOfBirth(filter.date)}::date[])`,
    match: sql`case when ${exact} then 'exact' else 'swapped' end`,
    bonus: sql`case when ${exact} then ${WEIGHTS.dobExact}::float8 else ${WEIGHTS.dobSwapped}::float8 end`,
  };
}

/** Postcode of one of `locations`: the full postcode, or every postcode in a district (NE6). */
export function postcodeMatchSql(filter: PostcodeFilter, locations = 'locations'): RawBuilder<unknown> {
  const postcode = sql.ref(`${locations}.postcode`);
  return filter.kind === 'full' ? sql`${postcode} = ${filter.postcode}` : sql`split_part(${postcode}, ' ', 1) = ${filter.outward}`;
}

/** Lives or lived at an address with the postcode, or is on a case the viewer can see at a place with it. */
function postcodeFilterSql(filter: PostcodeFilter | undefined, viewer: PersonSearchScope): RawBuilder<unknown> {
  if (!filter) return sql`true`;
  const cases = expressionBuilder<Database, 'cases'>();
  return sql`(
    exists (select 1 from person_addresses home join locations on locations.id = home.location_id
            where home.person_id = people.id and ${postcodeMatchSql(filter)})
    or exists (select 1 from case_people on_case join cases on cases.id = on_case.case_id
               join case_locations place on place.case_id = cases.id join locations on locations.id = place.location_id
               where on_case.person_id = people.id and ${postcodeMatchSql(filter)} and ${viewer === 'everyone' ? sql`true` : visibleTo(viewer)(cases)}))`;
}
