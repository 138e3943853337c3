import type { Kysely } from 'kysely';
import type { AuditEventRow, Database } from '../../db/schema.ts';
import { chainHash, GENESIS_HASH } from './auditChain.ts';
import { AuditRepository } from './auditRepository.ts';

export type ChainVerification =
  | { ok: true; checked: number; lastSeq: string | null; lastHash: string | null }
  | { ok: false; checked: number; firstBrokenSeq: string; problem: 'missing-row' | 'prev-hash-mismatch' | 'hash-mismatch' };

/** Walks the whole audit log in order, recomputing every hash; stops at the first broken row. */
export async function verifyAuditChain(db: Kysely<Database>): Promise<ChainVerification> {
  const repository = new AuditRepository(db);
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for await (const row of repository.inChainOrder()) {
    const seq = BigInt(row.seq);
    if (seq !== expectedSeq) {
      return { ok: false, checked, firstBrokenSeq: expectedSeq.toString(), problem: 'missing-row' };
    }
    if (row.prev_hash !== prevHash) return { ok: false, checked, firstBrokenSeq: row.seq, problem: 'prev-hash-mismatch' };
    if (recomputeHash(row) !== row.hash) return { ok: false, checked, firstBrokenSeq: row.seq, problem: 'hash-mismatch' };
    prevHash = row.hash;
    expectedSeq += 1n;
    checked += 1;
  }
  return {
    ok: true,
    checked,
    lastSeq: checked > 0 ? (expectedSeq - 1n).toString() : null,
    // Worth recording somewhere the database administrators cannot write: it anchors the chain.
    lastHash: checked > 0 ? prevHash : null,
  };
}

function recomputeHash(row: AuditEventRow): string {
  return chainHash(row.prev_hash, {
    seq: row.seq,
    occurredAt: row.occurred_at.toISOString(),
    actorUserId: row.actor_user_id,
    actorLabel: row.actor_label,
    organisationId: row.organisation_id,
    action: row.action,
    recordType: row.record_type,
    recordId: row.record_id,
    ip: row.ip,
    requestId: row.request_id,
    reason: row.reason,
    details: row.details,
    breakGlass: row.break_glass,
  });
}
