import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { parseDump } from '../../src/parse/parse-dump.js';

// The page heading is the topic, whatever chrome comes before it and whatever description or contact
// lines come after it (README "The dump format"). A line that is a date, a year, contact details or a
// sentence is never silently taken for it.
const BODY = '\n\n  1. Decent work for platform drivers\n\n    1 May 2020\n\n  2. Safety in small mines\n\n    28 April 2020';

describe('the page heading', () => {
  it.each([
    ['chrome before it', 'International Labour Organization\nMenu\n\nPress releases', 'Press releases'],
    ['a description sentence after it', 'Press releases\n\nThe latest news from the regional office.', 'Press releases'],
    ['a wrapped description', 'Press releases\nThe Office publishes news about\nlabour rights in the region', 'Press releases'],
    ['a year heading after it', 'Publications\n\n2021', 'Publications'],
    ['a month heading after it', 'News\n\nOctober 2023', 'News'],
    ['a phone line after it', 'Press releases\n\nTel: +41 22 799 7912', 'Press releases'],
    [
      'a contact paragraph after it',
      'Press releases\n\nPlease contact the press officer at\nTel: +66 2 288 1234 or e-mail\npress@example.org',
      'Press releases',
    ],
    ['a contact box after it', 'Press releases\n\nMedia contact\nJane Doe, Media Officer\nTel: +41 22 799 7912', 'Press releases'],
    ['a contact line with a name', 'Press releases\n\nContact: Jane Doe, Media Officer', 'Press releases'],
    ['a chrome heading before it', 'Media contact\n\n\nImpact and people', 'Impact and people'],
    ['a web address after it', 'Statements\n\nhttps://www.example.org/statements', 'Statements'],
    ['a date after it', 'Speeches\n\n12 March 2024', 'Speeches'],
  ])('%s', (_, preamble, topic) => {
    const dump = parseDump(preamble + BODY, 'x.txt');
    expect(dump.topic).toBe(topic);
    expect(dump.warnings).toEqual([]);
    expect(dump.items.map((i) => i.title)).toEqual(['Decent work for platform drivers', 'Safety in small mines']);
  });

  it('a numbered contact box before the heading is chrome, not an item', () => {
    const dump = parseDump(`Media contact\n\n  1. press@example.org\n\nPress releases${BODY}`, 'x.txt');
    expect(dump.topic).toBe('Press releases');
    expect(dump.items.map((i) => i.title)).toEqual(['Decent work for platform drivers', 'Safety in small mines']);
  });

  it('takes a sentence for the heading only with a warning', () => {
    const dump = parseDump(`All the latest news from the region.${BODY}`, 'x.txt');
    expect(dump.topic).toBe('All the latest news from the region.');
    expect(dump.warnings).toEqual(['page heading unclear: "All the latest news from the region." taken as the page name']);
  });

  it.each([
    ['a phone number', '+41 22 799 7912'],
    ['an e-mail address', 'press@example.org'],
    ['a year', '2021'],
    ['a date', '05 April 2022'],
  ])('rejects a page whose only heading line is %s, naming it', (_, line) => {
    let error: unknown;
    try {
      parseDump(line + BODY, 'x.txt');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).toLine()).toBe(`x.txt: no page heading before the first item (line 3): "${line}" is not a heading`);
  });

  it('never takes a date, an e-mail address or a phone line for a title or a label', () => {
    const dump = parseDump(
      'News\n\n  1. press@example.org\n\n    3 May 2020\n\n  2. Tel: +41 22 799 7912\n\n    A real title\n\n    2 May 2020\n\n  3. Kept\n\n    1 May 2020',
      'x.txt',
    );
    expect(dump.items.map((i) => i.title)).toEqual(['Kept']);
    expect(dump.warnings).toEqual([
      'line 3: item 1 passed over: "press@example.org" is contact details, not a title or label',
      'line 7: item 2 passed over: "Tel: +41 22 799 7912" is contact details, not a title or label',
    ]);
  });
});
