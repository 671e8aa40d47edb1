/**
 * Reading the files the CLI checks. What was a regular file when the directory was walked (or when a named
 * path was looked at) may be something else by the time it is read: a FIFO in its place would block a plain
 * open() until a writer comes, forever. So files are opened non-blocking, the type of what was opened is
 * checked on the descriptor (fstat), and reads stop one byte past the limit, whatever size was seen before.
 */
import * as fs from 'node:fs';
import { specialKind } from '../node/content/safeDir';

// Not defined on Windows, where opening a named pipe does not wait like this.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/** An open regular file, or what the path turned out to be ("a FIFO (named pipe)", "a directory"…). */
export type Opened = { fd: number; size: number } | { special: string };

/** Opens `file` for reading without blocking; throws on I/O errors (ENOENT, EACCES). Close the fd. */
export function openRegular(file: string): Opened {
  const fd = fs.openSync(file, OPEN_FLAGS);
  try {
    const st = fs.fstatSync(fd);
    const special = specialKind(st);
    if (special === undefined) return { fd, size: st.size };
    fs.closeSync(fd);
    return { special };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** Up to `n` bytes from `position`, fewer at the end of the file. */
export function readAt(fd: number, n: number, position = 0): Buffer {
  const buf = Buffer.allocUnsafe(n);
  let got = 0;
  while (got < n) {
    const r = fs.readSync(fd, buf, got, n - got, position + got);
    if (r === 0) break;
    got += r;
  }
  return buf.subarray(0, got);
}

/** The whole file when it holds at most `max` bytes, else undefined (at most `max + 1` bytes are read). */
export function readAll(fd: number, size: number, max: number): Buffer | undefined {
  // The size is a hint (the file may have changed since the fstat): read one more byte to see the end.
  const bytes = readAt(fd, Math.min(size, max) + 1);
  if (bytes.length <= Math.min(size, max)) return bytes;
  if (bytes.length > max) return undefined;
  // The file grew below the limit: read on, still bounded.
  const rest = readAt(fd, max + 1 - bytes.length, bytes.length);
  return bytes.length + rest.length > max ? undefined : Buffer.concat([bytes, rest]);
}

/** What reading a named file gave: its bytes, or why it was not read. */
export type FileRead = { bytes: Buffer } | { special: string } | { tooLarge: number };

/** Reads a regular file of at most `max` bytes; throws on I/O errors. */
export function readRegularFile(file: string, max: number): FileRead {
  const opened = openRegular(file);
  if ('special' in opened) return opened;
  try {
    if (opened.size > max) return { tooLarge: opened.size };
    const bytes = readAll(opened.fd, opened.size, max);
    return bytes ? { bytes } : { tooLarge: max + 1 };
  } finally {
    fs.closeSync(opened.fd);
  }
}
