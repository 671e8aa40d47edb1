// The CLI (dist/cli.js, as a process) against Debian's docker-registry on 127.0.0.1: lint and verify of image
// references mixed with files, audit of a repository and of the whole registry (catalog), referrers through
// the real fallback tag, a registry whose storage was changed, credentials from a Docker config never printed,
// bearer tokens from the test token service, and a registry that lies about a digest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliAsync, ensureCli, where } from '../cli/cli';
import { flipByte, startRegistry, stubServer, tempDir, type Registry } from '../verify/tools';
import { attachSbom, OCI_MANIFEST, pushSmallImage, putManifest, sha256, startTokenServer } from './fixtures';

let tmp: { dir: string; remove: () => void };
let reg: Registry;
let img: Awaited<ReturnType<typeof pushSmallImage>>;

before(async () => {
  await ensureCli();
  tmp = tempDir('oci-registry-cli-');
  reg = await startRegistry();
  img = await pushSmallImage(reg.host, 'team/app', '1');
  await pushSmallImage(reg.host, 'team/app', '2');
  await pushSmallImage(reg.host, 'other/app', 'latest');
});
after(async () => {
  await reg.stop();
  tmp.remove();
});

interface JsonFile {
  file: string;
  diagnostics: { code: string; severity: string; message: string; range: { start: { line: number } } }[];
}

test('lint REF mixed with a file: the registry bytes linted; a path that exists on disk is a path', async () => {
  const file = path.join(tmp.dir, 'broken.manifest.json');
  fs.writeFileSync(file, img.manifest.replace('"schemaVersion": 2', '"schemaVersion": "2"'));
  const r = await cliAsync(['lint', '--format', 'json', `${reg.host}/team/app:1`, file]);
  assert.equal(r.status, 1, r.stderr);
  const files = JSON.parse(r.stdout) as JsonFile[];
  assert.deepEqual(
    files.map((f) => [f.file, f.diagnostics.map((d) => d.code)]),
    [
      [file, ['oci/schema-version']],
      [`${reg.host}/team/app:1`, []],
    ],
  );
  // The same argument naming a file that exists: the file, not the registry.
  const cwd = path.join(tmp.dir, 'cwd');
  fs.mkdirSync(path.join(cwd, reg.host, 'team'), { recursive: true });
  fs.writeFileSync(path.join(cwd, reg.host, 'team', 'app:1'), fs.readFileSync(file));
  const local = await cliAsync(['lint', `${reg.host}/team/app:1`], cwd);
  assert.equal(local.status, 1);
  assert.match(
    local.stdout,
    new RegExp(`^${reg.host.replace(/\./g, '\\.')}/team/app:1:2:\\d+ error oci/schema-version`, 'm'),
  );
  // Not there, and not a file either: exit 2, saying which.
  const missing = await cliAsync(['lint', `${reg.host}/team/app:nope`]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /team\/app:nope: the registry has no manifest "nope" in team\/app \(404\)\./);
  // A single word is a file name, never a Docker Hub image looked up by accident.
  const word = await cliAsync(['lint', 'nosuchfile'], tmp.dir);
  assert.match(word.stderr, /nosuchfile: cannot read: no such file or directory/);
});

test('a manifest with a wrong layer size (PUT with the registry API): verify REF and audit exit 1 at the descriptor', async () => {
  const repo = 'broken/size';
  const good = await pushSmallImage(reg.host, repo, 'good');
  const bad = good.manifest.replace(`"size": ${good.layer.size}`, `"size": ${good.layer.size + 7}`);
  await putManifest(reg.host, repo, 'wrong-size', bad, OCI_MANIFEST);
  const at = where(bad, JSON.stringify(good.layer.digest));
  const v = await cliAsync(['verify', `${reg.host}/${repo}:wrong-size`]);
  assert.equal(v.status, 1, v.stderr);
  assert.ok(
    v.stdout.includes(
      `${reg.host}/${repo}:wrong-size:${at.line}:${at.col} error oci/blob-size-mismatch The content of layers[0]`,
    ),
    v.stdout,
  );
  assert.match(
    v.stdout,
    new RegExp(`is ${good.layer.size} bytes long, but the descriptor's size is ${good.layer.size + 7}\\.`),
  );
  assert.equal((await cliAsync(['verify', `${reg.host}/${repo}:good`])).status, 0);
  const a = await cliAsync(['audit', `${reg.host}/${repo}`]);
  assert.equal(a.status, 1, a.stderr);
  assert.ok(
    a.stdout.includes(`${reg.host}/${repo}:wrong-size:${at.line}:${at.col} error oci/blob-size-mismatch`),
    a.stdout,
  );
  assert.match(
    a.stdout,
    new RegExp(
      `${reg.host.replace(/\./g, '\\.')}/${repo}: 2 tags, 2 manifests and indexes; descriptors: 0 verified, 3 present, 1 mismatch, 0 not found`,
    ),
  );
});

test('storage changed behind the registry: same size passes a HEAD audit, --deep hashes and finds it; a lost manifest is reported', async () => {
  const repo = 'broken/bytes';
  const one = await pushSmallImage(reg.host, repo, 'a');
  flipByte(reg.blobData(one.layer.digest));
  const head = await cliAsync(['audit', `${reg.host}/${repo}`]);
  assert.equal(head.status, 0, 'a HEAD sees the right size: presence and size are all it claims');
  assert.match(head.stdout, /0 verified, 2 present, 0 mismatches/);
  const deep = await cliAsync(['audit', '--deep', '--format', 'json', `${reg.host}/${repo}`]);
  assert.equal(deep.status, 1);
  const out = JSON.parse(deep.stdout) as {
    repositories: {
      repository: string;
      tags: { tag: string; digest: string }[];
      summary: { verified: number; digestMismatch: number };
    }[];
    files: JsonFile[];
  };
  assert.deepEqual(out.repositories[0]!.tags, [{ tag: 'a', digest: one.digest, mediaType: OCI_MANIFEST }]);
  assert.deepEqual(
    [out.repositories[0]!.summary.verified, out.repositories[0]!.summary.digestMismatch],
    [1, 1],
  );
  assert.deepEqual(
    out.files[0]!.diagnostics.map((d) => d.code),
    ['oci/blob-digest-mismatch'],
  );
  // A tag whose manifest the storage lost: listed, but 404 when pulled.
  const two = await pushSmallImage(reg.host, repo, 'b');
  const revisions = path.join(
    reg.storage,
    'docker/registry/v2/repositories',
    repo,
    '_manifests/revisions/sha256',
    two.digest.slice(7),
  );
  fs.rmSync(revisions, { recursive: true });
  const lost = await cliAsync(['audit', `${reg.host}/${repo}:b`]);
  assert.equal(lost.status, 2, 'named on the command line: it could not be read');
  const all = await cliAsync(['audit', `${reg.host}/${repo}`]);
  assert.equal(all.status, 1, all.stderr);
  assert.match(
    all.stdout,
    new RegExp(
      `/${repo}:b:1:1 error oci/registry-tag-unavailable .*in the registry's tag list, but the registry answered 404`,
    ),
  );
});

test('audit HOST: every repository of the catalog; SARIF names each manifest by its registry URL', async () => {
  // A manifest without its top-level mediaType (as umoci writes them): a warning to find.
  const plain = await pushSmallImage(reg.host, 'warn/app', 'base');
  await putManifest(
    reg.host,
    'warn/app',
    'no-media-type',
    plain.manifest.replace(`"mediaType": "${OCI_MANIFEST}",`, ''),
    OCI_MANIFEST,
  );
  const r = await cliAsync(['audit', '--format', 'sarif', '--jobs', '4', reg.host]);
  const sarif = JSON.parse(r.stdout) as {
    runs: {
      results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
    }[];
  };
  const missing = sarif.runs[0]!.results.filter((x) => x.ruleId === 'oci/media-type-missing');
  assert.equal(missing.length, 1);
  assert.match(
    missing[0]!.locations[0]!.physicalLocation.artifactLocation.uri,
    /\/v2\/warn\/app\/manifests\/sha256:/,
  );
  for (const res of sarif.runs[0]!.results)
    assert.match(
      res.locations[0]!.physicalLocation.artifactLocation.uri,
      new RegExp(`^http://${reg.host.replace(/\./g, '\\.')}/v2/.+/manifests/(sha256:[0-9a-f]{64}|[\\w.-]+)$`),
    );
  const text = await cliAsync(['audit', reg.host]);
  for (const repo of ['team/app', 'other/app'])
    assert.ok(text.stdout.includes(`${reg.host}/${repo}: `), `${repo} audited:\n${text.stdout}`);
  assert.match(
    text.stdout,
    new RegExp(
      `${reg.host.replace(/\./g, '\\.')}/team/app: 2 tags, 2 manifests and indexes; descriptors: 0 verified, 4 present, 0 mismatches, 0 not found`,
    ),
  );
  // Progress is for terminals: a pipe gets none.
  assert.ok(!text.stderr.includes('audit '), text.stderr);
});

test('audit of an unreachable registry exits 2 and says why', async () => {
  const closed = await stubServer((_q, s) => void s.end());
  const host = closed.host;
  await closed.close();
  const r = await cliAsync(['audit', '--timeout', '2', host]);
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /the list of repositories could not be read: cannot connect to 127\.0\.0\.1:\d+: connection refused\./,
  );
  const one = await cliAsync(['audit', `${host}/app`]);
  assert.equal(one.status, 2);
  assert.match(one.stderr, /app: the tag list could not be read: cannot connect/);
});

test('referrers REF: the SBOM attached through the fallback tag (the real registry has no referrers API)', async () => {
  const repo = 'sbom/app';
  const subject = await pushSmallImage(reg.host, repo, '1');
  const sbom = await attachSbom(reg.host, repo, {
    digest: subject.digest,
    size: Buffer.byteLength(subject.manifest),
  });
  const text = await cliAsync(['referrers', `${reg.host}/${repo}:1`]);
  assert.equal(text.status, 0, text.stderr);
  assert.equal(
    text.stdout,
    [
      `${reg.host}/${repo}@${subject.digest}: 1 referrer, from the fallback tag ${sbom.tag} (the registry has no referrers API)`,
      `${sbom.digest}  application/spdx+json  ${OCI_MANIFEST}  ${sbom.size} bytes`,
      '  org.opencontainers.image.created: 2026-01-01T00:00:00Z',
      '',
    ].join('\n'),
  );
  const json = await cliAsync([
    'referrers',
    '--format',
    'json',
    '--artifact-type',
    'application/vnd.example.sig',
    `${reg.host}/${repo}@${subject.digest}`,
  ]);
  assert.deepEqual(JSON.parse(json.stdout), {
    subject: `${reg.host}/${repo}@${subject.digest}`,
    digest: subject.digest,
    via: 'tag',
    tag: sbom.tag,
    artifactType: 'application/vnd.example.sig',
    filteredBy: 'client',
    referrers: [],
    warnings: [],
  });
  // The audit walks the fallback index too: the SBOM manifest, and its subject through it.
  const audit = await cliAsync(['audit', `${reg.host}/${repo}`]);
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);
  assert.match(audit.stdout, /sbom\/app: 2 tags, 3 manifests and indexes/);
  const gone = await cliAsync(['referrers', `${reg.host}/${repo}:nope`]);
  assert.equal(gone.status, 2);
});

test('credentials from a Docker config reach the registry and never the output', async () => {
  const password = 'cli-Pa55-never-printed';
  const basic = await startRegistry({ user: 'tester', password });
  const config = path.join(tmp.dir, 'docker-basic');
  fs.mkdirSync(config, { recursive: true });
  fs.writeFileSync(
    path.join(config, 'config.json'),
    JSON.stringify({
      auths: { [basic.host]: { auth: Buffer.from(`tester:${password}`).toString('base64') } },
    }),
  );
  try {
    const env = { DOCKER_CONFIG: config };
    const none = await cliAsync(['audit', `${basic.host}/app`]);
    assert.equal(none.status, 2);
    assert.match(
      none.stderr,
      /requires a user name and password; none were given or found in the Docker config/,
    );
    const r = await cliAsync(['audit', '--format', 'json', `${basic.host}/app`], undefined, env);
    // Nothing pushed: the registry knows no such repository (an answer, so the credentials worked).
    assert.match(r.stderr, /app: the registry knows no tags of this repository/);
    const all = [none, r].map((x) => x.stdout + x.stderr).join('\n');
    assert.ok(!all.includes(password));
    assert.ok(!all.includes(Buffer.from(`tester:${password}`).toString('base64')));
  } finally {
    await basic.stop();
  }
});

test('bearer tokens: audit of the catalog with credentials from a Docker config, one token per scope', async () => {
  const dir = fs.mkdtempSync(path.join(tmp.dir, 'bearer-'));
  const tokens = await startTokenServer(dir, { users: { tester: 'tok-Pa55' } });
  const b = await startRegistry({
    token: {
      realm: tokens.realm,
      service: tokens.service,
      issuer: tokens.issuer,
      rootCertBundle: tokens.certFile,
    },
  });
  try {
    const push = tokens.mint(['repository:a/app:pull,push', 'repository:b/app:pull,push']);
    for (const t of ['1', '2', '3']) await pushSmallImage(b.host, 'a/app', t, { token: push });
    await pushSmallImage(b.host, 'b/app', '1', { token: push });
    const config = path.join(dir, 'docker');
    fs.mkdirSync(config);
    fs.writeFileSync(
      path.join(config, 'config.json'),
      JSON.stringify({ auths: { [b.host]: { username: 'tester', password: 'tok-Pa55' } } }),
    );
    const r = await cliAsync(['audit', b.host], undefined, {
      DOCKER_CONFIG: config,
      NODE_EXTRA_CA_CERTS: tokens.certFile,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /a\/app: 3 tags, 3 manifests and indexes; descriptors: 0 verified, 6 present/);
    assert.match(r.stdout, /b\/app: 1 tag, 1 manifest or index/);
    assert.deepEqual(tokens.requests.map((q) => q.scopes.join(' ')).sort(), [
      'registry:catalog:*',
      'repository:a/app:pull',
      'repository:b/app:pull',
    ]);
    assert.ok(!(r.stdout + r.stderr).includes('tok-Pa55'));
  } finally {
    await b.stop();
    await tokens.close();
  }
});

test('a registry that announces another digest than it serves: lint and verify exit 1 with oci/registry-digest-mismatch', async () => {
  const manifest = img.manifest;
  const srv = await stubServer((req, res) => {
    if (!req.url!.includes('/manifests/')) return void res.writeHead(404).end();
    res
      .writeHead(200, { 'Content-Type': OCI_MANIFEST, 'Docker-Content-Digest': sha256('other') })
      .end(manifest);
  });
  try {
    for (const verb of ['lint', 'verify']) {
      const r = await cliAsync([verb, `${srv.host}/app:1`]);
      assert.equal(r.status, 1, `${verb}: ${r.stdout}${r.stderr}`);
      assert.match(
        r.stdout,
        new RegExp(
          `app:1:1:1 error oci/registry-digest-mismatch The registry did not serve what was asked for: http://${srv.host.replace(/\./g, '\\.')}/v2/app/manifests/1 announced the Docker-Content-Digest ${sha256('other')}, but the content it served hashes to ${img.digest}\\.`,
        ),
      );
    }
    const a = await cliAsync(['audit', `${srv.host}/app:1`]);
    assert.equal(a.status, 1);
  } finally {
    await srv.close();
  }
});

test('a manifest served with another Content-Type than its mediaType: oci/registry-media-type on the mediaType value', async () => {
  const DOCKER = 'application/vnd.docker.distribution.manifest.v2+json';
  const srv = await stubServer((req, res) => {
    if (!req.url!.includes('/manifests/')) return void res.writeHead(404).end();
    res
      .writeHead(200, { 'Content-Type': `${DOCKER}; charset=utf-8`, 'Docker-Content-Digest': img.digest })
      .end(img.manifest);
  });
  try {
    const r = await cliAsync(['lint', `${srv.host}/app:1`]);
    assert.equal(r.status, 0, 'a warning');
    const at = where(img.manifest, JSON.stringify(OCI_MANIFEST));
    assert.ok(
      r.stdout.includes(
        `${srv.host}/app:1:${at.line}:${at.col} warning oci/registry-media-type ${srv.host}/app:1 was served with the Content-Type "${DOCKER}", but its "mediaType" is "${OCI_MANIFEST}"`,
      ),
      r.stdout,
    );
  } finally {
    await srv.close();
  }
});

test('many requests in flight on one signal: no warning on stderr', async () => {
  for (let i = 0; i < 24; i++) await pushSmallImage(reg.host, 'many/app', `t${i}`);
  const r = await cliAsync(['audit', '--jobs', '32', `${reg.host}/many/app`]);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /many\/app: 24 tags, 24 manifests and indexes; descriptors: 0 verified, 48 present/);
});
