import type { RuleInfo } from '../findings';

/**
 * The rules of digest verification (the Verify Digests / Verify Layout commands and `oci-manifest verify`).
 * They are part of THE rule table (codes.ts), so they are documented in docs/rules.md and can be
 * re-levelled like any other code. Live validation never reports them: they need the blobs.
 */
const DESCRIPTOR = 'image-spec/descriptor.md';
const LAYOUT = 'image-spec/image-layout.md';
const MANIFEST = 'image-spec/manifest.md';
const PULL = 'distribution-spec/spec.md#pulling-manifests';

export const verifyRules: readonly RuleInfo[] = [
  {
    code: 'oci/blob-missing',
    severity: 'warning',
    title: 'The blob a descriptor names was not found',
    description:
      'Digest verification looked for the content in every source it was given (embedded `data`, the enclosing OCI image layout, a registry) and none had it; the message says where it looked. An image layout may lack blobs that an external store provides (a layout that pulled one platform of a multi-platform index), so there it is a warning and `oci-manifest verify` exits 0. A registry must hold every blob its manifests name, so a blob missing from a registry is an error, as is any missing blob with `oci-manifest verify --require-complete` or the `ociManifest.verify.requireComplete` setting.',
    spec: `${LAYOUT}#blobs`,
  },
  {
    code: 'oci/subject-elsewhere',
    severity: 'info',
    title: "A referrer's subject is not among the blobs looked in",
    description:
      'A manifest with a `subject` (a signature, an SBOM, an attestation) refers to another image, which usually lives in the registry the referrer was pushed to. A layout or repository that holds only the referrer is fine, so this is information; with `--require-complete` (or the `ociManifest.verify.requireComplete` setting) it is an error.',
    spec: `${MANIFEST}#image-manifest-property-descriptions`,
  },
  {
    code: 'oci/blob-not-manifest',
    severity: 'error',
    title: 'A blob named as a manifest or an index is not one',
    description:
      'The descriptor (an index entry, a `subject`, or any descriptor whose media type is a manifest or index type) names content that has the right size and digest but is not a manifest or an index: binary, UTF-16, empty, not JSON, JSON of another shape, or an image config. Clients that pull it fail to parse it. The blob is linted as the kind its descriptor names, so its own problems show on it too.',
    spec: `${DESCRIPTOR}#properties`,
  },
  {
    code: 'oci/blob-not-checked',
    severity: 'warning',
    title: 'A manifest or an index was too large to check in full',
    description:
      'Manifests and indexes up to 16 MiB are read, linted and walked; a larger one (or one met after 256 MiB of documents in one run) is hashed and its descriptors are followed while it streams, but its content is not linted. It is not counted as verified, and `oci-manifest verify` exits 1, so a manifest too large to check never passes silently. The same finding says when a walk had to stop at one of its bounds.',
    spec: `${DESCRIPTOR}#properties`,
  },
  {
    code: 'oci/blob-size-mismatch',
    severity: 'error',
    title: "The blob's length differs from the descriptor's `size`",
    description:
      'The content found for the descriptor has a different number of bytes than `size` says. Clients must refuse such content, so a pull fails. The message gives both lengths and where the content came from; the quick-fix data carries the real size (and the real digest when it was computed).',
    spec: `${DESCRIPTOR}#properties`,
  },
  {
    code: 'oci/blob-digest-mismatch',
    severity: 'error',
    title: "The blob does not hash to the descriptor's `digest`",
    description:
      'The content found for the descriptor has the right length but a different digest: it was changed, or the descriptor names other content. Clients must refuse it. The message gives the computed digest and where the content came from.',
    spec: `${DESCRIPTOR}#digests`,
  },
  {
    code: 'oci/blob-unreadable',
    severity: 'warning',
    title: 'The blob could not be read',
    description:
      'The content exists but reading it failed: a registry timed out, refused the credentials or answered with an error, or a layout entry is not a regular file inside the layout (a symbolic link leaving it, a FIFO, a device). Nothing is known about the content, so the descriptor is neither verified nor proven wrong.',
  },
  {
    code: 'oci/registry-digest-mismatch',
    severity: 'error',
    title: 'A registry served a manifest whose digest is not the one asked for or announced',
    description:
      "The bytes a registry sent for a manifest hash to another digest than the one in the reference (`@sha256:…`) or the one the registry announced in its `Docker-Content-Digest` header. The registry's storage was changed, a proxy rewrote the document, or the registry is lying; a client pulling it by digest fails. The document is still shown and linted as served, with this finding at its start.",
    spec: PULL,
    sentence:
      'distribution-spec, Pulling manifests: a client that uses `Docker-Content-Digest` must check that it matches the manifest returned, and should check a manifest pulled by digest against that digest.',
  },
  {
    code: 'oci/registry-media-type',
    severity: 'warning',
    title: "A manifest's `mediaType` differs from the `Content-Type` the registry served it with",
    description:
      'The registry answered with a `Content-Type` (parameters aside) other than the `mediaType` inside the document. Clients should refuse such a manifest: the registry stored it under another type than the one it declares (usually a push with the wrong `Content-Type`), and clients that trust the header read it as the wrong kind.',
    spec: PULL,
    sentence:
      'distribution-spec, Pulling manifests: when the manifest has a `mediaType` field, clients should reject it unless that value matches the `Content-Type` header.',
  },
  {
    code: 'oci/registry-tag-unavailable',
    severity: 'error',
    title: 'A tag the registry lists cannot be pulled',
    description:
      "`oci-manifest audit` lists a repository's tags and pulls each: this one is in the tag list, but the registry answered 404 for its manifest (storage that lost the manifest a tag points to, or a tag deleted while the audit ran). Clients pulling the tag fail.",
    spec: PULL,
    sentence:
      'distribution-spec, Pulling manifests: a GET of an existing manifest must answer 200 with the manifest, so a listed tag must be pullable.',
  },
  {
    code: 'oci/layout-missing-file',
    severity: 'error',
    title: 'An image layout lacks `oci-layout`, `index.json` or `blobs/`',
    description:
      'An OCI image layout must have an `oci-layout` file, an `index.json` file and a `blobs` directory (which may be empty). Without them tools do not recognise the folder as a layout or cannot find its images.',
    spec: `${LAYOUT}#content`,
  },
  {
    code: 'oci/layout-blob-name',
    severity: 'error',
    title: 'A blob file in a layout is not named by its digest',
    description:
      'The content of `blobs/<algorithm>/<encoded>` must hash to `<algorithm>:<encoded>`. A file whose content hashes to something else was renamed, corrupted or written incompletely. The message gives the digest of its content.',
    spec: `${LAYOUT}#blobs`,
  },
  {
    code: 'oci/layout-blob-path',
    severity: 'error',
    title: "An entry under a layout's `blobs/` is not `<algorithm>/<encoded>`",
    description:
      'Directories directly under `blobs/` are algorithms and the files in them are encoded digests, both following the digest grammar (and, for the registered algorithms, their exact lowercase hex form). Other names (temporary files, uppercase hex, files directly in `blobs/`) cannot be addressed by any descriptor.',
    spec: `${LAYOUT}#blobs`,
  },
  {
    code: 'oci/layout-blob-not-file',
    severity: 'error',
    title: 'A blob in a layout is not a regular file inside the layout',
    description:
      'Blobs are regular files. A symbolic link that leads outside the layout, a FIFO, a socket, a device or a directory in place of a blob is never read: it would let a layout make a tool read other files or hang.',
    spec: `${LAYOUT}#blobs`,
  },
  {
    code: 'oci/layout-blob-unreferenced',
    severity: 'info',
    title: 'A blob in a layout is not reachable from `index.json`',
    description:
      "No manifest or index reachable from the layout's `index.json` names this blob. Layouts may keep such blobs, but they are usually left over from an earlier image and only take space.",
    spec: `${LAYOUT}#blobs`,
  },
  {
    code: 'oci/archive-member',
    severity: 'error',
    title: 'An image archive holds a member that is never read',
    description:
      'A tar member whose name leaves the archive (`../x`, `/etc/passwd`) or holds a NUL, a name that appears twice, a link where a blob should be, or a `manifest.json` entry naming such a member. The archive is read in place from its member table, so such a member is left out and nothing outside the archive is ever read; the finding says which member and why. Tools that extract the archive may write outside their folder or pick the wrong duplicate.',
    spec: `${LAYOUT}#blobs`,
  },
  {
    code: 'oci/archive-format',
    severity: 'error',
    title: 'A file given as an image archive cannot be read as one',
    description:
      'Image archives are read in place from their tar member table: the file must be an uncompressed tar (decompress a `.tar.gz` first) whose members all lie inside it, with at most 1,000,000 members, holding an OCI layout (`oci-layout`, `index.json`, `blobs/`) or a `docker save` image (`manifest.json`) at its root. The message says which of these fails and where.',
  },
  {
    code: 'docker/archive-manifest',
    severity: 'error',
    title: "A `docker save` archive's `manifest.json` is missing or cannot be used",
    description:
      'A `docker save` archive (and `skopeo copy … docker-archive:`) lists its images in `manifest.json`: an array of entries with `Config` (the config file, named by its digest), `RepoTags` and `Layers` (the layer tars, in order). Without a readable one `docker load` cannot load anything, and nothing in the archive can be verified.',
  },
  {
    code: 'docker/archive-repositories',
    severity: 'warning',
    title: "A `docker save` archive's `repositories` disagrees with `manifest.json`",
    description:
      "The legacy `repositories` file maps each `repository` and tag to the ID of the image's top layer (a folder `<id>/` of the archive). Old Docker versions load tags from it, newer ones from the `RepoTags` of `manifest.json`: a tag only one of them has, or an ID that names no folder of the archive, loads differently depending on the version.",
  },
];
