/**
 * The cross-document rules (core/checks/crossDocument.ts) for an open index or manifest that sits in an OCI image
 * layout or an image archive (a file inside a layout folder, or an `oci-blob:` document read from an archive):
 * the documents and blobs it names are read from that content source in the background, never while the user
 * types, and the findings join the document's diagnostics through the one publisher (a diagnostics provider,
 * then a refresh).
 *
 * While a newer version is being checked, each finding of the last check stays where it was as long as the entry
 * or member holding it is unchanged (it moves with the text around it); a finding whose entry was edited goes
 * at once. What was read is kept per source and digest (blobs are content-addressed), so typing in an index
 * re-reads nothing. Bounds: 256 documents of at most 4 MiB and 1,024 layer heads per check, 8 reads at a time.
 */
import type { Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { resolve, resolveSeverity, type Analysis, type Finding } from '../../core';
import { checkAcross, type KnownBlob } from '../../core/checks/crossDocument';
import { documentFromText, readSourceText } from '../../core/content/document';
import { readAll, type ContentSource } from '../../core/content/source';
import { validateDigest } from '../../core/digest';
import type { Path } from '../../core/findings';
import type { DocumentKind } from '../../core/kinds';
import { sniffCompression, SNIFF_BYTES } from '../../core/layer/compression';
import { descriptorsOf, isObject, type DescriptorRef } from '../../core/model';
import { toDiagnostic } from '../convert';
import { formatError } from '../runner';
import type { Feature } from './feature';
import { layoutRootOf } from './layoutSupport';

const MAX_DOCUMENTS = 256;
const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
const MAX_LAYERS = 1024;
const CONCURRENCY = 8;
/** Blobs remembered across checks (per source and digest). */
const MAX_REMEMBERED = 4096;

const KINDS: ReadonlySet<DocumentKind> = new Set([
  'image-index',
  'docker-manifest-list',
  'image-manifest',
  'docker-manifest',
]);

/** A finding of the last check, tied to the member of the document that holds it. */
interface Anchored {
  finding: Finding;
  /** The top-level member (or index entry) holding the finding, and its text when checked. */
  anchor: Path;
  anchorText: string;
  /** The finding's offset from the anchor's start. */
  delta: number;
}

interface State {
  /** The text last checked (or being checked), and its findings once known. */
  text?: string;
  findings: Anchored[];
  running?: AbortController;
  /** A newer text arrived while a check ran: check again when it ends. */
  again?: boolean;
}

/** The member that holds an offset: `manifests[i]`, `layers[i]`, `config`… */
function anchorOf(analysis: Analysis, offset: number): Path {
  const at = analysis.json.pathAt(offset)?.path ?? [];
  return typeof at[1] === 'number' ? at.slice(0, 2) : at.slice(0, 1);
}

/** Runs `fn` over `items`, at most `width` at a time. */
async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

export const crossDocumentFeature: Feature = {
  id: 'crossDocument',
  register(ctx) {
    const states = new Map<string, State>();
    /** What was read, by `root|digest`. */
    const remembered = new Map<string, KnownBlob>();

    const remember = (key: string, k: KnownBlob): KnownBlob => {
      if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
      remembered.set(key, k);
      return k;
    };

    /** A document blob (a manifest, an index, a config) read as JSON. */
    async function readDocument(
      root: string,
      source: ContentSource,
      digest: string,
      signal: AbortSignal,
    ): Promise<KnownBlob> {
      const key = `${root}|${digest}`;
      const hit = remembered.get(key);
      if (hit) return hit;
      const read = await readSourceText(source, { digest }, { signal, maxBytes: MAX_DOCUMENT_BYTES });
      if ('problem' in read) return {};
      const doc = documentFromText(read.text, 'any');
      if (doc.problem || doc.value === undefined) return {};
      return remember(key, { value: doc.value, ...(doc.kind ? { kind: doc.kind } : {}) });
    }

    /** A layer's compression, from its first bytes. */
    async function readHead(
      root: string,
      source: ContentSource,
      digest: string,
      signal: AbortSignal,
    ): Promise<KnownBlob> {
      const key = `${root}|${digest}|head`;
      const hit = remembered.get(key);
      if (hit) return hit;
      try {
        const content = await source.open(
          { digest, manifest: false, role: 'layer' },
          { signal, maxBytes: SNIFF_BYTES },
        );
        const head = content ? await readAll(content.chunks, SNIFF_BYTES) : undefined;
        if (!head) return {};
        const s = sniffCompression(head);
        return remember(key, {
          compression: s.compression,
          ...(s.detail !== undefined ? { compressionDetail: s.detail } : {}),
        });
      } catch {
        return {};
      }
    }

    /** Reads what the document names (and what those name, one level) and runs the checks. */
    async function check(
      uri: string,
      analysis: Analysis,
      kind: DocumentKind,
      signal: AbortSignal,
    ): Promise<Finding[] | undefined> {
      const root = await layoutRootOf(ctx, uri);
      const layouts = ctx.runtime.layouts;
      if (!root || !layouts) return [];
      const source = await layouts.source(root);
      const settings = await ctx.settingsOf(uri);
      const known = new Map<string, KnownBlob>();
      const refs = descriptorsOf(kind, analysis.json.value);
      const valid = (r: DescriptorRef): string | undefined => {
        const d = r.value.digest;
        return typeof d === 'string' && validateDigest(d).ok ? d : undefined;
      };
      const documents = new Set<string>();
      const heads = new Set<string>();
      for (const r of refs) {
        const d = valid(r);
        if (!d) continue;
        if (r.role === 'layer') heads.add(d);
        else documents.add(d);
      }
      const readAllDocuments = async (list: string[]): Promise<void> =>
        pool(list.slice(0, MAX_DOCUMENTS), CONCURRENCY, async (d) => {
          if (signal.aborted || known.has(d)) return;
          known.set(d, await readDocument(root, source, d, signal));
        });
      await readAllDocuments([...documents]);
      // The configs of the manifests an index names.
      const configs: string[] = [];
      for (const d of documents) {
        const v = known.get(d)?.value;
        const c = isObject(v) && isObject(v.config) ? v.config.digest : undefined;
        if (typeof c === 'string' && validateDigest(c).ok && !known.has(c)) configs.push(c);
      }
      await readAllDocuments(configs);
      await pool([...heads].slice(0, MAX_LAYERS), CONCURRENCY, async (d) => {
        if (signal.aborted) return;
        known.set(d, await readHead(root, source, d, signal));
      });
      if (signal.aborted) return undefined;
      const findings: Finding[] = [];
      checkAcross({
        kind,
        root: analysis.json.value,
        descriptors: refs,
        known: (d) => known.get(d),
        report: (rule, at, message, data) => {
          const severity = resolveSeverity(rule.code, settings['diagnostics.severity']);
          if (severity === 'off') return;
          const span = resolve(analysis.json, at);
          findings.push({ code: rule.code, severity, message, ...span, ...(data ? { data } : {}) });
        },
      });
      return findings;
    }

    function start(doc: TextDocument, analysis: Analysis, kind: DocumentKind, st: State): void {
      const uri = doc.uri;
      const controller = new AbortController();
      st.running = controller;
      st.text = analysis.json.text;
      void check(uri, analysis, kind, controller.signal)
        .then((findings) => {
          if (findings === undefined || states.get(uri) !== st) return;
          const before = JSON.stringify(st.findings.map((a) => a.finding));
          st.findings = findings.map((f) => {
            const anchor = anchorOf(analysis, f.offset);
            const span = analysis.json.locate(anchor) ?? { offset: 0, length: analysis.json.text.length };
            return {
              finding: f,
              anchor,
              anchorText: analysis.json.text.slice(span.offset, span.offset + span.length),
              delta: f.offset - span.offset,
            };
          });
          // Publish again only when there is something new to show (or to take away).
          if (JSON.stringify(findings) !== before) ctx.refreshDiagnostics(uri);
        })
        .catch((err: unknown) =>
          ctx.connection.console.error(
            formatError(`oci-manifest: cross-document checks of ${uri} failed`, err),
          ),
        )
        .finally(() => {
          if (st.running === controller) st.running = undefined;
          if (!st.again || states.get(uri) !== st) return;
          st.again = false;
          // Check the newest version now.
          void ctx.analysisOf(uri).then((found) => {
            const k = found?.analysis.detection?.kind;
            if (found && k && KINDS.has(k) && states.get(uri) === st && !st.running)
              start(found.doc, found.analysis, k, st);
          });
        });
    }

    /** The last check's findings that still stand in this version of the document. */
    function shown(doc: TextDocument, analysis: Analysis, st: State): Diagnostic[] {
      const out: Diagnostic[] = [];
      const text = analysis.json.text;
      for (const a of st.findings) {
        const span = analysis.json.locate(a.anchor);
        if (!span || text.slice(span.offset, span.offset + span.length) !== a.anchorText) continue;
        out.push(toDiagnostic(doc, { ...a.finding, offset: span.offset + a.delta }));
      }
      return out;
    }

    ctx.addDiagnosticsProvider((doc, analysis) => {
      const kind = analysis.detection?.kind;
      if (!kind || !KINDS.has(kind) || !ctx.runtime.layouts) return [];
      if (!doc.uri.startsWith('file:') && !doc.uri.startsWith('oci-blob:')) return [];
      let st = states.get(doc.uri);
      if (!st) states.set(doc.uri, (st = { findings: [] }));
      if (st.text !== analysis.json.text) {
        if (st.running) {
          st.again = true;
          if (st.text !== undefined) st.running.abort();
        } else start(doc, analysis, kind, st);
      }
      return shown(doc, analysis, st);
    });

    ctx.documents.onDidClose((e) => {
      const st = states.get(e.document.uri);
      st?.running?.abort();
      states.delete(e.document.uri);
    });
  },
};
