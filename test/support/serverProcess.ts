import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { encodeForm } from './agent.ts';
import { type CliResult, runOneroof } from './cli.ts';

/** Node 24 from the `node` package, as `npm start` uses: the test runner itself may be older. */
export const NODE = existsSync('node_modules/.bin/node') ? path.resolve('node_modules/.bin/node') : process.execPath;

export interface ServerProcess {
  process: ChildProcess;
  url: string;
  /** Everything printed so far. */
  output(): string;
}

/** Starts `node server/index.ts` as a child process and waits until it serves. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(NODE, ['server/index.ts'], {
    env: { ...process.env, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', BASE_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${text}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${text}`);
    }
    const up = await fetch(`${url}/health`).then((response) => response.ok, () => false);
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { process: child, url, output: () => text };
}

/** SIGKILL: no shutdown hook runs, open transactions are left to the database to abort. */
export function killHard(server: ServerProcess): Promise<void> {
  return signal(server, 'SIGKILL');
}

export function stopServerProcess(server: ServerProcess): Promise<void> {
  return signal(server, 'SIGTERM');
}

function signal(server: ServerProcess, name: NodeJS.Signals): Promise<void> {
  if (server.process.exitCode !== null || server.process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.process.once('exit', () => resolve());
    server.process.kill(name);
  });
}

/** Runs an operator command (`node cli/oneroof.ts …`) with the process environment plus `env`. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runOneroof(args, { ...(process.env as Record<string, string>), NODE_ENV: 'development', BASE_URL: 'http://127.0.0.1', DATABASE_URL: '', ...env });
}

export interface HttpResponse {
  status: number;
  location: string | undefined;
  body: string;
}

/**
 * The test agent's habits (cookies, the CSRF token of the pages it saw) over real HTTP, for a
 * server running in another process.
 */
export class HttpAgent {
  readonly #base: string;
  readonly #cookies = new Map<string, string>();
  #csrf: string | undefined;

  constructor(base: string, cookies: Record<string, string> = {}) {
    this.#base = base;
    for (const [name, value] of Object.entries(cookies)) this.#cookies.set(name, value);
  }

  /** The same session against another process (e.g. after a restart). */
  at(base: string): HttpAgent {
    const agent = new HttpAgent(base, Object.fromEntries(this.#cookies));
    agent.#csrf = this.#csrf;
    return agent;
  }

  get(url: string): Promise<HttpResponse> {
    return this.#request(url, { method: 'GET' });
  }

  async post(url: string, form: Record<string, string | string[] | undefined> = {}): Promise<HttpResponse> {
    return this.#request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encodeForm({ _csrf: await this.csrfToken(), ...form }) });
  }

  async postMultipart(url: string, form: FormData): Promise<HttpResponse> {
    const separator = url.includes('?') ? '&' : '?';
    return this.#request(`${url}${separator}_csrf=${encodeURIComponent(await this.csrfToken())}`, { method: 'POST', body: form });
  }

  async csrfToken(): Promise<string> {
    if (!this.#csrf) await this.get('/profile');
    if (!this.#csrf) throw new Error('No CSRF token found');
    return this.#csrf;
  }

  async #request(url: string, init: RequestInit): Promise<HttpResponse> {
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(`${this.#base}${url}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const index = pair!.indexOf('=');
      this.#cookies.set(pair!.slice(0, index), pair!.slice(index + 1));
    }
    const body = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) this.#csrf = token;
    return { status: response.status, location: response.headers.get('location') ?? undefined, body };
  }
}
