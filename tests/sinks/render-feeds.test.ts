import { describe, expect, it } from 'vitest';
import { customFeedView, topicFeedView } from '../../src/sinks/feeds/feed-view.js';
import { renderFeed, xmlText } from '../../src/sinks/feeds/render-feeds.js';
import type { StoredItem, StoredTopic } from '../../src/model.js';
import { testConfig, tempDir } from '../helpers.js';

// The feed view and the renderers on their own, on data built here: no store, no files.

const config = testConfig(tempDir(), { feeds: { baseUrl: 'https://news.example.org/', title: 'News & co', language: 'fr' } });
const page: StoredTopic = { id: 1, key: 'press releases', name: 'Press <releases>', slug: 'press-releases' };

function stored(over: Partial<StoredItem>): StoredItem {
  return {
    rowId: 1,
    guid: 'tag:dumpfeed,2026:press-releases/aaaaaaaaaaaa',
    key: 'aaaaaaaaaaaa',
    topicId: 1,
    version: 1,
    title: 'A & B <i>',
    date: '2024-06-05',
    endDate: '2024-06-06',
    summary: 'One & two.\n\nThree <b>.',
    category: 'Events & more',
    credit: null,
    location: 'GENÈVE',
    firstSeenAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    firstSeenDump: 1,
    position: 0,
    ...over,
  };
}

describe('the feed view', () => {
  it('dates an entry by its date, an edit by its dump, the feed by its newest entry', () => {
    const view = topicFeedView(config, page, [
      stored({ version: 2, updatedAt: '2026-02-01T10:00:00.000Z' }),
      stored({ rowId: 2, date: '2024-01-01', endDate: null }),
    ]);
    expect(view.entries.map((e) => [e.published.toISOString(), e.updated.toISOString()])).toEqual([
      ['2024-06-05T00:00:00.000Z', '2026-02-01T10:00:00.000Z'],
      ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
    ]);
    expect(view.updated.toISOString()).toBe('2026-02-01T10:00:00.000Z');
    expect(view.feedUrlBase).toBe('https://news.example.org/feeds/press-releases');
  });

  it('gives a custom topic entry ids of its own, and an empty feed the date it is given', () => {
    const topic = { name: 'Events', slug: 'events', pages: ['*'], include: [], exclude: [], categories: [] };
    const view = customFeedView(config, topic, new Map([[1, page]]), [stored({})]);
    expect(view.entries[0]!.id).toBe('tag:dumpfeed,2026:topic/events/aaaaaaaaaaaa');
    expect(view.entries[0]!.categories).toEqual(['Events & more', 'Press <releases>']);
    expect(view.entries[0]!.label).toBe('Events & more');
    const empty = customFeedView(config, topic, new Map(), [], new Date('2026-03-01T00:00:00Z'));
    expect(empty.updated.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe('the renderers', () => {
  const view = topicFeedView(config, page, [stored({})]);
  const { atom, rss, json } = renderFeed(view);

  it('escape text once for XML, & < > " alike', () => {
    expect(xmlText(`a & <b> "c" 'd' ]]>`)).toBe(`a &amp; &lt;b&gt; &quot;c&quot; 'd' ]]&gt;`);
  });

  it('write Atom with plain-text titles, xml:lang, labels in attributes and an HTML body', () => {
    expect(atom).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">');
    expect(atom).toContain('<title type="text">Press &lt;releases&gt;</title>');
    expect(atom).toContain('<title type="text">A &amp; B &lt;i&gt;</title>');
    expect(atom).toContain('<category term="Events &amp; more" label="Events &amp; more"/>');
    expect(atom).toContain(
      '<content type="html">&lt;p&gt;One &amp;amp; two.&lt;/p&gt;\n&lt;p&gt;Three &amp;lt;b&amp;gt;.&lt;/p&gt;\n&lt;p&gt;&lt;small&gt;5–6 June 2024 · GENÈVE · Events &amp;amp; more&lt;/small&gt;&lt;/p&gt;</content>',
    );
  });

  it('write RSS titles and categories as plain text', () => {
    expect(rss).toContain('<title>A &amp; B &lt;i&gt;</title>');
    expect(rss).toContain('<category>Events &amp; more</category>');
    expect(rss).not.toContain('CDATA');
    expect(rss).toContain('<pubDate>Wed, 05 Jun 2024 00:00:00 GMT</pubDate>');
  });

  it('write JSON Feed 1.1 with the structured fields', () => {
    const doc = JSON.parse(json);
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    expect(doc.language).toBe('fr');
    expect(doc.items[0]).toMatchObject({
      title: 'A & B <i>',
      tags: ['Events & more'],
      _dumpfeed: { date: '2024-06-05', endDate: '2024-06-06', category: 'Events & more', credit: null, location: 'GENÈVE' },
    });
  });

  it('give an entry with nothing but a title that title as its body', () => {
    const bare = renderFeed(
      topicFeedView(config, page, [stored({ date: null, endDate: null, summary: null, category: null, location: null })]),
    );
    expect(JSON.parse(bare.json).items[0].content_html).toBe('<p>A &amp; B &lt;i&gt;</p>');
  });
});
