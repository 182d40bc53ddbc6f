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
  const floor = time(() => bytes.toString('utf8').split(/\r\n|\r|\n/).length);
  const parse = time(() => parseDump(decodeDump(bytes, 'bench'), 'bench').items.length);
  report(`parse: ${mb.toFixed(1)} MB dump, ${items} items`, mb / (parse / 1000), 'MB/s', '>= 100 MB/s');
  report('parse: floor (decode + split into lines)', mb / (floor / 1000), 'MB/s', 'the same bytes');
  report('parse: time relative to the floor', parse / floor, 'x', 'lower is better');
}
