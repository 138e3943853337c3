import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pingDatabase } from '../../db/database.ts';
import type { Services } from '../../services.ts';
import { paths } from '../../shared/paths.ts';

const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

/** /health for load balancers (503 when the database is unreachable), /info and /ping. */
export async function healthRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const startedAt = new Date();
  const commit = services.config.gitCommit ?? readGitCommit();
  const publicRoute = { config: { access: 'public' as const } };

  app.get(paths.health.pattern, publicRoute, async (_request, reply) => {
    const databaseUp = await pingDatabase(services.db);
    return reply.status(databaseUp ? 200 : 503).send({
      status: databaseUp ? 'UP' : 'DOWN',
      checks: { database: { status: databaseUp ? 'UP' : 'DOWN', kind: services.database.kind } },
    });
  });

  app.get(paths.info.pattern, publicRoute, async () => ({
    name: packageJson.name,
    version: packageJson.version,
    commit,
    startedAt: startedAt.toISOString(),
    uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    node: process.version,
    database: services.database.kind,
  }));

  app.get(paths.ping.pattern, publicRoute, async (_request, reply) => reply.type('text/plain').send('pong'));
}

function readGitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
