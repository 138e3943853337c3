import { parentPort, workerData } from 'node:worker_threads';
import { hexagonCountsOfPacked } from './hexagonCounts.ts';

/** One worker thread's share of the points, packed [latitude, longitude, …]. */
const { coordinates, h3Resolution } = workerData as { coordinates: Float64Array; h3Resolution: number };
parentPort!.postMessage(hexagonCountsOfPacked(coordinates, h3Resolution));
