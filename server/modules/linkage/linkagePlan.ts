import { emptyPersonRecord, type PersonRecord } from './engine/fields.ts';
import { decisionFor, probabilityOf } from './engine/linkageConfig.ts';
import type { LinkRun } from './engine/linker.ts';
import { normalisers } from './engine/normalise.ts';
import type { SourcePersonRecord } from './linkageRepository.ts';

/** At most this many candidates of one record go to the review queue. */
export const MAX_CANDIDATES = 3;

/** "12a High Street, Townsville" → number, street, town (the engine compares them as one address). */
export function splitAddress(address: string | null, town: string | null): { streetNumber: string; addressLine: string; locality: string } {
  const parts = (address ?? '').split(',').map((part) => part.trim()).filter(Boolean);
  let streetNumber = '';
  let addressLine = '';
  let streetIndex = -1;
  parts.forEach((part, index) => {
    if (streetIndex >= 0) return;
    const numbered = /^(\d+[a-z]?)\s+(.+)$/i.exec(part);
    if (numbered) {
      streetNumber = numbered[1]!;
      addressLine = numbered[2]!;
      streetIndex = index;
    }
  });
  if (streetIndex < 0 && parts.length > 0) {
    addressLine = parts[0]!;
    streetIndex = 0;
  }
  const locality = town ?? (parts.length > streetIndex + 1 ? parts[parts.length - 1]! : '');
  return { streetNumber, addressLine, locality };
}

/** The engine's normalised record of a source record. An identifier carries its kind, so an NHS number never meets a police id. */
export function toPersonRecord(id: string, source: SourcePersonRecord): PersonRecord {
  const record = emptyPersonRecord(id);
  const address = splitAddress(source.address, source.town);
  record.givenName = normalisers.givenName(source.givenName ?? '');
  record.surname = normalisers.surname(source.familyName ?? '');
  record.dateOfBirth = normalisers.dateOfBirth(source.dateOfBirth ?? '');
  record.postcode = normalisers.postcode(source.postcode ?? '');
  record.streetNumber = normalisers.streetNumber(address.streetNumber);
  record.addressLine = normalisers.addressLine(address.addressLine);
  record.locality = normalisers.locality(address.locality);
  record.phone = normalisers.phone(source.phone ?? '');
  record.identifier = source.identifier && source.identifierKind ? normalisers.identifier(`${source.identifierKind} ${source.identifier}`) : '';
  return record;
}

/**
 * Whether a record has enough to link on: an identifier, or a surname with at least one more fact
 * (given name, date of birth, address, phone). A bare "Smith" would only ever make a new person
 * per incident, so it is left unlinked with the reason (ADR 0024).
 */
export function isLinkable(record: PersonRecord): boolean {
  if (record.identifier !== '') return true;
  if (record.surname === '') return false;
  return [record.givenName, record.dateOfBirth, record.postcode, record.addressLine, record.phone].some((value) => value !== '');
}

/** How complete a record is, to pick the one a new person is made from. */
export function completeness(source: SourcePersonRecord): number {
  return [source.givenName, source.familyName, source.dateOfBirth, source.address, source.postcode, source.phone, source.identifier].filter((value) => value !== null && value !== '').length;
}

export interface Candidate {
  /** Index of the other record in the run. */
  other: number;
  /** The person that record belongs to (link mode) or the other record's index (dedupe). */
  key: string;
  pairIndex: number;
  weight: number;
  probability: number;
}

/**
 * For each left record, its candidates at or above the review threshold: one per person (the best
 * of that person's records), best first, at most `MAX_CANDIDATES`.
 */
export function candidatesOfLeft(run: LinkRun, personOfRight: (rightIndex: number) => string): Map<number, Candidate[]> {
  const byLeft = new Map<number, Map<string, Candidate>>();
  const { scored, records } = run;
  for (let index = 0; index < scored.count; index += 1) {
    const weight = scored.matchWeight[index]!;
    const probability = probabilityOf(weight);
    if (decisionFor(probability) === 'no-match') continue;
    const first = scored.a[index]!;
    const second = scored.b[index]!;
    const left = Math.min(first, second);
    const other = Math.max(first, second);
    const key = personOfRight(other - records.leftCount);
    let people = byLeft.get(left);
    if (!people) byLeft.set(left, (people = new Map()));
    const known = people.get(key);
    if (!known || known.weight < weight) people.set(key, { other, key, pairIndex: index, weight, probability });
  }
  const result = new Map<number, Candidate[]>();
  for (const [left, people] of byLeft) result.set(left, [...people.values()].sort((x, y) => y.weight - x.weight).slice(0, MAX_CANDIDATES));
  return result;
}

/** A link decision for one record from its candidates: auto-link only when exactly one person is above the auto-link threshold. */
export function decide(candidates: readonly Candidate[] | undefined): { kind: 'link'; candidate: Candidate } | { kind: 'review'; candidates: Candidate[] } | { kind: 'none' } {
  if (!candidates || candidates.length === 0) return { kind: 'none' };
  const autoLinks = candidates.filter((candidate) => decisionFor(candidate.probability) === 'auto-link');
  if (autoLinks.length === 1) return { kind: 'link', candidate: autoLinks[0]! };
  return { kind: 'review', candidates: [...candidates] };
}

/** Union–find over record indexes. */
export class Clusters {
  readonly #parent: Int32Array;

  constructor(size: number) {
    this.#parent = Int32Array.from({ length: size }, (_, index) => index);
  }

  find(index: number): number {
    let root = index;
    while (this.#parent[root] !== root) root = this.#parent[root]!;
    let node = index;
    while (this.#parent[node] !== root) {
      const next = this.#parent[node]!;
      this.#parent[node] = root;
      node = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA === rootB) return;
    // The smaller index stays the root, so a cluster is named by its first record.
    if (rootA < rootB) this.#parent[rootB] = rootA;
    else this.#parent[rootA] = rootB;
  }

  /** Clusters as lists of indexes, ordered by their first record. */
  groups(): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let index = 0; index < this.#parent.length; index += 1) {
      const root = this.find(index);
      const members = byRoot.get(root);
      if (members) members.push(index);
      else byRoot.set(root, [index]);
    }
    return [...byRoot.entries()].sort((x, y) => x[0] - y[0]).map((entry) => entry[1]);
  }
}
