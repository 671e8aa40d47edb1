/**
 * The authoring commands (issue 16): Convert to OCI, Convert to Docker Schema 2, Compare with…, Create Index from
 * Manifests… and Promote Labels to Annotations. The language server does the work (`ociManifest/convertDocument`,
 * `ociManifest/compare`, `ociManifest/createIndex`, `ociManifest/promoteLabels`); this side picks files, opens
 * results in new untitled editors (never over the original: a manifest's bytes are what its digest covers), shows
 * the digest of what it made, and applies edits to the open document.
 *
 * Compare shows VS Code's diff view of the two documents with the semantic summary beside it: the verdict in a
 * notification (it answers the first question, "what kind of change is this?", at a glance) whose *Show
 * Semantic Diff* button opens the full report as a Markdown preview. A notification alone truncates a long list
 * and disappears; a quick pick is for choosing, not reading; the preview can be kept open next to the diff.
 *
 * Like the other command modules, every command returns at once when it has to ask (a file picker it does not
 * wait for) and returns its result when given its arguments (the e2e tests call them so).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  CompareRequest,
  ConvertDocumentRequest,
  CreateIndexRequest,
  PromoteLabelsRequest,
  type CompareResult,
  type ConvertDocumentResult,
  type CreateIndexResult,
  type ImageFormatName,
  type PromoteLabelsResult,
} from '../../server/src/protocol';
import { registerCommand } from './commands';
import { fail, messageOf, runningClient, say, toUri, warn, type CommandDeps } from './ui';

/** What Convert returns: the server's answer and the editor the result was opened in. */
export interface ConvertOutcome extends ConvertDocumentResult {
  document?: vscode.TextDocument;
}

/** What Create Index returns: the server's answer and the editor the index was opened in. */
export interface CreateIndexOutcome extends CreateIndexResult {
  document?: vscode.TextDocument;
}

const FORMAT_NAMES: Record<ImageFormatName, string> = { oci: 'OCI', docker: 'Docker schema 2' };

/** A layout or archive entry as the CLI writes it (`oci:DIR:TAG`), passed to the server as it is. */
const SPEC = /^(oci|oci-archive|docker-archive):/;

/** A command argument as an input: a layout or archive entry as given, else a URI. */
const argInput = (arg: unknown): string | vscode.Uri | undefined =>
  typeof arg === 'string' && SPEC.test(arg) ? arg : toUri(arg);

/** The input a server request takes: a URI as itself (the server reads open documents from the editor), a spec. */
const inputOf = (input: vscode.Uri | string): string => input.toString();

/** How an input is named in messages. */
const nameOf = (input: vscode.Uri | string): string =>
  typeof input === 'string' ? input : vscode.workspace.asRelativePath(input);

/** Opens `text` in a new untitled JSON editor beside the current one, exactly as given. */
async function openResult(text: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: text });
  await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
  return doc;
}

/** Offers to copy a digest, without waiting. */
function sayDigest(message: string, digest: string): void {
  void vscode.window.showInformationMessage(message, 'Copy Digest').then((choice) => {
    if (choice) void vscode.env.clipboard.writeText(digest);
  });
}

export function registerAuthoring(context: vscode.ExtensionContext, deps: CommandDeps): void {
  const running = (): Promise<LanguageClient | undefined> => runningClient(deps);

  async function request<R>(send: (client: LanguageClient) => Promise<R>): Promise<R | undefined> {
    const client = await running();
    if (!client) return undefined;
    try {
      return await send(client);
    } catch (err) {
      fail(`OCI: ${messageOf(err)}`);
      return undefined;
    }
  }

  async function convert(to: ImageFormatName, arg?: unknown): Promise<ConvertOutcome | undefined> {
    const target = argInput(arg) ?? vscode.window.activeTextEditor?.document.uri;
    if (!target) {
      say(`Open a manifest or an index to convert it to ${FORMAT_NAMES[to]}.`);
      return undefined;
    }
    const result = await request((c) =>
      c.sendRequest(ConvertDocumentRequest, { input: inputOf(target), to }),
    );
    if (!result) return undefined;
    const name = nameOf(target);
    if (result.refusals.length || result.text === undefined) {
      deps.log.info(`Convert ${name} to ${FORMAT_NAMES[to]}: refused:\n  ${result.refusals.join('\n  ')}`);
      fail(
        `OCI: ${name} was not converted to ${FORMAT_NAMES[to]}, which cannot hold it: ${result.refusals[0] ?? 'see OCI: Show Output'}${result.refusals.length > 1 ? ` (and ${result.refusals.length - 1} more; see OCI: Show Output)` : ''}`,
      );
      return result;
    }
    const document = await openResult(result.text);
    deps.log.info(
      `Convert ${name} to ${FORMAT_NAMES[to]}: ${result.digest} (${result.size} bytes)\n  ${[...result.changes, ...result.notes].join('\n  ')}`,
    );
    if (result.blobs.length) offerBlobs(result);
    for (const n of result.notes) warn(`OCI: ${n}`);
    sayDigest(
      `OCI: converted to ${FORMAT_NAMES[to]}: ${result.digest} (${result.size} bytes, ${result.changes.length} media ${result.changes.length === 1 ? 'type' : 'types'} changed). Save it to keep these bytes.`,
      result.digest!,
    );
    return { ...result, document };
  }

  /** A converted list names converted manifests: offers to write them into the layout the list came from. */
  function offerBlobs(result: ConvertDocumentResult): void {
    const n = result.blobs.length;
    const what = `${n} converted ${n === 1 ? 'manifest' : 'manifests'}`;
    if (!result.layout) {
      warn(
        `OCI: the converted list names ${what} that must be stored with it (see OCI: Show Output for their digests).`,
      );
      for (const b of result.blobs) deps.log.info(`${b.digest} (${b.size} bytes):\n${b.text}`);
      return;
    }
    const layout = vscode.Uri.parse(result.layout);
    void vscode.window
      .showInformationMessage(
        `OCI: the converted list names ${what}. Add them to the layout?`,
        'Add to Layout',
      )
      .then(async (choice) => {
        if (!choice) return;
        for (const b of result.blobs) {
          const [alg, hex] = b.digest.split(':') as [string, string];
          await vscode.workspace.fs.writeFile(
            vscode.Uri.joinPath(layout, 'blobs', alg, hex),
            new TextEncoder().encode(b.text),
          );
        }
        say(`OCI: added ${what} to ${vscode.workspace.asRelativePath(layout)}.`);
      });
  }

  async function compare(a: vscode.Uri, b: vscode.Uri): Promise<CompareResult | undefined> {
    const result = await request((c) => c.sendRequest(CompareRequest, { a: inputOf(a), b: inputOf(b) }));
    if (!result) return undefined;
    const title = `${vscode.workspace.asRelativePath(a)} ↔ ${vscode.workspace.asRelativePath(b)}`;
    await vscode.commands.executeCommand('vscode.diff', a, b, title);
    deps.log.info(
      `Compare ${title}: ${result.summary}\n  ${[...result.changes, ...result.notes].join('\n  ')}`,
    );
    void vscode.window
      .showInformationMessage(
        `OCI: ${result.summary}`,
        ...(result.changes.length || result.notes.length ? ['Show Semantic Diff'] : []),
      )
      .then(async (choice) => {
        if (!choice) return;
        const doc = await vscode.workspace.openTextDocument({
          language: 'markdown',
          content: result.markdown,
        });
        await vscode.commands.executeCommand('markdown.showPreviewToSide', doc.uri);
      });
    return result;
  }

  function compareWith(arg?: unknown, other?: unknown): Promise<CompareResult | undefined> | undefined {
    const a = toUri(arg) ?? vscode.window.activeTextEditor?.document.uri;
    if (!a) {
      say('Open a manifest or an index, then compare it with another one.');
      return undefined;
    }
    // From the explorer with two files selected: the second argument lists both.
    if (Array.isArray(other) && other.length === 2) {
      const [x, y] = other.map(toUri);
      if (x && y) return compare(x, y);
    }
    const b = toUri(other);
    if (b) return compare(a, b);
    void vscode.window
      .showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        title: `OCI: Compare ${vscode.workspace.asRelativePath(a)} with…`,
        openLabel: 'Compare',
        ...(a.scheme === 'file' ? { defaultUri: vscode.Uri.joinPath(a, '..') } : {}),
      })
      .then((picked) => (picked?.[0] ? compare(a, picked[0]) : undefined));
    return undefined;
  }

  async function createFrom(inputs: (vscode.Uri | string)[]): Promise<CreateIndexOutcome | undefined> {
    const result = await request((c) => c.sendRequest(CreateIndexRequest, { inputs: inputs.map(inputOf) }));
    if (!result) return undefined;
    if (result.problems.length || result.text === undefined) {
      deps.log.info(`Create Index: refused:\n  ${result.problems.join('\n  ')}`);
      fail(`OCI: the index was not created: ${result.problems.join(' ')}`);
      return result;
    }
    const document = await openResult(result.text);
    deps.log.info(
      `Create Index: ${result.digest} (${result.size} bytes)\n  ${[...result.entries, ...result.notes, ...result.findings].join('\n  ')}`,
    );
    if (result.findings.length)
      warn(`OCI: the new index has ${result.findings.length} finding(s): ${result.findings[0]}`);
    sayDigest(
      `OCI: created an index of ${result.entries.length} ${result.entries.length === 1 ? 'entry' : 'entries'} (${result.entries.map((e) => e.split(' ')[0]).join(', ')}): ${result.digest} (${result.size} bytes). Save it to keep these bytes.`,
      result.digest!,
    );
    return { ...result, document };
  }

  function createIndex(...args: unknown[]): Promise<CreateIndexOutcome | undefined> | undefined {
    const given = (Array.isArray(args[0]) ? (args[0] as unknown[]) : args)
      .map(argInput)
      .filter((u) => u !== undefined);
    if (given.length) return createFrom(given);
    void vscode.window
      .showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: true,
        title: 'OCI: Create Index from Manifests (pick the image manifests, one per platform)',
        openLabel: 'Create Index',
      })
      .then((picked) => (picked?.length ? createFrom(picked) : undefined));
    return undefined;
  }

  async function promoteLabels(arg?: unknown): Promise<PromoteLabelsResult | undefined> {
    const target = toUri(arg) ?? vscode.window.activeTextEditor?.document.uri;
    if (!target) {
      say('Open an OCI manifest or index to promote its config labels to annotations.');
      return undefined;
    }
    let doc: vscode.TextDocument;
    try {
      doc = await vscode.workspace.openTextDocument(target);
    } catch (err) {
      fail(`OCI: cannot open ${target.fsPath}: ${messageOf(err)}`);
      return undefined;
    }
    const result = await request((c) => c.sendRequest(PromoteLabelsRequest, { uri: target.toString() }));
    if (!result) return undefined;
    if (result.problems.length) {
      fail(`OCI: ${result.problems.join(' ')}`);
      return result;
    }
    if (!result.edits.length) {
      say(`OCI: no label to promote${result.skipped.length ? ` (${result.skipped.join('; ')})` : ''}.`);
      return result;
    }
    if (result.version !== null && doc.version !== result.version) {
      warn('OCI: the document changed while its labels were read; run the command again.');
      return undefined;
    }
    const edit = new vscode.WorkspaceEdit();
    for (const e of result.edits)
      edit.replace(
        target,
        new vscode.Range(
          e.range.start.line,
          e.range.start.character,
          e.range.end.line,
          e.range.end.character,
        ),
        e.newText,
      );
    if (!(await vscode.workspace.applyEdit(edit))) {
      fail('OCI: the annotations could not be added (the document changed meanwhile).');
      return undefined;
    }
    deps.log.info(
      `Promote labels in ${target.fsPath}: ${result.promoted.join(', ')}; ${result.skipped.join('; ')}`,
    );
    sayDigest(
      `OCI: added ${result.promoted.length} ${result.promoted.length === 1 ? 'annotation' : 'annotations'} (${result.promoted.map((p) => p.split('=')[0]).join(', ')}); the document's digest is now ${result.digest} (${result.size} bytes) once saved.`,
      result.digest,
    );
    return result;
  }

  context.subscriptions.push(
    registerCommand('convertToOci', (arg) => convert('oci', arg)),
    registerCommand('convertToDocker', (arg) => convert('docker', arg)),
    registerCommand('compareWith', compareWith),
    registerCommand('createIndex', createIndex),
    registerCommand('promoteLabels', promoteLabels),
  );
}
