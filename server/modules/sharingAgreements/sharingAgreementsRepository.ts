import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, SharingAgreementRow } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface AgreementParty {
  organisation_id: string;
  name: string;
  signed_at: Date | null;
  signed_by_name: string | null;
}

export type AgreementWithParties = SharingAgreementRow & { parties: AgreementParty[] };

export interface NewAgreement {
  title: string;
  purposes: string[];
  dataCategories: string[];
  lawfulBases: string[];
  schedule1Condition: string | null;
  retention: string;
  securityRequirements: string;
  dpiaReference: string | null;
  startsOn: string;
  reviewOn: string;
  endsOn: string;
  createdBy: string | null;
}

/** The only SQL of information-sharing agreements. */
export class SharingAgreementsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async settings(executor: Executor = this.#db) {
    return executor.selectFrom('sharing_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  }

  async saveSettings(trx: Transaction<Database>, changes: { enforcement_enabled: boolean; review_reminder_days: number; updated_by: string }) {
    await trx.updateTable('sharing_settings').set({ ...changes, updated_at: new Date() }).where('id', '=', 1).execute();
  }

  async list(executor: Executor = this.#db): Promise<AgreementWithParties[]> {
    const agreements = await executor.selectFrom('sharing_agreements').selectAll().orderBy('reference', 'desc').execute();
    return this.#withParties(executor, agreements);
  }

  async find(id: string, executor: Executor = this.#db): Promise<AgreementWithParties | undefined> {
    if (!isUuid(id)) return undefined;
    const agreement = await executor.selectFrom('sharing_agreements').selectAll().where('id', '=', id).executeTakeFirst();
    return agreement ? (await this.#withParties(executor, [agreement]))[0] : undefined;
  }

  async lock(trx: Transaction<Database>, id: string): Promise<AgreementWithParties | undefined> {
    if (!isUuid(id)) return undefined;
    const agreement = await trx.selectFrom('sharing_agreements').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    return agreement ? (await this.#withParties(trx, [agreement]))[0] : undefined;
  }

  /** Every agreement both organisations are parties to, whatever its state. */
  async between(executor: Executor, organisationA: string, organisationB: string): Promise<AgreementWithParties[]> {
    const agreements = await executor
      .selectFrom('sharing_agreements')
      .selectAll()
      .where((eb) =>
        eb.and([organisationA, organisationB].map((organisationId) =>
          eb.exists(
            eb.selectFrom('sharing_agreement_parties as p').select(sql`1`.as('one')).whereRef('p.agreement_id', '=', 'sharing_agreements.id').where('p.organisation_id', '=', organisationId),
          ),
        )),
      )
      .orderBy('ends_on', 'desc')
      .execute();
    return this.#withParties(executor, agreements);
  }

  /** Agreements not withdrawn that share a purpose, two parties and some days with the given ones. */
  async overlapping(executor: Executor, candidate: { parties: string[]; purposes: string[]; startsOn: string; endsOn: string }): Promise<AgreementWithParties[]> {
    const agreements = await executor
      .selectFrom('sharing_agreements')
      .selectAll()
      .where('status', '!=', 'withdrawn')
      .where(sql<boolean>`purposes && ${sql.val(candidate.purposes)}::text[]`)
      .where('starts_on', '<=', candidate.endsOn)
      .where('ends_on', '>=', candidate.startsOn)
      .where(sql<boolean>`(select count(*) from sharing_agreement_parties p where p.agreement_id = sharing_agreements.id and p.organisation_id = any(${sql.val(candidate.parties)}::uuid[])) >= 2`)
      .execute();
    return this.#withParties(executor, agreements);
  }

  async nextReference(trx: Transaction<Database>): Promise<string> {
    const { rows } = await sql<{ n: string }>`select nextval('sharing_agreement_numbers') as n`.execute(trx);
    return `ISA-${String(rows[0]!.n).padStart(3, '0')}`;
  }

  async insert(trx: Transaction<Database>, reference: string, agreement: NewAgreement, parties: string[]): Promise<SharingAgreementRow> {
    const row = await trx
      .insertInto('sharing_agreements')
      .values({
        reference,
        title: agreement.title,
        purposes: agreement.purposes,
        data_categories: agreement.dataCategories,
        lawful_bases: agreement.lawfulBases,
        schedule1_condition: agreement.schedule1Condition,
        retention: agreement.retention,
        security_requirements: agreement.securityRequirements,
        dpia_reference: agreement.dpiaReference,
        starts_on: agreement.startsOn,
        review_on: agreement.reviewOn,
        ends_on: agreement.endsOn,
        created_by: agreement.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.insertInto('sharing_agreement_parties').values(parties.map((organisation_id) => ({ agreement_id: row.id, organisation_id }))).execute();
    return row;
  }

  async sign(trx: Transaction<Database>, agreementId: string, organisationId: string, userId: string): Promise<boolean> {
    const result = await trx
      .updateTable('sharing_agreement_parties')
      .set({ signed_at: new Date(), signed_by: userId })
      .where('agreement_id', '=', agreementId)
      .where('organisation_id', '=', organisationId)
      .where('signed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setStatus(trx: Transaction<Database>, agreementId: string, status: string, withdrawnReason: string | null = null): Promise<void> {
    await trx.updateTable('sharing_agreements').set({ status, withdrawn_reason: withdrawnReason, updated_at: new Date() }).where('id', '=', agreementId).execute();
  }

  async activeOrganisations(executor: Executor = this.#db) {
    return executor.selectFrom('organisations').select(['id', 'name', 'active']).where('active', '=', true).orderBy('name').execute();
  }

  async organisationNames(executor: Executor, ids: string[]): Promise<Map<string, string>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return new Map();
    const rows = await executor.selectFrom('organisations').select(['id', 'name', 'active']).where('id', 'in', valid).execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /**
   * Organisations that share with this one for the purpose under an agreement in force today:
   * the set form of `sharingDecision` (active, signed by both, in its period, covering the
   * purpose and every category of data the purpose carries).
   */
  async sharingWith(executor: Executor, organisationId: string, purpose: string, categories: readonly string[], today: string): Promise<string[]> {
    const rows = await executor
      .selectFrom('sharing_agreement_parties as other')
      .innerJoin('sharing_agreements as a', 'a.id', 'other.agreement_id')
      .innerJoin('sharing_agreement_parties as own', (join) => join.onRef('own.agreement_id', '=', 'a.id').on('own.organisation_id', '=', organisationId))
      .select('other.organisation_id')
      .distinct()
      .where('a.status', '=', 'active')
      .where(sql<boolean>`${purpose} = any(a.purposes)`)
      .where(sql<boolean>`a.data_categories @> ${sql.val([...categories])}::text[]`)
      .where('a.starts_on', '<=', today)
      .where('a.ends_on', '>=', today)
      .where('other.organisation_id', '!=', organisationId)
      .where('own.signed_at', 'is not', null)
      .where('other.signed_at', 'is not', null)
      .execute();
    return rows.map((row) => row.organisation_id);
  }

  /** Active agreements due a review reminder, marked as reminded in the same statement. */
  async markReviewsDue(trx: Transaction<Database>, today: string, reminderDays: number) {
    return trx
      .updateTable('sharing_agreements')
      .set({ review_reminded_at: new Date() })
      .where('status', '=', 'active')
      .where('review_reminded_at', 'is', null)
      .where(sql<boolean>`review_on - ${reminderDays}::integer <= ${today}::date`)
      .returning(['id', 'reference', 'title', 'review_on'])
      .execute();
  }

  async markExpired(trx: Transaction<Database>, today: string) {
    return trx
      .updateTable('sharing_agreements')
      .set({ status: 'expired', updated_at: new Date() })
      .where('status', '=', 'active')
      .where('ends_on', '<', today)
      .returning(['id', 'reference'])
      .execute();
  }

  /** Who hears about an agreement's review: partnership administrators and the parties' organisation administrators. */
  async reviewRecipients(trx: Transaction<Database>, agreementId: string): Promise<string[]> {
    const rows = await trx
      .selectFrom('users')
      .select('users.id')
      .where('users.disabled', '=', false)
      .where((eb) =>
        eb.or([
          eb('users.role', '=', 'partnership_admin'),
          eb.and([
            eb('users.role', '=', 'organisation_admin'),
            eb('users.organisation_id', 'in', eb.selectFrom('sharing_agreement_parties').select('organisation_id').where('agreement_id', '=', agreementId)),
          ]),
        ]),
      )
      .execute();
    return rows.map((row) => row.id);
  }

  async notify(trx: Transaction<Database>, userIds: string[], kind: string, details: Record<string, unknown>): Promise<void> {
    if (userIds.length === 0) return;
    await trx.insertInto('notifications').values(userIds.map((user_id) => ({ user_id, kind, case_id: null, details: JSON.stringify(details) }))).execute();
  }

  async #withParties(executor: Executor, agreements: SharingAgreementRow[]): Promise<AgreementWithParties[]> {
    if (agreements.length === 0) return [];
    const parties = await executor
      .selectFrom('sharing_agreement_parties as p')
      .innerJoin('organisations as o', 'o.id', 'p.organisation_id')
      .leftJoin('users as u', 'u.id', 'p.signed_by')
      .select(['p.agreement_id', 'p.organisation_id', 'o.name', 'p.signed_at', 'u.name as signed_by_name'])
      .where('p.agreement_id', 'in', agreements.map((agreement) => agreement.id))
      .orderBy('o.name')
      .execute();
    return agreements.map((agreement) => ({
      ...agreement,
      parties: parties.filter((party) => party.agreement_id === agreement.id).map(({ agreement_id: _id, ...party }) => party),
    }));
  }
}
