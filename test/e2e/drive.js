#!/usr/bin/env node
// Drives code-server's workbench in headless Chromium (playwright-core, Debian's /usr/bin/chromium).
//   drive.js tests --url U --folder WS --dev EXT --tests EXT/out/e2e/suite/index.js [--results F] [--timeout S]
//     Loads the extension from source and runs the mocha suite inside the extension host. The workbench honours
//     extensionDevelopmentPath/extensionTestsPath from ?payload= only with enable-smoke-test-driver, and only as
//     vscode-remote:// URIs. The host reports its exit code through window.codeAutomationExit, exposed here.
//     Prints the plain closing line "N passed, N failed"; no test run counts as a failure.
//   drive.js ui --url U --folder WS --file NAME --expect TEXT [--screenshot PNG] [--timeout S]
//     The installed extension as a person sees it at the bare URL: click NAME in the Explorer, wait for an error
//     squiggle, a "Verify" code lens and a Problems row containing TEXT, hover the squiggle, take a screenshot.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');

const mode = process.argv[2];
const opts = { timeout: '240' };
for (let i = 3; i < process.argv.length; i += 2)
  opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const T = Number(opts.timeout) * 1000;
const t0 = Date.now();
const ts = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(7);
const remote = (p) => `vscode-remote://remote${path.resolve(p)}`;
// Workbench chatter that says nothing about our extension (and the closed network's lookups).
const NOISE =
  /^(Resolving connection|Resolved connection|Creating a socket|\[reconnection|\[AgentHost|\[ChatModelSelection|Updating additional|\[Service Worker|\[AccountPolicyGate|The web worker|Failed to load resource|An iframe which has both|.*ENOTFOUND|.*getaddrinfo|.*authentication provider 'github'|\s*$)/s;

async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-e2e-chromium-'));
  process.on('exit', () => fs.rmSync(profile, { recursive: true, force: true }));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return { ctx, page: ctx.pages()[0] || (await ctx.newPage()) };
}

async function runTests() {
  for (const k of ['folder', 'dev', 'tests']) if (!opts[k]) throw new Error(`missing --${k}`);
  const { ctx, page } = await launch();
  let exited;
  const exit = new Promise((resolve) => (exited = resolve));
  await page.exposeFunction('codeAutomationExit', (code) => exited(code));
  await page.exposeFunction('codeAutomationLog', () => {});
  page.on('console', async (m) => {
    let args;
    try {
      args = await Promise.all(m.args().map((a) => a.jsonValue()));
    } catch {
      args = [m.text()];
    }
    if (typeof args[0] === 'string' && args[0].startsWith('%c')) args = args.slice(2);
    const line = args.length ? util.format(...args) : m.text();
    if (process.env.VERBOSE || !NOISE.test(line)) console.log(ts(), '|', line);
  });
  const env = opts.env ? JSON.parse(opts.env) : {};
  const results = opts.results && path.resolve(opts.results);
  if (results) {
    env.EXT_TEST_RESULTS_FILE = results;
    fs.rmSync(results, { force: true });
  }
  const payload = [
    ['extensionDevelopmentPath', remote(opts.dev)],
    ['extensionTestsPath', remote(opts.tests)],
  ];
  if (Object.keys(env).length) payload.push(['extensionEnvironment', JSON.stringify(env)]);
  await page.goto(
    `${opts.url}/?folder=${encodeURIComponent(path.resolve(opts.folder))}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
  );
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(124), T)));
  let code = await Promise.race([exit, timeout]);
  clearTimeout(timer);
  console.log(
    ts(),
    code === 124
      ? 'timed out waiting for the extension host to finish'
      : `extension host exited with code ${code}`,
  );
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot }).catch(() => {});
  await ctx.close();
  let r;
  try {
    r = JSON.parse(fs.readFileSync(results, 'utf8'));
  } catch {
    console.log('The suite wrote no results file.');
  }
  if (r) {
    const count = (state) => r.results.filter((x) => x.state === state).length;
    for (const x of r.results.filter((t) => t.state === 'failed'))
      console.log(`FAILED: ${x.title}\n${x.err}`);
    console.log(`${count('passed')} passed, ${count('failed')} failed`);
    if (code === 0 && (count('failed') > 0 || r.results.length === 0)) code = 1;
  } else if (code === 0) code = 1;
  return code;
}

async function runUi() {
  const { ctx, page } = await launch();
  try {
    // The bare URL, as a person types it: run.sh made --folder code-server's default folder (as npm start does).
    await page.goto(`${opts.url}/`);
    await page.waitForSelector('.monaco-workbench', { timeout: T });
    console.log(ts(), 'workbench rendered at the bare URL');
    const item = page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${opts.file}"]`).first();
    await item.waitFor({ timeout: T });
    await item.click();
    await page.waitForSelector(`.tabs-container .tab[aria-label^="${opts.file}"]`, { timeout: T });
    console.log(ts(), `opened ${opts.file} from the Explorer`);
    await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: T });
    console.log(ts(), 'error squiggle visible');
    const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: 'Verify' }).first();
    await lens.waitFor({ timeout: T });
    console.log(ts(), 'code lens:', JSON.stringify(await lens.innerText()));
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: opts.expect }).first();
    await row.waitFor({ timeout: T });
    console.log(ts(), 'Problems row:', JSON.stringify(await row.innerText()));
    // The squiggle is under the text layer, so move the mouse to its box rather than hovering the element.
    const box = await page.locator('.monaco-editor .squiggly-error').first().boundingBox();
    if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover', { hasText: opts.expect }).first();
    await hover.waitFor({ timeout: 15000 }).then(
      async () => {
        const fix = /Quick Fix/.test(await hover.innerText()) ? 'with a quick fix' : 'without a quick fix';
        console.log(ts(), `hover shows the diagnostic, ${fix}`);
      },
      () => console.log(ts(), 'hover did not appear (not required)'),
    );
    if (opts.screenshot) {
      fs.mkdirSync(path.dirname(path.resolve(opts.screenshot)), { recursive: true });
      await page.screenshot({ path: opts.screenshot });
      console.log(ts(), 'screenshot saved:', path.resolve(opts.screenshot));
    }
    console.log('1 passed, 0 failed');
    return 0;
  } catch (e) {
    console.error(ts(), 'UI check failed:', e.message);
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot }).catch(() => {});
    console.log('0 passed, 1 failed');
    return 1;
  } finally {
    await ctx.close();
  }
}

(mode === 'tests'
  ? runTests()
  : mode === 'ui'
    ? runUi()
    : Promise.reject(new Error('mode must be tests or ui'))
)
  .then((code) => process.exit(code))
  .catch((e) => {
    console.error('driver failed:', e);
    process.exit(2);
  });
