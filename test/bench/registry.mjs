/**
 * Registry audit speed (issue 15): `oci-manifest audit HOST/REPO` over a repository of 200 tags in Debian's
 * docker-registry on 127.0.0.1, against a loop of `skopeo inspect --raw` over the same tags (what people script
 * today to fetch each manifest; it checks nothing), in the same run, the two sides alternating. Both are whole
 * processes: ours is one process for the repository, the peer one process per tag. Two registries: one with
 * bearer tokens from the test token service (test/registry/fixtures.ts; `auth: token`, credentials for both
 * sides), one anonymous.
 *
 * The repository is made here with the registry API: 200 tags, each its own manifest with its own config and
 * its own small layer on two base layers shared by all (as a tag series shares its base). So the audit makes
 * 1 tag list + 200 manifest GETs + 402 blob HEADs (each distinct blob once), and skopeo 200 manifest GETs plus
 * its own version check per process. A separate, untimed audit through a counting proxy reports the requests.
 *
 * Target: ≥ 20× the loop's wall time (medians). A benchmark, not a test: it always exits 0 and says when the
 * target is missed. `BENCH_QUICK=1`: one round each.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleScript, median } from './processes.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const QUICK = process.env.BENCH_QUICK === '1';
const TAGS = 200;
const ROUNDS = QUICK ? 1 : 2;
const TARGET = 20;

/** The test helpers (registry, token service, raw registry API), bundled from TypeScript for this script. */
async function helpers(dir) {
  const file = await bundleScript(
    ROOT,
    dir,
    'registry-helpers',
    `export { startRegistry } from ${JSON.stringify(join(ROOT, 'test', 'verify', 'tools.ts'))};
     export { startTokenServer, uploadBlob, putManifest, api } from ${JSON.stringify(join(ROOT, 'test', 'registry', 'fixtures.ts'))};`,
  );
  return import(file);
}

/** 200 tags, each its own config and layer on two shared base layers (uploaded with the registry API). */
async function fill(h, host, repo, token) {
  const L = 'application/vnd.oci.image.layer.v1.tar';
  const base = [Buffer.from('base layer one\n'.repeat(100)), Buffer.from('base layer two\n'.repeat(50))];
  const baseDescs = [];
  for (const b of base)
    baseDescs.push({ mediaType: L, digest: await h.uploadBlob(host, repo, b, token), size: b.length });
  const tags = [];
  const work = [];
  for (let i = 0; i < TAGS; i++) {
    const tag = `v1.${String(i).padStart(3, '0')}`;
    tags.push(tag);
    work.push(async () => {
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Labels: { 'org.opencontainers.image.version': tag } },
          rootfs: { type: 'layers', diff_ids: [] },
        }),
      );
      const layer = Buffer.from(`the application, build ${tag}\n`);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: await h.uploadBlob(host, repo, config, token),
          size: config.length,
        },
        layers: [
          ...baseDescs,
          { mediaType: L, digest: await h.uploadBlob(host, repo, layer, token), size: layer.length },
        ],
        annotations: { 'org.opencontainers.image.version': tag },
      });
      await h.putManifest(host, repo, tag, manifest, 'application/vnd.oci.image.manifest.v1+json', token);
    });
  }
  for (let i = 0; i < work.length; i += 8) await Promise.all(work.slice(i, i + 8).map((w) => w()));
  return tags;
}

/** Runs a command with extra environment variables; resolves with its wall time. */
function timed(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
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

/** A proxy that counts the requests it forwards, by method and kind of path. */
async function countingProxy(target) {
  const counts = {};
  const srv = http.createServer((req, res) => {
    const kind = /\/manifests\//.test(req.url)
      ? 'manifests'
      : /\/blobs\//.test(req.url)
        ? 'blobs'
        : /tags\/list/.test(req.url)
          ? 'tags/list'
          : 'other';
    const key = `${req.method} ${kind}`;
    counts[key] = (counts[key] ?? 0) + 1;
    const up = http.request(
      `http://${target}${req.url}`,
      { method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  srv.on('clientError', (_e, socket) => socket.destroy());
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${srv.address().port}`,
    counts,
    close: () => new Promise((r) => (srv.closeAllConnections(), srv.close(r))),
  };
}

/** Times both sides on one registry in alternating rounds; returns the row's figures. */
async function measure(label, { host, pid }, repo, tags, dir, auth) {
  const tagFile = join(dir, `tags-${label.replace(/\W+/g, '-')}`);
  writeFileSync(tagFile, tags.join('\n') + '\n');
  writeFileSync(`${tagFile}.50`, tags.slice(0, 50).join('\n') + '\n');
  const ref = `${host}/${repo}`;
  const creds = auth ? `--creds ${auth.user}:${auth.password} ` : '';
  const loop = `while read t; do skopeo inspect --raw --tls-verify=false ${creds}"docker://${ref}:$t" > /dev/null || exit 1; done < ${tagFile}`;
  const env = auth ? auth.envFor(host) : {};
  const ours = [];
  const peer = [];
  // Warm both once (page cache, the registry's own caches), untimed.
  const warm = await timed(process.execPath, [CLI, 'audit', ref], env);
  await timed('sh', ['-c', loop], {});
  for (let i = 0; i < ROUNDS; i++) {
    ours.push((await timed(process.execPath, [CLI, 'audit', ref], env)).ms);
    peer.push((await timed('sh', ['-c', loop], {})).ms);
  }
  // The requests of one audit, counted by a proxy in front of the registry (untimed).
  // The registry's CPU time for one audit and for the loop over the first 50 tags: what each side costs it.
  const registryCpu = () => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in ms (USER_HZ 100)
  };
  let c0 = registryCpu();
  await timed(process.execPath, [CLI, 'audit', ref], env);
  const oursRegistryMs = registryCpu() - c0;
  c0 = registryCpu();
  await timed('sh', ['-c', loop.replace(`< ${tagFile}`, `< ${tagFile}.50`)], {});
  const peerRegistryMs = ((registryCpu() - c0) * TAGS) / 50;
  const proxy = await countingProxy(host);
  const before = auth?.tokens.requests.length;
  // The credentials are kept for the host they were written for: the proxy's is another.
  await timed(process.execPath, [CLI, 'audit', `${proxy.host}/${repo}`], auth ? auth.envFor(proxy.host) : {});
  await proxy.close();
  return {
    label,
    ours,
    peer,
    summary: warm.out.trim().split('\n').pop(),
    counts: proxy.counts,
    oursRegistryMs,
    peerRegistryMs,
    ...(auth ? { tokenRequests: auth.tokens.requests.length - before } : {}),
  };
}

async function main() {
  for (const tool of ['docker-registry', 'skopeo', 'openssl'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      console.log(`\n**Registry audit**: skipped, ${tool} is not installed (apt-get install ${tool}).`);
      return;
    }
  const dir = mkdtempSync(join(tmpdir(), 'oci-bench-registry-'));
  const h = await helpers(dir);
  const repo = 'bench/app';
  const rows = [];
  const stops = [];
  try {
    // Bearer tokens: the token service of the tests, credentials in a Docker config for us, --creds for skopeo.
    const tokens = await h.startTokenServer(dir, { users: { bench: 'bench-pass' } });
    stops.push(() => tokens.close());
    const secured = await h.startRegistry({
      token: {
        realm: tokens.realm,
        service: tokens.service,
        issuer: tokens.issuer,
        rootCertBundle: tokens.certFile,
      },
    });
    stops.push(() => secured.stop());
    /** A Docker config holding the credentials for `host`, and the environment that points at it. */
    const envFor = (host) => {
      const config = join(dir, `docker-${host.replace(/\W+/g, '-')}`);
      mkdirSync(config, { recursive: true });
      writeFileSync(
        join(config, 'config.json'),
        JSON.stringify({ auths: { [host]: { username: 'bench', password: 'bench-pass' } } }),
      );
      return { DOCKER_CONFIG: config, NODE_EXTRA_CA_CERTS: tokens.certFile };
    };

    const pushToken = tokens.mint([`repository:${repo}:pull,push`]);
    const securedTags = await fill(h, secured.host, repo, pushToken);
    rows.push(
      await measure('bearer token', secured, repo, securedTags, dir, {
        user: 'bench',
        password: 'bench-pass',
        envFor,
        tokens,
      }),
    );
    const open = await h.startRegistry();
    stops.push(() => open.stop());
    const openTags = await fill(h, open.host, repo, undefined);
    rows.push(await measure('anonymous', open, repo, openTags, dir, undefined));
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\n**Registry audit** (${new Date().toISOString().slice(0, 10)}, load average ${loadavg()[0].toFixed(1)}): a repository of ${TAGS} tags in docker-registry on 127.0.0.1, ${ROUNDS} alternating rounds, medians. Target ≥ ${TARGET}× the loop.\n`,
  );
  console.log(
    '| registry | `oci-manifest audit HOST/bench/app` | loop of `skopeo inspect --raw` (a process per tag) | ratio | target | pass? |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const o = median(r.ours);
    const p = median(r.peer);
    const ratio = p / o;
    console.log(
      `| ${r.label} | ${(o / 1000).toFixed(2)} s (${(o / TAGS).toFixed(1)} ms a tag) | ${(p / 1000).toFixed(2)} s (${(p / TAGS).toFixed(1)} ms a tag) | ${ratio.toFixed(1)}× | ≥ ${TARGET}× | ${ratio >= TARGET ? 'yes' : 'no'} |`,
    );
  }
  for (const r of rows) {
    console.log(
      `\n${r.label}: our audit said \`${r.summary}\`; its requests, counted by a proxy: ${Object.entries(
        r.counts,
      )
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}${r.tokenRequests !== undefined ? `, and ${r.tokenRequests} token request` : ''}. The registry's own CPU time: ${(r.oursRegistryMs / 1000).toFixed(2)} s for one audit (${(r.oursRegistryMs / Object.values(r.counts).reduce((a, b) => a + b, 0)).toFixed(2)} ms a request), ${(r.peerRegistryMs / 1000).toFixed(2)} s for the loop (from its first 50 tags). Times (s): ours ${r.ours.map((x) => (x / 1000).toFixed(2)).join(', ')}; loop ${r.peer.map((x) => (x / 1000).toFixed(2)).join(', ')}.`,
    );
  }
}

await main();
