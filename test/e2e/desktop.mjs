// The same end-to-end suite on desktop VS Code, through @vscode/test-electron, for machines that can download
// VS Code (this project's CI cannot, so it runs the suite in code-server: see test/e2e/all.sh).
import { runTests } from '@vscode/test-electron';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? '1.91.0',
    extensionDevelopmentPath: root,
    extensionTestsPath: resolve(root, 'out/e2e/suite/index.js'),
    launchArgs: [resolve(root, 'test/e2e/workspace'), '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (err) {
  console.error('Desktop end-to-end run failed:', err);
  process.exit(1);
}
