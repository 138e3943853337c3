import { escapeHtml } from '../../shared/charts/escapeHtml.ts';
import type { Translate } from '../../shared/i18n/index.ts';

export interface WaterfallStep {
  label: string;
  weight: number;
  /** Running total after this step. */
  total: number;
  kind: 'prior' | 'field' | 'total';
}

interface Explanation {
  priorWeight: number;
  fields: { comparison: string; level: string; weight: number }[];
}

/** The pair's weight built up step by step: the prior, each comparison, the total. */
export function waterfallSteps(explanation: Explanation, t: Translate): WaterfallStep[] {
  const steps: WaterfallStep[] = [{ label: t('linkage.waterfall.prior'), weight: explanation.priorWeight, total: explanation.priorWeight, kind: 'prior' }];
  let total = explanation.priorWeight;
  for (const field of explanation.fields) {
    total += field.weight;
    steps.push({ label: t(`linkage.comparisons.${field.comparison}`), weight: field.weight, total, kind: 'field' });
  }
  steps.push({ label: t('linkage.waterfall.total'), weight: total, total, kind: 'total' });
  return steps;
}

const WIDTH = 640;
const LABEL_WIDTH = 170;
const ROW = 30;
const BAR = 18;
const COLOURS = { up: '#00703c', down: '#d4351c', total: '#1d70b8' } as const;

/**
 * The waterfall as an SVG (attributes only, so the strict CSP needs no inline styles). It is
 * hidden from screen readers: the table next to it carries every number as text.
 */
export function waterfallSvg(steps: WaterfallStep[]): string {
  const starts = steps.map((step, index) => (step.kind === 'total' ? 0 : index === 0 ? 0 : steps[index - 1]!.total));
  const values = [0, ...steps.map((step) => step.total), ...starts];
  const low = Math.min(...values);
  const high = Math.max(...values);
  const span = Math.max(high - low, 1);
  const plot = WIDTH - LABEL_WIDTH - 60;
  const x = (value: number) => LABEL_WIDTH + ((value - low) / span) * plot;
  const height = steps.length * ROW + 10;
  const rows = steps
    .map((step, index) => {
      const from = starts[index]!;
      const to = step.kind === 'total' ? step.total : from + step.weight;
      const left = Math.min(x(from), x(to));
      const width = Math.max(Math.abs(x(to) - x(from)), 1);
      const colour = step.kind === 'total' ? COLOURS.total : step.weight >= 0 ? COLOURS.up : COLOURS.down;
      const y = index * ROW + 6;
      const sign = step.weight > 0 ? '+' : '';
      return `<text x="${LABEL_WIDTH - 8}" y="${y + BAR - 4}" text-anchor="end" font-size="14" fill="#0b0c0c">${escapeHtml(step.label)}</text>`
        + `<rect x="${left.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${colour}"/>`
        + `<text x="${(Math.max(x(from), x(to)) + 4).toFixed(1)}" y="${y + BAR - 4}" font-size="13" fill="#0b0c0c">${sign}${step.weight.toFixed(1)}</text>`;
    })
    .join('');
  const zero = x(0).toFixed(1);
  return `<svg class="oneroof-waterfall" xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 ${WIDTH} ${height}" aria-hidden="true" focusable="false">`
    + `<line x1="${zero}" y1="0" x2="${zero}" y2="${height}" stroke="#505a5f" stroke-dasharray="4 3"/>${rows}</svg>`;
}

/** A source record's fields for the side-by-side table. */
export interface ShownRecord {
  givenName: string | null;
  familyName: string | null;
  dateOfBirth: string | null;
  address: string | null;
  postcode: string | null;
  phone: string | null;
  identifier: string | null;
}

export function shownIdentifier(kind: string | null, identifier: string | null, t: Translate): string | null {
  return kind && identifier ? `${t(`linkage.identifierKinds.${kind}`)} ${identifier}` : null;
}

export function percent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}

/** A comparison level ("Jaro–Winkler ≥ 0.88") as a catalogue key ("jaro_winkler_0_88"). */
export function levelKey(level: string): string {
  return level.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}
