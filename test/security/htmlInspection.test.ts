import { describe, expect, it } from 'vitest';
import { injectedMarkup, leakedInternals, MARKER, postForms } from './htmlInspection.ts';

/** The fuzzer's detectors must be able to fail: each is shown a page with the problem it looks for. */
describe('security suite HTML inspection', () => {
  it('finds injected elements, handler attributes, javascript: URLs and marked scripts, as a browser would parse them', () => {
    expect(injectedMarkup(`<p>Hello <oneroof-injected>x</oneroof-injected></p>`).map((finding) => finding.kind)).toEqual(['element']);
    expect(injectedMarkup(`<input value=""><svg onload=${MARKER}()>">`).map((finding) => finding.kind)).toEqual(['attribute']);
    expect(injectedMarkup(`<a href=" javascript:${MARKER}()">x</a>`).map((finding) => finding.kind)).toEqual(['url']);
    expect(injectedMarkup(`<title></title><script>${MARKER}()</script></title>`).map((finding) => finding.kind)).toEqual(['script']);
    // Inside a textarea the browser keeps markup as text; escaped text is text.
    expect(injectedMarkup(`<textarea><script>${MARKER}()</script></textarea>`)).toEqual([]);
    expect(injectedMarkup(`<p>&lt;script&gt;${MARKER}()&lt;/script&gt; &quot;&gt;&lt;svg onload=x&gt;</p>`)).toEqual([]);
  });

  it('recognises database errors and stack traces, not ordinary words', () => {
    expect(leakedInternals('error: syntax error at or near "DROP"')).toHaveLength(1);
    expect(leakedInternals('insert or update on table "cases" violates foreign key constraint "x"')).toHaveLength(1);
    expect(leakedInternals('    at CasesService.create (/work/main/server/modules/cases/casesService.ts:12:5)')).toHaveLength(1);
    expect(leakedInternals('<p>The relationship between the two agencies violates nothing.</p>')).toEqual([]);
  });

  it('reads the POST forms on a page with their fields and offered values', () => {
    const forms = postForms(`<form method="get" action="/search"><input name="q"></form>
      <form method="post" action="/cases/new"><input type="hidden" name="_csrf" value="t"><input name="summary" value="s">
      <select name="type"><option value="a">A</option><option value="b">B</option></select><textarea name="notes">n</textarea>
      <input type="radio" name="urgency" value="routine"><input type="radio" name="urgency" value="urgent"></form>`);
    expect(forms).toHaveLength(1);
    expect(forms[0]!.action).toBe('/cases/new');
    expect(forms[0]!.fields.map((field) => [field.name, field.options])).toEqual([
      ['_csrf', ['t']],
      ['summary', ['s']],
      ['type', ['a', 'b']],
      ['notes', ['n']],
      ['urgency', ['routine', 'urgent']],
    ]);
  });
});
