import { type Kysely, sql } from 'kysely';
import type { Database, RetentionRecordType } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { londonToday } from '../../shared/dates.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { AuditRepository } from '../audit/auditRepository.ts';
import { ANCHOR_ATTESTATION_ACTION } from '../audit/auditVerifier.ts';
import { retentionPolicy } from './retentionPolicy.ts';
import { RetentionRepository, type ScheduleValues } from './retentionRepository.ts';
import { actionsFor, defaultSchedules, retentionCutoff, retentionRecordTypes } from './retentionRules.ts';
import type { HoldInput, ScheduleInput } from './retentionSchemas.ts';

/** Removes attachment files; only ever called after the transaction that deleted their rows committed. */
export interface AttachmentFiles {
  remove(storageKey: string): Promise<void>;
}

interface Who {
  id: string | null;
  role: Parameters<typeof retentionPolicy.mayDecide>[0];
}

export interface RecordTypeOutcome {
  recordType: RetentionRecordType;
  deleted: number;
  anonymised: number;
  skippedHold: number;
  skippedOther: number;
}

// One proposal at a time across every process: the scheduler and the button both take it.
const RETENTION_PLAN_LOCK_KEY = 4_242_026;

/**
 * Retention schedules, legal holds and runs (ADR 0026). A run is only ever a proposal until a
 * data-protection officer approves it; approval acts on exactly the records the proposal listed
 * that are still due and not held, one transaction per record type.
 */
export class RetentionService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditTrail;
  readonly #repository: RetentionRepository;
  readonly #files: AttachmentFiles;

  constructor(db: Kysely<Database>, audit: AuditTrail, files: AttachmentFiles) {
    this.#db = db;
    this.#audit = audit;
    this.#repository = new RetentionRepository(db);
    this.#files = files;
  }

  // Schedules

  async schedules() {
    const rows = await this.#repository.schedules();
    return retentionRecordTypes.map((recordType) => ({ recordType, schedule: rows.find((row) => row.record_type === recordType) ?? null }));
  }

  async schedule(recordType: RetentionRecordType) {
    return (await this.#repository.schedules()).find((row) => row.record_type === recordType) ?? null;
  }

  async history() {
    return this.#repository.scheduleHistory();
  }

  async saveSchedule(user: Who, recordType: RetentionRecordType, input: ScheduleInput, actor: Actor): Promise<void> {
    if (!actionsFor(recordType).includes(input.action)) throw new ValidationFailed({ action: 'retention.errors.actionNotAllowed' });
    await this.#audit.run(actor, async (trx, audit) => {
      const existing = await this.#repository.schedule(trx, recordType);
      const before = existing
        ? { periodMonths: existing.period_months, action: existing.action, lawfulBasis: existing.lawful_basis, legalReason: existing.legal_reason, enabled: existing.enabled }
        : null;
      await this.#repository.saveSchedule(trx, recordType, input, user.id, before);
      audit({ action: 'RETENTION_SCHEDULE_UPDATED', recordType: 'retention_schedule', recordId: recordType, details: { before, after: input } });
    });
  }

  /** The partnership's starting schedules, for the demo data; leaves any existing schedule alone. */
  async ensureDefaultSchedules(actor: Actor): Promise<void> {
    const existing = new Set((await this.#repository.schedules()).map((row) => row.record_type));
    for (const schedule of defaultSchedules) {
      if (existing.has(schedule.recordType)) continue;
      const values: ScheduleValues = { periodMonths: schedule.periodMonths, action: schedule.action, lawfulBasis: schedule.lawfulBasis, legalReason: schedule.legalReason, enabled: true };
      await this.saveSchedule({ id: null, role: null }, schedule.recordType, values as ScheduleInput, actor);
    }
  }

  // Legal holds

  async holds(includeReleased: boolean) {
    return this.#repository.holds(includeReleased);
  }

  async placeHold(user: Who, input: HoldInput, actor: Actor): Promise<string> {
    if (input.until && input.until < londonToday()) throw new ValidationFailed({ until: 'retention.errors.until.past' });
    return this.#audit.run(actor, async (trx, audit) => {
      const subjectId = await this.#repository.findHoldSubject(trx, input.subjectKind, input.subject);
      if (!subjectId) throw new ValidationFailed({ subject: 'retention.errors.subjectNotFound' });
      const { id } = await this.#repository.insertHold(trx, { subjectKind: input.subjectKind, subjectId, reason: input.reason, until: input.until, placedBy: user.id });
      audit({ action: 'LEGAL_HOLD_PLACED', recordType: input.subjectKind, recordId: subjectId, reason: input.reason, details: { holdId: id, until: input.until } });
      return id;
    });
  }

  async releaseHold(user: Who, holdId: string, reason: string, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const hold = await this.#repository.findHold(trx, holdId);
      if (!hold) throw new NotFound();
      if (hold.released_at) throw new Conflict('retention.errors.alreadyReleased', { releaseReason: 'retention.errors.alreadyReleased' });
      await this.#repository.releaseHold(trx, holdId, user.id, reason);
      audit({ action: 'LEGAL_HOLD_RELEASED', recordType: hold.subject_kind, recordId: hold.subject_id, reason, details: { holdId } });
    });
  }

  // Runs

  async runs() {
    return this.#repository.runs();
  }

  async openProposal() {
    return this.#repository.openProposal();
  }

  /** A run with its items; opening it is audited (its sample names case and referral references). */
  async showRun(runId: string, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const run = await this.#repository.run(trx, runId);
      if (!run) throw new NotFound();
      const items = await this.#repository.runItems(trx, runId);
      audit({ action: 'RETENTION_RUN_VIEWED', recordType: 'retention_run', recordId: runId });
      const order = (type: string) => retentionRecordTypes.indexOf(type as RetentionRecordType);
      return { run, items: items.sort((a, b) => order(a.record_type) - order(b.record_type)) };
    });
  }

  /**
   * Builds a proposed run: for each enabled schedule, what is due as of `asOf` (held records
   * counted, not listed). Refused while another proposal waits for a decision.
   */
  async plan(proposer: { id: string | null; label: string }, actor: Actor, asOf: Date = new Date()): Promise<string> {
    const planned = await this.#planLocked(proposer, actor, asOf, true);
    if (!planned) throw new Conflict('retention.errors.proposalWaiting', { form: 'retention.errors.proposalWaiting' });
    return planned;
  }

  /** For the scheduler: a proposal unless one is waiting or another process is planning. */
  async planIfNoneWaiting(actor: Actor, asOf: Date = new Date()): Promise<string | undefined> {
    return this.#planLocked({ id: null, label: actor.label }, actor, asOf, false);
  }

  async #planLocked(proposer: { id: string | null; label: string }, actor: Actor, asOf: Date, wait: boolean): Promise<string | undefined> {
    return this.#audit.run(actor, async (trx, audit) => {
      if (wait) await sql`select pg_advisory_xact_lock(${RETENTION_PLAN_LOCK_KEY})`.execute(trx);
      else {
        const locked = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${RETENTION_PLAN_LOCK_KEY}) as locked`.execute(trx);
        if (!locked.rows[0]?.locked) return undefined;
      }
      if (await this.#repository.openProposal(trx)) return undefined;
      const { id: runId } = await this.#repository.insertRun(trx, asOf, proposer.id, proposer.label);
      const totals: Record<string, { proposed: number; held: number }> = {};
      for (const schedule of await this.#repository.schedules(trx)) {
        if (!schedule.enabled) continue;
        const cutoff = retentionCutoff(asOf, schedule.period_months);
        totals[schedule.record_type] =
          schedule.record_type === 'audit_log'
            ? await this.#repository.planAuditLog(trx, runId, schedule.period_months, cutoff)
            : await this.#repository.planRecordType(trx, runId, schedule.record_type, schedule.action, schedule.period_months, cutoff);
      }
      audit({ action: 'RETENTION_RUN_PROPOSED', recordType: 'retention_run', recordId: runId, details: { asOf: asOf.toISOString(), totals } });
      return runId;
    });
  }

  async reject(user: Who, runId: string, note: string, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const run = await this.#repository.run(trx, runId, true);
      if (!run) throw new NotFound();
      if (!retentionPolicy.isUndecided(run)) throw new Conflict('retention.errors.alreadyDecided', { note: 'retention.errors.alreadyDecided' });
      await this.#repository.decide(trx, runId, 'rejected', user.id, note);
      audit({ action: 'RETENTION_RUN_REJECTED', recordType: 'retention_run', recordId: runId, reason: note });
    });
  }

  /**
   * Approves and executes a proposed run: first the decision is recorded (so nobody else can
   * approve it), then one transaction per record type; files are removed after their rows'
   * transaction commits. A record type that fails marks the run failed and stops the rest; what
   * earlier record types did stays done and counted.
   */
  async approve(user: Who, runId: string, note: string | null, actor: Actor): Promise<{ completed: boolean; outcomes: RecordTypeOutcome[] }> {
    const items = await this.#audit.run(actor, async (trx, audit) => {
      const run = await this.#repository.run(trx, runId, true);
      if (!run) throw new NotFound();
      if (!retentionPolicy.isUndecided(run)) throw new Conflict('retention.errors.alreadyDecided', { confirm: 'retention.errors.alreadyDecided' });
      await trx.updateTable('retention_runs').set({ decided_at: new Date(), decided_by: user.id, decision_note: note }).where('id', '=', runId).execute();
      audit({ action: 'RETENTION_RUN_APPROVED', recordType: 'retention_run', recordId: runId, reason: note ?? undefined });
      return this.#repository.runItems(trx, runId);
    });
    const outcomes: RecordTypeOutcome[] = [];
    const ordered = [...items].sort((a, b) => retentionRecordTypes.indexOf(a.record_type) - retentionRecordTypes.indexOf(b.record_type));
    try {
      for (const item of ordered) outcomes.push(await this.#execute(runId, item, actor));
    } catch (error) {
      const failure = error instanceof Error ? error.message.slice(0, 500) : String(error);
      await this.#audit.run(actor, async (trx, audit) => {
        await this.#repository.decide(trx, runId, 'failed', user.id, note, failure);
        audit({ action: 'RETENTION_RUN_FAILED', recordType: 'retention_run', recordId: runId, details: { failure, completed: outcomes.map((outcome) => outcome.recordType) } });
      });
      return { completed: false, outcomes };
    }
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#repository.decide(trx, runId, 'completed', user.id, note);
      audit({ action: 'RETENTION_RUN_COMPLETED', recordType: 'retention_run', recordId: runId, details: { outcomes: outcomes.map((outcome) => ({ ...outcome })) } });
    });
    return { completed: true, outcomes };
  }

  async #execute(runId: string, item: { record_type: RetentionRecordType; action: 'delete' | 'anonymise'; cutoff: Date; proposed: number }, actor: Actor): Promise<RecordTypeOutcome> {
    const recordType = item.record_type;
    let storageKeys: string[] = [];
    const outcome = await this.#audit.run(actor, async (trx, audit) => {
      const counts = { recordType, deleted: 0, anonymised: 0, skippedHold: 0, skippedOther: 0 };
      if (recordType === 'audit_log') {
        // The chain lock first: nothing may be appended while its oldest events are removed.
        await new AuditRepository(this.#db).lockChainAndReadHead(trx);
        const planned = await this.#repository.plannedAuditThrough(trx, runId);
        const now = await this.#repository.auditPrefix(trx, new Date(item.cutoff));
        const through = planned && now.throughSeq ? (BigInt(planned) < BigInt(now.throughSeq) ? planned : now.throughSeq) : null;
        if (through) {
          const removed = await this.#repository.removeAuditPrefix(trx, through, runId);
          counts.deleted = removed.removed;
          audit({ action: ANCHOR_ATTESTATION_ACTION, recordType: 'retention_run', recordId: runId, details: { anchorSeq: removed.anchorSeq, anchorHash: removed.anchorHash, removed: removed.removed } });
        }
        counts.skippedHold = Math.max(0, item.proposed - counts.deleted);
      } else {
        const settled = await this.#repository.settleRecords(trx, runId, recordType, item.action, new Date(item.cutoff));
        counts.skippedHold = settled.held;
        counts.skippedOther = settled.skipped;
        const ids = settled.act;
        switch (recordType) {
          case 'closed_cases': {
            const anonymised = await this.#repository.anonymiseCases(trx, ids);
            storageKeys = anonymised.storageKeys;
            counts.deleted = item.action === 'delete' ? await this.#repository.deleteCases(trx, ids) : 0;
            counts.anonymised = ids.length - counts.deleted;
            break;
          }
          case 'incidents':
            if (item.action === 'delete') counts.deleted = await this.#repository.deleteIncidents(trx, ids);
            else {
              await this.#repository.anonymiseIncidents(trx, ids);
              counts.anonymised = ids.length;
            }
            break;
          case 'alerts':
            if (item.action === 'delete') counts.deleted = await this.#repository.deleteAlerts(trx, ids);
            else {
              await this.#repository.anonymiseAlerts(trx, ids);
              counts.anonymised = ids.length;
            }
            break;
          case 'referrals':
            if (item.action === 'delete') counts.deleted = await this.#repository.deleteReferrals(trx, ids);
            else {
              await this.#repository.anonymiseReferrals(trx, ids);
              counts.anonymised = ids.length;
            }
            break;
          case 'attachments':
            storageKeys = await this.#repository.deleteAttachments(trx, ids);
            counts.deleted = storageKeys.length;
            break;
        }
      }
      await this.#repository.recordOutcome(trx, runId, recordType, counts);
      audit({ action: 'RETENTION_APPLIED', recordType: 'retention_run', recordId: runId, details: { ...counts, action: item.action } });
      return counts;
    });
    // After commit: a file whose row is gone is unreachable; a crash here leaves an orphan file, never a dangling row.
    for (const key of storageKeys) await this.#files.remove(key);
    return outcome;
  }
}
