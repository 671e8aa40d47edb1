import type { Check, CheckContext } from '../check';
import { MT } from '../catalog/core';
import {
  ARCHITECTURES,
  ARCH_BY_VALUE,
  ARCH_NEAR_MISSES,
  canonicalVariant,
  normalizedVariant,
  OS_BY_VALUE,
  OS_NEAR_MISSES,
  type PlatformNearMiss,
} from '../catalog/platforms';
import { q as quote, remove, setValue, str } from '../editing/fixKit';
import { insertMember } from '../editing/text';
import { formatPath, shorten, type Path } from '../findings';
import { isIndexKind, isObject, type DescriptorRef, type JsonObject } from '../model';
import { rule } from '../rule';

/**
 * Platform values (image-spec/image-index.md, config.md; docker/manifest-v2-2.md): `os` and `architecture`
 * against Go's GOOS/GOARCH names, `variant` against the architecture's variants, the Windows-only
 * properties, and, in an index, entries that repeat a platform or lack one.
 */

const q = (s: string): string => JSON.stringify(shorten(s));

/**
 * Where platform properties live: a descriptor's `platform` object, or an image config's top level. The
 * functions below take the holder (`owner`: the descriptor, or undefined for an image config) and the
 * object itself (`p`), so that a large index costs no site object per entry.
 */
type Owner = DescriptorRef | undefined;

/** The path of the platform object, built only for a finding. */
const sitePath = (owner: Owner): Path => (owner ? [...owner.path, 'platform'] : []);
const at = (owner: Owner, key: string): Path => [...sitePath(owner), key];

/** A known name, or what a near-miss stands for; `unknown` when neither. */
type Lookup = { known: string } | { nearMiss: PlatformNearMiss } | { unknown: true };

function lookup(
  value: string,
  known: ReadonlyMap<string, unknown>,
  nearMisses: Readonly<Record<string, PlatformNearMiss>>,
): Lookup {
  if (known.has(value)) return { known: value };
  const lower = value.trim().toLowerCase();
  const miss = Object.prototype.hasOwnProperty.call(nearMisses, lower) ? nearMisses[lower] : undefined;
  if (miss) return { nearMiss: miss };
  if (known.has(lower)) return { nearMiss: { replacement: lower } };
  return { unknown: true };
}

/** The canonical name a value stands for (itself when unknown), and the variant a near-miss implies. */
function canonical(
  value: string,
  known: ReadonlyMap<string, unknown>,
  nearMisses: Readonly<Record<string, PlatformNearMiss>>,
): { value: string; variant?: string } {
  const r = lookup(value, known, nearMisses);
  if ('known' in r) return { value: r.known };
  if ('nearMiss' in r)
    return r.nearMiss.variant
      ? { value: r.nearMiss.replacement, variant: r.nearMiss.variant }
      : { value: r.nearMiss.replacement };
  return { value };
}

function some(values: Iterable<string>, n = 6): string {
  const all = [...values];
  return all.length <= n ? all.join(', ') : `${all.slice(0, n).join(', ')}…`;
}

/** Checks `os`; returns the operating system it names (after a near-miss), if any. */
function checkOs(ctx: CheckContext, owner: Owner, value: string): string | undefined {
  if (OS_BY_VALUE.has(value)) return value;
  const path = at(owner, 'os');
  const r = lookup(value, OS_BY_VALUE, OS_NEAR_MISSES);
  if ('known' in r) return r.known;
  if ('nearMiss' in r) {
    const to = r.nearMiss.replacement;
    ctx.report(
      platformNearMiss,
      { path },
      `"os" is ${q(value)}; platforms use Go's GOOS names, so this is written "${to}" (clients compare names exactly and would not match ${q(value)}).`,
      { replacement: to },
    );
    return to;
  }
  ctx.report(
    platformUnknown,
    { path },
    `"os" is ${q(value)}, which is not a Go GOOS value; use a known operating system such as ${some(OS_BY_VALUE.keys())}.`,
  );
  return undefined;
}

/** Checks `architecture`; returns the architecture it names (after a near-miss), if any. */
function checkArch(ctx: CheckContext, owner: Owner, p: JsonObject, value: string): string | undefined {
  if (ARCH_BY_VALUE.has(value)) return value;
  const path = at(owner, 'architecture');
  const r = lookup(value, ARCH_BY_VALUE, ARCH_NEAR_MISSES);
  if ('known' in r) return r.known;
  if ('nearMiss' in r) {
    const { replacement, variant } = r.nearMiss;
    const hasVariant = typeof p.variant === 'string' && p.variant !== '';
    const withVariant = variant && !hasVariant;
    ctx.report(
      platformNearMiss,
      { path },
      withVariant
        ? `"architecture" is ${q(value)}; platforms use Go's GOARCH names with the CPU generation in "variant", so this is written "architecture": "${replacement}" with "variant": "${variant}".`
        : `"architecture" is ${q(value)}; platforms use Go's GOARCH names, so this is written "${replacement}" (clients compare names exactly and would not match ${q(value)}).`,
      withVariant ? { replacement, variant } : { replacement },
    );
    return replacement;
  }
  ctx.report(
    platformUnknown,
    { path },
    `"architecture" is ${q(value)}, which is not a Go GOARCH value; use a known architecture such as ${some(ARCH_BY_VALUE.keys(), 8)}.`,
  );
  return undefined;
}

/** Each architecture's variants, for membership tests. */
const VARIANTS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  ARCHITECTURES.map((a) => [a.value, new Set(a.variants.map((x) => x.value))]),
);

function checkVariant(ctx: CheckContext, owner: Owner, value: string, arch: string): void {
  const info = ARCH_BY_VALUE.get(arch);
  if (!info || VARIANTS.get(arch)!.has(value)) return;
  const path = at(owner, 'variant');
  const valid = info.variants.map((x) => x.value);
  if (value === '') {
    ctx.report(
      platformVariant,
      { path },
      `"variant" is empty; remove it, or name the CPU variant of "${arch}"${valid.length ? ` (${some(valid)})` : ''}.`,
      {
        remove: true,
      },
    );
    return;
  }
  const canonical = canonicalVariant(value);
  if (canonical !== undefined && canonical !== value && valid.includes(canonical)) {
    ctx.report(
      platformNearMiss,
      { path },
      `"variant" is ${q(value)}; variants are written without the architecture name or suffixes, so this is "${canonical}" (clients compare variants exactly).`,
      { replacement: canonical },
    );
    return;
  }
  if (valid.length === 0) {
    ctx.report(
      platformVariant,
      { path },
      `"variant" is ${q(value)}, but "${arch}" has no CPU variants; remove "variant" (clients that compare variants will not select this entry).`,
      { remove: true },
    );
    return;
  }
  const where =
    info.variantSource === 'go'
      ? `the spec lists none for "${arch}", and its Go analog takes`
      : `the spec's variants for "${arch}" are`;
  ctx.report(
    platformVariant,
    { path },
    `"variant" is ${q(value)}, which is not a CPU variant of "${arch}"; ${where} ${some(valid, 8)}.`,
  );
}

function checkSite(ctx: CheckContext, owner: Owner, p: JsonObject, docker: boolean): void {
  const os = typeof p.os === 'string' ? checkOs(ctx, owner, p.os) : undefined;
  const arch = typeof p.architecture === 'string' ? checkArch(ctx, owner, p, p.architecture) : undefined;
  if (typeof p.variant === 'string' && arch !== undefined) checkVariant(ctx, owner, p.variant, arch);

  if (os !== undefined && os !== 'windows' && os !== 'unknown') {
    const version = p['os.version'];
    if (typeof version === 'string' && version !== '') {
      ctx.report(
        platformWindowsOnly,
        { path: at(owner, 'os.version') },
        `"os.version" is ${q(version)} on "${os}"; only Windows images use it (to match the host build), so clients on "${os}" ignore it.`,
      );
    }
    const features = p['os.features'];
    if (Array.isArray(features)) {
      features.forEach((f, i) => {
        if (typeof f === 'string' && f.toLowerCase() === 'win32k') {
          ctx.report(
            platformWindowsOnly,
            { path: [...sitePath(owner), 'os.features', i] },
            `"os.features" lists ${q(f)}, a Windows feature (win32k.sys), but "os" is "${os}"; remove it or set "os" to "windows".`,
          );
        }
      });
    }
  } else if (os === 'windows' && Array.isArray(p['os.features'])) {
    p['os.features'].forEach((f, i) => {
      if (typeof f === 'string' && f !== 'win32k' && f.toLowerCase() === 'win32k') {
        ctx.report(
          platformNearMiss,
          { path: [...sitePath(owner), 'os.features', i] },
          `"os.features" lists ${q(f)}; the Windows feature is spelled "win32k".`,
          {
            replacement: 'win32k',
          },
        );
      }
    });
  }

  if (!docker && owner !== undefined && 'features' in p) {
    ctx.report(
      platformFeaturesReserved,
      { path: at(owner, 'features'), on: 'key' },
      `"features" in ${formatPath(sitePath(owner))} is reserved by the OCI image spec for a future version and has no meaning yet; clients ignore it. (Docker manifest lists use it for CPU features; OCI indexes do not.)`,
    );
  }
}

function stringList(v: unknown): string {
  return Array.isArray(v)
    ? v
        .filter((x): x is string => typeof x === 'string')
        .sort()
        .join(',')
    : '';
}

function isAttachment(entry: JsonObject): boolean {
  if (typeof entry.artifactType === 'string') return true;
  const a = entry.annotations;
  return isObject(a) && 'vnd.docker.reference.type' in a;
}

/**
 * In a layout's index.json, entries are looked up by ref name before platform: entries with different names
 * may share a platform, and a shared name and platform is the layout module's `oci/layout-duplicate-ref-name`.
 */
function hasRefName(entry: JsonObject): boolean {
  const a = entry.annotations;
  return isObject(a) && typeof a['org.opencontainers.image.ref.name'] === 'string';
}

/**
 * The first entry seen for each platform, in maps nested by os, architecture, variant and the rarely set
 * rest: short (often interned) strings, so no key is concatenated and hashed for every entry of an index.
 */
class PlatformIndex {
  private readonly byOs = new Map<string, Map<string, Map<string, Map<string, number>>>>();

  /** The index of an earlier entry with this platform, or undefined after recording `i` as the first. */
  firstOrAdd(os: string, arch: string, variant: string, rest: string, i: number): number | undefined {
    let byArch = this.byOs.get(os);
    if (!byArch) this.byOs.set(os, (byArch = new Map()));
    let byVariant = byArch.get(arch);
    if (!byVariant) byArch.set(arch, (byVariant = new Map()));
    let byRest = byVariant.get(variant);
    if (!byRest) byVariant.set(variant, (byRest = new Map()));
    const first = byRest.get(rest);
    if (first === undefined) byRest.set(rest, i);
    return first;
  }
}

/** Index entries: a platform listed twice (the later entry is never chosen), an image manifest with no platform. */
function checkEntries(ctx: CheckContext, items: unknown[]): void {
  const seen = new PlatformIndex();
  items.forEach((entry, i) => {
    if (!isObject(entry)) return;
    const p = entry.platform;
    if (!('platform' in entry)) {
      // Docker lists are the docker module's (docker/platform-required); there the platform is not optional.
      if (ctx.kind === 'image-index' && entry.mediaType === MT.manifest && !isAttachment(entry)) {
        ctx.report(
          platformMissing,
          { path: ['manifests', i], on: 'key' },
          `manifests[${i}] points to an image manifest but has no "platform"; add one (e.g. {"os": "linux", "architecture": "amd64"}) so that clients can select it, or set "artifactType" if the image is not platform-specific.`,
        );
      }
      return;
    }
    if (!isObject(p) || typeof p.os !== 'string' || typeof p.architecture !== 'string') return;
    if ((p.os === 'unknown' && p.architecture === 'unknown') || isAttachment(entry) || hasRefName(entry))
      return;
    const variant = typeof p.variant === 'string' ? p.variant : undefined;
    const version = typeof p['os.version'] === 'string' ? p['os.version'] : '';
    // Compare what the values stand for, so that `x86_64` repeats `amd64` and `armv8` repeats `v8`.
    const os = OS_BY_VALUE.has(p.os) ? p.os : canonical(p.os, OS_BY_VALUE, OS_NEAR_MISSES).value;
    const archOf = ARCH_BY_VALUE.has(p.architecture)
      ? undefined
      : canonical(p.architecture, ARCH_BY_VALUE, ARCH_NEAR_MISSES);
    const arch = archOf ? archOf.value : p.architecture;
    let v = variant ?? archOf?.variant;
    const valid = VARIANTS.get(arch);
    if (v !== undefined && valid && !valid.has(v)) {
      const c = canonicalVariant(v);
      if (c !== undefined && valid.has(c)) v = c;
    }
    const osFeatures = stringList(p['os.features']);
    const features = stringList(p.features);
    const rest =
      version === '' && osFeatures === '' && features === ''
        ? ''
        : `${version}\u0000${osFeatures}\u0000${features}`;
    const first = seen.firstOrAdd(os, arch, normalizedVariant(arch, v), rest, i);
    if (first === undefined) return;
    const name = [p.os, p.architecture, variant].filter(Boolean).join('/') + (version ? ` ${version}` : '');
    ctx.report(
      platformDuplicate,
      { path: ['manifests', i, 'platform'], on: 'key' },
      `manifests[${i}] has the same platform (${name}) as manifests[${first}]; clients take the first entry that matches, so this one is never selected by platform.`,
      { first },
    );
  });
}

export const platformUnknown = rule({
  code: 'oci/platform-unknown',
  severity: 'warning',
  title: '`os` or `architecture` is not a known Go GOOS/GOARCH value',
  description:
    "Indexes and configs should use Go's GOOS and GOARCH names (`linux`, `windows`, `amd64`, `arm64`…); `wasip1`/`wasip2` and BuildKit's `unknown` are also known. Clients select images by comparing these names exactly, so an unfamiliar value is never selected.",
  spec: 'image-spec/image-index.md#image-index-property-descriptions',
});

export const platformNearMiss = rule<{ replacement: string; variant?: string }>({
  code: 'oci/platform-near-miss',
  severity: 'warning',
  title: "A platform value is spelled the uname or distribution way instead of Go's",
  description:
    '`x86_64`, `aarch64`, `armhf`, `Linux`, `macos`, `armv8` as a variant…: these name a real platform, but clients compare exact Go names (`amd64`, `arm64`, `arm` + `v7`, `linux`, `darwin`, `v8`), so the entry is skipped. The quick-fix writes the canonical value.',
  spec: 'image-spec/image-index.md#platform-variants',
  fix: (c) => {
    const r = str(c.data.replacement);
    if (!r) return undefined;
    const fix = setValue(c, r, `Change to ${quote(r)}`);
    const variant = str(c.data.variant);
    if (!fix || !variant) return fix;
    const edit = insertMember(c.analysis.json, c.path.slice(0, -1), 'variant', variant, 'architecture');
    return edit
      ? { title: `Change to "${r}" with variant "${variant}"`, edits: [...fix.edits, edit], preferred: true }
      : undefined;
  },
});

export const platformVariant = rule<{ remove: boolean }>({
  code: 'oci/platform-variant',
  severity: 'warning',
  title: '`variant` is not a CPU variant of the architecture',
  description:
    "Variants should come from the Platform Variants table: arm v6/v7/v8 (and v5), arm64 v8, v8.x, v9, v9.x, amd64 v1–v4, ppc64le power8/9/10, riscv64 rva20u64/rva22u64/rva23u64. Architectures without listed variants take their Go analog's values, if any.",
  spec: 'image-spec/image-index.md#platform-variants',
  fix: (c) => (c.data.remove === true ? remove(c, c.path, 'Remove "variant"') : undefined),
});

export const platformWindowsOnly = rule({
  code: 'oci/platform-windows-only',
  severity: 'info',
  title: '`os.version` or a Windows `os.features` value on another OS',
  description:
    '`os.version` is how Windows images name the host build they need, and `win32k` is a Windows feature; on other operating systems clients ignore them, which is usually not what the author expected.',
  spec: 'image-spec/image-index.md#image-index-property-descriptions',
});

export const platformFeaturesReserved = rule({
  code: 'oci/platform-features-reserved',
  severity: 'info',
  title: '`platform.features` is reserved in OCI',
  description:
    'In an OCI index or descriptor, `platform.features` is reserved for a future version of the specification and means nothing today. (Docker manifest lists use it for CPU features.)',
  spec: 'image-spec/image-index.md#image-index-property-descriptions',
});

export const platformDuplicate = rule<{ first: number }>({
  code: 'oci/platform-duplicate',
  severity: 'warning',
  title: 'Two index entries have the same platform',
  description:
    'When several entries match, clients use the first; a later entry with the same os, architecture, variant, `os.version` and `os.features` is never selected by platform. Attestation entries (`unknown/unknown`), artifacts, and entries named by `org.opencontainers.image.ref.name` (looked up by name first) are not compared.',
  spec: 'image-spec/image-index.md#image-index-property-descriptions',
});

export const platformMissing = rule({
  code: 'oci/platform-missing',
  severity: 'warning',
  title: 'An index entry for an image manifest has no `platform`',
  description:
    'Descriptors of image manifests should carry `platform` so that clients can pick the image for their host; without it, multi-platform pulls skip or guess. Entries with `artifactType` and BuildKit attachments are exempt.',
  spec: 'image-spec/descriptor.md#properties',
});

export const platformCheck: Check = {
  id: 'platform',
  kinds: [
    'image-index',
    'docker-manifest-list',
    'image-config',
    'docker-config',
    'descriptor',
    'image-manifest',
    'docker-manifest',
  ],
  rules: [
    platformUnknown,
    platformNearMiss,
    platformVariant,
    platformWindowsOnly,
    platformFeaturesReserved,
    platformDuplicate,
    platformMissing,
  ],
  run(ctx) {
    const docker =
      ctx.kind === 'docker-manifest-list' || ctx.kind === 'docker-config' || ctx.kind === 'docker-manifest';
    const { kind, root } = ctx;
    if (kind === 'image-config' || kind === 'docker-config') {
      if (isObject(root)) checkSite(ctx, undefined, root, docker);
    } else {
      for (const d of ctx.descriptors) {
        const platform = d.value.platform;
        if (isObject(platform)) checkSite(ctx, d, platform, docker);
      }
    }
    if (isIndexKind(ctx.kind) && isObject(ctx.root) && Array.isArray(ctx.root.manifests))
      checkEntries(ctx, ctx.root.manifests);
  },
};
