/**
 * The code lists of information sharing, and the one place that says which purpose (and which
 * categories of data) a case type or a referral pathway shares under. Labels live in the
 * catalogue under `sharingAgreements.purposes.<code>` and friends.
 */
export const sharingPurposes = [
  'asb_case_management',
  'vulnerability_safeguarding',
  'criminal_exploitation',
  'domestic_abuse_marac',
  'mental_health_crisis',
  'hidden_harm_signals',
  'problem_solving',
] as const;
export type SharingPurpose = (typeof sharingPurposes)[number];

export const dataCategories = ['personal', 'special_category', 'criminal_offence'] as const;
export type DataCategory = (typeof dataCategories)[number];

export const lawfulBases = ['public_task', 'substantial_public_interest', 'crime_and_disorder_s115', 'consent'] as const;
export type LawfulBasis = (typeof lawfulBases)[number];

export function isSharingPurpose(value: unknown): value is SharingPurpose {
  return typeof value === 'string' && (sharingPurposes as readonly string[]).includes(value);
}

const PURPOSE_OF_CASE_TYPE: Record<string, SharingPurpose> = {
  anti_social_behaviour: 'asb_case_management',
  neighbour_nuisance: 'asb_case_management',
  hate_incident: 'asb_case_management',
  vulnerability: 'vulnerability_safeguarding',
  criminal_exploitation: 'criminal_exploitation',
  domestic_abuse: 'domestic_abuse_marac',
  mental_health_crisis: 'mental_health_crisis',
};

const PURPOSE_OF_PATHWAY: Record<string, SharingPurpose> = {
  concern_for_welfare_mental_health: 'mental_health_crisis',
  asb_victim_support: 'asb_case_management',
  marac: 'domestic_abuse_marac',
  exploitation_panel: 'criminal_exploitation',
  tenancy_sustainment: 'vulnerability_safeguarding',
};

/** What a handover of each purpose carries beyond ordinary personal data. */
const CATEGORIES_OF_PURPOSE: Record<SharingPurpose, DataCategory[]> = {
  asb_case_management: ['personal'],
  vulnerability_safeguarding: ['personal', 'special_category'],
  criminal_exploitation: ['personal', 'criminal_offence'],
  domestic_abuse_marac: ['personal', 'special_category', 'criminal_offence'],
  mental_health_crisis: ['personal', 'special_category'],
  hidden_harm_signals: ['personal', 'special_category'],
  problem_solving: ['personal'],
};

/** A type the partnership added itself shares for problem solving until it is mapped here. */
export function purposeOfCaseType(caseType: string | null | undefined): SharingPurpose {
  return (caseType && PURPOSE_OF_CASE_TYPE[caseType]) || 'problem_solving';
}

/** A pathway's own purpose wins; otherwise the case's type; a person referred with neither, safeguarding. */
export function purposeOfReferral(pathwayCode: string | null | undefined, caseType: string | null | undefined): SharingPurpose {
  if (pathwayCode && PURPOSE_OF_PATHWAY[pathwayCode]) return PURPOSE_OF_PATHWAY[pathwayCode];
  if (caseType) return purposeOfCaseType(caseType);
  return 'vulnerability_safeguarding';
}

export function dataCategoriesFor(purpose: SharingPurpose): DataCategory[] {
  return CATEGORIES_OF_PURPOSE[purpose];
}
