/**
 * Annotation keys: the ones OCI specifications define (image-spec/annotations.md, conversion.md, the withdrawn
 * artifact manifest), the Label Schema keys they supersede, and a few well-known keys from the ecosystem.
 * Data only: the annotations check, hovers and completions share it.
 */

/** How a value is checked. `text` is free-form. */
export type AnnotationFormat =
  'date-time' | 'url' | 'ref-name' | 'digest' | 'spdx-expression' | 'image-reference' | 'text';

/** One annotation key and what its value holds. */
export interface AnnotationKeyInfo {
  key: string;
  /** A short description for hovers and completions. */
  description: string;
  format: AnnotationFormat;
  /** Where it is defined, e.g. `image-spec/annotations.md#pre-defined-annotation-keys`. */
  spec?: string;
  /** The Label Schema key it supersedes, without the `org.label-schema.` prefix. */
  labelSchema?: string;
}

const PREDEFINED_ANCHOR = 'image-spec/annotations.md#pre-defined-annotation-keys';
const IMG = 'org.opencontainers.image.';

/** The pre-defined keys of image-spec/annotations.md. */
export const PREDEFINED_ANNOTATIONS: readonly AnnotationKeyInfo[] = [
  {
    key: `${IMG}created`,
    description: 'When the image was built, as an RFC 3339 date-time (e.g. `2024-05-01T12:00:00Z`).',
    format: 'date-time',
    spec: PREDEFINED_ANCHOR,
    labelSchema: 'build-date',
  },
  {
    key: `${IMG}authors`,
    description: 'Who to contact about the image: people or an organisation, free-form.',
    format: 'text',
    spec: PREDEFINED_ANCHOR,
  },
  {
    key: `${IMG}url`,
    description: 'A URL with more information about the image.',
    format: 'url',
    spec: PREDEFINED_ANCHOR,
    labelSchema: 'url',
  },
  {
    key: `${IMG}documentation`,
    description: "A URL of the image's documentation.",
    format: 'url',
    spec: PREDEFINED_ANCHOR,
    labelSchema: 'usage',
  },
  {
    key: `${IMG}source`,
    description: 'A URL of the source code the image was built from (e.g. the Git repository).',
    format: 'url',
    spec: PREDEFINED_ANCHOR,
    labelSchema: 'vcs-url',
  },
  {
    key: `${IMG}version`,
    description:
      'The version of the packaged software; may match a tag in its repository, may be a semantic version.',
    format: 'text',
    spec: PREDEFINED_ANCHOR,
    labelSchema: 'version',
  },
  {
    key: `${IMG}revision`,
    description: 'The source-control revision of the packaged software (e.g. a Git commit).',
    format: 'text',
    spec: PREDEFINED_ANCHOR,
    labelSchema: 'vcs-ref',
  },
  {
    key: `${IMG}vendor`,
    description: 'The person or organisation that distributes the image.',
    format: 'text',
    spec: PREDEFINED_ANCHOR,
    labelSchema: 'vendor',
  },
  {
    key: `${IMG}licenses`,
    description:
      'The licence(s) of the software in the image, as an SPDX license expression (e.g. `MIT OR Apache-2.0`).',
    format: 'spdx-expression',
    spec: PREDEFINED_ANCHOR,
  },
  {
    key: `${IMG}ref.name`,
    description:
      "The name of a reference (usually a tag) for the target; meaningful on descriptors in an image layout's `index.json`.",
    format: 'ref-name',
    spec: PREDEFINED_ANCHOR,
  },
  {
    key: `${IMG}title`,
    description: 'A human-readable title of the image.',
    format: 'text',
    spec: PREDEFINED_ANCHOR,
    labelSchema: 'name',
  },
  {
    key: `${IMG}description`,
    description: 'A human-readable description of the software in the image.',
    format: 'text',
    spec: PREDEFINED_ANCHOR,
    labelSchema: 'description',
  },
  {
    key: `${IMG}base.digest`,
    description: 'The digest of the image this one is built on (the `FROM` image, not other build stages).',
    format: 'digest',
    spec: PREDEFINED_ANCHOR,
  },
  {
    key: `${IMG}base.name`,
    description:
      'The fully qualified reference of the image this one is built on, e.g. `registry.example.com/org/base:1.2`.',
    format: 'image-reference',
    spec: PREDEFINED_ANCHOR,
  },
];

const CONVERSION_ANCHOR = 'image-spec/conversion.md#annotation-fields';

/** Keys other OCI texts define: the runtime annotations a converter derives from the config, and the withdrawn artifact manifest's. */
export const OTHER_OCI_ANNOTATIONS: readonly AnnotationKeyInfo[] = [
  {
    key: `${IMG}os`,
    description: "Set by config-to-runtime converters from the config's `os`.",
    format: 'text',
    spec: CONVERSION_ANCHOR,
  },
  {
    key: `${IMG}architecture`,
    description: "Set by config-to-runtime converters from the config's `architecture`.",
    format: 'text',
    spec: CONVERSION_ANCHOR,
  },
  {
    key: `${IMG}variant`,
    description: "Set by config-to-runtime converters from the config's `variant`.",
    format: 'text',
    spec: CONVERSION_ANCHOR,
  },
  {
    key: `${IMG}os.version`,
    description: "Set by config-to-runtime converters from the config's `os.version`.",
    format: 'text',
    spec: CONVERSION_ANCHOR,
  },
  {
    key: `${IMG}os.features`,
    description: "Set by config-to-runtime converters from the config's `os.features`.",
    format: 'text',
    spec: CONVERSION_ANCHOR,
  },
  {
    key: `${IMG}author`,
    description:
      "Set by config-to-runtime converters from the config's `author` (for images, `org.opencontainers.image.authors` is the pre-defined key).",
    format: 'text',
    spec: CONVERSION_ANCHOR,
  },
  {
    key: `${IMG}stopSignal`,
    description: "Set by config-to-runtime converters from the config's `StopSignal`.",
    format: 'text',
    spec: CONVERSION_ANCHOR,
  },
  {
    key: `${IMG}exposedPorts`,
    description:
      "Set by config-to-runtime converters from the config's `ExposedPorts`, as a comma-separated list.",
    format: 'text',
    spec: 'image-spec/conversion.md#configexposedports',
  },
  {
    key: 'org.opencontainers.artifact.created',
    description:
      'Creation time used by the withdrawn OCI artifact manifest (image-spec 1.1 release candidates); prefer `org.opencontainers.image.created`.',
    format: 'date-time',
  },
  {
    key: 'org.opencontainers.artifact.description',
    description:
      'Description used by the withdrawn OCI artifact manifest (image-spec 1.1 release candidates); prefer `org.opencontainers.image.description`.',
    format: 'text',
  },
];

/**
 * Keys in the reserved namespace that an open image-spec proposal defines and tools already write: accepted there
 * (their formats are checked), though no released OCI text defines them yet.
 */
export const PROPOSED_OCI_ANNOTATIONS: readonly AnnotationKeyInfo[] = [
  {
    key: `${IMG}referrer.subject`,
    description:
      "On an entry of a layout's `index.json`: the digest of the subject whose referrers response (an index) the entry references. Proposed for the image layout in image-spec pull request 1171 (github.com/opencontainers/image-spec/pull/1171) and written by olareg, a registry that stores each repository as an image layout.",
    format: 'digest',
  },
  {
    key: `${IMG}referrer.convert`,
    description:
      "On a layout's `index.json`: `true` once referrers pushed with the fallback tag have been moved to `org.opencontainers.image.referrer.subject` entries. Proposed for the image layout in image-spec pull request 1171 (github.com/opencontainers/image-spec/pull/1171) and written by olareg, a registry that stores each repository as an image layout.",
    format: 'text',
  },
];

/** Keys other projects define that often show up in manifests and indexes (hovers only; never reported). */
export const ECOSYSTEM_ANNOTATIONS: readonly AnnotationKeyInfo[] = [
  {
    key: 'vnd.docker.reference.type',
    description: 'BuildKit: marks an index entry as attached to another entry, e.g. `attestation-manifest`.',
    format: 'text',
  },
  {
    key: 'vnd.docker.reference.digest',
    description: 'BuildKit: the digest of the image manifest an attestation entry belongs to.',
    format: 'digest',
  },
  {
    key: 'in-toto.io/predicate-type',
    description:
      'BuildKit/in-toto: the predicate type of an attestation layer (e.g. an SBOM or SLSA provenance).',
    format: 'text',
  },
  {
    key: 'io.containerd.image.name',
    description: 'containerd: the full image name an index entry was exported under.',
    format: 'text',
  },
  {
    key: 'dev.cosignproject.cosign/signature',
    description: 'Cosign: the base64 signature over a simple-signing payload layer.',
    format: 'text',
  },
  {
    key: 'io.cncf.notary.x509chain.thumbprint#S256',
    description: 'Notary Project: SHA-256 thumbprints of the signing certificate chain.',
    format: 'text',
  },
  {
    key: 'io.github.containers.zstd-chunked.manifest-checksum',
    description:
      'zstd:chunked (containers/storage): the digest of the table of contents stored in a skippable frame of the layer, for partial pulls.',
    format: 'digest',
  },
  {
    key: 'io.github.containers.zstd-chunked.manifest-position',
    description:
      'zstd:chunked (containers/storage): where the table of contents sits in the layer, as `offset:length:uncompressed-length:type`.',
    format: 'text',
  },
  {
    key: 'io.github.containers.zstd-chunked.tarsplit-position',
    description:
      'zstd:chunked (containers/storage): where the tar-split data sits in the layer, as `offset:length:uncompressed-length`.',
    format: 'text',
  },
  {
    key: 'io.github.containers.zstd-chunked.tarsplit-checksum',
    description:
      'zstd:chunked (containers/storage, older writers): the digest of the tar-split data stored in the layer.',
    format: 'digest',
  },
  {
    key: 'containerd.io/snapshot/stargz/toc.digest',
    description:
      "eStargz (stargz-snapshotter): the digest of the layer's table of contents, for lazy pulling.",
    format: 'digest',
  },
  {
    key: 'io.containers.estargz.uncompressed-size',
    description:
      "eStargz (stargz-snapshotter): the layer's uncompressed size in bytes, for lazy pulling with containers/storage.",
    format: 'text',
  },
];

export const ANNOTATION_BY_KEY: ReadonlyMap<string, AnnotationKeyInfo> = new Map(
  [
    ...PREDEFINED_ANNOTATIONS,
    ...OTHER_OCI_ANNOTATIONS,
    ...PROPOSED_OCI_ANNOTATIONS,
    ...ECOSYSTEM_ANNOTATIONS,
  ].map((a) => [a.key, a]),
);

/** Keys defined by an OCI text: never reported as unknown in the reserved namespace. */
export const OCI_DEFINED_KEYS: ReadonlySet<string> = new Set(
  [...PREDEFINED_ANNOTATIONS, ...OTHER_OCI_ANNOTATIONS].map((a) => a.key),
);

/** The reserved prefix (annotations.md: only OCI specifications may define keys under it). */
export const OCI_RESERVED_PREFIX = 'org.opencontainers.';

/** The Label Schema prefix; its keys are superseded by the pre-defined OCI keys. */
export const LABEL_SCHEMA_PREFIX = 'org.label-schema.';

/** Label Schema key (without prefix) → the OCI key that supersedes it (annotations.md's compatibility table). */
export const LABEL_SCHEMA_EQUIVALENTS: ReadonlyMap<string, string> = new Map(
  PREDEFINED_ANNOTATIONS.filter((a) => a.labelSchema).map((a) => [a.labelSchema!, a.key]),
);

/**
 * Words people put after `org.opencontainers.image.` for a pre-defined key they meant (suffix → pre-defined
 * suffix). Typos within two edits of a real key are found by distance; these are the synonyms.
 */
export const SUFFIX_SYNONYMS: Readonly<Record<string, string>> = {
  license: 'licenses',
  licence: 'licenses',
  licences: 'licenses',
  maintainer: 'authors',
  maintainers: 'authors',
  homepage: 'url',
  website: 'url',
  repository: 'source',
  repo: 'source',
  'vcs-url': 'source',
  commit: 'revision',
  'vcs-ref': 'revision',
  'build-date': 'created',
  builddate: 'created',
  date: 'created',
  docs: 'documentation',
  usage: 'documentation',
  'base-digest': 'base.digest',
  'base-name': 'base.name',
  'ref-name': 'ref.name',
  ref: 'ref.name',
  tag: 'ref.name',
};
