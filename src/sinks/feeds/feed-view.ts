import { topicIdentity, topicSettings } from '../../catalog/topics.js';
import type { Config, CustomTopic, TopicSettings } from '../../config/schema.js';
import type { StoredItem, StoredTopic } from '../../model.js';

/** One entry as every feed format shows it: clean text, absolute URLs, real dates. */
export interface EntryView {
  id: string;
  title: string;
  link: string;
  published: Date;
  updated: Date;
  summary: string | null;
  /** Categories: the item's label, and in feeds that mix pages its page's name. */
  categories: string[];
  /** The item's own category label, or null. */
  label: string | null;
  credit: string | null;
  location: string | null;
  date: string | null;
  /** The last day of a date range (events), or null. */
  endDate: string | null;
}

/** One feed (a topic, or the combined `all` feed) ready to render. */
export interface FeedView {
  id: string;
  slug: string;
  title: string;
  description: string;
  /** The human page this feed stands for (topic source page, or the served topic page). */
  homeUrl: string;
  /** Base of the feed's own URLs: append `.atom`, `.rss`, `.json`. */
  feedUrlBase: string;
  /** Query string of a filtered feed (`?filter=...`), kept in its self links. */
  query?: string;
  /** RFC 5005 links of the Atom document: `prev-archive`, `next-archive`, `current`. */
  archiveLinks?: { rel: string; href: string }[];
  /** An archive document (RFC 5005 `fh:archive`): its entries never change. */
  archive?: boolean;
  /** WebSub hub to link to (`rel="hub"`). */
  hub?: string | null;
  author: string;
  language: string;
  /** Newest entry update: the feed's `updated`, derived from the data, never from the clock. */
  updated: Date;
  entries: EntryView[];
}

/** Builds the view of one topic's feed from its newest stored items. */
export function topicFeedView(config: Config, topic: StoredTopic, items: StoredItem[], whenEmpty?: Date): FeedView {
  const settings = topicSettings(config, topic);
  const entries = items.map((item) => entryView(config, item, settings, null));
  return {
    ...topicIdentity(config, topic),
    id: `tag:${config.ids.tagAuthority},${config.ids.tagDate}:${topic.slug}`,
    description: settings.description ?? `New items on the page "${topic.name}"`,
    author: config.feeds.title,
    language: config.feeds.language,
    hub: config.feeds.hub,
    updated: latestUpdate(entries, whenEmpty),
    entries,
  };
}

/** Builds the view of a custom topic's feed; each entry also names its page as a category. */
export function customFeedView(
  config: Config,
  topic: CustomTopic,
  pages: Map<number, StoredTopic>,
  items: StoredItem[],
  whenEmpty?: Date,
): FeedView {
  const base = config.feeds.baseUrl;
  const feedId = `tag:${config.ids.tagAuthority},${config.ids.tagDate}:topic/${topic.slug}`;
  // Entry ids of their own (`…:topic/<slug>/<key>`): custom topics overlap their pages and each other,
  // and readers that keep one id in one feed (newsboat and others) would hide an item in all but one.
  const entries = entriesNamingPage(config, pages, items).map((e, i) => ({ ...e, id: `${feedId}/${items[i]!.key}` }));
  return {
    id: feedId,
    slug: topic.slug,
    title: topic.name,
    description: topic.description ?? `Items about "${topic.name}" from every page`,
    homeUrl: `${base}topics/${topic.slug}`,
    feedUrlBase: `${base}feeds/${topic.slug}`,
    author: config.feeds.title,
    language: config.feeds.language,
    hub: config.feeds.hub,
    updated: latestUpdate(entries, whenEmpty),
    entries,
  };
}

/** Builds the view of the combined feed of every topic; each entry is also tagged with its topic. */
export function allFeedView(config: Config, topics: Map<number, StoredTopic>, items: StoredItem[], whenEmpty?: Date): FeedView {
  const base = config.feeds.baseUrl;
  const entries = entriesNamingPage(config, topics, items);
  return {
    id: `tag:${config.ids.tagAuthority},${config.ids.tagDate}:all`,
    slug: 'all',
    title: config.feeds.title,
    description: 'New items on every page',
    homeUrl: base,
    feedUrlBase: `${base}feeds/all`,
    author: config.feeds.title,
    language: config.feeds.language,
    hub: config.feeds.hub,
    updated: latestUpdate(entries, whenEmpty),
    entries,
  };
}

/**
 * The link of an item in feeds and digests. Without a per-item URL on the source page: the source page
 * with a fragment that keeps links unique, or else dumpfeed's own item page.
 */
export function itemLink(config: Config, settings: TopicSettings, key: string): string {
  return settings.sourceUrl ? `${settings.sourceUrl.replace(/#.*$/, '')}#item-${key}` : `${config.feeds.baseUrl}items/${key}`;
}

// Entries of a feed that mixes pages: each also names its page as a category.
function entriesNamingPage(config: Config, pages: Map<number, StoredTopic>, items: StoredItem[]): EntryView[] {
  return items.map((item) => {
    const page = pages.get(item.topicId)!;
    const settings = topicSettings(config, page);
    return entryView(config, item, settings, settings.title ?? page.name);
  });
}

function entryView(config: Config, item: StoredItem, settings: TopicSettings, topicName: string | null): EntryView {
  // A dump carries no time of day: a dated item is published at midnight UTC of its date; an
  // undated one when it was first seen. An edit moves `updated` to when the edited dump was written.
  const published = new Date(item.date ? `${item.date}T00:00:00Z` : item.firstSeenAt);
  const edited = new Date(item.updatedAt);
  const updated = item.version > 1 && edited > published ? edited : published;
  const categories = [item.category, topicName].filter((c): c is string => c !== null);
  return {
    id: item.guid,
    title: item.title,
    link: itemLink(config, settings, item.key),
    published,
    updated,
    summary: item.summary,
    categories,
    label: item.category,
    credit: item.credit,
    location: item.location,
    date: item.date,
    endDate: item.endDate,
  };
}

// An empty feed (a custom topic nothing matches yet, a filter that keeps nothing) is as new as the
// newest dump the store holds (`whenEmpty`), never the clock, so it is the same for the same store.
function latestUpdate(entries: EntryView[], whenEmpty = new Date(0)): Date {
  if (entries.length === 0) return whenEmpty;
  return entries.reduce((latest, e) => (e.updated > latest ? e.updated : latest), new Date(0));
}
