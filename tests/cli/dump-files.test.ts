import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processed, watchProcesses, writeWatchConfig } from '../daemon/watch-process.js';
import { read, seedFiles, tempDir } from '../helpers.js';
import { cli } from './run-cli.js';

// One rule for which files are dumps (README "Which files are dumps"), the same for `ingest DIR`,
// the daemon's catch-up and its watcher: names matching source.pattern; a link to a file is the file.

const seeds = seedFiles();
// A name that is not UTF-8 (byte 0xFF), and one with a newline and an escape character in it.
const LATIN1_NAME = Buffer.concat([Buffer.from('caf'), Buffer.from([0xff]), Buffer.from('.txt')]);
const CONTROL_NAME = 'two\nlines\u001b[31m.txt';

/** A folder holding: two seeds, non-dump files, a link to a third seed, a broken link, odd names. */
function inboxFolder(dir: string): string {
  const inbox = join(dir, 'inbox');
  mkdirSync(inbox);
  writeFileSync(join(inbox, 'a.txt'), read(seeds[0]!));
  writeFileSync(join(inbox, 'manifest.json'), '{"files": 3}');
  writeFileSync(join(inbox, 'expected_counts.json'), '{}');
  writeFileSync(join(inbox, 'notes.md'), '# notes');
  symlinkSync(seeds[2]!, join(inbox, 'c-link.txt'));
  symlinkSync(join(dir, 'nowhere.txt'), join(inbox, 'd-broken.txt'));
  writeFileSync(Buffer.concat([Buffer.from(`${inbox}/`), LATIN1_NAME]), read(seeds[1]!));
  writeFileSync(join(inbox, CONTROL_NAME), read(seeds[3]!));
  return inbox;
}

const watchProcess = watchProcesses();

describe('which files are dumps', () => {
  it('ingest DIR takes the *.txt files and links to files, skips the rest, and prints odd names safely', () => {
    const dir = tempDir();
    inboxFolder(dir);
    const r = cli(['ingest', '--db', 'db', '--out', 'feeds', '--verbose', 'inbox'], dir);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('4 files: 4 stored (4 with new or updated items), 0 already processed, 0 rejected');
    expect(lines.slice(0, -2)).toEqual([
      'inbox/a.txt: Press releases: 20 new, 0 updated, 0 unchanged',
      'inbox/c-link.txt: Resources on Textiles, clothing, leather, and footwear sector: 10 new, 0 updated, 0 unchanged',
      'inbox/caf\\xFF.txt: News and events: 10 new, 0 updated, 0 unchanged',
      'inbox/two\\u000alines\\u001b[31m.txt: News and articles: 10 new, 0 updated, 0 unchanged',
    ]);
    expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual([
      'skipped: inbox/d-broken.txt: a broken link',
      'skipped: inbox/expected_counts.json: the name does not match source.pattern or is a temporary file',
      'skipped: inbox/manifest.json: the name does not match source.pattern or is a temporary file',
      'skipped: inbox/notes.md: the name does not match source.pattern or is a temporary file',
    ]);
  });

  it('source.pattern chooses other names', () => {
    const dir = tempDir();
    const inbox = inboxFolder(dir);
    writeFileSync(join(inbox, 'e.dump'), read(seeds[4]!));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ source: { pattern: '*.dump' }, store: { path: 'db' }, feeds: { dir: 'feeds' } }));
    const r = cli(['ingest', '--config', 'c.json', '--json', 'inbox'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files.map((f: { file: string }) => f.file)).toEqual(['inbox/e.dump']);
  });

  it('watch catches up with the same files, then takes a link and an odd name made while it runs', async () => {
    const dir = tempDir();
    const inbox = inboxFolder(dir);
    writeWatchConfig(dir, { watch: { stabilityMs: 100, retryMaxMs: 400, moveProcessed: true } });
    const w = watchProcess(dir);
    const first = await w.waitFor(processed(), 4);
    expect(first.map((l) => l.file!.slice(inbox.length + 1)).sort()).toEqual([
      'a.txt',
      'c-link.txt',
      'caf\\xFF.txt',
      'two\\u000alines\\u001b[31m.txt',
    ]);
    await w.waitFor((l) => l.event === 'watching');
    // While running: a link, and a file whose name is not UTF-8.
    symlinkSync(seeds[4]!, join(inbox, 'f-link.txt'));
    const odd = Buffer.concat([Buffer.from(`${inbox}/g`), Buffer.from([0xfe]), Buffer.from('.txt')]);
    writeFileSync(odd, read(seeds[4]!).replace('Impact and people', 'Impact and people, again'));
    const later = await w.waitFor(processed(), 6);
    expect(
      later
        .slice(4)
        .map((l) => l.file!.slice(inbox.length + 1))
        .sort(),
    ).toEqual(['f-link.txt', 'g\\xFE.txt']);
    // Every dump moved out, under a readable name; the files that are no dumps stay.
    await expect.poll(() => readdirSync(inbox).filter((n) => n.endsWith('.txt')), { timeout: 10_000 }).toEqual(['d-broken.txt']);
    expect(readdirSync(inbox).sort()).toEqual(['d-broken.txt', 'expected_counts.json', 'manifest.json', 'notes.md', 'processed']);
    expect(readdirSync(join(inbox, 'processed')).sort()).toEqual([
      'a.txt',
      'c-link.txt',
      'caf\\xFF.txt',
      'f-link.txt',
      'g\\xFE.txt',
      'two\nlines\u001b[31m.txt',
    ]);
  });
});
