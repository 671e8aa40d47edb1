/**
 * The node side of digest verification in the editor (RuntimeEnvironment.verify): content sources for a
 * document (embedded data, the OCI image layout it is in, a registry with credentials from the client or the
 * user's Docker config), *Verify Layout*, and streamed hashing of a file. The sources and the safety rules
 * live in node/content/.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { embeddedDataSource, type ContentSource } from '../core/content/source';
import { verifyLayout } from '../core/verify/layout';
import type { DocumentSources, RegistryChoice, VerifyAccess } from '../host/verifyAccess';
import { findLayoutRoot } from './content/layoutRoot';
import { openLayoutSource } from './content/layoutSource';
import { hasArchiveName, verifyImageArchive } from './content/archiveSource';
import { analyzeLayer } from './layer/analyze';
import { BLOB_SCHEME } from '../protocol';
import { statSync } from 'node:fs';
import { registrySource, type RegistryContentSource } from './content/registrySource';
import { hashFile, nodeHasherFactory } from './verify/hash';

const isFile = (p: string): boolean => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

const filePath = (uri: string): string | undefined => {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
};

function registryOf(choice: RegistryChoice): RegistryContentSource | undefined {
  const reference = choice.registry?.trim();
  if (!reference) return undefined;
  return registrySource(reference, {
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
      const sources: ContentSource[] = [embeddedDataSource()];
      const file = filePath(uri);
      const root = file ? findLayoutRoot(file) : undefined;
      if (root) sources.push(openLayoutSource(root));
      // An invalid registry reference throws here: the caller reports it.
      const registry = registryOf(choice);
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
      const archive = file !== undefined && hasArchiveName(file) && isFile(file);
      const root = archive ? file : file ? findLayoutRoot(file) : undefined;
      if (!root) return undefined;
      const registry = registryOf(choice);
      try {
        const verify = {
          hasher: nodeHasherFactory,
          signal: options.signal,
          severities: options.severities,
          ...(options.requireComplete ? { requireComplete: true } : {}),
          ...(options.deep ? { analyzeLayer } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          fallbackSources: registry ? [registry] : [],
        };
        // A file that cannot be read as an image archive throws with a message the request passes on.
        const report = archive
          ? await verifyImageArchive(root, verify)
          : await verifyLayout(openLayoutSource(root), verify);
        return {
          root: pathToFileURL(root).href,
          files: report.files.flatMap((f) =>
            // Documents fetched from a registry have no document to show findings on (yet).
            f.uri?.startsWith('file:') || f.uri?.startsWith(`${BLOB_SCHEME}:`)
              ? [
                  {
                    uri: f.uri,
                    relative: f.relative,
                    kind: f.kind,
                    text: f.text,
                    findings: f.findings,
                    results: f.results,
                  },
                ]
              : [],
          ),
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
