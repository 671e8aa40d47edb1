/** The built CLI on single files: the three formats, exit codes, --kind, --severity, --max-findings, help, rules. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES, ruleAnchor, ruleDocUrl } from '../../server/src/core/index';
import { j, specManifest } from '../helpers';
import { cli, ensureCli, ROOT, tempDir, where } from './cli';

const pkgVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

let dir = '';
/** The spec's manifest with the annotation key "com.example.key2" given twice (an error), in sub/dup.json. */
let dupText = '';
/** An OCI layout header whose only problem is a duplicate key. */
let layoutDupText = '';

before(async () => {
  await ensureCli();
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'sub'));
  dupText = j(specManifest()).replace(
    '"com.example.key2": "value2"',
    '"com.example.key2": "value2",\n    "com.example.key2": "value3"',
  );
  fs.writeFileSync(path.join(dir, 'sub', 'dup.json'), dupText);
  layoutDupText = '{\n  "imageLayoutVersion": "1.0.0",\n  "imageLayoutVersion": "1.0.0"\n}\n';
  fs.writeFileSync(path.join(dir, 'oci-layout'), layoutDupText);
  fs.writeFileSync(path.join(dir, 'clean-layout.json'), '{"imageLayoutVersion": "1.0.0"}\n');
  fs.writeFileSync(
    path.join(dir, 'truncated.json'),
    '{\n  "schemaVersion": 2,\n  "mediaType": "application/vnd.oci.image.manifest.v1+json",\n  "layers": [\n',
  );
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name": "not-a-manifest", "version": "1.0.0"}\n');
  fs.writeFileSync(path.join(dir, 'empty-object.json'), '{}\n');
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
const parse = (stdout: string): JsonFile[] => JSON.parse(stdout) as JsonFile[];

test('text: file:line:col severity code message, 1-based, and a summary', () => {
  const r = cli(['lint', 'sub/dup.json'], dir);
  assert.equal(r.status, 1, r.stderr);
  const at = where(dupText, '"com.example.key2"', 1);
  const line = r.stdout.split('\n').find((l) => l.includes(' oci/duplicate-key '));
  assert.ok(line, r.stdout);
  assert.match(
    line,
    new RegExp(
      `^sub/dup\\.json:${at.line}:${at.col} error oci/duplicate-key Key "com\\.example\\.key2" appears more than once`,
    ),
  );
  const last = r.stdout.trimEnd().split('\n').pop()!;
  assert.match(last, /^[1-9]\d* errors?, \d+ warnings?, \d+ infos? in 1 file$/);
  assert.ok(r.stdout.endsWith('\n'));
});

test('json: 0-based LSP ranges, the kind, and every diagnostic field', () => {
  const r = cli(['lint', '--format', 'json', 'sub/dup.json'], dir);
  assert.equal(r.status, 1);
  const out = parse(r.stdout);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.file, 'sub/dup.json');
  assert.equal(out[0]!.kind, 'image-manifest');
  const d = out[0]!.diagnostics.filter((x) => x.code === 'oci/duplicate-key');
  assert.equal(d.length, 1);
  const at = where(dupText, '"com.example.key2"', 1);
  assert.deepEqual(d[0]!.range, {
    start: { line: at.line - 1, character: at.col - 1 },
    end: { line: at.line - 1, character: at.col - 1 + '"com.example.key2"'.length },
  });
  assert.equal(d[0]!.severity, 'error');
  assert.match(d[0]!.message, /appears more than once/);
  assert.deepEqual(Object.keys(d[0]!).sort(), ['code', 'message', 'range', 'severity']);
});

test('json: characters are UTF-16 code units (an emoji counts 2) and \\r\\n ends a line', () => {
  const text = '{\r\n  "imageLayoutVersion": "1.0.0", "x😀": 1, "x😀": 2\r\n}';
  fs.writeFileSync(path.join(dir, 'oci-layout-utf16.json'), text);
  const r = cli(['lint', '--format=json', '--kind', 'layout-header', 'oci-layout-utf16.json'], dir);
  const d = parse(r.stdout)[0]!.diagnostics.find((x) => x.code === 'oci/duplicate-key')!;
  const second = text.indexOf('"x😀"', text.indexOf('"x😀"') + 1);
  assert.deepEqual(d.range.start, { line: 1, character: second - text.indexOf('\n') - 1 });
  assert.equal(d.range.end.character - d.range.start.character, '"x😀"'.length);
  assert.equal('"x😀"'.length, 5);
});

test('json: a syntax error in a truncated manifest', () => {
  const r = cli(['lint', '--format', 'json', 'truncated.json'], dir);
  assert.equal(r.status, 1);
  const [f] = parse(r.stdout);
  assert.equal(f!.kind, 'image-manifest');
  assert.ok(
    f!.diagnostics.some((d) => d.code === 'oci/json-syntax' && d.severity === 'error'),
    r.stdout,
  );
});

test('sarif: SARIF 2.1.0 with the rule table, 1-based regions and relative URIs', () => {
  const r = cli(['lint', '--format', 'sarif', 'sub/dup.json'], dir);
  assert.equal(r.status, 1);
  const sarif = JSON.parse(r.stdout);
  assert.equal(sarif.version, '2.1.0');
  assert.match(sarif.$schema, /sarif.*2\.1\.0.*\.json$/);
  assert.equal(sarif.runs.length, 1);
  const run = sarif.runs[0];
  const driver = run.tool.driver;
  assert.equal(driver.name, 'oci-manifest');
  assert.equal(driver.version, pkgVersion);
  assert.match(driver.informationUri, /^https:\/\//);
  assert.deepEqual(
    driver.rules.map((x: { id: string }) => x.id),
    RULES.map((x) => x.code),
  );
  const rule = driver.rules.find((x: { id: string }) => x.id === 'oci/duplicate-key');
  assert.deepEqual(rule, {
    id: 'oci/duplicate-key',
    shortDescription: { text: RULES.find((x) => x.code === 'oci/duplicate-key')!.title },
    fullDescription: { text: RULES.find((x) => x.code === 'oci/duplicate-key')!.description },
    helpUri: ruleDocUrl('oci/duplicate-key'),
    defaultConfiguration: { level: 'error' },
  });
  for (const x of driver.rules)
    assert.ok(['error', 'warning', 'note'].includes(x.defaultConfiguration.level), x.id);

  const results = run.results.filter((x: { ruleId: string }) => x.ruleId === 'oci/duplicate-key');
  assert.equal(results.length, 1);
  const res = results[0];
  assert.equal(res.level, 'error');
  assert.equal(driver.rules[res.ruleIndex].id, 'oci/duplicate-key');
  assert.match(res.message.text, /appears more than once/);
  const at = where(dupText, '"com.example.key2"', 1);
  assert.deepEqual(res.locations[0].physicalLocation, {
    artifactLocation: { uri: 'sub/dup.json', uriBaseId: 'SRCROOT' },
    region: {
      startLine: at.line,
      startColumn: at.col,
      endLine: at.line,
      endColumn: at.col + '"com.example.key2"'.length,
    },
  });
  assert.match(run.originalUriBaseIds.SRCROOT.uri, /^file:\/\/.*\/$/);
  for (const x of run.results) assert.ok(['error', 'warning', 'note'].includes(x.level));
});

test('exit codes: 0 clean, 1 error finding, 2 missing file or usage error', () => {
  const clean = cli(['lint', 'clean-layout.json'], dir);
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  assert.equal(clean.stdout, '0 errors, 0 warnings, 0 infos in 1 file\n');
  assert.equal(cli(['lint', 'oci-layout'], dir).status, 1);

  const missing = cli(['lint', 'clean-layout.json', 'nope.json'], dir);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.json: cannot read: no such file or directory/);
  // The files that could be read are still reported.
  assert.match(missing.stdout, /in 1 file\n$/);
  // An I/O error outranks error findings.
  assert.equal(cli(['lint', 'oci-layout', 'nope.json'], dir).status, 2);

  for (const args of [
    [],
    ['lint'],
    ['lint', '--format', 'xml', 'x'],
    ['bogus'],
    ['lint', '--kind', 'nope', 'x'],
  ]) {
    const r = cli(args, dir);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^oci-manifest: /);
  }
});

test('a named file that is not a manifest: a note on stderr, no finding, exit code unaffected', () => {
  const r = cli(['lint', 'package.json', 'clean-layout.json'], dir);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /package\.json: not recognised as a manifest/);
  assert.equal(r.stdout, '0 errors, 0 warnings, 0 infos in 1 file\n');
  const alone = cli(['lint', '--format', 'json', 'package.json'], dir);
  assert.equal(alone.status, 0);
  assert.deepEqual(parse(alone.stdout), []);
  // --help says what just happened.
  assert.match(
    cli(['--help'], dir).stdout.replace(/\s+/g, ' '),
    /it is skipped with a note on stderr and leaves the exit status alone/,
  );
});

test('--kind forces how the file is read', () => {
  // `{}` is not recognised on its own...
  const plain = cli(['lint', '--format', 'json', 'empty-object.json'], dir);
  assert.deepEqual(parse(plain.stdout), []);
  assert.match(plain.stderr, /not recognised/);
  // ...but read as an image manifest it lacks schemaVersion (reported at the opening brace).
  const forced = cli(['lint', '--format', 'json', '--kind', 'image-manifest', 'empty-object.json'], dir);
  assert.equal(forced.status, 1);
  assert.equal(forced.stderr, '');
  const [f] = parse(forced.stdout);
  assert.equal(f!.kind, 'image-manifest');
  const sv = f!.diagnostics.find((d) => d.code === 'oci/schema-version')!;
  assert.deepEqual(sv.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } });
  // A manifest read as a layout header is a layout header.
  const asLayout = cli(['lint', '--format', 'json', '--kind=layout-header', 'sub/dup.json'], dir);
  assert.equal(parse(asLayout.stdout)[0]!.kind, 'layout-header');
  // An unknown kind is a usage error naming the valid ones.
  const bad = cli(['lint', '--kind', 'manifest', 'sub/dup.json'], dir);
  assert.equal(bad.status, 2);
  assert.match(
    bad.stderr,
    /--kind "manifest" is not a document kind; use one of image-manifest, image-index, image-config/,
  );
});

test('--severity overrides: error → warning or off turns exit 1 into 0', () => {
  assert.equal(cli(['lint', 'oci-layout'], dir).status, 1);
  const warn = cli(['lint', '--severity', 'oci/duplicate-key=warning', 'oci-layout'], dir);
  assert.equal(warn.status, 0, warn.stdout);
  assert.match(warn.stdout, /^oci-layout:3:3 warning oci\/duplicate-key /m);
  assert.match(warn.stdout, /0 errors, 1 warning, 0 infos in 1 file/);
  const off = cli(['lint', '--severity=oci/duplicate-key=off', 'oci-layout'], dir);
  assert.equal(off.status, 0);
  assert.equal(off.stdout, '0 errors, 0 warnings, 0 infos in 1 file\n');
  // Raising a severity works too.
  const up = cli(['lint', '--format', 'sarif', '--severity', 'oci/duplicate-key=info', 'oci-layout'], dir);
  assert.equal(JSON.parse(up.stdout).runs[0].results[0].level, 'note');
  const unknown = cli(['lint', '--severity', 'oci/nope=off', 'oci-layout'], dir);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown rule code "oci\/nope"; run "oci-manifest rules"/);
});

test('--max-findings caps the findings per file and says how many more there are', () => {
  const members = Array.from({ length: 10 }, () => '"imageLayoutVersion": "1.0.0"').join(',\n  ');
  fs.writeFileSync(path.join(dir, 'many.json'), `{\n  ${members}\n}\n`);
  const r = cli(
    ['lint', '--format', 'json', '--kind', 'layout-header', '--max-findings', '3', 'many.json'],
    dir,
  );
  const codes = parse(r.stdout)[0]!.diagnostics.map((d) => d.code);
  assert.equal(codes.filter((c) => c === 'oci/duplicate-key').length, 3);
  assert.ok(codes.includes('oci/too-many-findings'), codes.join());
  const all = cli(['lint', '--format', 'json', '--kind', 'layout-header', 'many.json'], dir);
  assert.equal(parse(all.stdout)[0]!.diagnostics.filter((d) => d.code === 'oci/duplicate-key').length, 9);
});

test('a byte-order mark is kept and reported at 1:1', () => {
  fs.writeFileSync(path.join(dir, 'bom.json'), '\uFEFF{"imageLayoutVersion": "1.0.0"}');
  const r = cli(['lint', '--kind', 'layout-header', 'bom.json'], dir);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^bom\.json:1:1 error oci\/byte-order-mark /m);
});

test('--help, --version, and usage on stdout', () => {
  for (const args of [['--help'], ['lint', '--help']]) {
    const r = cli(args);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage:/);
    assert.match(r.stdout, /--format text\|json\|sarif/);
    assert.match(r.stdout, /--severity CODE=LEVEL/);
    assert.match(r.stdout, /Exit status/);
  }
  const v = cli(['--version']);
  assert.equal(v.status, 0);
  assert.equal(v.stdout, `${pkgVersion}\n`);
});

test('rules: text, json and the markdown document list every rule', () => {
  const text = cli(['rules']);
  assert.equal(text.status, 0);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines.length, RULES.length + 1);
  for (const r of RULES)
    assert.ok(
      lines.some((l) => l.startsWith(`${r.code} `) && l.includes(` ${r.severity} `) && l.endsWith(r.title)),
      r.code,
    );

  const json = JSON.parse(cli(['rules', '--format', 'json']).stdout);
  assert.deepEqual(
    json.map((r: { code: string; severity: string; title: string }) => [r.code, r.severity, r.title]),
    RULES.map((r) => [r.code, r.severity, r.title]),
  );
  assert.equal(json[0].helpUri, ruleDocUrl(RULES[0]!.code));

  const md = cli(['rules', '--format', 'markdown']);
  assert.equal(md.status, 0);
  assert.match(md.stdout, /^# Rules\n/);
  for (const r of RULES) {
    const a = ruleAnchor(r.code);
    assert.ok(md.stdout.includes(`| [\`${r.code}\`](#${a}) | ${r.severity} |`), `table row of ${r.code}`);
    assert.ok(md.stdout.includes(`<a id="${a}"></a>`), `anchor of ${r.code}`);
    assert.ok(md.stdout.includes(r.description.trim()), `description of ${r.code}`);
    if (r.spec) assert.ok(md.stdout.includes(r.spec), `spec of ${r.code}`);
  }
  // Every anchor is unique, so every link in the table lands on its own section.
  const anchors = RULES.map((r) => ruleAnchor(r.code));
  assert.equal(new Set(anchors).size, anchors.length);
});
