import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse';
import { emptyPersonRecord, linkageFields, type LinkageField, type PersonRecord } from './engine/fields.ts';
import { normalisers } from './engine/normalise.ts';

/** A problem with the analyst's file or options that they can fix. */
export class LinkageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkageInputError';
  }
}

/** Header names (lower case, words joined by _) that mean each field. */
const headerAliases: Record<LinkageField, readonly string[]> = {
  givenName: ['given_name', 'givenname', 'first_name', 'firstname', 'forename', 'forenames', 'first'],
  surname: ['surname', 'family_name', 'familyname', 'last_name', 'lastname'],
  dateOfBirth: ['date_of_birth', 'dateofbirth', 'dob', 'birth_date', 'birthdate'],
  postcode: ['postcode', 'post_code', 'postal_code', 'zip', 'zip_code', 'zipcode'],
  streetNumber: ['street_number', 'house_number', 'house_no', 'building_number'],
  addressLine: ['address_1', 'address1', 'address_line_1', 'address_line1', 'address', 'street', 'street_address', 'address_2', 'address2', 'address_line_2', 'address_line2'],
  locality: ['suburb', 'town', 'city', 'locality', 'town_city'],
  phone: ['phone', 'telephone', 'phone_number', 'telephone_number', 'mobile', 'tel'],
  identifier: ['soc_sec_id', 'nhs_number', 'ni_number', 'national_insurance_number', 'identifier', 'person_identifier', 'ssn'],
};

export function headerKey(header: string): string {
  return header.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

function fieldOfHeader(header: string): LinkageField | undefined {
  const key = headerKey(header);
  return linkageFields.find((field) => headerKey(field) === key || headerAliases[field].includes(key));
}

function camelToSnake(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Which columns of this file feed which field; `wanted` limits them to what --columns names. */
export function mapColumns(file: string, headers: readonly string[], wanted?: readonly string[]): Map<LinkageField, string[]> {
  const mapping = new Map<LinkageField, string[]>();
  const add = (field: LinkageField, header: string) => {
    const columns = mapping.get(field) ?? [];
    if (!columns.includes(header)) mapping.set(field, [...columns, header]);
  };
  if (!wanted) {
    for (const header of headers) {
      const field = fieldOfHeader(header);
      if (field) add(field, header);
    }
    return mapping;
  }
  for (const name of wanted) {
    const exactHeader = headers.find((header) => headerKey(header) === headerKey(name));
    const field = fieldOfHeader(exactHeader ?? name) ?? linkageFields.find((candidate) => headerKey(camelToSnake(candidate)) === headerKey(name));
    if (!field) {
      throw new LinkageInputError(`--columns names "${name}", which OneRoof cannot compare. Columns it understands: ${linkageFields.map((candidate) => headerAliases[candidate][0]).join(', ')} (and common other names for them, e.g. first_name, dob).`);
    }
    const columns = exactHeader ? [exactHeader] : headers.filter((header) => fieldOfHeader(header) === field);
    if (columns.length === 0) throw new LinkageInputError(`${path.basename(file)} has no column "${name}". Its columns: ${headers.join(', ')}.`);
    for (const header of columns) add(field, header);
  }
  return mapping;
}

export interface ReadOptions {
  idColumn: string;
  columns?: readonly string[];
}

/** Reads a CSV file row by row (never whole into memory) into normalised person records. */
export async function readPersonCsv(file: string, options: ReadOptions): Promise<{ records: PersonRecord[]; mapping: Map<LinkageField, string[]> }> {
  const name = path.basename(file);
  const size = await stat(file).then(
    (stats) => (stats.isFile() ? stats.size : -1),
    () => {
      throw new LinkageInputError(`${file} does not exist or cannot be read.`);
    },
  );
  if (size < 0) throw new LinkageInputError(`${file} is not a file.`);
  if (size === 0) throw new LinkageInputError(`${name} is empty: it needs a header row naming its columns and at least one record.`);

  let headers: string[] = [];
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      columns: (header: string[]) => {
        headers = header;
        return header;
      },
    }),
  );
  const records: PersonRecord[] = [];
  let mapping: Map<LinkageField, string[]> | undefined;
  try {
    for await (const row of parser as AsyncIterable<Record<string, string | undefined>>) {
      if (!mapping) mapping = checkedMapping(name, headers, options);
      const id = row[options.idColumn] ?? '';
      const record = emptyPersonRecord(id);
      for (const [field, columns] of mapping) {
        record[field] = normalisers[field](columns.map((column) => row[column] ?? '').filter((value) => value !== '').join(' '));
      }
      records.push(record);
    }
  } catch (error) {
    if (error instanceof LinkageInputError) throw error;
    throw new LinkageInputError(`${name} could not be read as CSV: ${(error as Error).message}`);
  }
  if (!mapping) mapping = checkedMapping(name, headers, options);
  if (records.length === 0) throw new LinkageInputError(`${name} has a header row but no records.`);
  return { records, mapping };
}

function checkedMapping(name: string, headers: string[], options: ReadOptions): Map<LinkageField, string[]> {
  if (headers.length === 0) throw new LinkageInputError(`${name} has no header row.`);
  if (!headers.includes(options.idColumn)) throw new LinkageInputError(`${name} has no id column "${options.idColumn}" (--id). Its columns: ${headers.join(', ')}.`);
  const mapping = mapColumns(name, headers.filter((header) => header !== options.idColumn), options.columns);
  if (mapping.size === 0) throw new LinkageInputError(`${name} has no column OneRoof can compare (e.g. given_name, surname, date_of_birth, postcode). Its columns: ${headers.join(', ')}.`);
  return mapping;
}
