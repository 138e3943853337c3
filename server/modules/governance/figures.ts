import { intlLocales, type Locale, type Translate } from '../../shared/i18n/index.ts';
import type { MeasureUnit } from './measureRules.ts';
import { type Quarter, quarterParts } from './quarters.ts';

/** A measure's figure as people read it: "72.5%", "1,204", "3.4 per 1,000", "12 days". */
export function formatFigure(value: number | null | undefined, unit: MeasureUnit, locale: Locale, t: Translate): string {
  if (value === null || value === undefined) return '';
  const number = new Intl.NumberFormat(intlLocales[locale], { maximumFractionDigits: unit === 'rate_per_1000' ? 2 : 1 }).format(value);
  return t(`governance.units.value_${unit}`, { value: number });
}

export function formatQuarter(quarter: Quarter, t: Translate): string {
  const { year, number } = quarterParts(quarter);
  return t(`governance.quarters.q${number}`, { year });
}

/** What templates use to show figures in the request's language. */
export function figureHelpers(locale: Locale, t: Translate) {
  return {
    figure: (value: number | null, unit: MeasureUnit) => formatFigure(value, unit, locale, t),
    quarterName: (quarter: Quarter) => formatQuarter(quarter, t),
    number: (value: number) => new Intl.NumberFormat(intlLocales[locale]).format(value),
  };
}
