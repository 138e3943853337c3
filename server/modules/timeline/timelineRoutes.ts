import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { caseContext } from '../cases/casesRoutes.ts';
import { attachmentDisposition } from './attachmentTypes.ts';
import { noteSensitivities } from './noteAccess.ts';
import { readNoteSubmission, STORAGE_FULL } from './noteSubmission.ts';
import { noteSchema, timelineQuerySchema } from './timelineSchemas.ts';
import { TIMELINE_PAGE_SIZE } from './timelineService.ts';
import { formatFileSize, noteErrors, timelineItems } from './timelineViews.ts';

interface NoteForm {
  values: Record<string, string>;
  fieldErrors: FieldErrors;
}

/** A case's timeline, adding notes (with an optional file) and downloading attachments. */
export async function timelineRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { timeline, config } = services;
  // Registered here only: no other route accepts multipart bodies.
  await app.register(fastifyMultipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: config.attachmentMaxBytes, files: 1, fields: 10, parts: 12, fieldSize: 64 * 1024, headerPairs: 100 },
  });
  const view = { config: { access: 'case:view' as const } };
  const edit = { config: { access: 'case:edit' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const caseIdOf = (request: FastifyRequest) => (request.params as { caseId: string }).caseId;

  const render = async (request: FastifyRequest, reply: FastifyReply, page: number, form?: NoteForm) => {
    const result = await timeline.view(me(request), caseIdOf(request), request.actor, page);
    const values = form?.values ?? {};
    return reply.render('timeline/views/timeline.njk', {
      ...caseContext(request, result.opened, 'timeline'),
      pageTitle: `${request.t('timeline.title')} – ${result.opened.case.reference}`,
      items: timelineItems(result, request.t),
      page,
      pages: Math.max(1, Math.ceil(result.total / TIMELINE_PAGE_SIZE)),
      values,
      maxSize: formatFileSize(config.attachmentMaxBytes, request.t),
      sensitivityItems: noteSensitivities.map((sensitivity) => ({
        value: sensitivity,
        text: request.t(`timeline.sensitivity.${sensitivity}`),
        hint: { text: request.t(`timeline.sensitivityHints.${sensitivity}`) },
        checked: (values.sensitivity ?? 'standard') === sensitivity,
      })),
      errors: form ? noteErrors(form.fieldErrors, request.t, config.attachmentMaxBytes) : undefined,
    });
  };

  app.get(paths.cases.timeline.pattern, view, async (request, reply) => {
    const { page } = timelineQuerySchema.parse(request.query ?? {});
    return render(request, reply, page);
  });

  app.post(paths.cases.newNote.pattern, edit, async (request, reply) => {
    const caseId = caseIdOf(request);
    await timeline.checkCanAddNote(me(request), caseId, request.actor);
    const submission = await readNoteSubmission(request, timeline);
    const form = parseForm(noteSchema, submission.values);
    const fieldErrors: FieldErrors = { ...(form.ok ? {} : form.fieldErrors), ...(submission.uploadProblem ? { attachment: submission.uploadProblem } : {}) };
    if (!form.ok || submission.uploadProblem) {
      await timeline.discard(submission.upload);
      // 507 Insufficient Storage: the request was fine, the server cannot keep the file now.
      return render(request, reply.status(submission.uploadProblem === STORAGE_FULL ? 507 : 400), 1, { values: submission.values, fieldErrors });
    }
    try {
      await timeline.addNote(me(request), caseId, form.data, submission.upload, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return render(request, reply.status(400), 1, { values: submission.values, fieldErrors: error.fieldErrors });
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('timeline.noteAdded') };
    return reply.redirect(paths.cases.timeline({ caseId }));
  });

  app.get(paths.cases.attachment.pattern, view, async (request, reply) => {
    const { caseId, attachmentId } = request.params as { caseId: string; attachmentId: string };
    const file = await timeline.download(me(request), caseId, attachmentId, request.actor);
    return reply
      .header('content-type', file.contentType)
      .header('content-disposition', attachmentDisposition(file.fileName))
      .header('x-content-type-options', 'nosniff')
      .send(file.stream);
  });
}
