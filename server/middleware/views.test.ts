import { describe, expect, it } from 'vitest';
import { createViewEnvironment, precompileViews } from './views.ts';

describe('precompiling the views at start-up', () => {
  it("compiles every OneRoof template and the GOV.UK and MoJ components, so the first pages render from the cache", () => {
    const environment = createViewEnvironment();
    const compiled = precompileViews(environment);
    expect(compiled).toBeGreaterThan(300);
    // A compiled template is served from the loader's cache: the same object comes back.
    const layout = environment.getTemplate('govuk/components/button/macro.njk');
    expect(environment.getTemplate('govuk/components/button/macro.njk')).toBe(layout);
    const loader = (environment as unknown as { loaders: { cache: Record<string, unknown> }[] }).loaders[0]!;
    expect(Object.keys(loader.cache)).toEqual(expect.arrayContaining(['govuk/components/button/macro.njk', 'moj/components/badge/macro.njk', 'cases/views/show.njk']));
  });
});
