import { UsageError } from '../errors.js';
import { titleKey } from '../identify/item-key.js';
import { compileRules } from '../identify/topic-rules.js';
import { topicIdentity, topicSettings } from '../catalog/topics.js';
import { feedsOutput, publishAll } from '../sinks/outputs.js';
import { openContext } from './context.js';
import { stderr, stdout } from './output.js';

interface TopicArgs {
  positionals: string[];
  config?: string | undefined;
  db?: string | undefined;
  out?: string | undefined;
  json?: boolean | undefined;
  topic?: string | undefined;
}

/**
 * `dumpfeed topics`: every page topic and custom topic with its rule, item count and feed URLs. It
 * only reads the store: a custom topic whose rule changed since its items were selected is marked, and
 * selected anew by the next ingest, watch or `rebuild`.
 */
export async function topicsCommand(args: TopicArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError('topics takes no arguments');
  const ctx = openContext(args.config, { storePath: args.db, feedsDir: args.out }, { readOnly: true });
  try {
    const custom = ctx.store.customTopics;
    const stale = custom.staleSlugs(compileRules(ctx.config));
    const urls = (slug: string) => ({
      atom: `${ctx.config.feeds.baseUrl}feeds/${slug}.atom`,
      rss: `${ctx.config.feeds.baseUrl}feeds/${slug}.rss`,
      json: `${ctx.config.feeds.baseUrl}feeds/${slug}.json`,
    });
    const pages = ctx.store.topics.stats().map((t) => {
      const id = topicIdentity(ctx.config, t);
      return {
        kind: 'page',
        name: id.title,
        page: t.name,
        slug: id.slug,
        rule: null,
        hidden: topicSettings(ctx.config, t).hidden,
        items: t.itemCount,
        feeds: urls(id.slug),
      };
    });
    const customs = ctx.config.customTopics.map((t) => {
      const { name, slug, description: _d, ...rule } = t;
      return {
        kind: 'custom',
        name,
        page: null,
        slug,
        rule,
        hidden: false,
        items: custom.count(slug),
        stale: stale.has(slug),
        feeds: urls(slug),
      };
    });
    const all = [...pages, ...customs];
    if (args.json) {
      stdout.write(`${JSON.stringify({ topics: all }, null, 2)}\n`);
      return 0;
    }
    for (const t of all) {
      const note = 'stale' in t && t.stale ? '; rule changed: items are selected anew by the next ingest, watch or `dumpfeed rebuild`' : '';
      stdout.write(`${t.name}  (${t.kind}${t.hidden ? ', hidden' : ''}, ${t.items} item${t.items === 1 ? '' : 's'}${note})\n`);
      if (t.rule) stdout.write(`  rule: ${describeRule(t.rule)}\n`);
      if (!t.hidden) stdout.write(`  feeds: ${t.feeds.atom}  .rss  .json\n`);
    }
    return 0;
  } finally {
    ctx.store.close();
  }
}

function describeRule(rule: {
  pages: string[];
  include: string[];
  exclude: string[];
  categories: string[];
  from?: string | undefined;
  to?: string | undefined;
}): string {
  const parts = [`pages ${rule.pages.join(', ')}`];
  if (rule.include.length) parts.push(`include ${rule.include.join(' | ')}`);
  if (rule.exclude.length) parts.push(`exclude ${rule.exclude.join(' | ')}`);
  if (rule.categories.length) parts.push(`categories ${rule.categories.join(', ')}`);
  if (rule.from || rule.to) parts.push(`dated ${rule.from ?? '...'} to ${rule.to ?? '...'}`);
  return parts.join('; ');
}

/**
 * `dumpfeed rebuild [--topic T]`: selects a custom topic's items anew from the store (all custom
 * topics without --topic) and rewrites the feeds; no dump is read again and every entry keeps its id.
 */
export async function rebuildCommand(args: TopicArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError('rebuild takes no arguments; name a topic with --topic');
  const ctx = openContext(args.config, { storePath: args.db, feedsDir: args.out });
  try {
    const rules = compileRules(ctx.config);
    const custom = ctx.store.customTopics;
    const wanted = args.topic;
    const chosen =
      wanted === undefined ? rules : rules.filter((r) => r.topic.slug === wanted || titleKey(r.topic.name) === titleKey(wanted));
    const page =
      wanted !== undefined &&
      ctx.store.topics.list().some((t) => topicIdentity(ctx.config, t).slug === wanted || t.key === titleKey(wanted));
    if (wanted !== undefined && chosen.length === 0 && !page) throw new UsageError(`no topic "${wanted}": see dumpfeed topics`);
    for (const rule of chosen) stdout.write(`${rule.topic.name}: ${custom.rebuild(rule, ctx.now())} items\n`);
    // The same output as ingest and watch: feeds, then the WebSub announcement.
    const [report] = await publishAll(ctx, [feedsOutput()], { topics: 'all' });
    stdout.write(`feeds: ${report!.written.length} written, ${report!.unchanged} unchanged in ${ctx.config.feeds.dir}/\n`);
    for (const w of report!.warnings) stderr.write(`warning: WebSub hub: ${w}\n`);
    for (const e of report!.errors) stderr.write(`error: feeds: ${e}\n`);
    return report!.errors.length > 0 ? 1 : 0;
  } finally {
    ctx.store.close();
  }
}
