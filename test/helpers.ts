/** Shared helpers for core tests: run the facade and look at findings by code and by the text they cover. */
import assert from 'node:assert/strict';
import { analyze, type AnalyzeOptions } from '../server/src/core/index';
import type { Finding } from '../server/src/core/findings';
import type { CheckContext } from '../server/src/core/check';
import type { DocumentKind } from '../server/src/core/kinds';
import { parseJson } from '../server/src/core/json/document';
import { descriptorsOf } from '../server/src/core/model';
import { unknownKeys } from '../server/src/core/keys';

export function lint(text: string, options: AnalyzeOptions = {}): Finding[] {
  return analyze(text, options).findings;
}

/** The text a finding covers. */
export function covered(text: string, f: Finding): string {
  return text.slice(f.offset, f.offset + f.length);
}

/** The findings with `code`. */
export function withCode(text: string, code: string, options: AnalyzeOptions = {}): Finding[] {
  return lint(text, options).filter((f) => f.code === code);
}

/**
 * Asserts exactly one finding with `code`, covering exactly `slice` (the text under the squiggle) and,
 * when given, with `severity`. Returns it for further assertions on the message.
 */
export function expectOne(
  text: string,
  code: string,
  slice: string,
  options: AnalyzeOptions & { severity?: Finding['severity']; occurrence?: number } = {},
): Finding {
  const all = lint(text, options);
  const hits = all.filter((f) => f.code === code);
  assert.equal(
    hits.length,
    1,
    `expected one ${code}, got ${JSON.stringify(
      all.map((f) => [f.code, f.message]),
      null,
      1,
    )}`,
  );
  const f = hits[0]!;
  assert.equal(covered(text, f), slice, `range of ${code}`);
  // When the slice occurs more than once, `occurrence` says which one (0-based).
  let at = -1;
  for (let i = 0; i <= (options.occurrence ?? 0); i++) at = text.indexOf(slice, at + 1);
  assert.equal(f.offset, at, `offset of ${code}`);
  if (options.severity) assert.equal(f.severity, options.severity);
  return f;
}

/** Asserts no finding with `code`. */
export function expectNone(text: string, code: string, options: AnalyzeOptions = {}): void {
  const hits = withCode(text, code, options);
  assert.deepEqual(
    hits.map((f) => f.message),
    [],
    `expected no ${code}`,
  );
}

/** Pretty JSON for building test documents (two-space indent, like hand-written manifests). */
export const j = (v: unknown): string => JSON.stringify(v, null, 2);

/** The image manifest example from the spec (image-spec/manifest.md), as a value to vary in tests. */
export const specManifest = () => ({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: 'sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7',
    size: 7023,
  },
  layers: [
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: 'sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0',
      size: 32654,
    },
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: 'sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b',
      size: 16724,
    },
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: 'sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736',
      size: 73109,
    },
  ],
  subject: {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
    size: 7682,
  },
  annotations: { 'com.example.key1': 'value1', 'com.example.key2': 'value2' },
});

/** The image index example from the spec (image-spec/image-index.md). */
export const specIndex = () => ({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 7143,
      digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
      platform: { architecture: 'ppc64le', os: 'linux' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 7682,
      digest: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
      platform: { architecture: 'amd64', os: 'linux' },
    },
  ],
  annotations: { 'com.example.key1': 'value1', 'com.example.key2': 'value2' },
});

/** A check context over `text` read as `kind`, as `analyze` builds it, for running one check module alone. */
export function checkContext(kind: DocumentKind, text: string, report: CheckContext['report']): CheckContext {
  const json = parseJson(text);
  return {
    kind,
    text,
    root: json.value,
    json,
    descriptors: descriptorsOf(kind, json.value),
    unknownKeys: unknownKeys(kind, json.value),
    report,
  };
}
