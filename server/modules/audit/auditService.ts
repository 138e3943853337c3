import type { Kysely } from 'kysely';
import type { AuditEventRow, Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound } from '../../shared/errors.ts';
import { startOfLondonDay } from '../../shared/time.ts';
import { type AuditSearch, AuditRepository } from './auditRepository.ts';
import { dayAfter } from '../../shared/dates.ts';
import { type AuditPageCursor, type AuditSearchCriteria, isAuditSeq } from './auditSchemas.ts';
import type { AuditTrail } from './auditTrail.ts';

export const AUDIT_PAGE_SIZE = 50;

export interface AuditEventView extends AuditEventRow {
  organisationName: string | null;
}

export interface AuditSearchPage {
  events: AuditEventView[];
  /** Cursors for the neighbouring pages, when there are more events that way. */
  newerThan: string | undefined;
  olderThan: string | undefined;
}

/** Reading the audit log. Every search and every event opened is itself audited. */
export class AuditService {
  readonly #repository: AuditRepository;
  readonly #audit: AuditTrail;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#repository = new AuditRepository(db);
    this.#audit = audit;
  }

  async search(criteria: AuditSearchCriteria, cursor: AuditPageCursor, actor: Actor): Promise<AuditSearchPage> {
    const filters = repositoryFilters(criteria);
    const rows = await this.#repository.search({ ...filters, beforeSeq: cursor.before, afterSeq: cursor.after, limit: AUDIT_PAGE_SIZE });
    const newest = rows[0];
    const oldest = rows.at(-1);
    const page = {
      events: await this.#withOrganisationNames(rows),
      newerThan: newest && (await this.#anyMatching({ ...filters, afterSeq: newest.seq })) ? newest.seq : undefined,
      olderThan: oldest && (await this.#anyMatching({ ...filters, beforeSeq: oldest.seq })) ? oldest.seq : undefined,
    };
    await this.#audit.record(actor, {
      action: 'AUDIT_LOG_SEARCHED',
      recordType: 'audit_event',
      details: { criteria: withoutBlanks(criteria), cursor: withoutBlanks(cursor), count: rows.length },
    });
    return page;
  }

  async view(seq: string, actor: Actor): Promise<AuditEventView> {
    const row = isAuditSeq(seq) ? await this.#repository.findBySeq(seq) : undefined;
    if (!row) throw new NotFound();
    const [event] = await this.#withOrganisationNames([row]);
    await this.#audit.record(actor, { action: 'AUDIT_EVENT_VIEWED', recordType: 'audit_event', recordId: row.seq });
    return event!;
  }

  async #anyMatching(filters: Omit<AuditSearch, 'limit'>): Promise<boolean> {
    return (await this.#repository.search({ ...filters, limit: 1 })).length > 0;
  }

  async #withOrganisationNames(rows: AuditEventRow[]): Promise<AuditEventView[]> {
    const names = await this.#repository.organisationNames(rows.flatMap((row) => (row.organisation_id ? [row.organisation_id] : [])));
    return rows.map((row) => ({ ...row, organisationName: row.organisation_id ? (names.get(row.organisation_id) ?? null) : null }));
  }
}

/** Calendar days are Europe/London days; "to" includes the whole of its day. */
function repositoryFilters(criteria: AuditSearchCriteria): Omit<AuditSearch, 'limit'> {
  return {
    actor: criteria.actor,
    action: criteria.action,
    recordType: criteria.recordType,
    recordId: criteria.recordId,
    from: criteria.fromDate ? startOfLondonDay(criteria.fromDate) : undefined,
    to: criteria.toDate ? startOfLondonDay(dayAfter(criteria.toDate)) : undefined,
  };
}

function withoutBlanks(values: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}
