import { z } from 'zod';
import { startOfLondonDay } from '../../shared/time.ts';
import { dayAfter } from '../../shared/dates.ts';

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined);

/** The incident list's filters, from the query string; anything unreadable is simply not applied. */
export const incidentListQuerySchema = z.object({
  category: z.string().regex(/^[a-z][a-z0-9_]{1,59}$/).optional().catch(undefined),
  channel: z.enum(['upload', 'api', 'police_uk', 'command']).optional().catch(undefined),
  importId: z.uuid().optional().catch(undefined),
  from: isoDay,
  to: isoDay,
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

export type IncidentListQuery = z.output<typeof incidentListQuerySchema>;

export function filtersFrom(query: IncidentListQuery) {
  return {
    category: query.category,
    channel: query.channel,
    importId: query.importId,
    from: query.from ? startOfLondonDay(query.from) : undefined,
    to: query.to ? startOfLondonDay(dayAfter(query.to)) : undefined,
  };
}

export const pageQuerySchema = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1) });

export const templateFormSchema = z.object({ templateId: z.string().min(1, 'incidents.mapping.chooseTemplate') });

export const mappingExtrasSchema = z.object({
  policeUk: z.literal('yes').optional(),
  templateName: z.string().trim().max(100, 'incidents.mapping.templateNameTooLong').optional(),
});
