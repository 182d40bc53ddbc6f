import type { Db } from './db.js';

/** A full RFC 5005 archive page of a topic: the item id range it holds. */
export interface ArchivePage {
  page: number;
  firstId: number;
  lastId: number;
}

/** The archive_pages table: which archive pages are full, so they are written once and never move. */
export class Archives {
  constructor(private readonly db: Db) {}

  /** A topic's full archive pages, oldest first. */
  pages(topicId: number): ArchivePage[] {
    return this.db
      .sql(`SELECT page, first_id AS firstId, last_id AS lastId FROM archive_pages WHERE topic_id = ? ORDER BY page`)
      .all(topicId) as ArchivePage[];
  }

  /** Records a newly full archive page. */
  add(topicId: number, page: number, firstId: number, lastId: number): void {
    this.db.write(`archive page ${page}`, () =>
      this.db
        .sql(`INSERT OR IGNORE INTO archive_pages (topic_id, page, first_id, last_id) VALUES (?, ?, ?, ?)`)
        .run(topicId, page, firstId, lastId),
    );
  }

  /** What the last complete feeds write recorded of the archive folder at `path` (see writeFeeds). */
  folderMark(path: string): string | undefined {
    return (this.db.sql(`SELECT mark FROM archive_folders WHERE path = ?`).get(path) as { mark: string } | undefined)?.mark;
  }

  /** Records the archive folder's mark after a complete feeds write. */
  setFolderMark(path: string, mark: string): void {
    this.db.write('archive folder', () =>
      this.db
        .sql(`INSERT INTO archive_folders (path, mark) VALUES (?, ?) ON CONFLICT (path) DO UPDATE SET mark = excluded.mark`)
        .run(path, mark),
    );
  }
}
