/**
 * The TextMate injection grammar (syntaxes/oci-manifest.injection.tmLanguage.json): its annotation keys are
 * the catalog's, its patterns mark what they should and nothing else, and package.json contributes it to JSON
 * and JSON with comments. When the end-to-end tools are installed, VS Code's own tokenizer runs it too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OCI_DEFINED_KEYS } from '../../server/src/core/catalog/annotations';
import { MEDIA_TYPES } from '../../server/src/core/catalog/mediaTypes';
import { EMPTY_BLOB } from '../../server/src/core/catalog/core';

const ROOT = new URL('../../', import.meta.url).pathname;
const GRAMMAR_PATH = join(ROOT, 'syntaxes', 'oci-manifest.injection.tmLanguage.json');
const grammar = JSON.parse(readFileSync(GRAMMAR_PATH, 'utf8')) as {
  scopeName: string;
  injectionSelector: string;
  repository: Record<string, { match: string; name: string }>;
};

/** The grammar's patterns are written in the subset Oniguruma and JavaScript share. */
const pattern = (name: string): RegExp => new RegExp(grammar.repository[name]!.match);
/** Whether the pattern marks the whole content of the JSON string `"s"`. */
const marks = (name: string, s: string): boolean => {
  const m = pattern(name).exec(`"${s}"`);
  return m !== null && m[0] === s;
};

test('package.json injects the grammar into JSON and JSON with comments', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const entry = pkg.contributes.grammars.find(
    (g: { scopeName: string }) => g.scopeName === grammar.scopeName,
  );
  assert.ok(entry, 'contributes.grammars lists the injection');
  assert.deepEqual(entry.injectTo, ['source.json', 'source.json.comments']);
  assert.ok(existsSync(join(ROOT, entry.path)));
  assert.match(grammar.injectionSelector, /string\.quoted\.double\.json/);
  assert.match(grammar.injectionSelector, /support\.type\.property-name\.json/);
});

test('the annotation keys are exactly the ones OCI specifications define (the catalog)', () => {
  for (const key of OCI_DEFINED_KEYS) assert.ok(marks('annotation-key', key), key);
  const alternatives = [
    ...grammar.repository['annotation-key']!.match.matchAll(/(image|artifact)\\\.\(\?:([^)]*)\)/g),
  ].flatMap((m) => m[2]!.split('|').map((k) => `org.opencontainers.${m[1]}.${k.replace(/\\\./g, '.')}`));
  assert.deepEqual(new Set(alternatives), new Set(OCI_DEFINED_KEYS));
  for (const wrong of [
    'org.opencontainers.image.license',
    'org.opencontainers.image.created.at',
    'com.example.created',
    'org.opencontainers.image',
  ])
    assert.ok(!marks('annotation-key', wrong), wrong);
});

test('digests and media types are marked when they are the whole string', () => {
  for (const d of [
    EMPTY_BLOB.digest,
    `sha512:${'a'.repeat(128)}`,
    `blake3:${'b'.repeat(64)}`,
    `sha256:${'A'.repeat(64)}`,
  ])
    assert.ok(marks('digest', d), d);
  for (const notDigest of ['https://example.com/a', 'sha256:abc', 'linux:amd64', `x ${EMPTY_BLOB.digest}`])
    assert.ok(!marks('digest', notDigest), notDigest);
  for (const t of MEDIA_TYPES) assert.ok(marks('media-type', t.type), t.type);
  for (const notType of ['amd64', 'linux/amd64', 'https://example.com/x', 'org.opencontainers.image.url'])
    assert.ok(!marks('media-type', notType), notType);
});

// VS Code's tokenizer, from the code-server the end-to-end stage installs (skipped where it is not installed).
const VSCODE = join(
  process.env.TOOLS ?? join(homedir(), '.cache', 'vscode-e2e-tools'),
  'cs/node_modules/code-server/lib/vscode',
);
const hasTokenizer =
  existsSync(join(VSCODE, 'node_modules/vscode-textmate')) &&
  existsSync(join(VSCODE, 'extensions/json/syntaxes/JSON.tmLanguage.json'));

test(
  'VS Code tokenizes JSON and JSONC with the injection',
  { skip: hasTokenizer ? false : 'the e2e tools are not installed' },
  async () => {
    const require = createRequire(import.meta.url);
    const tm = require(join(VSCODE, 'node_modules/vscode-textmate'));
    const onig = require(join(VSCODE, 'node_modules/vscode-oniguruma'));
    await onig.loadWASM(readFileSync(join(VSCODE, 'node_modules/vscode-oniguruma/release/onig.wasm')).buffer);
    const files: Record<string, string> = {
      'source.json': join(VSCODE, 'extensions/json/syntaxes/JSON.tmLanguage.json'),
      'source.json.comments': join(VSCODE, 'extensions/json/syntaxes/JSONC.tmLanguage.json'),
      [grammar.scopeName]: GRAMMAR_PATH,
    };
    const registry = new tm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (p: string[]) => new onig.OnigScanner(p),
        createOnigString: (s: string) => new onig.OnigString(s),
      }),
      loadGrammar: async (scope: string) =>
        files[scope] ? tm.parseRawGrammar(readFileSync(files[scope], 'utf8'), files[scope]) : null,
      getInjections: (scope: string) => (scope.startsWith('source.json') ? [grammar.scopeName] : []),
    });
    const line = `{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "${EMPTY_BLOB.digest}", "annotations": {"org.opencontainers.image.licenses": "MIT", "org.opencontainers.image.license": "MIT"}}`;
    for (const scope of ['source.json', 'source.json.comments']) {
      const g = await registry.loadGrammar(scope);
      const { tokens } = g.tokenizeLine(line, tm.INITIAL);
      const ours = new Map<string, string>();
      for (const t of tokens as { startIndex: number; endIndex: number; scopes: string[] }[]) {
        const s = t.scopes.find((x) => x.endsWith('.oci-manifest') && !x.includes('digest-'));
        if (s) ours.set(line.slice(t.startIndex, t.endIndex), s);
      }
      assert.equal(
        ours.get('application/vnd.oci.image.layer.v1.tar+gzip'),
        'entity.name.type.media-type.oci-manifest',
        scope,
      );
      assert.equal(ours.get('sha256'), 'constant.other.digest.oci-manifest', scope);
      assert.equal(
        ours.get('org.opencontainers.image.licenses'),
        'support.constant.annotation-key.oci-manifest',
        scope,
      );
      assert.equal(ours.get('org.opencontainers.image.license'), undefined, scope);
    }
  },
);
