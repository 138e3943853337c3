import type { Kysely } from 'kysely';
import type { AuditEventRow, Database } from '../../db/schema.ts';
import { chainHash, GENESIS_HASH } from './auditChain.ts';
import { AuditRepository } from './auditRepository.ts';

export type ChainVerification =
  | { ok: true; checked: number; lastSeq: string | null; lastHash: string | null; anchorSeq: string | null }
  | { ok: false; checked: number; firstBrokenSeq: string; problem: 'missing-row' | 'prev-hash-mismatch' | 'hash-mismatch' | 'anchor-unattested' };

/** The audit event a retention run appends after removing events, naming the anchor it recorded. */
export const ANCHOR_ATTESTATION_ACTION = 'AUDIT_RETENTION_APPLIED';

/**
 * Walks the audit log in order, recomputing every hash; stops at the first broken row. When
 * retention has removed the oldest events (ADR 0026) the walk starts from the newest anchor (the
 * seq and hash of the last removed event) instead of the genesis hash, and the anchor must be
 * attested by a later event in the chain, so an anchor inserted by hand cannot hide a gap.
 */
export async function verifyAuditChain(db: Kysely<Database>): Promise<ChainVerification> {
  const repository = new AuditRepository(db);
  const anchor = await repository.latestAnchor();
  let expectedSeq = anchor ? BigInt(anchor.seq) + 1n : 1n;
  let prevHash = anchor?.hash ?? GENESIS_HASH;
  let checked = 0;
  let attested = !anchor;
  for await (const row of repository.inChainOrder(5_000, anchor?.seq ?? '0')) {
    const seq = BigInt(row.seq);
    if (seq !== expectedSeq) {
      return { ok: false, checked, firstBrokenSeq: expectedSeq.toString(), problem: 'missing-row' };
    }
    if (row.prev_hash !== prevHash) return { ok: false, checked, firstBrokenSeq: row.seq, problem: 'prev-hash-mismatch' };
    if (recomputeHash(row) !== row.hash) return { ok: false, checked, firstBrokenSeq: row.seq, problem: 'hash-mismatch' };
    if (!attested && row.action === ANCHOR_ATTESTATION_ACTION && attestsAnchor(row.details, anchor!)) attested = true;
    prevHash = row.hash;
    expectedSeq += 1n;
    checked += 1;
  }
  if (!attested) return { ok: false, checked, firstBrokenSeq: anchor!.seq, problem: 'anchor-unattested' };
  return {
    ok: true,
    checked,
    lastSeq: checked > 0 ? (expectedSeq - 1n).toString() : null,
    // Worth recording somewhere the database administrators cannot write: it anchors the chain.
    lastHash: checked > 0 ? prevHash : null,
    anchorSeq: anchor?.seq ?? null,
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

function attestsAnchor(details: Record<string, unknown>, anchor: { seq: string; hash: string }): boolean {
  return String(details.anchorSeq) === String(anchor.seq) && details.anchorHash === anchor.hash;
}
