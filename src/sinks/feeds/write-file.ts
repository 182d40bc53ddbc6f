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
 * Removes the temporary files a killed writer left in `dir` and its sub-folders (`.all.atom.1a2b3c4d.tmp`).
 * Only files older than `minAgeMs`: a writer at work in another process keeps its own. Returns how many.
 */
export async function removeStaleTempFiles(dir: string, minAgeMs = 60_000, now = Date.now()): Promise<number> {
  let removed = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.isFile() || !TEMP_NAME.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path).catch(() => null);
    if (info && now - info.mtimeMs >= minAgeMs && (await unlink(path).then(() => true, () => false))) removed++;
  }
  return removed;
}
