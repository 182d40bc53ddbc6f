import { createHash } from 'node:crypto';
import type { ParsedItem } from '../model.js';
import { itemTitleKey } from '../normalize.js';

export { itemSummaryKey, itemTitleKey, keyedAlready, summaryKey, titleKey } from '../normalize.js';

export { sameContent } from '../model.js';

/**
 * The short, URL-safe key of a new item: derived from its topic, title and date when first seen, so
 * rebuilding a store from the same dumps gives the same keys. Stored, never recomputed.
 */
export function itemKey(topicKey: string, item: ParsedItem, attempt: number): string {
  const base = createHash('sha256')
    .update(`${topicKey}\u0000${itemTitleKey(item)}\u0000${item.date ?? ''}`)
    .digest('hex')
    .slice(0, 12);
  return attempt === 0 ? base : `${base}-${attempt + 1}`;
}

/**
 * Similarity of two title keys, 0..1: the Sørensen–Dice coefficient over character bigrams. A typo
 * fix in a long title scores above 0.9; two different headlines on one day rarely pass 0.6. Pairs that
 * cannot reach `atLeast` (by their lengths alone) score 0 without being compared.
 */
export function titleSimilarity(a: string, b: string, atLeast = 0): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  // Shared bigrams are at most the shorter title's: a bound that rules most pairs out unread.
  const bound = (2 * (Math.min(a.length, b.length) - 1)) / (a.length - 1 + (b.length - 1));
  if (bound < atLeast) return 0;
  const grams = new Map<string, number>();
  for (let i = 0; i < a.length - 1; i++) {
    const g = a.slice(i, i + 2);
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const g = b.slice(i, i + 2);
    const n = grams.get(g);
    if (n) {
      shared++;
      grams.set(g, n - 1);
    }
  }
  return (2 * shared) / (a.length - 1 + (b.length - 1));
}

/**
 * True when `next` differs from `prev` only in ways that are not news: it shows more of a possibly cut
 * item (`prevMayBeCut`: a field that was empty or shorter is now whole), or only its photo credit changed
 * (a credit's year moves on between dumps). Such a version updates the feeds but is no digest edit.
 */
export function isMinorChange(prev: ParsedItem, next: ParsedItem, prevMayBeCut: boolean): boolean {
  const same = (a: string | null, b: string | null): boolean => a === b;
  const completes = (a: string | null, b: string | null): boolean => a === b || a === null || (b !== null && b.startsWith(a));
  const fits = prevMayBeCut ? completes : same;
  return (
    fits(prev.title, next.title) &&
    fits(prev.date, next.date) &&
    fits(prev.endDate, next.endDate) &&
    fits(prev.summary, next.summary) &&
    fits(prev.location, next.location) &&
    same(prev.category, next.category)
  );
}
