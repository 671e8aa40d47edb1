import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../fixes';
import { expectNone, expectOne, j, lint, specIndex, specManifest } from '../helpers';
import { platformCheck } from '../../server/src/core/checks/platform';
import { canonicalVariant, normalizedVariant } from '../../server/src/core/catalog/platforms';

const CODES = platformCheck.rules.map((r) => r.code);
const M = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_M = 'application/vnd.docker.distribution.manifest.v2+json';
const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

/** An OCI index whose entries have these platforms (undefined: no platform). */
function index(...platforms: (Record<string, unknown> | undefined)[]): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: platforms.map((platform, i) => ({
      mediaType: M,
      size: 7143 + i,
      digest: digest(i + 1),
      ...(platform ? { platform } : {}),
    })),
  };
}

const config = (extra: Record<string, unknown>): string =>
  j({ architecture: 'amd64', os: 'linux', ...extra, rootfs: { type: 'layers', diff_ids: [] } });

const dockerList = (...platforms: Record<string, unknown>[]): string =>
  j({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifests: platforms.map((platform, i) => ({
      mediaType: DOCKER_M,
      digest: digest(i + 1),
      size: 7143,
      platform,
    })),
  });

test('the spec examples produce no platform findings', () => {
  const layoutIndex = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        size: 7143,
        digest: digest(1),
        annotations: { 'org.opencontainers.image.ref.name': 'stable-release' },
      },
      {
        mediaType: M,
        size: 7143,
        digest: digest(2),
        platform: { architecture: 'ppc64le', os: 'linux' },
        annotations: { 'org.opencontainers.image.ref.name': 'v1.0' },
      },
      { mediaType: 'application/xml', size: 7143, digest: digest(3) },
    ],
  };
  const dockerExample = dockerList(
    { architecture: 'ppc64le', os: 'linux' },
    { architecture: 'amd64', os: 'linux', features: ['sse4'] },
  );
  for (const text of [j(specIndex()), j(specManifest()), j(layoutIndex), dockerExample, config({})]) {
    assert.deepEqual(
      lint(text).filter((f) => CODES.includes(f.code)),
      [],
      text,
    );
  }
});

test('oci/platform-unknown: an os or architecture that is not a Go name', () => {
  const f = expectOne(
    j(index({ os: 'linux', architecture: 'sparc128' })),
    'oci/platform-unknown',
    '"sparc128"',
    { severity: 'warning' },
  );
  assert.match(f.message, /"architecture" is "sparc128", which is not a Go GOARCH value/);
  expectOne(j(index({ os: 'beos', architecture: 'amd64' })), 'oci/platform-unknown', '"beos"');
  expectNone(j(index({ os: 'linux', architecture: 's390x' })), 'oci/platform-unknown');
  // WASI and BuildKit's attestation platform are known.
  expectNone(
    j(index({ os: 'wasip2', architecture: 'wasm' }, { os: 'unknown', architecture: 'unknown' })),
    'oci/platform-unknown',
  );
  // In an image config, at the top level.
  expectOne(config({ os: 'templeos' }), 'oci/platform-unknown', '"templeos"');
  expectNone(config({ os: 'freebsd' }), 'oci/platform-unknown');
});

test('oci/platform-near-miss: uname spellings of architectures and operating systems', () => {
  const f = expectOne(
    j(index({ os: 'linux', architecture: 'x86_64' })),
    'oci/platform-near-miss',
    '"x86_64"',
    { severity: 'warning' },
  );
  assert.deepEqual(f.data, { replacement: 'amd64' });
  assert.deepEqual(
    expectOne(j(index({ os: 'linux', architecture: 'aarch64' })), 'oci/platform-near-miss', '"aarch64"').data,
    { replacement: 'arm64' },
  );
  assert.deepEqual(
    expectOne(j(index({ os: 'linux', architecture: 'i686' })), 'oci/platform-near-miss', '"i686"').data,
    { replacement: '386' },
  );
  assert.deepEqual(
    expectOne(j(index({ os: 'linux', architecture: 'ppc64el' })), 'oci/platform-near-miss', '"ppc64el"').data,
    { replacement: 'ppc64le' },
  );
  assert.deepEqual(
    expectOne(j(index({ os: 'Linux', architecture: 'amd64' })), 'oci/platform-near-miss', '"Linux"').data,
    { replacement: 'linux' },
  );
  assert.deepEqual(
    expectOne(j(index({ os: 'Windows', architecture: 'amd64' })), 'oci/platform-near-miss', '"Windows"').data,
    { replacement: 'windows' },
  );
  assert.deepEqual(
    expectOne(j(index({ os: 'macos', architecture: 'arm64' })), 'oci/platform-near-miss', '"macos"').data,
    { replacement: 'darwin' },
  );
  assert.deepEqual(
    expectOne(j(index({ os: 'osx', architecture: 'arm64' })), 'oci/platform-near-miss', '"osx"').data,
    { replacement: 'darwin' },
  );
  expectNone(j(index({ os: 'darwin', architecture: 'arm64' })), 'oci/platform-near-miss');
  expectNone(j(index({ os: 'linux', architecture: 'amd64' })), 'oci/platform-near-miss');
});

test('oci/platform-near-miss: armhf and armv7l become arm + v7', () => {
  const f = expectOne(j(index({ os: 'linux', architecture: 'armhf' })), 'oci/platform-near-miss', '"armhf"');
  assert.deepEqual(f.data, { replacement: 'arm', variant: 'v7' });
  assert.match(f.message, /"architecture": "arm" with "variant": "v7"/);
  // With a variant already there, only the architecture changes.
  const g = expectOne(
    j(index({ os: 'linux', architecture: 'armv7l', variant: 'v7' })),
    'oci/platform-near-miss',
    '"armv7l"',
  );
  assert.deepEqual(g.data, { replacement: 'arm' });
  expectNone(j(index({ os: 'linux', architecture: 'arm', variant: 'v7' })), 'oci/platform-near-miss');
});

test('oci/platform-near-miss: variants written with the architecture name', () => {
  const f = expectOne(
    j(index({ os: 'linux', architecture: 'arm64', variant: 'armv8' })),
    'oci/platform-near-miss',
    '"armv8"',
  );
  assert.deepEqual(f.data, { replacement: 'v8' });
  assert.deepEqual(
    expectOne(
      j(index({ os: 'linux', architecture: 'arm64', variant: 'arm64v8' })),
      'oci/platform-near-miss',
      '"arm64v8"',
    ).data,
    { replacement: 'v8' },
  );
  assert.deepEqual(
    expectOne(
      j(index({ os: 'linux', architecture: 'arm', variant: 'armv7' })),
      'oci/platform-near-miss',
      '"armv7"',
    ).data,
    { replacement: 'v7' },
  );
  assert.deepEqual(
    expectOne(
      j(index({ os: 'linux', architecture: 'ppc64le', variant: 'POWER9' })),
      'oci/platform-near-miss',
      '"POWER9"',
    ).data,
    { replacement: 'power9' },
  );
  expectNone(j(index({ os: 'linux', architecture: 'arm64', variant: 'v8' })), 'oci/platform-near-miss');
  expectNone(j(index({ os: 'linux', architecture: 'arm64', variant: 'v8.2' })), 'oci/platform-near-miss');
});

test('oci/platform-variant: a variant that does not belong to the architecture', () => {
  const f = expectOne(
    j(index({ os: 'linux', architecture: 'arm64', variant: 'v7' })),
    'oci/platform-variant',
    '"v7"',
    { severity: 'warning' },
  );
  assert.match(f.message, /not a CPU variant of "arm64"/);
  expectOne(j(index({ os: 'linux', architecture: 'amd64', variant: 'v5' })), 'oci/platform-variant', '"v5"');
  expectOne(
    j(index({ os: 'linux', architecture: 'riscv64', variant: 'rv64gc' })),
    'oci/platform-variant',
    '"rv64gc"',
  );
  expectOne(j(index({ os: 'linux', architecture: '386', variant: 'v7' })), 'oci/platform-variant', '"v7"');
  const none = expectOne(
    j(index({ os: 'linux', architecture: 's390x', variant: 'z15' })),
    'oci/platform-variant',
    '"z15"',
  );
  assert.match(none.message, /has no CPU variants/);
  expectOne(j(index({ os: 'linux', architecture: 'arm', variant: '' })), 'oci/platform-variant', '""');
  for (const [architecture, variant] of [
    ['arm64', 'v9.3'],
    ['amd64', 'v3'],
    ['arm', 'v5'],
    ['ppc64le', 'power10'],
    ['riscv64', 'rva23u64'],
    ['386', 'sse2'],
  ]) {
    expectNone(j(index({ os: 'linux', architecture, variant })), 'oci/platform-variant');
  }
  // In a config, at the top level.
  expectOne(config({ architecture: 'amd64', variant: 'v8' }), 'oci/platform-variant', '"v8"');
  expectNone(config({ architecture: 'arm64', variant: 'v8' }), 'oci/platform-variant');
});

test('oci/platform-windows-only: os.version and win32k on Linux', () => {
  const f = expectOne(
    j(index({ os: 'linux', architecture: 'amd64', 'os.version': '5.15' })),
    'oci/platform-windows-only',
    '"5.15"',
    { severity: 'info' },
  );
  assert.match(f.message, /only Windows/);
  expectNone(
    j(index({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' })),
    'oci/platform-windows-only',
  );
  expectOne(
    j(index({ os: 'linux', architecture: 'amd64', 'os.features': ['win32k'] })),
    'oci/platform-windows-only',
    '"win32k"',
  );
  expectNone(
    j(index({ os: 'windows', architecture: 'amd64', 'os.features': ['win32k'] })),
    'oci/platform-windows-only',
  );
  // Other features on other systems are implementation-defined.
  expectNone(
    j(index({ os: 'linux', architecture: 'amd64', 'os.features': ['selinux'] })),
    'oci/platform-windows-only',
  );
  expectOne(config({ os: 'linux', 'os.version': '6.1' }), 'oci/platform-windows-only', '"6.1"');
});

test('oci/platform-features-reserved: features in an OCI index, not in a Docker list', () => {
  const text = j(index({ os: 'linux', architecture: 'amd64', features: ['sse4'] }));
  expectOne(text, 'oci/platform-features-reserved', '"features"', { severity: 'info' });
  expectNone(j(index({ os: 'linux', architecture: 'amd64' })), 'oci/platform-features-reserved');
  expectNone(
    dockerList({ os: 'linux', architecture: 'amd64', features: ['sse4'] }),
    'oci/platform-features-reserved',
  );
});

test('oci/platform-duplicate: the later entry with the same platform, naming the earlier one', () => {
  const text = j(
    index(
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
      { os: 'linux', architecture: 'amd64' },
    ),
  );
  const f = expectOne(text, 'oci/platform-duplicate', '"platform"', { severity: 'warning', occurrence: 2 });
  assert.match(f.message, /manifests\[2\].*manifests\[0\]/);
  assert.deepEqual(f.data, { first: 0 });
  // arm64 and arm64/v8 are the same platform to clients.
  expectOne(
    j(index({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' })),
    'oci/platform-duplicate',
    '"platform"',
    { occurrence: 1 },
  );
  // Different variants or Windows builds are different platforms.
  expectNone(
    j(
      index(
        { os: 'linux', architecture: 'arm', variant: 'v6' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ),
    ),
    'oci/platform-duplicate',
  );
  expectNone(
    j(
      index(
        { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' },
        { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.1' },
      ),
    ),
    'oci/platform-duplicate',
  );
  expectNone(
    j(index({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' })),
    'oci/platform-duplicate',
  );
});

test('oci/platform-duplicate: BuildKit attestation entries are not compared', () => {
  const doc = index(
    { os: 'linux', architecture: 'amd64' },
    { os: 'unknown', architecture: 'unknown' },
    { os: 'unknown', architecture: 'unknown' },
  );
  expectNone(j(doc), 'oci/platform-duplicate');
  const manifests = doc.manifests as Record<string, unknown>[];
  manifests[1] = {
    ...manifests[1],
    platform: { os: 'linux', architecture: 'amd64' },
    annotations: {
      'vnd.docker.reference.type': 'attestation-manifest',
      'vnd.docker.reference.digest': digest(1),
    },
  };
  expectNone(j(doc), 'oci/platform-duplicate');
});

test('oci/platform-duplicate: entries named by ref.name are looked up by name, not compared', () => {
  const doc = index({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' });
  const manifests = doc.manifests as Record<string, unknown>[];
  manifests[0]!.annotations = { 'org.opencontainers.image.ref.name': 'v1.0' };
  manifests[1]!.annotations = { 'org.opencontainers.image.ref.name': 'latest' };
  expectNone(j(doc), 'oci/platform-duplicate');
});

test('oci/platform-missing: an image manifest entry without platform, at its opening brace', () => {
  const text = j(index({ os: 'linux', architecture: 'amd64' }, undefined));
  const f = expectOne(text, 'oci/platform-missing', '{', { severity: 'warning', occurrence: 3 });
  assert.match(f.message, /manifests\[1\]/);
  expectNone(
    j(index({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' })),
    'oci/platform-missing',
  );
  // A nested index, an artifact, and another media type need no platform.
  const doc = index(undefined, undefined, undefined);
  const manifests = doc.manifests as Record<string, unknown>[];
  manifests[0]!.mediaType = 'application/vnd.oci.image.index.v1+json';
  manifests[1]!.artifactType = 'application/vnd.example.sbom.v1';
  manifests[2]!.mediaType = 'application/xml';
  expectNone(j(doc), 'oci/platform-missing');
});

test('oci/platform-missing: not in a Docker manifest list (the docker module requires platform there)', () => {
  const text = j({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifests: [{ mediaType: DOCKER_M, digest: digest(1), size: 7143 }],
  });
  expectNone(text, 'oci/platform-missing');
  expectNone(dockerList({ os: 'linux', architecture: 'amd64' }), 'oci/platform-missing');
});

test('a descriptor document is checked too', () => {
  const d = {
    mediaType: M,
    digest: digest(1),
    size: 7143,
    platform: { os: 'linux', architecture: 'aarch64' },
  };
  expectOne(j(d), 'oci/platform-near-miss', '"aarch64"');
  expectNone(j({ ...d, platform: { os: 'linux', architecture: 'arm64' } }), 'oci/platform-near-miss');
});

test('wrong types and shapes never throw', () => {
  for (const platform of [
    null,
    1,
    'linux/amd64',
    [],
    { os: 1, architecture: [] },
    { os: 'linux', architecture: 'arm', variant: 7, 'os.features': 'x' },
  ]) {
    const text = j({
      ...index(),
      manifests: [{ mediaType: M, digest: digest(1), size: 1, platform }, 5, null],
    });
    assert.ok(!lint(text).some((f) => f.code === 'oci/internal-error'));
  }
  assert.ok(!lint(j({ ...index(), manifests: {} })).some((f) => f.code === 'oci/internal-error'));
});

test('catalog helpers', () => {
  assert.equal(canonicalVariant('armv8'), 'v8');
  assert.equal(canonicalVariant('8'), 'v8');
  assert.equal(canonicalVariant('armv7l'), 'v7');
  assert.equal(canonicalVariant('x86-64-v3'), 'v3');
  assert.equal(canonicalVariant('v8'), 'v8');
  assert.equal(canonicalVariant('rva22u64'), undefined);
  assert.equal(normalizedVariant('arm64', undefined), 'v8');
  assert.equal(normalizedVariant('arm', undefined), 'v7');
  assert.equal(normalizedVariant('amd64', 'v1'), 'v1');
});

test('10,000 index entries with distinct os.version values are not duplicates', () => {
  const archs = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64'];
  const doc = index(
    ...Array.from({ length: 10_000 }, (_, i) => ({
      os: 'linux',
      architecture: archs[i % 7]!,
      'os.version': String(i),
    })),
  );
  const text = j(doc);
  const fs = lint(text, { severities: { 'oci/platform-windows-only': 'off' } });
  assert.equal(fs.filter((f) => f.code === 'oci/platform-duplicate').length, 0);
});

describe('quick-fixes: platforms', () => {
  const withPlatform = (platform: Record<string, unknown>) =>
    j({ ...specIndex(), manifests: [{ ...specIndex().manifests[0], platform }, specIndex().manifests[1]] });

  test('x86_64 → amd64, aarch64 → arm64, Linux → linux', () => {
    assert.ok(
      applyFix(
        withPlatform({ architecture: 'x86_64', os: 'linux' }),
        'oci/platform-near-miss',
      ).after.includes('"architecture": "amd64"'),
    );
    assert.ok(
      applyFix(
        withPlatform({ architecture: 'aarch64', os: 'linux' }),
        'oci/platform-near-miss',
      ).after.includes('"architecture": "arm64"'),
    );
    assert.ok(
      applyFix(
        withPlatform({ architecture: 'ppc64le', os: 'Linux' }),
        'oci/platform-near-miss',
      ).after.includes('"os": "linux"'),
    );
  });

  test('armv8 as an arm64 variant → v8', () => {
    const r = applyFix(
      withPlatform({ architecture: 'arm64', os: 'linux', variant: 'armv8' }),
      'oci/platform-near-miss',
    );
    assert.ok(r.after.includes('"variant": "v8"'));
  });

  test('armv7l → arm with variant v7 inserted after the architecture', () => {
    const r = applyFix(withPlatform({ architecture: 'armv7l', os: 'linux' }), 'oci/platform-near-miss');
    assert.match(r.after, /"architecture": "arm",\n {8}"variant": "v7",\n {8}"os": "linux"/);
    assert.match(r.fix.title, /with variant "v7"/);
  });

  test('an empty variant is removed', () => {
    const r = applyFix(
      withPlatform({ architecture: 'arm64', os: 'linux', variant: '' }),
      'oci/platform-variant',
    );
    assert.ok(!r.after.includes('"variant"'));
  });
});
