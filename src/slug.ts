/** Readable, URL- and file-safe slug: `Press releases` -> `press-releases`, `Niños & Niñas` -> `ninos-ninas`. */
export function slugify(text: string, maxLength = 60): string {
  const slug = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = slug.slice(0, maxLength).replace(/-+$/g, '');
  return cut === '' ? 'topic' : cut;
}
