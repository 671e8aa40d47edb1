// Helpers of the benchmarks that time whole processes (verify.mjs, layer.mjs): a script bundled with esbuild to run
// in a fresh Node process (so that its peak RSS is its own), a timed child process, and the figures' formatting.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const MIB = 1024 * 1024;

/** Bundles `contents` (TypeScript importing the sources by absolute path) into `<dir>/<name>.mjs`; returns its path. */
export async function bundleScript(root, dir, name, contents) {
  const esbuild = await import('esbuild');
  const outfile = join(dir, `${name}.mjs`);
  await esbuild.build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: `${name}.ts` },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  return outfile;
}

/** Runs a command to its end; resolves with its output and its wall time, rejects when it fails. */
export function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
      else resolve({ out, err, ms });
    });
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
export const fmt = (x) => x.toFixed(0);
export const mib = (b) => `${(b / MIB).toFixed(1)} MiB`;
