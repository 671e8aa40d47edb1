/** The kinds of document the server understands. The names are also the CLI's `--kind` values. */
export const DOCUMENT_KINDS = [
  'image-manifest',
  'image-index',
  'image-config',
  'descriptor',
  'layout-header',
  'docker-manifest',
  'docker-manifest-list',
  'docker-config',
  'artifact-manifest',
  'docker-schema1',
] as const;

export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** How the kind was decided, strongest first. */
export type KindSource = 'forced' | 'mediaType' | 'shape' | 'fileName';

/** Human names for the status bar and messages. */
export const KIND_LABELS: Record<DocumentKind, string> = {
  'image-manifest': 'OCI image manifest',
  'image-index': 'OCI image index',
  'image-config': 'OCI image config',
  descriptor: 'OCI content descriptor',
  'layout-header': 'OCI layout file',
  'docker-manifest': 'Docker image manifest (v2, schema 2)',
  'docker-manifest-list': 'Docker manifest list',
  'docker-config': 'Docker container config',
  'artifact-manifest': 'OCI artifact manifest (removed)',
  'docker-schema1': 'Docker image manifest (schema 1, deprecated)',
};

export function isDocumentKind(value: string): value is DocumentKind {
  return (DOCUMENT_KINDS as readonly string[]).includes(value);
}

/** "an OCI image manifest", "a Docker manifest list". */
export function withArticle(label: string): string {
  return `${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label}`;
}
