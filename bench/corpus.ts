import { mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SAMPLES = join(import.meta.dirname, '..', 'samples');

/** The seed "Press releases" page, the base of generated re-dumps. */
export function seedPage(): string {
  return readFileSync(join(SAMPLES, '000_61f362d38f9bb819.txt'), 'utf8');
}

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same corpus. */
export function randomFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Words, labels and credits taken from the seed dumps, so generated text looks like theirs. */
function vocabulary(): { words: string[]; labels: string[]; credits: string[]; topics: string[] } {
  const text = readdirSync(SAMPLES)
    .map((f) => readFileSync(join(SAMPLES, f), 'utf8'))
    .join('\n');
  const words = [...new Set(text.match(/\p{L}[\p{L}’'-]{2,}/gu) ?? [])];
  const credits = [...new Set(text.match(/^ {2}\d+\. (©[^\n]+)$/gm)?.map((l) => l.replace(/^ {2}\d+\. /, '')) ?? [])];
  return {
    words,
    labels: ['Press release', 'ILO in action', 'Our impact, their voices', 'Webinars', 'Feature', 'Statement'],
    credits,
    topics: ['Press releases', 'News and events', 'Impact and people', 'News and articles', 'Resources', 'Statements and speeches'],
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface GenItem {
  title: string;
  date: Date;
  summary: string[];
  label: string | null;
  credit: string | null;
  place: string | null;
}

/** Options of a generated corpus. */
export interface CorpusOptions {
  topics: number;
  dumps: number;
  items: number;
  seed: number;
  /** New items on top of each re-dump (the rest scroll down, the oldest off the page). */
  newPerDump?: number;
  /** Date of the newest item of the first dump (default 2015-01-01); older items go back from there. */
  start?: Date;
  /** Items per day on a page (default 1). */
  perDay?: number;
  /**
   * Titles end with `soakN` instead of `N`: a tag that a reader of the digests can find. Items are
   * numbered in order: the first dumps' items first, page by page, then each new one as it is dumped.
   */
  tagTitles?: boolean;
}

/**
 * Generates, for each topic, `dumps` successive dumps of its listing page with `items` items each:
 * every re-dump puts a few new items on top and lets the oldest scroll off, now and then with an
 * edited summary. Yields `[topic index, dump index, text]` in delivery order (round-robin over topics).
 */
export function* generateCorpus(o: CorpusOptions): Generator<[number, number, string]> {
  const rand = randomFrom(o.seed);
  const v = vocabulary();
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const sentence = (min: number, max: number): string => {
    const n = min + Math.floor(rand() * (max - min));
    const words = Array.from({ length: n }, () => pick(v.words));
    return `${words.join(' ').replace(/^./, (c) => c.toUpperCase())}.`;
  };
  let serial = 0;
  const newItem = (date: Date): GenItem => ({
    // A serial number keeps titles unique, as real headlines practically are.
    title: `${sentence(6, 14).slice(0, -1)} ${o.tagTitles ? 'soak' : ''}${++serial}`,
    date,
    summary: Array.from({ length: rand() < 0.3 ? 2 : 1 }, () => `${sentence(12, 30)} ${sentence(8, 20)}`),
    label: rand() < 0.4 ? pick(v.labels) : null,
    credit: rand() < 0.3 ? pick(v.credits) : null,
    place: rand() < 0.1 ? pick(['GENEVA', 'NEW DELHI', 'BANGKOK', 'DHAKA', 'LIMA']) : null,
  });
  const perDump = o.newPerDump ?? 3;
  const pages = Array.from({ length: o.topics }, (_, t) => {
    const name = t < v.topics.length ? v.topics[t]! : `${pick(v.topics)} ${t}`;
    const start = o.start ?? new Date(Date.UTC(2015, 0, 1));
    const step = 86_400_000 / (o.perDay ?? 1);
    const items = Array.from({ length: o.items }, (_, i) =>
      newItem(new Date(start.getTime() - Math.floor((i * step) / 86_400_000) * 86_400_000)),
    );
    return { name, items, clock: start.getTime() };
  });
  for (let d = 0; d < o.dumps; d++) {
    for (let t = 0; t < o.topics; t++) {
      const page = pages[t]!;
      if (d > 0) {
        for (let k = 0; k < perDump; k++) {
          page.clock += 86_400_000 * (rand() < 0.5 ? 0 : 1);
          page.items.unshift(newItem(new Date(page.clock)));
        }
        page.items.length = o.items;
        // Now and then a correction to an item still on the page.
        if (rand() < 0.1) {
          const item = pick(page.items);
          item.summary = [...item.summary.slice(0, -1), sentence(10, 20)];
        }
      }
      yield [t, d, renderPage(page.name, page.items)];
    }
  }
}

function renderPage(topic: string, items: GenItem[]): string {
  const blocks = items.map((it, i) => {
    const date = `${String(it.date.getUTCDate()).padStart(2, '0')} ${MONTHS[it.date.getUTCMonth()]} ${it.date.getUTCFullYear()}${it.place ? `, ${it.place}` : ''}`;
    const parts = [it.credit, it.label, it.title, date, ...it.summary].filter((p): p is string => p !== null);
    return `  ${i + 1}. ${parts.join('\n\n    ')}`;
  });
  return `${topic}\n\n\n${blocks.join('\n\n')}`;
}

/** Writes a corpus into `dir` as `NNNNNN_tTT.txt` files (delivery order = name order); returns the paths. */
export function writeCorpus(dir: string, o: CorpusOptions): string[] {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  let n = 0;
  const base = Date.UTC(2026, 0, 1) / 1000;
  for (const [t, , text] of generateCorpus(o)) {
    const path = join(dir, `${String(n).padStart(6, '0')}_t${String(t).padStart(3, '0')}.txt`);
    writeFileSync(path, text);
    // Successive file times, a minute apart: the dumps' "written at".
    utimesSync(path, base + n * 60, base + n * 60);
    paths.push(path);
    n++;
  }
  return paths;
}
