// Image references as docker and skopeo write them (core/verify/imageReference.ts), property-tested, and the
// pure parts of the registry protocol (core/verify/distribution.ts): the referrers tag, Link, Retry-After,
// token answers, referrer filtering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatImageReference,
  manifestTarget,
  parseImageReference,
  registryEndpoint,
  tryParseImageReference,
  type ImageReference,
} from '../../server/src/core/verify/imageReference';
import {
  filterReferrers,
  nextLink,
  readTokenAnswer,
  referrerDescriptors,
  referrersTag,
  retryAfterMs,
  scopeKey,
} from '../../server/src/core/verify/distribution';

const HEX = 'a'.repeat(64);
const D = `sha256:${HEX}`;

test('references as docker writes them: hosts, ports, Docker Hub short names, tags and digests', () => {
  const cases: [string, ImageReference][] = [
    ['alpine', { host: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.19', { host: 'docker.io', repository: 'library/alpine', tag: '3.19' }],
    ['library/alpine', { host: 'docker.io', repository: 'library/alpine' }],
    ['team/app:v1', { host: 'docker.io', repository: 'team/app', tag: 'v1' }],
    ['docker.io/alpine', { host: 'docker.io', repository: 'library/alpine' }],
    ['index.docker.io/team/app', { host: 'docker.io', repository: 'team/app' }],
    ['docker://alpine:edge', { host: 'docker.io', repository: 'library/alpine', tag: 'edge' }],
    ['localhost/app', { host: 'localhost', repository: 'app' }],
    ['localhost:5000/team/app:1', { host: 'localhost:5000', repository: 'team/app', tag: '1' }],
    ['127.0.0.1:5000/app@' + D, { host: '127.0.0.1:5000', repository: 'app', digest: D }],
    [
      'docker://Registry.Example.com:443/a/b/c:t_1@' + D,
      { host: 'registry.example.com:443', repository: 'a/b/c', tag: 't_1', digest: D },
    ],
    ['[::1]:5000/app:x', { host: '[::1]:5000', repository: 'app', tag: 'x' }],
    ['127.1:5000/app', { host: '127.0.0.1:5000', repository: 'app' }],
    // Docker's own quirk: a lone "name:port" is a Docker Hub repository with a tag.
    ['localhost:5000', { host: 'docker.io', repository: 'library/localhost', tag: '5000' }],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseImageReference(text), want, text);
  assert.equal(registryEndpoint('docker.io'), 'registry-1.docker.io');
  assert.equal(registryEndpoint('127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(manifestTarget(parseImageReference('alpine')), 'latest');
  assert.equal(manifestTarget(parseImageReference(`h.io/a:1@${D}`)), D, 'the digest decides');
});

test('what is not a reference gets one sentence saying why', () => {
  const cases: [string, RegExp][] = [
    ['https://registry.example.com/app', /has a URL scheme/],
    ['', /empty string/],
    ['h.io/app:', /The tag "" in "h\.io\/app:" is not a tag/],
    ['h.io/app:-x', /is not a tag/],
    [`h.io/app:${'x'.repeat(129)}`, /is not a tag/],
    ['h.io/App', /must be lowercase/],
    ['h.io/a//b', /is not a repository name/],
    ['h.io/', /names no repository/],
    ['h.io/app@sha256:abc', /The digest "sha256:abc" in .* has \d+ hex characters|The digest "sha256:abc"/],
    ['h.io/app@' + D.toUpperCase(), /The digest/],
    ['ho st/app', /white space/],
    ['bad_host.io:99999/app', /is not a registry host name/],
    // Found by the property below: "a." would be normalised to "a", which no longer reads as a host.
    ['a./a', /"a\." in "a\.\/a" is not a registry host name/],
    ['reg.example.com.:5000/app', /is not a registry host name/],
    [`h.io/${'a'.repeat(260)}`, /longer than the 255 characters/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseImageReference(text), re, text);
    assert.equal(tryParseImageReference(text), undefined);
  }
});

/** Generators for the parts of a reference in the grammars distribution-spec gives. */
const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const component = fc
  .tuple(alnum, fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), alnum), { maxLength: 2 }))
  .map(([first, rest]) => first + rest.map(([s, c]) => s + c).join(''));
const repository = fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
const host = fc.oneof(
  // The last label starts with a letter (a name ending in a number is read as an IPv4 address by URL parsers).
  fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/))
    .map(([a, tld]) => [...a, tld].join('.')),
  fc.constant('localhost'),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
    .map(([a, b]) => `10.${a}.${b}.1`),
);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/);
const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`);

test('property: a reference written from valid parts parses back to those parts, and formatting is stable', () => {
  fc.assert(
    fc.property(
      host,
      port,
      repository,
      fc.option(tag, { nil: undefined }),
      fc.option(digest, { nil: undefined }),
      fc.boolean(),
      (h, p, repo, t, d, scheme) => {
        const hostPort = p === undefined ? h : `${h}:${p}`;
        const text = `${scheme ? 'docker://' : ''}${hostPort}/${repo}${t !== undefined ? `:${t}` : ''}${d !== undefined ? `@${d}` : ''}`;
        // A host-looking first part (a dot, a port, localhost) is the registry; docker.io is normalised.
        const want: ImageReference = {
          host: hostPort,
          repository: repo,
          ...(t !== undefined ? { tag: t } : {}),
          ...(d !== undefined ? { digest: d } : {}),
        };
        if (hostPort.length + 1 + repo.length > 255) return;
        const got = parseImageReference(text);
        assert.deepEqual(got, want, text);
        assert.deepEqual(parseImageReference(formatImageReference(got)), got);
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: Docker Hub short names gain docker.io (and library/ for one part)', () => {
  fc.assert(
    fc.property(
      fc.array(component, { minLength: 1, maxLength: 3 }),
      fc.option(tag, { nil: undefined }),
      (parts, t) => {
        const text = parts.join('/') + (t !== undefined ? `:${t}` : '');
        // The first part is a namespace only when it cannot be a host (no dot, no colon, not localhost).
        if (parts.length > 1 && (parts[0] === 'localhost' || parts[0]!.includes('.'))) return;
        const got = parseImageReference(text);
        assert.equal(got.host, 'docker.io');
        assert.equal(got.repository, parts.length === 1 ? `library/${parts[0]}` : parts.join('/'));
        assert.equal(got.tag, t);
      },
    ),
    { numRuns: 1000 },
  );
});

test('property: any string either parses to parts in their grammars or throws one sentence', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.string({ unit: fc.constantFrom(...'aZ09:/@._-[]'.split('')), maxLength: 40 }),
      ),
      (text) => {
        let got: ImageReference;
        try {
          got = parseImageReference(text);
        } catch (err) {
          assert.ok(err instanceof Error);
          assert.match(err.message, /\.$/, err.message);
          return;
        }
        assert.match(
          got.repository,
          /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/,
        );
        if (got.tag !== undefined) assert.match(got.tag, /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/);
        assert.ok(!got.host.includes('/'));
        assert.deepEqual(parseImageReference(formatImageReference(got)), got);
      },
    ),
    { numRuns: 5000 },
  );
});

test('the referrers fallback tag follows distribution-spec (its table of examples), and is always a tag', () => {
  assert.equal(referrersTag(D), `sha256-${HEX}`);
  assert.equal(referrersTag(`sha512:${'a'.repeat(128)}`), `sha512-${'a'.repeat(64)}`);
  assert.equal(
    referrersTag(
      'test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation',
    ),
    'test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot',
  );
  assert.equal(referrersTag('not a digest'), undefined);
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z0-9]+(?:[+._-][a-z0-9]+){0,4}$/),
      fc.stringMatching(/^[a-zA-Z0-9=_-]{1,150}$/),
      (alg, enc) => {
        const t = referrersTag(`${alg}:${enc}`)!;
        assert.match(t, /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/);
      },
    ),
  );
});

test('Link headers: the rel="next" target, resolved against the request URL', () => {
  const base = new URL('http://127.0.0.1:5000/v2/app/tags/list?n=2');
  assert.equal(
    nextLink('</v2/app/tags/list?last=b&n=2>; rel="next"', base)?.href,
    'http://127.0.0.1:5000/v2/app/tags/list?last=b&n=2',
  );
  assert.equal(
    nextLink('<https://x.io/a>; rel="prev", <https://x.io/b?c=d>; rel=next', base)?.href,
    'https://x.io/b?c=d',
  );
  assert.equal(nextLink('<https://x.io/a>; rel="prev"', base), undefined);
  assert.equal(nextLink(undefined, base), undefined);
  assert.equal(nextLink('garbage', base), undefined);
});

test('Retry-After: seconds or an HTTP date', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs('3', now), 3000);
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
  assert.equal(retryAfterMs('Wed, 31 Dec 2025 00:00:10 GMT', now), 0);
  assert.equal(retryAfterMs('soon', now), undefined);
  assert.equal(retryAfterMs('-1', now), undefined);
  assert.equal(retryAfterMs(undefined, now), undefined);
});

test('token answers: token or access_token, lifetime from expires_in and issued_at, refreshed early', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.deepEqual(readTokenAnswer('{"token":"t","expires_in":300}', now), {
    token: 't',
    expiresAt: now + 300_000 - 30_000,
  });
  assert.deepEqual(readTokenAnswer('{"access_token":"a"}', now), { token: 'a', expiresAt: now + 54_000 });
  // Issued a minute ago: a minute less to live. A clock ahead of ours does not lengthen it.
  assert.equal(
    readTokenAnswer('{"token":"t","expires_in":120,"issued_at":"2025-12-31T23:59:00Z"}', now)?.expiresAt,
    now - 60_000 + 120_000 - 12_000,
  );
  assert.equal(
    readTokenAnswer('{"token":"t","expires_in":120,"issued_at":"2026-01-01T01:00:00Z"}', now)?.expiresAt,
    now + 120_000 - 12_000,
  );
  assert.equal(readTokenAnswer('{"token":"a\\r\\nX-Evil: 1"}', now), undefined, 'no header injection');
  assert.equal(readTokenAnswer('{"token":""}', now), undefined);
  assert.equal(readTokenAnswer('not json', now), undefined);
  assert.equal(scopeKey(['b', 'a', 'b']), 'a b');
});

test('referrer lists: entries without a digest are dropped; the artifactType filter', () => {
  const index = {
    manifests: [
      { digest: D, artifactType: 'application/spdx+json' },
      { digest: `sha256:${'b'.repeat(64)}`, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' },
      { size: 3 },
      'nope',
    ],
  };
  const { manifests, dropped } = referrerDescriptors(index);
  assert.equal(manifests.length, 2);
  assert.equal(dropped, 2);
  assert.deepEqual(
    filterReferrers(manifests, 'application/spdx+json').map((m) => m.digest),
    [D],
  );
  assert.equal(filterReferrers(manifests, undefined).length, 2);
  assert.deepEqual(referrerDescriptors({ manifests: 'x' }), { manifests: [], dropped: 0 });
});
