import type { Check, CheckContext } from '../check';
import {
  DIGEST_ALGORITHMS,
  REGISTERED_ALGORITHMS,
  areCanonicalSha256,
  isCanonicalSha256,
  isRegisteredAlgorithm,
  validateDigest,
  type RegisteredAlgorithm,
} from '../digest';
import { replacementFix } from '../editing/fixKit';
import { formatPath, shorten, type Path } from '../findings';
import { isObject, type DescriptorRef } from '../model';
import { rule } from '../rule';

/**
 * Digest strings: every descriptor's `digest`, an image config's `rootfs.diff_ids[]` (OCI and Docker) and
 * a Docker schema 1 manifest's `fsLayers[].blobSum`. Values that are not strings are the schema check's.
 */
const REGISTERED_LIST = REGISTERED_ALGORITHMS.join(', ');

/** A registered name written with a separator (`sha-256`, `sha_512`): the likely intent. */
function likelyMeant(algorithm: string): RegisteredAlgorithm | undefined {
  const bare = algorithm.replace(/[+._-]/g, '');
  return bare !== algorithm && isRegisteredAlgorithm(bare) ? bare : undefined;
}

/** Checks one digest-valued string at `parent` + `key` (the path is only built when there is something to say). */
function checkDigestAt(ctx: CheckContext, parent: Path, key: string | number, value: unknown): void {
  if (typeof value !== 'string' || isCanonicalSha256(value)) return; // the common case: nothing to say
  const verdict = validateDigest(value);
  if (verdict.ok && verdict.algorithm === 'sha256') return;
  const path = [...parent, key];
  const field = formatPath(path);
  if (!verdict.ok) {
    const shown = JSON.stringify(shorten(value, 90));
    ctx.report(
      digestFormat,
      { path },
      `${field} ${shown} ${verdict.explanation}.`,
      verdict.replacement === undefined
        ? { problem: verdict.problem }
        : { problem: verdict.problem, replacement: verdict.replacement },
    );
    return;
  }
  const { algorithm, encoded } = verdict;
  if (!verdict.registered) {
    const meant = likelyMeant(algorithm);
    const fits =
      meant && encoded.length === DIGEST_ALGORITHMS[meant].hexLength && /^[0-9a-f]+$/.test(encoded);
    ctx.report(
      digestAlgorithmUnregistered,
      { path },
      meant
        ? `${field} uses the algorithm "${algorithm}", which is not registered; the registered spelling is "${meant}"${fits ? ` ("${meant}:${encoded}")` : ''}.`
        : `${field} uses the algorithm "${algorithm}", which image-spec does not register (registered: ${REGISTERED_LIST}); the spec lets it pass, but most registries and runtimes will refuse it, so prefer sha256.`,
      fits ? { algorithm, replacement: `${meant}:${encoded}` } : { algorithm },
    );
    return;
  }
  if (algorithm !== 'sha256' && isRegisteredAlgorithm(algorithm)) {
    const why =
      algorithm === 'blake3'
        ? 'blake3 was registered after image-spec 1.1.1, and implementations need not verify it, so many registries and runtimes still refuse it'
        : `implementations need not verify ${algorithm}, so some registries and runtimes refuse it`;
    ctx.report(
      digestAlgorithmDiscouraged,
      { path },
      `${field} uses ${DIGEST_ALGORITHMS[algorithm].name}; only SHA-256 verification is required of every implementation and ${why}. Prefer sha256 for portability.`,
      { algorithm },
    );
  }
}

/** True when every descriptor has a canonical sha256 digest (the common case), checked in one pass. */
function allCanonical(descriptors: readonly DescriptorRef[]): boolean {
  let joined = '';
  for (const d of descriptors) {
    const digest = d.value.digest;
    if (typeof digest !== 'string' || digest.length !== 71) return false;
    joined += digest;
  }
  return areCanonicalSha256(joined);
}

export const digestFormat = rule<{ problem: string; replacement?: string }>({
  code: 'oci/digest-format',
  severity: 'error',
  title: "A digest does not match the digest grammar or its algorithm's encoding",
  description:
    'A digest is `<algorithm>:<encoded>`: lowercase letters and digits in the algorithm (components joined by `+`, `.`, `_` or `-`), and letters, digits, `=`, `_` and `-` in the encoded part. Registered algorithms fix the encoding: `sha256` and `blake3` take exactly 64 lowercase hex characters, `sha512` 128. Uppercase hex, a missing `sha256:` prefix, and values with `/`, `\\`, `..` or NUL (which would escape `blobs/<alg>/` when used as a path) are rejected. Applies to descriptor digests, `rootfs.diff_ids` and Docker schema 1 `blobSum`s.',
  spec: 'image-spec/descriptor.md#digests',
  fix: replacementFix('Change the digest to'),
});

export const digestAlgorithmUnregistered = rule<{ algorithm: string; replacement?: string }>({
  code: 'oci/digest-algorithm-unregistered',
  severity: 'warning',
  title: 'A well-formed digest uses an algorithm the spec does not register',
  description:
    'The spec asks validators to let well-formed digests with unknown algorithms pass, and asks for useful algorithms to be registered; in practice registries and runtimes refuse algorithms they do not know (`sha384`, `multihash+base58`, `sha256+b64u`). Registered: `sha256`, `sha512`, `blake3`.',
  spec: 'image-spec/descriptor.md#registered-algorithms',
  fix: replacementFix('Change the digest to'),
});

export const digestAlgorithmDiscouraged = rule<{ algorithm: string }>({
  code: 'oci/digest-algorithm-discouraged',
  severity: 'info',
  title: 'A digest uses a registered algorithm other than sha256',
  description:
    'Every implementation must verify SHA-256, and the spec says compliant implementations should use it; SHA-512 and BLAKE3 are registered but optional to support (BLAKE3 only since after image-spec 1.1.1), so content addressed with them does not travel everywhere. Advice only, since the spec allows the algorithm to vary between descriptors.',
  spec: 'image-spec/descriptor.md#registered-algorithms',
});

export const digestCheck: Check = {
  id: 'digest',
  rules: [digestFormat, digestAlgorithmUnregistered, digestAlgorithmDiscouraged],
  run(ctx) {
    const { kind, root } = ctx;
    if (!isObject(root)) return;
    if (!allCanonical(ctx.descriptors)) {
      for (const d of ctx.descriptors) {
        const digest = d.value.digest;
        // The common case first, so that the descriptor's path is built only when there is something to say.
        if (typeof digest !== 'string' || isCanonicalSha256(digest)) continue;
        checkDigestAt(ctx, d.path, 'digest', digest);
      }
    }

    if ((kind === 'image-config' || kind === 'docker-config') && isObject(root.rootfs)) {
      const ids = root.rootfs.diff_ids;
      if (Array.isArray(ids)) ids.forEach((id, i) => checkDigestAt(ctx, ['rootfs', 'diff_ids'], i, id));
    }
    if (kind === 'docker-schema1' && Array.isArray(root.fsLayers)) {
      root.fsLayers.forEach((l, i) => {
        if (isObject(l)) checkDigestAt(ctx, ['fsLayers', i], 'blobSum', l.blobSum);
      });
    }
  },
};
