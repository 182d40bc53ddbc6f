import { describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import { buildMessage, SharedParts } from '../../src/sinks/mail/compose-message.js';
import { messageBytes } from '../../src/store/digests.js';
import { randomFrom } from '../../bench/corpus.js';

// Digests are built without nodemailer's streams (buildMessage): the bytes must be exactly the ones
// nodemailer's own build() writes for the same message, whatever the text holds.

// What makes quoted-printable and base64 encoding branch: spaces and tabs before a line end, `=`,
// dots and commas (soft breaks prefer them), long words, line ends of every kind, non-ASCII.
const PIECES = [
  'workers',
  'decent',
  'work',
  ' ',
  ' ',
  '  ',
  '\t',
  '.',
  ',',
  '=',
  '==',
  '\n',
  '\n',
  '\r\n',
  '\r',
  ' \n',
  '\t\n',
  'Genève',
  '’',
  '“fair”',
  'منظمة العمل',
  '国际劳工组织',
  '😀',
  'https://news.example.org/u?a=1&sig=AbC-_x',
  'x'.repeat(90),
  '=C3=A9',
];

function text(rnd: () => number, length: number, pieces = PIECES): string {
  const parts: string[] = [];
  for (let n = 0; n < length;) {
    const piece = pieces[Math.floor(rnd() * pieces.length)]!;
    parts.push(piece);
    n += piece.length;
  }
  return parts.join('');
}

function composer(textPart: string, htmlPart: string, textEncoding: 'quoted-printable' | 'base64'): MailComposer {
  return new MailComposer({
    textEncoding,
    from: 'ILO news <news@example.org>',
    to: { name: 'Ana Núñez', address: 'ana@example.org' },
    subject: 'ILO news: 3 new items in Press releases, “Impact and people”',
    text: textPart,
    html: htmlPart,
    messageId: '<digest.0123456789abcdef01234567@example.org>',
    date: new Date('2024-06-06T08:00:00Z'),
    headers: { 'List-Unsubscribe': '<https://news.example.org/unsubscribe?a=ana%40example.org&s=abc>', 'Auto-Submitted': 'auto-generated' },
    baseBoundary: '0123456789abcdef',
  });
}

describe('buildMessage', () => {
  it('writes the bytes nodemailer builds, for 300 generated messages of up to 150 KB', async () => {
    const rnd = randomFrom(15);
    for (let i = 0; i < 300; i++) {
      // Some beyond 64 KB: nodemailer's encoders work through their input in 64 KB slices.
      const size = i % 25 === 0 ? 70_000 + Math.floor(rnd() * 80_000) : Math.floor(rnd() * 4000);
      const t = text(rnd, size);
      const h = `<p>${text(rnd, size)}</p>`;
      const encoding = rnd() < 0.7 ? 'quoted-printable' : 'base64';
      const expected = await composer(t, h, encoding).compile().build();
      const built = buildMessage(composer(t, h, encoding).compile());
      expect(built.pieces).toEqual([]);
      const actual = built.own;
      if (!actual.equals(expected)) {
        // The first differing line, to see what went wrong.
        const a = actual.toString('latin1').split('\r\n');
        const e = expected.toString('latin1').split('\r\n');
        const line = e.findIndex((l, k) => l !== a[k]);
        expect({ case: i, line, actual: a[line] }).toEqual({ case: i, line, actual: e[line] });
      }
    }
  });

  it('writes plain ASCII as 7bit, as nodemailer does, and the parts read back exactly', async () => {
    const t = 'ILO news\n\nThree new items.\n';
    const h = '<p>Three new items.</p>';
    const expected = await composer(t, h, 'quoted-printable').compile().build();
    const actual = messageBytes(buildMessage(composer(t, h, 'quoted-printable').compile()));
    expect(actual.toString('latin1')).toBe(expected.toString('latin1'));
    expect(actual.toString('latin1')).toContain('Content-Transfer-Encoding: 7bit');
    const parsed = await simpleParser(actual);
    expect(parsed.text).toBe(t);
    expect(parsed.html).toBe(h);
  });

  it('with shared beginnings, stores each once and the messages read back exactly, in lines of at most 76', async () => {
    const rnd = randomFrom(16);
    for (let i = 0; i < 60; i++) {
      // A digest's parts: a long beginning readers share, then the line with the reader's own link.
      // A rendered digest has no CR (and a parser reading the message back turns CR LF into LF).
      const noCr = PIECES.filter((p) => !p.includes('\r'));
      const head = `${text(rnd, 200 + Math.floor(rnd() * 20_000), noCr)}\n`;
      const html = `<p>${text(rnd, 300 + Math.floor(rnd() * 20_000), noCr)}</p>\n`;
      const shared = new SharedParts([head, html]);
      const first = new Set<unknown>();
      for (const reader of ['ana', 'bo', 'cy']) {
        const link = `https://news.example.org/unsubscribe/${reader}.${i}.${'x'.repeat(i)}?a=1`;
        const t = `${head}Unsubscribe: ${link}\n`;
        const h = `${html}<a href="${link}">Unsubscribe</a>\n</p></body></html>\n`;
        const message = buildMessage(composer(t, h, 'quoted-printable').compile(), shared);
        const raw = messageBytes(message);
        const parsed = await simpleParser(raw);
        expect(parsed.text).toBe(t);
        expect(parsed.html).toBe(h);
        const body = raw.toString('latin1').slice(raw.indexOf('\r\n\r\n'));
        expect(body.split(/\r?\n/).filter((l) => l.length > 76)).toEqual([]);
        // Both parts' beginnings are pieces, the same two objects for every reader.
        if (t.length > 0 && message.pieces.length > 0) for (const p of message.pieces) first.add(p.piece);
      }
      const qp = /Content-Transfer-Encoding: quoted-printable/g;
      const parts = composer(`${head}x\n`, `${html}x\n`, 'quoted-printable').compile();
      const encoded = messageBytes(buildMessage(parts)).toString('latin1').match(qp)?.length ?? 0;
      expect(first.size).toBe(encoded);
    }
  });
});
