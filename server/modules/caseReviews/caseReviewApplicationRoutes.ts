import { randomInt } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { postgresRateLimitStore } from '../../middleware/rateLimitStore.ts';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, TooManyRequests } from '../../shared/errors.ts';
import { type FormValues, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { errorHref, type FieldSpec, fieldViews } from './caseReviewFields.ts';
import { type ApplicationDraft, completeApplication, firstUnanswered, journeyOrder, type JourneyStep, nextPath, stepApplies, stepPath } from './caseReviewJourney.ts';
import { addAnotherSchema, appealSchema, hateAnswers, incidentSchema, LONG_TEXT_MAX, MAX_INCIDENTS, type QuestionId, questionSchemas, submitSchema } from './caseReviewSchemas.ts';
import type { PublicRequest } from './caseReviewService.ts';
import { reportedToOptions } from './caseReviewThreshold.ts';

declare module 'fastify' {
  interface Session {
    /** The ASB Case Review answers so far. */
    caseReview?: ApplicationDraft;
    /** What the confirmation page shows after sending. */
    caseReviewSent?: { reference: string; trackingUrl: string | null; met: boolean; rule: string; decisionDueAt: string };
  }
}

/** Public form posts are small: generous for 2,000 characters of Welsh, far below the site limit. */
const JOURNEY_BODY_LIMIT = 64 * 1024;

const QUESTIONS: { id: QuestionId; fields: FieldSpec[] }[] = [
  { id: 'applyingFor', fields: [{ kind: 'radios', name: 'applyingFor', options: ['self', 'someone_else'] }] },
  { id: 'applicantName', fields: [{ kind: 'text', name: 'applicantName', autocomplete: 'name' }] },
  { id: 'personAffected', fields: [{ kind: 'text', name: 'victimName' }, { kind: 'text', name: 'relationship', hint: true }] },
  { id: 'contact', fields: [{ kind: 'email', name: 'email', autocomplete: 'email', hint: true }, { kind: 'tel', name: 'phone', autocomplete: 'tel', width: 'govuk-input--width-20', hint: true }] },
  { id: 'problem', fields: [{ kind: 'textarea', name: 'problemDescription', hint: true, maxLength: LONG_TEXT_MAX }] },
  { id: 'location', fields: [{ kind: 'text', name: 'problemLocation', hint: true }] },
  { id: 'impact', fields: [{ kind: 'textarea', name: 'impact', hint: true, maxLength: LONG_TEXT_MAX }] },
  { id: 'vulnerability', fields: [{ kind: 'radios', name: 'vulnerable', options: ['yes', 'no'], hint: true, inline: true }, { kind: 'textarea', name: 'vulnerabilityDetails', hint: true, maxLength: LONG_TEXT_MAX }] },
  { id: 'hate', fields: [{ kind: 'radios', name: 'hateMotivated', options: hateAnswers, hint: true }] },
];

const INCIDENT_FIELDS: FieldSpec[] = [
  { kind: 'date', name: 'occurredOn', hint: true },
  { kind: 'textarea', name: 'description', hint: true, maxLength: LONG_TEXT_MAX },
  { kind: 'checkboxes', name: 'reportedTo', options: reportedToOptions, hint: true, exclusive: 'not_reported' },
  { kind: 'text', name: 'agencyReferences', hint: true },
];

const ADD_ANOTHER_FIELDS: FieldSpec[] = [{ kind: 'radios', name: 'addAnother', options: ['yes', 'no'], inline: true }];
const APPEAL_FIELDS: FieldSpec[] = [{ kind: 'textarea', name: 'reason', hint: true, maxLength: LONG_TEXT_MAX }];

/**
 * The public ASB Case Review form: no sign-in, one question a page, answers kept in the session
 * (also when a page fails validation), an "add another incident" loop, check your answers, then
 * a reference, what the partnership's threshold appears to say, and a tracking link by e-mail.
 */
export async function caseReviewApplicationRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { caseReviews, config } = services;
  const form = { config: { access: 'public' as const }, bodyLimit: JOURNEY_BODY_LIMIT };
  const page = { config: { access: 'public' as const } };
  // Encapsulated: counts only the routes below that opt in (sending an application or an appeal).
  await app.register(fastifyRateLimit, {
    global: false,
    hook: 'onRequest',
    store: postgresRateLimitStore(services.db),
    keyGenerator: (request) => `case-review:${request.ip}`,
    errorResponseBuilder: (_request, context) => new TooManyRequests(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  const limited = { config: { access: 'public' as const, rateLimit: { max: config.caseReviewSubmissionsPerHour, timeWindow: 60 * 60 * 1000 } }, bodyLimit: JOURNEY_BODY_LIMIT };

  const draftOf = (request: FastifyRequest): ApplicationDraft => request.session.caseReview ?? {};
  const saveDraft = (request: FastifyRequest, draft: ApplicationDraft) => {
    request.session.caseReview = draft;
  };
  const from = (request: FastifyRequest): PublicRequest => ({ ip: request.ip, requestId: request.id, locale: request.locale });

  app.get(paths.caseReviewApplication.start.pattern, page, async (request, reply) => {
    const rules = await caseReviews.thresholdRules();
    return reply.render('caseReviews/views/public/start.njk', { pageTitle: request.t('caseReviews.start.title'), rules, firstPage: paths.caseReviewApplication.applyingFor() });
  });

  // One GET and one POST per question, from the table above.
  for (const question of QUESTIONS) {
    const path = paths.caseReviewApplication[question.id];
    const render = (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors?: FieldErrors) => {
      const heading = request.t(`caseReviews.questions.${question.id}.title`);
      return reply.render('caseReviews/views/public/question.njk', {
        pageTitle: heading,
        heading: question.fields.length > 1 ? heading : undefined,
        intro: question.id === 'personAffected' || question.id === 'contact' ? request.t(`caseReviews.questions.${question.id}.intro`) : undefined,
        fields: fieldViews(question.fields, { t: request.t, values, errors, heading }),
        errors: errors ? summary(errors, request, question.fields) : undefined,
        action: path(),
        backLink: previousPath(question.id, draftOf(request)),
      });
    };
    app.get(path.pattern, page, async (request, reply) => render(request, reply, draftOf(request) as FormValues));
    app.post(path.pattern, form, async (request, reply) => {
      const parsed = parseForm(questionSchemas[question.id], request.body);
      if (!parsed.ok) return render(request, reply.status(400), parsed.values, parsed.fieldErrors);
      const draft = { ...draftOf(request), ...(parsed.data as Partial<ApplicationDraft>) };
      saveDraft(request, draft);
      return reply.redirect(nextPath(question.id, draft));
    });
  }

  const renderIncident = (request: FastifyRequest, reply: FastifyReply, number: number, values: FormValues, errors?: FieldErrors) => {
    const draft = draftOf(request);
    const heading = request.t('caseReviews.questions.incident.title', { number });
    return reply.render('caseReviews/views/public/question.njk', {
      pageTitle: heading,
      heading,
      intro: request.t('caseReviews.questions.incident.intro'),
      fields: fieldViews(INCIDENT_FIELDS, { t: request.t, values, errors }),
      errors: errors ? summary(errors, request, INCIDENT_FIELDS) : undefined,
      action: paths.caseReviewApplication.incident({ incidentNumber: number }),
      backLink: (draft.incidents?.length ?? 0) > 0 ? paths.caseReviewApplication.incidents() : paths.caseReviewApplication.location(),
    });
  };

  /** An incident number the draft can take: an existing one, or the next while under the limit. */
  const incidentNumberOf = (request: FastifyRequest): number | undefined => {
    const number = Number((request.params as { incidentNumber: string }).incidentNumber);
    const count = draftOf(request).incidents?.length ?? 0;
    return Number.isInteger(number) && number >= 1 && number <= Math.min(count + 1, MAX_INCIDENTS) ? number : undefined;
  };

  app.get(paths.caseReviewApplication.incident.pattern, page, async (request, reply) => {
    const number = incidentNumberOf(request);
    if (number === undefined) return reply.redirect(paths.caseReviewApplication.incidents());
    const stored = draftOf(request).incidents?.[number - 1];
    return renderIncident(request, reply, number, stored ? incidentValues(stored) : {});
  });

  app.post(paths.caseReviewApplication.incident.pattern, form, async (request, reply) => {
    const number = incidentNumberOf(request);
    if (number === undefined) return reply.redirect(paths.caseReviewApplication.incidents());
    const parsed = parseForm(incidentSchema(() => caseReviews.today()), request.body);
    if (!parsed.ok) return renderIncident(request, reply.status(400), number, parsed.values, parsed.fieldErrors);
    const draft = draftOf(request);
    const incidents = [...(draft.incidents ?? [])];
    incidents[number - 1] = parsed.data;
    saveDraft(request, { ...draft, incidents });
    return reply.redirect(paths.caseReviewApplication.incidents());
  });

  app.post(paths.caseReviewApplication.removeIncident.pattern, form, async (request, reply) => {
    const number = Number((request.params as { incidentNumber: string }).incidentNumber);
    const draft = draftOf(request);
    const incidents = (draft.incidents ?? []).filter((_incident, index) => index !== number - 1);
    saveDraft(request, { ...draft, incidents });
    request.session.flash = { kind: 'success', text: request.t('caseReviews.incidents.removed', { number }) };
    return reply.redirect(incidents.length > 0 ? paths.caseReviewApplication.incidents() : paths.caseReviewApplication.incident({ incidentNumber: 1 }));
  });

  const renderIncidents = (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors?: FieldErrors) => {
    const incidents = draftOf(request).incidents ?? [];
    const heading = request.t('caseReviews.incidents.title', { count: incidents.length });
    return reply.render('caseReviews/views/public/incidents.njk', {
      pageTitle: heading,
      heading,
      incidents,
      canAddMore: incidents.length < MAX_INCIDENTS,
      fields: fieldViews(ADD_ANOTHER_FIELDS, { t: request.t, values, errors, heading: request.t('caseReviews.incidents.addAnother') }).map((field) => ({
        ...field,
        params: { ...field.params, fieldset: { legend: { text: request.t('caseReviews.incidents.addAnother'), classes: 'govuk-fieldset__legend--m' } } },
      })),
      errors: errors ? summary(errors, request, ADD_ANOTHER_FIELDS) : undefined,
      backLink: paths.caseReviewApplication.location(),
    });
  };

  app.get(paths.caseReviewApplication.incidents.pattern, page, async (request, reply) => {
    if ((draftOf(request).incidents?.length ?? 0) === 0) return reply.redirect(paths.caseReviewApplication.incident({ incidentNumber: 1 }));
    return renderIncidents(request, reply, {});
  });

  app.post(paths.caseReviewApplication.incidents.pattern, form, async (request, reply) => {
    const draft = draftOf(request);
    const count = draft.incidents?.length ?? 0;
    if (count === 0) return reply.redirect(paths.caseReviewApplication.incident({ incidentNumber: 1 }));
    const parsed = parseForm(addAnotherSchema, request.body);
    if (!parsed.ok) return renderIncidents(request, reply.status(400), parsed.values, parsed.fieldErrors);
    if (parsed.data.addAnother === 'yes' && count < MAX_INCIDENTS) return reply.redirect(paths.caseReviewApplication.incident({ incidentNumber: count + 1 }));
    return reply.redirect(nextPath('incidents', draft));
  });

  app.get(paths.caseReviewApplication.checkAnswers.pattern, page, async (request, reply) => {
    const draft = draftOf(request);
    const application = completeApplication(draft);
    if (!application) return reply.redirect(unansweredPath(draft));
    saveDraft(request, { ...draft, checked: true });
    return reply.render('caseReviews/views/public/checkAnswers.njk', {
      pageTitle: request.t('caseReviews.check.title'),
      application,
      backLink: paths.caseReviewApplication.hate(),
    });
  });

  app.post(paths.caseReviewApplication.checkAnswers.pattern, limited, async (request, reply) => {
    const draft = draftOf(request);
    const application = completeApplication(draft);
    if (!application) return reply.redirect(unansweredPath(draft));
    const submitted = submitSchema.safeParse(request.body ?? {});
    if (!submitted.success || (submitted.data.website ?? '').trim() !== '') {
      // A form robot filled the field people never see: it is told what a person would be told, and nothing is kept.
      request.log.info('case review honeypot filled; discarded');
      delete request.session.caseReview;
      request.session.caseReviewSent = { reference: `CR-${caseReviews.today().slice(0, 4)}-${String(randomInt(1, 999_999)).padStart(6, '0')}`, trackingUrl: null, met: false, rule: 'not_met', decisionDueAt: new Date().toISOString() };
      return reply.redirect(paths.caseReviewApplication.confirmation());
    }
    const sent = await caseReviews.apply(application, from(request));
    delete request.session.caseReview;
    request.session.caseReviewSent = { reference: sent.reference, trackingUrl: sent.trackingUrl, met: sent.threshold.met, rule: sent.threshold.rule, decisionDueAt: sent.decisionDueAt.toISOString() };
    return reply.redirect(paths.caseReviewApplication.confirmation());
  });

  app.get(paths.caseReviewApplication.confirmation.pattern, page, async (request, reply) => {
    const sent = request.session.caseReviewSent;
    if (!sent) return reply.redirect(paths.caseReviewApplication.start());
    return reply.render('caseReviews/views/public/confirmation.njk', { pageTitle: request.t('caseReviews.confirmation.title'), sent });
  });

  const renderTracking = async (request: FastifyRequest, reply: FastifyReply, values: FormValues = {}, errors?: FieldErrors) => {
    const { token } = request.params as { token: string };
    const tracked = await caseReviews.tracking(token);
    return reply.render('caseReviews/views/public/track.njk', {
      pageTitle: request.t('caseReviews.track.title'),
      tracked,
      appealAction: paths.caseReviewApplication.appeal({ token }),
      fields: fieldViews(APPEAL_FIELDS, { t: request.t, values, errors }),
      errors: errors ? summary(errors, request, APPEAL_FIELDS) : undefined,
    });
  };

  app.get(paths.caseReviewApplication.track.pattern, page, async (request, reply) => renderTracking(request, reply));

  app.post(paths.caseReviewApplication.appeal.pattern, limited, async (request, reply) => {
    const { token } = request.params as { token: string };
    const parsed = parseForm(appealSchema, request.body);
    if (!parsed.ok) return renderTracking(request, reply.status(400), parsed.values, parsed.fieldErrors);
    try {
      await caseReviews.requestAppeal(token, parsed.data.reason, from(request));
      request.session.flash = { kind: 'success', text: request.t('caseReviews.track.appealSent') };
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      request.session.flash = { kind: 'important', text: request.t(error.message) };
    }
    return reply.redirect(paths.caseReviewApplication.track({ token }));
  });
}

function summary(errors: FieldErrors, request: FastifyRequest, fields: FieldSpec[]) {
  const order = fields.map((field) => field.name);
  const names = Object.keys(errors).sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { list: names.map((name) => ({ text: request.t(errors[name]!), href: errorHref(name, fields) })) };
}

function previousPath(step: JourneyStep, draft: ApplicationDraft): string {
  const before = journeyOrder.slice(0, journeyOrder.indexOf(step)).reverse().find((candidate) => stepApplies(candidate, draft));
  return before ? stepPath(before) : paths.caseReviewApplication.start();
}

function unansweredPath(draft: ApplicationDraft): string {
  const step = firstUnanswered(draft);
  if (step === 'incidents') return paths.caseReviewApplication.incident({ incidentNumber: 1 });
  return step ? stepPath(step) : paths.caseReviewApplication.start();
}

function incidentValues(incident: { occurredOn: string; reportedTo: string[]; agencyReferences: string | null; description: string }): FormValues {
  const [year, month, day] = incident.occurredOn.split('-');
  return {
    'occurredOn-day': String(Number(day)),
    'occurredOn-month': String(Number(month)),
    'occurredOn-year': year,
    reportedTo: incident.reportedTo,
    agencyReferences: incident.agencyReferences ?? '',
    description: incident.description,
  };
}

