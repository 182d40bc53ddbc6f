import { describe, expect, it } from 'vitest';
import type { ParsedItem } from '../../src/model.js';
import { parseDumpBytes } from '../../src/parse/parse-dump.js';
import { randomFrom } from '../../bench/corpus.js';

// Complete pages in every shape the format allows (FORMAT.md, README "The dump format"), generated from
// a seed: each one must parse to exactly the items it was written from, with its heading as the topic,
// never rejected and never holding an item back. A failure prints the seed and the page.

const WORDS =
  'labour workers employment social protection decent work garment factory skills youth women migrant safety health wages report training dialogue union employers recovery ministry regional rural informal economy child forced green jobs care platform'.split(
    ' ',
  );
const MONTHS_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const MONTHS_FR = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const MONTHS_ES = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
];
const LABELS = ['Press release', 'ILO in action', 'Our impact, their voices', 'Webinars', 'Feature', 'Statement', 'Report'];
const PLACES = ['GENEVA', 'JAKARTA', 'NEW DELHI', 'BANGKOK', 'LIMA', 'DAKAR', 'BEIJING'];
const HEADINGS = ['Press releases', 'News and events', 'Impact and people', 'Publications', 'Events', 'Statements and speeches'];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number): boolean => r() < p;

function words(r: Rand, n: number): string {
  return Array.from({ length: n }, () => pick(r, WORDS)).join(' ');
}
// On a page without dates nothing tells a short title followed by two paragraphs from a label, a title
// and a summary, so titles there are longer than labels (README: a label has at most five words).
function title(r: Rand, min = 4): string {
  const t = words(r, min + Math.floor(r() * 9));
  return t[0]!.toUpperCase() + t.slice(1) + (chance(r, 0.1) ? '?' : '');
}
function sentence(r: Rand): string {
  const s = words(r, 8 + Math.floor(r() * 20));
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

interface Generated {
  text: string;
  topic: string;
  items: ParsedItem[];
}

function iso(y: number, m: number, d: number): string {
  return `${y}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A date block in the page's language, as a single day or a range; the item fields it stands for. */
function dateBlock(
  r: Rand,
  lang: 'en' | 'fr' | 'es',
  y: number,
  m: number,
  d: number,
): { text: string; date: string; endDate: string | null } {
  const months = lang === 'fr' ? MONTHS_FR : lang === 'es' ? MONTHS_ES : MONTHS_EN;
  const day = (dd: number, mm: number, yy: number | null) =>
    lang === 'es'
      ? `${dd} de ${months[mm]}${yy ? ` de ${yy}` : ''}`
      : `${lang === 'en' && chance(r, 0.3) ? String(dd).padStart(2, '0') : dd} ${months[mm]}${yy ? ` ${yy}` : ''}`;
  if (!chance(r, 0.2) || d > 26) return { text: day(d, m, y), date: iso(y, m, d), endDate: null };
  const sep = pick(r, [' - ', '-', ' – ', '–']);
  const end = d + 1 + Math.floor(r() * 2);
  const startText = lang === 'es' ? `${d}` : `${d}`;
  return { text: `${startText}${sep}${day(end, m, y)}`, date: iso(y, m, d), endDate: iso(y, m, end) };
}

function generate(seed: number): Generated {
  const r = randomFrom(seed);
  const lang = pick(r, ['en', 'en', 'en', 'fr', 'es'] as const);
  const topic = pick(r, HEADINGS);
  const pre: string[] = [];
  if (chance(r, 0.3)) pre.push('International Labour Organization', '');
  if (chance(r, 0.3)) pre.push('Media contact', '');
  pre.push(topic, '');
  if (chance(r, 0.4)) pre.push(sentence(r), '');
  if (chance(r, 0.2))
    pre.push('For interviews please contact the press office at', 'Tel: +41 22 799 7912 or e-mail', 'press@example.org', '');
  const dated = chance(r, 0.9);
  const placed = chance(r, 0.4);
  const comma = !placed && chance(r, 0.2);
  const n = 1 + Math.floor(r() * 14);
  const items: ParsedItem[] = [];
  const lines = [...pre, ''];
  let y = 2024;
  let m = 11;
  let d = 28;
  for (let i = 0; i < n; i++) {
    if (i > 0 && chance(r, 0.1)) lines.push(chance(r, 0.5) ? `${MONTHS_EN[m]} ${y}` : `${y}`, '');
    const credit = chance(r, 0.3) ? `© ILO/${pick(r, ['A. Santos', 'J. Doe', 'Photo Doc'])} ${2020 + Math.floor(r() * 5)}` : null;
    const label = chance(r, 0.4) ? pick(r, LABELS) : null;
    const t = title(r, dated ? 4 : 6);
    const blocks: string[] = [];
    if (credit) blocks.push(credit);
    if (label) blocks.push(label);
    blocks.push(t);
    let date: string | null = null;
    let endDate: string | null = null;
    let location: string | null = null;
    // On a dated page, a dateless item has a label and a summary (like a webinar series).
    const hasDate = dated ? !(label && chance(r, 0.05)) : false;
    if (hasDate) {
      const block = dateBlock(r, lang, y, m, d);
      date = block.date;
      endDate = block.endDate;
      location = placed && chance(r, 0.8) ? pick(r, PLACES) : null;
      blocks.push(location ? `${block.text}, ${location}` : comma ? `${block.text},` : block.text);
    }
    const paragraphs: string[] = [];
    const summaryKind = r();
    if (!hasDate || summaryKind < 0.6) paragraphs.push(sentence(r));
    if (paragraphs.length && chance(r, 0.2)) paragraphs.push(sentence(r));
    if (paragraphs.length && chance(r, 0.15)) paragraphs[paragraphs.length - 1] = paragraphs[paragraphs.length - 1]!.replace(/\.$/, '');
    if (hasDate && summaryKind > 0.9) paragraphs.push(`Research Paper No. ${1 + Math.floor(r() * 90)}`);
    if (!hasDate && !/[.]$/.test(paragraphs[paragraphs.length - 1]!)) paragraphs.push(sentence(r));
    blocks.push(...paragraphs);
    items.push({ title: t, date, endDate, summary: paragraphs.length ? paragraphs.join('\n\n') : null, category: label, credit, location });
    lines.push(`  ${i + 1}. ${blocks[0]}`, '', ...blocks.slice(1).flatMap((b) => [`    ${b}`, '']));
    d -= 2;
    if (d < 1) {
      d = 28;
      m = (m + 11) % 12;
      if (m === 11) y--;
    }
  }
  let text = lines.join('\n').replace(/\n+$/, '');
  if (chance(r, 0.3)) text += '\n';
  if (chance(r, 0.1)) text = text.replace(/\n/g, '\r\n');
  return { text, topic, items };
}

describe('generated complete pages', () => {
  it('parse to exactly the items they were written from, none rejected or held back', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 2000; seed++) {
      const page = generate(seed);
      try {
        const parsed = parseDumpBytes(Buffer.from(page.text), `page-${seed}`);
        expect(parsed.topic).toBe(page.topic);
        expect(parsed.items).toEqual(page.items);
        expect(parsed.warnings.filter((w) => /held back|passed over|unclear/.test(w))).toEqual([]);
      } catch (e) {
        let detail = (e as Error).message.split('\n')[0];
        try {
          const parsed = parseDumpBytes(Buffer.from(page.text), `page-${seed}`);
          const i = page.items.findIndex((item, k) => JSON.stringify(item) !== JSON.stringify(parsed.items[k]));
          detail += `\nitem ${i + 1}: expected ${JSON.stringify(page.items[i])}\n got ${JSON.stringify(parsed.items[i])}\n${parsed.warnings.join('\n')}`;
        } catch {
          // the rejection is the detail
        }
        failures.push(`seed ${seed}: ${detail}\n${page.text}`);
      }
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
