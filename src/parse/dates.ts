/**
 * Dates as listing pages print them: `29 November 2021`, `17 January 2005,`, `24 November 2004, NEW DELHI`,
 * in English, French (`29 novembre 2021`, `1er mars 2021`) and Spanish (`29 de noviembre de 2021`).
 */

const MONTHS: Record<string, number> = {};
const NAMES: string[][] = [
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
NAMES.forEach((names, i) => names.forEach((n) => (MONTHS[n] = i + 1)));

const MONTH_ALT = Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join('|');

// D[er] [de] Month[.] [de] YYYY [, PLACE] — the whole block must be the date.
const DATE_RE = new RegExp(
  `^(\\d{1,2})(?:er|º|°)?\\s+(?:de\\s+)?(${MONTH_ALT})\\.?\\s+(?:de\\s+|del\\s+)?(\\d{4})\\s*(?:,\\s*(.*?))?\\s*$`,
  // Not 'u': case-insensitive matching in unicode mode is several times slower, and the month
  // names' accented letters (é, û) fold the same without it.
  'i',
);

// Month[.] YYYY alone on an unindented line: a section heading between items.
const MONTH_HEADING_RE = new RegExp(`^(?:${MONTH_ALT})\\.?\\s+(?:de\\s+)?\\d{4}$`, 'iu');

/** A date block read from a dump. */
export interface DateLine {
  /** `YYYY-MM-DD`. */
  date: string;
  /** The dateline place after the comma, or null. */
  location: string | null;
  /** Whether the line has a comma after the year (`17 January 2005,` or `..., NEW DELHI`). */
  comma: boolean;
}

/** Result of reading a block as a date: a date, a date-shaped block that is not a real day, or not a date. */
export type DateParse = { kind: 'date'; value: DateLine } | { kind: 'invalid'; reason: string } | { kind: 'none' };

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const NOT_A_DATE: DateParse = Object.freeze({ kind: 'none' });

/** Reads a block as a date line. */
export function parseDateLine(block: string): DateParse {
  // Most blocks are titles and summaries: a date starts with a digit and is short.
  const first = block.charCodeAt(0);
  if (first < 48 || first > 57 || block.length > 80) return NOT_A_DATE;
  const m = DATE_RE.exec(block);
  if (!m) return NOT_A_DATE;
  const day = Number(m[1]);
  const month = MONTHS[m[2]!.toLowerCase()]!;
  const year = Number(m[3]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > daysInMonth) return { kind: 'invalid', reason: `"${block}" is not a real date` };
  const place = m[4]?.trim();
  const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { kind: 'date', value: { date, location: place ? place : null, comma: m[4] !== undefined } };
}

/** True for a month heading such as `October 2023`. */
export function isMonthHeading(line: string): boolean {
  return MONTH_HEADING_RE.test(line.trim());
}

/**
 * True when a block could be the beginning of a date that was cut off: `19`, `19 Octo`, `19 October 20`.
 * Used only on the last block of a dump to spot a truncated write.
 */
export function isPartialDate(block: string): boolean {
  const m = /^(\d{1,2})(?:\s+(?:de\s+)?(\p{L}*)\.?(?:\s+(?:de\s+)?(\d{0,3}))?)?$/iu.exec(block.trim());
  if (!m) return false;
  const word = m[2]?.toLowerCase();
  if (word === undefined || word === '') return true;
  return Object.keys(MONTHS).some((name) => name.startsWith(word));
}
