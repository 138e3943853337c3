import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Services } from '../../services.ts';
import { systemActor } from '../../shared/actor.ts';

const POLICE_UK_SAMPLE = path.resolve(import.meta.dirname, 'data/northumbria_asb_2022_street_sample.csv');
const POLICE_UK_ROWS = 300;

// A council's ASB system and a mental-health trust's missed-contact log, each in its own layout.
const COUNCIL_CSV = `Log No,Date/Time,Type,Summary,Address,Postcode,Person 1 Role,Person 1 Forename,Person 1 Surname,Person 1 DOB,Person 2 Role,Person 2 Forename,Person 2 Surname
CC-2026-0101,03/02/2026 22:15,noise,Loud music after midnight,14 Elm Court,NE6 1AA,complainant,Joan,Partridge,03/02/1948,alleged perpetrator,Kyle,Dunn
CC-2026-0102,09/02/2026 23:40,noise,Shouting and banging,14 Elm Court,NE6 1AA,complainant,Joan,Partridge,03/02/1948,,,
CC-2026-0117,16/02/2026 19:05,neighbour_dispute,Argument over parking turned to threats,16 Elm Court,NE6 1AA,victim,Sam,Hale,,alleged perpetrator,Kyle,Dunn
CC-2026-0140,02/03/2026,drug_activity,Visitors at all hours; needles found on the stairs,14 Elm Court,NE6 1AA,person at risk,Joan,Partridge,03/02/1948,,,
CC-2026-0151,10/03/2026 14:30,housing_visit_concern,Repair visit found several unknown adults in the flat,14 Elm Court,NE6 1AA,person at risk,Joan,Partridge,03/02/1948,,,
`;
const NHS_CSV = `Reference,Date,Category,Summary,Person 1 Role,Person 1 Forename,Person 1 Surname,Person 1 DOB,Person 1 Identifier Kind,Person 1 Identifier,Person 1 Postcode
MH-88231,2026-02-12T10:00:00Z,missed_appointment,Did not attend community mental health appointment,subject,Joan,Partridge,1948-02-03,nhs_number,9434765919,NE6 1AA
MH-88307,2026-02-26T10:00:00Z,missed_appointment,Did not attend; phone not answered,subject,Joan,Partridge,1948-02-03,nhs_number,9434765919,NE6 1AA
MH-88412,2026-03-08T09:30:00Z,no_access_visit,Home visit: no answer at the door,subject,Joan,Partridge,1948-02-03,nhs_number,9434765919,NE6 1AA
`;

/**
 * Demo incidents imported through the import service, as a user would: the first 300 rows of
 * Northumbria's 2022 police.uk ASB file, and a few council and NHS incidents naming people,
 * which entity resolution will later link. Small, so `npm start` stays quick.
 */
export async function seedDemoIncidents(services: Services, agencyIds: Map<string, string>): Promise<void> {
  const actor = systemActor('seed');
  const importsFor = (key: string) => ({ organisationId: agencyIds.get(key)!, userId: null });
  const policeRows = await firstLines(POLICE_UK_SAMPLE, POLICE_UK_ROWS + 1);
  await services.incidentImports.importFile(importsFor('police'), Readable.from([policeRows]), 'northumbria_asb_2022_street.csv', { channel: 'police_uk' }, actor);
  await services.incidentImports.importFile(importsFor('city'), Readable.from([COUNCIL_CSV]), 'council-asb-export.csv', { channel: 'upload' }, actor);
  await services.incidentImports.importFile(importsFor('nhs'), Readable.from([NHS_CSV]), 'cmht-missed-contacts.csv', { channel: 'upload' }, actor);
}

async function firstLines(file: string, count: number): Promise<string> {
  const lines: string[] = [];
  const reader = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of reader) {
    lines.push(line);
    if (lines.length >= count) break;
  }
  reader.close();
  return `${lines.join('\n')}\n`;
}
