import type { Config, Subscriber } from '../../config/schema.js';
import type { ParsedItem } from '../../model.js';
import type { DigestCandidate } from '../../store/digests.js';
import { displayDate, escapeHtml, paragraphsHtml } from '../feeds/html.js';
import { itemLink } from '../feeds/feed-view.js';
import { topicIdentity, topicSettings } from '../../catalog/topics.js';

/** The three readable parts of a digest. */
export interface DigestText {
  subject: string;
  text: string;
  html: string;
}

const FIELDS: [keyof ParsedItem, string][] = [
  ['title', 'title'],
  ['date', 'date'],
  ['endDate', 'date'],
  ['summary', 'summary'],
  ['category', 'category'],
  ['credit', 'photo credit'],
  ['location', 'place'],
];

/** From this many items on, a digest opens with a list of its contents. */
export const CONTENTS_FROM = 5;

/**
 * Renders a digest: items grouped by page, pages in the order of their newest item, items newest
 * first; each with its linked title, date, place, category and summary. Edits are marked "Updated"
 * with the fields that changed. At most `mail.maxItems` items are shown; the rest are counted. A long
 * digest opens with its contents (each page and its titles, linked to the items below); the footer
 * links to the website and to `unsubscribe`, the subscriber's own link.
 */
export function renderDigest(config: Config, subscriber: Subscriber, items: DigestCandidate[], unsubscribe: string | null): DigestText {
  const sorted = [...items].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || b.itemId - a.itemId);
  const shown = sorted.slice(0, config.mail.maxItems);
  const hidden = sorted.length - shown.length;
  const groups = new Map<number, DigestCandidate[]>();
  for (const item of shown) groups.set(item.topicId, [...(groups.get(item.topicId) ?? []), item]);
  const pages = [...groups.values()].map((group) => {
    const first = group[0]!;
    const topic = { id: first.topicId, key: first.topicKey, name: first.topicName, slug: first.topicSlug };
    const identity = topicIdentity(config, topic);
    return { ...identity, page: `${config.feeds.baseUrl}topics/${identity.slug}`, settings: topicSettings(config, topic), items: group };
  });
  const contents = shown.length >= CONTENTS_FROM;
  // Numbers tie the contents to the items in the plain-text part, which has no links inside the message.
  const number = new Map(pages.flatMap((p) => p.items).map((it, i) => [it.itemId, i + 1]));
  const numbered = (it: DigestCandidate) => (contents ? `${number.get(it.itemId)}. ` : '');

  const subject = subjectLine(
    sorted,
    pages.map((p) => p.title),
  );
  const link = (p: (typeof pages)[number], it: DigestCandidate) => itemLink(config, p.settings, it.key);

  const text: string[] = [subject, ''];
  if (contents) {
    text.push('Contents', '');
    for (const page of pages) {
      text.push(`${page.title} (${page.items.length})`);
      for (const it of page.items) text.push(`  ${numbered(it)}${it.kind === 'updated' ? 'Updated: ' : ''}${it.title}`);
    }
    text.push('');
  }
  for (const page of pages) {
    text.push(page.title, '='.repeat(Math.min(72, page.title.length)), page.page, '');
    for (const it of page.items) {
      text.push(`${numbered(it)}${it.kind === 'updated' ? 'Updated: ' : ''}${it.title}`);
      const meta = metaLine(it);
      if (meta) text.push(meta);
      if (it.kind === 'updated') text.push(`Changed: ${changes(it).join(', ')}`);
      if (it.summary)
        text.push(
          '',
          ...it.summary
            .split(/\n{2,}/)
            .flatMap((p) => [p, ''])
            .slice(0, -1),
        );
      text.push(link(page, it), '');
    }
  }
  if (hidden > 0) text.push(`... and ${hidden} more: ${config.feeds.baseUrl}`, '');
  text.push('--', `You get this digest (${subscriber.schedule}) from ${config.feeds.title}: ${config.feeds.baseUrl}`);
  if (unsubscribe) text.push(`Unsubscribe: ${unsubscribe}`);

  const h = escapeHtml;
  const anchor = (it: DigestCandidate) => `i-${it.itemId}`;
  const html: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f4f4;">',
    '<div style="max-width:640px;margin:0 auto;padding:16px;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#222222;">',
    `<p style="margin:0 0 16px;color:#555555;font-size:13px;">${h(subject)}</p>`,
  ];
  if (contents) {
    html.push(
      '<div style="margin:0 0 16px;padding:8px 12px;background:#f7f7fb;font-size:14px;">',
      '<p style="margin:0 0 4px;font-weight:bold;">Contents</p>',
    );
    for (const page of pages) {
      html.push(`<p style="margin:8px 0 2px;">${h(page.title)} (${page.items.length})</p>`, '<ul style="margin:0;padding-left:20px;">');
      for (const it of page.items)
        html.push(`<li><a href="#${anchor(it)}" style="color:#1e2dbe;">${it.kind === 'updated' ? 'Updated: ' : ''}${h(it.title)}</a></li>`);
      html.push('</ul>');
    }
    html.push('</div>');
  }
  for (const page of pages) {
    html.push(
      `<h2 style="margin:24px 0 8px;font-size:18px;border-bottom:1px solid #dddddd;padding-bottom:4px;"><a href="${h(page.page)}" style="color:#1e2dbe;text-decoration:none;">${h(page.title)}</a></h2>`,
    );
    for (const it of page.items) {
      const badge = it.kind === 'updated' ? '<span style="color:#b35900;font-weight:bold;">Updated: </span>' : '';
      html.push(`<div id="${anchor(it)}" style="margin:0 0 18px;">`);
      html.push(
        `<h3 style="margin:0 0 2px;font-size:16px;">${badge}<a href="${h(link(page, it))}" style="color:#1e2dbe;text-decoration:none;">${h(it.title)}</a></h3>`,
      );
      const meta = metaLine(it);
      if (meta) html.push(`<div style="font-size:13px;color:#666666;">${h(meta)}</div>`);
      if (it.kind === 'updated') html.push(`<div style="font-size:13px;color:#b35900;">Changed: ${h(changes(it).join(', '))}</div>`);
      html.push(...paragraphsHtml(it.summary, ' style="margin:6px 0 0;"'));
      html.push('</div>');
    }
  }
  if (hidden > 0)
    html.push(`<p>… and ${hidden} more on <a href="${h(config.feeds.baseUrl)}" style="color:#1e2dbe;">${h(config.feeds.title)}</a>.</p>`);
  html.push(
    `<p style="margin:24px 0 0;font-size:12px;color:#888888;">You get this digest (${h(subscriber.schedule)}) from <a href="${h(config.feeds.baseUrl)}" style="color:#888888;">${h(config.feeds.title)}</a>.`,
  );
  if (unsubscribe) html.push(` <a href="${h(unsubscribe)}" style="color:#888888;">Unsubscribe</a>.`);
  html.push('</p></div></body></html>', '');

  return { subject, text: `${text.join('\n')}\n`, html: html.join('\n') };
}

/**
 * `3 new items: Press releases · Impact and people`, `1 new, 1 updated: ...`, long lists shortened
 * (`… · Press releases · 3 more pages`). Page names hold commas, so a comma cannot separate them.
 */
function subjectLine(items: DigestCandidate[], pages: string[]): string {
  const fresh = items.filter((i) => i.kind === 'new').length;
  const updated = items.length - fresh;
  const counts =
    updated === 0
      ? `${fresh} new item${fresh === 1 ? '' : 's'}`
      : fresh === 0
        ? `${updated} updated item${updated === 1 ? '' : 's'}`
        : `${fresh} new, ${updated} updated`;
  const names = pages.length <= 3 ? pages.join(' · ') : `${pages.slice(0, 2).join(' · ')} · ${pages.length - 2} more pages`;
  return `${counts}: ${names}`;
}

function metaLine(it: DigestCandidate): string {
  return [displayDate(it.date, it.endDate), it.location, it.category].filter((s) => s).join(' · ');
}

function changes(it: DigestCandidate): string[] {
  if (!it.previous) return ['text'];
  const changed = new Set(FIELDS.filter(([k]) => it.previous![k] !== it[k]).map(([, label]) => label));
  return changed.size ? [...changed] : ['text'];
}

/** The List-Unsubscribe target for an address, or null when none is configured. */
export function unsubscribeTarget(config: Config, address: string): string | null {
  return config.mail.unsubscribe ? config.mail.unsubscribe.replaceAll('{address}', encodeURIComponent(address)) : null;
}
