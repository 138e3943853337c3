import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sass from 'sass';

/** Compiles the stylesheet. Run by `npm run build`, which `npm start` and `npm test` run first. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const output = path.join(root, 'public', 'build', 'application.css');

const started = Date.now();
const result = sass.compile(path.join(root, 'assets', 'scss', 'application.scss'), {
  loadPaths: [root],
  style: 'compressed',
  logger: sass.Logger.silent,
});
mkdirSync(path.dirname(output), { recursive: true });
writeFileSync(output, result.css);
console.log(`Built ${path.relative(root, output)} (${Math.round(result.css.length / 1024)} KiB) in ${Date.now() - started} ms`);
