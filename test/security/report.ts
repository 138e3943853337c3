import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** reports/ at the repository root: figures the security suite produces, quoted in docs/security.md (gitignored). */
export const REPORTS_DIR = path.resolve(import.meta.dirname, '../../reports');

/** Writes `value` as the file, or, with `section`, as that section of it, keeping the other sections. */
export function writeReport(file: string, value: unknown, section?: string): void {
  mkdirSync(REPORTS_DIR, { recursive: true });
  const target = path.join(REPORTS_DIR, file);
  if (!section) {
    writeFileSync(target, `${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(target, 'utf8')) as Record<string, unknown>;
  } catch {
    // First section written.
  }
  writeFileSync(target, `${JSON.stringify({ ...existing, [section]: value }, null, 2)}\n`);
}
