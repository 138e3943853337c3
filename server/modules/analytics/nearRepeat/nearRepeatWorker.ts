import { parentPort, workerData } from 'node:worker_threads';
import { type PermutationWork, runPermutations } from './knox.ts';

/** One worker thread's share of the permutations; the typed arrays arrive on shared memory. */
parentPort!.postMessage(runPermutations(workerData as PermutationWork));
