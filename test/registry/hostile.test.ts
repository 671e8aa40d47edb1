// Registries that lie, loop, flood or stall, against the registry client: node servers on 127.0.0.1 answering
// what the real registry never would. Each test says what must hold: bounded requests, bounded bytes,
// credentials only where they belong, an error and never a silent success.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as http from 'node:http';
import { BlobSourceError } from '../../server/src/core/content/source';
import {
  ManifestMismatchError,
  MAX_UNSIZED_BODY,
  RegistryClient,
  type RegistryOptions,
} from '../../server/src/node/registry/client';
import { stubServer, tempDir } from '../verify/tools';
import { makeCertificate, OCI_MANIFEST, sha256 } from './fixtures';

const FAST: RegistryOptions = {
  dockerConfig: false,
  connectTimeoutMs: 5000,
  timeoutMs: 5000,
  retryDelayMs: 50,
};
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 },
  layers: [],
});

/** Sends bytes as fast as the socket takes them until it closes; counts them. */
function flood(res: http.ServerResponse, counter: { sent: number }): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk)) counter.sent += chunk.length;
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

test(
  'an endless manifest: refused after 16 MiB by tag, after the descriptor size + 1 by digest',
  { timeout: 60_000 },
  async () => {
    const counter = { sent: 0 };
    const srv = await stubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': OCI_MANIFEST });
      flood(res, counter);
    });
    const client = new RegistryClient(srv.host, { ...FAST, timeoutMs: 20_000 });
    try {
      const byTag = await client.getManifest('app', 'latest').catch((e: unknown) => e);
      assert.ok(byTag instanceof BlobSourceError, String(byTag));
      assert.match(byTag.message, /is longer than 16 MiB, more than a manifest may be/);
      assert.ok(counter.sent < MAX_UNSIZED_BODY + 32 * 1024 * 1024, `${counter.sent} bytes sent`);
      const byDigest = await client
        .getManifest('app', sha256(MANIFEST), { size: 1000 })
        .catch((e: unknown) => e);
      assert.ok(byDigest instanceof BlobSourceError);
      assert.match(
        byDigest.message,
        /is longer than the 1000 bytes its descriptor gives; reading stopped there/,
      );
    } finally {
      client.close();
      await srv.close();
    }
  },
);

test('a redirect to another port gets no credentials (basic or bearer); the registry itself gets them', async () => {
  const content = Buffer.from('blob kept in storage elsewhere\n');
  const digest = sha256(content);
  const storageSaw: (string | undefined)[] = [];
  // Blob storage elsewhere speaks HTTPS (a redirect to plain HTTP elsewhere is refused outright).
  const tmp = tempDir('oci-hostile-');
  const cert = makeCertificate(tmp.dir);
  const storage = await stubServer(
    (req, res) => {
      storageSaw.push(req.headers.authorization);
      res
        .writeHead(200, { 'Content-Length': content.length })
        .end(req.method === 'HEAD' ? undefined : content);
    },
    { key: cert.key, cert: cert.cert },
  );
  for (const scheme of ['basic', 'bearer'] as const) {
    const registrySaw: (string | undefined)[] = [];
    const srv = await stubServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token')
        return void res.writeHead(200).end(JSON.stringify({ token: 'tok-secret' }));
      registrySaw.push(req.headers.authorization);
      const good =
        scheme === 'basic' ? `Basic ${Buffer.from('u:secret-pass').toString('base64')}` : 'Bearer tok-secret';
      if (req.headers.authorization !== good)
        return void res
          .writeHead(401, {
            'WWW-Authenticate':
              scheme === 'basic'
                ? 'Basic realm="r"'
                : `Bearer realm="http://${req.headers.host}/token",service="s"`,
          })
          .end();
      res.writeHead(307, { Location: `https://${storage.host}/data?sig=abc` }).end();
    });
    const client = new RegistryClient(srv.host, {
      ...FAST,
      credentials: { username: 'u', password: 'secret-pass' },
      ca: cert.cert,
    });
    try {
      const blob = await client.fetchBlob('app', { digest, size: content.length });
      assert.ok(blob && Buffer.from(blob.bytes).equals(content));
      assert.ok(!blob.where.includes('sig='), 'a redirect query is never shown');
    } finally {
      client.close();
      await srv.close();
    }
    assert.ok(
      registrySaw.some((a) => a !== undefined),
      `${scheme}: the registry got the credentials`,
    );
  }
  await storage.close();
  tmp.remove();
  assert.deepEqual(storageSaw, [undefined, undefined], 'the other port got no Authorization, ever');
});

test('a 401 loop: one challenge answered per request, then an error (no endless token requests)', async () => {
  let registryRequests = 0;
  let tokenRequests = 0;
  const srv = await stubServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      tokenRequests++;
      return void res.writeHead(200).end(JSON.stringify({ token: `tok-${tokenRequests}` }));
    }
    registryRequests++;
    res
      .writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="s"` })
      .end();
  });
  const client = new RegistryClient(srv.host, FAST);
  try {
    const err = await client.getManifest('app', 'v1').catch((e: unknown) => e);
    assert.ok(err instanceof BlobSourceError && err.reason === 'auth', String(err));
    assert.match(err.message, /refused the token its token service issued/);
    assert.deepEqual([registryRequests, tokenRequests], [2, 1]);
    // The next request uses the token it has, meets the challenge once more, asks once more, and stops.
    await assert.rejects(
      client.statBlob('app', { digest: sha256('x'), manifest: false }),
      /refused the token/,
    );
    assert.deepEqual([registryRequests, tokenRequests], [4, 2]);
  } finally {
    client.close();
    await srv.close();
  }
});

test(
  'a 10 MB token: the token flow stops after 1 MiB with an error; nothing hangs',
  { timeout: 30_000 },
  async () => {
    const huge = 'a'.repeat(10 * 1024 * 1024);
    let registryRequests = 0;
    const srv = await stubServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token') {
        const body = JSON.stringify({ token: huge });
        return void res
          .writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length })
          .end(body);
      }
      registryRequests++;
      res
        .writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="s"` })
        .end();
    });
    const client = new RegistryClient(srv.host, FAST);
    try {
      const err = await client.getManifest('app', 'v1').catch((e: unknown) => e);
      assert.ok(err instanceof BlobSourceError, String(err));
      assert.match(err.message, /the token service answered with more than 1024 KiB/);
      assert.equal(registryRequests, 1);
    } finally {
      client.close();
      await srv.close();
    }
  },
);

test('a Docker-Content-Digest other than the bytes, or bytes other than the digest asked for: an error holding the bytes', async () => {
  const other = sha256('something else');
  const srv = await stubServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const lie = url.pathname.endsWith('/lie') || url.pathname.includes(other);
    res
      .writeHead(200, {
        'Content-Type': OCI_MANIFEST,
        'Docker-Content-Digest': lie && url.pathname.endsWith('/lie') ? other : sha256(MANIFEST),
      })
      .end(MANIFEST);
  });
  const client = new RegistryClient(srv.host, FAST);
  try {
    assert.equal((await client.getManifest('app', 'honest'))?.digest, sha256(MANIFEST));
    const header = await client.getManifest('app', 'lie').catch((e: unknown) => e);
    assert.ok(header instanceof ManifestMismatchError, String(header));
    assert.equal(header.against, 'header');
    assert.deepEqual([header.expectedDigest, header.actualDigest], [other, sha256(MANIFEST)]);
    assert.equal(Buffer.from(header.bytes).toString(), MANIFEST);
    assert.match(
      header.message,
      /announced the Docker-Content-Digest sha256:\w+, but the content it served hashes to/,
    );
    const asked = await client.getManifest('app', other).catch((e: unknown) => e);
    assert.ok(asked instanceof ManifestMismatchError);
    assert.equal(asked.against, 'request');
    assert.match(asked.message, /served content that hashes to sha256:\w+, not to the digest asked for/);
  } finally {
    client.close();
    await srv.close();
  }
});

test('429 with Retry-After is waited for; a wait longer than the bound is an error at once', async () => {
  const arrivals: number[] = [];
  let askFor = '1';
  const srv = await stubServer((_req, res) => {
    arrivals.push(Date.now());
    if (arrivals.length % 2 === 1)
      return void res.writeHead(429, { 'Retry-After': askFor, 'Content-Length': 0 }).end();
    res
      .writeHead(200, { 'Content-Type': OCI_MANIFEST, 'Docker-Content-Digest': sha256(MANIFEST) })
      .end(MANIFEST);
  });
  const client = new RegistryClient(srv.host, { ...FAST, maxRetryDelayMs: 10_000 });
  try {
    const m = await client.getManifest('app', 'v1');
    assert.equal(m?.digest, sha256(MANIFEST));
    assert.equal(arrivals.length, 2);
    assert.ok(arrivals[1]! - arrivals[0]! >= 950, `the retry came ${arrivals[1]! - arrivals[0]!} ms later`);
    askFor = '3600';
    const err = await client.getManifest('app', 'v1').catch((e: unknown) => e);
    assert.ok(err instanceof BlobSourceError);
    assert.match(
      err.message,
      /answered 429 and asked to wait 3600 s before trying again, longer than the 10 s/,
    );
    assert.equal(arrivals.length, 3);
  } finally {
    client.close();
    await srv.close();
  }
});

test('503 then 200 succeeds after one retry; 503 every time gives up after the retries with the status', async () => {
  let calls = 0;
  let always = false;
  const srv = await stubServer((_req, res) => {
    calls++;
    if (always || calls === 1) return void res.writeHead(503, { 'Content-Length': 0 }).end();
    res.writeHead(200, { 'Content-Type': OCI_MANIFEST }).end(MANIFEST);
  });
  const client = new RegistryClient(srv.host, { ...FAST, retries: 2 });
  try {
    assert.equal((await client.getManifest('app', 'v1'))?.digest, sha256(MANIFEST));
    assert.equal(calls, 2);
    always = true;
    calls = 0;
    await assert.rejects(
      client.getManifest('app', 'v1'),
      /GET http:\/\/127\.0\.0\.1:\d+\/v2\/app\/manifests\/v1 answered 503 Service Unavailable$/,
    );
    assert.equal(calls, 3, 'the first try and two retries');
  } finally {
    client.close();
    await srv.close();
  }
});

test('cancelling while waiting to retry stops at once', async () => {
  const srv = await stubServer(
    (_req, res) => void res.writeHead(503, { 'Retry-After': '20', 'Content-Length': 0 }).end(),
  );
  const client = new RegistryClient(srv.host, { ...FAST, maxRetryDelayMs: 60_000 });
  const controller = new AbortController();
  try {
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const err = await client.getManifest('app', 'v1', { signal: controller.signal }).catch((e: unknown) => e);
    assert.equal((err as Error).name, 'AbortError');
    assert.ok(Date.now() - started < 10_000, 'it did not wait out the 20 s');
  } finally {
    client.close();
    await srv.close();
  }
});

test('a next-page link to another host or out of the API is refused (the request carries credentials)', async () => {
  let where = 'http://198.51.100.7/v2/app/tags/list?n=1000&last=a';
  const srv = await stubServer((_req, res) => {
    res
      .writeHead(200, { 'Content-Type': 'application/json', Link: `<${where}>; rel="next"` })
      .end(JSON.stringify({ tags: ['a'] }));
  });
  const client = new RegistryClient(srv.host, FAST);
  try {
    await assert.rejects(client.listTags('app'), /links its next page to another host, which is refused/);
    where = '/admin?x=1';
    await assert.rejects(client.listTags('app'), /links its next page outside the registry API/);
  } finally {
    client.close();
    await srv.close();
  }
});

test(
  'an endless tag list or referrers page is refused after 16 MiB, naming the registry URL',
  { timeout: 60_000 },
  async () => {
    const counter = { sent: 0 };
    const srv = await stubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      flood(res, counter);
    });
    const client = new RegistryClient(srv.host, { ...FAST, timeoutMs: 20_000 });
    try {
      await assert.rejects(
        client.listTags('app'),
        new RegExp(`http://${srv.host}/v2/app/tags/list\\S* answered more than 16 MiB`),
      );
      assert.ok(counter.sent < MAX_UNSIZED_BODY + 32 * 1024 * 1024, `${counter.sent} bytes sent`);
      await assert.rejects(
        client.referrers('app', sha256(MANIFEST)),
        new RegExp(`http://${srv.host}/v2/app/referrers/sha256:[0-9a-f]{64}\\S* answered more than 16 MiB`),
      );
    } finally {
      client.close();
      await srv.close();
    }
  },
);
