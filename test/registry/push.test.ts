// `oci-manifest push` and image references as authoring inputs, through the built CLI against Debian's
// docker-registry (distribution 2.8: no referrers API, no `?tag=` on PUT) on 127.0.0.1, with images made by umoci
// and copied by skopeo. Everything pushed is read back with the raw registry API (fixtures.ts `api`), never with
// the client under test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliAsync, ensureCli } from '../cli/cli';
import { makeArchImages, skopeo } from '../layouts';
import { requireTool, startRegistry, tempDir, type Registry } from '../verify/tools';
import { api, OCI_INDEX, OCI_MANIFEST, pushSmallImage, sha256, startProxy, uploadBlob } from './fixtures';

let tmp: { dir: string; remove: () => void };
let reg: Registry;
let base: Awaited<ReturnType<typeof pushSmallImage>>;

const file = (name: string, bytes: string | Uint8Array): string => {
  const p = path.join(tmp.dir, name);
  fs.writeFileSync(p, bytes);
  return p;
};
const tagsOf = async (repo: string): Promise<string[] | number> => {
  const r = await api(reg.host, 'GET', `/v2/${repo}/tags/list`);
  if (r.status !== 200) return r.status;
  return ((JSON.parse(r.body.toString()) as { tags: string[] | null }).tags ?? []).sort();
};
const getManifest = (repo: string, ref: string) =>
  api(reg.host, 'GET', `/v2/${repo}/manifests/${ref}`, {
    headers: {
      Accept: `${OCI_MANIFEST}, ${OCI_INDEX}, application/vnd.docker.distribution.manifest.v2+json`,
    },
  });
/** The first line of stdout: the digest, printed before anything is written. */
const digestLine = (stdout: string) => /^digest (sha256:[0-9a-f]{64}) \((\d+) bytes/.exec(stdout);

/** A manifest naming `config` and `layer` with whitespace no serializer writes (tabs, CRLF, a trailing newline). */
const oddManifest = (
  config: { digest: string; size: number },
  layer: { digest: string; size: number },
  extra = '',
): string =>
  `{\r\n\t"schemaVersion" :  2,\r\n\t"mediaType": "${OCI_MANIFEST}",\r\n\t"config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "${config.digest}", "size": ${config.size}},\r\n\t"layers": [ {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "${layer.digest}",   "size": ${layer.size}} ]${extra}\r\n}\r\n`;

before(async () => {
  await ensureCli();
  tmp = tempDir('oci-push-');
  reg = await startRegistry();
  base = await pushSmallImage(reg.host, 'base/app', '1');
});
after(async () => {
  await reg.stop();
  tmp.remove();
});

test('push: the exact bytes (tabs, CRLF, trailing newline) under three tags, one PUT per tag on distribution 2.8', async () => {
  // The blobs of base/app uploaded into team/app (with the raw API), then a manifest naming them.
  for (const d of [base.config.digest, base.layer.digest])
    await uploadBlob(reg.host, 'team/app', (await api(reg.host, 'GET', `/v2/base/app/blobs/${d}`)).body);
  const text = oddManifest(base.config, base.layer);
  const f = file('odd.manifest.json', text);
  const r = await cliAsync(['push', f, `${reg.host}/team/app:v1`, '--tag', 'v1.0', '-t', 'latest']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const digest = sha256(text);
  assert.deepEqual(digestLine(r.stdout)?.slice(1), [digest, String(Buffer.byteLength(text))]);
  assert.match(r.stdout, /^checked: no error-level finding; 2 of 2 blobs present in team\/app$/m);
  assert.match(r.stdout, new RegExp(`^pushed ${reg.host.replace(/\./g, '\\.')}/team/app@${digest}$`, 'm'));
  assert.match(
    r.stdout,
    /^Tagged v1, v1\.0, latest with one PUT each: the registry did not confirm \?tag= with OCI-Tag/m,
  );
  for (const ref of [digest, 'v1', 'v1.0', 'latest']) {
    const got = await getManifest('team/app', ref);
    assert.equal(got.status, 200, ref);
    assert.ok(got.body.equals(Buffer.from(text)), `${ref}: the registry holds the file's exact bytes`);
    assert.equal(got.headers['docker-content-digest'], digest);
    assert.equal(got.headers['content-type'], OCI_MANIFEST);
  }
  assert.deepEqual(await tagsOf('team/app'), ['latest', 'v1', 'v1.0']);
});

test('a registry that takes ?tag= (distribution-spec 1.1; a proxy adds it to distribution 2.8): one PUT, and the tags it did not confirm one PUT each', async () => {
  // The proxy stands in for the tags-on-PUT support distribution 2.8 lacks: it stores the manifest by digest, sets
  // the first two tags asked for itself and confirms only those with OCI-Tag.
  const puts: string[] = [];
  const proxy = await startProxy(reg.host, (req, res) => {
    if (req.method === 'PUT') puts.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    const tags = url.searchParams.getAll('tag');
    if (req.method !== 'PUT' || !tags.length) return false;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const headers = { 'Content-Type': String(req.headers['content-type']) };
      void (async () => {
        const stored = await api(reg.host, 'PUT', url.pathname, { headers, body });
        const set = tags.slice(0, 2);
        for (const t of set) await api(reg.host, 'PUT', url.pathname.replace(/[^/]+$/, t), { headers, body });
        res.writeHead(stored.status, {
          'Docker-Content-Digest': String(stored.headers['docker-content-digest']),
          Location: String(stored.headers.location),
          'OCI-Tag': set.join(', '),
        });
        res.end();
      })();
    });
    return true;
  });
  try {
    const f = file('query.manifest.json', base.manifest);
    const r = await cliAsync(['push', f, `${proxy.host}/base/app:q1`, '-t', 'q2', '-t', 'q3']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Tagged q1, q2, q3: some confirmed with OCI-Tag, the others with one PUT each\.$/m,
    );
    assert.deepEqual(puts, [
      `/v2/base/app/manifests/${base.digest}?tag=q1&tag=q2&tag=q3`,
      '/v2/base/app/manifests/q3',
    ]);
    assert.deepEqual(await tagsOf('base/app'), ['1', 'q1', 'q2', 'q3']);
    await api(reg.host, 'DELETE', `/v2/base/app/manifests/${base.digest}`);
    await pushSmallImage(reg.host, 'base/app', '1');
  } finally {
    await proxy.close();
  }
});

test('push refuses a manifest naming a blob the repository lacks: exit 1, no manifest, no tag', async () => {
  const layer = { digest: sha256('never uploaded\n'), size: 15 };
  const f = file('missing.manifest.json', oddManifest(base.config, layer));
  const r = await cliAsync(['push', f, `${reg.host}/team/missing:1`]);
  assert.equal(r.status, 1, r.stderr);
  assert.ok(digestLine(r.stdout), 'the digest is shown even when refused');
  assert.match(r.stdout, /^checked: no error-level finding; 0 of 2 blobs present in team\/missing$/m);
  assert.ok(
    r.stderr.includes(
      `not pushed (nothing was written): The repository team/missing lacks config ${base.config.digest}, layers[0] ${layer.digest}. Push the blobs first, or mount them`,
    ),
    r.stderr,
  );
  assert.match(r.stderr, /Give --mount-from REPO to mount them from another repository of this registry/);
  assert.equal(await tagsOf('team/missing'), 404, 'the repository was not even created');
  assert.equal((await getManifest('team/missing', sha256(fs.readFileSync(f)))).status, 404);
});

test('push refuses an error-level finding (exit 1, no tag), --force pushes it', async () => {
  // A duplicate key: the registry takes it (the last value wins in Go), other readers may take the first.
  const text = oddManifest(
    base.config,
    base.layer,
    `,\r\n\t"annotations": {"org.example": "1", "org.example": "2"}`,
  );
  const f = file('finding.manifest.json', text);
  const r = await cliAsync(['push', f, `${reg.host}/base/app:bad`]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /finding\.manifest\.json:6:\d+ error oci\/duplicate-key /);
  assert.match(r.stderr, /not pushed \(nothing was written\): The document has 1 error-level finding;/);
  assert.match(r.stderr, /give --force to push anyway/);
  assert.deepEqual(await tagsOf('base/app'), ['1']);
  const forced = await cliAsync(['push', '--force', f, `${reg.host}/base/app:bad`]);
  assert.equal(forced.status, 0, forced.stderr);
  assert.match(
    forced.stdout,
    /^checked: 1 error-level finding \(pushed anyway: forced\); 2 of 2 blobs present/m,
  );
  assert.deepEqual(await tagsOf('base/app'), ['1', 'bad']);
  assert.ok((await getManifest('base/app', 'bad')).body.equals(Buffer.from(text)));
});

test('cross-repository mount: refused without --mount-from, pushed with it, the blobs then in the target', async () => {
  const f = file('mount.manifest.json', base.manifest);
  const refused = await cliAsync(['push', f, `${reg.host}/team/mounted:1`]);
  assert.equal(refused.status, 1);
  assert.equal(await tagsOf('team/mounted'), 404);
  const pushed = await cliAsync(['push', f, `${reg.host}/team/mounted:1`, '--mount-from', 'base/app']);
  assert.equal(pushed.status, 0, pushed.stderr);
  assert.match(
    pushed.stdout,
    /^checked: no error-level finding; 2 of 2 blobs present in team\/mounted \(2 mounted from base\/app\)$/m,
  );
  for (const d of [base.config.digest, base.layer.digest])
    assert.equal((await api(reg.host, 'HEAD', `/v2/team/mounted/blobs/${d}`)).status, 200, d);
  assert.deepEqual(await tagsOf('team/mounted'), ['1']);
  assert.ok((await getManifest('team/mounted', '1')).body.equals(Buffer.from(base.manifest)));
});

test('push by digest only (no tag), and REF@DIGEST must name the file digest', async () => {
  const text = `${base.manifest}\n`;
  const f = file('bydigest.manifest.json', text);
  const wrong = await cliAsync(['push', f, `${reg.host}/base/app@${base.digest}`]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /The reference names sha256:[0-9a-f]+, but the document's bytes hash to/);
  const r = await cliAsync(['push', f, `${reg.host}/base/app@${sha256(text)}`]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^No tag: pushed by digest only\.$/m);
  assert.deepEqual(await tagsOf('base/app'), ['1', 'bad']);
  assert.ok((await getManifest('base/app', sha256(text))).body.equals(Buffer.from(text)));
});

test('an index created from two pushed images (references as inputs) lints clean, pushes, and skopeo resolves arm64 through it', async () => {
  requireTool('umoci');
  const layout = path.join(tmp.dir, 'arch');
  makeArchImages(layout, ['amd64', 'arm64'], { layer: true });
  for (const arch of ['amd64', 'arm64'])
    skopeo(
      'copy',
      '--dest-tls-verify=false',
      `oci:${layout}:${arch}`,
      `docker://${reg.host}/multi/app:${arch}`,
    );
  const arm = await getManifest('multi/app', 'arm64');
  const armDigest = String(arm.headers['docker-content-digest']);
  const out = path.join(tmp.dir, 'multi.index.json');
  const created = await cliAsync([
    'index',
    'create',
    `docker://${reg.host}/multi/app:amd64`,
    `${reg.host}/multi/app:arm64`,
    '-o',
    out,
  ]);
  assert.equal(created.status, 0, created.stderr);
  assert.match(
    created.stderr,
    new RegExp(`Listed 2 entries: linux/amd64 sha256:[0-9a-f]{64}, linux/arm64 ${armDigest}\\.`),
  );
  const lint = await cliAsync(['lint', out]);
  assert.deepEqual([lint.status, lint.stdout], [0, '0 errors, 0 warnings, 0 infos in 1 file\n']);
  const pushed = await cliAsync(['push', out, `${reg.host}/multi/app:latest`]);
  assert.equal(pushed.status, 0, pushed.stderr);
  assert.match(pushed.stdout, /^checked: no error-level finding; 2 of 2 manifests present in multi\/app$/m);
  assert.ok((await getManifest('multi/app', 'latest')).body.equals(fs.readFileSync(out)));
  // skopeo picks the arm64 entry of the pushed index: inspect names the platform (and the index's digest, the
  // reference's manifest); a copy of that platform alone holds the arm64 manifest, byte for byte.
  const inspected = JSON.parse(
    skopeo(
      '--override-arch',
      'arm64',
      'inspect',
      '--tls-verify=false',
      `docker://${reg.host}/multi/app:latest`,
    ),
  ) as { Digest: string; Architecture: string };
  assert.deepEqual([inspected.Digest, inspected.Architecture], [sha256(fs.readFileSync(out)), 'arm64']);
  const copied = path.join(tmp.dir, 'arm-copy');
  skopeo(
    '--override-arch',
    'arm64',
    'copy',
    '--src-tls-verify=false',
    `docker://${reg.host}/multi/app:latest`,
    `oci:${copied}:x`,
  );
  const copiedIndex = JSON.parse(fs.readFileSync(path.join(copied, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  assert.deepEqual(
    copiedIndex.manifests.map((m) => m.digest),
    [armDigest],
  );
  // An index whose manifests the repository lacks is refused.
  const elsewhere = await cliAsync(['push', out, `${reg.host}/team/empty-index:1`]);
  assert.equal(elsewhere.status, 1);
  assert.match(
    elsewhere.stderr,
    /lacks manifests\[0\] sha256:[0-9a-f]+, manifests\[1\] sha256:[0-9a-f]+\. Push the manifests an index lists before the index\./,
  );
});

test('references as inputs: diff of a pushed manifest with its file, convert of a registry image', async () => {
  const f = file('same.manifest.json', base.manifest);
  const same = await cliAsync(['diff', f, `docker://${reg.host}/base/app:1`]);
  assert.equal(same.status, 0, same.stderr + same.stdout);
  assert.match(same.stdout, /identical/i);
  const converted = await cliAsync(['convert', '--to', 'docker', `${reg.host}/multi/app:arm64`]);
  assert.equal(converted.status, 0, converted.stderr);
  assert.equal(
    (JSON.parse(converted.stdout) as { mediaType: string }).mediaType,
    'application/vnd.docker.distribution.manifest.v2+json',
  );
  const missing = await cliAsync(['diff', f, `${reg.host}/base/app:nope`]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /base\/app:nope: the registry has no manifest "nope" in base\/app \(404\)\./);
});

test('a referrer with a subject on a registry without the referrers API: the fallback tag index is created, then updated keeping the first entry', async () => {
  const empty = await uploadBlob(reg.host, 'base/app', '{}');
  const referrer = (artifactType: string, content: string, created: string): string => {
    const layer = { mediaType: artifactType, digest: sha256(content), size: Buffer.byteLength(content) };
    return JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
      layers: [layer],
      subject: { mediaType: OCI_MANIFEST, digest: base.digest, size: Buffer.byteLength(base.manifest) },
      annotations: { 'org.opencontainers.image.created': created },
    });
  };
  const sbomContent = '{"spdxVersion":"SPDX-2.3"}';
  await uploadBlob(reg.host, 'base/app', sbomContent);
  const sbom = referrer('application/spdx+json', sbomContent, '2026-12-01T00:00:00Z');
  const tag = `sha256-${base.digest.slice(7)}`;
  const first = await cliAsync(['push', file('sbom.json', sbom), `${reg.host}/base/app`]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(
    first.stdout,
    new RegExp(
      `no referrers API \\(no OCI-Subject in its answer\\): the fallback tag ${tag} was created and lists it\\.`,
    ),
  );
  const entry1 = {
    mediaType: OCI_MANIFEST,
    digest: sha256(sbom),
    size: Buffer.byteLength(sbom),
    artifactType: 'application/spdx+json',
    annotations: { 'org.opencontainers.image.created': '2026-12-01T00:00:00Z' },
  };
  const index1 = await getManifest('base/app', tag);
  assert.equal(index1.headers['content-type'], OCI_INDEX);
  assert.deepEqual(JSON.parse(index1.body.toString()), {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [entry1],
  });

  const sigContent = 'signature bytes';
  await uploadBlob(reg.host, 'base/app', sigContent);
  const sig = referrer('application/vnd.example.signature', sigContent, '2026-12-02T00:00:00Z');
  const second = await cliAsync(['push', file('sig.json', sig), `${reg.host}/base/app`]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /was updated and lists 2 referrers\./);
  const index2 = JSON.parse((await getManifest('base/app', tag)).body.toString()) as { manifests: unknown[] };
  assert.deepEqual(index2.manifests, [
    entry1,
    {
      ...entry1,
      digest: sha256(sig),
      size: Buffer.byteLength(sig),
      artifactType: 'application/vnd.example.signature',
      annotations: { 'org.opencontainers.image.created': '2026-12-02T00:00:00Z' },
    },
  ]);
  const listed = await cliAsync(['referrers', '--format', 'json', `${reg.host}/base/app:1`]);
  assert.equal(listed.status, 0, listed.stderr);
  const out = JSON.parse(listed.stdout) as { via: string; tag: string; referrers: { digest: string }[] };
  assert.deepEqual(
    [out.via, out.tag, out.referrers.map((m) => m.digest)],
    ['tag', tag, [sha256(sbom), sha256(sig)]],
  );
  const again = await cliAsync(['push', path.join(tmp.dir, 'sbom.json'), `${reg.host}/base/app`]);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /lists it already \(2 referrers\)\./);
});

test('registries that refuse ?tag=, lie about the digest stored, or open an upload instead of mounting', async () => {
  let mode: 'query-414' | 'lying-digest' | 'no-mount' = 'query-414';
  const seen: string[] = [];
  const proxy = await startProxy(reg.host, (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://x');
    if (mode === 'query-414' && req.method === 'PUT' && url.searchParams.has('tag')) {
      res.writeHead(414, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNSUPPORTED"}]}');
      return true;
    }
    if (mode === 'lying-digest' && req.method === 'PUT' && url.pathname.includes('/manifests/')) {
      req.resume();
      res.writeHead(201, { 'Docker-Content-Digest': sha256('something else'), Location: url.pathname }).end();
      return true;
    }
    if (mode === 'no-mount' && req.method === 'POST' && url.searchParams.has('mount')) {
      // As a registry that cannot mount: a new upload session (made on the real registry), 202.
      void api(reg.host, 'POST', url.pathname).then((r) => {
        const session = new URL(String(r.headers.location), `http://${reg.host}`);
        res.writeHead(202, { Location: session.pathname + session.search, 'Content-Length': '0' }).end();
      });
      return true;
    }
    return false;
  });
  try {
    const f = file('hostile.manifest.json', base.manifest);
    const refusedQuery = await cliAsync(['push', f, `${proxy.host}/base/app:h1`, '-t', 'h2']);
    assert.equal(refusedQuery.status, 0, refusedQuery.stderr);
    assert.match(
      refusedQuery.stdout,
      /^Tagged h1, h2 with one PUT each: the registry refused the PUT with \?tag= \(414\)\.$/m,
    );
    const tags = await tagsOf('base/app');
    assert.ok(Array.isArray(tags) && tags.includes('h1') && tags.includes('h2'), String(tags));

    mode = 'lying-digest';
    const lied = await cliAsync(['push', f, `${proxy.host}/base/app:lie`]);
    assert.equal(lied.status, 2);
    assert.ok(
      lied.stderr.includes(
        `stored the manifest as ${sha256('something else')}, but the bytes sent hash to ${base.digest}`,
      ),
      lied.stderr,
    );

    mode = 'no-mount';
    seen.length = 0;
    const notMounted = await cliAsync([
      'push',
      f,
      `${proxy.host}/team/unmounted:1`,
      '--mount-from',
      'base/app',
    ]);
    assert.equal(notMounted.status, 1, notMounted.stderr);
    assert.match(
      notMounted.stderr,
      /The registry did not mount config sha256:[0-9a-f]{64} from base\/app into team\/unmounted\./,
    );
    assert.equal(
      seen.filter((l) => l.startsWith('DELETE /v2/team/unmounted/blobs/uploads/')).length,
      2,
      'each upload session it opened is closed',
    );
    assert.ok(!seen.some((l) => l.startsWith('PUT')), 'no PUT');
    assert.equal(await tagsOf('team/unmounted'), 404);
  } finally {
    await proxy.close();
  }
});

test('a fallback tag that holds something other than an index is left alone: the referrer is pushed, exit 2 says it is not listed', async () => {
  const subject = { mediaType: OCI_MANIFEST, digest: sha256('a subject that is not here'), size: 26 };
  const tag = `sha256-${subject.digest.slice(7)}`;
  await api(reg.host, 'PUT', `/v2/base/app/manifests/${tag}`, {
    headers: { 'Content-Type': OCI_MANIFEST },
    body: base.manifest,
  });
  const referrer = JSON.stringify({ ...(JSON.parse(base.manifest) as object), subject });
  const r = await cliAsync(['push', file('odd-referrer.json', referrer), `${reg.host}/base/app`]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`^pushed ${reg.host.replace(/\./g, '\\.')}/base/app@${sha256(referrer)}$`, 'm'),
  );
  assert.match(
    r.stdout,
    new RegExp(
      `^The fallback tag ${tag} holds application/vnd\\.oci\\.image\\.manifest\\.v1\\+json that is not an OCI image index, so it was left unchanged`,
      'm',
    ),
  );
  assert.match(
    r.stderr,
    /The manifest was pushed, but its subject's referrers list was not updated \(above\)\./,
  );
  assert.ok(
    (await getManifest('base/app', tag)).body.equals(Buffer.from(base.manifest)),
    'the tag is unchanged',
  );
});

test('push: usage and I/O errors exit 2; a file larger than 4 MiB is refused with exit 1 before any request', async () => {
  const usage = await cliAsync(['push', 'only-one-arg']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /"push" takes a manifest FILE and an image reference/);
  const missingFile = await cliAsync(['push', path.join(tmp.dir, 'nope.json'), `${reg.host}/base/app:1`]);
  assert.equal(missingFile.status, 2);
  assert.match(missingFile.stderr, /nope\.json: cannot read: no such file or directory\./);
  const big = file('big.manifest.json', `{"schemaVersion":2,"x":"${'a'.repeat(4 * 1024 * 1024)}"}`);
  const tooBig = await cliAsync(['push', big, '127.0.0.1:1/never/contacted:1']);
  assert.equal(tooBig.status, 1, tooBig.stderr);
  assert.match(
    tooBig.stderr,
    /is 4194330 bytes, more than the 4 MiB every registry must accept for a manifest\./,
  );
  // Refused for a finding whatever the registry: one that cannot be reached does not turn the refusal into an error.
  const dup = file(
    'dup-down.manifest.json',
    base.manifest.replace('"schemaVersion": 2,', '"schemaVersion": 2, "schemaVersion": 2,'),
  );
  const refusedDown = await cliAsync(['push', dup, '127.0.0.1:1/x/y:1', '--timeout', '5']);
  assert.equal(refusedDown.status, 1, refusedDown.stderr);
  assert.match(
    refusedDown.stdout,
    /^checked: 1 error-level finding; x\/y could not be checked \(cannot connect to 127\.0\.0\.1:1: connection refused\)$/m,
  );
  const down = await cliAsync([
    'push',
    path.join(tmp.dir, 'mount.manifest.json'),
    '127.0.0.1:1/x/y:1',
    '--timeout',
    '5',
  ]);
  assert.equal(down.status, 2);
  assert.match(down.stderr, /connection refused/);
});
