/**
 * Dates as listing pages print them: `29 November 2021`, `17 January 2005,`, `24 November 2004, NEW DELHI`,
 * in English, French (`29 novembre 2021`, `1er mars 2021`) and Spanish (`29 de noviembre de 2021`).
 */

const MONTHS = new Map<string, number>();
/** Month names as pages print them, January first. */
export const MONTH_NAMES: readonly (readonly string[])[] = [
  // English, French, Spanish; abbreviations as pages print them.
  ['january', 'jan', 'janvier', 'janv', 'enero', 'ene'],
  ['february', 'feb', 'février', 'fevrier', 'févr', 'fevr', 'febrero'],
  ['march', 'mar', 'mars', 'marzo'],
  ['april', 'apr', 'avril', 'avr', 'abril', 'abr'],
  ['may', 'mai', 'mayo'],
  ['june', 'jun', 'juin', 'junio'],
  ['july', 'jul', 'juillet', 'juil', 'julio'],
  ['august', 'aug', 'août', 'aout', 'agosto', 'ago'],
  ['september', 'sep', 'sept', 'septembre', 'septiembre', 'setiembre'],
  ['october', 'oct', 'octobre', 'octubre'],
  ['november', 'nov', 'novembre', 'noviembre'],
  ['december', 'dec', 'décembre', 'decembre', 'déc', 'diciembre', 'dic'],
];
MONTH_NAMES.forEach((names, i) => names.forEach((n) => MONTHS.set(n, i + 1)));

/**
 * The month of a word the patterns below took as one, or undefined when it is no month's name. The
 * patterns take any word of Latin letters where a month goes, and the name is looked up here: a
 * pattern with the fifty names as alternatives, case-insensitive, took milliseconds to compile, paid
 * by every cron run. A month name ends where its letters do (a dot or white space must follow), so
 * the word is the name whenever the alternatives would have matched.
 */
function monthOf(word: string): number | undefined {
  return MONTHS.get(word.toLowerCase());
}

// A word of Latin-1 letters (with the 'i' flag, either case): every month name's letters are in it.
const WORD = '([a-z\u00e0-\u00f6\u00f8-\u00ff]+)';

// One date: D[er] [de] Month[.] [de] YYYY.
const DAY = `(\\d{1,2})(?:er|º|°)?`;
const MONTH = `(?:de\\s+)?${WORD}\\.?`;
const YEAR = `(?:de\\s+|del\\s+)?(\\d{4})`;
const PLACE = `\\s*(?:,\\s*(.*?))?\\s*$`;
// A range's start may leave out what it shares with its end: `5 - 6 June 2024`, `29 April - 1 May 2024`.
const RANGE_SEP = `\\s*[-\u2013\u2014]\\s*`;

// The whole block must be the date (or the range), optionally followed by `, PLACE`.
const DATE_RE = new RegExp(
  `^${DAY}\\s+${MONTH}\\s+${YEAR}${PLACE}`,
  // Not 'u': case-insensitive matching in unicode mode is several times slower, and the month
  // names' accented letters (é, û) fold the same without it.
  'i',
);
const RANGE_RE = new RegExp(`^${DAY}(?:\\s+${MONTH}(?:\\s+${YEAR})?)?${RANGE_SEP}${DAY}\\s+${MONTH}\\s+${YEAR}${PLACE}`, 'i');

// Month[.] YYYY, or a bare year, alone on an unindented line: a section heading between items. Its
// word takes ſ too (long s), which case-insensitive matching folds to s as Unicode does.
const MONTH_HEADING_RE = /^(?:([a-z\u00e0-\u00f6\u00f8-\u00ff\u017f]+)\.?\s+(?:de\s+)?)?(?:19|20)\d{2}$/i;

/** A date block read from a dump. */
export interface DateLine {
  /** `YYYY-MM-DD`; for a range, its first day. */
  date: string;
  /** The last day of a range (`5 - 6 June 2024`), or null for a single day. */
  endDate: string | null;
  /** The dateline place after the comma, or null. */
  location: string | null;
  /** Whether the line has a comma after the year (`17 January 2005,` or `..., NEW DELHI`). */
  comma: boolean;
}

/** Result of reading a block as a date: a date, a date-shaped block that is not a real day, or not a date. */
export type DateParse = { kind: 'date'; value: DateLine } | { kind: 'invalid'; reason: string } | { kind: 'none' };

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
// Months and days as an ISO date writes them, `01` to `31`.
const TWO_DIGITS = Array.from({ length: 32 }, (_, n) => String(n).padStart(2, '0'));

const NOT_A_DATE: DateParse = Object.freeze({ kind: 'none' });

/** Reads a block as a date line: one day, or a range of days. */
export function parseDateLine(block: string): DateParse {
  // Most blocks are titles and summaries: a date starts with a digit and is short.
  const first = block.charCodeAt(0);
  if (first < 48 || first > 57 || block.length > 80) return NOT_A_DATE;
  const plain = plainDate(block);
  if (plain !== null) return plain;
  const m = DATE_RE.exec(block);
  const month = m && monthOf(m[2]!);
  if (m && month) {
    const date = isoDate(Number(m[3]), month, Number(m[1]));
    if (date === null) return { kind: 'invalid', reason: `"${block}" is not a real date` };
    return dateFound(date, null, m[4]);
  }
  const r = RANGE_RE.exec(block);
  if (!r) return NOT_A_DATE;
  const endMonth = monthOf(r[5]!);
  const startMonth = r[2] ? monthOf(r[2]) : endMonth;
  if (endMonth === undefined || startMonth === undefined) return NOT_A_DATE;
  const endYear = Number(r[6]);
  const end = isoDate(endYear, endMonth, Number(r[4]));
  // A start without its own year shares the end's, or the year before across New Year (`30 December - 2 January 2025`).
  const startYear = r[3] ? Number(r[3]) : startMonth > endMonth ? endYear - 1 : endYear;
  const start = isoDate(startYear, startMonth, Number(r[1]));
  if (start === null || end === null || start >= end) return { kind: 'invalid', reason: `"${block}" is not a real date range` };
  return dateFound(start, end, r[7]);
}

/**
 * DATE_RE's reading of a date as most pages print it, `29 November 2021` or `24 November 2004, NEW
 * DELHI` (one or two digits, a space, ASCII letters that name a month, a space, four digits, then the
 * end or a comma), without the pattern: null for any other text, which the patterns read.
 */
function plainDate(block: string): DateParse | null {
  const length = block.length;
  let i = 1;
  if (isDigitAt(block, i)) i++;
  if (block.charCodeAt(i) !== 32) return null;
  const wordStart = ++i;
  while (isAsciiLetterAt(block, i)) i++;
  if (i === wordStart || block.charCodeAt(i) !== 32) return null;
  const wordEnd = i++;
  const yearStart = i;
  while (i < yearStart + 4 && isDigitAt(block, i)) i++;
  if (i !== yearStart + 4) return null;
  let tail: string | undefined;
  if (i < length) {
    if (block.charCodeAt(i) !== 44) return null;
    // `.` in DATE_RE's place does not take a line end.
    for (let k = i + 1; k < length; k++) {
      const code = block.charCodeAt(k);
      if (code === 10 || code === 13 || code === 0x2028 || code === 0x2029) return null;
    }
    tail = block.slice(i + 1);
  }
  const month = monthOf(block.slice(wordStart, wordEnd));
  if (month === undefined) return null;
  const date = isoDate(Number(block.slice(yearStart, yearStart + 4)), month, Number(block.slice(0, wordStart - 1)));
  if (date === null) return { kind: 'invalid', reason: `"${block}" is not a real date` };
  return dateFound(date, null, tail);
}

function isDigitAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  return code >= 48 && code <= 57;
}

function isAsciiLetterAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i) | 0x20;
  return code >= 97 && code <= 122;
}

/** A date line read, with `tail` what follows the year's comma (the place), undefined without a comma. */
function dateFound(date: string, endDate: string | null, tail: string | undefined): DateParse {
  const place = tail?.trim();
  return { kind: 'date', value: { date, endDate, location: place ? place : null, comma: tail !== undefined } };
}

/** `YYYY-MM-DD`, or null when there is no such day. */
function isoDate(year: number, month: number, day: number): string | null {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > daysInMonth) return null;
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

/** True for a section heading between items: a month (`October 2023`) or a bare year (`2021`). */
export function isSectionHeading(line: string): boolean {
  const m = MONTH_HEADING_RE.exec(line.trim());
  return m !== null && (m[1] === undefined || monthOf(m[1].replaceAll('\u017f', 's')) !== undefined);
}

/**
 * True when a block could be the beginning of a date or a date range that was cut off: `19`, `19 Octo`,
 * `19 October 20`, `10 Feb`, `5 - 6 Ju`, `29 April -`. Used on the last block of a dump to spot a cut.
 */
export function isPartialDate(block: string): boolean {
  const text = block.trim();
  // Every form starts with the day's digits: most blocks (titles, labels) stop here.
  const first = text.charCodeAt(0);
  if (first < 48 || first > 57) return false;
  const sep = /\s*[-\u2013\u2014]\s*/.exec(text);
  if (!sep) return isPartialDay(text);
  const tail = text.slice(sep.index + sep[0].length);
  const start = RANGE_START_RE.exec(text.slice(0, sep.index));
  return start !== null && (start[2] === undefined || monthOf(start[2]) !== undefined) && (tail === '' || isPartialDay(tail));
}

const RANGE_START_RE = new RegExp(`^${DAY}(?:\\s+${MONTH}(?:\\s+${YEAR})?)?$`, 'i');

function isPartialDay(text: string): boolean {
  const m = /^(\d{1,2})(?:er|º|°)?(?:\s+(?:de\s+)?(\p{L}*)\.?(?:\s+(?:de\s+|del\s+)?(\d{0,3}))?)?$/iu.exec(text);
  if (!m) return false;
  const word = m[2]?.toLowerCase();
  if (word === undefined || word === '') return true;
  for (const name of MONTHS.keys()) if (name.startsWith(word)) return true;
  return false;
}
