/**
 * Deep layer analysis speed and memory: our one-pass analysis (server/src/node/layer/analyze.ts: compressed
 * digest, gunzip, diff_id and tar headers) against the one-pass shell pipeline
 * `tee >(openssl dgst -sha256 >&2) < layer | gzip -dc | openssl dgst -sha256` (which gives the same two
 * digests and nothing else) on the same 512 MiB gzip layer, in the same run, in alternating rounds; plus zstd
 * throughput beside it (against the same pipeline with `zstd -dc`), and peak RSS (VmHWM of a fresh process)
 * on a 64 MiB and a 512 MiB layer to show it does not grow with the layer.
 *
 * The layer is a real tar made with `tar` from generated files (half random bytes, half text; sizes from a
 * few hundred bytes to 8 MiB), compressed with `gzip` (level 6) and `zstd` (level 3). It is cached in
 * $TMPDIR/oci-manifest-bench-layer-v1 (made again when missing; about a minute). Each analysis runs in its own
 * process (a bundle built here with esbuild); its time is measured around `analyzeLayer` inside that process
 * (what the long-running server sees), and a second row gives the whole process, Node's start-up included.
 * The pipeline is timed as a whole. Every file is read once first, so every run reads from the page cache.
 *
 * Output is Markdown. Target: gzip ≥ 1.0× the pipeline (medians); peak RSS on 512 MiB within 16 MiB of that on
 * 64 MiB. A benchmark, not a test: it always exits 0 and says when a target is missed. `BENCH_QUICK=1`: a 128
 * MiB layer and one round. `BENCH_LAYER_MIB=N` sets the gzip layer's size.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
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

    const oursMs = [];
    const oursWall = [];
    const pipeMs = [];
    let hwmBig = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const a = await ours(runner, big.gz);
      oursMs.push(a.ms);
      oursWall.push(a.wall);
      hwmBig = Math.max(hwmBig, a.hwm);
      pipeMs.push((await pipeline(big.gz, 'gzip -dc')).ms);
    }
    const zOurs = [];
    const zPipe = [];
    let zHwm = 0;
    let zFirst;
    for (let i = 0; i < ZSTD_ROUNDS; i++) {
      const a = await ours(runner, big.zst);
      zFirst ??= a;
      zOurs.push(a.ms);
      zHwm = Math.max(zHwm, a.hwm);
      const p = await pipeline(big.zst, 'zstd -dc');
      zPipe.push(p.ms);
      if (a.diffId !== p.uncompressed || a.diffId !== first.diffId)
        misses.push('the zstd layer’s diff_id differs from the pipeline’s or from the gzip layer’s');
    }
    let hwmSmall = 0;
    let zHwmSmall = 0;
    for (let i = 0; i < 2; i++) {
      hwmSmall = Math.max(hwmSmall, (await ours(runner, small.gz)).hwm);
      zHwmSmall = Math.max(zHwmSmall, (await ours(runner, small.zst)).hwm);
    }

    const gzBytes = statSync(big.gz).size;
    const zstBytes = statSync(big.zst).size;
    const tarBytes = first.uncompressedSize;
    const oursRate = mbps(tarBytes, median(oursMs));
    const pipeRate = mbps(tarBytes, median(pipeMs));
    const ratio = oursRate / pipeRate;
    if (ratio < 1.0) misses.push(`gzip analysis ${ratio.toFixed(2)}× the pipeline (target ≥ 1.0×)`);
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
    const zRate = mbps(tarBytes, median(zOurs));
    const zPipeRate = mbps(tarBytes, median(zPipe));

    const env = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, load average ${loadavg()[0].toFixed(2)}${QUICK ? ', BENCH_QUICK' : ''}`;
    const lines = [
      `### Deep layer analysis: a ${mib(gzBytes)} gzip layer (a ${mib(tarBytes)} tar of ${first.entries} entries)`,
      '',
      `${env}. Medians of ${ROUNDS} alternating rounds (gzip) and ${ZSTD_ROUNDS} (zstd, ${mib(zstBytes)}); MB/s of uncompressed tar; files in the page cache; each analysis in a fresh process. Both sides compute the layer digest and the diff_id in one pass; ours also reads every tar header.`,
      '',
      '| measurement | MB/s | vs pipeline | target | peak RSS |',
      '| --- | ---: | ---: | --- | ---: |',
      `| oci-manifest, gzip (node:zlib on the thread pool, both sha256, tar headers) | ${fmt(oursRate)} | ${ratio.toFixed(2)}× | ≥ 1.0× ${ratio >= 1 ? '✓' : '✗ MISSED'} | ${mib(hwmBig)} |`,
      `| oci-manifest, gzip, whole process (Node start-up included) | ${fmt(mbps(tarBytes, median(oursWall)))} | ${(mbps(tarBytes, median(oursWall)) / pipeRate).toFixed(2)}× | | |`,
      '| `tee >(openssl dgst -sha256 >&2) < layer \\| gzip -dc \\| openssl dgst -sha256` | ' +
        `${fmt(pipeRate)} | 1.00× | | |`,
      `| oci-manifest, zstd (zstd 1.5.7 in WebAssembly, both sha256, tar headers) | ${fmt(zRate)} | ${(zRate / zPipeRate).toFixed(2)}× | | ${mib(zHwm)} |`,
      '| `tee >(openssl dgst -sha256 >&2) < layer \\| zstd -dc \\| openssl dgst -sha256` | ' +
        `${fmt(zPipeRate)} | 1.00× | | |`,
      '',
      '| peak RSS (VmHWM) of one analysis | gzip | zstd |',
      '| --- | ---: | ---: |',
      `| ${SMALL_MIB} MiB layer | ${mib(hwmSmall)} | ${mib(zHwmSmall)} |`,
      `| ${BIG_MIB} MiB layer | ${mib(hwmBig)} | ${mib(zHwm)} |`,
      `| growth (target ≤ ${mib(RSS_GROWTH_LIMIT)}) | ${mib(growth)} ${growth <= RSS_GROWTH_LIMIT ? '✓' : '✗ MISSED'} | ${mib(zGrowth)} ${zGrowth <= RSS_GROWTH_LIMIT ? '✓' : '✗ MISSED'} |`,
      '',
      `gzip rounds (ms): ours ${oursMs.map(fmt).join(', ')}; pipeline ${pipeMs.map(fmt).join(', ')}. zstd rounds (ms): ours ${zOurs.map(fmt).join(', ')}; pipeline ${zPipe.map(fmt).join(', ')}.`,
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
