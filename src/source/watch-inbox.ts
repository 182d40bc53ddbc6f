import { watch as watchFolder } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

/** How the inbox is watched. */
export interface WatchOptions {
  /** Which file names are dumps (source/dump-files.ts). */
  isDump: (name: string) => boolean;
  /** Quiet time after the last size change before a file counts as written. */
  stabilityMs: number;
  usePolling: boolean;
  pollIntervalMs: number;
}

/** A watch in place; `close` ends it. */
export interface InboxWatcher {
  close(): Promise<void>;
}

/**
 * Watches the top level of the inbox and calls `onFile` for each dump file that appears or changes,
 * once its writer is done: nothing has been written to it for `stabilityMs`. Hidden and temporary
 * files, folders (processed/, rejected/) and names the pattern does not take are ignored; a link to a
 * file counts as the file. Resolves once the watch is in place.
 *
 * With inotify (the default) the cost of an arrival does not depend on what else is in the inbox:
 * `fs.watch` names the file that changed. chokidar, which the polling mode uses, lists and stats the
 * whole folder on every change and keeps a watcher per file, so an inbox that keeps every dump made a
 * months-long daemon slower with each one (README, "Running as a daemon" and the stack changes).
 */
export async function watchInbox(
  inbox: string,
  options: WatchOptions,
  onFile: (path: string) => void,
  onError: (error: Error) => void,
  onOddName?: () => void,
): Promise<InboxWatcher> {
  const root = resolve(inbox);
  const events: InboxEvents = { onFile, onError, onOddName };
  if (!options.usePolling) {
    try {
      return notifyInbox(root, options, events);
    } catch (error) {
      // No inotify watch to be had (the system's limit): reported, and the inbox is polled instead.
      onError(error as Error);
    }
  }
  return pollInbox(root, options, events);
}

/** What a watch reports: a dump written, a failure, a name that is not UTF-8 (the inbox is listed). */
interface InboxEvents {
  onFile: (path: string) => void;
  onError: (error: Error) => void;
  onOddName?: (() => void) | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function notifyInbox(root: string, options: WatchOptions, { onFile, onError, onOddName }: InboxEvents): InboxWatcher {
  // Names written to lately, each with the timer that ends its quiet time.
  const quiet = new Map<string, NodeJS.Timeout>();
  let closed = false;
  const settle = (name: string): void => {
    quiet.delete(name);
    const path = join(root, name);
    stat(path).then(
      (s) => {
        if (closed || !s.isFile()) return;
        // A write whose event was merged with an earlier one: its quiet time starts at the write.
        const sinceWrite = Date.now() - s.mtimeMs;
        if (sinceWrite >= 0 && sinceWrite < options.stabilityMs) arm(name, options.stabilityMs - sinceWrite);
        else onFile(path);
      },
      (error: NodeJS.ErrnoException) => {
        // Gone again (moved out, a temporary rename), or a link to nothing: not a dump.
        if (closed || error.code === 'ENOENT' || error.code === 'ENOTDIR') return;
        // Anything else is the reader's to report, naming the file.
        onFile(path);
      },
    );
  };
  const arm = (name: string, ms: number): void => {
    clearTimeout(quiet.get(name));
    quiet.set(name, setTimeout(settle, ms, name));
  };
  const onEvent = (_event: string, raw: Buffer | null): void => {
    if (closed) return;
    let name: string | null = null;
    try {
      name = raw === null ? null : utf8.decode(raw);
    } catch {
      // A name that is not UTF-8: the inbox's own scan reads it by its bytes.
    }
    // No name (some platforms) or an undecodable one: something arrived; a listing finds it.
    if (name === null) return onOddName?.();
    if (name.includes('/') || !options.isDump(name)) return;
    if (options.stabilityMs === 0) settle(name);
    else arm(name, options.stabilityMs);
  };
  const watcher = watchFolder(root, { persistent: true, encoding: 'buffer' }, onEvent);
  watcher.on('error', onError);
  return {
    close: async () => {
      closed = true;
      for (const timer of quiet.values()) clearTimeout(timer);
      quiet.clear();
      watcher.close();
    },
  };
}

/** Polling (network and FUSE filesystems, where inotify sees no other machine's writes): chokidar. */
async function pollInbox(root: string, options: WatchOptions, { onFile, onError, onOddName }: InboxEvents): Promise<InboxWatcher> {
  const { watch } = await import('chokidar');
  const watcher = watch(root, {
    depth: 0,
    ignoreInitial: true,
    // The daemon scans the inbox itself on start, in name order.
    ignored: (path, stats) => path !== root && (stats?.isDirectory() === true || !options.isDump(basename(path))),
    followSymlinks: true,
    awaitWriteFinish:
      options.stabilityMs > 0
        ? { stabilityThreshold: options.stabilityMs, pollInterval: Math.max(10, Math.min(100, options.stabilityMs / 5)) }
        : false,
    usePolling: true,
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
