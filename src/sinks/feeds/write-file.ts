import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `content` to `path` only when it differs from what is there, through a temporary file in
 * the same folder and a rename, so a reader never sees a half-written file. Returns whether it wrote.
 */
export async function writeFileIfChanged(path: string, content: string): Promise<boolean> {
  try {
    if ((await readFile(path, 'utf8')) === content) return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // A dot-name so that a half-written temp file is never mistaken for a feed or served.
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
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
export async function removeStaleTempFiles(
  dir: string,
  { names, minAgeMs = 60_000, now = Date.now() }: { names?: Iterable<string>; minAgeMs?: number; now?: number } = {},
): Promise<{ removed: number; left: number }> {
  const found = { removed: 0, left: 0 };
  let listing: Iterable<string>;
  try {
    listing = names ?? (await readdir(dir));
  } catch {
    return found;
  }
  for (const name of listing) {
    if (!TEMP_NAME.test(name)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) continue;
    if (now - info.mtimeMs >= minAgeMs && (await unlink(path).then(() => true, () => false))) found.removed++;
    else found.left++;
  }
  return found;
}
