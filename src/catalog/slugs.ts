import { RESERVED_SLUGS } from '../config/schema.js';

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

/**
 * The one owner of feed names. Every feed is `feeds/<slug>.*`, so no two topics may share a slug:
 * - pages get theirs when first seen (`Press releases` -> `press-releases`), unless the config renames
 *   them (`topics.<page>.slug`);
 * - custom topics name theirs in the config (`customTopics[].slug`);
 * - `all`, `topics` and `index` are taken by the site itself.
 * A clash within the config, or between the config and a page already stored, is an error naming both;
 * a new page whose slug is taken gets the next free one (`bangladesh-2`), with a warning.
 */
export { RESERVED_SLUGS };

/** The slugs the config gives, with who has each: custom topics and renamed pages. */
export function configSlugs(config: {
  customTopics: { slug: string; name: string }[];
  topics: Record<string, { slug?: string | undefined }>;
}): Map<string, string> {
  const owners = new Map<string, string>();
  config.customTopics.forEach((t, i) => owners.set(t.slug, `customTopics.${i} "${t.name}"`));
  for (const [name, settings] of Object.entries(config.topics)) if (settings.slug) owners.set(settings.slug, `topics."${name}"`);
  return owners;
}

/** The first free slug for a new page: its own, else with `-2`, `-3`... */
export function freeSlug(name: string, taken: (slug: string) => boolean): string {
  const base = slugify(name);
  let slug = RESERVED_SLUGS.has(base) ? `${base}-topic` : base;
  for (let n = 2; taken(slug); n++) slug = `${base}-${n}`;
  return slug;
}
