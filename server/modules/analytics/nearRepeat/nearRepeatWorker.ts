import { parentPort, workerData } from 'node:worker_threads';
import { type PermutationWork, runPermutations } from './knox.ts';
import { type KernelPermutationWork, runKernelPermutations } from './knoxKernel.ts';

/** One worker thread's share of the permutations; the close pairs arrive on shared memory. */
const work = workerData as { kernel: KernelPermutationWork } | { plain: PermutationWork };
parentPort!.postMessage('kernel' in work ? runKernelPermutations(work.kernel) : runPermutations(work.plain));
