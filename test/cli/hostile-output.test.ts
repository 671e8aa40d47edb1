/**
 * Output forged by input: file names, document values and a registry's reason phrase carrying newlines,
 * escape sequences, bidi overrides and CI workflow commands. Text output shows them escaped on their own line;
 * JSON and SARIF read back exactly. The built CLI runs as a process, as a CI job runs it.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { safeLine } from '../../server/src/cli/terminal';
import { cli, cliAsync, ensureCli, tempDir } from './cli';

/** Raw characters that must never reach a terminal: C0 but the line feed, DEL, C1, separators, bidi controls. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/** Asserts that text output holds no raw control character and no line a CI runner would obey. */
function assertInert(output: string): void {
  const raw = RAW_CONTROL.exec(output);
  assert.equal(raw, null, `raw U+${raw?.[0].charCodeAt(0).toString(16)} in ${JSON.stringify(output)}`);
  for (const line of output.split('\n')) {
    assert.doesNotMatch(line, /^\s*::/, `a workflow command: ${JSON.stringify(line)}`);
    assert.doesNotMatch(
      line,
      /##(vso|teamcity)?\[/,
      `an old-style workflow command: ${JSON.stringify(line)}`,
    );
  }
}

/** A manifest with one finding (schemaVersion "2") and annotation values that its messages quote. */
const MANIFEST = JSON.stringify({
  schemaVersion: '2',
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    size: 2,
  },
  layers: [
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest: `sha256:${'ab'.repeat(32)}`,
      size: 10,
    },
  ],
  annotations: {
    // C1 CSI, a right-to-left override, and an old-style workflow command in values the messages quote.
    'org.opencontainers.image.created': 'x\u009b[31m\u202eE ##[error]value',
    'org.opencontainers.image.url': '\u0007bell\u2028next',
  },
});

const NAMES = [
  'evil\n::error file=README.md,line=1::forged.manifest.json',
  '::warning::leading.manifest.json',
  '\u00a0::notice::after-a-blank.manifest.json',
  '\u001b]0;title\u0007bell.manifest.json',
  'rtl\u202etxt.manifest.json',
  'old ##[error]style.manifest.json',
];

let dir = '';
before(async () => {
  await ensureCli();
  dir = tempDir();
  for (const name of NAMES) fs.writeFileSync(path.join(dir, name), MANIFEST);
  // Named on the command line and not a manifest: a note on stderr names it.
  fs.writeFileSync(path.join(dir, 'note\u001b[2J.json'), '{"name": "not a manifest"}');
});

test('the escaping itself: controls as escapes, workflow commands broken, plain text untouched', () => {
  assert.equal(
    safeLine('a\nb\r\tc\u001b[0m\u007f\u009b\u2028\u202e\u2066'),
    'a\\nb\\r\\tc\\x1b[0m\\x7f\\x9b\\u2028\\u202e\\u2066',
  );
  assert.equal(safeLine('::error::x'), '\\x3a:error::x');
  assert.equal(safeLine('  \u00a0::error::x'), '  \u00a0\\x3a:error::x');
  assert.equal(
    safeLine('a ##[error]b ##vso[task] ##teamcity[x]'),
    'a \\x23#[error]b \\x23#vso[task] \\x23#teamcity[x]',
  );
  const plain = 'dir/ä.json:1:2 error oci/x Größe "C:\\path" is 5 # not ## a [command] a::b';
  assert.equal(safeLine(plain), plain);
});

test('lint text: each file on its own line, control characters escaped, no workflow command', () => {
  const r = cli(['lint', '.'], dir);
  assert.equal(r.status, 1, r.stderr);
  assertInert(r.stdout);
  assertInert(r.stderr);
  const lines = r.stdout.split('\n');
  // One schema-version finding per file, each on one line that starts with the escaped file name.
  for (const name of NAMES) {
    const shown = safeLine(name);
    const line = lines.find((l) => l.startsWith(`${shown}:`) && l.includes(' oci/schema-version '));
    assert.ok(line, `${JSON.stringify(shown)} in ${r.stdout}`);
  }
  assert.ok(r.stdout.includes('evil\\n::error file=README.md,line=1::forged.manifest.json:1:'), r.stdout);
  assert.ok(r.stdout.includes('\\x3a:warning::leading.manifest.json:1:'), r.stdout);
  // The values the annotation messages quote.
  assert.ok(r.stdout.includes('x\\x9b[31m\\u202eE \\x23#[error]value'), r.stdout);
  assert.ok(r.stdout.includes('\\u0007bell\\u2028next'), r.stdout);
  assert.match(r.stdout, /^6 errors, .* in 6 files$/m);
});

test('lint notes on stderr are escaped too', () => {
  const r = cli(['lint', 'note\u001b[2J.json'], dir);
  assert.equal(r.status, 0);
  assertInert(r.stderr);
  assert.equal(
    r.stderr,
    'oci-manifest: note\\x1b[2J.json: not recognised as a manifest; use --kind to choose how to read it.\n',
  );
  const usage = cli(['verify', '--insecure', 'bad\u001b[2Jhost', 'x.json'], dir);
  assert.equal(usage.status, 2);
  assertInert(usage.stderr);
  assert.match(usage.stderr, /bad\\x1b\[2Jhost/);
});

test('lint JSON and SARIF: exact names and messages when parsed, and still inert on a terminal', () => {
  const json = cli(['lint', '--format', 'json', '.'], dir);
  assert.equal(json.status, 1);
  assertInert(json.stdout);
  const files = JSON.parse(json.stdout) as { file: string; diagnostics: { message: string }[] }[];
  assert.deepEqual(files.map((f) => f.file).sort(), [...NAMES].sort());
  const messages = files.flatMap((f) => f.diagnostics.map((d) => d.message));
  assert.ok(messages.some((m) => m.includes('x\u009b[31m\u202eE ##[error]value')));

  const sarif = cli(['lint', '--format', 'sarif', '.'], dir);
  assertInert(sarif.stdout);
  const log = JSON.parse(sarif.stdout) as {
    runs: {
      results: {
        message: { text: string };
        locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
      }[];
    }[];
  };
  const uris = log.runs[0]!.results.map((x) =>
    decodeURIComponent(x.locations[0]!.physicalLocation.artifactLocation.uri),
  );
  for (const name of NAMES) assert.ok(uris.includes(name), name);
  // The message quotes the value as JSON (which escapes BEL itself) and keeps U+2028 as it is.
  assert.ok(log.runs[0]!.results.some((x) => x.message.text.includes('"\\u0007bell\u2028next"')));
});

test("verify: a registry's reason phrase with escape sequences is shown escaped", async () => {
  // A raw TCP server: node's HTTP server would not send control characters in a reason phrase.
  const server = net.createServer((socket) => {
    socket.on('data', () =>
      socket.end(
        'HTTP/1.1 500 Oops\u001b]0;owned\u0007\u001b[2J\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      ),
    );
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const file = path.join(dir, 'verify.manifest.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: `sha256:${'cd'.repeat(32)}`,
        size: 3,
      }),
    );
    const r = await cliAsync(['verify', '--timeout', '5', '--registry', `127.0.0.1:${port}/app`, file]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assertInert(r.stdout);
    assertInert(r.stderr);
    assert.ok(r.stdout.includes('500 Oops\\x1b]0;owned\\x07\\x1b[2J'), r.stdout);
    const json = await cliAsync(['verify', '--format', 'json', '--registry', `127.0.0.1:${port}/app`, file]);
    assertInert(json.stdout);
    assert.ok(JSON.stringify(JSON.parse(json.stdout)).includes('500 Oops\\u001b]0;owned\\u0007'));
  } finally {
    await new Promise((r) => server.close(r));
  }
});
