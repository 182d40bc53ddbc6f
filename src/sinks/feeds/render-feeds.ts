import { Feed } from 'feed';
import { displayDate, escapeHtml, paragraphsHtml } from './html.js';
import type { EntryView, FeedView } from './feed-view.js';

/** The three documents of one feed. */
export interface RenderedFeed {
  atom: string;
  rss: string;
  json: string;
}

/**
 * Renders one feed as Atom 1.0, RSS 2.0 and JSON Feed 1.1 with the `feed` package. The package
 * validates little, so everything handed to it is already clean: titles are HTML-escaped because
 * it writes them as `type="html"` CDATA, every date is explicit so it never falls back to the
 * clock, and ids are `tag:` URIs, which survive its `new URL()` pass unchanged.
 */
export function renderFeed(view: FeedView): RenderedFeed {
  const q = view.query ?? '';
  const feed = new Feed({
    id: view.id,
    title: view.title,
    description: view.description,
    link: view.homeUrl,
    language: view.language,
    updated: view.updated,
    generator: 'dumpfeed',
    author: { name: view.author },
    feedLinks: { atom: `${view.feedUrlBase}.atom${q}`, rss: `${view.feedUrlBase}.rss${q}`, json: `${view.feedUrlBase}.json${q}` },
      // Relative: feed.xsl lies beside the feed wherever the folder is served from.
    stylesheet: 'feed.xsl',
    ...(view.hub ? { hub: view.hub } : {}),
  });
  for (const entry of view.entries) {
    const html = entryHtml(entry);
    feed.addItem({
      id: entry.id,
      guid: entry.id,
      title: escapeHtml(entry.title),
      link: entry.link,
      date: entry.updated,
      published: entry.published,
      description: html || undefined,
      category: entry.categories.map((c) => ({ name: c, term: c })),
    });
  }
  // The RSS renderer only takes one self link: it prefers `feed` over feedLinks.rss.
  const rssFeed = new Feed({ ...feed.options, feed: `${view.feedUrlBase}.rss${q}` });
  rssFeed.items = feed.items;
  return { atom: withHistory(feed.atom1(), view), rss: rssFeed.rss2(), json: toJsonFeed11(feed.json1(), view) };
}

/**
 * Adds the RFC 5005 feed-history links (and `fh:archive` for an archive document) after the Atom
 * self link: the `feed` package has no option for them.
 */
function withHistory(atom: string, view: FeedView): string {
  if (!view.archiveLinks?.length && !view.archive) return atom;
  const lines = (view.archiveLinks ?? []).map((l) => `    <link rel="${escapeHtml(l.rel)}" href="${escapeHtml(l.href)}"/>`);
  if (view.archive) lines.push('    <fh:archive/>');
  // Archive pages live in archive/, one folder below the stylesheet.
  const withNs = view.archive
    ? atom
        .replace('<feed xmlns="http://www.w3.org/2005/Atom">', '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0">')
        .replace('<?xml-stylesheet href="feed.xsl"', '<?xml-stylesheet href="../feed.xsl"')
    : atom;
  return withNs.replace(/(\n {4}<link rel="self" [^\n]*\/>)/, `$1\n${lines.join('\n')}`);
}

/** The body of an entry: summary paragraphs, then an event's date range, the dateline place and the photo credit. */
function entryHtml(entry: EntryView): string {
  const parts = paragraphsHtml(entry.summary);
  // A feed entry has one date; an event's range is shown in its text.
  const range = entry.endDate ? displayDate(entry.date, entry.endDate) : null;
  const meta = [range, entry.location, entry.credit].filter((s): s is string => s !== null).map(escapeHtml);
  if (meta.length) parts.push(`<p><small>${meta.join(' · ')}</small></p>`);
  return parts.join('\n');
}

/**
 * `feed` writes JSON Feed 1.0 (`author`, version/1). Upgrade it to 1.1: `authors`, `language`, plain
 * titles (JSON is not HTML), and a `_dumpfeed` extension carrying the structured fields.
 */
function toJsonFeed11(json: string, view: FeedView): string {
  const doc = JSON.parse(json) as Record<string, unknown> & { items: Record<string, unknown>[] };
  const items = doc.items.map((item, i) => {
    const entry = view.entries[i]!;
    const { author: _author, tags, ...rest } = item;
    const out: Record<string, unknown> = { ...rest, title: entry.title };
    if (Array.isArray(tags) && tags.length > 0) out.tags = tags;
    // Every JSON Feed item must carry content_html or content_text.
    if (out.content_html === undefined) out.content_text = entry.title;
    out._dumpfeed = { date: entry.date, category: entry.categories[0] ?? null, credit: entry.credit, location: entry.location };
    // Events: the whole range (README "Feeds"); absent for a single day.
    if (entry.endDate) (out._dumpfeed as Record<string, unknown>).endDate = entry.endDate;
    return out;
  });
  const { author: _author, items: _items, ...head } = doc;
  return `${JSON.stringify(
    {
      ...head,
      version: 'https://jsonfeed.org/version/1.1',
      language: view.language,
      authors: [{ name: view.author }],
      items,
    },
    null,
    2,
  )}\n`;
}
