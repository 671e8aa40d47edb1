/**
 * THE walk over an image graph: from a root document (a layout's `index.json`, or any manifest or index being
 * verified) through nested indexes to each manifest's config and layers, with referrers (manifests whose
 * `subject` names a node) attached to their subject and missing, unreadable or invalid blobs marked. Used by
 * the OCI Layouts view (`buildLayoutGraph`, reading documents and looking for the other blobs), by verification
 * (core/verify/layout.ts, reading and hashing every blob once through the verifier) and, through the view's
 * graph, by workspace diagnostics and navigation.
 *
 * Pure: blobs come through a {@link WalkReader}, built over a {@link ContentSource} ({@link sourceReader}) or
 * over the verification engine. Everything here is bounded (depth, documents read, nodes, edges, bytes) and
 * linear in what it reads: a FIFO of jobs per level, no recursion, no spread of an input-sized array.
 */
import type {
  LayoutBlobNode,
  LayoutEdge,
  LayoutEdgeRole,
  LayoutGraph,
  LayoutIndexNode,
  LayoutNodeStatus,
} from '../../protocol';
import { mediaTypeInfo, isManifestOrIndexType } from '../catalog/mediaTypes';
import { documentFromBytes, type ContentDocument } from '../content/document';
import { BlobSourceError, readAll, type ContentSource } from '../content/source';
import { blobPath, validateDigest } from '../digest';
import { formatPath, type Path } from '../findings';
import { detectKind } from '../detect';
import { parseJson } from '../json/document';
import { KIND_LABELS } from '../kinds';
import { descriptorsOf, isIndexKind, isObject, type DescriptorRef, type DescriptorRole } from '../model';
import { humanSize, platformText, refNameOf, shortDigest, shortMediaType } from './format';

export type {
  LayoutBlobNode,
  LayoutEdge,
  LayoutGraph,
  LayoutIndexNode,
  LayoutNodeStatus,
} from '../../protocol';

/** What the walk learned about one blob it reached. */
export interface BlobVisit {
  status: LayoutNodeStatus;
  /** A sentence saying what is wrong, when `status` is not `ok`. */
  problem?: string;
  /** For a blob read as a document: the document, which the walk enters when it has no `problem`. */
  document?: ContentDocument;
}

/**
 * How the walk gets at the blobs it reaches. `document` is true when a descriptor names the blob as a manifest
 * or an index (the walk reads it and goes on into it); otherwise the reader only has to say whether it is
 * there (and may read it, e.g. to verify it). Never throws: every problem is a status.
 */
export interface WalkReader {
  visit(ref: DescriptorRef, document: boolean): Promise<BlobVisit>;
}

/** The root document of a walk, as the front end read it. */
export interface LayoutIndexInput {
  /** The text of `index.json`; undefined when it could not be read. */
  text?: string;
  /** The root already read as a document (a streamed `index.json`, a manifest being verified). */
  document?: ContentDocument;
  /** Why there is no text: `missing` or a sentence fragment for an unreadable file. */
  problem?: 'missing' | string;
  /** `imageLayoutVersion` from `oci-layout`, when known. */
  layoutVersion?: string;
  /** The root may be any document with descriptors, not only an index (verification of one document). */
  anyKind?: boolean;
}

export interface LayoutGraphOptions {
  /** Goes to `LayoutGraph.root` (the front end's name for the layout folder, e.g. its URI). */
  root?: string;
  /** Nested indexes are followed this many levels below `index.json` (default 16). */
  maxDepth?: number;
  /** At most this many manifests and indexes are read (default 2000). */
  maxDocuments?: number;
  /** At most this many blobs in the graph (default 20,000). */
  maxNodes?: number;
  /** At most this many descriptors in the graph (default 100,000). */
  maxEdges?: number;
  /** A manifest or index larger than this is not read (default 4 MiB, what registries accept). */
  maxDocumentBytes?: number;
  /** Stop reading documents after this many bytes in all (default 64 MiB). */
  maxTotalBytes?: number;
  /** Reads in flight at once (default 8). */
  concurrency?: number;
  /** Checked between reads; when it turns true the walk stops and the graph is marked truncated. */
  cancelled?: () => boolean;
  /** Keep every document entered (by digest) in the result, for front ends that lint or verify them. */
  keepDocuments?: boolean;
  /**
   * Only what the walk itself needs: edges without labels and descriptions, no referrer or cycle marks. For
   * verification, which reports per descriptor and never shows the graph (200,000 layers cost half as much).
   */
  lean?: boolean;
  /** Go on into the documents reached (default true); false reads them (to know what they are) and stops there. */
  descend?: boolean;
  /**
   * Blobs of the source that may be referrers `index.json` does not reach ({@link looseCandidates}): each is read
   * as a document, and one whose `subject` names a node of the graph is added (marked `unreferenced`) and shown
   * under its subject. Not with `lean`.
   */
  loose?: (inGraph: (digest: string) => boolean) => AsyncIterable<{ digest: string; size: number }>;
}

/** What a walk found: the graph, the root document and (when asked) every document entered. */
export interface LayoutWalk {
  graph: LayoutGraph;
  /** The root document as read (undefined when there is none). */
  root?: ContentDocument;
  /** The manifests and indexes entered, by digest, in the order they were reached (with `keepDocuments`). */
  documents: Map<string, ContentDocument>;
}

const DEFAULTS = {
  maxDepth: 16,
  maxDocuments: 2000,
  maxNodes: 20_000,
  maxEdges: 100_000,
  maxDocumentBytes: 4 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  concurrency: 8,
};

/** The edge role of each place a descriptor can sit (a descriptor document describes a plain blob). */
export const EDGE_ROLE: Readonly<Record<DescriptorRole, LayoutEdgeRole>> = {
  config: 'config',
  layer: 'layer',
  manifest: 'manifest',
  subject: 'subject',
  blob: 'blob',
  self: 'blob',
};

/** Builds one edge from a descriptor; `problem` when it cannot be followed. */
export function layoutEdge(
  role: LayoutEdgeRole,
  path: Path,
  descriptor: Record<string, unknown>,
): LayoutEdge {
  const digest = typeof descriptor.digest === 'string' ? descriptor.digest : undefined;
  const mediaType = typeof descriptor.mediaType === 'string' ? descriptor.mediaType : undefined;
  const size =
    typeof descriptor.size === 'number' && Number.isFinite(descriptor.size) ? descriptor.size : undefined;
  const artifactType = typeof descriptor.artifactType === 'string' ? descriptor.artifactType : undefined;
  const refName = refNameOf(descriptor);
  const platform = platformText(descriptor.platform);
  const typeText = shortMediaType(mediaType);
  const sizeText = humanSize(size);
  const short = digest !== undefined ? shortDigest(digest) : undefined;
  const label = refName ?? platform ?? shortMediaType(artifactType) ?? typeText ?? role;
  const description = [
    platform !== label ? platform : undefined,
    artifactType && shortMediaType(artifactType) !== label ? shortMediaType(artifactType) : undefined,
    typeText !== label ? typeText : undefined,
    sizeText,
    short,
  ]
    .filter(Boolean)
    .join(' · ');
  const edge: LayoutEdge = { role, path: [...path], label, description, descriptor };
  if (digest !== undefined) edge.digest = digest;
  if (mediaType !== undefined) edge.mediaType = mediaType;
  if (size !== undefined) edge.size = size;
  if (artifactType !== undefined) edge.artifactType = artifactType;
  if (refName !== undefined) edge.refName = refName;
  if (platform !== undefined) edge.platform = platform;
  if (sizeText !== undefined) edge.sizeText = sizeText;
  if (short !== undefined) edge.shortDigest = short;
  if (digest === undefined) {
    edge.problem = `${formatPath(path) || 'The descriptor'} has no digest, so it names no blob.`;
  } else {
    const verdict = validateDigest(digest);
    if (!verdict.ok) edge.problem = `The digest ${JSON.stringify(digest)} ${verdict.explanation}.`;
    else if (blobPath(digest) === undefined)
      edge.problem = `The digest ${JSON.stringify(digest)} cannot name a file in a layout.`;
    else edge.target = digest;
  }
  return edge;
}

/** True when the edge points at something to read as a manifest or an index. */
function pointsAtDocument(edge: LayoutEdge): boolean {
  if (edge.role === 'manifest' || edge.role === 'subject') return true;
  const info = edge.mediaType ? mediaTypeInfo(edge.mediaType) : undefined;
  return !!info && isManifestOrIndexType(info);
}

/** A document's descriptors as edges, in document order with the subject last. */
function edgesOf(refs: readonly DescriptorRef[], lean = false): LayoutEdge[] {
  const out: LayoutEdge[] = [];
  for (const d of refs)
    out.push(lean ? leanEdge(EDGE_ROLE[d.role], d) : layoutEdge(EDGE_ROLE[d.role], d.path, d.value));
  return out;
}

/** An edge with what the walk follows and nothing to show: its target, role and media type. */
function leanEdge(role: LayoutEdgeRole, d: DescriptorRef): LayoutEdge {
  const edge: LayoutEdge = {
    role,
    path: d.path as (string | number)[],
    label: '',
    description: '',
    descriptor: d.value,
  };
  const digest = d.value.digest;
  if (typeof d.value.mediaType === 'string') edge.mediaType = d.value.mediaType;
  if (typeof digest === 'string' && validateDigest(digest).ok && blobPath(digest) !== undefined)
    edge.target = digest;
  return edge;
}

/** The descriptor behind an edge, as the readers take it. */
const refOf = (edge: LayoutEdge): DescriptorRef => ({
  path: edge.path,
  role: edge.role as DescriptorRole,
  value: edge.descriptor,
});

interface Job {
  digest: string;
  depth: number;
  read: boolean;
  /** The edge that scheduled it (its descriptor is what the reader looks the blob up by). */
  edge: LayoutEdge;
}

/** Sentences for thrown errors: capitalised, with a full stop. */
function sentence(message: string): string {
  const m = message.trim();
  const s = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/**
 * A reader over a content source for the view: documents are read (at most `maxDocumentBytes` each, never
 * hashed), other blobs are only looked up.
 */
export function sourceReader(
  source: ContentSource,
  options: { maxDocumentBytes?: number; signal?: AbortSignal } = {},
): WalkReader {
  const max = options.maxDocumentBytes ?? DEFAULTS.maxDocumentBytes;
  const signal = options.signal ?? new AbortController().signal;
  return {
    async visit(ref, document) {
      const digest = ref.value.digest as string;
      const path = blobPath(digest) ?? digest;
      const blob = {
        digest,
        manifest: document,
        ...(typeof ref.value.mediaType === 'string' ? { mediaType: ref.value.mediaType } : {}),
      };
      try {
        const stat = await source.stat(blob, signal);
        if (!stat) return { status: 'missing', problem: `The layout has no ${path}.` };
        if (!document) return { status: 'ok' };
        if (stat.size !== undefined && stat.size > max)
          return {
            status: 'unreadable',
            problem: `${stat.where} is ${humanSize(stat.size)}, above the ${humanSize(max)} read limit.`,
          };
        const content = await source.open(blob, { signal, maxBytes: max + 1 });
        if (!content) return { status: 'missing', problem: `The layout has no ${path}.` };
        const bytes = await readAll(content.chunks, max, stat.size);
        if (!bytes)
          return {
            status: 'unreadable',
            problem: `${stat.where} grew above the ${humanSize(max)} read limit while it was read.`,
          };
        const doc = documentFromBytes(bytes, 'manifest', blob.mediaType);
        if (doc.problem)
          return {
            status: 'invalid',
            problem: `A descriptor says this blob is a manifest or an index, but it ${doc.problem}.`,
            document: doc,
          };
        return { status: 'ok', document: doc };
      } catch (err) {
        return {
          status: 'unreadable',
          problem: sentence(
            err instanceof BlobSourceError || err instanceof Error ? err.message : String(err),
          ),
        };
      }
    },
  };
}

/**
 * Builds the graph of a layout for the view, reading its blobs from `source`. Never throws for bad content:
 * every problem becomes a node status. Each blob is looked at once, however many descriptors name it.
 */
export async function buildLayoutGraph(
  index: LayoutIndexInput,
  source: ContentSource,
  options: LayoutGraphOptions & { signal?: AbortSignal } = {},
): Promise<LayoutGraph> {
  const reader = sourceReader(source, {
    ...(options.maxDocumentBytes !== undefined ? { maxDocumentBytes: options.maxDocumentBytes } : {}),
  });
  // Referrers index.json does not reach are looked for among the blobs the walk did not reach.
  const signal = options.signal ?? new AbortController().signal;
  const loose = (inGraph: (digest: string) => boolean) =>
    looseCandidates(source, {
      signal,
      ...(options.maxDocumentBytes !== undefined ? { maxBytes: options.maxDocumentBytes } : {}),
      skip: inGraph,
    });
  return (await walkLayout(index, reader, { ...options, ...(source.list ? { loose } : {}) })).graph;
}

/**
 * Walks the graph from the root document with `reader`. Never throws for bad content: every problem becomes a
 * node status. Each blob is visited once, however many descriptors name it.
 */
export async function walkLayout(
  index: LayoutIndexInput,
  reader: WalkReader,
  options: LayoutGraphOptions = {},
): Promise<LayoutWalk> {
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  // Keys are valid digests (they hold a ":"), so no key can be "__proto__".
  const blobs: Record<string, LayoutBlobNode> = {};
  const { node: indexNode, document: root } = readIndex(index, options.lean);
  const graph: LayoutGraph = { root: options.root ?? '', index: indexNode, blobs };
  if (index.layoutVersion !== undefined) graph.layoutVersion = index.layoutVersion;
  const documents = new Map<string, ContentDocument>();

  let nodes = 0;
  let edges = graph.index.entries.length;
  let documentsRead = 0;
  let totalBytes = 0;
  const truncate = (why: string): void => {
    graph.truncated ??= why;
  };
  if (edges > o.maxEdges) {
    graph.index.entries.length = o.maxEdges;
    edges = o.maxEdges;
    truncate(`index.json has more than ${o.maxEdges} entries; only the first ${o.maxEdges} are shown.`);
  }

  /** What was decided per digest: read as a document, or only checked for presence. */
  const scheduled = new Map<string, 'read' | 'exists'>();

  const nodeFor = (digest: string): LayoutBlobNode | undefined => {
    const known = blobs[digest];
    if (known) return known;
    if (nodes >= o.maxNodes) {
      truncate(`The layout graph has more than ${o.maxNodes} blobs; the rest are not shown.`);
      return undefined;
    }
    nodes++;
    const node: LayoutBlobNode = { digest, path: blobPath(digest) ?? '', status: 'unchecked' };
    blobs[digest] = node;
    return node;
  };

  /** The jobs for a list of edges found at `depth` (index.json's entries are at depth 1). */
  const schedule = (list: readonly LayoutEdge[], depth: number, into: Job[]): void => {
    for (const edge of list) {
      if (!edge.target) continue;
      const node = nodeFor(edge.target);
      if (!node) continue;
      const read = pointsAtDocument(edge);
      const before = scheduled.get(edge.target);
      if (before === 'read' || (before === 'exists' && !read)) continue;
      if (depth > o.maxDepth) {
        if (!before) {
          node.problem = `It is nested more than ${o.maxDepth} levels below index.json, so it was not followed.`;
          truncate(`Nested indexes go deeper than ${o.maxDepth} levels; deeper blobs were not followed.`);
        }
        continue;
      }
      scheduled.set(edge.target, read ? 'read' : 'exists');
      into.push({ digest: edge.target, depth, read, edge });
    }
  };

  const run = async (job: Job, next: Job[]): Promise<void> => {
    const node = blobs[job.digest]!;
    if (options.cancelled?.()) {
      truncate('The walk was cancelled.');
      return;
    }
    if (!job.read) {
      const v = await reader.visit(refOf(job.edge), false);
      setStatus(node, v.status, v.problem);
      return;
    }
    if (documentsRead >= o.maxDocuments) {
      truncate(`More than ${o.maxDocuments} manifests and indexes; the rest were not read.`);
      return;
    }
    if (totalBytes >= o.maxTotalBytes) {
      truncate(
        `The manifests and indexes read exceed ${humanSize(o.maxTotalBytes)} in all; the rest were not read.`,
      );
      return;
    }
    documentsRead++;
    const v = await reader.visit(refOf(job.edge), true);
    setStatus(node, v.status, v.problem);
    const doc = v.document;
    if (doc?.kind && (v.status === 'ok' || v.status === 'invalid')) node.kind = doc.kind;
    if (!doc || doc.problem || v.status !== 'ok') {
      if (doc && options.keepDocuments) documents.set(job.digest, doc);
      return;
    }
    totalBytes += doc.text?.length ?? doc.streamed?.bytes ?? 0;
    if (options.keepDocuments) documents.set(job.digest, doc);
    const value = doc.value;
    if (isObject(value)) {
      if (typeof value.mediaType === 'string') node.mediaType = value.mediaType;
      if (typeof value.artifactType === 'string') node.artifactType = value.artifactType;
    }
    let children = edgesOf(doc.refs, options.lean);
    if (edges + children.length > o.maxEdges) {
      children = children.slice(0, Math.max(0, o.maxEdges - edges));
      truncate(`The layout graph has more than ${o.maxEdges} descriptors; the rest are not shown.`);
    }
    edges += children.length;
    node.children = children;
    const subject = children.find((e) => e.role === 'subject');
    if (subject?.target) node.subject = subject.target;
    if (options.descend !== false) schedule(children, job.depth + 1, next);
  };

  let level: Job[] = [];
  schedule(graph.index.entries, 1, level);
  while (level.length > 0) {
    const next: Job[] = [];
    await pool(level, Math.max(1, o.concurrency), (job) => run(job, next));
    level = next;
  }

  if (!options.lean) {
    if (options.loose)
      await attachLoose(
        graph,
        options.loose((d) => graph.blobs[d] !== undefined),
        reader,
        () => options.cancelled?.() ?? false,
      );
    linkReferrers(graph);
    markCycles(graph);
  }
  return { graph, documents, ...(root ? { root } : {}) };
}

function setStatus(node: LayoutBlobNode, status: LayoutNodeStatus, problem?: string): void {
  node.status = status;
  if (problem !== undefined) node.problem = problem;
  else delete node.problem;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Reads the root document into the root node. */
function readIndex(
  index: LayoutIndexInput,
  lean = false,
): { node: LayoutIndexNode; document?: ContentDocument } {
  const node: LayoutIndexNode = { path: 'index.json', status: 'ok', entries: [] };
  let doc = index.document;
  if (doc === undefined) {
    if (index.text === undefined) {
      node.status = index.problem === undefined || index.problem === 'missing' ? 'missing' : 'unreadable';
      node.problem =
        node.status === 'missing'
          ? 'The layout has no index.json, which every OCI image layout must have.'
          : `index.json ${index.problem}.`;
      return { node };
    }
    // A layout's index.json is known by its place; a text being typed keeps what a tolerant parse recovers.
    const json = parseJson(index.text);
    const kind =
      json.value === undefined
        ? undefined
        : detectKind(json.value, { fileName: 'index.json', besideOciLayout: true }, true)?.kind;
    doc = {
      text: index.text,
      json,
      value: json.value,
      refs: kind && isObject(json.value) ? descriptorsOf(kind, json.value) : [],
      ...(kind ? { kind } : {}),
      ...(json.strict ? {} : { problem: 'is not valid JSON' }),
    };
  }
  if (doc.value === undefined) {
    node.status = 'invalid';
    node.problem = doc.problem ? `index.json ${doc.problem}.` : 'index.json is not valid JSON.';
    return { node, document: doc };
  }
  const kind = doc.kind;
  if (kind) node.kind = kind;
  if (!index.anyKind && (!kind || !isIndexKind(kind))) {
    node.status = 'invalid';
    node.problem = `index.json must be an image index, but it reads as ${kind ? KIND_LABELS[kind] : 'something else'}.`;
    return { node, document: doc };
  }
  if (doc.json && !doc.json.strict) {
    node.status = 'invalid';
    node.problem = 'index.json has JSON syntax errors; the entries shown are what could be recovered.';
  }
  node.entries = edgesOf(doc.refs, lean);
  return { node, document: doc };
}

/**
 * The graph of a legacy `docker save` archive, which has no `index.json`: one entry per image of its
 * `manifest.json` (named by its first tag; the blob behind it is the image's config, read to find the layers'
 * DiffIDs), with the layers under it (by the DiffID, or the digest in a `<hex>.tar` name). `text` is
 * manifest.json's text (undefined with `problem` when it could not be read).
 */
export async function buildDockerArchiveGraph(
  manifest: { text?: string; problem?: string },
  source: ContentSource,
  options: { root?: string; signal?: AbortSignal; maxDocumentBytes?: number } = {},
): Promise<LayoutGraph> {
  const signal = options.signal ?? new AbortController().signal;
  const max = options.maxDocumentBytes ?? DEFAULTS.maxDocumentBytes;
  const index: LayoutIndexNode = { path: 'manifest.json', status: 'ok', entries: [] };
  const graph: LayoutGraph = { root: options.root ?? '', index, blobs: {}, archive: 'docker-save' };
  let value: unknown;
  try {
    value = manifest.text === undefined ? undefined : JSON.parse(manifest.text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value)) {
    index.status = manifest.text === undefined && manifest.problem === 'missing' ? 'missing' : 'invalid';
    index.problem =
      manifest.text === undefined
        ? manifest.problem === 'missing' || manifest.problem === undefined
          ? 'The archive has no manifest.json, which lists the images of a docker save archive.'
          : `manifest.json ${manifest.problem}.`
        : 'manifest.json is not a JSON array of images.';
    return graph;
  }
  const statOf = async (
    digest: string,
  ): Promise<{ status: LayoutNodeStatus; size?: number; problem?: string }> => {
    try {
      const st = await source.stat({ digest, manifest: false }, signal);
      return st
        ? { status: 'ok', ...(st.size !== undefined ? { size: st.size } : {}) }
        : { status: 'missing' };
    } catch (err) {
      return { status: 'unreadable', problem: sentence(err instanceof Error ? err.message : String(err)) };
    }
  };
  for (const [i, raw] of value.entries()) {
    if (!isObject(raw) || typeof raw.Config !== 'string') continue;
    const digest = /([0-9a-f]{64})(?:\.json)?$/.exec(raw.Config)?.[1];
    if (!digest) continue;
    const configDigest = `sha256:${digest}`;
    const st = await statOf(configDigest);
    const tags = Array.isArray(raw.RepoTags) ? raw.RepoTags.filter((t) => typeof t === 'string') : [];
    const edge = layoutEdge('manifest', [i], {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      digest: configDigest,
      ...(st.size !== undefined ? { size: st.size } : {}),
    });
    edge.label = (tags[0] as string | undefined) ?? `image ${i}`;
    edge.descriptor = raw;
    index.entries.push(edge);
    const node: LayoutBlobNode = {
      digest: configDigest,
      path: raw.Config,
      status: st.status,
      kind: 'docker-config',
      children: [],
      ...(st.problem ? { problem: st.problem } : {}),
    };
    graph.blobs[configDigest] = node;
    // The config's DiffIDs name the layers.
    let diffIds: unknown[] = [];
    if (st.status === 'ok' && (st.size ?? 0) <= max) {
      try {
        const c = await source.open({ digest: configDigest, manifest: false }, { signal, maxBytes: max });
        const bytes = c ? await readAll(c.chunks, max, st.size) : undefined;
        const config = bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as unknown) : undefined;
        if (isObject(config) && isObject(config.rootfs) && Array.isArray(config.rootfs.diff_ids))
          diffIds = config.rootfs.diff_ids;
      } catch {
        // A config that cannot be read shows no DiffIDs: its layers are named by their member names.
      }
    }
    const layers = Array.isArray(raw.Layers) ? raw.Layers : [];
    for (const [k, name] of layers.entries()) {
      if (typeof name !== 'string') continue;
      const said = diffIds[k];
      const hex = /([0-9a-f]{64})\.tar$/.exec(name)?.[1];
      const layerDigest =
        typeof said === 'string' && validateDigest(said).ok ? said : hex ? `sha256:${hex}` : undefined;
      if (!layerDigest) continue;
      const ls = graph.blobs[layerDigest] ? undefined : await statOf(layerDigest);
      node.children!.push(
        layoutEdge('layer', ['Layers', k], {
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar',
          digest: layerDigest,
          ...(ls?.size !== undefined ? { size: ls.size } : {}),
        }),
      );
      if (ls)
        graph.blobs[layerDigest] = {
          digest: layerDigest,
          path: name,
          status: ls.status,
          ...(ls.problem ? { problem: ls.problem } : {}),
        };
    }
  }
  return graph;
}

/** At most this many blobs outside the graph are read to look for referrers. */
const MAX_LOOSE = 2000;

/**
 * The blobs of `source` that may be referrers the walk did not reach: files under `blobs/<alg>/` whose name is
 * a digest, at most `maxBytes` long, whose first byte (after white space) is `{`. Reads 64 bytes of each.
 */
export async function* looseCandidates(
  source: ContentSource,
  options: { signal: AbortSignal; maxBytes?: number; skip?: (digest: string) => boolean },
): AsyncGenerator<{ digest: string; size: number }, void, undefined> {
  if (!source.list) return;
  const max = options.maxBytes ?? DEFAULTS.maxDocumentBytes;
  let found = 0;
  for await (const e of source.list({ signal: options.signal, maxEntries: 100_000 })) {
    const parts = e.path.split('/');
    if (parts.length !== 3 || parts[0] !== 'blobs' || e.type !== 'file') continue;
    const digest = `${parts[1]}:${parts[2]}`;
    if (e.size === undefined || e.size < 2 || e.size > max || !validateDigest(digest).ok) continue;
    if (options.skip?.(digest)) continue;
    try {
      const head = await source.open({ digest, manifest: false }, { signal: options.signal, maxBytes: 64 });
      const bytes = head ? await readAll(head.chunks, 64) : undefined;
      const first = bytes?.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
      if (first !== 0x7b) continue;
    } catch {
      continue;
    }
    yield { digest, size: e.size };
    if (++found >= MAX_LOOSE) return;
  }
}

/** Adds the loose referrers (and, as present or not, the blobs they name) to the graph. */
async function attachLoose(
  graph: LayoutGraph,
  candidates: AsyncIterable<{ digest: string; size: number }>,
  reader: WalkReader,
  cancelled: () => boolean,
): Promise<void> {
  const pending: { node: LayoutBlobNode; children: LayoutEdge[] }[] = [];
  for await (const c of candidates) {
    if (cancelled()) return;
    if (graph.blobs[c.digest]) continue;
    const descriptor = { digest: c.digest, size: c.size };
    const v = await reader.visit({ path: [], role: 'manifest', value: descriptor }, true);
    const doc = v.document;
    if (v.status !== 'ok' || !doc || doc.problem || !doc.kind) continue;
    const children = edgesOf(doc.refs);
    const subject = children.find((e) => e.role === 'subject')?.target;
    if (!subject) continue;
    const node: LayoutBlobNode = {
      digest: c.digest,
      path: blobPath(c.digest) ?? '',
      status: 'ok',
      kind: doc.kind,
      children,
      subject,
      unreferenced: true,
      size: c.size,
    };
    if (isObject(doc.value)) {
      if (typeof doc.value.mediaType === 'string') node.mediaType = doc.value.mediaType;
      if (typeof doc.value.artifactType === 'string') node.artifactType = doc.value.artifactType;
    }
    pending.push({ node, children });
  }
  // A referrer of a referrer counts once its subject is in: repeat until nothing more attaches.
  for (let progress = true; progress && pending.length;) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const { node, children } = pending[i]!;
      if (!graph.blobs[node.subject!]) continue;
      graph.blobs[node.digest] = node;
      pending.splice(i--, 1);
      progress = true;
      for (const edge of children) {
        if (!edge.target || graph.blobs[edge.target] || edge.role === 'subject') continue;
        const child: LayoutBlobNode = {
          digest: edge.target,
          path: blobPath(edge.target) ?? '',
          status: 'unchecked',
        };
        graph.blobs[edge.target] = child;
        const v = await reader.visit(refOf(edge), false);
        setStatus(child, v.status, v.problem);
      }
    }
  }
}

/** Fills `referrers` of each subject from the manifests that name it. */
function linkReferrers(graph: LayoutGraph): void {
  for (const node of Object.values(graph.blobs)) {
    if (!node.subject) continue;
    const subject = graph.blobs[node.subject];
    if (!subject) continue;
    (subject.referrers ??= []).push(node.digest);
  }
}

/**
 * Marks edges that close a cycle (a back edge of a depth-first walk over the non-subject edges) and
 * `referrer` on edges whose target is shown under its subject elsewhere in the tree. Iterative: the graph
 * may be deep.
 */
function markCycles(graph: LayoutGraph): void {
  const state = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = finished
  const walk = (roots: readonly LayoutEdge[]): void => {
    const stack: { edges: readonly LayoutEdge[]; i: number; digest?: string }[] = [{ edges: roots, i: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i >= top.edges.length) {
        if (top.digest) state.set(top.digest, 2);
        stack.pop();
        continue;
      }
      const edge = top.edges[top.i++]!;
      if (!edge.target || edge.role === 'subject') continue;
      const s = state.get(edge.target);
      if (s === 1) {
        edge.cycle = true;
        continue;
      }
      if (s === 2) continue;
      state.set(edge.target, 1);
      stack.push({ edges: graph.blobs[edge.target]?.children ?? [], i: 0, digest: edge.target });
    }
  };
  walk(graph.index.entries);
  const reachable = new Set(state.keys());
  // Nodes reached only through a subject (a subject not listed in index.json) may have cycles of their own.
  for (const node of Object.values(graph.blobs)) {
    if (!state.has(node.digest) && node.children) {
      state.set(node.digest, 1);
      walk(node.children);
      state.set(node.digest, 2);
    }
  }
  const mark = (list: readonly LayoutEdge[] | undefined): void => {
    for (const edge of list ?? []) {
      if (edge.role !== 'manifest' || !edge.target) continue;
      const subject = graph.blobs[edge.target]?.subject;
      if (subject && subject !== edge.target && reachable.has(subject)) edge.referrer = true;
    }
  };
  mark(graph.index.entries);
  for (const node of Object.values(graph.blobs)) mark(node.children);
}

/** Runs `fn` over `items` with at most `width` in flight. */
async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
