import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { read, redumpSeries, seedFiles, tempDir, writeDump } from '../helpers.js';
import { cli, cliKilledAfterLines } from './run-cli.js';

function inboxWithSeeds(): { dir: string; inbox: string; db: string; out: string } {
  const dir = tempDir();
  const inbox = join(dir, 'inbox');
  mkdirSync(inbox);
  for (const f of seedFiles()) copyFileSync(f, join(inbox, f.split('/').pop()!));
  return { dir, inbox, db: join(dir, 'state.db'), out: join(dir, 'feeds') };
}

describe('dumpfeed parse', () => {
  it.each(seedFiles())('prints %s as the documented JSON', (file) => {
    const r = cli(['parse', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(read(file.replace(/\.txt$/, '.expected.json'))));
  });

  it('prints one error line naming the file and exits 1 on a bad dump', () => {
    const dir = tempDir();
    const file = writeDump(dir, 'empty.txt', '');
    const r = cli(['parse', file]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `error: ${file}: empty file\n` });
  });

  it('exits 2 with usage on wrong arguments', () => {
    expect(cli(['parse']).code).toBe(2);
    expect(cli(['parse']).stderr).toMatch(/^error: parse takes exactly one FILE\n\nusage: dumpfeed/);
    expect(cli(['frobnicate']).stderr).toMatch(/^error: unknown command "frobnicate"/);
    expect(cli(['ingest', '--nope', 'x']).code).toBe(2);
  });

  it('each command has its own options and help; an option it does not take is an error; a typo gets a suggestion', () => {
    const wrong = cli(['status', '--send', '--topic', 'x', '--port', '9']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^error: status: Unknown option '--send'\n\nusage: dumpfeed status \[options\]\n/);
    expect(wrong.stderr).not.toContain('--send ');
    for (const help of [cli(['help', 'ingest']), cli(['ingest', '--help']), cli(['ingest', '-h'])]) {
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^usage: dumpfeed ingest PATH\.\.\. \[options\]\n/);
      expect(help.stdout).toContain('  --verbose ');
      expect(help.stdout).not.toContain('--send');
    }
    expect(cli(['help', 'digest']).stdout).toContain('  --at TIME ');
    const typo = cli(['ingset', 'x']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: unknown command "ingset" \(did you mean "ingest"\?\)\n/);
    expect(cli(['help']).stdout).toMatch(/^usage: dumpfeed <command> \[options\]\n\ncommands:\n {2}parse FILE/);
  });

  it('prints its version', () => {
    expect(cli(['--version']).stdout).toMatch(/^dumpfeed \d+\.\d+\.\d+\n$/);
  });
});

describe('dumpfeed ingest', () => {
  it('ingests a folder in name order and reports JSON; a cut dump is kept with a warning; exits 1 when a file was rejected', () => {
    const { dir, inbox, db, out } = inboxWithSeeds();
    // Cut inside item 10's title: items 1-9 are whole, item 10 is held back.
    const seed = read(seedFiles()[0]!);
    writeDump(inbox, '002a_cut.txt', seed.slice(0, seed.indexOf('  10. ') + 30));
    writeDump(inbox, '002b_empty.txt', '');
    const r = cli(['ingest', '--db', db, '--out', out, '--json', inbox], dir);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.files.map((f: { file: string }) => f.file.split('/').pop())).toEqual([
      '000_61f362d38f9bb819.txt',
      '001_23d5a4cb36c32574.txt',
      '002_1c1cc45c581ed0f1.txt',
      '002a_cut.txt',
      '002b_empty.txt',
      '003_5c6990aed418d1ec.txt',
      '004_974e161fcac431bd.txt',
    ]);
    const [first] = doc.files;
    expect(Object.keys(first).sort()).toEqual(['duplicate', 'error', 'file', 'new', 'topic', 'unchanged', 'updated', 'warnings']);
    expect(first.topic).toBe('Press releases');
    expect(first.new).toHaveLength(20);
    expect(first.new[0]).toEqual({
      id: expect.stringMatching(/^tag:dumpfeed,2026:press-releases\/[0-9a-f]{12}$/),
      title: 'ILO supports the Government of Bangladesh for skills development in the caregiving occupation',
    });
    expect(first.updated).toEqual([]);
    expect(first.error).toBeNull();
    expect(first.warnings).toEqual([]);
    expect(doc.files[3]).toMatchObject({ error: null, new: [], updated: [], unchanged: 9 });
    expect(doc.files[3].warnings).toEqual([expect.stringMatching(/^line \d+: item 10 \(the last\) held back: /)]);
    expect(doc.files[4].error).toBe('empty file');
    expect(doc.files[5].new).toHaveLength(10);
    // The warning stays visible to the operator.
    const status = cli(['status', '--db', db], dir).stdout;
    expect(status).toMatch(/dumps stored with warnings:\n {2}\S+ {2}\S+002a_cut\.txt: warning: line \d+: item 10 \(the last\) held back: /);
    expect(readdirSync(out)).toContain('press-releases.atom');
  });

  it('prints a line per file, and an error line on stderr for a rejected one', () => {
    const { dir, inbox, db, out } = inboxWithSeeds();
    const r = cli(['ingest', '--db', db, '--out', out, join(inbox, '000_61f362d38f9bb819.txt'), join(inbox, 'missing.txt')], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${join(inbox, '000_61f362d38f9bb819.txt')}: Press releases: 20 new, 0 updated, 0 unchanged\n`);
    expect(r.stderr).toBe(`error: ${join(inbox, 'missing.txt')}: cannot read: ENOENT\n`);
  });

  it('uses config/dumpfeed.json in the working folder, and command-line options override it', () => {
    const { dir, inbox } = inboxWithSeeds();
    mkdirSync(join(dir, 'config'));
    writeFileSync(
      join(dir, 'config', 'dumpfeed.json'),
      JSON.stringify({ store: { path: 'st/x.db' }, feeds: { dir: 'public', length: 2 } }),
    );
    expect(cli(['ingest', inbox], dir).code).toBe(0);
    expect(readdirSync(join(dir, 'st'))).toContain('x.db');
    expect(read(join(dir, 'public', 'press-releases.rss')).match(/<item>/g)).toHaveLength(2);
    expect(cli(['ingest', '--out', 'elsewhere', inbox], dir).code).toBe(0);
    expect(readdirSync(join(dir, 'elsewhere'))).toContain('topics.opml');
  });

  it('refuses a config with an unknown key, naming it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ feeds: { lenght: 10 } }));
    const r = cli(['ingest', '--config', join(dir, 'c.json'), dir], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: config ${join(dir, 'c.json')}:1: unknown key "feeds.lenght"\n`);
  });
});

describe('dumpfeed status', () => {
  it('shows topics with counts and rejected dumps with reasons', () => {
    const { dir, inbox, db, out } = inboxWithSeeds();
    writeDump(inbox, 'zz_binary.txt', Buffer.from([0, 1, 2, 3]));
    cli(['ingest', '--db', db, '--out', out, inbox], dir);
    const r = cli(['status', '--db', db], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^store: .*state\.db \(60 items in 5 topics, 5 dumps, 1 rejected\)/);
    expect(r.stdout).toMatch(/ {2}Press releases +20 items +1 dumps +last \d{4}-\d\d-\d\dT[\d:.]+Z +feeds\/press-releases\.\*/);
    expect(r.stdout).toContain('zz_binary.txt: binary file (contains NUL bytes), not a text dump');
    const json = JSON.parse(cli(['status', '--db', db, '--json'], dir).stdout);
    expect(json.topics).toHaveLength(5);
    expect(json.rejected[0].kind).toBe('binary');
  });
});

describe('a killed ingest', () => {
  it('loses and duplicates nothing: after kill -9 and a re-run, store and feeds equal a clean run', async () => {
    const dumps = redumpSeries(150);
    const make = () => {
      const dir = tempDir();
      mkdirSync(join(dir, 'inbox'));
      dumps.forEach(([name, text], i) => writeDump(join(dir, 'inbox'), name, text, new Date(Date.UTC(2026, 0, 1, i)).toISOString()));
      return dir;
    };
    const clean = make();
    expect(cli(['ingest', '--db', 'db', '--out', 'feeds', 'inbox'], clean).code).toBe(0);

    const status = (dir: string) => JSON.parse(cli(['status', '--db', 'db', '--json'], dir).stdout);
    const crashed = make();
    let interrupted = 0;
    // Killed after 1, 10, ... dumps of each run (each re-run skips what is stored and goes on).
    for (const lines of [1, 10, 25, 5, 40, 3]) {
      await cliKilledAfterLines(['ingest', '--db', 'db', '--out', 'feeds', 'inbox'], lines, crashed);
      if (status(crashed).counts.dumps < 150) interrupted++;
    }
    // The kills must really have landed mid-run for the test to mean anything.
    expect(interrupted).toBeGreaterThan(0);
    expect(cli(['ingest', '--db', 'db', '--out', 'feeds', 'inbox'], crashed).code).toBe(0);
    expect(status(crashed).counts).toEqual(status(clean).counts);
    for (const f of readdirSync(join(clean, 'feeds'), { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.'))) {
      expect(readFileSync(join(crashed, 'feeds', f), 'utf8'), f).toBe(readFileSync(join(clean, 'feeds', f), 'utf8'));
    }
  });
});
