import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Db } from '../../src/store/db.js';
import { StoreError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';

// Turning a new store's journal into a write-ahead log needs the store to itself, and SQLite does not
// wait for that (its busy timeout is not asked: two connections could each wait for the other). Two
// ingests starting at once on a new store met it: "cannot open: database is locked" for one of them.

const require = createRequire(import.meta.url);

/**
 * Another process that takes the write lock of a new store (still in SQLite's rollback mode, as a
 * process that is creating it has it) and says so on stdout; it lets go after `holdMs`, or when its
 * stdin closes.
 */
async function writerHolding(path: string, holdMs: number): Promise<ChildProcess> {
  const code = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN IMMEDIATE; CREATE TABLE other (x)');
    process.stdout.write('held\\n');
    const release = () => { db.exec('COMMIT'); db.close(); process.exit(0); };
    setTimeout(release, ${holdMs});
    process.stdin.on('end', release).resume();`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [first] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(first.toString()).toBe('held\n');
  return child;
}

describe('opening a new store another process is writing', () => {
  it('waits for its turn (store.busyTimeoutMs) instead of failing at once, and gets a write-ahead log', async () => {
    const path = join(tempDir(), 'state.db');
    const other = await writerHolding(path, 400);
    const exited = once(other, 'exit');
    const db = Db.open(path, 30_000);
    expect(db.db.pragma('journal_mode', { simple: true })).toBe('wal');
    // What the other process wrote is there: the open waited for its commit.
    expect(db.db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'other'").pluck().get()).toBe(1);
    db.db.close();
    expect((await exited)[0]).toBe(0);
  });

  it('still held when the timeout ends: a StoreError naming the store, and the store opens once it is free', async () => {
    const path = join(tempDir(), 'state.db');
    const other = await writerHolding(path, 600_000);
    const exited = once(other, 'exit');
    let error: unknown;
    try {
      Db.open(path, 100);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).toLine()).toMatch(/^store .*state\.db: cannot open: database is locked$/);
    other.stdin!.end();
    expect((await exited)[0]).toBe(0);
    const db = Db.open(path, 100);
    expect(db.db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.db.close();
  });
});
