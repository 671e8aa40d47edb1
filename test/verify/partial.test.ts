// Issue 12, "A layout may lack blobs" (image-layout.md: the blobs directory MAY be missing referenced blobs,
// which an external store provides). Layouts made by real tools: umoci builds a two-platform image, skopeo copies
// its index alone (`--multi-arch index-only`) and then one platform (`skopeo copy` without `--all` picks this
// machine's), which is what pulling one platform of a multi-platform image leaves. And a referrer whose subject
// lives in a registry, built from the image-spec's referrer example, with its correct twin.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, ensureCli } from '../cli/cli';
import { descriptorOf, makeUmociLayout, MT, sha256, skopeo, text } from '../layouts';
import { copyLayout, firstManifest, makeLayouts, requireTool, tempDir } from './tools';

let tmp: { dir: string; remove: () => void };
let partial: string;
let made: { v1: string; v1arm: string; multi: string };
let clean: string;

before(async () => {
  await ensureCli();
  requireTool('umoci');
  requireTool('skopeo');
  tmp = tempDir('oci-partial-');
  const src = path.join(tmp.dir, 'src');
  made = makeUmociLayout(src);
  partial = path.join(tmp.dir, 'partial');
  skopeo('copy', '--quiet', '--multi-arch', 'index-only', `oci:${src}:multi`, `oci:${partial}:multi`);
  skopeo('copy', '--quiet', `oci:${src}:multi`, `oci:${partial}:amd64`);
  clean = makeLayouts(tmp.dir).clean;
});
after(() => tmp.remove());

test('a layout that pulled one platform of a multi-platform index: exit 0, a warning for the platform it lacks', () => {
  // What skopeo left: the index, the amd64 image, no arm64 manifest.
  assert.ok(fs.existsSync(path.join(partial, 'blobs', 'sha256', made.multi.slice(7))));
  assert.ok(fs.existsSync(path.join(partial, 'blobs', 'sha256', made.v1.slice(7))));
  assert.ok(!fs.existsSync(path.join(partial, 'blobs', 'sha256', made.v1arm.slice(7))));
  const r = cli(['verify', partial]);
  // Before: exit 1.
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const warnings = r.stdout.split('\n').filter((l) => / warning /.test(l));
  assert.equal(warnings.length, 1, r.stdout);
  assert.match(
    warnings[0]!,
    /warning oci\/blob-missing No content for manifests\[1\] \("sha256:[0-9a-f]{64}"\)/,
  );
  assert.ok(warnings[0]!.includes(made.v1arm), warnings[0]);
  assert.match(warnings[0]!, /An OCI layout may lack blobs that an external store \(a registry\) provides\./);
  assert.match(r.stdout, /: 5 verified, 0 mismatches, 1 not found; 4 blobs, 0 unreferenced, 0 misnamed/);

  const strict = cli(['verify', '--require-complete', partial]);
  assert.equal(strict.status, 1);
  assert.match(strict.stdout, /error oci\/blob-missing No content for manifests\[1\]/);
});

test('a referrer whose subject lives elsewhere: exit 0 with an info that says so; its twin with the subject verifies', () => {
  const build = (name: string, subjectInLayout: boolean): string => {
    const dir = copyLayout(clean, path.join(tmp.dir, name));
    const image = firstManifest(dir);
    const elsewhere = text({ schemaVersion: 2, mediaType: MT.manifest, note: 'an image in a registry' });
    const subject = subjectInLayout
      ? { mediaType: MT.manifest, digest: image.digest, size: Buffer.byteLength(image.text) }
      : descriptorOf(MT.manifest, elsewhere);
    const sbom = '{"spdxVersion":"SPDX-2.3"}';
    const referrer = text({
      schemaVersion: 2,
      mediaType: MT.manifest,
      artifactType: 'application/spdx+json',
      config: { mediaType: MT.empty, digest: sha256('{}'), size: 2, data: 'e30=' },
      layers: [descriptorOf('application/spdx+json', sbom)],
      subject,
    });
    for (const blob of [sbom, referrer])
      fs.writeFileSync(path.join(dir, 'blobs', 'sha256', sha256(blob).slice(7)), blob);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
      manifests: unknown[];
    };
    index.manifests.push(descriptorOf(MT.manifest, referrer, { artifactType: 'application/spdx+json' }));
    fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
    return dir;
  };
  const away = build('referrer-away', false);
  const r = cli(['verify', away]);
  // Before: exit 1 (the subject was a missing blob like any other).
  assert.equal(r.status, 0, r.stdout);
  assert.match(
    r.stdout,
    /info oci\/subject-elsewhere The subject of this referrer \("sha256:[0-9a-f]{64}"\) is not in the OCI layout at .*\. A referrer's subject is an image kept elsewhere/,
  );
  assert.doesNotMatch(r.stdout, / (warning|error) oci\//);
  assert.equal(cli(['verify', '--require-complete', away]).status, 1);

  const twin = cli(['verify', build('referrer-home', true)]);
  assert.equal(twin.status, 0, twin.stdout);
  assert.match(twin.stdout, /^0 errors, 0 warnings, 0 infos in \d+ files$/m);
  assert.match(twin.stdout, /: 8 verified, 0 mismatches, 0 not found/);
});
