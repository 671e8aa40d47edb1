import { LSPErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver';

/** Formats an exception for the log: the message, then the stack when there is one. */
export function formatError(message: string, err: unknown): string {
  if (err instanceof Error) return `${message}: ${err.message}\n${err.stack ?? ''}`.trimEnd();
  return `${message}: ${String(err)}`;
}

function cancelled<E>(): ResponseError<E> {
  return new ResponseError<E>(LSPErrorCodes.RequestCancelled, 'The request was cancelled.');
}

/**
 * Runs a handler so that an exception is logged and answered with `fallback` instead of an error response
 * or a dead server. A cancelled request is answered as cancelled.
 */
export function runSafe<T, E = void>(
  connection: Connection,
  what: string,
  fallback: T,
  token: CancellationToken | undefined,
  fn: () => T,
): T | ResponseError<E> {
  if (token?.isCancellationRequested) return cancelled();
  try {
    return fn();
  } catch (err) {
    connection.console.error(formatError(`oci-manifest: ${what} failed`, err));
    return fallback;
  }
}

/** The asynchronous variant of {@link runSafe}. */
export async function runSafeAsync<T, E = void>(
  connection: Connection,
  what: string,
  fallback: T,
  token: CancellationToken | undefined,
  fn: () => Promise<T>,
): Promise<T | ResponseError<E>> {
  if (token?.isCancellationRequested) return cancelled();
  try {
    const result = await fn();
    return token?.isCancellationRequested ? cancelled() : result;
  } catch (err) {
    connection.console.error(formatError(`oci-manifest: ${what} failed`, err));
    return fallback;
  }
}

/** Wraps a notification handler: an exception is logged, never thrown into the connection. */
export function guard<A extends unknown[]>(
  connection: Connection,
  what: string,
  fn: (...args: A) => unknown,
): (...args: A) => void {
  return (...args: A) => {
    try {
      const r = fn(...args);
      if (r instanceof Promise)
        r.catch((err: unknown) => connection.console.error(formatError(`oci-manifest: ${what} failed`, err)));
    } catch (err) {
      connection.console.error(formatError(`oci-manifest: ${what} failed`, err));
    }
  };
}
