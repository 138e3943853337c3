import os from 'node:os';
import { createBenchDatabase } from './benchDatabase.ts';
import { measureSaturated, randomPort, signedInCookie, startServer, stopServer, valueOf, warmUp } from './benchSupport.ts';

/**
 * The signed-in home page and /health under 50 concurrent connections, against one app process
 * on real PostgreSQL, driven by autocannon from this process (so the app has a core to itself).
 */
export async function runHttpBenchmark(args: string[]): Promise<Record<string, unknown>> {
  const seconds = Number(valueOf(args, '--seconds') ?? 20);
  const connections = Number(valueOf(args, '--connections') ?? 50);
  const database = await createBenchDatabase();
  const port = randomPort();
  const server = await startServer(database.url, port, { env: { SEED_DEMO_DATA: 'true' }, readyWhen: 'Demo accounts show' });
  try {
    const manager = await database.handle.db.selectFrom('users').select('id').where('email', '=', 'manager@oneroof.example').executeTakeFirstOrThrow();
    const { cookie } = await signedInCookie(database.handle.db, manager.id);
    const base = `http://127.0.0.1:${port}`;
    const home = () => ({ path: '/', headers: { cookie } });
    await warmUp(base, home, 50);
    return {
      benchmark: 'http',
      database: 'postgres',
      connections,
      durationSeconds: seconds,
      node: process.version,
      cpus: os.cpus().length,
      signedInHomePage: await measureSaturated(base, home, connections, seconds),
      health: await measureSaturated(base, () => ({ path: '/health', headers: {} }), connections, seconds),
    };
  } finally {
    await stopServer(server);
    await database.drop();
  }
}
