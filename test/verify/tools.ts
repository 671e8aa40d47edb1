/**
 * Real tools for the verification tests: umoci and skopeo make and copy layouts, Debian's docker-registry
 * serves them, htpasswd (apache2-utils) makes the bcrypt password file. A missing tool FAILS the test
 * with the package to install; nothing is skipped. Each registry is started by the test that needs it, on
 * 127.0.0.1 with a free port and a temporary storage folder, and stopped (and removed) by that test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const PACKAGES: Record<string, string> = {
  umoci: 'umoci',
  skopeo: 'skopeo',
  'docker-registry': 'docker-registry',
  htpasswd: 'apache2-utils',
  mkfifo: 'coreutils',
  openssl: 'openssl',
};

/** Throws (failing the test) when `tool` is not on PATH, naming the Debian package that provides it. */
export function requireTool(tool: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(
      `"${tool}" is not installed; run: apt-get install -y ${PACKAGES[tool] ?? tool} (.ci/run installs it).`,
    );
}

/** Runs a command; throws with its output when it fails. */
export function sh(
  cmd: string,
  args: readonly string[],
  options: { cwd?: string; input?: string } = {},
): string {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd: options.cwd,
    input: options.input,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A temporary folder, removed by the returned function (call it in `after`). */
export function tempDir(prefix = 'oci-verify-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const sha256 = (bytes: Uint8Array | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export function blobFile(layout: string, digest: string): string {
  const [alg, hex] = digest.split(':') as [string, string];
  return path.join(layout, 'blobs', alg, hex);
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** The manifest of the layout's first index entry, its text, and its descriptors. */
export function firstManifest(layout: string): {
  digest: string;
  file: string;
  text: string;
  config: Descriptor;
  layers: Descriptor[];
} {
  const index = readJson(path.join(layout, 'index.json')) as { manifests: Descriptor[] };
  const digest = index.manifests[0]!.digest;
  const file = blobFile(layout, digest);
  const text = fs.readFileSync(file, 'utf8');
  const m = JSON.parse(text) as { config: Descriptor; layers: Descriptor[] };
  return { digest, file, text, config: m.config, layers: m.layers };
}

/**
 * An image layout made by umoci (init, new, two repacks adding a file each, so two layers) at
 * `<dir>/umoci` (with the blobs the repacks left unreferenced), and a clean `skopeo copy` of it at
 * `<dir>/clean`. Tag `1`.
 */
export function makeLayouts(dir: string): { umoci: string; clean: string } {
  requireTool('umoci');
  requireTool('skopeo');
  const umoci = path.join(dir, 'umoci');
  const clean = path.join(dir, 'clean');
  sh('umoci', ['init', '--layout', umoci]);
  sh('umoci', ['new', '--image', `${umoci}:1`]);
  for (const [i, content] of ['first layer\n', 'second layer, a little longer\n'].entries()) {
    const bundle = path.join(dir, `bundle${i}`);
    sh('umoci', ['unpack', '--rootless', '--image', `${umoci}:1`, bundle]);
    fs.writeFileSync(path.join(bundle, 'rootfs', `file${i}.txt`), content);
    sh('umoci', ['repack', '--image', `${umoci}:1`, bundle]);
    fs.rmSync(bundle, { recursive: true, force: true });
  }
  sh('skopeo', ['copy', '--quiet', `oci:${umoci}:1`, `oci:${clean}:1`]);
  return { umoci, clean };
}

/** A copy of a layout folder, to tamper with. */
export function copyLayout(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Registry {
  host: string;
  /** The registry's process id (for its CPU time, in the bench). */
  pid: number;
  /** The storage root: blobs are at `docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data`. */
  storage: string;
  blobData(digest: string): string;
  stop(): Promise<void>;
}

/** The `auth: token` section of a registry's config: who issues the tokens it accepts, and the certificate they are signed with. */
export interface TokenAuth {
  realm: string;
  service: string;
  issuer: string;
  /** A PEM file holding the certificate whose key signs the tokens (made with openssl). */
  rootCertBundle: string;
}

/**
 * Starts Debian's docker-registry on 127.0.0.1, or on `address` (optionally with htpasswd basic auth, or
 * accepting the bearer tokens of a token service), and waits for it.
 */
export async function startRegistry(
  options: { user?: string; password?: string; token?: TokenAuth; address?: string } = {},
): Promise<Registry> {
  const address = options.address ?? '127.0.0.1';
  requireTool('docker-registry');
  const { dir, remove } = tempDir('oci-registry-');
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage);
  let auth = '';
  if (options.token) {
    const t = options.token;
    auth = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.rootCertBundle}\n`;
  } else if (options.user) {
    requireTool('htpasswd');
    const line = sh('htpasswd', ['-Bbn', options.user, options.password ?? '']).trim();
    fs.writeFileSync(path.join(dir, 'htpasswd'), `${line}\n`);
    auth = `auth:\n  htpasswd:\n    realm: oci-manifest-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  }
  let child: ChildProcess | undefined;
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${address}:${port}`,
      '  secret: oci-manifest-test-secret',
      auth,
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'config.yml'), config);
    const c = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const up = await waitForPort(address, port, c, 10_000);
    if (up) {
      child = c;
      const host = `${address}:${port}`;
      return {
        host,
        pid: c.pid!,
        storage,
        blobData: (digest) => {
          const hex = digest.slice(digest.indexOf(':') + 1);
          return path.join(
            storage,
            'docker',
            'registry',
            'v2',
            'blobs',
            'sha256',
            hex.slice(0, 2),
            hex,
            'data',
          );
        },
        stop: async () => {
          if (child && child.exitCode === null) {
            const exited = new Promise((r) => child!.once('exit', r));
            child.kill('SIGTERM');
            await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
            if (child.exitCode === null) child.kill('SIGKILL');
          }
          remove();
        },
      };
    }
    lastError = stderr;
    c.kill('SIGKILL');
  }
  remove();
  throw new Error(`docker-registry did not start: ${lastError}`);
}

async function waitForPort(address: string, port: number, child: ChildProcess, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, address);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Pushes tag `1` of a layout to `host/repo:1` with skopeo (plain HTTP). */
export function push(layout: string, host: string, repo: string, creds?: string): void {
  requireTool('skopeo');
  sh('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    ...(creds ? ['--dest-creds', creds] : []),
    `oci:${layout}:1`,
    `docker://${host}/${repo}:1`,
  ]);
}

/** Flips one byte of a file in place (XOR 0xff at `at`, default the middle). */
export function flipByte(file: string, at?: number): void {
  const buf = fs.readFileSync(file);
  const i = at ?? Math.floor(buf.length / 2);
  buf[i] = buf[i]! ^ 0xff;
  fs.writeFileSync(file, buf);
}

/** The exact text a finding covers. */
export const covered = (text: string, f: { offset: number; length: number }): string =>
  text.slice(f.offset, f.offset + f.length);

/**
 * A node HTTP server (HTTPS with `tls`) on 127.0.0.1, for what the real registry does not do: redirects, the
 * bearer token flow, odd answers. `close` drops its connections and stops it.
 */
export async function stubServer(
  handler: http.RequestListener,
  tls?: { key: string; cert: string },
): Promise<{ host: string; port: number; close: () => Promise<void> }> {
  const s = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}
