/** Escapes text for HTML and XML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  // One look first: most titles, labels and paragraphs have none of the four, and four replaces are four scans.
  if (!MARKUP.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const MARKUP = /[&<>"]/;

/** Summary paragraphs (separated by blank lines) as escaped `<p>` elements. */
export function paragraphsHtml(summary: string | null, attributes = ''): string[] {
  return (summary ?? '')
    .split(/\n{2,}/)
    .filter((p) => p !== '')
    .map((p) => `<p${attributes}>${escapeHtml(p)}</p>`);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

// `2022-04-08` -> `8 April 2022`, as en-GB writes it. Not Intl: its first formatter costs a process
// about 25 ms of start-up (loading the locale data), a cron `ingest` included.
const DAY = {
  format: (d: Date): string => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`,
};

/**
 * A `YYYY-MM-DD` date as people read it: `8 April 2022`; empty for no date. With `endDate`, the range
 * without repeating what both ends share: `5–6 June 2024`, `29 April – 1 May 2024`,
 * `30 December 2024 – 3 January 2025`.
 */
export function displayDate(date: string | null, endDate: string | null = null): string {
  if (!date) return '';
  const start = DAY.format(new Date(`${date}T00:00:00Z`));
  if (!endDate) return start;
  const end = DAY.format(new Date(`${endDate}T00:00:00Z`));
  if (date.slice(0, 7) === endDate.slice(0, 7)) return `${start.split(' ')[0]}–${end}`;
  if (date.slice(0, 4) === endDate.slice(0, 4)) return `${start.split(' ').slice(0, 2).join(' ')} – ${end}`;
  return `${start} – ${end}`;
}
