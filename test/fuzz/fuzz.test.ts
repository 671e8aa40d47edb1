/**
 * Property-based fuzzing of the core and the server. Valid documents of every kind are mutated (fields
 * deleted, duplicated, retyped, swapped, renamed; values replaced by huge numbers, hostile digests and
 * media types; deep nesting; the text truncated, cut or sprinkled with random characters) and fed to
 * `analyze()` as detected and forced to 1-3 kinds each (every kind many times over a run). Nothing may
 * throw and no check may fail internally; every finding must be well-formed: a known code, a valid
 * severity, a non-empty message ending with a period, a range inside the text. Problems are collected
 * by kind and code with the shortest document showing each, and reported together at the end.
 * A JSON-layer property checks the offset index against JSON.parse, and a smaller property drives the
 * built server over stdio (skipped when dist/server.js is missing).
 *
 * The seed is fixed, so a run reproduces; `FUZZ_SEED` picks another. `FUZZ_RUNS` (default 2000, about
 * 10 s) is the number of cases in all: 75 % through analyze(), 15 % for the JSON layer, 10 % (at least
 * 200) through the server. `npm run fuzz` runs 50,000.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { parseJson } from '../../server/src/core/json/document';
import { scan } from '../../server/src/core/json/scan';
import { specIndex, specManifest } from '../helpers';
import { docArb, kindsArb, optionsArb } from './generators';
import { analyzeAll, Problems } from './oracle';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Cases in all: three quarters through analyze(), the rest for the JSON layer and the server (200 at least). */
const RUNS = Math.max(10, Number(process.env.FUZZ_RUNS ?? 2000));
const SEED = Number(process.env.FUZZ_SEED ?? 0x0c1f00d);
const CORE_RUNS = Math.ceil(RUNS * 0.75);
const JSON_RUNS = Math.ceil(RUNS * 0.15);
const SERVER_RUNS = Math.max(200, Math.round(RUNS / 10));

const params = (runs: number) => ({ numRuns: runs, seed: SEED, includeErrorInReport: true });

test(
  `analyze(): mutated documents, detected and forced to 1-3 kinds each, never throw and give well-formed findings (${CORE_RUNS} cases, seed ${SEED})`,
  { timeout: 3_600_000 },
  () => {
    const problems = new Problems();
    fc.assert(
      fc.property(docArb, optionsArb, kindsArb, ({ text }, options, kinds) =>
        analyzeAll(problems, text, options, kinds),
      ),
      params(CORE_RUNS),
    );
    assert.equal(
      problems.size,
      0,
      `The fuzzer found ${problems.size} distinct problem(s):\n${problems.report()}`,
    );
  },
);

test(
  'analyze(): pathological documents (100,000 levels, 10,000 keys, 1 MB strings)',
  { timeout: 120_000 },
  () => {
    const docs = [
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000),
      '['.repeat(100_000),
      `{"schemaVersion":2,"layers":${'['.repeat(50_000)}`,
      JSON.stringify({
        schemaVersion: 2,
        annotations: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i % 5000}`, 'v'])),
      }),
      JSON.stringify({ ...specManifest(), annotations: { big: 'x'.repeat(1 << 20) } }),
      `{"manifests":[${Array.from({ length: 5000 }, () => '{"digest":"sha256:x","size":-1e400}').join(',')}]}`,
      '"' + '\\u0000'.repeat(10_000) + '"',
      '\ufeff\ufeff{}',
      '',
      ' ',
    ];
    // Every field of each seed in turn holds a 10,000-level value: checks must not recurse on values.
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const deepFields: string[] = [];
    for (const seed of [specManifest(), specIndex()]) {
      const text = JSON.stringify(seed);
      for (const m of text.matchAll(/"(\w+)":/g)) {
        const at = m.index + m[0].length;
        // Replace the value that follows the key (a string, number, or the first character of a container).
        const end =
          text[at] === '"'
            ? text.indexOf('"', at + 1) + 1
            : text[at] === '{' || text[at] === '['
              ? at + 1
              : /^[-\d.eE+]+/.exec(text.slice(at))![0].length + at;
        if (text[at] === '{' || text[at] === '[') continue;
        deepFields.push(
          text.slice(0, at) + deep + text.slice(end),
          text.slice(0, at) + deepObject + text.slice(end),
        );
      }
    }
    const problems = new Problems();
    for (const text of docs)
      analyzeAll(problems, text, {}, ['image-manifest', 'image-index', 'image-config']);
    for (const text of deepFields) analyzeAll(problems, text, {}, []);
    assert.equal(problems.size, 0, `${problems.size} distinct problem(s):\n${problems.report()}`);
  },
);

// ---- the JSON layer against JSON.parse -----------------------------------------------------------------

function valueAt(v: unknown, path: readonly (string | number)[]): unknown {
  let cur = v;
  for (const seg of path) cur = (cur as Record<string | number, unknown>)[seg];
  return cur;
}

function pathsOf(v: unknown, limit = 400): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: [unknown, (string | number)[]][] = [[v, []]];
  while (stack.length && out.length < limit) {
    const [x, p] = stack.pop()!;
    out.push(p);
    if (Array.isArray(x)) x.forEach((y, i) => stack.push([y, [...p, i]]));
    else if (x !== null && typeof x === 'object')
      for (const k of Object.keys(x)) stack.push([(x as Record<string, unknown>)[k], [...p, k]]);
  }
  return out;
}

test(
  `JSON layer: spans, keys and pathAt agree with JSON.parse; the fast scan equals the validating one (${JSON_RUNS} cases)`,
  { timeout: 3_600_000 },
  () => {
    fc.assert(
      fc.property(docArb, ({ text }) => {
        const json = parseJson(text);
        const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
        let value: unknown;
        let strict = true;
        try {
          value = JSON.parse(text.slice(bom));
        } catch {
          strict = false;
        }
        assert.equal(json.strict, strict, 'strict agrees with JSON.parse');
        if (!strict) {
          assert.ok(json.syntaxErrors.length > 0, 'broken text has a syntax error');
          if (json.value === undefined) return;
          for (const e of json.syntaxErrors)
            assert.ok(
              e.offset >= 0 && e.length >= 0 && e.offset + e.length <= text.length,
              `syntax error range ${JSON.stringify(e)}`,
            );
          // Whatever the tolerant parse kept must still be locatable inside the text.
          for (const p of pathsOf(json.value, 100)) {
            const span = json.locate(p);
            assert.ok(
              span && span.offset >= 0 && span.offset + Math.max(0, span.length) <= text.length,
              `span of ${JSON.stringify(p)}`,
            );
          }
          return;
        }
        const fast = scan(text, bom, true);
        const slow = scan(text, bom);
        assert.equal(slow.error, undefined);
        assert.equal(fast.nodes.count, slow.nodes.count);
        for (const a of ['type', 'start', 'end', 'keyStart', 'keyEnd', 'parent', 'next'] as const) {
          assert.deepEqual(
            fast.nodes[a].subarray(0, fast.nodes.count),
            slow.nodes[a].subarray(0, slow.nodes.count),
            a,
          );
        }
        assert.deepEqual(fast.duplicates, slow.duplicates);
        assert.equal(fast.maxDepth, slow.maxDepth);
        // plainNumbers: no number token is written with a fraction or an exponent.
        let plain = true;
        for (let n = 0; n < fast.nodes.count; n++) {
          const token = text.slice(fast.nodes.start[n], fast.nodes.end[n]);
          if (/^-?\d/.test(token) && !/^-?\d+$/.test(token)) plain = false;
        }
        assert.equal(fast.plainNumbers, plain, 'plainNumbers (trusted scan)');
        assert.equal(slow.plainNumbers, plain, 'plainNumbers (validating scan)');
        if (fast.maxDepth > 200) return; // JSON.parse of the slices below would be slow, and adds nothing
        for (const p of pathsOf(value)) {
          const span = json.locate(p);
          assert.ok(span, `locate ${JSON.stringify(p)}`);
          assert.deepEqual(
            JSON.parse(text.slice(span.offset, span.offset + span.length)),
            valueAt(value, p),
            `value at ${JSON.stringify(p)}`,
          );
          assert.deepEqual(json.pathAt(span.offset)?.path, p, `pathAt(${span.offset})`);
          const last = p[p.length - 1];
          if (typeof last === 'string') {
            const key = json.locateKey(p);
            assert.ok(key, `locateKey ${JSON.stringify(p)}`);
            assert.equal(JSON.parse(text.slice(key.offset, key.offset + key.length)), last);
          }
        }
      }),
      params(JSON_RUNS),
    );
  },
);

// ---- through the built server ----------------------------------------------------------------------------

/** The built server: `OCI_MANIFEST_SERVER` (as in test/lsp), else dist/server.js. */
const SERVER = process.env.OCI_MANIFEST_SERVER ?? join(ROOT, 'dist', 'server.js');

/** Line starts as LSP counts them (\r\n, \r and \n end a line). */
function lineLengths(text: string): number[] {
  const lengths: number[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 || c === 10) {
      lengths.push(i - start);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  lengths.push(text.length - start);
  return lengths;
}

test(
  `server: mutated documents over stdio give ranges inside the document and the server keeps answering (${SERVER_RUNS} cases)`,
  { timeout: 3_600_000 },
  async (t) => {
    if (!existsSync(SERVER)) {
      t.skip(`${SERVER} is missing: run \`npm run build\` to fuzz the server`);
      return;
    }
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const connection = createProtocolConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const texts = new Map<string, string>(); // uri#version → text
    const problems: string[] = [];
    const published = new Map<string, number>();
    let exited = false;
    child.on('exit', () => (exited = true));
    connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((i) => (i.section === 'ociManifest' ? { diagnostics: { delay: 0 } } : null)),
    );
    connection.onRequest('client/registerCapability', () => null);
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      published.set(p.uri, (published.get(p.uri) ?? 0) + 1);
      const text = texts.get(`${p.uri}#${p.version ?? ''}`);
      if (text === undefined) {
        if (p.diagnostics.length) problems.push(`diagnostics for an unknown version ${p.uri}#${p.version}`);
        return;
      }
      const lines = lineLengths(text);
      for (const d of p.diagnostics) {
        const { start, end } = d.range;
        const inside = (pos: { line: number; character: number }) =>
          pos.line >= 0 && pos.line < lines.length && pos.character >= 0 && pos.character <= lines[pos.line]!;
        const ordered =
          start.line < end.line || (start.line === end.line && start.character <= end.character);
        if (!inside(start) || !inside(end) || !ordered)
          problems.push(
            `${p.uri}#${p.version}: range ${JSON.stringify(d.range)} outside the document (lines ${JSON.stringify(lines.slice(0, 5))}…) for ${d.code}`,
          );
        if (typeof d.message !== 'string' || !d.message)
          problems.push(`${p.uri}#${p.version}: empty message for ${d.code}`);
      }
    });
    connection.listen();
    const deadline = <T>(p: Promise<T>, what: string, ms = 20_000): Promise<T> =>
      Promise.race([
        p,
        new Promise<T>((_, reject) =>
          setTimeout(
            () =>
              reject(
                new Error(
                  `no answer to ${what} within ${ms} ms; server exited: ${exited}; stderr: ${stderr.slice(-1000)}`,
                ),
              ),
            ms,
          ).unref(),
        ),
      ]);

    try {
      await deadline(
        connection.sendRequest('initialize', {
          processId: process.pid,
          rootUri: null,
          workspaceFolders: null,
          capabilities: {
            workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false } },
            textDocument: {
              publishDiagnostics: { versionSupport: true },
              hover: { contentFormat: ['markdown', 'plaintext'] },
            },
          },
        }),
        'initialize',
      );
      await connection.sendNotification('initialized', {});

      let serial = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(docArb, { minLength: 1, maxLength: 3 }),
          fc.nat(),
          async (versions, where) => {
            const uri = `file:///fuzz/${++serial}/${serial % 3 === 0 ? 'index.json' : 'doc.manifest.json'}`;
            let version = 1;
            texts.set(`${uri}#1`, versions[0]!.text);
            await connection.sendNotification('textDocument/didOpen', {
              textDocument: { uri, languageId: 'json', version: 1, text: versions[0]!.text },
            });
            for (const v of versions.slice(1)) {
              version++;
              texts.set(`${uri}#${version}`, v.text);
              await connection.sendNotification('textDocument/didChange', {
                textDocument: { uri, version },
                contentChanges: [{ text: v.text }],
              });
            }
            // The server handles messages in order: an answer to a hover sent now means it got through all of them.
            const last = versions[versions.length - 1]!.text;
            const lines = lineLengths(last);
            const line = where % lines.length;
            await deadline(
              connection.sendRequest('textDocument/hover', {
                textDocument: { uri },
                position: { line, character: where % (lines[line]! + 1) },
              }),
              `hover on ${uri}`,
            );
            await connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
            assert.deepEqual(problems, []);
            assert.ok(!exited, `the server exited: ${stderr.slice(-1000)}`);
          },
        ),
        params(SERVER_RUNS),
      );

      // Still serving: a known-bad document gets its diagnostics.
      const probe = 'file:///fuzz/probe.manifest.json';
      const text = JSON.stringify({ ...specManifest(), schemaVersion: '2' }, null, 2);
      texts.set(`${probe}#1`, text);
      const before = published.get(probe) ?? 0;
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: probe, languageId: 'json', version: 1, text },
      });
      await deadline(
        new Promise<void>((resolve) => {
          const poll = setInterval(() => {
            if ((published.get(probe) ?? 0) > before) {
              clearInterval(poll);
              resolve();
            }
          }, 5);
        }),
        'diagnostics of the probe document',
      );
      assert.deepEqual(problems, []);
    } finally {
      try {
        await deadline(connection.sendRequest('shutdown'), 'shutdown', 3000);
        await connection.sendNotification('exit');
      } catch {
        // gone already
      }
      await new Promise((r) => setTimeout(r, 100));
      if (!exited) child.kill();
      connection.dispose();
    }
  },
);
