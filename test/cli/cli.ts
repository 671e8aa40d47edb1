/**
 * Runs the BUILT CLI (dist/cli.js) as a process. When dist/cli.js is missing or older than the sources
 * (running one test file by hand), it is rebuilt first, written to a temporary file and renamed, so that
 * test files running in parallel never see a half-written bundle. `OCI_MANIFEST_CLI` runs another build
 * instead (e.g. the one of an earlier commit, to see a regression test fail there), as `OCI_MANIFEST_SERVER`
 * does for the LSP tests.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = process.env.OCI_MANIFEST_CLI ?? path.join(ROOT, 'dist', 'cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  }
  return newest;
}

let built: Promise<void> | undefined;

/** Makes sure dist/cli.js exists and is not older than server/src or package.json. */
export function ensureCli(): Promise<void> {
  built ??= (async () => {
    if (process.env.OCI_MANIFEST_CLI) return;
    const have = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
    const need = Math.max(
      newestSource(path.join(ROOT, 'server', 'src')),
      fs.statSync(path.join(ROOT, 'package.json')).mtimeMs,
    );
    if (have >= need) return;
    const esbuild = await import('esbuild');
    const tmp = `${CLI}.${process.pid}.tmp`;
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ['server/src/cli/main.ts'],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // jsonc-parser's "main" is a UMD build that esbuild cannot follow; its ESM build bundles cleanly.
      mainFields: ['module', 'main'],
      banner: { js: '#!/usr/bin/env node' },
      logLevel: 'error',
    });
    fs.renameSync(tmp, CLI);
  })();
  return built;
}

export interface CliResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/**
 * Runs `oci-manifest ...args` in `cwd` and returns what it printed and its exit status. `timeoutMs` is a guard
 * against a hang (default 60 s), raised by tests that feed hostile sizes on a busy machine.
 */
export function cli(args: readonly string[], cwd: string = ROOT, timeoutMs = 60_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'oci-manifest-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** 1-based line and column (UTF-16) of the `occurrence`-th (0-based) `needle` in `text`, computed independently of the CLI. */
export function where(
  text: string,
  needle: string,
  occurrence = 0,
): { line: number; col: number; offset: number } {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" #${occurrence} not in text`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1, offset: at };
}

/** Like `cli`, without blocking this process (for tests that serve something to the CLI from here). */
export function cliAsync(
  args: readonly string[],
  cwd: string = ROOT,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status });
    });
  });
}
