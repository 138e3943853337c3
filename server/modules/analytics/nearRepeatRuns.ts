import type { AnalyticsRepository } from './analyticsRepository.ts';
import type { AnalyticsFilter, NearRepeatForm } from './analyticsSchemas.ts';
import { analyseNearRepeat, type NearRepeatResult } from './nearRepeat/nearRepeatAnalysis.ts';
import { SIGNIFICANCE_LEVEL } from './nearRepeat/nearRepeatSummary.ts';
import type { SavedAnalysesRepository } from './savedAnalysesRepository.ts';

/** Why a near-repeat run could not start, each with its own message on the form. */
export type NearRepeatRefusal = { reason: 'monthOnly'; monthOnly: number } | { reason: 'tooFew'; events: number; monthOnly: number };

export interface NearRepeatRunParameters {
  filter: AnalyticsFilter;
  form: NearRepeatForm;
  /** The form as posted, to save the analysis with. */
  query: Record<string, string | string[]>;
  eventLabel: string;
}

export interface StoredNearRepeatResult extends NearRepeatResult {
  /** Incidents with a position but only their month known, left out of the test. */
  monthOnly: number;
  withoutPosition: number;
}

/**
 * Near-repeat runs in the background of this process (the Knox engine's worker threads do the
 * work); the run's row says how it went, so the progress page can be refreshed from anywhere.
 */
export class NearRepeatRuns {
  readonly #repository: AnalyticsRepository;
  readonly #saved: SavedAnalysesRepository;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #workers: number | undefined;

  constructor(repository: AnalyticsRepository, saved: SavedAnalysesRepository, options: { workers?: number } = {}) {
    this.#repository = repository;
    this.#saved = saved;
    this.#workers = options.workers;
  }

  async start(userId: string, parameters: NearRepeatRunParameters, savedAnalysisId: string | null = null): Promise<{ runId: string } | NearRepeatRefusal> {
    const { events, monthOnly, withoutPosition } = await this.#repository.nearRepeatEvents({ ...parameters.filter, categories: [parameters.form.category] });
    if (events.length === 0 && monthOnly > 0) return { reason: 'monthOnly', monthOnly };
    if (events.length < 2) return { reason: 'tooFew', events: events.length, monthOnly };
    const runId = await this.#saved.insertRun({ parameters, startedBy: userId, savedAnalysisId });
    const work = this.#run(runId, events, parameters, { monthOnly, withoutPosition }, savedAnalysisId);
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
    return { runId };
  }

  async #run(runId: string, events: { latitude: number; longitude: number; day: number }[], parameters: NearRepeatRunParameters, leftOut: { monthOnly: number; withoutPosition: number }, savedAnalysisId: string | null): Promise<void> {
    try {
      const { distanceBands, timeBands, iterations, seed } = parameters.form;
      const result = await analyseNearRepeat(events, { distanceBands, timeBands, iterations, seed }, { workers: this.#workers, eventLabel: parameters.eventLabel });
      const stored: StoredNearRepeatResult = { ...result, ...leftOut };
      await this.#saved.finishRun(runId, { result: stored });
      if (savedAnalysisId) await this.#saved.recordRun(savedAnalysisId, nearRepeatSummaryFigures(stored));
    } catch (error) {
      await this.#saved.finishRun(runId, { failure: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
    }
  }

  /** Resolves when every run started so far has finished (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}

/** A saved analysis's "last run" figures for a near-repeat result. */
export function nearRepeatSummaryFigures(result: NearRepeatResult): Record<string, number> {
  const significantCells = result.p.flat().filter((p, index) => p < SIGNIFICANCE_LEVEL && (result.ratio.flat()[index] ?? 0) > 1).length;
  return { incidents: result.eventCount, significantCells };
}
