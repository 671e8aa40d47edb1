// The node side of the layout features (server/src/node/layoutGraph.ts): finding layouts, the cached graph
// with blob URIs, the safety rules (links leaving the layout, FIFOs), the JSON files of a layout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLayoutAccess, looksLikeJson } from '../../server/src/node/layoutGraph';
import { descriptorOf, MT, sha256, tempDir, text, writeLayout } from '../layouts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'image-layout');
const MANIFEST = 'sha256:86e7da5f560be08fd888d310c3a46e1e12d954acc5e555f0bdec6043c567df25';
const CONFIG = 'sha256:f340ef00f1fc7a178642c2e4f7a8edcb0e503da56dab74f51f0efbba141aba53';
const LAYER = 'sha256:5c17d2622f9d366f674648e108820712b2a3b28e5648a4aaeb704ae23b9ba109';

const uri = (p: string): string => pathToFileURL(p).href;

describe('layouts on disk', () => {
  let tmp: ReturnType<typeof tempDir>;
  let layout: string;
  before(() => {
    tmp = tempDir();
    layout = join(tmp.dir, 'work', 'image');
    cpSync(EXAMPLE, layout, { recursive: true });
  });
  after(() => tmp.cleanup());

  test('rootOf: the layout folder, a file in it, a blob, a folder below; nothing outside', async () => {
    const access = createLayoutAccess();
    const root = uri(layout);
    assert.equal(await access.rootOf(root), root);
    assert.equal(await access.rootOf(uri(join(layout, 'index.json'))), root);
    assert.equal(await access.rootOf(uri(join(layout, 'blobs', 'sha256', MANIFEST.slice(7)))), root);
    assert.equal(await access.rootOf(uri(join(layout, 'blobs'))), root);
    assert.equal(await access.rootOf(uri(join(tmp.dir, 'work'))), undefined);
    assert.equal(await access.rootOf('untitled:Untitled-1'), undefined);
  });

  test('the graph of the example layout, with file URIs', async () => {
    const g = await createLayoutAccess().graph(uri(layout));
    assert.equal(g.root, uri(layout));
    assert.equal(g.layoutVersion, '1.0.0');
    assert.equal(g.index.uri, uri(join(layout, 'index.json')));
    assert.equal(g.index.entries[0]!.refName, '1.0');
    assert.equal(g.index.entries[0]!.platform, 'linux/amd64');
    const m = g.blobs[MANIFEST]!;
    assert.equal(m.status, 'ok');
    assert.equal(m.uri, uri(join(layout, 'blobs', 'sha256', MANIFEST.slice(7))));
    assert.deepEqual(
      m.children!.map((c) => [c.role, c.target, g.blobs[c.target!]!.status]),
      [
        ['config', CONFIG, 'ok'],
        ['layer', LAYER, 'ok'],
      ],
    );
    assert.ok(g.blobs[LAYER]!.uri!.endsWith(LAYER.slice(7)));
    assert.deepEqual(JSON.parse(JSON.stringify(g)), g, 'plain JSON');
  });

  test('the graph is cached and rebuilt when index.json changes', async () => {
    const dir = join(tmp.dir, 'cache');
    cpSync(EXAMPLE, dir, { recursive: true });
    let now = 1_000_000;
    const access = createLayoutAccess(() => now);
    const first = await access.graph(uri(dir));
    assert.equal(await access.graph(uri(dir)), first, 'cached');
    const index = JSON.parse(text(first.index.entries.map((e) => e.descriptor)));
    const extra = text({ schemaVersion: 2, manifests: [] });
    writeFileSync(join(dir, 'blobs', 'sha256', sha256(extra).slice(7)), extra);
    writeFileSync(
      join(dir, 'index.json'),
      text({ schemaVersion: 2, manifests: [...index, descriptorOf(MT.index, extra)] }),
    );
    assert.equal(await access.graph(uri(dir)), first, 'trusted for a moment');
    now += 5000;
    const second = await access.graph(uri(dir));
    assert.notEqual(second, first);
    assert.equal(second.index.entries.length, 2);
    assert.equal(second.blobs[sha256(extra)]!.kind, 'image-index');
  });

  test('blobUris: present regular files only; invalid digests and missing blobs are left out', async () => {
    const access = createLayoutAccess();
    const uris = await access.blobUris(uri(layout), [
      MANIFEST,
      LAYER,
      `sha256:${'0'.repeat(64)}`,
      'sha256:../../x',
      'nope',
    ]);
    assert.deepEqual([...uris.keys()].sort(), [LAYER, MANIFEST].sort());
  });

  test('symbolic links leaving the layout and special files are not read', async () => {
    const dir = join(tmp.dir, 'unsafe');
    const outside = join(tmp.dir, 'secret.json');
    const secret = text({ schemaVersion: 2, mediaType: MT.manifest, config: {}, layers: [] });
    writeFileSync(outside, secret);
    const inside = manifestWithoutBlobs('inside');
    const fifoContent = 'fifo';
    writeLayout(dir, { schemaVersion: 2, manifests: [] }, [inside]);
    // A link to a file outside, stored under the outside file's own digest; a link inside blobs/ (allowed);
    // a FIFO where a manifest should be.
    symlinkSync(outside, join(dir, 'blobs', 'sha256', sha256(secret).slice(7)));
    const alias = `sha256:${'a'.repeat(64)}`;
    symlinkSync(
      join(dir, 'blobs', 'sha256', sha256(inside).slice(7)),
      join(dir, 'blobs', 'sha256', alias.slice(7)),
    );
    execFileSync('mkfifo', [join(dir, 'blobs', 'sha256', sha256(fifoContent).slice(7))]);
    writeFileSync(
      join(dir, 'index.json'),
      text({
        schemaVersion: 2,
        manifests: [
          descriptorOf(MT.manifest, secret),
          { mediaType: MT.manifest, digest: alias, size: inside.length },
          descriptorOf(MT.manifest, fifoContent),
        ],
      }),
    );
    const access = createLayoutAccess();
    const g = await access.graph(uri(dir));
    const [out, ok, fifo] = g.index.entries.map((e) => g.blobs[e.target!]!);
    assert.equal(out!.status, 'unreadable');
    assert.match(out!.problem!, /symbolic link that leads outside/);
    assert.equal(out!.uri, undefined);
    assert.equal(ok!.status, 'ok');
    assert.equal(fifo!.status, 'unreadable');
    assert.match(fifo!.problem!, /FIFO/);
    const uris = await access.blobUris(uri(dir), [sha256(secret), alias, sha256(fifoContent)]);
    assert.deepEqual([...uris.keys()], [alias]);
    const files = await access.jsonFiles(uri(dir), {
      maxBlobs: 100,
      maxFileBytes: 1 << 20,
      maxTotalBytes: 1 << 24,
    });
    assert.ok(!files.files.some((f) => f.text === secret), 'the outside file is never read');
  });

  test('an index.json that is a link leaving the layout is not read', async () => {
    const dir = join(tmp.dir, 'index-link');
    writeLayout(dir, { schemaVersion: 2, manifests: [] });
    const outside = join(tmp.dir, 'outside-index.json');
    writeFileSync(outside, text({ schemaVersion: 2, manifests: [] }));
    execFileSync('rm', [join(dir, 'index.json')]);
    symlinkSync(outside, join(dir, 'index.json'));
    const g = await createLayoutAccess().graph(uri(dir));
    assert.equal(g.index.status, 'unreadable');
    assert.equal(
      g.index.problem,
      'index.json is a symbolic link that leads outside the layout, so it was not read.',
    );
  });

  test('jsonFiles: oci-layout, index.json and JSON blobs, not binary layers; bounds', async () => {
    const access = createLayoutAccess();
    const files = await access.jsonFiles(uri(layout), {
      maxBlobs: 10,
      maxFileBytes: 1 << 20,
      maxTotalBytes: 1 << 24,
    });
    assert.equal(files.blobCount, 3);
    assert.deepEqual(
      files.files.map((f) => f.relative).sort(),
      [
        'blobs/sha256/' + CONFIG.slice(7),
        'blobs/sha256/' + MANIFEST.slice(7),
        'index.json',
        'oci-layout',
      ].sort(),
    );
    assert.ok(files.files.every((f) => f.uri.startsWith('file:') && f.version));
    const few = await access.jsonFiles(uri(layout), {
      maxBlobs: 2,
      maxFileBytes: 1 << 20,
      maxTotalBytes: 1 << 24,
    });
    assert.deepEqual(few.files.map((f) => f.relative).sort(), ['index.json', 'oci-layout']);
    // The listing stops at the bound (a layout of 100,000 blobs is not looked at in full for each request).
    assert.match(few.incomplete!, /more than 2 blobs/);
    const small = await access.jsonFiles(uri(layout), {
      maxBlobs: 10,
      maxFileBytes: 1 << 20,
      maxTotalBytes: 700,
    });
    assert.match(small.incomplete!, /exceed/);
  });

  test('findLayouts: a bounded walk that skips node_modules and does not enter blobs/', async () => {
    const ws = join(tmp.dir, 'ws');
    writeLayout(join(ws, 'a'), { schemaVersion: 2, manifests: [] });
    writeLayout(join(ws, 'deep', 'er', 'b'), { schemaVersion: 2, manifests: [] });
    writeLayout(join(ws, 'node_modules', 'c'), { schemaVersion: 2, manifests: [] });
    mkdirSync(join(ws, 'a', 'blobs', 'sha256', 'd'), { recursive: true });
    writeFileSync(join(ws, 'a', 'blobs', 'sha256', 'd', 'oci-layout'), '{}');
    const found = await createLayoutAccess().findLayouts([uri(ws)]);
    assert.deepEqual(found.sort(), [uri(join(ws, 'a')), uri(join(ws, 'deep', 'er', 'b'))].sort());
  });

  test('looksLikeJson sniffs the first bytes', () => {
    assert.equal(looksLikeJson(Buffer.from('  {"a":1}')), true);
    assert.equal(looksLikeJson(Buffer.from('\ufeff[1]')), true);
    assert.equal(looksLikeJson(Buffer.from([0x1f, 0x8b, 0x08])), false);
    assert.equal(looksLikeJson(Buffer.from('{"a":"\u0000"}')), false);
    assert.equal(looksLikeJson(Buffer.from('')), false);
  });
});

function manifestWithoutBlobs(title: string): string {
  return text({
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: { mediaType: MT.empty, digest: sha256('{}'), size: 2 },
    layers: [],
    annotations: { 'org.opencontainers.image.title': title },
  });
}
