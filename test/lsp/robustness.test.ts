/** Hostile documents must not take the server down: it keeps answering for the next document. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileUri, LspClient } from './client';
import { brokenManifest } from './documents';

const DEPTH = 100_000;

/** A ~20 MB image index (110,000 entries). */
function hugeIndex(): string {
  const manifests = Array.from({ length: 110_000 }, (_, i) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${i.toString(16).padStart(64, '0')}`,
    size: 1000 + i,
    platform: { architecture: 'amd64', os: 'linux' },
  }));
  return JSON.stringify(
    { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests },
    null,
    1,
  );
}

/** Bytes 0..255 as characters (NULs included) plus lone surrogates: what opening a binary file can give. */
function binary(): string {
  let seed = 42;
  let out = '';
  for (let i = 0; i < 64 * 1024; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out += String.fromCharCode(seed % 256);
    if (i % 997 === 0) out += '\ud800';
  }
  return out;
}

describe('robustness', { timeout: 60_000 }, () => {
  let c: LspClient;
  let n = 0;
  before(async () => {
    c = await LspClient.start({ settings: { diagnostics: { delay: 0 } } });
  });
  after(() => c.stop());

  /** Opens a small broken manifest and expects its diagnostics: the server is alive and well. */
  async function stillServes(): Promise<void> {
    const uri = fileUri(`robust/probe-${n++}.json`);
    const mark = c.mark(uri);
    await c.open(uri, brokenManifest());
    const p = await c.waitForPublish(uri, mark, undefined, 10_000);
    assert.ok(p.diagnostics.some((d) => d.code === 'oci/schema-version'));
    await c.close(uri);
  }

  async function openAndSurvive(name: string, text: string, languageId = 'json'): Promise<void> {
    const uri = fileUri(`robust/${name}`);
    await c.open(uri, text, languageId);
    // The hover answer comes after the document was analysed (same settings, same cache).
    await c.hover(uri, 0, 0);
    await stillServes();
    await c.close(uri);
  }

  test('a 20 MB index', { timeout: 20_000 }, async () => {
    const text = hugeIndex();
    assert.ok(text.length > 20 * 1000 * 1000, `${text.length}`);
    const uri = fileUri('robust/huge.json');
    const mark = c.mark(uri);
    await c.open(uri, text);
    const p = await c.waitForPublish(uri, mark, undefined, 15_000);
    assert.ok(
      p.diagnostics.some((d) => d.code === 'oci/reduced-checks'),
      'only the reduced checks ran',
    );
    await stillServes();
    await c.close(uri);
  });

  test(`arrays nested ${DEPTH} levels deep`, { timeout: 10_000 }, () =>
    openAndSurvive('deep-arrays.manifest.json', '['.repeat(DEPTH) + ']'.repeat(DEPTH)),
  );

  test(`objects nested ${DEPTH} levels deep`, { timeout: 10_000 }, () =>
    openAndSurvive('deep-objects.manifest.json', '{"config":'.repeat(DEPTH) + '{}' + '}'.repeat(DEPTH)),
  );

  test(`unclosed objects nested ${DEPTH} levels deep`, { timeout: 10_000 }, () =>
    openAndSurvive('deep-open.manifest.json', '{"layers":['.repeat(DEPTH)),
  );

  test('a binary file', { timeout: 10_000 }, async () => {
    await openAndSurvive('blob.manifest.json', binary(), 'plaintext');
    await openAndSurvive('sha256-blob', binary(), 'plaintext');
  });

  test('requests about unknown documents get safe answers', { timeout: 10_000 }, async () => {
    const uri = fileUri('robust/never-opened.json');
    assert.equal(await c.hover(uri, 0, 0), null);
    await c.change(uri, '{}'); // a change for a document that was never opened is ignored
    await c.close(uri);
    await stillServes();
  });

  test('the server logged no failures', () => {
    assert.deepEqual(c.errorLogs(), []);
    assert.equal(c.process.exitCode, null);
  });
});
