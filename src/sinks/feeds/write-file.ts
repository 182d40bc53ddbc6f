import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { statOrNull } from '../../source/dump-files.js';

// Synchronous on purpose: a feed file is one read and at most one write and a rename, each well
// under a millisecond, and the asynchronous calls spent more time in thread-pool round trips than in
// the work (about 15 ms of a cron `ingest` that wrote eight files). Writers of many files give the
// event loop its turn between files (writeFeeds does).

/**
 * Writes `content` to `path` only when it differs from what is there, through a temporary file in
 * the same folder and a rename, so a reader never sees a half-written file. Returns whether it wrote.
 */
export function writeFileIfChanged(path: string, content: string): boolean {
  try {
    if (readFileSync(path, 'utf8') === content) return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // A dot-name so that a half-written temp file is never mistaken for a feed or served.
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, content);
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Never written, or already gone.
    }
    throw error;
  }
  return true;
}

const TEMP_NAME = /^\..+\.[0-9a-f]{8}\.tmp$/;

/**
 * Removes the temporary files a killed writer left in the folder `dir` (`.all.atom.1a2b3c4d.tmp`):
 * only those older than `minAgeMs`, as a writer at work in another process keeps its own. `names` is
 * the folder's listing when the caller has one. Returns how many were removed and how many are left.
 * Sub-folders are not looked into: writeFeeds sweeps the archive folder when it lists it (20,000 pages
 * for a million items, which listed on every run made a cron ingest 1.27x slower than with 1,000).
 */
export function removeStaleTempFiles(
  dir: string,
  { names, minAgeMs = 60_000, now = Date.now() }: { names?: Iterable<string>; minAgeMs?: number; now?: number } = {},
): { removed: number; left: number } {
  const found = { removed: 0, left: 0 };
  let listing: Iterable<string>;
  try {
    listing = names ?? readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of listing) {
    if (!TEMP_NAME.test(name)) continue;
    const path = join(dir, name);
    // Gone meanwhile, or not ours to read: passed over.
    const info = statOrNull(path);
    if (!info?.isFile()) continue;
    if (now - info.mtimeMs >= minAgeMs && removed(path)) found.removed++;
    else found.left++;
  }
  return found;
}

function removed(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
