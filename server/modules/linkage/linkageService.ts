import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { type Actor, systemActor } from '../../shared/actor.ts';
import { Conflict, NotFound } from '../../shared/errors.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditEntry, AuditTrail, RecordAudit } from '../audit/auditTrail.ts';
import { viewerOf } from '../cases/casesService.ts';
import { PeopleRepository } from '../people/peopleRepository.ts';
import { organisationsSharingWith } from '../sharingAgreements/sharingAgreementsService.ts';
import type { PersonRecord } from './engine/fields.ts';
import { decisionFor, probabilityOf } from './engine/linkageConfig.ts';
import { explainPair, linkRecords, type LinkRun } from './engine/linker.ts';
import { type StoredLinkageModel, storedModelOf } from './engine/storedModel.ts';
import { defaultLinkageModel } from './defaultLinkageModel.ts';
import { type Candidate, candidatesOfLeft, Clusters, completeness, decide, isLinkable, MAX_CANDIDATES, toPersonRecord } from './linkagePlan.ts';
import {
  type ExistingPersonRecord,
  identifierKey,
  type LinkUpdate,
  LinkageRepository,
  type NewCandidate,
  type NewLinkedPerson,
  type PendingPerson,
  type ReviewSort,
} from './linkageRepository.ts';

export interface LinkPendingOptions {
  /** Pending records read and linked at a time (default 100,000). */
  chunkSize?: number;
  workers?: number;
  actor?: Actor;
}

export interface LinkPendingResult {
  pending: number;
  linkedByIdentifier: number;
  autoLinked: number;
  queuedForReview: number;
  newPeople: number;
  newPersonRecords: number;
  unlinked: number;
  modelsStored: number;
  chunks: number;
  seconds: number;
}

/** A run trains its own model only with at least this many records on each side; smaller ones use the stored model. */
export const MIN_RECORDS_TO_TRAIN = 2_000;
/** A trained model is kept for later runs only when it saw this many compared pairs and EM converged. */
export const MIN_PAIRS_TO_STORE = 10_000;
const DEFAULT_CHUNK = 100_000;
/** Records written per transaction (each with its audit events). */
const RECORDS_PER_TRANSACTION = 500;

type Operation =
  | { kind: 'link'; record: PendingPerson; personId: string; weight: number | null; method: 'identifier' | 'auto' }
  | { kind: 'review'; record: PendingPerson; candidates: NewCandidate[] }
  | { kind: 'newPerson'; person: NewLinkedPerson; records: PendingPerson[] }
  | { kind: 'unlinkable'; record: PendingPerson };

/** What one run carries from chunk to chunk: the model small batches are scored with, and the counts. */
interface RunState {
  stored: StoredLinkageModel;
  actor: Actor;
  workers: number | undefined;
  result: LinkPendingResult;
}

interface Explanation {
  priorWeight: number;
  fields: { comparison: string; level: string; weight: number }[];
}

function explanationOf(run: LinkRun, pairIndex: number): Explanation {
  const explained = explainPair(run.records, run.model, run.scored.a[pairIndex]!, run.scored.b[pairIndex]!);
  return { priorWeight: explained.priorWeight, fields: explained.fields };
}

function asExisting(record: PendingPerson, personId: string): ExistingPersonRecord {
  const { id: _id, ...source } = record;
  return { ...source, personId, source: 'incident' };
}

function newPersonFrom(records: readonly PendingPerson[]): NewLinkedPerson {
  const best = [...records].sort((x, y) => completeness(y) - completeness(x))[0]!;
  return { id: randomUUID(), givenName: best.givenName ?? '', familyName: best.familyName ?? '', dateOfBirth: best.dateOfBirth, phone: best.phone, organisationId: best.organisationId };
}

/**
 * Entity resolution of incident people (ADR 0024): each pending record is linked to a OneRoof
 * person, queued for a reviewer, or made (with its duplicates in the batch) a new person; the
 * clerical review queue; and undoing a link. Every decision is audited.
 */
export class LinkageService {
  readonly #db: Kysely<Database>;
  readonly #repository: LinkageRepository;
  readonly #people: PeopleRepository;
  readonly #audit: AuditTrail;
  /** Runs in this process one after another, so two imports finishing together do not make a person twice. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#db = db;
    this.#repository = new LinkageRepository(db);
    this.#people = new PeopleRepository(db);
    this.#audit = audit;
  }

  linkPending(options: LinkPendingOptions = {}): Promise<LinkPendingResult> {
    const run = this.#queue.then(() => this.#linkPending(options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #linkPending(options: LinkPendingOptions): Promise<LinkPendingResult> {
    const started = performance.now();
    const actor = options.actor ?? systemActor('linkage');
    const result: LinkPendingResult = { pending: 0, linkedByIdentifier: 0, autoLinked: 0, queuedForReview: 0, newPeople: 0, newPersonRecords: 0, unlinked: 0, modelsStored: 0, chunks: 0, seconds: 0 };
    const state: RunState = { stored: (await this.#repository.latestModel()) ?? defaultLinkageModel, actor, workers: options.workers, result };
    let existing: ExistingPersonRecord[] | undefined;
    // The engine's records of `existing`, normalised once per run and grown with it.
    let existingRecords: PersonRecord[] = [];
    let afterId: string | null = null;
    for (;;) {
      const chunk = await this.#repository.pendingChunk(afterId, options.chunkSize ?? DEFAULT_CHUNK);
      if (chunk.length === 0) break;
      afterId = chunk[chunk.length - 1]!.id;
      if (!existing) {
        existing = await this.#repository.existingRecords();
        existingRecords = existing.map((record, index) => toPersonRecord(`existing-${index}`, record));
      }
      result.pending += chunk.length;
      result.chunks += 1;
      const operations = await this.#plan(chunk, existing, existingRecords, state);
      for (const added of await this.#apply(operations, actor, result)) {
        existingRecords.push(toPersonRecord(`existing-${existing.length}`, added));
        existing.push(added);
      }
    }
    result.seconds = Math.round(performance.now() - started) / 1000;
    if (result.pending > 0) await this.#audit.record(actor, { action: 'LINKAGE_RUN_COMPLETED', recordType: 'incident_person', details: { ...result } });
    return result;
  }

  /** What to do with each record of a chunk; nothing is written yet. */
  async #plan(chunk: PendingPerson[], existing: readonly ExistingPersonRecord[], right: readonly PersonRecord[], state: RunState): Promise<Operation[]> {
    const operations: Operation[] = [];
    const records = chunk.map((person) => toPersonRecord(person.id, person));
    const linkable: number[] = [];
    chunk.forEach((person, index) => {
      if (isLinkable(records[index]!)) linkable.push(index);
      else operations.push({ kind: 'unlinkable', record: person });
    });

    const withIdentifier = linkable.filter((index) => chunk[index]!.identifier && chunk[index]!.identifierKind);
    const known = await this.#repository.peopleByIdentifier(withIdentifier.map((index) => ({ kind: chunk[index]!.identifierKind!, identifier: chunk[index]!.identifier! })));
    let toEngine: number[] = [];
    for (const index of linkable) {
      const person = chunk[index]!;
      const people = person.identifier && person.identifierKind ? known.get(identifierKey(person.identifierKind, person.identifier)) : undefined;
      if (people?.length === 1) operations.push({ kind: 'link', record: person, personId: people[0]!, weight: null, method: 'identifier' });
      else toEngine.push(index);
    }

    if (toEngine.length > 0 && existing.length > 0) {
      const left = toEngine.map((index) => records[index]!);
      const run = await this.#run(left, right, state);
      const candidates = candidatesOfLeft(run, (rightIndex) => existing[rightIndex]!.personId);
      const unmatched: number[] = [];
      toEngine.forEach((index, leftIndex) => {
        const person = chunk[index]!;
        const decision = decide(candidates.get(leftIndex));
        if (decision.kind === 'none') unmatched.push(index);
        else if (decision.kind === 'link') operations.push({ kind: 'link', record: person, personId: decision.candidate.key, weight: decision.candidate.weight, method: 'auto' });
        else operations.push({ kind: 'review', record: person, candidates: decision.candidates.map((candidate) => this.#candidate(run, person, candidate, existing[candidate.other - run.records.leftCount]!)) });
      });
      toEngine = unmatched;
    }
    operations.push(...(await this.#newPeople(toEngine.map((index) => chunk[index]!), toEngine.map((index) => records[index]!), state)));
    return operations;
  }

  #candidate(run: LinkRun, person: PendingPerson, candidate: Candidate, record: ExistingPersonRecord): NewCandidate {
    return { incidentPersonId: person.id, candidatePersonId: record.personId, candidateRecord: record, matchWeight: candidate.weight, matchProbability: candidate.probability, explanation: explanationOf(run, candidate.pairIndex) };
  }

  /**
   * The records no existing person matched, deduplicated among themselves: connected components
   * over auto-link pairs (and equal identifiers) each become one new person. A record left on its
   * own whose best match is a review-band pair with an earlier cluster goes to review against
   * that cluster's new person instead.
   */
  async #newPeople(unmatched: PendingPerson[], records: PersonRecord[], state: RunState): Promise<Operation[]> {
    if (unmatched.length === 0) return [];
    const clusters = new Clusters(unmatched.length);
    const firstWithIdentifier = new Map<string, number>();
    unmatched.forEach((person, index) => {
      if (!person.identifier || !person.identifierKind) return;
      const key = identifierKey(person.identifierKind, person.identifier);
      const first = firstWithIdentifier.get(key);
      if (first === undefined) firstWithIdentifier.set(key, index);
      else clusters.union(first, index);
    });
    const reviewPairs = new Map<number, { other: number; pairIndex: number; weight: number }[]>();
    let run: LinkRun | undefined;
    if (unmatched.length >= 2) {
      run = await this.#run(records, undefined, state);
      for (let pair = 0; pair < run.scored.count; pair += 1) {
        const weight = run.scored.matchWeight[pair]!;
        const decision = decisionFor(probabilityOf(weight));
        const a = run.scored.a[pair]!;
        const b = run.scored.b[pair]!;
        if (decision === 'auto-link') clusters.union(a, b);
        else if (decision === 'review') {
          const later = Math.max(a, b);
          const list = reviewPairs.get(later) ?? [];
          list.push({ other: Math.min(a, b), pairIndex: pair, weight });
          reviewPairs.set(later, list);
        }
      }
    }
    const operations: Operation[] = [];
    const personOfCluster = new Map<number, string>();
    for (const group of clusters.groups()) {
      const only = group.length === 1 ? group[0]! : undefined;
      const reviews = only === undefined || !run ? [] : (reviewPairs.get(only) ?? []).filter((pair) => personOfCluster.has(clusters.find(pair.other)));
      if (only !== undefined && run && reviews.length > 0) {
        const seen = new Set<string>();
        const candidates: NewCandidate[] = [];
        for (const pair of reviews.sort((x, y) => y.weight - x.weight)) {
          const personId = personOfCluster.get(clusters.find(pair.other))!;
          if (seen.has(personId) || candidates.length >= MAX_CANDIDATES) continue;
          seen.add(personId);
          candidates.push(this.#candidate(run, unmatched[only]!, { other: pair.other, key: personId, pairIndex: pair.pairIndex, weight: pair.weight, probability: probabilityOf(pair.weight) }, asExisting(unmatched[pair.other]!, personId)));
        }
        operations.push({ kind: 'review', record: unmatched[only]!, candidates });
        continue;
      }
      const members = group.map((index) => unmatched[index]!);
      const person = newPersonFrom(members);
      personOfCluster.set(group[0]!, person.id);
      operations.push({ kind: 'newPerson', person, records: members });
    }
    return operations;
  }

  /** Runs the engine, training its own model when the batch is big enough (and keeping a good one), else with the stored model. */
  async #run(left: readonly PersonRecord[], right: readonly PersonRecord[] | undefined, state: RunState): Promise<LinkRun> {
    const train = left.length >= MIN_RECORDS_TO_TRAIN && (right === undefined || right.length >= MIN_RECORDS_TO_TRAIN);
    const options = state.workers === undefined ? {} : { workers: state.workers };
    const run = await linkRecords(left, right, train ? options : { ...options, model: state.stored });
    if (train && run.model.emConverged && run.scored.count >= MIN_PAIRS_TO_STORE) {
      const stored = storedModelOf(run);
      await this.#audit.run(state.actor, async (trx, audit) => {
        const id = await this.#repository.storeModel(trx, stored, { pending: left.length, existing: right?.length ?? 0, pairs: run.scored.count });
        audit({ action: 'LINKAGE_MODEL_STORED', recordType: 'linkage_model', recordId: id, details: { pending: left.length, existing: right?.length ?? 0, pairs: run.scored.count } });
      });
      state.stored = stored;
      state.result.modelsStored += 1;
    }
    return run;
  }

  /** Writes the operations a few hundred records per transaction; returns the records now linked to people, for the next chunk. */
  async #apply(operations: Operation[], actor: Actor, result: LinkPendingResult): Promise<ExistingPersonRecord[]> {
    const added: ExistingPersonRecord[] = [];
    let batch: Operation[] = [];
    let size = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const current = batch;
      batch = [];
      size = 0;
      await this.#audit.run(actor, (trx, audit) => this.#write(trx, audit, current, result, added));
    };
    for (const operation of operations) {
      batch.push(operation);
      size += operation.kind === 'newPerson' ? operation.records.length : 1;
      if (size >= RECORDS_PER_TRANSACTION) await flush();
    }
    await flush();
    return added;
  }

  async #write(trx: Transaction<Database>, audit: RecordAudit, operations: Operation[], result: LinkPendingResult, added: ExistingPersonRecord[]): Promise<void> {
    const newPeople = operations.flatMap((operation) => (operation.kind === 'newPerson' ? [operation.person] : []));
    await this.#repository.createPeople(trx, newPeople);
    const updates: LinkUpdate[] = [];
    for (const operation of operations) {
      if (operation.kind === 'link') updates.push({ id: operation.record.id, personId: operation.personId, status: 'auto_linked', matchWeight: operation.weight });
      else if (operation.kind === 'review') updates.push({ id: operation.record.id, personId: null, status: 'in_review', matchWeight: operation.candidates[0]?.matchWeight ?? null });
      else if (operation.kind === 'unlinkable') updates.push({ id: operation.record.id, personId: null, status: 'unlinked', matchWeight: null, unlinkedReason: 'too_little_to_link' });
      else for (const record of operation.records) updates.push({ id: record.id, personId: operation.person.id, status: 'new_person', matchWeight: null });
    }
    const applied = new Set(await this.#repository.applyLinks(trx, updates, ['pending']));
    const candidates: NewCandidate[] = [];
    for (const operation of operations) {
      if (operation.kind === 'link' && applied.has(operation.record.id)) {
        result[operation.method === 'identifier' ? 'linkedByIdentifier' : 'autoLinked'] += 1;
        added.push(asExisting(operation.record, operation.personId));
        audit(linked(operation.record.id, operation.personId, operation.method, operation.weight));
      } else if (operation.kind === 'review' && applied.has(operation.record.id)) {
        result.queuedForReview += 1;
        candidates.push(...operation.candidates);
        audit({ action: 'PERSON_RECORD_QUEUED_FOR_REVIEW', recordType: 'incident_person', recordId: operation.record.id, details: { candidates: operation.candidates.map((candidate) => ({ personId: candidate.candidatePersonId, matchWeight: round(candidate.matchWeight) })) } });
      } else if (operation.kind === 'unlinkable' && applied.has(operation.record.id)) {
        result.unlinked += 1;
        audit({ action: 'PERSON_RECORD_NOT_LINKABLE', recordType: 'incident_person', recordId: operation.record.id, details: { reason: 'too_little_to_link' } });
      } else if (operation.kind === 'newPerson') {
        const records = operation.records.filter((record) => applied.has(record.id));
        result.newPeople += 1;
        result.newPersonRecords += records.length;
        audit({ action: 'PERSON_CREATED_FROM_RECORDS', recordType: 'person', recordId: operation.person.id, organisationId: operation.person.organisationId, details: { records: records.map((record) => record.id) } });
        for (const record of records) {
          added.push(asExisting(record, operation.person.id));
          audit(linked(record.id, operation.person.id, 'new_person', null));
        }
      }
    }
    await this.#repository.insertCandidates(trx, candidates);
  }

  // Clerical review ------------------------------------------------------------------------------

  /** Organisations whose records a reviewer of `organisationId` may compare with: its own and those sharing hidden-harm signals with it. */
  async #visibleOrganisations(executor: Kysely<Database> | Transaction<Database>, organisationId: string): Promise<Set<string>> {
    const sharing = await organisationsSharingWith(executor, organisationId, 'hidden_harm_signals');
    return new Set([organisationId, ...sharing]);
  }

  async reviewQueue(user: CurrentUser, page: { page: number; sort: ReviewSort }, actor: Actor) {
    const limit = 25;
    const organisations = await this.#visibleOrganisations(this.#db, user.organisationId);
    const result = await this.#repository.openCandidates(user.organisationId, [...organisations], { limit, offset: (page.page - 1) * limit, sort: page.sort });
    await this.#audit.record(actor, { action: 'LINK_REVIEW_LIST_VIEWED', recordType: 'link_candidate', details: { page: page.page, sort: page.sort, count: result.rows.length } });
    return { ...result, limit };
  }

  async #visibleCandidate(trx: Transaction<Database>, user: CurrentUser, candidateId: string, lock = false) {
    const candidate = await this.#repository.candidate(trx, candidateId, { lock });
    if (!candidate || candidate.source_organisation_id !== user.organisationId) throw new NotFound();
    const organisations = await this.#visibleOrganisations(trx, user.organisationId);
    if (!candidate.candidate_organisation_id || !organisations.has(candidate.candidate_organisation_id)) throw new NotFound();
    return candidate;
  }

  async viewCandidate(user: CurrentUser, candidateId: string, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const candidate = await this.#visibleCandidate(trx, user, candidateId);
      audit({ action: 'LINK_CANDIDATE_VIEWED', recordType: 'link_candidate', recordId: candidate.id, details: { incidentPersonId: candidate.incident_person_id, candidatePersonId: candidate.candidate_person_id } });
      return { ...candidate, candidate_organisation_name: await this.#repository.organisationName(trx, candidate.candidate_organisation_id) };
    });
  }

  /** The reviewer says it is the same person: the record is linked ('confirmed') and its other candidates closed. */
  async confirm(user: CurrentUser, candidateId: string, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const candidate = await this.#openCandidate(trx, user, candidateId);
      await this.#repository.decideCandidate(trx, candidate.id, 'confirmed', user.id, null);
      const closed = await this.#repository.rejectOtherCandidates(trx, candidate.incident_person_id, candidate.id, user.id, 'another candidate confirmed');
      await this.#repository.applyLinks(trx, [{ id: candidate.incident_person_id, personId: candidate.candidate_person_id, status: 'confirmed', matchWeight: candidate.match_weight, linkedBy: user.id }], ['in_review']);
      audit({ action: 'LINK_CANDIDATE_CONFIRMED', recordType: 'link_candidate', recordId: candidate.id, details: { closedCandidates: closed } });
      audit(linked(candidate.incident_person_id, candidate.candidate_person_id, 'confirmed', candidate.match_weight));
    });
  }

  /**
   * The reviewer says it is not that person. While other candidates are open the record waits for
   * them; rejecting the last one makes the record a new person (ADR 0024).
   */
  async reject(user: CurrentUser, candidateId: string, reason: string | null, actor: Actor): Promise<{ newPersonId: string | null }> {
    return this.#audit.run(actor, async (trx, audit) => {
      const candidate = await this.#openCandidate(trx, user, candidateId);
      await this.#repository.decideCandidate(trx, candidate.id, 'rejected', user.id, reason);
      audit({ action: 'LINK_CANDIDATE_REJECTED', recordType: 'link_candidate', recordId: candidate.id, reason: reason ?? undefined });
      if ((await this.#repository.openCandidateCount(trx, candidate.incident_person_id)) > 0) return { newPersonId: null };
      const person = newPersonFrom([{ id: candidate.incident_person_id, organisationId: candidate.source_organisation_id, givenName: candidate.given_name, familyName: candidate.family_name, dateOfBirth: candidate.date_of_birth, address: candidate.address, town: null, postcode: candidate.postcode, phone: candidate.phone, identifierKind: candidate.identifier_kind, identifier: candidate.identifier }]);
      await this.#repository.createPeople(trx, [person]);
      await this.#repository.applyLinks(trx, [{ id: candidate.incident_person_id, personId: person.id, status: 'new_person', matchWeight: null, linkedBy: user.id }], ['in_review']);
      audit({ action: 'PERSON_CREATED_FROM_RECORDS', recordType: 'person', recordId: person.id, details: { records: [candidate.incident_person_id] } });
      audit(linked(candidate.incident_person_id, person.id, 'new_person', null));
      return { newPersonId: person.id };
    });
  }

  async #openCandidate(trx: Transaction<Database>, user: CurrentUser, candidateId: string) {
    const candidate = await this.#visibleCandidate(trx, user, candidateId, true);
    if (candidate.status !== 'open' || candidate.link_status !== 'in_review') throw new Conflict('linkage.review.alreadyDecided');
    return candidate;
  }

  // Linked records and unlinking ----------------------------------------------------------------

  async #visiblePerson(trx: Transaction<Database>, user: CurrentUser, personId: string): Promise<void> {
    if (!(await this.#people.isVisible(personId, viewerOf(user), trx))) throw new NotFound();
  }

  /** The agencies' records linked to a person the viewer may see; records of agencies not sharing with the viewer are counted, not shown. */
  async linkedRecords(user: CurrentUser, personId: string, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      await this.#visiblePerson(trx, user, personId);
      const person = (await this.#people.findById(personId, trx))!;
      const organisations = await this.#visibleOrganisations(trx, user.organisationId);
      const all = await this.#repository.linkedRecords(trx, personId);
      const shown = all.filter((record) => organisations.has(record.source_organisation_id));
      audit({ action: 'LINKED_RECORDS_VIEWED', recordType: 'person', recordId: personId, details: { shown: shown.length, hidden: all.length - shown.length } });
      return { person, records: shown, hidden: all.length - shown.length };
    });
  }

  /**
   * Undoes a link: the record keeps every field the agency sent and its incident, but no longer
   * counts as this person ('unlinked', reason 'unlinked_by_reviewer'); alerts follow on their next run.
   */
  async unlink(user: CurrentUser, personId: string, incidentPersonId: string, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#visiblePerson(trx, user, personId);
      const record = await this.#repository.linkedRecord(trx, personId, incidentPersonId);
      if (!record) throw new NotFound();
      const full = (await this.#repository.linkedRecords(trx, personId)).find((row) => row.id === incidentPersonId);
      const organisations = await this.#visibleOrganisations(trx, user.organisationId);
      if (!full || !organisations.has(full.source_organisation_id)) throw new NotFound();
      await this.#repository.applyLinks(trx, [{ id: incidentPersonId, personId: null, status: 'unlinked', matchWeight: null, unlinkedReason: 'unlinked_by_reviewer', linkedBy: user.id }], [record.link_status]);
      audit({ action: 'PERSON_RECORD_UNLINKED', recordType: 'incident_person', recordId: incidentPersonId, details: { personId, previousStatus: record.link_status } });
    });
  }
}

function round(weight: number): number {
  return Math.round(weight * 100) / 100;
}

function linked(incidentPersonId: string, personId: string, method: 'identifier' | 'auto' | 'new_person' | 'confirmed', weight: number | null): AuditEntry {
  return { action: 'PERSON_RECORD_LINKED', recordType: 'incident_person', recordId: incidentPersonId, details: { personId, method, matchWeight: weight === null ? null : round(weight) } };
}
