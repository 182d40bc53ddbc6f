import { parseArgs } from 'node:util';
import { writeCorpus } from './corpus.js';

/** `npm run bench:corpus -- --topics K --dumps N --items M --seed S [--out DIR]` */
const { values } = parseArgs({
  options: {
    topics: { type: 'string', default: '5' },
    dumps: { type: 'string', default: '20' },
    items: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'corpus' },
  },
});
const paths = writeCorpus(values.out, {
  topics: Number(values.topics),
  dumps: Number(values.dumps),
  items: Number(values.items),
  seed: Number(values.seed),
});
process.stdout.write(`wrote ${paths.length} dumps to ${values.out}/\n`);
