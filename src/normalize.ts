/** Text normalised for comparison: titles, summaries and page names (the keys of items and topics). */

import type { ParsedItem } from './model.js';

/**
 * Normalises a title for comparison: case folded, Unicode compatibility form, every run of
 * punctuation, quotes and white space made one space. `ILO’s  EU-funded` == `ILO's EU funded`.
 */
export function titleKey(title: string): string {
  if (title.length > MEMO_LENGTH) return computeTitleKey(title);
  let key = memo.get(title);
  if (key === undefined) {
    key = computeTitleKey(title);
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    // A copy of the title: the parser's are slices of the dump's text, which a slice keeps alive. The
    // key is the title itself when keying changed nothing (`internationalisation`): then the copy too.
    const own = (' ' + title).slice(1);
    memo.set(own, key === title ? own : key);
  }
  return key;
}

/**
 * The keys of titles seen lately. A re-dump shows mostly the titles of the last dump of its page,
 * and a dump's titles are keyed up to four times (matching, the item key, the row, the topic rule):
 * titleKey was a tenth of a batch ingest. Bounded, and only short texts (titles, labels, page names;
 * summaries are longer and rarely seen twice): at most 2.6 MB, about 1 MB for titles as pages have them.
 */
const memo = new Map<string, string>();
const MEMO_ENTRIES = 4096;
const MEMO_LENGTH = 160;

function computeTitleKey(title: string): string {
  const lower = title.toLowerCase();
  // Plain ASCII, Latin-1, Latin Extended-A (ă, ţ, ő) and typographic punctuation (’ “ – …): most titles
  // and summaries. NFKC leaves these letters as they are and makes the punctuation other punctuation,
  // so plain ranges give the same key as the Unicode classes, without building those (a few
  // milliseconds of every cron run). The characters whose NFKC form is another letter or digit (ª ² ³
  // µ ¹ º ¼ ½ ¾ ĳ ŀ ŉ ſ) take the full path; a test compares the two paths on every pair of these characters.
  return LATIN.test(lower) ? latinKey(lower) : titleKeyFull(lower);
}

/**
 * The key of a lower-cased text of LATIN's characters: its runs of letters and digits (a-z, 0-9,
 * U+00C0 to U+017F but × and ÷) joined by one space. One pass into a buffer: a replace by pattern
 * took twice the time (a match for every gap between words), and a batch keys every new item's summary.
 */
function latinKey(lower: string): string {
  if (keyBuffer.length < lower.length) keyBuffer = new Uint16Array(lower.length * 2);
  let n = 0;
  let gap = false;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 0xc0 && c <= 0x17f && c !== 0xd7 && c !== 0xf7)) {
      if (gap && n > 0) keyBuffer[n++] = 32;
      gap = false;
      keyBuffer[n++] = c;
    } else gap = true;
  }
  return UTF16.decode(keyBuffer.subarray(0, n));
}

let keyBuffer = new Uint16Array(1024);
const UTF16 = new TextDecoder('utf-16le');

/** titleKey of a lower-cased text by the Unicode definition: NFKC, then letters and numbers. */
export function titleKeyFull(lower: string): string {
  return lower
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const LATIN = /^[\x00-\xa9\xab-\xb1\xb4\xb6-\xb8\xbb\xbf-\u0131\u0134-\u013e\u0141-\u0148\u014a-\u017e\u2010-\u205f]*$/;

/** Normalised summary for comparison, or null when there is none. */
export function summaryKey(summary: string | null): string | null {
  if (summary === null) return null;
  const k = titleKey(summary);
  return k === '' ? null : k;
}

/**
 * Keys made already, by the item: the read-ahead worker keys the items it sends whole (new and
 * edited ones, whose keys the store needs) on the machine's other core, and they are taken here.
 * Keyed here otherwise; the same functions either way.
 */
const keyed = new WeakMap<ParsedItem, { title: string; summary: string | null }>();

/** Records the title and summary keys made for an item elsewhere. */
export function keyedAlready(item: ParsedItem, title: string, summary: string | null): void {
  keyed.set(item, { title, summary });
}

/** titleKey of the item's title. */
export function itemTitleKey(item: ParsedItem): string {
  return keyed.get(item)?.title ?? titleKey(item.title);
}

/** summaryKey of the item's summary. */
export function itemSummaryKey(item: ParsedItem): string | null {
  const made = keyed.get(item);
  return made ? made.summary : summaryKey(item.summary);
}
