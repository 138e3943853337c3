import fastifyMultipart from '@fastify/multipart';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncidentImportRow } from '../../db/schema.ts';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { formErrors, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { incidentFields, mappableFields, PEOPLE_PER_ROW, POLICE_UK_TEMPLATE_ID, personFields } from './incidentFields.ts';
import { mappingFromForm } from './incidentImportService.ts';
import { unusedHeaders } from './incidentFields.ts';
import { INCIDENT_PAGE_SIZE } from './incidentsService.ts';
import { ImportFileProblem } from './importFiles.ts';
import { filtersFrom, incidentListQuerySchema, mappingExtrasSchema, pageQuerySchema, templateFormSchema } from './incidentsSchemas.ts';
import { categoryName, fieldLabel, rowErrorText } from './incidentViews.ts';

const FILE_FIELD = 'file';
const PREVIEW_ROWS = 10;
const REPORT_PAGE_SIZE = 50;
// Well beyond any spreadsheet export; the file goes to disk as it arrives, never into memory.
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * Incidents in the browser: the import journey (upload → columns → preview → check the whole
 * file with a progress bar → report → import the good rows or nothing), the import history, and
 * the organisation's incidents.
 */
export async function incidentsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { incidents, incidentImports } = services;
  // Registered here as well as in the timeline: each plugin that takes files has its own limits.
  await app.register(fastifyMultipart, { throwFileSizeLimit: false, limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, parts: 6, fieldSize: 1024, headerPairs: 100 } });
  app.addHook('onReady', async () => {
    await incidentImports.recoverInterrupted();
    incidentImports.startSweeping(app.log);
  });
  app.addHook('onClose', async () => {
    await incidentImports.stopSweeping();
  });

  const write = { config: { access: 'incident:write' as const } };
  const view = { config: { access: 'incident:view' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const importer = (request: FastifyRequest) => ({ organisationId: me(request).organisationId, userId: me(request).id });
  const importIdOf = (request: FastifyRequest) => (request.params as { importId: string }).importId;

  /** A step that does not fit the import's state (already started, discarded) goes back to its page with a message. */
  const guarded = (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await handler(request, reply);
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      request.session.flash = { kind: 'important', text: request.t(error.message) };
      return reply.redirect(paths.incidents.importShow({ importId: importIdOf(request) }), 302);
    }
  };

  app.get(paths.incidents.imports.pattern, write, async (request, reply) => {
    const { page } = pageQuerySchema.parse(request.query ?? {});
    const history = await incidentImports.history(importer(request), page, INCIDENT_PAGE_SIZE);
    return reply.render('incidents/views/imports.njk', { pageTitle: request.t('incidents.imports.title'), ...history, page, pages: Math.max(1, Math.ceil(history.total / INCIDENT_PAGE_SIZE)) });
  });

  const renderUpload = (request: FastifyRequest, reply: FastifyReply, problem?: string) =>
    reply.render('incidents/views/upload.njk', {
      pageTitle: request.t('incidents.upload.title'),
      errors: problem ? { list: [{ text: problem, href: '#file' }], fields: { file: { text: problem } } } : undefined,
    });

  app.get(paths.incidents.newImport.pattern, write, async (request, reply) => renderUpload(request, reply));

  app.post(paths.incidents.newImport.pattern, write, async (request, reply) => {
    if (!request.isMultipart()) return renderUpload(request, reply.status(400), request.t('incidents.upload.chooseFile'));
    let created: IncidentImportRow | undefined;
    let problem: string | undefined;
    for await (const part of request.parts()) {
      if (part.type === 'field') continue;
      if (part.fieldname !== FILE_FIELD || !part.filename || created || problem) {
        part.file.resume();
        continue;
      }
      try {
        created = await incidentImports.upload(importer(request), part.file, part.filename.slice(-200), 'upload', request.actor);
        if (part.file.truncated) problem = request.t('incidents.upload.tooLarge');
      } catch (error) {
        if (!(error instanceof ImportFileProblem)) throw error;
        problem = request.t(error.messageKey, error.values);
      }
    }
    if (created && problem) await incidentImports.discard(importer(request), created.id, request.actor);
    if (!created || problem) return renderUpload(request, reply.status(400), problem ?? request.t('incidents.upload.chooseFile'));
    return reply.redirect(paths.incidents.importMapping({ importId: created.id }));
  });

  const renderMapping = async (request: FastifyRequest, reply: FastifyReply, row: IncidentImportRow, fieldErrors?: FieldErrors) => {
    const templates = await incidentImports.templates(importer(request));
    const mapping = row.mapping ?? { columns: {}, policeUk: false };
    const select = (field: string) => ({
      id: `column-${field}`,
      name: `column-${field}`,
      label: { text: fieldLabel(field, request.t) },
      items: [{ value: '', text: request.t('incidents.mapping.notUsed') }, ...row.headers.filter(Boolean).map((header) => ({ value: header, text: header, selected: mapping.columns[field] === header }))],
      errorMessage: fieldErrors?.[`column-${field}`] ? { text: request.t(fieldErrors[`column-${field}`]!) } : undefined,
    });
    return reply.render('incidents/views/mapping.njk', {
      pageTitle: request.t('incidents.mapping.title'),
      row,
      encodingLabel: request.t(`incidents.encodings.${(row.encoding ?? 'utf-8').replace(/-/g, '_')}`, { defaultValue: row.encoding }),
      incidentSelects: incidentFields.map((field) => select(field)),
      personSelects: Array.from({ length: PEOPLE_PER_ROW }, (_unused, slot) => personFields.map((field) => select(`person${slot + 1}.${field}`))),
      unused: unusedHeaders(row.headers, mapping),
      policeUk: mapping.policeUk,
      templateItems: [
        { value: '', text: request.t('incidents.mapping.chooseTemplate') },
        { value: POLICE_UK_TEMPLATE_ID, text: request.t('incidents.mapping.policeUkTemplate') },
        ...templates.map((template) => ({ value: template.id, text: template.name })),
      ],
      errors: fieldErrors ? formErrors(fieldErrors, request.t, mappableFields.map((field) => `column-${field}`)) : undefined,
    });
  };

  app.get(paths.incidents.importMapping.pattern, write, guarded(async (request, reply) => {
    const row = await incidentImports.get(importer(request), importIdOf(request));
    if (row.status !== 'uploaded') throw new Conflict('incidents.status.notNow');
    return renderMapping(request, reply, row);
  }));

  app.post(paths.incidents.importMapping.pattern, write, guarded(async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const extras = parseForm(mappingExtrasSchema, body);
    const mapping = mappingFromForm(body, extras.ok ? extras.data.policeUk === 'yes' : false);
    try {
      if (!extras.ok) throw new ValidationFailed(extras.fieldErrors);
      await incidentImports.saveMapping(importer(request), importIdOf(request), mapping, extras.data.templateName || undefined, request.actor);
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      const row = await incidentImports.get(importer(request), importIdOf(request));
      return renderMapping(request, reply.status(400), row, error.fieldErrors);
    }
    return reply.redirect(paths.incidents.importPreview({ importId: importIdOf(request) }));
  }));

  app.post(paths.incidents.importTemplate.pattern, write, guarded(async (request, reply) => {
    const form = parseForm(templateFormSchema, request.body);
    if (form.ok) await incidentImports.applyTemplate(importer(request), importIdOf(request), form.data.templateId);
    return reply.redirect(paths.incidents.importMapping({ importId: importIdOf(request) }));
  }));

  app.get(paths.incidents.importPreview.pattern, write, guarded(async (request, reply) => {
    const preview = await incidentImports.preview(importer(request), importIdOf(request), PREVIEW_ROWS, request.actor);
    const categories = new Map((await incidents.categories()).map((category) => [category.code, category]));
    return reply.render('incidents/views/preview.njk', {
      pageTitle: request.t('incidents.preview.title'),
      row: preview.row,
      unused: unusedHeaders(preview.row.headers, preview.row.mapping!),
      fileProblem: preview.fileProblem ? request.t(preview.fileProblem.messageKey, preview.fileProblem.values) : undefined,
      rows: preview.outcomes.map((outcome) =>
        outcome.ok
          ? { row: outcome.row, ok: true, incident: outcome.incident, category: categoryName(categories.get(outcome.incident.categoryCode), outcome.incident.categoryCode, request.t) }
          : { row: outcome.row, ok: false, problems: outcome.problems.map((problem) => `${fieldLabel(problem.field, request.t)}: ${rowErrorText(problem, request.t)}`) },
      ),
    });
  }));

  app.post(paths.incidents.importValidate.pattern, write, guarded(async (request, reply) => {
    await incidentImports.startValidation(importer(request), importIdOf(request));
    return reply.redirect(paths.incidents.importShow({ importId: importIdOf(request) }));
  }));

  app.post(paths.incidents.importRun.pattern, write, guarded(async (request, reply) => {
    await incidentImports.startImport(importer(request), importIdOf(request), request.actor);
    return reply.redirect(paths.incidents.importShow({ importId: importIdOf(request) }));
  }));

  app.post(paths.incidents.importDiscard.pattern, write, guarded(async (request, reply) => {
    await incidentImports.discard(importer(request), importIdOf(request), request.actor);
    request.session.flash = { kind: 'success', text: request.t('incidents.report.discarded') };
    return reply.redirect(paths.incidents.importShow({ importId: importIdOf(request) }));
  }));

  app.get(paths.incidents.importStatus.pattern, write, async (request, reply) => {
    const { row, progress, percent } = await incidentImports.status(importer(request), importIdOf(request));
    return reply.type('application/json; charset=utf-8').send({ status: row.status, percent, rows: progress?.rows ?? row.rows_total, message: progressText(request, row.status, progress?.rows ?? row.rows_total, percent) });
  });

  app.get(paths.incidents.importShow.pattern, write, async (request, reply) => {
    const id = importIdOf(request);
    const status = await incidentImports.status(importer(request), id);
    const { row } = status;
    if (row.status === 'uploaded') return reply.redirect(paths.incidents.importMapping({ importId: id }), 302);
    if (row.status === 'validating' || row.status === 'importing') {
      return reply.render('incidents/views/progress.njk', { pageTitle: request.t(`incidents.progress.title.${row.status}`), row, percent: status.percent, message: progressText(request, row.status, status.progress?.rows ?? 0, status.percent) });
    }
    const { page } = pageQuerySchema.parse(request.query ?? {});
    const reported = row.status === 'validated' ? await incidentImports.report(importer(request), id, request.actor) : row;
    const errors = reported.row_errors.slice((page - 1) * REPORT_PAGE_SIZE, page * REPORT_PAGE_SIZE).map((error) => ({ row: error.row, field: fieldLabel(error.field, request.t), message: rowErrorText(error, request.t) }));
    return reply.render('incidents/views/report.njk', {
      pageTitle: request.t(`incidents.report.title.${row.status}`),
      row: reported,
      errors,
      page,
      pages: Math.max(1, Math.ceil(reported.row_errors.length / REPORT_PAGE_SIZE)),
      errorsShownLimited: reported.row_errors.length < reported.rows_invalid,
      failure: row.failure ? request.t(row.failure, { row: row.row_errors[0]?.row ?? '' }) : undefined,
    });
  });

  app.get(paths.incidents.importErrors.pattern, write, async (request, reply) => {
    const row = await incidentImports.report(importer(request), importIdOf(request), request.actor);
    const lines = row.row_errors.map((error) => [error.row, fieldLabel(error.field, request.t), rowErrorText(error, request.t)]);
    const csv = stringify([[request.t('incidents.report.columns.row'), request.t('incidents.report.columns.field'), request.t('incidents.report.columns.problem')], ...lines]);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="incident-import-${row.id.slice(0, 8)}-problems.csv"`)
      .send(`\uFEFF${csv}`);
  });

  app.get(paths.incidents.index.pattern, view, async (request, reply) => {
    const query = incidentListQuerySchema.parse(request.query ?? {});
    const list = await incidents.list({ organisationId: me(request).organisationId }, filtersFrom(query), query.page, request.actor);
    const categories = await incidents.categories();
    const byCode = new Map(categories.map((category) => [category.code, category]));
    const filterQuery = new URLSearchParams(Object.entries({ category: query.category, channel: query.channel, importId: query.importId, from: query.from, to: query.to }).filter((entry): entry is [string, string] => Boolean(entry[1]))).toString();
    return reply.render('incidents/views/list.njk', {
      pageTitle: request.t('incidents.list.title'),
      columnWidth: 'full',
      query,
      filterQuery,
      rows: list.rows.map((row) => ({ ...row, categoryName: categoryName(byCode.get(row.category_code), row.category_code, request.t) })),
      total: list.total,
      pages: Math.max(1, Math.ceil(list.total / INCIDENT_PAGE_SIZE)),
      showsPoliceUk: list.rows.some((row) => row.channel === 'police_uk') || query.channel === 'police_uk',
      categoryItems: [{ value: '', text: request.t('incidents.list.anyCategory') }, ...categories.map((category) => ({ value: category.code, text: categoryName(category, category.code, request.t), selected: query.category === category.code }))],
      channelItems: ['', 'upload', 'police_uk', 'api', 'command'].map((channel) => ({ value: channel, text: request.t(channel ? `incidents.channels.${channel}` : 'incidents.list.anySource'), selected: (query.channel ?? '') === channel })),
    });
  });

  app.get(paths.incidents.show.pattern, view, async (request, reply) => {
    const { incidentId } = request.params as { incidentId: string };
    const { incident, people } = await incidents.show({ organisationId: me(request).organisationId }, incidentId, request.actor);
    const category = (await incidents.categories()).find((candidate) => candidate.code === incident.category_code);
    return reply.render('incidents/views/show.njk', {
      pageTitle: request.t('incidents.show.title', { reference: incident.source_reference }),
      incident,
      people,
      categoryName: categoryName(category, incident.category_code, request.t),
      policeUk: incident.channel === 'police_uk',
      coordinates: incident.latitude === null ? '' : `${incident.latitude}, ${incident.longitude}`,
    });
  });
}

function progressText(request: FastifyRequest, status: string, rows: number, percent: number): string {
  return request.t(`incidents.progress.message.${status}`, { count: rows, percent, defaultValue: request.t(`incidents.status.${status}`) });
}
