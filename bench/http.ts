import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Signer } from '@fastify/cookie';
import { sha256Hex } from '../server/shared/crypto.ts';
import { createBenchDatabase } from './benchDatabase.ts';

interface Figures {
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}

const SESSION_SECRET = randomBytes(32).toString('base64url');
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

/**
 * The signed-in home page and /health under 50 concurrent connections, against one app process
 * on real PostgreSQL, driven by autocannon from this process (so the app has a core to itself).
 */
export async function runHttpBenchmark(args: string[]): Promise<Record<string, unknown>> {
  const seconds = Number(valueOf(args, '--seconds') ?? 20);
  const connections = Number(valueOf(args, '--connections') ?? 50);
  const database = await createBenchDatabase();
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const server = await startServer(database.url, port);
  try {
    const cookie = await signedInCookie(database.handle);
    const base = `http://127.0.0.1:${port}`;
    await warmUp(`${base}/`, cookie);
    const home = await measure(`${base}/`, { cookie }, connections, seconds);
    const health = await measure(`${base}/health`, {}, connections, seconds);
    return {
      benchmark: 'http',
      database: 'postgres',
      connections,
      durationSeconds: seconds,
      node: process.version,
      cpus: os.cpus().length,
      signedInHomePage: home,
      health,
    };
  } finally {
    await stopServer(server);
    await database.drop();
  }
}

async function signedInCookie(handle: Awaited<ReturnType<typeof createBenchDatabase>>['handle']): Promise<string> {
  const user = await handle.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', 'manager@oneroof.example')
    .executeTakeFirstOrThrow();
  const sessionId = randomBytes(24).toString('base64url');
  const idleMs = 30 * 60_000;
  const expires = new Date(Date.now() + idleMs);
  const data = { cookie: { originalMaxAge: idleMs, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax', secure: false }, userId: user.id, signedInAt: Date.now() };
  await handle.db.insertInto('sessions').values({ sid_hash: sha256Hex(sessionId), user_id: user.id, data: JSON.stringify(data), expires_at: expires }).execute();
  return `oneroof=${encodeURIComponent(new Signer(SESSION_SECRET, 'sha256').sign(sessionId))}`;
}

async function warmUp(url: string, cookie: string): Promise<void> {
  for (let i = 0; i < 50; i += 1) {
    const response = await fetch(url, { headers: { cookie }, redirect: 'manual' });
    if (response.status !== 200) throw new Error(`Warm-up request to ${url} answered ${response.status}`);
    await response.text();
  }
}

function measure(url: string, headers: Record<string, string>, connections: number, seconds: number): Promise<Figures> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, headers, connections, duration: seconds }, (error, result) => {
      if (error) return reject(error);
      latencies.sort((a, b) => a - b);
      const at = (fraction: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? 0);
      resolve({
        requests: result.requests.total,
        requestsPerSecond: round(result.requests.average),
        latencyMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(latencies[latencies.length - 1] ?? 0) },
        non2xx: result.non2xx,
        errors: result.errors,
      });
    });
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
}

async function startServer(databaseUrl: string, port: number): Promise<ChildProcess> {
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
      SEED_DEMO_DATA: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Demo accounts show')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`The app did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function valueOf(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
