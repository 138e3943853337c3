import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Table types for Kysely. They mirror server/db/migrations/*.sql and must change with them. */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface PartnershipTable {
  id: Generated<number>;
  name: string;
  area: string;
  logo_text: string;
  updated_at: UpdatedAt;
}

export interface OrganisationsTable {
  id: Generated<string>;
  name: string;
  type: string;
  contact_name: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  active: Generated<boolean>;
  sso_enabled: Generated<boolean>;
  oidc_issuer: string | null;
  oidc_client_id: string | null;
  oidc_client_secret_encrypted: string | null;
  sso_satisfies_mfa: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  organisation_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string | null;
  disabled: Generated<boolean>;
  mfa_secret_encrypted: string | null;
  mfa_enabled_at: Timestamp | null;
  mfa_last_time_step: ColumnType<string | null, number | null, number | null>;
  oidc_subject: string | null;
  locale: string | null;
  last_sign_in_at: Timestamp | null;
  is_demo: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

/** Rate-limit counters shared by every app process (migration 0023). */
export interface RateLimitCountersTable {
  key: string;
  window_started_at: ColumnType<Date, string, string>;
  hits: number;
}

export interface SessionsTable {
  sid_hash: string;
  user_id: string | null;
  data: ColumnType<unknown, string, string>;
  expires_at: Timestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SignInThrottleTable {
  key: string;
  failures: Generated<number>;
  lock_count: Generated<number>;
  locked_until: Timestamp | null;
  last_failure_at: UpdatedAt;
}

export interface OneTimeTokensTable {
  id: Generated<string>;
  user_id: string;
  purpose: 'invite' | 'password_reset';
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface EmailOutboxTable {
  id: Generated<string>;
  organisation_id: string | null;
  to_address: string;
  subject: string;
  body_text: string;
  status: Generated<'pending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
}

export interface ApiKeysTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  key_prefix: string;
  secret_hash: string;
  permissions: string[];
  created_by: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

/** What an audit event says, the same waiting in the inbox and in the chain. */
interface AuditEventContent {
  occurred_at: ColumnType<Date, string, never>;
  actor_user_id: string | null;
  actor_label: string;
  organisation_id: string | null;
  action: string;
  record_type: string | null;
  record_id: string | null;
  ip: string | null;
  request_id: string | null;
  reason: string | null;
  details: ColumnType<Record<string, unknown>, string, never>;
  break_glass: ColumnType<boolean, boolean, never>;
}

export interface AuditEventsTable extends AuditEventContent {
  seq: ColumnType<string, number | string, never>;
  prev_hash: string;
  hash: string;
}

/** Audit events committed with their change and waiting to be chained (migration 0020). */
export interface AuditInboxTable extends AuditEventContent {
  id: Generated<string>;
}

export interface PeopleTable {
  id: Generated<string>;
  given_name: string;
  family_name: string;
  date_of_birth: string | null;
  approximate_age: number | null;
  age_recorded_on: string | null;
  gender: string | null;
  ethnicity: string | null;
  disability: string | null;
  religion: string | null;
  sexuality: string | null;
  phone: string | null;
  email: string | null;
  preferred_language: string | null;
  interpreter_needed: Generated<boolean>;
  created_by: string | null;
  created_by_organisation_id: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  version: Generated<number>;
  /** Set when a retention run anonymised the record (0018). */
  anonymised_at: ColumnType<Date | null, never, Date | string | null>;
}

export interface PersonNamesTable {
  id: Generated<string>;
  person_id: string;
  kind: 'alias' | 'previous' | 'nickname';
  given_name: Generated<string>;
  family_name: Generated<string>;
  created_at: CreatedAt;
}

export interface PersonMarkersTable {
  id: Generated<string>;
  person_id: string;
  marker: string;
  source_organisation_id: string | null;
  recorded_on: ColumnType<string, string | undefined, string>;
  notes: string | null;
  recorded_by: string | null;
  created_at: CreatedAt;
}

export interface LocationsTable {
  id: Generated<string>;
  address_line_1: string;
  address_line_2: string | null;
  town: string | null;
  postcode: string | null;
  uprn: string | null;
  latitude: number | null;
  longitude: number | null;
  location_type: string;
  area: string | null;
  created_at: CreatedAt;
}

export interface PersonAddressesTable {
  id: Generated<string>;
  person_id: string;
  location_id: string;
  valid_from: string | null;
  valid_to: string | null;
  created_at: CreatedAt;
}

export interface HouseholdsTable {
  id: Generated<string>;
  name: string;
  location_id: string | null;
  created_at: CreatedAt;
}

export interface HouseholdMembersTable {
  household_id: string;
  person_id: string;
  relationship: string | null;
  added_at: CreatedAt;
}

export interface CaseTypesTable {
  code: string;
  reference_prefix: string;
  name: string;
  active: Generated<boolean>;
  sort_order: Generated<number>;
  /** True while the type keeps its built-in name, which the i18n catalogue translates. */
  name_translated: Generated<boolean>;
}

export interface CaseReferenceCountersTable {
  prefix: string;
  year: number;
  last_number: number;
}

export interface CasesTable {
  id: Generated<string>;
  reference: string;
  case_type: string;
  priority: Generated<string>;
  summary: string;
  status: Generated<string>;
  outcome_code: string | null;
  closure_reason: string | null;
  lead_organisation_id: string;
  lead_officer_id: string | null;
  area: string | null;
  risk_level: string | null;
  next_review_due: string | null;
  opened_at: ColumnType<Date, Date | string | undefined, Date | string>;
  closed_at: Timestamp | null;
  created_by: string | null;
  updated_at: UpdatedAt;
  version: Generated<number>;
  /** Set when a retention run anonymised the record (0018). */
  anonymised_at: ColumnType<Date | null, never, Date | string | null>;
}

export interface CaseParticipantsTable {
  case_id: string;
  organisation_id: string;
  added_by: string | null;
  added_at: CreatedAt;
}

export interface CasePeopleTable {
  case_id: string;
  person_id: string;
  role: string;
  added_at: CreatedAt;
}

export interface CaseLocationsTable {
  case_id: string;
  location_id: string;
  added_at: CreatedAt;
}

export interface CaseLinksTable {
  case_id: string;
  linked_case_id: string;
  added_at: CreatedAt;
}

export interface CaseEventsTable {
  id: Generated<string>;
  case_id: string;
  occurred_at: ColumnType<Date, Date | string | undefined, never>;
  kind: string;
  actor_user_id: string | null;
  actor_organisation_id: string | null;
  note_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
}

export interface RiskInstrumentsTable {
  code: string;
  version: number;
  name: string;
  definition: ColumnType<unknown, string, string>;
  active: Generated<boolean>;
}

export interface RiskAssessmentsTable {
  id: Generated<string>;
  case_id: string;
  person_id: string | null;
  instrument_code: string;
  instrument_version: number;
  score: number;
  band: string;
  band_reason: string;
  professional_judgement: Generated<boolean>;
  professional_judgement_reason: string | null;
  completed_by: string | null;
  completed_by_organisation_id: string | null;
  completed_at: CreatedAt;
}

export interface RiskAssessmentAnswersTable {
  assessment_id: string;
  question_id: string;
  answer_boolean: boolean | null;
  answer_number: ColumnType<string | null, number | null, number | null>;
  answer_text: string | null;
  answer_choice: string | null;
}

export interface CaseActionsTable {
  id: Generated<string>;
  /** Exactly one of case_id and problem_id is set (0014): an action of a case or a problem's response. */
  case_id: string | null;
  problem_id: string | null;
  title: string;
  description: string | null;
  owner_organisation_id: string;
  owner_user_id: string | null;
  due_date: string | null;
  status: Generated<string>;
  completed_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  version: Generated<number>;
}

export interface CaseInterventionsTable {
  id: Generated<string>;
  case_id: string;
  person_id: string | null;
  stage: string;
  status: Generated<string>;
  issued_on: string | null;
  review_on: string | null;
  expires_on: string | null;
  notes: string | null;
  created_by: string | null;
  created_by_organisation_id: string | null;
  created_at: CreatedAt;
}

export interface CaseNotesTable {
  id: Generated<string>;
  case_id: string;
  body: string;
  sensitivity: Generated<string>;
  author_id: string | null;
  author_organisation_id: string;
  created_at: CreatedAt;
}

export interface CaseAttachmentsTable {
  id: Generated<string>;
  case_id: string;
  note_id: string | null;
  file_name: string;
  content_type: string;
  size_bytes: ColumnType<string, number, number>;
  sha256: string;
  storage_key: string;
  uploaded_by: string | null;
  created_at: CreatedAt;
}

export interface SensitivityClearancesTable {
  role: string;
  sensitivity: string;
}

export interface ReviewIntervalsTable {
  risk_level: string;
  days: number;
}

export interface NotificationsTable {
  id: Generated<string>;
  user_id: string;
  kind: string;
  case_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: CreatedAt;
  read_at: Timestamp | null;
  referral_id: string | null;
}

/**
 * One extra question of a referral pathway. `text` is the partnership's own wording; without it
 * the label is the catalogue's `referrals.questions.<key>.label` (the starting pathways).
 */
export interface PathwayQuestion {
  key: string;
  kind: 'yes_no' | 'text';
  required: boolean;
  text?: string;
  /** A yes answer means the referral must be immediate (Right Care, Right Person). */
  immediateIfYes?: boolean;
}

export interface ReferralPathwaysTable {
  id: Generated<string>;
  code: string;
  name: string;
  description: Generated<string>;
  from_organisation_types: Generated<string[]>;
  to_organisation_id: string | null;
  to_organisation_type: string | null;
  to_team: string | null;
  default_urgency: string;
  questions: ColumnType<PathwayQuestion[], string | undefined, string>;
  acknowledge_within_minutes: number | null;
  decide_within_minutes: number | null;
  deadline_clock: string | null;
  handover_target_minutes: number | null;
  active: Generated<boolean>;
  sort_order: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ReferralsTable {
  id: Generated<string>;
  reference: string;
  case_id: string | null;
  person_id: string | null;
  pathway_id: string | null;
  from_organisation_id: string;
  from_user_id: string | null;
  to_organisation_id: string;
  to_team: string | null;
  urgency: string;
  reason: string;
  requested: string;
  information_shared: string;
  lawful_basis: string;
  lawful_basis_detail: string | null;
  consent: string;
  consent_reason: string | null;
  answers: ColumnType<Record<string, string>, string | undefined, string>;
  /** The pathway's questions as they were asked; null for a referral without a pathway. */
  questions: ColumnType<PathwayQuestion[] | null, string | null | undefined, string | null>;
  police_attended: Generated<boolean>;
  status: Generated<string>;
  acknowledge_due_at: Timestamp;
  decide_due_at: Timestamp;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  decided_at: Timestamp | null;
  decided_by: string | null;
  decline_code: string | null;
  decline_reason: string | null;
  more_info_request: string | null;
  withdrawn_at: Timestamp | null;
  withdrawal_reason: string | null;
  accepted_case_id: string | null;
  redirected_from_id: string | null;
  acknowledge_reminded_at: Timestamp | null;
  acknowledge_breached_at: Timestamp | null;
  decide_reminded_at: Timestamp | null;
  decide_breached_at: Timestamp | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: UpdatedAt;
  version: Generated<number>;
  /** Set when a retention run anonymised the record (0018). */
  anonymised_at: ColumnType<Date | null, never, Date | string | null>;
}

export interface ReferralEventsTable {
  id: Generated<string>;
  referral_id: string;
  occurred_at: ColumnType<Date, Date | string | undefined, never>;
  kind: string;
  actor_user_id: string | null;
  actor_organisation_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
}

export interface BreakGlassGrantsTable {
  id: Generated<string>;
  user_id: string;
  case_id: string;
  reason: string;
  granted_at: CreatedAt;
  expires_at: Timestamp;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
  review_outcome: string | null;
}

export interface IncidentCategoriesTable {
  code: string;
  name: string;
  name_translated: Generated<boolean>;
  harm_group: string;
  severity: Generated<number>;
  active: Generated<boolean>;
  sort_order: Generated<number>;
}

export interface IncidentCategoryMappingsTable {
  id: Generated<string>;
  organisation_id: string | null;
  source_code: string;
  category_code: string;
  created_at: CreatedAt;
}

export interface IncidentRowError {
  row: number;
  field?: string;
  message: string;
  /** 0011: what the row held, when it helps to say why it was refused. */
  value?: string;
}

export interface IncidentImportsTable {
  id: Generated<string>;
  organisation_id: string;
  created_by: string | null;
  api_key_id: string | null;
  channel: 'upload' | 'api' | 'police_uk' | 'command';
  file_name: string | null;
  /** bigint: pg returns it as a string. */
  file_bytes: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  file_sha256: string | null;
  template_id: string | null;
  status: Generated<'uploaded' | 'validating' | 'validated' | 'importing' | 'imported' | 'failed' | 'discarded'>;
  rows_total: Generated<number>;
  rows_valid: Generated<number>;
  rows_invalid: Generated<number>;
  rows_imported: Generated<number>;
  rows_already_held: Generated<number>;
  row_errors: ColumnType<IncidentRowError[], string | undefined, string>;
  failure: string | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
  /** 0011: the upload on disk, its decoding, header row, chosen mapping and progress. */
  storage_key: string | null;
  encoding: string | null;
  headers: ColumnType<string[], string | undefined, string>;
  mapping: ColumnType<IncidentImportMapping | null, string | null | undefined, string | null>;
  bytes_processed: ColumnType<string, number | string | undefined, number | string>;
  rows_duplicate: Generated<number>;  /** 0021: last sign of life from the process running its validation or import. */
  heartbeat_at: Timestamp | null;
}

/** An import's column mapping: incident field → CSV header, and whether police.uk rules apply. */
export interface IncidentImportMapping {
  columns: Record<string, string>;
  policeUk: boolean;
}

export interface IncidentMappingTemplatesTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  mapping: ColumnType<Record<string, string>, string, string>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface IncidentsTable {
  id: Generated<string>;
  source_organisation_id: string;
  source_reference: string;
  occurred_at: Timestamp;
  occurred_precision: Generated<'minute' | 'day' | 'month'>;
  category_code: string;
  source_category: string | null;
  summary: string | null;
  address: string | null;
  postcode: string | null;
  latitude: number | null;
  longitude: number | null;
  location_id: string | null;
  area: string | null;
  lsoa_code: string | null;
  import_id: string | null;
  created_at: CreatedAt;
  /** Set when a retention run anonymised the record (0018). */
  anonymised_at: ColumnType<Date | null, never, Date | string | null>;
}

export type IncidentPersonRole = 'victim' | 'complainant' | 'alleged_perpetrator' | 'witness' | 'person_at_risk' | 'subject' | 'other';
export type IncidentPersonLinkStatus = 'pending' | 'auto_linked' | 'in_review' | 'confirmed' | 'new_person' | 'unlinked';

export interface IncidentPeopleTable {
  id: Generated<string>;
  incident_id: string;
  role: IncidentPersonRole;
  given_name: string | null;
  family_name: string | null;
  date_of_birth: string | null;
  gender: string | null;
  address: string | null;
  postcode: string | null;
  phone: string | null;
  identifier_kind: 'nhs_number' | 'police_id' | 'council_id' | 'other' | null;
  identifier: string | null;
  person_id: string | null;
  link_status: Generated<IncidentPersonLinkStatus>;
  match_weight: number | null;
  linked_at: Timestamp | null;
  unlinked_reason: 'too_little_to_link' | 'unlinked_by_reviewer' | null;
  linked_by: string | null;
}

export interface LinkCandidatesTable {
  id: Generated<string>;
  incident_person_id: string;
  candidate_person_id: string;
  candidate_record: ColumnType<unknown, string, string>;
  candidate_organisation_id: string | null;
  match_weight: number;
  match_probability: number;
  explanation: ColumnType<unknown, string, string>;
  status: Generated<'open' | 'confirmed' | 'rejected'>;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_reason: string | null;
  created_at: CreatedAt;
}

export interface LinkageModelsTable {
  id: Generated<string>;
  parameters: ColumnType<unknown, string, string>;
  trained_at: CreatedAt;
  pending_records: number;
  existing_records: number;
  compared_pairs: number;
}

export interface ApiIdempotencyKeysTable {
  api_key_id: string;
  idempotency_key: string;
  request_sha256: string;
  response_status: number;
  response_body: ColumnType<unknown, string, never>;
  created_at: CreatedAt;
}

// Analytics (0013_saved_analyses.sql) --------------------------------------------------------------

export type SavedAnalysisKind = 'dashboard' | 'hotspots' | 'near_repeat' | 'repeats';

export interface SavedAnalysesTable {
  id: Generated<string>;
  kind: SavedAnalysisKind;
  name: string;
  parameters: ColumnType<unknown, string, string>;
  owner_user_id: string;
  organisation_id: string;
  last_run_summary: ColumnType<unknown, string | null | undefined, string | null>;
  last_run_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface AnalysisRunsTable {
  id: Generated<string>;
  kind: 'near_repeat';
  parameters: ColumnType<unknown, string, string>;
  status: Generated<'running' | 'finished' | 'failed'>;
  result: ColumnType<unknown, string | null | undefined, string | null>;
  failure: string | null;
  saved_analysis_id: string | null;
  started_by: string;
  started_at: CreatedAt;
  finished_at: Timestamp | null;
}

export interface Database {
  partnership: PartnershipTable;
  organisations: OrganisationsTable;
  users: UsersTable;
  recovery_codes: RecoveryCodesTable;
  sessions: SessionsTable;
  rate_limit_counters: RateLimitCountersTable;
  sign_in_throttle: SignInThrottleTable;
  one_time_tokens: OneTimeTokensTable;
  email_outbox: EmailOutboxTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  audit_inbox: AuditInboxTable;
  people: PeopleTable;
  person_names: PersonNamesTable;
  person_markers: PersonMarkersTable;
  locations: LocationsTable;
  person_addresses: PersonAddressesTable;
  households: HouseholdsTable;
  household_members: HouseholdMembersTable;
  case_types: CaseTypesTable;
  case_reference_counters: CaseReferenceCountersTable;
  cases: CasesTable;
  case_participants: CaseParticipantsTable;
  case_people: CasePeopleTable;
  case_locations: CaseLocationsTable;
  case_links: CaseLinksTable;
  case_events: CaseEventsTable;
  risk_instruments: RiskInstrumentsTable;
  risk_assessments: RiskAssessmentsTable;
  risk_assessment_answers: RiskAssessmentAnswersTable;
  case_actions: CaseActionsTable;
  case_interventions: CaseInterventionsTable;
  case_notes: CaseNotesTable;
  case_attachments: CaseAttachmentsTable;
  sensitivity_clearances: SensitivityClearancesTable;
  review_intervals: ReviewIntervalsTable;
  notifications: NotificationsTable;
  break_glass_grants: BreakGlassGrantsTable;
  case_review_settings: CaseReviewSettingsTable;
  case_review_applications: CaseReviewApplicationsTable;
  case_review_incidents: CaseReviewIncidentsTable;
  case_review_events: CaseReviewEventsTable;
  case_review_meetings: CaseReviewMeetingsTable;
  case_review_meeting_organisations: CaseReviewMeetingOrganisationsTable;
  case_review_recommendations: CaseReviewRecommendationsTable;
  case_review_appeals: CaseReviewAppealsTable;
  referral_pathways: ReferralPathwaysTable;
  referrals: ReferralsTable;
  referral_events: ReferralEventsTable;
  incident_categories: IncidentCategoriesTable;
  incident_category_mappings: IncidentCategoryMappingsTable;
  incident_imports: IncidentImportsTable;
  incident_mapping_templates: IncidentMappingTemplatesTable;
  incidents: IncidentsTable;
  incident_people: IncidentPeopleTable;
  link_candidates: LinkCandidatesTable;
  linkage_models: LinkageModelsTable;
  alert_rules: AlertRulesTable;
  alerts: AlertsTable;
  alert_evidence: AlertEvidenceTable;
  alert_people: AlertPeopleTable;
  api_idempotency_keys: ApiIdempotencyKeysTable;
  saved_analyses: SavedAnalysesTable;
  analysis_runs: AnalysisRunsTable;
  problems: ProblemsTable;
  problem_evidence: ProblemEvidenceTable;
  problem_cases: ProblemCasesTable;
  problem_events: ProblemEventsTable;
  problem_assessments: ProblemAssessmentsTable;
  sharing_settings: SharingSettingsTable;
  sharing_agreements: SharingAgreementsTable;
  sharing_agreement_parties: SharingAgreementPartiesTable;
  meeting_series: MeetingSeriesTable;
  meeting_series_members: MeetingSeriesMembersTable;
  meetings: MeetingsTable;
  meeting_case_flags: MeetingCaseFlagsTable;
  meeting_attendees: MeetingAttendeesTable;
  meeting_minutes: MeetingMinutesTable;
  governance_settings: GovernanceSettingsTable;
  agreement_versions: AgreementVersionsTable;
  agreement_priorities: AgreementPrioritiesTable;
  agreement_commitments: AgreementCommitmentsTable;
  agreement_measures: AgreementMeasuresTable;
  agreement_signatures: AgreementSignaturesTable;
  measure_figures: MeasureFiguresTable;
  governance_events: GovernanceEventsTable;
  event_agenda_items: EventAgendaItemsTable;
  event_workshops: EventWorkshopsTable;
  event_registrations: EventRegistrationsTable;
  event_feedback: EventFeedbackTable;
  event_follow_ups: EventFollowUpsTable;
  subject_access_requests: SubjectAccessRequestsTable;
  person_data_protection_flags: PersonDataProtectionFlagsTable;
  retention_schedules: RetentionSchedulesTable;
  retention_schedule_changes: RetentionScheduleChangesTable;
  legal_holds: LegalHoldsTable;
  retention_runs: RetentionRunsTable;
  retention_run_items: RetentionRunItemsTable;
  retention_run_records: RetentionRunRecordsTable;
  audit_chain_anchors: AuditChainAnchorsTable;
}

export type OrganisationRow = Selectable<OrganisationsTable>;
export type NewOrganisationRow = Insertable<OrganisationsTable>;
export type OrganisationUpdate = Updateable<OrganisationsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type EmailOutboxRow = Selectable<EmailOutboxTable>;
export type PartnershipRow = Selectable<PartnershipTable>;
export type PersonRow = Selectable<PeopleTable>;
export type LocationRow = Selectable<LocationsTable>;
export type CaseRow = Selectable<CasesTable>;
export type CaseTypeRow = Selectable<CaseTypesTable>;
export type CaseActionRow = Selectable<CaseActionsTable>;
export type CaseNoteRow = Selectable<CaseNotesTable>;
export type RiskAssessmentRow = Selectable<RiskAssessmentsTable>;
export type ReferralRow = Selectable<ReferralsTable>;
export type ReferralPathwayRow = Selectable<ReferralPathwaysTable>;

// ASB Case Review (0005_case_reviews.sql) -------------------------------------------------------

export interface CaseReviewSettingsTable {
  id: Generated<number>;
  threshold_complaints: Generated<number>;
  threshold_period_months: Generated<number>;
  vulnerable_threshold_complaints: number | null;
  single_hate_incident: Generated<boolean>;
  acknowledge_working_days: Generated<number>;
  decision_working_days: Generated<number>;
  outcome_letter_template: string;
  updated_by: string | null;
  updated_at: UpdatedAt;
}

export interface CaseReviewApplicationsTable {
  id: Generated<string>;
  reference: string;
  status: Generated<string>;
  applying_for: string;
  applicant_name: string;
  victim_name: string | null;
  relationship_to_victim: string | null;
  contact_email: string;
  contact_phone: string | null;
  problem_description: string;
  problem_location: string;
  impact: string;
  vulnerable: boolean;
  vulnerability_details: string | null;
  hate_motivated: string;
  threshold_appears_met: boolean;
  threshold_rule: string;
  qualifying_complaints: number;
  locale: Generated<string>;
  tracking_token_hash: string;
  received_at: ColumnType<Date, Date | string | undefined, Date | string>;
  acknowledge_due_at: Timestamp;
  decision_due_at: Timestamp;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  decided_at: Timestamp | null;
  decided_by: string | null;
  threshold_decision: string | null;
  decision_reason: string | null;
  outcome_summary: string | null;
  outcome_letter: string | null;
  outcome_sent_at: Timestamp | null;
  updated_at: UpdatedAt;
}

export interface CaseReviewIncidentsTable {
  id: Generated<string>;
  application_id: string;
  position: number;
  occurred_on: string;
  reported_to: ColumnType<string[], string[] | undefined, string[]>;
  agency_references: string | null;
  description: string;
}

export interface CaseReviewEventsTable {
  id: Generated<string>;
  application_id: string;
  kind: string;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  actor_user_id: string | null;
  actor_label: string;
  occurred_at: CreatedAt;
}

export interface CaseReviewMeetingsTable {
  id: Generated<string>;
  application_id: string;
  meets_at: Timestamp;
  location: string;
  other_participants: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface CaseReviewMeetingOrganisationsTable {
  meeting_id: string;
  organisation_id: string;
}

export interface CaseReviewRecommendationsTable {
  id: Generated<string>;
  application_id: string;
  recommendation: string;
  owner_organisation_id: string;
  due_on: string;
  status: Generated<string>;
  completed_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface CaseReviewAppealsTable {
  id: Generated<string>;
  application_id: string;
  reason: string;
  status: Generated<string>;
  requested_at: CreatedAt;
  response: string | null;
  decided_at: Timestamp | null;
  decided_by: string | null;
}

export type CaseReviewSettingsRow = Selectable<CaseReviewSettingsTable>;
export type CaseReviewApplicationRow = Selectable<CaseReviewApplicationsTable>;
export type CaseReviewIncidentRow = Selectable<CaseReviewIncidentsTable>;
export type IncidentCategoryRow = Selectable<IncidentCategoriesTable>;
export type IncidentImportRow = Selectable<IncidentImportsTable>;
export type IncidentRow = Selectable<IncidentsTable>;
export type NewIncidentRow = Insertable<IncidentsTable>;
export type IncidentPersonRow = Selectable<IncidentPeopleTable>;
export type NewIncidentPersonRow = Insertable<IncidentPeopleTable>;

export interface AlertRulesTable {
  code: string;
  enabled: Generated<boolean>;
  window_days: number;
  threshold: number;
  harm_groups: ColumnType<string[], string[] | undefined, string[]>;
  markers: ColumnType<string[], string[] | undefined, string[]>;
  /** numeric: pg returns it as a string. */
  factor: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  grid_metres: number | null;
  sort_order: Generated<number>;
  updated_by: string | null;
  updated_at: UpdatedAt;
}

export type AlertStatus = 'open' | 'case_opened' | 'added_to_case' | 'dismissed';

export interface AlertsTable {
  id: Generated<string>;
  rule_code: string;
  subject_kind: 'person' | 'location';
  subject_key: string;
  person_id: string | null;
  location_id: string | null;
  location_label: string | null;
  facts: ColumnType<Record<string, unknown>, string | undefined, string>;
  status: Generated<AlertStatus>;
  assigned_to: string | null;
  assigned_at: Timestamp | null;
  case_id: string | null;
  dismiss_reason: string | null;
  dismiss_detail: string | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  first_fired_at: CreatedAt;
  last_fired_at: UpdatedAt;
  version: Generated<number>;
  /** Set when a retention run anonymised the record (0018). */
  anonymised_at: ColumnType<Date | null, never, Date | string | null>;
}

export interface AlertEvidenceTable {
  alert_id: string;
  incident_id: string;
  organisation_id: string;
  added_at: CreatedAt;
}

export interface AlertPeopleTable {
  alert_id: string;
  person_id: string;
  involvement: 'subject' | 'associated';
}

export type AlertRuleRow = Selectable<AlertRulesTable>;
export type AlertRow = Selectable<AlertsTable>;

export interface ProblemsTable {
  id: Generated<string>;
  reference: string;
  title: string;
  stage: Generated<'objective' | 'scanning' | 'analysis' | 'response' | 'assessment' | 'closed'>;
  owner_user_id: string | null;
  lead_organisation_id: string;
  objective: string | null;
  objective_measure: string | null;
  scanning_summary: string | null;
  category_codes: ColumnType<string[], string[] | undefined, string[]>;
  target_latitude: number | null;
  target_longitude: number | null;
  target_radius_m: number | null;
  target_h3_cell: string | null;
  comparison_latitude: number | null;
  comparison_longitude: number | null;
  comparison_radius_m: number | null;
  buffer_width_m: number | null;
  analysis_summary: string | null;
  victim: string | null;
  guardian: string | null;
  offender: string | null;
  handler: string | null;
  location: string | null;
  manager: string | null;
  closed_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  version: Generated<number>;
}

export interface ProblemEvidenceTable {
  id: Generated<string>;
  problem_id: string;
  kind: 'saved_analysis' | 'incident_count' | 'document' | 'note';
  label: string;
  url: string | null;
  count: number | null;
  saved_analysis_id: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface ProblemCasesTable {
  problem_id: string;
  case_id: string;
  linked_by: string | null;
  linked_at: CreatedAt;
}

export interface ProblemEventsTable {
  id: Generated<string>;
  problem_id: string;
  kind: string;
  from_stage: string | null;
  to_stage: string | null;
  reason: string | null;
  user_id: string | null;
  created_at: CreatedAt;
}

export interface ProblemAssessmentsTable {
  id: Generated<string>;
  problem_id: string;
  category_codes: ColumnType<string[], string[] | undefined, string[]>;
  before_start: ColumnType<string, string, string>;
  before_end: ColumnType<string, string, string>;
  after_start: ColumnType<string, string, string>;
  after_end: ColumnType<string, string, string>;
  target_before: number;
  target_after: number;
  comparison_before: number;
  comparison_after: number;
  buffer_before: number;
  buffer_after: number;
  conclusion: string | null;
  recorded_by: string | null;
  created_at: CreatedAt;
}

export type ProblemRow = Selectable<ProblemsTable>;
export type ProblemAssessmentRow = Selectable<ProblemAssessmentsTable>;

// Information-sharing agreements and multi-agency meetings (0016_sharing_and_meetings.sql) ------

export interface SharingSettingsTable {
  id: Generated<number>;
  enforcement_enabled: Generated<boolean>;
  review_reminder_days: Generated<number>;
  updated_by: string | null;
  updated_at: UpdatedAt;
}

export interface SharingAgreementsTable {
  id: Generated<string>;
  reference: string;
  title: string;
  purposes: ColumnType<string[], string[], string[]>;
  data_categories: ColumnType<string[], string[], string[]>;
  lawful_bases: ColumnType<string[], string[], string[]>;
  schedule1_condition: string | null;
  retention: string;
  security_requirements: string;
  dpia_reference: string | null;
  starts_on: string;
  review_on: string;
  ends_on: string;
  status: Generated<string>;
  withdrawn_reason: string | null;
  review_reminded_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SharingAgreementPartiesTable {
  agreement_id: string;
  organisation_id: string;
  signed_at: Timestamp | null;
  signed_by: string | null;
}

export interface MeetingSeriesTable {
  id: Generated<string>;
  name: string;
  kind: string;
  purpose: string;
  every_weeks: number;
  first_date: string;
  start_time: string;
  location: string | null;
  confidentiality_statement: string;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface MeetingSeriesMembersTable {
  series_id: string;
  organisation_id: string;
}

export interface MeetingsTable {
  id: Generated<string>;
  series_id: string;
  held_on: string;
  starts_at: Timestamp;
  status: Generated<string>;
  created_at: CreatedAt;
}

export interface MeetingCaseFlagsTable {
  id: Generated<string>;
  series_id: string;
  case_id: string;
  reason: string;
  flagged_by: string | null;
  flagged_by_organisation_id: string | null;
  flagged_at: CreatedAt;
  discussed_meeting_id: string | null;
}

export interface MeetingAttendeesTable {
  meeting_id: string;
  user_id: string;
  organisation_id: string;
  confidentiality_accepted_at: CreatedAt;
}

export interface MeetingMinutesTable {
  id: Generated<string>;
  meeting_id: string;
  case_id: string;
  note_id: string;
  action_id: string | null;
  written_by: string | null;
  written_at: CreatedAt;
}

export type SharingAgreementRow = Selectable<SharingAgreementsTable>;
export type MeetingSeriesRow = Selectable<MeetingSeriesTable>;
export type MeetingRow = Selectable<MeetingsTable>;

// Governance (0015): the Community Safety Agreement, measures, events.
type DateColumn = ColumnType<string, string, string>;
type NumericColumn = ColumnType<string, string | number, string | number>;

export interface GovernanceSettingsTable {
  id: Generated<number>;
  population: number | null;
  updated_at: UpdatedAt;
}

export interface AgreementVersionsTable {
  id: Generated<string>;
  version_number: number;
  status: Generated<'draft' | 'published' | 'superseded'>;
  title: string;
  vision: string;
  starts_on: DateColumn;
  ends_on: DateColumn;
  created_by: string | null;
  created_at: CreatedAt;
  published_by: string | null;
  published_at: Timestamp | null;
}

export interface AgreementPrioritiesTable {
  id: Generated<string>;
  version_id: string;
  code: string;
  title: string;
  description: Generated<string>;
  sort_order: Generated<number>;
}

export interface AgreementCommitmentsTable {
  id: Generated<string>;
  priority_id: string;
  organisation_id: string;
  commitment: string;
  sort_order: Generated<number>;
}

export interface AgreementMeasuresTable {
  id: Generated<string>;
  priority_id: string;
  code: string;
  title: string;
  unit: 'percent' | 'count' | 'rate_per_1000' | 'days';
  source: 'manual' | 'referral_deadline_compliance' | 'case_review_outcomes' | 'asb_incidents_per_1000' | 'repeat_victim_rate';
  baseline: NumericColumn;
  target: NumericColumn;
  due_on: DateColumn;
  direction: 'higher_is_better' | 'lower_is_better';
  sort_order: Generated<number>;
}

export interface AgreementSignaturesTable {
  id: Generated<string>;
  version_id: string;
  organisation_id: string;
  signed_by: string;
  signed_by_name: string;
  job_title: string;
  signed_at: CreatedAt;
}

export interface MeasureFiguresTable {
  id: Generated<string>;
  measure_code: string;
  quarter: string;
  value: NumericColumn;
  note: string | null;
  entered_by: string;
  entered_by_name: string;
  entered_at: UpdatedAt;
}

export interface GovernanceEventsTable {
  id: Generated<string>;
  title: string;
  kind: Generated<'assembly' | 'workshop' | 'meeting' | 'other'>;
  description: Generated<string>;
  venue: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  capacity: number;
  survey_token: string;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface EventAgendaItemsTable {
  id: Generated<string>;
  event_id: string;
  starts_at_time: string | null;
  title: string;
  sort_order: Generated<number>;
}

export interface EventWorkshopsTable {
  id: Generated<string>;
  event_id: string;
  title: string;
  sort_order: Generated<number>;
}

export interface EventRegistrationsTable {
  id: Generated<string>;
  event_id: string;
  user_id: string | null;
  organisation_id: string | null;
  name: string;
  email: string;
  organisation_name: string;
  registered_by: string | null;
  registered_at: CreatedAt;
}

export interface EventFeedbackTable {
  id: Generated<string>;
  event_id: string;
  overall_rating: number;
  usefulness_rating: number;
  went_well: string | null;
  improve: string | null;
  submitted_at: CreatedAt;
}

export interface EventFollowUpsTable {
  id: Generated<string>;
  event_id: string;
  you_said: string;
  we_will: string;
  owner_organisation_id: string;
  status: Generated<'planned' | 'in_progress' | 'done'>;
  we_did: string | null;
  completed_on: ColumnType<string | null, string | null | undefined, string | null>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type AgreementVersionRow = Selectable<AgreementVersionsTable>;
export type AgreementMeasureRow = Selectable<AgreementMeasuresTable>;
export type GovernanceEventRow = Selectable<GovernanceEventsTable>;
export type EventFollowUpRow = Selectable<EventFollowUpsTable>;

// Subject access requests and person flags (0019_subject_access.sql) -------------------------------

export interface SubjectAccessRequestsTable {
  id: Generated<string>;
  reference: string;
  person_id: string;
  requester_name: string;
  requester_relationship: 'self' | 'representative';
  identity_verified: boolean;
  received_on: string;
  due_on: string;
  extension_months: Generated<number>;
  extension_reason: string | null;
  status: Generated<'open' | 'approved'>;
  redactions: ColumnType<string[], string | undefined, string>;
  confirmed_candidates: ColumnType<string[], string | undefined, string>;
  approved_export: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  approved_by: string | null;
  approved_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  version: Generated<number>;
}

export interface PersonDataProtectionFlagsTable {
  person_id: string;
  rectification_requested: string | null;
  rectification_requested_at: Timestamp | null;
  rectification_requested_by: string | null;
  restriction_reason: string | null;
  restricted_at: Timestamp | null;
  restricted_by: string | null;
  updated_at: UpdatedAt;
}

export type RetentionRecordType = 'closed_cases' | 'incidents' | 'alerts' | 'referrals' | 'audit_log' | 'attachments';
export type RetentionAction = 'delete' | 'anonymise';

export interface RetentionSchedulesTable {
  record_type: RetentionRecordType;
  period_months: number;
  action: RetentionAction;
  lawful_basis: string;
  legal_reason: string;
  enabled: Generated<boolean>;
  updated_by: string | null;
  updated_at: UpdatedAt;
  version: Generated<number>;
}

export interface RetentionScheduleChangesTable {
  id: Generated<string>;
  record_type: RetentionRecordType;
  changed_at: CreatedAt;
  changed_by: string | null;
  before: ColumnType<Record<string, unknown> | null, string | null, never>;
  after: ColumnType<Record<string, unknown>, string, never>;
}

export interface LegalHoldsTable {
  id: Generated<string>;
  subject_kind: 'case' | 'person' | 'incident';
  subject_id: string;
  reason: string;
  placed_by: string | null;
  placed_at: CreatedAt;
  until: ColumnType<string | null, string | null | undefined, string | null>;
  released_at: Timestamp | null;
  released_by: string | null;
  release_reason: string | null;
}

export interface RetentionRunsTable {
  id: Generated<string>;
  status: Generated<'proposed' | 'rejected' | 'completed' | 'failed'>;
  as_of: Timestamp;
  proposed_at: CreatedAt;
  proposed_by: string | null;
  proposed_by_label: string;
  decided_at: Timestamp | null;
  decided_by: string | null;
  decision_note: string | null;
  completed_at: Timestamp | null;
  failure: string | null;
}

export interface RetentionRunItemsTable {
  run_id: string;
  record_type: RetentionRecordType;
  action: RetentionAction;
  period_months: number;
  cutoff: Timestamp;
  proposed: number;
  held: number;
  deleted: Generated<number>;
  anonymised: Generated<number>;
  skipped_hold: Generated<number>;
  skipped_other: Generated<number>;
  sample: ColumnType<RetentionSampleRow[], string, string>;
}

export interface RetentionSampleRow {
  id: string;
  label: string;
  triggerAt: string;
}

export interface RetentionRunRecordsTable {
  run_id: string;
  record_type: RetentionRecordType;
  record_id: string;
  outcome: 'act' | 'held' | 'skipped' | null;
}

export interface AuditChainAnchorsTable {
  seq: string;
  hash: string;
  removed_count: ColumnType<string, number | string, never>;
  removed_through: Timestamp;
  run_id: string | null;
  created_at: CreatedAt;
}
