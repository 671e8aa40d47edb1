// Runs the node test suites. Each group (a folder under test/) runs in ONE node process with tsx, the group's files
// imported one after another: loading tsx and the server's modules once per group rather than once per file is most
// of the time (the 330 unit and conformance tests take about 14 s in one process, 70 s with a process per file).
// Files of a group share their process, so a test file leaves no global state behind (it restores process.env and
// removes its temporary folders), and its top-level before/after hooks run before and after the whole group.
//   node scripts/test.mjs                          every group, two processes at a time, each group's output in one piece
//   node scripts/test.mjs unit [cli …]             those groups (`npm run test:unit` is `unit`)
//   node scripts/test.mjs test/fuzz [FILE …]       those folders and files, in one process
// Inside a group's process this file is the entry: `node --import tsx scripts/test.mjs --in-process FILE…`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const GROUPS = ['unit', 'cli', 'lsp', 'verify', 'registry', 'archive', 'layer', 'tools', 'package', 'fuzz'];
const args = process.argv.slice(2);

if (args[0] === '--in-process') {
  for (const file of args.slice(1)) await import(pathToFileURL(file).href);
} else {
  const t0 = Date.now();
  // A folder of tests that no group names would never run: say so instead. (test/e2e runs inside VS Code: all.sh.)
  const unlisted = readdirSync('test').filter(
    (d) => d !== 'e2e' && !GROUPS.includes(d) && testFiles([`test/${d}`]).length,
  );
  if (unlisted.length) {
    console.error(`test/${unlisted.join(', test/')} holds tests but is not in GROUPS in scripts/test.mjs.`);
    process.exit(1);
  }
  const named = args.length ? args : GROUPS;
  const jobs = named.every((a) => GROUPS.includes(a))
    ? named.map((g) => ({ name: g, files: testFiles([`test/${g}`]) }))
    : [{ name: named.join(' '), files: testFiles(named) }];
  const empty = jobs.filter((j) => j.files.length === 0);
  if (empty.length) {
    console.error(`No test files in ${empty.map((j) => j.name).join(', ')}.`);
    process.exit(1);
  }
  const results = await runAll(jobs, jobs.length === 1 ? 1 : 2);
  if (jobs.length > 1) {
    console.log('\n group    files  tests   pass   fail  seconds');
    for (const r of results)
      console.log(
        ` ${r.name.padEnd(7)} ${[r.files, r.tests, r.pass, r.fail].map((n) => String(n ?? '?').padStart(6)).join(' ')} ${(r.ms / 1000).toFixed(1).padStart(8)}`,
      );
    console.log(`all groups in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  process.exit(results.every((r) => r.code === 0) ? 0 : 1);
}

/** The *.test.ts and *.test.mjs files under the given folders (and the given files), sorted. */
function testFiles(roots) {
  const files = [];
  const walk = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (/\.test\.(ts|mjs)$/.test(p)) files.push(p);
  };
  roots.forEach(walk);
  return files;
}

/** Runs the jobs, `parallel` at a time; one job streams its output, several print each one's output when it ends. */
async function runAll(jobs, parallel) {
  const results = [];
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) results.push(await runJob(job, parallel === 1));
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  return jobs.map((j) => results.find((r) => r.name === j.name));
}

function runJob(job, stream) {
  const t = Date.now();
  if (!stream) console.log(`▶ ${job.name}: ${job.files.length} files`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test-reporter=spec', 'scripts/test.mjs', '--in-process', ...job.files],
    { stdio: ['ignore', stream ? 'inherit' : 'pipe', stream ? 'inherit' : 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      if (!stream) process.stdout.write(`\n===== ${job.name} =====\n${out}`);
      const count = (what) => out.match(new RegExp(`^ℹ ${what} (\\d+)$`, 'm'))?.[1];
      resolve({
        name: job.name,
        files: job.files.length,
        tests: count('tests'),
        pass: count('pass'),
        fail: count('fail'),
        code: code ?? 1,
        ms: Date.now() - t,
      });
    });
  });
}
