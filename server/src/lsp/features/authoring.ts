/**
 * The authoring requests (issue 16): `ociManifest/convertDocument`, `ociManifest/compare`, `ociManifest/createIndex`
 * and `ociManifest/promoteLabels`, over the core (core/authoring/). An input that is open in the editor is taken as
 * the editor holds it (unsaved changes included), with the content sources of its file; anything else (a file on
 * disk, `oci:DIR:TAG`, `oci-archive:FILE:TAG`) is resolved by the host (`runtime.authoring`), as the CLI resolves
 * it. Nothing is written here: the client opens results in new editors and applies edits.
 *
 * Code actions: on an OCI or Docker manifest or index, *Convert to OCI* / *Convert to Docker schema 2* and
 * *Promote Config Labels to Annotations* (refactorings running the client's commands), offered when the cursor is
 * on the document's `mediaType`, `config`, `annotations` or `manifests`, or when refactorings are asked for.
 */
import {
  CodeActionKind,
  ErrorCodes,
  ResponseError,
  type CodeAction,
  type CancellationToken,
  type CodeActionParams,
  type RequestType,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../../core';
import { createIndex } from '../../core/authoring/buildIndex';
import { digestOfText } from '../../core/authoring/content';
import { changeLines, convertImage } from '../../core/authoring/convert';
import { diffDocuments, diffExitCode, diffMarkdown } from '../../core/authoring/diff';
import { promoteLabels } from '../../core/authoring/labels';
import { embeddedDataSource } from '../../core/content/source';
import { platformText } from '../../core/layout/format';
import { isIndexKind, isManifestKind } from '../../core/model';
import type { OpenedInput } from '../../host/authoringAccess';
import {
  COMMAND_IDS,
  CompareRequest,
  ConvertDocumentRequest,
  CreateIndexRequest,
  PromoteLabelsRequest,
  type ConvertDocumentResult,
  type CreateIndexResult,
} from '../../protocol';
import { runSafeAsync } from '../runner';
import type { Feature, FeatureContext } from './feature';

/** The refactoring kinds of the code actions offered here. */
export const CONVERT_KIND = `${CodeActionKind.RefactorRewrite}.ociManifest.convert`;
export const PROMOTE_KIND = `${CodeActionKind.RefactorRewrite}.ociManifest.promoteLabels`;

const failure = (message: string): ResponseError<void> =>
  new ResponseError(ErrorCodes.InvalidParams, message);

/** Resolves an input: the editor's text for an open document, else the host's resolver. */
async function openAuthoringInput(ctx: FeatureContext, input: string): Promise<OpenedInput> {
  const doc = ctx.documents.get(input);
  const access = ctx.runtime.authoring;
  if (doc) {
    const found = access?.sourcesFor(input) ?? { sources: [embeddedDataSource()] };
    return {
      label: labelOf(input),
      text: doc.getText(),
      sources: found.sources,
      ...(found.layoutUri ? { layoutUri: found.layoutUri } : {}),
      close: async () => undefined,
    };
  }
  if (!access) throw new Error(`${input} is not open in the editor, and this server cannot read files.`);
  return access.open(input);
}

/** A URI as people read it: the file's path, else the URI. */
function labelOf(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}

/** Runs `work` with the inputs opened (and closed after); a failure to open one is the request's error. */
async function withInputs<R>(
  ctx: FeatureContext,
  inputs: readonly string[],
  work: (opened: OpenedInput[]) => Promise<R>,
): Promise<R | ResponseError<void>> {
  const opened: OpenedInput[] = [];
  try {
    for (const i of inputs) opened.push(await openAuthoringInput(ctx, i));
    return await work(opened);
  } catch (err) {
    return failure(err instanceof Error ? err.message : String(err));
  } finally {
    await Promise.all(opened.map((o) => o.close().catch(() => undefined)));
  }
}

/** The refactorings for a served manifest or index, when the cursor is on one of its main members or asked for. */
export function authoringActions(
  doc: TextDocument,
  analysis: Analysis,
  params: CodeActionParams,
): CodeAction[] {
  const kind = analysis.detection?.kind;
  if (!kind || !(isManifestKind(kind) || isIndexKind(kind)) || kind === 'artifact-manifest') return [];
  const only = params.context.only;
  const asked = only?.some(
    (o) => CodeActionKind.Refactor.startsWith(o) || o.startsWith(CodeActionKind.Refactor),
  );
  if (only && !asked) return [];
  if (!asked) {
    const at = analysis.json.pathAt(doc.offsetAt(params.range.start));
    const top = at?.path[0];
    if (
      !(at?.path.length === 1 && at.onKey) ||
      !['mediaType', 'config', 'annotations', 'manifests'].includes(String(top))
    )
      return [];
  }
  const docker = kind === 'docker-manifest' || kind === 'docker-manifest-list';
  const uri = doc.uri;
  const actions: CodeAction[] = [
    {
      title: docker
        ? 'Convert to OCI (opens a new editor)'
        : 'Convert to Docker schema 2 (opens a new editor)',
      kind: CONVERT_KIND,
      command: {
        title: docker ? 'Convert to OCI' : 'Convert to Docker schema 2',
        command: docker ? COMMAND_IDS.convertToOci : COMMAND_IDS.convertToDocker,
        arguments: [uri],
      },
    },
  ];
  if (!docker)
    actions.push({
      title: 'Promote config labels to annotations',
      kind: PROMOTE_KIND,
      command: {
        title: 'Promote Labels to Annotations',
        command: COMMAND_IDS.promoteLabels,
        arguments: [uri],
      },
    });
  return actions;
}

export const authoringFeature: Feature = {
  id: 'authoring',
  register(ctx) {
    const { connection, documents } = ctx;
    /** Registers a request whose unexpected failure is logged and answered with an error that says so. */
    const serve = <P, R extends object>(
      type: RequestType<P, R, void>,
      what: string,
      handler: (params: P) => Promise<R | ResponseError<void>>,
    ): void =>
      // Typed through `object`: the handler type's conditional on R is not resolved for a generic R.
      void connection.onRequest(type as RequestType<P, object, void>, (params: P, token: CancellationToken) =>
        runSafeAsync<object | ResponseError<void>>(
          connection,
          type.method,
          failure(`${what} failed unexpectedly; see the output channel.`),
          token,
          () => handler(params),
        ),
      );

    serve(ConvertDocumentRequest, 'The conversion', (params) =>
      withInputs(ctx, [params.input], async ([input]) => {
        const r = await convertImage(input!.text, params.to, input!.sources);
        const result: ConvertDocumentResult = {
          changes: changeLines(r),
          refusals: r.refusals.map((x) => x.message),
          notes: r.notes,
          blobs: r.blobs.map((b) => ({
            mediaType: b.mediaType,
            digest: b.digest,
            size: b.size,
            text: b.text,
          })),
          ...(input!.layoutUri ? { layout: input!.layoutUri } : {}),
        };
        if (!r.refusals.length) Object.assign(result, { text: r.text, digest: r.digest, size: r.size });
        return result;
      }),
    );

    serve(CompareRequest, 'The comparison', (params) =>
      withInputs(ctx, [params.a, params.b], async ([a, b]) => {
        const r = await diffDocuments(
          { text: a!.text, label: a!.label, sources: a!.sources },
          { text: b!.text, label: b!.label, sources: b!.sources },
        );
        return {
          verdict: r.verdict,
          same: diffExitCode(r) === 0,
          summary: r.summary,
          changes: r.changes.map((c) => c.text),
          notes: r.notes,
          a: r.a,
          b: r.b,
          markdown: diffMarkdown(r),
        };
      }),
    );

    serve(CreateIndexRequest, 'Creating the index', (params) =>
      withInputs(ctx, params.inputs, async (inputs) => {
        const o = await createIndex(inputs, {
          ...(params.annotations ? { annotations: params.annotations } : {}),
          ...(params.docker ? { format: 'docker' as const } : {}),
        });
        const result: CreateIndexResult = {
          entries: o.entries.map(
            (e) => `${platformText(e.descriptor.platform) ?? e.role} ${String(e.descriptor.digest)}`,
          ),
          problems: o.problems,
          notes: o.notes,
          findings: o.findings.map((f) => `${f.code}: ${f.message}`),
        };
        if (!o.problems.length) Object.assign(result, { text: o.text, digest: o.digest, size: o.size });
        return result;
      }),
    );

    serve(PromoteLabelsRequest, 'Promoting the labels', async (params) => {
      const doc = documents.get(params.uri);
      if (!doc) return failure(`${params.uri} is not open in the editor; open it to promote its labels.`);
      const text = doc.getText();
      const version = doc.version;
      const sources = ctx.runtime.authoring?.sourcesFor(params.uri).sources ?? [embeddedDataSource()];
      const o = await promoteLabels(text, sources);
      const { digest, size } = o.problems.length ? digestOfText(text) : o;
      return {
        version,
        edits: o.edits.map((e) => ({
          range: { start: doc.positionAt(e.offset), end: doc.positionAt(e.offset + e.length) },
          newText: e.newText,
        })),
        promoted: o.promoted.map((p) => `${p.key}=${p.value}`),
        skipped: o.skipped.map((s) => `${s.key}: ${s.why}`),
        problems: o.problems,
        digest,
        size,
      };
    });
  },
};
