import type { FastifyInstance } from 'fastify';
import { Forbidden } from '../../shared/errors.ts';
import { paths } from '../../shared/paths.ts';
import { hasPermission, type Permission } from '../../shared/permissions.ts';

/** The administration areas, each shown only to those whose role has its permission. */
const areas: { permission: Permission; href: () => string; key: string }[] = [
  { permission: 'partnership:manage', href: paths.admin.partnership, key: 'partnership' },
  { permission: 'organisation:manage', href: paths.admin.organisations.index, key: 'organisations' },
  { permission: 'user:manage', href: paths.admin.users.index, key: 'users' },
  { permission: 'api_key:manage', href: paths.admin.apiKeys.index, key: 'apiKeys' },
  { permission: 'outbox:view', href: paths.admin.outbox.index, key: 'outbox' },
  { permission: 'audit:view', href: paths.admin.audit.index, key: 'audit' },
  { permission: 'case_settings:manage', href: paths.admin.caseSettings, key: 'caseSettings' },
  { permission: 'case_settings:manage', href: paths.admin.caseTypes.index, key: 'caseTypes' },
  { permission: 'pathway:manage', href: paths.referrals.pathways, key: 'referralPathways' },
  { permission: 'alert_rules:manage', href: paths.alerts.rules, key: 'alertRules' },
  { permission: 'break_glass:review', href: paths.admin.breakGlass.index, key: 'breakGlass' },
  { permission: 'retention:manage', href: paths.admin.retention.index, key: 'retention' },
];

export async function adminRoutes(app: FastifyInstance) {
  app.get(paths.admin.index.pattern, { config: { access: 'signed-in' } }, async (request, reply) => {
    const role = request.user!.role;
    const available = areas.filter((area) => hasPermission(role, area.permission));
    if (available.length === 0) throw new Forbidden();
    return reply.render('admin/views/index.njk', {
      pageTitle: request.t('admin.title'),
      areas: available.map((area) => ({ href: area.href(), title: request.t(`admin.${area.key}`), description: request.t(`admin.descriptions.${area.key}`) })),
    });
  });
}
