// One registry host, many spellings: `127.1`, `[::ffff:127.0.0.1]`, `LOCALHOST.`, `host:443`. Credentials
// (from a Docker config or given), insecure lists and redirect checks must all see the same host, and another
// port must stay another host. The real docker-registry with htpasswd basic auth serves the first test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { embeddedDataSource, verifyDocument } from '../../server/src/core/verify/index';
import {
  insecureEntryMatches,
  normalizeHost,
  parseRegistryReference,
  registryHostKey,
  sameRegistryHost,
  urlEndpoint,
} from '../../server/src/core/verify/reference';
import { dockerConfigLookup } from '../../server/src/node/registry/dockerConfig';
import { nodeHasherFactory } from '../../server/src/node/verify/hash';
import { RegistryBlobSource } from '../../server/src/node/registry/blobSource';
import type { RegistryOptions } from '../../server/src/node/registry/client';
import { cliAsync, ensureCli, ROOT } from '../cli/cli';
import {
  firstManifest,
  makeLayouts,
  push,
  requireTool,
  sh,
  startRegistry,
  stubServer,
  tempDir,
} from './tools';

let tmp: { dir: string; remove: () => void };
let layout: string;
let manifest: ReturnType<typeof firstManifest>;

before(async () => {
  await ensureCli();
  tmp = tempDir();
  layout = makeLayouts(tmp.dir).clean;
  manifest = firstManifest(layout);
});
after(() => tmp.remove());

const FAST = { connectTimeoutMs: 2000, timeoutMs: 5000 };

async function verifiedVia(text: string, reference: string, options: RegistryOptions): Promise<string[]> {
  const src = new RegistryBlobSource(reference, { dockerConfig: false, ...FAST, ...options });
  try {
    const r = await verifyDocument(text, { sources: [embeddedDataSource(), src], hasher: nodeHasherFactory });
    return r.results.map((x) => (x.status === 'verified' ? 'verified' : `${x.status}: ${x.error?.message}`));
  } finally {
    src.close();
  }
}

test('the spellings of a host: one canonical form, one registry key, endpoints by port', () => {
  assert.equal(normalizeHost('127.1:5000'), '127.0.0.1:5000');
  assert.equal(normalizeHost('[::ffff:127.0.0.1]:5000'), '127.0.0.1:5000');
  assert.equal(normalizeHost('0x7f.0.0.1'), '127.0.0.1');
  assert.equal(normalizeHost('Registry.Example.COM.:443'), 'registry.example.com:443');
  assert.equal(normalizeHost('[0:0:0:0:0:0:0:1]:80'), '[::1]:80');
  assert.equal(parseRegistryReference('LocalHost.:5000/team/app').host, 'localhost:5000');
  assert.equal(registryHostKey('registry.example.com:443'), 'registry.example.com');
  assert.ok(sameRegistryHost('Registry.Example.com.', 'registry.example.com:443'));
  assert.ok(!sameRegistryHost('registry.example.com', 'registry.example.com:5000'));
  assert.ok(!sameRegistryHost('127.0.0.1:5000', 'localhost:5000'), 'names are not resolved');
  // Insecure lists: a host without a port covers its ports; with one, only that registry.
  assert.ok(insecureEntryMatches('REGISTRY.example.com.', 'registry.example.com:5000'));
  assert.ok(insecureEntryMatches('registry.example.com:443', 'registry.example.com'));
  assert.ok(!insecureEntryMatches('registry.example.com:5000', 'registry.example.com'));
  const plain = (ref: string, insecure: string[]): boolean => {
    const src = new RegistryBlobSource(ref, { dockerConfig: false, insecure });
    src.close();
    return src.client.mayUsePlainHttp;
  };
  assert.equal(plain('registry.example.com/app', ['Registry.Example.com.:443']), true);
  assert.equal(plain('registry.example.com:5000/app', ['registry.example.com:5001']), false);
  assert.equal(plain('[::ffff:127.0.0.1]:5000/app', []), true, 'loopback however written');
  // Redirect targets are compared by where they connect: another port is another host.
  assert.equal(urlEndpoint(new URL('https://HOST.:443/x')), urlEndpoint(new URL('https://host/y')));
  assert.notEqual(urlEndpoint(new URL('http://host/')), urlEndpoint(new URL('https://host/')));
  assert.equal(urlEndpoint(new URL('http://[::ffff:127.0.0.1]:9/')), '127.0.0.1:9');
});

test('Docker config keys in their usual forms find the credentials of the registry however it is written', async () => {
  const config = path.join(tmp.dir, 'keys.json');
  const auth = (user: string): { auth: string } => ({ auth: Buffer.from(`${user}:pw`).toString('base64') });
  fs.writeFileSync(
    config,
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': auth('hub'),
        'Registry.Example.com:443': auth('example'),
        'http://127.0.0.1:5000/v2/': auth('local'),
        'other.example:5000': auth('other'),
      },
    }),
  );
  const lookup = dockerConfigLookup(config, () => Promise.reject(new Error('no helper expected')));
  const user = async (host: string): Promise<string | undefined> => {
    const c = await lookup(host);
    return c && 'username' in c ? c.username : undefined;
  };
  assert.equal(await user('docker.io'), 'hub');
  assert.equal(await user('index.docker.io:443'), 'hub');
  assert.equal(await user('registry.example.com'), 'example');
  assert.equal(await user('REGISTRY.example.com.'), 'example');
  assert.equal(await user('127.1:5000'), 'local');
  assert.equal(await user('[::ffff:127.0.0.1]:5000'), 'local');
  assert.equal(await user('other.example'), undefined, 'another port is another registry');
  assert.equal(await user('127.0.0.1:5001'), undefined);
});

test('htpasswd registry: credentials stored for 127.0.0.1:PORT authenticate 127.1, [::ffff:127.0.0.1] and 127.0.0.1.', async () => {
  const password = 'pa55-for-spellings';
  const reg = await startRegistry({ user: 'tester', password });
  try {
    push(layout, reg.host, 'app', `tester:${password}`);
    const port = reg.host.slice(reg.host.lastIndexOf(':') + 1);
    const config = path.join(tmp.dir, 'docker-config-spellings.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        auths: { [reg.host]: { auth: Buffer.from(`tester:${password}`).toString('base64') } },
      }),
    );
    for (const host of [`127.1:${port}`, `[::ffff:127.0.0.1]:${port}`, `127.0.0.1.:${port}`]) {
      assert.deepEqual(
        await verifiedVia(manifest.text, `${host}/app`, { dockerConfig: config }),
        ['verified', 'verified', 'verified'],
        host,
      );
    }
    // The editor's lookup (SecretStorage) is asked with the canonical host, whatever was written.
    const asked: string[] = [];
    const fromLookup = await verifiedVia(manifest.text, `127.1:${port}/app`, {
      credentials: async (h) => {
        asked.push(h);
        return sameRegistryHost(h, reg.host) ? { username: 'tester', password } : undefined;
      },
    });
    assert.deepEqual(fromLookup, ['verified', 'verified', 'verified']);
    assert.deepEqual(asked, [reg.host]);
  } finally {
    await reg.stop();
  }
});

test('redirects over plain HTTP: the same host written another way gets the credentials', async () => {
  const content = Buffer.from('behind basic auth and a redirect\n');
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
  const registry = await stubServer((req, res) => {
    if (req.headers.authorization !== basic)
      return res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/storage/blob')
      return res.writeHead(200, { 'Content-Length': content.length }).end(content);
    const to: Record<string, string> = {
      spelled: `http://[::ffff:127.0.0.1]:${registry.port}/storage/blob?sig=1`,
      upper: `http://LOCALHOST.:${registry.port}/storage/blob`,
    };
    const repo = url.pathname.split('/')[2]!;
    if (to[repo]) return res.writeHead(307, { Location: to[repo] }).end();
    res.writeHead(404).end();
  });
  try {
    const text = JSON.stringify({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest,
      size: content.length,
    });
    const credentials = { username: 'u', password: 'p' };
    assert.deepEqual(await verifiedVia(text, `127.1:${registry.port}/spelled`, { credentials }), [
      'verified',
    ]);
    // The registry named `localhost`, redirecting to `LOCALHOST.`: the same name.
    assert.deepEqual(await verifiedVia(text, `localhost:${registry.port}/upper`, { credentials }), [
      'verified',
    ]);
  } finally {
    await registry.close();
  }
});

/** A CA and a certificate for 127.0.0.1 signed by it (openssl), so that HTTPS servers here verify. */
function testCertificates(dir: string): { ca: string; key: string; cert: string } {
  requireTool('openssl');
  const f = (name: string): string => path.join(dir, name);
  sh('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=oci-manifest test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  ]);
  sh('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  ]);
  fs.writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  sh('openssl', [
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('san.ext'),
    '-out',
    f('server.pem'),
  ]);
  return {
    ca: f('ca.pem'),
    key: fs.readFileSync(f('server.key'), 'utf8'),
    cert: fs.readFileSync(f('server.pem'), 'utf8'),
  };
}

test('redirects over HTTPS: credentials go to the registry however its host is written, never to another port', async () => {
  const dir = path.join(tmp.dir, 'tls');
  fs.mkdirSync(dir);
  const { ca, key, cert } = testCertificates(dir);
  const content = Buffer.from('behind TLS, basic auth and a redirect\n');
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  const basic = `Basic ${Buffer.from('u:s3cret').toString('base64')}`;
  const seenElsewhere: string[] = [];
  const other = await stubServer(
    (req, res) => {
      seenElsewhere.push(req.headers.authorization ?? 'anonymous');
      res.writeHead(200, { 'Content-Length': content.length }).end(content);
    },
    { key, cert },
  );
  const registry = await stubServer(
    (req, res) => {
      if (req.headers.authorization !== basic)
        return res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
      const url = new URL(req.url!, 'https://x');
      if (url.pathname === '/storage/blob')
        return res.writeHead(200, { 'Content-Length': content.length }).end(content);
      const to: Record<string, string> = {
        same: `https://[::ffff:127.0.0.1]:${registry.port}/storage/blob`,
        port: `https://127.0.0.1:${other.port}/storage/blob`,
      };
      const repo = url.pathname.split('/')[2]!;
      if (to[repo]) return res.writeHead(307, { Location: to[repo] }).end();
      res.writeHead(404).end();
    },
    { key, cert },
  );
  try {
    const file = path.join(dir, 'layer.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: content.length }),
    );
    // The credentials are stored for the registry spelled another way.
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          [`https://127.1:${registry.port}/v2/`]: { auth: Buffer.from('u:s3cret').toString('base64') },
        },
      }),
    );
    const env = { NODE_EXTRA_CA_CERTS: ca, DOCKER_CONFIG: dir };
    for (const repo of ['same', 'port']) {
      const r = await cliAsync(
        ['verify', '--timeout', '10', '--registry', `127.0.0.1:${registry.port}/${repo}`, file],
        ROOT,
        env,
      );
      assert.equal(r.status, 0, `${repo}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /1 verified, 0 mismatches, 0 not found/);
    }
    // HEAD and GET both went there, without credentials: another port is another host.
    assert.deepEqual(seenElsewhere, ['anonymous', 'anonymous']);
  } finally {
    await registry.close();
    await other.close();
  }
});
