// Writes what the settings table (SETTINGS in server/src/protocol.ts) declares into package.json's
// `contributes.configuration` and into the README's settings table. `npm run docs` runs it
// (`node --import tsx scripts/settings-doc.ts`); test/unit/manifest.test.ts checks that both are current.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SETTING_KEYS, SETTINGS, SETTINGS_SECTION } from '../server/src/protocol';

const root = new URL('../', import.meta.url);
export const README_BEGIN =
  '<!-- settings: generated from SETTINGS in server/src/protocol.ts by `npm run docs` -->';
export const README_END = '<!-- settings: end -->';

/** package.json's `contributes.configuration.properties`. */
export function contributedSettings(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    SETTING_KEYS.map((key) => {
      const s = SETTINGS[key];
      const entry = { ...s.schema, default: s.default, scope: s.scope, markdownDescription: s.description };
      return [`${SETTINGS_SECTION}.${key}`, entry];
    }),
  );
}

/** The README's settings table, one array of cells per row (header first). */
export function settingsRows(): string[][] {
  const shown = (v: unknown) => (typeof v === 'string' && v !== '' ? v : JSON.stringify(v));
  return [
    ['Setting', 'Default', 'What it does'],
    ...SETTING_KEYS.map((key) => [
      `\`${SETTINGS_SECTION}.${key}\``,
      `\`${shown(SETTINGS[key].default)}\``,
      SETTINGS[key].summary,
    ]),
  ];
}

/** Rewrites package.json's settings and the README's table. */
async function write(): Promise<void> {
  const pkgFile = fileURLToPath(new URL('package.json', root));
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  pkg.contributes.configuration.properties = contributedSettings();
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');

  const readmeFile = fileURLToPath(new URL('README.md', root));
  const readme = readFileSync(readmeFile, 'utf8');
  const [head, rest] = readme.split(README_BEGIN);
  const tail = rest?.split(README_END)[1];
  if (head === undefined || tail === undefined)
    throw new Error(`README.md lacks the markers ${README_BEGIN}`);
  const [header, ...rows] = settingsRows();
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const table = [line(header!), line(header!.map(() => '---')), ...rows.map(line)].join('\n');
  const prettier = await import('prettier');
  const options = { ...(await prettier.resolveConfig(readmeFile)), filepath: readmeFile };
  const text = `${head}${README_BEGIN}\n\n${table}\n\n${README_END}${tail}`;
  writeFileSync(readmeFile, await prettier.format(text, options));
  console.error('package.json (contributes.configuration) and README.md (settings) written from SETTINGS');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  write().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
