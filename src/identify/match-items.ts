import type { ParsedItem } from '../model.js';
import { itemSummaryKey, itemTitleKey, titleSimilarity } from './item-key.js';

/** What the matcher needs to know of a stored item. */
export interface Candidate {
  rowId: number;
  title: string;
  titleKey: string;
  date: string | null;
  summaryKey: string | null;
}

/** Indexed look-ups into one topic's stored items, so matching costs the same whatever the history. */
export interface CandidateLookup {
  /** Stored items with exactly this title key (any date). */
  byTitleKey(key: string): Candidate[];
  /** Stored items with this date. */
  byDate(date: string): Candidate[];
  /** Stored items that were the last of their dump, and so may have been cut short by the write. */
  maybeCut(): Candidate[];
}

/** How a dump item was matched: to a stored item (by which rule), or to none (a new item). */
export type Match = { rowId: number; rule: MatchRule } | { rowId: null; rule: 'new' };

/** The rules of the matching chain, in the order they are tried. */
export type MatchRule = 'exact' | 'title' | 'similar-title' | 'same-summary' | 'completion';

/** Minimum title similarity (same topic, same date) for a corrected title to count as the same item. */
export const SIMILAR_TITLE = 0.8;

/**
 * Matches the items of one dump to the stored items of its topic. The rule, tried in this order:
 *
 * 1. exact: same title (normalised) and same date;
 * 2. title: same title, other date (a corrected date, or a date added to an undated item);
 * 3. similar-title: same date, titles at least 80% similar (a corrected typo), best score wins;
 * 4. same-summary: same date, same non-empty summary (a rewritten headline);
 * 5. completion: a stored item that may have been cut short (the last of its dump) whose title the new
 *    title begins with, on the same date or with none (the rest of a title that a cut write lost);
 * otherwise the item is new.
 *
 * Each stored item is claimed by at most one dump item, and every dump item gets its exact match
 * before any looser rule runs, so a new headline cannot take the identity of an old one that is
 * still on the page. `keys` are the items' title keys, when the caller has made them already.
 */
export function matchItems(items: ParsedItem[], lookup: CandidateLookup, keys: string[] = items.map(itemTitleKey)): Match[] {
  const claimed = new Set<number>();
  const matches: (Match | undefined)[] = new Array(items.length);

  items.forEach((item, i) => {
    const hit = lookup.byTitleKey(keys[i]!).find((c) => c.date === item.date && !claimed.has(c.rowId));
    if (hit) {
      claimed.add(hit.rowId);
      matches[i] = { rowId: hit.rowId, rule: 'exact' };
    }
  });

  items.forEach((item, i) => {
    if (matches[i]) return;
    const key = keys[i]!;
    const free = (c: Candidate): boolean => !claimed.has(c.rowId);
    let found: { rowId: number; rule: MatchRule } | undefined;

    const sameTitle = lookup.byTitleKey(key).find(free);
    if (sameTitle) found = { rowId: sameTitle.rowId, rule: 'title' };

    if (!found && item.date !== null) {
      const sameDay = lookup.byDate(item.date).filter(free);
      let best: Candidate | undefined;
      let bestScore = SIMILAR_TITLE;
      for (const c of sameDay) {
        const score = titleSimilarity(key, c.titleKey, bestScore);
        if (score >= bestScore) {
          best = c;
          bestScore = score;
        }
      }
      if (best) found = { rowId: best.rowId, rule: 'similar-title' };
      // Keyed only when there is a stored item of that day to compare with: a summary is long, and
      // keying every new item's was a twentieth of a batch ingest.
      const summary = found || sameDay.length === 0 ? null : itemSummaryKey(item);
      if (summary !== null) {
        const same = sameDay.find((c) => c.summaryKey === summary);
        if (same) found = { rowId: same.rowId, rule: 'same-summary' };
      }
    }

    if (!found) {
      const whole = lookup
        .maybeCut()
        .find(
          (c) =>
            free(c) && c.title.length < item.title.length && item.title.startsWith(c.title) && (c.date === null || c.date === item.date),
        );
      if (whole) found = { rowId: whole.rowId, rule: 'completion' };
    }

    if (found) claimed.add(found.rowId);
    matches[i] = found ?? { rowId: null, rule: 'new' };
  });

  return matches as Match[];
}
