import { runAnalyticsBenchmark } from './analytics.ts';
import { runCasesBenchmark } from './cases.ts';
import { runHttpBenchmark } from './http.ts';
import { runIngestBenchmark } from './ingest.ts';
import { runLinkageBenchmark } from './linkage.ts';
import { runLoadBenchmark } from './load.ts';
import { runNearRepeatBenchmark } from './nearRepeat.ts';
import { runReferralsBenchmark } from './referrals.ts';
import { runSignalsBenchmark } from './signals.ts';

/** `npm run bench -- <name> [options]`: runs one benchmark and prints its figures as JSON. */
const benchmarks: Record<string, (args: string[]) => Promise<unknown>> = {
  http: runHttpBenchmark,
  referrals: runReferralsBenchmark,
  cases: runCasesBenchmark,
  'near-repeat': runNearRepeatBenchmark,
  ingest: runIngestBenchmark,
  signals: runSignalsBenchmark,
  analytics: runAnalyticsBenchmark,
  linkage: runLinkageBenchmark,
  load: runLoadBenchmark,
};

const [name, ...args] = process.argv.slice(2);
const benchmark = name ? benchmarks[name] : undefined;
if (!benchmark) {
  console.error(`Usage: npm run bench -- <${Object.keys(benchmarks).join('|')}> [options]`);
  process.exit(2);
}
const result = await benchmark(args);
console.log(JSON.stringify(result, null, 2));
