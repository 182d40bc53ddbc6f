import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { watch } from 'chokidar';
import { assertDistinctSlugs } from '../catalog/topics.js';
import { systemClock, type Clock, type Timer } from '../clock.js';
import { loadConfig, type ConfigOverrides } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { describeError as describe, DumpfeedError, StoreError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DumpResult } from '../model.js';
import { processDump, reconcileCustomTopics, type Context } from '../pipeline.js';
import { removeStaleTempFiles } from '../sinks/feeds/write-file.js';
import { createTransport } from '../sinks/mail/transport.js';
import { feedsOutput } from '../sinks/outputs.js';
import { dumpNameFilter, printable } from '../source/dump-files.js';
import { explainWatchError, watchInbox, type InboxWatcher } from '../source/watch-inbox.js';
import type { DaemonState } from '../store/daemon-state.js';
import { acquireLock } from '../store/instance-lock.js';
import { Store } from '../store/store.js';
import { DigestRounds } from './digest-rounds.js';
import { DumpQueue } from './dump-queue.js';
import { ErrorReport } from './error-report.js';
import { FeedWriter } from './feed-writer.js';
import { Inbox, makeFolder } from './inbox.js';

/** What `dumpfeed watch` is started with. */
export interface DaemonOptions {
  configPath: string | undefined;
  overrides: ConfigOverrides;
  logger: Logger;
  clock?: Clock;
  /** Called when the daemon cannot go on (its store was deleted or replaced): the caller stops it, exit 1. */
  onFatal?: (message: string) => void;
  /** Called with the new config after a reload (the web server's thread takes it). */
  onReload?: (config: Config) => void;
}

// While a burst is being worked through, feeds are still brought up to date this often.
const FEED_FLUSH_MS = 1000;
const HEARTBEAT_MS = 10_000;

/**
 * The long-running service: watches the inbox, processes each new dump in turn through the same
 * pipeline as `ingest`, and keeps the feeds current. One broken dump never stops it: a bad dump is
 * rejected with its reason; a passing failure (store locked, feeds folder unwritable) is logged and
 * retried with backoff, and the dump is not marked processed until it has been stored. Its parts: the
 * queue (with its backoffs), the inbox, the feed writer and the digest rounds, each in its own module.
 */
export class Daemon {
  private config: Config;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly releaseLock: () => void;
  private readonly errors: ErrorReport;
  private readonly queue: DumpQueue;
  private readonly inbox: Inbox;
  private readonly feeds: FeedWriter;
  private readonly digests: DigestRounds;
  /** The store file this daemon opened (device and inode): it must still be the one at store.path. */
  private readonly storeFile: string | null;
  private fatal: string | null = null;
  private draining: Promise<void> | null = null;
  private stopping = false;
  private inboxWatcher: InboxWatcher | null = null;
  private configWatcher: FSWatcher | null = null;
  private heartbeat: Timer | null = null;

  constructor(private readonly options: DaemonOptions) {
    this.log = options.logger;
    this.clock = options.clock ?? systemClock;
    this.config = loadConfig(options.configPath, options.overrides).config;
    this.releaseLock = acquireLock(this.config.store.path);
    try {
      this.store = Store.open(this.config.store.path, this.config.store.busyTimeoutMs);
      this.storeFile = fileIdentity(this.config.store.path);
    } catch (error) {
      this.releaseLock();
      throw error;
    }
    const { retryMaxMs } = this.config.watch;
    this.errors = new ErrorReport(this.log, this.clock, (state) => this.safeState({ ...state, queue: this.queue.size }));
    this.queue = new DumpQueue(this.clock, retryMaxMs, () => this.kick());
    // Absolute paths throughout, so that logs and the store name the same file the same way.
    this.inbox = new Inbox(resolve(this.config.source.inbox), this.config.source.pattern, this.clock, this.log, (name) =>
      this.queue.add(name),
    );
    this.feeds = new FeedWriter(feedsOutput(), this.clock, this.log, this.errors, {
      flushEveryMs: FEED_FLUSH_MS,
      retryMaxMs,
      onRetry: () => this.kick(),
    });
    this.digests = new DigestRounds(this.clock, this.log, this.errors, () => this.ctx, createTransport);
  }

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
    const state = this.store.daemonState.get();
    return {
      ok: true,
      daemon: true,
      queue: this.queue.size,
      retrying: this.queue.retrying,
      lastDump: state.lastDump,
      lastDumpAt: state.lastDumpAt,
      lastError: state.lastError,
      lastErrorAt: state.lastErrorAt,
    };
  }

  private get ctx(): Context {
    return { store: this.store, config: this.config, now: () => this.clock.now() };
  }

  /** Brings the feeds up to date, catches up with the inbox, then watches it. */
  async start(): Promise<void> {
    // What the daemon writes into is created on start; what cannot be is a one-line error (exit 1).
    await this.inbox.create();
    if (this.config.subscribers.length > 0 && this.config.mail.smtp === null)
      await makeFolder('mail.outbox', resolve(this.config.mail.outbox));
    assertDistinctSlugs(this.config, this.store.topics.list(), 'config');
    const startedAt = this.clock.now().toISOString();
    this.store.daemonState.update({ pid: process.pid, startedAt, heartbeatAt: startedAt, queue: 0 });
    this.rebuildCustomTopics();
    // A writer killed mid-write leaves a temporary file behind; feeds may be behind the store if the
    // last run was killed between the two.
    const { removed } = removeStaleTempFiles(this.config.feeds.dir);
    if (removed > 0)
      this.log.info({ event: 'temp-files-removed', files: removed }, 'removed temporary files a killed run left in the feeds folder');
    await this.feeds.write(this.ctx, true);

    this.inboxWatcher = await watchInbox(
      this.inbox.path,
      { ...this.config.watch, isDump: dumpNameFilter(this.config.source.pattern) },
      (path) => this.queue.add(path),
      (error) => this.errors.record(`watch ${this.inbox.path}`, explainWatchError(error as NodeJS.ErrnoException)),
      () => this.scanOddNames(),
    );
    if (this.options.configPath) {
      this.configWatcher = watch(resolve(this.options.configPath), { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100 } });
      this.configWatcher.on('change', () => void this.reload('config file changed'));
      // An editor that deletes and writes anew, or a deploy that replaces the file.
      this.configWatcher.on('add', () => void this.reload('config file replaced'));
      // Watched before the daemon says it is watching: an edit made right after is not missed.
      const ready = this.configWatcher;
      await new Promise<void>((done) => ready.once('ready', () => done()));
    }
    // Catch up with what arrived while no daemon was running (after the watch, so nothing slips between).
    const names = await this.inbox.scan();
    this.beat();
    await this.digests.start(this.config);
    this.log.info(
      { event: 'watching', inbox: this.inbox.path, store: this.config.store.path, feeds: this.config.feeds.dir, backlog: names.length },
      'watching',
    );
  }

  /** Records that the daemon is alive, every HEARTBEAT_MS. */
  private beat(): void {
    this.heartbeat = this.clock.setTimeout(() => {
      if (this.stopping) return;
      if (this.storeIsStillThere()) this.safeState({ heartbeatAt: this.clock.now().toISOString(), queue: this.queue.size });
      this.beat();
    }, HEARTBEAT_MS);
  }

  private scanOddNames(): void {
    if (this.stopping) return;
    this.inbox.scanOddNamesSoon(this.config.watch.stabilityMs, (error) => this.errors.record('inbox', describe(error)));
  }

  /** Adds a dump to the queue and makes sure the queue is being worked through. */
  enqueue(path: string): void {
    if (!this.stopping) this.queue.add(path);
  }

  /** Starts working through the queue (and any pending feed write) unless that is already under way. */
  private kick(): void {
    // While the store is failing, the queue's own timer kicks again.
    if (this.draining || this.stopping || this.queue.paused) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      // Dumps that arrived during the final feed write.
      if (this.queue.size > 0) this.kick();
      // `immediate` subscribers get their digest as soon as the queue is worked through.
      else this.digests.kick();
    });
  }

  /** Resolves when the queue is empty and the feeds are written (or failing). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.take(); next !== undefined && !this.stopping; next = this.queue.take()) {
      await this.handle(next);
      if (this.feeds.due) await this.feeds.write(this.ctx);
    }
    await this.feeds.write(this.ctx);
  }

  private async handle(path: string): Promise<void> {
    if (!this.storeIsStillThere()) return;
    this.log.debug({ event: 'dump-picked-up', file: path }, 'dump picked up');
    const file = this.inbox.fileFor(path);
    let processed;
    try {
      processed = await processDump(this.ctx, file);
    } catch (error) {
      // The store cannot be written (locked, disk full): no other dump can be stored either.
      if (error instanceof StoreError) {
        const { attempt, delayMs } = this.queue.pauseForStore(path);
        this.errors.record(path, describe(error), { retryInMs: delayMs, attempt, queued: this.queue.size });
      } else this.retryLater(path, error);
      return;
    }
    const failures = this.queue.storeRecovered();
    if (failures > 0) this.log.info({ event: 'store-writable', failures }, 'the store can be written again');
    const { result, topicId } = processed;
    if (result.error !== null && /^cannot read: ENOENT/.test(result.error)) {
      // The watcher reports a name that is not UTF-8 with U+FFFD in it, a name that does not exist:
      // the inbox's own listing has the real one.
      if (path.includes('\ufffd')) this.scanOddNames();
      else this.log.debug({ event: 'dump-vanished', file: path }, 'dump vanished before it was read');
      return;
    }
    this.inbox.forget(path);
    if (result.error !== null && /^cannot read/.test(result.error)) {
      this.retryLater(path, new DumpfeedError(path, result.error));
      return;
    }
    this.queue.done(path);
    if (topicId !== null) this.feeds.changed(topicId);
    this.report(result);
    this.safeState({ lastDump: path, lastDumpAt: this.clock.now().toISOString(), queue: this.queue.size });
    // A dump that looks cut off may still be being written (a writer that pauses longer than
    // watch.stabilityMs): it stays in the inbox, and its next change is read again.
    // Moved only once durably stored in the store at store.path.
    if (this.config.watch.moveProcessed && result.errorKind !== 'truncated' && this.storeIsStillThere())
      await this.inbox.moveDone(file, result);
  }

  /** A dump that cannot be read for now (permissions, a passing I/O error): retried alone, with backoff. */
  private retryLater(path: string, error: unknown): void {
    const { attempt, delayMs } = this.queue.retryLater(path);
    this.errors.record(path, describe(error), { retryInMs: delayMs, attempt });
  }

  private report(result: DumpResult): void {
    // Names can hold control characters; on a terminal the pretty log prints them as they are.
    const r = { ...result, file: printable(result.file) };
    if (r.error !== null) {
      this.log.warn({ event: 'dump-rejected', file: r.file, reason: r.error }, 'dump rejected');
      this.safeState({ lastError: `${r.file}: ${r.error}`, lastErrorAt: this.clock.now().toISOString() });
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

  private rebuildCustomTopics(): void {
    const rebuilt = reconcileCustomTopics(this.ctx);
    if (rebuilt.length) this.log.info({ event: 'topics-rebuilt', topics: rebuilt }, 'custom topics rebuilt for their new rules');
  }

  /** Re-reads the config; a bad one is reported and the running one kept. */
  async reload(why: string): Promise<void> {
    let next: Config;
    try {
      next = loadConfig(this.options.configPath, this.options.overrides).config;
      assertDistinctSlugs(next, this.store.topics.list(), 'config');
    } catch (error) {
      this.errors.record('reload', `${describe(error)}; keeping the running config`);
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
    this.options.onReload?.(this.config);
    await this.digests.start(this.config);
    await this.idle();
    try {
      this.rebuildCustomTopics();
    } catch (error) {
      this.errors.record('reload', describe(error));
    }
    await this.feeds.write(this.ctx, true);
  }

  /** For an exit past the stop deadline: closes the store if it can and releases the lock. */
  abandon(): void {
    try {
      this.store.close();
    } catch {
      // A statement is running: the exit closes the file anyway.
    }
    this.releaseLock();
  }

  /** Stops taking dumps, finishes the one in hand, writes pending feeds and closes the store. */
  async stop(signal: string): Promise<void> {
    if (this.stopping) return;
    this.log.info({ event: 'stopping', signal, queued: this.queue.size }, 'stopping');
    this.stopping = true;
    // No digest round or send starts from now on; the one in hand ends between two sends.
    const digestsStopped = this.digests.stop();
    this.queue.close();
    this.feeds.close();
    this.inbox.close();
    if (this.heartbeat) this.clock.clearTimeout(this.heartbeat);
    await Promise.all([this.inboxWatcher?.close(), this.configWatcher?.close()]);
    await this.idle();
    await this.feeds.write(this.ctx);
    // A digest being handed over is finished (and marked sent) before the store closes.
    await digestsStopped;
    this.safeState({ pid: null, queue: 0 });
    this.store.close();
    this.releaseLock();
    this.log.info({ event: 'stopped' }, 'stopped');
  }

  // The state row is informative: failing to write it (store locked) must not stop the work.
  private safeState(state: Partial<DaemonState>): void {
    try {
      this.store.daemonState.update(state);
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
