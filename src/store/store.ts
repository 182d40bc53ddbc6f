import { itemTitleKey } from '../identify/item-key.js';
import { matchItems } from '../identify/match-items.js';
import type { ItemRef, ParsedDump, StoredTopic } from '../model.js';
import { Archives } from './archives.js';
import { CustomTopicStore } from './custom-topics.js';
import { DaemonStateTable } from './daemon-state.js';
import { Db } from './db.js';
import { DigestStore } from './digests.js';
import { Dumps, type DumpMeta } from './dumps.js';
import { Items, type IdentityScheme, type ItemRow } from './items.js';
import { Published } from './published.js';
import { Topics } from './topics.js';

export type { DumpMeta, KnownDump, RejectedDump } from './dumps.js';
export type { IdentityScheme } from './items.js';
export type { TopicStats } from './topics.js';
export type { DaemonState } from './daemon-state.js';

/** What one stored dump changed. */
export interface RecordedDump {
  topic: StoredTopic;
  new: ItemRef[];
  updated: ItemRef[];
  unchanged: number;
}

/**
 * The persistent memory of dumpfeed: topics, items with every version, and every dump processed.
 * SQLite in WAL mode; each dump is stored in one transaction, so a crash leaves the store as it was
 * before that dump. One module per table (or group of tables), reached through this handle:
 * `store.items.newest(...)`, `store.digests.queued()`.
 */
export class Store {
  readonly dumps: Dumps;
  readonly topics: Topics;
  readonly items: Items;
  readonly archives: Archives;
  readonly customTopics: CustomTopicStore;
  readonly digests: DigestStore;
  readonly daemonState: DaemonStateTable;
  readonly published: Published;
  /** Dumps stored through this handle (see changeMark). */
  private revision = 0;

  private constructor(private readonly db: Db) {
    this.dumps = new Dumps(db);
    this.topics = new Topics(db);
    this.items = new Items(db);
    this.archives = new Archives(db);
    this.customTopics = new CustomTopicStore(db, this.topics);
    this.digests = new DigestStore(db, this.dumps);
    this.daemonState = new DaemonStateTable(db);
    this.published = new Published(db);
  }

  /**
   * Opens (creating if needed) the store at `path` and brings its schema up to date. With `readOnly`
   * (status, serve, topics), the store must exist and is only read: a mistyped path is an error, not
   * a new empty store.
   */
  static open(path: string, busyTimeoutMs = 5000, options: { readOnly?: boolean } = {}): Store {
    return new Store(Db.open(path, busyTimeoutMs, options));
  }

  /**
   * The SQLite connection itself, for tests and diagnostics that read the tables directly. dumpfeed's
   * own code goes through the entity modules (tests/architecture.test.ts checks).
   */
  get sqlite(): Db['db'] {
    return this.db.db;
  }

  /** The database file. */
  get path(): string {
    return this.db.path;
  }

  /**
   * Batch ingest: the dumps stored until `endGroup` share one transaction (each is still all or
   * nothing, as a savepoint). False when it cannot begin (a busy store): each dump then takes its own.
   */
  beginGroup(): boolean {
    return this.db.beginGroup();
  }

  /** Whether the group is still open; SQLite ends one itself after some failures, and then nothing of it was stored. */
  get inGroup(): boolean {
    return this.db.inGroup;
  }

  /** Commits the group (a StoreError when that fails: nothing of the group is stored). */
  endGroup(): void {
    this.db.endGroup();
  }

  /** Closes the database; the store cannot be used afterwards. */
  close(): void {
    this.db.close();
  }

  /**
   * Stores a parsed dump in one transaction: the topic, each item matched to its stored identity
   * (new, updated with a new version, or unchanged), and the dump itself. `onChanged` runs inside the
   * same transaction with the row ids of the new and updated items (custom topics use it). Returns null
   * when these bytes were stored meanwhile (by another process).
   */
  recordDump(
    meta: DumpMeta,
    dump: ParsedDump,
    ids: IdentityScheme,
    onChanged?: (rowIds: number[]) => void,
    slugTaken?: (slug: string) => boolean,
  ): RecordedDump | null {
    const recorded = this.db.write(meta.file, () => {
      const topic = this.topics.upsert(dump.topic, meta.processedAt, slugTaken);
      const dumpId = this.dumps.insertStored(meta, topic.id, dump);
      // Another process stored the same bytes since this one looked: nothing to do.
      if (dumpId === undefined) return null;

      const rows = new Map<number, ItemRow>();
      const keys = dump.items.map(itemTitleKey);
      const matches = matchItems(dump.items, this.items.candidates(topic.id, keys, rows), keys);
      const result: RecordedDump = { topic, new: [], updated: [], unchanged: 0 };
      const changedRows: number[] = [];
      // A dump has no end marker: its last item may have been cut short by the write, and a later dump
      // that shows more of it completes it.
      const lastPosition = dump.items.length - 1;
      dump.items.forEach((item, position) => {
        const match = matches[position]!;
        const maybeCut = position === lastPosition;
        if (match.rowId === null) {
          const { ref, rowId } = this.items.insert(topic, item, { dumpId, position, seenAt: meta.writtenAt, maybeCut }, ids);
          result.new.push(ref);
          changedRows.push(rowId);
          return;
        }
        const changed = this.items.update(rows.get(match.rowId)!, item, { dumpId, seenAt: meta.writtenAt, maybeCut });
        if (changed) {
          result.updated.push(changed);
          changedRows.push(match.rowId);
        } else result.unchanged++;
      });
      if (onChanged && changedRows.length > 0) onChanged(changedRows);
      this.dumps.setCounts(dumpId, result.new.length, result.updated.length);
      this.topics.countDump(topic.id, result.new.length, meta.processedAt);
      return result;
    });
    if (recorded) this.revision++;
    return recorded;
  }

  /**
   * A mark that changes whenever the items, topics or dumps may have: a dump stored through this handle,
   * or any commit by another process (SQLite's data_version). One pragma, for caches of what is
   * rendered from the store. (Custom topics are rebuilt here only with a new config, which a cache
   * keys on too.)
   */
  changeMark(): string {
    return `${this.db.dataVersion()}:${this.revision}`;
  }

  /** Counts for status and tests. */
  counts(): { topics: number; items: number; versions: number; dumps: number; rejected: number } {
    return this.db
      .sql(
        `SELECT (SELECT COUNT(*) FROM topics) AS topics, (SELECT COUNT(*) FROM items) AS items,
             (SELECT COUNT(*) FROM item_versions) AS versions,
             (SELECT COUNT(*) FROM dumps WHERE status = 'ok') AS dumps,
             (SELECT COUNT(*) FROM dumps WHERE status = 'rejected') AS rejected`,
      )
      .get() as { topics: number; items: number; versions: number; dumps: number; rejected: number };
  }
}
