/**
 * What a layer's own bytes say, read by deep verification (`oci-manifest verify --deep`, Verify Layout (Deep)),
 * which decompresses each layer in the pass that hashes it (node/layer/analyze.ts over core/layer/hygiene.ts).
 * Only the facts image-spec layer.md states plainly, each with its sentence. A finding sits on the layer's
 * descriptor (its `digest`) in the manifest that names it, and names the path inside the layer.
 *
 * Live validation never runs this family (it needs the layer's bytes): its check applies to no kind.
 */
import type { Check, Location } from '../check';
import type { LayerAnalysis } from '../layer/analysis';
import type { LayerRule } from '../layer/hygiene';
import type { Path } from '../findings';
import { formatPath } from '../findings';
import { rule, type FindingData, type Rule } from '../rule';

const LAYER = 'image-spec/layer.md';

export const layerUnreadable = rule<{ layer: string; compression: string }>({
  code: 'oci/layer-not-tar',
  severity: 'error',
  title: 'A layer cannot be decompressed, or is not a tar',
  description:
    'Deep verification decompresses each layer by what its first bytes show (gzip, zstd, or none) and reads its tar headers. A stream that does not decompress to its end, or whose content is not a valid tar archive, cannot be unpacked by any runtime. The message gives the offset where reading failed.',
  spec: `${LAYER}#distributable-format`,
  sentence:
    'layer.md, "Distributable Format": a layer changeset is a tar archive (compressed as its media type says).',
});

export const layerDuplicatePath = rule<{ layer: string; path: string }>({
  code: 'oci/layer-duplicate-path',
  severity: 'error',
  title: 'A layer holds the same path twice',
  description:
    'Two entries of one layer name the same path (compared in normal form: `./a/b/` is `a/b`). Extractors disagree on which one wins, so two runtimes may unpack different files.',
  spec: `${LAYER}#distributable-format`,
  sentence:
    'layer.md, "Distributable Format": layer changesets must not include duplicate entries for file paths.',
});

export const layerWhiteoutName = rule<{ layer: string; path: string }>({
  code: 'oci/layer-whiteout-name',
  severity: 'warning',
  title: 'A whiteout has no name to delete',
  description:
    'A `.wh.` entry with nothing after the prefix deletes nothing; implementations should refuse it.',
  spec: `${LAYER}#whiteouts`,
  sentence:
    'layer.md, "Whiteouts": a `.wh.` file without a basename to delete is invalid, and implementations should return an error.',
});

export const layerWhiteoutFile = rule<{ layer: string; path: string }>({
  code: 'oci/layer-whiteout-file',
  severity: 'warning',
  title: 'A whiteout is not an empty regular file',
  description:
    'A whiteout marks a deletion by its name alone: it is an empty regular file. A whiteout that is a directory, a link or has content is not one, and runtimes treat it differently.',
  spec: `${LAYER}#whiteouts`,
  sentence: 'layer.md, "Whiteouts": a whiteout file is an empty file, a regular file in the archive.',
});

export const layerSparseFile = rule<{ layer: string; path: string }>({
  code: 'oci/layer-sparse-file',
  severity: 'warning',
  title: 'A layer holds a sparse file',
  description: 'Sparse tar entries are not understood by every extractor; layers should not use them.',
  spec: `${LAYER}#file-attributes`,
  sentence: 'layer.md, "File Attributes": sparse files should not be used.',
});

export const layerWhiteoutSameLayer = rule<{ layer: string; path: string }>({
  code: 'oci/layer-whiteout-same-layer',
  severity: 'info',
  title: 'A whiteout sits beside the path it names',
  description:
    "A whiteout hides a path of the layers below; the same layer's own copy of that path stays. Often a build step deleted and re-created a file, which is fine; sometimes the deletion was meant to win.",
  spec: `${LAYER}#whiteouts`,
  sentence:
    'layer.md, "Whiteouts": files present in the same layer as a whiteout file can only be hidden by whiteout files in later layers.',
});

const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

const HYGIENE: Record<LayerRule, Rule<{ layer: string; path: string }>> = {
  'duplicate-path': layerDuplicatePath,
  'whiteout-without-name': layerWhiteoutName,
  'whiteout-not-empty-file': layerWhiteoutFile,
  'sparse-file': layerSparseFile,
  'whiteout-same-layer': layerWhiteoutSameLayer,
};

/** The findings a layer's analysis gives, reported on the descriptor at `descriptor` (its digest). */
export function checkLayerContent(
  analysis: Pick<LayerAnalysis, 'compression' | 'decompressError' | 'tarFacts'>,
  descriptor: Path,
  layer: string,
  report: <D extends FindingData>(rule: Rule<D>, at: Location, message: string, data: D) => void,
): void {
  const at: Location = { path: [...descriptor, 'digest'] };
  const where = formatPath(descriptor);
  if (analysis.compression === 'unknown') return; // the compression rule says what the bytes are
  const why =
    analysis.decompressError ?? (analysis.tarFacts?.valid === false ? analysis.tarFacts.error : undefined);
  if (why !== undefined)
    report(layerUnreadable, at, `The layer ${layer} (${where}) cannot be unpacked: ${lower(why)}`, {
      layer,
      compression: analysis.compression,
    });
  for (const f of analysis.tarFacts?.findings ?? []) {
    const r = HYGIENE[f.rule];
    report(r, at, `${where} (${layer}): ${lower(f.message)}`, { layer, path: f.path });
  }
}

export const layerCheck: Check = {
  id: 'layer',
  rules: [
    layerUnreadable,
    layerDuplicatePath,
    layerWhiteoutName,
    layerWhiteoutFile,
    layerSparseFile,
    layerWhiteoutSameLayer,
  ] as Rule[],
  // Needs the layer's bytes: verification reports these through checkLayerContent, never live validation.
  kinds: [],
  run() {},
};
