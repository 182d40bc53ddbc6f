import { describe, expect, it } from 'vitest';
import { renderDigest } from '../../src/sinks/mail/render-digest.js';
import { simpleParser } from 'mailparser';
import { composeDigest, mostlyLatin } from '../../src/sinks/mail/compose-message.js';
import { messageBytes, type DigestCandidate } from '../../src/store/digests.js';
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
  const digest = renderDigest(config, sub as never, items, 'https://news.example.org/unsubscribe/token');

  it('says what is in it in the subject', () => {
    expect(digest.subject).toBe('2 new, 1 updated: Events · Press releases');
  });

  it('groups by page, pages in the order of their newest item, items newest first, edits marked with what changed', () => {
    const text = digest.text;
    expect(text.indexOf('Events\n======')).toBeLessThan(text.indexOf('Press releases\n=============='));
    expect(text).toContain('Event in Turin\n5–7 June 2024 · GENEVA · Press release');
    expect(text.indexOf('Updated: Corrected release')).toBeLessThan(text.indexOf('Older press release'));
    expect(text).toContain('Updated: Corrected release\n3 June 2024 · GENEVA · Press release\nChanged: summary');
    expect(text).toContain('https://news.example.org/items/aaaaaaaaaaaa');
    // Each page's heading links to its page on the website.
    expect(text).toContain('Events\n======\nhttps://news.example.org/topics/events\n');
    expect(digest.html).toContain('<a href="https://news.example.org/topics/events"');
  });

  it("ends with a link to the website and the subscriber's unsubscribe link, in both parts", () => {
    expect(digest.text).toMatch(
      /--\nYou get this digest \(daily 08:00\) from ILO news: https:\/\/news\.example\.org\/\nUnsubscribe: https:\/\/news\.example\.org\/unsubscribe\/token\n$/,
    );
    expect(digest.html).toContain('from <a href="https://news.example.org/"');
    expect(digest.html).toContain('<a href="https://news.example.org/unsubscribe/token"');
  });

  it('has no contents list when it is short', () => {
    expect(digest.text).not.toContain('Contents');
    expect(digest.html).not.toContain('Contents');
  });

  it("escapes the dump's text in the HTML part", () => {
    expect(digest.html).toContain('Second &lt;b&gt;.');
    expect(digest.html).not.toContain('<b>.');
  });
});

describe('a long digest', () => {
  // Page names with commas, as real ones have.
  const names = ['Impact and people', 'Textiles, clothing, leather and footwear: resources', 'Press releases', 'Events', 'Jobs'];
  const items = Array.from({ length: 12 }, (_, i) =>
    candidate({
      itemId: i + 1,
      key: `k${String(i).padStart(11, '0')}`,
      title: `Story ${i + 1}`,
      date: `2024-06-${String(28 - i).padStart(2, '0')}`,
      topicId: (i % 5) + 1,
      topicName: names[i % 5]!,
      topicKey: names[i % 5]!.toLowerCase(),
      topicSlug: `page-${i % 5}`,
    }),
  );
  const digest = renderDigest(config, sub as never, items, null);

  it('names its pages in the subject with a separator page names do not hold', () => {
    expect(digest.subject).toBe('12 new items: Impact and people · Textiles, clothing, leather and footwear: resources · 3 more pages');
  });

  it('opens with its contents: each page with its count and titles, numbered as the items below', () => {
    const text = digest.text;
    const contents = text.slice(text.indexOf('Contents\n'), text.indexOf('\nImpact and people\n='));
    expect(contents).toContain('Impact and people (3)\n  1. Story 1\n  2. Story 6\n  3. Story 11\n');
    expect(contents).toContain('Jobs (2)\n  11. Story 5\n  12. Story 10\n');
    expect(text).toContain('\n11. Story 5\n');
    // In HTML each entry of the contents links to its item further down.
    const anchor = /<a href="#(i-\d+)"[^>]*>Story 5<\/a>/.exec(digest.html)?.[1];
    expect(anchor).toBe('i-5');
    expect(digest.html).toContain('<div id="i-5"');
  });

  it('without an unsubscribe link still names the website', () => {
    expect(digest.text).not.toContain('Unsubscribe');
    expect(digest.text).toContain('from ILO news: https://news.example.org/\n');
  });
});

describe('a composed digest', () => {
  const compose = async (title: string, summary: string) => {
    const body = renderDigest(config, sub as never, [candidate({ title, summary })], null);
    const raw = messageBytes(
      composeDigest(config, sub as never, body, '<d.1@example.org>', new Date('2024-06-06T08:00:00Z'), {
        page: null,
        extra: null,
      }),
    );
    return { raw: raw.toString('latin1'), parsed: await simpleParser(raw), body };
  };

  it('is quoted-printable when its text is mostly Latin letters, and reads back exactly', async () => {
    const { raw, parsed, body } = await compose('Décent work in Genève', 'Workers’ rights, “fair” wages and social dialogue.');
    expect(raw.match(/Content-Transfer-Encoding: quoted-printable/g)).toHaveLength(2);
    expect(parsed.text).toBe(body.text);
    expect(parsed.html).toBe(body.html);
  });

  it('is base64 when most of its text is in another script, and reads back exactly', async () => {
    const arabic = 'منظمة العمل الدولية تدعو إلى العمل اللائق للجميع في المنطقة العربية';
    const { raw, parsed, body } = await compose(arabic, `${arabic}. ${arabic}. ${arabic}. ${arabic}.`);
    expect(raw.match(/Content-Transfer-Encoding: base64/g)).toHaveLength(2);
    expect(parsed.text).toBe(body.text);
    expect(parsed.html).toBe(body.html);
    expect(mostlyLatin(body.text)).toBe(false);
  });
});
