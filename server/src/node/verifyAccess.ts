/**
 * The node side of digest verification in the editor (RuntimeEnvironment.verify): blob sources for a document
 * (embedded data, the OCI image layout it is in, a registry with credentials from the client or the user's
 * Docker config), *Verify Layout*, and streamed hashing of a file. The safety rules live in node/verify/.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { embeddedDataSource, type BlobSource } from '../core/verify';
import type { DocumentSources, RegistryChoice, VerifyAccess } from '../lsp/verifyAccess';
import { hashFile, nodeHasherFactory } from './verify/hash';
import { findLayoutRoot, LayoutBlobSource } from './verify/layoutStore';
import { RegistryBlobSource } from './verify/registryStore';
import { verifyLayout } from './verify/verifyLayout';

const filePath = (uri: string): string | undefined => {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
};

function registrySource(choice: RegistryChoice): RegistryBlobSource | undefined {
  const reference = choice.registry?.trim();
  if (!reference) return undefined;
  return new RegistryBlobSource(reference, {
    insecure: choice.insecure,
    ...(choice.credentials ? { credentials: choice.credentials } : {}),
    connectTimeoutMs: 10_000,
    timeoutMs: 30_000,
  });
}

/** Reads at most `max` bytes from the start of a regular file (special files are refused, not read). */
async function readHead(file: string, max: number): Promise<Uint8Array> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`${file} is not a regular file.`);
    const buf = Buffer.alloc(Math.min(max, st.size));
    let got = 0;
    while (got < buf.length) {
      const r = await handle.read(buf, got, buf.length - got, got);
      if (r.bytesRead === 0) break;
      got += r.bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

export function createVerifyAccess(): VerifyAccess {
  return {
    hasher: nodeHasherFactory,

    async sources(uri, choice): Promise<DocumentSources> {
      const sources: BlobSource[] = [embeddedDataSource()];
      const file = filePath(uri);
      const root = file ? await findLayoutRoot(file) : undefined;
      if (root) sources.push(await LayoutBlobSource.create(root));
      // An invalid registry reference throws here: the caller reports it.
      const registry = registrySource(choice);
      if (registry) sources.push(registry);
      return {
        sources,
        labels: sources.slice(1).map((s) => s.label),
        hasRegistry: registry !== undefined,
        close: () => registry?.close(),
      };
    },

    async verifyLayout(uri, choice, options) {
      const file = filePath(uri);
      const root = file ? await findLayoutRoot(file) : undefined;
      if (!root) return undefined;
      const registry = registrySource(choice);
      try {
        const report = await verifyLayout(root, {
          hasher: nodeHasherFactory,
          signal: options.signal,
          severities: options.severities,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          fallbackSources: registry ? [registry] : [],
        });
        return {
          root: pathToFileURL(root).href,
          files: report.files.map((f) => ({
            uri: pathToFileURL(f.path).href,
            relative: f.relative,
            kind: f.kind,
            text: f.text,
            findings: f.findings,
            results: f.results,
          })),
          summary: report.summary,
          text: report.text,
          cancelled: report.cancelled,
        };
      } finally {
        registry?.close();
      }
    },

    async hashFile(uri, options) {
      const file = filePath(uri);
      if (!file) throw new Error(`${uri} is not a file on disk.`);
      const head = await readHead(file, options.head);
      const { digest, size } = await hashFile(file, options.algorithm, { signal: options.signal });
      return { digest, size, head };
    },
  };
}
