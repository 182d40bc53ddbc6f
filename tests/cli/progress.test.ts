import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redumpSeries, tempDir, writeDump } from '../helpers.js';
import { BIN, cli } from './run-cli.js';

// A long ingest as a person at a terminal sees it (a real pty, from util-linux `script`) and as a log
// or a pipe gets it.

function folder(): string {
  const dir = tempDir();
  const inbox = join(dir, 'in');
  mkdirSync(inbox);
  for (const [name, text] of redumpSeries(30)) writeDump(inbox, name, text);
  writeFileSync(join(inbox, 'empty.txt'), '');
  writeFileSync(join(inbox, 'binary.txt'), Buffer.from([0, 1, 2, 3, 0, 0, 5]));
  writeFileSync(join(inbox, 'no-items.txt'), 'Just a title\n\nand a paragraph without any listing.\n');
  return dir;
}

const TALLY = /^33 files: 30 stored \(30 with new or updated items\), 0 already processed, 3 rejected \(1 binary, 1 empty, 1 no-items\)$/m;

describe('ingest of many dumps', () => {
  it('on a terminal: a progress line with done/total, rate and time left; only the files with something to say; a closing tally', () => {
    const dir = folder();
    // `script` runs the command on a new pty: both outputs are a terminal, as in an interactive shell.
    const command = `${process.execPath} ${BIN} ingest --db db --out feeds in`;
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(1);
    const screen = r.stdout;
    expect(screen).toMatch(/\r\x1b\[K\[33\/33\] \d+ dumps\/s/);
    expect(screen).toMatch(/\[\d+\/33\] \d+ dumps\/s, \d+ s left/);
    // What the person keeps once the progress line is gone: errors, the feeds, the tally.
    const kept = screen
      .split(/\r\n/)
      .map((line) => line.replace(/^(?:\r?\x1b\[K(?:\[\d+\/\d+\][^\r]*)?\r?)*/g, '').replace(/\r\x1b\[K.*$/, ''))
      .filter((line) => line !== '');
    expect(kept).toEqual([
      'error: in/binary.txt: binary file (contains NUL bytes), not a text dump',
      'error: in/empty.txt: empty file',
      'error: in/no-items.txt: no items: no line starts with "  1. "',
      expect.stringMatching(/^feeds: \d+ written, 0 unchanged in feeds\/$/),
      expect.stringMatching(TALLY),
    ]);
    // No colour codes, only the line-clearing of the progress line.
    expect(screen.replace(/\x1b\[K/g, '')).not.toContain('\x1b');
  });

  it('in a pipe or a log: a plain line per file and the tally, no progress', () => {
    const dir = folder();
    const r = cli(['ingest', '--db', 'db', '--out', 'feeds', 'in'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('\x1b');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(32);
    expect(lines[0]).toMatch(/^in\/000\.txt: Press releases: 21 new, 0 updated, 0 unchanged$/);
    expect(lines.at(-1)).toMatch(TALLY);
    expect(r.stderr.trim().split('\n')).toHaveLength(3);
  });

  it('with --json: the tally is in the document', () => {
    const dir = folder();
    const r = cli(['ingest', '--db', 'db', '--out', 'feeds', '--json', 'in'], dir);
    const doc = JSON.parse(r.stdout);
    expect(doc.tally).toEqual({
      files: 33,
      stored: 30,
      changed: 30,
      duplicates: 0,
      rejected: 3,
      reasons: { binary: 1, empty: 1, 'no-items': 1 },
    });
  });
});
