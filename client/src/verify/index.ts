/**
 * The verification commands: Verify Digests, Verify Layout, Compute Digest of File…, Insert Descriptor for File…,
 * Copy Digest of This Document and Set Registry Credentials…. The work happens in the language server
 * (`ociManifest/verifyDocument`, `ociManifest/verifyLayout`, `ociManifest/computeDigest`); this side picks
 * files, shows progress with a Cancel button wired to the request's cancellation, and keeps the results in
 * the store (store.ts) for other views.
 *
 * Every command is safe to run with no arguments and no active editor: it never waits on a prompt. When it has
 * nothing to act on it says so in a notification it does not wait for; when it needs a pick (a file, a
 * folder, credentials) it starts the picker and returns at once.
 */
import * as vscode from 'vscode';
import {
  WorkDoneProgress,
  type LanguageClient,
  type WorkDoneProgressBegin,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import {
  ComputeDigestRequest,
  parseBlobUri,
  registryHostKey,
  SETTINGS_SECTION,
  VerifyDocumentRequest,
  VerifyLayoutRequest,
  type ComputeDigestResult,
  type VerifyCredentials,
  type VerifyDigestsArgs,
  type VerifyDocumentParams,
  type VerifyDocumentResult,
  type VerifyLayoutParams,
  type VerifyLayoutResult,
  type VerifyResultStatus,
} from '../../../server/src/protocol';
import { registerCommand } from '../commands';
import { pickLayoutOrArchive } from '../views/layoutRoots';
import { fail, isCancellation, messageOf, runningClient, say, toUri, warn, type CommandDeps } from '../ui';
import { verifyStore, type StoredResult, type VerifyStatus } from './store';

export type VerifyDeps = CommandDeps;

const SECRET_PREFIX = 'ociManifest.registryCredentials:';

const storeStatus = (s: VerifyResultStatus): VerifyStatus | undefined =>
  s === 'verified'
    ? 'verified'
    : s === 'size-mismatch' || s === 'digest-mismatch'
      ? 'mismatch'
      : s === 'missing'
        ? 'missing'
        : undefined;

/** The host part of `host[:port]/name` (or a bare host), as the key its credentials are stored under. */
export const registryHost = (registry: string): string => registryHostKey(registry.trim().split('/')[0]!);

/**
 * The credentials *OCI: Set Registry Credentials…* stored for the host of `registry` (`host[:port]/name` or a host),
 * or undefined (the server then reads the user's Docker config). Never logged.
 */
export async function storedCredentials(
  secrets: vscode.SecretStorage,
  registry: string | undefined,
): Promise<VerifyCredentials | undefined> {
  if (!registry) return undefined;
  const raw = await secrets.get(SECRET_PREFIX + registryHost(registry));
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<VerifyCredentials>;
    return typeof v.username === 'string' && typeof v.password === 'string'
      ? { username: v.username, password: v.password }
      : undefined;
  } catch {
    return undefined;
  }
}

export function registerVerify(context: vscode.ExtensionContext, deps: VerifyDeps): void {
  /** The registry the user typed this session (when the setting is empty), and whether they were asked. */
  let sessionRegistry: string | undefined;
  let askedForRegistry = false;
  let progressTokens = 0;

  const running = (): Promise<LanguageClient | undefined> => runningClient(deps);

  const registrySetting = (scope?: vscode.Uri): string =>
    (vscode.workspace.getConfiguration(SETTINGS_SECTION, scope).get<string>('verify.registry') ?? '').trim();

  const credentialsFor = (registry: string | undefined): Promise<VerifyCredentials | undefined> =>
    storedCredentials(context.secrets, registry);

  /** Runs a request under a cancellable progress notification fed by the server's work-done progress. */
  function withProgress<R>(
    title: string,
    client: LanguageClient,
    send: (token: vscode.CancellationToken, workDoneToken: string) => Promise<R>,
  ): Thenable<R> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const workDoneToken = `ociManifest-verify-${++progressTokens}`;
        const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
          const p = v as WorkDoneProgressBegin | WorkDoneProgressReport;
          if ((p.kind === 'begin' || p.kind === 'report') && p.message)
            progress.report({ message: p.message });
        });
        try {
          return await send(token, workDoneToken);
        } finally {
          sub.dispose();
        }
      },
    );
  }

  function record(
    uri: string,
    results: { digest?: string; status: VerifyResultStatus; where?: string }[],
    at: number,
  ): void {
    const stored: StoredResult[] = [];
    for (const r of results) {
      const status = storeStatus(r.status);
      if (r.digest && status)
        stored.push({ digest: r.digest, status, uri, at, ...(r.where ? { source: r.where } : {}) });
    }
    verifyStore.record(stored);
  }

  /** Offers, once per session, to look in a registry for what was not found locally. */
  function offerRegistry(rerun: (registry: string) => unknown): void {
    if (askedForRegistry) return;
    askedForRegistry = true;
    void vscode.window
      .showInformationMessage(
        'Some blobs were not found locally. Look for them in a registry?',
        'Enter Registry…',
      )
      .then(async (choice) => {
        if (!choice) return;
        const value = await vscode.window.showInputBox({
          title: 'OCI: Registry to verify against',
          prompt: 'The repository, as host[:port]/name (set ociManifest.verify.registry to keep it)',
          placeHolder: 'registry.example.com/team/app',
          ignoreFocusOut: true,
        });
        if (value?.trim()) {
          sessionRegistry = value.trim();
          rerun(sessionRegistry);
        }
      });
  }

  async function verifyDigests(arg?: unknown): Promise<VerifyDocumentResult | undefined> {
    const target = toUri(arg) ?? vscode.window.activeTextEditor?.document.uri;
    if (!target) {
      say('Open a manifest to verify its digests.');
      return undefined;
    }
    const client = await running();
    if (!client) return undefined;
    const lens = arg && typeof arg === 'object' && 'path' in arg ? (arg as VerifyDigestsArgs) : undefined;
    // The server verifies what the editor holds: make sure the document is open.
    try {
      await vscode.workspace.openTextDocument(target);
    } catch (err) {
      fail(`OCI: cannot open ${target.fsPath}: ${messageOf(err)}`);
      return undefined;
    }
    // A document read from a registry is verified against its own repository.
    const own = parseBlobUri(target.toString());
    const registry = own?.source === 'registry' ? own.locator : registrySetting(target) || sessionRegistry;
    const params: VerifyDocumentParams = { uri: target.toString() };
    if (registry) params.registry = registry;
    const credentials = await credentialsFor(registry);
    if (credentials) params.credentials = credentials;
    if (lens && Array.isArray(lens.path) && lens.path.length > 0) params.paths = [lens.path];
    let result: VerifyDocumentResult;
    try {
      result = await withProgress('OCI: Verifying digests', client, (token, workDoneToken) =>
        client.sendRequest(VerifyDocumentRequest, { ...params, workDoneToken }, token),
      );
    } catch (err) {
      if (isCancellation(err)) say('OCI: Verification cancelled.');
      else fail(`OCI: ${messageOf(err)}`);
      return undefined;
    }
    record(target.toString(), result.results, result.at);
    deps.log.info(
      `Verify Digests ${target.fsPath}: ${result.summary}${result.searched.length ? ` (searched ${result.searched.join(', ')})` : ''}`,
    );
    const text = `OCI: ${result.summary}${result.cancelled ? ' (cancelled)' : ''}`;
    if (
      result.counts.sizeMismatch +
        result.counts.digestMismatch +
        result.counts.missing +
        result.counts.unreadable +
        result.counts.invalid +
        result.counts.unchecked >
      0
    )
      warn(text);
    else say(text);
    if (result.registryMightHelp && !registry) offerRegistry(() => void verifyDigests(arg ?? target));
    return result;
  }

  async function runLayout(folder: vscode.Uri, deep = false): Promise<VerifyLayoutResult | undefined> {
    const client = await running();
    if (!client) return undefined;
    const registry = registrySetting(folder) || sessionRegistry;
    const params: VerifyLayoutParams = { uri: folder.toString(), ...(deep ? { deep: true } : {}) };
    if (registry) params.registry = registry;
    const credentials = await credentialsFor(registry);
    if (credentials) params.credentials = credentials;
    let result: VerifyLayoutResult;
    try {
      const title = deep
        ? 'OCI: Verifying the layout and decompressing its layers'
        : 'OCI: Verifying the layout';
      result = await withProgress(title, client, (token, workDoneToken) =>
        client.sendRequest(VerifyLayoutRequest, { ...params, workDoneToken }, token),
      );
    } catch (err) {
      if (isCancellation(err)) say('OCI: Verification cancelled.');
      else fail(`OCI: ${messageOf(err)}`);
      return undefined;
    }
    for (const f of result.files) record(f.uri, f.results, result.at);
    deps.log.info(
      `Verify Layout${deep ? ' (deep)' : ''} ${vscode.Uri.parse(result.root).fsPath}: ${result.summary}`,
    );
    const bad = result.files.some((f) => f.findings > 0);
    (bad ? warn : say)(`OCI: ${result.summary}${result.cancelled ? ' (cancelled)' : ''}`);
    return result;
  }

  function verifyLayout(arg?: unknown, deep = false): Promise<VerifyLayoutResult | undefined> | undefined {
    const given = toUri(arg);
    if (given) return runLayout(given, deep);
    const near = vscode.window.activeTextEditor?.document.uri;
    pickLayoutOrArchive(
      deep ? 'OCI: Verify Layout (Deep)' : 'OCI: Verify Layout',
      'Verify',
      (picked) => runLayout(picked, deep),
      near?.scheme === 'file' ? vscode.Uri.joinPath(near, '..') : undefined,
    );
    return undefined;
  }

  async function digestOf(file: vscode.Uri): Promise<ComputeDigestResult | undefined> {
    const client = await running();
    if (!client) return undefined;
    try {
      return await client.sendRequest(ComputeDigestRequest, { uri: file.toString() });
    } catch (err) {
      fail(`OCI: ${messageOf(err)}`);
      return undefined;
    }
  }

  /** Starts a file picker without waiting for it; `then` runs with the picked file. */
  function pickFile(title: string, then: (file: vscode.Uri) => unknown): void {
    void vscode.window
      .showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        title,
        openLabel: 'Compute Digest',
      })
      .then((picked) => (picked?.[0] ? then(picked[0]) : undefined));
  }

  async function computeAndCopy(file: vscode.Uri): Promise<ComputeDigestResult | undefined> {
    const d = await digestOf(file);
    if (!d) return undefined;
    const json = JSON.stringify({ mediaType: d.mediaType, digest: d.digest, size: d.size }, null, 2);
    await vscode.env.clipboard.writeText(json);
    deps.log.info(`Descriptor of ${file.fsPath}:\n${json}`);
    say(`OCI: copied the descriptor of ${vscode.workspace.asRelativePath(file)}: ${JSON.stringify(d)}`);
    return d;
  }

  function computeDigest(arg?: unknown): Promise<ComputeDigestResult | undefined> | undefined {
    const given = toUri(arg);
    if (given) return computeAndCopy(given);
    pickFile('OCI: Compute Digest of File', (f) => computeAndCopy(f));
    return undefined;
  }

  async function insertInto(
    editor: vscode.TextEditor,
    file: vscode.Uri,
  ): Promise<ComputeDigestResult | undefined> {
    const d = await digestOf(file);
    if (!d) return undefined;
    const unit =
      editor.options.insertSpaces === false ? '\t' : ' '.repeat(Number(editor.options.tabSize) || 2);
    const at = editor.selection.active;
    const lead = /^\s*/.exec(editor.document.lineAt(at.line).text)![0];
    const text = JSON.stringify(
      { mediaType: d.mediaType, digest: d.digest, size: d.size },
      null,
      unit,
    ).replace(/\n/g, `\n${lead}`);
    const ok = await editor.edit((b) => b.replace(editor.selection, text));
    if (!ok) fail('OCI: the descriptor could not be inserted (the document changed meanwhile).');
    return ok ? d : undefined;
  }

  function insertDescriptor(arg?: unknown): Promise<ComputeDigestResult | undefined> | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      say('Open a manifest and place the cursor where the descriptor should go.');
      return undefined;
    }
    const given = toUri(arg);
    if (given) return insertInto(editor, given);
    pickFile('OCI: Insert Descriptor for File', (f) => insertInto(editor, f));
    return undefined;
  }

  async function copyDocumentDigest(arg?: unknown): Promise<ComputeDigestResult | undefined> {
    const target = toUri(arg) ?? vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== 'file') {
      say('Open a saved file to copy its digest.');
      return undefined;
    }
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    if (open?.isDirty)
      warn(
        'OCI: the document has unsaved changes; the digest is of the bytes saved on disk, which a registry would see.',
      );
    const d = await digestOf(target);
    if (!d) return undefined;
    await vscode.env.clipboard.writeText(d.digest);
    say(`OCI: copied ${d.digest} (${d.size} bytes).`);
    return d;
  }

  async function storeCredentials(host: string, username: string, password: string): Promise<void> {
    const key = SECRET_PREFIX + registryHost(host);
    if (!username) await context.secrets.delete(key);
    else await context.secrets.store(key, JSON.stringify({ username, password }));
  }

  function setRegistryCredentials(arg?: unknown): Promise<boolean> | undefined {
    if (arg && typeof arg === 'object' && 'host' in arg) {
      const a = arg as { host: unknown; username?: unknown; password?: unknown };
      if (typeof a.host !== 'string' || !a.host) return undefined;
      return storeCredentials(a.host, String(a.username ?? ''), String(a.password ?? '')).then(() => true);
    }
    const suggested = registryHost(registrySetting() || sessionRegistry || '');
    void (async () => {
      const host = await vscode.window.showInputBox({
        title: 'OCI: Registry credentials (1/3)',
        prompt: 'Registry host, e.g. registry.example.com or localhost:5000',
        value: suggested,
        ignoreFocusOut: true,
      });
      if (!host?.trim()) return;
      const username = await vscode.window.showInputBox({
        title: 'OCI: Registry credentials (2/3)',
        prompt: `User name for ${host.trim()} (leave empty to forget the stored credentials)`,
        ignoreFocusOut: true,
      });
      if (username === undefined) return;
      let password = '';
      if (username) {
        const p = await vscode.window.showInputBox({
          title: 'OCI: Registry credentials (3/3)',
          prompt: `Password or token for ${username} at ${host.trim()}`,
          password: true,
          ignoreFocusOut: true,
        });
        if (p === undefined) return;
        password = p;
      }
      await storeCredentials(host.trim(), username, password);
      say(
        username
          ? `OCI: credentials for ${host.trim()} are stored.`
          : `OCI: credentials for ${host.trim()} are forgotten.`,
      );
    })();
    return undefined;
  }

  context.subscriptions.push(
    verifyStore,
    registerCommand('verifyDigests', verifyDigests),
    registerCommand('verifyLayout', (arg) => verifyLayout(arg)),
    registerCommand('verifyLayoutDeep', (arg) => verifyLayout(arg, true)),
    registerCommand('computeDigest', computeDigest),
    registerCommand('insertDescriptor', insertDescriptor),
    registerCommand('copyDocumentDigest', copyDocumentDigest),
    registerCommand('setRegistryCredentials', setRegistryCredentials),
  );
}
