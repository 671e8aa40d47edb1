/**
 * Digest verification speed and memory: our streaming hash (server/src/node/verify/hash.ts) against
 * `openssl dgst -sha256` on the same 1 GiB temporary file, in the same run, rounds interleaved so that
 * both see the same machine state; plus SHA-512 and BLAKE3 throughput, and peak RSS (VmHWM of a fresh
 * process) on a 64 MiB and a 1 GiB file to show it does not grow with the blob.
 *
 * Each hash runs in its own child process (a bundle of hash.ts built here with esbuild), so its peak RSS
 * is its own. Our throughput is timed around `hashFile` inside that process (what the long-running
 * server sees); a second row gives the whole process, Node's start-up included. openssl is timed as a
 * whole process (its start-up is a few milliseconds). The file is read once first, so every run reads
 * from the page cache.
 *
 * Two more rows time the scheduling of the walk (issue 13): `verify` on a manifest file naming 200,000 distinct
 * blobs (none there, so nothing is read: queue and results only), and Verify Layout on a layout of 10,000 small
 * manifests (each read and hashed once, with buffers sized to it). Both must stay linear; no peer to compare with.
 *
 * Output is Markdown. Targets: sha256 ≥ 1.0× openssl's throughput (medians); peak RSS on 1 GiB within
 * 16 MiB of that on 64 MiB. It is a benchmark, not a test: it always exits 0, and says when a target is
 * missed. `BENCH_QUICK=1`: a 256 MiB file and one round (a smoke run). `BENCH_VERIFY_MIB=N` sets the size.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleScript, fmt, mbps, median, MIB, mib, run } from './processes.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const BIG_MIB = Number(process.env.BENCH_VERIFY_MIB) || (QUICK ? 256 : 1024);
const SMALL_MIB = 64;
const ROUNDS = QUICK ? 1 : 5;
const OTHER_ROUNDS = QUICK ? 1 : 3;
const RSS_GROWTH_LIMIT = 16 * MIB;

const misses = [];

/** Bundles a small runner around hash.ts: `node runner.mjs FILE ALG` prints {ms, bytes, digest, hwm}. */
async function buildRunner(dir) {
  const entry = `
    import { readFileSync } from 'node:fs';
    import { hashFile } from ${JSON.stringify(join(ROOT, 'server', 'src', 'node', 'verify', 'hash.ts'))};
    import { verifyLayoutFolder as verifyLayout } from ${JSON.stringify(join(ROOT, 'server', 'src', 'node', 'content', 'layoutSource.ts'))};
    import { verifyTree } from ${JSON.stringify(join(ROOT, 'server', 'src', 'core', 'verify', 'layout.ts'))};
    import { nodeHasherFactory } from ${JSON.stringify(join(ROOT, 'server', 'src', 'node', 'verify', 'hash.ts'))};
    const [file, alg, warm] = process.argv.slice(2);
    // Verify Layout's one-off start-up (schema compilation for the lint of index.json) is not throughput.
    if (warm) await verifyLayout(warm);
    const t = performance.now();
    let r;
    if (alg === 'layout') {
      const v = await verifyLayout(file);
      r = { size: 0, digest: v.text };
    } else if (alg === 'tree') {
      const v = await verifyTree(readFileSync(file, 'utf8'), { path: file, hasher: nodeHasherFactory });
      r = { size: 0, digest: v.text };
    } else {
      r = await hashFile(file, alg);
    }
    const ms = performance.now() - t;
    const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    console.log(JSON.stringify({ ms, bytes: r.size, digest: r.digest, hwm: hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024 }));
  `;
  return bundleScript(ROOT, dir, 'hash-runner', entry);
}

function makeFile(file, mib) {
  const block = randomBytes(4 * MIB);
  const fd = openSync(file, 'w');
  try {
    for (let i = 0; i < mib / 4; i++) writeSync(fd, block);
  } finally {
    closeSync(fd);
  }
}

async function ours(runner, file, alg, warm) {
  const { out, ms } = await run(process.execPath, [runner, file, alg, ...(warm ? [warm] : [])]);
  return { ...JSON.parse(out.trim()), wall: ms };
}

async function openssl(file, alg = 'sha256') {
  const { out, ms } = await run('openssl', ['dgst', `-${alg}`, '-r', file]);
  return { ms, digest: `${alg}:${out.split(' ')[0]}` };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'oci-verify-bench-'));
  try {
    mkdirSync(dir, { recursive: true });
    const runner = await buildRunner(dir);
    const big = join(dir, 'big.bin');
    const small = join(dir, 'small.bin');
    makeFile(big, BIG_MIB);
    makeFile(small, SMALL_MIB);
    const bytes = BIG_MIB * MIB;
    const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

    // Warm the page cache (and the runner) once.
    await ours(runner, big, 'sha256');
    await ours(runner, small, 'sha256');

    const oursMs = [];
    const oursWall = [];
    const sslMs = [];
    let hwmBig = 0;
    let agree = true;
    for (let i = 0; i < ROUNDS; i++) {
      const a = await ours(runner, big, 'sha256');
      oursMs.push(a.ms);
      oursWall.push(a.wall);
      hwmBig = Math.max(hwmBig, a.hwm);
      if (hasOpenssl) {
        const b = await openssl(big);
        sslMs.push(b.ms);
        if (b.digest !== a.digest) agree = false;
      }
    }
    const s512 = [];
    const b3 = [];
    let ssl512;
    for (let i = 0; i < OTHER_ROUNDS; i++) {
      s512.push((await ours(runner, big, 'sha512')).ms);
      b3.push((await ours(runner, big, 'blake3')).ms);
    }
    if (hasOpenssl) ssl512 = (await openssl(big, 'sha512')).ms;
    // The whole engine: Verify Layout on a layout whose one layer is the big file (hard-linked).
    const layoutDir = join(dir, 'layout');
    const digestOfBig = (await ours(runner, big, 'sha256')).digest;
    const configText = '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}';
    const { createHash } = await import('node:crypto');
    const { linkSync, writeFileSync } = await import('node:fs');
    const sha = (t) => `sha256:${createHash('sha256').update(t).digest('hex')}`;
    mkdirSync(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(layoutDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    linkSync(big, join(layoutDir, 'blobs', 'sha256', digestOfBig.slice(7)));
    writeFileSync(join(layoutDir, 'blobs', 'sha256', sha(configText).slice(7)), configText);
    const configDescriptor = {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha(configText),
      size: configText.length,
    };
    const manifestText = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: configDescriptor,
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOfBig, size: bytes }],
    });
    writeFileSync(join(layoutDir, 'blobs', 'sha256', sha(manifestText).slice(7)), manifestText);
    writeFileSync(
      join(layoutDir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: sha(manifestText),
            size: manifestText.length,
          },
        ],
      }),
    );
    // A tiny layout (no layer) to warm up with.
    const warmDir = join(dir, 'warm');
    mkdirSync(join(warmDir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(warmDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const warmManifest = manifestText.replace(/,"layers":\[.*\]/, ',"layers":[]');
    writeFileSync(join(warmDir, 'blobs', 'sha256', sha(configText).slice(7)), configText);
    writeFileSync(join(warmDir, 'blobs', 'sha256', sha(warmManifest).slice(7)), warmManifest);
    writeFileSync(
      join(warmDir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: sha(warmManifest),
            size: warmManifest.length,
          },
        ],
      }),
    );
    const layoutRuns = [];
    let layoutHwm = 0;
    let layoutText = '';
    for (let i = 0; i < OTHER_ROUNDS; i++) {
      const v = await ours(runner, layoutDir, 'layout', warmDir);
      layoutRuns.push(v.ms);
      layoutHwm = Math.max(layoutHwm, v.hwm);
      layoutText = v.digest;
    }
    if (!layoutText.startsWith('3 verified'))
      misses.push(`Verify Layout on the benchmark layout said "${layoutText}"`);

    // Scheduling: a manifest naming 200,000 distinct blobs that are not there, and 10,000 small manifests.
    const manyText = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: configDescriptor,
      layers: Array.from({ length: 200_000 }, (_, i) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: sha(`layer ${i}`),
        size: 1000 + (i % 7),
      })),
    });
    const manyFile = join(dir, 'many.manifest.json');
    writeFileSync(manyFile, manyText);
    const smallDir = join(dir, 'small-manifests');
    mkdirSync(join(smallDir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(smallDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(smallDir, 'blobs', 'sha256', sha(configText).slice(7)), configText);
    const entries = [];
    for (let i = 0; i < 10_000; i++) {
      const m = warmManifest.replace('"layers":[]', `"layers":[],"annotations":{"n":"${i}"}`);
      writeFileSync(join(smallDir, 'blobs', 'sha256', sha(m).slice(7)), m);
      entries.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sha(m),
        size: m.length,
      });
    }
    writeFileSync(join(smallDir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: entries }));
    const treeRuns = [];
    const smallRuns = [];
    let treeHwm = 0;
    let smallHwm = 0;
    let treeText = '';
    let smallText = '';
    for (let i = 0; i < OTHER_ROUNDS; i++) {
      const t = await ours(runner, manyFile, 'tree', warmDir);
      treeRuns.push(t.ms);
      treeHwm = Math.max(treeHwm, t.hwm);
      treeText = t.digest;
      const l = await ours(runner, smallDir, 'layout', warmDir);
      smallRuns.push(l.ms);
      smallHwm = Math.max(smallHwm, l.hwm);
      smallText = l.digest;
    }
    if (!treeText.startsWith('0 verified, 0 mismatches, 200001 not found'))
      misses.push(`verify on the 200,000-descriptor manifest said "${treeText}"`);
    if (!smallText.startsWith('20000 verified'))
      misses.push(`Verify Layout on the 10,000-manifest layout said "${smallText}"`);

    let hwmSmall = 0;
    for (let i = 0; i < 2; i++) hwmSmall = Math.max(hwmSmall, (await ours(runner, small, 'sha256')).hwm);

    const oursRate = mbps(bytes, median(oursMs));
    const sslRate = hasOpenssl ? mbps(bytes, median(sslMs)) : undefined;
    const ratio = sslRate ? oursRate / sslRate : undefined;
    if (ratio !== undefined && ratio < 1.0)
      misses.push(`sha256 throughput ${ratio.toFixed(2)}× openssl (target ≥ 1.0×)`);
    if (!hasOpenssl) misses.push('openssl is not installed; no comparison (apt-get install -y openssl)');
    if (!agree) misses.push('our sha256 and openssl disagreed on the digest');
    const growth = hwmBig - hwmSmall;
    if (growth > RSS_GROWTH_LIMIT)
      misses.push(`peak RSS grew by ${mib(growth)} from ${SMALL_MIB} MiB to ${BIG_MIB} MiB`);

    const env = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, load average ${loadavg()[0].toFixed(2)}${QUICK ? ', BENCH_QUICK' : ''}`;
    const lines = [
      `### Digest verification: streaming hash of a ${BIG_MIB} MiB file`,
      '',
      `${env}. Medians of ${ROUNDS} interleaved rounds (sha256 vs openssl) and ${OTHER_ROUNDS} (sha512, blake3); the file is in the page cache; each hash runs in a fresh process.`,
      '',
      '| measurement | MB/s | vs `openssl dgst -sha256` | target | peak RSS |',
      '| --- | ---: | ---: | --- | ---: |',
      `| oci-manifest sha256 (node:crypto, 4 MiB double-buffered reads) | ${fmt(oursRate)} | ${ratio !== undefined ? `${ratio.toFixed(2)}×` : '—'} | ≥ 1.0× ${ratio === undefined ? '—' : ratio >= 1 ? '✓' : '✗ MISSED'} | ${mib(hwmBig)} |`,
      `| oci-manifest sha256, whole process (Node start-up included) | ${fmt(mbps(bytes, median(oursWall)))} | ${sslRate ? `${(mbps(bytes, median(oursWall)) / sslRate).toFixed(2)}×` : '—'} | | |`,
      `| \`openssl dgst -sha256\` | ${sslRate !== undefined ? fmt(sslRate) : '—'} | 1.00× | | |`,
      `| oci-manifest sha512 (node:crypto) | ${fmt(mbps(bytes, median(s512)))} | | | |`,
      `| \`openssl dgst -sha512\` | ${ssl512 !== undefined ? fmt(mbps(bytes, ssl512)) : '—'} | | | |`,
      `| oci-manifest blake3 (hash-wasm, WebAssembly) | ${fmt(mbps(bytes, median(b3)))} | | | |`,
      `| Verify Layout, one ${BIG_MIB} MiB layer (engine + layout source + walk, sha256, warm) | ${fmt(mbps(bytes, median(layoutRuns)))} | ${sslRate ? `${(mbps(bytes, median(layoutRuns)) / sslRate).toFixed(2)}×` : '—'} | | ${mib(layoutHwm)} |`,
      '',
      '| scheduling (median of rounds, warm) | ms | peak RSS |',
      '| --- | ---: | ---: |',
      `| verify a manifest file naming 200,000 blobs that are not there | ${fmt(median(treeRuns))} | ${mib(treeHwm)} |`,
      `| Verify Layout on 10,000 small manifests (each read and hashed once) | ${fmt(median(smallRuns))} | ${mib(smallHwm)} |`,
      '',
      '| peak RSS (VmHWM) of one sha256 run | value |',
      '| --- | ---: |',
      `| ${SMALL_MIB} MiB file | ${mib(hwmSmall)} |`,
      `| ${BIG_MIB} MiB file | ${mib(hwmBig)} |`,
      `| growth (target ≤ ${mib(RSS_GROWTH_LIMIT)}) | ${mib(growth)} ${growth <= RSS_GROWTH_LIMIT ? '✓' : '✗ MISSED'} |`,
      '',
      `sha256 rounds (ms): ours ${oursMs.map(fmt).join(', ')}${hasOpenssl ? `; openssl ${sslMs.map(fmt).join(', ')}` : ''}.`,
    ];
    if (misses.length) lines.push('', ...misses.map((m) => `**Target missed:** ${m}.`));
    console.log(lines.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.log(`verify benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
});
