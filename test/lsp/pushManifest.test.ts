/**
 * `ociManifest/pushManifest` over stdio (the built server) against Debian's docker-registry on 127.0.0.1: a dry run
 * shows the digest and the checks and writes nothing; a push sends a file's exact bytes; an unsaved (untitled)
 * document with an error-level finding is refused unless forced; a missing blob refuses; credentials passed with
 * the request reach a registry with basic auth and appear in no answer or log.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PushManifestRequest } from '../../server/src/protocol';
import { api, OCI_INDEX, OCI_MANIFEST, pushSmallImage, sha256 } from '../registry/fixtures';
import { startRegistry, tempDir, type Registry } from '../verify/tools';
import { LspClient } from './client';

let reg: Registry;
let authReg: Registry;
let c: LspClient;
let img: Awaited<ReturnType<typeof pushSmallImage>>;
const tmp = tempDir('oci-lsp-push-');
const savedDockerConfig = process.env.DOCKER_CONFIG;

const tagsOf = async (host: string, repo: string, auth?: string): Promise<string[] | number> => {
  const r = await api(host, 'GET', `/v2/${repo}/tags/list`, auth ? { headers: { Authorization: auth } } : {});
  return r.status === 200
    ? ((JSON.parse(r.body.toString()) as { tags: string[] }).tags ?? []).sort()
    : r.status;
};

before(async () => {
  // No Docker config of the machine's user: credentials come only with the request.
  process.env.DOCKER_CONFIG = path.join(tmp.dir, 'docker-config');
  fs.mkdirSync(process.env.DOCKER_CONFIG);
  reg = await startRegistry();
  authReg = await startRegistry({ user: 'pusher', password: 's3cret-Pa55' });
  img = await pushSmallImage(reg.host, 'lsp/app', '1');
  c = await LspClient.start();
});

after(async () => {
  await c?.stop();
  await reg?.stop();
  await authReg?.stop();
  tmp.remove();
  if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = savedDockerConfig;
});

test('a dry run shows the digest and the checks and writes nothing; the push sends the file bytes and tags them', async () => {
  const text = img.manifest.replace(/\n/g, '\r\n') + '\r\n';
  const file = path.join(tmp.dir, 'app.manifest.json');
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const reference = `${reg.host}/lsp/app:v1`;
  const dry = await c.connection.sendRequest(PushManifestRequest, {
    uri,
    reference,
    tags: ['v1.0'],
    dryRun: true,
  });
  assert.deepEqual(
    [dry.digest, dry.size, dry.mediaType, dry.repository, dry.tags, dry.pushed, dry.refusals, dry.result],
    [
      sha256(text),
      Buffer.byteLength(text),
      OCI_MANIFEST,
      `${reg.host}/lsp/app`,
      ['v1', 'v1.0'],
      false,
      [],
      [],
    ],
  );
  assert.equal(dry.checks, 'no error-level finding; 2 of 2 blobs present in lsp/app');
  assert.deepEqual(await tagsOf(reg.host, 'lsp/app'), ['1'], 'a dry run writes nothing');
  const pushed = await c.connection.sendRequest(PushManifestRequest, { uri, reference, tags: ['v1.0'] });
  assert.equal(pushed.pushed, true, pushed.refusals.join(' '));
  assert.equal(pushed.digest, sha256(text));
  assert.match(pushed.result.join(' '), /^Tagged v1, v1\.0 with one PUT each/);
  assert.deepEqual(await tagsOf(reg.host, 'lsp/app'), ['1', 'v1', 'v1.0']);
  const got = await api(reg.host, 'GET', '/v2/lsp/app/manifests/v1.0', { headers: { Accept: OCI_MANIFEST } });
  assert.ok(got.body.equals(Buffer.from(text)), 'the registry holds the file bytes, CRLF and all');
});

test('an untitled document with an error-level finding is refused unless forced; a missing blob is refused', async () => {
  const uri = 'untitled:Untitled-push';
  const text = img.manifest.replace('"schemaVersion": 2,', '"schemaVersion": 2, "schemaVersion": 2,');
  await c.open(uri, text);
  const reference = `${reg.host}/lsp/app:dup`;
  const refused = await c.connection.sendRequest(PushManifestRequest, { uri, reference });
  assert.deepEqual([refused.pushed, refused.forceWouldHelp, refused.errors], [false, true, 1]);
  assert.match(refused.findings[0]!, /^2:\d+ oci\/duplicate-key: /);
  assert.deepEqual(await tagsOf(reg.host, 'lsp/app'), ['1', 'v1', 'v1.0']);
  const forced = await c.connection.sendRequest(PushManifestRequest, { uri, reference, force: true });
  assert.equal(forced.pushed, true, forced.refusals.join(' '));
  assert.equal(forced.digest, sha256(text));
  assert.deepEqual(await tagsOf(reg.host, 'lsp/app'), ['1', 'dup', 'v1', 'v1.0']);
  const missing = await c.connection.sendRequest(PushManifestRequest, {
    uri,
    reference: `${reg.host}/lsp/other:1`,
    force: true,
  });
  assert.deepEqual([missing.pushed, missing.forceWouldHelp], [false, false]);
  assert.match(
    missing.refusals.join(' '),
    /^The repository lsp\/other lacks config sha256:[0-9a-f]{64}, layers\[0\] sha256:/,
  );
  assert.deepEqual(
    missing.missing.map((m) => [m.path, m.manifest, m.mountableFrom]),
    [
      ['config', false, undefined],
      ['layers[0]', false, undefined],
    ],
  );
  assert.equal(await tagsOf(reg.host, 'lsp/other'), 404);
  // Named as a repository to mount from: the dry run says where they are and writes nothing; the push mounts them.
  const mountable = { uri, reference: `${reg.host}/lsp/other:1`, force: true, mountFrom: ['lsp/app'] };
  const dry = await c.connection.sendRequest(PushManifestRequest, { ...mountable, dryRun: true });
  assert.deepEqual([dry.refusals, dry.missing.map((m) => m.mountableFrom)], [[], ['lsp/app', 'lsp/app']]);
  assert.match(dry.checks, /0 of 2 blobs present in lsp\/other, 2 to mount from lsp\/app$/);
  assert.equal(await tagsOf(reg.host, 'lsp/other'), 404);
  const mounted = await c.connection.sendRequest(PushManifestRequest, mountable);
  assert.equal(mounted.pushed, true, mounted.refusals.join(' '));
  assert.match(mounted.checks, /2 of 2 blobs present in lsp\/other \(2 mounted from lsp\/app\)$/);
  assert.deepEqual(await tagsOf(reg.host, 'lsp/other'), ['1']);
  await c.close(uri);
});

test('credentials passed with the request reach a registry with basic auth, and appear in no answer or log', async () => {
  const uri = 'untitled:Untitled-empty-index';
  const text = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
  await c.open(uri, text);
  const reference = `${authReg.host}/private/app:empty`;
  await assert.rejects(
    c.connection.sendRequest(PushManifestRequest, { uri, reference }),
    /requires a user name and password; none were given or found in the Docker config\. Nothing was pushed\./,
  );
  const pushed = await c.connection.sendRequest(PushManifestRequest, {
    uri,
    reference,
    credentials: { username: 'pusher', password: 's3cret-Pa55' },
  });
  assert.equal(pushed.pushed, true, pushed.refusals.join(' '));
  assert.equal(pushed.checks, 'no error-level finding; no manifest to check');
  const basic = `Basic ${Buffer.from('pusher:s3cret-Pa55').toString('base64')}`;
  assert.deepEqual(await tagsOf(authReg.host, 'private/app', basic), ['empty']);
  const everything = JSON.stringify(pushed) + JSON.stringify(c.logs) + c.stderr;
  assert.ok(!everything.includes('s3cret') && !everything.includes(basic.slice(6)), 'no credential anywhere');
  await c.close(uri);
});
