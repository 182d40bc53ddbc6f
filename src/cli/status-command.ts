import { loadConfig } from '../config/load-config.js';
import { topicIdentity } from '../catalog/topics.js';
import { daemonStatus } from '../store/instance-lock.js';
import { printable } from '../source/dump-files.js';
import { Store } from '../store/store.js';
import { stdout } from './output.js';

/** `dumpfeed status`: topics with item counts and last dump time, and rejected dumps with reasons. */
export async function statusCommand(args: {
  config?: string | undefined;
  db?: string | undefined;
  json?: boolean | undefined;
}): Promise<number> {
  const { config } = loadConfig(args.config, { storePath: args.db });
  const store = Store.open(config.store.path, config.store.busyTimeoutMs, { readOnly: true });
  try {
    const topics = store.topics.stats().map((t) => ({
      topic: t.name,
      slug: topicIdentity(config, t).slug,
      items: t.itemCount,
      dumps: t.dumpCount,
      lastDumpAt: t.lastDumpAt,
    }));
    const rejected = store.dumps.rejected();
    const warned = store.dumps.withWarnings();
    const counts = store.counts();
    const daemon = daemonStatus(store);
    const digests = store.digests.summary();
    if (args.json) {
      stdout.write(
        `${JSON.stringify({ store: config.store.path, counts, daemon, digests, topics, rejected, warnings: warned }, null, 2)}\n`,
      );
      return 0;
    }
    const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
    const out: string[] = [
      `store: ${config.store.path} (${n(counts.items, 'item')} in ${n(counts.topics, 'topic')}, ${n(counts.dumps, 'dump')}, ${counts.rejected} rejected)`,
    ];
    out.push(
      daemon.running
        ? `daemon: running (pid ${daemon.pid}, since ${daemon.startedAt}), ${n(daemon.queue, 'dump')} queued, last dump ${daemon.lastDumpAt ?? '-'}`
        : 'daemon: not running',
    );
    if (daemon.lastError) out.push(`last error: ${daemon.lastErrorAt}  ${daemon.lastError}`);
    if (config.subscribers.length > 0 || digests.sent + digests.queued + digests.failed > 0) {
      out.push(`digests: ${digests.sent} sent, ${digests.queued} queued, ${digests.failed} failed`);
      for (const r of digests.retrying) out.push(`  retrying ${r.address} (attempt ${r.attempts + 1} after ${r.next}): ${r.error}`);
      for (const f of digests.failures) out.push(`  ${f.address}: ${f.error} (${f.at})`);
    }
    if (topics.length === 0) out.push('no topics yet: run `dumpfeed ingest PATH`');
    else {
      out.push('', 'topics:');
      const width = Math.max(...topics.map((t) => t.topic.length));
      for (const t of topics) {
        out.push(
          `  ${t.topic.padEnd(width)}  ${String(t.items).padStart(6)} items  ${String(t.dumps).padStart(5)} dumps  last ${t.lastDumpAt ?? '-'}  feeds/${t.slug}.*`,
        );
      }
    }
    if (warned.length > 0) {
      out.push('', 'dumps stored with warnings:');
      for (const w of warned) for (const line of w.warnings) out.push(`  ${w.processedAt}  ${printable(w.file)}: warning: ${line}`);
    }
    if (rejected.length > 0) {
      out.push('', 'rejected dumps:');
      for (const r of rejected) out.push(`  ${r.processedAt}  ${printable(r.file)}: ${r.error}`);
    }
    stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    store.close();
  }
}
