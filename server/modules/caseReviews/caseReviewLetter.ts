/** The placeholders an outcome letter template may use, e.g. `((reference))`. */
export const letterPlaceholders = ['applicantName', 'reference', 'receivedDate', 'decision', 'outcome', 'recommendations', 'partnershipName', 'letterDate'] as const;
export type LetterValues = Record<(typeof letterPlaceholders)[number], string>;

/**
 * Fills a partnership's outcome letter template. Templates are plain text with ((placeholders)),
 * never a template language: an administrator's text cannot run code or reach other data, and
 * the page escapes the result like any other text. Unknown placeholders are left as typed so the
 * mistake shows on the preview.
 */
export function renderLetter(template: string, values: LetterValues): string {
  return template.replace(/\(\(([A-Za-z]+)\)\)/g, (whole, name: string) => ((letterPlaceholders as readonly string[]).includes(name) ? values[name as keyof LetterValues] : whole));
}

/** Paragraphs (split on blank lines) for the printable page. */
export function letterParagraphs(letter: string): string[] {
  return letter
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
}
