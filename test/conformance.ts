// The conformance corpus on disk: valid documents (and layouts), and invalid ones with their .expect.json.
//
// A fixture is a JSON file or a directory (an image layout as a tool writes it: oci-layout, index.json, blobs).
// Invalid fixtures name the codes they must get; a valid fixture may have an .expect.json too, saying what it
// stands for and which notes (info codes) it must get, for the table of documents that must pass.
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const CORPUS = new URL('./fixtures/conformance/', import.meta.url).pathname;

/** Where the front end would find the file: e.g. an index.json beside an oci-layout file. */
export interface Origin {
  fileName?: string;
  besideOciLayout?: boolean;
}

export interface Expectation {
  /** Invalid fixtures: the codes the document (or, for a layout, one of its files) must get. */
  codes: string[];
  source: string;
  requirement: string;
  kind?: string;
  origin?: Origin;
}

export interface PassExpectation {
  /** Valid fixtures: info codes that must be among the findings. */
  notes?: string[];
  /**
   * Warnings a real tool's output gets for a SHOULD it leaves out (e.g. the top-level mediaType skopeo omits):
   * they must be among the findings, and no other warning and no error may be.
   */
  warnings?: string[];
  source: string;
  requirement: string;
  kind?: string;
  origin?: Origin;
}

export interface Fixture<E> {
  /** The fixture's path: a file, or a layout directory. */
  file: string;
  name: string;
  directory: boolean;
  expect?: E;
}

const expectFile = (path: string): string => path.replace(/(\.json)?$/, '.expect.json');

export function corpus(dir: 'valid'): Fixture<PassExpectation>[];
export function corpus(dir: 'invalid'): Fixture<Expectation>[];
export function corpus(dir: 'valid' | 'invalid'): Fixture<Expectation | PassExpectation>[] {
  return readdirSync(join(CORPUS, dir))
    .filter((f) => !f.endsWith('.expect.json'))
    .sort()
    .map((f) => {
      const file = join(CORPUS, dir, f);
      const directory = statSync(file).isDirectory();
      const ef = expectFile(file);
      const expect = existsSync(ef)
        ? (JSON.parse(readFileSync(ef, 'utf8')) as Expectation | PassExpectation)
        : undefined;
      return { file, name: f, directory, expect };
    });
}

/** One document of a fixture, with what the front end would know about its place. */
export interface Doc {
  file: string;
  text: string;
  origin: Origin;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/**
 * The documents of a fixture as the core sees them: the file itself (with the origin its expectation gives), or
 * every file of a layout directory, each beside an `oci-layout` file or not (the core decides what it serves).
 */
export function documents(fixture: Fixture<Expectation | PassExpectation>): Doc[] {
  if (!fixture.directory) {
    return [
      {
        file: fixture.file,
        text: readFileSync(fixture.file, 'utf8'),
        origin: { fileName: fixture.file, ...fixture.expect?.origin },
      },
    ];
  }
  return walk(fixture.file).map((file) => ({
    file,
    text: readFileSync(file, 'utf8'),
    origin: { fileName: file, besideOciLayout: existsSync(join(dirname(file), 'oci-layout')) },
  }));
}

/**
 * What to give the CLI for a fixture: the file or the layout directory as it is; a file whose expectation puts
 * it in a layout's place is copied as `index.json` into a temporary layout (removed by `cleanup`).
 */
export function cliTarget(fixture: Fixture<Expectation | PassExpectation>): {
  path: string;
  /** True when a linted file belongs to this fixture. */
  owns: (linted: string) => boolean;
  cleanup: () => void;
} {
  const origin = fixture.expect?.origin;
  if (!fixture.directory && origin?.besideOciLayout) {
    const dir = mkdtempSync(join(tmpdir(), 'oci-conformance-'));
    const name = origin.fileName ?? 'index.json';
    cpSync(fixture.file, join(dir, name));
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const path = join(dir, name);
    return {
      path,
      owns: (linted) => linted === path,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const path = fixture.file;
  return {
    path,
    owns: (linted) => (fixture.directory ? linted.startsWith(`${path}/`) : linted === path),
    cleanup: () => undefined,
  };
}
