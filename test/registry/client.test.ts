// The registry client (server/src/node/registry/client.ts) against Debian's docker-registry on 127.0.0.1:
// anonymous, htpasswd basic auth, and bearer tokens from a token service written for the tests (the registry's
// `auth: token` with a certificate made by openssl). Images pushed with skopeo and with the registry API; the
// referrers fallback tag is the real path (the registry has no referrers API); a proxy in front of the
// registry counts requests, and answers `/referrers/` itself where the API is tested.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobSourceError } from '../../server/src/core/content/source';
import {
  ManifestMismatchError,
  RegistryClient,
  type RegistryOptions,
} from '../../server/src/node/registry/client';
import { firstManifest, makeLayouts, startRegistry, tempDir, type Registry } from '../verify/tools';
import {
  api,
  attachSbom,
  OCI_INDEX,
  OCI_MANIFEST,
  pushSmallImage,
  putManifest,
  sha256,
  skopeoPush,
  startProxy,
  startTokenServer,
  type Proxy,
  type TokenServer,
} from './fixtures';

let tmp: { dir: string; remove: () => void };
let layout: string;
let reg: Registry;

before(async () => {
  tmp = tempDir('oci-registry-client-');
  layout = makeLayouts(tmp.dir).clean;
  reg = await startRegistry();
  skopeoPush(layout, `${reg.host}/team/app:1`);
});
after(async () => {
  await reg.stop();
  tmp.remove();
});

const FAST: RegistryOptions = { dockerConfig: false, connectTimeoutMs: 5000, timeoutMs: 5000 };

test('a manifest by tag and by digest: the exact bytes skopeo pushed, the digest checked, the headers kept', async () => {
  const m = firstManifest(layout);
  const client = new RegistryClient(reg.host, FAST);
  try {
    const byTag = await client.getManifest('team/app', '1');
    assert.ok(byTag);
    assert.equal(Buffer.from(byTag.bytes).toString('utf8'), m.text, 'the bytes as stored, not re-serialised');
    assert.equal(byTag.digest, m.digest);
    assert.equal(byTag.mediaType, OCI_MANIFEST);
    assert.equal(byTag.headers['docker-content-digest'], m.digest);
    assert.equal(byTag.where, `http://${reg.host}/v2/team/app/manifests/1`);
    const byDigest = await client.getManifest('team/app', m.digest, { size: Buffer.byteLength(m.text) });
    assert.equal(byDigest?.digest, m.digest);
    const head = await client.headManifest('team/app', '1');
    assert.deepEqual(
      [head?.digest, head?.mediaType, head?.size],
      [m.digest, OCI_MANIFEST, Buffer.byteLength(m.text)],
    );
    assert.equal(await client.getManifest('team/app', 'no-such-tag'), undefined);
    // A child by its descriptor: the config, whole and checked.
    const config = await client.fetchBlob('team/app', m.config);
    assert.equal(sha256(config!.bytes), m.config.digest);
    const stat = await client.statBlob('team/app', { digest: m.layers[0]!.digest, manifest: false });
    assert.equal(stat?.size, m.layers[0]!.size);
    assert.equal(await client.statBlob('team/app', { digest: sha256('absent'), manifest: false }), undefined);
  } finally {
    client.close();
  }
});

test('a descriptor size other than the manifest served, and a stored blob changed, are errors holding the bytes', async () => {
  const repo = 'sizes/app';
  const img = await pushSmallImage(reg.host, repo, 'v1');
  const client = new RegistryClient(reg.host, FAST);
  try {
    await assert.rejects(
      client.getManifest(repo, img.digest, { size: Buffer.byteLength(img.manifest) - 1 }),
      (err: unknown) =>
        err instanceof BlobSourceError &&
        /is longer than the \d+ bytes its descriptor gives/.test(err.message),
    );
    await assert.rejects(
      client.getManifest(repo, img.digest, { size: Buffer.byteLength(img.manifest) + 5 }),
      (err: unknown) => err instanceof ManifestMismatchError && err.against === 'size',
    );
    // The stored config changed behind the registry's back: same length, other bytes.
    const file = reg.blobData(img.config.digest);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 2] = 0x20;
    fs.writeFileSync(file, bytes);
    await assert.rejects(
      client.fetchBlob(repo, img.config),
      (err: unknown) =>
        err instanceof ManifestMismatchError &&
        err.against === 'request' &&
        err.actualDigest === sha256(bytes) &&
        Buffer.from(err.bytes).equals(bytes),
    );
  } finally {
    client.close();
  }
});

test('tags and the catalog: every name once; the catalog page by page through the Link header', async () => {
  const repo = 'paged/app';
  for (const tag of ['a', 'b', 'c', 'd', 'e']) await pushSmallImage(reg.host, repo, tag);
  const proxy = await startProxy(reg.host);
  const client = new RegistryClient(proxy.host, FAST);
  try {
    // docker-registry 2.8 sends every tag whatever `n` asks (and in no particular order): a page fuller than
    // asked ends the listing, and no name is listed twice.
    const tags = await client.listTags(repo, { pageSize: 2 });
    assert.deepEqual([...tags!.items].sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(tags!.pages, 1);
    assert.deepEqual((await client.listTags(repo, { limit: 3 }))?.items.length, 3);
    assert.equal(await client.listTags('never/pushed'), undefined);
    // Its catalog pages with Link: one repository per page, each next page the one the registry linked to.
    proxy.requests.length = 0;
    const catalog = await client.catalog({ pageSize: 1 });
    assert.ok(catalog);
    for (const name of ['paged/app', 'team/app']) assert.ok(catalog.items.includes(name), name);
    const pages = proxy.requests.map((r) => r.path);
    assert.equal(pages[0], '/v2/_catalog?n=1');
    assert.equal(pages[1], `/v2/_catalog?last=${encodeURIComponent(catalog.items[0]!)}&n=1`);
    assert.ok(catalog.pages >= catalog.items.length);
  } finally {
    client.close();
    await proxy.close();
  }
});

test('tag pages linked by a registry that paginates (a stub for tags/list only), and names that are no tags', async () => {
  const all = ['v1', 'v2', 'v3', '../../etc', 'v4', 'v5'];
  const proxy = await startProxy(reg.host, (req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname !== '/v2/stub/app/tags/list') return false;
    const n = Number(url.searchParams.get('n'));
    const last = url.searchParams.get('last');
    const from = last === null ? 0 : all.indexOf(last) + 1;
    const page = all.slice(from, from + n);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (from + n < all.length)
      headers.Link = `</v2/stub/app/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`;
    res.writeHead(200, headers).end(JSON.stringify({ name: 'stub/app', tags: page }));
    return true;
  });
  const client = new RegistryClient(proxy.host, FAST);
  try {
    const tags = await client.listTags('stub/app', { pageSize: 2 });
    assert.deepEqual(tags, {
      items: ['v1', 'v2', 'v3', 'v4', 'v5'],
      invalid: ['../../etc'],
      pages: 3,
      truncated: false,
    });
  } finally {
    client.close();
    await proxy.close();
  }
});

test('putManifest: the exact bytes and Content-Type, read back with the registry API; the digest the registry computed', async () => {
  const repo = 'put/app';
  const img = await pushSmallImage(reg.host, repo, 'base');
  // Odd whitespace and key order: bytes that a re-serialising client would change.
  const bytes = Buffer.from(
    `{"mediaType": "${OCI_MANIFEST}",  "schemaVersion":2,\n"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":${img.config.size},"digest":"${img.config.digest}"},"layers":[{"digest":"${img.layer.digest}","size":${img.layer.size},"mediaType":"application/vnd.oci.image.layer.v1.tar"}]}\n\n`,
  );
  const client = new RegistryClient(reg.host, FAST);
  try {
    const r = await client.putManifest(repo, 'odd', bytes, OCI_MANIFEST);
    assert.equal(r.digest, sha256(bytes));
    assert.equal(r.location, `http://${reg.host}/v2/${repo}/manifests/${sha256(bytes)}`);
    const back = await api(reg.host, 'GET', `/v2/${repo}/manifests/odd`, {
      headers: { Accept: OCI_MANIFEST },
    });
    assert.ok(back.body.equals(bytes));
    assert.equal(back.headers['content-type'], OCI_MANIFEST);
    // By digest, and a digest that is not the bytes' is refused before anything is sent.
    assert.equal((await client.putManifest(repo, sha256(bytes), bytes, OCI_MANIFEST)).digest, sha256(bytes));
    await assert.rejects(
      client.putManifest(repo, sha256('other'), bytes, OCI_MANIFEST),
      /so it was not sent/,
    );
  } finally {
    client.close();
  }
});

test('referrers on a registry without the referrers API: the fallback tag, filtered here', async () => {
  const repo = 'sbom/app';
  const img = await pushSmallImage(reg.host, repo, '1');
  const sbom = await attachSbom(reg.host, repo, {
    digest: img.digest,
    size: Buffer.byteLength(img.manifest),
  });
  const proxy = await startProxy(reg.host);
  const client = new RegistryClient(proxy.host, FAST);
  try {
    const all = await client.referrers(repo, img.digest);
    assert.equal(all.via, 'tag');
    assert.equal(all.tag, sbom.tag);
    assert.deepEqual(
      all.manifests.map((m) => [m.digest, m.artifactType, m.size]),
      [[sbom.digest, 'application/spdx+json', sbom.size]],
    );
    assert.deepEqual(all.warnings, []);
    // The registry answered 404 to the API first (distribution 2.8 has none), then the tag was read.
    assert.deepEqual(
      proxy.requests.map((r) => `${r.method} ${r.path}`),
      [`GET /v2/${repo}/referrers/${img.digest}`, `GET /v2/${repo}/manifests/${sbom.tag}`],
    );
    const none = await client.referrers(repo, img.digest, {
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    });
    assert.deepEqual([none.manifests.length, none.filteredBy], [0, 'client']);
    const spdx = await client.referrers(repo, img.digest, { artifactType: 'application/spdx+json' });
    assert.equal(spdx.manifests.length, 1);
    // No tag at all: no referrers. A tag that is not an index: none, and a warning.
    const other = await pushSmallImage(reg.host, repo, '2');
    assert.deepEqual((await client.referrers(repo, other.digest)).manifests, []);
    await putManifest(reg.host, repo, `sha256-${other.digest.slice(7)}`, other.manifest, OCI_MANIFEST);
    const bad = await client.referrers(repo, other.digest);
    assert.deepEqual(bad.manifests, []);
    assert.match(
      bad.warnings[0]!,
      /holds application\/vnd\.oci\.image\.manifest\.v1\+json that is not an image index/,
    );
  } finally {
    client.close();
    await proxy.close();
  }
});

test('the referrers API (a stub for /referrers/ only, in front of the real registry): pages, the filter, OCI-Subject', async () => {
  const repo = 'api/app';
  const img = await pushSmallImage(reg.host, repo, '1');
  const d = (c: string): string => `sha256:${c.repeat(64)}`;
  const entries = [
    { mediaType: OCI_MANIFEST, digest: d('1'), size: 10, artifactType: 'application/spdx+json' },
    { mediaType: OCI_MANIFEST, digest: d('2'), size: 11, artifactType: 'application/vnd.example.sig' },
    { mediaType: OCI_INDEX, digest: d('3'), size: 12 },
  ];
  let honourFilter = true;
  const proxy = await startProxy(reg.host, (req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (req.method === 'PUT' && url.pathname.startsWith(`/v2/${repo}/manifests/`)) {
      // A registry that says it processes subjects…
      res.writeHead(201, { 'OCI-Subject': img.digest, 'Docker-Content-Digest': sha256('x') }).end();
      return true;
    }
    if (!url.pathname.startsWith(`/v2/${repo}/referrers/`)) return false;
    if (url.pathname.endsWith('sha256:' + 'f'.repeat(64))) return (void res.writeHead(404).end(), true);
    const filter = url.searchParams.get('artifactType');
    const page = Number(url.searchParams.get('page') ?? '0');
    let list = entries;
    const headers: Record<string, string> = { 'Content-Type': OCI_INDEX };
    if (filter && honourFilter) {
      list = list.filter((e) => e.artifactType === filter);
      headers['OCI-Filters-Applied'] = 'artifactType';
    }
    const slice = list.slice(page * 2, page * 2 + 2);
    if (page * 2 + 2 < list.length)
      headers.Link = `<${url.pathname}?page=${page + 1}${filter ? `&artifactType=${encodeURIComponent(filter)}` : ''}>; rel="next"`;
    res
      .writeHead(200, headers)
      .end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: slice }));
    return true;
  });
  const client = new RegistryClient(proxy.host, FAST);
  try {
    const all = await client.referrers(repo, img.digest);
    assert.equal(all.via, 'api');
    assert.deepEqual(
      all.manifests.map((m) => m.digest),
      [d('1'), d('2'), d('3')],
    );
    const filtered = await client.referrers(repo, img.digest, {
      artifactType: 'application/vnd.example.sig',
    });
    assert.deepEqual([filtered.manifests.map((m) => m.digest), filtered.filteredBy], [[d('2')], 'registry']);
    honourFilter = false;
    const unfiltered = await client.referrers(repo, img.digest, {
      artifactType: 'application/vnd.example.sig',
    });
    assert.deepEqual(
      [unfiltered.manifests.map((m) => m.digest), unfiltered.filteredBy],
      [[d('2')], 'client'],
    );
    // A link to another host is refused (the request carries credentials).
    // …and a registry that answered OCI-Subject but has no referrers API for another digest: a warning.
    const put = await client.putManifest(repo, 'with-subject', Buffer.from('x'), OCI_MANIFEST);
    assert.equal(put.subject, img.digest);
    const inconsistent = await client.referrers(repo, 'sha256:' + 'f'.repeat(64));
    assert.equal(inconsistent.via, 'tag');
    assert.match(
      inconsistent.warnings[0]!,
      /answered with OCI-Subject .* yet its referrers API answered 404/,
    );
  } finally {
    client.close();
    await proxy.close();
  }
});

test('htpasswd basic auth: the credentials from the options, refused without them', async () => {
  const password = 'Pa55-registry-client';
  const basic = await startRegistry({ user: 'tester', password });
  try {
    await pushSmallImage(basic.host, 'app', '1').catch(() => undefined);
    const anon = new RegistryClient(basic.host, FAST);
    await assert.rejects(anon.listTags('app'), /requires a user name and password/);
    anon.close();
    const client = new RegistryClient(basic.host, { ...FAST, credentials: { username: 'tester', password } });
    // Nothing there yet: 404 is an answer, not an auth failure.
    assert.equal(await client.listTags('app'), undefined);
    // A PUT with the credentials reaches the registry, which refuses the manifest itself (not the user).
    const r = await client.putManifest('app', 'x', Buffer.from('{}'), OCI_MANIFEST).catch((e: Error) => e);
    assert.ok(r instanceof BlobSourceError && r.reason === 'protocol', String(r));
    assert.ok(!String(r).includes(password));
    client.close();
  } finally {
    await basic.stop();
  }
});

/** A registry that accepts only the token service's tokens, with a proxy in front of it that counts requests. */
async function bearerRegistry(users?: Record<string, string>): Promise<{
  tokens: TokenServer;
  reg: Registry;
  proxy: Proxy;
  stop: () => Promise<void>;
}> {
  const dir = fs.mkdtempSync(path.join(tmp.dir, 'bearer-'));
  const tokens = await startTokenServer(dir, users ? { users } : {});
  const r = await startRegistry({
    token: {
      realm: tokens.realm,
      service: tokens.service,
      issuer: tokens.issuer,
      rootCertBundle: tokens.certFile,
    },
  });
  const proxy = await startProxy(r.host);
  return {
    tokens,
    reg: r,
    proxy,
    stop: async () => {
      await proxy.close();
      await r.stop();
      await tokens.close();
    },
  };
}

test('bearer tokens from the token service: one round trip after the token, one token per scope, shared by concurrent requests', async () => {
  const b = await bearerRegistry({ tester: 'tok-pass' });
  try {
    const push = b.tokens.mint(['repository:one/app:pull,push', 'repository:two/app:pull,push']);
    const one = await pushSmallImage(b.reg.host, 'one/app', '1', { token: push });
    await pushSmallImage(b.reg.host, 'one/app', '2', { token: push });
    await pushSmallImage(b.reg.host, 'two/app', '1', { token: push });
    const client = new RegistryClient(b.proxy.host, {
      ...FAST,
      credentials: { username: 'tester', password: 'tok-pass' },
      ca: b.tokens.cert,
    });
    try {
      // A fresh client: the request meets the challenge, one token request, the same request again.
      const m = await client.getManifest('one/app', '1');
      assert.equal(m?.digest, one.digest);
      assert.deepEqual(
        b.proxy.requests.map((r) => `${r.method} ${r.path} ${r.authorized ? 'token' : 'anonymous'}`),
        ['GET /v2/one/app/manifests/1 anonymous', 'GET /v2/one/app/manifests/1 token'],
      );
      assert.deepEqual(b.tokens.requests, [{ scopes: ['repository:one/app:pull'], user: 'tester' }]);
      // Opening another reference in the same repository: exactly one request, no token request.
      b.proxy.requests.length = 0;
      assert.ok(await client.getManifest('one/app', '2'));
      assert.equal(b.proxy.requests.length, 1);
      assert.equal(b.tokens.requests.length, 1);
      // Another repository is another scope: its token is asked for first, then one request (no 401).
      b.proxy.requests.length = 0;
      assert.ok(await client.getManifest('two/app', '1'));
      assert.deepEqual(
        b.proxy.requests.map((r) => r.authorized),
        [true],
      );
      assert.deepEqual(b.tokens.requests[1], { scopes: ['repository:two/app:pull'], user: 'tester' });
    } finally {
      client.close();
    }

    // Many concurrent requests on a fresh client: one learns the challenge, one token request serves them all.
    b.tokens.requests.length = 0;
    b.proxy.requests.length = 0;
    const fresh = new RegistryClient(b.proxy.host, {
      ...FAST,
      credentials: { username: 'tester', password: 'tok-pass' },
      ca: b.tokens.cert,
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2
            ? fresh.getManifest('one/app', '1')
            : fresh.statBlob('one/app', { digest: one.layer.digest, manifest: false }),
        ),
      );
      assert.equal(results.filter(Boolean).length, 20);
      assert.equal(b.tokens.requests.length, 1);
      assert.equal(b.proxy.requests.filter((r) => !r.authorized).length, 1, 'one 401, not twenty');
      assert.equal(b.proxy.requests.length, 21);
      // The catalog needs its own scope.
      const catalog = await fresh.catalog();
      assert.deepEqual(catalog?.items, ['one/app', 'two/app']);
      assert.deepEqual(b.tokens.requests[1]?.scopes, ['registry:catalog:*']);
    } finally {
      fresh.close();
    }

    // Tokens expire: one that lives 2 s is used for about 1.8 s, then a new one is asked for.
    b.tokens.expiresIn = 2;
    b.tokens.requests.length = 0;
    const short = new RegistryClient(b.proxy.host, {
      ...FAST,
      credentials: { username: 'tester', password: 'tok-pass' },
      ca: b.tokens.cert,
    });
    try {
      await short.getManifest('one/app', '1');
      await short.getManifest('one/app', '2');
      assert.equal(b.tokens.requests.length, 1);
      await new Promise((r) => setTimeout(r, 2100));
      await short.getManifest('one/app', '1');
      assert.equal(b.tokens.requests.length, 2);
    } finally {
      short.close();
    }

    // Wrong credentials: the token service refuses them; nothing is printed of them.
    const wrong = new RegistryClient(b.proxy.host, {
      ...FAST,
      credentials: { username: 'tester', password: 'not-it' },
      ca: b.tokens.cert,
    });
    const err = await wrong.getManifest('one/app', '1').catch((e: unknown) => e);
    wrong.close();
    assert.ok(err instanceof BlobSourceError && err.reason === 'auth', String(err));
    assert.match(err.message, /refused the credentials \(401\)/);
    assert.ok(!err.message.includes('not-it'));
    // Anonymous: the token service grants nothing, so the registry refuses the token it issued.
    const anon = new RegistryClient(b.proxy.host, { ...FAST, ca: b.tokens.cert });
    const refused = await anon.getManifest('one/app', '1').catch((e: unknown) => e);
    anon.close();
    assert.ok(refused instanceof BlobSourceError);
    assert.match(refused.message, /refused the token its token service issued/);
  } finally {
    await b.stop();
  }
});
