import { createHash } from 'node:crypto';
import type { ParsedItem } from '../model.js';

/**
 * Normalises a title for comparison: Unicode compatibility form, case folded, typographic quotes and
 * dashes made plain, punctuation dropped, white space collapsed. `ILO’s  EU-funded` == `ILO's EU funded`.
 */
export function titleKey(title: string): string {
  return title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[‘’ʼ′`´]/g, "'")
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Normalised summary for comparison, or null when there is none. */
export function summaryKey(summary: string | null): string | null {
  if (summary === null) return null;
  const k = titleKey(summary);
  return k === '' ? null : k;
}

/** Hash of everything a reader sees of an item: equal hashes mean an unchanged item. */
export function contentHash(item: ParsedItem): string {
  const fields = [item.title, item.date, item.summary, item.category, item.credit, item.location];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32);
}

/**
 * The short, URL-safe key of a new item: derived from its topic, title and date when first seen, so
 * rebuilding a store from the same dumps gives the same keys. Stored, never recomputed.
 */
export function itemKey(topicKey: string, item: ParsedItem, attempt: number): string {
  const base = createHash('sha256')
    .update(`${topicKey}\u0000${titleKey(item.title)}\u0000${item.date ?? ''}`)
    .digest('hex')
    .slice(0, 12);
  return attempt === 0 ? base : `${base}-${attempt + 1}`;
}

/**
 * Similarity of two title keys, 0..1: the Sørensen–Dice coefficient over character bigrams. A typo
 * fix in a long title scores above 0.9; two different headlines on one day rarely pass 0.6.
 */
export function titleSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
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
