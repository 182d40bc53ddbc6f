import { basename, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/** How the inbox is watched. */
export interface WatchOptions {
  /** Which file names are dumps (source/dump-files.ts). */
  isDump: (name: string) => boolean;
  /** Quiet time after the last size change before a file counts as written. */
  stabilityMs: number;
  usePolling: boolean;
  pollIntervalMs: number;
}

/**
 * Watches the top level of the inbox and calls `onFile` for each dump file that appears or changes,
 * once its writer is done: its size has been stable for `stabilityMs` (a file renamed into place is
 * stable at once). Hidden and temporary files and the processed/ and rejected/ folders are ignored.
 * Resolves once the watch is in place.
 */
export async function watchInbox(
  inbox: string,
  options: WatchOptions,
  onFile: (path: string) => void,
  onError: (error: Error) => void,
  onOddName?: () => void,
): Promise<FSWatcher> {
  const root = resolve(inbox);
  const watcher = watch(root, {
    depth: 0,
    ignoreInitial: true,
    // The daemon scans the inbox itself on start, in name order.
    ignored: (path, stats) => path !== root && (stats?.isDirectory() === true || !options.isDump(basename(path))),
    // A link to a file is the file (the same rule as ingest and the catch-up).
    followSymlinks: true,
    awaitWriteFinish:
      options.stabilityMs > 0
        ? { stabilityThreshold: options.stabilityMs, pollInterval: Math.max(10, Math.min(100, options.stabilityMs / 5)) }
        : false,
    usePolling: options.usePolling,
    interval: options.pollIntervalMs,
    persistent: true,
  });
  // A name that is not UTF-8 reaches chokidar with U+FFFD in it, a path that does not exist, and it
  // drops the event; the raw event still says something arrived, and `onOddName` lists the inbox.
  watcher.on('raw', (_event, path) => {
    if (typeof path === 'string' && path.includes('\ufffd')) onOddName?.();
  });
  watcher.on('add', onFile);
  watcher.on('change', onFile);
  watcher.on('error', (error) => onError(error as Error));
  await new Promise<void>((done) => watcher.once('ready', () => done()));
  return watcher;
}

/** Turns a watcher error into advice for the operator; the inotify limit is the usual one. */
export function explainWatchError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOSPC' || error.code === 'EMFILE') {
    return (
      `the system's inotify watch limit is reached (${error.code}): raise it ` +
      '(sysctl fs.inotify.max_user_watches=524288 and fs.inotify.max_user_instances=512) or set watch.usePolling to true'
    );
  }
  return error.message;
}
