import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { caseTypeName } from '../../shared/caseTypeNames.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { echoValues, formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import type { Translate } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import { formatDateTime } from '../../shared/time.ts';
import type { CurrentUser } from '../../types.ts';
import { caseContext } from '../cases/casesRoutes.ts';
import type { OpenedCase } from '../cases/casesService.ts';
import type { ReferralSummary } from './referralsRepository.ts';
import {
  acceptSchema,
  consentOptions,
  declineCodes,
  declineSchema,
  inboxQuerySchema,
  lawfulBases,
  moreInfoSchema,
  newReferralSchema,
  provideInfoSchema,
  referralUrgencies,
  versionSchema,
  withdrawSchema,
} from './referralsSchemas.ts';
import type { ReferralStep } from './referralsPolicy.ts';
import { ReferralStepRefused } from './referralsService.ts';

const REFERRAL_FIELDS = ['pathway', 'toOrganisationId', 'toTeam', 'urgency', 'reason', 'requested', 'informationShared', 'lawfulBasis', 'lawfulBasisDetail', 'consent', 'consentReason'];

/** Where a new referral comes from: a case (shown inside the case), a person, or a declined referral. */
type Origin = { kind: 'case'; caseId: string } | { kind: 'person'; personId: string } | { kind: 'redirect'; referralId: string };

/**
 * Referrals: the case's referrals tab, the referral form (from a case, a person or a declined
 * referral), the receiving organisation's inbox, the sent list, one referral with its steps,
 * and the partnership dashboard.
 */
export async function referralsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { referrals } = services;
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const referralIdOf = (request: FastifyRequest) => (request.params as { referralId: string }).referralId;
  const create = { config: { access: 'referral:create' as const } };
  const receive = { config: { access: 'referral:receive' as const } };
  const view = { config: { access: 'referral:view' as const } };

  app.get(paths.cases.referrals.pattern, { config: { access: 'case:view' as const } }, async (request, reply) => {
    const { caseId } = request.params as { caseId: string };
    const tab = await referrals.forCase(me(request), caseId, request.actor);
    const pathways = tab.canRefer && (await referrals.pathwaysFor(me(request)));
    return reply.render('referrals/views/caseReferrals.njk', {
      ...caseContext(request, tab.opened, 'referrals'),
      pageTitle: request.t('referrals.caseTab.title'),
      referrals: tab.referrals,
      pathways: pathways || [],
      canRefer: tab.canRefer,
    });
  });

  /** The referral form, for whichever origin; `fieldErrors` re-renders it with what was typed. */
  const renderForm = async (request: FastifyRequest, reply: FastifyReply, origin: Origin, values: FormValues, fieldErrors?: FieldErrors) => {
    const pathwayCode = typeof values.pathway === 'string' && values.pathway ? values.pathway : null;
    const { pathway, destinations } = await referrals.formOptions(me(request), pathwayCode);
    let context: Record<string, unknown> = {};
    let subjectName: string | undefined;
    let formAction: string;
    let cancelHref: string;
    if (origin.kind === 'case') {
      const opened: OpenedCase = await referrals.caseForReferral(me(request), origin.caseId, request.actor);
      context = caseContext(request, opened, 'referrals');
      formAction = paths.cases.newReferral({ caseId: origin.caseId });
      cancelHref = paths.cases.referrals({ caseId: origin.caseId });
    } else if (origin.kind === 'person') {
      const person = await referrals.personForReferral(me(request), origin.personId, request.actor);
      subjectName = `${person.given_name} ${person.family_name}`;
      formAction = paths.referrals.newForPerson({ personId: origin.personId });
      cancelHref = paths.people.show({ personId: origin.personId });
    } else {
      await referrals.requireSide(me(request), origin.referralId, 'redirect');
      const declined = await referrals.view(me(request), origin.referralId, request.actor);
      if (!declined.policy.canRedirect) return reply.redirect(paths.referrals.show({ referralId: origin.referralId }), 302);
      subjectName = declined.referral.reference;
      formAction = paths.referrals.redirect({ referralId: origin.referralId });
      cancelHref = paths.referrals.show({ referralId: origin.referralId });
    }
    const urgency = values.urgency ?? pathway?.default_urgency;
    const questionFields = (pathway?.questions ?? []).map((question) => `answer-${question.key}`);
    return reply.render(origin.kind === 'case' ? 'referrals/views/newCaseReferral.njk' : 'referrals/views/newReferral.njk', {
      ...context,
      pageTitle: pathway ? request.t('referrals.new.titleWithPathway', { pathway: pathway.name }) : request.t('referrals.new.title'),
      origin: origin.kind,
      subjectName,
      pathway,
      formAction,
      cancelHref,
      values: { ...values, urgency },
      destinationItems: selectItems(destinations.map((organisation) => ({ value: organisation.id, text: organisation.name })), values.toOrganisationId, request.t('referrals.fields.chooseOrganisation')),
      urgencyItems: referralUrgencies.map((value) => ({ value, text: request.t(`referrals.urgency.${value}`), hint: { text: request.t(`referrals.urgencyHint.${value}`) }, checked: urgency === value })),
      lawfulBasisItems: lawfulBases.map((value) => ({ value, text: request.t(`referrals.lawfulBasis.${value}`), checked: values.lawfulBasis === value })),
      consentItems: consentOptions.map((value) => ({ value, text: request.t(`referrals.consent.${value}`), checked: values.consent === value })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, [...REFERRAL_FIELDS.slice(0, 2), ...questionFields, ...REFERRAL_FIELDS.slice(2)]) : undefined,
    });
  };

  const send = async (request: FastifyRequest, reply: FastifyReply, origin: Origin) => {
    const form = parseForm(newReferralSchema, request.body);
    if (!form.ok) return renderForm(request, reply.status(400), origin, form.values, form.fieldErrors);
    let reference: string;
    try {
      const sent =
        origin.kind === 'case'
          ? await referrals.referCase(me(request), origin.caseId, form.data, request.actor)
          : origin.kind === 'person'
            ? await referrals.referPerson(me(request), origin.personId, form.data, request.actor)
            : await referrals.redirect(me(request), origin.referralId, form.data, request.actor);
      reference = sent.reference;
      request.session.flash = { kind: 'success', text: request.t('referrals.new.done', { reference }) };
      return reply.redirect(paths.referrals.show({ referralId: sent.id }));
    } catch (error) {
      if (error instanceof ValidationFailed) return renderForm(request, reply.status(400), origin, echoValues(request.body), error.fieldErrors);
      throw error;
    }
  };

  const pathwayQuery = (request: FastifyRequest) => {
    const pathway = (request.query as { pathway?: unknown } | undefined)?.pathway;
    return typeof pathway === 'string' ? { pathway } : {};
  };

  app.get(paths.cases.newReferral.pattern, create, async (request, reply) =>
    renderForm(request, reply, { kind: 'case', caseId: (request.params as { caseId: string }).caseId }, pathwayQuery(request)),
  );
  app.post(paths.cases.newReferral.pattern, create, async (request, reply) => send(request, reply, { kind: 'case', caseId: (request.params as { caseId: string }).caseId }));

  app.get(paths.referrals.newForPerson.pattern, create, async (request, reply) =>
    renderForm(request, reply, { kind: 'person', personId: (request.params as { personId: string }).personId }, pathwayQuery(request)),
  );
  app.post(paths.referrals.newForPerson.pattern, create, async (request, reply) => send(request, reply, { kind: 'person', personId: (request.params as { personId: string }).personId }));

  app.get(paths.referrals.redirect.pattern, create, async (request, reply) => renderForm(request, reply, { kind: 'redirect', referralId: referralIdOf(request) }, pathwayQuery(request)));
  app.post(paths.referrals.redirect.pattern, create, async (request, reply) => send(request, reply, { kind: 'redirect', referralId: referralIdOf(request) }));

  const listPage = (direction: 'inbox' | 'sent') => async (request: FastifyRequest, reply: FastifyReply) => {
    const query = inboxQuerySchema.parse(request.query ?? {});
    const list = direction === 'inbox' ? await referrals.inbox(me(request), query) : await referrals.sent(me(request), query);
    return reply.render('referrals/views/list.njk', { pageTitle: request.t(`referrals.${direction}.title`), direction, query, ...list });
  };
  app.get(paths.referrals.inbox.pattern, receive, listPage('inbox'));
  app.get(paths.referrals.sent.pattern, create, listPage('sent'));

  app.get(paths.referrals.dashboard.pattern, { config: { access: 'analytics:view' as const } }, async (request, reply) => {
    const dashboard = await referrals.dashboard(request.actor);
    const scale = Math.max(1, ...dashboard.rows.map((row) => row.open), ...dashboard.declines.map((row) => row.count));
    return reply.render('referrals/views/dashboard.njk', { pageTitle: request.t('referrals.dashboard.title'), ...dashboard, scale });
  });

  /** One referral with the forms for the steps the user may take; `problem` re-renders one of them. */
  const renderShow = async (request: FastifyRequest, reply: FastifyReply, problem?: { form: string; fieldErrors: FieldErrors; values: FormValues }) => {
    const shown = await referrals.view(me(request), referralIdOf(request), request.actor);
    return reply.render('referrals/views/show.njk', {
      pageTitle: request.t('referrals.show.title', { reference: shown.referral.reference }),
      ...shown,
      summaryRows: summaryRows(shown.referral, request),
      caseTypeItems: selectItems(shown.caseTypes.map((type) => ({ value: type.code, text: caseTypeName(request.t, type) })), problem?.values.caseType, request.t('referrals.fields.chooseCaseType')),
      declineItems: declineCodes.map((value) => ({ value, text: request.t(`referrals.declineCodes.${value}`), checked: problem?.values.declineCode === value })),
      openForm: problem?.form,
      values: problem?.values ?? {},
      errors: problem ? formErrors(problem.fieldErrors, request.t, ['sharing', 'caseType', 'declineCode', 'declineReason', 'moreInfoRequest', 'information', 'withdrawalReason']) : undefined,
    });
  };

  app.get(paths.referrals.show.pattern, view, async (request, reply) => renderShow(request, reply));

  /** Posts one step: a refused step (withdrawn, already decided, stale) comes back as a clear message. */
  const step = <T>(name: ReferralStep, form: string, schema: Parameters<typeof parseForm>[0], act: (request: FastifyRequest, input: T) => Promise<unknown>, doneKey: string) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      await referrals.requireSide(me(request), referralIdOf(request), name);
      const parsed = parseForm(schema, request.body);
      if (!parsed.ok) return renderShow(request, reply.status(400), { form, fieldErrors: parsed.fieldErrors, values: parsed.values });
      const referralId = referralIdOf(request);
      try {
        await act(request, parsed.data as T);
      } catch (error) {
        if (error instanceof ReferralStepRefused) {
          request.session.flash = { kind: 'important', text: request.t(error.messageKey) };
          return reply.redirect(paths.referrals.show({ referralId }), 302);
        }
        if (error instanceof ValidationFailed) return renderShow(request, reply.status(400), { form, fieldErrors: error.fieldErrors, values: echoValues(request.body) });
        throw error;
      }
      request.session.flash = { kind: 'success', text: request.t(doneKey) };
      return reply.redirect(paths.referrals.show({ referralId }));
    };

  app.post(paths.referrals.acknowledge.pattern, receive, step('acknowledge', 'acknowledge', versionSchema, (request, input: { version: number }) => referrals.acknowledge(me(request), referralIdOf(request), input.version, request.actor), 'referrals.done.acknowledged'));
  app.post(paths.referrals.accept.pattern, receive, step('accept', 'accept', acceptSchema, (request, input: Parameters<typeof referrals.accept>[2]) => referrals.accept(me(request), referralIdOf(request), input, request.actor), 'referrals.done.accepted'));
  app.post(paths.referrals.decline.pattern, receive, step('decline', 'decline', declineSchema, (request, input: Parameters<typeof referrals.decline>[2]) => referrals.decline(me(request), referralIdOf(request), input, request.actor), 'referrals.done.declined'));
  app.post(paths.referrals.moreInfo.pattern, receive, step('requestMoreInfo', 'moreInfo', moreInfoSchema, (request, input: Parameters<typeof referrals.requestMoreInfo>[2]) => referrals.requestMoreInfo(me(request), referralIdOf(request), input, request.actor), 'referrals.done.moreInfoRequested'));
  app.post(paths.referrals.provideInfo.pattern, create, step('provideInfo', 'provideInfo', provideInfoSchema, (request, input: Parameters<typeof referrals.provideInfo>[2]) => referrals.provideInfo(me(request), referralIdOf(request), input, request.actor), 'referrals.done.infoProvided'));
  app.post(paths.referrals.withdraw.pattern, create, step('withdraw', 'withdraw', withdrawSchema, (request, input: Parameters<typeof referrals.withdraw>[2]) => referrals.withdraw(me(request), referralIdOf(request), input, request.actor), 'referrals.done.withdrawn'));
}

/** What the referral page lists about it, as a summary list's rows. */
function summaryRows(referral: ReferralSummary, request: FastifyRequest) {
  const t = request.t;
  const dateTime = (value: Date) => formatDateTime(value, request.locale);
  const withDetail = (text: string, detail: string | null | undefined) => (detail ? `${text} – ${detail}` : text);
  const subject = referral.person_given_name
    ? `${referral.person_given_name} ${referral.person_family_name}`
    : referral.case_reference
      ? t('referrals.show.caseReferred', { reference: referral.case_reference })
      : t('referrals.show.caseReferredHidden');
  const rows: { key: { text: string }; value: { text: string } }[] = [
    [t('referrals.fields.subject'), subject],
    [t('referrals.fields.from'), referral.from_user_name ? `${referral.from_organisation_name} (${referral.from_user_name})` : referral.from_organisation_name],
    [t('referrals.fields.to'), withDetail(referral.to_organisation_name, referral.to_team)],
    [t('referrals.fields.pathway'), referral.pathway_name ?? t('referrals.noPathway')],
    [t('referrals.fields.urgency'), t(`referrals.urgency.${referral.urgency}`)],
    [t('referrals.fields.sentAt'), dateTime(referral.created_at)],
    [t('referrals.fields.acknowledgeBy'), dateTime(referral.acknowledge_due_at)],
    [t('referrals.fields.decideBy'), dateTime(referral.decide_due_at)],
    [t('referrals.fields.reason'), referral.reason],
    [t('referrals.fields.requested'), referral.requested],
    [t('referrals.fields.informationShared'), referral.information_shared],
    [t('referrals.fields.lawfulBasis'), withDetail(t(`referrals.lawfulBasis.${referral.lawful_basis}`), referral.lawful_basis_detail)],
    [t('referrals.fields.consent'), withDetail(t(`referrals.consent.${referral.consent}`), referral.consent_reason)],
    ...answeredQuestions(referral, t),
    ...(referral.decline_code ? [[t('referrals.fields.declineReason'), withDetail(t(`referrals.declineCodes.${referral.decline_code}`), referral.decline_reason)]] : []),
    ...(referral.withdrawal_reason ? [[t('referrals.fields.withdrawalReason'), referral.withdrawal_reason]] : []),
  ].map(([key, value]) => ({ key: { text: key! }, value: { text: value!, classes: 'oneroof-pre-line' } }));
  return rows;
}

/**
 * The pathway questions as they were asked when the referral was sent, with the answers given;
 * referrals from before questions were copied onto them fall back to the catalogue's labels.
 */
function answeredQuestions(referral: ReferralSummary, t: Translate): string[][] {
  const answers = referral.answers ?? {};
  const asked = referral.questions ?? Object.keys(answers).map((key) => ({ key, text: undefined }));
  return asked
    .filter((question) => answers[question.key] !== undefined)
    .map((question) => {
      const answer = answers[question.key]!;
      return [question.text ?? t(`referrals.questions.${question.key}.label`), answer === 'yes' || answer === 'no' ? t(`common.${answer}`) : answer];
    });
}
