import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ParsedDump } from '../../src/model.js';
import { parseDump } from '../../src/parse/parse-dump.js';
import { decodeDump } from '../../src/source/decode-dump.js';
import { seedFiles } from '../helpers.js';

const seeds = seedFiles().map((file) => ({
  file,
  name: file.split('/').pop()!,
  bytes: readFileSync(file),
  expected: JSON.parse(readFileSync(file.replace(/\.txt$/, '.expected.json'), 'utf8')) as ParsedDump,
}));

const parse = (bytes: Uint8Array, file = 'x.txt'): ParsedDump => parseDump(decodeDump(bytes, file), file);

describe('the five seed dumps', () => {
  it.each(seeds)('$name parses exactly as its hand-checked fixture', ({ bytes, expected }) => {
    const parsed = parse(bytes);
    expect(parsed.topic).toBe(expected.topic);
    expect(parsed.items).toHaveLength(expected.items.length);
    parsed.items.forEach((item, i) => {
      // Field by field, so a failure names the item and the field.
      for (const field of ['title', 'date', 'summary', 'category', 'credit', 'location'] as const) {
        expect({ item: i + 1, field, value: item[field] }).toEqual({ item: i + 1, field, value: expected.items[i]![field] });
      }
    });
  });

  it.each(seeds)('$name parses the same with CRLF line endings', ({ bytes, expected }) => {
    const crlf = Buffer.from(bytes.toString('utf8').replace(/\n/g, '\r\n'));
    expect(parse(crlf)).toEqual(expected);
  });

  it.each(seeds)('$name parses the same with a UTF-8 byte-order mark and a trailing newline', ({ bytes, expected }) => {
    expect(parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes, Buffer.from('\n')]))).toEqual(expected);
  });

  it.each(seeds)('$name parses the same from UTF-16 LE and BE with a byte-order mark', ({ bytes, expected }) => {
    const text = bytes.toString('utf8');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    expect(parse(le)).toEqual(expected);
    expect(parse(be)).toEqual(expected);
  });

  it('keeps numbering restarts in file order within one topic', () => {
    const seed = seeds.find((s) => s.name.startsWith('003'))!;
    const parsed = parse(seed.bytes);
    expect(parsed.items.map((i) => i.date)).toEqual([...parsed.items.map((i) => i.date)].sort().reverse());
    expect(parsed.items[2]!.title).toBe('Lao hosts 5-country review of safety and health on small construction sites');
  });
});
