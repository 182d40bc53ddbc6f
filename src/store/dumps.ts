import type { ParseError } from '../errors.js';
import type { ParsedDump } from '../model.js';
import type { Db } from './db.js';

/** What the store records of a dump file besides its content. */
export interface DumpMeta {
  file: string;
  sha256: string;
  writtenAt: string;
  processedAt: string;
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
  errorKind: string | null;
  /** For a rejected dump: what it was parsed with (see recordRejected). */
  rejectedWith: string | null;
}

/** A rejected dump with its reason. */
export interface RejectedDump {
  file: string;
  sha256: string;
  processedAt: string;
  kind: string | null;
  error: string;
}

/** The dumps table: every file processed or rejected, by the SHA-256 of its bytes. */
export class Dumps {
  constructor(private readonly db: Db) {}

  /** The dump with these bytes, if one was processed or rejected before. */
  find(sha256: string): KnownDump | undefined {
    return this.db
      .sql(
        `SELECT d.id, d.file, d.status, d.processed_at AS processedAt, d.item_count AS itemCount, d.error, d.error_kind AS errorKind,
             d.rejected_with AS rejectedWith, t.name AS topic
           FROM dumps d LEFT JOIN topics t ON t.id = d.topic_id WHERE d.sha256 = ?`,
      )
      .get(sha256) as KnownDump | undefined;
  }

  /**
   * Records a stored dump (inside its transaction) and returns its id; a rejected earlier delivery of
   * the same bytes (e.g. before a config fix) is replaced by a new row, so the dump counts as stored
   * now: digests and the feeds' mark take what came after a dump id, and the rejected row's id may be
   * older than both. Undefined when these bytes were stored meanwhile by another process.
   */
  insertStored(meta: DumpMeta, topicId: number, dump: ParsedDump): number | undefined {
    const insert = (): number | undefined =>
      (
        this.db
          .sql(
            `INSERT INTO dumps (sha256, file, written_at, processed_at, status, topic_id, item_count, warnings) VALUES (?, ?, ?, ?, 'ok', ?, ?, ?)
             ON CONFLICT (sha256) DO NOTHING RETURNING id`,
          )
          .get(
            meta.sha256,
            meta.file,
            meta.writtenAt,
            meta.processedAt,
            topicId,
            dump.items.length,
            dump.warnings.length > 0 ? dump.warnings.join('\n') : null,
          ) as { id: number } | undefined
      )?.id;
    // The rejected row is deleted only when there is one (the insert found its bytes taken): a statement
    // less for every other dump. The insert after the delete gets the id it got when it came second.
    const id = insert();
    if (id !== undefined) return id;
    if (this.db.sql(`DELETE FROM dumps WHERE sha256 = ? AND status = 'rejected'`).run(meta.sha256).changes === 0) return undefined;
    return insert();
  }

  /** The figures of a stored dump, once its items are matched. */
  setCounts(dumpId: number, newCount: number, updatedCount: number): void {
    this.db.sql(`UPDATE dumps SET new_count = ?, updated_count = ? WHERE id = ?`).run(newCount, updatedCount, dumpId);
  }

  /**
   * Records a dump that could not be parsed, with its reason and what it was parsed `with` (dumpfeed's
   * version and the settings that decide parsing); a later good delivery replaces it.
   */
  recordRejected(meta: DumpMeta, error: ParseError, parsedWith: string): void {
    this.db.write(meta.file, () => {
      this.db
        .sql(
          `INSERT INTO dumps (sha256, file, written_at, processed_at, status, error_kind, error, rejected_with) VALUES (?, ?, ?, ?, 'rejected', ?, ?, ?)
           ON CONFLICT (sha256) DO UPDATE SET file = excluded.file, processed_at = excluded.processed_at,
             error_kind = excluded.error_kind, error = excluded.error, rejected_with = excluded.rejected_with WHERE status = 'rejected'`,
        )
        .run(meta.sha256, meta.file, meta.writtenAt, meta.processedAt, error.kind, error.reason, parsedWith);
    });
  }

  /** Stored dumps that came with warnings (an item held back, a possibly cut end), newest first. */
  withWarnings(limit = 20): { file: string; processedAt: string; warnings: string[] }[] {
    return (
      this.db
        .sql(
          `SELECT file, processed_at AS processedAt, warnings FROM dumps WHERE status = 'ok' AND warnings IS NOT NULL ORDER BY id DESC LIMIT ?`,
        )
        .all(limit) as { file: string; processedAt: string; warnings: string }[]
    ).map((r) => ({ ...r, warnings: r.warnings.split('\n') }));
  }

  /** Rejected dumps, newest first. */
  rejected(limit = 50): RejectedDump[] {
    return this.db
      .sql(
        `SELECT file, sha256, processed_at AS processedAt, error_kind AS kind, error FROM dumps
           WHERE status = 'rejected' ORDER BY id DESC LIMIT ?`,
      )
      .all(limit) as RejectedDump[];
  }

  /**
   * When the last stored dump was written, or null for an empty store: the date of an empty feed. One
   * index look-up (dumps_status), not a scan: it runs at every feed write and every filtered request.
   */
  newestWrittenAt(): Date | null {
    const row = this.db.sql(`SELECT written_at AS at FROM dumps WHERE status = 'ok' ORDER BY id DESC LIMIT 1`).get() as
      { at: string } | undefined;
    return row ? new Date(row.at) : null;
  }

  /** The topics of the dumps stored after dump `afterId`. */
  topicsSince(afterId: number): number[] {
    return (this.db.sql(`SELECT DISTINCT topic_id AS id FROM dumps WHERE status = 'ok' AND id > ?`).all(afterId) as { id: number }[]).map(
      (r) => r.id,
    );
  }

  /** The newest processed dump's id (0 for an empty store): the high-water mark for digests. */
  lastId(): number {
    return (this.db.sql(`SELECT COALESCE(MAX(id), 0) AS id FROM dumps WHERE status = 'ok'`).get() as { id: number }).id;
  }
}
