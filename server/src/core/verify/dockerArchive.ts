/**
 * Verification of a legacy `docker save` archive (`skopeo copy … docker-archive:`, Docker before 25), which has no
 * OCI layout: its images are the entries of `manifest.json` (`Config`, `RepoTags`, `Layers`) and its tags are
 * repeated in `repositories`. What is verified, with the engine and the checks every other source gets:
 *
 * - each entry's config: the file is named by its digest (`<hex>.json`, or `blobs/sha256/<hex>`), so its bytes
 *   must hash to that name (a config named otherwise cannot be checked, and is a finding);
 * - each entry's layers, in order: a layer is an uncompressed tar whose digest is the config's
 *   `rootfs.diff_ids[i]`, so its bytes must hash to that DiffID (whatever its member is called: `<hex>.tar` or
 *   `<id>/layer.tar`; a `<hex>.tar` whose name says another digest is a finding too); the number of layers
 *   against the DiffIDs, and the config's `history` against the layers, are the cross-document rules;
 * - with deep verification, each layer's tar headers (the layer rules);
 * - `repositories` against `manifest.json`: every `repository:tag` it lists is a `RepoTags` entry and the other
 *   way round, and each image ID names a folder of the archive.
 *
 * Findings sit in `manifest.json` (on the entry's `Config` or layer) and in `repositories`; the report lists them
 * like a layout's. Pure: it needs a content source with `readRoot` and `list` (node/content/archiveSource.ts).
 */
import { MT } from '../catalog/core';
import { historyLayersCount, layersDiffIdsCount, digestOfMemberName } from '../checks/crossDocument';
import { checkLayerContent } from '../checks/layer';
import type { ContentSource } from '../content/source';
import { validateDigest } from '../digest';
import type { Finding } from '../findings';
import { resolve } from '../index';
import { parseJson, type JsonDocument } from '../json/document';
import { isObject, type DescriptorRef } from '../model';
import {
  ImageCheck,
  MAX_DOCUMENT_BYTES,
  type ImageFileReport,
  type ImageReport,
  type VerifyImageOptions,
} from './layout';

/** One `manifest.json` entry as read. */
interface Entry {
  index: number;
  config?: { name: string; digest?: string };
  layers: string[];
  tags: string[];
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Verifies the `docker save` archive `source`. Never rejects for bad content. */
export async function verifyDockerArchive(
  source: ContentSource,
  options: VerifyImageOptions = {},
): Promise<ImageReport> {
  const check = new ImageCheck(options, source);
  const report = (relative: string, text = ''): ImageFileReport => {
    const o = source.describe?.({ path: relative === '.' ? '' : relative }) ?? { where: relative };
    return {
      path: o.where,
      ...(o.uri ? { uri: o.uri } : {}),
      relative,
      kind: null,
      text,
      findings: [],
      results: [],
    };
  };
  const archive = report('.');
  const add = (r: ImageFileReport, f: Finding | undefined): void => {
    if (f) r.findings.push(f);
  };
  for (const issue of source.issues ?? []) add(archive, check.finding('oci/archive-member', issue));
  const files: ImageFileReport[] = [];
  const read = await check.readRootDocument(source, 'manifest.json', MAX_DOCUMENT_BYTES);
  let images = 0;
  if (!('text' in read)) {
    add(
      archive,
      check.finding(
        'docker/archive-manifest',
        'missing' in read
          ? 'The archive has no manifest.json, so it holds no image docker load can find; a docker save archive lists its images there.'
          : 'problem' in read
            ? `The archive's manifest.json cannot be used: it ${read.problem}.`
            : "The archive's manifest.json is too large to be a docker save manifest.",
      ),
    );
  } else {
    const manifest = report('manifest.json', read.text);
    files.push(manifest);
    const json = parseJson(read.text);
    const entries = entriesOf(json, check, manifest);
    images = entries.length;
    for (const e of entries) await verifyEntry(check, source, json, e, manifest);
    const repositories = await repositoriesReport(check, source, entries, report);
    if (repositories) files.push(repositories);
    manifest.findings.sort((a, b) => a.offset - b.offset);
  }
  const out = [...(archive.findings.length ? [archive] : []), ...files];
  const summary = check.summary(out);
  return {
    files: out,
    summary,
    manifests: images,
    text: `${summary.text}; ${plural(images, 'image', 'images')}`,
    cancelled: check.signal.aborted || summary.cancelled > 0,
    problem: check.problem(out),
  };
}

/** The entries of manifest.json, with a finding for each that cannot be used. */
function entriesOf(json: JsonDocument, check: ImageCheck, manifest: ImageFileReport): Entry[] {
  const at = (path: (string | number)[], message: string): void => {
    const f = check.finding('docker/archive-manifest', message);
    if (f) manifest.findings.push({ ...f, ...resolve(json, { path }) });
  };
  if (!json.strict || !Array.isArray(json.value)) {
    at(
      [],
      json.strict
        ? 'manifest.json is not a JSON array of images, so docker load finds no image in it.'
        : `manifest.json is not valid JSON${json.syntaxErrors[0] ? ` (${json.syntaxErrors[0].message} at offset ${json.syntaxErrors[0].offset})` : ''}, so docker load finds no image in it.`,
    );
    return [];
  }
  const out: Entry[] = [];
  json.value.forEach((raw, index) => {
    if (!isObject(raw)) {
      at([index], `Entry ${index} of manifest.json is not an object with Config, RepoTags and Layers.`);
      return;
    }
    const e: Entry = { index, layers: [], tags: [] };
    if (typeof raw.Config !== 'string')
      at([index], `Entry ${index} of manifest.json has no Config (the name of the image's config file).`);
    else {
      const digest = digestOfMemberName(raw.Config);
      e.config = { name: raw.Config, ...(digest ? { digest } : {}) };
      if (!digest)
        at(
          [index, 'Config'],
          `The config ${JSON.stringify(raw.Config)} of entry ${index} is not named by its digest (<hex>.json), so its content cannot be checked; docker save names each config by the SHA-256 of its bytes.`,
        );
    }
    if (!Array.isArray(raw.Layers))
      at([index], `Entry ${index} of manifest.json has no Layers array, so the image has no layers to load.`);
    else
      raw.Layers.forEach((l, k) => {
        if (typeof l === 'string') e.layers.push(l);
        else {
          e.layers.push('');
          at([index, 'Layers', k], `Layers[${k}] of entry ${index} is not the name of a layer file.`);
        }
      });
    if (Array.isArray(raw.RepoTags)) for (const t of raw.RepoTags) if (typeof t === 'string') e.tags.push(t);
    out.push(e);
  });
  return out;
}

/** The size a source gives for a digest, or 0 (then the engine reports the blob missing or unreadable). */
async function sizeOf(check: ImageCheck, source: ContentSource, digest: string): Promise<number> {
  try {
    return (await source.stat({ digest, manifest: false }, check.signal))?.size ?? 0;
  } catch {
    return 0;
  }
}

/** Verifies one entry: its config by the digest in its name, its layers by the config's DiffIDs. */
async function verifyEntry(
  check: ImageCheck,
  source: ContentSource,
  json: JsonDocument,
  e: Entry,
  manifest: ImageFileReport,
): Promise<void> {
  const locate = (path: readonly (string | number)[]) => resolve(json, { path });
  const report = check.reporter({ json }, manifest.findings);
  let diffIds: unknown[] | undefined;
  let history: unknown[] | undefined;
  if (e.config?.digest) {
    const ref: DescriptorRef = {
      path: [e.index, 'Config'],
      role: 'config',
      value: {
        mediaType: MT.dockerConfig,
        digest: e.config.digest,
        size: await sizeOf(check, source, e.config.digest),
      },
    };
    const r = (await check.verifier.verify([ref], locate)).results[0]!;
    manifest.results.push(r);
    if (r.finding)
      manifest.findings.push(
        r.status === 'digest-mismatch'
          ? {
              ...r.finding,
              message: `The config ${e.config.name} of entry ${e.index} (${r.where}) hashes to ${JSON.stringify(r.actualDigest)}, not to the digest its name says (${JSON.stringify(e.config.digest)}); it was changed after docker save wrote it.`,
            }
          : r.finding,
      );
    const config = check.verifier.known(e.config.digest)?.document?.value;
    if (isObject(config)) {
      if (isObject(config.rootfs) && Array.isArray(config.rootfs.diff_ids)) diffIds = config.rootfs.diff_ids;
      if (Array.isArray(config.history)) history = config.history;
    }
  }
  const refs: DescriptorRef[] = [];
  for (const [k, name] of e.layers.entries()) {
    if (!name) continue;
    const said = diffIds?.[k];
    const named = digestOfMemberName(name);
    const digest = typeof said === 'string' && validateDigest(said).ok ? said : named;
    if (typeof said === 'string' && named && said !== named) {
      const f = check.finding(
        'docker/archive-manifest',
        `Layers[${k}] of entry ${e.index} is named ${JSON.stringify(name)}, which says the digest ${named}, but rootfs.diff_ids[${k}] of its config is ${JSON.stringify(said)}.`,
      );
      if (f) manifest.findings.push({ ...f, ...locate([e.index, 'Layers', k]) });
    }
    if (!digest) continue;
    refs.push({
      path: [e.index, 'Layers', k],
      role: 'layer',
      value: {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar',
        digest,
        size: await sizeOf(check, source, digest),
      },
    });
  }
  const verified = await check.verifier.verify(refs, locate);
  for (const r of verified.results) {
    manifest.results.push(r);
    if (!r.finding) continue;
    const k = r.path[2] as number;
    manifest.findings.push(
      r.status === 'digest-mismatch'
        ? {
            ...r.finding,
            message: `The layer ${e.layers[k]} of entry ${e.index} (${r.where}) hashes to ${JSON.stringify(r.actualDigest)}, not to rootfs.diff_ids[${k}] of its config (${JSON.stringify(r.digest)}); a layer of a docker save archive is the uncompressed tar its DiffID names.`,
          }
        : r.finding,
    );
  }
  // The layers against the config, and what deep verification found in each layer.
  const layers = e.layers.length;
  if (diffIds && diffIds.length !== layers)
    report(
      layersDiffIdsCount,
      { path: [e.index, 'Layers'], on: 'key' },
      `Entry ${e.index} lists ${plural(layers, 'layer', 'layers')}, but its config ${e.config?.digest} lists ${plural(diffIds.length, 'DiffID', 'DiffIDs')} in rootfs.diff_ids; each layer needs one DiffID, in the same order.`,
      { layers, diffIds: diffIds.length, config: e.config?.digest ?? '' },
    );
  else if (history) {
    const historyLayers = history.filter((h) => !(isObject(h) && h.empty_layer === true)).length;
    if (historyLayers !== layers)
      report(
        historyLayersCount,
        { path: [e.index, 'Config'] },
        `The config ${e.config?.digest} of entry ${e.index} has ${plural(historyLayers, 'history entry', 'history entries')} that are not empty_layer, but the entry lists ${plural(layers, 'layer', 'layers')}.`,
        { historyLayers, layers, config: e.config?.digest ?? '' },
      );
  }
  for (const r of verified.results) {
    const o = r.digest ? check.verifier.known(r.digest) : undefined;
    if (o?.status === 'verified' && o.layer) checkLayerContent(o.layer, r.path, r.digest!, report);
  }
}

/** `repositories` against the entries: tags both ways, and each image ID a folder of the archive. */
async function repositoriesReport(
  check: ImageCheck,
  source: ContentSource,
  entries: readonly Entry[],
  report: (relative: string, text?: string) => ImageFileReport,
): Promise<ImageFileReport | undefined> {
  const read = await check.readRootDocument(source, 'repositories', MAX_DOCUMENT_BYTES);
  if (!('text' in read)) return undefined;
  const r = report('repositories', read.text);
  const json = parseJson(read.text);
  const say = (path: (string | number)[], message: string, on: 'key' | 'value' = 'value'): void => {
    const f = check.finding('docker/archive-repositories', message);
    if (f) r.findings.push({ ...f, ...resolve(json, { path, on }) });
  };
  if (!isObject(json.value)) {
    say([], 'repositories is not a JSON object of repositories, each mapping tags to image IDs.');
    return r;
  }
  const folders = new Set<string>();
  for await (const e of source.list?.({ signal: check.signal, maxEntries: 1_000_000 }) ?? [])
    if (e.type === 'directory') folders.add(e.path);
  const tags = new Set(entries.flatMap((e) => e.tags));
  const listed = new Set<string>();
  for (const [repo, byTag] of Object.entries(json.value)) {
    if (!isObject(byTag)) {
      say([repo], `repositories[${JSON.stringify(repo)}] is not an object mapping tags to image IDs.`);
      continue;
    }
    for (const [tag, id] of Object.entries(byTag)) {
      const name = `${repo}:${tag}`;
      listed.add(name);
      if (!tags.has(name))
        say(
          [repo, tag],
          `repositories lists ${JSON.stringify(name)}, but no entry of manifest.json has it in RepoTags, so docker load tags differently depending on its version.`,
          'key',
        );
      if (typeof id !== 'string' || !folders.has(id))
        say(
          [repo, tag],
          `The image ID ${JSON.stringify(id)} of ${JSON.stringify(name)} names no folder of the archive; repositories names each tag's top layer by the folder that holds it.`,
        );
    }
  }
  for (const t of tags)
    if (!listed.has(t))
      say(
        [],
        `manifest.json tags an image ${JSON.stringify(t)}, but repositories does not list that tag, so docker versions that read repositories load it untagged.`,
      );
  return r.findings.length ? r : undefined;
}
