/**
 * Digest verification: the engine behind the *Verify Digests* and *Verify Layout* commands and
 * `oci-manifest verify`. Everything in core/verify is pure (no file system, no network): content comes
 * from injected `BlobSource`s and hashing from an injected `HasherFactory`. The node side supplies
 * the real ones in server/src/node/verify/.
 *
 * ## API for front ends (the editor and the CLI)
 *
 * Verify one document (the *Verify Digests* command):
 * ```ts
 * import { verifyDocument, embeddedDataSource } from 'server/src/core/verify';
 * import { nodeHasherFactory } from 'server/src/node/verify/hash';
 * import { LayoutBlobSource, findLayoutRoot } from 'server/src/node/verify/layoutStore';
 * import { RegistryBlobSource } from 'server/src/node/verify/registryStore';
 *
 * const root = await findLayoutRoot(fsPath);                 // folder above with an oci-layout file
 * const registry = new RegistryBlobSource('reg.example.com/team/app', {
 *   credentials: { username, password },                     // e.g. from SecretStorage; else ~/.docker/config.json
 *   insecure: [], connectTimeoutMs: 10_000, timeoutMs: 30_000,
 * });
 * const controller = new AbortController();                  // wire to the progress notification's Cancel
 * const report = await verifyDocument(text, {
 *   sources: [...(root ? [await LayoutBlobSource.create(root)] : []), embeddedDataSource(), registry],
 *   hasher: nodeHasherFactory,
 *   concurrency: 4,
 *   signal: controller.signal,
 *   onProgress: ({ done, total, bytes, totalBytes }) => { ... },
 *   severities,                                               // the ociManifest.diagnostics.severity setting
 *   origin: { fileName: fsPath, besideOciLayout },
 * });
 * registry.close();
 * report.findings;        // Finding[] in UTF-16 offsets of `text` (range = the descriptor's digest value)
 * report.results;         // DescriptorResult per descriptor: status, path, span, actual size/digest, source
 * report.summary.text;    // "12 verified, 1 mismatch, 2 not found"
 * report.cancelled;       // true when the signal was aborted
 * ```
 * - `verifyDocument` never rejects: source failures become `unreadable` results with an
 *   `oci/blob-unreadable` finding, cancellation becomes `cancelled` results.
 * - A verified descriptor has `status: 'verified'` and its `span` (for a code lens or hover). Results are
 *   tied to the text they were computed on: keep them while the text inside `span` is unchanged.
 * - Quick-fix facts are in `finding.data`: `expectedSize`, `actualSize`, `expectedDigest`, `actualDigest`
 *   (absent when reading stopped early; pass `digestOnSizeMismatch: true` to read to the end and get it),
 *   `sizeIsLowerBound`, `source`, `where`.
 * - Sources are consulted in the order given and the first that has a blob decides. The CLI uses
 *   layout → embedded data → registry (the layout's file is what tools will read); an editor may put
 *   `embeddedDataSource()` first to skip I/O for descriptors that carry their content.
 * - Progress: `done`/`total` count distinct blobs and `bytes`/`totalBytes` their bytes; `total` grows while
 *   work is discovered (Verify Layout finds manifests as it walks), so show it as "n of at least m".
 * - `createVerifier(options)` gives a `Verifier` whose `verify(refs, locate)` can be called several times
 *   (concurrently) sharing one concurrency bound, one progress count and one cache by digest.
 * - `verifyDescriptors(refs, locate, options)` is the lower level: `refs` from `descriptorsOf(kind, root)`
 *   (core/model.ts) and `locate(path)` giving a span (e.g. `(p) => resolve(json, { path: p })`).
 *
 * Verify a layout folder (the *Verify Layout* command): `verifyLayout(root, options)` in
 * server/src/node/verify/verifyLayout.ts, with the same options minus `sources` (plus
 * `fallbackSources`, e.g. a registry for blobs the layout lacks). It returns one `LayoutFileReport` per
 * file (`oci-layout`, `index.json`, each manifest reached, each blob with a finding) with text, findings in
 * offsets of that text (0 for binary blobs) and descriptor results, plus `summary`, `blobs` counts and
 * a summary `text`.
 *
 * Compute a file's digest (*Compute Digest of File…*): `hashFile(path, algorithm)` in
 * server/src/node/verify/hash.ts streams with bounded memory and refuses special files.
 *
 * Rule codes (all in THE rule table, docs/rules.md): `oci/blob-missing`, `oci/blob-size-mismatch`,
 * `oci/blob-digest-mismatch`, `oci/blob-unreadable`, `oci/layout-missing-file`, `oci/layout-blob-name`,
 * `oci/layout-blob-path`, `oci/layout-blob-not-file`, `oci/layout-blob-unreferenced`.
 */
export { verifyRules } from './rules';
export {
  BlobSourceError,
  defaultHasherFactory,
  embeddedDataSource,
  type BlobContent,
  type BlobErrorReason,
  type BlobRef,
  type BlobSource,
  type BlobStat,
  type Hasher,
  type HasherFactory,
  type OpenOptions,
} from './source';
export {
  addSummaries,
  createVerifier,
  hasDescriptors,
  MANIFEST_MEDIA_TYPES,
  namesManifest,
  summarize,
  summaryText,
  verifyDescriptors,
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
  hostName,
  isHostPort,
  isLoopback,
  parseRegistryReference,
  type RegistryReference,
} from './reference';
