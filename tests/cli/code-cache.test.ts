import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { REPO, SEEDS, tempDir } from '../helpers.js';

const BUNDLE = join(REPO, 'dist', 'bundle');

/** The bundle and its cache as bin/dumpfeed.js reads them: the stamp line, then V8's data. */
function cacheParts(name: string): { source: string; stamp: string; data: Buffer } {
  const bytes = readFileSync(join(BUNDLE, `${name}.cache`));
  const end = bytes.indexOf(10) + 1;
  return { source: readFileSync(join(BUNDLE, name), 'utf8'), stamp: bytes.subarray(0, end).toString(), data: bytes.subarray(end) };
}

/** A copy of the installed CLI (bin/, dist/ with its files' times, package.json) that a test may spoil. */
function installCopy(): string {
  const dir = tempDir();
  for (const part of ['bin', 'dist', 'package.json'])
    cpSync(join(REPO, part), join(dir, part), { recursive: true, preserveTimestamps: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function run(app: string, args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(app, 'bin', 'dumpfeed.js'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` with its bytes. */
function tree(dir: string): Record<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return Object.fromEntries(
    files.map((e) => [join(e.parentPath, e.name).slice(dir.length), readFileSync(join(e.parentPath, e.name), 'utf8')]),
  );
}

describe('the code caches of the CLI bundles', () => {
  it.each(['main.cjs', 'parse-command.cjs', 'ingest-command.cjs'])('the build made one for %s, and V8 takes it', (name) => {
    const { source, stamp, data } = cacheParts(name);
    expect(stamp).toMatch(/^dumpfeed code cache \d+ [\d.]+\n$/);
    const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: join(BUNDLE, name),
      cachedData: data,
    });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('a bundle changed since its cache was made runs as changed, even at the same length (which V8 alone would not notice)', () => {
    const app = installCopy();
    const bundle = join(app, 'dist', 'bundle', 'ingest-command.cjs');
    const before = readFileSync(bundle, 'utf8');
    // Words of the summary that every ingest prints: compiled at the build's ingest, so in the cache.
    writeFileSync(bundle, before.replaceAll('already processed', 'already processeX'));
    expect(readFileSync(bundle, 'utf8').length).toBe(before.length);
    const r = run(app, ['ingest', SEEDS, '--db', join(app, 'state.db'), '--out', join(app, 'feeds')], app);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/, 0 already processeX, /);
  });

  it('a damaged cache is set aside: the ingest stores and writes what it writes with no cache', () => {
    const results = ['none', 'damaged'].map((kind) => {
      const app = installCopy();
      for (const name of readdirSync(join(app, 'dist', 'bundle')).filter((f) => f.endsWith('.cache'))) {
        const path = join(app, 'dist', 'bundle', name);
        if (kind === 'none') rmSync(path);
        // The stamp of its bundle, then bytes that are not V8's.
        else
          writeFileSync(path, Buffer.concat([cacheParts(name.replace(/\.cache$/, '')).stamp, 'x'.repeat(4096)].map((p) => Buffer.from(p))));
      }
      const work = join(app, 'work');
      mkdirSync(work);
      const r = run(app, ['ingest', SEEDS, '--db', join(work, 'state.db'), '--out', join(work, 'feeds')], work);
      return { code: r.code, stdout: r.stdout.replaceAll(app, 'APP'), stderr: r.stderr, feeds: tree(join(work, 'feeds')) };
    });
    expect(results[0]!.code).toBe(0);
    expect(results[0]!.stdout).toMatch(/stored/);
    expect(Object.keys(results[0]!.feeds).length).toBeGreaterThan(5);
    expect(results[1]).toEqual(results[0]);
  });
});
