/**
 * Generators for the fuzz tests: valid seed documents of every kind (inline and every conformance
 * fixture) and the mutations applied to them, as fast-check arbitraries.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  DOCUMENT_KINDS,
  type AnalyzeOptions,
  type DocumentKind,
  type Severity,
} from '../../server/src/core/index';
import { specIndex, specManifest } from '../helpers';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// ---- seeds --------------------------------------------------------------------------------------------

const sha = (c: string) => `sha256:${c.repeat(64)}`;

const specConfig = () => ({
  created: '2015-10-31T22:22:56.015925234Z',
  author: 'Alyssa P. Hacker <alyspdev@example.com>',
  architecture: 'amd64',
  os: 'linux',
  config: {
    User: 'alice',
    ExposedPorts: { '8080/tcp': {} },
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'FOO=oci_is_a'],
    Entrypoint: ['/bin/my-app-binary'],
    Cmd: ['--foreground', '--config', '/etc/my-app.d/default.cfg'],
    Volumes: { '/var/job-result-data': {}, '/var/log/my-app-logs': {} },
    WorkingDir: '/home/alice',
    Labels: { 'com.example.project.git.url': 'https://example.com/project.git' },
  },
  rootfs: { diff_ids: [sha('a'), sha('b')], type: 'layers' },
  history: [
    {
      created: '2015-10-31T22:22:54.690851953Z',
      created_by:
        '/bin/sh -c #(nop) ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 in /',
    },
  ],
});

const INLINE_SEEDS: { name: string; value: unknown }[] = [
  { name: 'spec manifest', value: specManifest() },
  { name: 'spec index', value: specIndex() },
  { name: 'spec config', value: specConfig() },
  { name: 'layout header', value: { imageLayoutVersion: '1.0.0' } },
  {
    name: 'descriptor',
    value: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha('c'),
      size: 7682,
      urls: ['https://example.com/blob'],
      annotations: { a: 'b' },
    },
  },
  {
    name: 'docker manifest',
    value: {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: sha('d') },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: sha('e') },
      ],
    },
  },
  {
    name: 'docker list',
    value: {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          size: 7143,
          digest: sha('f'),
          platform: { architecture: 'arm', os: 'linux', variant: 'v7', features: ['sse4'] },
        },
      ],
    },
  },
  {
    name: 'artifact with empty config and data',
    value: {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example+type',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
        data: 'e30=',
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.empty.v1+json',
          digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
          size: 2,
        },
      ],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('1'), size: 1234 },
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    },
  },
  {
    name: 'removed artifact manifest',
    value: {
      mediaType: 'application/vnd.oci.artifact.manifest.v1+json',
      artifactType: 'application/vnd.example+type',
      blobs: [{ mediaType: 'application/octet-stream', digest: sha('2'), size: 1 }],
    },
  },
  {
    name: 'docker schema 1',
    value: {
      schemaVersion: 1,
      name: 'library/x',
      tag: 'latest',
      architecture: 'amd64',
      fsLayers: [{ blobSum: sha('3') }],
      history: [{ v1Compatibility: '{}' }],
    },
  },
];

/** Every conformance fixture (valid and invalid) is a seed too: they cover each module's shapes. */
function fixtureSeeds(): { name: string; value: unknown }[] {
  const out: { name: string; value: unknown }[] = [];
  for (const dir of ['valid', 'invalid']) {
    const base = join(ROOT, 'test', 'fixtures', 'conformance', dir);
    if (!existsSync(base)) continue;
    for (const file of readdirSync(base).sort()) {
      if (!file.endsWith('.json') || file.endsWith('.expect.json')) continue;
      try {
        out.push({ name: `${dir}/${file}`, value: JSON.parse(readFileSync(join(base, file), 'utf8')) });
      } catch {
        // a fixture that is deliberately not JSON: the text mutations cover that
      }
    }
  }
  return out;
}

const SEEDS = [...INLINE_SEEDS, ...fixtureSeeds()];

// ---- a JSON tree that can hold duplicate keys and verbatim number/string tokens -------------------------

type Tree = { t: 'obj'; m: [string, Tree][] } | { t: 'arr'; a: Tree[] } | { t: 'raw'; s: string };

function toTree(v: unknown): Tree {
  if (Array.isArray(v)) return { t: 'arr', a: v.map(toTree) };
  if (v !== null && typeof v === 'object')
    return { t: 'obj', m: Object.entries(v).map(([k, x]) => [k, toTree(x)]) };
  return { t: 'raw', s: JSON.stringify(v) ?? 'null' };
}

function serialize(tree: Tree, indent: string): string {
  // Iterative, since mutations may nest thousands of levels.
  const out: string[] = [];
  type Frame = { tree: Tree; depth: number } | { close: string; depth: number } | { text: string };
  const stack: Frame[] = [{ tree, depth: 0 }];
  const nl = (d: number) => (indent ? `\n${indent.repeat(d)}` : '');
  while (stack.length) {
    const f = stack.pop()!;
    if ('text' in f) {
      out.push(f.text);
      continue;
    }
    if ('close' in f) {
      out.push(nl(f.depth) + f.close);
      continue;
    }
    const { tree: t, depth } = f;
    if (t.t === 'raw') out.push(t.s);
    else if (t.t === 'arr') {
      if (!t.a.length) {
        out.push('[]');
        continue;
      }
      out.push('[');
      stack.push({ close: ']', depth });
      for (let i = t.a.length - 1; i >= 0; i--) {
        stack.push({ tree: t.a[i]!, depth: depth + 1 });
        stack.push({ text: (i ? ',' : '') + nl(depth + 1) });
      }
    } else {
      if (!t.m.length) {
        out.push('{}');
        continue;
      }
      out.push('{');
      stack.push({ close: '}', depth });
      for (let i = t.m.length - 1; i >= 0; i--) {
        const [k, v] = t.m[i]!;
        stack.push({ tree: v, depth: depth + 1 });
        stack.push({ text: `${i ? ',' : ''}${nl(depth + 1)}${JSON.stringify(k)}:${indent ? ' ' : ''}` });
      }
    }
  }
  return out.join('');
}

/** Every node of the tree with a way to replace it, in document order (bounded). */
interface Slot {
  node: Tree;
  set(t: Tree): void;
  remove(): void;
  duplicate(): void;
  rename?(k: string): void;
}

function slots(root: { tree: Tree }, limit = 2000): Slot[] {
  const out: Slot[] = [
    {
      node: root.tree,
      set: (t) => (root.tree = t),
      remove: () => (root.tree = { t: 'raw', s: 'null' }),
      duplicate: () => undefined,
    },
  ];
  const stack: Tree[] = [root.tree];
  while (stack.length && out.length < limit) {
    const t = stack.pop()!;
    if (t.t === 'arr') {
      t.a.forEach((x, i) => {
        out.push({
          node: x,
          set: (n) => (t.a[i] = n),
          remove: () => t.a.splice(i, 1),
          duplicate: () => t.a.splice(i, 0, x),
        });
        stack.push(x);
      });
    } else if (t.t === 'obj') {
      t.m.forEach((pair, i) => {
        out.push({
          node: pair[1],
          set: (n) => (pair[1] = n),
          remove: () => t.m.splice(i, 1),
          duplicate: () => t.m.splice(i + 1, 0, [pair[0], pair[1]]),
          rename: (k) => (pair[0] = k),
        });
        stack.push(pair[1]);
      });
    }
  }
  return out;
}

// ---- hostile values -----------------------------------------------------------------------------------

const HOSTILE_RAW = [
  '1e400',
  '-1e400',
  '1e-400',
  '4.9e-324',
  '-0',
  '0.5',
  '1.0',
  '1E3',
  '-1',
  '0',
  '2',
  '"2"',
  '9007199254740993',
  '9223372036854775807',
  '9223372036854775808',
  '18446744073709551616',
  '123456789012345678901234567890',
  'true',
  'false',
  'null',
  '[]',
  '{}',
  '[[]]',
  '{"":{}}',
  '[1,"a",null]',
];
const HOSTILE_STRINGS = [
  '',
  ' ',
  ':',
  'sha256:',
  'sha256:' + 'a'.repeat(63),
  'sha256:' + 'A'.repeat(64),
  'SHA256:' + 'a'.repeat(64),
  'sha512:' + 'b'.repeat(128),
  'sha384:' + 'c'.repeat(96),
  'blake3:' + 'd'.repeat(64),
  'sha256:' + 'a'.repeat(5000),
  'sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564',
  'sha256:é' + 'a'.repeat(63),
  'sha256:\u0000',
  'md5:d41d8cd98f00b204e9800998ecf8427e',
  'x'.repeat(20000),
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.empty.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.container.image.v1+json',
  'application/vnd.oci.image.manifest.v1+json; charset=utf-8',
  'a/b/c',
  '/',
  'text/plain',
  'application/' + 'x'.repeat(300),
  'e30=',
  'e30',
  '!!not base64!!',
  '====',
  'https://example.com/blob',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'http://[::1',
  '../../etc/passwd',
  'linux',
  'windows',
  'amd64',
  'arm64',
  'arm',
  'v8',
  'armv7',
  'x86_64',
  'unknown',
  'wasip1',
  '10.0.17763.1234',
  '2024-13-45T99:99:99Z',
  '2024-01-01T00:00:00Z',
  '1.0.0',
  '2.0.0',
  'org.opencontainers.image.ref.name',
  '\ud800',
  '\udfff\ud800',
  '\u0000',
  '\ufeff',
  '\u202e',
  '𝕆ℂ𝕀',
  'é',
  '"',
  '\\',
  '\n',
  '<script>',
];
const HOSTILE_KEYS = [
  '',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'MediaType',
  'mediatype',
  'Layers',
  'SCHEMAVERSION',
  'Digest',
  'manifests',
  'layers',
  'config',
  'subject',
  'annotations',
  'platform',
  'os.version',
  'os.features',
  'data',
  'urls',
  'artifactType',
  'size',
  'digest',
  'mediaType',
  'schemaVersion',
  'blobs',
  'fsLayers',
  'rootfs',
  'diff_ids',
  'imageLayoutVersion',
  '\u0000',
  '\ud800',
  'é',
  'a'.repeat(1000),
];

const hostileTree: fc.Arbitrary<Tree> = fc.oneof(
  fc.constantFrom(...HOSTILE_RAW).map((s): Tree => ({ t: 'raw', s })),
  fc.constantFrom(...HOSTILE_STRINGS).map((s): Tree => ({ t: 'raw', s: JSON.stringify(s) })),
  fc.json({ maxDepth: 3 }).map((s): Tree => ({ t: 'raw', s })),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s): Tree => ({ t: 'raw', s: JSON.stringify(s) })),
);

const NASTY_CHARS = [
  '\u0000',
  '\ufeff',
  '\ud800',
  '\udc00',
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '\n',
  '\r',
  '\t',
  '\u2028',
  'é',
  '𝕆',
  '/*',
  '//',
  '0',
  '-',
  'e',
  'tru',
];
const insertion = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(...NASTY_CHARS),
  fc.array(fc.constantFrom(...NASTY_CHARS), { maxLength: 6 }).map((a) => a.join('')),
);

type Op =
  | { op: 'delete' | 'duplicate'; at: number }
  | { op: 'retype'; at: number; value: Tree }
  | { op: 'swap'; at: number; other: number }
  | { op: 'rename'; at: number; key: string }
  | { op: 'insert'; at: number; key: string; value: Tree }
  | { op: 'nest'; at: number; depth: number; object: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete' as const, 'duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: hostileTree }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({
    op: fc.constant('rename' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 6 })),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    key: fc.constantFrom(...HOSTILE_KEYS),
    value: hostileTree,
  }),
  fc.record({
    op: fc.constant('nest' as const),
    at: fc.nat(),
    depth: fc.constantFrom(1, 2, 10, 63, 65, 300, 3000),
    object: fc.boolean(),
  }),
);

type TextOp =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; s: string }
  | { op: 'cut'; at: number; n: number }
  | { op: 'none' };

const textOpArb: fc.Arbitrary<TextOp> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ op: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), s: insertion }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('cut' as const),
      at: fc.nat(),
      n: fc.integer({ min: 1, max: 40 }),
    }),
  },
);

/** A deep copy, iterative (trees may be thousands of levels deep). */
function cloneTree(tree: Tree): Tree {
  const copy = (t: Tree): Tree =>
    t.t === 'raw'
      ? { t: 'raw', s: t.s }
      : t.t === 'arr'
        ? { t: 'arr', a: [...t.a] }
        : { t: 'obj', m: t.m.map(([k, v]): [string, Tree] => [k, v]) };
  const root = copy(tree);
  const stack: Tree[] = [root];
  while (stack.length) {
    const t = stack.pop()!;
    if (t.t === 'arr') {
      for (let i = 0; i < t.a.length; i++) stack.push((t.a[i] = copy(t.a[i]!)));
    } else if (t.t === 'obj') {
      for (const pair of t.m) stack.push((pair[1] = copy(pair[1])));
    }
  }
  return root;
}

function applyOp(root: { tree: Tree }, op: Op): void {
  const all = slots(root);
  const s = all[op.at % all.length]!;
  switch (op.op) {
    case 'delete':
      s.remove();
      break;
    case 'duplicate':
      s.duplicate();
      break;
    case 'retype':
      s.set(op.value);
      break;
    case 'swap': {
      const o = all[op.other % all.length]!;
      if (o === s) break;
      const a = s.node;
      const b = o.node;
      // Swapping a node with its own ancestor would make a cycle: copy instead.
      s.set(cloneTree(b));
      o.set(cloneTree(a));
      break;
    }
    case 'rename':
      s.rename?.(op.key);
      break;
    case 'insert':
      if (s.node.t === 'obj') s.node.m.push([op.key, op.value]);
      else if (s.node.t === 'arr') s.node.a.push(op.value);
      break;
    case 'nest': {
      let t = s.node;
      for (let i = 0; i < op.depth; i++) t = op.object ? { t: 'obj', m: [['a', t]] } : { t: 'arr', a: [t] };
      s.set(t);
      break;
    }
  }
}

function applyTextOp(text: string, op: TextOp): string {
  const at = (n: number) => n % (text.length + 1);
  switch (op.op) {
    case 'none':
      return text;
    case 'truncate':
      return text.slice(0, at(op.at));
    case 'insert':
      return text.slice(0, at(op.at)) + op.s + text.slice(at(op.at));
    case 'cut':
      return text.slice(0, at(op.at)) + text.slice(at(op.at) + op.n);
  }
}

/** A mutated document: a seed, 0-4 structural mutations, a format, 0-2 text mutations. */
export const docArb = fc
  .record({
    seed: fc.nat({ max: SEEDS.length - 1 }),
    ops: fc.array(opArb, { maxLength: 4 }),
    indent: fc.constantFrom('', '  ', '\t', '    '),
    crlf: fc.boolean(),
    bom: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    textOps: fc.array(textOpArb, { maxLength: 2 }),
  })
  .map(({ seed, ops, indent, crlf, bom, textOps }) => {
    const root = { tree: toTree(structuredClone(SEEDS[seed]!.value)) };
    for (const op of ops) applyOp(root, op);
    let text = serialize(root.tree, indent);
    // Indenting thousands of levels grows quadratically: such documents are written compact.
    if (text.length > 200_000) text = serialize(root.tree, '');
    if (crlf) text = text.replace(/\n/g, '\r\n');
    if (bom) text = `\ufeff${text}`;
    for (const op of textOps) text = applyTextOp(text, op);
    return { seed: SEEDS[seed]!.name, text };
  });

export const optionsArb: fc.Arbitrary<AnalyzeOptions> = fc.record(
  {
    fileName: fc.constantFrom(
      'x.manifest.json',
      'x.index.json',
      'index.json',
      'oci-layout',
      '/tmp/a/b.json',
      'C:\\x\\manifest.json',
    ),
    besideOciLayout: fc.boolean(),
    contentDetection: fc.boolean(),
    hostReportsSyntax: fc.boolean(),
    maxFindings: fc.constantFrom(1, 3, 1000),
    maxFullCheckSize: fc.constantFrom(16, 100_000, 16 * 1024 * 1024),
    severities: fc.constantFrom<Record<string, Severity | 'off'>>(
      {},
      { 'oci/json-syntax': 'off' },
      { 'oci/duplicate-key': 'hint', 'oci/schema-version': 'off' },
    ),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<AnalyzeOptions>;

/** A few kinds to force besides detection (every kind is covered across the cases). */
export const kindsArb: fc.Arbitrary<DocumentKind[]> = fc.subarray([...DOCUMENT_KINDS], {
  minLength: 1,
  maxLength: 3,
});
