/** Incidents per LSOA code (or any area code); incidents without one are counted apart. */
export function countsByAreaCode(incidents: ReadonlyArray<{ lsoaCode: string | null | undefined }>): { counts: Map<string, number>; withoutCode: number } {
  const counts = new Map<string, number>();
  let withoutCode = 0;
  for (const { lsoaCode } of incidents) {
    const code = lsoaCode?.trim();
    if (!code) {
      withoutCode += 1;
      continue;
    }
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return { counts, withoutCode };
}
