import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers.js';

// A batch's groups leave their pages in the write-ahead log up to 10,000 pages, where SQLite copies the
// log into the database at every commit past 1,000; single writes keep SQLite's checkpoint.
describe('checkpoints of a batch group', () => {
  const PAGES_OF = (megabytes: number): number => (megabytes * 1024 * 1024) / 4096;
  const fill = (store: Store, megabytes: number): void => {
    const add = store.sqlite.prepare('INSERT INTO scratch (bytes) VALUES (?)');
    for (let i = 0; i < PAGES_OF(megabytes); i++) add.run(Buffer.alloc(3000, i % 256));
  };

  it('a group of more than 1,000 pages commits into the log alone; the next single write copies it into the database', () => {
    const path = join(tempDir(), 'state.db');
    const store = Store.open(path);
    store.sqlite.exec('CREATE TABLE scratch (id INTEGER PRIMARY KEY, bytes BLOB NOT NULL)');
    const before = statSync(path).size;

    expect(store.beginGroup()).toBe(true);
    fill(store, 6);
    store.endGroup();
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(5 * 1024 * 1024);
    expect(statSync(path).size).toBe(before);

    store.sqlite.prepare('INSERT INTO scratch (bytes) VALUES (?)').run(Buffer.alloc(10));
    expect(statSync(path).size).toBeGreaterThan(before + 5 * 1024 * 1024);
    expect(store.sqlite.prepare('SELECT COUNT(*) FROM scratch').pluck().get()).toBe(PAGES_OF(6) + 1);
    store.close();
  });

  it("single writes are checkpointed past SQLite's 1,000 pages, also after a group that SQLite ended itself", () => {
    const path = join(tempDir(), 'state.db');
    const store = Store.open(path);
    store.sqlite.exec('CREATE TABLE scratch (id INTEGER PRIMARY KEY, bytes BLOB NOT NULL)');
    const before = statSync(path).size;
    expect(store.beginGroup()).toBe(true);
    // As after a full disk: the transaction is gone when the group ends.
    store.sqlite.exec('ROLLBACK');
    store.endGroup();
    store.sqlite.transaction(() => fill(store, 6))();
    expect(statSync(path).size).toBeGreaterThan(before + 5 * 1024 * 1024);
    store.close();
  });
});
