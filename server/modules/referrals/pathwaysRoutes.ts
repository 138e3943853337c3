import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PathwayQuestion, ReferralPathwayRow } from '../../db/schema.ts';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { asArray, echoValues, fieldErrorsFrom, formErrors, type FormValues, selectItems } from '../../shared/forms.ts';
import type { Translate } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import { organisationTypes } from '../organisations/organisationTypes.ts';
import { MAX_PATHWAY_QUESTIONS, pathwaySchema, type PostedQuestion, postedQuestions, referralUrgencies, validateQuestions } from './referralsSchemas.ts';

const PATHWAY_FIELDS = ['name', 'description', 'active', 'fromOrganisationTypes', 'toOrganisationId', 'defaultUrgency', 'acknowledgeWithinMinutes', 'decideWithinMinutes', 'deadlineClock', 'handoverTargetMinutes', 'questions'];

/** Empty rows offered under a pathway's questions for new ones. */
const BLANK_QUESTION_ROWS = 3;

/**
 * Partnership administrators create referral pathways and change every part of them: name,
 * who may use them, where they go, urgency, deadlines and questions; a pathway no longer wanted
 * is retired, never deleted, so that the referrals sent through it still name it.
 */
export async function pathwaysRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { referrals } = services;
  const manage = { config: { access: 'pathway:manage' as const } };
  const pathwayIdOf = (request: FastifyRequest) => (request.params as { pathwayId?: string }).pathwayId ?? null;

  app.get(paths.referrals.pathways.pattern, manage, async (request, reply) =>
    reply.render('referrals/views/pathways.njk', { pageTitle: request.t('referrals.pathways.title'), pathways: await referrals.allPathways() }),
  );

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, typed?: FormValues, fieldErrors?: FieldErrors) => {
    const { pathway, organisations } = await referrals.pathwayForm(pathwayIdOf(request));
    const values = typed ?? storedValues(pathway);
    const questions = typed ? postedQuestions(typed) : (pathway?.questions ?? []).map((question, index) => storedQuestion(question, index, request.t));
    const fromTypes = asArray(values.fromOrganisationTypes);
    const firstBlank = questions.reduce((top, question) => Math.max(top, question.row + 1), 0);
    const rows = [...questions, ...Array.from({ length: BLANK_QUESTION_ROWS }, (_, index) => ({ row: firstBlank + index, key: '', text: '', kind: '', required: false, immediateIfYes: false }))];
    const anyOfType = pathway?.to_organisation_type
      ? request.t('referrals.pathways.anyOfType', { type: request.t(`organisations.types.${pathway.to_organisation_type}`, { defaultValue: pathway.to_organisation_type }) })
      : request.t('referrals.fields.chooseOrganisation');
    return reply.render('referrals/views/editPathway.njk', {
      pageTitle: pathway ? request.t('referrals.pathways.editTitle', { name: pathway.name }) : request.t('referrals.pathways.newTitle'),
      pathway,
      formAction: pathway ? paths.referrals.editPathway({ pathwayId: pathway.id }) : paths.referrals.newPathway(),
      values,
      questionRows: rows.map((row) => ({
        ...row,
        kindItems: ['yes_no', 'text'].map((value) => ({ value, text: request.t(`referrals.pathways.questionKinds.${value}`), checked: row.kind === value })),
      })),
      maxQuestions: MAX_PATHWAY_QUESTIONS,
      fromTypeItems: organisationTypes.map((value) => ({ value, text: request.t(`organisations.types.${value}`), checked: fromTypes.includes(value) })),
      organisationItems: selectItems(
        organisations.map((organisation) => ({ value: organisation.id, text: organisation.name })),
        values.toOrganisationId,
        anyOfType,
      ),
      urgencyItems: referralUrgencies.map((value) => ({ value, text: request.t(`referrals.urgency.${value}`), checked: values.defaultUrgency === value })),
      clockItems: ['elapsed', 'working'].map((value) => ({ value, text: request.t(`referrals.pathways.clocks.${value}`), checked: values.deadlineClock === value })),
      activeItems: ['yes', 'no'].map((value) => ({ value, text: request.t(`referrals.pathways.active.${value}`), hint: { text: request.t(`referrals.pathways.activeHint.${value}`) }, checked: values.active === value })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, [...PATHWAY_FIELDS, ...questionFieldOrder(rows)]) : undefined,
    });
  };

  /** Validates the whole form (fields and questions) so that every problem is listed at once. */
  const save = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const posted = postedQuestions(body);
    const parsed = pathwaySchema.safeParse(body);
    if (!parsed.success) {
      const { fieldErrors } = validateQuestions(posted, () => 'new');
      return renderForm(request, reply.status(400), echoValues(body), { ...fieldErrorsFrom(parsed.error), ...fieldErrors });
    }
    const pathwayId = pathwayIdOf(request);
    try {
      if (pathwayId) await referrals.updatePathway(pathwayId, parsed.data, posted, request.actor);
      else await referrals.createPathway(parsed.data, posted, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderForm(request, reply.status(400), echoValues(body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t(pathwayId ? 'referrals.pathways.saved' : 'referrals.pathways.created', { name: parsed.data.name }) };
    return reply.redirect(paths.referrals.pathways());
  };

  app.get(paths.referrals.newPathway.pattern, manage, async (request, reply) => renderForm(request, reply));
  app.post(paths.referrals.newPathway.pattern, manage, save);
  app.get(paths.referrals.editPathway.pattern, manage, async (request, reply) => renderForm(request, reply));
  app.post(paths.referrals.editPathway.pattern, manage, save);
}

function storedValues(pathway: ReferralPathwayRow | null): FormValues {
  if (!pathway) return { active: 'yes', fromOrganisationTypes: [] };
  return {
    name: pathway.name,
    description: pathway.description,
    active: pathway.active ? 'yes' : 'no',
    fromOrganisationTypes: pathway.from_organisation_types,
    toOrganisationId: pathway.to_organisation_id ?? '',
    defaultUrgency: pathway.default_urgency,
    acknowledgeWithinMinutes: pathway.acknowledge_within_minutes ?? '',
    decideWithinMinutes: pathway.decide_within_minutes ?? '',
    deadlineClock: pathway.deadline_clock ?? '',
    handoverTargetMinutes: pathway.handover_target_minutes ?? '',
  };
}

/** A stored question as a form row; a catalogue question shows its label in the reader's language. */
function storedQuestion(question: PathwayQuestion, row: number, t: Translate): PostedQuestion {
  return {
    row,
    key: question.key,
    text: question.text ?? t(`referrals.questions.${question.key}.label`),
    kind: question.kind,
    required: question.required,
    immediateIfYes: question.immediateIfYes ?? false,
  };
}

function questionFieldOrder(rows: { row: number }[]): string[] {
  return rows.flatMap(({ row }) => [`question-${row}-text`, `question-${row}-kind`]);
}
