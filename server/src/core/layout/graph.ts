/**
 * The image graph of an OCI image layout: from `index.json` through nested indexes to each manifest's config
 * and layers, with referrers (manifests whose `subject` names a node) attached to their subject and missing or
 * unreadable blobs marked. Pure: the blobs come through a {@link LayoutReader} the front end supplies (which
 * owns the file-system safety rules); everything here is bounded (depth, documents read, nodes, edges, bytes)
 * and linear in what it reads.
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
import { detectKind } from '../detect';
import { blobPath, validateDigest } from '../digest';
import { formatPath, type Path } from '../findings';
import { parseJson } from '../json/document';
import { KIND_LABELS, type DocumentKind } from '../kinds';
import { descriptorsOf, isIndexKind, isManifestKind, isObject, type DescriptorRole } from '../model';
import { humanSize, platformText, refNameOf, shortDigest, shortMediaType } from './format';

export type {
  LayoutBlobNode,
  LayoutEdge,
  LayoutGraph,
  LayoutIndexNode,
  LayoutNodeStatus,
} from '../../protocol';

/** How the graph gets at the layout's blobs. Digests passed in are always valid and safe to use as paths. */
export interface LayoutReader {
  /**
   * The text of the blob, read only when it is at most `maxBytes` long; undefined when the layout has no such
   * blob. Throws when the blob is there but cannot be read (too large, not a regular file, outside the layout,
   * an I/O error); the error's message, a full sentence, becomes the node's problem.
   */
  readJson(digest: string, maxBytes: number): Promise<string | undefined>;
  /** Whether the blob is there (a regular file inside the layout), without reading it. May throw likewise. */
  exists(digest: string): Promise<boolean>;
}

/** What the front end read of `index.json` (and `oci-layout`). */
export interface LayoutIndexInput {
  /** The text of `index.json`; undefined when it could not be read. */
  text?: string;
  /** Why there is no text: `missing` or a sentence fragment for an unreadable file. */
  problem?: 'missing' | string;
  /** `imageLayoutVersion` from `oci-layout`, when known. */
  layoutVersion?: string;
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
  /** Stop reading documents after this many characters in all (default 64 MiB). */
  maxTotalBytes?: number;
  /** Reads in flight at once (default 8). */
  concurrency?: number;
  /** Checked between reads; when it turns true the walk stops and the graph is marked truncated. */
  cancelled?: () => boolean;
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

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

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

const isGraphKind = (k: DocumentKind): boolean => isManifestKind(k) || isIndexKind(k);

/** Reads a document's descriptors as edges, in document order with the subject last. */
function edgesOf(kind: DocumentKind, value: unknown): LayoutEdge[] {
  return descriptorsOf(kind, value).map((d) => layoutEdge(EDGE_ROLE[d.role], d.path, d.value));
}

interface Job {
  digest: string;
  depth: number;
  read: boolean;
}

/**
 * Builds the graph. Never throws for bad content: every problem becomes a node status. Each blob is looked
 * at once, however many descriptors name it.
 */
export async function buildLayoutGraph(
  index: LayoutIndexInput,
  reader: LayoutReader,
  options: LayoutGraphOptions = {},
): Promise<LayoutGraph> {
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  // Keys are valid digests (they hold a ":"), so no key can be "__proto__".
  const blobs: Record<string, LayoutBlobNode> = {};
  const graph: LayoutGraph = { root: options.root ?? '', index: readIndex(index), blobs };
  if (index.layoutVersion !== undefined) graph.layoutVersion = index.layoutVersion;

  let nodes = 0;
  let edges = graph.index.entries.length;
  let documents = 0;
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
      into.push({ digest: edge.target, depth, read });
    }
  };

  const run = async (job: Job, next: Job[]): Promise<void> => {
    const node = blobs[job.digest]!;
    if (options.cancelled?.()) {
      truncate('The walk was cancelled.');
      return;
    }
    if (!job.read) {
      try {
        if (await reader.exists(job.digest)) setStatus(node, 'ok');
        else setStatus(node, 'missing', `The layout has no ${node.path}.`);
      } catch (err) {
        setStatus(node, 'unreadable', errorText(err));
      }
      return;
    }
    if (documents >= o.maxDocuments) {
      truncate(`More than ${o.maxDocuments} manifests and indexes; the rest were not read.`);
      return;
    }
    if (totalBytes >= o.maxTotalBytes) {
      truncate(
        `The manifests and indexes read exceed ${humanSize(o.maxTotalBytes)} in all; the rest were not read.`,
      );
      return;
    }
    documents++;
    let text: string | undefined;
    try {
      text = await reader.readJson(job.digest, o.maxDocumentBytes);
    } catch (err) {
      setStatus(node, 'unreadable', errorText(err));
      return;
    }
    if (text === undefined) {
      setStatus(node, 'missing', `The layout has no ${node.path}.`);
      return;
    }
    totalBytes += text.length;
    const json = parseJson(text);
    if (!json.strict || json.value === undefined) {
      setStatus(node, 'invalid', 'The blob is not valid JSON, so it is not a manifest or an index.');
      return;
    }
    const detection = detectKind(json.value, {}, true);
    if (!detection || !isGraphKind(detection.kind)) {
      const what = detection
        ? `it reads as ${KIND_LABELS[detection.kind]}`
        : 'it is not a document this extension recognises';
      setStatus(node, 'invalid', `A descriptor says this blob is a manifest or an index, but ${what}.`);
      if (detection) node.kind = detection.kind;
      return;
    }
    setStatus(node, 'ok');
    node.kind = detection.kind;
    const root = json.value as Record<string, unknown>;
    if (typeof root.mediaType === 'string') node.mediaType = root.mediaType;
    if (typeof root.artifactType === 'string') node.artifactType = root.artifactType;
    let children = edgesOf(detection.kind, root);
    if (edges + children.length > o.maxEdges) {
      children = children.slice(0, Math.max(0, o.maxEdges - edges));
      truncate(`The layout graph has more than ${o.maxEdges} descriptors; the rest are not shown.`);
    }
    edges += children.length;
    node.children = children;
    const subject = children.find((e) => e.role === 'subject');
    if (subject?.target) node.subject = subject.target;
    schedule(children, job.depth + 1, next);
  };

  let level: Job[] = [];
  schedule(graph.index.entries, 1, level);
  while (level.length > 0) {
    const next: Job[] = [];
    await pool(level, Math.max(1, o.concurrency), (job) => run(job, next));
    level = next;
  }

  linkReferrers(graph);
  markCycles(graph);
  return graph;
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

/** Reads `index.json` into the root node. */
function readIndex(index: LayoutIndexInput): LayoutIndexNode {
  const node: LayoutIndexNode = { path: 'index.json', status: 'ok', entries: [] };
  if (index.text === undefined) {
    node.status = index.problem === undefined || index.problem === 'missing' ? 'missing' : 'unreadable';
    node.problem =
      node.status === 'missing'
        ? 'The layout has no index.json, which every OCI image layout must have.'
        : `index.json ${index.problem}.`;
    return node;
  }
  const json = parseJson(index.text);
  if (json.value === undefined) {
    node.status = 'invalid';
    node.problem = 'index.json is not valid JSON.';
    return node;
  }
  const detection = detectKind(json.value, { fileName: 'index.json', besideOciLayout: true }, true);
  const kind = detection?.kind;
  if (kind) node.kind = kind;
  if (!kind || !isIndexKind(kind)) {
    node.status = 'invalid';
    node.problem = `index.json must be an image index, but it reads as ${kind ? KIND_LABELS[kind] : 'something else'}.`;
    return node;
  }
  if (!json.strict) {
    node.status = 'invalid';
    node.problem = 'index.json has JSON syntax errors; the entries shown are what could be recovered.';
  }
  node.entries = isObject(json.value) ? edgesOf(kind, json.value) : [];
  return node;
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
