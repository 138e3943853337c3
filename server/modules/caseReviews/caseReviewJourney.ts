import { paths } from '../../shared/paths.ts';
import type { IncidentInput, QuestionId } from './caseReviewSchemas.ts';

/** What the applicant has answered so far, kept in their session between pages. */
export interface ApplicationDraft {
  applyingFor?: 'self' | 'someone_else';
  applicantName?: string;
  victimName?: string;
  relationship?: string;
  email?: string;
  phone?: string | null;
  problemDescription?: string;
  problemLocation?: string;
  incidents?: IncidentInput[];
  impact?: string;
  vulnerable?: 'yes' | 'no';
  vulnerabilityDetails?: string | null;
  hateMotivated?: 'yes' | 'no' | 'not_sure';
  /** Set once the applicant has seen "check your answers": a changed answer goes back there. */
  checked?: boolean;
}

/** Every answer an application needs, checked and complete. */
export interface CompleteApplication {
  applyingFor: 'self' | 'someone_else';
  applicantName: string;
  victimName: string | null;
  relationship: string | null;
  email: string;
  phone: string | null;
  problemDescription: string;
  problemLocation: string;
  incidents: IncidentInput[];
  impact: string;
  vulnerable: boolean;
  vulnerabilityDetails: string | null;
  hateMotivated: 'yes' | 'no' | 'not_sure';
}

export type JourneyStep = QuestionId | 'incidents';

/** The pages in order. `personAffected` is asked only of someone applying for another person. */
export const journeyOrder: JourneyStep[] = ['applyingFor', 'applicantName', 'personAffected', 'contact', 'problem', 'location', 'incidents', 'impact', 'vulnerability', 'hate'];

export function stepApplies(step: JourneyStep, draft: ApplicationDraft): boolean {
  return step !== 'personAffected' || draft.applyingFor === 'someone_else';
}

function answered(step: JourneyStep, draft: ApplicationDraft): boolean {
  switch (step) {
    case 'applyingFor': return draft.applyingFor !== undefined;
    case 'applicantName': return Boolean(draft.applicantName);
    case 'personAffected': return Boolean(draft.victimName && draft.relationship);
    case 'contact': return Boolean(draft.email);
    case 'problem': return Boolean(draft.problemDescription);
    case 'location': return Boolean(draft.problemLocation);
    case 'incidents': return (draft.incidents?.length ?? 0) > 0;
    case 'impact': return Boolean(draft.impact);
    case 'vulnerability': return draft.vulnerable !== undefined;
    case 'hate': return draft.hateMotivated !== undefined;
  }
}

export function stepPath(step: JourneyStep): string {
  return step === 'incidents' ? paths.caseReviewApplication.incidents() : paths.caseReviewApplication[step]();
}

/** Where to go after a page is answered: back to "check your answers" once seen, else the next page. */
export function nextPath(step: JourneyStep, draft: ApplicationDraft): string {
  if (draft.checked) {
    // A changed answer can open a page not asked before (applying for someone else): ask it, then go back.
    const missing = firstUnanswered(draft);
    if (missing === undefined) return paths.caseReviewApplication.checkAnswers();
    return missing === 'incidents' ? paths.caseReviewApplication.incident({ incidentNumber: 1 }) : stepPath(missing);
  }
  const after = journeyOrder.slice(journeyOrder.indexOf(step) + 1).find((candidate) => stepApplies(candidate, draft));
  if (after === 'incidents' && !answered('incidents', draft)) return paths.caseReviewApplication.incident({ incidentNumber: 1 });
  return after ? stepPath(after) : paths.caseReviewApplication.checkAnswers();
}

export function firstUnanswered(draft: ApplicationDraft): JourneyStep | undefined {
  return journeyOrder.find((step) => stepApplies(step, draft) && !answered(step, draft));
}

/** The draft as a complete application, or undefined while any page is unanswered. */
export function completeApplication(draft: ApplicationDraft): CompleteApplication | undefined {
  if (firstUnanswered(draft) !== undefined) return undefined;
  const forSomeoneElse = draft.applyingFor === 'someone_else';
  return {
    applyingFor: draft.applyingFor!,
    applicantName: draft.applicantName!,
    victimName: forSomeoneElse ? draft.victimName! : null,
    relationship: forSomeoneElse ? draft.relationship! : null,
    email: draft.email!,
    phone: draft.phone ?? null,
    problemDescription: draft.problemDescription!,
    problemLocation: draft.problemLocation!,
    incidents: draft.incidents!,
    impact: draft.impact!,
    vulnerable: draft.vulnerable === 'yes',
    vulnerabilityDetails: draft.vulnerable === 'yes' ? (draft.vulnerabilityDetails ?? null) : null,
    hateMotivated: draft.hateMotivated!,
  };
}
