/** The kinds of partner organisation. Labels: `organisations.types.<type>` in the catalogue. */
export const organisationTypes = [
  'police',
  'district_borough_council',
  'county_council',
  'nhs_trust',
  'integrated_care_board',
  'fire_rescue',
  'housing_provider',
  'victim_support',
  'voluntary_sector',
  'education',
  'probation',
  'other',
] as const;

export type OrganisationType = (typeof organisationTypes)[number];
