/**
 * What the push request (lsp/features/push.ts) needs from a host with a file system and a network: a file's bytes
 * as they are on disk, and the registry side of a push (node/registry/push.ts `pushManifest`, the CLI's). The node
 * entry implements it; a host without them has no push.
 */
import type { PushOptions, PushPlan, PushReport } from '../core/authoring/push';
import type { ImageReference } from '../core/verify/imageReference';
import type { VerifyCredentials } from '../protocol';

export interface PushAccess {
  /** The first `max` + 1 bytes of the file a `file:` URI names, and its size. Rejects with a sentence. */
  readFile(uri: string, max: number): Promise<{ bytes: Uint8Array; size: number; path: string }>;
  /** Checks and (unless a dry run) pushes `bytes` to `reference`'s repository. Rejects on network errors. */
  push(
    reference: Pick<ImageReference, 'host' | 'repository'>,
    bytes: Uint8Array,
    plan: PushPlan,
    options: PushOptions & { insecure: readonly string[]; credentials?: VerifyCredentials },
  ): Promise<PushReport>;
}
