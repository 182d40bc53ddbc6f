import { escapeHtml } from './html.js';

/** One subscription in the OPML list. */
export interface OpmlFeed {
  title: string;
  xmlUrl: string;
  htmlUrl: string;
}

/**
 * An OPML 2.0 subscription list of every topic feed (Atom), so a reader can subscribe to all pages at
 * once. The combined `all` feed is left out: subscribing to both would show every item twice. It has
 * no dateModified (optional in OPML 2.0), so it changes only when the list of topics does.
 */
export function renderOpml(siteTitle: string, feeds: OpmlFeed[]): string {
  const outlines = feeds.map((f) => {
    const [title, xmlUrl, htmlUrl] = [f.title, f.xmlUrl, f.htmlUrl].map(escapeHtml);
    return `    <outline type="rss" text="${title}" title="${title}" xmlUrl="${xmlUrl}" htmlUrl="${htmlUrl}"/>`;
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${escapeHtml(siteTitle)}</title>`,
    '  </head>',
    '  <body>',
    ...outlines,
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
