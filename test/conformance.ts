// The conformance corpus on disk: valid documents, and invalid ones with their .expect.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS = new URL('./fixtures/conformance/', import.meta.url).pathname;

export interface Expectation {
  codes: string[];
  source: string;
  requirement: string;
  kind?: string;
  /** What the front end would know about the file's place (e.g. an index.json beside an oci-layout file). */
  origin?: { fileName?: string; besideOciLayout?: boolean };
}

export function corpus(dir: 'valid' | 'invalid'): { file: string; name: string; expect?: Expectation }[] {
  return readdirSync(join(CORPUS, dir))
    .filter((f) => !f.endsWith('.expect.json'))
    .sort()
    .map((f) => {
      const file = join(CORPUS, dir, f);
      if (dir === 'valid') return { file, name: f };
      const expect = JSON.parse(
        readFileSync(file.replace(/(\.json)?$/, '.expect.json'), 'utf8'),
      ) as Expectation;
      return { file, name: f, expect };
    });
}
