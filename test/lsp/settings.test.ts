/**
 * Settings a workspace must not set: `ociManifest.verify.insecureRegistries` lets a registry be reached over plain
 * HTTP, so a cloned repository's `.vscode/settings.json` listing a host must not switch off TLS for it. The server
 * takes it only from the configuration asked for without a document (`workspace/configuration` without
 * `scopeUri`: the user's settings), never from a folder's. Tested for real: a docker-registry serving plain HTTP on
 * a non-loopback address of this machine (loopback may always use HTTP), a manifest pushed to it with skopeo.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { VerifyDocumentRequest } from '../../server/src/protocol';
import { firstManifest, makeLayouts, push, startRegistry, tempDir, type Registry } from '../verify/tools';
import { LspClient } from './client';

const address = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

let tmp: ReturnType<typeof tempDir>;
let reg: Registry;
let c: LspClient;
let uri: string;
let text: string;

before(async () => {
  if (!address) return;
  tmp = tempDir('oci-lsp-settings-');
  const { clean } = makeLayouts(tmp.dir);
  reg = await startRegistry({ address });
  push(clean, reg.host, 'team/app');
  // The manifest outside any layout, so that its blobs can come only from the registry.
  text = firstManifest(clean).text;
  const file = path.join(tmp.dir, 'app.manifest.json');
  fs.writeFileSync(file, text);
  uri = pathToFileURL(file).href;
});
after(async () => {
  await c?.stop();
  await reg?.stop();
  tmp?.remove();
});

test('verify.insecureRegistries from a folder’s settings is ignored; from the user’s settings it applies', async (t) => {
  if (!address) return t.skip('this machine has no non-loopback IPv4 address');
  const listed = { diagnostics: { delay: 0 }, verify: { insecureRegistries: [reg.host] } };
  c = await LspClient.start({ settings: listed, userSettings: { diagnostics: { delay: 0 } } });
  await c.open(uri, text);
  const verify = () =>
    c.connection.sendRequest(VerifyDocumentRequest, { uri, registry: `${reg.host}/team/app` });

  const fromFolder = await verify();
  assert.equal(fromFolder.results.length, 3);
  assert.deepEqual(
    fromFolder.results.map((r) => r.status),
    ['unreadable', 'unreadable', 'unreadable'],
    'HTTPS to the plain-HTTP registry fails: the folder’s list did not switch TLS off',
  );

  c.userSettings = listed;
  await c.configure(listed);
  const fromUser = await verify();
  assert.deepEqual(
    fromUser.results.map((r) => [r.status, r.where?.slice(0, 7 + reg.host.length)]),
    Array(3).fill(['verified', `http://${reg.host}`]),
  );
});
