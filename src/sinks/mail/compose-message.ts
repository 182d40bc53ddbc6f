import { createHash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Config, Subscriber } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import type { DigestText } from './render-digest.js';

/** The sender's bare address from `mail.from` (`Name <a@b>` or `a@b`). */
export function senderAddress(config: Config): string {
  const [parsed] = addressparser(config.mail.from) as { address?: string }[];
  if (!parsed?.address) throw new ConfigError('config', `mail.from: "${config.mail.from}" has no e-mail address`);
  return parsed.address;
}

/**
 * A Message-ID derived from the digest (recipient, items, time): the same digest always has the same
 * id, so a resend after a crash is recognisable as the same message.
 */
export function digestMessageId(config: Config, address: string, itemKeys: string[], createdAt: Date): string {
  const hash = createHash('sha256')
    .update(`${address}\u0000${itemKeys.join(',')}\u0000${createdAt.toISOString()}`)
    .digest('hex')
    .slice(0, 24);
  return `<digest.${hash}@${senderAddress(config).split('@')[1]}>`;
}

/** Where a digest's reader can unsubscribe: the link in its footer, and another target for List-Unsubscribe. */
export interface UnsubscribeLinks {
  page: string | null;
  extra: string | null;
}

/**
 * Builds the complete message (headers, plain-text and HTML parts) with nodemailer's composer. It is
 * stored as is, so a retry sends exactly the same bytes.
 */
export async function composeDigest(
  config: Config,
  subscriber: Subscriber,
  body: DigestText,
  messageId: string,
  createdAt: Date,
  unsubscribe: UnsubscribeLinks,
): Promise<Buffer> {
  const headers: Record<string, string> = {};
  const targets = [unsubscribe.page, unsubscribe.extra].filter((t): t is string => t !== null);
  if (targets.length > 0) {
    headers['List-Unsubscribe'] = targets.map((t) => `<${t}>`).join(', ');
    // RFC 8058 one-click unsubscribe needs an https URL (the mail provider POSTs to it); nodemailer's
    // `list` option does not add the header.
    if (targets.some((t) => t.startsWith('https://'))) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  headers['List-Id'] = `<digest.${senderAddress(config).split('@')[1]}>`;
  headers['Auto-Submitted'] = 'auto-generated';
  const composer = new MailComposer({
    // Chosen once from the plain-text part; nodemailer would scan both parts, the HTML one (mostly
    // markup, Latin letters) always choosing quoted-printable, for the same answer.
    textEncoding: mostlyLatin(body.text) ? 'quoted-printable' : 'base64',
    from: config.mail.from,
    to: subscriber.name ? { name: subscriber.name, address: subscriber.address } : subscriber.address,
    subject: body.subject,
    text: body.text,
    html: body.html,
    messageId,
    date: createdAt,
    headers,
  });
  return composer.compile().build();
}

/**
 * nodemailer's rule for a text part's encoding: quoted-printable when Latin letters outnumber the
 * characters it would have to escape (controls and everything beyond ASCII), base64 otherwise.
 */
export function mostlyLatin(text: string): boolean {
  let other = 0;
  let latin = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80 || (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d)) other++;
    else if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) latin++;
  }
  return other < latin;
}
