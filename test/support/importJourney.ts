import { expect } from 'vitest';
import type { HttpAgent } from './serverProcess.ts';

export interface ImportStatus {
  status: string;
  rows: number;
}

/** Upload a CSV through the pages, accept the guessed columns, check the file and wait for the report. */
export async function uploadAndCheck(agent: HttpAgent, content: string, fileName = 'drill.csv'): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([content]), fileName);
  const uploaded = await agent.postMultipart('/incidents/imports/new', form);
  expect(uploaded.status, uploaded.body).toBe(302);
  const importId = uploaded.location!.split('/')[3]!;
  const mapping = await agent.get(`/incidents/imports/${importId}/mapping`);
  const columns = Object.fromEntries(
    [...mapping.body.matchAll(/<select class="govuk-select[^"]*" id="(column-[^"]+)" name="[^"]+"[^>]*>([\s\S]*?)<\/select>/g)].map((match) => [
      match[1]!,
      /<option value="([^"]*)" selected>/.exec(match[2]!)?.[1] ?? '',
    ]),
  );
  expect((await agent.post(`/incidents/imports/${importId}/mapping`, columns)).status).toBe(302);
  expect((await agent.post(`/incidents/imports/${importId}/validate`)).status).toBe(302);
  await waitForImportStatus(agent, importId, (status) => status.status === 'validated');
  return importId;
}

/** Polls the import's status endpoint until `done`; a failed import or the timeout throws with the last answer. */
export async function waitForImportStatus(agent: HttpAgent, importId: string, done: (status: ImportStatus) => boolean, timeoutMs = 60_000): Promise<ImportStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await agent.get(`/incidents/imports/${importId}/status.json`);
    const status = JSON.parse(response.body) as ImportStatus;
    if (done(status)) return status;
    if (status.status === 'failed' || Date.now() > deadline) throw new Error(`import ${importId}: ${response.body}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
