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

interface RawItem {
  number: number;
  /** 1-based line of the marker, for messages. */
  line: number;
  blocks: string[];
  /** Unindented lines after the item and before the next marker (headings, page chrome). */
  after: string[];
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
      if (raws.length === 0 && preamble.length > 0 && preamble[preamble.length - 1] !== '') preamble.push('');
      start = next;
      continue;
    }
    // A number alone on the file's last line is the beginning of a marker that a cut write stopped in.
    if (end === body.length && indent - start <= 3 && CUT_MARKER_RE.test(body.slice(indent, stop))) break;
    // Cheap test first: a marker has at most three spaces, then a digit.
    const marker = indent - start <= 3 && isDigit(body.charCodeAt(indent)) ? ITEM_RE.exec(body.slice(start, stop)) : null;
    if (marker) {
      endBlock();
      current = { number: Number(marker[1]), line: lineNo, blocks: [], after: [] };
      raws.push(current);
      const first = marker[2]?.trim();
      if (first) block = first;
    } else if (raws.length === 0) {
      preamble.push(collapse(body.slice(indent, stop)));
    } else if (current && indent > start) {
      // Already trimmed: `indent` skipped the spaces, `stop` the trailing white space.
      addToBlock(body.slice(indent, stop));
    } else if (current && body.charCodeAt(start) === 9) {
      addToBlock(body.slice(start, stop).trim());
    } else {
      // An unindented line between items: a section heading (`October 2023`, `2021`) or page chrome
      // such as pagination. It belongs to no item and ends the block in hand; after chrome, indented
      // lines belong to no item until the next marker.
      endBlock();
      const line = collapse(body.slice(start, stop));
      raws[raws.length - 1]!.after.push(line);
      if (!isSectionHeading(line)) current = null;
    }
    start = next;
  }
  endBlock();

  if (preamble.length === 0 && raws.length === 0) throw new ParseError(file, 'empty file (whitespace only)', 'empty');
  if (raws.length === 0) throw new ParseError(file, 'no items: no line starts with "  1. "', 'no-items');
  const items = dropChromeItems(raws, preamble);
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
  items.forEach((raw, i) => {
    const last = i === items.length - 1 ? { wholeEnd, cutAtEnd: options.cutAtEnd === true, dated: seen.datelines > 0 || i === 0 } : null;
    const result = interpretItem(raw, file, seen, last);
    if (result.doubt) warnings.push(result.doubt);
    if (result.item) parsed.push(result.item);
  });
  if (parsed.length === 0) {
    throw new ParseError(file, `truncated: nothing complete to keep (${warnings[warnings.length - 1] ?? 'no item'})`, 'truncated');
  }
  // Only a restart of the numbering (an older section) can list an item a second time.
  const restarted = items.some((raw, i) => i > 0 && raw.number <= items[i - 1]!.number);
  return { topic: picked.topic, items: restarted ? dedupeItems(parsed) : parsed, warnings };
}

/**
 * A page's contact box can render as a numbered line before the heading (`  1. press@example.org`):
 * leading numbered "items" that are contact details are page chrome. Their other lines, and the
 * unindented lines after them (the real heading), join the preamble. Returns the real items.
 */
function dropChromeItems(raws: RawItem[], preamble: string[]): RawItem[] {
  let first = 0;
  while (first < raws.length && isChromeItem(raws[first]!)) {
    const raw = raws[first]!;
    preamble.push('', ...raw.blocks.filter((b) => !isContactDetail(b)), '', ...raw.after);
    first++;
  }
  return first === 0 ? raws : raws.slice(first);
}

function isChromeItem(raw: RawItem): boolean {
  const [first] = raw.blocks;
  return first !== undefined && isContactDetail(first) && raw.blocks.every((b) => parseDateLine(b).kind === 'none');
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

/** An item read from its blocks, or none (held back or passed over), and the doubt to report. */
type Interpreted = { item: ParsedItem; doubt: string | null } | { item: null; doubt: string };

/**
 * Turns the blocks of one item into fields. `last` is null for every item but the last, the only one
 * a cut can spoil: it is kept when its title and date are whole, and held back (with a warning) when
 * even they may be cut. A kept last item whose place or summary may be cut heals at the next dump that
 * shows it whole.
 */
function interpretItem(raw: RawItem, file: string, seen: SeenSoFar, last: LastItem | null): Interpreted {
  const where = `line ${raw.line}: item ${raw.number}`;
  const hold = (why: string): Interpreted => ({ item: null, doubt: `${where} (the last) held back: ${why}` });
  let rest = raw.blocks;
  let credit: string | null = null;
  if (rest[0]?.startsWith('©')) {
    credit = rest[0];
    rest = rest.slice(1);
  }
  if (rest.length === 0) {
    if (last) return hold('it ends before its title');
    throw new ParseError(file, `${where} has no title`, 'format');
  }

  let dateIndex = -1;
  let dateValue: DateLine | null = null;
  for (let i = 0; i < rest.length; i++) {
    const parsed = parseDateLine(rest[i]!);
    if (parsed.kind === 'invalid') {
      // A cut can leave a date that reads as another one only in its last block; earlier, it is the page's.
      if (last && i === rest.length - 1) return hold(parsed.reason);
      throw new ParseError(file, `${where}: ${parsed.reason}`, 'format');
    }
    if (parsed.kind === 'date') {
      dateIndex = i;
      dateValue = parsed.value;
      break;
    }
  }

  const lastBlock = rest[rest.length - 1]!;
  if (last && dateIndex !== rest.length - 1 && isPartialDate(lastBlock)) return hold(`its date may be cut ("${clip(lastBlock)}")`);

  let item: ParsedItem;
  if (dateValue) {
    if (dateIndex === 0) throw new ParseError(file, `${where} has a date but no title`, 'format');
    const title = rest[dateIndex - 1]!;
    const labels = rest.slice(0, dateIndex - 1);
    const bad = notText(title) ? title : labels.find(notText);
    if (bad !== undefined) return passOver(where, bad);
    const category = labels.length > 0 ? labels.join(' / ') : null;
    if (category) seen.labels.add(category.toLowerCase());
    const pageUsesCommas = seen.datelines > 0 && seen.datelinesWithComma === seen.datelines;
    seen.datelines++;
    if (dateValue.comma) seen.datelinesWithComma++;
    item = {
      title,
      date: dateValue.date,
      endDate: dateValue.endDate,
      summary: joinParagraphs(rest.slice(dateIndex + 1)),
      category,
      credit,
      location: dateValue.location,
    };
    if (!last) return { item, doubt: null };
    // The item ends at its dateline: a cut may have taken the place, or all of it after a page's usual comma.
    const endsAtDate = dateIndex === rest.length - 1;
    const placeMayBeCut = endsAtDate && (dateValue.comma || pageUsesCommas);
    return { item, doubt: mayBeCut(where, last, lastBlock, endsAtDate ? (placeMayBeCut ? 'its place' : null) : 'its summary') };
  }

  // No date: label?, title, summary?. A first block is a label when it is one this page uses, or
  // when it is short like a label and followed by a title plus more (a summary).
  if (last) {
    if (rest.length === 1 && (last.cutAtEnd || seen.labels.has(lastBlock.toLowerCase()))) {
      return hold(last.cutAtEnd ? 'its title is cut' : `"${clip(lastBlock)}" is a label with no title`);
    }
    // On a page with dates, the date comes after the title: a dateless last item is whole only when a
    // summary follows its title (three blocks, or a second one that ends a sentence); otherwise the cut
    // may have taken its date, or the end of its title.
    const summarised = rest.length >= 3 || (rest.length === 2 && !last.cutAtEnd && /[.!?…]["”’»)]?$/.test(lastBlock));
    if (last.dated && !summarised) return hold('it has no date: its date, or the end of its title, may be cut');
  }
  const first = rest[0]!;
  const isLabel =
    rest.length >= 2 &&
    (seen.labels.has(first.toLowerCase()) || (looksLikeLabel(first) && (rest.length >= 3 || !looksLikeSentence(rest[1]!))));
  const [category, title, summary] = isLabel ? [first, rest[1]!, rest.slice(2)] : [null, first, rest.slice(1)];
  const bad = notText(title) ? title : category !== null && notText(category) ? category : undefined;
  if (bad !== undefined) return passOver(where, bad);
  item = { title, date: null, endDate: null, summary: joinParagraphs(summary), category, credit, location: null };
  if (!last) return { item, doubt: null };
  return { item, doubt: mayBeCut(where, last, lastBlock, summary.length > 0 ? 'its summary' : 'its title') };
}

/**
 * The warning for a kept last item whose end may be cut (null when nothing says so): the bytes were
 * cut, or the file stops, without a line end, at a dateline's place or at a comma or a word that runs on.
 */
function mayBeCut(where: string, last: LastItem, lastBlock: string, part: string | null): string | null {
  if (part === null) return null;
  // A dateline place can stop anywhere, so without a line end a place (or a page's usual one) is in doubt.
  const evidence = last.cutAtEnd || (!last.wholeEnd && (part === 'its place' || endsMidSentence(lastBlock)));
  if (!evidence) return null;
  const what = part === 'its place' ? 'at its dateline' : `in ${part}`;
  return `${where} (the last) may be cut ${what}, which stops at "${clip(lastBlock.slice(-30))}": kept; a later dump that shows it whole completes it`;
}

/** A block that is never a title or a label: a date-like line, or contact details. */
function notText(block: string): boolean {
  return isContactDetail(block) || isPartialDate(block) || parseDateLine(block).kind !== 'none';
}

function passOver(where: string, block: string): Interpreted {
  const what = isContactDetail(block) ? 'contact details' : 'a date';
  return { item: null, doubt: `${where} passed over: "${clip(block)}" is ${what}, not a title or label` };
}

/** A line shortened for a message, with control characters made visible. */
function clip(text: string): string {
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > 60 ? `${safe.slice(0, 57)}...` : safe;
}

function looksLikeLabel(block: string): boolean {
  return block.length <= 40 && block.split(/\s+/).length <= 5 && !/[.!?:;,]$/.test(block);
}

function joinParagraphs(paragraphs: string[]): string | null {
  return paragraphs.length > 0 ? paragraphs.join('\n\n') : null;
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
