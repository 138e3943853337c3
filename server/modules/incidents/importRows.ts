import { createHash } from 'node:crypto';
import type { IncidentImportMapping } from '../../db/schema.ts';
import { type IncidentField, incidentFields, PEOPLE_PER_ROW, type PersonField, personFields, requiredFields } from './incidentFields.ts';
import { type CategoryLookup, checkIncident, type FieldProblem, type IncidentInput, type ValidIncident } from './incidentRecord.ts';
import type { CsvRecord } from './importFiles.ts';

export type RowOutcome =
  | { row: number; ok: true; incident: ValidIncident }
  | { row: number; ok: false; problems: FieldProblem[]; duplicate: boolean };

/** A mapping that cannot work for this file: a required field without a column, or a column the file lacks. */
export function mappingProblems(headers: readonly string[], mapping: IncidentImportMapping): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of requiredFields) {
    if (field === 'reference' && mapping.policeUk) continue;
    if (!mapping.columns[field]) problems.push({ field, message: 'incidents.mappingProblems.required' });
  }
  for (const [field, header] of Object.entries(mapping.columns)) {
    if (header && !headers.includes(header)) problems.push({ field, message: 'incidents.mappingProblems.missingColumn', value: header });
  }
  return problems;
}

/**
 * Turns CSV rows into checked incidents, one at a time, remembering which references it has
 * seen so that a row repeating an earlier one is reported rather than imported twice. police.uk
 * ASB rows have no Crime ID: they get a reference made from what they say plus how many
 * identical rows came before, so the same file always gives the same references.
 */
export class RowChecker {
  readonly #headerCount: number;
  readonly #incidentColumns: [IncidentField, number][];
  readonly #personColumns: [PersonField, number][][];
  readonly #policeUk: boolean;
  readonly #lookup: CategoryLookup;
  readonly #now: Date;
  readonly #seen = new Map<string, number>();
  readonly #occurrences = new Map<string, number>();

  constructor(headers: readonly string[], mapping: IncidentImportMapping, lookup: CategoryLookup, now = new Date()) {
    const indexOf = (field: string) => (mapping.columns[field] ? headers.indexOf(mapping.columns[field]) : -1);
    this.#headerCount = headers.length;
    this.#incidentColumns = incidentFields.map((field): [IncidentField, number] => [field, indexOf(field)]).filter(([, index]) => index >= 0);
    this.#personColumns = Array.from({ length: PEOPLE_PER_ROW }, (_unused, slot) =>
      personFields.map((field): [PersonField, number] => [field, indexOf(`person${slot + 1}.${field}`)]).filter(([, index]) => index >= 0),
    );
    this.#policeUk = mapping.policeUk;
    this.#lookup = lookup;
    this.#now = now;
  }

  check(record: CsvRecord): RowOutcome {
    const { row, values } = record;
    const ragged = this.#raggedness(values);
    if (ragged) return { row, ok: false, problems: [ragged], duplicate: false };
    const input = this.#input(values);
    const checked = checkIncident(input, this.#lookup, this.#now);
    if (!checked.ok) return { row, ok: false, problems: checked.problems, duplicate: false };
    const firstRow = this.#seen.get(checked.incident.reference);
    if (firstRow !== undefined) {
      return { row, ok: false, duplicate: true, problems: [{ field: 'reference', message: 'incidents.validation.duplicateInFile', value: String(firstRow) }] };
    }
    this.#seen.set(checked.incident.reference, row);
    return { row, ok: true, incident: checked.incident };
  }

  #raggedness(values: string[]): FieldProblem | undefined {
    if (values.length < this.#headerCount) return { field: 'row', message: 'incidents.validation.tooFewValues', value: `${values.length}/${this.#headerCount}` };
    if (values.slice(this.#headerCount).some((value) => value.trim() !== '')) return { field: 'row', message: 'incidents.validation.tooManyValues', value: `${values.length}/${this.#headerCount}` };
    return undefined;
  }

  #input(values: string[]): IncidentInput {
    const input: Record<string, unknown> = {};
    for (const [field, index] of this.#incidentColumns) {
      const value = values[index]!.trim();
      if (value !== '') input[field] = value;
    }
    const people: Record<string, string>[] = [];
    for (const columns of this.#personColumns) {
      const person: Record<string, string> = {};
      for (const [field, index] of columns) {
        const value = values[index]!.trim();
        if (value !== '') person[field] = value;
      }
      if (Object.keys(person).length > 0) people.push({ role: '', ...person });
    }
    if (people.length > 0) input.people = people;
    if (this.#policeUk && input.reference === undefined) input.reference = this.#policeUkReference(input);
    return input as IncidentInput;
  }

  #policeUkReference(input: Record<string, unknown>): string {
    const key = [input.occurredAt, input.longitude, input.latitude, input.address, input.category].map((part) => String(part ?? '')).join('|');
    const occurrence = (this.#occurrences.get(key) ?? 0) + 1;
    this.#occurrences.set(key, occurrence);
    return `police-uk:${createHash('sha256').update(key).digest('hex').slice(0, 20)}:${occurrence}`;
  }
}
