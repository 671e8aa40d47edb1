// The image as a whole in the editor, over stdio with the real server: an index.json in a layout made by umoci
// and skopeo gets the cross-document findings in the background (typing is never held up) with their quick-fix,
// kept in place while other entries are edited; a tarball's documents open as oci-blob: documents
// (ociManifest/readBlob), are linted and cross-checked like files and link to each other; the OCI Layouts view's
// graph and Verify Layout (deep) work on tarballs of both kinds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DocumentLinkRequest,
  type CodeAction,
  type Diagnostic,
  type DocumentLink,
} from 'vscode-languageserver-protocol/node';
import {
  blobUri,
  LayoutGraphRequest,
  ReadBlobRequest,
  VerifyLayoutRequest,
  type LayoutGraph,
  type ReadBlobResult,
  type VerifyLayoutResult,
} from '../../server/src/protocol';
import { editDocument, firstImage } from '../verify/tamper';
import { tarLayout } from '../verify/tampered';
import { copyLayout, makeLayouts, sh, tempDir } from '../verify/tools';
import { LspClient } from './client';

const uri = (p: string): string => pathToFileURL(p).href;
const codeOf = (d: Diagnostic): string => String(d.code);

let tmp: { dir: string; remove: () => void };
let clean: string;
/** The clean image with index.json saying the other architecture than the config. */
let wrong: string;
let arch: string;
let other: string;

before(() => {
  tmp = tempDir('oci-lsp-cross-');
  clean = makeLayouts(tmp.dir).clean;
  arch = (
    JSON.parse(
      fs.readFileSync(path.join(clean, 'blobs', 'sha256', firstImage(clean).config.slice(7)), 'utf8'),
    ) as { architecture: string }
  ).architecture;
  other = arch === 'arm64' ? 'amd64' : 'arm64';
  wrong = copyLayout(clean, path.join(tmp.dir, 'wrong'));
  editDocument(wrong, 'index.json', (i) => {
    (i.manifests as Record<string, unknown>[])[0]!.platform = { architecture: other, os: 'linux' };
  });
  fs.writeFileSync(
    path.join(wrong, 'index.json'),
    JSON.stringify(JSON.parse(fs.readFileSync(path.join(wrong, 'index.json'), 'utf8')), null, 2),
  );
});
after(() => tmp.remove());

describe('cross-document findings in the editor', () => {
  let c: LspClient;
  before(async () => {
    c = await LspClient.start();
  });
  after(async () => {
    await c.stop();
  });

  test('an index.json in a layout: the platform finding comes in the background, with the fix', async () => {
    const file = path.join(wrong, 'index.json');
    const u = uri(file);
    let text = fs.readFileSync(file, 'utf8');
    let mark = c.mark(u);
    await c.open(u, text);
    const found = await c.waitForPublish(u, mark, (p) =>
      p.diagnostics.some((d) => codeOf(d) === 'oci/platform-mismatch'),
    );
    const d = found.diagnostics.find((x) => codeOf(x) === 'oci/platform-mismatch')!;
    const at = text.indexOf(`"${other}"`);
    assert.deepEqual(d.range.start, {
      line: text.slice(0, at).split('\n').length - 1,
      character: at - text.lastIndexOf('\n', at) - 1,
    });
    assert.match(
      String(d.message),
      new RegExp(`says linux/${other}, but the config sha256:[0-9a-f]{64} of the manifest it names`),
    );

    const actions = (await c.codeActions(u, d.range, { diagnostics: [d] })) as CodeAction[];
    const fix = actions.find((a) => a.title === `Set platform to linux/${arch} as the config says`);
    assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(fix.isPreferred, true);
    assert.deepEqual(
      fix.edit?.changes?.[u]?.map((e) => e.newText),
      [JSON.stringify(arch)],
    );

    // An edit elsewhere (a new top-level annotation, before the entry): the finding stays, moved with its entry.
    text = text.replace('{\n', '{\n  "annotations": { "org.example.note": "x" },\n');
    mark = c.mark(u);
    const v2 = await c.change(u, text);
    const kept = await c.waitForPublish(u, mark, (p) => p.version === v2);
    const moved = kept.diagnostics.find((x) => codeOf(x) === 'oci/platform-mismatch');
    assert.ok(moved, 'still shown while the check runs again');
    assert.equal(moved.range.start.line, d.range.start.line + 1);

    // Applying the fix's value: gone.
    text = text.replace(`"${other}"`, `"${arch}"`);
    mark = c.mark(u);
    const v3 = await c.change(u, text);
    const fixed = await c.waitForPublish(u, mark, (p) => p.version === v3);
    assert.deepEqual(
      fixed.diagnostics.filter((x) => codeOf(x) === 'oci/platform-mismatch'),
      [],
    );
    // And no later publish of this version brings it back (the check of the version before is dropped).
    await LspClient.sleep(300);
    const later = (c.publishes.get(u) ?? []).slice(mark).filter((x) => (x.version ?? 0) >= v3);
    assert.ok(later.every((x) => !x.diagnostics.some((y) => codeOf(y) === 'oci/platform-mismatch')));
    await c.close(u);
  });

  test('a document outside any layout gets no cross-document check and no extra publish', async () => {
    const u = 'file:///oci-manifest-test/nowhere/index.json';
    const mark = c.mark(u);
    await c.open(
      u,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [],
      }),
    );
    await c.waitForPublish(u, mark, () => true).catch(() => undefined);
    await LspClient.sleep(300);
    assert.ok((c.publishes.get(u) ?? []).length <= 1);
    await c.close(u);
  });
});

describe('image archives in the editor', () => {
  let c: LspClient;
  let ociTar: string;
  let dockerTar: string;
  before(async () => {
    c = await LspClient.start();
    ociTar = tarLayout(wrong, path.join(tmp.dir, 'wrong.tar'));
    dockerTar = path.join(tmp.dir, 'docker.tar');
    sh('skopeo', ['copy', '--quiet', `oci:${clean}:1`, `docker-archive:${dockerTar}:img:1`]);
  });
  after(async () => {
    await c.stop();
  });

  const read = (u: string) =>
    c.connection.sendRequest(ReadBlobRequest, { uri: u }) as Promise<ReadBlobResult>;

  test('readBlob reads a root file and a blob from the tarball, bounded; a layer is refused as not text', async () => {
    const locator = uri(ociTar);
    const index = await read(blobUri({ source: 'archive', locator, root: 'index.json' }));
    assert.equal(index.text, sh('tar', ['-xOf', ociTar, './index.json']));
    assert.equal(index.where, `${ociTar}!index.json`);
    const img = firstImage(wrong);
    const m = await read(blobUri({ source: 'archive', locator, digest: img.manifest }));
    assert.equal(m.text, fs.readFileSync(path.join(wrong, 'blobs', 'sha256', img.manifest.slice(7)), 'utf8'));
    await assert.rejects(
      read(blobUri({ source: 'archive', locator, digest: img.layers[0]!.digest })),
      /is not UTF-8 text .* so it is not opened as a document/,
    );
    await assert.rejects(
      read(blobUri({ source: 'archive', locator, digest: `sha256:${'0'.repeat(64)}` })),
      /has no blob sha256:0+/,
    );
    await assert.rejects(read('file:///etc/passwd'), /is not an oci-blob: URI/);
  });

  test('an oci-blob: index.json is linted as a layout index and cross-checked against the tarball; its links are oci-blob: URIs', async () => {
    const locator = uri(ociTar);
    const u = blobUri({ source: 'archive', locator, root: 'index.json' });
    const { text } = await read(u);
    const mark = c.mark(u);
    await c.open(u, text);
    const p = await c.waitForPublish(u, mark, (x) =>
      x.diagnostics.some((d) => codeOf(d) === 'oci/platform-mismatch'),
    );
    assert.ok(
      p.diagnostics.some((d) => codeOf(d) === 'oci/media-type-missing'),
      'linted like a file',
    );
    const kinds = c.kinds.filter((k) => k.uri === u);
    assert.equal(kinds.at(-1)?.kind, 'image-index');
    const links = (await c.connection.sendRequest(DocumentLinkRequest.method, {
      textDocument: { uri: u },
    })) as DocumentLink[];
    const img = firstImage(wrong);
    assert.deepEqual(
      links.map((l) => l.target),
      [blobUri({ source: 'archive', locator, digest: img.manifest })],
    );
    await c.close(u);
  });

  test('the layout graph of a tarball: an OCI layout archive, and a docker save archive by its manifest.json', async () => {
    const g = (await c.connection.sendRequest(LayoutGraphRequest, { uri: uri(ociTar) })) as LayoutGraph;
    assert.equal(g.archive, 'oci-layout');
    assert.equal(g.index.entries.length, 1);
    const img = firstImage(wrong);
    assert.equal(
      g.blobs[img.manifest]?.uri,
      blobUri({ source: 'archive', locator: uri(ociTar), digest: img.manifest }),
    );
    assert.equal(g.index.uri, blobUri({ source: 'archive', locator: uri(ociTar), root: 'index.json' }));
    const d = (await c.connection.sendRequest(LayoutGraphRequest, { uri: uri(dockerTar) })) as LayoutGraph;
    assert.equal(d.archive, 'docker-save');
    assert.deepEqual(
      d.index.entries.map((e) => e.label),
      ['docker.io/library/img:1'],
    );
    const config = d.blobs[d.index.entries[0]!.target!]!;
    assert.equal(config.kind, 'docker-config');
    assert.deepEqual(
      config.children?.map((e) => `${e.role} ${e.path.join('.')}`),
      ['layer Layers.0', 'layer Layers.1'],
    );
    assert.ok(config.children!.every((e) => d.blobs[e.target!]?.status === 'ok'));
  });

  test('Verify Layout on a tarball, deep: a wrong DiffID shows on the config, as an oci-blob: document', async () => {
    const layout = copyLayout(clean, path.join(tmp.dir, 'diffid'));
    const img = firstImage(layout);
    editDocument(layout, img.config, (cfg) => {
      ((cfg.rootfs as Record<string, unknown>).diff_ids as string[])[0] = `sha256:${'2'.repeat(64)}`;
    });
    const tar = tarLayout(layout, path.join(tmp.dir, 'diffid.tar'));
    const configDigest = firstImage(layout).config;
    const configUri = blobUri({ source: 'archive', locator: uri(tar), digest: configDigest });
    const plain = (await c.connection.sendRequest(VerifyLayoutRequest, {
      uri: uri(tar),
    })) as VerifyLayoutResult;
    assert.equal(plain.files.find((f) => f.uri === configUri)?.findings ?? 0, 0, 'not without deep');
    const mark = c.mark(configUri);
    const r = (await c.connection.sendRequest(VerifyLayoutRequest, {
      uri: uri(tar),
      deep: true,
    })) as VerifyLayoutResult;
    assert.equal(r.root, uri(tar));
    assert.match(r.summary, /^4 verified, 0 mismatches/);
    assert.equal(r.files.find((f) => f.uri === configUri)?.findings, 1);
    const p = await c.waitForPublish(configUri, mark);
    assert.deepEqual(p.diagnostics.map(codeOf), ['oci/diff-id-mismatch']);
  });
});
