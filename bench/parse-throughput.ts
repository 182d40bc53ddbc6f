import { performance } from 'node:perf_hooks';
import { parseDump } from '../dist/parse/parse-dump.js';
import { decodeDump } from '../dist/source/decode-dump.js';
import { generateCorpus } from './corpus.js';
import { percentile, report } from './report.js';

/** Parse throughput on one large dump, against the floor of decoding it and splitting it into lines. */
export function benchParse(items: number, rounds: number): void {
  const [, , text] = generateCorpus({ topics: 1, dumps: 1, items, seed: 7 }).next().value!;
  const bytes = Buffer.from(text);
  const mb = bytes.length / (1024 * 1024);
  // The median of many rounds: single timings on a shared 2-core machine vary by 10% and more.
  const time = (fn: () => unknown): number => {
    fn(); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      fn();
      samples.push(performance.now() - t0);
    }
    return percentile(samples, 50);
  };
  // The floor: splitting the same decoded text into lines, the least any line-based parser does.
  const decoded = decodeDump(bytes, 'bench');
  const floor = time(() => decoded.split('\n').length);
  const parse = time(() => parseDump(decoded, 'bench').items.length);
  const decode = time(() => decodeDump(bytes, 'bench').length);
  report(`parse: ${mb.toFixed(1)} MB dump, ${items} items`, mb / (parse / 1000), 'MB/s', '>= 100 MB/s');
  report("parse: floor (split('\\n') of the decoded text)", mb / (floor / 1000), 'MB/s', 'the same text');
  report('parse: time relative to the floor', parse / floor, 'x', 'target <= 1.5');
  report('parse: decoding the bytes (strict UTF-8), apart', mb / (decode / 1000), 'MB/s', 'the same bytes');
}
