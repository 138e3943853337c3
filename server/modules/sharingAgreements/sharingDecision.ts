import { ValidationFailed } from '../../shared/errors.ts';
import type { AgreementWithParties } from './sharingAgreementsRepository.ts';
import type { DataCategory, SharingPurpose } from './sharingPurposes.ts';

export interface SharingRequest {
  fromOrganisationId: string;
  toOrganisationId: string;
  purpose: SharingPurpose;
  dataCategories: readonly DataCategory[];
}

/** Why sharing is refused, with what the message names. */
export type Refusal =
  | { reason: 'noAgreement' }
  | { reason: 'categoriesMissing'; reference: string; category: DataCategory }
  | { reason: 'notSigned'; reference: string; organisationId: string }
  | { reason: 'notStarted'; reference: string; date: string }
  | { reason: 'expired'; reference: string; date: string }
  | { reason: 'withdrawn'; reference: string };

export type SharingDecision = { allowed: true; agreement: AgreementWithParties } | ({ allowed: false } & Refusal);

/** The order in which a refusal is explained when several agreements nearly apply: the most actionable first. */
const EXPLANATION_ORDER: Refusal['reason'][] = ['categoriesMissing', 'notSigned', 'notStarted', 'expired', 'withdrawn'];

/**
 * The rule, as a pure function of the agreements both organisations are parties to: sharing is
 * allowed while one of them is active, signed by both, in its period today, for the purpose and
 * for every category of data shared. Otherwise the most useful explanation of what is missing.
 */
export function sharingDecision(agreements: AgreementWithParties[], request: SharingRequest, today: string): SharingDecision {
  const refusals: Refusal[] = [];
  for (const agreement of agreements.filter((candidate) => candidate.purposes.includes(request.purpose))) {
    const refusal = refusalFor(agreement, request, today);
    if (!refusal) return { allowed: true, agreement };
    refusals.push(refusal);
  }
  refusals.sort((a, b) => EXPLANATION_ORDER.indexOf(a.reason) - EXPLANATION_ORDER.indexOf(b.reason));
  return { allowed: false, ...(refusals[0] ?? { reason: 'noAgreement' }) };
}

function refusalFor(agreement: AgreementWithParties, request: SharingRequest, today: string): Refusal | undefined {
  const { reference } = agreement;
  if (agreement.status === 'withdrawn') return { reason: 'withdrawn', reference };
  if (agreement.status === 'expired' || agreement.ends_on < today) return { reason: 'expired', reference, date: agreement.ends_on };
  const unsigned = agreement.parties.find(
    (party) => [request.fromOrganisationId, request.toOrganisationId].includes(party.organisation_id) && !party.signed_at,
  );
  if (unsigned || agreement.status !== 'active') return { reason: 'notSigned', reference, organisationId: (unsigned ?? agreement.parties.find((party) => !party.signed_at))?.organisation_id ?? '' };
  if (agreement.starts_on > today) return { reason: 'notStarted', reference, date: agreement.starts_on };
  const category = request.dataCategories.find((wanted) => !agreement.data_categories.includes(wanted));
  if (category) return { reason: 'categoriesMissing', reference, category };
  return undefined;
}

/**
 * Sharing refused: a validation error on the form's organisation field whose message names what
 * is missing. The message is an i18next nesting expression so that it is translated (with its
 * values) wherever the form shows it; `auditEntry` is recorded once the action has rolled back.
 */
export class SharingRefused extends ValidationFailed {
  readonly refusal: Refusal;
  readonly details: Record<string, unknown>;

  constructor(field: string, messageKey: string, params: Record<string, string>, refusal: Refusal, details: Record<string, unknown>) {
    super({ [field]: `$t(${messageKey}, ${JSON.stringify(params)})` }, `Sharing refused: ${refusal.reason}`);
    this.refusal = refusal;
    this.details = details;
  }
}
