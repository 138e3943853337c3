import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import nunjucks from 'nunjucks';
import { caseTypeNameOf, type RowWithCaseType } from '../shared/caseTypeNames.ts';
import { isLocale, localeNames, locales, type Locale, type Translate } from '../shared/i18n/index.ts';
import { paths } from '../shared/paths.ts';
import { hasPermission, type Permission } from '../shared/permissions.ts';
import { formatDate, formatDateTime, isoDateTime } from '../shared/time.ts';

const serverDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const projectDirectory = path.resolve(serverDirectory, '..');

export interface ViewOptions {
  /** Partnership name and logo text for the header, cached by the caller. */
  branding: () => Promise<{ name: string; logoText: string }>;
  /** How many unread notifications the signed-in person has, for the header. */
  unreadNotifications?: (userId: string) => Promise<number>;
  /** Compile every template before the first request (the server does; tests leave it to first use). */
  precompile?: boolean;
}

const viewFolders = [
  path.join(serverDirectory, 'views'),
  path.join(serverDirectory, 'modules'),
  path.join(projectDirectory, 'node_modules', 'govuk-frontend', 'dist'),
  path.join(projectDirectory, 'node_modules', '@ministryofjustice', 'frontend'),
];

export function createViewEnvironment(): nunjucks.Environment {
  const environment = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(viewFolders, { noCache: false }),
    { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  );
  const localeOf = (context: { ctx?: { lang?: unknown } }): Locale => (isLocale(context.ctx?.lang) ? context.ctx.lang : 'en');
  environment.addFilter('date', function (this: { ctx?: { lang?: unknown } }, value: Date | string | null) {
    return formatDate(value, localeOf(this));
  });
  environment.addFilter('dateTime', function (this: { ctx?: { lang?: unknown } }, value: Date | string | null) {
    return formatDateTime(value, localeOf(this));
  });
  environment.addFilter('isoDateTime', (value: Date | string | null) => isoDateTime(value));
  // `{{ kase | caseTypeName }}`: a case's type by the name the reader should see (built-in types translated).
  environment.addFilter('caseTypeName', function (this: { ctx?: { t?: Translate } }, row: RowWithCaseType) {
    return this.ctx?.t ? caseTypeNameOf(this.ctx.t, row) : row.case_type_name;
  });
  environment.addGlobal('paths', paths);
  return environment;
}

/** Adds `reply.render(template, context)`, which merges in what every page needs. */
export const viewsPlugin = fp(async (app: FastifyInstance, options: ViewOptions) => {
  const environment = createViewEnvironment();
  if (options.precompile) precompileViews(environment);

  app.decorateReply('render', function (this: FastifyReply, template: string, context: Record<string, unknown> = {}) {
    const reply = this;
    const request = reply.request;
    const sendPage = async () => {
      const base = await pageContext(request, reply, options);
      const html = environment.render(template, { ...base, ...context });
      return reply.type('text/html; charset=utf-8').send(html);
    };
    sendPage().catch((error: unknown) => reply.send(error));
    return reply;
  });
});

async function pageContext(request: FastifyRequest, reply: FastifyReply, options: ViewOptions) {
  const user = request.user;
  const branding = await options.branding();
  const flash = request.session?.flash;
  if (flash) delete request.session.flash;
  const unread = user ? await unreadNotificationsOf(user.id, options) : undefined;
  return {
    lang: request.locale,
    t: request.t,
    user,
    branding,
    can: (permission: Permission) => (user ? hasPermission(user.role, permission) : false),
    csrfToken: () => reply.generateCsrf(),
    cspNonce: reply.cspNonce?.script,
    currentPath: request.url.split('?')[0],
    languageLinks: languageLinks(request),
    serviceNavigation: serviceNavigation(request, unread),
    flash,
    requestId: request.id,
  };
}

const adminPermissions: Permission[] = [
  'partnership:manage', 'organisation:manage', 'user:manage', 'api_key:manage', 'outbox:view', 'audit:view',
];

// The header count must never turn a page (an error page above all) into a failure of its own.
async function unreadNotificationsOf(userId: string, options: ViewOptions): Promise<number | undefined> {
  return options.unreadNotifications?.(userId).catch(() => undefined);
}

function serviceNavigation(request: FastifyRequest, unreadNotifications?: number) {
  const user = request.user;
  if (!user) return [];
  const currentPath = request.url.split('?')[0] ?? '/';
  const items = [{ href: paths.home(), text: request.t('nav.home'), current: currentPath === paths.home() }];
  if (hasPermission(user.role, 'case:view')) {
    items.push({ href: paths.cases.index(), text: request.t('nav.cases'), current: currentPath.startsWith('/cases') });
    items.push({ href: paths.people.search(), text: request.t('nav.people'), current: currentPath.startsWith('/people') });
  }
  if (hasPermission(user.role, 'referral:receive')) {
    items.push({ href: paths.referrals.inbox(), text: request.t('nav.referrals'), current: currentPath.startsWith('/referrals') });
  } else if (hasPermission(user.role, 'analytics:view')) {
    items.push({ href: paths.referrals.dashboard(), text: request.t('nav.referrals'), current: currentPath.startsWith('/referrals') });
  }
  if (hasPermission(user.role, 'incident:view') || hasPermission(user.role, 'incident:write')) {
    const href = hasPermission(user.role, 'incident:view') ? paths.incidents.index() : paths.incidents.imports();
    items.push({ href, text: request.t('incidents.nav'), current: currentPath.startsWith('/incidents') });
  }
  if (hasPermission(user.role, 'alert:view')) {
    items.push({ href: paths.alerts.index(), text: request.t('alerts.nav'), current: currentPath.startsWith('/alerts') });
  }
  if (hasPermission(user.role, 'linkage:review')) {
    items.push({ href: paths.linkage.review(), text: request.t('linkage.nav'), current: currentPath.startsWith('/linkage') });
  }
  if (hasPermission(user.role, 'analytics:view')) {
    items.push({ href: paths.analytics.dashboard(), text: request.t('analytics.navItem'), current: currentPath.startsWith('/analytics') });
  }
  if (hasPermission(user.role, 'case_review:manage')) {
    items.push({ href: paths.caseReviews.index(), text: request.t('caseReviews.nav'), current: currentPath.startsWith('/case-reviews') });
  }
  if (hasPermission(user.role, 'meeting:attend')) {
    items.push({ href: paths.meetings.index(), text: request.t('meetings.nav'), current: currentPath.startsWith('/meetings') });
  }
  if (hasPermission(user.role, 'problem:view')) {
    items.push({ href: paths.problems.index(), text: request.t('problems.nav'), current: currentPath.startsWith('/problems') });
  }
  if (hasPermission(user.role, 'governance:view')) {
    items.push({ href: paths.governance.dashboard(), text: request.t('governance.nav'), current: currentPath.startsWith('/governance') });
  }
  if (hasPermission(user.role, 'subject_access:manage') || hasPermission(user.role, 'access_review:view')) {
    const href = hasPermission(user.role, 'subject_access:manage') ? paths.dataProtection.requests() : paths.dataProtection.accessReview();
    items.push({ href, text: request.t('dataProtection.nav'), current: currentPath.startsWith('/data-protection') });
  }
  if (adminPermissions.some((permission) => hasPermission(user.role, permission))) {
    items.push({ href: paths.admin.index(), text: request.t('nav.admin'), current: currentPath.startsWith('/admin') });
  }
  const notificationsText = unreadNotifications ? request.t('notifications.navUnread', { count: unreadNotifications }) : request.t('notifications.nav');
  items.push({ href: paths.notifications.index(), text: notificationsText, current: currentPath.startsWith(paths.notifications.index()) });
  items.push({ href: paths.profile.show(), text: request.t('nav.profile'), current: currentPath.startsWith('/profile') });
  return items;
}

function languageLinks(request: FastifyRequest) {
  const url = new URL(request.url, 'http://localhost');
  return locales.map((locale) => {
    url.searchParams.set('lang', locale);
    return {
      text: localeNames[locale],
      lang: locale,
      href: `${url.pathname}${url.search}`,
      current: locale === request.locale,
    };
  });
}

/**
 * Compiles OneRoof's templates and the GOV.UK and MoJ components they use (about 340, half a
 * second), so the first people after a start-up do not wait while each page compiles on the
 * event loop (the load benchmark's first seconds showed p95 near a second without it).
 */
export function precompileViews(environment: nunjucks.Environment): number {
  const ours = (folder: string) => templatesUnder(folder).map((file) => path.relative(folder, file));
  const components = (folder: string) =>
    templatesUnder(folder)
      .map((file) => path.relative(folder, file))
      .filter((name) => /(^|\/)components\/[^/]+\/(macro|template)\.njk$/.test(name));
  const names = [...ours(viewFolders[0]!), ...ours(viewFolders[1]!), ...components(viewFolders[2]!), ...components(viewFolders[3]!)];
  for (const name of names) environment.getTemplate(name, true);
  return names.length;
}

function templatesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.njk'))
    .map((name) => path.join(folder, name));
}
