import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DumpfeedError } from '../errors.js';
import type { DaemonState } from './daemon-state.js';
import type { Store } from './store.js';

/**
 * The lock file that keeps a second daemon (or `digest --send`) off the same store: `<store>.lock`,
 * holding the owner's pid and command (`1234 watch`).
 */
export function lockPath(storePath: string): string {
  return `${storePath}.lock`;
}

/** The pid of the daemon that holds the lock on this store, or null when none is running. */
export function lockOwner(storePath: string): number | null {
  return lockHolder(storePath)?.pid ?? null;
}

/** The live process holding the lock, with its command, or null. */
function lockHolder(storePath: string): { pid: number; command: string } | null {
  let text: string;
  try {
    text = readFileSync(lockPath(storePath), 'utf8');
  } catch {
    return null;
  }
  const [pidText, command] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? { pid, command: command ?? 'watch' } : null;
}

/**
 * Takes the lock for this process, or throws naming the running owner. A lock left by a process that
 * no longer exists (after kill -9 or a power cut) is taken over.
 */
export function acquireLock(storePath: string, command = 'watch'): () => void {
  const path = lockPath(storePath);
  // On a first run the store's folder does not exist yet (data/ in a fresh checkout).
  if (storePath !== ':memory:') mkdirSync(dirname(storePath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid} ${command}\n`);
      closeSync(fd);
      return () => releaseLock(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DumpfeedError(`lock ${path}`, `cannot create: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
          cause: error,
        });
      }
      const owner = lockHolder(storePath);
      if (owner !== null && owner.pid !== process.pid) {
        throw new DumpfeedError(`lock ${path}`, `another dumpfeed ${owner.command} (pid ${owner.pid}) is already using ${storePath}`);
      }
      // Stale: its process is gone. Remove it and try once more (another starter may win the race).
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first.
      }
    }
  }
  throw new DumpfeedError(`lock ${path}`, `another dumpfeed process is starting on ${storePath}`);
}

function releaseLock(path: string): void {
  try {
    if (Number(readFileSync(path, 'utf8').trim().split(/\s+/)[0]) === process.pid) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What `status` and `/healthz` say of the daemon: whether one runs on this store, and what it last reported. */
export interface DaemonStatus extends DaemonState {
  running: boolean;
}

/**
 * The daemon's standing on a store: the lock tells whether it runs; the stored state what it last
 * reported. Its start, heartbeat and queue mean nothing once it has stopped.
 */
export function daemonStatus(store: Store): DaemonStatus {
  const state = store.daemonState.get();
  const pid = lockOwner(store.path);
  const running = pid !== null;
  return {
    running,
    pid,
    startedAt: running ? state.startedAt : null,
    heartbeatAt: running ? state.heartbeatAt : null,
    queue: running ? state.queue : 0,
    lastDump: state.lastDump,
    lastDumpAt: state.lastDumpAt,
    lastError: state.lastError,
    lastErrorAt: state.lastErrorAt,
  };
}
