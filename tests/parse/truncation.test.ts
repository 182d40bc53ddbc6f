import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import type { ParsedDump } from '../../src/model.js';
import { parseDump } from '../../src/parse/parse-dump.js';
import { decodeDump } from '../../src/source/decode-dump.js';
import { seedFiles } from '../helpers.js';

// A dump cut off mid-write must never yield an item that looks complete but is not. For every cut
// point inside the last two items of each seed, the parser either rejects the dump as truncated, or
// returns items that all match the full dump, the last one possibly missing trailing paragraphs.
describe('dumps cut off at every byte of their last two items', () => {
  it.each(seedFiles().map((f) => ({ name: f.split('/').pop()!, bytes: readFileSync(f) })))('$name', ({ bytes }) => {
    const full = parseDump(decodeDump(bytes, 'full'), 'full');
    const text = bytes.toString('utf8');
    const markers = [...text.matchAll(/^ {0,3}\d+\. /gm)].map((m) => Buffer.byteLength(text.slice(0, m.index)));
    const from = markers[markers.length - 2]!;
    let rejected = 0;
    let accepted = 0;
    for (let cut = from + 1; cut < bytes.length; cut++) {
      let parsed: ParsedDump;
      try {
        parsed = parseDump(decodeDump(bytes.subarray(0, cut), 'cut'), 'cut');
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
        expect((e as ParseError).kind, `cut at ${cut}: ${(e as ParseError).reason}`).toMatch(/^(truncated|format)$/);
        rejected++;
        continue;
      }
      accepted++;
      const n = parsed.items.length;
      expect(parsed.topic).toBe(full.topic);
      expect(parsed.items.slice(0, n - 1), `cut at ${cut}`).toEqual(full.items.slice(0, n - 1));
      const last = parsed.items[n - 1]!;
      const original = full.items[n - 1]!;
      const { summary, ...rest } = last;
      const { summary: fullSummary, ...fullRest } = original;
      expect(rest, `cut at ${cut}: ${JSON.stringify(text.slice(0, cut).slice(-40))}`).toEqual(fullRest);
      if (summary !== null) expect(fullSummary?.startsWith(summary), `cut at ${cut}`).toBe(true);
    }
    expect(rejected).toBeGreaterThan(accepted);
  });
});
