/** Text normalised for comparison: titles, summaries and page names (the keys of items and topics). */

/**
 * Normalises a title for comparison: case folded, Unicode compatibility form, every run of
 * punctuation, quotes and white space made one space. `ILO’s  EU-funded` == `ILO's EU funded`.
 */
export function titleKey(title: string): string {
  const lower = title.toLowerCase();
  // Plain ASCII (most titles) needs neither Unicode normalisation nor Unicode classes.
  if (ASCII.test(lower)) return lower.replace(/[^a-z0-9]+/g, ' ').trim();
  return lower
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const ASCII = /^[\x00-\x7f]*$/;

/** Normalised summary for comparison, or null when there is none. */
export function summaryKey(summary: string | null): string | null {
  if (summary === null) return null;
  const k = titleKey(summary);
  return k === '' ? null : k;
}
