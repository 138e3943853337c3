/** The person fields the linkage engine compares. Every source's columns are mapped onto these. */
export const linkageFields = ['givenName', 'surname', 'dateOfBirth', 'postcode', 'streetNumber', 'addressLine', 'locality', 'phone', 'identifier'] as const;
export type LinkageField = (typeof linkageFields)[number];

/** One person as a source recorded them, normalised; '' where the source has nothing. */
export type PersonRecord = { id: string } & Record<LinkageField, string>;

export function emptyPersonRecord(id: string): PersonRecord {
  return { id, givenName: '', surname: '', dateOfBirth: '', postcode: '', streetNumber: '', addressLine: '', locality: '', phone: '', identifier: '' };
}
