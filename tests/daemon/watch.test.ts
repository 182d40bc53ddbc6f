import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { FIXTURES, read, redumpSeries, seedFiles, tempDir } from '../helpers.js';
import { processed, rejected, watchProcesses, type LogLine, type WatchProcess, writeWatchConfig } from './watch-process.js';

const watchProcess = watchProcesses();

function setup(extra: Record<string, unknown> = {}): { dir: string; inbox: string; feeds: string } {
  const dir = tempDir();
  const inbox = join(dir, 'inbox');
  mkdirSync(inbox);
  writeWatchConfig(dir, extra);
  return { dir, inbox, feeds: join(dir, 'feeds') };
}

const startWatch = (dir: string): WatchProcess => watchProcess(dir);

/** Writes a file elsewhere and renames it into the inbox, as a careful writer does. */
function dropAtomically(inbox: string, name: string, content: string | Uint8Array): void {
  const temp = join(inbox, `.${name}.part`);
  writeFileSync(temp, content);
  renameSync(temp, join(inbox, name));
}

const seeds = seedFiles().map((f) => ({ name: f.split('/').pop()!, text: readFileSync(f, 'utf8') }));

describe('dumpfeed watch', () => {
  it('catches up with dumps that arrived while it was down, in name order, skipping processed ones', async () => {
    const { dir, inbox } = setup();
    for (const s of seeds.slice(0, 3)) writeFileSync(join(inbox, s.name), s.text);
    expect(cli(['ingest', '--config', 'dumpfeed.json', join(inbox, seeds[1]!.name)], dir).code).toBe(0);

    const w = startWatch(dir);
    await w.waitFor(processed(), 2);
    const about = w.lines.filter((l) => l.file).map((l) => [l.event, l.file!.split('/').pop()]);
    expect(about.filter(([e]) => e !== 'dump-picked-up')).toEqual([
      ['dump-processed', seeds[0]!.name],
      ['dump-duplicate', seeds[1]!.name],
      ['dump-processed', seeds[2]!.name],
    ]);
    await w.waitFor((l) => l.event === 'feeds-written');
    expect(readdirSync(join(dir, 'feeds'))).toContain('press-releases.atom');
  });

  it('picks up a dump renamed into place and updates its feed; ignores temporary and hidden files', async () => {
    const { dir, inbox, feeds } = setup();
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'watching');
    for (const name of ['.hidden.txt', 'x.txt.part', 'x.tmp', 'x.txt~']) writeFileSync(join(inbox, name), seeds[0]!.text);
    dropAtomically(inbox, 'a.txt', seeds[4]!.text);
    const [line] = await w.waitFor(processed('a.txt'));
    expect(line).toMatchObject({ topic: 'Impact and people', new: 10, updated: 0, unchanged: 0 });
    await w.waitFor((l) => l.event === 'feeds-written');
    expect(read(join(feeds, 'impact-and-people.atom'))).toContain('Child labour in Myanmar’s jade mines is a deadly gamble');
    // A dump dropped after the ignored files and handled: had they been picked up, they would have been first.
    dropAtomically(inbox, 'z.txt', seeds[3]!.text);
    await w.waitFor(processed('z.txt'));
    expect(w.lines.filter((l) => l.file && !l.file.endsWith('a.txt') && !l.file.endsWith('z.txt'))).toEqual([]);
  });

  it('watches an inbox that keeps every dump with the same few inotify watches, however many files it holds', async () => {
    const { dir, inbox } = setup();
    // A long-running inbox: hundreds of dumps already handled and left in place.
    for (let i = 0; i < 400; i++) writeFileSync(join(inbox, `old-${String(i).padStart(4, '0')}.txt`), seeds[i % seeds.length]!.text);
    const handled = (l: LogLine) => l.event === 'dump-processed' || l.event === 'dump-duplicate';
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'watching');
    await w.waitFor(handled, 400);
    const before = inotifyWatches(w.pid);
    for (let i = 0; i < 20; i++) dropAtomically(inbox, `new-${String(i).padStart(2, '0')}.txt`, seeds[i % seeds.length]!.text);
    await w.waitFor((l) => handled(l) && l.file!.includes('/new-'), 20);
    // The inbox and the config file: not one watch per file, as a watcher that tracks each file keeps.
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThanOrEqual(4);
    expect(inotifyWatches(w.pid)).toBe(before);
  });

  it('works by polling when inotify is not available (watch.usePolling)', async () => {
    const { dir, inbox } = setup({ watch: { stabilityMs: 100, retryMaxMs: 400, usePolling: true, pollIntervalMs: 100 } });
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'watching');
    dropAtomically(inbox, 'polled.txt', seeds[2]!.text);
    const [line] = await w.waitFor(processed('polled.txt'));
    expect(line!.new).toBe(10);
  });

  it('reads a dump written slowly in several chunks once, complete', async () => {
    const { dir, inbox } = setup({ watch: { stabilityMs: 400, retryMaxMs: 400 } });
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'watching');
    const text = seeds[0]!.text;
    const fd = openSync(join(inbox, 'slow.txt'), 'w');
    const parts = [text.slice(0, 1000), text.slice(1000, 2500), text.slice(2500)];
    for (const part of parts) {
      writeSync(fd, part);
      await new Promise((r) => setTimeout(r, 150));
    }
    closeSync(fd);
    const [line] = await w.waitFor(processed('slow.txt'));
    expect(line!.new).toBe(20);
    // A later dump handled: any second read of slow.txt would have come before it.
    dropAtomically(inbox, 'z.txt', seeds[3]!.text);
    await w.waitFor(processed('z.txt'));
    expect(w.lines.filter((l) => l.file?.endsWith('slow.txt') && l.event !== 'dump-picked-up')).toHaveLength(1);
    expect(w.lines.filter(rejected())).toEqual([]);
  });

  it('keeps what a writer that paused longer than the stability window had written, and the rest when it finishes', async () => {
    const { dir, inbox } = setup({ watch: { stabilityMs: 100, retryMaxMs: 400 } });
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'watching');
    const text = seeds[0]!.text;
    // Stop inside item 6's title: items 1-5 are whole and kept; item 6 is held back, with a warning.
    const pause = text.indexOf('  6. ') + 20;
    const fd = openSync(join(inbox, 'paused.txt'), 'w');
    writeSync(fd, text.slice(0, pause));
    const [early] = await w.waitFor(processed('paused.txt'));
    expect(early!.new).toBe(5);
    const [warned] = await w.waitFor((l) => l.event === 'dump-warning');
    expect(warned!.warning).toMatch(/item 6 \(the last\) held back/);
    writeSync(fd, text.slice(pause));
    closeSync(fd);
    const [done] = await w.waitFor((l) => l.event === 'dump-processed' && l.new === 15);
    expect(done!.file).toMatch(/paused\.txt$/);
    expect(done!.unchanged).toBe(5);
  });

  it('processes and moves out every complete dump, whatever its last item ends with', async () => {
    const { dir, inbox } = setup({ watch: { stabilityMs: 100, retryMaxMs: 400, moveProcessed: true } });
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'watching');
    // Pages ending at a dateline with a place, a bare date, a trailing comma, a summary without a final
    // stop, a reference line: none has a final newline, as real dumps do not.
    const shapes = [
      'ends-dateline-place',
      'ends-bare-date-page-with-places',
      'ends-trailing-comma',
      'ends-summary-no-stop',
      'ends-reference-line',
    ];
    for (const name of shapes) dropAtomically(inbox, `${name}.txt`, readFileSync(join(FIXTURES, 'parse', `${name}.txt`)));
    const done = await w.waitFor(processed(), shapes.length);
    // Every item of each page, the last one too.
    const items = (name: string) =>
      (JSON.parse(read(join(FIXTURES, 'parse', `${name}.expected.json`))) as { items: unknown[] }).items.length;
    expect(Object.fromEntries(done.map((l) => [l.file!.split('/').pop(), l.new]))).toEqual(
      Object.fromEntries(shapes.map((s) => [`${s}.txt`, items(s)])),
    );
    await expect.poll(() => readdirSync(inbox).sort(), { timeout: 10_000 }).toEqual(['processed']);
    expect(readdirSync(join(inbox, 'processed')).sort()).toEqual(shapes.map((s) => `${s}.txt`).sort());
    expect(w.lines.filter((l) => l.event === 'dump-rejected')).toEqual([]);
  });

  it('works through a burst one at a time, losing nothing, ending with the items of a clean ingest', async () => {
    // Feeds long enough to hold every item: the comparison must not depend on the window's edge.
    const { dir, inbox, feeds } = setup({ feeds: { dir: 'feeds', length: 200 } });
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'watching');
    const series = redumpSeries(120);
    for (const [name, text] of series) dropAtomically(inbox, name, text);
    const lines = await w.waitFor(processed(), 120, 60_000);
    // One at a time: each dump is picked up only after the one before it was finished.
    const steps = w.lines.filter((l) => l.event === 'dump-picked-up' || l.event === 'dump-processed').map((l) => l.event);
    expect(steps).toEqual(Array.from({ length: 120 }, () => ['dump-picked-up', 'dump-processed']).flat());
    // The first dump has 20 + 1 items, each later one adds one: whatever order the file system reported them in.
    expect(lines.reduce((n, l) => n + (l.new as number), 0)).toBe(21 + 119);
    // The feed holds every item once written after the last dump. (Waiting for a `feeds-written` line
    // after the last `dump-processed` would hang when the last dump handled is an older one the file
    // system reported late: it changes nothing, and a write that changes no file logs nothing.)
    const ids = (file: string) => [...read(file).matchAll(/<id>(tag:[^<]+\/[0-9a-f]{12})<\/id>/g)].map((m) => m[1]).sort();
    await expect.poll(() => ids(join(feeds, 'press-releases.atom')).length, { timeout: 30_000 }).toBe(140);

    const clean = tempDir();
    mkdirSync(join(clean, 'in'));
    for (const [name, text] of series) writeFileSync(join(clean, 'in', name), text);
    writeFileSync(join(clean, 'c.json'), JSON.stringify({ store: { path: 'db' }, feeds: { dir: 'feeds', length: 200 } }));
    expect(cli(['ingest', '--config', 'c.json', 'in'], clean).code).toBe(0);
    expect(ids(join(feeds, 'press-releases.atom'))).toEqual(ids(join(clean, 'feeds', 'press-releases.atom')));
    expect(ids(join(feeds, 'press-releases.atom'))).toHaveLength(140);
  });

  it('rejects bad dumps among good ones with their reasons and keeps running', async () => {
    const { dir, inbox } = setup({ source: { inbox: 'inbox', maxBytes: 100_000 } });
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'watching');
    const bad: [string, string | Uint8Array, RegExp][] = [
      ['b1-empty.txt', '', /^empty file$/],
      ['b2-binary.txt', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), /^binary file/],
      ['b3-no-items.txt', 'Press releases\n\nNo news today.\n', /^no items/],
      ['b4-latin1.txt', Buffer.from('Presse\n\n  1. Caf\xe9\n\n    01 May 2021\n', 'latin1'), /^not valid UTF-8/],
      ['b5-huge.txt', seeds[0]!.text.repeat(30), /^too large: /],
    ];
    dropAtomically(inbox, 'a-good.txt', seeds[0]!.text);
    for (const [name, bytes] of bad) dropAtomically(inbox, name, bytes);
    dropAtomically(inbox, 'c-good.txt', seeds[1]!.text);
    await w.waitFor(processed(), 2);
    const rejects = await w.waitFor(rejected(), 5);
    for (const [name, , reason] of bad) expect(rejects.find((l) => l.file!.endsWith(name))!.reason).toMatch(reason);
    expect(w.running).toBe(true);
    dropAtomically(inbox, 'd-good.txt', seeds[2]!.text);
    await w.waitFor(processed('d-good.txt'));
    const status = JSON.parse(cli(['status', '--config', 'dumpfeed.json', '--json'], dir).stdout);
    expect(status.counts).toMatchObject({ topics: 3, dumps: 3, rejected: 4 });
  });

  it('moves processed dumps to processed/ and rejected ones to rejected/ with the reason', async () => {
    const { dir, inbox } = setup({ watch: { stabilityMs: 150, retryMaxMs: 400, moveProcessed: true } });
    writeFileSync(join(inbox, 'good.txt'), seeds[0]!.text);
    writeFileSync(join(inbox, 'bad.txt'), '');
    const w = startWatch(dir);
    await w.waitFor(processed('good.txt'));
    await w.waitFor(rejected('bad.txt'));
    await expect.poll(() => readdirSync(inbox).sort()).toEqual(['processed', 'rejected']);
    expect(readdirSync(join(inbox, 'processed'))).toEqual(['good.txt']);
    expect(readdirSync(join(inbox, 'rejected')).sort()).toEqual(['bad.txt', 'bad.txt.reason']);
    expect(read(join(inbox, 'rejected', 'bad.txt.reason'))).toBe('empty file\n');
    // The same name again later does not overwrite the first.
    writeFileSync(join(inbox, 'good.txt'), seeds[0]!.text);
    await w.waitFor((l) => l.event === 'dump-duplicate');
    await expect.poll(() => readdirSync(join(inbox, 'processed')).sort()).toEqual(['good.txt', 'good.txt.1']);
  });

  it('refuses to start a second daemon on the same store', async () => {
    const { dir } = setup();
    const first = startWatch(dir);
    await first.waitFor((l) => l.event === 'watching');
    const second = cli(['watch', '--config', 'dumpfeed.json'], dir);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`error: lock state.db.lock: another dumpfeed watch (pid ${first.pid}) is already using state.db\n`);
    const status = cli(['status', '--config', 'dumpfeed.json'], dir);
    expect(status.stdout).toMatch(new RegExp(`^daemon: running \\(pid ${first.pid}, since \\S+\\), 0 dumps queued`, 'm'));
  });

  it('stops cleanly on SIGTERM in the middle of a burst; a restart finishes the rest', async () => {
    const { dir, inbox } = setup();
    for (const [name, text] of redumpSeries(80)) writeFileSync(join(inbox, name), text);
    const w = startWatch(dir);
    await w.waitFor(processed(), 5);
    const t0 = Date.now();
    w.signal('SIGTERM');
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(w.events().slice(-1)).toEqual(['stopped']);
    expect(existsSync(join(dir, 'state.db.lock'))).toBe(false);
    expect(cli(['status', '--config', 'dumpfeed.json'], dir).stdout).toMatch(/^daemon: not running$/m);

    const again = startWatch(dir);
    const done = w.lines.filter(processed()).length;
    await again.waitFor(processed(), 80 - done, 30_000);
    expect(JSON.parse(cli(['status', '--config', 'dumpfeed.json', '--json'], dir).stdout).counts.dumps).toBe(80);
  });

  it('reloads the config on SIGHUP and when the file changes, and keeps running on a bad one', async () => {
    const { dir, inbox, feeds } = setup();
    writeFileSync(join(inbox, 'a.txt'), seeds[0]!.text);
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'feeds-written');
    writeWatchConfig(dir, { feeds: { dir: 'feeds', title: 'Renamed site' } });
    w.signal('SIGHUP');
    await w.waitFor((l) => l.event === 'config-reloaded');
    await expect.poll(() => read(join(feeds, 'all.atom'))).toContain('<title type="text">Renamed site</title>');

    writeFileSync(join(dir, 'dumpfeed.json'), '{ "feeds": { "lenght": 3 } }');
    await w.waitFor((l) => l.where === 'reload');
    expect(w.lines.find((l) => l.where === 'reload')!.msg).toMatch(/unknown key "feeds.lenght"; keeping the running config$/);
    expect(w.running).toBe(true);

    writeWatchConfig(dir, { feeds: { dir: 'feeds', title: 'Third name' } });
    await w.waitFor((l) => l.event === 'config-reloaded' && l.why === 'config file changed');
    await expect.poll(() => read(join(feeds, 'all.atom'))).toContain('<title type="text">Third name</title>');
  });

  it('retries feed writes while the feeds folder is unwritable, then catches up', async () => {
    const { dir, inbox, feeds } = setup();
    writeFileSync(join(inbox, 'a.txt'), seeds[0]!.text);
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'feeds-written');
    // The feeds folder is replaced by a file: no user, root included, can write feeds into it.
    renameSync(feeds, `${feeds}.away`);
    writeFileSync(feeds, 'not a folder');
    dropAtomically(inbox, 'b.txt', seeds[1]!.text);
    await w.waitFor(processed('b.txt'));
    const failures = await w.waitFor((l) => l.where === 'feeds', 2);
    expect(failures[0]!.msg).toMatch(/^feeds .*feeds: cannot (create folder|write): E(EXIST|NOTDIR)/);
    rmSync(feeds);
    renameSync(`${feeds}.away`, feeds);
    await w.waitFor((l) => l.event === 'feeds-writable');
    expect(read(join(feeds, 'news-and-events.atom'))).toContain('ILO, USDOL launch new project to support rural workers');
  });

  it('leaves a dump unprocessed while the store is locked by another process, and stores it once free', async () => {
    const { dir, inbox } = setup();
    const w = startWatch(dir);
    await w.waitFor((l) => l.event === 'watching');
    const other = new Database(join(dir, 'state.db'));
    other.exec('BEGIN EXCLUSIVE');
    try {
      dropAtomically(inbox, 'a.txt', seeds[0]!.text);
      const [failure] = await w.waitFor((l) => l.where?.toString().endsWith('a.txt') === true && l.level === 50);
      expect(failure!.msg).toMatch(/database is locked/);
      expect(w.lines.filter(processed())).toEqual([]);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const [done] = await w.waitFor(processed('a.txt'));
    expect(done!.new).toBe(20);
    const status = cli(['status', '--config', 'dumpfeed.json'], dir).stdout;
    expect(status).toMatch(/^last error: \S+ {2}store state\.db: cannot record \S+\/inbox\/a\.txt: database is locked$/m);
  });
});

/** The inotify watches a process holds (Linux: one `inotify wd:` line per watch in its fds' fdinfo). */
function inotifyWatches(pid: number): number {
  let watches = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      watches += readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('inotify wd:')).length;
    } catch {
      // An fd closed while it was read.
    }
  }
  return watches;
}
