import type { Writable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { caseTypeName } from '../../shared/caseTypeNames.ts';
import { fieldErrorsFrom, formErrors, selectItems, type FormErrors, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { caseStatuses } from '../cases/caseWorkflow.ts';
import { caseListFilters, caseListQuerySchema } from '../cases/casesSchemas.ts';
import { attachmentDisposition } from '../timeline/attachmentTypes.ts';
import type { CaseExportRow } from './caseSearchRepository.ts';
import { caseExportCsv, caseExportFileName, caseExportRecord } from './csv.ts';
import { caseSearchFields, caseSearchSchema, type CaseSearchQuery, hasCriteria, personSearchFields, personSearchSchema } from './searchSchemas.ts';
import { caseReasons, paginationItems, personReasons } from './searchViews.ts';

const PEOPLE_LIMIT = 50;
const CASES_PAGE_SIZE = 25;
const PERSON_FORM_KEYS = ['name', 'dateOfBirth-day', 'dateOfBirth-month', 'dateOfBirth-year', 'postcode'];

/** "Find a person", case search and the case list download. */
export async function searchRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { search, cases } = services;
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const queryOf = (request: FastifyRequest) => (request.query ?? {}) as Record<string, unknown>;

  app.get(paths.people.search.pattern, { config: { access: 'person:view' } }, async (request, reply) => {
    const query = queryOf(request);
    const values = typedValues(query, PERSON_FORM_KEYS);
    const render = (context: { errors?: FormErrors; results?: unknown[]; narrowed?: boolean }) =>
      reply.render('search/views/people.njk', { pageTitle: request.t('people.search.title'), values, ...context });
    if (!PERSON_FORM_KEYS.some((key) => key in query)) return render({});
    const parsed = personSearchSchema.safeParse(query);
    if (!parsed.success) {
      reply.status(400);
      return render({ errors: formErrors(fieldErrorsFrom(parsed.error), request.t, personSearchFields) });
    }
    const input = parsed.data;
    const matches = await search.findPeople(me(request), input, request.actor, PEOPLE_LIMIT);
    const results = matches.map((match) => ({ ...match, reasons: personReasons(match, request.t, input.postcode) }));
    return render({ results, narrowed: Boolean(input.dateOfBirth || input.postcode) });
  });

  app.get(paths.cases.search.pattern, { config: { access: 'case:view' } }, async (request, reply) => {
    const query = queryOf(request);
    const values = typedValues(query, caseSearchFields);
    const parsed = caseSearchSchema.safeParse(query);
    const choices = await caseSearchChoices(request, values);
    const render = (context: { errors?: FormErrors; found?: unknown }) =>
      reply.render('search/views/cases.njk', { pageTitle: request.t('search.cases.title'), values, ...choices, ...context });
    if (!parsed.success) {
      reply.status(400);
      return render({ errors: formErrors(fieldErrorsFrom(parsed.error), request.t, caseSearchFields) });
    }
    const input = parsed.data;
    if (!hasCriteria(input)) return render({});
    const { rows, total } = await search.findCases(me(request), input, { limit: CASES_PAGE_SIZE, offset: (input.page - 1) * CASES_PAGE_SIZE }, request.actor);
    const pages = Math.max(1, Math.ceil(total / CASES_PAGE_SIZE));
    return render({
      found: {
        total,
        rows: rows.map((row) => ({ ...row, reasons: caseReasons(row, request.t, input.reference) })),
        pagination: pages > 1 ? casePagination(values, input, pages) : undefined,
      },
    });
  });

  const caseSearchChoices = async (request: FastifyRequest, values: FormValues) => {
    const [caseTypes, officers] = await Promise.all([cases.allCaseTypes(), cases.officers(me(request).organisationId)]);
    return {
      typeItems: selectItems(caseTypes.map((type) => ({ value: type.code, text: caseTypeName(request.t, type) })), values.caseType, request.t('cases.filters.anyType')),
      statusItems: selectItems(caseStatuses.map((status) => ({ value: status, text: request.t(`cases.status.${status}`) })), values.status, request.t('search.cases.anyStatus')),
      officerItems: selectItems(officers.map((officer) => ({ value: officer.id, text: officer.name })), values.leadOfficerId, request.t('search.cases.anyOfficer')),
    };
  };

  app.get(paths.cases.export.pattern, { config: { access: 'case:export' } }, async (request, reply) => {
    const query = caseListQuerySchema.parse(request.query ?? {});
    return streamCsv(request, reply, (write) => search.exportCases(me(request), caseListFilters(query), request.actor, write));
  });
}

/** What was typed into the form's boxes, to show again (strings only, as typed). */
function typedValues(query: Record<string, unknown>, keys: string[]): FormValues {
  return Object.fromEntries(keys.filter((key) => typeof query[key] === 'string').map((key) => [key, query[key]]));
}

function casePagination(values: FormValues, input: CaseSearchQuery, pages: number) {
  const href = (page: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) if (typeof value === 'string' && value) params.set(key, value);
    params.set('page', String(page));
    return `${paths.cases.search()}?${params.toString()}`;
  };
  return {
    previous: input.page > 1 ? { href: href(input.page - 1) } : undefined,
    next: input.page < pages ? { href: href(input.page + 1) } : undefined,
    items: paginationItems(input.page, pages, href),
  };
}

/**
 * Sends the download as it is read: nothing is sent until the first rows (or the end) arrive,
 * so a failure before then is an ordinary error page. Each batch waits for the reader to catch
 * up; if the reader goes away, reading stops and the export is recorded as incomplete.
 */
async function streamCsv(request: FastifyRequest, reply: FastifyReply, run: (write: (rows: CaseExportRow[]) => Promise<boolean>) => Promise<number>) {
  const csv = caseExportCsv(request.t);
  let sending = false;
  const send = () => {
    if (sending) return;
    sending = true;
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', attachmentDisposition(caseExportFileName(request.t)))
      .header('x-content-type-options', 'nosniff')
      .send(csv);
  };
  const write = async (rows: CaseExportRow[]): Promise<boolean> => {
    send();
    for (const row of rows) {
      if (csv.destroyed) return false;
      if (!csv.write(caseExportRecord(row, request.t)) && !(await drained(csv))) return false;
    }
    return !csv.destroyed;
  };
  try {
    await run(write);
  } catch (error) {
    if (!sending) throw error;
    request.log.error({ err: error }, 'Case export failed after the download had started');
    csv.destroy(error as Error);
    return reply;
  }
  send();
  csv.end();
  return reply;
}

/** Resolves true when the stream can take more, false when it was closed instead. */
function drained(stream: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = () => finish(true);
    const onClose = () => finish(false);
    const finish = (value: boolean) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      resolve(value);
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}
