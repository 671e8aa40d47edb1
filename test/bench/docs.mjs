/**
 * Deterministic benchmark documents: the spec's image manifest example (about 1 KB) and image indexes of
 * 100 and 10,000 entries, each entry sized like a real multi-platform index entry (about 350 bytes).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const hex = (seed) => createHash('sha256').update(String(seed)).digest('hex');

/** A small deterministic PRNG (mulberry32), so every run builds the same bytes. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLATFORMS = [
  { architecture: 'amd64', os: 'linux' },
  { architecture: 'arm64', os: 'linux', variant: 'v8' },
  { architecture: 'arm', os: 'linux', variant: 'v7' },
  { architecture: 'arm', os: 'linux', variant: 'v6' },
  { architecture: 'ppc64le', os: 'linux' },
  { architecture: 's390x', os: 'linux' },
  { architecture: '386', os: 'linux' },
  { architecture: 'riscv64', os: 'linux' },
  { architecture: 'amd64', os: 'windows' },
];

/** The image manifest example of image-spec/manifest.md, from the conformance corpus (as test/helpers.ts reads it). */
export function smallManifest() {
  return JSON.parse(
    readFileSync(new URL('../fixtures/conformance/valid/schema-spec-manifest.json', import.meta.url), 'utf8'),
  );
}

/** An image index of `n` entries with platforms and 2-3 annotations each. */
export function bigIndex(n) {
  const rand = rng(n * 7919 + 1);
  const manifests = [];
  for (let i = 0; i < n; i++) {
    const p = PLATFORMS[i % PLATFORMS.length];
    const annotations = {
      'org.opencontainers.image.ref.name': `v${1 + (i % 7)}.${i % 13}.${i % 101}-${p.architecture}`,
      'org.opencontainers.image.created': new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
    };
    if (i % 3 === 0) annotations['com.example.build'] = `build-${hex(`b${i}`).slice(0, 12)}`;
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${hex(i)}`,
      size: 400 + Math.floor(rand() * 20000),
      platform: { ...p },
      annotations,
    });
  }
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests,
    annotations: { 'org.opencontainers.image.title': `bench index of ${n}`, 'com.example.key1': 'value1' },
  };
}

/**
 * The benchmark documents: the manifest pretty-printed as in the spec, the indexes compact as a registry
 * serves them (10,000 entries come to about 3.5 MB).
 */
export function benchDocuments() {
  return [
    {
      name: 'manifest (spec example)',
      file: 'small.manifest.json',
      kind: 'image-manifest',
      text: JSON.stringify(smallManifest(), null, 2),
      large: false,
    },
    {
      name: 'index, 100 entries',
      file: 'i100.index.json',
      kind: 'image-index',
      text: JSON.stringify(bigIndex(100)),
      large: false,
    },
    {
      name: 'index, 10,000 entries',
      file: 'i10000.index.json',
      kind: 'image-index',
      text: JSON.stringify(bigIndex(10_000)),
      large: true,
    },
  ];
}
