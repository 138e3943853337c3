import { type Kysely, sql, type Transaction, type Updateable } from 'kysely';
import type { Database, IncidentImportMapping, IncidentImportRow, IncidentImportsTable, IncidentPersonRow, IncidentRow, IncidentRowError } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import type { CategoryLookup, ValidIncident } from './incidentRecord.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** The statuses in which an import's work runs in the background of one process. */
const RUNNING_STATUSES: IncidentImportRow['status'][] = ['validating', 'importing'];

export type ImportChanges = Updateable<Omit<IncidentImportsTable, 'id' | 'organisation_id'>>;

export interface IncidentFilters {
  category?: string;
  importId?: string;
  channel?: string;
  from?: Date;
  to?: Date;
}

export interface IncidentListRow extends Pick<IncidentRow, 'id' | 'source_reference' | 'occurred_at' | 'occurred_precision' | 'category_code' | 'address' | 'postcode'> {
  channel: string | null;
  people: number;
}

export interface IncidentDetail extends IncidentRow {
  organisation_name: string;
  channel: string | null;
  import_file_name: string | null;
}

export interface MappingTemplate {
  id: string;
  name: string;
  mapping: IncidentImportMapping;
}

/** How a batch went: which references were new (with their ids), and how many were already held. */
export interface StoredBatch {
  created: { id: string; reference: string }[];
  alreadyHeld: number;
}

/** The only code with SQL for incidents, their imports, templates and API idempotency keys. */
export class IncidentsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The organisation's own code mappings first, then the partnership-wide ones, then taxonomy codes. */
  async categoryLookup(organisationId: string, executor: Executor = this.#db): Promise<CategoryLookup> {
    const [mappings, categories] = await Promise.all([
      executor
        .selectFrom('incident_category_mappings')
        .select(['organisation_id', 'source_code', 'category_code'])
        .where((eb) => eb.or([eb('organisation_id', '=', organisationId), eb('organisation_id', 'is', null)]))
        .execute(),
      executor.selectFrom('incident_categories').select('code').where('active', '=', true).execute(),
    ]);
    const own = new Map(mappings.filter((row) => row.organisation_id !== null).map((row) => [row.source_code, row.category_code]));
    const shared = new Map(mappings.filter((row) => row.organisation_id === null).map((row) => [row.source_code, row.category_code]));
    const codes = new Set(categories.map((row) => row.code));
    return (sourceCode) => own.get(sourceCode) ?? shared.get(sourceCode) ?? (codes.has(sourceCode) ? sourceCode : undefined);
  }

  async categories(executor: Executor = this.#db) {
    return executor.selectFrom('incident_categories').select(['code', 'name', 'name_translated', 'harm_group']).where('active', '=', true).orderBy('sort_order').execute();
  }

  async createImport(values: { organisationId: string; createdBy: string | null; apiKeyId?: string | null; channel: IncidentImportRow['channel']; fileName?: string | null; fileBytes?: number; sha256?: string | null; storageKey?: string | null; encoding?: string | null; headers?: string[]; mapping?: IncidentImportMapping | null; status?: IncidentImportRow['status'] }, executor: Executor = this.#db): Promise<IncidentImportRow> {
    return executor
      .insertInto('incident_imports')
      .values({
        organisation_id: values.organisationId,
        created_by: values.createdBy,
        api_key_id: values.apiKeyId ?? null,
        channel: values.channel,
        file_name: values.fileName ?? null,
        file_bytes: values.fileBytes ?? null,
        file_sha256: values.sha256 ?? null,
        storage_key: values.storageKey ?? null,
        encoding: values.encoding ?? null,
        headers: JSON.stringify(values.headers ?? []),
        mapping: values.mapping ? JSON.stringify(values.mapping) : null,
        ...(values.status ? { status: values.status } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async findImport(importId: string, organisationId: string, executor: Executor = this.#db): Promise<IncidentImportRow | undefined> {
    if (!isUuid(importId)) return undefined;
    return executor.selectFrom('incident_imports').selectAll().where('id', '=', importId).where('organisation_id', '=', organisationId).executeTakeFirst();
  }

  async importById(importId: string, executor: Executor = this.#db): Promise<IncidentImportRow> {
    return executor.selectFrom('incident_imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
  }

  async updateImport(importId: string, changes: ImportChanges, executor: Executor = this.#db): Promise<void> {
    await executor.updateTable('incident_imports').set(changes).where('id', '=', importId).execute();
  }

  /**
   * Moves an import from one status to another only if it is still in the first: two clicks start
   * one job, and work that a sweep has meanwhile failed cannot then finish. Background work starts
   * with a fresh heartbeat.
   */
  async claimImport(importId: string, from: IncidentImportRow['status'], to: IncidentImportRow['status'], changes: ImportChanges = {}, executor: Executor = this.#db): Promise<boolean> {
    const heartbeat = RUNNING_STATUSES.includes(to) ? { heartbeat_at: sql<Date>`now()` } : {};
    const result = await executor.updateTable('incident_imports').set({ ...changes, ...heartbeat, status: to }).where('id', '=', importId).where('status', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** A sign of life from this process for the imports it is running (the database's clock, so processes' clocks need not agree). */
  async touchRunning(importIds: string[]): Promise<void> {
    if (importIds.length === 0) return;
    await this.#db.updateTable('incident_imports').set({ heartbeat_at: sql<Date>`now()` }).where('id', 'in', importIds).where('status', 'in', RUNNING_STATUSES).execute();
  }

  /** Fails background work that went wrong, unless it is no longer running (a sweep failed it first). */
  async failRunning(importId: string, changes: ImportChanges): Promise<boolean> {
    const result = await this.#db.updateTable('incident_imports').set({ ...changes, status: 'failed' }).where('id', '=', importId).where('status', 'in', RUNNING_STATUSES).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async listImports(organisationId: string, limit: number, offset: number) {
    const [rows, total] = await Promise.all([
      this.#db
        .selectFrom('incident_imports')
        .leftJoin('users', 'users.id', 'incident_imports.created_by')
        .leftJoin('api_keys', 'api_keys.id', 'incident_imports.api_key_id')
        .select(['incident_imports.id', 'incident_imports.channel', 'incident_imports.file_name', 'incident_imports.status', 'incident_imports.rows_total', 'incident_imports.rows_valid', 'incident_imports.rows_invalid', 'incident_imports.rows_imported', 'incident_imports.rows_already_held', 'incident_imports.created_at', 'incident_imports.finished_at', 'users.name as created_by_name', 'api_keys.name as api_key_name'])
        .where('incident_imports.organisation_id', '=', organisationId)
        .orderBy('incident_imports.created_at', 'desc')
        .limit(limit)
        .offset(offset)
        .execute(),
      this.#db.selectFrom('incident_imports').select((eb) => eb.fn.countAll<string>().as('count')).where('organisation_id', '=', organisationId).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.count) };
  }

  /**
   * Imports left half-way by a stopped process: no heartbeat for `staleAfterSeconds` (or none at
   * all: started before heartbeats). Their transaction never committed, so nothing of them is
   * stored. A live process's import keeps beating and is left alone.
   */
  async failInterrupted(staleAfterSeconds: number): Promise<{ id: string; storage_key: string | null }[]> {
    return this.#db
      .updateTable('incident_imports')
      .set({ status: 'failed', failure: 'incidents.failures.interrupted', finished_at: new Date() })
      .where('status', 'in', RUNNING_STATUSES)
      .where((eb) => eb.or([eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', sql<Date>`now() - make_interval(secs => ${staleAfterSeconds}::float8)`)]))
      .returning(['id', 'storage_key'])
      .execute();
  }

  /**
   * Stores a batch of checked incidents and their people with one statement each (arrays
   * unnested by the database), skipping incidents the source has sent before.
   */
  async storeBatch(trx: Executor, organisationId: string, importId: string, incidents: ValidIncident[]): Promise<StoredBatch> {
    if (incidents.length === 0) return { created: [], alreadyHeld: 0 };
    const column = <T>(pick: (incident: ValidIncident) => T) => incidents.map(pick);
    const inserted = await sql<{ id: string; source_reference: string }>`
      insert into incidents (source_organisation_id, import_id, source_reference, occurred_at, occurred_precision, category_code, source_category, summary, address, postcode, latitude, longitude, area, lsoa_code)
      select ${organisationId}::uuid, ${importId}::uuid, t.*
      from unnest(
        ${column((i) => i.reference)}::text[], ${column((i) => i.occurredAt.toISOString())}::timestamptz[], ${column((i) => i.precision)}::text[],
        ${column((i) => i.categoryCode)}::text[], ${column((i) => i.sourceCategory)}::text[], ${column((i) => i.summary)}::text[],
        ${column((i) => i.address)}::text[], ${column((i) => i.postcode)}::text[], ${column((i) => i.latitude)}::float8[],
        ${column((i) => i.longitude)}::float8[], ${column((i) => i.area)}::text[], ${column((i) => i.lsoaCode)}::text[]
      ) as t
      on conflict (source_organisation_id, source_reference) do nothing
      returning id, source_reference`.execute(trx);
    const created = inserted.rows.map((row) => ({ id: row.id, reference: row.source_reference }));
    await this.#storePeople(trx, incidents, created);
    return { created, alreadyHeld: incidents.length - created.length };
  }

  async #storePeople(trx: Executor, incidents: ValidIncident[], created: { id: string; reference: string }[]): Promise<void> {
    const idOf = new Map(created.map((row) => [row.reference, row.id]));
    const people = incidents.flatMap((incident) => {
      const incidentId = idOf.get(incident.reference);
      return incidentId ? incident.people.map((person) => ({ incidentId, ...person })) : [];
    });
    if (people.length === 0) return;
    const column = <T>(pick: (person: (typeof people)[number]) => T) => people.map(pick);
    await sql`
      insert into incident_people (incident_id, role, given_name, family_name, date_of_birth, gender, address, postcode, phone, identifier_kind, identifier)
      select * from unnest(
        ${column((p) => p.incidentId)}::uuid[], ${column((p) => p.role)}::text[], ${column((p) => p.givenName)}::text[], ${column((p) => p.familyName)}::text[],
        ${column((p) => p.dateOfBirth)}::date[], ${column((p) => p.gender)}::text[], ${column((p) => p.address)}::text[], ${column((p) => p.postcode)}::text[],
        ${column((p) => p.phone)}::text[], ${column((p) => p.identifierKind)}::text[], ${column((p) => p.identifier)}::text[]
      )`.execute(trx);
  }

  async templates(organisationId: string): Promise<MappingTemplate[]> {
    const rows = await this.#db.selectFrom('incident_mapping_templates').select(['id', 'name', 'mapping']).where('organisation_id', '=', organisationId).orderBy('name').execute();
    return rows.map((row) => ({ ...row, mapping: fromTemplateColumns(row.mapping) }));
  }

  async template(organisationId: string, templateId: string): Promise<MappingTemplate | undefined> {
    if (!isUuid(templateId)) return undefined;
    const row = await this.#db.selectFrom('incident_mapping_templates').select(['id', 'name', 'mapping']).where('organisation_id', '=', organisationId).where('id', '=', templateId).executeTakeFirst();
    return row ? { ...row, mapping: fromTemplateColumns(row.mapping) } : undefined;
  }

  /** Saves a template under its name, replacing one of the same name in the organisation. */
  async saveTemplate(trx: Executor, organisationId: string, name: string, mapping: IncidentImportMapping, userId: string | null): Promise<string> {
    const existing = await trx.selectFrom('incident_mapping_templates').select('id').where('organisation_id', '=', organisationId).where(sql<string>`lower(name)`, '=', name.toLowerCase()).executeTakeFirst();
    if (existing) {
      await trx.updateTable('incident_mapping_templates').set({ mapping: JSON.stringify(toTemplateColumns(mapping)), name, updated_at: new Date() }).where('id', '=', existing.id).execute();
      return existing.id;
    }
    const row = await trx.insertInto('incident_mapping_templates').values({ organisation_id: organisationId, name, mapping: JSON.stringify(toTemplateColumns(mapping)), created_by: userId }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  async listIncidents(executor: Executor, organisationId: string, filters: IncidentFilters, limit: number, offset: number): Promise<{ rows: IncidentListRow[]; total: number }> {
    let query = executor.selectFrom('incidents').leftJoin('incident_imports', 'incident_imports.id', 'incidents.import_id').where('incidents.source_organisation_id', '=', organisationId);
    if (filters.category) query = query.where('incidents.category_code', '=', filters.category);
    if (filters.importId && isUuid(filters.importId)) query = query.where('incidents.import_id', '=', filters.importId);
    if (filters.channel) query = query.where('incident_imports.channel', '=', filters.channel as IncidentImportRow['channel']);
    if (filters.from) query = query.where('incidents.occurred_at', '>=', filters.from);
    if (filters.to) query = query.where('incidents.occurred_at', '<', filters.to);
    const [rows, total] = await Promise.all([
      query
        .select(['incidents.id', 'incidents.source_reference', 'incidents.occurred_at', 'incidents.occurred_precision', 'incidents.category_code', 'incidents.address', 'incidents.postcode', 'incident_imports.channel'])
        .select((eb) => eb.selectFrom('incident_people').select((inner) => inner.fn.countAll<string>().as('n')).whereRef('incident_people.incident_id', '=', 'incidents.id').as('people'))
        .orderBy('incidents.occurred_at', 'desc')
        .orderBy('incidents.id')
        .limit(limit)
        .offset(offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map((row) => ({ ...row, people: Number(row.people ?? 0) })), total: Number(total.count) };
  }

  async incident(executor: Executor, incidentId: string, organisationId: string): Promise<{ incident: IncidentDetail; people: IncidentPersonRow[] } | undefined> {
    if (!isUuid(incidentId)) return undefined;
    const incident = await executor
      .selectFrom('incidents')
      .innerJoin('organisations', 'organisations.id', 'incidents.source_organisation_id')
      .leftJoin('incident_imports', 'incident_imports.id', 'incidents.import_id')
      .selectAll('incidents')
      .select(['organisations.name as organisation_name', 'incident_imports.channel', 'incident_imports.file_name as import_file_name'])
      .where('incidents.id', '=', incidentId)
      .where('incidents.source_organisation_id', '=', organisationId)
      .executeTakeFirst();
    if (!incident) return undefined;
    const people = await executor.selectFrom('incident_people').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
    return { incident, people };
  }

  async idempotencyRecord(executor: Executor, apiKeyId: string, key: string) {
    return executor.selectFrom('api_idempotency_keys').select(['request_sha256', 'response_status', 'response_body']).where('api_key_id', '=', apiKeyId).where('idempotency_key', '=', key).executeTakeFirst();
  }

  async saveIdempotencyRecord(trx: Executor, apiKeyId: string, key: string, requestSha256: string, status: number, body: unknown): Promise<void> {
    await trx.insertInto('api_idempotency_keys').values({ api_key_id: apiKeyId, idempotency_key: key, request_sha256: requestSha256, response_status: status, response_body: JSON.stringify(body) }).execute();
  }
}

export type { IncidentRowError };

// A template is stored as the table describes it, field → column header; police.uk rules ride along as one more entry.
const POLICE_UK_KEY = 'policeUk';

function toTemplateColumns(mapping: IncidentImportMapping): Record<string, string> {
  return { ...mapping.columns, ...(mapping.policeUk ? { [POLICE_UK_KEY]: 'yes' } : {}) };
}

function fromTemplateColumns(stored: Record<string, string>): IncidentImportMapping {
  const { [POLICE_UK_KEY]: policeUk, ...columns } = stored;
  return { columns, policeUk: policeUk === 'yes' };
}
