/**
 * *Push Manifest to Registry…* (issue 16). The language server checks and pushes (`ociManifest/pushManifest`, the
 * CLI's `oci-manifest push`); this side asks for the reference (recent ones offered first) and the tags, shows the
 * digest the push will make with the result of the checks, asks before writing (with a warning and *Push Anyway*
 * when the document has error-level findings), and then shows the digest pushed. Credentials are those of
 * *OCI: Set Registry Credentials…* (SecretStorage), passed with the request, else the server reads the Docker config.
 *
 * A saved file is pushed as its bytes on disk (what its digest covers): a file with unsaved changes is saved first,
 * when the user agrees. Called with arguments (`uri, { reference, tags, force, mountFrom }`, as the e2e tests do),
 * the command asks nothing and returns the server's answer: a push refused by the checks comes back with
 * `pushed: false` and its reasons.
 */
import * as vscode from 'vscode';
import {
  PushManifestRequest,
  type PushManifestParams,
  type PushManifestResult,
} from '../../server/src/protocol';
import { registerCommand } from './commands';
import {
  fail,
  isCancellation,
  messageOf,
  pickOrType,
  RecentValues,
  runningClient,
  say,
  toUri,
  type CommandDeps,
} from './ui';
import { storedCredentials } from './verify';

/** What a caller passes to push without being asked. */
export interface PushArgs {
  reference: string;
  tags?: string[];
  force?: boolean;
  mountFrom?: string[];
}

const RECENT_KEY = 'ociManifest.push.recentReferences';
const MAX_RECENT = 10;

const isPushArgs = (v: unknown): v is PushArgs =>
  typeof v === 'object' && v !== null && typeof (v as PushArgs).reference === 'string';

/** Tags as typed: separated by commas or white space. */
const splitTags = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

export function registerPush(context: vscode.ExtensionContext, deps: CommandDeps): void {
  const recent = new RecentValues(context.globalState, RECENT_KEY, MAX_RECENT);

  /** Asks for the reference: a quick pick of the recent ones that also takes what is typed. */
  const askReference = (): Promise<string | undefined> =>
    pickOrType(recent, {
      title: 'OCI: Push Manifest to Registry (1/2)',
      placeholder: 'HOST[:PORT]/REPOSITORY[:TAG], e.g. registry.example.com/team/app:1.0',
      ignoreFocusOut: true,
    });

  async function send(params: PushManifestParams, title: string): Promise<PushManifestResult | undefined> {
    const client = await runningClient(deps);
    if (!client) return undefined;
    const host = params.reference.replace(/^docker:\/\//i, '').split('/')[0];
    const credentials = await storedCredentials(context.secrets, host);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        (_progress, token) =>
          client.sendRequest(
            PushManifestRequest,
            { ...params, ...(credentials ? { credentials } : {}) },
            token,
          ),
      );
    } catch (err) {
      if (isCancellation(err)) say('OCI: Push cancelled.');
      else fail(`OCI: ${messageOf(err)}`);
      return undefined;
    }
  }

  /** Says what was pushed, with the digest to copy. */
  function report(result: PushManifestResult): void {
    const where = `${result.repository}${result.tags.length ? `:${result.tags.join(', :')}` : ''}`;
    deps.log.info(
      `Push ${result.digest} (${result.size} bytes, ${result.mediaType}) to ${where}: ${result.pushed ? 'pushed' : 'refused'}\n  ${[result.checks, ...result.findings, ...result.refusals, ...result.result].filter(Boolean).join('\n  ')}`,
    );
    if (!result.pushed) {
      fail(`OCI: not pushed (nothing was written): ${result.refusals.join(' ')}`);
      return;
    }
    void vscode.window
      .showInformationMessage(
        `OCI: pushed ${result.digest} to ${where}. ${result.result.join(' ')}`,
        'Copy Digest',
      )
      .then((choice) => (choice ? vscode.env.clipboard.writeText(result.digest) : undefined));
  }

  /** Makes sure a file's bytes on disk are what the editor shows; false when the user would not save. */
  async function saved(uri: vscode.Uri, ask: boolean): Promise<boolean> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc?.isDirty || uri.scheme !== 'file') return true;
    if (!ask) {
      fail('OCI: the document has unsaved changes; save it first (the registry receives the bytes on disk).');
      return false;
    }
    const choice = await vscode.window.showWarningMessage(
      'The document has unsaved changes. The registry receives the bytes on disk: save them first?',
      { modal: true },
      'Save and Continue',
    );
    return choice !== undefined && (await doc.save());
  }

  async function push(arg?: unknown, given?: unknown): Promise<PushManifestResult | undefined> {
    const target = toUri(arg) ?? vscode.window.activeTextEditor?.document.uri;
    if (!target) {
      say('Open a manifest or an index to push it to a registry.');
      return undefined;
    }
    if (isPushArgs(given)) {
      if (!(await saved(target, false))) return undefined;
      const result = await send(
        {
          uri: target.toString(),
          reference: given.reference,
          ...(given.tags ? { tags: given.tags } : {}),
          ...(given.force ? { force: true } : {}),
          ...(given.mountFrom ? { mountFrom: given.mountFrom } : {}),
        },
        'OCI: Pushing',
      );
      if (result) {
        report(result);
        if (result.pushed) await recent.remember(given.reference);
      }
      return result;
    }
    // Interactive: nothing waits on the prompts (the command returns at once).
    void (async () => {
      if (!(await saved(target, true))) return;
      const reference = await askReference();
      if (!reference) return;
      const tagText = await vscode.window.showInputBox({
        title: 'OCI: Push Manifest to Registry (2/2)',
        prompt: `More tags for ${reference}, separated by commas (empty for none; without any tag it is pushed by digest only)`,
        ignoreFocusOut: true,
      });
      if (tagText === undefined) return;
      const params: PushManifestParams = { uri: target.toString(), reference, tags: splitTags(tagText) };
      let check = await send({ ...params, dryRun: true }, 'OCI: Checking the push');
      if (!check) return;
      // Blobs the repository lacks may be in another repository of the same registry: offer to mount them.
      const unmountable = (r: PushManifestResult): boolean =>
        r.missing.some((m) => !m.manifest && m.mountableFrom === undefined);
      if (unmountable(check)) {
        const n = check.missing.filter((m) => !m.manifest).length;
        const choice = await vscode.window.showWarningMessage(
          `${check.repository} lacks ${n} ${n === 1 ? 'blob' : 'blobs'} the document names (${check.missing.map((m) => m.path).join(', ')}). Mount them from another repository of the same registry?`,
          { modal: true, detail: check.refusals.join(' ') },
          'Mount from…',
        );
        if (!choice) return;
        const from = await vscode.window.showInputBox({
          title: 'OCI: Mount the missing blobs from',
          prompt: `A repository of ${check.repository.split('/')[0]} that holds them, e.g. team/base`,
          ignoreFocusOut: true,
        });
        if (!from?.trim()) return;
        params.mountFrom = [from.trim()];
        check = await send({ ...params, dryRun: true }, 'OCI: Checking the push');
        if (!check) return;
      }
      const where = `${check.repository}${check.tags.length ? `:${check.tags.join(', :')}` : ' (by digest, no tag)'}`;
      let force = false;
      if (check.refusals.length && !check.forceWouldHelp) {
        report(check);
        return;
      }
      if (check.forceWouldHelp) {
        const choice = await vscode.window.showWarningMessage(
          `${check.digest} (${check.size} bytes) has ${check.errors} error-level ${check.errors === 1 ? 'finding' : 'findings'}: ${check.findings[0] ?? ''}. Registries and runtimes may reject it or read it differently. Push it to ${where} anyway?`,
          { modal: true, detail: check.checks },
          'Push Anyway',
        );
        if (!choice) return;
        force = true;
      } else {
        const choice = await vscode.window.showInformationMessage(
          `Push ${check.digest} (${check.size} bytes, ${check.mediaType}) to ${where}?`,
          { modal: true, detail: `Checked: ${check.checks}.` },
          'Push',
        );
        if (!choice) return;
      }
      const result = await send({ ...params, ...(force ? { force } : {}) }, 'OCI: Pushing');
      if (!result) return;
      report(result);
      if (result.pushed) await recent.remember(reference);
    })();
    return undefined;
  }

  context.subscriptions.push(registerCommand('pushManifest', push));
}
