/** Escapes text for HTML and XML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Summary paragraphs (separated by blank lines) as escaped `<p>` elements. */
export function paragraphsHtml(summary: string | null, attributes = ''): string[] {
  return (summary ?? '')
    .split(/\n{2,}/)
    .filter((p) => p !== '')
    .map((p) => `<p${attributes}>${escapeHtml(p)}</p>`);
}

// One formatter for every page and digest: building an Intl formatter per call is slow.
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** A `YYYY-MM-DD` date as people read it: `8 April 2022`; empty for no date. */
export function displayDate(date: string | null): string {
  return date ? DAY.format(new Date(`${date}T00:00:00Z`)) : '';
}
