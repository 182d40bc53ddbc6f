import { describe, expect, it } from 'vitest';
import { renderDigest } from '../../src/sinks/mail/render-digest.js';
import type { DigestCandidate } from '../../src/store/digests.js';
import { tempDir, testConfig } from '../helpers.js';

// Digest rendering on its own, on candidates built here.

const config = testConfig(tempDir(), { feeds: { baseUrl: 'https://news.example.org/', title: 'ILO news' } });
const sub = {
  address: 'ana@example.org',
  schedule: 'daily 08:00',
  topics: ['*'],
  include: [],
  exclude: [],
  updates: true,
  backfill: false,
};

function candidate(over: Partial<DigestCandidate>): DigestCandidate {
  return {
    itemId: 1,
    key: 'aaaaaaaaaaaa',
    guid: 'tag:x',
    version: 1,
    kind: 'new',
    title: 'Title',
    date: '2024-06-05',
    endDate: null,
    summary: 'First paragraph.\n\nSecond <b>.',
    category: 'Press release',
    credit: null,
    location: 'GENEVA',
    topicId: 1,
    topicKey: 'press releases',
    topicName: 'Press releases',
    topicSlug: 'press-releases',
    previous: null,
    ...over,
  };
}

describe('a digest', () => {
  const items = [
    candidate({ itemId: 1, title: 'Older press release', date: '2024-06-01' }),
    candidate({
      itemId: 2,
      title: 'Event in Turin',
      date: '2024-06-05',
      endDate: '2024-06-07',
      topicId: 2,
      topicKey: 'events',
      topicName: 'Events',
      topicSlug: 'events',
    }),
    candidate({
      itemId: 3,
      title: 'Corrected release',
      date: '2024-06-03',
      kind: 'updated',
      version: 2,
      previous: {
        title: 'Corrected release',
        date: '2024-06-03',
        endDate: null,
        summary: 'Old text.',
        category: 'Press release',
        credit: null,
        location: 'GENEVA',
      },
    }),
  ];
  const digest = renderDigest(config, sub as never, items);

  it('says what is in it in the subject', () => {
    expect(digest.subject).toBe('2 new, 1 updated: Events, Press releases');
  });

  it('groups by page, pages in the order of their newest item, items newest first, edits marked with what changed', () => {
    const text = digest.text;
    expect(text.indexOf('Events\n======')).toBeLessThan(text.indexOf('Press releases\n=============='));
    expect(text).toContain('Event in Turin\n5–7 June 2024 · GENEVA · Press release');
    expect(text.indexOf('Updated: Corrected release')).toBeLessThan(text.indexOf('Older press release'));
    expect(text).toContain('Updated: Corrected release\n3 June 2024 · GENEVA · Press release\nChanged: summary');
    expect(text).toContain('https://news.example.org/items/aaaaaaaaaaaa');
  });

  it("escapes the dump's text in the HTML part", () => {
    expect(digest.html).toContain('Second &lt;b&gt;.');
    expect(digest.html).not.toContain('<b>.');
  });
});
