import { isUtf8 } from 'node:buffer';
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type picomatchModule from 'picomatch';

/**
 * Which files are dumps, in one place for `ingest DIR`, the daemon's catch-up and its watcher:
 *
 * - the name matches `source.pattern` (a glob on the file name, default `*.txt`);
 * - hidden, temporary and partial files never are (`.x`, `x.part`, `x.tmp`, `x.crdownload`, `x~`), nor
 *   the `.reason` files the daemon writes;
 * - a symbolic link counts as the file it points to: a link to a regular file is a dump, a link to a
 *   folder or a broken link is skipped.
 *
 * A file whose name is not valid UTF-8 is still a dump: it is read through its raw name and reported
 * under a readable one, its bad bytes written as `\xFF`.
 */

/** A dump file: the path to report, and the raw path to read it by when its name is not UTF-8. */
export type DumpPath = string | { name: string; raw: Buffer };

/** The path to show and store for a dump. */
export function shownPath(p: DumpPath): string {
  return typeof p === 'string' ? p : p.name;
}

/** The path to open a dump by. */
export function rawPath(p: DumpPath): string | Buffer {
  return typeof p === 'string' ? p : p.raw;
}

/** A test of file names against `source.pattern`, after the names that are never dumps. */
export function dumpNameFilter(pattern: string): (name: string) => boolean {
  // `*.txt` and the like, the usual patterns, need no glob library (loading picomatch is a tenth of a
  // cron ingest's start-up): a name that ends with the extension and does not start with a dot.
  const extension = /^\*(\.[\w-]+)$/.exec(pattern)?.[1];
  const matches = extension
    ? (name: string) => name.length > extension.length && name.endsWith(extension) && !name.startsWith('.')
    : loadPicomatch()(pattern, { dot: false, nocase: false });
  return (name) => !isTemporaryName(name) && matches(name);
}

/** Temporary, partial and hidden files are not dumps: `.x`, `x.part`, `x.tmp`, `x~`, and result files. */
export function isTemporaryName(name: string): boolean {
  return name.startsWith('.') || /\.(part|tmp|crdownload|swp|reason)$/i.test(name) || name.endsWith('~');
}

/** Why an entry of a folder was not taken as a dump, for a debug line. */
export interface Skipped {
  path: string;
  why: string;
}

/**
 * The dump files directly in `dir`, sorted by name; `onSkip` hears of every other entry but folders
 * (which are never dumps, and the daemon's own processed/ and rejected/ live there).
 */
export function listDumpFiles(dir: string, isDump: (name: string) => boolean, onSkip?: (s: Skipped) => void): DumpPath[] {
  const raw = Buffer.from(dir);
  const entries = readdirSync(raw, { withFileTypes: true, encoding: 'buffer' });
  const found: { sortKey: string; path: DumpPath }[] = [];
  for (const entry of entries) {
    const bytes = entry.name;
    const name = isUtf8(bytes) ? bytes.toString('utf8') : readableName(bytes);
    const path = join(dir, name);
    if (entry.isDirectory()) continue;
    if (!isDump(name)) {
      onSkip?.({ path, why: `the name does not match source.pattern or is a temporary file` });
      continue;
    }
    if (entry.isSymbolicLink()) {
      const target = statOrNull(Buffer.concat([raw, Buffer.from('/'), bytes]));
      if (!target?.isFile()) {
        onSkip?.({ path, why: target ? 'a link to something other than a file' : 'a broken link' });
        continue;
      }
    } else if (!entry.isFile()) {
      onSkip?.({ path, why: 'not a regular file' });
      continue;
    }
    found.push({ sortKey: name, path: isUtf8(bytes) ? path : { name: path, raw: Buffer.concat([raw, Buffer.from('/'), bytes]) } });
  }
  return found.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0)).map((f) => f.path);
}

/** What a path leads to, or null when it cannot be read (a broken link, no permission). */
export function statOrNull(path: string | Buffer): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** A file name that is not UTF-8, readable: the valid parts as they are, each bad byte as `\xFF`. */
export function readableName(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = utf8Length(bytes, i);
    if (n === 0) {
      out += `\\x${bytes[i]!.toString(16).toUpperCase().padStart(2, '0')}`;
      i++;
    } else {
      out += bytes.subarray(i, i + n).toString('utf8');
      i += n;
    }
  }
  return out;
}

// The length of the valid UTF-8 sequence at `i`, or 0 when the byte there does not start one.
function utf8Length(b: Buffer, i: number): number {
  const c = b[i]!;
  const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  return isUtf8(b.subarray(i, i + n)) ? n : 0;
}

/** A file name for a terminal or a log line: control characters escaped, nothing else changed. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Loaded when a filter is first made: `parse` and `ingest FILE` never pay for it.
let picomatch: typeof picomatchModule | undefined;
function loadPicomatch(): typeof picomatchModule {
  return (picomatch ??= createRequire(import.meta.url)('picomatch') as typeof picomatchModule);
}
