// A real registry (Debian's docker-registry, the CNCF distribution server) on 127.0.0.1, without auth and
// with htpasswd basic auth, filled by `skopeo copy` from an umoci layout; its storage tampered with.
// Small node servers stand in where the real one cannot: the bearer token flow, redirects, an endless
// body, and a server that accepts and never answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  embeddedDataSource,
  verifyDocument,
  type DocumentVerifyReport,
} from '../../server/src/core/verify/index';
import { registrySource } from '../../server/src/node/content/registrySource';
import { nodeHasherFactory } from '../../server/src/node/verify/hash';
import { RegistryBlobSource } from '../../server/src/node/registry/blobSource';
import { parseChallenge, type RegistryOptions } from '../../server/src/node/registry/client';
import {
  covered,
  firstManifest,
  flipByte,
  makeLayouts,
  push,
  startRegistry,
  stubServer,
  tempDir,
} from './tools';

let tmp: { dir: string; remove: () => void };
let layout: string;
let manifest: ReturnType<typeof firstManifest>;
let indexText: string;

before(() => {
  tmp = tempDir();
  layout = makeLayouts(tmp.dir).clean;
  manifest = firstManifest(layout);
  indexText = fs.readFileSync(path.join(layout, 'index.json'), 'utf8');
});
after(() => tmp.remove());

const FAST = { connectTimeoutMs: 1000, timeoutMs: 1000 };

async function viaRegistry(
  text: string,
  host: string,
  repo: string,
  options: RegistryOptions = {},
): Promise<DocumentVerifyReport> {
  // Through the registry's content-source adapter, as the CLI and the editor use it.
  const src = registrySource(`${host}/${repo}`, { dockerConfig: false, ...FAST, ...options });
  try {
    return await verifyDocument(text, { sources: [embeddedDataSource(), src], hasher: nodeHasherFactory });
  } finally {
    src.close();
  }
}

test('anonymous registry: blobs and manifests verify; tampered storage gives each finding', async () => {
  const reg = await startRegistry();
  try {
    push(layout, reg.host, 'team/app');
    const ok = await viaRegistry(manifest.text, reg.host, 'team/app');
    assert.deepEqual(
      ok.results.map((r) => [r.status, r.source]),
      [
        ['verified', 'registry'],
        ['verified', 'registry'],
        ['verified', 'registry'],
      ],
    );
    assert.equal(ok.results[0]!.where, `http://${reg.host}/v2/team/app/blobs/${manifest.config.digest}`);
    // index.json's entry is a manifest: fetched from /manifests/ with the manifest Accept types.
    const idx = await viaRegistry(indexText, reg.host, 'team/app');
    assert.equal(idx.results[0]!.status, 'verified');
    assert.match(idx.results[0]!.where!, /\/v2\/team\/app\/manifests\/sha256:/);

    // A flipped byte in the stored layer.
    const l0 = manifest.layers[0]!;
    flipByte(reg.blobData(l0.digest));
    const flipped = await viaRegistry(manifest.text, reg.host, 'team/app');
    const f = flipped.findings.find((x) => x.code === 'oci/blob-digest-mismatch')!;
    assert.equal(covered(manifest.text, f), JSON.stringify(l0.digest));
    assert.ok(f.message.includes(`http://${reg.host}/v2/team/app/blobs/${l0.digest}`), f.message);
    assert.equal(flipped.summary.text, '2 verified, 1 mismatch, 0 not found');

    // A longer stored config: the size the registry announces is reported without reading the body.
    fs.appendFileSync(reg.blobData(manifest.config.digest), 'extra');
    const longer = await viaRegistry(manifest.text, reg.host, 'team/app');
    const s = longer.findings.find((x) => x.code === 'oci/blob-size-mismatch')!;
    assert.equal(covered(manifest.text, s), JSON.stringify(manifest.config.digest));
    assert.equal(s.data?.actualSize, manifest.config.size + 5);

    // A removed layer: 404 → not found.
    const l1 = manifest.layers[1]!;
    fs.rmSync(path.dirname(reg.blobData(l1.digest)), { recursive: true });
    const gone = await viaRegistry(manifest.text, reg.host, 'team/app');
    const g = gone.findings.find((x) => x.code === 'oci/blob-missing')!;
    assert.equal(covered(manifest.text, g), JSON.stringify(l1.digest));
    // A registry must hold what its manifests name (a layout need not): an error.
    assert.equal(g.severity, 'error');
    assert.match(g.message, new RegExp(`registry ${reg.host.replace(/\./g, '\\.')}/team/app`));
    assert.equal(gone.summary.text, '0 verified, 2 mismatches, 1 not found');
  } finally {
    await reg.stop();
  }
});

test('htpasswd basic auth: refused without credentials, verified with them (given, or from a Docker config), never leaked', async () => {
  const password = 's3cret-Pa55word';
  const reg = await startRegistry({ user: 'tester', password });
  try {
    push(layout, reg.host, 'app', `tester:${password}`);
    const anon = await viaRegistry(manifest.text, reg.host, 'app');
    assert.deepEqual(
      anon.results.map((r) => r.status),
      ['unreadable', 'unreadable', 'unreadable'],
    );
    assert.equal(anon.results[0]!.error?.reason, 'auth');
    assert.match(anon.results[0]!.error!.message, /requires a user name and password/);

    const given = await viaRegistry(manifest.text, reg.host, 'app', {
      credentials: { username: 'tester', password },
    });
    assert.equal(given.summary.verified, 3);

    const wrong = await viaRegistry(manifest.text, reg.host, 'app', {
      credentials: { username: 'tester', password: 'nope' },
    });
    assert.equal(wrong.results[0]!.error?.reason, 'auth');
    assert.match(wrong.results[0]!.error!.message, /refused the user name and password/);

    // ~/.docker/config.json style: base64 "user:password" under the host.
    const config = path.join(tmp.dir, 'docker-config.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        auths: { [`http://${reg.host}`]: { auth: Buffer.from(`tester:${password}`).toString('base64') } },
      }),
    );
    const fromConfig = await viaRegistry(manifest.text, reg.host, 'app', { dockerConfig: config });
    assert.equal(fromConfig.summary.verified, 3);

    // credHelpers: docker-credential-<name> get, found on PATH.
    const bin = path.join(tmp.dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    const helper = path.join(bin, 'docker-credential-octest');
    fs.writeFileSync(
      helper,
      `#!/bin/sh\nread server\necho '{"ServerURL":"'"$server"'","Username":"tester","Secret":"${password}"}'\n`,
      { mode: 0o755 },
    );
    const helperConfig = path.join(tmp.dir, 'docker-config-helper.json');
    fs.writeFileSync(helperConfig, JSON.stringify({ credHelpers: { [reg.host]: 'octest' } }));
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;
    try {
      const fromHelper = await viaRegistry(manifest.text, reg.host, 'app', { dockerConfig: helperConfig });
      assert.equal(fromHelper.summary.verified, 3);
    } finally {
      process.env.PATH = savedPath;
    }

    const everything = JSON.stringify([anon, given, wrong, fromConfig]);
    assert.ok(!everything.includes(password), 'the password never appears');
    assert.ok(!everything.includes(Buffer.from(`tester:${password}`).toString('base64')), 'nor its base64');
  } finally {
    await reg.stop();
  }
});

test('bearer token flow: challenge, token from the realm with basic credentials, retry with the token', async () => {
  const content = Buffer.from('bearer-protected blob\n');
  const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(content).digest('hex')}`;
  const seen: string[] = [];
  const srv = await stubServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      seen.push(
        `token ${url.searchParams.get('service')} ${url.searchParams.get('scope')} ${req.headers.authorization ?? 'anonymous'}`,
      );
      if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`)
        return res.writeHead(401).end();
      return res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ token: 'tok-123', expires_in: 300 }));
    }
    if (req.headers.authorization !== 'Bearer tok-123') {
      res.writeHead(401, {
        'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="test-registry",scope="repository:team/app:pull"`,
      });
      return res.end();
    }
    if (url.pathname === `/v2/team/app/blobs/${digest}`) {
      res.writeHead(200, { 'Content-Length': content.length });
      return res.end(req.method === 'HEAD' ? undefined : content);
    }
    res.writeHead(404).end();
  });
  try {
    const text = JSON.stringify({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest,
      size: content.length,
    });
    const src = new RegistryBlobSource(`${srv.host}/team/app`, {
      dockerConfig: false,
      credentials: { username: 'u', password: 'p' },
      ...FAST,
    });
    const r = await verifyDocument(text, { kind: 'descriptor', sources: [src] });
    src.close();
    assert.equal(r.results[0]!.status, 'verified');
    assert.equal(seen.length, 1, 'one token for both requests');
    assert.match(seen[0]!, /^token test-registry repository:team\/app:pull Basic /);
    assert.deepEqual(
      parseChallenge('Bearer realm="https://a/t",service="s",scope="repository:x:pull,push"'),
      {
        scheme: 'bearer',
        params: { realm: 'https://a/t', service: 's', scope: 'repository:x:pull,push' },
      },
    );
  } finally {
    await srv.close();
  }
});

test('redirects: followed on the same insecure host, refused to plain HTTP elsewhere', async () => {
  const content = Buffer.from('redirected\n');
  const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(content).digest('hex')}`;
  let elsewhere = '';
  const srv = await stubServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/storage/blob') {
      res.writeHead(200, { 'Content-Length': content.length });
      return res.end(req.method === 'HEAD' ? undefined : content);
    }
    if (url.pathname.startsWith('/v2/same/'))
      return res.writeHead(307, { Location: '/storage/blob?sig=secret' }).end();
    if (url.pathname.startsWith('/v2/other/'))
      return res.writeHead(307, { Location: `http://${elsewhere}/storage/blob` }).end();
    res.writeHead(404).end();
  });
  elsewhere = srv.host.replace('127.0.0.1', '127.0.0.2');
  try {
    const text = JSON.stringify({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest,
      size: content.length,
    });
    const same = await viaRegistry(text, srv.host, 'same');
    assert.equal(same.results[0]!.status, 'verified');
    assert.ok(!JSON.stringify(same).includes('sig=secret'), 'a redirect query is never shown');
    const other = await viaRegistry(text, srv.host, 'other');
    assert.equal(other.results[0]!.status, 'unreadable');
    assert.equal(other.results[0]!.error?.reason, 'protocol');
    assert.match(other.results[0]!.error!.message, /redirected to plain HTTP .* which is refused/);
  } finally {
    await srv.close();
  }
});

test('a body longer than the descriptor is cut off after size + 1 bytes and reported', async () => {
  let sent = 0;
  const srv = await stubServer((req, res) => {
    // HEAD tells no length; GET streams without end.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    if (req.method === 'HEAD') return res.end();
    const chunk = Buffer.alloc(64 * 1024, 1);
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', () => undefined);
    pump();
  });
  try {
    const text = JSON.stringify({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest: `sha256:${'1'.repeat(64)}`,
      size: 1000,
    });
    const t = Date.now();
    const r = await viaRegistry(text, srv.host, 'app');
    assert.ok(Date.now() - t < 5000);
    assert.equal(r.results[0]!.status, 'size-mismatch');
    assert.equal(r.results[0]!.sizeIsLowerBound, true);
    assert.match(r.findings[0]!.message, /is longer than the descriptor's size of 1000 bytes/);
    assert.ok(sent < 64 * 1024 * 1024, `the server was stopped after ${sent} bytes`);
  } finally {
    await srv.close();
  }
});

test('a server that accepts and never answers times out cleanly and quickly', async () => {
  const sockets: net.Socket[] = [];
  const stalled = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(stalled.address() as net.AddressInfo).port}`;
  try {
    const t = Date.now();
    const r = await viaRegistry(manifest.text, host, 'app');
    const took = Date.now() - t;
    assert.ok(took < 3000, `took ${took} ms`);
    assert.deepEqual(
      r.results.map((x) => x.status),
      ['unreadable', 'unreadable', 'unreadable'],
    );
    assert.equal(r.results[0]!.error?.reason, 'timeout');
    assert.equal(
      r.findings[0]!.message.endsWith(`${host} did not answer within 1 s.`),
      true,
      r.findings[0]!.message,
    );
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => stalled.close(r));
  }
});

test('a closed port is an I/O error naming the host; a non-loopback plain host is never tried over HTTP', async () => {
  const free = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const r = await viaRegistry(manifest.text, `127.0.0.1:${free}`, 'app');
  assert.equal(r.results[0]!.error?.reason, 'io');
  assert.match(r.results[0]!.error!.message, /connection refused/);
  // The transport rule itself: loopback and listed hosts may use plain HTTP, others not.
  const src = new RegistryBlobSource('registry.example.com/app', { dockerConfig: false });
  assert.equal(src.client.mayUsePlainHttp, false);
  src.close();
  const listed = new RegistryBlobSource('registry.example.com:5000/app', {
    dockerConfig: false,
    insecure: ['registry.example.com:5000'],
  });
  assert.equal(listed.client.mayUsePlainHttp, true);
  listed.close();
});

test('the engine reads a blob once per digest even when the registry is slow (no duplicate downloads)', async () => {
  let gets = 0;
  const content = Buffer.from('shared layer\n');
  const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(content).digest('hex')}`;
  const srv = await stubServer((req, res) => {
    if (req.method === 'GET') gets++;
    setTimeout(() => {
      res.writeHead(200, { 'Content-Length': content.length });
      res.end(req.method === 'HEAD' ? undefined : content);
    }, 20);
  });
  try {
    const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: content.length };
    const text = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: layer,
      layers: [layer, layer],
    });
    const r = await viaRegistry(text, srv.host, 'app');
    assert.equal(r.summary.verified, 3);
    assert.equal(gets, 1);
  } finally {
    await srv.close();
  }
});

test('identity tokens (credsStore helper answering <token>) use the OAuth2 refresh-token POST to the realm', async () => {
  const { createHash } = await import('node:crypto');
  const content = Buffer.from('identity token blob\n');
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  const posts: string[] = [];
  const srv = await stubServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        posts.push(body);
        const form = new URLSearchParams(body);
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'refresh-xyz')
          return res.writeHead(401).end();
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ access_token: 'acc-1' }));
      });
      return;
    }
    if (req.headers.authorization !== 'Bearer acc-1') {
      res.writeHead(401, {
        'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="svc"`,
      });
      return res.end();
    }
    res.writeHead(url.pathname === `/v2/app/blobs/${digest}` ? 200 : 404, {
      'Content-Length': content.length,
    });
    res.end(req.method === 'HEAD' ? undefined : content);
  });
  const bin = path.join(tmp.dir, 'bin-store');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(
    path.join(bin, 'docker-credential-octoken'),
    `#!/bin/sh\nread server\necho '{"ServerURL":"'"$server"'","Username":"<token>","Secret":"refresh-xyz"}'\n`,
    { mode: 0o755 },
  );
  const config = path.join(tmp.dir, 'docker-config-store.json');
  fs.writeFileSync(config, JSON.stringify({ credsStore: 'octoken' }));
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;
  try {
    const text = JSON.stringify({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest,
      size: content.length,
    });
    const r = await viaRegistry(text, srv.host, 'app', { dockerConfig: config });
    assert.equal(r.results[0]!.status, 'verified', JSON.stringify(r.results[0]));
    assert.equal(posts.length, 1);
    assert.match(posts[0]!, /scope=repository%3Aapp%3Apull/);
    assert.ok(!JSON.stringify(r).includes('refresh-xyz'));
  } finally {
    process.env.PATH = savedPath;
    await srv.close();
  }
});
