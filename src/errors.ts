/**
 * Errors that dumpfeed expects and explains. Each carries where it happened and a one-line reason;
 * the CLI prints known errors as one line and unknown ones with their stack.
 */
export class DumpfeedError extends Error {
  constructor(
    readonly where: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The one-line form: `where: message`. */
  toLine(): string {
    return `${this.where}: ${this.message}`;
  }
}

/** A dump that cannot be read or parsed. `file` is the dump path, `reason` says why in a few words. */
export class ParseError extends DumpfeedError {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly kind: ParseErrorKind,
    options?: { cause?: unknown },
  ) {
    super(file, reason, options);
  }
}

/** The class of a rejected dump, for status output and tests. */
export type ParseErrorKind = 'empty' | 'binary' | 'encoding' | 'too-large' | 'no-items' | 'truncated' | 'format' | 'unreadable';

/** Configuration that does not validate; `where` names the file, the message names the key. */
export class ConfigError extends DumpfeedError {}

/** A failure of the state store (SQLite): the dump in hand is not marked processed. */
export class StoreError extends DumpfeedError {}

/** A failure writing an output (feed files, mail): isolated so other outputs still run. */
export class SinkError extends DumpfeedError {}

/** Wrong command-line usage. */
export class UsageError extends DumpfeedError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** One line for any error: `where: what` for dumpfeed's own, the message for others. */
export function describeError(error: unknown): string {
  return error instanceof DumpfeedError ? error.toLine() : error instanceof Error ? error.message : String(error);
}
