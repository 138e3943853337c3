import { sha256Hex } from '../../shared/crypto.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit row that its hash covers, in a fixed order. */
export interface ChainedFields {
  seq: string;
  occurredAt: string;
  actorUserId: string | null;
  actorLabel: string;
  organisationId: string | null;
  action: string;
  recordType: string | null;
  recordId: string | null;
  ip: string | null;
  requestId: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  breakGlass: boolean;
}

/**
 * SHA-256 over the previous row's hash and this row's fields. JSON with sorted keys keeps the
 * digest the same whether the details come from the caller or back out of a jsonb column.
 */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  const canonical = stableStringify([
    fields.seq,
    fields.occurredAt,
    fields.actorUserId,
    fields.actorLabel,
    fields.organisationId,
    fields.action,
    fields.recordType,
    fields.recordId,
    fields.ip,
    fields.requestId,
    fields.reason,
    fields.details,
    fields.breakGlass,
  ]);
  return sha256Hex(`${prevHash}\n${canonical}`);
}

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
}

/** Details as they will read back from jsonb: plain JSON values only. */
export function normaliseDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  return details ? (JSON.parse(JSON.stringify(details)) as Record<string, unknown>) : {};
}
