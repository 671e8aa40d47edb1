/**
 * How fast editing assistance answers: hover, completion and code actions on the 10,000-entry image index
 * (about 3.5 MB, compact as a registry serves it) and on the spec's small manifest, over LSP (stdio) against
 * `dist/server.js`, after the document has been analysed once (the requests reuse that analysis; nothing is
 * parsed or validated per request). Also the core functions alone, in process. Target: p95 < 10 ms.
 *
 * Output is Markdown for the README. It is a benchmark, not a test: it always exits 0 but says clearly when
 * a target is missed. `BENCH_QUICK=1` runs fewer rounds. Run with `npm run build && node test/bench/editing.mjs`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from './core.mjs';

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const TARGET_MS = 10;
const misses = [];

// ---- documents (the same shapes as the validation benchmark: spec manifest, 10,000-entry index) --------

const hex = (seed) => createHash('sha256').update(String(seed)).digest('hex');
const PLATFORMS = [
  { architecture: 'amd64', os: 'linux' },
  { architecture: 'arm64', os: 'linux', variant: 'v8' },
  { architecture: 'arm', os: 'linux', variant: 'v7' },
  { architecture: 'ppc64le', os: 'linux' },
  { architecture: 's390x', os: 'linux' },
  { architecture: 'amd64', os: 'windows' },
];

function bigIndex(n, { broken = 0 } = {}) {
  const manifests = [];
  for (let i = 0; i < n; i++) {
    const p = PLATFORMS[i % PLATFORMS.length];
    const digest = `sha256:${hex(i)}`;
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      // Every `broken`-th entry has uppercase hex: a finding with a quick-fix.
      digest: broken && i % broken === 0 ? digest.toUpperCase().replace('SHA256', 'sha256') : digest,
      size: 400 + ((i * 7919) % 20000),
      platform: { ...p },
      annotations: {
        'org.opencontainers.image.ref.name': `v1.${i % 13}.${i % 101}-${p.architecture}`,
        'org.opencontainers.image.created': new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
      },
    });
  }
  return { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
}

const SMALL = JSON.stringify(
  {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${hex('c')}`,
      size: 7023,
    },
    layers: [1, 2, 3].map((i) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: `sha256:${hex(i)}`,
      size: 1000 * i,
    })),
    annotations: { 'org.opencontainers.image.created': '2024-05-01T12:00:00Z' },
  },
  null,
  2,
);

const DOCS = [
  { name: 'manifest (spec-sized)', file: 'small.manifest.json', text: SMALL },
  { name: 'index, 10,000 entries', file: 'i10000.index.json', text: JSON.stringify(bigIndex(10_000)) },
  {
    name: 'index, 10,000 entries, 1,000 fixable findings',
    file: 'i10000-broken.index.json',
    text: JSON.stringify(bigIndex(10_000, { broken: 10 })),
  },
];

/** Offsets of every match of `re` in `text`, shifted by `delta`, spread over the document. */
function offsets(text, re, delta, max = 400) {
  const all = [];
  for (const m of text.matchAll(re)) all.push(m.index + delta);
  if (all.length <= max) return all;
  const step = all.length / max;
  return Array.from({ length: max }, (_, i) => all[Math.floor(i * step)]);
}

/** The request positions for a document: several hover and completion spots, code-action ranges. */
function spots(text) {
  return {
    hover: [
      ...offsets(text, /"mediaType": ?"/g, 14),
      ...offsets(text, /"digest": ?"sha256/g, 13),
      ...offsets(text, /"size": ?\d/g, 9),
      ...offsets(text, /"platform"/g, 3),
      ...offsets(text, /"org\.opencontainers\.image\.created"/g, 5),
    ],
    completion: [
      ...offsets(text, /"mediaType": ?"application\/vnd\.oci\.image\.(?:layer|manifest)/g, 40), // a value
      ...offsets(text, /"os": ?"/g, 7), // a platform value
      ...offsets(text, /\{"mediaType"/g, 1), // a key position in an entry
    ],
    action: [...offsets(text, /"digest": ?"/g, 11)],
  };
}

// ---- statistics and formatting -------------------------------------------------------------------

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  return { n: s.length, median: at(0.5), p95: at(0.95), max: s[s.length - 1] };
}
const ms = (v) => (v < 0.1 ? `${v.toFixed(3)} ms` : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`);
const kb = (n) => (n >= 1e6 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
function table(header, rows) {
  const out = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}
function row(label, doc, s, target = true) {
  const pass = !target ? '—' : s.p95 < TARGET_MS ? 'yes' : '**NO**';
  if (target && s.p95 >= TARGET_MS)
    misses.push(`${label} on "${doc.name}": p95 ${ms(s.p95)} (target < ${TARGET_MS} ms).`);
  return [
    label,
    `${doc.name} (${kb(doc.text.length)})`,
    String(s.n),
    ms(s.median),
    ms(s.p95),
    ms(s.max),
    target ? `< ${TARGET_MS} ms` : '—',
    pass,
  ];
}

// ---- in process: the core functions on a finished analysis ------------------------------------------------

function inProcess(core) {
  const rows = [];
  for (const doc of DOCS) {
    const analysis = core.analyze(doc.text, { fileName: `/bench/${doc.file}` });
    const at = spots(doc.text);
    const time = (list, fn) => {
      const samples = [];
      const rounds = QUICK ? 1 : 5;
      for (let r = 0; r < rounds; r++) {
        for (const o of list) {
          const t = performance.now();
          fn(o);
          samples.push(performance.now() - t);
        }
      }
      return stats(samples);
    };
    rows.push(
      row(
        'hoverAt',
        doc,
        time(at.hover, (o) => core.hoverAt(analysis, o)),
      ),
    );
    rows.push(
      row(
        'completionsAt',
        doc,
        time(at.completion, (o) => core.completionsAt(analysis, doc.text, o)),
      ),
    );
    const findings = analysis.findings.filter((f) => f.code !== 'oci/too-many-findings');
    if (findings.length) {
      rows.push(
        row(
          'fixesFor (one finding)',
          doc,
          time(findings.slice(0, 400), (f) => core.fixesFor(analysis, f)),
        ),
      );
      rows.push(
        row(
          `fixAll (${findings.length} findings)`,
          doc,
          time([0], () => core.fixAll(analysis)),
          false,
        ),
      );
    }
  }
  return table(['function', 'document', 'n', 'median', 'p95', 'max', 'target', 'pass?'], rows);
}

// ---- over LSP --------------------------------------------------------------------------------------

async function overLsp() {
  const rpc = require('vscode-languageserver-protocol/node');
  const server = join(ROOT, 'dist', 'server.js');
  if (!existsSync(server)) throw new Error('dist/server.js is missing: run `npm run build` first.');
  const child = spawn(process.execPath, [server, '--stdio'], { stdio: 'pipe' });
  const connection = rpc.createProtocolConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  connection.onRequest('workspace/configuration', (p) =>
    p.items.map((i) => (i.section === 'ociManifest' ? { diagnostics: { delay: 0 } } : null)),
  );
  connection.onRequest('client/registerCapability', () => null);
  connection.onNotification(() => undefined);
  connection.listen();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: null,
    // What VS Code announces for these features.
    capabilities: {
      workspace: { configuration: true, workspaceEdit: { documentChanges: true } },
      textDocument: {
        synchronization: { dynamicRegistration: false },
        publishDiagnostics: { versionSupport: true },
        hover: { contentFormat: ['markdown'] },
        completion: {
          completionItem: {
            snippetSupport: true,
            documentationFormat: ['markdown'],
            tagSupport: { valueSet: [1] },
          },
        },
        codeAction: {
          codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source'] } },
          isPreferredSupport: true,
          resolveSupport: { properties: ['edit'] },
        },
      },
    },
  });
  await connection.sendNotification('initialized', {});

  const rows = [];
  for (const doc of DOCS) {
    const uri = `file:///bench/${doc.file}`;
    const positionOf = (() => {
      const lineStarts = [0];
      for (let i = 0; i < doc.text.length; i++) if (doc.text.charCodeAt(i) === 10) lineStarts.push(i + 1);
      return (o) => {
        let lo = 0;
        let hi = lineStarts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (lineStarts[mid] <= o) lo = mid;
          else hi = mid - 1;
        }
        return { line: lo, character: o - lineStarts[lo] };
      };
    })();
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'json', version: 1, text: doc.text },
    });
    // The first request waits for the one analysis of this version; the timed ones reuse it.
    await connection.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: 0, character: 0 },
    });
    const at = spots(doc.text);
    const time = async (list, send) => {
      const samples = [];
      const rounds = QUICK ? 1 : 3;
      for (let r = 0; r < rounds; r++) {
        for (const o of list) {
          const t = performance.now();
          await send(o);
          samples.push(performance.now() - t);
        }
      }
      return stats(samples);
    };
    const pos = (o) => ({ textDocument: { uri }, position: positionOf(o) });
    rows.push(
      row(
        'textDocument/hover',
        doc,
        await time(at.hover, (o) => connection.sendRequest('textDocument/hover', pos(o))),
      ),
    );
    rows.push(
      row(
        'textDocument/completion',
        doc,
        await time(at.completion, (o) => connection.sendRequest('textDocument/completion', pos(o))),
      ),
    );
    const range = (o) => ({ start: positionOf(o), end: positionOf(o + 71) });
    rows.push(
      row(
        'textDocument/codeAction',
        doc,
        await time(at.action, (o) =>
          connection.sendRequest('textDocument/codeAction', {
            textDocument: { uri },
            range: range(o),
            context: { diagnostics: [], only: ['quickfix'] },
          }),
        ),
      ),
    );
    await connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    process.stderr.write(`  lsp: ${doc.name} done\n`);
  }
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  child.kill();
  return table(['request (over stdio)', 'document', 'n', 'median', 'p95', 'max', 'target', 'pass?'], rows);
}

const core = await loadCore('bench-editing-core');
const t1 = inProcess(core);
const t2 = await overLsp();
console.log(`### Editing assistance (node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'})\n`);
console.log('In process: the core functions on a finished analysis.\n');
console.log(t1);
console.log('\nOver LSP (stdio, dist/server.js): request → answer, after the document was analysed once.\n');
console.log(t2);
console.log(
  misses.length ? `\n**Targets missed:**\n${misses.map((m) => `- ${m}`).join('\n')}` : '\nAll targets met.',
);
