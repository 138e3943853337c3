import os from 'node:os';
import path from 'node:path';
import { linkageThresholds } from '../server/modules/linkage/engine/linkageConfig.ts';
import { linkRecords, type LinkRun } from '../server/modules/linkage/engine/linker.ts';
import type { PersonRecord } from '../server/modules/linkage/engine/fields.ts';
import { febrlEntity, linkageQuality } from '../server/modules/linkage/febrlTruth.ts';
import { readPersonCsv } from '../server/modules/linkage/linkageCsv.ts';
import { syntheticLinkageData } from '../server/modules/linkage/synthetic.ts';
import { round, valueOf } from './benchSupport.ts';

const FEBRL = path.resolve(import.meta.dirname, '../../shared/data/febrl');
const FEBRL_SETS: { name: string; left: string; right?: string }[] = [
  { name: 'FEBRL dataset1 (deduplicate 1,000)', left: 'dataset1.csv' },
  { name: 'FEBRL dataset2 (deduplicate 5,000)', left: 'dataset2.csv' },
  { name: 'FEBRL dataset4a × dataset4b (link 5,000 × 5,000)', left: 'dataset4a.csv', right: 'dataset4b.csv' },
];

/**
 * `npm run bench -- linkage [--size N] [--workers N] [--skip-synthetic]`: the Fellegi–Sunter
 * engine on the FEBRL sets (truth from rec_id numbers) and on N synthetic people × N incoming
 * records, all at the one auto-link threshold. No database: the engine works on files.
 */
export async function runLinkageBenchmark(args: string[]): Promise<unknown> {
  const size = Number(valueOf(args, '--size') ?? 1_000_000);
  const workers = Number(valueOf(args, '--workers') ?? os.availableParallelism());
  const febrl = [];
  for (const set of FEBRL_SETS) febrl.push(await febrlFigures(set, workers));
  const synthetic = args.includes('--skip-synthetic') ? null : await syntheticFigures(size, workers);
  return {
    benchmark: 'linkage',
    threshold: { matchProbabilityAtLeast: linkageThresholds.autoLinkProbability },
    febrl,
    synthetic,
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
    machine: { cpus: os.cpus().length, availableParallelism: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage1MinAtEnd: round(os.loadavg()[0]!) },
  };
}

async function febrlFigures(set: (typeof FEBRL_SETS)[number], workers: number) {
  const started = performance.now();
  const left = (await readPersonCsv(path.join(FEBRL, set.left), { idColumn: 'rec_id' })).records;
  const right = set.right ? (await readPersonCsv(path.join(FEBRL, set.right), { idColumn: 'rec_id' })).records : undefined;
  const read = performance.now();
  const run = await linkRecords(left, right, { workers });
  const seconds = (performance.now() - started) / 1000;
  const quality = linkageQuality(linkedIds(run, left, right), left, right, febrlEntity);
  return {
    data: set.name,
    records: right ? [left.length, right.length] : [left.length],
    ...roundedQuality(quality),
    pairsCompared: run.scored.count,
    secondsIncludingCsv: round(seconds),
    secondsLinking: round((performance.now() - read) / 1000),
    stageSeconds: roundedStages(run),
    emIterations: run.model.emIterations,
  };
}

async function syntheticFigures(size: number, workers: number) {
  const generating = performance.now();
  const { people, incoming, truth } = syntheticLinkageData(size);
  const generatedSeconds = (performance.now() - generating) / 1000;
  const started = performance.now();
  const run = await linkRecords(people, incoming, { workers });
  const seconds = (performance.now() - started) / 1000;
  let linked = 0;
  let correct = 0;
  const threshold = weightAt(linkageThresholds.autoLinkProbability);
  for (let index = 0; index < run.scored.count; index += 1) {
    if (run.scored.matchWeight[index]! < threshold) continue;
    linked += 1;
    const person = run.scored.a[index]!;
    const record = run.scored.b[index]! - people.length;
    if (truth[record] === person) correct += 1;
  }
  const truePairs = truth.reduce((sum, person) => sum + (person >= 0 ? 1 : 0), 0);
  const precision = linked === 0 ? 0 : correct / linked;
  const recall = correct / truePairs;
  return {
    data: `${size.toLocaleString('en-GB')} synthetic people × ${size.toLocaleString('en-GB')} incoming records (${truePairs.toLocaleString('en-GB')} of them known people, 0–3 FEBRL-style corruptions each)`,
    truePairs,
    linkedPairs: linked,
    precision: round4(precision),
    recall: round4(recall),
    f1: round4(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)),
    pairsCompared: run.scored.count,
    oversizedBlocksSkipped: run.blocking.filter((rule) => rule.oversizedBlocks > 0),
    generateSeconds: round(generatedSeconds),
    secondsLinking: round(seconds),
    stageSeconds: roundedStages(run),
    workers,
    emIterations: run.model.emIterations,
  };
}

function weightAt(probability: number): number {
  return Math.log2(probability / (1 - probability));
}

function* linkedIds(run: LinkRun, left: readonly PersonRecord[], right: readonly PersonRecord[] | undefined): Generator<[string, string]> {
  const idOf = (index: number) => (index < left.length ? left[index]!.id : right![index - left.length]!.id);
  const threshold = weightAt(linkageThresholds.autoLinkProbability);
  for (let index = 0; index < run.scored.count; index += 1) {
    if (run.scored.matchWeight[index]! >= threshold) yield [idOf(run.scored.a[index]!), idOf(run.scored.b[index]!)];
  }
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

function roundedQuality(quality: ReturnType<typeof linkageQuality>) {
  return { truePairs: quality.truePairs, linkedPairs: quality.linkedPairs, precision: round4(quality.precision), recall: round4(quality.recall), f1: round4(quality.f1) };
}

function roundedStages(run: LinkRun) {
  return Object.fromEntries(Object.entries(run.seconds).map(([stage, seconds]) => [stage, round(seconds)]));
}
