import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import type { ParsedDump, ParsedItem } from '../../src/model.js';
import { parseDumpBytes } from '../../src/parse/parse-dump.js';
import { FIXTURES, seedFiles } from '../helpers.js';

// A dump has no end marker (FORMAT.md "Is a dump complete?"). These properties hold for every fixture
// that parses: a file cut between two items is a shorter page, and a cut inside the last item costs
// at most that item, never the others.
const fixtures = [
  ...seedFiles(),
  ...readdirSync(join(FIXTURES, 'parse'))
    .filter((f) => f.endsWith('.txt') && !f.startsWith('cut-'))
    .map((f) => join(FIXTURES, 'parse', f)),
]
  .map((file) => ({ name: file.split('/').pop()!, bytes: readFileSync(file) }))
  .filter(({ bytes }) => {
    try {
      parseDumpBytes(bytes, 'full');
      return true;
    } catch {
      return false; // the fixtures of rejected dumps
    }
  });

/** Byte offsets where each item's marker line starts. */
function itemStarts(bytes: Buffer): number[] {
  const text = bytes.toString('utf8');
  return [...text.matchAll(/^ {0,3}\d+\./gmu)].map((m) => Buffer.byteLength(text.slice(0, m.index)));
}

/** Byte offset just after the last item's marker (`  10.`): from there on, the cut file shows that item. */
function lastMarkerEnd(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  const m = [...text.matchAll(/^ {0,3}\d+\./gmu)].pop()!;
  return Buffer.byteLength(text.slice(0, m.index)) + m[0].length;
}

function parseOrNull(bytes: Buffer): ParsedDump | ParseError {
  try {
    return parseDumpBytes(bytes, 'cut');
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
}

/** True when `part` is `whole` cut short: equal, empty, or its beginning. */
function isStart(part: string | null, whole: string | null): boolean {
  return part === null || part === whole || (whole !== null && whole.startsWith(part));
}

describe('dumps without an end marker', () => {
  it('covers the seeds and the shape fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
  });

  it.each(fixtures)('$name: no trailing newline is the normal state; one more changes no item', ({ bytes }) => {
    const full = parseDumpBytes(bytes, 'full');
    for (const variant of [Buffer.concat([bytes, Buffer.from('\n')]), Buffer.concat([bytes, Buffer.from('\n\n\n')])]) {
      const parsed = parseDumpBytes(variant, 'variant');
      expect(parsed.topic).toBe(full.topic);
      expect(parsed.items).toEqual(full.items);
      // A finished last line leaves nothing in doubt.
      expect(parsed.warnings.filter((w) => /may be cut|held back/.test(w))).toEqual([]);
    }
  });

  it.each(fixtures)('$name: cut at every item boundary, the items before the cut, exactly', ({ bytes }) => {
    const full = parseDumpBytes(bytes, 'full');
    const starts = itemStarts(bytes);
    // Items from the second on: cutting before the first leaves no item at all.
    for (let k = 1; k < starts.length; k++) {
      const parsed = parseOrNull(bytes.subarray(0, starts[k]));
      // Numbered page chrome before the heading (a contact box) is no item: cut after it, there is none.
      if (parsed instanceof ParseError && parsed.kind === 'no-items') continue;
      expect(parsed, `cut before item ${k + 1}`).not.toBeInstanceOf(ParseError);
      const dump = parsed as ParsedDump;
      expect(dump.topic).toBe(full.topic);
      // Page order: the full dump's items that the cut file still holds (a restart can repeat one).
      expect(dump.items, `cut before item ${k + 1}`).toEqual(full.items.slice(0, dump.items.length));
      expect(
        dump.warnings.filter((w) => /held back|may be cut/.test(w)),
        `cut before item ${k + 1}`,
      ).toEqual([]);
    }
  });

  it.each(fixtures)('$name: cut at every byte of the last item, the others kept, the last kept whole or held back', ({ bytes }) => {
    const full = parseDumpBytes(bytes, 'full');
    const starts = itemStarts(bytes);
    const from = starts[starts.length - 1]!;
    const markerEnd = lastMarkerEnd(bytes);
    // The items before the last one's marker (the boundary test shows they are the full dump's).
    const head = starts.length > 1 ? parseOrNull(bytes.subarray(0, from)) : null;
    const before = head === null || head instanceof ParseError ? [] : head.items;
    const original = full.items[full.items.length - 1]!;
    // A last item that repeats an earlier one (restarted numbering) adds nothing, cut or whole.
    const repeat = full.items.length === before.length;
    let held = 0;
    let kept = 0;
    for (let cut = from + 1; cut < bytes.length; cut++) {
      const parsed = parseOrNull(bytes.subarray(0, cut));
      const where = `cut at ${cut}: …${JSON.stringify(bytes.subarray(Math.max(from, cut - 40), cut).toString())}`;
      if (parsed instanceof ParseError) {
        // Only a page whose one item is held back (or not yet begun) has nothing to keep.
        expect(before, where).toEqual([]);
        expect(parsed.kind, where).toBe(cut >= markerEnd ? 'truncated' : 'no-items');
        held++;
        continue;
      }
      expect(parsed.topic, where).toBe(full.topic);
      if (parsed.items.length === before.length) {
        expect(parsed.items, where).toEqual(before);
        if (repeat) {
          held++;
          continue;
        }
        // Before its marker is whole, the cut file is a shorter page; after, the item is held back, visibly.
        expect(
          parsed.warnings.some((w) => w.includes('held back')),
          where,
        ).toBe(cut >= markerEnd);
        held++;
        continue;
      }
      expect(parsed.items.slice(0, -1), where).toEqual(before);
      const last: ParsedItem = parsed.items[parsed.items.length - 1]!;
      // Title, date, label and credit whole; what may be cut (place, summary, a range's end) is a beginning.
      expect({ title: last.title, date: last.date, category: last.category, credit: last.credit }, where).toEqual({
        title: original.title,
        date: original.date,
        category: original.category,
        credit: original.credit,
      });
      expect(isStart(last.location, original.location), where).toBe(true);
      expect(isStart(last.summary, original.summary), where).toBe(true);
      expect(last.endDate === null || last.endDate === original.endDate, where).toBe(true);
      kept++;
    }
    expect(held + kept).toBe(bytes.length - from - 1);
  });

  it('keeps what comes before a character cut at the very end, and says the end is cut', () => {
    const text = 'Impact and people\n\n  1. First\n\n    08 April 2022\n\n  2. Second\n\n    01 April 2022\n\n    Myanmar’s jade';
    const bytes = Buffer.from(text, 'utf8');
    // The last character is the ’ (3 bytes) or follows it: cut inside the ’.
    const cut = bytes.subarray(0, Buffer.byteLength(text.slice(0, text.indexOf('’'))) + 2);
    const dump = parseDumpBytes(cut, 'cut');
    expect(dump.items.map((i) => i.title)).toEqual(['First', 'Second']);
    expect(dump.items[1]!.summary).toBe('Myanmar');
    expect(dump.warnings).toEqual([expect.stringMatching(/item 2 \(the last\) may be cut in its summary/)]);
  });

  it('holds back a last item whose title a character cut may have shortened', () => {
    const text = 'News\n\n  1. First\n\n    08 April 2022\n\n  2. Press release\n\n    Myanmar’s';
    const bytes = Buffer.from(text, 'utf8');
    const dump = parseDumpBytes(bytes.subarray(0, bytes.length - 3), 'cut');
    expect(dump.items.map((i) => i.title)).toEqual(['First']);
    expect(dump.warnings).toEqual([expect.stringContaining('item 2 (the last) held back')]);
  });
});
