/** Hovers (server/src/core/editing/hover.ts): one test per kind of hover, on real documents. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, hoverAt, type AnalyzeOptions, type HoverOptions } from '../../server/src/core/index';
import { EMPTY_BLOB, MT } from '../../server/src/core/catalog/core';
import { j, specIndex, specManifest } from '../helpers';

/** The hover at the `occurrence`-th `needle` (plus `delta` characters) and the text its range covers. */
function hover(
  text: string,
  needle: string,
  options: { delta?: number; occurrence?: number; analyze?: AnalyzeOptions; hover?: HoverOptions } = {},
) {
  let at = -1;
  for (let i = 0; i <= (options.occurrence ?? 0); i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} in the text`);
  const h = hoverAt(analyze(text, options.analyze), at + (options.delta ?? 1), options.hover);
  return h ? { md: h.markdown, covered: text.slice(h.offset, h.offset + h.length) } : undefined;
}

const manifest = j(specManifest());
const index = j(specIndex());

describe('hover: the document and its keys', () => {
  test('the opening brace names the detected kind and how it was decided', () => {
    const h = hover(index, '{', { delta: 0 });
    assert.equal(h?.covered, '{');
    assert.match(h!.md, /\*\*OCI image index\*\* \(`image-index`\).*top-level `mediaType`/);
    assert.match(h!.md, /image-index\.md#image-index-property-descriptions/);
  });

  test('a key: name, type, required for this kind, its description and the spec section', () => {
    const h = hover(manifest, '"layers"');
    assert.equal(h?.covered, '"layers"');
    assert.match(h!.md, /^\*\*`layers`\*\* · array · required in an OCI image manifest/);
    assert.match(h!.md, /base layer first/);
    assert.match(
      h!.md,
      /\(https:\/\/github\.com\/opencontainers\/image-spec\/blob\/main\/manifest\.md#image-manifest-property-descriptions\)/,
    );
    assert.doesNotMatch(h!.md, /\*\*Required\.\*\*/, 'the presence is said once');
  });

  test('an optional key, and a key of a descriptor', () => {
    assert.match(hover(manifest, '"subject"')!.md, /optional in an OCI image manifest/);
    const size = hover(manifest, '"size"')!;
    assert.match(size.md, /^\*\*`size`\*\* · integer · required in a descriptor/);
    assert.match(size.md, /descriptor\.md#properties/);
  });

  test('a constant shows its value; a Docker document links the Docker spec', () => {
    assert.match(hover(manifest, '"schemaVersion"')!.md, /integer · always `2`/);
    const docker = j({
      schemaVersion: 2,
      mediaType: MT.dockerList,
      manifests: [{ ...specIndex().manifests[0], mediaType: MT.dockerManifest }],
    });
    assert.match(hover(docker, '"manifests"')!.md, /manifest-v2-2\.md#manifest-list-field-descriptions/);
  });

  test('an entry of layers or manifests: what it points at', () => {
    const layer = manifest.indexOf('{', manifest.indexOf('"layers"'));
    const h = hoverAt(analyze(manifest), layer)!;
    assert.equal(manifest.slice(h.offset, h.offset + 1), '{');
    assert.match(
      h.markdown,
      /^\*\*`layers\[0\]`\*\* · a layer descriptor\n\n`application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip` · 32,654 bytes/,
    );
    const entry = index.indexOf('{', index.indexOf('"manifests"'));
    assert.match(hoverAt(analyze(index), entry)!.markdown, /an index entry .* · platform `linux\/ppc64le`/s);
  });

  test('an unknown key says consumers ignore it', () => {
    const h = hover(j({ ...specManifest(), extra: 1 }), '"extra"');
    assert.match(h!.md, /not a property the specification defines for an OCI image manifest/);
  });

  test('no hover on the blanks inside an object, nor in a document that is not served', () => {
    assert.equal(hover(manifest, '\n  "config"', { delta: 0 }), undefined);
    assert.equal(hoverAt(analyze('{"name": "x"}'), 2), undefined);
  });
});

describe('hover: media types', () => {
  test('a known type: what it is, who uses it, its equivalent, and that it fits', () => {
    const h = hover(manifest, MT.layerGzip);
    assert.equal(h?.covered, `"${MT.layerGzip}"`);
    assert.match(h!.md, /most common layer type/);
    assert.match(h!.md, /\*\*Used by:\*\* OCI/);
    assert.match(
      h!.md,
      /\*\*Docker equivalent:\*\* `application\/vnd\.docker\.image\.rootfs\.diff\.tar\.gzip`/,
    );
    assert.match(h!.md, /\*\*Here:\*\* ✓ fits as the type of a layer/);
  });

  test('a deprecated type names its replacement', () => {
    const text = j({
      ...specManifest(),
      layers: [
        {
          ...specManifest().layers[0],
          mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
        },
      ],
    });
    assert.match(
      hover(text, 'nondistributable')!.md,
      /\*\*Deprecated:\*\*.*use `application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip`/,
    );
  });

  test('a type that does not fit its position says so, with the rule', () => {
    const text = j({
      ...specManifest(),
      layers: [{ ...specManifest().layers[0], mediaType: MT.dockerLayer }],
    });
    const h = hover(text, MT.dockerLayer)!;
    assert.match(h.md, /\*\*Used by:\*\* Docker/);
    assert.match(h.md, /✗ does not fit the type of a layer \(`oci\/media-type-mixed`\)/);
  });

  test("the document's own type; an artifact type from another ecosystem", () => {
    assert.match(hover(manifest, MT.manifest)!.md, /✓ names this document as an OCI image manifest/);
    const text = j({ ...specManifest(), artifactType: 'application/vnd.cncf.helm.config.v1+json' });
    const h = hover(text, 'helm.config')!;
    assert.match(h.md, /\*\*Used by:\*\* Helm/);
    assert.match(h.md, /fits as an artifact type/);
  });

  test('a look-alike and an unknown type', () => {
    const look = j({
      ...specManifest(),
      layers: [{ ...specManifest().layers[0], mediaType: 'text/spdx+json' }],
    });
    assert.match(hover(look, 'text/spdx')!.md, /Looks like a misspelling of `application\/spdx\+json`/);
    const unknown = j({
      ...specManifest(),
      layers: [{ ...specManifest().layers[0], mediaType: 'application/x-made-up' }],
    });
    assert.match(hover(unknown, 'x-made-up')!.md, /Not a type oci-manifest knows/);
  });
});

describe('hover: digests', () => {
  test('algorithm, encoded length and well-formedness', () => {
    const h = hover(manifest, 'sha256:9834')!;
    assert.equal(h.covered, `"${specManifest().layers[0]!.digest}"`);
    assert.match(h.md, /\*\*Digest\*\* · SHA-256 \(`sha256`\) · 64 hex characters · ✓ well-formed/);
    assert.match(h.md, /descriptor\.md#digests/);
  });

  test('a malformed digest says why', () => {
    const text = j({ ...specManifest(), config: { ...specManifest().config, digest: 'sha256:ABC' } });
    assert.match(hover(text, 'sha256:ABC')!.md, /✗ malformed: it has 3 hex characters/);
  });

  test('the empty-descriptor digest is recognised by name', () => {
    const text = j({
      ...specManifest(),
      artifactType: 'application/spdx+json',
      config: { mediaType: MT.empty, digest: EMPTY_BLOB.digest, size: 2 },
    });
    assert.match(hover(text, EMPTY_BLOB.digest)!.md, /the \*\*empty descriptor\*\*/);
  });

  test('in an OCI image layout: whether the blob exists and its size on disk', () => {
    const present: HoverOptions = {
      blob: (d) => ({ path: `blobs/sha256/${d.slice(7)}`, exists: true, size: 32654 }),
    };
    const h = hover(manifest, 'sha256:9834', { hover: present })!;
    assert.match(
      h.md,
      /\*\*In this layout:\*\* `blobs\/sha256\/9834876d[0-9a-f]+` exists, 32,654 bytes \(31\.9 KiB\) · ✓ matches `size`/,
    );
    const other = hover(manifest, 'sha256:3c3a', { hover: present })!;
    assert.match(other.md, /✗ `size` says 16,724/);
    const missing = hover(manifest, 'sha256:9834', {
      hover: { blob: (d) => ({ path: `blobs/sha256/${d.slice(7)}`, exists: false }) },
    })!;
    assert.match(missing.md, /is missing/);
  });

  test('diff_ids of an image config are digests too', () => {
    const config = j({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [specManifest().layers[0]!.digest] },
    });
    assert.match(hover(config, 'sha256:9834')!.md, /\*\*Digest\*\* · SHA-256/);
  });
});

describe('hover: sizes, data, platforms, annotations', () => {
  test('a size in bytes and human units', () => {
    assert.match(hover(manifest, '32654', { delta: 0 })!.md, /^\*\*Size:\*\* 32,654 bytes \(31\.9 KiB\)$/);
    const big = j({ ...specManifest(), layers: [{ ...specManifest().layers[0], size: 1288490189 }] });
    assert.match(hover(big, '1288490189', { delta: 0 })!.md, /1,288,490,189 bytes \(1\.2 GiB\)/);
  });

  test('embedded data: decoded length and short printable text', () => {
    const text = j({
      ...specManifest(),
      layers: [
        {
          mediaType: MT.layerTar,
          digest: 'sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
          size: 11,
          data: 'aGVsbG8gd29ybGQ=',
        },
      ],
    });
    const h = hover(text, 'aGVsbG8')!;
    assert.match(h.md, /11 bytes decoded from 16 base64 characters/);
    assert.match(h.md, /```text\nhello world\n```/);
    const binary = j({
      ...specManifest(),
      layers: [{ mediaType: MT.layerTar, digest: specManifest().layers[0]!.digest, size: 3, data: 'AAEC' }],
    });
    assert.match(hover(binary, 'AAEC')!.md, /Binary content/);
  });

  test('a platform: its full string and what the values mean', () => {
    const text = j({
      ...specIndex(),
      manifests: [
        { ...specIndex().manifests[0], platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    });
    const onKey = hover(text, '"platform"')!;
    assert.equal(onKey.covered, '"platform"');
    assert.match(onKey.md, /\*\*Platform\*\* `linux\/arm64\/v8`/);
    assert.match(onKey.md, /`architecture` \*\*arm64\*\*: 64-bit ARM/);
    assert.match(onKey.md, /`variant` \*\*v8\*\*: ARMv8\.0-A/);
    assert.match(hover(text, '"v8"')!.md, /`linux\/arm64\/v8`/);
    const nearMiss = j({
      ...specIndex(),
      manifests: [{ ...specIndex().manifests[0], platform: { architecture: 'x86_64', os: 'linux' } }],
    });
    assert.match(hover(nearMiss, 'x86_64')!.md, /not a Go GOARCH name; write `amd64`/);
  });

  test("an image config's platform fields", () => {
    const config = j({
      architecture: 'arm',
      variant: 'v7',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
    });
    assert.match(hover(config, '"arm"')!.md, /`linux\/arm\/v7`/);
  });

  test('a pre-defined annotation key: meaning, value format, spec', () => {
    const text = j({
      ...specManifest(),
      annotations: { 'org.opencontainers.image.created': '2024-05-01T12:00:00Z' },
    });
    const h = hover(text, 'org.opencontainers.image.created')!;
    assert.equal(h.covered, '"org.opencontainers.image.created"');
    assert.match(h.md, /pre-defined OCI annotation/);
    assert.match(h.md, /\*\*Value:\*\* an RFC 3339 date-time/);
    assert.match(h.md, /\*\*Supersedes:\*\* `org\.label-schema\.build-date`/);
    assert.match(h.md, /annotations\.md#pre-defined-annotation-keys/);
    assert.match(hover(text, '2024-05-01')!.md, /an RFC 3339 date-time/, 'the value explains its key too');
  });

  test('a custom key and a misspelt key', () => {
    assert.match(hover(manifest, 'com.example.key1')!.md, /A custom key/);
    const text = j({ ...specManifest(), annotations: { 'org.opencontainers.image.license': 'MIT' } });
    // The finding's message is quoted as text: its punctuation is backslash-escaped in the Markdown.
    assert.match(
      hover(text, 'image.license')!.md.replace(/\\(.)/g, '$1'),
      /looks like a misspelling of the OCI key "org\.opencontainers\.image\.licenses"/,
    );
  });
});
