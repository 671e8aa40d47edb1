/**
 * Navigation over stdio: document symbols, document links and definitions on digests, references across a
 * layout, code lenses, the `ociManifest/layoutGraph` request, and workspace diagnostics for small layouts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  DidChangeWatchedFilesNotification,
  DidChangeWorkspaceFoldersNotification,
  FileChangeType,
  DefinitionRequest,
  DocumentLinkRequest,
  DocumentSymbolRequest,
  ReferencesRequest,
  type CodeLens,
  type Diagnostic,
  type DocumentLink,
  type DocumentSymbol,
  type Location,
  type LocationLink,
  type MarkupContent,
  type SymbolInformation,
} from 'vscode-languageserver-protocol/node';
import {
  LayoutGraphRequest,
  VERIFY_DIGESTS_COMMAND,
  type VerifyDigestsArgs,
} from '../../server/src/protocol';
import { HAVE_UMOCI, descriptorOf, makeUmociLayout, MT, sha256, tempDir, writeLayout } from '../layouts';
import { makeTar } from '../archive/tarWriter';
import { fileUri, LspClient, ROOT } from './client';
import { shownText } from '../markdown';
import { j, positionAt, rangeOf } from './documents';

const EXAMPLE = join(ROOT, 'examples', 'image-layout');
const MANIFEST = 'sha256:86e7da5f560be08fd888d310c3a46e1e12d954acc5e555f0bdec6043c567df25';
const CONFIG = 'sha256:f340ef00f1fc7a178642c2e4f7a8edcb0e503da56dab74f51f0efbba141aba53';
const LAYER = 'sha256:5c17d2622f9d366f674648e108820712b2a3b28e5648a4aaeb704ae23b9ba109';

const uri = (p: string): string => pathToFileURL(p).href;
const blobFile = (layout: string, digest: string): string => join(layout, 'blobs', ...digest.split(':'));

/** A handmade layout: an image whose second layer is missing, a signature whose subject is the image, a broken manifest. */
/** An uncompressed tar layer (ASCII only, so the string is its bytes) and its media type. */
const TAR_LAYER = makeTar([{ name: 'layer.txt', data: 'layer bytes\n' }]).toString('latin1');
const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

function brokenLayout(dir: string) {
  // The image is consistent across documents (its layers' count and types agree with the config and the bytes), so
  // what the cross-document checks find in the background never mixes with what a test waits for.
  const config = j({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [sha256(TAR_LAYER), sha256('missing layer')] },
  });
  const layers = [descriptorOf(LAYER_TAR, TAR_LAYER), descriptorOf(LAYER_TAR, 'missing layer')];
  const image = j({
    schemaVersion: 2,
    mediaType: MT.manifest,
    config: descriptorOf(MT.config, config),
    layers,
  });
  const signature = j({
    schemaVersion: 2,
    mediaType: MT.manifest,
    artifactType: 'application/vnd.example.signature',
    config: descriptorOf(MT.empty, '{}'),
    layers: [],
    subject: descriptorOf(MT.manifest, image),
  });
  const bad = j({
    schemaVersion: '2',
    mediaType: MT.manifest,
    config: descriptorOf(MT.config, config),
    layers,
    annotations: { 'org.example.note': 'the schemaVersion is a string' },
  });
  const index = j({
    schemaVersion: 2,
    mediaType: MT.index,
    manifests: [
      descriptorOf(MT.manifest, image, {
        platform: { os: 'linux', architecture: 'amd64' },
        annotations: { 'org.opencontainers.image.ref.name': 'app' },
      }),
      descriptorOf(MT.manifest, signature, { artifactType: 'application/vnd.example.signature' }),
      descriptorOf(MT.manifest, bad, { annotations: { 'org.opencontainers.image.ref.name': 'bad' } }),
    ],
  });
  writeLayout(dir, index, [config, TAR_LAYER, image, signature, bad, '{}']);
  return { index, image, signature, bad, config };
}

function request<R>(c: LspClient, method: string, params: unknown): Promise<R> {
  return c.connection.sendRequest(method, params) as Promise<R>;
}

describe('navigation', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: LspClient;
  let example: string;
  let broken: string;
  let made: ReturnType<typeof brokenLayout>;
  before(async () => {
    tmp = tempDir('oci-navigation-');
    example = join(tmp.dir, 'ws', 'example');
    broken = join(tmp.dir, 'ws', 'broken');
    cpSync(EXAMPLE, example, { recursive: true });
    made = brokenLayout(broken);
    c = await LspClient.start({
      settings: { diagnostics: { delay: 0 } },
      capabilities: { textDocument: { documentSymbol: { hierarchicalDocumentSymbolSupport: true } } },
    });
  });
  after(async () => {
    await c.stop();
    tmp.cleanup();
  });

  const openFile = async (path: string): Promise<{ uri: string; text: string }> => {
    const text = readFileSync(path, 'utf8');
    const u = uri(path);
    await c.open(u, text);
    return { uri: u, text };
  };

  test('the providers are announced', () => {
    const caps = c.initializeResult.capabilities;
    assert.ok(caps.documentSymbolProvider);
    assert.deepEqual(caps.documentLinkProvider, { resolveProvider: false });
    assert.equal(caps.definitionProvider, true);
    assert.equal(caps.referencesProvider, true);
    assert.deepEqual(caps.codeLensProvider, { resolveProvider: false });
  });

  test('documentSymbol: the outline of a manifest blob, hierarchical', async () => {
    const { uri: u, text } = await openFile(blobFile(example, MANIFEST));
    const symbols = await request<DocumentSymbol[]>(c, DocumentSymbolRequest.method, {
      textDocument: { uri: u },
    });
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['schemaVersion', 'mediaType', 'config', 'layers', 'annotations'],
    );
    const config = symbols[2]!;
    assert.equal(config.detail, `OCI config, 532 B · ${CONFIG.slice(0, 19)}`);
    assert.deepEqual(config.selectionRange, rangeOf(text, '"config"'));
    const layer = symbols[3]!.children![0]!;
    assert.equal(layer.name, 'layers[0] (tar+gzip, 123 B)');
    assert.deepEqual(layer.selectionRange, rangeOf(text, `"${LAYER}"`));
    assert.equal(layer.kind, 1 /* File */);
    await c.close(u);
  });

  test('documentSymbol: an index names its entries by platform', async () => {
    const { uri: u } = await openFile(join(example, 'index.json'));
    const symbols = await request<DocumentSymbol[]>(c, DocumentSymbolRequest.method, {
      textDocument: { uri: u },
    });
    const entry = symbols.find((s) => s.name === 'manifests')!.children![0]!;
    assert.equal(entry.name, 'manifests[0] linux/amd64');
    assert.equal(entry.detail, `1.0 · OCI manifest · 611 B · ${MANIFEST.slice(0, 19)}`);
    await c.close(u);
  });

  test('documentLink and definition: digests link to their blob files, only when the blob is there', async () => {
    const { uri: u, text } = await openFile(join(broken, 'index.json'));
    const links = await request<DocumentLink[]>(c, DocumentLinkRequest.method, { textDocument: { uri: u } });
    assert.deepEqual(
      links.map((l) => [l.range, l.target]),
      [made.image, made.signature, made.bad].map((content) => [
        rangeOf(text, sha256(content)),
        uri(blobFile(broken, sha256(content))),
      ]),
    );
    assert.match(links[0]!.tooltip!, /^Open the manifest blob sha256:[0-9a-f]{12} \(OCI manifest\)$/);

    const image = await openFile(blobFile(broken, sha256(made.image)));
    const imageLinks = await request<DocumentLink[]>(c, DocumentLinkRequest.method, {
      textDocument: { uri: image.uri },
    });
    // The config and the first layer are there; the second layer is not.
    assert.deepEqual(
      imageLinks.map((l) => l.target),
      [sha256(made.config), sha256(TAR_LAYER)].map((d) => uri(blobFile(broken, d))),
    );

    const at = rangeOf(text, sha256(made.signature)).start;
    const def = await request<Location[]>(c, DefinitionRequest.method, {
      textDocument: { uri: u },
      position: { line: at.line, character: at.character + 10 },
    });
    assert.deepEqual(def, [
      {
        uri: uri(blobFile(broken, sha256(made.signature))),
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      },
    ]);
    const missing = rangeOf(image.text, sha256('missing layer')).start;
    assert.deepEqual(
      await request<Location[]>(c, DefinitionRequest.method, {
        textDocument: { uri: image.uri },
        position: missing,
      }),
      [],
    );
    const nowhere = rangeOf(text, '"schemaVersion"').start;
    assert.deepEqual(
      await request<Location[]>(c, DefinitionRequest.method, { textDocument: { uri: u }, position: nowhere }),
      [],
    );
    await c.close(u);
    await c.close(image.uri);
  });

  test('documentLink: nothing outside a layout', async () => {
    const u = fileUri('nav/outside.manifest.json');
    await c.open(u, readFileSync(blobFile(EXAMPLE, MANIFEST), 'utf8'));
    assert.deepEqual(
      await request<DocumentLink[]>(c, DocumentLinkRequest.method, { textDocument: { uri: u } }),
      [],
    );
    await c.close(u);
  });

  test('references: every document of the layout naming the digest, open documents as edited', async () => {
    const { uri: u, text } = await openFile(join(broken, 'index.json'));
    const digest = sha256(made.image);
    const at = rangeOf(text, digest).start;
    const params = { textDocument: { uri: u }, position: at, context: { includeDeclaration: true } };
    const refs = await request<Location[]>(c, ReferencesRequest.method, params);
    const sigUri = uri(blobFile(broken, sha256(made.signature)));
    assert.deepEqual(refs, [
      { uri: u, range: rangeOf(text, digest) },
      { uri: sigUri, range: rangeOf(made.signature, digest) },
    ]);

    // The signature open with an edit that moves its subject: the edited text counts.
    const edited = made.signature.replace('"layers": [],', '"layers": [\n\n],');
    await c.open(sigUri, edited);
    const again = await request<Location[]>(c, ReferencesRequest.method, params);
    assert.deepEqual(again[1], { uri: sigUri, range: rangeOf(edited, digest) });
    await c.close(sigUri);
    await c.close(u);
  });

  test('references: the config digest is found in every manifest that uses it', async () => {
    const { uri: u, text } = await openFile(blobFile(broken, sha256(made.image)));
    const digest = sha256(made.config);
    const refs = await request<Location[]>(c, ReferencesRequest.method, {
      textDocument: { uri: u },
      position: rangeOf(text, digest).end,
      context: { includeDeclaration: false },
    });
    assert.deepEqual(refs.map((r) => r.uri).sort(), [u, uri(blobFile(broken, sha256(made.bad)))].sort());
    await c.close(u);
  });

  test('codeLens: platform and size above each descriptor, Verify with the descriptor path', async () => {
    const { uri: u, text } = await openFile(join(example, 'index.json'));
    const lenses = await request<CodeLens[]>(c, CodeLensRequest.method, { textDocument: { uri: u } });
    const line = positionAt(text, text.indexOf('{', text.indexOf('"manifests"')));
    assert.deepEqual(lenses, [
      { range: { start: line, end: line }, command: { title: 'tag 1.0 · linux/amd64 · 611 B', command: '' } },
      {
        range: { start: line, end: line },
        command: {
          title: 'Verify',
          command: VERIFY_DIGESTS_COMMAND,
          arguments: [{ uri: u, path: ['manifests', 0], digest: MANIFEST } satisfies VerifyDigestsArgs],
        },
      },
    ]);
    await c.close(u);

    const image = await openFile(blobFile(broken, sha256(made.image)));
    const titles = (
      await request<CodeLens[]>(c, CodeLensRequest.method, { textDocument: { uri: image.uri } })
    ).map((l) => l.command!.title);
    assert.deepEqual(titles, [
      'OCI config · 272 B',
      'Verify',
      'tar · 2.0 KiB',
      'Verify',
      'tar · 13 B · not in this layout',
      'Verify',
    ]);
    await c.close(image.uri);
  });

  test('ociManifest/layoutGraph: the graph for a folder or a file; null outside a layout', async () => {
    const g = await c.connection.sendRequest(LayoutGraphRequest, { uri: uri(broken) });
    assert.ok(g);
    assert.equal(g.root, uri(broken));
    assert.deepEqual(
      g.index.entries.map((e) => [e.label, e.referrer ?? false]),
      [
        ['app', false],
        ['example.signature', true],
        ['bad', false],
      ],
    );
    const image = g.blobs[sha256(made.image)]!;
    assert.deepEqual(image.referrers, [sha256(made.signature)]);
    assert.equal(image.uri, uri(blobFile(broken, sha256(made.image))));
    assert.deepEqual(
      image.children!.map((e) => g.blobs[e.target!]!.status),
      ['ok', 'ok', 'missing'],
    );
    const fromBlob = await c.connection.sendRequest(LayoutGraphRequest, {
      uri: uri(blobFile(broken, sha256(made.bad))),
    });
    assert.deepEqual(fromBlob, g);
    assert.equal(await c.connection.sendRequest(LayoutGraphRequest, { uri: uri(tmp.dir) }), null);
    assert.equal(await c.connection.sendRequest(LayoutGraphRequest, { uri: 'untitled:x' }), null);
    assert.deepEqual(c.errorLogs(), []);
  });

  test(
    'ociManifest/layoutGraph on a layout made by umoci',
    { skip: !HAVE_UMOCI && 'umoci is not installed' },
    async () => {
      const dir = join(tmp.dir, 'umoci');
      const ids = makeUmociLayout(dir);
      const g = await c.connection.sendRequest(LayoutGraphRequest, {
        uri: uri(join(dir, 'index.json')),
      });
      assert.ok(g);
      assert.deepEqual(
        g.index.entries.map((e) => e.refName),
        ['base', 'v1', 'v1-arm', 'multi'],
      );
      const nested = g.blobs[ids.multi]!;
      assert.deepEqual(
        nested.children!.map((e) => e.platform),
        ['linux/amd64', 'linux/arm64/v8'],
      );
      for (const node of Object.values(g.blobs))
        assert.equal(node.status, 'ok', `${node.digest}: ${node.problem}`);
    },
  );
});

describe('documentSymbol for clients without hierarchy', () => {
  test('a flat list with container names', async () => {
    const c = await LspClient.start({ settings: { diagnostics: { delay: 0 } } });
    try {
      const u = fileUri('flat/x.manifest.json');
      await c.open(u, readFileSync(blobFile(EXAMPLE, MANIFEST), 'utf8'));
      const list = await request<SymbolInformation[]>(c, DocumentSymbolRequest.method, {
        textDocument: { uri: u },
      });
      const layer = list.find((s) => s.name.startsWith('layers[0]'))!;
      assert.equal(layer.containerName, 'layers');
      assert.equal(layer.location.uri, u);
    } finally {
      await c.stop();
    }
  });

  test('definition answers links to a client that supports them', async () => {
    const tmp = tempDir('oci-navigation-links-');
    const c = await LspClient.start({
      settings: { diagnostics: { delay: 0 } },
      capabilities: { textDocument: { definition: { linkSupport: true } } },
    });
    try {
      cpSync(EXAMPLE, join(tmp.dir, 'l'), { recursive: true });
      const path = join(tmp.dir, 'l', 'index.json');
      const text = readFileSync(path, 'utf8');
      await c.open(uri(path), text);
      const at = rangeOf(text, MANIFEST);
      const links = await request<LocationLink[]>(c, DefinitionRequest.method, {
        textDocument: { uri: uri(path) },
        position: at.start,
      });
      assert.equal(links.length, 1);
      assert.deepEqual(links[0]!.originSelectionRange, at);
      assert.equal(links[0]!.targetUri, uri(blobFile(join(tmp.dir, 'l'), MANIFEST)));
    } finally {
      await c.stop();
      tmp.cleanup();
    }
  });
});

describe('hovers read through the safe reader', () => {
  test('a digest whose blob is a link out of the layout is not "there" (its size is not read)', async () => {
    const tmp = tempDir('oci-hover-');
    const c = await LspClient.start({ settings: { diagnostics: { delay: 0 } } });
    try {
      const dir = join(tmp.dir, 'l');
      const config = j({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
      const secret = '18 bytes, outside!';
      const inside = 'a layer inside';
      const manifest = j({
        schemaVersion: 2,
        mediaType: MT.manifest,
        config: descriptorOf(MT.config, config),
        layers: [descriptorOf(MT.layer, secret), descriptorOf(MT.layer, inside)],
      });
      writeLayout(dir, { schemaVersion: 2, manifests: [descriptorOf(MT.manifest, manifest)] }, [
        config,
        manifest,
        inside,
      ]);
      const outside = join(tmp.dir, 'outside-file');
      writeFileSync(outside, secret);
      symlinkSync(outside, blobFile(dir, sha256(secret)));
      const u = uri(blobFile(dir, sha256(manifest)));
      await c.open(u, manifest);
      // The hover as it reads once rendered (its Markdown escapes punctuation).
      const hoverOn = async (digest: string): Promise<string> => {
        const at = rangeOf(manifest, digest).start;
        const contents = (await c.hover(u, at.line, at.character + 5))?.contents as MarkupContent | undefined;
        return shownText(contents?.value ?? '');
      };
      // Before: "exists, 18 bytes" (the hover followed the link).
      const out = await hoverOn(sha256(secret));
      assert.doesNotMatch(out, /exists/);
      assert.match(
        out,
        /is a symbolic link that leads outside the layout's blobs directory, so it is not read/,
      );
      assert.match(await hoverOn(sha256(inside)), /exists, 14 bytes/);
    } finally {
      await c.stop();
      tmp.cleanup();
    }
  });
});

describe('workspace diagnostics for layouts', () => {
  let tmp: ReturnType<typeof tempDir>;
  let ws: string;
  let made: ReturnType<typeof brokenLayout>;
  before(() => {
    tmp = tempDir('oci-workspace-');
    ws = join(tmp.dir, 'ws');
    made = brokenLayout(join(ws, 'broken'));
    cpSync(EXAMPLE, join(ws, 'example'), { recursive: true });
    // A layout too large to check: 201 blobs, one of them broken.
    const big = join(ws, 'big');
    writeLayout(big, { schemaVersion: 2, manifests: [] }, [made.bad]);
    for (let i = 0; i < 200; i++)
      writeFileSync(join(big, 'blobs', 'sha256', sha256(`blob ${i}`).slice(7)), `blob ${i}`);
    mkdirSync(join(ws, 'node_modules'), { recursive: true });
  });
  after(() => tmp.cleanup());

  const badUri = (): string => uri(blobFile(join(ws, 'broken'), sha256(made.bad)));
  const schemaVersion = (p: { diagnostics: Diagnostic[] }) =>
    p.diagnostics.filter((d) => d.code === 'oci/schema-version');

  test('push: a broken blob of a small layout is reported without opening it; large layouts are skipped', async () => {
    const c = await LspClient.start({ settings: { diagnostics: { delay: 0 } }, workspaceFolders: [uri(ws)] });
    try {
      const first = await c.waitForPublish(badUri(), 0, (p) => schemaVersion(p).length === 1, 10_000);
      assert.deepEqual(schemaVersion(first)[0]!.range, rangeOf(made.bad, '"2"'));
      // Only files with problems are published: the example layout is clean, the big one is not checked.
      for (const published of c.publishes.keys())
        assert.ok(published.startsWith(uri(join(ws, 'broken'))), published);

      // Opening the file hands it to the document diagnostics (which report the same problem).
      let mark = c.mark(badUri());
      await c.open(badUri(), made.bad);
      const own = await c.waitForPublish(badUri(), mark);
      assert.equal(own.version, 1);
      assert.equal(schemaVersion(own).length, 1);
      // Fixing it in the editor clears it, and closing it brings back what the disk says.
      mark = c.mark(badUri());
      // The version's own publish: one for the version before may still be on its way (a background check).
      const fixed = await c.change(badUri(), made.bad.replace('"2"', '2'));
      assert.deepEqual((await c.waitForPublish(badUri(), mark, (p) => p.version === fixed)).diagnostics, []);
      mark = c.mark(badUri());
      await c.close(badUri());
      await c.waitForPublish(badUri(), mark, (p) => schemaVersion(p).length === 1, 10_000);

      // Turning the setting off clears the layout's diagnostics.
      mark = c.mark(badUri());
      await c.configure({ diagnostics: { delay: 0 }, layouts: { workspaceDiagnostics: false } });
      const cleared = await c.waitForPublish(badUri(), mark, undefined, 10_000);
      assert.deepEqual(cleared.diagnostics, []);
      assert.deepEqual(c.errorLogs(), []);
    } finally {
      await c.stop();
    }
  });

  test('folders added later and files changed on disk are checked again', async () => {
    const c = await LspClient.start({
      settings: { diagnostics: { delay: 0 } },
      workspaceFolders: [],
      capabilities: {
        workspace: { workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
      },
    });
    try {
      assert.deepEqual(c.initializeResult.capabilities.workspace?.workspaceFolders, {
        supported: true,
        changeNotifications: true,
      });
      await LspClient.sleep(300);
      assert.equal(c.publishes.size, 0, 'no folders, nothing checked');
      await c.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, {
        event: { added: [{ uri: uri(ws), name: 'ws' }], removed: [] },
      });
      await c.waitForPublish(badUri(), 0, (p) => schemaVersion(p).length === 1, 10_000);

      // The blob is repaired on disk (in place, so its name no longer matches, which is not this feature's business).
      const fixedPath = blobFile(join(ws, 'broken'), sha256(made.bad));
      const mark = c.mark(badUri());
      writeFileSync(fixedPath, made.bad.replace('"2"', '2'));
      await c.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
        changes: [{ uri: badUri(), type: FileChangeType.Changed }],
      });
      assert.deepEqual((await c.waitForPublish(badUri(), mark, undefined, 10_000)).diagnostics, []);

      // A new layout appears: its oci-layout file makes the server look for layouts again.
      const fresh = join(ws, 'fresh');
      const layoutMade = brokenLayout(fresh);
      const freshBad = uri(blobFile(fresh, sha256(layoutMade.bad)));
      await c.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
        changes: [{ uri: uri(join(fresh, 'oci-layout')), type: FileChangeType.Created }],
      });
      await c.waitForPublish(freshBad, 0, (p) => schemaVersion(p).length === 1, 10_000);
      writeFileSync(fixedPath, made.bad);
      assert.deepEqual(c.errorLogs(), []);
    } finally {
      await c.stop();
    }
  });

  test('pull: pushed for closed files, cleared while the file is open (its pulled diagnostics take over)', async () => {
    const c = await LspClient.start({
      pull: true,
      settings: { diagnostics: { delay: 0 } },
      workspaceFolders: [uri(ws)],
    });
    try {
      assert.equal(c.initializeResult.capabilities.diagnosticProvider?.workspaceDiagnostics, false);
      await c.waitForPublish(badUri(), 0, (p) => schemaVersion(p).length === 1, 10_000);
      let mark = c.mark(badUri());
      await c.open(badUri(), made.bad);
      assert.deepEqual((await c.waitForPublish(badUri(), mark)).diagnostics, []);
      const pulled = await c.pull(badUri());
      assert.equal(
        pulled.kind === 'full' && pulled.items.filter((d) => d.code === 'oci/schema-version').length,
        1,
      );
      mark = c.mark(badUri());
      await c.close(badUri());
      await c.waitForPublish(badUri(), mark, (p) => schemaVersion(p).length === 1, 10_000);
    } finally {
      await c.stop();
    }
  });
});
