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
