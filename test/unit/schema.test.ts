import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../fixes';
import Ajv2020 from 'ajv/dist/2020';
import {
  checkContext,
  covered,
  expectNone,
  expectOne,
  j,
  lint,
  specConfig,
  specIndex,
  specManifest,
  withCode,
} from '../helpers';
import { ALL_SCHEMAS, KIND_SCHEMAS, schemaAt, type SchemaNode } from '../../server/src/core/schemas';
import { editDistance, mapSchemaErrors, nearMiss, schemaCheck } from '../../server/src/core/checks/schema';
import type { DocumentKind } from '../../server/src/core/kinds';

const SCHEMA_CODES = ['oci/required-property', 'oci/type', 'oci/unknown-property'];
const schemaFindings = (text: string, kind?: DocumentKind) =>
  lint(text, kind ? { kind } : {}).filter((f) => SCHEMA_CODES.includes(f.code));

// ---- the schemas themselves ---------------------------------------------------------------------------

test('every schema compiles, also under Ajv strict mode', () => {
  for (const strict of [false, true]) {
    const ajv = new Ajv2020({ allErrors: true, strict, validateFormats: false, logger: false });
    ajv.addKeyword('markdownDescription');
    for (const s of ALL_SCHEMAS) ajv.addSchema(s as object);
    for (const [kind, s] of Object.entries(KIND_SCHEMAS)) {
      assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema', kind);
      assert.match(s.$id ?? '', /^https:\/\/oci-manifest\.dev\/schemas\/[a-z-]+\.schema\.json$/, kind);
      assert.ok(ajv.getSchema(s.$id!), `${kind} compiles (strict: ${strict})`);
    }
  }
});

/** Every schema node in every file, with a readable location. */
function* nodes(): Generator<{ at: string; node: SchemaNode }> {
  const stack: { at: string; node: unknown }[] = ALL_SCHEMAS.map((s) => ({
    at: s.$id!.replace(/.*\//, ''),
    node: s,
  }));
  while (stack.length) {
    const { at, node } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (!Array.isArray(node)) yield { at, node: node as SchemaNode };
    for (const [k, v] of Object.entries(node))
      if (typeof v === 'object' && v !== null) stack.push({ at: `${at}/${k}`, node: v });
  }
}

test('every property in every schema has a description and a markdownDescription', () => {
  let count = 0;
  for (const { at, node } of nodes()) {
    if (!node.properties || at.endsWith('/properties')) continue;
    const required = new Set(node.required ?? []);
    for (const [name, prop] of Object.entries(node.properties)) {
      count++;
      const where = `${at}/properties/${name}`;
      for (const key of ['description', 'markdownDescription'] as const) {
        const text = prop[key];
        assert.equal(typeof text, 'string', `${where} has ${key}`);
        assert.ok((text as string).length > 20, `${where} ${key} says something`);
        const prose = (text as string).replace(/\be\.g\./g, 'eg');
        const sentences = prose.split(/[.!?](?=\s+[A-Z*`]|\s*$)/).filter((x) => x.trim()).length;
        assert.ok(sentences >= 1 && sentences <= 3, `${where} ${key}: one to three sentences (${sentences})`);
        assert.match(
          text as string,
          /required|optional|recommended|reserved/i,
          `${where} ${key} says whether it is required`,
        );
      }
      if (required.has(name))
        assert.match(prop.description!, /^Required/, `${where} is required and says so first`);
      else assert.doesNotMatch(prop.description!, /^Required/, `${where} is optional but says Required`);
    }
  }
  assert.ok(count > 80, `walked ${count} properties`);
});

test('no schema closes an object, and combinator branches are inline', () => {
  // Unknown properties must be tolerated (image-spec considerations.md), and the anyOf/oneOf collapse
  // recognises branch errors by their schema path, which a $ref inside a branch would hide.
  for (const { at, node } of nodes()) {
    if (at.endsWith('/properties')) continue;
    assert.notEqual(node.additionalProperties, false, `${at} closes an object`);
    for (const k of ['anyOf', 'oneOf'] as const) {
      for (const branch of node[k] ?? [])
        assert.doesNotMatch(JSON.stringify(branch), /"\$ref"/, `${at}/${k} branch uses $ref`);
    }
  }
});

test('schemaAt finds the description of a path, through $ref and array items', () => {
  const place = schemaAt('image-manifest', ['layers', 3, 'digest']);
  assert.match(String(place?.get('description')), /^Required\. The content address/);
  assert.match(
    String(schemaAt('image-index', ['manifests', 0, 'platform', 'os.version'])?.get('markdownDescription')),
    /Optional/,
  );
  assert.match(String(schemaAt('docker-config', ['config', 'Env'])?.get('description')), /NAME=value/);
  assert.match(String(schemaAt('docker-config', ['config', 'Hostname'])?.get('description')), /host name/);
  assert.equal(schemaAt('image-manifest', ['nope', 'deeper']), undefined);
});

// ---- the spec's examples --------------------------------------------------------------------------------

const D = (n: string) => `sha256:${n.repeat(64).slice(0, 64)}`;
const EMPTY = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
};

const dockerManifest = () => ({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: D('b5'), size: 7023 },
  layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: D('e6'), size: 32654 }],
});

const dockerList = () => ({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
  manifests: [
    {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      digest: D('e6'),
      size: 7143,
      platform: { architecture: 'ppc64le', os: 'linux' },
    },
    {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      digest: D('5b'),
      size: 7682,
      platform: { architecture: 'amd64', os: 'linux', features: ['sse4'] },
    },
  ],
});

test('the spec examples produce no schema findings', () => {
  const cases: [unknown, DocumentKind?][] = [
    [specManifest()],
    [specIndex()],
    [
      {
        ...specIndex(),
        manifests: [
          specIndex().manifests[0],
          { mediaType: 'application/vnd.oci.image.index.v1+json', size: 7682, digest: D('60') },
        ],
      },
    ],
    [specConfig(), 'image-config'],
    [{ imageLayoutVersion: '1.0.0' }, 'layout-header'],
    [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 7682,
        digest: D('5b'),
        urls: ['https://example.com/example-manifest'],
      },
      'descriptor',
    ],
    [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 123,
        digest: D('87'),
        artifactType: 'application/vnd.example.sbom.v1',
      },
      'descriptor',
    ],
    [{ ...EMPTY, data: 'e30=' }, 'descriptor'],
    [
      {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.example+type',
        config: EMPTY,
        layers: [EMPTY],
        annotations: { 'com.example.data': 'payload' },
      },
    ],
    [dockerManifest()],
    [dockerList()],
    [
      {
        ...specConfig(),
        container_config: { Hostname: '8dfe43d80430', Tty: false, Cmd: null, Image: D('69') },
        docker_version: '1.9.0',
      },
      'docker-config',
    ],
    [
      {
        mediaType: 'application/vnd.oci.artifact.manifest.v1+json',
        artifactType: 'application/vnd.example.sbom.v1',
        blobs: [EMPTY],
        subject: specManifest().subject,
      },
    ],
  ];
  for (const [doc, kind] of cases) {
    const text = j(doc);
    assert.deepEqual(
      schemaFindings(text, kind).map((f) => f.message),
      [],
      text.slice(0, 200),
    );
  }
});

test("a clean 10,000-entry index gets no schema finding (speed is npm run bench's)", () => {
  const big = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: Array.from({ length: 10_000 }, (_, i) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 1000 + i,
      digest: `sha256:${i.toString(16).padStart(64, '0')}`,
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { 'org.opencontainers.image.ref.name': `v${i}` },
    })),
  };
  const text = JSON.stringify(big);
  const reported: string[] = [];
  schemaCheck.run(checkContext('image-index', text, (rule) => void reported.push(rule.code)));
  assert.deepEqual(reported, []);
});

// ---- oci/required-property --------------------------------------------------------------------------------

test('oci/required-property: a manifest without config, at the opening brace', () => {
  const { config: _, ...doc } = specManifest();
  const f = expectOne(j(doc), 'oci/required-property', '{', { severity: 'error' });
  assert.equal(
    f.message,
    'The OCI image manifest has no "config"; it is required: the descriptor of the image configuration.',
  );
  assert.deepEqual(f.data, { property: 'config' });
  expectNone(j(specManifest()), 'oci/required-property');
});

test('oci/required-property: a descriptor without size, at the parent key', () => {
  const doc = specManifest();
  const { size: _, ...config } = doc.config;
  const text = j({ ...doc, config });
  const f = expectOne(text, 'oci/required-property', '"config"', { severity: 'error' });
  assert.match(f.message, /^The descriptor at config has no "size"; it is required: the length/);
});

test("oci/required-property: a layer without digest, at the entry's opening brace", () => {
  const doc = specManifest();
  const { digest: _, ...layer } = doc.layers[1]!;
  doc.layers[1] = layer as (typeof doc.layers)[number];
  const text = j(doc);
  const at = text.indexOf('{', text.indexOf('"layers"'));
  const second = text.indexOf('{', text.indexOf('}', at));
  const f = withCode(text, 'oci/required-property');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.offset, second);
  assert.match(f[0]!.message, /^The descriptor at layers\[1\] has no "digest"/);
});

test('oci/required-property: platform without os, index without manifests, config without rootfs', () => {
  const idx = specIndex();
  const { os: _, ...platform } = idx.manifests[0]!.platform;
  idx.manifests[0]!.platform = platform as (typeof idx.manifests)[0]['platform'];
  const f = expectOne(j(idx), 'oci/required-property', '"platform"');
  assert.match(f.message, /^The manifests\[0\]\.platform object has no "os"/);

  const { manifests: __, ...noManifests } = specIndex();
  expectOne(j(noManifests), 'oci/required-property', '{', { kind: 'image-index' });

  const { rootfs: ___, ...cfg } = specConfig();
  const g = expectOne(j(cfg), 'oci/required-property', '{', { kind: 'image-config' });
  assert.match(g.message, /The OCI image config has no "rootfs"/);
  expectNone(j(specConfig()), 'oci/required-property', { kind: 'image-config' });
});

test('oci/required-property: layout header, artifact manifest and Docker documents', () => {
  expectOne('{"other": true}', 'oci/required-property', '{', { kind: 'layout-header' });
  expectNone('{"imageLayoutVersion": "1.0.0"}', 'oci/required-property', { kind: 'layout-header' });
  const art = { mediaType: 'application/vnd.oci.artifact.manifest.v1+json', blobs: [] };
  const f = expectOne(j(art), 'oci/required-property', '{', { kind: 'artifact-manifest' });
  assert.match(f.message, /no "artifactType"/);
  const { layers: _, ...dm } = dockerManifest();
  expectOne(j(dm), 'oci/required-property', '{');
  expectNone(j(dockerManifest()), 'oci/required-property');
  expectNone(j(dockerList()), 'oci/required-property');
});

test('oci/required-property: schemaVersion and the top-level mediaType are left to the structure module', () => {
  const { schemaVersion: _, mediaType: __, ...m } = specManifest();
  expectNone(j(m), 'oci/required-property');
  expectNone(j({ ...specManifest(), schemaVersion: '2' }), 'oci/type');
  const { mediaType: ___, ...dm } = dockerManifest();
  expectNone(j(dm), 'oci/required-property', { kind: 'docker-manifest' });
});

test('oci/required-property: a misspelt required key is one finding, on the key', () => {
  const { layers, ...doc } = specManifest();
  const text = j({ ...doc, layer: layers });
  const f = expectOne(text, 'oci/required-property', '"layer"', { severity: 'error' });
  assert.match(f.message, /has no "layers"; "layer" looks like a misspelling of it/);
  assert.equal(f.data?.replacement, 'layers');
  expectNone(text, 'oci/unknown-property');
});

// ---- oci/type ---------------------------------------------------------------------------------------------

test('oci/type: a size written as a string, at the value', () => {
  const doc = specManifest();
  (doc.layers[0] as { size: unknown }).size = '32654';
  const f = expectOne(j(doc), 'oci/type', '"32654"', { severity: 'error' });
  assert.equal(f.message, 'layers[0].size is the string "32654"; it must be an integer.');
  assert.equal(f.data?.replacement, 32654);
  expectNone(j(specManifest()), 'oci/type');
});

test('oci/type: fractional size, non-object entry, string layers, non-string annotation value', () => {
  const a = specManifest();
  (a.config as { size: unknown }).size = 7023.5;
  expectOne(j(a), 'oci/type', '7023.5');
  const b = { ...specIndex(), manifests: [specIndex().manifests[0], 42] };
  const f = expectOne(j(b), 'oci/type', '42');
  assert.match(f.message, /^manifests\[1\] is the number 42; it must be an object\.$/);
  const c = { ...specManifest(), layers: 'none' };
  expectOne(j(c), 'oci/type', '"none"', { kind: 'image-manifest' });
  const d = { ...specManifest(), annotations: { 'com.example.n': 98765 } };
  // Annotation values belong to the annotations module (oci/annotation-value-type), so no oci/type here.
  expectNone(j(d), 'oci/type');
  expectOne(j(d), 'oci/annotation-value-type', '98765');
});

test('oci/type: a document that is not an object, at the root', () => {
  const f = expectOne('[1, 2]', 'oci/type', '[', { kind: 'image-manifest', severity: 'error' });
  assert.equal(f.message, 'The document is an array, but an OCI image manifest must be a JSON object.');
  expectOne('"1.0.0"', 'oci/type', '"1.0.0"', { kind: 'layout-header' });
});

test('oci/type: null means absent for optional image-config fields, not for required ones', () => {
  const cfg = {
    ...specConfig(),
    created: null,
    author: null,
    variant: null,
    config: {
      ...specConfig().config,
      Env: null,
      Cmd: null,
      Labels: null,
      ExposedPorts: null,
      Healthcheck: null,
    },
    history: [{ created: null, created_by: null, empty_layer: null, comment: null }],
  };
  expectNone(j(cfg), 'oci/type', { kind: 'image-config' });
  expectNone(j({ ...specConfig(), config: null, history: null }), 'oci/type', { kind: 'image-config' });
  const f = expectOne(j({ ...specConfig(), architecture: null }), 'oci/type', 'null', {
    kind: 'image-config',
  });
  assert.match(f.message, /^architecture is null; it must be a string\.$/);
  const g = expectOne(j({ ...specConfig(), config: { Env: 'PATH=/bin' } }), 'oci/type', '"PATH=/bin"', {
    kind: 'image-config',
  });
  assert.match(g.message, /it must be an array \(or null, which means absent\)/);
  // Outside the image configuration, null is not a stand-in for absent.
  expectOne(j({ ...specManifest(), annotations: null }), 'oci/type', 'null');
});

test('oci/type: one finding per value even where two schema parts state the type', () => {
  // docker-config's container config repeats the OCI execution config's type through allOf.
  const f = expectOne(j({ ...specConfig(), config: 'x' }), 'oci/type', '"x"', { kind: 'docker-config' });
  assert.match(f.message, /^config is the string "x"; it must be an object/);
});

test('value formats are left to the semantic modules', () => {
  const doc = specManifest();
  doc.layers[0]!.digest = doc.layers[0]!.digest.toUpperCase().replace('SHA256', 'sha256');
  (doc.layers[1] as { size: number }).size = -1;
  doc.layers[2]!.mediaType = 'not a media type';
  const text = j({ ...doc, schemaVersion: 3, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  assert.deepEqual(
    schemaFindings(text).map((f) => f.message),
    [],
  );
  assert.deepEqual(schemaFindings(j({ imageLayoutVersion: '9.9.9' }), 'layout-header'), []);
  assert.deepEqual(
    schemaFindings(
      j({ ...specConfig(), created: 'yesterday', rootfs: { type: 'tarball', diff_ids: ['md5:x'] } }),
      'image-config',
    ),
    [],
  );
});

// ---- oci/unknown-property --------------------------------------------------------------------------------

test('oci/unknown-property: a plural slip, on the key', () => {
  const { annotations, ...doc } = specManifest();
  const text = j({ ...doc, annotation: annotations });
  const f = expectOne(text, 'oci/unknown-property', '"annotation"', { severity: 'warning' });
  assert.match(f.message, /^Unknown property "annotation"; did you mean "annotations"\?/);
  assert.deepEqual(f.data, { replacement: 'annotations' });
  expectNone(j(specManifest()), 'oci/unknown-property');
});

test('oci/unknown-property: transpositions and slips deeper down', () => {
  const cfg = specConfig();
  const { Labels, ...rest } = cfg.config;
  expectOne(j({ ...cfg, config: { ...rest, Lables: Labels } }), 'oci/unknown-property', '"Lables"', {
    kind: 'image-config',
  });
  const idx = specIndex();
  (idx.manifests[1] as Record<string, unknown>).platfrom = idx.manifests[1]!.platform;
  delete (idx.manifests[1] as Record<string, unknown>).platform;
  const f = expectOne(j(idx), 'oci/unknown-property', '"platfrom"');
  assert.match(f.message, /in the descriptor at manifests\[1\]/);
  const m = specManifest();
  (m.subject as Record<string, unknown>).artifactTyp = 'application/vnd.example';
  expectOne(j(m), 'oci/unknown-property', '"artifactTyp"');
});

test('oci/unknown-property: not for case-only differences, present targets, far or known extra keys', () => {
  const { annotations, ...doc } = specManifest();
  const text = j({ ...doc, Annotations: annotations });
  expectNone(text, 'oci/unknown-property');
  expectOne(text, 'oci/key-case', '"Annotations"');
  expectNone(j({ ...specManifest(), annotation: {} }), 'oci/unknown-property'); // "annotations" is present
  expectNone(j({ ...specManifest(), 'com.example.extension': {} }), 'oci/unknown-property');
  expectNone(j({ ...specConfig(), id: 'x', parent: 'y', container: 'z' }), 'oci/unknown-property', {
    kind: 'image-config',
  });
  // Free-form maps hold user keys: an annotation key near "annotations" is not a slip.
  expectNone(j({ ...specManifest(), annotations: { annotation: 'x', layer: 'y' } }), 'oci/unknown-property');
  // Short names only tolerate one edit: "id" is not a slip for "os".
  const { os: _, ...noOs } = specConfig();
  expectNone(j({ ...noOs, ix: 'linux' }), 'oci/unknown-property', { kind: 'image-config' });
});

test('nearMiss and editDistance', () => {
  assert.equal(editDistance('layer', 'layers', 2), 1);
  assert.equal(editDistance('lables', 'labels', 2), 1);
  assert.equal(editDistance('abcdef', 'uvwxyz', 2), 3);
  assert.equal(nearMiss('layer', ['layers', 'config']), 'layers');
  assert.equal(nearMiss('Layer', ['layers']), 'layers');
  assert.equal(nearMiss('LAYERS', ['layers']), undefined);
  assert.equal(nearMiss('oss', ['os']), 'os');
  assert.equal(nearMiss('ab', ['os']), undefined);
  assert.equal(nearMiss('x'.repeat(100), ['layers']), undefined);
});

// ---- the mapping itself ------------------------------------------------------------------------------

test('anyOf/oneOf cascades collapse to the most relevant branch', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile({
    type: 'object',
    properties: {
      x: {
        oneOf: [
          { type: 'string', pattern: '^a' },
          { type: 'object', required: ['digest', 'size'], properties: { size: { type: 'integer' } } },
          { type: 'array' },
        ],
      },
    },
  });
  const run = (x: unknown) => {
    validate({ x });
    return mapSchemaErrors('descriptor', { x }, validate.errors ?? []);
  };
  // An object: only the object branch speaks, once per missing property.
  const a = run({ size: 'big' });
  assert.deepEqual(a.map((i) => i.code).sort(), ['oci/required-property', 'oci/type']);
  assert.match(
    a.find((i) => i.code === 'oci/type')!.message,
    /^x\.size is the string "big"; it must be an integer\.$/,
  );
  // A number fits no branch: one type error listing what would fit.
  const b = run(5);
  assert.equal(b.length, 1);
  assert.equal(b[0]!.message, 'x is the number 5; it must be a string, an object or an array.');
  // A string failing only a pattern: nothing for this module.
  assert.deepEqual(run('zzz'), []);
});

describe('quick-fixes: annotations and keys', () => {
  test('a misspelt property is renamed', () => {
    const { annotations, ...rest } = specManifest();
    applyFix(j({ ...rest, annotation: annotations }), 'oci/unknown-property');
  });

  test('a size written as a string → the number', () => {
    applyFix(j({ ...specManifest(), config: { ...specManifest().config, size: '7023' } }), 'oci/type');
  });
});

test('beyond the full-check depth, the JSON types of the top-level members and their entries are still errors', () => {
  const nest = (n: number): unknown => (n === 0 ? 'x' : [nest(n - 1)]);
  const idx = specIndex() as unknown as { manifests: unknown[]; annotations?: unknown };
  idx.manifests = ['a string', idx.manifests[0], 7];
  idx.annotations = { 'com.example.deep': 'x' };
  const deep = { ...idx, 'com.example.deep': nest(70) };
  const text = j(deep);
  const codes = lint(text).map((f) => f.code);
  assert.ok(codes.includes('oci/reduced-checks'), String(codes));
  const types = lint(text).filter((f) => f.code === 'oci/type');
  assert.deepEqual(
    types.map((f) => [covered(text, f), f.severity, f.message]),
    [
      ['"a string"', 'error', 'manifests[0] is the string "a string"; it must be an object.'],
      ['7', 'error', 'manifests[2] is the number 7; it must be an object.'],
    ],
  );
  // A list that is not an array, and a config that is not an object, in a deep manifest.
  const m = j({ ...specManifest(), layers: 'none', config: [1], 'com.example.deep': nest(70) });
  assert.deepEqual(
    lint(m)
      .filter((f) => f.code === 'oci/type')
      .map((f) => [covered(m, f), f.message]),
    [
      ['[\n    1\n  ]', 'config is an array; it must be an object.'],
      ['"none"', 'layers is the string "none"; it must be an array.'],
    ],
  );
  // Nothing more: the reduced check does not walk the entries themselves.
  const entryDeep = {
    ...specIndex(),
    manifests: [{ ...specIndex().manifests[0], size: 'x', extra: nest(70) }],
  };
  expectNone(j(entryDeep), 'oci/type');
});
