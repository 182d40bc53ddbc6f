import type { CompiledRule } from '../identify/topic-rules.js';
import type { StoredItem, StoredTopic } from '../model.js';
import type { Db } from './db.js';
import { feedOrder, toStoredItem, type ItemRow } from './items.js';
import type { Topics } from './topics.js';

/** Which items each custom topic holds: kept up to date at every dump, rebuilt when a rule changes. */
export class CustomTopicStore {
  constructor(
    private readonly db: Db,
    private readonly topics: Topics,
  ) {}

  /** Re-tests the given items against every rule (inside the dump's transaction). */
  sync(rules: CompiledRule[], rowIds: number[]): void {
    if (rules.length === 0) return;
    const pages = new Map<number, StoredTopic>(this.topics.list().map((t) => [t.id, t]));
    const add = this.db.sql(`INSERT OR IGNORE INTO custom_topic_items (slug, item_id) VALUES (?, ?)`);
    const drop = this.db.sql(`DELETE FROM custom_topic_items WHERE slug = ? AND item_id = ?`);
    const get = this.db.sql(`SELECT * FROM items WHERE id = ?`);
    for (const id of rowIds) {
      const item = toStoredItem(get.get(id) as ItemRow);
      for (const rule of rules) {
        if (rule.matches(item, pages.get(item.topicId)!)) add.run(rule.topic.slug, id);
        else drop.run(rule.topic.slug, id);
      }
    }
  }

  /**
   * Selects a custom topic's items anew from everything stored (no dump is read again). Items keep
   * their ids: a rebuilt feed has the same entries with the same ids.
   */
  rebuild(rule: CompiledRule, now: Date): number {
    return this.db.write(`custom topic ${rule.topic.slug}`, () => {
      const slug = rule.topic.slug;
      this.db.sql(`DELETE FROM custom_topic_items WHERE slug = ?`).run(slug);
      const pages = new Map<number, StoredTopic>(this.topics.list().map((t) => [t.id, t]));
      const add = this.db.sql(`INSERT INTO custom_topic_items (slug, item_id) VALUES (?, ?)`);
      let n = 0;
      // In batches: the connection cannot write while a query iterates, and memory stays bounded.
      const batch = this.db.sql(`SELECT * FROM items WHERE id > ? ORDER BY id LIMIT 2000`);
      for (let after = 0, rows = batch.all(after) as ItemRow[]; rows.length > 0; rows = batch.all(after) as ItemRow[]) {
        for (const row of rows) {
          const item = toStoredItem(row);
          if (rule.matches(item, pages.get(item.topicId)!)) {
            add.run(slug, item.rowId);
            n++;
          }
        }
        after = rows[rows.length - 1]!.id;
      }
      this.db
        .sql(
          `INSERT INTO custom_topics (slug, rule_hash, built_at) VALUES (?, ?, ?) ON CONFLICT (slug) DO UPDATE SET rule_hash = excluded.rule_hash, built_at = excluded.built_at`,
        )
        .run(slug, rule.hash, now.toISOString());
      return n;
    });
  }

  /** The custom topics whose stored selection was made with another rule (or none yet). */
  staleSlugs(rules: CompiledRule[]): Set<string> {
    const stored = new Map(
      (this.db.sql(`SELECT slug, rule_hash AS hash FROM custom_topics`).all() as { slug: string; hash: string }[]).map((r) => [
        r.slug,
        r.hash,
      ]),
    );
    return new Set(rules.filter((r) => stored.get(r.topic.slug) !== r.hash).map((r) => r.topic.slug));
  }

  /**
   * Brings the stored selections in line with the config: a new or changed rule is rebuilt, a removed
   * topic forgotten. Returns the slugs rebuilt.
   */
  reconcile(rules: CompiledRule[], now: Date): string[] {
    const stored = new Map(
      (this.db.sql(`SELECT slug, rule_hash AS hash FROM custom_topics`).all() as { slug: string; hash: string }[]).map((r) => [
        r.slug,
        r.hash,
      ]),
    );
    const rebuilt = rules.filter((r) => stored.get(r.topic.slug) !== r.hash).map((r) => (this.rebuild(r, now), r.topic.slug));
    const keep = new Set(rules.map((r) => r.topic.slug));
    for (const slug of stored.keys()) {
      if (keep.has(slug)) continue;
      this.db.write(`custom topic ${slug}`, () => {
        this.db.sql(`DELETE FROM custom_topic_items WHERE slug = ?`).run(slug);
        this.db.sql(`DELETE FROM custom_topics WHERE slug = ?`).run(slug);
      });
    }
    return rebuilt;
  }

  /** The newest items of a custom topic, in feed order, after skipping `offset`. */
  items(slug: string, limit: number, offset = 0): StoredItem[] {
    return (
      this.db
        .sql(
          `SELECT i.* FROM custom_topic_items c JOIN items i ON i.id = c.item_id WHERE c.slug = ?
           ORDER BY ${feedOrder('i')} LIMIT ? OFFSET ?`,
        )
        .all(slug, limit, offset) as ItemRow[]
    ).map(toStoredItem);
  }

  /** How many items a custom topic holds. */
  count(slug: string): number {
    return (this.db.sql(`SELECT COUNT(*) AS n FROM custom_topic_items WHERE slug = ?`).get(slug) as { n: number }).n;
  }

  /** Whether an item belongs to a custom topic (for digest subscriptions). */
  has(slug: string, itemId: number): boolean {
    return this.db.sql(`SELECT 1 FROM custom_topic_items WHERE slug = ? AND item_id = ?`).get(slug, itemId) !== undefined;
  }
}
