/**
 * Digest verification: the engine behind the *Verify Digests* and *Verify Layout* commands and
 * `oci-manifest verify`. Everything in core/verify is pure (no file system, no network): content comes
 * from injected content sources (core/content/source.ts) and hashing from an injected `HasherFactory`. The
 * node side supplies the real ones: server/src/node/content/ (an OCI layout folder, a registry) and
 * server/src/node/verify/hash.ts.
 *
 * ## API for front ends (the editor and the CLI)
 *
 * Verify one document's descriptors (the *Verify Digests* command):
 * ```ts
 * const root = findLayoutRoot(fsPath);                        // node/content/layoutRoot.ts: THE root rule
 * const registry = registrySource('reg.example.com/team/app', { credentials, insecure: [] });
 * const report = await verifyDocument(text, {
 *   sources: [embeddedDataSource(), ...(root ? [openLayoutSource(root)] : []), registry],
 *   hasher: nodeHasherFactory, concurrency: 4, signal, onProgress, severities,
 *   origin: { fileName: fsPath, besideOciLayout },
 * });
 * registry.close?.();
 * report.findings;        // Finding[] in UTF-16 offsets of `text` (range = the descriptor's digest value)
 * report.results;         // DescriptorResult per descriptor: status, path, span, actual size/digest, source
 * report.summary.text;    // "12 verified, 1 mismatch, 2 not found"
 * ```
 * - `verifyDocument` never rejects: source failures become `unreadable` results with an
 *   `oci/blob-unreadable` finding, cancellation becomes `cancelled` results.
 * - A descriptor whose `size` is not a non-negative integer is `skipped`: its content is not read. Each blob
 *   is read at most once per verifier (`size + 1` bytes at most).
 * - A blob named as a manifest or an index must be one: otherwise its result is `invalid`
 *   (`oci/blob-not-manifest`); one too large to check in full is `unchecked` (`oci/blob-not-checked`). Neither
 *   counts as verified.
 * - A missing blob is a warning where the sources may lack blobs (an OCI layout) and an error where they must
 *   not (a registry) or with `requireComplete`; a referrer's missing `subject` is `oci/subject-elsewhere` (info).
 * - Sources are consulted in the order given and the first that has a blob decides.
 * - `createVerifier(options)` gives a `Verifier` whose `verify(refs, locate)` can be called several times
 *   (concurrently) sharing one concurrency bound, one progress count and one cache.
 *
 * Verify a whole image (core/verify/layout.ts): `verifyLayout(source, options)` for a source with root files
 * and a listing (an OCI layout), `verifyTree(text, options)` for a document and everything it reaches. Both
 * walk the image once (core/layout/graph.ts) and report per file (`ImageFileReport`).
 *
 * Rule codes (all in THE rule table, docs/rules.md): `oci/blob-missing`, `oci/subject-elsewhere`,
 * `oci/blob-size-mismatch`, `oci/blob-digest-mismatch`, `oci/blob-unreadable`, `oci/blob-not-manifest`,
 * `oci/blob-not-checked`, `oci/layout-missing-file`, `oci/layout-blob-name`, `oci/layout-blob-path`,
 * `oci/layout-blob-not-file`, `oci/layout-blob-unreferenced`.
 */
export { verifyRules } from './rules';
export {
  BlobSourceError,
  defaultHasherFactory,
  embeddedDataSource,
  type BlobContent,
  type BlobErrorReason,
  type BlobRef,
  type ContentSource,
  type BlobStat,
  type Hasher,
  type HasherFactory,
  type OpenOptions,
} from '../content/source';
export {
  addSummaries,
  createVerifier,
  hasDescriptors,
  isContentProblem,
  MANIFEST_MEDIA_TYPES,
  namesManifest,
  summarize,
  summaryText,
  validSize,
  verifyDocument,
  type BlobOutcome,
  type DescriptorResult,
  type DocumentVerifyReport,
  type Verifier,
  type VerifierOptions,
  type VerifyDocumentOptions,
  type VerifyProgress,
  type VerifyReport,
  type VerifyStatus,
  type VerifySummary,
} from './verify';
export {
  verifyLayout,
  verifyTree,
  type ImageFileReport,
  type ImageReport,
  type LayoutBlobCounts,
  type LayoutReport,
  type VerifyImageOptions,
  type VerifyTreeOptions,
} from './layout';
export {
  hostName,
  isHostPort,
  isLoopback,
  parseRegistryReference,
  type RegistryReference,
} from './reference';
