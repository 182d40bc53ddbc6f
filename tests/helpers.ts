import { mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { parseConfig } from '../src/config/load-config.js';
import type { Config } from '../src/config/schema.js';
import type { Context } from '../src/pipeline.js';
import { Store } from '../src/store/store.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');
export const SEEDS = join(FIXTURES, 'seeds');
export const REPO = join(import.meta.dirname, '..');

/** The seed dump files, sorted by name. */
export function seedFiles(): string[] {
  return readdirSync(SEEDS)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => join(SEEDS, f));
}

/**
 * The re-dump sequences (tests/fixtures/sequences/NAME/): each folder's dumps in name order (01.txt,
 * 02.txt, ...) and its folder, where expected.json says what each dump should do.
 */
export function sequenceFixtures(): { name: string; dir: string; dumps: Buffer[] }[] {
  const root = join(FIXTURES, 'sequences');
  return readdirSync(root)
    .sort()
    .map((name) => ({
      name,
      dir: join(root, name),
      dumps: readdirSync(join(root, name))
        .filter((f) => f.endsWith('.txt'))
        .sort()
        .map((f) => readFileSync(join(root, name, f))),
    }));
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A fresh temporary folder, removed after the test. */
export function tempDir(prefix = 'dumpfeed-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A config for tests: everything inside `dir`, optional overrides merged in. */
export function testConfig(dir: string, raw: Record<string, unknown> = {}): Config {
  const base = { store: { path: join(dir, 'state.db') }, feeds: { dir: join(dir, 'feeds') }, source: { inbox: join(dir, 'inbox') } };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(raw)) {
    merged[k] = typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(base as Record<string, object>)[k], ...v } : v;
  }
  return parseConfig(merged, 'test');
}

/** A context over a fresh store in a temporary folder, with a fixed clock. */
export function testContext(raw: Record<string, unknown> = {}): Context & { dir: string } {
  const dir = tempDir();
  const config = testConfig(dir, raw);
  const store = Store.open(config.store.path, config.store.busyTimeoutMs);
  cleanups.push(() => store.close());
  return { dir, store, config, now: () => new Date('2026-01-02T03:04:05Z') };
}

/** Writes a dump file with a fixed modification time (the dump's "written at"). */
export function writeDump(dir: string, name: string, content: string | Uint8Array, writtenAt = '2026-01-01T00:00:00Z'): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  const t = new Date(writtenAt);
  utimesSync(path, t, t);
  return path;
}

/** Reads a file as UTF-8. */
export function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Every row of the store's tables, for "nothing changed" assertions. */
export function storeSnapshot(store: Store): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['topics', 'items', 'item_versions', 'dumps']) {
    out[table] = store.sqlite.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all();
  }
  return out;
}

/**
 * `n` successive dumps of the seed "Press releases" page, each with one more new item on top:
 * `[name, text]` pairs named 000.txt, 001.txt, ... in delivery order.
 */
export function redumpSeries(n: number): [string, string][] {
  let page = readFileSync(seedFiles()[0]!, 'utf8');
  const dumps: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    page = page.replace('  1. ', `  1. Breaking item number ${i}\n\n    ${String((i % 28) + 1).padStart(2, '0')} December 2021\n\n  2. `);
    dumps.push([`${String(i).padStart(3, '0')}.txt`, page]);
  }
  return dumps;
}
