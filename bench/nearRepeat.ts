import os from 'node:os';
import path from 'node:path';
import { mulberry32, type NearRepeatEvent } from '../server/modules/analytics/nearRepeat/knox.ts';
import { analyseNearRepeat } from '../server/modules/analytics/nearRepeat/nearRepeatAnalysis.ts';
import { readNearRepeatCsv } from '../server/modules/analytics/nearRepeat/nearRepeatCsv.ts';
import { round, valueOf } from './benchSupport.ts';

const CINCINNATI = path.resolve(import.meta.dirname, '../../shared/data/near-repeat/cincinnati_burglary_dated.csv');
const METRES_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;

/**
 * `npm run bench -- near-repeat [--events N] [--iterations N] [--workers N] [--file CSV] [--javascript]`: the Knox
 * test on Cincinnati's real burglaries (2016–2018) scaled up to N events. Each synthetic event is a
 * real one moved by up to 250 m in a random direction and up to 15 days either way, so the city's
 * extent and hotspots stay as they were while the density grows N ÷ 8,297 times.
 */
export async function runNearRepeatBenchmark(args: string[]): Promise<unknown> {
  const eventCount = Number(valueOf(args, '--events') ?? 100_000);
  const iterations = Number(valueOf(args, '--iterations') ?? 999);
  const workers = Number(valueOf(args, '--workers') ?? os.availableParallelism());
  const file = valueOf(args, '--file') ?? CINCINNATI;
  const { events: real } = await readNearRepeatCsv([file], 'Burglary');
  const events = scaledUp(real, eventCount);
  const parameters = { distanceBands: [100, 200, 300, 400, 500], timeBands: [7, 14, 21, 28, 35], iterations, seed: 1 };

  let timings: { closePairsSeconds: number; permutationsSeconds: number; kernel: string } = { closePairsSeconds: 0, permutationsSeconds: 0, kernel: '' };
  const started = performance.now();
  const javascriptOnly = args.includes('--javascript');
  const result = await analyseNearRepeat(events, parameters, { workers, eventLabel: 'burglaries', javascriptOnly, onTimings: (measured) => (timings = measured) });
  const seconds = (performance.now() - started) / 1000;
  return {
    benchmark: 'near-repeat',
    data: `${path.basename(file)}: ${real.length} real events scaled up to ${events.length} (±250 m, ±15 days jitter)`,
    events: result.eventCount,
    distanceBands: parameters.distanceBands,
    timeBands: parameters.timeBands,
    iterations,
    workers,
    closePairs: result.closePairCount,
    seconds: round(seconds),
    closePairsSeconds: round(timings.closePairsSeconds),
    permutationsSeconds: round(timings.permutationsSeconds),
    kernel: timings.kernel,
    nanosecondsPerPairPerPermutation: round((timings.permutationsSeconds * 1e9 * workers) / (result.closePairCount * iterations)),
    summary: result.summary,
    machine: {
      cpus: os.cpus().length,
      availableParallelism: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverage1MinAtEnd: round(os.loadavg()[0]!),
    },
  };
}

function scaledUp(real: readonly NearRepeatEvent[], count: number): NearRepeatEvent[] {
  const random = mulberry32(2024);
  return Array.from({ length: count }, (_, index) => {
    const event = real[index % real.length]!;
    if (index < real.length) return event;
    const metres = 250 * Math.sqrt(random());
    const angle = 2 * Math.PI * random();
    const north = (metres * Math.sin(angle)) / METRES_PER_DEGREE;
    const east = (metres * Math.cos(angle)) / (METRES_PER_DEGREE * Math.cos((event.latitude * Math.PI) / 180));
    return { latitude: event.latitude + north, longitude: event.longitude + east, day: event.day + Math.round((random() - 0.5) * 30) };
  });
}
