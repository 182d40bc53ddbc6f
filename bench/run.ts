import { parseArgs } from 'node:util';
import { benchBatchIngest, benchBatchIngestProcess, benchFeedWrite, benchGrowth } from './ingest.js';
import { benchDigestBuild } from './digest-build.js';
import { benchParse } from './parse-throughput.js';
import { benchStartup } from './startup.js';
import { benchHttp, benchHttpOn } from './http.js';
import { benchWatchLatency } from './watch-latency.js';
import { benchWatchRss } from './watch-rss.js';
import { benchSoak } from './soak.js';

/**
 * `npm run bench [-- --quick] [-- --only NAME]`: prints one figure per line with what it is compared
 * with. NAME: startup, parse, ingest, http, growth (with the daemon's peak memory, and the web server on the large store when http is asked for too), feeds, watch, digest. --quick runs small sizes (for the smoke test).
 * `--only soak [--minutes N]` runs the daemon under drops, HTTP readers and digests for N minutes (default 15); it runs only when named.
 */
const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, minutes: { type: 'string' } } });
const quick = values.quick === true;
const want = (name: string): boolean => !values.only || values.only.split(',').includes(name);

process.stdout.write(`dumpfeed benchmarks on node ${process.version}, ${process.platform}/${process.arch}${quick ? ' (quick)' : ''}\n`);
if (want('startup')) benchStartup(quick ? 3 : 21);
if (want('parse')) benchParse(quick ? 500 : 20_000, quick ? 5 : 41);
if (want('ingest')) await benchBatchIngest(quick ? 2 : 20, quick ? 10 : 500, 50);
if (want('ingest')) benchBatchIngestProcess(quick ? 2 : 20, quick ? 5 : 100, 50, quick ? 1 : 7);
// The large growth store is then used for the daemon's peak memory and, with http, the web server at that size.
const large = quick ? 5_000 : 1_000_000;
const httpSeconds = quick ? 1 : 10;
if (want('growth'))
  await benchGrowth(1_000, large, quick ? 3 : 15, async (dir) => {
    await benchWatchRss(dir, large, quick ? 5 : 50);
    if (want('http')) await benchHttpOn(dir, large, httpSeconds);
  });
if (want('feeds')) await benchFeedWrite();
if (want('watch')) await benchWatchLatency(quick ? 10 : 200);
if (want('http')) await benchHttp(quick ? 2_000 : 100_000, httpSeconds);
if (want('digest')) await benchDigestBuild(quick ? 200 : 10_000, quick ? 50 : 2_000);
if (values.only?.split(',').includes('soak')) {
  await benchSoak({
    minutes: Number(values.minutes ?? (quick ? 0.5 : 15)),
    dropsPerSecond: 4,
    pages: 30,
    subscribers: quick ? 20 : 200,
    readers: quick ? 4 : 20,
    idleSeconds: quick ? 5 : 60,
  });
}
