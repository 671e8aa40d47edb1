// The urls family (server/src/core/checks/urls.ts): RFC 3986 URIs, http(s) schemes, and the registry note.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../fixes';
import { expectNone, expectOne, j, lint, specManifest } from '../helpers';
import { uriProblem, uriScheme } from '../../server/src/core/uri';

const withUrls = (urls: unknown[]): string =>
  j({ ...specManifest(), layers: [{ ...specManifest().layers[0], urls }, specManifest().layers[1]] });

test('uriProblem accepts RFC 3986 URIs and says why others are not', () => {
  for (const ok of [
    'https://example.com/layer.tar.gz',
    'http://user:pw@[2001:db8::1]:8080/a/b?x=1&y=%20#frag',
    'https://example.com',
    'ftp://mirror.example.org/pub/x',
    'urn:isbn:0451450523',
    'file:///tmp/x',
    "https://example.com/a;b,c=d!$&'()*+~",
  ]) {
    assert.equal(uriProblem(ok), undefined, ok);
    assert.ok(uriScheme(ok));
  }
  assert.equal(uriScheme('HTTPS://example.com'), 'https');
  assert.match(uriProblem('example.com/x')!.says, /no scheme/);
  assert.equal(uriProblem('example.com/x')!.replacement, 'https://example.com/x');
  assert.match(uriProblem('https://example.com/a b')!.says, /whitespace/);
  assert.equal(uriProblem('https://example.com/a b')!.replacement, 'https://example.com/a%20b');
  assert.equal(uriProblem(' https://example.com ')!.replacement, 'https://example.com');
  assert.match(uriProblem('https://example.com/%zz')!.says, /"%" at position 21/);
  assert.match(uriProblem('https://example.com/é')!.says, /contains "é"/);
  assert.equal(uriProblem('https://example.com/é')!.replacement, 'https://example.com/%C3%A9');
  assert.match(uriProblem('https://example.com/a#b#c')!.says, /not a URI as RFC 3986 defines it/);
  assert.match(uriProblem('https://exa[mple.com/')!.says, /not a URI/);
  assert.match(uriProblem('')!.says, /empty/);
  assert.match(uriProblem('https://example.com/\ud800')!.says, /contains/);
});

test('oci/url-syntax: an entry that is not a URI is an error on the entry, with the fix when certain', () => {
  const f = expectOne(withUrls(['https://example.com/a b']), 'oci/url-syntax', '"https://example.com/a b"', {
    severity: 'error',
  });
  assert.match(
    f.message,
    /^layers\[0\]\.urls\[0\] "https:\/\/example\.com\/a b" contains whitespace.*RFC 3986 URI\.$/,
  );
  const r = applyFix(withUrls(['https://example.com/a b']), 'oci/url-syntax');
  assert.ok(r.after.includes('"https://example.com/a%20b"'));
  expectOne(withUrls(['https://ok.example/x', 'not a url']), 'oci/url-syntax', '"not a url"');
  // A value that is not a URI gets no scheme warning too; non-strings are the schema's.
  expectNone(withUrls(['not a url']), 'oci/url-scheme');
  expectNone(withUrls([42]), 'oci/url-syntax');
});

test('oci/url-scheme: a URI with another scheme than http(s) is a warning', () => {
  const f = expectOne(
    withUrls(['ftp://mirror.example.org/x']),
    'oci/url-scheme',
    '"ftp://mirror.example.org/x"',
    {
      severity: 'warning',
    },
  );
  assert.match(f.message, /uses the "ftp:" scheme; "urls" entries should be http or https/);
  expectNone(withUrls(['https://example.com/x', 'HTTP://example.com/y']), 'oci/url-scheme');
});

describe('oci/urls-registry', () => {
  test('a descriptor with urls gets one note, on the key; the spec examples with urls lint otherwise clean', () => {
    const text = withUrls(['https://example.com/a', 'https://example.com/b']);
    const f = expectOne(text, 'oci/urls-registry', '"urls"', { severity: 'info' });
    assert.match(f.message, /refuses manifests with "urls" unless it is configured to allow them/);
    assert.deepEqual(
      lint(text).filter((x) => x.severity !== 'info'),
      [],
    );
    expectNone(withUrls([]), 'oci/urls-registry');
    expectNone(j(specManifest()), 'oci/urls-registry');
  });
});
