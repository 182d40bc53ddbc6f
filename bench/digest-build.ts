import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../dist/config/load-config.js';
import { ingestPaths } from '../dist/pipeline.js';
import { planDigests } from '../dist/sinks/mail/digests.js';
import { Store } from '../dist/store/store.js';
import { writeCorpus } from './corpus.js';
import { report } from './report.js';

/**
 * Digest build: every one of `subscribers` subscribers is due with news (a mix of pages, filters and
 * schedules); each digest is selected, rendered, composed as MIME and recorded. Sending is not timed.
 */
export async function benchDigestBuild(subscribers: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-bench-'));
  try {
    const topics = ['Press releases', 'News and events', 'Impact and people', 'News and articles', 'Resources'];
    const subs = Array.from({ length: subscribers }, (_, i) => ({
      address: `reader${i}@example.org`,
      topics: i % 3 === 0 ? ['*'] : [topics[i % topics.length]!, topics[(i + 2) % topics.length]!],
      include: i % 10 === 0 ? ['ILO', 'workers'] : [],
      schedule: i % 2 === 0 ? 'immediate' : 'daily 08:00',
      backfill: false,
    }));
    const config = parseConfig({ store: { path: join(dir, 'state.db') }, feeds: { dir: join(dir, 'feeds') }, subscribers: subs }, 'bench');
    const ctx = { store: Store.open(config.store.path), config, now: () => new Date('2026-01-01T00:00:00Z') };
    const corpus = join(dir, 'corpus');
    const paths = writeCorpus(corpus, { topics: 5, dumps: 4, items: 50, seed: 11 });
    // Subscribe everyone after the first round of dumps, then let three rounds of news arrive.
    await ingestPaths(ctx, paths.slice(0, 5));
    await planDigests(ctx, new Date('2026-01-01T07:00:00Z'));
    await ingestPaths(ctx, paths.slice(5));
    const t0 = performance.now();
    const plans = await planDigests(ctx, new Date('2026-01-01T08:00:00Z'));
    const ms = performance.now() - t0;
    const built = plans.filter((p) => p.digest).length;
    report(`digests: build for ${subscribers.toLocaleString('en')} subscribers`, ms, 'ms', `${built} digests recorded`);
    report('digests: per digest', ms / Math.max(1, built), 'ms', 'select + render + MIME + record');
    ctx.store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
