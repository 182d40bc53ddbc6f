import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type iconvModule from 'iconv-lite';
import { ParseError } from '../errors.js';

/** How dump bytes are turned into text. `auto`: BOM first, then strict UTF-8. */
export type DumpEncoding = 'auto' | 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'iso-8859-1';

/** A dump's text, and whether its bytes stopped inside a character (a write cut off). */
export interface DecodedDump {
  text: string;
  /** The last bytes were the beginning of a UTF-8 character: the text's end is certainly cut. */
  cutAtEnd: boolean;
}

/**
 * Decodes the bytes of a dump into text, refusing what is not text.
 * Honours a UTF-8 or UTF-16 byte-order mark; without one, `auto` insists on valid UTF-8 so that a
 * mis-encoded dump fails loudly instead of filling feeds with mojibake. A UTF-8 character cut at the
 * very end is evidence of a cut write, not of bad text: it is dropped and `cutAtEnd` says so.
 */
export function decodeDumpText(bytes: Uint8Array, file: string, encoding: DumpEncoding = 'auto'): DecodedDump {
  const tail = utf8CutTail(bytes, encoding);
  const text = decodeDump(tail === 0 ? bytes : bytes.subarray(0, bytes.length - tail), file, encoding);
  return { text, cutAtEnd: tail > 0 };
}

/** How many bytes at the end begin a UTF-8 character that was cut short (0 when none, or not UTF-8). */
function utf8CutTail(bytes: Uint8Array, encoding: DumpEncoding): number {
  if ((encoding !== 'auto' && encoding !== 'utf-8') || bytes.length < 2) return 0;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 0;
  for (let n = 1; n <= 3 && n < bytes.length; n++) {
    if (isIncompleteUtf8Tail(bytes.subarray(bytes.length - n))) return n;
  }
  return 0;
}

/** Decodes the bytes of a dump into text (strict: a character cut at the end is an error; see decodeDumpText). */
export function decodeDump(bytes: Uint8Array, file: string, encoding: DumpEncoding = 'auto'): string {
  if (bytes.length === 0) throw new ParseError(file, 'empty file', 'empty');

  let label: string = encoding === 'auto' ? 'utf-8' : encoding;
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    label = 'utf-8';
    start = 3;
  } else if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    label = 'utf-16le';
    start = 2;
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    label = 'utf-16be';
    start = 2;
  }
  const body = bytes.subarray(start);

  // UTF-16 text is full of NUL bytes, so the binary check only applies to 8-bit encodings.
  if (!label.startsWith('utf-16')) assertNotBinary(body, file);

  let text: string;
  if (label === 'utf-8') {
    // Buffer's validator and decoder are several times faster than a fatal TextDecoder.
    const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (!isUtf8(buffer)) throw encodingError(body, label, file, new TypeError('invalid UTF-8'));
    text = buffer.toString('utf8');
  } else if (label.startsWith('utf-')) {
    try {
      text = new TextDecoder(label, { fatal: true }).decode(body);
    } catch (cause) {
      throw encodingError(body, label, file, cause);
    }
  } else {
    // Node's TextDecoder treats windows-1252 as ISO-8859-1 (0x80 is not €); iconv-lite has the real tables.
    text = loadIconv().decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength), label);
  }
  if (label.startsWith('utf-16')) assertNotBinary(Buffer.from(text, 'utf8'), file);
  if (text.trim() === '') throw new ParseError(file, 'empty file (whitespace only)', 'empty');
  return text;
}

const CONTROL_BYTES = Array.from({ length: 0x20 }, (_, b) => b).filter(
  (b) => b !== 0 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c,
);

/** Rejects bytes that are plainly not text: NUL bytes or many control characters. */
function assertNotBinary(bytes: Uint8Array, file: string): void {
  const sample = bytes.subarray(0, 64 * 1024);
  if (sample.indexOf(0) !== -1) throw new ParseError(file, 'binary file (contains NUL bytes), not a text dump', 'binary');
  // A stray control character is stripped by the parser; many of them (more than 8 and 1 %) mean this
  // is not text. Counted with one native scan per control byte (tab, LF, CR and form feed are ordinary
  // text): text has none or few, so this is several times faster than a loop over every byte.
  const most = Math.max(8, sample.length * 0.01);
  let control = 0;
  for (const code of CONTROL_BYTES) {
    for (let at = sample.indexOf(code); at !== -1; at = sample.indexOf(code, at + 1)) {
      if (++control > most) throw new ParseError(file, 'binary file (control characters), not a text dump', 'binary');
    }
  }
}

/** Explains a decoding failure: a cut-off multi-byte character at the very end means a truncated write. */
function encodingError(body: Uint8Array, label: string, file: string, cause: unknown): ParseError {
  if (label === 'utf-8') {
    const offset = firstInvalidUtf8(body);
    if (offset >= body.length - 3 && isIncompleteUtf8Tail(body.subarray(offset))) {
      return new ParseError(file, 'truncated: ends inside a multi-byte character', 'truncated', { cause });
    }
    const byte = body[offset] ?? 0;
    return new ParseError(
      file,
      `not valid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset}); ` +
        'set source.encoding in the config if the dumps use another encoding',
      'encoding',
      { cause },
    );
  }
  return new ParseError(file, `not valid ${label}`, 'encoding', { cause });
}

/** Offset of the first byte that does not start a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0) return i;
    for (let k = 1; k < n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
    }
    i += n;
  }
  return b.length;
}

/** True when the bytes are the valid beginning of a UTF-8 sequence that was cut short. */
function isIncompleteUtf8Tail(tail: Uint8Array): boolean {
  const lead = tail[0];
  if (lead === undefined) return false;
  const need = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (need === 0 || tail.length >= need) return false;
  for (let k = 1; k < tail.length; k++) if ((tail[k]! & 0xc0) !== 0x80) return false;
  return true;
}

// Loaded for the first dump in a legacy 8-bit encoding: UTF-8 and UTF-16 need no more than Node.
let iconv: typeof iconvModule | undefined;
function loadIconv(): typeof iconvModule {
  return (iconv ??= createRequire(import.meta.url)('iconv-lite') as typeof iconvModule);
}
