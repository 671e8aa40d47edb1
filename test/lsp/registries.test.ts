/**
 * Registries in the editor over stdio, against Debian's docker-registry on loopback: two images made by umoci and
 * pushed with skopeo, an index over them and a broken manifest PUT with the registry API, a manifest whose stored
 * bytes were changed afterwards, and an SBOM attached through the fallback tag. Open by reference (exact bytes,
 * named by digest, an index's platforms), readBlob of registry URIs (manifests, configs, a layer's summary), the
 * mismatch diagnostic, links and definitions into the same repository, the Registries view's requests, and the
 * hover on a tag-pinned reference (only for configured or loopback hosts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DefinitionRequest,
  DocumentLinkRequest,
  type Diagnostic,
  type DocumentLink,
  type Location,
} from 'vscode-languageserver-protocol/node';
import {
  blobUri,
  OpenReferenceRequest,
  ReadBlobRequest,
  RegistryCatalogRequest,
  RegistryReferrersRequest,
  RegistryTagsRequest,
  type OpenReferenceResult,
  type ReadBlobResult,
} from '../../server/src/protocol';
import { makeArchImages } from '../layouts';
import {
  api,
  attachSbom,
  configOnlyManifest,
  OCI_INDEX,
  OCI_MANIFEST,
  putManifest,
  sha256,
  uploadBlob,
} from '../registry/fixtures';
import { makeLayouts, push, requireTool, sh, startRegistry, tempDir, type Registry } from '../verify/tools';
import { fileUri, LspClient } from './client';

const codeOf = (d: Diagnostic): string => String(d.code);

let tmp: ReturnType<typeof tempDir>;
let reg: Registry;
let c: LspClient;
/** The pushed images: manifest digest, size and bytes per architecture. */
const images: Record<string, { digest: string; size: number; bytes: Buffer }> = {};
let index: { digest: string; bytes: string };
let broken: { digest: string; bytes: string; config: string; configDigest: string };
let tampered: { digest: string; stored: Buffer };

async function manifestBytes(host: string, repo: string, ref: string): Promise<Buffer> {
  const r = await api(host, 'GET', `/v2/${repo}/manifests/${ref}`, { headers: { Accept: OCI_MANIFEST } });
  assert.equal(r.status, 200, r.body.toString());
  return r.body;
}

before(async () => {
  requireTool('skopeo');
  requireTool('umoci');
  tmp = tempDir('oci-lsp-registries-');
  const layout = path.join(tmp.dir, 'images');
  makeArchImages(layout, ['amd64', 'arm64'], { layer: true });
  reg = await startRegistry();
  for (const arch of ['amd64', 'arm64']) {
    sh('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${layout}:${arch}`,
      `docker://${reg.host}/team/app:${arch}`,
    ]);
    const bytes = await manifestBytes(reg.host, 'team/app', arch);
    images[arch] = { digest: sha256(bytes), size: bytes.length, bytes };
  }
  const indexText = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: images.amd64!.digest,
          size: images.amd64!.size,
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: OCI_MANIFEST,
          digest: images.arm64!.digest,
          size: images.arm64!.size,
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
        },
      ],
    },
    null,
    2,
  );
  index = {
    digest: await putManifest(reg.host, 'team/app', 'multi', indexText, OCI_INDEX),
    bytes: indexText,
  };

  // A manifest the registry takes but the editor flags: a created date that is no date, a tag-pinned base.
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
  });
  const configDigest = await uploadBlob(reg.host, 'team/broken', config);
  const brokenText = configOnlyManifest(
    { digest: configDigest, size: config.length },
    {
      'org.opencontainers.image.created': 'yesterday',
      'org.opencontainers.image.base.name': `${reg.host}/team/app:amd64`,
    },
    2,
  );
  broken = {
    digest: await putManifest(reg.host, 'team/broken', '1', brokenText, OCI_MANIFEST),
    bytes: brokenText,
    config,
    configDigest,
  };

  // A manifest whose bytes in the registry's storage were changed after the push (still a manifest: the registry
  // parses what it serves).
  const good = configOnlyManifest({ digest: configDigest, size: config.length });
  await uploadBlob(reg.host, 'team/tampered', config);
  const digest = await putManifest(reg.host, 'team/tampered', '1', good, OCI_MANIFEST);
  const stored = Buffer.from(good.replace('"layers":[]', '"layers": []'));
  fs.writeFileSync(reg.blobData(digest), stored);
  tampered = { digest, stored };

  const settings = { diagnostics: { delay: 0 } };
  c = await LspClient.start({ settings, userSettings: { ...settings, registries: [] } });
});

after(async () => {
  await c?.stop();
  await reg?.stop();
  tmp?.remove();
});

const open = (reference: string): Promise<OpenReferenceResult> =>
  c.connection.sendRequest(OpenReferenceRequest, { reference }) as Promise<OpenReferenceResult>;
const read = (uri: string): Promise<ReadBlobResult> =>
  c.connection.sendRequest(ReadBlobRequest, { uri }) as Promise<ReadBlobResult>;

test('openReference resolves a tag to the index served, named by digest, with its platforms; readBlob returns its exact bytes', async () => {
  const r = await open(`docker://${reg.host}/team/app:multi`);
  const locator = `${reg.host}/team/app`;
  assert.equal(r.reference, `${reg.host}/team/app:multi`);
  assert.equal(r.repository, locator);
  assert.equal(r.kind, 'index');
  assert.equal(r.digest, index.digest);
  assert.equal(r.mediaType, OCI_INDEX);
  assert.equal(r.size, Buffer.byteLength(index.bytes));
  assert.equal(r.uri, blobUri({ source: 'registry', locator, digest: index.digest }));
  assert.equal(r.mismatch, undefined);
  assert.deepEqual(
    r.entries.map((e) => [e.platform, e.digest, e.reference, e.uri]),
    [
      [
        'linux/amd64',
        images.amd64!.digest,
        `${locator}@${images.amd64!.digest}`,
        blobUri({ source: 'registry', locator, digest: images.amd64!.digest }),
      ],
      [
        'linux/arm64/v8',
        images.arm64!.digest,
        `${locator}@${images.arm64!.digest}`,
        blobUri({ source: 'registry', locator, digest: images.arm64!.digest }),
      ],
    ],
  );
  assert.equal((await read(r.uri)).text, index.bytes);
  await assert.rejects(open(`${reg.host}/team/app:nope`), /has no manifest "nope" in team\/app \(404\)/);
  await assert.rejects(open('Not A Reference'), /holds white space/);
});

test('a registry manifest read by digest: exact bytes, linted, links and definitions to its config and layer in the same repository; the config reads as served, the layer as its descriptor and HEAD', async () => {
  const locator = `${reg.host}/team/app`;
  const img = images.arm64!;
  const u = blobUri({ source: 'registry', locator, digest: img.digest });
  const { text, where } = await read(u);
  assert.equal(text, img.bytes.toString('utf8'));
  assert.equal(where, `${locator}@${img.digest}`);
  const manifest = JSON.parse(text) as {
    config: { digest: string; size: number };
    layers: { digest: string; size: number; mediaType: string }[];
  };
  const mark = c.mark(u);
  await c.open(u, text);
  await c.waitForPublish(u, mark, () => true);
  assert.equal(c.kinds.filter((k) => k.uri === u).at(-1)?.kind, 'image-manifest');
  const links = (await c.connection.sendRequest(DocumentLinkRequest.method, {
    textDocument: { uri: u },
  })) as DocumentLink[];
  const configUri = blobUri({ source: 'registry', locator, digest: manifest.config.digest });
  const layerUri = blobUri({ source: 'registry', locator, digest: manifest.layers[0]!.digest });
  assert.deepEqual(
    links.map((l) => l.target),
    [configUri, layerUri],
  );
  // Go to Definition on the config's digest.
  const at = text.indexOf(manifest.config.digest) + 10;
  const line = text.slice(0, at).split('\n').length - 1;
  const character = at - text.lastIndexOf('\n', at - 1) - 1;
  const defs = (await c.connection.sendRequest(DefinitionRequest.method, {
    textDocument: { uri: u },
    position: { line, character },
  })) as Location[];
  assert.deepEqual(
    defs.map((d) => d.uri),
    [configUri],
  );
  const configBytes = await api(reg.host, 'GET', `/v2/team/app/blobs/${manifest.config.digest}`);
  assert.equal((await read(configUri)).text, configBytes.body.toString('utf8'));
  const layer = JSON.parse((await read(layerUri)).text) as {
    blob: string;
    descriptor: { digest: string; size: number; mediaType: string };
    head: { request: string; status: number; headers: Record<string, string> };
    sizeAgrees: boolean;
  };
  assert.equal(layer.blob, `${locator}@${manifest.layers[0]!.digest}`);
  assert.deepEqual(layer.descriptor, {
    digest: manifest.layers[0]!.digest,
    mediaType: manifest.layers[0]!.mediaType,
    size: manifest.layers[0]!.size,
  });
  assert.equal(layer.head.request, `HEAD http://${reg.host}/v2/team/app/blobs/${manifest.layers[0]!.digest}`);
  assert.equal(layer.head.status, 200);
  assert.equal(layer.head.headers['docker-content-digest'], manifest.layers[0]!.digest);
  assert.equal(layer.head.headers['content-length'], String(manifest.layers[0]!.size));
  assert.equal(layer.sizeAgrees, true);
  await c.close(u);
  await assert.rejects(
    read(blobUri({ source: 'registry', locator, digest: `sha256:${'0'.repeat(64)}` })),
    /has no manifest or blob sha256:0{64} \(the registry answered 404\)/,
  );
});

test('a manifest whose stored bytes changed: opened as served, with oci/registry-digest-mismatch at its start (by digest and by tag)', async () => {
  const locator = `${reg.host}/team/tampered`;
  const byDigest = await open(`${locator}@${tampered.digest}`);
  assert.equal(byDigest.digest, tampered.digest);
  assert.match(
    byDigest.mismatch ?? '',
    /served content that hashes to sha256:[0-9a-f]{64}, not to the digest asked for/,
  );
  const u = byDigest.uri;
  assert.equal(u, blobUri({ source: 'registry', locator, digest: tampered.digest }));
  const { text } = await read(u);
  assert.equal(text, tampered.stored.toString('utf8'));
  const mark = c.mark(u);
  await c.open(u, text);
  const p = await c.waitForPublish(u, mark, (x) =>
    x.diagnostics.some((d) => codeOf(d) === 'oci/registry-digest-mismatch'),
  );
  const d = p.diagnostics.find((x) => codeOf(x) === 'oci/registry-digest-mismatch')!;
  assert.equal(d.severity, 1);
  assert.deepEqual(d.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
  assert.deepEqual(d.data, {
    code: 'oci/registry-digest-mismatch',
    actualDigest: sha256(tampered.stored),
    expectedDigest: tampered.digest,
  });
  assert.match(
    typeof d.message === 'string' ? d.message : d.message.value,
    /^The registry did not serve what was asked for: /,
  );
  await c.close(u);

  const byTag = await open(`${locator}:1`);
  assert.equal(byTag.digest, sha256(tampered.stored), 'a tag’s document is named by the digest of its bytes');
  assert.match(
    byTag.mismatch ?? '',
    new RegExp(`announced the Docker-Content-Digest ${tampered.digest}, but the content it served hashes to`),
  );
});

test('a pushed broken manifest opened by reference gets the lint findings; its config opens from the same repository', async () => {
  const r = await open(`${reg.host}/team/broken:1`);
  assert.equal(r.digest, broken.digest);
  assert.equal(r.kind, 'manifest');
  const { text } = await read(r.uri);
  assert.equal(text, broken.bytes);
  const mark = c.mark(r.uri);
  await c.open(r.uri, text);
  const p = await c.waitForPublish(r.uri, mark, (x) =>
    x.diagnostics.some((d) => codeOf(d) === 'oci/annotation-format'),
  );
  const f = p.diagnostics.find((d) => codeOf(d) === 'oci/annotation-format')!;
  const start = text.indexOf('"yesterday"');
  const line = text.slice(0, start).split('\n').length - 1;
  assert.equal(f.range.start.line, line);
  assert.equal(f.range.start.character, start - text.lastIndexOf('\n', start) - 1);
  assert.ok(!p.diagnostics.some((d) => codeOf(d).startsWith('oci/registry-')));
  const config = blobUri({
    source: 'registry',
    locator: `${reg.host}/team/broken`,
    digest: broken.configDigest,
  });
  assert.equal((await read(config)).text, broken.config);
  await c.close(r.uri);
});

test('the Registries view: the catalog, the tags, and the referrers of a manifest through the fallback tag', async () => {
  const catalog = await c.connection.sendRequest(RegistryCatalogRequest, { registry: reg.host });
  assert.deepEqual(catalog, {
    available: true,
    repositories: ['team/app', 'team/broken', 'team/tampered'],
    truncated: false,
  });
  const tags = await c.connection.sendRequest(RegistryTagsRequest, { repository: `${reg.host}/team/app` });
  assert.deepEqual(
    { ...tags, tags: [...tags.tags].sort() },
    {
      found: true,
      tags: ['amd64', 'arm64', 'multi'],
      truncated: false,
    },
  );
  const none = await c.connection.sendRequest(RegistryTagsRequest, { repository: `${reg.host}/team/none` });
  assert.deepEqual(none, { found: false, tags: [], truncated: false });

  const before = await c.connection.sendRequest(RegistryReferrersRequest, {
    repository: `${reg.host}/team/app`,
    digest: images.amd64!.digest,
  });
  assert.deepEqual(before, {
    referrers: [],
    via: 'tag',
    tag: `sha256-${images.amd64!.digest.slice(7)}`,
    warnings: [],
  });
  const sbom = await attachSbom(reg.host, 'team/app', images.amd64!);
  const after = await c.connection.sendRequest(RegistryReferrersRequest, {
    repository: `${reg.host}/team/app`,
    digest: images.amd64!.digest,
  });
  assert.equal(after.via, 'tag');
  assert.deepEqual(
    after.referrers.map((e) => [e.digest, e.artifactType, e.reference, e.uri]),
    [
      [
        sbom.digest,
        'application/spdx+json',
        `${reg.host}/team/app@${sbom.digest}`,
        blobUri({ source: 'registry', locator: `${reg.host}/team/app`, digest: sbom.digest }),
      ],
    ],
  );
  assert.equal((await read(after.referrers[0]!.uri)).text, sbom.manifest);
});

test('a hover on a tag-pinned reference says which digest the tag names now; a host nobody configured is never asked', async () => {
  const text = configOnlyManifest(
    { digest: broken.configDigest, size: 2 },
    {
      'org.opencontainers.image.base.name': `${reg.host}/team/app:arm64`,
      'org.opencontainers.image.ref.name': 'registry.example.invalid/team/app:1',
    },
    2,
  );
  const u = fileUri('tag-hover.manifest.json');
  await c.open(u, text);
  const position = (needle: string) => {
    const at = text.indexOf(needle) + 5;
    return {
      line: text.slice(0, at).split('\n').length - 1,
      character: at - text.lastIndexOf('\n', at - 1) - 1,
    };
  };
  const value = (h: Awaited<ReturnType<LspClient['hover']>>): string =>
    h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
  const p = position(`"${reg.host}/team/app:arm64"`);
  const h = value(await c.hover(u, p.line, p.character));
  assert.match(
    h,
    new RegExp(
      `\\*\\*Tag\\*\\* \`${reg.host.replace(/\./g, '\\.')}/team/app:arm64\` resolves now to \`${images.arm64!.digest}\` \\(\`${OCI_MANIFEST.replace(/[.+]/g, '\\$&')}\`, [^)]+\\), as the registry answered a HEAD of the manifest at \\d\\d:\\d\\d:\\d\\d UTC\\.`,
    ),
  );
  const q = position('"registry.example.invalid/team/app:1"');
  const other = value(await c.hover(u, q.line, q.character));
  assert.ok(!other.includes('**Tag**'), other);
  await c.close(u);
});

test('basic auth: credentials sent with the request (as the client sends SecretStorage’s) open the manifest, stay with that host for its documents, and appear in no answer', async () => {
  const auth = await startRegistry({ user: 'editor', password: 'Pa55-in-secret' });
  try {
    const { clean } = makeLayouts(path.join(tmp.dir, 'auth'));
    push(clean, auth.host, 'team/private', 'editor:Pa55-in-secret');
    const basic = `Basic ${Buffer.from('editor:Pa55-in-secret').toString('base64')}`;
    const served = await api(auth.host, 'GET', '/v2/team/private/manifests/1', {
      headers: { Accept: OCI_MANIFEST, Authorization: basic },
    });
    assert.equal(served.status, 200);
    const r = (await c.connection.sendRequest(OpenReferenceRequest, {
      reference: `${auth.host}/team/private:1`,
      credentials: { username: 'editor', password: 'Pa55-in-secret' },
    })) as OpenReferenceResult;
    assert.equal(r.digest, sha256(served.body));
    const manifest = JSON.parse(served.body.toString('utf8')) as { config: { digest: string } };
    // A later read without credentials (a link followed) uses the host's client, which kept them.
    const config = await read(
      blobUri({ source: 'registry', locator: `${auth.host}/team/private`, digest: manifest.config.digest }),
    );
    const expected = await api(auth.host, 'GET', `/v2/team/private/blobs/${manifest.config.digest}`, {
      headers: { Authorization: basic },
    });
    assert.equal(config.text, expected.body.toString('utf8'));
    const everything = JSON.stringify([r, config, c.logs]);
    assert.ok(!everything.includes('Pa55-in-secret') && !everything.includes(basic.slice(6)));
    await assert.rejects(
      c.connection.sendRequest(OpenReferenceRequest, {
        reference: `${auth.host}/team/private:1`,
        credentials: { username: 'editor', password: 'wrong' },
      }),
      (err: Error) =>
        /refused the user name and password/.test(err.message) && !err.message.includes('wrong'),
    );
  } finally {
    await auth.stop();
  }
});
