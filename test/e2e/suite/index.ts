// Mocha entry loaded by the extension host (extensionTestsPath). Same contract as @vscode/test-electron:
// run() resolves → exit code 0, rejects → 1. Results also go to EXT_TEST_RESULTS_FILE for the driver's summary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000 });
  // extension.test.js first: it checks what happens before the language server has started.
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  files.sort((a, b) => Number(b === 'extension.test.js') - Number(a === 'extension.test.js'));
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  const results: { title: string; state: string; err?: string }[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const out = process.env.EXT_TEST_RESULTS_FILE;
      if (out) fs.writeFileSync(out, JSON.stringify({ failures, results }, null, 2));
      if (failures > 0) reject(new Error(`${failures} end-to-end tests failed.`));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed' }));
    runner.on('fail', (t, err: unknown) =>
      results.push({ title: t.fullTitle(), state: 'failed', err: String((err as Error)?.stack ?? err) }),
    );
  });
}
