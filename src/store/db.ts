import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';

/**
 * The SQLite connection under every store module: opening (read-only for status, serve and topics),
 * the schema version, prepared statements and write transactions. Only `src/store/` uses it
 * (tests/architecture.test.ts checks): everything else asks the entity modules.
 */
export class Db {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Opens (creating if needed) the database at `path` and brings its schema up to date. With
   * `readOnly`, the file must exist and is only read: a mistyped path is an error, not a new empty store.
   */
  static open(path: string, busyTimeoutMs = 5000, options: { readOnly?: boolean } = {}): Db {
    const readOnly = options.readOnly === true;
    let db: Database.Database;
    try {
      if (readOnly) {
        db = new Database(path, { readonly: true, fileMustExist: true, nativeBinding: nativeBinding() });
      } else {
        if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
        db = new Database(path, { nativeBinding: nativeBinding() });
        // Busy timeout first, so that every statement after it waits for another process rather than
        // failing. NORMAL is durable against a killed process (the WAL is written before commit
        // returns); only an OS crash or power cut can lose the last transactions.
        db.exec(`PRAGMA busy_timeout = ${Math.floor(busyTimeoutMs)}`);
        useWriteAheadLog(db, busyTimeoutMs);
        db.exec(`PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON`);
      }
      // 8 MB of page cache for every connection (the default is 2 MB): the index pages a dump or a
      // page touches stay in memory, and the operating system's cache holds the rest. The writer had
      // 64 MB, which made a daemon's memory grow with its store for as long as it ran (the soak: +18 MB
      // in 5 minutes), then 16 MB, which a first run on a million items (every archive page to write,
      // each read once) filled to a peak of 117-126 MB against 110 MB now. Batch ingest and a cron
      // ingest at 1M items were no slower at 8 MB. A cache holds only pages read.
      db.exec(`PRAGMA cache_size = -8192; PRAGMA busy_timeout = ${Math.floor(busyTimeoutMs)}`);
      // The writer's temporary files in memory: above all the journal of each dump's savepoint in a
      // batch's group (the pages the dump changed, as they were before it, so that it can be undone
      // alone), which went to a file once over 64 KB: 53 writes to it a dump, 8-12 % of a batch
      // ingest. It holds no more than the pages one dump changes, and is emptied when the dump is.
      if (!readOnly) db.exec(`PRAGMA temp_store = MEMORY`);
    } catch (cause) {
      if (readOnly && (cause as { code?: string }).code === 'SQLITE_CANTOPEN') {
        throw new StoreError(`store ${path}`, 'no such store (check --db or store.path; `dumpfeed ingest` or `watch` creates it)', {
          cause,
        });
      }
      throw new StoreError(`store ${path}`, `cannot open: ${(cause as Error).message}`, { cause });
    }
    const handle = new Db(db, path);
    if (readOnly) handle.checkSchema();
    else handle.migrate();
    return handle;
  }

  /**
   * How many writes of this handle were undone (a failed write's transaction or savepoint rolled back,
   * a group's commit failed): what this handle remembers of its writes since is to be forgotten.
   */
  get rollbacks(): number {
    return this.rolledBack;
  }

  private rolledBack = 0;

  /** SQLite's data_version: it moves when another connection commits. */
  dataVersion(): number {
    return this.sql('PRAGMA data_version').pluck().get() as number;
  }

  /** A prepared statement, compiled once and reused (preparing dominates the cost of small queries). */
  sql(source: string): Database.Statement {
    let stmt = this.statements.get(source);
    if (!stmt) {
      stmt = this.db.prepare(source);
      this.statements.set(source, stmt);
    }
    return stmt;
  }

  /**
   * Runs `fn` in a write transaction; SQLite failures become a StoreError naming `what`. BEGIN
   * IMMEDIATE: a writer waits (up to store.busyTimeoutMs) for another to finish instead of failing
   * when its read turns into a write. Nested calls join the outer transaction.
   */
  write<T>(what: string, fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (cause) {
      this.rolledBack++;
      if (cause instanceof StoreError) throw cause;
      throw new StoreError(`store ${this.path}`, `cannot record ${what}: ${(cause as Error).message}`, { cause });
    }
  }

  /**
   * Opens a transaction that the writes until `endGroup` join, each as a savepoint of its own: one
   * commit for many dumps. False when it cannot begin (another writer kept the store busy for
   * `store.busyTimeoutMs`, or the store cannot be written): each write then takes its own transaction,
   * its own turn, and reports its own failure.
   */
  beginGroup(): boolean {
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch {
      return false;
    }
    // A group's commit copies the log into the database only past GROUP_CHECKPOINT_PAGES: a batch's
    // groups each change much the same index pages (an item's key and title go anywhere in theirs),
    // and at SQLite's 1,000 every other commit copied them all again: a commit of 64 dumps took 9.3 ms,
    // 5.4 ms now. The log file keeps the size it grew to (40 MB at most), as SQLite keeps it; limiting
    // it (journal_size_limit) cut it back after every checkpoint, and growing it again cost most of the
    // gain.
    this.db.exec(`PRAGMA wal_autocheckpoint = ${GROUP_CHECKPOINT_PAGES}`);
    return true;
  }

  /** True while a group is open (SQLite itself ends one after some failures: a full disk, an I/O error). */
  get inGroup(): boolean {
    return this.db.inTransaction;
  }

  /** Commits the group; on failure nothing of it is stored. */
  endGroup(): void {
    try {
      if (!this.db.inTransaction) return;
      this.db.exec('COMMIT');
    } catch (cause) {
      this.rolledBack++;
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw new StoreError(`store ${this.path}`, `cannot commit: ${(cause as Error).message}`, { cause });
    } finally {
      // Single writes checkpoint as SQLite does: the next commit past 1,000 pages copies the batch's log.
      if (this.db.open) this.db.exec(`PRAGMA wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    }
  }

  /** Closes the database; it cannot be used afterwards. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** For a read-only store: its schema must be this dumpfeed's, neither older nor newer. */
  private checkSchema(): void {
    const current = this.version();
    if (current > MIGRATIONS.length) throw this.tooNew(current);
    if (current < MIGRATIONS.length) {
      throw new StoreError(
        `store ${this.path}`,
        `was written by an older dumpfeed; run \`dumpfeed ingest\` or \`watch\` once to upgrade it`,
      );
    }
  }

  private migrate(): void {
    if (this.version() === MIGRATIONS.length) return;
    // BEGIN IMMEDIATE, and the version read again inside: two processes opening a new store at once
    // take turns, and the second finds the schema already there.
    this.db
      .transaction(() => {
        const current = this.version();
        if (current > MIGRATIONS.length) throw this.tooNew(current);
        for (let v = current; v < MIGRATIONS.length; v++) {
          this.db.exec(MIGRATIONS[v]!);
          this.db.pragma(`user_version = ${v + 1}`);
        }
      })
      .immediate();
  }

  private version(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private tooNew(current: number): StoreError {
    return new StoreError(
      `store ${this.path}`,
      `schema version ${current} is newer than this dumpfeed (${MIGRATIONS.length}); upgrade dumpfeed`,
    );
  }
}

/** SQLite's own autocheckpoint (pages of write-ahead log), and a batch's group's (40 MB of log at most). */
const CHECKPOINT_PAGES = 1000;
const GROUP_CHECKPOINT_PAGES = 10_000;

/**
 * better-sqlite3's compiled addon, for its `nativeBinding` option: the file where its install puts it
 * (`release`, built or downloaded), or, when it is elsewhere, the addon as the `bindings` package finds
 * it in the package's folder (the driver's own search, a dozen places tried at a few milliseconds of
 * every cron run). The CLI bundles the driver's JavaScript, and `bindings` looks for the addon next
 * to the file that calls it, which there is the bundle: hence always an explicit addon.
 */
export function findNativeBinding(release = 'better-sqlite3/build/Release/better_sqlite3.node'): string | object {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(release);
  } catch {
    const root = dirname(require.resolve('better-sqlite3/package.json'));
    const bindings = createRequire(join(root, 'package.json'))('bindings') as (o: { bindings: string; module_root: string }) => object;
    return bindings({ bindings: 'better_sqlite3.node', module_root: root });
  }
}

/**
 * `PRAGMA journal_mode = WAL`, waiting up to `busyTimeoutMs` for the store to be free. Turning a new
 * store's journal into a log takes the write lock after a read, and SQLite fails that at once when
 * another connection writes (its busy timeout is not asked, as the two could wait for each other):
 * ingests started side by side on a new store had one fail with "database is locked" (3 in 90 on a
 * loaded machine). A store already in WAL mode answers at once.
 */
function useWriteAheadLog(db: Database.Database, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
    }
    Atomics.wait(PAUSE, 0, 0, Math.min(pauseMs, Math.max(1, deadline - Date.now())));
  }
}

/** What `useWriteAheadLog` waits on: nothing ever wakes it, so each wait lasts its time. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

let addon: string | object | undefined;
// The driver takes a path or the addon itself; its types know only the path.
function nativeBinding(): string {
  return (addon ??= findNativeBinding()) as string;
}
