// The tar member table read in place (core/tar, node/archive/tar.ts): archives written by GNU tar in its
// three formats read back member by member against the files they were made from; crafted archives for what
// no tool writes (base-256 sizes, lying pax sizes, `../x`, NUL, a member past the end, 100,000 members), each
// with a clear error or issue and nothing read outside the archive; FIFOs and directories as the archive path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { TarError } from '../../server/src/core/tar/header';
import { normaliseMemberName } from '../../server/src/core/tar/names';
import { TarParser, type TarEntry } from '../../server/src/core/tar/parser';
import { readTarTable } from '../../server/src/core/tar/table';
import { ArchiveError, openTarArchive, type TarArchive } from '../../server/src/node/archive/tar';
import { requireTool, sh, sha256, tempDir } from '../verify/tools';
import { header, makeTar, type TarSpec } from './tarWriter';

let tmp: { dir: string; remove: () => void };
let n = 0;
before(() => (tmp = tempDir('oci-tar-')));
after(() => tmp.remove());

/** Writes `bytes` to a fresh file in the temp folder. */
const write = (bytes: Uint8Array, name = `t${n++}.tar`): string => {
  const f = path.join(tmp.dir, name);
  fs.writeFileSync(f, bytes);
  return f;
};

async function readMember(a: TarArchive, name: string, options = {}): Promise<Buffer> {
  const m = a.get(name);
  assert.ok(m, `${name} is in the table`);
  const parts: Buffer[] = [];
  for await (const c of a.read(m, options)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function rejectsWith(p: Promise<unknown>, reason: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ArchiveError, `an ArchiveError, not ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.match(err.message, pattern);
    return true;
  });
}

/** A folder of files with a long name, a name that needs the ustar prefix, a symlink and an empty file. */
function makeTree(): { root: string; files: Record<string, Buffer> } {
  const root = path.join(tmp.dir, `tree${n++}`);
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}.txt`;
  const files: Record<string, Buffer> = {
    'small.txt': Buffer.from('hello\n'),
    empty: Buffer.alloc(0),
    'dir/exact-512': Buffer.alloc(512, 7),
    'dir/big.bin': Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff)),
    [long]: Buffer.from('long name\n'),
  };
  for (const [rel, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), data);
  }
  fs.symlinkSync('small.txt', path.join(root, 'link'));
  return { root, files };
}

for (const format of ['gnu', 'posix', 'ustar'] as const) {
  test(`GNU tar --format=${format}: every member is in the table and reads back byte for byte`, async () => {
    requireTool('tar');
    const { root, files } = makeTree();
    const file = path.join(tmp.dir, `${format}.tar`);
    // ustar cannot hold the 212-character name unless it splits at a slash; it does here (prefix ≤ 155).
    sh('tar', [`--format=${format}`, '-cf', file, '-C', root, '.']);
    const a = await openTarArchive(file);
    try {
      assert.deepEqual(a.issues, []);
      for (const [rel, data] of Object.entries(files)) {
        const m = a.get(rel);
        assert.ok(m, `${rel} is listed`);
        assert.equal(m.type, 'file');
        assert.equal(m.size, data.length);
        assert.ok((await readMember(a, rel)).equals(data), `${rel} reads back`);
      }
      // The table's names are normalised ("./small.txt" → "small.txt") and the same as tar's own listing.
      const listed = sh('tar', ['-tf', file])
        .split('\n')
        .filter((l) => l && l !== './')
        .map((l) => l.replace(/^\.\//, '').replace(/\/$/, ''))
        .sort();
      assert.deepEqual([...a.members.keys()].sort(), listed);
      const link = a.get('link')!;
      assert.equal(link.type, 'symlink');
      assert.equal(link.linkname, 'small.txt');
      assert.equal(a.get('dir')!.type, 'directory');
    } finally {
      await a.close();
    }
  });
}

test('a member streams in chunks no larger than chunkSize, honours maxBytes, and a small member gets a buffer of its size', async () => {
  const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i & 0xff));
  const a = await openTarArchive(
    write(
      makeTar([
        { name: 'a', data },
        { name: 'tiny', data: 'xyz' },
      ]),
    ),
  );
  try {
    const sizes: number[] = [];
    const parts: Buffer[] = [];
    for await (const c of a.read(a.get('a')!, { chunkSize: 4096 })) {
      sizes.push(c.length);
      parts.push(Buffer.from(c));
    }
    assert.deepEqual(sizes, [4096, 4096, 1808]);
    assert.ok(Buffer.concat(parts).equals(data));
    assert.ok((await readMember(a, 'a', { maxBytes: 5000, chunkSize: 4096 })).equals(data.subarray(0, 5000)));
    const tiny: Uint8Array[] = [];
    for await (const c of a.read(a.get('tiny')!)) tiny.push(c);
    assert.equal(tiny.length, 1);
    assert.equal(Buffer.from(tiny[0]!).toString(), 'xyz');
    assert.ok(tiny[0]!.buffer.byteLength < 1 << 20, 'not a 4 MiB buffer for three bytes');
  } finally {
    await a.close();
  }
});

test('an aborted signal stops a member read', async () => {
  const a = await openTarArchive(write(makeTar([{ name: 'a', data: Buffer.alloc(100_000, 1) }])));
  try {
    const ac = new AbortController();
    let chunks = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of a.read(a.get('a')!, { chunkSize: 1000, signal: ac.signal })) {
          chunks++;
          ac.abort();
        }
      })(),
      { name: 'AbortError' },
    );
    assert.equal(chunks, 1);
  } finally {
    await a.close();
  }
});

test('pax path and size records and GNU long names override the header; the pax size is the one used', async () => {
  const longName = `blobs/sha256/${'a'.repeat(64)}/${'x'.repeat(120)}`;
  const data = Buffer.from('pax says 11');
  const file = write(
    makeTar([
      { name: 'short-in-header', data, pax: { path: longName, size: String(data.length) }, size: 0 },
      { name: `gnu/${'y'.repeat(150)}`, data: 'gnu', gnuLongName: true },
      { name: 'after', data: 'still in step' },
    ]),
  );
  const a = await openTarArchive(file);
  try {
    assert.ok((await readMember(a, longName)).equals(data));
    assert.equal((await readMember(a, `gnu/${'y'.repeat(150)}`)).toString(), 'gnu');
    assert.equal((await readMember(a, 'after')).toString(), 'still in step');
    assert.equal(a.members.size, 3);
  } finally {
    await a.close();
  }
});

test('a GNU base-256 size is read (GNU tar writes it for members of 8 GiB and more)', async () => {
  const data = Buffer.alloc(1000, 0x5a);
  const a = await openTarArchive(
    write(
      makeTar([
        { name: 'b256', data, base256Size: true },
        { name: 'next', data: 'n' },
      ]),
    ),
  );
  try {
    assert.equal(a.get('b256')!.size, 1000);
    assert.ok((await readMember(a, 'b256')).equals(data));
    assert.equal((await readMember(a, 'next')).toString(), 'n');
  } finally {
    await a.close();
  }
});

test('hostile names (../x, absolute, NUL, a drive letter, ..\\) are left out of the table, reported, and never read', async () => {
  // A file outside the archive with the name a member points at: it must stay unread and unknown.
  const outside = path.join(tmp.dir, 'secret');
  fs.writeFileSync(outside, 'outside the archive');
  const specs: TarSpec[] = [
    { name: '../secret', data: 'member ../secret' },
    { name: '/etc/passwd', data: 'member /etc/passwd' },
    { name: 'ok', data: 'fine' },
    { name: 'nul-in-pax', data: 'p', pax: { path: 'a\u0000b' } },
    { name: 'C:\\Windows\\x', data: 'w' },
    { name: 'sub\\..\\..\\x', data: 'b' },
    { name: 'dir/../../secret', data: 'deeper' },
  ];
  const a = await openTarArchive(write(makeTar(specs), 'hostile.tar'));
  try {
    assert.deepEqual([...a.members.keys()], ['ok']);
    assert.deepEqual(
      a.issues.map((i) => i.kind),
      ['unsafe-name', 'unsafe-name', 'unsafe-name', 'unsafe-name', 'unsafe-name', 'unsafe-name'],
    );
    assert.match(
      a.issues[0]!.message,
      /^The member name "\.\.\/secret" has a "\.\." segment, which would lead outside the archive's root\. The member at offset 0 was left out: it is never read\.$/,
    );
    assert.match(a.issues[1]!.message, /"\/etc\/passwd" is an absolute path/);
    assert.match(a.issues[2]!.message, /contains a NUL character/);
    for (const name of ['../secret', 'secret', '/etc/passwd', 'etc/passwd', 'dir/../../secret', 'a\u0000b'])
      assert.equal(a.get(name), undefined, `${JSON.stringify(name)} finds nothing`);
    assert.equal((await readMember(a, 'ok')).toString(), 'fine');
    assert.equal(fs.readFileSync(outside, 'utf8'), 'outside the archive');
  } finally {
    await a.close();
  }
});

test('member names normalise to one key: ./a//b/ is a/b; the root entry is not a member', () => {
  assert.deepEqual(normaliseMemberName('./blobs//sha256/./x/'), { ok: true, name: 'blobs/sha256/x' });
  assert.deepEqual(normaliseMemberName('./'), { ok: true, name: '' });
  assert.equal(normaliseMemberName('a/../b').ok, false);
  assert.equal(normaliseMemberName('\\x').ok, false);
  assert.equal(normaliseMemberName('').ok, false);
  assert.deepEqual(normaliseMemberName('..a/b..'), { ok: true, name: '..a/b..' });
});

test('a symlink or hardlink member is never read as content', async () => {
  const a = await openTarArchive(
    write(
      makeTar([
        { name: 'target', data: 'the target' },
        { name: 'sym', type: '2', linkname: 'target' },
        { name: 'hard', type: '1', linkname: 'target' },
        { name: 'up', type: '2', linkname: '../../etc/passwd' },
      ]),
    ),
  );
  try {
    await rejectsWith(
      readMember(a, 'sym'),
      'refused',
      /!sym is a symbolic link member \(to "target"\); link members are never read as content\.$/,
    );
    await rejectsWith(readMember(a, 'hard'), 'refused', /!hard is a hard link member \(to "target"\)/);
    // Followed only inside the table, and only when a caller asks; never out of the archive.
    assert.equal(a.resolveLink(a.get('sym')!).name, 'target');
    assert.throws(
      () => a.resolveLink(a.get('up')!),
      /is a link to "\.\.\/\.\.\/etc\/passwd", which leads outside the archive; it was not followed\./,
    );
  } finally {
    await a.close();
  }
});

test('duplicate names: the last member wins, as extractors do, and the duplicate is reported with both offsets', async () => {
  const a = await openTarArchive(
    write(
      makeTar([
        { name: 'dup', data: 'first' },
        { name: 'other', data: 'o' },
        { name: './dup', data: 'second!' },
      ]),
    ),
  );
  try {
    assert.equal((await readMember(a, 'dup')).toString(), 'second!');
    assert.equal(a.issues.length, 1);
    assert.equal(a.issues[0]!.kind, 'duplicate');
    assert.equal(
      a.issues[0]!.message,
      'The member "dup" appears again at offset 2048 (before at offset 0), with a different size; the last one is used, as tar extractors do.',
    );
  } finally {
    await a.close();
  }
});

test('a member whose size runs past the end of the file is an error naming the member and the shortfall', async () => {
  const full = makeTar(
    [
      { name: 'ok', data: 'x' },
      { name: 'long', data: Buffer.alloc(5000, 1) },
    ],
    { end: false },
  );
  const cut = full.subarray(0, 1024 + 512 + 1000);
  await rejectsWith(
    openTarArchive(write(cut)),
    'format',
    /: Member "long" \(header at offset 1024\) declares 5000 bytes of data, but the archive ends 4000 bytes before their end \(the file is 2536 bytes\)\.$/,
  );
});

test('a pax header lying about the size is caught: too large runs past the end, too small lands in data', async () => {
  const data = Buffer.alloc(2000, 0x41);
  await rejectsWith(
    openTarArchive(write(makeTar([{ name: 'liar', data, pax: { size: '999999' } }]))),
    'format',
    /Member "liar" \(header at offset 0\) declares 999999 bytes of data, but the archive ends/,
  );
  await rejectsWith(
    openTarArchive(
      write(
        makeTar([
          { name: 'liar', data, pax: { size: '10' } },
          { name: 'next', data: 'n' },
        ]),
      ),
    ),
    'format',
    /The block at offset 2048 is not a valid tar header \(its checksum does not match its bytes\)\./,
  );
  await rejectsWith(
    openTarArchive(write(makeTar([{ name: 'liar', data, pax: { size: '12abc' } }]))),
    'format',
    /The pax extended header at offset 0 has size="12abc", which is not a byte count\./,
  );
});

test('a truncated header, a non-tar, an empty file and a gzip tarball give clear errors', async () => {
  const good = makeTar(
    [
      { name: 'a', data: 'x' },
      { name: 'b', data: 'y' },
    ],
    { end: false },
  );
  await rejectsWith(
    openTarArchive(write(good.subarray(0, 1024 + 300))),
    'format',
    /The tar ends inside the header at offset 1024: 300 of its 512 bytes are there\./,
  );
  await rejectsWith(
    openTarArchive(write(Buffer.from('{"this": "is json, not a tar"}\n'.repeat(40)))),
    'format',
    /This is not a tar archive: its first 512 bytes are not a valid tar header\./,
  );
  await rejectsWith(
    openTarArchive(write(Buffer.alloc(0))),
    'format',
    /This is an empty file, not a tar archive\./,
  );
  const gz = write(gzipSync(makeTar([{ name: 'a', data: 'x' }])), 'image.tar.gz');
  await rejectsWith(
    openTarArchive(gz),
    'format',
    /image\.tar\.gz: This is a gzip-compressed file, not a tar archive\. Decompress it first \(for example with gunzip or zstd -d\): an archive is read in place, which needs an uncompressed tar\./,
  );
  await assert.rejects(openTarArchive(gz), (e: ArchiveError) => e.tarCode === 'compressed');
  await rejectsWith(
    openTarArchive(write(makeTar([{ name: 'a', data: 'x', badChecksum: true }]))),
    'format',
    /not a tar archive/,
  );
  await rejectsWith(
    openTarArchive(
      write(
        makeTar([
          { name: 'a', data: 'x' },
          { name: 'b', data: 'x', badChecksum: true },
        ]),
      ),
    ),
    'format',
    /The block at offset 1024 is not a valid tar header/,
  );
});

test('a FIFO, a directory, a device or a missing path as the archive is refused without hanging', async () => {
  requireTool('mkfifo');
  const fifo = path.join(tmp.dir, 'pipe.tar');
  sh('mkfifo', [fifo]);
  // No writer ever opens the FIFO: a blocking open would hang here (the test runner's timeout would fire).
  await rejectsWith(
    openTarArchive(fifo),
    'refused',
    /pipe\.tar is a FIFO \(named pipe\), not a regular file, so it was not read\.$/,
  );
  await rejectsWith(openTarArchive(tmp.dir), 'refused', /is a directory, not a regular file/);
  await rejectsWith(
    openTarArchive('/dev/zero'),
    'refused',
    /^\/dev\/zero is a device, not a regular file, so it was not read\.$/,
  );
  await rejectsWith(
    openTarArchive(path.join(tmp.dir, 'missing.tar')),
    'io',
    /Cannot open .*missing\.tar: there is no such file\./,
  );
});

test('100,000 members are read in one pass, and more than the cap is a clear error', async () => {
  // 100,000 empty members and one with data at the end: 51 MB of headers.
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 100_000; i++) parts.push(header({ name: `m/${i}`, size: 0, type: '0' }));
  parts.push(makeTar([{ name: 'last', data: 'the end' }]));
  const file = write(Buffer.concat(parts), 'many.tar');
  const a = await openTarArchive(file);
  try {
    assert.equal(a.members.size, 100_001);
    assert.equal(a.get('m/99999')!.headerOffset, 99_999 * 512);
    assert.equal((await readMember(a, 'last')).toString(), 'the end');
  } finally {
    await a.close();
  }
  await rejectsWith(
    openTarArchive(file, { maxMembers: 50_000 }),
    'format',
    /The archive has more than 50,000 members, more than this reader accepts\./,
  );
});

test('headers are read in windows and member data is skipped, not read', async () => {
  const big = makeTar([
    { name: 'a', data: Buffer.alloc(3_000_000, 1) },
    { name: 'b', data: Buffer.alloc(5_000_000, 2) },
    { name: 'c', data: 'c' },
  ]);
  let read = 0;
  const t = await readTarTable(async (pos, len) => {
    read += len;
    return big.subarray(pos, pos + len);
  }, big.length);
  assert.deepEqual([...t.members.keys()], ['a', 'b', 'c']);
  assert.ok(read < 300_000, `read ${read} bytes of ${big.length}`);
  assert.equal(t.end.endMarker, true);
});

test('the streaming parser gives the same entries whatever the chunk boundaries', () => {
  const tar = makeTar([
    { name: 'a', data: Buffer.alloc(700, 1) },
    { name: 'pax', data: 'p', pax: { path: `p/${'q'.repeat(300)}` } },
    { name: `gnu/${'g'.repeat(200)}`, data: Buffer.alloc(513, 3), gnuLongName: true },
    { name: 'd/', type: '5' },
  ]);
  const collect = (step: number): TarEntry[] => {
    const out: TarEntry[] = [];
    const p = new TarParser((e) => out.push(e));
    for (let i = 0; i < tar.length; i += step) p.push(tar.subarray(i, i + step));
    const end = p.end();
    assert.equal(end.endMarker, true);
    assert.equal(end.size, tar.length);
    return out;
  };
  const whole = collect(tar.length);
  assert.deepEqual(
    whole.map((e) => [e.name, e.type, e.size]),
    [
      ['a', 'file', 700],
      [`p/${'q'.repeat(300)}`, 'file', 1],
      [`gnu/${'g'.repeat(200)}`, 'file', 513],
      ['d/', 'directory', 0],
    ],
  );
  for (const step of [1, 7, 511, 512, 513, 4096]) assert.deepEqual(collect(step), whole, `chunks of ${step}`);
});

test('structure errors carry their offset and code: a zero block followed by a header, a truncated member', () => {
  const zeroThenHeader = Buffer.concat([new Uint8Array(512), makeTar([{ name: 'a' }])]);
  const p = new TarParser(() => undefined);
  assert.throws(
    () => p.push(zeroThenHeader),
    (e: unknown) =>
      e instanceof TarError &&
      e.code === 'corrupt' &&
      e.offset === 512 &&
      /The zero block at offset 0 \(an end-of-archive marker\) is followed by another header at offset 512/.test(
        e.message,
      ),
  );
  const q = new TarParser(() => undefined);
  q.push(makeTar([{ name: 'x', data: Buffer.alloc(1000) }]).subarray(0, 900));
  assert.throws(
    () => q.end(),
    (e: unknown) =>
      e instanceof TarError &&
      e.code === 'truncated' &&
      e.message ===
        'The tar ends inside member "x" (header at offset 0): it declares 1000 bytes of data, and 612 of them are missing.',
  );
});

test('a header-only member (directory, link) has no data, whatever its size field says (as Go reads it)', async () => {
  const a = await openTarArchive(
    write(
      makeTar([
        { name: 'd/', type: '5', size: 1024, data: '' },
        { name: 'f', data: 'f' },
      ]),
    ),
  );
  try {
    assert.equal(a.get('d')!.size, 0);
    assert.equal((await readMember(a, 'f')).toString(), 'f');
  } finally {
    await a.close();
  }
});

test('the digest of a member read through the table is the digest of the bytes written', async () => {
  const data = Buffer.from(Array.from({ length: 123_457 }, (_, i) => (i * 7) & 0xff));
  const a = await openTarArchive(write(makeTar([{ name: 'blob', data }])));
  try {
    assert.equal(sha256(await readMember(a, 'blob', { chunkSize: 1000 })), sha256(data));
  } finally {
    await a.close();
  }
});
