import { isMinorChange, itemKey, itemSummaryKey, itemTitleKey, sameContent } from '../identify/item-key.js';
import type { Candidate, CandidateLookup } from '../identify/match-items.js';
import type { ItemRef, ParsedItem, StoredItem, StoredTopic } from '../model.js';
import type { Db } from './db.js';

/** The parts of a permanent item id that come from the config: `tag:AUTHORITY,DATE:slug/key`. */
export interface IdentityScheme {
  tagAuthority: string;
  tagDate: string;
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

type MatchRow = ItemRow & { title_key: string; summary_key: string | null };
/** What matching and updating an item read of its row: the row without its sort columns. */
const MATCH_FIELDS = [
  'id',
  'topic_id',
  'key',
  'guid',
  'version',
  'title',
  'title_key',
  'date',
  'end_date',
  'summary',
  'summary_key',
  'category',
  'credit',
  'location',
  'maybe_cut',
  'first_seen_at',
  'updated_at',
  'first_seen_dump',
  'position',
] as const satisfies readonly (keyof MatchRow)[];
const MATCH_COLUMNS = MATCH_FIELDS.join(', ');
/** Each field's place in a row read as an array (`MATCH_FIELDS` is the one order). */
const AT = Object.fromEntries(MATCH_FIELDS.map((field, i) => [field, i])) as Record<(typeof MATCH_FIELDS)[number], number>;
/** Title keys looked up in one query (a page of up to this many items costs one). */
const KEY_BATCH = 64;

/**
 * Feed order: by date, newest first; on the same date the item first seen in a later dump first, then
 * page order. `table` is the items table's alias in a join.
 */
export function feedOrder(table = ''): string {
  const t = table ? `${table}.` : '';
  return `${t}sort_date DESC, ${t}first_seen_dump DESC, ${t}position ASC`;
}

/** The items table (the current version of each item) and item_versions (every version). */
export class Items {
  private readonly matched: MatchCache;

  constructor(private readonly db: Db) {
    this.matched = new MatchCache(db);
  }

  /** The newest items of a topic (or of every topic when `topicId` is null), in feed order, after skipping `offset`. */
  newest(topicId: number | null, limit: number, offset = 0): StoredItem[] {
    const order = `ORDER BY ${feedOrder()} LIMIT ? OFFSET ?`;
    const rows = (
      topicId === null
        ? this.db.sql(`SELECT * FROM items ${order}`).all(limit, offset)
        : this.db.sql(`SELECT * FROM items WHERE topic_id = ? ${order}`).all(topicId, limit, offset)
    ) as ItemRow[];
    return rows.map(toStoredItem);
  }

  /** A topic's items in arrival order, after item `afterId`, at most `limit` (an archive page's worth). */
  arrivedAfter(topicId: number, afterId: number, limit: number): StoredItem[] {
    return (
      this.db.sql(`SELECT * FROM items WHERE topic_id = ? AND id > ? ORDER BY id LIMIT ?`).all(topicId, afterId, limit) as ItemRow[]
    ).map(toStoredItem);
  }

  /**
   * The row ids of a topic's items in arrival order, after item `afterId`, at most `limit`: where
   * archive pages begin and end, read from the index alone (a first run on a million items reads no
   * item to plan its 20,000 pages).
   */
  arrivalIds(topicId: number, afterId: number, limit: number): number[] {
    return this.db
      .sql(`SELECT id FROM items INDEXED BY items_arrival WHERE topic_id = ? AND id > ? ORDER BY id LIMIT ?`)
      .pluck()
      .all(topicId, afterId, limit) as number[];
  }

  /** A topic's items with ids in a range, in arrival order. */
  inRange(topicId: number, firstId: number, lastId: number): StoredItem[] {
    return (
      this.db.sql(`SELECT * FROM items WHERE topic_id = ? AND id BETWEEN ? AND ? ORDER BY id`).all(topicId, firstId, lastId) as ItemRow[]
    ).map(toStoredItem);
  }

  /** One item by its row id. */
  byRowId(id: number): StoredItem | undefined {
    const row = this.db.sql(`SELECT * FROM items WHERE id = ?`).get(id) as ItemRow | undefined;
    return row && toStoredItem(row);
  }

  /** One item by its key (the last part of its id and of its page URL). */
  byKey(key: string): StoredItem | undefined {
    const row = this.db.sql(`SELECT * FROM items WHERE key = ?`).get(key) as ItemRow | undefined;
    return row && toStoredItem(row);
  }

  /** Every stored version of an item (by its key), oldest first. */
  versions(key: string): (ParsedItem & { version: number; seenAt: string })[] {
    return this.db
      .sql(
        `SELECT v.version, v.title, v.date, v.end_date AS endDate, v.summary, v.category, v.credit, v.location, v.seen_at AS seenAt
           FROM item_versions v JOIN items i ON i.id = v.item_id WHERE i.key = ? ORDER BY v.version`,
      )
      .all(key) as (ParsedItem & { version: number; seenAt: string })[];
  }

  /**
   * The stored items a dump's items may match, for identify/match-items: by title key, by date, and the
   * items that may have been cut short. The items with the dump's title keys come in one query (the
   * matcher asks for each key once or twice); dates and cut items are asked only for items no title
   * matched. The rows found are kept in `rows`, so that an unchanged item costs no further query.
   */
  candidates(topicId: number, titleKeys: string[], rows: Map<number, ItemRow>): CandidateLookup {
    const cache = this.matched.topic(topicId);
    // The keys go in batches of a fixed size (the last padded with NULL, which matches nothing): one
    // statement, compiled once. INDEXED BY: without it SQLite may walk the whole topic in id order.
    const byTitles = this.db.sql(
      `SELECT ${MATCH_COLUMNS} FROM items INDEXED BY items_title
         WHERE topic_id = ? AND title_key IN (${Array(KEY_BATCH).fill('?').join(', ')}) ORDER BY id`,
    );
    const byTitle = this.db.sql(
      `SELECT ${MATCH_COLUMNS} FROM items INDEXED BY items_title WHERE topic_id = ? AND title_key = ? ORDER BY id`,
    );
    const byDate = this.db.sql(`SELECT ${MATCH_COLUMNS} FROM items INDEXED BY items_date WHERE topic_id = ? AND date = ? ORDER BY id`);
    const cutShort = this.db.sql(`SELECT ${MATCH_COLUMNS} FROM items WHERE topic_id = ? AND maybe_cut = 1 ORDER BY id`);
    // Rows as arrays, made into objects here: better-sqlite3 builds an object a column at a time through
    // the engine's API (storing a dump took 1.44 ms with its objects, 1.31 ms with these).
    for (const stmt of [byTitles, byTitle, byDate, cutShort]) stmt.raw(true);
    const candidate = (row: MatchRow): Candidate => {
      rows.set(row.id, row);
      return { rowId: row.id, title: row.title, titleKey: row.title_key, date: row.date, summaryKey: row.summary_key };
    };
    // A row already in the cache is that object (equal by the cache's rule), so that a write through
    // either keeps the cache current.
    const keep = (found: unknown[]): Candidate[] => (found as unknown[][]).map((values) => candidate(cache.canonical(matchRow(values))));
    // The keys the cache knows need no query: a re-dump's items are mostly the last dump's.
    const titled = new Map<string, Candidate[]>(titleKeys.map((k) => [k, []]));
    const unknown = [...titled.keys()].filter((k) => !cache.has(k));
    for (let i = 0; i < unknown.length; i += KEY_BATCH) {
      const batch: (string | null)[] = unknown.slice(i, i + KEY_BATCH);
      const found = (byTitles.all(topicId, ...batch.concat(Array(KEY_BATCH - batch.length).fill(null))) as unknown[][]).map(matchRow);
      cache.fill(batch as string[], found);
    }
    for (const [key, list] of titled) for (const row of cache.rows(key)) list.push(candidate(row));
    cache.keepOnly(titled.keys());
    let cut: Candidate[] | undefined;
    return {
      byTitleKey: (key) => titled.get(key) ?? keep(byTitle.all(topicId, key)),
      byDate: (date) => keep(byDate.all(topicId, date)),
      // Asked only for items no other rule matched; one query per dump at most.
      maybeCut: () => (cut ??= keep(cutShort.all(topicId))),
    };
  }

  /** Stores a new item with its first version (inside a dump's transaction). */
  insert(
    topic: StoredTopic,
    item: ParsedItem,
    at: { dumpId: number; position: number; seenAt: string; maybeCut: boolean },
    ids: IdentityScheme,
  ): { ref: ItemRef; rowId: number } {
    // The first free key of the item's: a key taken (the same title and date seen before in the
    // topic, or a hash shared) makes the insert do nothing, and the next attempt's key is tried. One
    // statement an item, where a look-up before each insert was two.
    const add = this.db.sql(
      `INSERT INTO items (topic_id, key, guid, version, title, title_key, date, end_date, summary, summary_key, category, credit,
           location, maybe_cut, sort_date, first_seen_dump, first_seen_at, position, updated_at)
         VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    );
    const content = contentColumns(item);
    let key: string;
    let guid: string;
    let added;
    for (let attempt = 0; ; attempt++) {
      key = itemKey(topic.key, item, attempt);
      guid = `tag:${ids.tagAuthority},${ids.tagDate}:${topic.slug}/${key}`;
      added = add.run(
        topic.id,
        key,
        guid,
        ...content,
        at.maybeCut ? 1 : 0,
        item.date ?? at.seenAt.slice(0, 10),
        at.dumpId,
        at.seenAt,
        at.position,
        at.seenAt,
      );
      if (added.changes > 0) break;
    }
    const id = Number(added.lastInsertRowid);
    this.insertVersion(id, 1, at.dumpId, item, at.seenAt, false);
    this.matched.inserted({
      id,
      topic_id: topic.id,
      key,
      guid,
      version: 1,
      ...contentFields(content),
      maybe_cut: at.maybeCut ? 1 : 0,
      first_seen_at: at.seenAt,
      updated_at: at.seenAt,
      first_seen_dump: at.dumpId,
      position: at.position,
    });
    return { ref: { id: guid, title: item.title }, rowId: id };
  }

  /**
   * Stores what a dump shows of a known item (inside its transaction): a new version when the content
   * changed. Returns the item when this dump changed it, null when it is unchanged.
   */
  update(row: ItemRow, item: ParsedItem, at: { dumpId: number; seenAt: string; maybeCut: boolean }): ItemRef | null {
    // `row` is changed in place with the table: it may be the object the match cache holds.
    // A dump older than the one that made the current version (an old file delivered late) must not
    // roll the item back; it counts as unchanged.
    if (at.seenAt < row.updated_at) return null;
    const stored = toParsedItem(row);
    if (sameContent(stored, item)) {
      // Seen whole (not last) again: it was not cut after all.
      if (row.maybe_cut === 1 && !at.maybeCut) {
        this.db.sql(`UPDATE items SET maybe_cut = 0 WHERE id = ?`).run(row.id);
        row.maybe_cut = 0;
      }
      return null;
    }
    const version = row.version + 1;
    const content = contentColumns(item);
    this.db
      .sql(
        `UPDATE items SET version = ?, title = ?, title_key = ?, date = ?, end_date = ?, summary = ?, summary_key = ?, category = ?,
             credit = ?, location = ?, maybe_cut = ?, sort_date = ?, updated_at = ? WHERE id = ?`,
      )
      .run(version, ...content, at.maybeCut ? 1 : 0, item.date ?? row.first_seen_at.slice(0, 10), at.seenAt, row.id);
    this.insertVersion(row.id, version, at.dumpId, item, at.seenAt, isMinorChange(stored, item, row.maybe_cut === 1));
    const oldKey = (row as MatchRow).title_key;
    Object.assign(row, { version, ...contentFields(content), maybe_cut: at.maybeCut ? 1 : 0, updated_at: at.seenAt });
    if ((row as MatchRow).title_key !== oldKey) this.matched.rekeyed(row as MatchRow, oldKey);
    return { id: row.guid, title: item.title };
  }

  private insertVersion(itemId: number, version: number, dumpId: number, item: ParsedItem, seenAt: string, minor: boolean): void {
    this.db
      .sql(
        `INSERT INTO item_versions (item_id, version, dump_id, title, date, end_date, summary, category, credit, location, seen_at, minor)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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

/** The most rows the match cache keeps, over all topics (about 1.5 KB each). */
const MATCH_CACHE_ROWS = 5_000;

/**
 * The rows that matching read, per topic and title key, kept from one dump to the next: a re-dump
 * shows mostly the items of the last one, whose rows then cost no query (the look-up was a quarter
 * of a batch ingest's time). Each key's list holds every row of the topic with that key, in id order:
 * the same objects that this handle's writes change (Items.insert and update). Everything is dropped
 * when another connection has committed (SQLite's data_version moved) or a write of this handle was
 * undone (a rollback: what it put into the cache never happened). A topic keeps the keys of its last
 * dump; beyond MATCH_CACHE_ROWS rows, the topics matched longest ago go first.
 */
class MatchCache {
  private readonly topics = new Map<number, TopicRows>();
  private dataVersion = -1;
  private rollbacks = -1;

  constructor(private readonly db: Db) {}

  /** A topic's cached rows, checked against what happened since; the topic becomes the most recent. */
  topic(topicId: number): TopicRows {
    const version = this.db.dataVersion();
    if (version !== this.dataVersion || this.db.rollbacks !== this.rollbacks) {
      this.topics.clear();
      this.dataVersion = version;
      this.rollbacks = this.db.rollbacks;
    }
    const rows = this.topics.get(topicId) ?? new TopicRows();
    this.topics.delete(topicId);
    this.topics.set(topicId, rows);
    let total = 0;
    for (const t of this.topics.values()) total += t.size;
    for (const [id, t] of this.topics) {
      if (total <= MATCH_CACHE_ROWS || id === topicId) break;
      total -= t.size;
      this.topics.delete(id);
    }
    return rows;
  }

  /** A row this handle inserted. */
  inserted(row: MatchRow): void {
    this.topics.get(row.topic_id)?.add(row);
  }

  /** A cached row whose title key this handle changed from `oldKey`. */
  rekeyed(row: MatchRow, oldKey: string): void {
    this.topics.get(row.topic_id)?.move(row, oldKey);
  }
}

/** One topic's cached rows: for each title key known, every row with it, in id order. */
class TopicRows {
  private readonly byKey = new Map<string, MatchRow[]>();
  private readonly byId = new Map<number, MatchRow>();

  get size(): number {
    return this.byId.size;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  rows(key: string): MatchRow[] {
    return this.byKey.get(key) ?? [];
  }

  /** The cached object for a row read anew, or the row itself. */
  canonical(row: MatchRow): MatchRow {
    return this.byId.get(row.id) ?? row;
  }

  /** Every row with the `keys` (read in id order): a key with no rows is known too. */
  fill(keys: string[], found: MatchRow[]): void {
    for (const key of keys) this.byKey.set(key, []);
    for (const row of found) {
      const cached = this.canonical(row);
      this.byKey.get(cached.title_key)!.push(cached);
      this.byId.set(cached.id, cached);
    }
  }

  /** Keeps the keys given (a dump's) and forgets the others. */
  keepOnly(keys: Iterable<string>): void {
    const wanted = new Set(keys);
    for (const [key, rows] of this.byKey) {
      if (wanted.has(key)) continue;
      this.byKey.delete(key);
      for (const row of rows) this.byId.delete(row.id);
    }
  }

  /** A new row: the newest id, so last in its key's list (when that key is known). */
  add(row: MatchRow): void {
    const list = this.byKey.get(row.title_key);
    if (!list) return;
    list.push(row);
    this.byId.set(row.id, row);
  }

  /** A row now under another title key: out of its old key's list, into its new key's (when known). */
  move(row: MatchRow, oldKey: string): void {
    const old = this.byKey.get(oldKey);
    const at = old?.indexOf(row) ?? -1;
    if (at >= 0) old!.splice(at, 1);
    this.byId.delete(row.id);
    const list = this.byKey.get(row.title_key);
    if (!list) return;
    const before = list.findIndex((r) => r.id > row.id);
    list.splice(before < 0 ? list.length : before, 0, row);
    this.byId.set(row.id, row);
  }
}

/** A row of MATCH_FIELDS, read as an array, as an object. */
function matchRow(v: unknown[]): MatchRow {
  return {
    id: v[AT.id] as number,
    topic_id: v[AT.topic_id] as number,
    key: v[AT.key] as string,
    guid: v[AT.guid] as string,
    version: v[AT.version] as number,
    title: v[AT.title] as string,
    title_key: v[AT.title_key] as string,
    date: v[AT.date] as string | null,
    end_date: v[AT.end_date] as string | null,
    summary: v[AT.summary] as string | null,
    summary_key: v[AT.summary_key] as string | null,
    category: v[AT.category] as string | null,
    credit: v[AT.credit] as string | null,
    location: v[AT.location] as string | null,
    maybe_cut: v[AT.maybe_cut] as number,
    first_seen_at: v[AT.first_seen_at] as string,
    updated_at: v[AT.updated_at] as string,
    first_seen_dump: v[AT.first_seen_dump] as number,
    position: v[AT.position] as number,
  };
}

type Text = string | null;
type ContentColumns = [
  title: string,
  title_key: string,
  date: Text,
  end_date: Text,
  summary: Text,
  summary_key: Text,
  category: Text,
  credit: Text,
  location: Text,
];

/** An item's content as the items table holds it: title, title_key, date, end_date, summary, summary_key, category, credit, location. */
function contentColumns(item: ParsedItem): ContentColumns {
  return [
    item.title,
    itemTitleKey(item),
    item.date,
    item.endDate,
    item.summary,
    itemSummaryKey(item),
    item.category,
    item.credit,
    item.location,
  ];
}

/** contentColumns as the fields of a row of the items table. */
function contentFields([title, title_key, date, end_date, summary, summary_key, category, credit, location]: ContentColumns): Pick<
  MatchRow,
  'title' | 'title_key' | 'date' | 'end_date' | 'summary' | 'summary_key' | 'category' | 'credit' | 'location'
> {
  return { title, title_key, date, end_date, summary, summary_key, category, credit, location };
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
