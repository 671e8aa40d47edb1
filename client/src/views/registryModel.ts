/**
 * The Registries tree as plain data: the configured registries (`ociManifest.registries`), and what each node
 * shows (label, description, tooltip, icon, context value). No `vscode` import, so the unit tests run it in
 * node; `registries.ts` asks the server for the levels (catalog, tags, an index's platforms, referrers) and turns
 * a {@link RegistryPresentation} into a `TreeItem`. Icons are the OCI Layouts view's (layoutModel.ts).
 */
import { mdCode, mdText, registryHostKey, type RegistryEntry } from '../../../server/src/protocol';
import { referrerKind } from './layoutModel';

/** A configured registry with the repositories named for it (in the setting, or added in the view). */
export interface RegistryGroup {
  /** `host[:port]` as written (first spelling). */
  registry: string;
  /** Repository names (without the host). */
  repositories: string[];
}

const REPOSITORY_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** True for a repository name as distribution-spec writes it (lowercase parts). */
export const isRepositoryName = (name: string): boolean => REPOSITORY_NAME.test(name);

/**
 * The registries of the setting (`host[:port]` or `host[:port]/repo` entries; `docker://` dropped), one group
 * per host (however its spelling differs: `host:443` is `host`), in the setting's order. Invalid entries are
 * returned in `invalid`.
 */
export function registryGroups(entries: readonly string[]): { groups: RegistryGroup[]; invalid: string[] } {
  const groups = new Map<string, RegistryGroup>();
  const invalid: string[] = [];
  for (const raw of entries) {
    const entry = raw
      .trim()
      .replace(/^docker:\/\//i, '')
      .replace(/\/+$/, '');
    const slash = entry.indexOf('/');
    const host = slash < 0 ? entry : entry.slice(0, slash);
    const repository = slash < 0 ? undefined : entry.slice(slash + 1);
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) || host === '') {
      invalid.push(raw);
      continue;
    }
    if (repository !== undefined && !isRepositoryName(repository)) {
      invalid.push(raw);
      continue;
    }
    const key = registryHostKey(host);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { registry: host, repositories: [] }));
    if (repository !== undefined && !g.repositories.includes(repository)) g.repositories.push(repository);
  }
  return { groups: [...groups.values()], invalid };
}

export interface RegistryNode {
  type: 'registry';
  id: string;
  registry: string;
  /** Repositories configured or added for it. */
  repositories: string[];
}

export interface RepositoryNode {
  type: 'repository';
  id: string;
  registry: string;
  /** `host[:port]/name`. */
  repository: string;
  parent: RegistryNode;
}

export interface TagNode {
  type: 'tag';
  id: string;
  repository: string;
  tag: string;
  /** Known once resolved (expanded or opened). */
  digest?: string;
  kind?: 'index' | 'manifest' | 'other';
  mediaType?: string;
  parent: RepositoryNode;
}

/** An index's entry (`role: platform`) or a referrer of a manifest (`role: referrer`). */
export interface EntryNode {
  type: 'entry';
  id: string;
  repository: string;
  role: 'platform' | 'referrer';
  entry: RegistryEntry;
  parent: TagNode | EntryNode;
}

export interface MessageNode {
  type: 'message';
  id: string;
  text: string;
  detail?: string;
  level: 'info' | 'error';
  parent?: RegistryNode | RepositoryNode | TagNode | EntryNode;
}

export type RegistryTreeNode = RegistryNode | RepositoryNode | TagNode | EntryNode | MessageNode;

export interface RegistryPresentation {
  label: string;
  description?: string;
  /** Markdown (quoted values escaped). */
  tooltip: string;
  icon: { id: string; color?: string };
  collapsible: boolean;
  /** Space-separated words the menus' `when` clauses match (`registry`, `digest`, `reference`…). */
  contextValue: string;
}

const short = (digest: string): string => {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest : digest.slice(0, colon + 1 + 12);
};

/** The reference with digest a node stands for (`host/repo@sha256:…`), when its digest is known. */
export function referenceOf(node: RegistryTreeNode): string | undefined {
  if (node.type === 'tag') return node.digest ? `${node.repository}@${node.digest}` : undefined;
  if (node.type === 'entry') return node.entry.reference;
  return undefined;
}

/** What to open for a node: a tag by name (resolved by the server), an entry by digest. */
export function openTarget(node: RegistryTreeNode): string | undefined {
  if (node.type === 'tag') return `${node.repository}:${node.tag}`;
  if (node.type === 'entry') return node.entry.reference;
  return undefined;
}

export function presentRegistry(node: RegistryTreeNode): RegistryPresentation {
  switch (node.type) {
    case 'registry':
      return {
        label: node.registry,
        tooltip: `Registry ${mdCode(node.registry)}: its repositories come from \`/v2/_catalog\` where the registry allows it, and from **Add Repository…**.`,
        icon: { id: 'server-environment' },
        collapsible: true,
        contextValue: 'registry',
      };
    case 'repository':
      return {
        label: node.repository.slice(node.registry.length + 1),
        tooltip: `Repository ${mdCode(node.repository)}`,
        icon: { id: 'repo' },
        collapsible: true,
        contextValue: 'repository',
      };
    case 'tag': {
      const kind = node.kind === 'index' ? 'index' : node.kind === 'manifest' ? 'manifest' : undefined;
      return {
        label: node.tag,
        ...(node.digest ? { description: short(node.digest) } : {}),
        tooltip: [
          `Tag ${mdCode(`${node.repository}:${node.tag}`)}`,
          node.digest ? `names ${mdCode(node.digest)}` : undefined,
          node.mediaType ? mdCode(node.mediaType) : undefined,
        ]
          .filter(Boolean)
          .join('\n\n'),
        icon: { id: kind === 'index' ? 'layers' : kind === 'manifest' ? 'package' : 'tag' },
        collapsible: true,
        contextValue: 'registryManifest digest reference',
      };
    }
    case 'entry': {
      const e = node.entry;
      const isReferrer = node.role === 'referrer';
      const label = isReferrer
        ? (e.artifactType ?? e.mediaType ?? 'referrer')
        : (e.platform ?? e.artifactType ?? e.mediaType ?? 'manifest');
      const icon = isReferrer
        ? { signature: 'key', SBOM: 'checklist', attestation: 'shield', referrer: 'references' }[
            referrerKind(e.artifactType)
          ]
        : /index|list/.test(e.mediaType ?? '')
          ? 'layers'
          : 'package';
      return {
        label,
        description: `${isReferrer ? 'referrer · ' : ''}${short(e.digest)}`,
        tooltip: [
          `${isReferrer ? 'Referrer' : 'Manifest'} ${mdCode(e.reference)}`,
          e.mediaType ? mdCode(e.mediaType) : undefined,
          e.size !== undefined ? `${e.size} bytes` : undefined,
          ...Object.entries(e.annotations ?? {})
            .slice(0, 8)
            .map(([k, v]) => `${mdCode(k)}: ${mdText(v)}`),
        ]
          .filter(Boolean)
          .join('\n\n'),
        icon: { id: icon },
        collapsible: true,
        contextValue: 'registryManifest digest reference',
      };
    }
    case 'message':
      return {
        label: node.text,
        tooltip: mdText(node.detail ?? node.text),
        icon:
          node.level === 'error'
            ? { id: 'warning', color: 'problemsWarningIcon.foreground' }
            : { id: 'info' },
        collapsible: false,
        contextValue: 'message',
      };
  }
}
