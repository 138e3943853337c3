import { barChart } from '../../shared/charts/index.ts';
import { intlLocales, type Locale, type Translate } from '../../shared/i18n/index.ts';
import { formatDate } from '../../shared/time.ts';
import type { ChangeEstimate, Displacement } from './assessment.ts';
import type { ProblemsService } from './problemsService.ts';
import { problemStages } from './problemWorkflow.ts';

type ProblemDetails = Awaited<ReturnType<ProblemsService['problem']>>;
type Category = { code: string; name: string; name_translated: boolean };

/** A category's name: the catalogue's for a built-in one, the partnership's own otherwise. */
export function categoryName(category: Category, t: Translate): string {
  if (!category.name_translated) return category.name;
  const key = `incidents.categories.${category.code}`;
  const translated = t(key);
  return translated === key ? category.name : translated;
}

export function categoryItems(categories: Category[], chosen: string[], t: Translate) {
  return categories.map((category) => ({ value: category.code, text: categoryName(category, t), checked: chosen.includes(category.code) }));
}

/** What the problem's page and report show, with the assessment figures put into words. */
export function problemView(details: ProblemDetails, t: Translate, locale: Locale) {
  const number = (value: number, digits = 0) => new Intl.NumberFormat(intlLocales[locale], { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
  const percent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${number((ratio - 1) * 100, 1)}%`;
  const names = new Map(details.categories.map((category) => [category.code, categoryName(category, t)]));
  const stageIndex = problemStages.indexOf(details.problem.stage);
  return {
    ...details,
    categoryNames: details.problem.category_codes.map((code) => names.get(code) ?? code),
    stageSteps: problemStages.filter((stage) => stage !== 'closed').map((stage, index) => ({
      stage,
      text: t(`problems.stages.${stage}`),
      state: details.problem.stage === 'closed' || index < stageIndex ? 'done' : index === stageIndex ? 'current' : 'todo',
    })),
    assessmentViews: details.assessments.map((assessment, index) => ({
      ...assessment,
      period: {
        before: t('problems.assessment.periodRange', { from: formatDate(assessment.before_start, locale), to: formatDate(assessment.before_end, locale) }),
        after: t('problems.assessment.periodRange', { from: formatDate(assessment.after_start, locale), to: formatDate(assessment.after_end, locale) }),
      },
      changeText: changeText(assessment.change, t, percent, number),
      displacementText: displacementText(assessment.displacement, t, number),
      netEffectText: assessment.netEffect === undefined ? t('problems.assessment.netEffectNone') : t('problems.assessment.netEffect', { count: number(assessment.netEffect, 1) }),
      chart: barChart(
        [
          { label: t('problems.assessment.targetBefore'), value: assessment.target_before },
          { label: t('problems.assessment.targetAfter'), value: assessment.target_after },
          { label: t('problems.assessment.bufferBefore'), value: assessment.buffer_before },
          { label: t('problems.assessment.bufferAfter'), value: assessment.buffer_after },
          { label: t('problems.assessment.comparisonBefore'), value: assessment.comparison_before },
          { label: t('problems.assessment.comparisonAfter'), value: assessment.comparison_after },
        ],
        {
          id: `assessment-${index + 1}`,
          seriesName: t('problems.assessment.incidents'),
          text: {
            title: t('problems.assessment.chartTitle'),
            description: t('problems.assessment.chartDescription'),
            labelHeading: t('problems.assessment.area'),
            tableToggle: t('problems.assessment.tableToggle'),
            csvLink: t('problems.assessment.csvLink'),
          },
        },
      ),
    })),
  };
}

function changeText(change: ChangeEstimate, t: Translate, percent: (ratio: number) => string, number: (value: number, digits?: number) => string): string {
  if (change.kind === 'noEstimate') return t(`problems.assessment.noEstimate.${change.reason}`);
  return t(`problems.assessment.change.${change.verdict}`, {
    change: percent(change.ratio),
    lower: percent(change.lower),
    upper: percent(change.upper),
    expected: number(change.expectedTargetAfter, 1),
  });
}

function displacementText(displacement: Displacement, t: Translate, number: (value: number, digits?: number) => string): string {
  if (displacement.kind === 'noWdq') return t(`problems.assessment.noWdq.${displacement.reason}`);
  return t(`problems.assessment.wdq.${displacement.verdict}`, { wdq: number(displacement.wdq, 2) });
}
