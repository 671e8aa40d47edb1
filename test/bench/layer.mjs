/**
 * Deep verification speed and memory: `oci-manifest verify --deep LAYOUT` (the built CLI as a process: the walk,
 * the verification engine, and each layer decompressed in the pass that hashes it: compressed digest, gunzip,
 * diff_id checked against the config, tar headers) on an OCI layout holding one 512 MiB gzip layer, against the
 * one-pass shell pipeline `tee >(openssl dgst -sha256 >&2) < layer | gzip -dc | openssl dgst -sha256` (which
 * gives the same two digests and nothing else) on the same file, in the same run, in alternating rounds; plus
 * zstd throughput beside it (a layout with the same tar as zstd, against the pipeline with `zstd -dc`), the
 * analysis alone in process (server/src/node/layer/analyze.ts, what the engine calls), and peak RSS (VmHWM of
 * the CLI process) on 64 MiB and 512 MiB layers to show it does not grow with the layer.
 *
 * The layer is a real tar made with `tar` from generated files (half random bytes, half text; sizes from a
 * few hundred bytes to 8 MiB), compressed with `gzip` (level 6) and `zstd` (level 3). It is cached in
 * $TMPDIR/oci-manifest-bench-layer-v1 (made again when missing; about a minute), with a layout around each
 * layer file (the blob a hard link to it, the config naming its diff_id). `verify --deep` is timed as a whole
 * process, Node's start-up included, as is the pipeline; the in-process analysis row is timed around
 * `analyzeLayer` in a bundle built here. Every file is read once first, so every run reads from the page cache.
 *
 * Output is Markdown. Target: gzip ≥ 1.0× the pipeline (medians); peak RSS on 512 MiB within 16 MiB of that on
 * 64 MiB. A benchmark, not a test: it always exits 0 and says when a target is missed. `BENCH_QUICK=1`: a 128
 * MiB layer and one round. `BENCH_LAYER_MIB=N` sets the gzip layer's size.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleScript, fmt, mbps, median, MIB, mib, run } from './processes.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const BIG_MIB = Number(process.env.BENCH_LAYER_MIB) || (QUICK ? 128 : 512);
const SMALL_MIB = 64;
const ROUNDS = QUICK ? 1 : 5;
const ZSTD_ROUNDS = QUICK ? 1 : 3;
const RSS_GROWTH_LIMIT = 16 * MIB;
const CACHE = join(tmpdir(), 'oci-manifest-bench-layer-v1');

const misses = [];
const CLI = join(ROOT, 'dist', 'cli.js');

/** A preload that prints the process's peak RSS (VmHWM) to stderr when it exits. */
function hwmPreload(dir) {
  const file = join(dir, 'hwm.cjs');
  writeFileSync(
    file,
    `process.on('exit', () => { const m = /VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8')); process.stderr.write('VmHWM ' + (m ? Number(m[1]) * 1024 : 0) + '\\n'); });`,
  );
  return file;
}

const sha256Text = (s) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/**
 * An OCI layout around a cached layer file (its blob a hard link to it, or a copy across file systems): the
 * config names the layer's diff_id, so that `verify --deep` checks it. Kept in the cache beside the layer.
 */
function makeLayout(layerFile, analysis, mediaType) {
  const dir = `${layerFile}.layout`;
  const marker = join(dir, 'index.json');
  if (existsSync(marker)) return dir;
  rmSync(dir, { recursive: true, force: true });
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const blob = join(blobs, analysis.compressedDigest.slice(7));
  try {
    linkSync(layerFile, blob);
  } catch {
    copyFileSync(layerFile, blob);
  }
  const put = (text) => {
    writeFileSync(join(blobs, sha256Text(text).slice(7)), text);
    return { digest: sha256Text(text), size: Buffer.byteLength(text) };
  };
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [analysis.diffId] },
    history: [{ created_by: 'bench' }],
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) },
    layers: [{ mediaType, digest: analysis.compressedDigest, size: analysis.compressedSize }],
  });
  const m = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    `${marker}.part`,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...m,
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    }),
  );
  renameSync(`${marker}.part`, marker);
  return dir;
}

/** `oci-manifest verify --deep LAYOUT` as a process: its wall time and peak RSS; it must pass. */
async function verifyDeep(preload, layout) {
  const { out, err, ms } = await run(process.execPath, [
    '--require',
    preload,
    CLI,
    'verify',
    '--deep',
    layout,
  ]);
  if (!/ 0 mismatches/.test(out) || / error /.test(out))
    throw new Error(`verify --deep did not pass: ${out}`);
  const hwm = Number(/VmHWM (\d+)/.exec(err)?.[1] ?? 0);
  return { ms, hwm };
}

/** Bundles a runner around analyze.ts: `node runner.mjs FILE` prints {ms, digests, sizes, hwm}. */
async function buildRunner(dir) {
  const entry = `
    import { readFileSync } from 'node:fs';
    import { open } from 'node:fs/promises';
    import { analyzeLayer } from ${JSON.stringify(join(ROOT, 'server', 'src', 'node', 'layer', 'analyze.ts'))};
    import { readChunks } from ${JSON.stringify(join(ROOT, 'server', 'src', 'node', 'verify', 'hash.ts'))};
    const [file] = process.argv.slice(2);
    const t = performance.now();
    const r = await analyzeLayer(readChunks(await open(file)));
    const ms = performance.now() - t;
    const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    console.log(JSON.stringify({ ms, compressedDigest: r.compressedDigest, diffId: r.diffId, compression: r.compression,
      compressedSize: r.compressedSize, uncompressedSize: r.uncompressedSize, entries: r.tarFacts?.counts.entries,
      valid: r.tarFacts?.valid, error: r.decompressError ?? r.tarFacts?.error,
      hwm: hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024 }));
  `;
  return bundleScript(ROOT, dir, 'layer-runner', entry);
}

/** A deterministic generator (xorshift), so that the cached layer is the same from run to run. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

const WORDS =
  'the of and to in is that for it as with was on be by at this from or have an are not which but all were when there can more if no out so said what up its about into than them only other new some could time these two may then do first any like now my such make over our even most me state after also made many did must before back see through way where get much go well your know should down work year because come people just'.split(
    ' ',
  );

/** Text a compressor can squeeze (about 3:1 with gzip), never repeating over long distances. */
function text(bytes, next) {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  while (at < bytes) {
    const w = next() < 0.1 ? `${Math.floor(next() * 100000)}` : WORDS[Math.floor(next() * WORDS.length)];
    const sep = next() < 0.08 ? '\n' : ' ';
    at += out.write(w + sep, at, 'latin1');
  }
  return out;
}

function randomBytes(bytes, next) {
  const out = Buffer.allocUnsafe(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) out.writeUInt32LE(Math.floor(next() * 0x1_0000_0000), i);
  for (let i = bytes & ~3; i < bytes; i++) out[i] = Math.floor(next() * 256);
  return out;
}

function sh(cmd) {
  const r = spawnSync('bash', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

/**
 * `layer-<MiB>.tar.gz` whose gzip is about `mib` MiB (the tar holds about 1.4× that), and `.tar.zst` of the
 * same tar; made once and kept in the cache folder.
 */
function makeLayer(mib) {
  const base = join(CACHE, `layer-${mib}`);
  const gz = `${base}.tar.gz`;
  const zst = `${base}.tar.zst`;
  if (existsSync(gz) && existsSync(zst)) return { gz, zst };
  mkdirSync(CACHE, { recursive: true });
  const src = `${base}.src`;
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  const next = rng(mib * 7919);
  const target = Math.round(mib * MIB * 1.4);
  let total = 0;
  let i = 0;
  while (total < target) {
    const big = next() < 0.3;
    const size = Math.min(
      target - total,
      Math.max(1, Math.floor(big ? 256 * 1024 + next() * 8 * MIB : 512 + next() * 64 * 1024)),
    );
    const dir = join(src, `d${i % 37}`);
    if (i < 37) mkdirSync(dir);
    const fd = openSync(join(dir, `f${i}`), 'w');
    writeSync(fd, next() < 0.5 ? randomBytes(size, next) : text(size, next));
    closeSync(fd);
    total += size;
    i++;
  }
  const tar = `${base}.tar`;
  sh(`tar -cf '${tar}.part' -C '${src}' . && mv '${tar}.part' '${tar}'`);
  rmSync(src, { recursive: true, force: true });
  sh(`gzip -6 -c '${tar}' > '${gz}.part' && zstd -q -3 -f '${tar}' -o '${zst}.part'`);
  renameSync(`${zst}.part`, zst);
  renameSync(`${gz}.part`, gz);
  rmSync(tar, { force: true });
  return { gz, zst };
}

async function ours(runner, file) {
  const { out, ms } = await run(process.execPath, [runner, file]);
  return { ...JSON.parse(out.trim()), wall: ms };
}

/** The one-pass shell pipeline; returns its time and the two digests it printed (compressed, uncompressed). */
async function pipeline(file, decompress) {
  // The first digest goes to stderr: written as `tee >(openssl dgst -sha256)`, the process substitution
  // inherits tee's stdout and its digest line ends up in gzip's input ("trailing garbage ignored").
  const { out, err, ms } = await run('bash', [
    '-c',
    `tee >(openssl dgst -sha256 | sed 's/^/compressed /' >&2) < "$1" | ${decompress} | openssl dgst -sha256 | sed 's/^/uncompressed /'`,
    '_',
    file,
  ]);
  const pick = (label) => {
    const m = new RegExp(`^${label} .*= ([0-9a-f]{64})$`, 'm').exec(out + err);
    return m ? `sha256:${m[1]}` : undefined;
  };
  return { ms, compressed: pick('compressed'), uncompressed: pick('uncompressed') };
}

/** Reads a file once, so that the timed runs read it from the page cache. */
const warm = (file) => sh(`cat '${file}' > /dev/null`);

async function main() {
  for (const tool of ['tar', 'gzip', 'zstd', 'openssl']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      console.log(`Layer benchmark skipped: "${tool}" is not installed (apt-get install -y ${tool}).`);
      return;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'oci-layer-bench-'));
  try {
    const runner = await buildRunner(dir);
    const big = makeLayer(BIG_MIB);
    const small = makeLayer(SMALL_MIB);
    for (const f of [big.gz, big.zst, small.gz, small.zst]) warm(f);

    // Warm the runner once (and check it agrees with the pipeline).
    const first = await ours(runner, big.gz);
    const firstPipe = await pipeline(big.gz, 'gzip -dc');
    if (first.compressedDigest !== firstPipe.compressed || first.diffId !== firstPipe.uncompressed)
      misses.push('our digests and the pipeline’s disagree on the gzip layer');
    if (!first.valid) misses.push(`the layer did not parse as a tar: ${first.error}`);

    const zFirst = await ours(runner, big.zst);
    if (zFirst.diffId !== first.diffId) misses.push('the zstd layer’s diff_id differs from the gzip layer’s');
    const smallFirst = await ours(runner, small.gz);
    const smallZst = await ours(runner, small.zst);
    const preload = hwmPreload(dir);
    const layouts = {
      gz: makeLayout(big.gz, first, 'application/vnd.oci.image.layer.v1.tar+gzip'),
      zst: makeLayout(big.zst, zFirst, 'application/vnd.oci.image.layer.v1.tar+zstd'),
      smallGz: makeLayout(small.gz, smallFirst, 'application/vnd.oci.image.layer.v1.tar+gzip'),
      smallZst: makeLayout(small.zst, smallZst, 'application/vnd.oci.image.layer.v1.tar+zstd'),
    };
    await verifyDeep(preload, layouts.gz); // warm

    const verifyMs = [];
    const oursMs = [];
    const pipeMs = [];
    let hwmBig = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const v = await verifyDeep(preload, layouts.gz);
      verifyMs.push(v.ms);
      hwmBig = Math.max(hwmBig, v.hwm);
      pipeMs.push((await pipeline(big.gz, 'gzip -dc')).ms);
      oursMs.push((await ours(runner, big.gz)).ms);
    }
    const zVerify = [];
    const zPipe = [];
    let zHwm = 0;
    for (let i = 0; i < ZSTD_ROUNDS; i++) {
      const v = await verifyDeep(preload, layouts.zst);
      zVerify.push(v.ms);
      zHwm = Math.max(zHwm, v.hwm);
      const p = await pipeline(big.zst, 'zstd -dc');
      zPipe.push(p.ms);
      if (p.uncompressed !== first.diffId) misses.push('the zstd pipeline’s digest differs from the diff_id');
    }
    let hwmSmall = 0;
    let zHwmSmall = 0;
    for (let i = 0; i < 2; i++) {
      hwmSmall = Math.max(hwmSmall, (await verifyDeep(preload, layouts.smallGz)).hwm);
      zHwmSmall = Math.max(zHwmSmall, (await verifyDeep(preload, layouts.smallZst)).hwm);
    }

    const gzBytes = statSync(big.gz).size;
    const zstBytes = statSync(big.zst).size;
    const tarBytes = first.uncompressedSize;
    const verifyRate = mbps(tarBytes, median(verifyMs));
    const oursRate = mbps(tarBytes, median(oursMs));
    const pipeRate = mbps(tarBytes, median(pipeMs));
    const ratio = verifyRate / pipeRate;
    if (ratio < 1.0) misses.push(`verify --deep ${ratio.toFixed(2)}× the pipeline on gzip (target ≥ 1.0×)`);
    const growth = hwmBig - hwmSmall;
    if (growth > RSS_GROWTH_LIMIT)
      misses.push(
        `peak RSS grew by ${mib(growth)} from the ${SMALL_MIB} MiB to the ${BIG_MIB} MiB gzip layer`,
      );
    const zGrowth = zHwm - zHwmSmall;
    if (zGrowth > RSS_GROWTH_LIMIT)
      misses.push(
        `peak RSS grew by ${mib(zGrowth)} from the ${SMALL_MIB} MiB to the ${BIG_MIB} MiB zstd layer`,
      );
    const zRate = mbps(tarBytes, median(zVerify));
    const zPipeRate = mbps(tarBytes, median(zPipe));

    const env = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, load average ${loadavg()[0].toFixed(2)}${QUICK ? ', BENCH_QUICK' : ''}`;
    const lines = [
      `### Deep verification: a layout holding a ${mib(gzBytes)} gzip layer (a ${mib(tarBytes)} tar of ${first.entries} entries)`,
      '',
      `${env}. Medians of ${ROUNDS} alternating rounds (gzip) and ${ZSTD_ROUNDS} (zstd, ${mib(zstBytes)}); MB/s of uncompressed tar; files in the page cache; every run a fresh process. Both sides compute the layer digest and the diff_id in one pass; verify --deep also checks them against the manifest and the config, reads every tar header, and verifies the layout's other blobs.`,
      '',
      '| measurement | MB/s | vs pipeline | target | peak RSS |',
      '| --- | ---: | ---: | --- | ---: |',
      `| \`oci-manifest verify --deep\` (whole process), gzip | ${fmt(verifyRate)} | ${ratio.toFixed(2)}× | ≥ 1.0× ${ratio >= 1 ? '✓' : '✗ MISSED'} | ${mib(hwmBig)} |`,
      `| ↳ the layer analysis alone, in process (node:zlib on the thread pool, both sha256, tar headers) | ${fmt(oursRate)} | ${(oursRate / pipeRate).toFixed(2)}× | | |`,
      '| `tee >(openssl dgst -sha256 >&2) < layer \\| gzip -dc \\| openssl dgst -sha256` | ' +
        `${fmt(pipeRate)} | 1.00× | | |`,
      `| \`oci-manifest verify --deep\` (whole process), zstd (zstd 1.5.7 in WebAssembly) | ${fmt(zRate)} | ${(zRate / zPipeRate).toFixed(2)}× | | ${mib(zHwm)} |`,
      '| `tee >(openssl dgst -sha256 >&2) < layer \\| zstd -dc \\| openssl dgst -sha256` | ' +
        `${fmt(zPipeRate)} | 1.00× | | |`,
      '',
      '| peak RSS (VmHWM) of `verify --deep` | gzip | zstd |',
      '| --- | ---: | ---: |',
      `| ${SMALL_MIB} MiB layer | ${mib(hwmSmall)} | ${mib(zHwmSmall)} |`,
      `| ${BIG_MIB} MiB layer | ${mib(hwmBig)} | ${mib(zHwm)} |`,
      `| growth (target ≤ ${mib(RSS_GROWTH_LIMIT)}) | ${mib(growth)} ${growth <= RSS_GROWTH_LIMIT ? '✓' : '✗ MISSED'} | ${mib(zGrowth)} ${zGrowth <= RSS_GROWTH_LIMIT ? '✓' : '✗ MISSED'} |`,
      '',
      `gzip rounds (ms): verify --deep ${verifyMs.map(fmt).join(', ')}; pipeline ${pipeMs.map(fmt).join(', ')}; analysis ${oursMs.map(fmt).join(', ')}. zstd rounds (ms): verify --deep ${zVerify.map(fmt).join(', ')}; pipeline ${zPipe.map(fmt).join(', ')}.`,
    ];
    if (misses.length) lines.push('', ...misses.map((m) => `**Target missed:** ${m}.`));
    console.log(lines.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.log(`layer benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
});
