import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Clock, Timer } from '../clock.js';
import { DumpfeedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DumpResult } from '../model.js';
import { dumpNameFilter, listDumpFiles, type DumpPath } from '../source/dump-files.js';

/**
 * The inbox folder as the daemon uses it: listing it (at start, and again for names the watcher
 * cannot report), the raw bytes of names that are not UTF-8, and moving finished dumps out.
 */
export class Inbox {
  /** Raw names of queued dumps whose file names are not UTF-8 (queued under a readable name). */
  private readonly rawNames = new Map<string, Buffer>();
  private oddNameScan: Timer | null = null;
  private closed = false;

  constructor(
    /** The absolute path of the inbox. */
    readonly path: string,
    private readonly pattern: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly enqueue: (name: string) => void,
  ) {}

  /** Creates the inbox; what cannot be created is a one-line error. */
  async create(): Promise<void> {
    await makeFolder('inbox', this.path);
  }

  /**
   * Queues every dump file in the inbox (source/dump-files.ts says which), in name order, and returns
   * them. Files whose names are not UTF-8 are queued under a readable name and read by their raw one.
   */
  async scan(oddNamesOnly = false): Promise<DumpPath[]> {
    const found = listDumpFiles(this.path, dumpNameFilter(this.pattern), (s) =>
      this.log.debug({ event: 'not-a-dump', file: s.path, why: s.why }, 'not a dump, skipped'),
    );
    for (const file of found) {
      if (typeof file === 'string') {
        if (!oddNamesOnly) this.enqueue(file);
      } else if (!this.rawNames.has(file.name)) {
        this.rawNames.set(file.name, file.raw);
        this.enqueue(file.name);
      }
    }
    return found;
  }

  /**
   * Lists the inbox again for files whose names are not UTF-8 (the watcher cannot report them), after
   * a quiet moment, as for any other file: each call restarts the wait.
   */
  scanOddNamesSoon(quietMs: number, onError: (error: unknown) => void): void {
    if (this.closed) return;
    if (this.oddNameScan) this.clock.clearTimeout(this.oddNameScan);
    this.oddNameScan = this.clock.setTimeout(() => {
      this.oddNameScan = null;
      void this.scan(true).catch(onError);
    }, quietMs);
  }

  /** The file to read for a queued name: its raw name when it is not UTF-8. */
  fileFor(name: string): DumpPath {
    const raw = this.rawNames.get(name);
    return raw ? { name, raw } : name;
  }

  /** The dump was read: its raw name is no longer needed. */
  forget(name: string): void {
    this.rawNames.delete(name);
  }

  /**
   * Moves a finished dump out of the inbox, into processed/ or rejected/ (a rejected one gets a
   * `.reason` file beside it). Never deletes, never overwrites: a name taken gets `.1`, `.2`, ...
   */
  async moveDone(file: DumpPath, r: DumpResult): Promise<void> {
    const folder = join(this.path, r.error === null ? 'processed' : 'rejected');
    // A name that is not UTF-8 arrives under its readable form (`\xFF`), the name it is moved to.
    const [shown, source] = typeof file === 'string' ? [file, file] : [file.name, file.raw];
    try {
      await mkdir(folder, { recursive: true });
      const target = await freeName(join(folder, basename(shown)));
      if (r.error !== null) await writeFile(`${target}.reason`, `${r.error}\n`);
      await rename(source, target);
    } catch (error) {
      this.log.warn({ event: 'move-failed', file: shown, err: (error as Error).message }, 'could not move dump out of the inbox');
    }
  }

  close(): void {
    this.closed = true;
    if (this.oddNameScan) this.clock.clearTimeout(this.oddNameScan);
    this.oddNameScan = null;
  }
}

/** Creates a folder the daemon writes into; what cannot be created is a one-line error (exit 1). */
export async function makeFolder(what: string, path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (cause) {
    throw new DumpfeedError(`${what} ${path}`, `cannot create the folder: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
      cause,
    });
  }
}

/** `name`, or `name.1`, `name.2`, ... when a file of that name is already there. */
async function freeName(path: string): Promise<string> {
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? path : `${path}.${n}`;
    try {
      await stat(candidate);
    } catch {
      return candidate;
    }
  }
}
