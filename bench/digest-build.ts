import Database from 'better-sqlite3';
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
 * schedules: a few dozen different digests, as readers of a few pages get); each digest is selected,
 * rendered, composed as MIME and recorded. Sending is not timed. The reference, in the same run: the
 * same digests planned one reader at a time (`reference` readers), so that none shares another's
 * rendering or encoding and each is its own transaction, as every digest was when issue 15 was filed.
 */
export async function benchDigestBuild(subscribers: number, reference: number): Promise<void> {
  const all = await round(subscribers, false);
  report(`digests: build for ${subscribers.toLocaleString('en')} subscribers`, all.ms, 'ms', `${all.built} digests recorded`);
  report(
    'digests: per digest',
    all.ms / Math.max(1, all.built),
    'ms',
    `select + render + MIME + record; ${all.pieces} shared pieces, ${all.mb.toFixed(1)} MB stored`,
  );
  const alone = await round(reference, true);
  const each = alone.ms / Math.max(1, alone.built);
  report(`digests: per digest, one reader at a time (${reference})`, each, 'ms', 'nothing shared, a transaction each');
  report('digests: one at a time / whole round, per digest', each / (all.ms / Math.max(1, all.built)), 'x', 'target >= 3x faster');
}

async function round(subscribers: number, oneAtATime: boolean): Promise<{ ms: number; built: number; pieces: number; mb: number }> {
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
    const at = new Date('2026-01-01T08:00:00Z');
    const t0 = performance.now();
    let built = 0;
    if (oneAtATime) {
      for (const sub of config.subscribers) built += (await planDigests(ctx, at, false, () => false, [sub])).filter((p) => p.digest).length;
    } else built = (await planDigests(ctx, at)).filter((p) => p.digest).length;
    const ms = performance.now() - t0;
    ctx.store.close();
    const db = new Database(config.store.path, { readonly: true });
    const pieces = (db.prepare('SELECT COUNT(*) AS n FROM digest_pieces').get() as { n: number }).n;
    const bytes = db
      .prepare('SELECT (SELECT SUM(length(raw)) FROM digests) + (SELECT COALESCE(SUM(length(bytes)), 0) FROM digest_pieces)')
      .pluck()
      .get() as number;
    db.close();
    return { ms, built, pieces, mb: bytes / 1e6 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
