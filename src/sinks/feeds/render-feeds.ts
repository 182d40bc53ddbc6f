import { displayDate, escapeHtml, paragraphsHtml } from './html.js';
import type { EntryView, FeedView } from './feed-view.js';

/** The three documents of one feed. */
export interface RenderedFeed {
  atom: string;
  rss: string;
  json: string;
}

/**
 * Renders one feed as Atom 1.0, RSS 2.0 and JSON Feed 1.1. The rule for every format: a reader shows
 * exactly the characters of the dump. Titles, category labels and feed names are plain text, escaped
 * once for XML (Atom `type="text"`, RSS as the RSS 2.0 profile reads titles); entry bodies are HTML,
 * escaped once more inside it. Everything is derived from the view, never from the clock, so the same
 * store always gives byte-identical documents.
 *
 * The `feed` npm package wrote these until it showed three faults a hand-written document avoids:
 * a raw `<` in Atom category attributes (malformed XML), HTML-escaped CDATA titles in RSS (readers
 * that read RSS titles as text show `&amp;`), and a literal `&amp;` collapsed to `&` in plain text.
 */
export function renderFeed(view: FeedView): RenderedFeed {
  // The three formats show the same entry bodies: made once.
  const bodies = view.entries.map(entryHtml);
  return { atom: renderAtom(view, bodies), rss: renderRss(view, bodies), json: renderJson(view, bodies) };
}

/** Escapes text for XML element content and double-quoted attributes: `& < > "` (as escapeHtml). */
export const xmlText = escapeHtml;

const q = (view: FeedView): string => view.query ?? '';

/**
 * The Atom document alone: archive pages are Atom only (RFC 5005), and a first run writes thousands.
 * `bodies` are the entries' bodies when the caller made them already (renderFeed, for three formats).
 */
export function renderAtom(view: FeedView, bodies?: string[]): string {
  const x = xmlText;
  const ns = view.archive ? ' xmlns:fh="http://purl.org/syndication/history/1.0"' : '';
  // Archive pages live in archive/, one folder below the stylesheet.
  const xsl = view.archive ? '../feed.xsl' : 'feed.xsl';
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<?xml-stylesheet href="${xsl}" type="text/xsl"?>`,
    `<feed xmlns="http://www.w3.org/2005/Atom"${ns} xml:lang="${x(view.language)}">`,
    `  <id>${x(view.id)}</id>`,
    `  <title type="text">${x(view.title)}</title>`,
    `  <subtitle type="text">${x(view.description)}</subtitle>`,
    `  <updated>${view.updated.toISOString()}</updated>`,
    '  <generator>dumpfeed</generator>',
    `  <author><name>${x(view.author)}</name></author>`,
    `  <link rel="alternate" type="text/html" href="${x(view.homeUrl)}"/>`,
    `  <link rel="self" type="application/atom+xml" href="${x(`${view.feedUrlBase}.atom${q(view)}`)}"/>`,
  ];
  // RFC 5005 feed history: `current`, `prev-archive`, `next-archive`.
  for (const l of view.archiveLinks ?? []) lines.push(`  <link rel="${x(l.rel)}" href="${x(l.href)}"/>`);
  if (view.archive) lines.push('  <fh:archive/>');
  if (view.hub) lines.push(`  <link rel="hub" href="${x(view.hub)}"/>`);
  for (const [i, e] of view.entries.entries()) {
    lines.push(
      '  <entry>',
      `    <id>${x(e.id)}</id>`,
      `    <title type="text">${x(e.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${x(e.link)}"/>`,
      `    <published>${e.published.toISOString()}</published>`,
      `    <updated>${e.updated.toISOString()}</updated>`,
      ...e.categories.map((c) => `    <category term="${x(c)}" label="${x(c)}"/>`),
      `    <content type="html">${x(bodies?.[i] ?? entryHtml(e))}</content>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}

function renderRss(view: FeedView, bodies: string[]): string {
  const x = xmlText;
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<?xml-stylesheet href="feed.xsl" type="text/xsl"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '  <channel>',
    `    <title>${x(view.title)}</title>`,
    `    <link>${x(view.homeUrl)}</link>`,
    `    <description>${x(view.description)}</description>`,
    `    <language>${x(view.language)}</language>`,
    `    <lastBuildDate>${view.updated.toUTCString()}</lastBuildDate>`,
    '    <generator>dumpfeed</generator>',
    '    <docs>https://www.rssboard.org/rss-specification</docs>',
    `    <atom:link rel="self" type="application/rss+xml" href="${x(`${view.feedUrlBase}.rss${q(view)}`)}"/>`,
  ];
  if (view.hub) lines.push(`    <atom:link rel="hub" href="${x(view.hub)}"/>`);
  for (const [i, e] of view.entries.entries()) {
    lines.push(
      '    <item>',
      `      <title>${x(e.title)}</title>`,
      `      <link>${x(e.link)}</link>`,
      `      <guid isPermaLink="false">${x(e.id)}</guid>`,
      `      <pubDate>${e.published.toUTCString()}</pubDate>`,
      ...e.categories.map((c) => `      <category>${x(c)}</category>`),
      `      <description>${x(bodies[i]!)}</description>`,
      '    </item>',
    );
  }
  lines.push('  </channel>', '</rss>', '');
  return lines.join('\n');
}

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1), with a `_dumpfeed` extension of the structured fields. */
function renderJson(view: FeedView, bodies: string[]): string {
  const doc = {
    version: 'https://jsonfeed.org/version/1.1',
    title: view.title,
    home_page_url: view.homeUrl,
    feed_url: `${view.feedUrlBase}.json${q(view)}`,
    description: view.description,
    language: view.language,
    authors: [{ name: view.author }],
    ...(view.hub ? { hubs: [{ type: 'WebSub', url: view.hub }] } : {}),
    items: view.entries.map((e, i) => ({
      id: e.id,
      url: e.link,
      title: e.title,
      content_html: bodies[i]!,
      date_published: e.published.toISOString(),
      date_modified: e.updated.toISOString(),
      ...(e.categories.length > 0 ? { tags: e.categories } : {}),
      _dumpfeed: {
        date: e.date,
        // Events: the whole range (README "Feeds in detail"); absent for a single day.
        ...(e.endDate ? { endDate: e.endDate } : {}),
        category: e.label,
        credit: e.credit,
        location: e.location,
      },
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * The body of an entry, the same in every format: the summary's paragraphs, then a line with the date
 * (or an event's range), the dateline place, the category label and the photo credit. An entry with no
 * summary still has text a reader can show (its date, at least); one with nothing at all, its title.
 */
function entryHtml(entry: EntryView): string {
  const parts = paragraphsHtml(entry.summary);
  const meta = [displayDate(entry.date, entry.endDate), entry.location, entry.label, entry.credit].filter((s): s is string => !!s);
  if (meta.length) parts.push(`<p><small>${meta.map(escapeHtml).join(' · ')}</small></p>`);
  if (parts.length === 0) parts.push(`<p>${escapeHtml(entry.title)}</p>`);
  return parts.join('\n');
}
