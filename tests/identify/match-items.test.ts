import { describe, expect, it } from 'vitest';
import type { ParsedItem } from '../../src/model.js';
import { createHash } from 'node:crypto';
import { isMinorChange, itemKey, sameContent } from '../../src/identify/item-key.js';
import { matchItems, type Candidate, type CandidateLookup } from '../../src/identify/match-items.js';
import { summaryKey, titleKey } from '../../src/normalize.js';

// The matching rule on its own, over an in-memory page history (the store's look-ups, without SQLite).

const item = (title: string, date: string | null, extra: Partial<ParsedItem> = {}): ParsedItem => ({
  title,
  date,
  endDate: null,
  summary: null,
  category: null,
  credit: null,
  location: null,
  ...extra,
});

function history(stored: (ParsedItem & { maybeCut?: boolean })[]): CandidateLookup {
  const rows: (Candidate & { maybeCut: boolean })[] = stored.map((s, i) => ({
    rowId: i + 1,
    title: s.title,
    titleKey: titleKey(s.title),
    date: s.date,
    summaryKey: summaryKey(s.summary),
    maybeCut: s.maybeCut === true,
  }));
  return {
    byTitleKey: (key) => rows.filter((r) => r.titleKey === key),
    byDate: (date) => rows.filter((r) => r.date === date),
    maybeCut: () => rows.filter((r) => r.maybeCut),
  };
}

describe('matching a dump to the stored items', () => {
  const stored = history([
    item('Jobs report for Asia', '2021-05-03', { summary: 'Unemployment fell in the region.' }),
    item('Safety in small mines', '2021-05-02'),
    item('Webinar series on social dialogue', null),
    { ...item('Remarks at the launch of the re', null), maybeCut: true },
  ]);

  it.each([
    ['exact: same title and date', item('Jobs report for Asia', '2021-05-03'), { rowId: 1, rule: 'exact' }],
    ['title: same title, a date corrected', item('Jobs report for Asia', '2021-05-04'), { rowId: 1, rule: 'title' }],
    ['title: punctuation and case do not matter', item('JOBS report, for Asia!', '2021-05-03'), { rowId: 1, rule: 'exact' }],
    ['similar-title: a typo fixed', item('Safety in smal mines', '2021-05-02'), { rowId: 2, rule: 'similar-title' }],
    [
      'same-summary: a rewritten headline',
      item('Asia jobs outlook improves', '2021-05-03', { summary: 'Unemployment fell in the region.' }),
      { rowId: 1, rule: 'same-summary' },
    ],
    ['completion: the rest of a cut title', item('Remarks at the launch of the report', null), { rowId: 4, rule: 'completion' }],
    ['new: nothing alike', item('Green jobs in the Pacific', '2021-05-03'), { rowId: null, rule: 'new' }],
    ['new: a similar title on another day', item('Safety in smal mines', '2021-06-02'), { rowId: null, rule: 'new' }],
  ] as const)('%s', (_, dumpItem, expected) => {
    expect(matchItems([dumpItem], stored)).toEqual([expected]);
  });

  it('gives every exact match first, so a new headline cannot take an old one still on the page', () => {
    const matches = matchItems([item('Safety in smal mines', '2021-05-02'), item('Safety in small mines', '2021-05-02')], stored);
    expect(matches).toEqual([
      { rowId: null, rule: 'new' },
      { rowId: 2, rule: 'exact' },
    ]);
  });
});

describe('what a change is', () => {
  const base = item('Jobs report', '2021-05-03', { summary: 'Unemployment fell.', location: 'GENEVA', credit: '© ILO 2021' });
  it('tells content changes from none', () => {
    expect(sameContent(base, { ...base })).toBe(true);
    expect(sameContent(base, { ...base, endDate: '2021-05-04' })).toBe(false);
  });

  it.each([
    ['a new photo credit', { credit: '© ILO 2022' }, false, true],
    ['a summary completed after a cut', { summary: 'Unemployment fell. It fell most for women.' }, true, true],
    ['a place completed after a cut', { location: 'GENEVA, SWITZERLAND' }, true, true],
    ['an extended summary of an item that was never cut', { summary: 'Unemployment fell. It fell most for women.' }, false, false],
    ['a rewritten summary, even after a cut', { summary: 'Unemployment rose.' }, true, false],
    ['a new category label', { category: 'Press release' }, true, false],
  ] as const)('%s: minor = %s', (_, change, wasCut, minor) => {
    expect(isMinorChange(base, { ...base, ...change }, wasCut)).toBe(minor);
  });
});

describe('the item key', () => {
  const item = (title: string, date: string | null): ParsedItem => ({
    title,
    date,
    endDate: null,
    summary: 'Any summary.',
    category: null,
    credit: null,
    location: null,
  });

  it('is the first 12 hex digits of a SHA-256 of page, normalised title and date, so ids never move', () => {
    const expected = createHash('sha256')
      .update(`press releases\u0000${titleKey('Child labour rises')}\u00002026-03-01`)
      .digest('hex')
      .slice(0, 12);
    expect(itemKey('press releases', item('Child labour rises', '2026-03-01'), 0)).toBe(expected);
    // The summary and the title's spacing and case are not part of it.
    expect(itemKey('press releases', { ...item('  CHILD labour   rises ', '2026-03-01'), summary: 'Other.' }, 0)).toBe(expected);
  });

  it('differs by page and date, and takes a suffix when the key is taken', () => {
    const a = itemKey('press releases', item('Child labour rises', '2026-03-01'), 0);
    expect(itemKey('news', item('Child labour rises', '2026-03-01'), 0)).not.toBe(a);
    expect(itemKey('press releases', item('Child labour rises', null), 0)).not.toBe(a);
    expect(itemKey('press releases', item('Child labour rises', '2026-03-01'), 1)).toBe(`${a}-2`);
  });
});
