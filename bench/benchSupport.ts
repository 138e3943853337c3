import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Signer } from '@fastify/cookie';
import autocannon from 'autocannon';
import type { Kysely } from 'kysely';
import type { Database } from '../server/db/schema.ts';
import { sha256Hex } from '../server/shared/crypto.ts';

/** What every benchmark reports for one measurement. */
export interface Figures {
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}

/** The next request a simulated user makes. */
export type NextRequest = () => { path: string; headers: Record<string, string> };

// The benchmark signs session cookies for the app it starts, so both use these.
const SESSION_SECRET = randomBytes(32).toString('base64url');
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** A session for `userId` stored as the app stores them, and the cookie that presents it. */
export async function signedInCookie(db: Kysely<Database>, userId: string): Promise<{ cookie: string; sessionId: string }> {
  const sessionId = randomBytes(24).toString('base64url');
  const idleMs = 60 * 60_000;
  const expires = new Date(Date.now() + idleMs);
  const data = { cookie: { originalMaxAge: idleMs, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax', secure: false }, userId, signedInAt: Date.now() };
  await db.insertInto('sessions').values({ sid_hash: sha256Hex(sessionId), user_id: userId, data: JSON.stringify(data), expires_at: expires }).execute();
  return { cookie: `oneroof=${encodeURIComponent(new Signer(SESSION_SECRET, 'sha256').sign(sessionId))}`, sessionId };
}

/**
 * Starts one app process on `databaseUrl` and resolves once it is ready: when /health answers,
 * or, with `readyWhen`, when its standard output shows that text (e.g. the demo sign-ins).
 * The app's output goes to stderr so that stdout holds only the figures (JSON).
 */
export async function startServer(databaseUrl: string, port: number, options: { env?: Record<string, string>; readyWhen?: string } = {}): Promise<ChildProcess> {
  const node = existsSync('node_modules/.bin/node') ? path.resolve('node_modules/.bin/node') : process.execPath;
  const child = spawn(node, ['server/index.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'oneroof-bench-')),
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}`,
      SESSION_SECRET,
      ENCRYPTION_KEY,
      LOG_LEVEL: 'warn',
      SEED_DEMO_DATA: 'false',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`The app did not start:\n${output}`);
    const ready = options.readyWhen
      ? output.includes(options.readyWhen)
      : await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok, () => false);
    if (ready) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Sends requests one after another until each has answered 200, so caches and plans are warm. */
export async function warmUp(base: string, next: NextRequest, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const request = next();
    const response = await fetch(`${base}${request.path}`, { headers: request.headers, redirect: 'manual' });
    if (response.status !== 200) throw new Error(`Warm-up request to ${request.path} answered ${response.status}`);
    await response.text();
  }
}

/**
 * `users` simulated people, each sending a request, waiting for the answer, then thinking for an
 * exponentially distributed while (mean 1/`rate` s), so that requests arrive spread out as real
 * use does, not in step (autocannon's own rate limit sends every connection's request on the
 * same tick).
 */
export async function measurePaced(base: string, next: NextRequest, users: number, rate: number, seconds: number): Promise<Figures> {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const think = () => new Promise((resolve) => setTimeout(resolve, (-Math.log(1 - Math.random()) / rate) * 1000));
  const person = async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * (1000 / rate)));
    while (performance.now() < until) {
      const request = next();
      const sent = performance.now();
      try {
        const response = await fetch(`${base}${request.path}`, { headers: request.headers, redirect: 'manual' });
        await response.arrayBuffer();
        latencies.push(performance.now() - sent);
        if (response.status < 200 || response.status >= 300) non2xx += 1;
      } catch {
        errors += 1;
      }
      await think();
    }
  };
  await Promise.all(Array.from({ length: users }, person));
  return summary(latencies, latencies.length / ((performance.now() - started) / 1000), non2xx, errors);
}

/** Every connection sends its next request as soon as the last is answered (autocannon). */
export function measureSaturated(base: string, next: NextRequest, connections: number, seconds: number): Promise<Figures> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections,
        duration: seconds,
        requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, ...next() }) }],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({ ...summary(latencies, result.requests.average, result.non2xx, result.errors), requests: result.requests.total });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
}

export function summary(latencies: number[], requestsPerSecond: number, non2xx: number, errors: number): Figures {
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? 0);
  return {
    requests: latencies.length,
    requestsPerSecond: round(requestsPerSecond),
    latencyMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(latencies[latencies.length - 1] ?? 0) },
    non2xx,
    errors,
  };
}

export function valueOf(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export function randomPort(): number {
  return 30_000 + Math.floor(Math.random() * 20_000);
}
