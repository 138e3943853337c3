import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import type { FieldErrors } from '../../shared/errors.ts';
import { echoValues, type FormErrors, formErrors, parseForm, selectItems, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { auditActions } from './auditActions.ts';
import { auditSearchQuerySchema } from './auditSchemas.ts';
import type { AuditSearchPage } from './auditService.ts';

const SEARCH_FIELDS = ['actor', 'action', 'recordType', 'recordId', 'from-day', 'from-month', 'from-year', 'to-day', 'to-month', 'to-year'];
const FIELD_ORDER = ['actor', 'action', 'recordType', 'recordId', 'from', 'to'];

export async function auditRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const access = { config: { access: 'audit:view' as const } };

  app.get(paths.admin.audit.index.pattern, access, async (request, reply) => {
    const values = searchValues(request.query);
    const query = parseForm(auditSearchQuerySchema, request.query);
    if (!query.ok) return renderSearch(request, reply.status(400), values, undefined, query.fieldErrors);
    const page = await services.auditLog.search(query.data.criteria, query.data.cursor, request.actor);
    return renderSearch(request, reply, values, page);
  });

  app.get(paths.admin.audit.show.pattern, access, async (request, reply) => {
    const { seq } = request.params as { seq: string };
    const event = await services.auditLog.view(seq, request.actor);
    return reply.render('audit/views/show.njk', {
      pageTitle: request.t('audit.show.title', { seq: event.seq }),
      event,
      detailsJson: JSON.stringify(event.details, null, 2),
    });
  });
}

function renderSearch(request: FastifyRequest, reply: FastifyReply, values: FormValues, page?: AuditSearchPage, fieldErrors?: FieldErrors) {
  const errors = fieldErrors ? dateInputErrors(formErrors(fieldErrors, request.t, FIELD_ORDER)) : undefined;
  return reply.render('audit/views/index.njk', {
    pageTitle: request.t('audit.index.title'),
    values,
    errors,
    page,
    actionItems: selectItems(
      auditActions.map((action) => ({ value: action, text: request.t(`audit.actions.${action}`) })),
      values.action,
      request.t('audit.index.allActions'),
    ),
    newerHref: page?.newerThan ? searchHref(values, { after: page.newerThan }) : undefined,
    olderHref: page?.olderThan ? searchHref(values, { before: page.olderThan }) : undefined,
  });
}

/** What was typed into the search boxes, to show back (never the paging cursor). */
function searchValues(query: unknown): FormValues {
  const typed = echoValues(query);
  return Object.fromEntries(SEARCH_FIELDS.flatMap((field) => (typeof typed[field] === 'string' ? [[field, typed[field]]] : [])));
}

function searchHref(values: FormValues, cursor: { before?: string; after?: string }): string {
  const params = new URLSearchParams();
  for (const [field, value] of Object.entries(values)) if (typeof value === 'string' && value !== '') params.set(field, value);
  for (const [name, value] of Object.entries(cursor)) if (value) params.set(name, value);
  return `${paths.admin.audit.index()}?${params.toString()}`;
}

// A date's error summary link goes to its day box, the first of its three inputs.
function dateInputErrors(errors: FormErrors): FormErrors {
  const list = errors.list.map((item) => (item.href === '#from' || item.href === '#to' ? { ...item, href: `${item.href}-day` } : item));
  return { ...errors, list };
}
