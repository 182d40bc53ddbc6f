import { freeSlug } from '../catalog/slugs.js';
import { titleKey } from '../identify/item-key.js';
import type { StoredTopic } from '../model.js';
import type { Db } from './db.js';

/** A topic with the figures `status` shows. */
export interface TopicStats extends StoredTopic {
  itemCount: number;
  dumpCount: number;
  lastDumpAt: string | null;
}

/** The topics table: one row per page, with the slug it got when first seen. */
export class Topics {
  constructor(private readonly db: Db) {}

  /** Every topic, in the order first seen. */
  list(): StoredTopic[] {
    return this.db.sql(`SELECT id, key, name, slug FROM topics ORDER BY id`).all() as StoredTopic[];
  }

  /** Every topic with its item count, dump count and the time of its last dump (kept in its row: no counting). */
  stats(): TopicStats[] {
    return this.db
      .sql(
        `SELECT id, key, name, slug, item_count AS itemCount, dump_count AS dumpCount, last_dump_at AS lastDumpAt FROM topics ORDER BY id`,
      )
      .all() as TopicStats[];
  }

  /** Adds a stored dump and its new items to the topic's figures (inside the dump's transaction). */
  countDump(topicId: number, newItems: number, processedAt: string): void {
    this.db
      .sql(
        `UPDATE topics SET item_count = item_count + ?, dump_count = dump_count + 1,
           last_dump_at = MAX(COALESCE(last_dump_at, ''), ?) WHERE id = ?`,
      )
      .run(newItems, processedAt, topicId);
  }

  /**
   * The topic of a page name (inside a dump's transaction): found by its key, renamed when the page's
   * name changed, or created with the first free slug (`taken` adds the slugs the config holds).
   */
  upsert(name: string, now: string, taken?: (slug: string) => boolean): StoredTopic {
    const key = titleKey(name);
    const existing = this.db.sql(`SELECT id, key, name, slug FROM topics WHERE key = ?`).get(key) as StoredTopic | undefined;
    if (existing) {
      if (existing.name !== name) this.db.sql(`UPDATE topics SET name = ? WHERE id = ?`).run(name, existing.id);
      return { ...existing, name };
    }
    const pageTaken = this.db.sql(`SELECT 1 FROM topics WHERE slug = ?`);
    const slug = freeSlug(name, (candidate) => pageTaken.get(candidate) !== undefined || (taken?.(candidate) ?? false));
    const id = Number(
      this.db.sql(`INSERT INTO topics (key, name, slug, created_at) VALUES (?, ?, ?, ?)`).run(key, name, slug, now).lastInsertRowid,
    );
    return { id, key, name, slug };
  }
}
