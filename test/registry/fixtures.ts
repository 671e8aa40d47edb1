/**
 * Real parts for the registry client tests, and the two stand-ins the guide allows where no installable server
 * exists: a bearer token service (for Debian's docker-registry with `auth: token`) and the referrers API (a
 * proxy in front of the real registry that answers `/v2/<name>/referrers/<digest>` itself and forwards the
 * rest). The raw registry API helpers below fill registries without the client under test.
 */
import { createHash, createSign, randomUUID, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as path from 'node:path';
import { requireTool, sh } from '../verify/tools';
import { makeTar } from '../archive/tarWriter';

export const sha256 = (bytes: Uint8Array | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** A self-signed certificate for 127.0.0.1 made by openssl: TLS for the token service, and its token signatures. */
export function makeCertificate(dir: string): { cert: string; key: string; certFile: string } {
  requireTool('openssl');
  const certFile = path.join(dir, 'token-cert.pem');
  const keyFile = path.join(dir, 'token-key.pem');
  sh('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=oci-manifest-test-token-service',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8'), certFile };
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  /** The certificate (PEM), for clients to trust. */
  cert: string;
  /** Every token request: the scopes asked for and who asked (`anonymous` without credentials). */
  requests: { scopes: string[]; user: string }[];
  /** Seconds the next tokens live (`expires_in`). */
  expiresIn: number;
  /** A token granting `scopes` (`repository:app:pull,push`), made without a request: for filling a registry. */
  mint(scopes: readonly string[]): string;
  close(): Promise<void>;
}

/**
 * A bearer token service as docker-registry's `auth: token` expects: HTTPS on 127.0.0.1, RS256 JWTs with the
 * signing certificate in `x5c`, the issuer and service (audience) the registry is configured with, and `access`
 * for what was asked. With `users`, a request with other credentials is refused (401) and an anonymous one gets
 * a token granting nothing.
 */
export async function startTokenServer(
  dir: string,
  options: { users?: Record<string, string>; expiresIn?: number } = {},
): Promise<TokenServer> {
  const { cert, key, certFile } = makeCertificate(dir);
  const x5c = new X509Certificate(cert).raw.toString('base64');
  const service = 'oci-manifest-test-registry';
  const issuer = 'oci-manifest-test-issuer';
  const b64u = (s: string): string => Buffer.from(s).toString('base64url');
  const jwt = (scopes: readonly string[], subject: string): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((s) => {
      const m = /^([^:]+):(.+):([^:]+)$/.exec(s);
      return m ? [{ type: m[1], name: m[2], actions: m[3]!.split(',') }] : [];
    });
    const header = b64u(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [x5c] }));
    const claims = b64u(
      JSON.stringify({
        iss: issuer,
        sub: subject,
        aud: service,
        exp: now + 600,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      }),
    );
    const signer = createSign('RSA-SHA256');
    signer.update(`${header}.${claims}`);
    return `${header}.${claims}.${signer.sign(key).toString('base64url')}`;
  };
  const state = { expiresIn: options.expiresIn ?? 300 };
  const requests: TokenServer['requests'] = [];
  const srv = https.createServer({ key, cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    let user = 'anonymous';
    if (basic) {
      const [name, ...rest] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      if (!options.users || options.users[name!] !== rest.join(':')) {
        requests.push({ scopes, user: `refused ${name}` });
        return void res.writeHead(401).end();
      }
      user = name!;
    }
    requests.push({ scopes, user });
    const granted = options.users && user === 'anonymous' ? [] : scopes;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        token: jwt(granted, user),
        expires_in: state.expiresIn,
        issued_at: new Date().toISOString(),
      }),
    );
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    realm: `https://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    cert,
    requests,
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(v: number) {
      state.expiresIn = v;
    },
    mint: (scopes) => jwt(scopes, 'fixture'),
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** One raw exchange with a registry (plain HTTP), for filling and reading it without the client under test. */
export function api(
  host: string,
  method: string,
  pathAndQuery: string,
  options: { headers?: Record<string, string>; body?: Uint8Array | string; token?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    const req = http.request(`http://${host}${pathAndQuery}`, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Uploads a blob (POST then PUT, distribution-spec's monolithic upload); returns its digest. */
export async function uploadBlob(
  host: string,
  repo: string,
  bytes: Uint8Array | string,
  token?: string,
): Promise<string> {
  const digest = sha256(bytes);
  const started = await api(host, 'POST', `/v2/${repo}/blobs/uploads/`, { ...(token ? { token } : {}) });
  if (started.status !== 202) throw new Error(`POST upload: ${started.status} ${started.body.toString()}`);
  const location = new URL(String(started.headers.location), `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await api(host, 'PUT', location.pathname + location.search, {
    headers: { 'Content-Type': 'application/octet-stream' },
    body: bytes,
    ...(token ? { token } : {}),
  });
  if (put.status !== 201) throw new Error(`PUT blob: ${put.status} ${put.body.toString()}`);
  return digest;
}

/** PUTs manifest bytes to a tag or digest with the given media type; returns the digest of the bytes. */
export async function putManifest(
  host: string,
  repo: string,
  reference: string,
  bytes: string | Uint8Array,
  mediaType: string,
  token?: string,
): Promise<string> {
  const r = await api(host, 'PUT', `/v2/${repo}/manifests/${reference}`, {
    headers: { 'Content-Type': mediaType },
    body: bytes,
    ...(token ? { token } : {}),
  });
  if (r.status !== 201) throw new Error(`PUT manifest ${reference}: ${r.status} ${r.body.toString()}`);
  return sha256(bytes);
}

/** A small image made with the raw API: a config, one layer, a manifest under `tag`. Returns its parts. */
export async function pushSmallImage(
  host: string,
  repo: string,
  tag: string,
  options: { note?: string; token?: string; extraLayer?: string } = {},
): Promise<{
  manifest: string;
  digest: string;
  config: { digest: string; size: number };
  layer: { digest: string; size: number };
}> {
  // An uncompressed tar (OCI_LAYER) holding one file, so its DiffID is its own digest: the image is consistent
  // across documents (the cross-document rules find nothing) and unique per repository and tag.
  const layerBytes = makeTar([{ name: 'note.txt', data: options.extraLayer ?? `layer of ${repo}:${tag}\n` }]);
  const diffId = sha256(layerBytes);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [diffId] },
    config: { Labels: { note: options.note ?? tag } },
  });
  const cd = await uploadBlob(host, repo, config, options.token);
  const ld = await uploadBlob(host, repo, layerBytes, options.token);
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: cd,
        size: Buffer.byteLength(config),
      },
      layers: [{ mediaType: OCI_LAYER, digest: ld, size: Buffer.byteLength(layerBytes) }],
    },
    null,
    2,
  );
  const digest = await putManifest(host, repo, tag, manifest, OCI_MANIFEST, options.token);
  return {
    manifest,
    digest,
    config: { digest: cd, size: Buffer.byteLength(config) },
    layer: { digest: ld, size: Buffer.byteLength(layerBytes) },
  };
}

/**
 * An SPDX SBOM attached to `subject` the way clients do on a registry without the referrers API: the SBOM
 * manifest (with `subject`) pushed by digest, and the fallback tag `sha256-<hex>` holding an index that lists it.
 */
export async function attachSbom(
  host: string,
  repo: string,
  subject: { digest: string; size: number },
  token?: string,
): Promise<{ digest: string; size: number; manifest: string; tag: string }> {
  const sbom = JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'fixture', SPDXID: 'SPDXRef-DOCUMENT' });
  const empty = '{}';
  await uploadBlob(host, repo, empty, token);
  const layer = await uploadBlob(host, repo, sbom, token);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/spdx+json',
    config: { mediaType: OCI_EMPTY, digest: sha256(empty), size: 2 },
    layers: [{ mediaType: 'application/spdx+json', digest: layer, size: Buffer.byteLength(sbom) }],
    subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.size },
    annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
  });
  const digest = await putManifest(host, repo, sha256(manifest), manifest, OCI_MANIFEST, token);
  const tag = `sha256-${subject.digest.slice('sha256:'.length)}`;
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: OCI_MANIFEST,
        digest,
        size: Buffer.byteLength(manifest),
        artifactType: 'application/spdx+json',
        annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
      },
    ],
  });
  await putManifest(host, repo, tag, index, OCI_INDEX, token);
  return { digest, size: Buffer.byteLength(manifest), manifest, tag };
}

/** Pushes an image layout's tag `1` to `ref` (`host/repo:tag`) with skopeo over plain HTTP. */
export function skopeoPush(layout: string, ref: string, extra: readonly string[] = []): void {
  requireTool('skopeo');
  sh('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    ...extra,
    `oci:${layout}:1`,
    `docker://${ref}`,
  ]);
}

export interface Proxy {
  host: string;
  /** Every request that reached the proxy (method and path with query), and whether it carried Authorization. */
  requests: { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

/**
 * A plain HTTP proxy in front of a registry: `answer` may answer a request itself (return true), everything else
 * is forwarded unchanged. It counts the requests it sees.
 */
export async function startProxy(
  target: string,
  answer?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<Proxy> {
  const requests: Proxy['requests'] = [];
  const srv = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorized: !!req.headers.authorization });
    if (answer?.(req, res)) return;
    const up = http.request(
      `http://${target}${req.url}`,
      { method: req.method, headers: { ...req.headers, host: target } },
      (r) => {
        // The registry names itself in challenges and Locations only by path, so headers pass unchanged.
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}
