/** The oracle of the fuzz tests: what every analysis must satisfy, collected as distinct problems. */
import {
  analyze,
  DOCUMENT_KINDS,
  RULE_BY_CODE,
  type AnalyzeOptions,
  type DocumentKind,
  type Finding,
} from '../../server/src/core/index';
import { SEVERITIES } from '../../server/src/core/findings';

// ---- the checks on findings ---------------------------------------------------------------------------

/**
 * Problems found, by kind of problem and rule code, each with the shortest document that shows it. The
 * fuzzer goes on after a problem so that one run lists every distinct one, then fails with the list.
 */
export class Problems {
  private readonly found = new Map<string, { text: string; detail: string }>();

  add(key: string, text: string, detail: string): void {
    const had = this.found.get(key);
    if (!had || text.length < had.text.length) this.found.set(key, { text, detail });
  }

  get size(): number {
    return this.found.size;
  }

  report(): string {
    const clip = (t: string) => JSON.stringify(t.length > 600 ? `${t.slice(0, 600)}…(${t.length} chars)` : t);
    return [...this.found]
      .map(
        ([key, { text, detail }]) =>
          `- ${key}\n    ${detail.slice(0, 800)}\n    shortest document: ${clip(text)}`,
      )
      .join('\n');
  }
}

function checkFindings(problems: Problems, text: string, findings: readonly Finding[], label: string): void {
  for (const f of findings) {
    const detail = `${label}: ${JSON.stringify({ ...f, data: undefined })}`;
    if (!RULE_BY_CODE.has(f.code)) problems.add(`unknown code ${f.code}`, text, detail);
    if (!SEVERITIES.includes(f.severity)) problems.add(`bad severity from ${f.code}`, text, detail);
    if (!(
      Number.isInteger(f.offset) &&
      Number.isInteger(f.length) &&
      f.offset >= 0 &&
      f.length >= 0 &&
      f.offset + f.length <= text.length
    )) {
      problems.add(`range outside the text from ${f.code}`, text, `${detail} (text length ${text.length})`);
    }
    if (typeof f.message !== 'string' || f.message.trim().length === 0)
      problems.add(`empty message from ${f.code}`, text, detail);
    else if (!/\.\)?$/.test(f.message.trimEnd()))
      problems.add(`message not ending with a period from ${f.code}`, text, detail);
    if (f.code === 'oci/internal-error')
      problems.add(`a check threw: ${f.message.replace(/\(.*$/s, '')}`, text, detail);
  }
}

/** Analyses `text` as detected and forced to each of `kinds` (every kind by default). */
export function analyzeAll(
  problems: Problems,
  text: string,
  options: AnalyzeOptions,
  kinds: readonly DocumentKind[] = DOCUMENT_KINDS,
): void {
  const runs: [string, AnalyzeOptions][] = [
    ['detected', options],
    ...kinds.map((kind): [string, AnalyzeOptions] => [`as ${kind}`, { ...options, kind }]),
  ];
  for (const [label, o] of runs) {
    let findings: Finding[];
    try {
      findings = analyze(text, o).findings;
    } catch (err) {
      problems.add(
        `analyze() threw ${err instanceof Error ? err.message.slice(0, 80) : String(err)}`,
        text,
        `${label}, ${JSON.stringify(o)}: ${err instanceof Error ? err.stack : String(err)}`,
      );
      continue;
    }
    checkFindings(
      problems,
      text,
      findings,
      `${label}, options ${JSON.stringify({ ...o, severities: undefined })}`,
    );
  }
}
