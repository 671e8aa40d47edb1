/** Invalid UTF-8: one `oci/encoding` finding at the first bad byte, with the right line and column. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstInvalidUtf8, looksLikeJsonObject } from '../../server/src/cli/lint';
import { cli, ensureCli, tempDir } from './cli';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

test('firstInvalidUtf8 finds the start of the first ill-formed sequence', () => {
  assert.equal(firstInvalidUtf8(bytes('plain ascii')), -1);
  assert.equal(firstInvalidUtf8(bytes('é€😀 and more')), -1);
  assert.equal(firstInvalidUtf8(bytes('ab', [0xe9], 'cd')), 2); // Latin-1 é
  assert.equal(firstInvalidUtf8(bytes('ab', [0x80])), 2); // stray continuation byte
  assert.equal(firstInvalidUtf8(bytes('é', [0xc0, 0xaf])), 2); // overlong lead byte
  assert.equal(firstInvalidUtf8(bytes('x', [0xe0, 0x80, 0xaf])), 1); // overlong 3-byte form
  assert.equal(firstInvalidUtf8(bytes('x', [0xed, 0xa0, 0x80])), 1); // a UTF-16 surrogate
  assert.equal(firstInvalidUtf8(bytes('x', [0xf4, 0x90, 0x80, 0x80])), 1); // above U+10FFFF
  assert.equal(firstInvalidUtf8(bytes('x', [0xf0, 0x9f, 0x98])), 1); // cut off at the end
  assert.equal(firstInvalidUtf8(bytes('x', [0xff])), 1);
  // Agrees with the platform's fatal decoder on every single byte after a valid prefix.
  for (let b = 0; b < 256; b++) {
    const buf = bytes('"k": "', [b], '"');
    let valid = true;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      valid = false;
    }
    assert.equal(firstInvalidUtf8(buf) === -1, valid, `byte ${b}`);
  }
});

test('looksLikeJsonObject: the first non-space byte is {', () => {
  assert.ok(looksLikeJsonObject(bytes('{}')));
  assert.ok(looksLikeJsonObject(bytes(' \r\n\t{')));
  assert.ok(looksLikeJsonObject(bytes([0xef, 0xbb, 0xbf], '{')));
  assert.ok(!looksLikeJsonObject(bytes('[{}]')));
  assert.ok(!looksLikeJsonObject(bytes([0x1f, 0x8b, 0x08, 0x00])));
  assert.ok(!looksLikeJsonObject(bytes('   ')));
  assert.ok(!looksLikeJsonObject(new Uint8Array(0)));
});

let dir = '';
before(async () => {
  await ensureCli();
  dir = tempDir();
});

interface JsonFile {
  file: string;
  kind: string | null;
  diagnostics: {
    code: string;
    severity: string;
    message: string;
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
  }[];
}

test('a Latin-1 byte on line 3: oci/encoding at that line and column, and nothing else', () => {
  // Line 3 is `  "x": "caf\xE9",` — also a duplicate key the other checks would report, but they are skipped.
  const file = path.join(dir, 'latin1.json');
  fs.writeFileSync(
    file,
    bytes(
      '{\n  "imageLayoutVersion": "1.0.0",\n  "x": "caf',
      [0xe9],
      '",\n  "imageLayoutVersion": "1.0.0"\n}\n',
    ),
  );
  const text = cli(['lint', 'latin1.json'], dir);
  assert.equal(text.status, 1);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2, text.stdout);
  assert.match(
    lines[0]!,
    /^latin1\.json:3:12 error oci\/encoding Byte 0xE9 at byte offset 46 is not valid UTF-8/,
  );
  assert.equal(lines[1], '1 error, 0 warnings, 0 infos in 1 file');

  const json = JSON.parse(cli(['lint', '--format', 'json', 'latin1.json'], dir).stdout) as JsonFile[];
  assert.equal(json[0]!.kind, 'layout-header'); // still recognised from the readable part
  assert.deepEqual(
    json[0]!.diagnostics.map((d) => d.code),
    ['oci/encoding'],
  );
  assert.deepEqual(json[0]!.diagnostics[0]!.range, {
    start: { line: 2, character: 11 },
    end: { line: 2, character: 12 },
  });
});

test('characters before the bad byte count in UTF-16 units; the byte offset counts bytes', () => {
  // `ü` is 2 bytes / 1 UTF-16 unit, `😀` 4 bytes / 2 units.
  const prefix = '{"imageLayoutVersion": "1.0.0",\n "ü😀": "';
  fs.writeFileSync(path.join(dir, 'mixed.json'), bytes(prefix, [0xff], '"}'));
  assert.equal(Buffer.byteLength(prefix), 44);
  const r = cli(['lint', '--format', 'json', 'mixed.json'], dir);
  const d = (JSON.parse(r.stdout) as JsonFile[])[0]!.diagnostics[0]!;
  assert.equal(d.code, 'oci/encoding');
  assert.deepEqual(d.range.start, { line: 1, character: 9 });
  assert.match(d.message, /Byte 0xFF at byte offset 44 /);
});

test('a multi-byte sequence cut off at the end of the file', () => {
  fs.writeFileSync(path.join(dir, 'cut.json'), bytes('{"imageLayoutVersion": "1.0.0", "x": "', [0xe2, 0x82]));
  const r = cli(['lint', 'cut.json'], dir);
  assert.match(r.stdout, /^cut\.json:1:39 error oci\/encoding .*cut off by the end of the file/m);
});

test('--severity applies to oci/encoding too', () => {
  const off = cli(['lint', '--format', 'json', '--severity', 'oci/encoding=off', 'latin1.json'], dir);
  assert.equal(off.status, 0);
  assert.deepEqual((JSON.parse(off.stdout) as JsonFile[])[0]!.diagnostics, []);
  const warn = cli(['lint', '--severity', 'oci/encoding=warning', 'latin1.json'], dir);
  assert.equal(warn.status, 0);
  assert.match(warn.stdout, /^latin1\.json:3:12 warning oci\/encoding /m);
});

test('a named file that is neither UTF-8 nor recognisable is still reported; in a directory it is ignored', () => {
  const sub = path.join(dir, 'binary');
  fs.mkdirSync(sub);
  fs.writeFileSync(path.join(sub, 'blob.json'), bytes([0xff, 0xfe, 0x00, 0x7b]));
  const named = cli(['lint', '--format', 'json', 'binary/blob.json'], dir);
  assert.equal(named.status, 1);
  const [f] = JSON.parse(named.stdout) as JsonFile[];
  assert.equal(f!.kind, null);
  assert.deepEqual(
    f!.diagnostics.map((d) => [d.code, d.range.start]),
    [['oci/encoding', { line: 0, character: 0 }]],
  );
  const walked = cli(['lint', '--format', 'json', 'binary'], dir);
  assert.equal(walked.status, 0);
  assert.deepEqual(JSON.parse(walked.stdout), []);
});
