import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../server/src/cli/args';

const err = (argv: string[]): string => {
  const r = parseArgs(argv);
  assert.equal(r.command, 'usage-error', JSON.stringify(r));
  return (r as { message: string }).message;
};

test('help and version', () => {
  for (const a of [
    ['--help'],
    ['-h'],
    ['help'],
    ['lint', '--help'],
    ['rules', '--help'],
    ['lint', 'x', '-h'],
  ]) {
    assert.deepEqual(parseArgs(a), { command: 'help' }, a.join(' '));
  }
  for (const a of [['--version'], ['-v'], ['-V']]) assert.deepEqual(parseArgs(a), { command: 'version' });
});

test('lint: defaults, paths, and every option in both spellings', () => {
  assert.deepEqual(parseArgs(['lint', 'a.json', 'dir']), {
    command: 'lint',
    format: 'text',
    severities: {},
    insecure: [],
    paths: ['a.json', 'dir'],
  });
  assert.deepEqual(
    parseArgs([
      'lint',
      '--format',
      'sarif',
      'a.json',
      '--kind=image-index',
      '--severity',
      'oci/duplicate-key=off',
      '--severity=oci/json-syntax=Warning',
      '--max-findings',
      '5',
      '--',
      '--weird-name.json',
    ]),
    {
      command: 'lint',
      format: 'sarif',
      kind: 'image-index',
      severities: { 'oci/duplicate-key': 'off', 'oci/json-syntax': 'warning' },
      maxFindings: 5,
      insecure: [],
      paths: ['a.json', '--weird-name.json'],
    },
  );
  // The last --format wins; -f is short for it.
  assert.equal(
    (parseArgs(['lint', '-f', 'json', '--format=text', 'x']) as { format: string }).format,
    'text',
  );
});

test('lint: usage errors say what is wrong', () => {
  assert.match(err([]), /No command/);
  assert.match(err(['lnt', 'x.json']), /Unknown command "lnt".*oci-manifest lint lnt/);
  assert.match(err(['--frobnicate']), /Unknown option "--frobnicate"/);
  assert.match(err(['lint']), /at least one FILE, DIR or REF/);
  assert.match(err(['lint', '--bogus', 'x']), /Unknown option "--bogus"/);
  assert.match(err(['lint', '--format', 'xml', 'x']), /--format must be text, json, sarif; got "xml"/);
  assert.match(err(['lint', 'x', '--format']), /--format needs a value/);
  assert.match(
    err(['lint', '--kind', 'oci-manifest', 'x']),
    /--kind "oci-manifest" is not a document kind; use one of image-manifest, image-index/,
  );
  assert.match(err(['lint', '--severity', 'oci/duplicate-key', 'x']), /not CODE=LEVEL/);
  assert.match(err(['lint', '--severity', '=off', 'x']), /not CODE=LEVEL/);
  assert.match(
    err(['lint', '--severity', 'oci/duplicate-key=fatal', 'x']),
    /level "fatal" must be one of error, warning, info, hint, off/,
  );
  const unknown = err(['lint', '--severity', 'oci/no-such-rule=off', 'x']);
  assert.match(unknown, /unknown rule code "oci\/no-such-rule".*oci-manifest rules/);
  assert.ok(unknown.length < 200, 'the message does not list every code');
  for (const n of ['0', '-1', '1.5', 'ten', ''])
    assert.match(err(['lint', `--max-findings=${n}`, 'x']), /--max-findings must be a positive whole number/);
  assert.match(err(['lint', '-']), /standard input/);
});

test('verify: paths and options, and the same usage errors as lint', () => {
  assert.deepEqual(
    parseArgs([
      'verify',
      'a.json',
      '--timeout=2.5',
      '--concurrency',
      '8',
      'layout',
      '--insecure',
      'Localhost:5000',
    ]),
    {
      command: 'verify',
      format: 'text',
      insecure: ['localhost:5000'],
      paths: ['a.json', 'layout'],
      timeoutMs: 2500,
      concurrency: 8,
    },
  );
  assert.deepEqual(parseArgs(['verify', 'x', '--help']), { command: 'help' });
  assert.match(
    err(['verify', '-']),
    /standard input is not supported; pass a file, folder or image reference/,
  );
  assert.match(err(['verify', 'x', '--timeout']), /--timeout needs a value: a number of seconds/);
  assert.match(
    err(['verify', '--concurrency', '65', 'x']),
    /--concurrency must be a whole number from 1 to 64/,
  );
  assert.match(err(['verify', '--format', 'sarif', 'x']), /--format for "verify" must be text, json/);
  assert.match(err(['verify', '--bogus', 'x']), /Unknown option "--bogus" for "verify"/);
  assert.match(err(['verify']), /"verify" needs at least one manifest FILE, layout FOLDER or image REF/);
});

test('rules: format', () => {
  assert.deepEqual(parseArgs(['rules']), { command: 'rules', format: 'text' });
  assert.deepEqual(parseArgs(['rules', '--format', 'markdown']), { command: 'rules', format: 'markdown' });
  assert.deepEqual(parseArgs(['rules', '--format=json']), { command: 'rules', format: 'json' });
  assert.match(err(['rules', '--format', 'sarif']), /--format for "rules" must be text, json, markdown/);
  assert.match(err(['rules', 'extra']), /takes no arguments/);
});

test('audit and referrers: targets, options, and usage errors', () => {
  assert.deepEqual(parseArgs(['audit', '127.0.0.1:5000']), {
    command: 'audit',
    target: '127.0.0.1:5000',
    format: 'text',
    severities: {},
    deep: false,
    insecure: [],
  });
  assert.deepEqual(
    parseArgs([
      'audit',
      '--deep',
      '--jobs',
      '16',
      '-f',
      'sarif',
      '--severity',
      'oci/media-type-missing=off',
      '--insecure=reg.example.com:5000',
      '--timeout',
      '2.5',
      'reg.example.com:5000/team/app',
    ]),
    {
      command: 'audit',
      target: 'reg.example.com:5000/team/app',
      format: 'sarif',
      severities: { 'oci/media-type-missing': 'off' },
      deep: true,
      jobs: 16,
      insecure: ['reg.example.com:5000'],
      timeoutMs: 2500,
    },
  );
  assert.match(
    err(['audit']),
    /"audit" takes one registry HOST\[:PORT\] or repository HOST\[:PORT\]\/REPO; got none/,
  );
  assert.match(err(['audit', 'a.io', 'b.io']), /got 2/);
  assert.match(err(['audit', '--jobs', '0', 'a.io']), /--jobs must be a whole number from 1 to 64; got "0"/);
  assert.match(err(['audit', 'a.io/App']), /must be lowercase/);
  assert.match(
    err(['audit', '--format', 'markdown', 'a.io']),
    /--format for "audit" must be text, json, sarif/,
  );
  assert.match(err(['audit', '--verbose', 'a.io']), /Unknown option "--verbose" for "audit"/);
  assert.deepEqual(
    parseArgs(['referrers', '--artifact-type', 'application/spdx+json', 'a.io/app:1', '-f', 'json']),
    {
      command: 'referrers',
      reference: 'a.io/app:1',
      artifactType: 'application/spdx+json',
      format: 'json',
      insecure: [],
    },
  );
  assert.match(err(['referrers']), /"referrers" takes one image reference .* got none/);
  assert.match(err(['referrers', '--artifact-type', 'spdx', 'a.io/app']), /is not a media type/);
  assert.match(err(['referrers', 'https://a.io/app']), /has a URL scheme/);
  assert.match(err(['lint', '--insecure', 'a b', 'x']), /--insecure "a b" is not HOST or HOST:PORT/);
  assert.match(
    err(['lnt', 'x.json']),
    /the commands are "lint", "verify", "audit", "referrers", "convert", "diff", "index", "annotate", "push" and "rules"/,
  );
});

test('authoring verbs: convert, diff, index, annotate parse their options and refuse what is missing', () => {
  assert.deepEqual(
    parseArgs(['convert', '--to', 'oci', '-o', 'out.json', '--platform', 'linux/arm64', 'oci:d:1']),
    {
      command: 'convert',
      to: 'oci',
      input: 'oci:d:1',
      output: 'out.json',
      platform: 'linux/arm64',
      insecure: [],
    },
  );
  assert.match(err(['convert', 'a.json']), /needs --to oci or --to docker/);
  assert.match(err(['convert', '--to', 'dockr', 'a.json']), /--to must be oci or docker; got "dockr"/);
  assert.match(err(['convert', '--to', 'oci', 'a', 'b']), /takes one INPUT; got 2/);
  assert.deepEqual(parseArgs(['diff', '--format=json', 'a', 'b']), {
    command: 'diff',
    format: 'json',
    a: 'a',
    b: 'b',
    insecure: [],
  });
  assert.match(err(['diff', 'a']), /compares two INPUTs; got 1/);
  assert.match(err(['diff', '-o', 'x', 'a', 'b']), /Unknown option "-o" for "diff"/);
  assert.match(err(['diff', '--platform', 'linux', 'a', 'b']), /not os\/architecture/);
  assert.deepEqual(parseArgs(['index', 'create', '-a', 'k=v=w', '--docker', 'x', 'y']), {
    command: 'index',
    action: 'create',
    args: ['x', 'y'],
    annotations: { k: 'v=w' },
    docker: true,
    insecure: [],
  });
  assert.match(err(['index']), /needs an action: create, add or remove/);
  assert.match(err(['index', 'merge', 'x']), /got "merge"/);
  assert.match(err(['index', 'add', 'i.json']), /needs the INDEX file and at least one INPUT/);
  assert.match(
    err(['index', 'remove', '--annotation', 'k=v', 'i', 'd']),
    /Unknown option "--annotation" for "index remove"/,
  );
  assert.match(err(['index', 'create', '--annotation', 'novalue', 'x']), /is not KEY=VALUE/);
  assert.deepEqual(parseArgs(['annotate', '--from-labels', 'm.json']), {
    command: 'annotate',
    input: 'm.json',
    insecure: [],
  });
  // References among the inputs: the registry options are taken too.
  assert.deepEqual(
    parseArgs([
      'diff',
      '--insecure',
      'Reg.Example:5000',
      '--timeout=2.5',
      'docker://reg.example:5000/a:1',
      'b',
    ]),
    {
      command: 'diff',
      format: 'text',
      a: 'docker://reg.example:5000/a:1',
      b: 'b',
      insecure: ['reg.example:5000'],
      timeoutMs: 2500,
    },
  );
  assert.match(err(['annotate', 'm.json']), /needs --from-labels/);
  assert.match(err(['convert', '--to', 'oci', '-']), /standard input is not supported/);
});

test('push: FILE and REF, tags, mounts, --force, registry options; usage errors', () => {
  assert.deepEqual(
    parseArgs([
      'push',
      'm.json',
      'docker://127.0.0.1:5000/team/app:1',
      '--tag',
      '1.0',
      '-t',
      'latest',
      '-t',
      '1.0',
      '--mount-from',
      'team/base',
      '--force',
      '--insecure',
      'reg.example',
      '--timeout',
      '9',
    ]),
    {
      command: 'push',
      file: 'm.json',
      reference: 'docker://127.0.0.1:5000/team/app:1',
      tags: ['1.0', 'latest'],
      force: true,
      mountFrom: ['team/base'],
      insecure: ['reg.example'],
      timeoutMs: 9000,
    },
  );
  assert.deepEqual(parseArgs(['push', 'm.json', 'reg.example/app']), {
    command: 'push',
    file: 'm.json',
    reference: 'reg.example/app',
    tags: [],
    force: false,
    mountFrom: [],
    insecure: [],
  });
  assert.match(
    err(['push', 'm.json']),
    /takes a manifest FILE and an image reference HOST\[:PORT\]\/REPO\[:TAG\]; got one argument/,
  );
  assert.match(err(['push']), /got neither/);
  assert.match(err(['push', 'a', 'b/c', 'd']), /got 3 arguments/);
  assert.match(
    err(['push', 'm.json', 'reg.example/App:1']),
    /^push: The repository "App" .* must be lowercase\.$/,
  );
  assert.match(err(['push', 'm.json', 'reg.example/app', '--tag', '-x']), /--tag "-x" is not a tag/);
  assert.match(err(['push', 'm.json', 'reg.example/app', '--tag']), /--tag needs a value/);
  assert.match(
    err(['push', 'm.json', 'reg.example/app', '--mount-from', 'reg.example/Base']),
    /--mount-from "reg\.example\/Base" is not a repository name of the same registry/,
  );
  assert.match(
    err(['push', 'm.json', 'reg.example/app', '--platform', 'linux/amd64']),
    /Unknown option "--platform" for "push"/,
  );
  assert.match(err(['push', '-', 'reg.example/app']), /standard input is not supported/);
});
