import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { openPostgres } from '../server/db/database.ts';
import { createServices } from '../server/services.ts';
import { createTestDatabase, preferredBackend, type TestDatabase } from './support/testDatabase.ts';
import { TEST_SECRETS } from './support/testApp.ts';
import { TcpProxy } from './support/tcpProxy.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

// PGlite runs inside the process and cannot lose its connection; this needs a server.
describe.runIf(preferredBackend() === 'postgres')('when the database connection is lost', () => {
  it('answers 503 on /health and on pages, then recovers when the database is back', async () => {
    const database = await createTestDatabase('postgres');
    cleanups.push(() => database.drop());
    const target = new URL(database.url!);
    const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    cleanups.push(() => proxy.cut());
    const proxied = new URL(database.url!);
    proxied.port = String(proxy.port);
    const handle = openPostgres(proxied.toString(), { poolSize: 3, onPoolError: () => undefined });
    cleanups.push(() => handle.close());
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'oneroof-')) });
    const app = await buildApp({ services: createServices(config, handle, TEST_SECRETS), secrets: TEST_SECRETS, logger: false });
    cleanups.push(() => app.close());

    expect((await app.inject('/health')).statusCode).toBe(200);
    expect((await app.inject('/sign-in')).statusCode).toBe(200);

    await proxy.cut();
    const health = await app.inject('/health');
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'DOWN' });
    const page = await app.inject('/sign-in');
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('Sorry, the service is unavailable');
    const api = await app.inject('/api/v1/me');
    expect([401, 503]).toContain(api.statusCode);

    await proxy.start();
    expect((await app.inject('/health')).statusCode).toBe(200);
    expect((await app.inject('/sign-in')).statusCode).toBe(200);
  });
});

describe('the server process', () => {
  it('starts on an empty embedded store with demo sign-ins, reuses the data, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oneroof-start-'));
    const first = await startServer({ DATA_DIR: dataDir });
    expect(first.startup).toContain('demo data loaded');
    expect(first.startup).toContain('admin@oneroof.example');
    expect(await (await fetch(`${first.url}/health`)).json()).toMatchObject({ status: 'UP', checks: { database: { kind: 'pglite' } } });
    const second = startServer({ DATA_DIR: dataDir });
    await expect(second).rejects.toThrow(/open in another process/);
    expect(await stop(first.process)).toBe(0);
    expect(first.output()).toContain('shutting down');

    const restarted = await startServer({ DATA_DIR: dataDir });
    expect(restarted.startup).not.toContain('demo data loaded');
    expect(restarted.startup).toContain('admin@oneroof.example');
    expect(await stop(restarted.process)).toBe(0);
  }, 120_000);

  it('uses the PostgreSQL server named by DATABASE_URL', async () => {
    if (preferredBackend() !== 'postgres') return;
    const database: TestDatabase = await createTestDatabase('postgres');
    cleanups.push(() => database.drop());
    await database.close();
    const server = await startServer({ DATABASE_URL: database.url!, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'oneroof-')) });
    expect(await (await fetch(`${server.url}/health`)).json()).toMatchObject({ checks: { database: { kind: 'postgres' } } });
    expect(await stop(server.process)).toBe(0);
  }, 120_000);
});

interface RunningServer {
  process: ChildProcess;
  url: string;
  /** What the server printed while starting. */
  startup: string;
  /** Everything printed so far. */
  output(): string;
}

async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  // Node 24 from the `node` package, as `npm start` uses: the test runner itself may be older.
  const node = existsSync('node_modules/.bin/node') ? path.resolve('node_modules/.bin/node') : process.execPath;
  const child = spawn(node, ['server/index.ts'], {
    env: { ...process.env, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', BASE_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'info', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!text.includes('Demo accounts show')) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${text}`);
    if (Date.now() > deadline) throw new Error(`server did not start:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { process: child, url: `http://127.0.0.1:${port}`, startup: text, output: () => text };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
