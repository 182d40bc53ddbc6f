import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { SinkError } from '../../errors.js';
import type { StoredTopic } from '../../model.js';
import type { Store } from '../../store/store.js';
import { CustomTopicStore } from '../../store/custom-topic-store.js';
import { allFeedView, customFeedView, topicFeedView, topicIdentity, topicSettings, type FeedView } from './feed-view.js';
import { renderFeed } from './render-feeds.js';
import { FEED_XSL } from './feed-xsl.js';
import { renderOpml } from './render-opml.js';
import { writeFileIfChanged } from './write-file.js';

/** Which feed files a run wrote and which it left alone because their content had not changed. */
export interface FeedWriteReport {
  written: string[];
  unchanged: number;
}

/**
 * Renders the feeds of the given topics (all topics when `topicIds` is omitted), the combined `all`
 * feed and `topics.opml`, and writes each file whose content changed. The output depends only on the
 * store and the config, so the same state always gives byte-identical files.
 */
export async function writeFeeds(store: Store, config: Config, topicIds?: Iterable<number>): Promise<FeedWriteReport> {
  const dir = config.feeds.dir;
  const report: FeedWriteReport = { written: [], unchanged: 0 };
  const topics = store.listTopics();
  const byId = new Map<number, StoredTopic>(topics.map((t) => [t.id, t]));
  const wanted = topicIds ? new Set(topicIds) : null;

  const put = async (name: string, content: string): Promise<void> => {
    const path = join(dir, name);
    try {
      if (await writeFileIfChanged(path, content)) report.written.push(path);
      else report.unchanged++;
    } catch (cause) {
      throw new SinkError(`feeds ${path}`, `cannot write: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
    }
  };
  const putFeed = async (view: FeedView): Promise<void> => {
    const out = renderFeed(view);
    await put(`${view.slug}.atom`, out.atom);
    await put(`${view.slug}.rss`, out.rss);
    await put(`${view.slug}.json`, out.json);
  };

  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new SinkError(`feeds ${dir}`, `cannot create folder: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
  }
  // A hidden page has no feeds of its own; its items still reach "all" and custom topics.
  const shown = topics.filter((t) => !topicSettings(config, t).hidden);
  for (const topic of shown) {
    if (!wanted || wanted.has(topic.id)) await putFeed(topicFeedView(config, topic, store.feedItems(topic.id, config.feeds.length)));
  }
  // Custom topics are few and cheap to render: all of them, every time; unchanged files stay as they are.
  const custom = new CustomTopicStore(store);
  for (const topic of config.customTopics) await putFeed(customFeedView(config, topic, byId, custom.items(topic.slug, config.feeds.length)));
  if (topics.length > 0) {
    await putFeed(allFeedView(config, byId, store.feedItems(null, config.feeds.length)));
    await put('feed.xsl', FEED_XSL);
    const entries = shown.map((t) => {
      const { title, homeUrl, feedUrlBase } = topicIdentity(config, t);
      return { title, xmlUrl: `${feedUrlBase}.atom`, htmlUrl: homeUrl };
    });
    for (const t of config.customTopics) {
      entries.push({ title: t.name, xmlUrl: `${config.feeds.baseUrl}feeds/${t.slug}.atom`, htmlUrl: `${config.feeds.baseUrl}topics/${t.slug}` });
    }
    await put('topics.opml', renderOpml(config.feeds.title, entries));
  }
  return report;
}
