/**
 * The authoring verbs: `convert`, `diff`, `index create|add|remove` and `annotate --from-labels`. Inputs are
 * resolved by node/content/inputs.ts (files, layout entries, archive entries, and image references through one
 * registry pool per command; the editor resolves the others the same way), the work is the core's (core/authoring/). A document goes to standard output exactly as its digest covers
 * it, or to `--output`; the digest and size are printed on standard error before anything is written.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { AuthoringError } from '../core/authoring/content';
import { addToIndex, createIndex, removeFromIndex, type IndexOutcome } from '../core/authoring/buildIndex';
import { convertImage, FORMAT_LABELS, type ConvertResult } from '../core/authoring/convert';
import { diffDocuments, diffExitCode, diffLines } from '../core/authoring/diff';
import { promoteLabels } from '../core/authoring/labels';
import { blobPath } from '../core/digest';
import { formatPath } from '../core/findings';
import { isLayoutRoot } from '../node/content/layoutRoot';
import { openInput, type OpenedInput } from '../node/content/inputs';
import { RegistryPool } from '../node/registry/pool';
import type {
  AnnotateCommand,
  ConvertCommand,
  DiffCommand,
  IndexCommand,
  RegistryAccessOptions,
} from './args';
import { registryOptions } from './registry';
import { formatText } from './format';
import { jsonOutput, noteOutput } from './terminal';

export interface AuthoringResult {
  stdout: string;
  stderr: string;
  exitCode: 0 | 1 | 2;
}

/**
 * Runs `work` with the inputs opened (references through one registry pool for the command), closing them and the
 * pool whatever happens; usage and I/O problems exit with 2.
 */
async function withInputs(
  specs: readonly string[],
  cmd: RegistryAccessOptions & { platform?: string },
  work: (inputs: OpenedInput[]) => Promise<AuthoringResult>,
  platformToo = true,
): Promise<AuthoringResult> {
  const opened: OpenedInput[] = [];
  const registries = new RegistryPool(registryOptions(cmd));
  const platform = platformToo ? cmd.platform : undefined;
  try {
    for (const spec of specs)
      opened.push(await openInput(spec, { registries, ...(platform !== undefined ? { platform } : {}) }));
    return await work(opened);
  } catch (err) {
    return failed(err);
  } finally {
    await Promise.all(opened.map((i) => i.close().catch(() => undefined)));
    registries.close();
  }
}

function failed(err: unknown): AuthoringResult {
  const message = err instanceof Error ? err.message : String(err);
  return {
    stdout: '',
    stderr: noteOutput([err instanceof AuthoringError ? message : `failed: ${message}`]),
    exitCode: 2,
  };
}

/** Writes `data` to `file` through a temporary file in the same folder, so that no reader sees half of it. */
async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new AuthoringError(`${file}: cannot write: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
  }
}

/** The digest line, then the document on stdout or in `--output`. */
async function emit(
  doc: { text: string; digest: string; size: number },
  output: string | undefined,
  notes: string[],
): Promise<{ stdout: string; stderr: string[] }> {
  const where = output ? `, written to ${output}` : '';
  const line = `digest ${doc.digest} (${doc.size} bytes)${where}`;
  if (output) {
    await writeAtomically(output, doc.text);
    return { stdout: '', stderr: [...notes, line] };
  }
  return { stdout: doc.text, stderr: [...notes, line] };
}

// ---- convert ---------------------------------------------------------------------------------------------------

export function convertCommand(cmd: ConvertCommand): Promise<AuthoringResult> {
  return withInputs([cmd.input], cmd, async ([input]) => {
    const result: ConvertResult = await convertImage(input!.text, cmd.to, input!.sources);
    const to = FORMAT_LABELS[cmd.to];
    if (result.refusals.length)
      return {
        stdout: '',
        stderr: noteOutput([
          `${input!.label} was not converted to ${to}: ${result.refusals.length === 1 ? 'this' : 'these'} cannot be said in ${to} without losing ${result.refusals.length === 1 ? 'it' : 'them'}:`,
          ...result.refusals.map((r) => `  ${r.message}`),
        ]),
        exitCode: 1,
      };
    const notes = [...result.notes];
    if (result.blobs.length) {
      if (cmd.writeBlobs) {
        if (!isLayoutRoot(cmd.writeBlobs))
          throw new AuthoringError(
            `--write-blobs ${cmd.writeBlobs}: not an OCI image layout (no oci-layout file).`,
          );
        for (const b of result.blobs) {
          const rel = blobPath(b.digest)!;
          await mkdir(path.join(cmd.writeBlobs, path.dirname(rel)), { recursive: true });
          await writeAtomically(path.join(cmd.writeBlobs, rel), b.text);
          notes.push(
            `${formatPath(b.path)}: wrote its converted manifest ${b.digest} (${b.size} bytes) to ${cmd.writeBlobs}.`,
          );
        }
      } else
        notes.push(
          `The list names ${result.blobs.length} converted ${result.blobs.length === 1 ? 'manifest' : 'manifests'} (${result.blobs.map((b) => b.digest).join(', ')}), which were not written; give --write-blobs LAYOUT to add them to a layout.`,
        );
    }
    const out = await emit(result, cmd.output, notes);
    return { stdout: out.stdout, stderr: noteOutput(out.stderr), exitCode: 0 };
  });
}

// ---- diff ------------------------------------------------------------------------------------------------------

export function diffCommand(cmd: DiffCommand): Promise<AuthoringResult> {
  return withInputs([cmd.a, cmd.b], cmd, async ([a, b]) => {
    const r = await diffDocuments(
      { text: a!.text, label: a!.label, sources: a!.sources },
      { text: b!.text, label: b!.label, sources: b!.sources },
    );
    return {
      stdout: cmd.format === 'json' ? jsonOutput(r) : textOutputLines(diffLines(r)),
      stderr: '',
      exitCode: diffExitCode(r),
    };
  });
}

const textOutputLines = (lines: string[]): string => noteOutput(lines).replace(/^oci-manifest: /gm, '');

// ---- index -----------------------------------------------------------------------------------------------------

async function indexResult(
  o: IndexOutcome,
  output: string | undefined,
  verb: string,
  what: string,
): Promise<AuthoringResult> {
  if (o.problems.length)
    return {
      stdout: '',
      stderr: noteOutput([...o.notes, `The index was not ${verb}:`, ...o.problems.map((p) => `  ${p}`)]),
      exitCode: 1,
    };
  const errors = o.findings.filter((f) => f.severity === 'error');
  const lint = o.findings.length
    ? formatText([
        { path: output ?? '(the new index)', kind: 'image-index', text: o.text, findings: o.findings },
      ])
    : '';
  if (errors.length)
    return {
      stdout: '',
      stderr:
        lint +
        noteOutput([
          ...o.notes,
          `The index was not ${verb}: it would have ${errors.length} error-level finding(s) (above).`,
        ]),
      exitCode: 1,
    };
  const notes = [...o.notes, what];
  const out = await emit(o, output, notes);
  return { stdout: out.stdout, stderr: lint + noteOutput(out.stderr), exitCode: 0 };
}

const describeEntries = (o: IndexOutcome): string =>
  o.entries
    .map((e) => {
      const p = e.descriptor.platform as { os?: string; architecture?: string; variant?: string } | undefined;
      const plat =
        p && p.os !== 'unknown' ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : undefined;
      return `${plat ?? e.role} ${String(e.descriptor.digest)}`;
    })
    .join(', ');

export function indexCommand(cmd: IndexCommand): Promise<AuthoringResult> {
  const annotations = Object.keys(cmd.annotations).length ? { annotations: cmd.annotations } : {};
  if (cmd.action === 'create')
    return withInputs(cmd.args, cmd, async (inputs) => {
      const o = await createIndex(inputs, {
        ...annotations,
        ...(cmd.docker ? { format: 'docker' } : {}),
      });
      return indexResult(
        o,
        cmd.output,
        'created',
        `Listed ${o.entries.length} ${o.entries.length === 1 ? 'entry' : 'entries'}: ${describeEntries(o)}.`,
      );
    });
  const [indexSpec, ...rest] = cmd.args;
  if (cmd.action === 'add')
    return withInputs([indexSpec!, ...rest], cmd, async ([index, ...inputs]) => {
      const o = await addToIndex(index!.text, inputs, annotations);
      return indexResult(
        o,
        cmd.output,
        'changed',
        o.entries.length ? `Added ${describeEntries(o)}.` : 'Nothing added.',
      );
    });
  return withInputs(
    [indexSpec!],
    cmd,
    async ([index]) => {
      const o = removeFromIndex(index!.text, rest);
      return indexResult(o, cmd.output, 'changed', `Removed ${describeEntries(o)}.`);
    },
    false,
  );
}

// ---- annotate --------------------------------------------------------------------------------------------------

export function annotateCommand(cmd: AnnotateCommand): Promise<AuthoringResult> {
  return withInputs([cmd.input], cmd, async ([input]) => {
    const o = await promoteLabels(input!.text, input!.sources);
    if (o.problems.length)
      return {
        stdout: '',
        stderr: noteOutput([`${input!.label} was not annotated: ${o.problems.join(' ')}`]),
        exitCode: 1,
      };
    const notes = [
      ...o.promoted.map((p) => `added ${p.key}=${JSON.stringify(p.value)}`),
      ...o.skipped.map((s) => `kept ${s.key}: ${s.why}`),
      ...(o.promoted.length ? [] : ['No label to promote: the document is unchanged.']),
    ];
    const out = await emit(o, cmd.output, notes);
    return { stdout: out.stdout, stderr: noteOutput(out.stderr), exitCode: 0 };
  });
}
