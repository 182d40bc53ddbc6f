import { describe, expect, it } from 'vitest';
import { isPartialDate, isSectionHeading, MONTH_NAMES, parseDateLine } from '../../src/parse/dates.js';
import { endsMidSentence } from '../../src/parse/shapes.js';
import { randomFrom } from '../../bench/corpus.js';

// The date patterns take any word where a month goes and look the word up (src/parse/dates.ts), and
// a few Unicode patterns have ASCII shortcuts: both for start-up. They must read every line as the
// patterns they replaced did, which are written out here as the reference.

const MONTHS: Record<string, number> = {};
MONTH_NAMES.forEach((names, i) => names.forEach((n) => (MONTHS[n] = i + 1)));
const ALT = Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join('|');
const DAY = `(\\d{1,2})(?:er|º|°)?`;
const MONTH = `(?:de\\s+)?(${ALT})\\.?`;
const YEAR = `(?:de\\s+|del\\s+)?(\\d{4})`;
const PLACE = `\\s*(?:,\\s*(.*?))?\\s*$`;
const SEP = `\\s*[-\u2013\u2014]\\s*`;
const OLD_DATE = new RegExp(`^${DAY}\\s+${MONTH}\\s+${YEAR}${PLACE}`, 'i');
const OLD_RANGE = new RegExp(`^${DAY}(?:\\s+${MONTH}(?:\\s+${YEAR})?)?${SEP}${DAY}\\s+${MONTH}\\s+${YEAR}${PLACE}`, 'i');
const OLD_HEADING = new RegExp(`^(?:(?:${ALT})\\.?\\s+(?:de\\s+)?)?(?:19|20)\\d{2}$`, 'iu');
const OLD_RANGE_START = new RegExp(`^${DAY}(?:\\s+${MONTH}(?:\\s+${YEAR})?)?$`, 'i');

/** What the old patterns captured, for the lines they matched: the reference for parseDateLine. */
function oldDateParts(block: string): string[] | null {
  if (block.length > 80 || !/^\d/.test(block)) return null;
  const m = OLD_DATE.exec(block) ?? OLD_RANGE.exec(block);
  return m ? [...m].map((v) => (v === undefined ? '' : v.toLowerCase())) : null;
}

function oldPartialDate(block: string): boolean {
  const text = block.trim();
  if (!/^\d/.test(text)) return false;
  const sep = /\s*[-\u2013\u2014]\s*/.exec(text);
  const partialDay = (t: string): boolean => {
    const m = /^(\d{1,2})(?:er|º|°)?(?:\s+(?:de\s+)?(\p{L}*)\.?(?:\s+(?:de\s+|del\s+)?(\d{0,3}))?)?$/iu.exec(t);
    if (!m) return false;
    const word = m[2]?.toLowerCase();
    return word === undefined || word === '' || Object.keys(MONTHS).some((n) => n.startsWith(word));
  };
  if (!sep) return partialDay(text);
  const tail = text.slice(sep.index + sep[0].length);
  return OLD_RANGE_START.test(text.slice(0, sep.index)) && (tail === '' || partialDay(tail));
}

// The run-on words of src/parse/shapes.ts.
const RUN_ON = new Set(
  (
    'a about across after an and are as at be before between by can during for from has have in into is its ' +
    'may not of on or our over than that the their these this through to toward towards under upon via was ' +
    'which who will with within without your à au aux de des du en et la le les ou par pour sur ' +
    'a al con de del el en la las los o para por y'
  ).split(' '),
);
function oldEndsMidSentence(line: string, runOn: (w: string) => boolean): boolean {
  if (/[,;:\-–]$/.test(line)) return true;
  const last = /(\p{L}+)$/u.exec(line)?.[1]?.toLowerCase();
  return last !== undefined && runOn(last);
}

/** Lines around dates: month names in any case, near misses, other words, odd letters, ranges. */
function lines(n: number): string[] {
  const rnd = randomFrom(42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const names = Object.keys(MONTHS);
  const words = () =>
    pick([
      pick(names),
      pick(names).toUpperCase(),
      pick(names).replace(/^./, (c) => c.toUpperCase()),
      pick(names).slice(0, 1 + Math.floor(rnd() * 4)),
      pick(names) + pick(['x', 'é', 'ß', 'ſ', 's']),
      pick([
        'de',
        'del',
        'constructor',
        'toString',
        'hasOwnProperty',
        'foo',
        'Ÿear',
        'ſept',
        'ſeptember',
        'marſ',
        'KJune',
        'Ĳuly',
        'мая',
        'Août',
        'DÉCEMBRE',
      ]),
    ]);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const day = pick(['1', '5', '29', '31', '30', '1er', '2º', '05', '123']);
    const year = pick(['2024', '1999', '2100', '20', '']);
    const date = [day, pick(['', 'de', 'de']), words(), pick(['', '.']), pick(['', 'de', 'del']), year].filter((p) => p !== '').join(' ');
    const tail = pick(['', ',', ', GENEVA', ' , Addis Ababa ', ' - ', ' – 2 ' + words() + ' 2024']);
    out.push(pick([date + tail, `${day} - ${date}`, `${day} ${words()} – ${date}`, `${words()} ${year}`, year, `${words()}. de ${year}`]));
  }
  return out;
}

describe('month words and ASCII shortcuts read lines as the patterns they replaced', () => {
  const sample = lines(20_000);

  it('date lines and ranges', () => {
    const wrong = sample.filter((line) => {
      const old = oldDateParts(line);
      const now = parseDateLine(line);
      // A line the old patterns did not take is no date now; one they took is read (a date or not a real day).
      return old === null ? now.kind !== 'none' : now.kind === 'none';
    });
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(sample.filter((l) => parseDateLine(l).kind === 'date').length).toBeGreaterThan(400);
  });

  it('section headings and partial dates', () => {
    expect(sample.filter((l) => isSectionHeading(l) !== OLD_HEADING.test(l.trim())).slice(0, 10)).toEqual([]);
    expect(sample.filter((l) => isPartialDate(l) !== oldPartialDate(l)).slice(0, 10)).toEqual([]);
    expect(sample.filter((l) => isSectionHeading(l)).length).toBeGreaterThan(100);
  });

  it('the last word of a line', () => {
    const rnd = randomFrom(7);
    const bits = ['the', 'The ', 'de', 'é', 'à', 'Été', 'y', 'of', ' ', '.', '1', 'ß', 'мая', '𝐀', 'naïve', 'a', 'x'];
    const words = new Set<string>();
    const runOn = (w: string): boolean => {
      words.add(w);
      return RUN_ON.has(w);
    };
    for (let i = 0; i < 20_000; i++) {
      const line = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => bits[Math.floor(rnd() * bits.length)]).join('');
      expect(endsMidSentence(line), JSON.stringify(line)).toBe(oldEndsMidSentence(line, runOn));
    }
    expect(words.size).toBeGreaterThan(100);
  });
});
