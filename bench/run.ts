import { parseArgs } from 'node:util';
import { benchWatchLatency } from './watch-latency.js';

/** `npm run bench [-- --quick]`: prints one figure per line with what it is compared with. */
const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' } } });
const quick = values.quick === true;
const only = values.only;

process.stdout.write(`dumpfeed benchmarks on node ${process.version}, ${process.platform}/${process.arch}${quick ? ' (quick)' : ''}\n`);
if (!only || only === 'watch') await benchWatchLatency(quick ? 10 : 200);
