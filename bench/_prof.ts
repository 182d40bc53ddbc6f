import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parseDump } from '../dist/parse/parse-dump.js';
import { decodeDump } from '../dist/source/decode-dump.js';
import { generateCorpus } from './corpus.js';
if (!existsSync('/tmp/big.txt'))
  writeFileSync('/tmp/big.txt', generateCorpus({ topics: 1, dumps: 1, items: 20000, seed: 7 }).next().value![2]);
const bytes = readFileSync('/tmp/big.txt');
const t0 = performance.now();
for (let i = 0; i < 20; i++) parseDump(decodeDump(bytes, 'b'), 'b');
console.log('parse ms', (performance.now() - t0) / 20);
const t1 = performance.now();
for (let i = 0; i < 20; i++) {
  const t = decodeDump(bytes, 'b');
  t.split(/\r\n|\r|\n/).map((l) => l.trimEnd());
}
console.log('decode+split+trimEnd ms', (performance.now() - t1) / 20);
