import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseDump } from '../../src/parse/parse-dump.js';
import { decodeDump } from '../../src/source/decode-dump.js';
import { FIXTURES } from '../helpers.js';

// A case is a dump `NAME.txt` with either `NAME.expected.json` (the parse) or `NAME.error.json`
// ({kind, message}): a new case is a new pair of files, not new code.
const dir = join(FIXTURES, 'parse');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => {
    const base = join(dir, f.replace(/\.txt$/, ''));
    return {
      name: f,
      file: join(dir, f),
      expected: existsSync(`${base}.expected.json`) ? JSON.parse(readFileSync(`${base}.expected.json`, 'utf8')) : null,
      error: existsSync(`${base}.error.json`)
        ? (JSON.parse(readFileSync(`${base}.error.json`, 'utf8')) as { kind: string; message: string })
        : null,
    };
  });

describe('parser cases', () => {
  it('has an expectation for every case', () => {
    expect(cases.length).toBeGreaterThan(10);
    for (const c of cases) expect(c.expected !== null || c.error !== null, c.name).toBe(true);
  });

  it.each(cases.filter((c) => c.expected))('$name parses as expected', ({ file, expected }) => {
    expect(parseDump(decodeDump(readFileSync(file), file), file)).toEqual(expected);
  });

  it.each(cases.filter((c) => c.error))('$name is rejected with a reason', ({ file, error }) => {
    let thrown: unknown;
    try {
      parseDump(decodeDump(readFileSync(file), file), file);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ParseError);
    const e = thrown as ParseError;
    expect(e.kind).toBe(error!.kind);
    expect(e.reason).toContain(error!.message);
    // One line that names the file.
    expect(e.toLine()).toBe(`${file}: ${e.reason}`);
    expect(e.toLine()).not.toContain('\n');
  });
});
