import { ParseError } from '../errors.js';
import { sameContent, type ParsedDump, type ParsedItem } from '../model.js';
import { decodeDumpText, type DumpEncoding } from '../source/decode-dump.js';
import { isPartialDate, isSectionHeading, parseDateLine, type DateLine } from './dates.js';
import { endsMidSentence, isContactBox, isContactDetail, isContactLine, looksLikeSentence } from './shapes.js';

/**
 * The dump format (see README "The dump format"): a preamble whose heading names the page, then
 * items introduced by `  N. `, each a sequence of blank-line-separated blocks indented by four spaces:
 * [© credit] [category label] title [date or date range[, PLACE]] [summary paragraphs...].
 *
 * A dump has no end marker, so its text is never rejected for how it ends: only the last item can be
 * spoilt by a cut, and only that item is held back, when even its title or date may be cut.
 */

// An item marker: up to three spaces, a number of any width, a dot, then the first block or nothing.
const ITEM_RE = /^ {0,3}(\d+)\.(?:[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+(.*))?$/;

const CUT_MARKER_RE = /^\d+$/;

/** An item as the lines give it: its blocks are `blocks[from]` to `blocks[to - 1]` of the dump's blocks. */
interface RawItem {
  number: number;
  /** 1-based line of the marker, for messages. */
  line: number;
  from: number;
  to: number;
  /** Unindented lines after the item and before the next marker (headings, page chrome), or null for none. */
  after: string[] | null;
}

/** What the caller knows of the text beyond what it says. */
export interface ParseOptions {
  /**
   * The bytes ended inside a character (a write cut off): the last block is known to be cut, so the last
   * item is kept only when its title and date came before the cut.
   */
  cutAtEnd?: boolean;
}

/** Decodes and parses the bytes of one dump (a character cut at the end counts as evidence of a cut). */
export function parseDumpBytes(bytes: Uint8Array, file: string, encoding?: DumpEncoding): ParsedDump {
  const { text, cutAtEnd } = decodeDumpText(bytes, file, encoding);
  return parseDump(text, file, { cutAtEnd });
}

/** Parses the text of one dump; `file` is used in messages only. */
export function parseDump(text: string, file: string, options: ParseOptions = {}): ParsedDump {
  // Not a regex: an unanchored /[\r\n]$/ would be tried at every position of a large dump.
  const lastCode = text.charCodeAt(text.length - 1);
  const endsWithNewline = lastCode === 10 || lastCode === 13;
  // One scan of the whole text for what is rare (control characters, CR, odd white space), so that
  // the common case needs no regular expression per line.
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const odd = RARE.test(body);
  if (odd) body = normaliseRare(body);
  // Preamble lines, with '' where a blank line ends a paragraph.
  const preamble: string[] = [];
  const raws: RawItem[] = [];
  // The blocks of every item, in order (an item's are one run of them).
  const blocks: string[] = [];
  let current: RawItem | null = null;
  // The block in hand: its lines joined by a space. Non-null only while an item is (`current`).
  let block: string | null = null;

  let lineNo = 0;
  const length = body.length;
  for (let start = 0; start <= length;) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = length;
    lineNo++;
    let stop = end;
    while (stop > start && isSpace(body.charCodeAt(stop - 1))) stop--;
    let indent = start;
    while (indent < stop && body.charCodeAt(indent) === 32) indent++;
    const next = end + 1;
    if (indent === stop) {
      if (block !== null) current!.to = blocks.push(finishBlock(block, odd));
      block = null;
      if (raws.length === 0 && preamble.length > 0 && preamble[preamble.length - 1] !== '') preamble.push('');
      start = next;
      continue;
    }
    const marginal = indent - start <= 3;
    // A number alone on the file's last line is the beginning of a marker that a cut write stopped in.
    if (end === length && marginal && CUT_MARKER_RE.test(body.slice(indent, stop))) break;
    // Cheap test first: a marker has at most three spaces, then a digit.
    const marker = marginal && isDigit(body.charCodeAt(indent)) ? readMarker(body, start, indent, stop, odd) : null;
    if (marker) {
      if (block !== null) current!.to = blocks.push(finishBlock(block, odd));
      current = { number: marker.number, line: lineNo, from: blocks.length, to: blocks.length, after: null };
      raws.push(current);
      block = marker.first;
    } else if (raws.length === 0) {
      preamble.push(collapse(body.slice(indent, stop)));
    } else if (current && indent > start) {
      // Already trimmed: `indent` skipped the spaces, `stop` the trailing white space.
      const part = body.slice(indent, stop);
      block = block === null ? part : `${block} ${part}`;
    } else if (current && body.charCodeAt(start) === 9) {
      const part = body.slice(start, stop).trim();
      block = block === null ? part : `${block} ${part}`;
    } else {
      // An unindented line between items: a section heading (`October 2023`, `2021`) or page chrome
      // such as pagination. It belongs to no item and ends the block in hand; after chrome, indented
      // lines belong to no item until the next marker.
      if (block !== null) current!.to = blocks.push(finishBlock(block, odd));
      block = null;
      const line = collapse(body.slice(start, stop));
      const previous = raws[raws.length - 1]!;
      (previous.after ??= []).push(line);
      if (!isSectionHeading(line)) current = null;
    }
    start = next;
  }
  if (block !== null) current!.to = blocks.push(finishBlock(block, odd));

  if (preamble.length === 0 && raws.length === 0) throw new ParseError(file, 'empty file (whitespace only)', 'empty');
  if (raws.length === 0) throw new ParseError(file, 'no items: no line starts with "  1. "', 'no-items');
  const items = dropChromeItems(raws, blocks, preamble);
  if (items.length === 0) throw new ParseError(file, 'no items: the only numbered lines are contact details', 'no-items');

  const warnings: string[] = [];
  const picked = pickTopic(preamble);
  if (picked === null) {
    const last = preamble.filter((l) => l !== '').pop();
    const why = last === undefined ? '' : `: "${clip(last)}" is not a heading`;
    throw new ParseError(file, `no page heading before the first item (line ${items[0]!.line})${why}`, 'format');
  }
  if (picked.doubt) warnings.push(picked.doubt);

  const seen: SeenSoFar = { labels: new Set(), datelines: 0, datelinesWithComma: 0 };
  const wholeEnd = endsWithNewline && !options.cutAtEnd;
  const parsed: ParsedItem[] = [];
  for (let i = 0; i < items.length; i++) {
    const last = i === items.length - 1 ? { wholeEnd, cutAtEnd: options.cutAtEnd === true, dated: seen.datelines > 0 || i === 0 } : null;
    const item = interpretItem(items[i]!, blocks, file, seen, last, warnings);
    if (item) parsed.push(item);
  }
  if (parsed.length === 0) {
    throw new ParseError(file, `truncated: nothing complete to keep (${warnings[warnings.length - 1] ?? 'no item'})`, 'truncated');
  }
  // Only a restart of the numbering (an older section) can list an item a second time.
  const restarted = items.some((raw, i) => i > 0 && raw.number <= items[i - 1]!.number);
  return { topic: picked.topic, items: restarted ? dedupeItems(parsed) : parsed, warnings };
}

/** A block as an item keeps it: white space runs made one space (only text with them, or with rare characters, needs it). */
function finishBlock(block: string, odd: boolean): string {
  return odd || block.includes('  ') ? collapse(block) : block;
}

/**
 * The item marker on line [start, stop) (`indent` past its spaces, at a digit), or null: ITEM_RE's
 * reading. Text without rare characters (`odd` false) has only spaces for white space and no line
 * separators, and is read by hand: the digits, a dot, then the end of the line or spaces and the
 * first block.
 */
function readMarker(
  body: string,
  start: number,
  indent: number,
  stop: number,
  odd: boolean,
): { number: number; first: string | null } | null {
  if (odd) {
    const m = ITEM_RE.exec(body.slice(start, stop));
    return m ? { number: Number(m[1]), first: m[2]?.trim() || null } : null;
  }
  let dot = indent;
  while (dot < stop && isDigit(body.charCodeAt(dot))) dot++;
  if (dot === stop || body.charCodeAt(dot) !== 46) return null;
  const number = Number(body.slice(indent, dot));
  let first = dot + 1;
  if (first === stop) return { number, first: null };
  if (body.charCodeAt(first) !== 32) return null;
  // `stop` is past the line's trailing white space: a space here is followed by text.
  while (body.charCodeAt(first) === 32) first++;
  return { number, first: body.slice(first, stop) };
}

/**
 * A page's contact box can render as a numbered line before the heading (`  1. press@example.org`):
 * leading numbered "items" that are contact details are page chrome. Their other lines, and the
 * unindented lines after them (the real heading), join the preamble. Returns the real items.
 */
function dropChromeItems(raws: RawItem[], blocks: string[], preamble: string[]): RawItem[] {
  let first = 0;
  for (; first < raws.length; first++) {
    const raw = raws[first]!;
    const own = blocks.slice(raw.from, raw.to);
    if (!isChromeItem(own)) break;
    preamble.push('', ...own.filter((b) => !isContactDetail(b)), '', ...(raw.after ?? []));
  }
  return first === 0 ? raws : raws.slice(first);
}

function isChromeItem(blocks: string[]): boolean {
  const [first] = blocks;
  return first !== undefined && isContactDetail(first) && blocks.every((b) => parseDateLine(b).kind === 'none');
}

/**
 * The topic is the page heading: the last preamble line that reads as one. Page chrome and site names
 * come before it, description paragraphs and contact lines after it, so lines that read as sentences,
 * run on into the next line, or are dates, section headings or contact details are passed over.
 * When no line reads as a heading, the last line that could name a page is taken, with a warning;
 * when none could, there is no topic.
 */
function pickTopic(lines: string[]): { topic: string; doubt: string | null } | null {
  // Lines of a contact box (a paragraph with contact details in it) are names and job titles.
  const inContactBox = new Set<number>();
  for (let start = 0; start < lines.length;) {
    let end = start;
    while (end < lines.length && lines[end] !== '') end++;
    if (isContactBox(lines.slice(start, end))) for (let k = start; k < end; k++) inContactBox.add(k);
    start = end + 1;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line === '' || inContactBox.has(i) || neverHeading(line) || looksLikeSentence(line) || endsMidSentence(line) || startsLower(line)) {
      continue;
    }
    // A line whose paragraph goes on in lower case was wrapped mid-sentence.
    const next = lines[i + 1];
    if (next !== undefined && next !== '' && startsLower(next)) continue;
    return { topic: line, doubt: null };
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line !== '' && !neverHeading(line)) {
      return { topic: line, doubt: `page heading unclear: "${clip(line)}" taken as the page name` };
    }
  }
  return null;
}

/** A line that can never name a page: no letters, a section heading, a contact line, or never text (below). */
function neverHeading(line: string): boolean {
  return !hasLetter(line) || isSectionHeading(line) || isContactLine(line) || notText(line);
}

// ASCII first: the Unicode patterns' first use builds their tables, a few milliseconds of every run.
function hasLetter(line: string): boolean {
  return /[A-Za-z]/.test(line) || /\p{L}/u.test(line);
}

function startsLower(line: string): boolean {
  const first = line.charCodeAt(0);
  return first < 0x80 ? first >= 97 && first <= 122 : /^\p{Ll}/u.test(line);
}

/** What earlier items of the same dump showed; the page's own habits help read the next item. */
interface SeenSoFar {
  /** Labels seen before a title in dated items: they tell a dateless item's label from its title. */
  labels: Set<string>;
  datelines: number;
  datelinesWithComma: number;
}

/** How the last item of a dump ended, for the decision to keep it or hold it back. */
interface LastItem {
  /** The file ended with a line end (the last line was finished) and nothing says it was cut. */
  wholeEnd: boolean;
  /** The bytes were cut inside a character: the last block is certainly cut. */
  cutAtEnd: boolean;
  /** Earlier items of this page carry dates (or it is the only item): a dateless last item may have lost its date. */
  dated: boolean;
}

/** Where an item is, for messages. */
function whereIs(raw: RawItem): string {
  return `line ${raw.line}: item ${raw.number}`;
}

/** Null, with the warning that the last item is held back. */
function hold(raw: RawItem, why: string, warnings: string[]): null {
  warnings.push(`${whereIs(raw)} (the last) held back: ${why}`);
  return null;
}

/**
 * Turns the blocks of one item into fields; null when it is held back or passed over, with a warning
 * in `warnings` (as for a kept last item that may be cut). `last` is null for every item but the last,
 * the only one a cut can spoil: it is kept when its title and date are whole, and held back when even
 * they may be cut. A kept last item whose place or summary may be cut heals at the next dump that
 * shows it whole. The blocks are read in place: `from` is the first after a photo credit.
 */
function interpretItem(
  raw: RawItem,
  blocks: string[],
  file: string,
  seen: SeenSoFar,
  last: LastItem | null,
  warnings: string[],
): ParsedItem | null {
  const end = raw.to;
  let from = raw.from;
  let credit: string | null = null;
  if (from < end && blocks[from]!.charCodeAt(0) === 0xa9) {
    credit = blocks[from]!;
    from++;
  }
  if (from === end) {
    if (last) return hold(raw, 'it ends before its title', warnings);
    throw new ParseError(file, `${whereIs(raw)} has no title`, 'format');
  }

  let dateIndex = -1;
  let dateValue: DateLine | null = null;
  for (let i = from; i < end; i++) {
    const parsed = parseDateLine(blocks[i]!);
    if (parsed.kind === 'invalid') {
      // A cut can leave a date that reads as another one only in its last block; earlier, it is the page's.
      if (last && i === end - 1) return hold(raw, parsed.reason, warnings);
      throw new ParseError(file, `${whereIs(raw)}: ${parsed.reason}`, 'format');
    }
    if (parsed.kind === 'date') {
      dateIndex = i;
      dateValue = parsed.value;
      break;
    }
  }

  const lastBlock = blocks[end - 1]!;
  if (last && dateIndex !== end - 1 && isPartialDate(lastBlock)) return hold(raw, `its date may be cut ("${clip(lastBlock)}")`, warnings);

  if (dateValue) {
    if (dateIndex === from) throw new ParseError(file, `${whereIs(raw)} has a date but no title`, 'format');
    const title = blocks[dateIndex - 1]!;
    // The blocks before the date are no dates (read above): only their other shapes are in question.
    if (notTextUndated(title)) return passOver(raw, title, warnings);
    let category: string | null = null;
    if (dateIndex - 1 > from) {
      const labels = blocks.slice(from, dateIndex - 1);
      const bad = labels.find(notTextUndated);
      if (bad !== undefined) return passOver(raw, bad, warnings);
      category = labels.join(' / ');
      seen.labels.add(category.toLowerCase());
    }
    const pageUsesCommas = seen.datelines > 0 && seen.datelinesWithComma === seen.datelines;
    seen.datelines++;
    if (dateValue.comma) seen.datelinesWithComma++;
    const item: ParsedItem = {
      title,
      date: dateValue.date,
      endDate: dateValue.endDate,
      summary: joinParagraphs(blocks, dateIndex + 1, end),
      category,
      credit,
      location: dateValue.location,
    };
    if (!last) return item;
    // The item ends at its dateline: a cut may have taken the place, or all of it after a page's usual comma.
    const endsAtDate = dateIndex === end - 1;
    const placeMayBeCut = endsAtDate && (dateValue.comma || pageUsesCommas);
    return mayBeCut(raw, item, last, lastBlock, endsAtDate ? (placeMayBeCut ? 'its place' : null) : 'its summary', warnings);
  }

  // No date: label?, title, summary?. A first block is a label when it is one this page uses, or
  // when it is short like a label and followed by a title plus more (a summary).
  const rest = end - from;
  if (last) {
    if (rest === 1 && (last.cutAtEnd || seen.labels.has(lastBlock.toLowerCase()))) {
      return hold(raw, last.cutAtEnd ? 'its title is cut' : `"${clip(lastBlock)}" is a label with no title`, warnings);
    }
    // On a page with dates, the date comes after the title: a dateless last item is whole only when a
    // summary follows its title (three blocks, or a second one that ends a sentence); otherwise the cut
    // may have taken its date, or the end of its title.
    const summarised = rest >= 3 || (rest === 2 && !last.cutAtEnd && /[.!?…]["”’»)]?$/.test(lastBlock));
    if (last.dated && !summarised) return hold(raw, 'it has no date: its date, or the end of its title, may be cut', warnings);
  }
  const first = blocks[from]!;
  const isLabel =
    rest >= 2 && (seen.labels.has(first.toLowerCase()) || (looksLikeLabel(first) && (rest >= 3 || !looksLikeSentence(blocks[from + 1]!))));
  const category = isLabel ? first : null;
  const title = isLabel ? blocks[from + 1]! : first;
  const summaryFrom = isLabel ? from + 2 : from + 1;
  // Every block was read as no date line above.
  const bad = notTextUndated(title) ? title : category !== null && notTextUndated(category) ? category : undefined;
  if (bad !== undefined) return passOver(raw, bad, warnings);
  const item: ParsedItem = {
    title,
    date: null,
    endDate: null,
    summary: joinParagraphs(blocks, summaryFrom, end),
    category,
    credit,
    location: null,
  };
  if (!last) return item;
  return mayBeCut(raw, item, last, lastBlock, summaryFrom < end ? 'its summary' : 'its title', warnings);
}

/**
 * A kept last item, with a warning in `warnings` when its end may be cut: the bytes were cut, or the
 * file stops, without a line end, at a dateline's place or at a comma or a word that runs on.
 */
function mayBeCut(raw: RawItem, item: ParsedItem, last: LastItem, lastBlock: string, part: string | null, warnings: string[]): ParsedItem {
  if (part === null) return item;
  // A dateline place can stop anywhere, so without a line end a place (or a page's usual one) is in doubt.
  const evidence = last.cutAtEnd || (!last.wholeEnd && (part === 'its place' || endsMidSentence(lastBlock)));
  if (!evidence) return item;
  const what = part === 'its place' ? 'at its dateline' : `in ${part}`;
  warnings.push(
    `${whereIs(raw)} (the last) may be cut ${what}, which stops at "${clip(lastBlock.slice(-30))}": kept; a later dump that shows it whole completes it`,
  );
  return item;
}

/** A block that is never a title or a label: a date-like line, or contact details. */
function notText(block: string): boolean {
  return notTextUndated(block) || parseDateLine(block).kind !== 'none';
}

/** notText of a block already read as no date line. */
function notTextUndated(block: string): boolean {
  return isContactDetail(block) || isPartialDate(block);
}

/** Null, with the warning that the item is passed over for `block`, its title or a label. */
function passOver(raw: RawItem, block: string, warnings: string[]): null {
  const what = isContactDetail(block) ? 'contact details' : 'a date';
  warnings.push(`${whereIs(raw)} passed over: "${clip(block)}" is ${what}, not a title or label`);
  return null;
}

/** A line shortened for a message, with control characters made visible. */
function clip(text: string): string {
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > 60 ? `${safe.slice(0, 57)}...` : safe;
}

function looksLikeLabel(block: string): boolean {
  return block.length <= 40 && block.split(/\s+/).length <= 5 && !/[.!?:;,]$/.test(block);
}

/** blocks[from] to blocks[to - 1], as paragraphs joined by a blank line; null when there are none. */
function joinParagraphs(blocks: string[], from: number, to: number): string | null {
  if (from >= to) return null;
  let text = blocks[from]!;
  for (let i = from + 1; i < to; i++) text += '\n\n' + blocks[i]!;
  return text;
}

/**
 * When numbering restarts, an older section can list an item the page already showed. The same item
 * twice in one dump is kept once, at its first place; so is a last item that is the beginning of an
 * earlier one (a repeat that a cut shortened).
 */
function dedupeItems(items: ParsedItem[]): ParsedItem[] {
  const seen = new Map<string, ParsedItem[]>();
  return items.filter((item, i) => {
    const same = seen.get(item.title);
    const isLast = i === items.length - 1;
    if (same?.some((other) => sameContent(other, item) || (isLast && beginsItem(item, other)))) return false;
    if (same) same.push(item);
    else seen.set(item.title, [item]);
    return true;
  });
}

/** True when `part` is `whole` with its place, summary or range end cut short. */
function beginsItem(part: ParsedItem, whole: ParsedItem): boolean {
  const begins = (a: string | null, b: string | null): boolean => a === null || a === b || (b !== null && b.startsWith(a));
  return (
    part.date === whole.date &&
    part.category === whole.category &&
    part.credit === whole.credit &&
    begins(part.endDate, whole.endDate) &&
    begins(part.location, whole.location) &&
    begins(part.summary, whole.summary)
  );
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

/**
 * The slow path for text with rare characters: CR and CR LF become LF; the Unicode line and paragraph
 * separators (U+2028, U+2029) and NEL (U+0085) are white space inside a line, never a line end, and
 * are dropped from a line's indentation (so `  5.\u2028Title` is still item 5); controls are removed.
 */
function normaliseRare(text: string): string {
  let out = text.replace(/\r\n?/g, '\n');
  if (SEPARATORS.test(out)) {
    out = out
      .replace(/(^|\n)([ \t\u2028\u2029\u0085]+)/g, (_, nl: string, ws: string) => nl + ws.replace(SEPARATORS_ALL, ''))
      .replace(SEPARATORS_ALL, ' ');
  }
  return out.replace(CONTROL_CHARS, '');
}

const SEPARATORS = /[\u2028\u2029\u0085]/;
const SEPARATORS_ALL = /[\u2028\u2029\u0085]/g;

// C0/C1 controls other than tab and line ends are not text; they would also make the XML feeds invalid.
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/g;
// Anything the plain scan does not handle: controls, CR, tabs, white space other than a space.
const RARE = /[\u0000-\u0009\u000b-\u001f\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\ufffe\uffff]/;
