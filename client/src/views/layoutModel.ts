/**
 * The OCI Layouts tree as plain data: which nodes sit under which, and what each shows (label, description,
 * tooltip, icon, context value). No `vscode` import, so the unit tests run it in node; `layouts.ts` turns a
 * {@link Presentation} into a `TreeItem`. The graph itself comes from the server (`ociManifest/layoutGraph`).
 */
import {
  mdCode,
  mdFence,
  mdText,
  type LayoutBlobNode,
  type LayoutEdge,
  type LayoutGraph,
} from '../../../server/src/protocol';

/** The last verification result of a blob, from the verification store. */
export type VerifyStatus = 'verified' | 'mismatch' | 'missing';
export type StatusOf = (digest: string) => VerifyStatus | undefined;

/** A layout folder: a root of the tree. */
export interface LayoutRootNode {
  type: 'layout';
  id: string;
  /** The layout folder's URI (as a string). */
  root: string;
  /** The folder's name. */
  name: string;
  /** Where it is, for the description (e.g. the workspace-relative parent folder). */
  location?: string;
  /** Opened with "Open Image Layout…" (rather than found in the workspace): it can be closed. */
  opened: boolean;
}

/** One descriptor of the graph: an `index.json` entry, a nested manifest, a config, a layer, a referrer. */
export interface DescriptorNode {
  type: 'descriptor';
  id: string;
  root: string;
  parent: LayoutTreeNode;
  edge: LayoutEdge;
  /** Set when the node is shown as a referrer of this subject digest. */
  referrerOf?: string;
  /** Digests of the nodes above it (a corrupt layout may loop; a node already above is not expanded). */
  ancestors: readonly string[];
}

/** A line of text: a problem of the layout, a bound that was reached, a placeholder. */
export interface MessageNode {
  type: 'message';
  id: string;
  root: string;
  parent?: LayoutTreeNode;
  text: string;
  detail?: string;
  level: 'info' | 'warning' | 'error';
}

export type LayoutTreeNode = LayoutRootNode | DescriptorNode | MessageNode;

/** What a tree item shows and does, independent of the editor API. */
export interface Presentation {
  label: string;
  description?: string;
  /** Markdown. */
  tooltip: string;
  /** A codicon id and an optional theme color id. */
  icon: { id: string; color?: string };
  /** Space-separated tokens matched by the `viewItem` conditions of the context menu. */
  contextValue: string;
  collapsible: boolean;
  /** What a click does: open the blob file as JSON, show the descriptor, or nothing. */
  open?: 'blob' | 'descriptor';
  /** The blob file (or, for a layout, its folder), when there is one. */
  fileUri?: string;
}

/** The tooltip line about opening blobs read-only; the e2e test looks for it. */
export const READ_ONLY_NOTE =
  'Opens read-only for this session, because editing a blob changes its digest. To edit it anyway, run ' +
  '**File: Toggle Active Editor Read-only in Session** (or click the lock in the editor title).';

const MAX_TOOLTIP_JSON = 4000;

// ---- texts -------------------------------------------------------------------------------------------------

/** `layers[0]`, `config`, `manifests[2]`: a descriptor's JSON path as people write it. */
export function pathText(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

/** What kind of referrer an artifact type names: a signature, an SBOM, an attestation, or just a referrer. */
export function referrerKind(
  artifactType: string | undefined,
): 'signature' | 'SBOM' | 'attestation' | 'referrer' {
  const t = artifactType ?? '';
  if (/signature|notary|sigstore|cosign|\.sig\b/i.test(t)) return 'signature';
  if (/spdx|cyclonedx|sbom|syft/i.test(t)) return 'SBOM';
  if (/in-toto|intoto|attestation|provenance|slsa|vex/i.test(t)) return 'attestation';
  return 'referrer';
}

/** Joins the non-empty parts with ` · `, as the graph's descriptions do. */
export function joinParts(parts: readonly (string | undefined)[]): string {
  return parts.filter((p): p is string => !!p).join(' · ');
}

/**
 * The label and description of a descriptor. Entries of an index (tags, platforms) keep the graph's label;
 * configs, layers, artifact blobs and subjects are labelled by their place (`config`, `layers[0]`) with the
 * short media type, size and short digest in the description.
 */
export function descriptorText(
  edge: LayoutEdge,
  referrerOf?: string,
): { label: string; description: string } {
  if (referrerOf !== undefined) {
    return {
      label: edge.label,
      description: joinParts([referrerKind(edge.artifactType), edge.description]),
    };
  }
  if (edge.role === 'manifest') return { label: edge.label, description: edge.description };
  const label = edge.path.length > 0 ? pathText(edge.path) : edge.role;
  // The graph leaves out of the description whatever it used as the label; put it back.
  const lead = edge.label !== edge.role ? edge.label : undefined;
  return { label, description: joinParts([lead, edge.description]) };
}

/** The descriptor as JSON text (two-space indent), as Copy Descriptor puts it on the clipboard. */
export function descriptorJson(edge: LayoutEdge): string {
  return JSON.stringify(edge.descriptor, null, 2);
}

const VERIFY_TEXT: Record<VerifyStatus, string> = {
  verified: 'Last verification: the content matches the digest and the size.',
  mismatch: 'Last verification: the content does **not** match the digest or the size.',
  missing: 'Last verification: the blob is missing.',
};

// ---- the tree ------------------------------------------------------------------------------------------------

const isIndexKind = (kind: string | undefined): boolean => !!kind && /index|list/.test(kind);
const isIndexType = (mt: string | undefined): boolean =>
  !!mt && /image\.index\.v1\+json$|manifest\.list\.v2\+json$/.test(mt);

function blobOf(graph: LayoutGraph | undefined, edge: LayoutEdge): LayoutBlobNode | undefined {
  return edge.target !== undefined ? graph?.blobs[edge.target] : undefined;
}

const edgeIndexes = new WeakMap<LayoutGraph, Map<string, LayoutEdge>>();

/** The first descriptor in the graph that names `digest` (not counting subjects), for referrers. */
export function edgeTo(graph: LayoutGraph, digest: string): LayoutEdge | undefined {
  let map = edgeIndexes.get(graph);
  if (!map) {
    map = new Map();
    const add = (edges: readonly LayoutEdge[] | undefined): void => {
      for (const e of edges ?? [])
        if (e.target && e.role !== 'subject' && !map!.has(e.target)) map!.set(e.target, e);
    };
    add(graph.index.entries);
    for (const node of Object.values(graph.blobs)) add(node.children);
    edgeIndexes.set(graph, map);
  }
  return map.get(digest);
}

/**
 * An edge for a referrer that no descriptor names (one the server found among the layout's blobs, which
 * index.json does not reach): what the blob node says.
 */
function syntheticEdge(node: LayoutBlobNode): LayoutEdge {
  const descriptor: Record<string, unknown> = {};
  if (node.mediaType) descriptor.mediaType = node.mediaType;
  descriptor.digest = node.digest;
  if (node.size !== undefined) descriptor.size = node.size;
  if (node.artifactType) descriptor.artifactType = node.artifactType;
  const short = node.digest.slice(0, node.digest.indexOf(':') + 13);
  return {
    ...(node.size !== undefined ? { size: node.size } : {}),
    role: 'manifest',
    path: [],
    target: node.digest,
    digest: node.digest,
    mediaType: node.mediaType,
    artifactType: node.artifactType,
    label: node.artifactType ?? node.mediaType ?? 'manifest',
    description: short,
    shortDigest: short,
    descriptor,
  };
}

function message(
  parent: LayoutTreeNode,
  key: string,
  level: MessageNode['level'],
  text: string,
  detail?: string,
): MessageNode {
  const m: MessageNode = {
    type: 'message',
    id: `${parent.id}|!${key}`,
    root: parent.root,
    parent,
    text,
    level,
  };
  if (detail !== undefined) m.detail = detail;
  return m;
}

/** A message node for a layout whose graph could not be had (no server, an error). */
export function layoutMessage(
  layout: LayoutRootNode,
  level: MessageNode['level'],
  text: string,
  detail?: string,
): MessageNode {
  return message(layout, 'load', level, text, detail);
}

/** The children of a layout: its `index.json` entries (referrers go under their subject), and its problems. */
export function layoutChildren(layout: LayoutRootNode, graph: LayoutGraph | null): LayoutTreeNode[] {
  if (graph === null) {
    return [
      message(
        layout,
        'none',
        'warning',
        'Not an OCI image layout',
        'The folder has no oci-layout file (nor does any folder above it), or the language server cannot read files.',
      ),
    ];
  }
  const out: LayoutTreeNode[] = [];
  const index = graph.index;
  if (index.status !== 'ok') {
    out.push(message(layout, 'index', 'warning', `index.json: ${index.status}`, index.problem));
  }
  index.entries.forEach((edge, i) => {
    if (edge.referrer) return;
    out.push({
      type: 'descriptor',
      id: `${layout.id}|${i}`,
      root: layout.root,
      parent: layout,
      edge,
      ancestors: [],
    });
  });
  if (index.status === 'ok' && index.entries.length === 0) {
    out.push(message(layout, 'empty', 'info', 'No images', 'index.json lists no manifests.'));
  }
  if (graph.truncated) out.push(message(layout, 'truncated', 'info', 'Not all shown', graph.truncated));
  return out;
}

/** True when the edge's node is not expanded (no target, a loop, a subject pointer). */
function isLeafEdge(node: DescriptorNode): boolean {
  const e = node.edge;
  return !e.target || !!e.cycle || e.role === 'subject' || node.ancestors.includes(e.target);
}

/** The children of a descriptor: the descriptors of the manifest or index it names, then its referrers. */
export function descriptorChildren(node: DescriptorNode, graph: LayoutGraph | undefined): LayoutTreeNode[] {
  if (!graph || isLeafEdge(node)) return [];
  const blob = blobOf(graph, node.edge);
  if (!blob) return [];
  const ancestors = [...node.ancestors, blob.digest];
  const out: LayoutTreeNode[] = [];
  (blob.children ?? []).forEach((edge, i) => {
    if (edge.referrer) return;
    out.push({ type: 'descriptor', id: `${node.id}|${i}`, root: node.root, parent: node, edge, ancestors });
  });
  for (const digest of blob.referrers ?? []) {
    const target = graph.blobs[digest];
    const edge = edgeTo(graph, digest) ?? (target ? syntheticEdge(target) : undefined);
    if (!edge) continue;
    out.push({
      type: 'descriptor',
      id: `${node.id}|r:${digest}`,
      root: node.root,
      parent: node,
      edge,
      referrerOf: blob.digest,
      ancestors,
    });
  }
  return out;
}

/** Whether a node has children to show (without building them). */
export function hasChildren(node: LayoutTreeNode, graph: LayoutGraph | undefined): boolean {
  if (node.type === 'layout') return true;
  if (node.type === 'message' || !graph || isLeafEdge(node)) return false;
  const blob = blobOf(graph, node.edge);
  return !!blob && ((blob.children?.length ?? 0) > 0 || (blob.referrers?.length ?? 0) > 0);
}

/** What a descriptor names, in a word: index, manifest, config, layer, blob, subject. */
export function descriptorKind(
  node: DescriptorNode,
  graph: LayoutGraph | undefined,
): 'index' | 'manifest' | 'config' | 'layer' | 'blob' | 'subject' {
  const e = node.edge;
  const blob = blobOf(graph, e);
  if (e.role === 'subject') return 'subject';
  if (e.role === 'manifest' || (blob?.kind && /manifest|index|list/.test(blob.kind))) {
    return isIndexKind(blob?.kind) || (!blob?.kind && isIndexType(e.mediaType)) ? 'index' : 'manifest';
  }
  return e.role;
}

function problemOf(node: DescriptorNode, blob: LayoutBlobNode | undefined): string | undefined {
  if (node.edge.problem) return node.edge.problem;
  const loops = node.edge.cycle || (node.edge.target && node.ancestors.includes(node.edge.target));
  // A subject names what is above its referrer: that is the point, not a loop.
  if (loops && node.edge.role !== 'subject') {
    return 'This descriptor names a document above it in the tree (the layout has a loop), so it is not expanded again.';
  }
  if (blob && blob.status !== 'ok' && blob.status !== 'unchecked') {
    return blob.problem ?? `The blob is ${blob.status}.`;
  }
  return undefined;
}

const ICONS = {
  index: 'layers',
  manifest: 'package',
  config: 'settings-gear',
  layer: 'file-zip',
  blob: 'file-binary',
  subject: 'link',
  signature: 'key',
  SBOM: 'checklist',
  attestation: 'shield',
  referrer: 'references',
} as const;

/** How to show a node. `statusOf` gives the last verification result of a digest, when there is one. */
export function present(
  node: LayoutTreeNode,
  graph: LayoutGraph | undefined,
  statusOf?: StatusOf,
): Presentation {
  if (node.type === 'layout') return presentLayout(node, graph);
  if (node.type === 'message') {
    return {
      label: node.text,
      description: node.detail,
      tooltip: node.detail ? `**${mdText(node.text)}**\n\n${mdText(node.detail)}` : mdText(node.text),
      icon: {
        id: node.level === 'info' ? 'info' : node.level,
        color:
          node.level === 'info'
            ? undefined
            : node.level === 'error'
              ? 'errorForeground'
              : 'problemsWarningIcon.foreground',
      },
      contextValue: 'ociLayoutMessage',
      collapsible: false,
    };
  }
  const e = node.edge;
  const blob = blobOf(graph, e);
  const kind = descriptorKind(node, graph);
  const { label, description } = descriptorText(e, node.referrerOf);
  const verify = e.digest !== undefined ? statusOf?.(e.digest) : undefined;
  const problem = problemOf(node, blob);
  const fileUri = blob?.uri;

  let icon: Presentation['icon'];
  if (verify === 'mismatch') icon = { id: 'error', color: 'testing.iconFailed' };
  else if (problem) icon = { id: 'warning', color: 'problemsWarningIcon.foreground' };
  else if (verify === 'missing') icon = { id: 'warning', color: 'problemsWarningIcon.foreground' };
  else if (verify === 'verified') icon = { id: 'pass', color: 'testing.iconPassed' };
  else if (node.referrerOf !== undefined) icon = { id: ICONS[referrerKind(e.artifactType)] };
  else icon = { id: ICONS[kind] };

  const documentLike = kind === 'index' || kind === 'manifest' || kind === 'config' || kind === 'subject';
  const open: Presentation['open'] = documentLike && fileUri ? 'blob' : 'descriptor';

  const tokens = ['ociLayoutItem', 'descriptor', kind];
  if (e.digest !== undefined) tokens.push('digest');
  // A blob inside an image archive opens as a document, but has no file to reveal.
  if (fileUri?.startsWith('file:')) tokens.push('file');
  if (node.referrerOf !== undefined) tokens.push('referrer');

  const what =
    node.referrerOf !== undefined
      ? `${referrerKind(e.artifactType)} of ${node.referrerOf.slice(0, node.referrerOf.indexOf(':') + 13)}`
      : kind;
  const lines: string[] = [`**${mdText(label)}** — ${mdText(what)}`];
  if (e.digest !== undefined) lines.push(mdCode(e.digest));
  const facts: string[] = [];
  if (e.mediaType) facts.push(`Media type: ${mdText(e.mediaType)}`);
  if (e.artifactType) facts.push(`Artifact type: ${mdText(e.artifactType)}`);
  if (e.size !== undefined)
    facts.push(`Size: ${e.sizeText !== undefined ? `${e.sizeText} (${e.size} bytes)` : `${e.size} bytes`}`);
  if (e.platform) facts.push(`Platform: ${mdText(e.platform)}`);
  if (e.refName) facts.push(`Tag: ${mdText(e.refName)}`);
  if (facts.length) lines.push(facts.join('  \n'));
  if (problem) lines.push(`$(warning) ${mdText(problem)}`);
  if (blob?.unreferenced)
    lines.push(
      mdText('Not named by index.json: found among the blobs of the layout, and shown under its subject.'),
    );
  if (blob?.status === 'unchecked' && !problem) {
    lines.push(mdText(blob.problem ?? 'Not looked at: the layout is larger than the view follows.'));
  }
  if (verify) lines.push(VERIFY_TEXT[verify]);
  if (open === 'blob') lines.push(READ_ONLY_NOTE);
  else lines.push('Click to show the descriptor.');
  let json = descriptorJson(e);
  if (json.length > MAX_TOOLTIP_JSON) json = `${json.slice(0, MAX_TOOLTIP_JSON)}\n…`;
  lines.push(mdFence(json, 'json'));

  return {
    label,
    description,
    tooltip: lines.join('\n\n'),
    icon,
    contextValue: tokens.join(' '),
    collapsible: hasChildren(node, graph),
    open,
    fileUri,
  };
}

const ARCHIVE_WORDS = {
  'oci-layout': 'OCI image layout archive',
  'docker-save': 'docker save archive',
} as const;

function presentLayout(node: LayoutRootNode, graph: LayoutGraph | undefined): Presentation {
  const what = graph?.archive ? ARCHIVE_WORDS[graph.archive] : 'OCI image layout';
  const lines = [`**${mdText(node.name)}** — ${what}`];
  if (node.location) lines.push(mdText(node.location));
  if (graph?.layoutVersion) lines.push(`imageLayoutVersion ${mdText(graph.layoutVersion)}`);
  if (graph) {
    const images = graph.index.entries.filter((e) => !e.referrer).length;
    lines.push(
      `${images} ${images === 1 ? 'entry' : 'entries'} in ${graph.archive === 'docker-save' ? 'manifest.json' : 'index.json'}, ${Object.keys(graph.blobs).length} blobs`,
    );
  }
  lines.push(node.opened ? 'Opened with **OCI: Open Image Layout…**.' : 'Found in the workspace.');
  const tokens = ['ociLayoutItem', 'layout'];
  if (node.opened) tokens.push('opened');
  const problem = graph && graph.index.status !== 'ok';
  return {
    label: node.name,
    description: node.location,
    tooltip: lines.join('\n\n'),
    icon: problem
      ? { id: 'warning', color: 'problemsWarningIcon.foreground' }
      : { id: graph?.archive ? 'file-zip' : 'archive' },
    contextValue: tokens.join(' '),
    collapsible: true,
    fileUri: node.root,
  };
}
