import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, type ParseError } from '../errors.js';
import { isMinorChange, itemKey, sameContent, summaryKey, titleKey } from '../identify/item-key.js';
import { matchItems, type Candidate, type CandidateLookup } from '../identify/match-items.js';
import type { ItemRef, ParsedDump, ParsedItem, StoredItem, StoredTopic } from '../model.js';
import { freeSlug } from '../catalog/slugs.js';
import { MIGRATIONS } from './migrations.js';

/** What the store records of a dump file besides its content. */
export interface DumpMeta {
  file: string;
  sha256: string;
  writtenAt: string;
  processedAt: string;
}

/** The parts of a permanent item id that come from the config: `tag:AUTHORITY,DATE:slug/key`. */
export interface IdentityScheme {
  tagAuthority: string;
  tagDate: string;
}

/** A dump already seen, found by its content hash. */
export interface KnownDump {
  id: number;
  file: string;
  status: 'ok' | 'rejected';
  processedAt: string;
  topic: string | null;
  itemCount: number;
  error: string | null;
}

/** What one stored dump changed. */
export interface RecordedDump {
  topic: StoredTopic;
  new: ItemRef[];
  updated: ItemRef[];
  unchanged: number;
}

/** A topic with the figures `status` shows. */
export interface TopicStats extends StoredTopic {
  itemCount: number;
  dumpCount: number;
  lastDumpAt: string | null;
}

/** What the daemon last reported about itself. */
export interface DaemonState {
  pid: number | null;
  startedAt: string | null;
  heartbeatAt: string | null;
  queue: number;
  lastDump: string | null;
  lastDumpAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

const DAEMON_COLUMNS: Record<keyof DaemonState, string> = {
  pid: 'pid',
  startedAt: 'started_at',
  heartbeatAt: 'heartbeat_at',
  queue: 'queue',
  lastDump: 'last_dump',
  lastDumpAt: 'last_dump_at',
  lastError: 'last_error',
  lastErrorAt: 'last_error_at',
};

/** A rejected dump with its reason. */
export interface RejectedDump {
  file: string;
  sha256: string;
  processedAt: string;
  kind: string | null;
  error: string;
}

/** A row of the items table. */
export type ItemRow = {
  id: number;
  topic_id: number;
  key: string;
  guid: string;
  version: number;
  title: string;
  date: string | null;
  end_date: string | null;
  summary: string | null;
  category: string | null;
  credit: string | null;
  location: string | null;
  maybe_cut: number;
  first_seen_at: string;
  updated_at: string;
  first_seen_dump: number;
  position: number;
};

/**
 * The persistent memory of dumpfeed: topics, items with every version, and every dump processed.
 * SQLite in WAL mode; each dump is stored in one transaction, so a crash leaves the store as it was
 * before that dump.
 */
export class Store {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * A prepared statement, compiled once and reused (preparing dominates the cost of small queries).
   * For the store's own modules.
   */
  sql(source: string): Database.Statement {
    let stmt = this.statements.get(source);
    if (!stmt) {
      stmt = this.db.prepare(source);
      this.statements.set(source, stmt);
    }
    return stmt;
  }

  /**
   * Opens (creating if needed) the store at `path` and brings its schema up to date. With `readOnly`
   * (status, serve, topics), the store must exist and is only read: a mistyped path is an error, not
   * a new empty store.
   */
  static open(path: string, busyTimeoutMs = 5000, options: { readOnly?: boolean } = {}): Store {
    const readOnly = options.readOnly === true;
    let db: Database.Database;
    try {
      if (readOnly) {
        db = new Database(path, { readonly: true, fileMustExist: true });
      } else {
        if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
        db = new Database(path);
        // First, so that every statement below waits for another process rather than failing.
        db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
        db.pragma('journal_mode = WAL');
        // NORMAL is durable against a killed process (the WAL is written before commit returns);
        // only an OS crash or power cut can lose the last transactions.
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
      }
      // 64 MB of page cache (the default is 2 MB): index pages of a store with years of items stay
      // in memory, so the cost of a dump does not grow with the history.
      db.pragma('cache_size = -65536');
      db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
    } catch (cause) {
      if (readOnly && (cause as { code?: string }).code === 'SQLITE_CANTOPEN') {
        throw new StoreError(`store ${path}`, 'no such store (check --db or store.path; `dumpfeed ingest` or `watch` creates it)', {
          cause,
        });
      }
      throw new StoreError(`store ${path}`, `cannot open: ${(cause as Error).message}`, { cause });
    }
    const store = new Store(db, path);
    if (readOnly) store.checkSchema();
    else store.migrate();
    return store;
  }

  /** For a read-only store: its schema must be this dumpfeed's, neither older nor newer. */
  private checkSchema(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new StoreError(
        `store ${this.path}`,
        `schema version ${current} is newer than this dumpfeed (${MIGRATIONS.length}); upgrade dumpfeed`,
      );
    }
    if (current < MIGRATIONS.length) {
      throw new StoreError(
        `store ${this.path}`,
        `was written by an older dumpfeed; run \`dumpfeed ingest\` or \`watch\` once to upgrade it`,
      );
    }
  }

  private migrate(): void {
    const version = () => this.db.pragma('user_version', { simple: true }) as number;
    if (version() === MIGRATIONS.length) return;
    // BEGIN IMMEDIATE, and the version read again inside: two processes opening a new store at once
    // take turns, and the second finds the schema already there.
    this.db
      .transaction(() => {
        const current = version();
        if (current > MIGRATIONS.length) {
          throw new StoreError(
            `store ${this.path}`,
            `schema version ${current} is newer than this dumpfeed (${MIGRATIONS.length}); upgrade dumpfeed`,
          );
        }
        for (let v = current; v < MIGRATIONS.length; v++) {
          this.db.exec(MIGRATIONS[v]!);
          this.db.pragma(`user_version = ${v + 1}`);
        }
      })
      .immediate();
  }

  /** Closes the database; the store cannot be used afterwards. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The dump with these bytes, if one was processed or rejected before. */
  findDump(sha256: string): KnownDump | undefined {
    const row = this.sql(
      `SELECT d.id, d.file, d.status, d.processed_at, d.item_count, d.error, t.name AS topic
         FROM dumps d LEFT JOIN topics t ON t.id = d.topic_id WHERE d.sha256 = ?`,
    ).get(sha256) as
      | {
          id: number;
          file: string;
          status: 'ok' | 'rejected';
          processed_at: string;
          item_count: number;
          error: string | null;
          topic: string | null;
        }
      | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      file: row.file,
      status: row.status,
      processedAt: row.processed_at,
      topic: row.topic,
      itemCount: row.item_count,
      error: row.error,
    };
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
    return this.write(meta.file, () => {
      const topic = this.upsertTopic(dump.topic, meta.processedAt, slugTaken);
      // A rejected earlier delivery of the same bytes (e.g. before a config fix) is replaced.
      const dumpId = (
        this.sql(
          `INSERT INTO dumps (sha256, file, written_at, processed_at, status, topic_id, item_count, warnings) VALUES (?, ?, ?, ?, 'ok', ?, ?, ?)
           ON CONFLICT (sha256) DO UPDATE SET file = excluded.file, written_at = excluded.written_at, processed_at = excluded.processed_at,
             status = 'ok', error_kind = NULL, error = NULL, topic_id = excluded.topic_id, item_count = excluded.item_count,
             warnings = excluded.warnings
           WHERE status = 'rejected' RETURNING id`,
        ).get(
          meta.sha256,
          meta.file,
          meta.writtenAt,
          meta.processedAt,
          topic.id,
          dump.items.length,
          dump.warnings.length > 0 ? dump.warnings.join('\n') : null,
        ) as { id: number } | undefined
      )?.id;
      // Another process stored the same bytes since this one looked: nothing to do.
      if (dumpId === undefined) return null;

      // The look-ups return whole rows, kept here so an unchanged item costs no further query.
      const rows = new Map<number, ItemRow>();
      const matches = matchItems(dump.items, this.lookupFor(topic.id, rows));
      const result: RecordedDump = { topic, new: [], updated: [], unchanged: 0 };
      const changedRows: number[] = [];
      // A dump has no end marker: its last item may have been cut short by the write, and a later dump
      // that shows more of it completes it.
      const lastPosition = dump.items.length - 1;
      dump.items.forEach((item, position) => {
        const match = matches[position]!;
        const maybeCut = position === lastPosition;
        if (match.rowId === null) {
          const { ref, rowId } = this.insertItem(topic, item, dumpId, position, meta.writtenAt, ids, maybeCut);
          result.new.push(ref);
          changedRows.push(rowId);
          return;
        }
        const changed = this.updateItem(rows.get(match.rowId)!, item, dumpId, meta.writtenAt, maybeCut);
        if (changed) {
          result.updated.push(changed);
          changedRows.push(match.rowId);
        } else result.unchanged++;
      });
      if (onChanged && changedRows.length > 0) onChanged(changedRows);

      this.sql(`UPDATE dumps SET new_count = ?, updated_count = ? WHERE id = ?`).run(result.new.length, result.updated.length, dumpId);
      return result;
    });
  }

  /** Records a dump that could not be parsed, with its reason; a later good delivery replaces it. */
  recordRejected(meta: DumpMeta, error: ParseError): void {
    this.write(meta.file, () => {
      this.sql(
        `INSERT INTO dumps (sha256, file, written_at, processed_at, status, error_kind, error) VALUES (?, ?, ?, ?, 'rejected', ?, ?)
           ON CONFLICT (sha256) DO UPDATE SET file = excluded.file, processed_at = excluded.processed_at,
             error_kind = excluded.error_kind, error = excluded.error WHERE status = 'rejected'`,
      ).run(meta.sha256, meta.file, meta.writtenAt, meta.processedAt, error.kind, error.reason);
    });
  }

  /** Every topic, in the order first seen. */
  listTopics(): StoredTopic[] {
    return this.sql(`SELECT id, key, name, slug FROM topics ORDER BY id`).all() as StoredTopic[];
  }

  /** Every topic with its item count, dump count and the time of its last dump. */
  topicStats(): TopicStats[] {
    return this.sql(
      `SELECT t.id, t.key, t.name, t.slug,
             (SELECT COUNT(*) FROM items i WHERE i.topic_id = t.id) AS itemCount,
             (SELECT COUNT(*) FROM dumps d WHERE d.topic_id = t.id) AS dumpCount,
             (SELECT MAX(d.processed_at) FROM dumps d WHERE d.topic_id = t.id) AS lastDumpAt
           FROM topics t ORDER BY t.id`,
    ).all() as TopicStats[];
  }

  /** Stored dumps that came with warnings (an item held back, a possibly cut end), newest first. */
  dumpsWithWarnings(limit = 20): { file: string; processedAt: string; warnings: string[] }[] {
    return (
      this.sql(
        `SELECT file, processed_at AS processedAt, warnings FROM dumps WHERE status = 'ok' AND warnings IS NOT NULL ORDER BY id DESC LIMIT ?`,
      ).all(limit) as { file: string; processedAt: string; warnings: string }[]
    ).map((r) => ({ ...r, warnings: r.warnings.split('\n') }));
  }

  /** Rejected dumps, newest first. */
  rejectedDumps(limit = 50): RejectedDump[] {
    return this.sql(
      `SELECT file, sha256, processed_at AS processedAt, error_kind AS kind, error FROM dumps
         WHERE status = 'rejected' ORDER BY id DESC LIMIT ?`,
    ).all(limit) as RejectedDump[];
  }

  /**
   * The newest items of a topic (or of every topic when `topicId` is null), in feed order: by date,
   * newest first; on the same date the item first seen in a later dump first, then page order.
   */
  feedItems(topicId: number | null, limit: number): StoredItem[] {
    const order = `ORDER BY sort_date DESC, first_seen_dump DESC, position ASC LIMIT ?`;
    const rows = (
      topicId === null
        ? this.sql(`SELECT * FROM items ${order}`).all(limit)
        : this.sql(`SELECT * FROM items WHERE topic_id = ? ${order}`).all(topicId, limit)
    ) as ItemRow[];
    return rows.map(toStoredItem);
  }

  /** A topic's full archive pages, oldest first: the item id range each holds. */
  archivePages(topicId: number): { page: number; firstId: number; lastId: number }[] {
    return this.sql(`SELECT page, first_id AS firstId, last_id AS lastId FROM archive_pages WHERE topic_id = ? ORDER BY page`).all(
      topicId,
    ) as {
      page: number;
      firstId: number;
      lastId: number;
    }[];
  }

  /** Records a newly full archive page. */
  addArchivePage(topicId: number, page: number, firstId: number, lastId: number): void {
    this.write(`archive page ${page}`, () =>
      this.sql(`INSERT OR IGNORE INTO archive_pages (topic_id, page, first_id, last_id) VALUES (?, ?, ?, ?)`).run(
        topicId,
        page,
        firstId,
        lastId,
      ),
    );
  }

  /** A topic's items in arrival order, after item `afterId`, at most `limit` (an archive page's worth). */
  itemsArrivedAfter(topicId: number, afterId: number, limit: number): StoredItem[] {
    return (
      this.sql(`SELECT * FROM items WHERE topic_id = ? AND id > ? ORDER BY id LIMIT ?`).all(topicId, afterId, limit) as ItemRow[]
    ).map(toStoredItem);
  }

  /** A topic's items with ids in a range, in arrival order. */
  itemsInRange(topicId: number, firstId: number, lastId: number): StoredItem[] {
    return (
      this.sql(`SELECT * FROM items WHERE topic_id = ? AND id BETWEEN ? AND ? ORDER BY id`).all(topicId, firstId, lastId) as ItemRow[]
    ).map(toStoredItem);
  }

  /** One item by its key (the last part of its id and of its page URL). */
  itemByKey(key: string): StoredItem | undefined {
    const row = this.sql(`SELECT * FROM items WHERE key = ?`).get(key) as ItemRow | undefined;
    return row && toStoredItem(row);
  }

  /** Every stored version of an item (by its key), oldest first. */
  itemVersions(key: string): (ParsedItem & { version: number; seenAt: string })[] {
    return this.sql(
      `SELECT v.version, v.title, v.date, v.end_date AS endDate, v.summary, v.category, v.credit, v.location, v.seen_at AS seenAt
         FROM item_versions v JOIN items i ON i.id = v.item_id WHERE i.key = ? ORDER BY v.version`,
    ).all(key) as (ParsedItem & { version: number; seenAt: string })[];
  }

  /** What the daemon last reported. */
  daemonState(): DaemonState {
    const cols = Object.entries(DAEMON_COLUMNS)
      .map(([k, c]) => `${c} AS ${k}`)
      .join(', ');
    return this.sql(`SELECT ${cols} FROM daemon_state WHERE id = 1`).get() as DaemonState;
  }

  /** Records part of the daemon's state (a few columns, one small write). */
  updateDaemonState(state: Partial<DaemonState>): void {
    const keys = Object.keys(state) as (keyof DaemonState)[];
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${DAEMON_COLUMNS[k]} = ?`).join(', ');
    this.write('daemon state', () => this.sql(`UPDATE daemon_state SET ${sets} WHERE id = 1`).run(...keys.map((k) => state[k] ?? null)));
  }

  /**
   * When the last stored dump was written, or null for an empty store: the date of an empty feed. One
   * index look-up (dumps_status), not a scan: it runs at every feed write and every filtered request.
   */
  newestDumpAt(): Date | null {
    const row = this.sql(`SELECT written_at AS at FROM dumps WHERE status = 'ok' ORDER BY id DESC LIMIT 1`).get() as
      { at: string } | undefined;
    return row ? new Date(row.at) : null;
  }

  /** The newest processed dump's id (0 for an empty store): the high-water mark for digests. */
  lastDumpId(): number {
    return (this.sql(`SELECT COALESCE(MAX(id), 0) AS id FROM dumps WHERE status = 'ok'`).get() as { id: number }).id;
  }

  /** Counts for status and tests. */
  counts(): { topics: number; items: number; versions: number; dumps: number; rejected: number } {
    return this.sql(
      `SELECT (SELECT COUNT(*) FROM topics) AS topics, (SELECT COUNT(*) FROM items) AS items,
           (SELECT COUNT(*) FROM item_versions) AS versions,
           (SELECT COUNT(*) FROM dumps WHERE status = 'ok') AS dumps,
           (SELECT COUNT(*) FROM dumps WHERE status = 'rejected') AS rejected`,
    ).get() as { topics: number; items: number; versions: number; dumps: number; rejected: number };
  }

  /**
   * Runs `fn` in a write transaction; SQLite failures become a StoreError naming `what`. For the store's
   * own modules. BEGIN IMMEDIATE: a writer waits (up to store.busyTimeoutMs) for another to finish
   * instead of failing when its read turns into a write.
   */
  write<T>(what: string, fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      throw new StoreError(`store ${this.path}`, `cannot record ${what}: ${(cause as Error).message}`, { cause });
    }
  }

  private upsertTopic(name: string, now: string, taken?: (slug: string) => boolean): StoredTopic {
    const key = titleKey(name);
    const existing = this.sql(`SELECT id, key, name, slug FROM topics WHERE key = ?`).get(key) as StoredTopic | undefined;
    if (existing) {
      if (existing.name !== name) this.sql(`UPDATE topics SET name = ? WHERE id = ?`).run(name, existing.id);
      return { ...existing, name };
    }
    const pageTaken = this.sql(`SELECT 1 FROM topics WHERE slug = ?`);
    const slug = freeSlug(name, (candidate) => pageTaken.get(candidate) !== undefined || (taken?.(candidate) ?? false));
    const id = Number(
      this.sql(`INSERT INTO topics (key, name, slug, created_at) VALUES (?, ?, ?, ?)`).run(key, name, slug, now).lastInsertRowid,
    );
    return { id, key, name, slug };
  }

  private lookupFor(topicId: number, rows: Map<number, ItemRow>): CandidateLookup {
    const byTitle = this.sql(`SELECT * FROM items WHERE topic_id = ? AND title_key = ? ORDER BY id`);
    const byDate = this.sql(`SELECT * FROM items WHERE topic_id = ? AND date = ? ORDER BY id`);
    const cutShort = this.sql(`SELECT * FROM items WHERE topic_id = ? AND maybe_cut = 1 ORDER BY id`);
    let cut: Candidate[] | undefined;
    const keep = (found: unknown[]): Candidate[] =>
      (found as (ItemRow & { title_key: string; summary_key: string | null })[]).map((row) => {
        rows.set(row.id, row);
        return { rowId: row.id, title: row.title, titleKey: row.title_key, date: row.date, summaryKey: row.summary_key };
      });
    return {
      byTitleKey: (key) => keep(byTitle.all(topicId, key)),
      byDate: (date) => keep(byDate.all(topicId, date)),
      // Asked only for items no other rule matched; one query per dump at most.
      maybeCut: () => (cut ??= keep(cutShort.all(topicId))),
    };
  }

  private insertItem(
    topic: StoredTopic,
    item: ParsedItem,
    dumpId: number,
    position: number,
    seenAt: string,
    ids: IdentityScheme,
    maybeCut: boolean,
  ): { ref: ItemRef; rowId: number } {
    const exists = this.sql(`SELECT 1 FROM items WHERE key = ?`);
    let key = itemKey(topic.key, item, 0);
    for (let attempt = 1; exists.get(key); attempt++) key = itemKey(topic.key, item, attempt);
    const guid = `tag:${ids.tagAuthority},${ids.tagDate}:${topic.slug}/${key}`;
    const id = Number(
      this.sql(
        `INSERT INTO items (topic_id, key, guid, version, title, title_key, date, end_date, summary, summary_key, category, credit,
             location, maybe_cut, sort_date, first_seen_dump, first_seen_at, position, updated_at)
           VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        topic.id,
        key,
        guid,
        item.title,
        titleKey(item.title),
        item.date,
        item.endDate,
        item.summary,
        summaryKey(item.summary),
        item.category,
        item.credit,
        item.location,
        maybeCut ? 1 : 0,
        item.date ?? seenAt.slice(0, 10),
        dumpId,
        seenAt,
        position,
        seenAt,
      ).lastInsertRowid,
    );
    this.insertVersion(id, 1, dumpId, item, seenAt, false);
    return { ref: { id: guid, title: item.title }, rowId: id };
  }

  // Returns the item when this dump changed it, null when it is unchanged.
  private updateItem(row: ItemRow, item: ParsedItem, dumpId: number, seenAt: string, maybeCut: boolean): ItemRef | null {
    // A dump older than the one that made the current version (an old file delivered late) must not
    // roll the item back; it counts as unchanged.
    if (seenAt < row.updated_at) return null;
    const stored = toParsedItem(row);
    if (sameContent(stored, item)) {
      // Seen whole (not last) again: it was not cut after all.
      if (row.maybe_cut === 1 && !maybeCut) this.sql(`UPDATE items SET maybe_cut = 0 WHERE id = ?`).run(row.id);
      return null;
    }
    const version = row.version + 1;
    this.sql(
      `UPDATE items SET version = ?, title = ?, title_key = ?, date = ?, end_date = ?, summary = ?, summary_key = ?, category = ?,
           credit = ?, location = ?, maybe_cut = ?, sort_date = ?, updated_at = ? WHERE id = ?`,
    ).run(
      version,
      item.title,
      titleKey(item.title),
      item.date,
      item.endDate,
      item.summary,
      summaryKey(item.summary),
      item.category,
      item.credit,
      item.location,
      maybeCut ? 1 : 0,
      item.date ?? row.first_seen_at.slice(0, 10),
      seenAt,
      row.id,
    );
    this.insertVersion(row.id, version, dumpId, item, seenAt, isMinorChange(stored, item, row.maybe_cut === 1));
    return { id: row.guid, title: item.title };
  }

  private insertVersion(itemId: number, version: number, dumpId: number, item: ParsedItem, seenAt: string, minor: boolean): void {
    this.sql(
      `INSERT INTO item_versions (item_id, version, dump_id, title, date, end_date, summary, category, credit, location, seen_at, minor)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      itemId,
      version,
      dumpId,
      item.title,
      item.date,
      item.endDate,
      item.summary,
      item.category,
      item.credit,
      item.location,
      seenAt,
      minor ? 1 : 0,
    );
  }
}

/** The content fields of a row of the items table. */
function toParsedItem(r: ItemRow): ParsedItem {
  return {
    title: r.title,
    date: r.date,
    endDate: r.end_date,
    summary: r.summary,
    category: r.category,
    credit: r.credit,
    location: r.location,
  };
}

/** Turns a row of the items table into a StoredItem. For the store's own modules. */
export function toStoredItem(r: ItemRow): StoredItem {
  return {
    rowId: r.id,
    guid: r.guid,
    key: r.key,
    topicId: r.topic_id,
    version: r.version,
    ...toParsedItem(r),
    firstSeenAt: r.first_seen_at,
    updatedAt: r.updated_at,
    firstSeenDump: r.first_seen_dump,
    position: r.position,
  };
}
