/**
 * Changing one fact of a real layout (made by umoci, copied by skopeo) while keeping every digest true: a document
 * is edited, stored under its new digest, and every document that names it is updated (digest and size) and
 * stored again, up to `index.json`. What is left is a layout whose every blob verifies and whose every document
 * lints clean on its own, so that only a check comparing documents can find the changed fact.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

type Json = Record<string, unknown>;

const sha256 = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const fileOf = (layout: string, digest: string): string =>
  path.join(layout, 'blobs', ...(digest.split(':') as [string, string]));

/** The JSON documents of a layout's blobs (those that parse as objects), by digest. */
function jsonBlobs(layout: string): Map<string, Json> {
  const out = new Map<string, Json>();
  const dir = path.join(layout, 'blobs', 'sha256');
  for (const hex of fs.readdirSync(dir)) {
    const bytes = fs.readFileSync(path.join(dir, hex));
    if (bytes[0] !== 0x7b) continue;
    try {
      const v = JSON.parse(bytes.toString('utf8')) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.set(`sha256:${hex}`, v as Json);
    } catch {
      // not JSON
    }
  }
  return out;
}

/** Replaces `from` by `to` (digest and size) in every descriptor of `value`; true when something changed. */
function retarget(value: unknown, from: string, to: string, size: number): boolean {
  let changed = false;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Json;
    if (o.digest === from) {
      o.digest = to;
      if (typeof o.size === 'number') o.size = size;
      changed = true;
    }
    const a = o.annotations as Json | undefined;
    if (a && a['vnd.docker.reference.digest'] === from) {
      a['vnd.docker.reference.digest'] = to;
      changed = true;
    }
    for (const k of Object.keys(o)) if (k !== 'annotations') visit(o[k]);
  };
  visit(value);
  return changed;
}

/** Stores `value` as a blob (compact JSON) and returns its descriptor facts. */
export function putJson(layout: string, value: unknown): { digest: string; size: number; text: string } {
  const text = JSON.stringify(value);
  const digest = sha256(text);
  fs.writeFileSync(fileOf(layout, digest), text);
  return { digest, size: Buffer.byteLength(text), text };
}

/** Stores raw bytes as a blob and returns its digest and size. */
export function putBlob(layout: string, bytes: Uint8Array): { digest: string; size: number } {
  const digest = sha256(bytes);
  fs.writeFileSync(fileOf(layout, digest), bytes);
  return { digest, size: bytes.length };
}

/** Points every parent of `from` at `to` (rewriting and re-hashing each parent), up to index.json and manifest.json. */
export function rehashParents(layout: string, from: string, to: string, size: number): void {
  const queue: { from: string; to: string; size: number }[] = [{ from, to, size }];
  while (queue.length) {
    const step = queue.shift()!;
    for (const [digest, doc] of jsonBlobs(layout)) {
      if (digest === step.to || !retarget(doc, step.from, step.to, step.size)) continue;
      const stored = putJson(layout, doc);
      fs.rmSync(fileOf(layout, digest));
      queue.push({ from: digest, to: stored.digest, size: stored.size });
    }
    const indexFile = path.join(layout, 'index.json');
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as Json;
    if (retarget(index, step.from, step.to, step.size)) fs.writeFileSync(indexFile, JSON.stringify(index));
    const dockerFile = path.join(layout, 'manifest.json');
    if (fs.existsSync(dockerFile)) {
      const [a, b] = [step.from, step.to].map((d) => `blobs/${d.replace(':', '/')}`);
      fs.writeFileSync(dockerFile, fs.readFileSync(dockerFile, 'utf8').split(a!).join(b!));
    }
  }
}

/**
 * Edits the document `target` (a digest, or `index.json`) of a layout in place with `edit`, re-hashing every
 * parent. Returns the document's new digest (or `index.json`).
 */
export function editDocument(layout: string, target: string, edit: (doc: Json) => void): string {
  if (target === 'index.json') {
    const file = path.join(layout, 'index.json');
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    edit(doc);
    fs.writeFileSync(file, JSON.stringify(doc));
    return target;
  }
  const doc = JSON.parse(fs.readFileSync(fileOf(layout, target), 'utf8')) as Json;
  edit(doc);
  const stored = putJson(layout, doc);
  if (stored.digest === target) return target;
  fs.rmSync(fileOf(layout, target));
  rehashParents(layout, target, stored.digest, stored.size);
  return stored.digest;
}

/** The digests of the first image of a layout: its manifest, config and layers. */
export function firstImage(layout: string): {
  manifest: string;
  config: string;
  layers: { digest: string; mediaType: string; size: number }[];
} {
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  const manifest = index.manifests[0]!.digest;
  const m = JSON.parse(fs.readFileSync(fileOf(layout, manifest), 'utf8')) as {
    config: { digest: string };
    layers: { digest: string; mediaType: string; size: number }[];
  };
  return { manifest, config: m.config.digest, layers: m.layers };
}
