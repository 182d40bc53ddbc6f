import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ParseError } from '../errors.js';
import { rawPath, shownPath, type DumpPath } from './dump-files.js';

/** The raw bytes of a dump file with what identifies it. */
export interface DumpFile {
  path: string;
  bytes: Buffer;
  /** SHA-256 of the bytes: the same bytes delivered twice are the same dump. */
  sha256: string;
  /** When the dump was written (file mtime, whole seconds, ISO): the moment the page looked like this. */
  writtenAt: string;
}

/** `readDumpFileSync`, its errors as a rejected promise. */
export async function readDumpFile(file: DumpPath, maxBytes: number): Promise<DumpFile> {
  return readDumpFileSync(file, maxBytes);
}

/**
 * Reads a dump file, refusing files over `maxBytes` before loading them. Synchronous on purpose: dumps
 * are processed one at a time, and a thread-pool round trip per file cost a third of ingest time.
 */
export function readDumpFileSync(file: DumpPath, maxBytes: number): DumpFile {
  const path = shownPath(file);
  const source = rawPath(file);
  let info;
  try {
    info = statSync(source);
  } catch (cause) {
    throw new ParseError(path, `cannot read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, 'unreadable', { cause });
  }
  if (!info.isFile()) throw new ParseError(path, 'not a regular file', 'unreadable');
  if (info.size > maxBytes) {
    throw new ParseError(
      path,
      `too large: ${formatBytes(info.size)} is over the limit of ${formatBytes(maxBytes)} (source.maxBytes)`,
      'too-large',
    );
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(source);
  } catch (cause) {
    throw new ParseError(path, `cannot read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, 'unreadable', { cause });
  }
  const writtenAt = new Date(Math.floor(info.mtimeMs / 1000) * 1000).toISOString();
  return { path, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), writtenAt };
}

/** Human-readable byte count: `12.3 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
