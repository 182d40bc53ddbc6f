import { statSync } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { watch } from 'chokidar';
import { loadConfig, type ConfigOverrides } from './config/load-config.js';
import { redact } from './config/secrets.js';
import { assertDistinctSlugs } from './catalog/topics.js';
import { backoffMs, worthLogging } from './backoff.js';
import type { Config } from './config/schema.js';
import { DumpfeedError, StoreError } from './errors.js';
import type { Logger } from './log.js';
import type { DumpResult } from './model.js';
import { processDump, reconcileCustomTopics, type Context } from './pipeline.js';
import { removeStaleTempFiles } from './sinks/feeds/write-file.js';
import { feedsOutput, mailOutput, publishAll } from './sinks/outputs.js';
import { createTransport, type DigestTransport } from './sinks/mail/transport.js';
import { dumpNameFilter, listDumpFiles, printable, type DumpPath } from './source/dump-files.js';
import { explainWatchError, watchInbox } from './source/watch-inbox.js';
import { acquireLock } from './store/instance-lock.js';
import { Store } from './store/store.js';

/** What `dumpfeed watch` is started with. */
export interface DaemonOptions {
  configPath: string | undefined;
  overrides: ConfigOverrides;
  logger: Logger;
  now?: () => Date;
  /** Called when the daemon cannot go on (its store was deleted or replaced): the caller stops it, exit 1. */
  onFatal?: (message: string) => void;
}

// While a burst is being worked through, feeds are still brought up to date this often.
const FEED_FLUSH_MS = 1000;
const HEARTBEAT_MS = 10_000;

/**
 * The long-running service: watches the inbox, processes each new dump in turn through the same
 * pipeline as `ingest`, and keeps the feeds current. One broken dump never stops it: a bad dump is
 * rejected with its reason; a passing failure (store locked, feeds folder unwritable) is logged and
 * retried with backoff, and the dump is not marked processed until it has been stored.
 */
export class Daemon {
  private config: Config;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly releaseLock: () => void;
  /** Dumps waiting, taken in name order. */
  private readonly pending = new Set<string>();
  /** Raw names of queued dumps whose file names are not UTF-8 (queued under a readable name). */
  private readonly rawNames = new Map<string, Buffer>();
  /** Dumps waiting for a retry of their own (unreadable for now), with their timers. */
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /** Failed attempts per dump, kept across re-queueing until the dump is done. */
  private readonly attempts = new Map<string, number>();
  /** While the store cannot be written, the whole queue waits: one retry for all, with backoff. */
  private storeRetry: NodeJS.Timeout | null = null;
  private storeAttempt = 0;
  /** The last error logged, and how often it came again since: identical errors are counted. */
  private lastErrorText: string | null = null;
  private errorRepeats = 0;
  /** Topics whose feeds are not yet written. */
  private readonly dirty = new Set<number>();
  private feedsFailing = false;
  private readonly feeds = feedsOutput();
  private feedRetry: NodeJS.Timeout | null = null;
  private feedRetryAttempt = 0;
  private draining: Promise<void> | null = null;
  private stopping = false;
  private inboxWatcher: FSWatcher | null = null;
  private configWatcher: FSWatcher | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private mailTimer: NodeJS.Timeout | null = null;
  private transport: DigestTransport | null = null;
  private digesting: Promise<void> | null = null;

  constructor(private readonly options: DaemonOptions) {
    this.log = options.logger;
    this.now = options.now ?? (() => new Date());
    this.config = loadConfig(options.configPath, options.overrides).config;
    this.releaseLock = acquireLock(this.config.store.path);
    try {
      this.store = Store.open(this.config.store.path, this.config.store.busyTimeoutMs);
      this.storeFile = fileIdentity(this.config.store.path);
    } catch (error) {
      this.releaseLock();
      throw error;
    }
  }

  /** The store file this daemon opened (device and inode): it must still be the one at store.path. */
  private readonly storeFile: string | null;
  private fatal: string | null = null;

  /**
   * True while the file at store.path is the one this daemon writes into. A store deleted or replaced
   * under a running daemon (a restore from backup, a mistaken `rm`) would take every later dump into a
   * file nobody reads: the daemon stops instead (exit 1), moving no dump, and the next start opens the
   * new store and catches up with the inbox.
   */
  private storeIsStillThere(): boolean {
    if (this.fatal !== null) return false;
    if (this.storeFile === null || fileIdentity(this.config.store.path) === this.storeFile) return true;
    this.fatal = `store ${this.config.store.path} was deleted or replaced while the daemon ran; stopping, restart to open the store now at that path`;
    this.log.fatal({ event: 'store-replaced', store: this.config.store.path }, this.fatal);
    this.options.onFatal?.(this.fatal);
    return false;
  }

  /** The store, for a web server in the same process. */
  get storeForServing(): Store {
    return this.store;
  }

  /** The config in force (it changes on reload). */
  get currentConfig(): Config {
    return this.config;
  }

  /** What /healthz reports (the server shows only its public part): the daemon's queue, last dump and last error. */
  health(): Record<string, unknown> {
    const state = this.store.daemonState();
    return {
      ok: true,
      daemon: true,
      queue: this.pending.size,
      retrying: this.retries.size,
      lastDump: state.lastDump,
      lastDumpAt: state.lastDumpAt,
      lastError: state.lastError,
      lastErrorAt: state.lastErrorAt,
    };
  }

  private get ctx(): Context {
    return { store: this.store, config: this.config, now: this.now };
  }

  /** Brings the feeds up to date, catches up with the inbox, then watches it. */
  async start(): Promise<void> {
    // Absolute paths throughout, so that logs and the store name the same file the same way.
    const inbox = resolve(this.config.source.inbox);
    // What the daemon writes into is created on start; what cannot be is a one-line error (exit 1).
    await makeFolder('inbox', inbox);
    if (this.config.subscribers.length > 0 && this.config.mail.smtp === null)
      await makeFolder('mail.outbox', resolve(this.config.mail.outbox));
    assertDistinctSlugs(this.config, this.store.listTopics(), 'config');
    const startedAt = this.now().toISOString();
    this.store.updateDaemonState({ pid: process.pid, startedAt, heartbeatAt: startedAt, queue: 0 });
    const rebuilt = reconcileCustomTopics(this.ctx);
    if (rebuilt.length) this.log.info({ event: 'topics-rebuilt', topics: rebuilt }, 'custom topics rebuilt for their new rules');
    // A writer killed mid-write leaves a temporary file behind; feeds may be behind the store if the
    // last run was killed between the two.
    const stale = await removeStaleTempFiles(this.config.feeds.dir);
    if (stale > 0)
      this.log.info({ event: 'temp-files-removed', files: stale }, 'removed temporary files a killed run left in the feeds folder');
    await this.flushFeeds(true);

    this.inboxWatcher = await watchInbox(
      inbox,
      { ...this.config.watch, isDump: dumpNameFilter(this.config.source.pattern) },
      (path) => this.enqueue(path),
      (error) => this.recordError(`watch ${inbox}`, explainWatchError(error as NodeJS.ErrnoException)),
      () => this.scanOddNames(),
    );
    if (this.options.configPath) {
      this.configWatcher = watch(resolve(this.options.configPath), { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100 } });
      this.configWatcher.on('change', () => void this.reload('config file changed'));
      // An editor that deletes and writes anew, or a deploy that replaces the file.
      this.configWatcher.on('add', () => void this.reload('config file replaced'));
    }
    // Catch up with what arrived while no daemon was running (after the watch, so nothing slips between).
    const names = await this.scanInbox();
    this.heartbeat = setInterval(() => {
      if (this.storeIsStillThere()) this.safeState({ heartbeatAt: this.now().toISOString(), queue: this.pending.size });
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    this.startMail();
    this.log.info(
      { event: 'watching', inbox, store: this.config.store.path, feeds: this.config.feeds.dir, backlog: names.length },
      'watching',
    );
  }

  // A file written in place raises a raw event for each write.
  private oddNameScan: NodeJS.Timeout | null = null;

  /** Lists the inbox again for files whose names are not UTF-8 (the watcher cannot report them). */
  private scanOddNames(): void {
    if (this.stopping) return;
    // Waits for a quiet moment, as for any other file: each write restarts the wait.
    if (this.oddNameScan) clearTimeout(this.oddNameScan);
    this.oddNameScan = setTimeout(() => {
      this.oddNameScan = null;
      void this.scanInbox(true).catch((error: unknown) => this.recordError('inbox', describe(error)));
    }, this.config.watch.stabilityMs);
  }

  /**
   * Queues every dump file in the inbox (source/dump-files.ts says which), in name order, and returns
   * them. Files whose names are not UTF-8 are queued under a readable name and read by their raw one.
   */
  private async scanInbox(oddNamesOnly = false): Promise<DumpPath[]> {
    const inbox = resolve(this.config.source.inbox);
    const found = await listDumpFiles(inbox, dumpNameFilter(this.config.source.pattern), (s) =>
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

  /** Adds a dump to the queue and makes sure the queue is being worked through. */
  enqueue(path: string): void {
    if (this.stopping) return;
    const retry = this.retries.get(path);
    if (retry) {
      clearTimeout(retry);
      this.retries.delete(path);
    }
    this.pending.add(path);
    this.kick();
  }

  /** Starts working through the queue (and any pending feed write) unless that is already under way. */
  private kick(): void {
    // While the store is failing, its retry timer kicks the queue again.
    if (this.draining || this.stopping || this.storeRetry !== null) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      // Dumps that arrived during the final feed write.
      if (this.pending.size > 0) this.kick();
      // `immediate` subscribers get their digest as soon as the queue is worked through.
      else this.kickDigests();
    });
  }

  /** Resolves when the queue is empty and the feeds are written (or failing). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    let lastFlush = Date.now();
    while (this.pending.size > 0 && !this.stopping && this.storeRetry === null) {
      // The lowest name waiting: a linear scan, not a sort of the whole queue for every dump.
      let next = '';
      for (const path of this.pending) if (next === '' || path < next) next = path;
      this.pending.delete(next);
      await this.handle(next);
      if (Date.now() - lastFlush >= FEED_FLUSH_MS) {
        await this.flushFeeds();
        lastFlush = Date.now();
      }
    }
    await this.flushFeeds();
  }

  private async handle(path: string): Promise<void> {
    if (!this.storeIsStillThere()) return;
    this.log.debug({ event: 'dump-picked-up', file: path }, 'dump picked up');
    const raw = this.rawNames.get(path);
    const file: DumpPath = raw ? { name: path, raw } : path;
    let processed;
    try {
      processed = await processDump(this.ctx, file);
    } catch (error) {
      // The store cannot be written (locked, disk full): no other dump can be stored either.
      if (error instanceof StoreError) this.pauseForStore(path, error);
      else this.scheduleRetry(path, error);
      return;
    }
    if (this.storeAttempt > 0) this.log.info({ event: 'store-writable', failures: this.storeAttempt }, 'the store can be written again');
    this.storeAttempt = 0;
    const { result, topicId } = processed;
    if (result.error !== null && /^cannot read: ENOENT/.test(result.error)) {
      // The watcher reports a name that is not UTF-8 with U+FFFD in it, a name that does not exist:
      // the inbox's own listing has the real one.
      if (path.includes('\ufffd')) this.scanOddNames();
      else this.log.debug({ event: 'dump-vanished', file: path }, 'dump vanished before it was read');
      return;
    }
    this.rawNames.delete(path);
    if (result.error !== null && /^cannot read/.test(result.error)) {
      this.scheduleRetry(path, new DumpfeedError(path, result.error));
      return;
    }
    this.attempts.delete(path);
    if (topicId !== null) this.dirty.add(topicId);
    this.report(result);
    this.safeState({ lastDump: path, lastDumpAt: this.now().toISOString(), queue: this.pending.size });
    // A dump that looks cut off may still be being written (a writer that pauses longer than
    // watch.stabilityMs): it stays in the inbox, and its next change is read again.
    // Moved only once durably stored in the store at store.path.
    if (this.config.watch.moveProcessed && result.errorKind !== 'truncated' && this.storeIsStillThere()) await this.moveDone(file, result);
  }

  private report(result: DumpResult): void {
    // Names can hold control characters; on a terminal the pretty log prints them as they are.
    const r = { ...result, file: printable(result.file) };
    if (r.error !== null) {
      this.log.warn({ event: 'dump-rejected', file: r.file, reason: r.error }, 'dump rejected');
      this.safeState({ lastError: `${r.file}: ${r.error}`, lastErrorAt: this.now().toISOString() });
    } else if (r.duplicate) {
      this.log.info({ event: 'dump-duplicate', file: r.file, topic: r.topic }, 'dump already processed, skipped');
    } else {
      this.log.info(
        {
          event: 'dump-processed',
          file: r.file,
          topic: r.topic,
          new: r.new.length,
          updated: r.updated.length,
          unchanged: r.unchanged,
          newTitles: r.new.slice(0, 20).map((n) => n.title),
        },
        'dump processed',
      );
    }
    for (const warning of r.warnings) this.log.warn({ event: 'dump-warning', file: r.file, warning }, 'dump stored with a warning');
  }

  /** Moves a finished dump out of the inbox; a rejected one gets a `.reason` file beside it. Never deletes. */
  private async moveDone(file: DumpPath, r: DumpResult): Promise<void> {
    const folder = join(resolve(this.config.source.inbox), r.error === null ? 'processed' : 'rejected');
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

  /** A dump that cannot be read for now (permissions, a passing I/O error): retried alone, with backoff. */
  private scheduleRetry(path: string, error: unknown): void {
    const attempt = (this.attempts.get(path) ?? 0) + 1;
    this.attempts.set(path, attempt);
    const delay = backoffMs(attempt, 500, this.config.watch.retryMaxMs);
    this.recordError(path, describe(error), { retryInMs: delay, attempt });
    const timer = setTimeout(() => {
      this.retries.delete(path);
      this.enqueue(path);
    }, delay);
    this.retries.set(path, timer);
  }

  /** The store failed: the dump goes back to the queue, and the whole queue waits, with backoff. */
  private pauseForStore(path: string, error: unknown): void {
    this.pending.add(path);
    const attempt = ++this.storeAttempt;
    const delay = backoffMs(attempt, 500, this.config.watch.retryMaxMs);
    this.recordError(path, describe(error), { retryInMs: delay, attempt, queued: this.pending.size });
    if (this.stopping) return;
    this.storeRetry = setTimeout(() => {
      this.storeRetry = null;
      this.kick();
    }, delay);
  }

  /** Writes the feeds of the topics changed since the last write (all feeds when `all`). */
  private async flushFeeds(all = false): Promise<void> {
    if (!all && this.dirty.size === 0 && !this.feedsFailing) return;
    const topics = [...this.dirty];
    const [report] = await publishAll(this.ctx, [this.feeds], { topics: all || this.feedsFailing ? 'all' : topics });
    for (const warning of report!.warnings) this.log.warn({ event: 'websub-failed', where: 'websub' }, warning);
    if (report!.errors.length === 0) {
      for (const t of topics) this.dirty.delete(t);
      if (this.feedsFailing) this.log.info({ event: 'feeds-writable' }, 'feeds can be written again');
      this.feedsFailing = false;
      this.feedRetryAttempt = 0;
      if (report!.written.length > 0)
        this.log.info({ event: 'feeds-written', written: report!.written.length, unchanged: report!.unchanged }, 'feeds written');
      return;
    }
    this.feedsFailing = true;
    const delay = backoffMs(++this.feedRetryAttempt, 500, this.config.watch.retryMaxMs);
    this.recordError('feeds', report!.errors.join('; '), { retryInMs: delay });
    if (!this.feedRetry && !this.stopping) {
      this.feedRetry = setTimeout(() => {
        this.feedRetry = null;
        this.kick();
      }, delay);
    }
  }

  /** Starts (or restarts, after a reload) the digest timer and transport when there are subscribers. */
  private startMail(): void {
    if (this.mailTimer) clearInterval(this.mailTimer);
    this.mailTimer = null;
    void this.transport?.close();
    this.transport = null;
    if (this.config.subscribers.length === 0) return;
    this.transport = createTransport(this.config);
    this.mailTimer = setInterval(() => this.kickDigests(), this.config.mail.checkEveryMs);
    this.mailTimer.unref();
    this.log.info({ event: 'digests-on', subscribers: this.config.subscribers.length, via: this.transport.describe() }, 'digests on');
    this.kickDigests();
  }

  /** Builds the digests that are due and sends what is queued, unless a round is already under way. */
  private kickDigests(): void {
    if (!this.transport || this.stopping || this.digesting) return;
    const transport = this.transport;
    this.digesting = (async () => {
      // Each digest is logged as it goes out, not when the round ends; a stop ends the round between two sends.
      const mail = mailOutput(transport, (s) => this.log.info({ event: 'digest-sent', to: s.address, subject: s.subject }, 'digest sent'));
      const [report] = await publishAll(this.ctx, [mail], { topics: 'all', shouldStop: () => this.stopping });
      for (const error of report!.errors) this.recordError('mail', error);
    })().finally(() => (this.digesting = null));
  }

  /** Re-reads the config; a bad one is reported and the running one kept. */
  async reload(why: string): Promise<void> {
    let next: Config;
    try {
      next = loadConfig(this.options.configPath, this.options.overrides).config;
      assertDistinctSlugs(next, this.store.listTopics(), 'config');
    } catch (error) {
      this.recordError('reload', `${describe(error)}; keeping the running config`);
      return;
    }
    const fixed: [string, unknown, unknown][] = [
      ['source.inbox', this.config.source.inbox, next.source.inbox],
      ['store.path', this.config.store.path, next.store.path],
      ['watch', this.config.watch, next.watch],
    ];
    const needRestart = fixed.filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b)).map(([k]) => k);
    if (needRestart.length) this.log.warn({ event: 'restart-needed', keys: needRestart }, 'these settings take effect after a restart');
    this.config = {
      ...next,
      source: { ...next.source, inbox: this.config.source.inbox },
      store: this.config.store,
      watch: this.config.watch,
    };
    this.log.level = next.log.level;
    this.log.info({ event: 'config-reloaded', why }, 'config reloaded');
    await this.digesting;
    this.startMail();
    await this.idle();
    try {
      const rebuilt = reconcileCustomTopics(this.ctx);
      if (rebuilt.length) this.log.info({ event: 'topics-rebuilt', topics: rebuilt }, 'custom topics rebuilt for their new rules');
    } catch (error) {
      this.recordError('reload', describe(error));
    }
    await this.flushFeeds(true);
  }

  /** Stops taking dumps, finishes the one in hand, writes pending feeds and closes the store. */
  /** For an exit past the stop deadline: closes the store if it can and releases the lock. */
  abandon(): void {
    try {
      this.store.close();
    } catch {
      // A statement is running: the exit closes the file anyway.
    }
    this.releaseLock();
  }

  async stop(signal: string): Promise<void> {
    if (this.stopping) return;
    this.log.info({ event: 'stopping', signal, queued: this.pending.size }, 'stopping');
    this.stopping = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    if (this.storeRetry) clearTimeout(this.storeRetry);
    if (this.feedRetry) clearTimeout(this.feedRetry);
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.mailTimer) clearInterval(this.mailTimer);
    if (this.oddNameScan) clearTimeout(this.oddNameScan);
    await Promise.all([this.inboxWatcher?.close(), this.configWatcher?.close()]);
    await this.idle();
    await this.flushFeeds();
    // A digest being handed over is finished (and marked sent) before the store closes.
    await this.digesting;
    await this.transport?.close();
    this.safeState({ pid: null, queue: 0 });
    this.store.close();
    this.releaseLock();
    this.log.info({ event: 'stopped' }, 'stopped');
  }

  private recordError(where: string, text: string, extra: Record<string, unknown> = {}): void {
    const message = redact(text);
    // The same failure again and again (a locked store, a full disk) is counted: a line at the 1st,
    // 2nd, 4th, 8th... time, the others at debug level.
    const key = message.replace(where, '');
    this.errorRepeats = key === this.lastErrorText ? this.errorRepeats + 1 : 1;
    this.lastErrorText = key;
    const fields = { event: 'error', where, ...extra, ...(this.errorRepeats > 1 ? { repeated: this.errorRepeats } : {}) };
    if (worthLogging(this.errorRepeats)) this.log.error(fields, message);
    else this.log.debug(fields, message);
    this.safeState({
      lastError: message.includes(where) ? message : `${where}: ${message}`,
      lastErrorAt: this.now().toISOString(),
      queue: this.pending.size,
    });
  }

  // The state row is informative: failing to write it (store locked) must not stop the work.
  private safeState(state: Parameters<Store['updateDaemonState']>[0]): void {
    try {
      this.store.updateDaemonState(state);
    } catch (error) {
      this.log.debug({ event: 'state-not-recorded', err: describe(error) }, 'could not record daemon state');
    }
  }
}

/** `dev:ino` of a file, or null when there is none (an in-memory store). */
function fileIdentity(path: string): string | null {
  try {
    const info = statSync(path);
    return `${info.dev}:${info.ino}`;
  } catch {
    return path === ':memory:' ? null : 'missing';
  }
}

async function makeFolder(what: string, path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (cause) {
    throw new DumpfeedError(`${what} ${path}`, `cannot create the folder: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
      cause,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof DumpfeedError ? error.toLine() : error instanceof Error ? error.message : String(error);
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
