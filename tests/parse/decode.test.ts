import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { decodeDump } from '../../src/source/decode-dump.js';

function rejection(bytes: Uint8Array, encoding?: Parameters<typeof decodeDump>[2]): ParseError {
  try {
    decodeDump(bytes, 'inbox/x.txt', encoding);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('not rejected');
}

describe('decoding dump bytes', () => {
  it('rejects an empty file', () => {
    expect(rejection(new Uint8Array()).toLine()).toBe('inbox/x.txt: empty file');
  });

  it('rejects whitespace only, also behind a BOM', () => {
    expect(rejection(Buffer.from(' \n\r\n\t \n')).reason).toBe('empty file (whitespace only)');
    expect(rejection(Buffer.from('\ufeff\n\n', 'utf8')).kind).toBe('empty');
  });

  it('rejects binary data', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect(rejection(png).kind).toBe('binary');
    const controls = Buffer.alloc(1000, 0x41);
    for (let i = 0; i < 1000; i += 20) controls[i] = 0x01;
    expect(rejection(controls).reason).toBe('binary file (control characters), not a text dump');
  });

  it('lets a few stray control characters through, counting every kind together', () => {
    const text = (codes: number[]) => {
      const bytes = Buffer.from(`Press releases\n\n  1. ${'A title that goes on. '.repeat(36)}\n`);
      codes.forEach((code, i) => (bytes[20 + i * 7] = code));
      return bytes;
    };
    // Eight: stripped by the parser, not a reason to reject.
    expect(decodeDump(text([1, 2, 3, 4, 5, 6, 7, 8]), 'x')).toContain('Press releases');
    // Nine different ones in 810 bytes: more than 8 and more than 1 %.
    expect(rejection(text([1, 2, 3, 4, 5, 6, 7, 8, 0x1b])).kind).toBe('binary');
    // Tab, form feed and line ends are ordinary text.
    expect(decodeDump(text([9, 9, 9, 12, 12, 12, 13, 13, 13, 10]), 'x')).toContain('Press releases');
  });

  it('rejects bytes that are not UTF-8, naming the byte and the setting to change', () => {
    const latin1 = Buffer.from('Press releases\n\n  1. Caf\xe9 society\n', 'latin1');
    const e = rejection(latin1);
    expect(e.kind).toBe('encoding');
    expect(e.reason).toBe('not valid UTF-8 (byte 0xe9 at offset 24); set source.encoding in the config if the dumps use another encoding');
  });

  it('reads another encoding when the config names it', () => {
    const latin1 = Buffer.from('Caf\xe9 \x80', 'latin1');
    expect(decodeDump(latin1, 'x', 'windows-1252')).toBe('Café €');
  });

  it('calls a multi-byte character cut at the very end a truncated write', () => {
    const cut = Buffer.from('Press releases\n\n  1. Myanmar’', 'utf8').subarray(0, -1);
    const e = rejection(cut);
    expect(e.kind).toBe('truncated');
    expect(e.reason).toBe('truncated: ends inside a multi-byte character');
  });

  it('rejects UTF-16 that is really binary', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.alloc(64, 0)]);
    expect(rejection(bytes).kind).toBe('binary');
  });
});
