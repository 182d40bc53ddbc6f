// The floor of a batch ingest: what any tool must do with the dump files, and no more. Read each,
// decode it, split it into items and insert them in one transaction per file, into SQLite with the
// store's own settings (WAL, NORMAL). Plain JavaScript, so that it runs as a process of its own with
// nothing but Node's start before it (`node bench/floor-ingest.mjs DB FOLDER`): the reference of a
// whole `dumpfeed ingest` process. bench/ingest.ts runs it in process too.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

/** Ingests `paths` into a new database at `dbPath`; returns the milliseconds it took. */
export function floorIngest(paths, dbPath) {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE items (dump INTEGER NOT NULL, position INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (dump, position))');
  const insert = db.prepare('INSERT INTO items (dump, position, text) VALUES (?, ?, ?)');
  const t0 = performance.now();
  paths.forEach((path, dump) => {
    const items = readFileSync(path)
      .toString('utf8')
      .split(/\n(?= {2}\d+\. )/);
    db.transaction(() => items.forEach((text, position) => insert.run(dump, position, text)))();
  });
  const ms = performance.now() - t0;
  db.close();
  return ms;
}

/** The files directly in `folder`, in the order `dumpfeed ingest FOLDER` takes them (by name). */
function dumpFiles(folder) {
  return readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(folder, e.name))
    .sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dbPath, folder] = process.argv.slice(2);
  if (!dbPath || !folder) throw new Error('usage: node bench/floor-ingest.mjs DB FOLDER');
  floorIngest(dumpFiles(folder), dbPath);
}
