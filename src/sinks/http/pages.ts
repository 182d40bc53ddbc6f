import type { Config } from '../../config/schema.js';
import type { ParsedItem, StoredItem, StoredTopic } from '../../model.js';
import type { TopicStats } from '../../store/store.js';
import { itemLink } from '../feeds/feed-view.js';
import { topicIdentity, topicSettings } from '../../catalog/topics.js';
import { displayDate, escapeHtml as h, paragraphsHtml } from '../feeds/html.js';

/**
 * Server-rendered pages: the index of topics, one topic's latest items, one item. Plain HTML with
 * inline CSS, no JavaScript, every text from a dump escaped.
 */

const CSS = `
  :root { color-scheme: light dark; }
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 48rem; margin: 0 auto; padding: 1rem; line-height: 1.55; }
  a { color: #1e2dbe; } @media (prefers-color-scheme: dark) { a { color: #9db0ff; } }
  .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; }
  header { border-bottom: 1px solid #8884; margin-bottom: 1rem; } nav a { margin-right: 1rem; }
  .meta { color: #666; font-size: .9rem; margin: 0; } @media (prefers-color-scheme: dark) { .meta { color: #aaa; } }
  .feeds a { margin-right: .75rem; font-size: .9rem; }
  section.topic, article { border-bottom: 1px solid #8883; padding-bottom: 1rem; margin-bottom: 1rem; }
  h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-bottom: .25rem; } h3 { font-size: 1rem; margin: .5rem 0 0; }
`;

function layout(config: Config, title: string, body: string, alternates: string[] = []): string {
  return `<!DOCTYPE html>
<html lang="${h(config.feeds.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
${alternates.join('\n')}
<style>${CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="Site"><a href="${h(config.feeds.baseUrl)}">${h(config.feeds.title)}</a><a href="${h(config.feeds.baseUrl)}feeds/topics.opml">All feeds (OPML)</a></nav></header>
<main id="main">
${body}
</main>
</body>
</html>
`;
}

function alternateLinks(title: string, feedUrlBase: string): string[] {
  return [
    `<link rel="alternate" type="application/atom+xml" title="${h(title)} (Atom)" href="${h(feedUrlBase)}.atom">`,
    `<link rel="alternate" type="application/rss+xml" title="${h(title)} (RSS)" href="${h(feedUrlBase)}.rss">`,
    `<link rel="alternate" type="application/feed+json" title="${h(title)} (JSON Feed)" href="${h(feedUrlBase)}.json">`,
  ];
}

function feedLinks(feedUrlBase: string): string {
  return `<p class="feeds">Subscribe: <a href="${h(feedUrlBase)}.atom">Atom</a><a href="${h(feedUrlBase)}.rss">RSS</a><a href="${h(feedUrlBase)}.json">JSON Feed</a></p>`;
}

function metaLine(item: ParsedItem): string {
  return [displayDate(item.date, item.endDate), item.location, item.category]
    .filter((s) => s)
    .map((s) => h(s!))
    .join(' · ');
}

/** A custom topic as the index lists it. */
export interface CustomTopicEntry {
  name: string;
  slug: string;
  description: string | undefined;
  count: number;
}

/** The home page: every topic with its item count, last update, latest titles and feeds; then the custom topics. */
export function indexPage(config: Config, topics: { stats: TopicStats; latest: StoredItem[] }[], custom: CustomTopicEntry[] = []): string {
  const all = `${config.feeds.baseUrl}feeds/all`;
  const sections = topics.map(({ stats, latest }) => {
    const id = topicIdentity(config, stats);
    const items = latest
      .map(
        (i) =>
          `<li><a href="${h(itemLink(config, topicSettings(config, stats), i.key))}">${h(i.title)}</a> <span class="meta">${h(displayDate(i.date, i.endDate))}</span></li>`,
      )
      .join('\n');
    return `<section class="topic" aria-labelledby="t-${h(id.slug)}">
<h2 id="t-${h(id.slug)}"><a href="${h(config.feeds.baseUrl)}topics/${h(id.slug)}">${h(id.title)}</a></h2>
<p class="meta">${stats.itemCount} item${stats.itemCount === 1 ? '' : 's'} · last updated ${h(stats.lastDumpAt ? stats.lastDumpAt.slice(0, 16).replace('T', ' ') + ' UTC' : 'never')}</p>
<ul>
${items}
</ul>
${feedLinks(id.feedUrlBase)}
</section>`;
  });
  const customSection =
    custom.length === 0
      ? ''
      : `<h2 id="custom">Custom topics</h2>
<p>Topics made of the items of several pages, by a rule. All of them at once: <a href="${h(config.feeds.baseUrl)}feeds/custom-topics.opml">OPML</a>.</p>
${custom
  .map(
    (t) => `<section class="topic" aria-labelledby="c-${h(t.slug)}">
<h3 id="c-${h(t.slug)}"><a href="${h(config.feeds.baseUrl)}topics/${h(t.slug)}">${h(t.name)}</a></h3>
${t.description ? `<p>${h(t.description)}</p>\n` : ''}<p class="meta">${t.count} item${t.count === 1 ? '' : 's'}</p>
${feedLinks(`${config.feeds.baseUrl}feeds/${t.slug}`)}
</section>`,
  )
  .join('\n')}`;
  const body = `<h1>${h(config.feeds.title)}</h1>
<p>Feeds of ${topics.length} page${topics.length === 1 ? '' : 's'}${custom.length ? ` and <a href="#custom">${custom.length} custom topic${custom.length === 1 ? '' : 's'}</a>` : ''}. Everything in one feed: <a href="${h(all)}.atom">Atom</a>, <a href="${h(all)}.rss">RSS</a>, <a href="${h(all)}.json">JSON Feed</a>; every page at once: <a href="${h(config.feeds.baseUrl)}feeds/topics.opml">OPML</a>.</p>
${sections.join('\n') || '<p>No pages yet.</p>'}
${customSection}`;
  const alternates = [
    ...alternateLinks(config.feeds.title, all),
    ...topics.flatMap(({ stats }) =>
      alternateLinks(topicIdentity(config, stats).title, topicIdentity(config, stats).feedUrlBase).slice(0, 1),
    ),
  ];
  return layout(config, config.feeds.title, body, alternates);
}

/** What a topic page shows of its topic (a page or a custom topic). */
export interface TopicShown {
  title: string;
  feedUrlBase: string;
  sourceUrl?: string | undefined;
  description?: string | undefined;
}

/** Where a topic page is in its topic's list: page `page` (from 1) of `pages`, each linked by `url`. */
export interface Paging {
  page: number;
  pages: number;
  total: number;
  url: (page: number) => string;
}

/**
 * One topic (a page or a custom topic): a page of its items, newest first, readable, with links to its
 * feeds and to the next and previous pages. On a custom topic each item names the page it came from
 * (`from`, by item).
 */
export function topicPage(
  config: Config,
  topic: TopicShown,
  items: StoredItem[],
  paging: Paging,
  from?: (item: StoredItem) => { title: string; url: string } | undefined,
): string {
  const articles = items.map((i) => {
    const origin = from?.(i);
    return `<article>
<h2><a href="${h(config.feeds.baseUrl)}items/${h(i.key)}">${h(i.title)}</a></h2>
<p class="meta">${metaLine(i)}</p>
${origin ? `<p class="meta">From <a href="${h(origin.url)}">${h(origin.title)}</a></p>\n` : ''}${paragraphsHtml(i.summary).join('\n')}
</article>`;
  });
  const source = topic.sourceUrl ? `<p>Source page: <a href="${h(topic.sourceUrl)}">${h(topic.sourceUrl)}</a></p>` : '';
  const description = topic.description ? `<p>${h(topic.description)}</p>` : '';
  const nav =
    paging.pages <= 1
      ? ''
      : `<nav class="pages" aria-label="Pages"><p>${[
          paging.page > 1 ? `<a rel="prev" href="${h(paging.url(paging.page - 1))}">Newer items</a>` : '',
          `Page ${paging.page} of ${paging.pages} (${paging.total} items)`,
          paging.page < paging.pages ? `<a rel="next" href="${h(paging.url(paging.page + 1))}">Older items</a>` : '',
        ]
          .filter(Boolean)
          .join(' · ')}</p></nav>`;
  const body = `<h1>${h(topic.title)}</h1>
${description}
${feedLinks(topic.feedUrlBase)}
${source}
${articles.join('\n') || '<p>No items.</p>'}
${nav}`;
  return layout(
    config,
    paging.page > 1 ? `${topic.title} (page ${paging.page})` : topic.title,
    body,
    alternateLinks(topic.title, topic.feedUrlBase),
  );
}

/** The permanent page of one item: what feed entries and digests link to without a source URL. */
export function itemPage(config: Config, topic: StoredTopic, item: StoredItem, versions: number): string {
  const id = topicIdentity(config, topic);
  const settings = topicSettings(config, topic);
  const body = `<article>
<p class="meta"><a href="${h(config.feeds.baseUrl)}topics/${h(id.slug)}">${h(id.title)}</a></p>
<h1>${h(item.title)}</h1>
<p class="meta">${metaLine(item)}</p>
${paragraphsHtml(item.summary).join('\n')}
${item.credit ? `<p class="meta">Photo: ${h(item.credit)}</p>` : ''}
${settings.sourceUrl ? `<p>On the source page: <a href="${h(settings.sourceUrl)}">${h(settings.sourceUrl)}</a></p>` : ''}
<p class="meta">First seen ${h(item.firstSeenAt.slice(0, 10))}${versions > 1 ? `; edited ${versions - 1} time${versions === 2 ? '' : 's'}, last on ${h(item.updatedAt.slice(0, 10))}` : ''}.</p>
</article>
${feedLinks(id.feedUrlBase)}`;
  return layout(config, item.title, body, alternateLinks(id.title, id.feedUrlBase));
}

/** A short error page. */
export function errorPage(config: Config, status: number, message: string): string {
  return layout(
    config,
    `${status} ${message}`,
    `<h1>${status} ${h(message)}</h1><p><a href="${h(config.feeds.baseUrl)}">All pages</a></p>`,
  );
}

/**
 * The page an unsubscribe link opens: `ask` (a button that posts back: a GET must not unsubscribe, mail
 * scanners open links), `done`, or why the link does not work.
 */
export function unsubscribePage(config: Config, address: string | null, state: 'ask' | 'done' | 'invalid' | 'expired'): string {
  const site = h(config.feeds.title);
  const bodies: Record<typeof state, string> = {
    ask: `<h1>Unsubscribe</h1>
<p>Stop sending the ${site} digests to <strong>${h(address ?? '')}</strong>?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><input type="hidden" name="from" value="page"><button type="submit">Unsubscribe</button></form>`,
    done: `<h1>Unsubscribed</h1>
<p><strong>${h(address ?? '')}</strong> gets no more ${site} digests. A digest already on its way may still arrive.</p>
<p>The feeds stay open to everyone: <a href="${h(config.feeds.baseUrl)}">${site}</a>.</p>`,
    invalid: `<h1>This unsubscribe link is not valid</h1>
<p>It may have been cut short when it was copied. Use the Unsubscribe link at the end of a digest, or reply to a digest and ask.</p>`,
    expired: `<h1>This unsubscribe link has expired</h1>
<p>Links work for a year after their digest was sent. Use the Unsubscribe link in a newer digest, or reply to a digest and ask.</p>`,
  };
  return layout(config, state === 'done' ? 'Unsubscribed' : 'Unsubscribe', bodies[state]);
}
