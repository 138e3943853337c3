import { parentPort, workerData } from 'node:worker_threads';
import { compareBlockedPairs, type PairWork } from './candidatePairs.ts';
import { sampleLevelCounts } from './estimation.ts';

export interface WorkerTask {
  work: PairWork;
  randomPairs: number;
  seed: number;
}

export interface WorkerResult {
  compared: ReturnType<typeof compareBlockedPairs>;
  levelCounts: number[][];
}

const task = workerData as WorkerTask;
const compared = compareBlockedPairs(task.work);
const levelCounts = sampleLevelCounts(task.work.records, task.randomPairs, task.seed);
const result: WorkerResult = { compared, levelCounts };
parentPort!.postMessage(result, [compared.a.buffer as ArrayBuffer, compared.b.buffer as ArrayBuffer, compared.patterns.buffer as ArrayBuffer]);
