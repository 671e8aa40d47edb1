/**
 * One registry client per host for a run (node/registry/client.ts: one connection pool and token cache each), and
 * which command-line or editor arguments are image references rather than paths. The CLI's verbs and the
 * authoring inputs (node/content/inputs.ts) share both.
 *
 * A path that exists on disk is always a path; so is an argument that starts with `./`, `../`, `/` or `~`, ends
 * in `.json`, or is a single word without `/`, `:` or `@` (a mistyped file name is reported as a missing file,
 * not looked up on Docker Hub: write `alpine:latest` or `docker.io/library/alpine` for the image).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tryParseImageReference, type ImageReference } from '../../core/verify/imageReference';
import { registrySource, type RegistryContentSource } from '../content/registrySource';
import { RegistryClient, type RegistryOptions } from './client';

const PATH_LIKE = /^(?:\.{1,2}(?:[\\/]|$)|[\\/~])|\.json$/i;

/** The image reference an argument names, or undefined when it is a path (see the header). */
export function referenceOf(arg: string, cwd: string): ImageReference | undefined {
  // A single word (`alpine`, `manifest`) is far more often a mistyped file name than an image: it stays a path.
  if (arg === '' || PATH_LIKE.test(arg) || !/[/:@]/.test(arg)) return undefined;
  try {
    fs.lstatSync(path.resolve(cwd, arg));
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Something is there that cannot be looked at: a path, whose reading reports the problem.
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
  }
  return tryParseImageReference(arg);
}

/** One registry client per host for a run; close it at the end. */
export class RegistryPool {
  private readonly clients = new Map<string, RegistryClient>();

  constructor(readonly options: RegistryOptions) {}

  client(host: string): RegistryClient {
    let c = this.clients.get(host);
    if (!c) {
      c = new RegistryClient(host, this.options);
      this.clients.set(host, c);
    }
    return c;
  }

  /** The repository of `ref` as a content source over the host's client. */
  source(ref: Pick<ImageReference, 'host' | 'repository'>): RegistryContentSource {
    return registrySource(`${ref.host}/${ref.repository}`, this.options, this.client(ref.host));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
