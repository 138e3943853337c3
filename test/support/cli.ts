import { spawn } from 'node:child_process';
import path from 'node:path';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const projectDirectory = path.resolve(import.meta.dirname, '..', '..');
const NODE = path.join(projectDirectory, 'node_modules', '.bin', 'node');

/** Runs `npm run oneroof -- <args>` as an operator would, on the pinned Node, with only the given environment. */
export function runOneroof(args: readonly string[], env: Record<string, string> = { PATH: process.env.PATH ?? '' }): Promise<CliResult> {
  return runProjectScript('cli/oneroof.ts', args, env);
}

/** Runs one of the project's scripts (`bench/run.ts`, `cli/oneroof.ts`) on the pinned Node, from the project folder. */
export function runProjectScript(script: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [script, ...args], { cwd: projectDirectory, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
