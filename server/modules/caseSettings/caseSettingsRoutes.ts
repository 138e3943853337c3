import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import type { FieldErrors } from '../../shared/errors.ts';
import { asArray, formErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { caseSettingsSchema, caseWorkingRoles, clearableSensitivities, riskLevels } from './caseSettingsSchemas.ts';
import type { CaseSettings } from './caseSettingsService.ts';

const FIELD_ORDER = ['sensitive', 'health_restricted', 'highDays', 'mediumDays', 'standardDays'];

/** The partnership's settings for case work: note clearances by role, and review intervals. */
export async function caseSettingsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const access = { config: { access: 'case_settings:manage' as const } };

  const render = (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) =>
    reply.render('caseSettings/views/form.njk', {
      pageTitle: request.t('caseSettings.title'),
      values,
      clearanceGroups: clearableSensitivities.map((sensitivity) => ({
        sensitivity,
        items: caseWorkingRoles.map((role) => ({ value: role, text: request.t(`roles.${role}`), checked: asArray(values[sensitivity]).includes(role) })),
      })),
      riskLevels,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, FIELD_ORDER) : undefined,
    });

  app.get(paths.admin.caseSettings.pattern, access, async (request, reply) => render(request, reply, formValuesOf(await services.caseSettings.current())));

  app.post(paths.admin.caseSettings.pattern, access, async (request, reply) => {
    const form = parseForm(caseSettingsSchema, request.body);
    if (!form.ok) return render(request, reply.status(400), form.values, form.fieldErrors);
    await services.caseSettings.save(form.data, request.actor);
    request.session.flash = { kind: 'success', text: request.t('caseSettings.saved') };
    return reply.redirect(paths.admin.caseSettings());
  });
}

function formValuesOf(settings: CaseSettings): FormValues {
  const rolesCleared = (sensitivity: string) => settings.clearances.filter((clearance) => clearance.sensitivity === sensitivity).map((clearance) => clearance.role);
  return {
    sensitive: rolesCleared('sensitive'),
    health_restricted: rolesCleared('health_restricted'),
    ...Object.fromEntries(riskLevels.map((level) => [`${level}Days`, String(settings.reviewIntervals[level] ?? '')])),
  };
}
