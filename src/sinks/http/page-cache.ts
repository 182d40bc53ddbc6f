/**
 * Rendered responses (pages, filtered feeds), with their compressed copies, kept until the data they
 * show changes: every entry belongs to one `mark` (the store's change mark and the config in force),
 * and a request that sees another mark starts an empty cache. Bounded in entries and bytes, least
 * recently used out first: a client asking for endless filter variants cannot grow it.
 */
export class PageCache<T extends { body: Buffer }> {
  private readonly entries = new Map<string, T>();
  private mark: unknown = undefined;
  private bytes = 0;

  constructor(
    private readonly maxEntries = 500,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  /** The entry for `key` under `mark`, made (and kept) when missing; `make` may return null (not kept). */
  get(mark: unknown, key: string, make: () => T | null): T | null {
    if (mark !== this.mark) {
      this.entries.clear();
      this.bytes = 0;
      this.mark = mark;
    }
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const made = make();
    if (made) {
      this.entries.set(key, made);
      this.bytes += cost(made);
      this.trim();
    }
    return made;
  }

  /** The entry for `key` under `mark`, if it is held (counted as a use). */
  peek(mark: unknown, key: string): T | undefined {
    return mark === this.mark ? (this.get(mark, key, () => null) ?? undefined) : undefined;
  }

  /** Entries and bytes held, for tests and the soak benchmark. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private trim(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= cost(entry);
    }
  }
}

// An entry's body and room for its compressed copies (brotli and gzip together stay under the body's size).
function cost(entry: { body: Buffer }): number {
  return entry.body.length * 2;
}
