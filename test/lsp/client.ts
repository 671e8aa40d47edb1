/**
 * A small LSP test client: spawns the built `dist/server.js --stdio`, speaks JSON-RPC to it, answers
 * `workspace/configuration` from a settings object the test controls, and records what the server sends
 * (diagnostics per URI, kind notifications, log messages) so tests can wait for them with timeouts.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionRequest,
  CompletionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentDiagnosticRequest,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  DiagnosticRefreshRequest,
  type ClientCapabilities,
  type CodeAction,
  type CodeActionContext,
  type Command,
  type CompletionItem,
  type CompletionList,
  type Range,
  type DocumentDiagnosticReport,
  type Hover,
  type InitializeResult,
  type LogMessageParams,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { DocumentKindNotification, type DocumentKindParams } from '../../server/src/protocol';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST_SERVER = join(ROOT, 'dist', 'server.js');

/** What the server bundle is built from (the core imports the JSON Schemas). */
const SOURCES = [join(ROOT, 'server', 'src'), join(ROOT, 'schemas')];

function newestSource(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    // A file may vanish between the listing and the stat (other processes edit the tree).
    newest = Math.max(
      newest,
      e.isDirectory() ? newestSource(p) : (statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? 0),
    );
  }
  return newest;
}

/**
 * The server to test: `$OCI_MANIFEST_SERVER`, else `dist/server.js`, rebuilt first (with the server options of
 * esbuild.mjs) when it is missing or older than its sources, so `node --test test/lsp/...` after an edit does
 * not test a stale bundle. The build goes to a temporary folder and is renamed into place, so test files
 * running in parallel do not collide.
 */
export async function serverPath(): Promise<string> {
  if (process.env.OCI_MANIFEST_SERVER) return process.env.OCI_MANIFEST_SERVER;
  if (existsSync(DIST_SERVER) && statSync(DIST_SERVER).mtimeMs >= Math.max(...SOURCES.map(newestSource)))
    return DIST_SERVER;
  const esbuild = await import('esbuild');
  const out = mkdtempSync(join(tmpdir(), 'oci-manifest-server-'));
  try {
    await esbuild.build({
      entryPoints: [join(ROOT, 'server', 'src', 'node', 'main.ts')],
      outfile: join(out, 'server.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      logLevel: 'error',
      legalComments: 'none',
      // As in esbuild.mjs: jsonc-parser's UMD "main" cannot be bundled, its ESM build can.
      mainFields: ['module', 'main'],
    });
    renameSync(join(out, 'server.js.map'), `${DIST_SERVER}.map`);
    renameSync(join(out, 'server.js'), DIST_SERVER);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return DIST_SERVER;
}

export interface StartOptions {
  /** Advertise `workspace.configuration` (default true). */
  configuration?: boolean;
  /** Advertise pull diagnostics, `textDocument.diagnostic` (default false). */
  pull?: boolean;
  /** Advertise `workspace.diagnostics.refreshSupport` (default: same as `pull`). */
  refreshSupport?: boolean;
  initializationOptions?: unknown;
  /** The `ociManifest` section answered to `workspace/configuration`; tests may replace it later. */
  settings?: Record<string, unknown>;
  /** The section answered to items without a `scopeUri` (the user's own settings); default: `settings`. */
  userSettings?: Record<string, unknown>;
  /** Extra client capabilities (merged over the defaults), e.g. completion snippets or code-action literals. */
  capabilities?: ClientCapabilities;
  /** The workspace folders sent in `initialize` (`file:` URIs; default none). */
  workspaceFolders?: string[];
}

interface Waiter {
  check: () => boolean;
}

/** A `file:` URI for a made-up path (the files need not exist). */
export const fileUri = (name: string): string => `file:///oci-manifest-test/${name}`;

export class LspClient {
  /** The settings answered to `workspace/configuration` for the `ociManifest` section. */
  settings: Record<string, unknown>;
  /** Answered instead of `settings` to items without a `scopeUri`, when set. */
  userSettings: Record<string, unknown> | undefined;
  readonly publishes = new Map<string, PublishDiagnosticsParams[]>();
  readonly kinds: DocumentKindParams[] = [];
  readonly logs: LogMessageParams[] = [];
  configurationRequests = 0;
  refreshRequests = 0;
  stderr = '';
  initializeResult!: InitializeResult;
  private readonly waiters = new Set<Waiter>();
  private readonly versions = new Map<string, number>();
  private exited = false;

  private constructor(
    readonly process: ChildProcessWithoutNullStreams,
    readonly connection: ProtocolConnection,
    options: StartOptions,
  ) {
    this.settings = options.settings ?? {};
    this.userSettings = options.userSettings;
  }

  /** Spawns the server and completes `initialize` / `initialized`. */
  static async start(options: StartOptions = {}): Promise<LspClient> {
    const child = spawn(process.execPath, [await serverPath(), '--stdio'], { stdio: 'pipe' });
    const connection = createProtocolConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const client = new LspClient(child, connection, options);
    child.stderr.on('data', (chunk: Buffer) => (client.stderr += chunk.toString()));
    child.on('exit', () => {
      client.exited = true;
      client.poke();
    });
    connection.onRequest(ConfigurationRequest.type, (params) => {
      client.configurationRequests++;
      return params.items.map((item) =>
        item.section !== 'ociManifest'
          ? null
          : item.scopeUri === undefined && client.userSettings
            ? client.userSettings
            : client.settings,
      );
    });
    connection.onRequest(RegistrationRequest.type, () => undefined);
    connection.onRequest(DiagnosticRefreshRequest.type, () => {
      client.refreshRequests++;
      client.poke();
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const list = client.publishes.get(p.uri) ?? [];
      list.push(p);
      client.publishes.set(p.uri, list);
      client.poke();
    });
    connection.onNotification(DocumentKindNotification, (p) => {
      client.kinds.push(p);
      client.poke();
    });
    connection.onNotification(LogMessageNotification.type, (p) => {
      client.logs.push(p);
      client.poke();
    });
    connection.listen();

    const pull = options.pull ?? false;
    const extra = options.capabilities ?? {};
    const capabilities: ClientCapabilities = {
      ...extra,
      workspace: {
        configuration: options.configuration ?? true,
        didChangeConfiguration: { dynamicRegistration: false },
        ...((options.refreshSupport ?? pull) ? { diagnostics: { refreshSupport: true } } : {}),
        ...extra.workspace,
      },
      textDocument: {
        ...extra.textDocument,
        synchronization: { dynamicRegistration: false },
        publishDiagnostics: {
          relatedInformation: true,
          versionSupport: true,
          codeDescriptionSupport: true,
          dataSupport: true,
        },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        ...(pull ? { diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false } } : {}),
      },
    };
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities,
      initializationOptions: options.initializationOptions,
      workspaceFolders: options.workspaceFolders?.map((uri, i) => ({ uri, name: `folder${i}` })) ?? null,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  // ---- documents ---------------------------------------------------------------------------------------

  async open(uri: string, text: string, languageId = 'json'): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId, version: 1, text },
    });
  }

  /** Replaces the whole text; returns the new version. */
  async change(uri: string, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
    return version;
  }

  async close(uri: string): Promise<void> {
    this.versions.delete(uri);
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** Replaces the settings and tells the server they changed (the pull model: the payload is empty). */
  async configure(settings: Record<string, unknown>, payload: unknown = null): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: payload });
  }

  pull(uri: string, previousResultId?: string): Promise<DocumentDiagnosticReport> {
    const params = { textDocument: { uri }, ...(previousResultId ? { previousResultId } : {}) };
    return this.answer(
      'textDocument/diagnostic',
      this.connection.sendRequest(DocumentDiagnosticRequest.type, params),
    );
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    const params = { textDocument: { uri }, position: { line, character } };
    return this.answer('textDocument/hover', this.connection.sendRequest(HoverRequest.type, params));
  }

  completion(
    uri: string,
    line: number,
    character: number,
  ): Promise<CompletionList | CompletionItem[] | null> {
    const params = { textDocument: { uri }, position: { line, character } };
    return this.answer(
      'textDocument/completion',
      this.connection.sendRequest(CompletionRequest.type, params),
    );
  }

  codeActions(
    uri: string,
    range: Range,
    context: CodeActionContext = { diagnostics: [] },
  ): Promise<(Command | CodeAction)[] | null> {
    const params = { textDocument: { uri }, range, context };
    return this.answer(
      'textDocument/codeAction',
      this.connection.sendRequest(CodeActionRequest.type, params),
    );
  }

  /** A request's answer, or a rejection when a busy or hung server does not answer in time. */
  private answer<T>(what: string, request: Promise<T>, timeoutMs = 10_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`No answer to ${what} within ${timeoutMs} ms.`)), timeoutMs);
    });
    return Promise.race([request, late]).finally(() => clearTimeout(timer));
  }

  // ---- what the server sent ----------------------------------------------------------------------------

  /** How many diagnostics lists were published for `uri` so far: pass it to `waitForPublish` as `after`. */
  mark(uri: string): number {
    return this.publishes.get(uri)?.length ?? 0;
  }

  /** The first diagnostics list published for `uri` after the first `after` ones that satisfies `accept`. */
  waitForPublish(
    uri: string,
    after: number,
    accept: (p: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<PublishDiagnosticsParams> {
    return this.waitFor(`diagnostics for ${uri}`, timeoutMs, () =>
      (this.publishes.get(uri) ?? []).slice(after).find(accept),
    );
  }

  /** The first kind notification for `uri` after the first `after` notifications (of any URI). */
  waitForKind(uri: string, after: number, timeoutMs = 5000): Promise<DocumentKindParams> {
    return this.waitFor(`kind of ${uri}`, timeoutMs, () =>
      this.kinds.slice(after).find((k) => k.uri === uri),
    );
  }

  /** Resolves with `probe()`'s first defined value, re-probing on every message from the server. */
  waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          if (this.exited) {
            finish();
            reject(new Error(`The server exited while waiting for ${what}.\nstderr: ${this.stderr}`));
            return true;
          }
          const v = probe();
          if (v === undefined) return false;
          finish();
          resolve(v);
          return true;
        },
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${what}. Logs: ${JSON.stringify(this.logs.map((l) => l.message))}`,
          ),
        );
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  /** Sleeps, for asserting that something does NOT happen within a short while. */
  static sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /** Error-level messages the server logged (an exception caught by a handler, for instance). */
  errorLogs(): string[] {
    return this.logs.filter((l) => l.type === 1).map((l) => l.message);
  }

  private poke(): void {
    for (const w of [...this.waiters]) w.check();
  }

  /** shutdown + exit, then waits for the process to end (killing it if it lingers, e.g. stuck in a long analysis). */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => (this.exited ? r() : this.process.once('exit', () => r())));
    const kill = setTimeout(() => this.process.kill('SIGKILL'), 4000);
    let late: NodeJS.Timeout | undefined;
    try {
      const slow = new Promise<void>((r) => (late = setTimeout(r, 2000)));
      await Promise.race([this.connection.sendRequest(ShutdownRequest.type), slow]);
      // Not awaited: a server that does not read its input leaves the write pending forever.
      this.connection.sendNotification(ExitNotification.type).catch(() => undefined);
    } catch {
      // The server is gone already.
    }
    clearTimeout(late);
    await gone;
    clearTimeout(kill);
    this.connection.dispose();
  }
}
