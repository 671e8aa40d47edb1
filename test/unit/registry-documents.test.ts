// The pure parts of registries in the editor: an index's entries with their platforms, the descriptors a document
// names, the summary shown for a binary blob, the tag-pinned references a hover may resolve and the hosts it may
// ask, and the Registries view's model (configured registries, what each node shows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../../server/src/core/json/document';
import {
  blobSummaryText,
  documentShape,
  indexEntries,
  isJsonMediaType,
  mayResolveTagsOn,
  namedDescriptors,
  tagReferenceAt,
} from '../../server/src/core/verify/registryDocuments';
import {
  openTarget,
  presentRegistry,
  referenceOf,
  registryGroups,
  type RegistryNode,
  type RepositoryNode,
  type TagNode,
} from '../../client/src/views/registryModel';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

test('indexEntries: the manifests of an index with platform text (variant included); entries without a valid digest are left out', () => {
  const value = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: d('a'),
        size: 10,
        platform: { os: 'linux', architecture: 'amd64' },
      },
      {
        digest: d('b'),
        size: 11,
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        annotations: { k: 'v', n: 1 },
      },
      { digest: 'sha256:short', size: 1 },
      { digest: d('c'), size: -1, artifactType: 'application/spdx+json' },
    ],
  };
  assert.deepEqual(indexEntries(value), [
    {
      digest: d('a'),
      role: 'manifests',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 10,
      platform: 'linux/amd64',
    },
    { digest: d('b'), role: 'manifests', size: 11, platform: 'linux/arm64/v8', annotations: { k: 'v' } },
    { digest: d('c'), role: 'manifests', artifactType: 'application/spdx+json' },
  ]);
  assert.equal(documentShape(value), 'index');
  assert.deepEqual(indexEntries({ config: {} }), []);
  assert.deepEqual(indexEntries('not an object'), []);
});

test('namedDescriptors: config, layers and subject of a manifest in document order; documentShape tells a manifest from other JSON', () => {
  const value = {
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('1'), size: 2 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('2'), size: 3 }],
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('3'), size: 4 },
  };
  assert.deepEqual(
    namedDescriptors(value).map((x) => [x.role, x.digest]),
    [
      ['config', d('1')],
      ['layers', d('2')],
      ['subject', d('3')],
    ],
  );
  assert.equal(documentShape(value), 'manifest');
  assert.equal(documentShape({ architecture: 'amd64' }), 'other');
  assert.equal(namedDescriptors(value, 1).length, 1);
});

test('isJsonMediaType: configs and +json types are documents; layers are not', () => {
  assert.equal(isJsonMediaType('application/vnd.oci.image.config.v1+json'), true);
  assert.equal(isJsonMediaType('application/json; charset=utf-8'), true);
  assert.equal(isJsonMediaType('application/vnd.oci.image.layer.v1.tar+gzip'), false);
  assert.equal(isJsonMediaType(undefined), false);
});

test('blobSummaryText: JSON with the reference, the descriptor (without its role), the HEAD with sorted headers, and whether the sizes agree', () => {
  const text = blobSummaryText({
    reference: `127.0.0.1:5000/app@${d('2')}`,
    descriptor: {
      digest: d('2'),
      size: 3,
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      role: 'layers',
    },
    head: {
      request: `HEAD http://127.0.0.1:5000/v2/app/blobs/${d('2')}`,
      status: 200,
      headers: { 'docker-content-digest': d('2'), 'content-length': '4', 'accept-ranges': 'bytes' },
    },
  });
  const v = JSON.parse(text) as Record<string, unknown>;
  assert.equal(v.blob, `127.0.0.1:5000/app@${d('2')}`);
  assert.deepEqual(v.descriptor, {
    digest: d('2'),
    size: 3,
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
  });
  assert.deepEqual(Object.keys((v.head as { headers: object }).headers), [
    'accept-ranges',
    'content-length',
    'docker-content-digest',
  ]);
  assert.equal(v.sizeAgrees, false);
  assert.ok(text.endsWith('}\n'));
  const unknown = JSON.parse(
    blobSummaryText({ reference: 'h/a@x', head: { request: 'HEAD u', status: 200, headers: {} } }),
  ) as Record<string, unknown>;
  assert.equal(unknown.descriptor, null);
  assert.equal('sizeAgrees' in unknown, false);
});

test('tagReferenceAt: a string naming its registry host with a tag and no digest; keys, Docker Hub short names and digests are not', () => {
  const text = JSON.stringify({
    annotations: {
      'org.opencontainers.image.base.name': 'registry.example.com/team/app:1.0',
      a: 'alpine:3.20',
      b: 'localhost:5000/app@sha256:' + 'e'.repeat(64),
      c: 'docker://localhost:5000/app:dev',
      e: 'application/vnd.oci.image.manifest.v1+json',
    },
  });
  const json = parseJson(text);
  const at = (needle: string) => tagReferenceAt(json, text.indexOf(needle) + 2);
  const r = at('registry.example.com/team/app:1.0');
  assert.deepEqual(r?.ref, { host: 'registry.example.com', repository: 'team/app', tag: '1.0' });
  assert.equal(text.slice(r!.offset, r!.offset + r!.length), '"registry.example.com/team/app:1.0"');
  assert.equal(at('alpine:3.20'), undefined);
  assert.equal(at('localhost:5000/app@'), undefined);
  assert.deepEqual(at('docker://localhost:5000/app:dev')?.ref, {
    host: 'localhost:5000',
    repository: 'app',
    tag: 'dev',
  });
  assert.equal(at('application/vnd'), undefined);
  assert.equal(at('org.opencontainers.image.base.name'), undefined, 'a key is not a value');
});

test('mayResolveTagsOn: configured registries (host or host/repo entries, any spelling), insecure hosts and loopback; nothing else', () => {
  const configured = { registries: ['registry.example.com:443/team/app', 'ghcr.io'], insecure: ['10.0.0.5'] };
  assert.equal(mayResolveTagsOn('registry.example.com', configured), true);
  assert.equal(mayResolveTagsOn('GHCR.io', configured), true);
  assert.equal(mayResolveTagsOn('10.0.0.5:5000', configured), true);
  assert.equal(mayResolveTagsOn('127.0.0.1:5000', configured), true);
  assert.equal(mayResolveTagsOn('localhost', configured), true);
  assert.equal(mayResolveTagsOn('evil.example.net', configured), false);
  assert.equal(
    mayResolveTagsOn('registry.example.com:5000', configured),
    false,
    'another port is another registry',
  );
  assert.equal(mayResolveTagsOn('ghcr.io', { registries: [], insecure: [] }), false);
});

test('registryGroups: one group per host however written, repositories from host/repo entries, invalid entries apart', () => {
  const { groups, invalid } = registryGroups([
    'localhost:5000',
    'docker://localhost:5000/team/app',
    'registry.example.com:443/app/',
    'registry.example.com/other',
    'Not A Host/x',
    'ghcr.io/UPPER',
  ]);
  assert.deepEqual(groups, [
    { registry: 'localhost:5000', repositories: ['team/app'] },
    { registry: 'registry.example.com:443', repositories: ['app', 'other'] },
  ]);
  assert.deepEqual(invalid, ['Not A Host/x', 'ghcr.io/UPPER']);
});

test('the Registries view model: icons and context values as in OCI Layouts; references with digest for copy and open targets', () => {
  const registry: RegistryNode = { type: 'registry', id: 'r', registry: 'localhost:5000', repositories: [] };
  const repo: RepositoryNode = {
    type: 'repository',
    id: 'p',
    registry: 'localhost:5000',
    repository: 'localhost:5000/team/app',
    parent: registry,
  };
  const tag: TagNode = { type: 'tag', id: 't', repository: repo.repository, tag: '1.0', parent: repo };
  assert.equal(presentRegistry(repo).label, 'team/app');
  assert.equal(referenceOf(tag), undefined, 'a tag’s digest is unknown until resolved');
  assert.equal(openTarget(tag), 'localhost:5000/team/app:1.0');
  tag.digest = d('a');
  tag.kind = 'index';
  const p = presentRegistry(tag);
  assert.deepEqual(
    [p.icon.id, p.description, p.contextValue],
    ['layers', `sha256:${'a'.repeat(12)}`, 'registryManifest digest reference'],
  );
  assert.equal(referenceOf(tag), `localhost:5000/team/app@${d('a')}`);
  const sbom = presentRegistry({
    type: 'entry',
    id: 'e',
    repository: repo.repository,
    role: 'referrer',
    parent: tag,
    entry: {
      digest: d('b'),
      artifactType: 'application/spdx+json',
      reference: `localhost:5000/team/app@${d('b')}`,
      uri: 'oci-blob://registry/x',
    },
  });
  assert.deepEqual(
    [sbom.label, sbom.icon.id, sbom.description],
    ['application/spdx+json', 'checklist', `referrer · sha256:${'b'.repeat(12)}`],
  );
  const platform = presentRegistry({
    type: 'entry',
    id: 'f',
    repository: repo.repository,
    role: 'platform',
    parent: tag,
    entry: {
      digest: d('c'),
      platform: 'linux/arm64/v8',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      reference: 'r',
      uri: 'u',
    },
  });
  assert.deepEqual([platform.label, platform.icon.id], ['linux/arm64/v8', 'package']);
});
