import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { settings } from '../server/config.ts';

/** docs/configuration.md, generated from the settings table in server/config.ts. */
export function configurationMarkdown(): string {
  const rows = Object.values(settings).map((setting) => {
    const fallback = setting.default({ NODE_ENV: 'development' });
    const shown = fallback === undefined ? '—' : `\`${String(fallback)}\``;
    return `| \`${setting.env}\` | ${shown} | ${setting.requiredInProduction ? 'yes' : ''} | ${setting.description} |`;
  });
  return [
    '# Configuration',
    '',
    'Generated from `server/config.ts` by `node scripts/configurationDoc.ts`; a test keeps it in step.',
    'Defaults are those of a development machine. With `NODE_ENV=production`, the settings marked',
    '"yes" must be set, or OneRoof refuses to start and lists what is missing.',
    '',
    '| variable | default | production requires | what it does |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('../docs/configuration.md', import.meta.url), configurationMarkdown());
}
