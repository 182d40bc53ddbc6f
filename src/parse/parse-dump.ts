import { ParseError } from '../errors.js';
import type { ParsedDump, ParsedItem } from '../model.js';
import { isMonthHeading, isPartialDate, parseDateLine, type DateLine } from './dates.js';

/**
 * The dump format (see README "The dump format"): a preamble whose last heading names the page, then
 * items introduced by `  N. `, each a sequence of blank-line-separated blocks indented by four spaces:
 * [© credit] [category label] title [date[, PLACE]] [summary paragraphs...].
 */

// An item marker: up to three spaces, a number, a dot, then the first block or nothing.
const ITEM_RE = /^ {0,3}(\d{1,5})\.(?:[ \t]+(.*))?$/;

interface RawItem {
  number: number;
  /** 1-based line of the marker, for error messages. */
  line: number;
  blocks: string[];
}

/** Parses the text of one dump; `file` is used in error messages only. */
export function parseDump(text: string, file: string): ParsedDump {
  // Not a regex: an unanchored /[\r\n]$/ would be tried at every position of a large dump.
  const lastCode = text.charCodeAt(text.length - 1);
  const endsWithNewline = lastCode === 10 || lastCode === 13;
  // One scan of the whole text for what is rare (control characters, CR, odd white space), so that
  // the common case needs no regular expression per line.
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const odd = RARE.test(body);
  if (odd) body = body.replace(CONTROL_CHARS, '').replace(/\r\n?/g, '\n');
  const preamble: string[] = [];
  const raws: RawItem[] = [];
  let current: RawItem | null = null;
  let block: string | null = null;

  const endBlock = (): void => {
    if (current && block !== null) current.blocks.push(odd || block.includes('  ') ? collapse(block) : block);
    block = null;
  };
  const addToBlock = (part: string): void => {
    block = block === null ? part : `${block} ${part}`;
  };

  let lineNo = 0;
  for (let start = 0; start <= body.length;) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    lineNo++;
    let stop = end;
    while (stop > start && isSpace(body.charCodeAt(stop - 1))) stop--;
    let indent = start;
    while (indent < stop && body.charCodeAt(indent) === 32) indent++;
    const next = end + 1;
    if (stop === start || indent === stop) {
      endBlock();
      start = next;
      continue;
    }
    // Cheap test first: a marker has at most three spaces, then a digit.
    const marker = indent - start <= 3 && isDigit(body.charCodeAt(indent)) ? ITEM_RE.exec(body.slice(start, stop)) : null;
    if (marker) {
      endBlock();
      current = { number: Number(marker[1]), line: lineNo, blocks: [] };
      raws.push(current);
      const first = marker[2]?.trim();
      if (first) block = first;
    } else if (!current) {
      preamble.push(body.slice(indent, stop).trim());
    } else if (indent > start) {
      // Already trimmed: `indent` skipped the spaces, `stop` the trailing white space.
      addToBlock(body.slice(indent, stop));
    } else if (body.charCodeAt(start) === 9) {
      addToBlock(body.slice(start, stop).trim());
    } else {
      // An unindented line between items: a month heading (`October 2023`) or page chrome such as
      // pagination. It belongs to no item; it only ends the block in hand.
      endBlock();
      if (!isMonthHeading(body.slice(start, stop))) current = null;
    }
    start = next;
  }
  endBlock();

  if (preamble.length === 0 && raws.length === 0) throw new ParseError(file, 'empty file (whitespace only)', 'empty');
  if (raws.length === 0) throw new ParseError(file, 'no items: no line starts with "  1. "', 'no-items');
  const topic = pickTopic(preamble);
  if (topic === null) throw new ParseError(file, `no page heading before the first item (line ${raws[0]!.line})`, 'format');

  const seen: SeenSoFar = { labels: new Set(), datelines: 0, datelinesWithComma: 0 };
  const items = raws.map((raw, i) => interpretItem(raw, file, seen, i === raws.length - 1 ? endsWithNewline : null));
  // Only a restart of the numbering (an older section) can list an item a second time.
  const restarted = raws.some((raw, i) => i > 0 && raw.number <= raws[i - 1]!.number);
  return { topic, items: restarted ? dedupeItems(items) : items };
}

/**
 * The topic is the last preamble line that reads as a heading. Page chrome may come before it and a
 * description sentence after it, so a line that reads like a sentence is passed over.
 */
function pickTopic(preamble: string[]): string | null {
  for (let i = preamble.length - 1; i >= 0; i--) {
    const line = preamble[i]!;
    if (!looksLikeSentence(line) && !isMonthHeading(line)) return collapse(line);
  }
  const last = preamble[preamble.length - 1];
  return last === undefined ? null : collapse(last);
}

function looksLikeSentence(line: string): boolean {
  return /[.!?…]["”’)]?$/.test(line) || line.split(/\s+/).length > 15;
}

/** What earlier items of the same dump showed; the page's own habits help read the next item. */
interface SeenSoFar {
  /** Labels seen before a title in dated items: they tell a dateless item's label from its title. */
  labels: Set<string>;
  datelines: number;
  datelinesWithComma: number;
}

/**
 * Turns the blocks of one item into fields. `lastItemNewline` is null for every item but the last,
 * for which it says whether the file ended with a newline (a cut-off write usually does not).
 */
function interpretItem(raw: RawItem, file: string, seen: SeenSoFar, lastItemNewline: boolean | null): ParsedItem {
  const where = `line ${raw.line}: item ${raw.number}`;
  const isLast = lastItemNewline !== null;
  const truncated = (why: string): ParseError => new ParseError(file, `truncated: ${where} ${why}`, 'truncated');
  const blocks = raw.blocks;

  let rest = blocks;
  let credit: string | null = null;
  if (rest[0]?.startsWith('©')) {
    credit = rest[0];
    rest = rest.slice(1);
  }
  if (rest.length === 0) {
    if (isLast) throw truncated('ends before its title');
    throw new ParseError(file, `${where} has no title`, 'format');
  }

  let dateIndex = -1;
  let dateValue: DateLine | null = null;
  for (let i = 0; i < rest.length; i++) {
    const parsed = parseDateLine(rest[i]!);
    if (parsed.kind === 'invalid') throw new ParseError(file, `${where}: ${parsed.reason}`, 'format');
    if (parsed.kind === 'date') {
      dateIndex = i;
      dateValue = parsed.value;
      break;
    }
  }

  if (isLast) {
    const lastBlock = rest[rest.length - 1]!;
    if (dateIndex !== rest.length - 1 && isPartialDate(lastBlock)) throw truncated(`ends inside its date ("${lastBlock}")`);
    if (dateIndex < 0 && rest.length === 1) throw truncated('ends after its first block (no date, no summary)');
    // A dateless last item must end in a sentence (its summary): a label and half a title must not
    // pass for a complete item.
    if (dateIndex < 0 && !endsLikeSentence(lastBlock)) throw truncated('ends before its date or summary');
    if (dateIndex >= 0 && dateIndex < rest.length - 1 && !lastItemNewline && !endsLikeSentence(lastBlock)) {
      throw truncated('ends mid-sentence');
    }
    // A file that stops right after a dateline may have lost the end of it: `, BEIJING` or `, BEIJ`.
    // A bare date is complete unless every earlier dateline of this page carried a comma.
    if (dateValue && dateIndex === rest.length - 1 && !lastItemNewline) {
      const pageUsesCommas = seen.datelines > 0 && seen.datelinesWithComma === seen.datelines;
      if (dateValue.comma || pageUsesCommas) throw truncated('ends at its dateline, which may be cut');
    }
  }

  if (dateValue) {
    if (dateIndex === 0) throw new ParseError(file, `${where} has a date but no title`, 'format');
    const title = rest[dateIndex - 1]!;
    const before = rest.slice(0, dateIndex - 1);
    const category = before.length > 0 ? before.join(' / ') : null;
    if (category) seen.labels.add(category.toLowerCase());
    seen.datelines++;
    if (dateValue.comma) seen.datelinesWithComma++;
    return {
      title,
      date: dateValue.date,
      summary: joinParagraphs(rest.slice(dateIndex + 1)),
      category,
      credit,
      location: dateValue.location,
    };
  }

  // No date: label?, title, summary?. A first block is a label when it is one this page uses, or
  // when it is short like a label and followed by a title plus more (a summary).
  const first = rest[0]!;
  const isLabel =
    rest.length >= 2 &&
    (seen.labels.has(first.toLowerCase()) || (looksLikeLabel(first) && (rest.length >= 3 || !looksLikeSentence(rest[1]!))));
  if (isLabel) {
    return { title: rest[1]!, date: null, summary: joinParagraphs(rest.slice(2)), category: first, credit, location: null };
  }
  return { title: first, date: null, summary: joinParagraphs(rest.slice(1)), category: null, credit, location: null };
}

function looksLikeLabel(block: string): boolean {
  return block.length <= 40 && block.split(/\s+/).length <= 5 && !/[.!?:;,]$/.test(block);
}

function endsLikeSentence(block: string): boolean {
  return /[.!?…:;)\]"'”’»]$/.test(block);
}

function joinParagraphs(paragraphs: string[]): string | null {
  return paragraphs.length > 0 ? paragraphs.join('\n\n') : null;
}

/**
 * When numbering restarts, an older section can list an item the page already showed. The same item
 * twice in one dump is kept once, at its first place.
 */
function dedupeItems(items: ParsedItem[]): ParsedItem[] {
  const seen = new Map<string, ParsedItem[]>();
  return items.filter((item) => {
    const same = seen.get(item.title);
    if (same?.some((other) => sameItem(other, item))) return false;
    if (same) same.push(item);
    else seen.set(item.title, [item]);
    return true;
  });
}

function sameItem(a: ParsedItem, b: ParsedItem): boolean {
  return a.date === b.date && a.summary === b.summary && a.category === b.category && a.credit === b.credit && a.location === b.location;
}

// Double spaces, tabs and other white space inside a block become one space.
function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13;
}

// C0/C1 controls other than tab and line ends are not text; they would also make the XML feeds invalid.
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/g;
// Anything the plain scan does not handle: controls, CR, tabs, white space other than a space.
const RARE = /[\u0000-\u0009\u000b-\u001f\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\ufffe\uffff]/;
