import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkPoint, checkResolution, type GeoPoint, hexagonCounts, hexagonCountsOfPacked } from './hexagonCounts.ts';

/** Fewer points than this per thread are not worth a worker's start-up (about 0.1 s). */
export const POINTS_PER_WORKER = 100_000;

/**
 * hexagonCounts spread over worker threads: h3-js costs about 2 µs a point, so 1,000,000 points
 * take over 2 s on one core. The calling thread counts one share itself while the workers count
 * the others; the result is the same Map as hexagonCounts gives.
 */
export async function hexagonCountsParallel(
  points: ReadonlyArray<GeoPoint>,
  options: { h3Resolution: number; /** Default: one per core, while each gets POINTS_PER_WORKER points. */ threads?: number },
): Promise<Map<string, number>> {
  checkResolution(options.h3Resolution);
  const wanted = options.threads ?? Math.min(os.availableParallelism(), Math.floor(points.length / POINTS_PER_WORKER));
  const threads = Math.max(1, Math.min(wanted, points.length));
  if (threads === 1) return hexagonCounts(points, options);

  const shares = Array.from({ length: threads }, (_, share) => {
    const from = Math.floor((points.length * share) / threads);
    const to = Math.floor((points.length * (share + 1)) / threads);
    const coordinates = new Float64Array((to - from) * 2);
    for (let index = from; index < to; index += 1) {
      const { latitude, longitude } = points[index]!;
      checkPoint(latitude, longitude);
      coordinates[(index - from) * 2] = latitude;
      coordinates[(index - from) * 2 + 1] = longitude;
    }
    return coordinates;
  });
  const [own, ...others] = shares;
  const fromWorkers = others.map((coordinates) => inWorker(coordinates, options.h3Resolution));
  const counted = [hexagonCountsOfPacked(own!, options.h3Resolution), ...(await Promise.all(fromWorkers))];
  const counts = counted[0]!;
  for (const share of counted.slice(1)) {
    for (const [cell, count] of share) counts.set(cell, (counts.get(cell) ?? 0) + count);
  }
  return counts;
}

function inWorker(coordinates: Float64Array, h3Resolution: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./hexagonCountsWorker.ts', import.meta.url), { workerData: { coordinates, h3Resolution }, transferList: [coordinates.buffer as ArrayBuffer] });
    worker.once('message', (counts: Map<string, number>) => resolve(counts));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`A hexagon-counting worker stopped with exit code ${code}`));
    });
  });
}
