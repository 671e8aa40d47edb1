/**
 * THE media-type catalog: every media type the checks, hovers and completions know, as data. One entry per
 * exact string, with who defines it, where it fits, what it means, and whether it is deprecated. Look-alike
 * traps (common misspellings that tools silently treat as unknown) are listed separately, and
 * `classifyMediaType` decides for any string whether it is known, malformed, a look-alike, or just unknown.
 *
 * Pure data and pure functions: no I/O. The descriptions are ours.
 */
import { editDistance } from '../distance';
import { MT } from './core';

/** Who defines a media type. */
export type Ecosystem =
  | 'oci'
  | 'ocicrypt'
  | 'docker'
  | 'buildkit'
  | 'helm'
  | 'cosign'
  | 'sigstore'
  | 'notation'
  | 'spdx'
  | 'cyclonedx'
  | 'syft'
  | 'in-toto'
  | 'wasm'
  | 'sif'
  | 'opa'
  | 'flux'
  | 'oras'
  | 'devcontainers'
  | 'trivy'
  | 'modelpack'
  | 'soci'
  | 'cnab'
  | 'artifacthub'
  | 'iana';

/** Who an ecosystem is, in words, for hovers and completion details. */
export const ECOSYSTEM_LABELS: Readonly<Record<Ecosystem, string>> = {
  oci: 'OCI (Open Container Initiative)',
  ocicrypt: 'ocicrypt (OCI image encryption)',
  docker: 'Docker',
  buildkit: 'BuildKit',
  helm: 'Helm',
  cosign: 'Sigstore Cosign',
  sigstore: 'Sigstore',
  notation: 'Notary Project (Notation)',
  spdx: 'SPDX',
  cyclonedx: 'CycloneDX',
  syft: 'Syft',
  'in-toto': 'in-toto',
  wasm: 'WebAssembly tooling',
  sif: 'Singularity / Apptainer (SIF)',
  opa: 'Open Policy Agent',
  flux: 'Flux',
  oras: 'ORAS',
  devcontainers: 'Dev Containers',
  trivy: 'Trivy',
  modelpack: 'CNCF ModelPack',
  soci: 'SOCI (Seekable OCI)',
  cnab: 'CNAB',
  artifacthub: 'Artifact Hub',
  iana: 'IANA (a generic registered type)',
};

/**
 * Where a media type fits. `manifest`/`index` fit `manifests[]` entries and `subject`; `config` fits
 * `config.mediaType`; `layer` fits `layers[]` (and artifact blobs); `artifactType` fits `artifactType`
 * fields; `document` is a document's own type that descriptors rarely reference; `embedded` is content
 * found inside other content (a signature payload) rather than in a descriptor.
 */
export type MediaTypeRole =
  'manifest' | 'index' | 'config' | 'layer' | 'artifactType' | 'document' | 'embedded';

export interface MediaTypeInfo {
  /** The exact string. */
  type: string;
  ecosystem: Ecosystem;
  /**
   * The image format the type belongs to, when it is one of the OCI or Docker image-format types
   * (manifests, indexes, image configs, layers). The position and mixing rules judge only these.
   */
  format?: 'oci' | 'docker';
  roles: readonly MediaTypeRole[];
  /** What it is, in one or two sentences. */
  description: string;
  /** Set when the type should no longer be produced. */
  deprecated?: { replacement: string; why: string };
  /** The same content in the other image format (OCI ⇄ Docker). */
  equivalent?: string;
  /** Set when the type is used in the wild but not defined by any specification. */
  nonStandard?: string;
  /** Where it is defined or where it was found. */
  source: string;
}

/** A common misspelling: the wrong string, the intended one, and why people write it. */
export interface LookAlike {
  /** The misspelled value (compared in lowercase). */
  type: string;
  replacement: string;
  why: string;
}

const OCI_SPEC = 'image-spec/media-types.md';
const DOCKER_SPEC = 'docker/manifest-v2-2.md';

/** Every known media type. Order: OCI, Docker, then artifact ecosystems, then generic IANA types. */
export const MEDIA_TYPES: readonly MediaTypeInfo[] = [
  // ---- OCI image-spec ----
  {
    type: MT.descriptor,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['document'],
    description: 'An OCI content descriptor on its own: a media type, digest and size that point at a blob.',
    source: OCI_SPEC,
  },
  {
    type: MT.layoutHeader,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['document'],
    description: 'The `oci-layout` file at the root of an OCI image layout, which states the layout version.',
    source: OCI_SPEC,
  },
  {
    type: MT.index,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['index'],
    description:
      'An OCI image index: a list of manifests, usually one per platform (a multi-architecture image).',
    equivalent: MT.dockerList,
    source: OCI_SPEC,
  },
  {
    type: MT.manifest,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['manifest'],
    description:
      'An OCI image manifest: one config plus an ordered list of layers; also the carrier for artifacts.',
    equivalent: MT.dockerManifest,
    source: OCI_SPEC,
  },
  {
    type: MT.config,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['config', 'artifactType'],
    description:
      'An OCI image configuration: the runtime settings, root filesystem diff IDs and history of a container image. As an `artifactType` it marks a plain image in a referrers list.',
    equivalent: MT.dockerConfig,
    source: OCI_SPEC,
  },
  {
    type: MT.layerTar,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['layer'],
    description: 'An uncompressed tar archive holding one filesystem changeset of an image.',
    equivalent: 'application/vnd.docker.image.rootfs.diff.tar',
    source: OCI_SPEC,
  },
  {
    type: MT.layerGzip,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['layer'],
    description:
      'A gzip-compressed tar archive holding one filesystem changeset; the most common layer type.',
    equivalent: MT.dockerLayer,
    source: OCI_SPEC,
  },
  {
    type: MT.layerZstd,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['layer'],
    description:
      'A zstd-compressed tar archive holding one filesystem changeset. Implementations are only asked to support it (SHOULD), so older runtimes may fail to pull it.',
    equivalent: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
    source: OCI_SPEC,
  },
  {
    type: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
    ecosystem: 'oci',
    format: 'oci',
    roles: ['layer'],
    description:
      'An uncompressed layer that must not be pushed to registries, fetched from its `urls` instead.',
    deprecated: {
      replacement: MT.layerTar,
      why: 'image-spec 1.1 deprecated non-distributable layers; new images should not produce them',
    },
    equivalent: 'application/vnd.docker.image.rootfs.foreign.diff.tar',
    source: 'image-spec/layer.md#non-distributable-layers',
  },
  {
    type: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    ecosystem: 'oci',
    format: 'oci',
    roles: ['layer'],
    description:
      'A gzip-compressed layer that must not be pushed to registries, fetched from its `urls` instead.',
    deprecated: {
      replacement: MT.layerGzip,
      why: 'image-spec 1.1 deprecated non-distributable layers; new images should not produce them',
    },
    equivalent: MT.dockerForeignLayer,
    source: 'image-spec/layer.md#non-distributable-layers',
  },
  {
    type: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
    ecosystem: 'oci',
    format: 'oci',
    roles: ['layer'],
    description:
      'A zstd-compressed layer that must not be pushed to registries, fetched from its `urls` instead.',
    deprecated: {
      replacement: MT.layerZstd,
      why: 'image-spec 1.1 deprecated non-distributable layers; new images should not produce them',
    },
    source: 'image-spec/layer.md#non-distributable-layers',
  },
  {
    type: MT.empty,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['config', 'layer'],
    description:
      'The empty descriptor: the two-byte blob `{}`, used as the config (and single layer) of an artifact that has no such content. Its digest is fixed.',
    source: 'image-spec/manifest.md#guidance-for-an-empty-descriptor',
  },
  {
    type: MT.artifactManifest,
    ecosystem: 'oci',
    format: 'oci',
    roles: ['manifest'],
    description:
      'The OCI artifact manifest from the image-spec 1.1 release candidates. It was removed before 1.1.0 and registries reject it.',
    deprecated: {
      replacement: MT.manifest,
      why: 'it was removed before image-spec 1.1.0; artifacts are image manifests with `artifactType` and the empty config',
    },
    source: 'image-spec 1.1.0-rc artifact.md (removed)',
  },
  // ---- ocicrypt (encrypted layers) ----
  {
    type: 'application/vnd.oci.image.layer.v1.tar+encrypted',
    ecosystem: 'ocicrypt',
    format: 'oci',
    roles: ['layer'],
    description:
      'An encrypted uncompressed layer (ocicrypt); decryption keys travel in the layer annotations.',
    source: 'containers/ocicrypt',
  },
  {
    type: 'application/vnd.oci.image.layer.v1.tar+gzip+encrypted',
    ecosystem: 'ocicrypt',
    format: 'oci',
    roles: ['layer'],
    description:
      'An encrypted gzip-compressed layer (ocicrypt); decryption keys travel in the layer annotations.',
    source: 'containers/ocicrypt',
  },
  {
    type: 'application/vnd.oci.image.layer.v1.tar+zstd+encrypted',
    ecosystem: 'ocicrypt',
    format: 'oci',
    roles: ['layer'],
    description:
      'An encrypted zstd-compressed layer (ocicrypt); decryption keys travel in the layer annotations.',
    source: 'containers/ocicrypt',
  },
  // ---- Docker ----
  {
    type: MT.dockerManifest,
    ecosystem: 'docker',
    format: 'docker',
    roles: ['manifest'],
    description: 'A Docker image manifest, version 2 schema 2: one config plus an ordered list of layers.',
    equivalent: MT.manifest,
    source: DOCKER_SPEC,
  },
  {
    type: MT.dockerList,
    ecosystem: 'docker',
    format: 'docker',
    roles: ['index'],
    description: 'A Docker manifest list ("fat manifest"): one image manifest per platform.',
    equivalent: MT.index,
    source: DOCKER_SPEC,
  },
  {
    type: MT.dockerConfig,
    ecosystem: 'docker',
    format: 'docker',
    roles: ['config', 'artifactType'],
    description:
      'A Docker container image configuration (Docker image spec v1.2), the config of a Docker schema 2 image.',
    equivalent: MT.config,
    source: DOCKER_SPEC,
  },
  {
    type: MT.dockerLayer,
    ecosystem: 'docker',
    format: 'docker',
    roles: ['layer'],
    description:
      'A gzip-compressed tar layer in a Docker image; interchangeable with the OCI `tar+gzip` layer.',
    equivalent: MT.layerGzip,
    source: DOCKER_SPEC,
  },
  {
    type: 'application/vnd.docker.image.rootfs.diff.tar',
    ecosystem: 'docker',
    format: 'docker',
    roles: ['layer'],
    description:
      'An uncompressed tar layer in a Docker image. Not in the Docker manifest document, but known to common tooling.',
    equivalent: MT.layerTar,
    source: 'go-containerregistry pkg/v1/types',
  },
  {
    type: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
    ecosystem: 'docker',
    format: 'docker',
    roles: ['layer'],
    description:
      'A zstd-compressed tar layer under a Docker-style name. Only some tools know it; use OCI media types for zstd.',
    equivalent: MT.layerZstd,
    nonStandard: 'no Docker specification defines it; it appears in regclient and BuildKit code',
    source: 'regclient types/mediatype',
  },
  {
    type: MT.dockerForeignLayer,
    ecosystem: 'docker',
    format: 'docker',
    roles: ['layer'],
    description:
      'A gzip-compressed "foreign" layer that is pulled from its `urls` and never pushed (Windows base layers used it).',
    equivalent: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    source: DOCKER_SPEC,
  },
  {
    type: 'application/vnd.docker.image.rootfs.foreign.diff.tar',
    ecosystem: 'docker',
    format: 'docker',
    roles: ['layer'],
    description: 'An uncompressed "foreign" layer that is pulled from its `urls` and never pushed.',
    equivalent: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
    source: 'containers/image manifest/docker_schema2.go',
  },
  {
    type: 'application/vnd.docker.plugin.v1+json',
    ecosystem: 'docker',
    roles: ['config'],
    description: 'The config of a Docker Engine managed plugin, carried in a Docker schema 2 manifest.',
    source: DOCKER_SPEC,
  },
  {
    type: MT.dockerSchema1,
    ecosystem: 'docker',
    format: 'docker',
    roles: ['manifest'],
    description:
      'A Docker image manifest, schema 1 (unsigned). Deprecated: Docker no longer pulls it by default and Docker Hub refuses it.',
    deprecated: {
      replacement: MT.dockerManifest,
      why: 'Docker schema 1 is deprecated and no longer pulled by default',
    },
    source: 'docker/deprecated-schema-v1.md',
  },
  {
    type: MT.dockerSchema1Signed,
    ecosystem: 'docker',
    format: 'docker',
    roles: ['manifest'],
    description: 'A signed (JWS) Docker image manifest, schema 1. Deprecated like all of schema 1.',
    deprecated: {
      replacement: MT.dockerManifest,
      why: 'Docker schema 1 is deprecated and no longer pulled by default',
    },
    source: 'docker/deprecated-schema-v1.md',
  },
  {
    type: 'application/vnd.docker.container.image.rootfs.diff+x-gtar',
    ecosystem: 'docker',
    format: 'docker',
    roles: ['layer'],
    description: 'The layer type of Docker schema 1 images. Deprecated with schema 1.',
    deprecated: { replacement: MT.dockerLayer, why: 'it belongs to Docker schema 1, which is deprecated' },
    source: 'distribution/distribution manifest/schema1',
  },
  {
    type: 'application/vnd.docker.ai.model.config.v0.1+json',
    ecosystem: 'docker',
    roles: ['config', 'artifactType'],
    description: 'The config of an AI model packaged for Docker Model Runner.',
    source: 'modelpack/model-spec compatibility notes',
  },
  // ---- BuildKit ----
  {
    type: 'application/vnd.buildkit.cacheconfig.v0',
    ecosystem: 'buildkit',
    roles: ['config', 'layer'],
    description:
      'BuildKit build-cache metadata. It is the config of a cache manifest, or an entry of a legacy cache index whose other entries are layers.',
    source: 'moby/buildkit cache/remotecache',
  },
  // ---- Helm ----
  {
    type: 'application/vnd.cncf.helm.config.v1+json',
    ecosystem: 'helm',
    roles: ['config', 'artifactType'],
    description:
      'The config of a Helm chart stored in an OCI registry: the chart metadata (Chart.yaml) as JSON.',
    source: 'helm/helm pkg/registry/constants.go',
  },
  {
    type: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
    ecosystem: 'helm',
    roles: ['layer'],
    description: 'The packaged Helm chart (the `.tgz` file) as a layer.',
    source: 'helm/helm pkg/registry/constants.go',
  },
  {
    type: 'application/vnd.cncf.helm.chart.provenance.v1.prov',
    ecosystem: 'helm',
    roles: ['layer'],
    description: 'A Helm chart provenance file (the signed `.prov` file) as a layer.',
    source: 'helm/helm pkg/registry/constants.go',
  },
  {
    type: 'application/tar+gzip',
    ecosystem: 'helm',
    roles: ['layer'],
    description:
      'A generic gzipped tarball; Helm still reads it as the chart layer of charts pushed by early Helm 3 releases.',
    source: 'helm/helm pkg/registry/constants.go (legacy chart layer)',
  },
  // ---- Cosign / Sigstore ----
  {
    type: 'application/vnd.dev.cosign.simplesigning.v1+json',
    ecosystem: 'cosign',
    roles: ['layer'],
    description:
      'A Cosign signature payload ("simple signing" JSON); the signature itself is in the layer annotations.',
    source: 'sigstore/cosign pkg/types/media.go',
  },
  {
    type: 'application/vnd.dsse.envelope.v1+json',
    ecosystem: 'in-toto',
    roles: ['layer'],
    description:
      'A DSSE envelope: a signed payload (typically an in-toto attestation), as Cosign stores attestations.',
    source: 'sigstore/cosign pkg/types/media.go',
  },
  {
    type: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    ecosystem: 'cosign',
    roles: ['artifactType'],
    description: 'The `artifactType` of a Cosign signature stored as an OCI 1.1 referrer.',
    source: 'sigstore/cosign internal/pkg/oci/remote/remote.go',
  },
  {
    type: 'application/vnd.dev.cosign.artifact.att.v1+json',
    ecosystem: 'cosign',
    roles: ['artifactType'],
    description: 'The `artifactType` of a Cosign attestation stored as an OCI 1.1 referrer.',
    source: 'sigstore/cosign internal/pkg/oci/remote/remote.go',
  },
  {
    type: 'application/vnd.dev.cosign.artifact.sbom.v1+json',
    ecosystem: 'cosign',
    roles: ['artifactType'],
    description: 'The `artifactType` of an SBOM attached with Cosign as an OCI 1.1 referrer.',
    source: 'sigstore/cosign internal/pkg/oci/remote/remote.go',
  },
  {
    type: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    ecosystem: 'sigstore',
    roles: ['artifactType', 'layer'],
    description:
      'A Sigstore bundle (signature, certificate and transparency-log proof in one JSON document), version 0.3.',
    source: 'sigstore/protobuf-specs',
  },
  // ---- SBOM formats ----
  {
    type: 'application/spdx+json',
    ecosystem: 'spdx',
    roles: ['layer', 'artifactType'],
    description: 'An SPDX software bill of materials in JSON (the IANA-registered type).',
    source: 'IANA media types registry',
  },
  {
    type: 'text/spdx',
    ecosystem: 'spdx',
    roles: ['layer', 'artifactType'],
    description: 'An SPDX software bill of materials in the tag-value text format.',
    source: 'IANA media types registry; sigstore/cosign pkg/types/media.go',
  },
  {
    type: 'application/vnd.cyclonedx+json',
    ecosystem: 'cyclonedx',
    roles: ['layer', 'artifactType'],
    description: 'A CycloneDX software bill of materials in JSON.',
    source: 'IANA media types registry',
  },
  {
    type: 'application/vnd.cyclonedx+xml',
    ecosystem: 'cyclonedx',
    roles: ['layer', 'artifactType'],
    description: 'A CycloneDX software bill of materials in XML.',
    source: 'IANA media types registry',
  },
  {
    type: 'application/vnd.syft+json',
    ecosystem: 'syft',
    roles: ['layer', 'artifactType'],
    description: "An SBOM in Syft's own JSON format.",
    source: 'sigstore/cosign pkg/types/media.go',
  },
  // ---- Notary Project (Notation) ----
  {
    type: 'application/vnd.cncf.notary.signature',
    ecosystem: 'notation',
    roles: ['artifactType', 'config'],
    description:
      'The `artifactType` of a Notary Project (Notation) signature. Older signatures used it as `config.mediaType` instead of the empty config.',
    source: 'notaryproject/notation-go registry/mediatype.go',
  },
  {
    type: 'application/vnd.cncf.notary.v2.signature',
    ecosystem: 'notation',
    roles: ['artifactType'],
    description: 'The artifact type of Notary v2 signatures made by Notation pre-releases, before 1.0.',
    deprecated: {
      replacement: 'application/vnd.cncf.notary.signature',
      why: 'Notation 1.0 and later use a different artifact type and do not find these signatures',
    },
    source: 'notaryproject/notation (pre-1.0)',
  },
  {
    type: 'application/jose+json',
    ecosystem: 'notation',
    roles: ['layer'],
    description: 'A JWS signature envelope (JSON serialization); Notation stores signatures in it.',
    source: 'IANA media types registry; notaryproject/notation-go',
  },
  {
    type: 'application/cose',
    ecosystem: 'notation',
    roles: ['layer'],
    description: 'A COSE signature envelope; Notation stores signatures in it.',
    source: 'IANA media types registry; notaryproject/notation-go',
  },
  {
    type: 'application/vnd.cncf.notary.payload.v1+json',
    ecosystem: 'notation',
    roles: ['embedded'],
    description:
      'The payload inside a Notation signature envelope (the signed descriptor); not a descriptor media type.',
    source: 'notaryproject/notation-go',
  },
  // ---- in-toto ----
  {
    type: 'application/vnd.in-toto+json',
    ecosystem: 'in-toto',
    roles: ['layer', 'artifactType'],
    description:
      'An in-toto attestation statement (provenance, SBOM...); BuildKit attestation manifests carry one per layer, with an `in-toto.io/predicate-type` annotation.',
    source: 'moby/buildkit docs/attestations/attestation-storage.md',
  },
  // ---- WebAssembly ----
  {
    type: 'application/vnd.wasm.config.v0+json',
    ecosystem: 'wasm',
    roles: ['config', 'artifactType'],
    description:
      'The config of a WebAssembly component or module packaged by the CNCF TAG Runtime Wasm OCI format.',
    source: 'bytecodealliance/rust-oci-wasm',
  },
  {
    type: 'application/wasm',
    ecosystem: 'wasm',
    roles: ['layer'],
    description: 'A WebAssembly binary (IANA-registered type).',
    source: 'IANA media types registry; bytecodealliance/rust-oci-wasm',
  },
  {
    type: 'application/vnd.wasm.config.v1+json',
    ecosystem: 'wasm',
    roles: ['config', 'artifactType'],
    description: 'The config of a WebAssembly module packaged by the older wasm-to-oci tool.',
    source: 'sigstore/cosign pkg/types/media.go',
  },
  {
    type: 'application/vnd.wasm.content.layer.v1+wasm',
    ecosystem: 'wasm',
    roles: ['layer'],
    description: 'A WebAssembly module layer in the older wasm-to-oci format.',
    source: 'sigstore/cosign pkg/types/media.go',
  },
  {
    type: 'application/vnd.module.wasm.config.v1+json',
    ecosystem: 'wasm',
    roles: ['config', 'artifactType'],
    description: 'The config of a WebAssembly module in the Solo.io (WebAssembly Hub) format.',
    source: 'GitLab container registry media-type list',
  },
  {
    type: 'application/vnd.module.wasm.content.layer.v1+wasm',
    ecosystem: 'wasm',
    roles: ['layer'],
    description: 'A WebAssembly module layer in the Solo.io (WebAssembly Hub) format.',
    source: 'GitLab container registry media-type list',
  },
  // ---- Singularity / Apptainer ----
  {
    type: 'application/vnd.sylabs.sif.config.v1+json',
    ecosystem: 'sif',
    roles: ['config', 'artifactType'],
    description: 'The config of a Singularity/Apptainer SIF image stored in an OCI registry.',
    source: 'sylabs/sif',
  },
  {
    type: 'application/vnd.sylabs.sif.layer.v1.sif',
    ecosystem: 'sif',
    roles: ['layer'],
    description: 'A Singularity/Apptainer SIF image file as a layer.',
    source: 'sylabs/sif',
  },
  // ---- Open Policy Agent ----
  {
    type: 'application/vnd.cncf.openpolicyagent.config.v1+json',
    ecosystem: 'opa',
    roles: ['config', 'artifactType'],
    description: 'The config of an Open Policy Agent bundle stored in an OCI registry.',
    source: 'aquasecurity/trivy pkg/policy/policy.go',
  },
  {
    type: 'application/vnd.cncf.openpolicyagent.layer.v1.tar+gzip',
    ecosystem: 'opa',
    roles: ['layer'],
    description: 'An Open Policy Agent bundle (policies and data) as a gzipped tarball.',
    source: 'aquasecurity/trivy pkg/policy/policy.go',
  },
  {
    type: 'application/vnd.cncf.openpolicyagent.policy.layer.v1+rego',
    ecosystem: 'opa',
    roles: ['layer'],
    description: 'A single Rego policy file as a layer (older OPA OCI format).',
    source: 'GitLab container registry media-type list',
  },
  {
    type: 'application/vnd.cncf.openpolicyagent.data.layer.v1+json',
    ecosystem: 'opa',
    roles: ['layer'],
    description: 'An OPA data document as a layer (older OPA OCI format).',
    source: 'GitLab container registry media-type list',
  },
  {
    type: 'application/vnd.cncf.openpolicyagent.manifest.layer.v1+json',
    ecosystem: 'opa',
    roles: ['layer'],
    description:
      'An OPA bundle manifest as a layer (older OPA OCI format); despite the name it is not an OCI manifest.',
    source: 'GitLab container registry media-type list',
  },
  // ---- Flux ----
  {
    type: 'application/vnd.cncf.flux.config.v1+json',
    ecosystem: 'flux',
    roles: ['config', 'artifactType'],
    description: 'The config of a Flux OCI artifact (Kubernetes manifests pushed with `flux push artifact`).',
    source: 'fluxcd documentation (OCI artifacts)',
  },
  {
    type: 'application/vnd.cncf.flux.content.v1.tar+gzip',
    ecosystem: 'flux',
    roles: ['layer'],
    description: 'The content of a Flux OCI artifact: a gzipped tarball of Kubernetes manifests.',
    source: 'fluxcd documentation (OCI artifacts)',
  },
  // ---- ORAS ----
  {
    type: 'application/vnd.unknown.config.v1+json',
    ecosystem: 'oras',
    roles: ['config', 'artifactType'],
    description: 'The placeholder config type ORAS uses when none is given (older ORAS releases).',
    source: 'oras-project/oras-go pack.go',
  },
  {
    type: 'application/vnd.unknown.artifact.v1',
    ecosystem: 'oras',
    roles: ['artifactType'],
    description: 'The placeholder `artifactType` ORAS uses when none is given.',
    source: 'oras-project/oras-go pack.go',
  },
  {
    type: 'application/vnd.cncf.oras.artifact.manifest.v1+json',
    ecosystem: 'oras',
    roles: ['manifest'],
    description:
      'The ORAS artifact manifest, an experimental format that predates OCI 1.1 artifacts. Few registries accept it.',
    deprecated: {
      replacement: MT.manifest,
      why: 'OCI 1.1 replaced it with image manifests that carry `artifactType`',
    },
    source: 'oras-project/artifacts-spec (archived)',
  },
  // ---- Dev Containers ----
  {
    type: 'application/vnd.devcontainers',
    ecosystem: 'devcontainers',
    roles: ['config', 'artifactType'],
    description: 'The config type of a Dev Container Feature or Template published to an OCI registry.',
    source: 'devcontainers/cli src/spec-configuration/containerCollectionsOCI.ts',
  },
  {
    type: 'application/vnd.devcontainers.layer.v1+tar',
    ecosystem: 'devcontainers',
    roles: ['layer'],
    description: 'A Dev Container Feature or Template as a tarball layer.',
    source: 'devcontainers/cli src/spec-configuration/containerCollectionsOCI.ts',
  },
  {
    type: 'application/vnd.devcontainers.collection.layer.v1+json',
    ecosystem: 'devcontainers',
    roles: ['layer'],
    description: 'The metadata of a Dev Container Features or Templates collection as a layer.',
    source: 'devcontainers/cli src/spec-configuration/containerCollectionsOCI.ts',
  },
  // ---- Trivy ----
  {
    type: 'application/vnd.aquasec.trivy.config.v1+json',
    ecosystem: 'trivy',
    roles: ['config', 'artifactType'],
    description: 'The config of a Trivy vulnerability database artifact.',
    source: 'GitLab container registry media-type list',
  },
  {
    type: 'application/vnd.aquasec.trivy.db.layer.v1.tar+gzip',
    ecosystem: 'trivy',
    roles: ['layer'],
    description: 'The Trivy vulnerability database as a gzipped tarball.',
    source: 'GitLab container registry media-type list',
  },
  {
    type: 'application/vnd.aquasec.trivy.javadb.layer.v1.tar+gzip',
    ecosystem: 'trivy',
    roles: ['layer'],
    description: 'The Trivy Java index database as a gzipped tarball.',
    source: 'GitLab container registry media-type list',
  },
  // ---- AI models (ModelPack) ----
  {
    type: 'application/vnd.cncf.model.manifest.v1+json',
    ecosystem: 'modelpack',
    roles: ['artifactType'],
    description:
      'The `artifactType` of an AI model packaged with the CNCF ModelPack specification (despite the name, not a manifest type).',
    source: 'modelpack/model-spec',
  },
  {
    type: 'application/vnd.cncf.model.config.v1+json',
    ecosystem: 'modelpack',
    roles: ['config'],
    description: 'The config of a ModelPack AI model: architecture, format and other model metadata.',
    source: 'modelpack/model-spec',
  },
  {
    type: 'application/vnd.cncf.model.weight.v1.raw',
    ecosystem: 'modelpack',
    roles: ['layer'],
    description:
      'Uncompressed model weights as a ModelPack layer; the file name is in `org.cncf.model.filepath`.',
    source: 'modelpack/model-spec',
  },
  // ---- SOCI ----
  {
    type: 'application/vnd.amazon.soci.index.v1+json',
    ecosystem: 'soci',
    roles: ['artifactType', 'config'],
    description: 'A SOCI (Seekable OCI) index for lazy loading of an image, version 1.',
    source: 'awslabs/soci-snapshotter consumers',
  },
  {
    type: 'application/vnd.amazon.soci.index.v2+json',
    ecosystem: 'soci',
    roles: ['artifactType', 'config'],
    description: 'A SOCI (Seekable OCI) index for lazy loading of an image, version 2.',
    source: 'awslabs/soci-snapshotter consumers',
  },
  // ---- CNAB / Artifact Hub ----
  {
    type: 'application/vnd.cnab.config.v1+json',
    ecosystem: 'cnab',
    roles: ['config', 'artifactType'],
    description: 'The config of a Cloud Native Application Bundle (CNAB).',
    source: 'GitLab container registry media-type list',
  },
  {
    type: 'application/vnd.cncf.artifacthub.config.v1+yaml',
    ecosystem: 'artifacthub',
    roles: ['config', 'artifactType'],
    description: 'The config of Artifact Hub repository metadata pushed to an OCI registry.',
    source: 'artifacthub/hub documentation',
  },
  {
    type: 'application/vnd.cncf.artifacthub.repository-metadata.layer.v1.yaml',
    ecosystem: 'artifacthub',
    roles: ['layer'],
    description: 'The Artifact Hub repository metadata file (`artifacthub-repo.yml`) as a layer.',
    source: 'artifacthub/hub documentation',
  },
  // ---- Generic IANA types common in artifacts ----
  {
    type: 'application/octet-stream',
    ecosystem: 'iana',
    roles: ['layer', 'config'],
    description:
      'Arbitrary binary data with no declared format (SOCI zTOCs and many ad-hoc artifacts use it).',
    source: 'IANA media types registry',
  },
  {
    type: 'application/json',
    ecosystem: 'iana',
    roles: ['layer', 'config'],
    description: 'A generic JSON document.',
    source: 'IANA media types registry',
  },
  {
    type: 'text/plain',
    ecosystem: 'iana',
    roles: ['layer'],
    description: 'Plain text.',
    source: 'IANA media types registry',
  },
  {
    type: 'application/gzip',
    ecosystem: 'iana',
    roles: ['layer'],
    description: 'A gzip-compressed file.',
    source: 'IANA media types registry',
  },
  {
    type: 'application/zip',
    ecosystem: 'iana',
    roles: ['layer'],
    description: 'A ZIP archive.',
    source: 'IANA media types registry',
  },
  {
    type: 'application/yaml',
    ecosystem: 'iana',
    roles: ['layer', 'config'],
    description: 'A YAML document.',
    source: 'IANA media types registry (RFC 9512)',
  },
];

/** Misspellings that are far from their intended type by edit distance, or common enough to name. */
export const LOOK_ALIKES: readonly LookAlike[] = [
  {
    type: 'application/vnd.cncf.helm.chart.config.v1+json',
    replacement: 'application/vnd.cncf.helm.config.v1+json',
    why: 'Helm\'s config type has no ".chart" segment; this spelling circulates in registry tooling and tests but Helm does not recognise it',
  },
  {
    type: 'text/spdx+json',
    replacement: 'application/spdx+json',
    why: 'the IANA-registered type for SPDX JSON is under "application/"; Cosign\'s `attach sbom` still writes "text/spdx+json", so other tools may not find the SBOM',
  },
  {
    type: 'application/vnd.spdx+json',
    replacement: 'application/spdx+json',
    why: 'SPDX JSON is registered in the standards tree, without "vnd."',
  },
  {
    type: 'application/cyclonedx+json',
    replacement: 'application/vnd.cyclonedx+json',
    why: 'CycloneDX is registered in the vendor tree, with "vnd."',
  },
  {
    type: 'application/cyclonedx+xml',
    replacement: 'application/vnd.cyclonedx+xml',
    why: 'CycloneDX is registered in the vendor tree, with "vnd."',
  },
  {
    type: 'application/vnd.cncf.helm.chart.v1.tar+gzip',
    replacement: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
    why: 'Helm\'s chart layer type has a ".content" segment',
  },
  {
    type: 'application/vnd.oci.image.empty.v1+json',
    replacement: MT.empty,
    why: 'the empty descriptor type has no ".image" segment',
  },
  {
    type: 'application/vnd.oci.manifest.v1+json',
    replacement: MT.manifest,
    why: 'the OCI manifest type has an ".image" segment',
  },
  {
    type: 'application/vnd.oci.index.v1+json',
    replacement: MT.index,
    why: 'the OCI index type has an ".image" segment',
  },
  {
    type: 'application/vnd.oci.config.v1+json',
    replacement: MT.config,
    why: 'the OCI image config type has an ".image" segment',
  },
  {
    type: 'application/vnd.oci.image.manifest.list.v1+json',
    replacement: MT.index,
    why: 'OCI calls the Docker "manifest list" an image index',
  },
  {
    type: 'application/vnd.oci.image.layer.tar',
    replacement: MT.layerTar,
    why: 'OCI layer types carry a ".v1" version segment',
  },
  {
    type: 'application/vnd.oci.image.layer.tar+gzip',
    replacement: MT.layerGzip,
    why: 'OCI layer types carry a ".v1" version segment',
  },
  {
    type: 'application/vnd.oci.image.layer.tar+zstd',
    replacement: MT.layerZstd,
    why: 'OCI layer types carry a ".v1" version segment',
  },
];

const BY_TYPE: ReadonlyMap<string, MediaTypeInfo> = new Map(MEDIA_TYPES.map((e) => [e.type, e]));
const LOOK_ALIKE_BY_TYPE: ReadonlyMap<string, LookAlike> = new Map(LOOK_ALIKES.map((l) => [l.type, l]));

/** The catalog entry for an exact media type, if known. */
export function mediaTypeInfo(type: string): MediaTypeInfo | undefined {
  return BY_TYPE.get(type);
}

/** The look-alike entry for a value (compared in lowercase), if it is a known misspelling. */
export function lookAlikeOf(value: string): LookAlike | undefined {
  return LOOK_ALIKE_BY_TYPE.get(value.toLowerCase());
}

/** True for types that fit `manifests[]` and `subject`: manifests and indexes of any ecosystem. */
export const isManifestOrIndexType = (info: MediaTypeInfo): boolean =>
  info.roles.includes('manifest') || info.roles.includes('index');

/** True for the OCI layer types (plain, non-distributable and encrypted). */
export const isOciLayerType = (info: MediaTypeInfo | undefined): boolean =>
  !!info && info.format === 'oci' && info.roles.includes('layer') && info.type !== MT.empty;

/** Config types a Docker schema 2 manifest may legitimately carry besides the image config. */
export const DOCKER_CONFIG_TYPES: ReadonlySet<string> = new Set([
  MT.dockerConfig,
  'application/vnd.docker.plugin.v1+json',
  'application/vnd.buildkit.cacheconfig.v0',
]);

/**
 * Config types that old registries wrote into Docker schema 2 manifests (distribution issue 1621) and that Docker
 * Engine still pulls as image configs, with the empty type it treats the same way (moby's distribution/config.go
 * keeps this list).
 */
export const DOCKER_LEGACY_CONFIG_TYPES: ReadonlySet<string> = new Set([
  'application/octet-stream',
  'application/json',
  'text/html',
  '',
]);

/** The config type of BuildKit's cache; a legacy cache index lists it among layer blobs. */
export const BUILDKIT_CACHE_CONFIG = 'application/vnd.buildkit.cacheconfig.v0';

// ---------------------------------------------------------------------------------------------------------
// Syntax (RFC 6838 §4.2) and classification

/** The top-level types registered under RFC 6838 (and its updates: font, haptics). */
export const TOP_LEVEL_TYPES: ReadonlySet<string> = new Set([
  'application',
  'audio',
  'example',
  'font',
  'haptics',
  'image',
  'message',
  'model',
  'multipart',
  'text',
  'video',
]);

const RESTRICTED_FIRST = /[A-Za-z0-9]/;
const RESTRICTED_CHAR = /[A-Za-z0-9!#$&^_.+-]/;
const MAX_NAME = 127;
const WELL_FORMED = /^([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** Why a value is not a well-formed media type, or undefined when it is. */
export function mediaTypeSyntaxProblem(value: string): string | undefined {
  // Fast path: the common, well-formed case in one regular expression.
  const ok = WELL_FORMED.exec(value);
  if (ok && TOP_LEVEL_TYPES.has(ok[1]!.toLowerCase())) return undefined;
  if (value === '') return 'is empty';
  if (value.trim() !== value) return 'has leading or trailing whitespace';
  if (value.includes(';')) {
    return 'carries parameters (after ";"); OCI media types are a bare type/subtype, and the image-spec schema and many registries reject parameters';
  }
  const slash = value.indexOf('/');
  if (slash < 0) return 'has no "/" between the type and the subtype';
  if (value.indexOf('/', slash + 1) >= 0) return 'has more than one "/"';
  const type = value.slice(0, slash);
  const sub = value.slice(slash + 1);
  for (const [label, name] of [
    ['type', type],
    ['subtype', sub],
  ] as const) {
    if (name === '') return `has an empty ${label} name`;
    if (name.length > MAX_NAME)
      return `has a ${label} name of ${name.length} characters; RFC 6838 allows at most ${MAX_NAME}`;
    if (!RESTRICTED_FIRST.test(name[0]!))
      return `has a ${label} name starting with "${name[0]}"; it must start with a letter or digit`;
    for (const ch of name) {
      if (!RESTRICTED_CHAR.test(ch)) {
        const shown = /\s/.test(ch) ? 'whitespace' : `"${ch}"`;
        return `contains ${shown} in its ${label} name; RFC 6838 allows only letters, digits and ! # $ & - ^ _ . +`;
      }
    }
  }
  if (!TOP_LEVEL_TYPES.has(type.toLowerCase())) {
    return `has the top-level type "${type}", which is not registered; RFC 6838 top-level types are ${[...TOP_LEVEL_TYPES].join(', ')}`;
  }
  return undefined;
}

/** How a media-type value relates to the catalog. */
export type MediaTypeVerdict =
  | { kind: 'known'; info: MediaTypeInfo }
  | { kind: 'syntax'; problem: string; replacement?: string }
  | { kind: 'look-alike'; replacement: string; why: string }
  | { kind: 'unknown' };

/** Fuzzy matching only considers entries this long: short generic types are too close to each other. */
const FUZZY_MIN_LENGTH = 24;
const FUZZY_MAX_DISTANCE = 2;

/** A fuzzy candidate: its text and its character counts, for a cheap lower bound before the real distance. */
interface Candidate {
  type: string;
  /** Counts per character code (codes ≥ 127 share the last bucket). */
  counts: Int16Array;
  /** The distinct codes present, to walk only those. */
  codes: Uint8Array;
}

function charCounts(s: string, into: Int16Array): void {
  for (let i = 0; i < s.length; i++) into[Math.min(s.charCodeAt(i), 127)]!++;
}

const FUZZY_CANDIDATES: readonly Candidate[] = MEDIA_TYPES.filter(
  (e) => e.type.length >= FUZZY_MIN_LENGTH,
).map((e) => {
  const counts = new Int16Array(128);
  charCounts(e.type, counts);
  const codes = Uint8Array.from([...counts.keys()].filter((c) => counts[c]! > 0));
  return { type: e.type, counts, codes };
});

const scratch = new Int16Array(128);

/**
 * Half the L1 distance between two character histograms never exceeds the edit distance (a substitution
 * moves two counts by one, an insertion or deletion one), so it rules most candidates out cheaply.
 * `value` holds the value's counts; `valueLength` its length.
 */
function countsFar(value: Int16Array, valueLength: number, c: Candidate, max: number): boolean {
  // Sum over the candidate's codes of |a-b|, plus what the value has outside them.
  let l1 = 0;
  let shared = 0;
  for (let i = 0; i < c.codes.length; i++) {
    const code = c.codes[i]!;
    const a = value[code]!;
    const b = c.counts[code]!;
    l1 += a > b ? a - b : b - a;
    shared += a;
    if (l1 > 2 * max) return true;
  }
  l1 += valueLength - shared;
  return l1 > 2 * max;
}

// Two names that differ only in their numbers are different versions, not a typo.
const versionShape = (s: string): string => s.replace(/[0-9]+/g, '#');

/** The catalog type nearest to `value` within the fuzzy distance, ignoring pure version differences. */
export function nearestKnownType(value: string): string | undefined {
  const lower = value.toLowerCase();
  let counted = false;
  let best: string | undefined;
  let bestDistance = FUZZY_MAX_DISTANCE + 1;
  for (const candidate of FUZZY_CANDIDATES) {
    if (Math.abs(candidate.type.length - lower.length) > FUZZY_MAX_DISTANCE) continue;
    if (!counted) {
      scratch.fill(0);
      charCounts(lower, scratch);
      counted = true;
    }
    if (countsFar(scratch, lower.length, candidate, FUZZY_MAX_DISTANCE)) continue;
    const d = editDistance(lower, candidate.type, FUZZY_MAX_DISTANCE);
    if (d < bestDistance && (d === 0 || versionShape(lower) !== versionShape(candidate.type))) {
      best = candidate.type;
      bestDistance = d;
    }
  }
  return best;
}

/** Known replacements for Sigstore's parameterised bundle type. */
function withoutParameters(value: string): string {
  const bare = value.split(';')[0]!.trim();
  const m = /^application\/vnd\.dev\.sigstore\.bundle\+json\s*;\s*version=([0-9.]+)\s*$/i.exec(value.trim());
  return m ? `application/vnd.dev.sigstore.bundle.v${m[1]}+json` : bare;
}

/** A plausible correction for a malformed value, if one is close to a known type. */
function repairSyntax(value: string): string | undefined {
  let candidate = withoutParameters(value).replace(/\s+/g, '');
  if (!candidate.includes('/') && candidate.startsWith('vnd.')) candidate = `application/${candidate}`;
  const lower = candidate.toLowerCase();
  if (BY_TYPE.has(lower)) return lower;
  const trap = LOOK_ALIKE_BY_TYPE.get(lower);
  if (trap) return trap.replacement;
  const near = nearestKnownType(lower);
  if (near) return near;
  return mediaTypeSyntaxProblem(candidate) === undefined && candidate !== value ? candidate : undefined;
}

const cache = new Map<string, MediaTypeVerdict>();
const CACHE_LIMIT = 50_000;

/**
 * Classifies a media-type value: a known catalog entry, malformed (with a repair when one is plausible),
 * a look-alike of a known type (a named trap, a letter-case variant, or within edit distance 2), or
 * unknown. Results are cached, so a 10,000-entry index with a few distinct types costs a few lookups.
 */
export function classifyMediaType(value: string): MediaTypeVerdict {
  // The last few values first: a string comparison is cheaper than hashing a fresh 45-character string for
  // the map, and an index's entries repeat one or two types.
  for (let i = 0; i < RECENT; i++) if (recentValues[i] === value) return recentVerdicts[i]!;
  let verdict = cache.get(value);
  if (!verdict) {
    verdict = computeVerdict(value);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(value, verdict);
  }
  recentValues[recentNext] = value;
  recentVerdicts[recentNext] = verdict;
  recentNext = (recentNext + 1) % RECENT;
  return verdict;
}

const RECENT = 4;
const recentValues: (string | undefined)[] = new Array<string | undefined>(RECENT).fill(undefined);
const recentVerdicts: (MediaTypeVerdict | undefined)[] = new Array<MediaTypeVerdict | undefined>(RECENT).fill(
  undefined,
);
let recentNext = 0;

function computeVerdict(value: string): MediaTypeVerdict {
  const info = BY_TYPE.get(value);
  if (info) return { kind: 'known', info };
  const problem = mediaTypeSyntaxProblem(value);
  if (problem) {
    const replacement = repairSyntax(value);
    return replacement ? { kind: 'syntax', problem, replacement } : { kind: 'syntax', problem };
  }
  const lower = value.toLowerCase();
  const trap = LOOK_ALIKE_BY_TYPE.get(lower);
  if (trap) return { kind: 'look-alike', replacement: trap.replacement, why: trap.why };
  if (BY_TYPE.has(lower)) {
    return {
      kind: 'look-alike',
      replacement: lower,
      why: 'media types are case-insensitive in RFC 6838, but registries and runtimes compare them byte for byte',
    };
  }
  const near = nearestKnownType(lower);
  if (near)
    return {
      kind: 'look-alike',
      replacement: near,
      why: 'it is one or two characters away from a known type',
    };
  return { kind: 'unknown' };
}

export { editDistance } from '../distance';
