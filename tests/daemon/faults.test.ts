import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BIN, cli } from '../cli/run-cli.js';
import { redumpSeries, seedFiles, tempDir } from '../helpers.js';
import { processed, watchProcesses, type WatchProcess, writeWatchConfig } from './watch-process.js';

// The faults operators meet: each through the real process.

const watchProcess = watchProcesses();

const start = (dir: string, env: Record<string, string> = {}): WatchProcess => watchProcess(dir, [], env);

function drop(inbox: string, name: string, text: string): void {
  writeFileSync(join(inbox, `.${name}.part`), text);
  renameSync(join(inbox, `.${name}.part`), join(inbox, name));
}

const seeds = seedFiles().map((f) => readFileSync(f, 'utf8'));

/** Runs the CLI without waiting, for runs side by side. */
function cliAsync(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('faults that could lose or hide data', () => {
  it('a store deleted or replaced while watch runs: it stops (exit 1), moves no dump it did not store, and the restart catches up', async () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    writeWatchConfig(dir, { watch: { stabilityMs: 50, retryMaxMs: 400, moveProcessed: true } });
    const w = start(dir);
    await w.waitFor((l) => l.event === 'watching');
    drop(inbox, 'a.txt', seeds[0]!);
    await w.waitFor(processed('a.txt'));
    // The dump is moved after it is logged as stored: a store replaced between the two keeps it in the inbox.
    await w.waitUntil(() => existsSync(join(inbox, 'processed', 'a.txt')));
    // A restore from an old backup: another file now stands at store.path.
    const backup = join(dir, 'backup.db');
    new Database(backup).close();
    for (const f of ['state.db', 'state.db-wal', 'state.db-shm']) rmSync(join(dir, f), { force: true });
    copyFileSync(backup, join(dir, 'state.db'));
    drop(inbox, 'b.txt', seeds[1]!);
    const { code } = await w.exited;
    expect(code).toBe(1);
    expect(w.lines.find((l) => l.level === 60)!.msg).toMatch(/^store state\.db was deleted or replaced while the daemon ran; stopping/);
    expect(readdirSync(inbox).sort()).toEqual(['b.txt', 'processed']);
    expect(existsSync(join(dir, 'state.db.lock'))).toBe(false);

    const again = start(dir);
    await again.waitFor(processed('b.txt'));
    const counts = JSON.parse(cli(['status', '--config', 'dumpfeed.json', '--json'], dir).stdout).counts;
    expect(counts).toMatchObject({ dumps: 1, items: 10 });
  });

  it('retries back off while the store is locked: few log lines, rising attempts, then every dump stored', async () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    writeWatchConfig(dir, { store: { path: 'state.db', busyTimeoutMs: 50 }, watch: { stabilityMs: 50, retryMaxMs: 2000 } });
    const w = start(dir);
    await w.waitFor((l) => l.event === 'watching');
    const other = new Database(join(dir, 'state.db'));
    other.exec('BEGIN EXCLUSIVE');
    const series = redumpSeries(30);
    for (const [name, text] of series) drop(inbox, name, text);
    // Five failed attempts at 0.5, 1, 2, 2, 2 s take about 7.5 s.
    const failures = await w.waitFor((l) => l.event === 'error' && l.where !== 'feeds', 5, 30_000);
    other.exec('ROLLBACK');
    other.close();
    expect(failures.map((l) => l.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(failures.map((l) => l.retryInMs)).toEqual([500, 1000, 2000, 2000, 2000]);
    // Counted, not repeated: at the 1st, 2nd and 4th time at error level, the others at debug.
    expect(failures.map((l) => l.level)).toEqual([50, 50, 20, 50, 20]);
    await w.waitFor(processed(), 30, 30_000);
    expect(w.lines.some((l) => l.event === 'store-writable')).toBe(true);
  });

  it('ingest runs side by side on one new store take turns: all dumps stored, none failing', async () => {
    const dir = tempDir();
    const series = redumpSeries(60);
    for (let k = 0; k < 3; k++) {
      mkdirSync(join(dir, `in${k}`));
      series.filter((_, i) => i % 3 === k).forEach(([name, text]) => writeFileSync(join(dir, `in${k}`, name), text));
    }
    const runs = await Promise.all([0, 1, 2].map((k) => cliAsync(['ingest', '--db', 'db', '--out', 'feeds', `in${k}`], dir)));
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const counts = JSON.parse(cli(['status', '--db', 'db', '--json'], dir).stdout).counts;
    expect(counts.dumps).toBe(60);
    expect(counts.items).toBe(20 + 60);
  });

  it('an ingest that cannot get the store stores nothing, says which files to run again, and a re-run stores them once', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    for (const [name, text] of redumpSeries(12)) writeFileSync(join(dir, 'in', name), text);
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ store: { path: 'db', busyTimeoutMs: 50 }, feeds: { dir: 'feeds' } }));
    expect(cli(['ingest', '--config', 'c.json', join(dir, 'in', '000.txt')], dir).code).toBe(0);
    // Another writer holds the store for the whole run: the group cannot begin, nor can any dump's own turn come.
    const other = new Database(join(dir, 'db'));
    other.exec('BEGIN EXCLUSIVE');
    const blocked = cli(['ingest', '--config', 'c.json', '--json', 'in'], dir);
    other.exec('ROLLBACK');
    other.close();
    expect(blocked.code).toBe(1);
    // The feeds of what is stored are written; only their mark could not be saved.
    expect(blocked.stderr).toContain('warning: feeds written but not marked as written');
    const files = (JSON.parse(blocked.stdout) as { files: { file: string; error: string | null; duplicate?: boolean }[] }).files;
    const refused = files.filter((f) => f.error?.startsWith('not stored: '));
    // 000.txt was stored before: a duplicate, read-only.
    expect(refused.map((f) => f.file.split('/').pop())).toEqual(
      redumpSeries(12)
        .slice(1)
        .map(([name]) => name),
    );
    expect(refused.every((f) => f.error!.endsWith('; run again for this file'))).toBe(true);
    expect(JSON.parse(cli(['status', '--config', 'c.json', '--json'], dir).stdout).counts.dumps).toBe(1);

    const again = cli(['ingest', '--config', 'c.json', '--json', 'in'], dir);
    expect(again.code).toBe(0);
    const counts = JSON.parse(cli(['status', '--config', 'c.json', '--json'], dir).stdout).counts;
    expect(counts.dumps).toBe(12);
    expect(counts.items).toBe(20 + 12);
  });

  it('`ingest | head -1`: a closed pipe stops no work; every dump is stored and the feeds are written', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    for (const [name, text] of redumpSeries(40)) writeFileSync(join(dir, 'in', name), text);
    const child = spawn(process.execPath, [BIN, 'ingest', '--db', 'db', '--out', 'feeds', 'in'], { cwd: dir });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    // Read the first line, then close the pipe, as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(cli(['status', '--db', 'db', '--json'], dir).stdout).counts.dumps).toBe(40);
    expect(readFileSync(join(dir, 'feeds', 'press-releases.atom'), 'utf8')).toContain('Breaking item number 39');
  });
});

describe('first run and start-up errors', () => {
  it('watch in a fresh folder with the built-in defaults creates its store folder and starts', async () => {
    const dir = tempDir();
    // `{}`: every default, as with no config file at all; store.path is data/dumpfeed.db.
    writeFileSync(join(dir, 'dumpfeed.json'), '{}');
    const fresh = start(dir);
    await fresh.waitFor((l) => l.event === 'watching');
    expect(existsSync(join(dir, 'data', 'dumpfeed.db'))).toBe(true);
  });

  it('creates mail.outbox on start, and says in one line when it cannot', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'dumpfeed.json'), JSON.stringify({ subscribers: [{ address: 'a@example.org', schedule: 'immediate' }] }));
    const w = start(dir);
    await w.waitFor((l) => l.event === 'watching');
    expect(existsSync(join(dir, 'outbox'))).toBe(true);
    w.signal('SIGTERM');
    await w.exited;

    writeFileSync(join(dir, 'blocker'), 'a file where a folder should be');
    writeFileSync(
      join(dir, 'dumpfeed.json'),
      JSON.stringify({ mail: { outbox: 'blocker/outbox' }, subscribers: [{ address: 'a@example.org' }] }),
    );
    const r = cli(['watch', '--config', 'dumpfeed.json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: mail\.outbox \S+\/blocker\/outbox: cannot create the folder: ENOTDIR\n$/);
  });

  it('a port in use or an unknown host is a one-line error, exit 1', async () => {
    const dir = tempDir();
    expect(cli(['ingest', '--db', 'db', seedFiles()[0]!], dir).code).toBe(0);
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const inUse = cli(['serve', '--db', 'db', '--port', String(port)], dir);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toBe(
        `error: serve 127.0.0.1:${port}: cannot listen: the port is already in use (another server, or another dumpfeed serve?)\n`,
      );
    } finally {
      blocker.close();
    }
    const badHost = cli(['serve', '--db', 'db', '--port', '0', '--host', 'no-such-host.invalid'], dir);
    expect(badHost.code).toBe(1);
    expect(badHost.stderr).toMatch(
      /^error: serve no-such-host\.invalid:0: cannot listen: (no such host name|the host name cannot be resolved now)\n$/,
    );
  });

  it('read-only commands never create a store: a mistyped --db is an error', async () => {
    const dir = tempDir();
    for (const command of [['status'], ['topics'], ['serve', '--port', '0']]) {
      const r = cli([...command, '--db', 'typo.db'], dir);
      expect(r.code, command[0]).toBe(1);
      expect(r.stderr).toBe('error: store typo.db: no such store (check --db or store.path; `dumpfeed ingest` or `watch` creates it)\n');
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the lock names the command holding it', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    // This test's own process stands for a running `digest --send`.
    writeFileSync(join(dir, 'data', 'dumpfeed.db.lock'), `${process.pid} digest\n`);
    writeFileSync(join(dir, 'dumpfeed.json'), '{}');
    const r = cli(['watch', '--config', 'dumpfeed.json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: lock data/dumpfeed.db.lock: another dumpfeed digest (pid ${process.pid}) is already using data/dumpfeed.db\n`,
    );
  });
});

describe('smaller things', () => {
  it('temporary files a killed writer left in feeds/ are removed on the next run', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'feeds', 'archive'), { recursive: true });
    const stale = [join(dir, 'feeds', '.all.atom.1a2b3c4d.tmp'), join(dir, 'feeds', 'archive', '.x-1.atom.deadbeef.tmp')];
    for (const f of stale) {
      writeFileSync(f, 'half');
      utimesSync(f, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    }
    expect(cli(['ingest', '--db', 'db', '--out', 'feeds', seedFiles()[0]!], dir).code).toBe(0);
    for (const f of stale) expect(existsSync(f)).toBe(false);
  });

  it('a config deleted and written anew is reloaded; one saved with a byte-order mark is read', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'inbox'));
    writeWatchConfig(dir);
    const w = start(dir);
    await w.waitFor((l) => l.event === 'watching');
    const config = readFileSync(join(dir, 'dumpfeed.json'), 'utf8');
    rmSync(join(dir, 'dumpfeed.json'));
    writeFileSync(join(dir, 'dumpfeed.json'), `\ufeff${config.replace('"feeds": {', '"feeds": {\n    "title": "Renamed",')}`);
    await w.waitFor((l) => l.event === 'config-reloaded');
    expect(w.lines.filter((l) => l.event === 'error' && l.where === 'reload')).toEqual([]);
  });

  it('mail.from must be an address', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ mail: { from: 'no address' } }));
    expect(cli(['status', '--config', 'c.json'], dir).stderr).toBe(
      'error: config c.json:1: mail.from: must be an address: "name@example.org" or "Name <name@example.org>"\n',
    );
  });
});

describe('links that point elsewhere', () => {
  it('serve on another port than feeds.baseUrl says once, at start, where the links point', async () => {
    const dir = tempDir();
    expect(cli(['ingest', '--db', 'db', seedFiles()[0]!], dir).code).toBe(0);
    const run = async (extra: string[]) => {
      const child = spawn(process.execPath, [BIN, 'serve', '--db', 'db', '--port', '0', ...extra], { cwd: dir });
      let out = '';
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      await new Promise<void>((resolve) =>
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (out.includes('\n')) resolve();
        }),
      );
      child.kill('SIGTERM');
      // 'close': the process has exited and everything it wrote has been read.
      await new Promise((resolve) => child.on('close', resolve));
      return { out, err };
    };
    const plain = await run([]);
    expect(plain.err).toMatch(
      /^warning: feeds and pages link to http:\/\/localhost:8080\/ \(feeds\.baseUrl\), not to this server at http:\/\/127\.0\.0\.1:\d+\/; set feeds\.baseUrl/,
    );
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ feeds: { baseUrl: 'https://news.example.org/' } }));
    expect((await run(['--config', 'c.json'])).err).toBe('');
  });
});
