import { createHash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { Encoder as Base64Encoder } from 'nodemailer/lib/base64';
import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import { Encoder as QpEncoder } from 'nodemailer/lib/qp';
import type { Transform } from 'node:stream';
import type { Config, Subscriber } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import type { DigestText } from './render-digest.js';
import type { ComposedMessage, SharedPiece } from '../../store/digests.js';

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
 * stored as is (the reader's own bytes, and the pieces shared with the other readers of the same
 * digest, `shared`), so a retry sends exactly the same bytes.
 */
export function composeDigest(
  config: Config,
  subscriber: Subscriber,
  body: DigestText,
  messageId: string,
  createdAt: Date,
  unsubscribe: UnsubscribeLinks,
  shared?: SharedParts,
): ComposedMessage {
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
    // Chosen once from the plain-text part (for a shared digest, its first reader's: the readers' texts
    // differ only in their link); nodemailer would scan both parts, the HTML one (mostly markup, Latin
    // letters) always choosing quoted-printable, for the same answer.
    textEncoding: (shared ? (shared.latin ??= mostlyLatin(body.text)) : mostlyLatin(body.text)) ? 'quoted-printable' : 'base64',
    from: config.mail.from,
    to: subscriber.name ? { name: subscriber.name, address: subscriber.address } : subscriber.address,
    subject: body.subject,
    text: body.text,
    html: body.html,
    messageId,
    date: createdAt,
    headers,
  });
  return buildMessage(composer.compile(), shared);
}

/**
 * What the messages of readers who get the same digest share: the transfer encoding chosen for it,
 * and the beginnings of its parts (everything above the line with the reader's own unsubscribe link),
 * each encoded once into a piece that the store keeps once for all of them. `prefixes` must each end
 * with a line end.
 */
export class SharedParts {
  latin: boolean | undefined;
  private readonly pieces = new Map<string, SharedPiece | null>();

  constructor(prefixes: string[]) {
    for (const p of prefixes) if (p.endsWith('\n')) this.pieces.set(p, null);
  }

  /** `content` in quoted-printable: its shared beginning as a piece (encoded once), then the rest. */
  encode(content: string): (string | SharedPiece)[] {
    for (const [prefix, made] of this.pieces) {
      if (!content.startsWith(prefix)) continue;
      const piece = made ?? { bytes: Buffer.from(quotedPrintable(prefix), 'latin1') };
      if (made === null) this.pieces.set(prefix, piece);
      // A quoted-printable line ends at a line end: the text after one encodes as it would on its own.
      return [piece, quotedPrintable(content.slice(prefix.length))];
    }
    return [quotedPrintable(content)];
  }
}

/**
 * A message as nodemailer's `build()` writes it for parts that are all in memory (a test compares the
 * two on many messages), without its streams. For a digest, nodemailer's streaming build (a pipeline
 * of streams, and turns of the event loop, for each part) cost three times the encoding it does. Here
 * each part goes through nodemailer's own encoder in one call, as its build hands it over: one chunk.
 * A node this does not handle (content that is not a string or a Buffer, a transfer encoding other
 * than quoted-printable for text, base64 or none) throws: digests have none.
 *
 * With `shared`, a quoted-printable part that begins with a shared prefix is encoded in two pieces,
 * the prefix's made once and left out of the reader's own bytes: the same text, though its soft line
 * breaks may fall elsewhere than nodemailer's.
 */
export function buildMessage(root: MimeNode, shared?: SharedParts): ComposedMessage {
  const out: (string | SharedPiece)[] = [];
  const write = (node: MimeNode): void => {
    out.push(`${node.buildHeaders()}\r\n\r\n`);
    const content = node.content;
    if (content !== undefined && content !== '') {
      if (typeof content !== 'string' && !Buffer.isBuffer(content)) throw new Error('buildMessage: only in-memory content');
      const encoding = node.getTransferEncoding();
      const bytes = (): Buffer => (typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      if (encoding === 'quoted-printable' && /^text\//i.test(node.contentType ?? '')) {
        if (shared && typeof content === 'string') out.push(...shared.encode(content));
        else out.push(quotedPrintable(bytes()));
      } else if (encoding === 'base64') out.push(encodeAll(new Base64Encoder({}), bytes()));
      else if (encoding === '7bit' || encoding === '8bit') out.push(bytes().toString('utf8'));
      else throw new Error(`buildMessage: transfer encoding ${String(encoding)}`);
    }
    if (node.multipart) {
      node.childNodes.forEach((child, i) => {
        out.push(`${i > 0 ? '\r\n' : ''}--${String(node.boundary)}\r\n`);
        write(child);
      });
      out.push(`\r\n--${String(node.boundary)}--\r\n`);
    }
  };
  write(root);
  // nodemailer's last stage ends every message with a line break.
  const last = out[out.length - 1];
  const ends = typeof last === 'string' ? last.endsWith('\n') : last !== undefined && last.bytes[last.bytes.length - 1] === 0x0a;
  if (!ends) out.push('\r\n');
  const own: string[] = [];
  const pieces: ComposedMessage['pieces'] = [];
  let at = 0;
  for (const part of out) {
    if (typeof part === 'string') {
      own.push(part);
      at += Buffer.byteLength(part, 'utf8');
    } else pieces.push({ at, piece: part });
  }
  return { own: Buffer.from(own.join(''), 'utf8'), pieces };
}

/** Text in quoted-printable, as nodemailer's build encodes a text part (not binary: line ends kept). */
function quotedPrintable(text: string | Buffer): string {
  return encodeAll(new QpEncoder({ binary: false }), typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
}

/** Runs an encoder (a Transform) over `bytes` as one chunk, synchronously, and returns its output. */
function encodeAll(encoder: Transform, bytes: Buffer): string {
  const parts: string[] = [];
  encoder.push = (chunk: unknown): boolean => {
    if (chunk !== null) parts.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk));
    return true;
  };
  const check = (error?: Error | null): void => {
    if (error) throw error;
  };
  // A stream passes 'buffer' as the encoding of a Buffer chunk (Node's types name only string encodings).
  encoder._transform(bytes, 'buffer' as BufferEncoding, check);
  encoder._flush(check);
  return parts.join('');
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
