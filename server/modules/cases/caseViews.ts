import type { FastifyRequest } from 'fastify';
import type { StaleUpdate } from '../../shared/errors.ts';
import type { FormErrors } from '../../shared/forms.ts';
import type { Translate } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';

const TABS = [
  { key: 'overview', href: paths.cases.show },
  { key: 'people', href: paths.cases.people },
  { key: 'risk', href: paths.cases.risk },
  { key: 'actions', href: paths.cases.actions },
  { key: 'timeline', href: paths.cases.timeline },
  { key: 'referrals', href: paths.cases.referrals },
  { key: 'agencies', href: paths.cases.agencies },
] as const;

/** The sub-navigation of a case's pages. */
export function caseTabs(request: FastifyRequest, caseId: string, current: string) {
  return TABS.map((tab) => ({ text: request.t(`cases.tabs.${tab.key}`), href: tab.href({ caseId }), active: tab.key === current }));
}

/**
 * The error summary for a save that lost a race: one line explaining, and on each field that
 * someone else changed, what it holds now. The form keeps what this person typed.
 */
export function staleErrors(error: StaleUpdate, t: Translate, fieldLabels: string): FormErrors {
  const fields: FormErrors['fields'] = {};
  const list: FormErrors['list'] = [{ text: t('common.stale.summary'), href: `#${Object.keys(error.currentValues)[0] ?? 'main-content'}` }];
  for (const [field, value] of Object.entries(error.currentValues)) {
    const text = t('common.stale.field', { field: t(`${fieldLabels}.${field}`), value: value === '' ? t('common.stale.empty') : value });
    fields[field] = { text };
    list.push({ text, href: `#${field}` });
  }
  return { list, fields };
}
