import { escapeHtml } from './html.js';
import type { FeedView } from './feed-view.js';

/**
 * An OPML 2.0 subscription list of every topic feed (Atom), so a reader can subscribe to all pages at
 * once. The combined `all` feed is left out: subscribing to both would show every item twice.
 */
export function renderOpml(siteTitle: string, feeds: FeedView[]): string {
  const updated = feeds.reduce((latest, f) => (f.updated > latest ? f.updated : latest), new Date(0));
  const outlines = feeds
    .map((f) => {
      const a = (s: string): string => escapeHtml(s);
      return `    <outline type="rss" text="${a(f.title)}" title="${a(f.title)}" xmlUrl="${a(`${f.feedUrlBase}.atom`)}" htmlUrl="${a(f.homeUrl)}"/>`;
    })
    .join('\n');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${escapeHtml(siteTitle)}</title>`,
    `    <dateModified>${updated.toUTCString()}</dateModified>`,
    '  </head>',
    '  <body>',
    outlines,
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
