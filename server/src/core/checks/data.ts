import { Buffer } from 'node:buffer';
import type { Check } from '../check';
import { EMPTY_BLOB, MT } from '../catalog/core';
import { computeDigest, isRegisteredAlgorithm, validateDigest } from '../digest';
import { q, replacementFix, setValue, str, type Replacement } from '../editing/fixKit';
import { formatPath, type Path } from '../findings';
import { isObject, type DescriptorRef } from '../model';
import { rule } from '../rule';

/**
 * What a descriptor says about its content: the `data` field (standard base64 that decodes to exactly
 * `size` bytes hashing to `digest`), and the empty descriptor, whose content is always `{}`.
 */

/** Above this much decoded `data`, embedding is flagged as a portability risk. */
export const DATA_LARGE_BYTES = 16 * 1024;
/** At most this many bytes are hashed per document, so typing stays fast in pathological files. */
const HASH_BUDGET_BYTES = 8 * 1024 * 1024;

export type Base64Verdict =
  | { ok: true; byteLength: number }
  | {
      ok: false;
      /** What is wrong, to follow "is not standard base64 (RFC 4648 §4): ". No final period. */
      explanation: string;
      /** The canonical standard-base64 text for the same bytes, when the intent is certain. */
      replacement?: string;
    };

const STD_CHAR = /[A-Za-z0-9+/]/;
const B64_INDEX = (c: number): number =>
  c >= 65 && c <= 90
    ? c - 65
    : c >= 97 && c <= 122
      ? c - 71
      : c >= 48 && c <= 57
        ? c + 4
        : c === 43
          ? 62
          : c === 47
            ? 63
            : -1;

/** Re-encodes text that is base64 apart from URL-safe letters, whitespace, padding or pad bits. */
function repaired(s: string): string | undefined {
  const body = s.replace(/[\s]/g, '').replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(body) || body.length % 4 === 1) return undefined;
  return Buffer.from(body, 'base64').toString('base64');
}

/** The finding for padded base64 whose last character has unused bits set (RFC 4648 §3.5), if any. */
function padBits(s: string): Base64Verdict | undefined {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  if (pad === 0) return undefined;
  // Canonical encoders set the unused low bits of the last character to zero.
  const lastChar = s[s.length - pad - 1]!;
  const mask = pad === 2 ? 0b1111 : 0b11;
  if ((B64_INDEX(lastChar.charCodeAt(0)) & mask) === 0) return undefined;
  const fixed = repaired(s);
  return {
    ok: false,
    explanation: `its last character "${lastChar}" has unused bits set, so it is not the canonical encoding; tools that re-encode will produce different text`,
    ...(fixed !== undefined && fixed !== s ? { replacement: fixed } : {}),
  };
}

/** Checks `s` is standard, padded, canonical base64 (RFC 4648 §4, no line breaks). */
export function validateBase64(s: string): Base64Verdict {
  const bad = (explanation: string, replacement?: string): Base64Verdict =>
    replacement === undefined || replacement === s
      ? { ok: false, explanation }
      : { ok: false, explanation, replacement };

  if (s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
    // The common case: well-formed apart from, possibly, non-zero pad bits (checked below).
    return (
      padBits(s) ?? {
        ok: true,
        byteLength: (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0),
      }
    );
  }
  let firstBad = -1;
  let urlSafe = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (STD_CHAR.test(ch) || ch === '=') continue;
    if (ch === '-' || ch === '_') urlSafe = true;
    else if (firstBad < 0) firstBad = i;
  }
  if (firstBad >= 0) {
    const ch = s[firstBad]!;
    const name = /\s/.test(ch)
      ? ch === '\n' || ch === '\r'
        ? 'a line break'
        : 'whitespace'
      : JSON.stringify(ch);
    return bad(
      `it contains ${name} at position ${firstBad + 1}; only A–Z, a–z, 0–9, "+", "/" and trailing "=" padding are allowed`,
      /\s/.test(ch) ? repaired(s) : undefined,
    );
  }
  if (urlSafe) {
    return bad(
      'it uses the URL-safe base64url alphabet ("-" and "_"); descriptors need the standard alphabet with "+" and "/"',
      repaired(s),
    );
  }
  const pad = /=*$/.exec(s)![0].length;
  const body = s.slice(0, s.length - pad);
  if (body.includes('='))
    return bad('"=" appears before the end; padding may only close the text', repaired(s));
  if (pad > 2) return bad(`it ends with ${pad} "=" characters; at most two are ever needed`, repaired(s));
  if (s.length % 4 !== 0) {
    if (body.length % 4 === 1) {
      return bad(`its ${body.length} characters cannot encode whole bytes (one character is left over)`);
    }
    return bad(
      pad === 0
        ? 'the "=" padding is missing; the length must be a multiple of 4'
        : 'the "=" padding does not bring the length to a multiple of 4',
      repaired(s),
    );
  }
  const bits = padBits(s);
  if (bits) return bits;
  return { ok: true, byteLength: (s.length / 4) * 3 - pad };
}

const EMPTY_EXPECTED = {
  mediaType: MT.empty,
  digest: EMPTY_BLOB.digest,
  size: EMPTY_BLOB.size,
  data: EMPTY_BLOB.data,
};
const EMPTY_BYTES = new TextEncoder().encode('{}');
const ZERO_BYTES_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

/** The path of `key` in descriptor `d` (a plain function: a closure over the loop's `d` costs an allocation per entry). */
const field = (d: DescriptorRef, key: string): Path => [...d.path, key];

export const dataEncoding = rule<Replacement>({
  code: 'oci/data-encoding',
  severity: 'error',
  title: '`data` is not standard base64',
  description:
    'Embedded `data` is base64 as RFC 4648 section 4 defines it: the `A–Z a–z 0–9 + /` alphabet, `=` padding to a multiple of 4 characters, no line breaks, and zero unused bits. The URL-safe alphabet (`-`, `_`), missing padding and non-canonical text are rejected.',
  spec: 'image-spec/descriptor.md#properties',
  fix: replacementFix('Re-encode as standard base64:'),
});

export const dataSizeMismatch = rule<{ computed: number }>({
  code: 'oci/data-size-mismatch',
  severity: 'error',
  title: '`data` decodes to a different number of bytes than `size`',
  description:
    "The decoded `data` must be exactly the referenced content, so its length must equal the descriptor's `size`. Either the size or the embedded data is wrong.",
  spec: 'image-spec/descriptor.md#properties',
  fix: (c) =>
    typeof c.data.computed === 'number'
      ? setValue(c, c.data.computed, `Set the size to the data's ${c.data.computed} bytes`)
      : undefined,
});

export const dataDigestMismatch = rule<{ computed: string }>({
  code: 'oci/data-digest-mismatch',
  severity: 'error',
  title: '`data` does not hash to `digest`',
  description:
    "The decoded `data` must be exactly the referenced content, so it must hash to the descriptor's `digest`. The message gives the digest the data actually has. Checked for the registered algorithms (sha256, sha512, blake3); other algorithms are not computed.",
  spec: 'image-spec/descriptor.md#properties',
  fix: (c) => {
    const d = str(c.data.computed);
    return d ? setValue(c, d, `Set the digest to the data's ${q(d)}`) : undefined;
  },
});

export const dataLarge = rule<{ byteLength: number }>({
  code: 'oci/data-large',
  severity: 'info',
  title: '`data` embeds more than 16 KiB',
  description:
    'Embedding is meant to save a round trip for small content. Large `data` makes the manifest large, and some registries refuse manifests above a size limit; reference the blob instead.',
  spec: 'image-spec/descriptor.md#embedded-content',
});

export const emptyDescriptor = rule<{ replacement: number | string; expected: typeof EMPTY_EXPECTED }>({
  code: 'oci/empty-descriptor',
  severity: 'error',
  title: 'An empty descriptor does not describe the content `{}`',
  description: `A descriptor with media type \`${MT.empty}\` describes the two bytes \`{}\`: \`size\` is 2, \`digest\` is \`${EMPTY_BLOB.digest}\`, and \`data\`, when present, is \`${EMPTY_BLOB.data}\`.`,
  spec: 'image-spec/manifest.md#guidance-for-an-empty-descriptor',
  fix: (c) => {
    const r = c.data.replacement;
    if (r === undefined) return undefined;
    const field = c.path[c.path.length - 1];
    return setValue(
      c,
      r,
      `Use the empty descriptor's ${String(field)} ${typeof r === 'string' ? q(r) : String(r)}`,
    );
  },
});

export const dataCheck: Check = {
  id: 'data',
  rules: [dataEncoding, dataSizeMismatch, dataDigestMismatch, dataLarge, emptyDescriptor],
  run(ctx) {
    if (!isObject(ctx.root)) return;
    let budget = HASH_BUDGET_BYTES;
    for (const d of ctx.descriptors) {
      const { value: desc } = d;
      const empty = desc.mediaType === MT.empty;
      // The common case, a descriptor without data that is not the empty descriptor, costs nothing more.
      if (!empty && desc.data === undefined) continue;
      const size =
        typeof desc.size === 'number' && Number.isSafeInteger(desc.size) && desc.size >= 0
          ? desc.size
          : undefined;
      const digest = typeof desc.digest === 'string' ? validateDigest(desc.digest) : undefined;
      const algorithm = digest?.ok && isRegisteredAlgorithm(digest.algorithm) ? digest.algorithm : undefined;
      const where = d.path.length ? formatPath(d.path) : 'The descriptor';
      const whose = `${where} has the empty media type "${MT.empty}", whose content is the 2 bytes "{}"`;

      if (empty) {
        if (size !== undefined && size !== EMPTY_BLOB.size) {
          ctx.report(
            emptyDescriptor,
            { path: field(d, 'size') },
            `${whose}, but its size is ${size}; set "size": ${EMPTY_BLOB.size}.`,
            {
              replacement: EMPTY_BLOB.size,
              expected: EMPTY_EXPECTED,
            },
          );
        }
        if (algorithm && typeof desc.digest === 'string') {
          const expected = algorithm === 'sha256' ? EMPTY_BLOB.digest : computeDigest(algorithm, EMPTY_BYTES);
          if (desc.digest !== expected) {
            const note =
              desc.digest === ZERO_BYTES_SHA256 ? ' (the given one is the digest of zero bytes)' : '';
            ctx.report(
              emptyDescriptor,
              { path: field(d, 'digest') },
              `${whose}, so its digest is "${expected}", not "${desc.digest}"${note}.`,
              { replacement: expected, expected: EMPTY_EXPECTED },
            );
          }
        }
      }

      if (typeof desc.data !== 'string') continue;
      const data = desc.data;
      const b64 = validateBase64(data);
      if (!b64.ok) {
        ctx.report(
          dataEncoding,
          { path: field(d, 'data') },
          `${formatPath(field(d, 'data'))} is not standard base64 (RFC 4648 §4): ${b64.explanation}.`,
          b64.replacement === undefined ? undefined : { replacement: b64.replacement },
        );
        continue;
      }
      const length = b64.byteLength;
      if (length > DATA_LARGE_BYTES) {
        ctx.report(
          dataLarge,
          { path: field(d, 'data'), on: 'key' },
          `${formatPath(field(d, 'data'))} embeds ${kib(length)} of content; embedding is meant for small blobs, and some registries refuse manifests above a size limit, so consider dropping "data" and fetching the blob.`,
          { byteLength: length },
        );
      }
      if (empty) {
        if (data !== EMPTY_BLOB.data) {
          ctx.report(
            emptyDescriptor,
            { path: field(d, 'data') },
            `${whose}, so its data is "${EMPTY_BLOB.data}", but this data decodes to ${length} byte${length === 1 ? '' : 's'} of other content.`,
            { replacement: EMPTY_BLOB.data, expected: EMPTY_EXPECTED },
          );
        }
        continue;
      }
      if (size !== undefined && size !== length) {
        ctx.report(
          dataSizeMismatch,
          { path: field(d, 'size') },
          `${formatPath(field(d, 'size'))} is ${size}, but "data" decodes to ${length} byte${length === 1 ? '' : 's'}; the embedded data must be exactly the described content, so the size or the data is wrong.`,
          { computed: length },
        );
      }
      if (algorithm && length <= budget) {
        budget -= length;
        const computed = computeDigest(algorithm, Buffer.from(data, 'base64'));
        if (computed !== desc.digest) {
          ctx.report(
            dataDigestMismatch,
            { path: field(d, 'digest') },
            `${formatPath(field(d, 'digest'))} is "${desc.digest as string}", but "data" hashes to "${computed}"; the embedded data must be exactly the described content, so the digest or the data is wrong.`,
            { computed },
          );
        }
      }
    }
  },
};
