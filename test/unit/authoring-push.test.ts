// The pure half of push (core/authoring/push.ts): what a push sends and what the repository must hold, and the
// fallback tag's referrers list (distribution-spec "Pushing Manifests with Subject").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { addReferrer, planPush, type ReferrerEntry } from '../../server/src/core/authoring/push';

const sha256 = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const d = (content: string, mediaType: string, extra: Record<string, unknown> = {}) => ({
  mediaType,
  digest: sha256(content),
  size: Buffer.byteLength(content),
  ...extra,
});

test('planPush: a manifest needs its config and layers (not its subject, not a foreign layer with urls)', () => {
  const subject = d('subject', OCI_MANIFEST);
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: d('{}', 'application/vnd.oci.empty.v1+json'),
    layers: [
      d('sbom', 'application/spdx+json'),
      d('foreign', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', {
        urls: ['https://example.com/l'],
      }),
    ],
    subject,
    annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', n: '1' },
  });
  const plan = planPush(enc(text), { label: 'a.json' });
  assert.deepEqual(plan.problems, []);
  assert.equal(plan.digest, sha256(text));
  assert.equal(plan.mediaType, OCI_MANIFEST);
  assert.deepEqual(
    plan.required.map((r) => [r.path, r.digest, r.manifest]),
    [
      ['config', sha256('{}'), false],
      ['layers[0]', sha256('sbom'), false],
    ],
  );
  assert.match(plan.notes.join(' '), /^layers\[1\] is a non-distributable layer fetched from its urls/);
  assert.equal(plan.subject?.tag, `sha256-${subject.digest.slice(7)}`);
  // No artifactType: the config's media type stands for it (distribution-spec); the annotations are copied.
  assert.deepEqual(plan.referrer, {
    mediaType: OCI_MANIFEST,
    digest: sha256(text),
    size: Buffer.byteLength(text),
    artifactType: 'application/vnd.oci.empty.v1+json',
    annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', n: '1' },
  });
});

test('planPush: an index needs its manifests; the Content-Type of a document without mediaType is its kind type', () => {
  const text = `{"schemaVersion":2,"manifests":[${JSON.stringify(d('m', OCI_MANIFEST, { platform: { os: 'linux', architecture: 'amd64' } }))}]}`;
  const plan = planPush(enc(text), { label: 'i.json' });
  assert.equal(plan.mediaType, OCI_INDEX);
  assert.deepEqual(
    plan.required.map((r) => [r.path, r.manifest]),
    [['manifests[0]', true]],
  );
  assert.equal(plan.referrer, undefined);
});

test('planPush: what cannot be pushed at all, and error-level findings counted', () => {
  assert.match(
    planPush(enc('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'), {
      label: 'c.json',
    }).problems[0]!,
    /^c\.json is an OCI image config; only manifests and indexes are pushed/,
  );
  assert.match(planPush(new Uint8Array([0xff, 0xfe]), { label: 'b' }).problems[0]!, /^b is not UTF-8 text/);
  assert.match(
    planPush(enc('{}'), { label: 'x', size: 5_000_000 }).problems[0]!,
    /^x is 5000000 bytes, more than the 4 MiB/,
  );
  const dup = `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":${JSON.stringify(d('{}', 'application/vnd.oci.image.config.v1+json'))},"layers":[],"layers":[]}`;
  const plan = planPush(enc(dup), { label: 'd.json' });
  assert.deepEqual([plan.problems, plan.errors], [[], 1]);
  assert.equal(plan.findings.find((f) => f.severity === 'error')?.code, 'oci/duplicate-key');
  assert.equal(
    planPush(enc(dup), { label: 'd.json', severities: { 'oci/duplicate-key': 'warning' } }).errors,
    0,
  );
});

test('addReferrer: a new list, an entry appended by a minimal edit, no duplicate, and a tag holding something else left alone', () => {
  const a: ReferrerEntry = {
    mediaType: OCI_MANIFEST,
    digest: sha256('a'),
    size: 1,
    artifactType: 'application/x-a',
  };
  const b: ReferrerEntry = { mediaType: OCI_MANIFEST, digest: sha256('b'), size: 2, annotations: { k: 'v' } };
  const created = addReferrer(undefined, a, 'sha256-x');
  assert.ok('text' in created && created.created);
  assert.deepEqual(JSON.parse(created.text), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [a] });
  const existing = `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[${JSON.stringify(a)}],"annotations":{"x":"y"}}`;
  const updated = addReferrer({ text: existing, mediaType: OCI_INDEX }, b, 'sha256-x');
  assert.ok('text' in updated && !updated.created);
  assert.equal(updated.count, 2);
  assert.ok(
    updated.text.startsWith(existing.slice(0, existing.indexOf(']'))),
    'the first entry is kept byte for byte',
  );
  assert.deepEqual(JSON.parse(updated.text), { ...(JSON.parse(existing) as object), manifests: [a, b] });
  assert.deepEqual(addReferrer({ text: existing }, a, 'sha256-x'), { unchanged: true, count: 1 });
  const other = addReferrer(
    {
      text: `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":{},"layers":[]}`,
      mediaType: OCI_MANIFEST,
    },
    a,
    'sha256-x',
  );
  assert.match(
    'problem' in other ? other.problem : '',
    /^The fallback tag sha256-x holds application\/vnd\.oci\.image\.manifest\.v1\+json that is not an OCI image index, so it was left unchanged/,
  );
});
