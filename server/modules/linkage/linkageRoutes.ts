import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors } from '../../shared/errors.ts';
import { formErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import type { ExistingPersonRecord } from './linkageRepository.ts';
import { rejectSchema, reviewQuerySchema } from './linkageSchemas.ts';
import { levelKey, percent, type ShownRecord, shownIdentifier, waterfallSteps, waterfallSvg } from './linkageViews.ts';

const RECORD_FIELDS = ['givenName', 'familyName', 'dateOfBirth', 'address', 'postcode', 'phone', 'identifier'] as const;

/**
 * The clerical review queue (`/linkage/review`): possible matches between an agency's incoming
 * person record and a OneRoof person, side by side with each field's weight, confirmed or
 * rejected; and a person's linked agency records, each of which can be unlinked.
 */
export async function linkageRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { linkage } = services;
  const review = { config: { access: 'linkage:review' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const candidateIdOf = (request: FastifyRequest) => (request.params as { candidateId: string }).candidateId;
  const personIdOf = (request: FastifyRequest) => (request.params as { personId: string }).personId;

  app.get(paths.linkage.review.pattern, review, async (request, reply) => {
    const query = reviewQuerySchema.parse(request.query ?? {});
    const queue = await linkage.reviewQueue(me(request), query, request.actor);
    const t = request.t;
    const pages = Math.ceil(queue.total / queue.limit);
    const link = (page: number, sort = query.sort) => `${paths.linkage.review()}?${new URLSearchParams({ sort, page: String(page) }).toString()}`;
    return reply.render('linkage/views/queue.njk', {
      pageTitle: t('linkage.queue.title'),
      query,
      total: queue.total,
      pages,
      pageLinks: Array.from({ length: pages }, (_, index) => ({ number: index + 1, href: link(index + 1), current: index + 1 === query.page })),
      sortLinks: { oldest: link(1, 'oldest'), weight: link(1, 'weight') },
      rows: queue.rows.map((row) => {
        const candidate = row.candidate_record as ExistingPersonRecord;
        return {
          id: row.id,
          incoming: `${row.given_name ?? ''} ${row.family_name ?? ''}`.trim() || t('linkage.noName'),
          incomingBorn: row.date_of_birth,
          candidate: `${candidate.givenName ?? ''} ${candidate.familyName ?? ''}`.trim() || t('linkage.noName'),
          candidateBorn: candidate.dateOfBirth,
          reference: row.source_reference,
          weight: row.match_weight.toFixed(1),
          probability: percent(row.match_probability),
          queuedAt: row.created_at,
        };
      }),
    });
  });

  const renderCandidate = async (request: FastifyRequest, reply: FastifyReply, problem?: { fieldErrors: FieldErrors; values: FormValues }) => {
    const shown = await linkage.viewCandidate(me(request), candidateIdOf(request), request.actor);
    const t = request.t;
    const candidate = shown.candidate_record as ExistingPersonRecord;
    const incoming: ShownRecord = { givenName: shown.given_name, familyName: shown.family_name, dateOfBirth: shown.date_of_birth, address: shown.address, postcode: shown.postcode, phone: shown.phone, identifier: shownIdentifier(shown.identifier_kind, shown.identifier, t) };
    const other: ShownRecord = {
      givenName: candidate.givenName,
      familyName: candidate.familyName,
      dateOfBirth: candidate.dateOfBirth,
      address: [candidate.address, candidate.town].filter(Boolean).join(', ') || null,
      postcode: candidate.postcode,
      phone: candidate.phone,
      identifier: shownIdentifier(candidate.identifierKind, candidate.identifier, t),
    };
    const steps = waterfallSteps(shown.explanation as Parameters<typeof waterfallSteps>[0], t);
    const levels = (shown.explanation as { fields: { comparison: string; level: string }[] }).fields;
    return reply.render('linkage/views/candidate.njk', {
      pageTitle: t('linkage.candidate.title'),
      candidate: shown,
      fieldRows: RECORD_FIELDS.map((field) => ({ label: t(`linkage.fields.${field}`), incoming: incoming[field], candidate: other[field] })),
      candidateSource: candidate.source === 'person' ? t('linkage.candidate.personRecord', { organisation: shown.candidate_organisation_name ?? '' }) : t('linkage.candidate.agencyRecord', { organisation: shown.candidate_organisation_name ?? '' }),
      steps: steps.map((step, index) => ({
        ...step,
        weightText: `${step.weight > 0 && step.kind !== 'total' ? '+' : ''}${step.weight.toFixed(2)}`,
        levelText: step.kind === 'field' && levels[index - 1] ? t(`linkage.levels.${levelKey(levels[index - 1]!.level)}`) : '',
      })),
      waterfall: waterfallSvg(steps),
      weight: shown.match_weight.toFixed(2),
      probability: percent(shown.match_probability),
      open: shown.status === 'open' && shown.link_status === 'in_review',
      statusText: t(`linkage.candidateStatus.${shown.status}`),
      values: problem?.values ?? {},
      errors: problem ? formErrors(problem.fieldErrors, t, ['reason']) : undefined,
    });
  };

  app.get(paths.linkage.candidate.pattern, review, async (request, reply) => renderCandidate(request, reply));

  const decided = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (!(error instanceof Conflict)) throw error;
    request.session.flash = { kind: 'important', text: request.t('linkage.review.alreadyDecided') };
    return reply.redirect(paths.linkage.candidate({ candidateId: candidateIdOf(request) }));
  };

  app.post(paths.linkage.confirm.pattern, review, async (request, reply) => {
    try {
      await linkage.confirm(me(request), candidateIdOf(request), request.actor);
    } catch (error) {
      return decided(request, reply, error);
    }
    request.session.flash = { kind: 'success', text: request.t('linkage.review.confirmed') };
    return reply.redirect(paths.linkage.review());
  });

  app.post(paths.linkage.reject.pattern, review, async (request, reply) => {
    const form = parseForm(rejectSchema, request.body);
    // renderCandidate answers "not found" before any form problem to someone who may not see the pair.
    if (!form.ok) return renderCandidate(request, reply.status(400), { fieldErrors: form.fieldErrors, values: form.values });
    let outcome: { newPersonId: string | null };
    try {
      outcome = await linkage.reject(me(request), candidateIdOf(request), form.data.reason, request.actor);
    } catch (error) {
      return decided(request, reply, error);
    }
    request.session.flash = { kind: 'success', text: request.t(outcome.newPersonId ? 'linkage.review.rejectedNewPerson' : 'linkage.review.rejected') };
    return reply.redirect(paths.linkage.review());
  });

  app.get(paths.linkage.personRecords.pattern, review, async (request, reply) => {
    const shown = await linkage.linkedRecords(me(request), personIdOf(request), request.actor);
    const t = request.t;
    return reply.render('linkage/views/personRecords.njk', {
      pageTitle: t('linkage.records.title', { name: `${shown.person.given_name} ${shown.person.family_name}`.trim() }),
      person: shown.person,
      hidden: shown.hidden,
      rows: shown.records.map((record) => ({
        ...record,
        name: `${record.given_name ?? ''} ${record.family_name ?? ''}`.trim() || t('linkage.noName'),
        howText: t(`linkage.linkStatus.${record.link_status}`),
        weightText: record.match_weight === null ? t('linkage.records.noWeight') : record.match_weight.toFixed(1),
        roleText: t(`incidents.roles.${record.role}`),
      })),
    });
  });

  app.post(paths.linkage.unlink.pattern, review, async (request, reply) => {
    const { incidentPersonId } = request.params as { incidentPersonId: string };
    await linkage.unlink(me(request), personIdOf(request), incidentPersonId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('linkage.records.unlinked') };
    return reply.redirect(paths.linkage.personRecords({ personId: personIdOf(request) }));
  });
}
