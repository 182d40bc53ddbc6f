/** Plain data types shared by every stage: what a dump holds, what the store keeps, what changed. */

/** One item as read from a dump, before identity is assigned. */
export interface ParsedItem {
  title: string;
  /** Calendar date as `YYYY-MM-DD`, or null when the page shows none; for a range, its first day. */
  date: string | null;
  /** The last day of a date range (`5 - 6 June 2024`) as `YYYY-MM-DD`, or null for a single day. */
  endDate: string | null;
  /** Paragraphs joined by a blank line, or null. */
  summary: string | null;
  /** Label shown before the title, such as `Press release`. */
  category: string | null;
  /** The photo credit line verbatim, starting with `©`. */
  credit: string | null;
  /** Dateline place after the date's comma, such as `NEW DELHI`. */
  location: string | null;
}

/** True when two versions of an item differ in nothing a reader sees. */
export function sameContent(a: ParsedItem, b: ParsedItem): boolean {
  return (
    a.title === b.title &&
    a.date === b.date &&
    a.endDate === b.endDate &&
    a.summary === b.summary &&
    a.category === b.category &&
    a.credit === b.credit &&
    a.location === b.location
  );
}

/** A whole dump: the page it shows (the topic) and its items in file order. */
export interface ParsedDump {
  topic: string;
  items: ParsedItem[];
  /**
   * Doubts about the dump's shape, one line each: a last item held back or possibly cut, an item passed
   * over, an unclear heading. Never a rejection.
   */
  warnings: string[];
}

/** What a processed dump did to one item. */
export type ItemOutcome = 'new' | 'updated' | 'unchanged';

/** A reference to a stored item, as reported after a dump. */
export interface ItemRef {
  id: string;
  title: string;
}

/** Result of processing one dump file: the urlwatch-style outcome of a job. */
export interface DumpResult {
  file: string;
  topic: string | null;
  new: ItemRef[];
  updated: ItemRef[];
  unchanged: number;
  /** True when the same bytes were processed before: nothing was done. */
  duplicate: boolean;
  error: string | null;
  /** The class of the rejection (`truncated`, `binary`, ...), or null. */
  errorKind?: string | null;
  /** Doubts about a stored dump's shape (see ParsedDump.warnings); never a rejection. */
  warnings: string[];
}

/** An item as the store keeps it: its permanent identity plus its current version. */
export interface StoredItem extends ParsedItem {
  /** Internal row id. */
  rowId: number;
  /** Permanent feed id (a `tag:` URI), never changes once assigned. */
  guid: string;
  /** Short URL-safe key, unique across the store, used in item links. */
  key: string;
  topicId: number;
  version: number;
  /** ISO time of the dump that first showed this item. */
  firstSeenAt: string;
  /** ISO time of the dump that produced the current version. */
  updatedAt: string;
  firstSeenDump: number;
  position: number;
}

/** A topic (one listing page) as stored. */
export interface StoredTopic {
  id: number;
  /** Normalised page name: the identity of the topic. */
  key: string;
  /** The page name as last seen in a dump. */
  name: string;
  /** Readable slug assigned when the topic was first seen; used in feed file names. */
  slug: string;
}
