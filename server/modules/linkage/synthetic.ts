import { emptyPersonRecord, type PersonRecord } from './engine/fields.ts';
import { nicknamesOf } from './engine/nicknames.ts';
import { mulberry32 } from './engine/random.ts';

/**
 * Synthetic people and incoming records with known truth, for the linkage benchmark at sizes no
 * real data set offers. Names follow a long-tailed frequency like real UK names (a few very common
 * ones, many rare ones); incoming records carry FEBRL-style corruptions: typos, swapped names,
 * nicknames, day–month swaps, missing fields, postcode errors, moves and changed surnames.
 */
export interface SyntheticData {
  people: PersonRecord[];
  incoming: PersonRecord[];
  /** For each incoming record, the index of the person it was made from, or -1 for someone new. */
  truth: Int32Array;
}

const COMMON_SURNAMES =
  'smith jones williams taylor brown davies evans wilson thomas johnson roberts robinson thompson wright walker white edwards hughes green hall lewis harris clarke patel jackson wood turner martin cooper hill ward morris moore clark lee king baker harrison morgan allen james scott phillips watson davis parker price bennett young griffiths mitchell kelly cook carter richardson bailey collins bell shaw murphy miller cox richards khan marshall anderson simpson ellis adams singh begum wilkinson foster chapman powell webb rogers gray mason ali hunt hussain campbell matthews owen palmer holmes mills barnes knight lloyd butler russell barker fisher stevens jenkins murray dixon harvey'.split(' ');
const GIVEN_NAMES =
  'oliver george harry jack jacob noah charlie muhammad thomas oscar william james leo alfie henry joshua freddie archie ethan isaac alexander joseph edward samuel max daniel arthur lucas mohammed logan theo harrison benjamin mason sebastian finley adam dylan zachary riley teddy toby jake david michael john robert richard christopher andrew peter paul mark stephen anthony kenneth matthew olivia amelia isla ava emily isabella mia poppy ella lily sophia grace evie scarlett ruby chloe isabelle daisy freya phoebe florence alice charlotte sienna matilda evelyn eva millie sofia lucy elsie imogen layla rosie maya esme elizabeth margaret susan patricia jennifer sarah karen helen deborah rebecca victoria samantha catherine christine jacqueline'.split(' ');
const SYLLABLES = 'ab ad al an ar ash bal bar bel ber bra brook by car cal cam chan char col cor dal dan dar del den dor dun el em en er fal far fen field ford gar gil gold grim hal ham har hart hay hol holt hur ing kel ken kin lan lar leigh ley lin lo mar mel mer mil mon mor nel nor ock or pen per ram ridge ros row sal sam sel shaw sher stan stead sted ston sut tan thor ton tre vale van ver wal well wick win worth yar'.split(' ');
const STREET_TYPES = ['road', 'street', 'lane', 'avenue', 'close', 'drive', 'way', 'crescent', 'grove', 'terrace'];
const POSTCODE_AREAS = 'AB AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DD DE DH DL DN DT DY E EC EH EN EX FY G GL GU HA HD HG HP HR HU HX IG IP KT L LA LE LL LN LS LU M ME MK N NE NG NN NP NR NW OL OX PE PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SR SS ST SW SY TA TF TN TQ TR TS TW UB W WA WD WF WN WR WS WV YO'.split(' ');
const LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Zipf-like: index i is drawn with weight 1 / (i + 1). */
function zipfPicker<T>(items: readonly T[]): (random: Random) => T {
  const cumulative = new Float64Array(items.length);
  let total = 0;
  items.forEach((_, index) => {
    total += 1 / (index + 1);
    cumulative[index] = total;
  });
  return (random) => {
    const target = random() * total;
    let low = 0;
    let high = items.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return items[low]!;
  };
}

function invented(random: Random, parts: number): string {
  let word = '';
  for (let part = 0; part < parts; part += 1) word += pick(random, SYLLABLES);
  return word;
}

interface Vocabulary {
  surname: (random: Random) => string;
  givenName: (random: Random) => string;
  street: string[];
  towns: string[];
  postcodes: string[];
}

function vocabulary(random: Random, size: number): Vocabulary {
  const commonSurname = zipfPicker(COMMON_SURNAMES);
  const rareSurnames = Array.from({ length: Math.max(1000, Math.floor(size / 10)) }, () => invented(random, 2 + Math.floor(random() * 2)));
  const commonGivenName = zipfPicker(GIVEN_NAMES);
  const rareGivenNames = Array.from({ length: Math.max(500, Math.floor(size / 50)) }, () => invented(random, 2));
  // The hundred-odd commonest given names cover about half of people; the rest are rarer.
  const givenName = (r: Random) => (r() < 0.5 ? commonGivenName(r) : pick(r, rareGivenNames));
  // About a third of people share the hundred commonest surnames, as in England and Wales.
  const surname = (r: Random) => (r() < 0.35 ? commonSurname(r) : pick(r, rareSurnames));
  const street = Array.from({ length: Math.max(500, Math.floor(size / 20)) }, () => `${invented(random, 2)} ${pick(random, STREET_TYPES)}`);
  const towns = Array.from({ length: Math.max(100, Math.floor(size / 1000)) }, () => invented(random, 2));
  const postcodes = Array.from({ length: Math.max(1000, Math.floor(size / 3)) }, () => {
    const district = 1 + Math.floor(random() * 20);
    return `${pick(random, POSTCODE_AREAS)}${district}${Math.floor(random() * 10)}${pick(random, [...LETTERS])}${pick(random, [...LETTERS])}`;
  });
  return { surname, givenName, street, towns, postcodes };
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

function newPerson(random: Random, words: Vocabulary, id: string): PersonRecord {
  const record = emptyPersonRecord(id);
  record.givenName = words.givenName(random);
  record.surname = words.surname(random);
  record.dateOfBirth = `${1930 + Math.floor(random() * 80)}${twoDigits(1 + Math.floor(random() * 12))}${twoDigits(1 + Math.floor(random() * 28))}`;
  const home = Math.floor(random() * words.postcodes.length);
  record.postcode = words.postcodes[home]!;
  record.streetNumber = String(1 + Math.floor(random() * 150));
  record.addressLine = words.street[home % words.street.length]!;
  record.locality = words.towns[home % words.towns.length]!;
  if (random() < 0.6) record.phone = `07${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;
  if (random() < 0.3) record.identifier = String(4_000_000_000 + Math.floor(random() * 5e9));
  return record;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

function typo(random: Random, value: string, alphabet = ALPHABET): string {
  if (value.length < 2) return value;
  const at = Math.floor(random() * value.length);
  switch (Math.floor(random() * 4)) {
    case 0:
      return value.slice(0, at) + pick(random, [...alphabet]) + value.slice(at + 1);
    case 1:
      return value.slice(0, at) + value.slice(at + 1);
    case 2:
      return value.slice(0, at) + pick(random, [...alphabet]) + value.slice(at);
    default:
      return at + 1 < value.length ? value.slice(0, at) + value[at + 1] + value[at] + value.slice(at + 2) : value;
  }
}

type Corruption = (random: Random, record: PersonRecord, words: Vocabulary) => void;

/** FEBRL-style errors, each applied to a copy of a person's record, with relative weights. */
const corruptions: [number, Corruption][] = [
  [3, (random, record) => (record.givenName = typo(random, record.givenName))],
  [3, (random, record) => (record.surname = typo(random, record.surname))],
  [1, (_, record) => ([record.givenName, record.surname] = [record.surname, record.givenName])],
  [2, (random, record) => {
    const nicknames = nicknamesOf(record.givenName);
    if (nicknames.length > 0) record.givenName = pick(random, nicknames);
  }],
  [1, (_, record) => (record.givenName = record.givenName.slice(0, 1))],
  [2, (_, record) => {
    const dob = record.dateOfBirth;
    if (Number(dob.slice(6, 8)) <= 12) record.dateOfBirth = dob.slice(0, 4) + dob.slice(6, 8) + dob.slice(4, 6);
  }],
  [3, (random, record) => (record.dateOfBirth = typo(random, record.dateOfBirth, '0123456789').padEnd(8, '1').slice(0, 8))],
  [2, (random, record) => (record.postcode = typo(random, record.postcode, 'ABCDEFGHJKLMNPRSTUWXYZ0123456789'))],
  [2, (random, record) => {
    const field = pick(random, ['givenName', 'dateOfBirth', 'postcode', 'phone', 'addressLine', 'streetNumber', 'locality'] as const);
    record[field] = '';
  }],
  [2, (random, record, words) => {
    const home = Math.floor(random() * words.postcodes.length);
    record.postcode = words.postcodes[home]!;
    record.addressLine = words.street[home % words.street.length]!;
    record.locality = words.towns[home % words.towns.length]!;
    record.streetNumber = String(1 + Math.floor(random() * 150));
  }],
  [1, (random, record, words) => (record.surname = words.surname(random))],
  [2, (random, record) => (record.addressLine = typo(random, record.addressLine))],
  [1, (random, record) => (record.phone = random() < 0.5 ? '' : typo(random, record.phone, '0123456789'))],
  [1, (random, record) => (record.identifier = random() < 0.5 ? '' : typo(random, record.identifier, '0123456789'))],
];
const corruptionTotal = corruptions.reduce((sum, [weight]) => sum + weight, 0);

function corrupted(random: Random, person: PersonRecord, words: Vocabulary, id: string): PersonRecord {
  const record = { ...person, id };
  const count = Math.floor(random() * 4);
  for (let applied = 0; applied < count; applied += 1) {
    let target = random() * corruptionTotal;
    for (const [weight, corrupt] of corruptions) {
      target -= weight;
      if (target < 0) {
        corrupt(random, record, words);
        break;
      }
    }
  }
  return record;
}

/**
 * `size` people, and `size` incoming records: by default 80% are corrupted copies of distinct
 * people, the rest someone new.
 */
export function syntheticLinkageData(size: number, seed = 7, shareKnown = 0.8): SyntheticData {
  const random = mulberry32(seed);
  const words = vocabulary(random, size);
  const people = Array.from({ length: size }, (_, index) => newPerson(random, words, `p${index}`));
  const truth = new Int32Array(size).fill(-1);
  const incoming = Array.from({ length: size }, (_, index) => {
    const id = `i${index}`;
    if (random() >= shareKnown) return newPerson(random, words, id);
    truth[index] = index;
    return corrupted(random, people[index]!, words, id);
  });
  return { people, incoming, truth };
}

/**
 * The people named in `count` incident records, drawn from a population of `populationSize` (so
 * the same people recur, as repeat victims and known perpetrators do across agencies), each
 * record a FEBRL-style corrupted copy of its person; `truth[i]` is record i's person.
 */
export function syntheticIncidentPeople(count: number, populationSize: number, seed = 11): { records: PersonRecord[]; truth: Int32Array } {
  const random = mulberry32(seed);
  const words = vocabulary(random, populationSize);
  const population = Array.from({ length: populationSize }, (_, index) => newPerson(random, words, `p${index}`));
  const truth = new Int32Array(count);
  const records = Array.from({ length: count }, (_, index) => {
    const person = Math.floor(random() * populationSize);
    truth[index] = person;
    return corrupted(random, population[person]!, words, `r${index}`);
  });
  return { records, truth };
}
