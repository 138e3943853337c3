import type { FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { asArray, echoValues, formErrors, type FormValues } from '../../shared/forms.ts';
import type { CurrentUser } from '../../types.ts';
import { maySaveAnalyses, seesExactCounts } from './analyticsPolicy.ts';
import { type AnalyticsFilter, parseFilter } from './analyticsSchemas.ts';
import { type CategoryNames, categoryNamesFrom, type CountStyle, countStyleFor, filterQuery } from './analyticsViews.ts';

export const FILTER_FIELDS = ['from', 'to', 'category', 'area', 'lsoa'];

export const me = (request: FastifyRequest) => request.user as CurrentUser;

/** The boxes of the filter form showing a resolved filter's dates. */
export function filterValues(filter: AnalyticsFilter): FormValues {
  return Object.fromEntries(new URLSearchParams(filterQuery(filter)).entries());
}

/** What every analytics page's filter form and figures need: categories, areas, how counts are shown. */
export async function pageBasics(request: FastifyRequest, services: Services) {
  const user = me(request);
  const [categories, areas] = await Promise.all([services.analytics.figures.categories(), services.analytics.figures.areas()]);
  const categoryName: CategoryNames = categoryNamesFrom(request.t, categories);
  const style: CountStyle = countStyleFor(request, seesExactCounts(user.role), services.config.smallNumberThreshold);
  return { user, categories, areas, categoryName, style };
}

export type PageBasics = Awaited<ReturnType<typeof pageBasics>>;

/** The filter form's items, ticked and selected as in `values`. */
export function filterFormContext(request: FastifyRequest, basics: PageBasics, values: FormValues, fieldErrors?: FieldErrors, fieldOrder: string[] = FILTER_FIELDS) {
  const selected = new Set(asArray(values.category));
  const area = typeof values.area === 'string' ? values.area : '';
  return {
    values,
    categoryItems: basics.categories.map((category) => ({ value: category.code, text: basics.categoryName(category.code), checked: selected.has(category.code) })),
    selectedCategoryCount: selected.size,
    areaItems: [{ value: '', text: request.t('analytics.filter.allAreas'), selected: area === '' }, ...basics.areas.map((name) => ({ value: name, text: name, selected: name === area }))],
    errors: fieldErrors ? formErrors(fieldErrors, request.t, fieldOrder, { dateFields: ['from', 'to'] }) : undefined,
    exactCounts: basics.style.exact,
    threshold: basics.style.threshold,
    maySave: maySaveAnalyses(basics.user.role),
  };
}

/** The page's filter, checked and with its defaults; field errors (i18n keys) when it is wrong. */
export async function filterFrom(query: unknown, services: Services): Promise<{ ok: true; filter: AnalyticsFilter } | { ok: false; fieldErrors: FieldErrors; values: FormValues }> {
  const parsed = parseFilter(query);
  if (!parsed.ok) {
    const values = query && typeof query === 'object' ? (query as Record<string, unknown>) : {};
    const area = typeof values.area === 'string' && values.area.trim() !== '' ? values.area.trim() : null;
    const unknown = await services.analytics.figures.unknownChoices({ categories: asArray(values.category).filter((code) => code !== ''), area });
    return { ok: false, fieldErrors: { ...unknown, ...parsed.fieldErrors }, values: echoValues(query) };
  }
  try {
    return { ok: true, filter: await services.analytics.figures.resolveFilter(parsed.data) };
  } catch (error) {
    if (error instanceof ValidationFailed) return { ok: false, fieldErrors: error.fieldErrors, values: echoValues(query) };
    throw error;
  }
}
