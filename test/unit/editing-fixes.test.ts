/**
 * Quick-fixes (server/src/core/editing/fixes.ts) as a whole: fix-all over many rules at once, and findings
 * without a fix. Each rule's own fix is tested with its family, in test/unit/<family>.test.ts (via test/fixes.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, applyEdits, fixAll, fixesFor } from '../../server/src/core/index';
import { MT } from '../../server/src/core/catalog/core';
import { summary } from '../fixes';
import { j, lint, specIndex, specManifest } from '../helpers';

describe('fix all', () => {
  test('applies every non-conflicting preferred fix at once', () => {
    const { schemaVersion: _, ...rest } = specIndex();
    const before = j({
      ...rest,
      manifests: [
        {
          ...specIndex().manifests[0],
          digest: `sha256:${specIndex().manifests[0]!.digest.slice(7).toUpperCase()}`,
          platform: { architecture: 'aarch64', os: 'Linux' },
        },
        { ...specIndex().manifests[1], mediaType: MT.dockerManifest },
      ],
      annotations: { 'org.opencontainers.image.license': 'MIT' },
      layers: [],
    });
    const codes = lint(before).map((f) => f.code);
    assert.ok(codes.length >= 6, String(codes));
    const after = applyEdits(before, fixAll(analyze(before)));
    assert.deepEqual(summary(lint(after)), []);
  });

  test('offers nothing for a clean document', () => {
    assert.deepEqual(fixAll(analyze(j(specManifest()))), []);
  });

  test('never touches findings without an obvious repair', () => {
    const before = j({ ...specIndex(), manifests: [specIndex().manifests[0], specIndex().manifests[0]] });
    const analysis = analyze(before);
    const dup = analysis.findings.find((f) => f.code === 'oci/platform-duplicate');
    assert.ok(dup);
    assert.deepEqual(fixesFor(analysis, dup), []);
    assert.deepEqual(fixAll(analysis), []);
  });
});
