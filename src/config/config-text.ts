import { chmodSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Jsonc from 'jsonc-parser';

/**
 * The config file as text: where in it a key is (for errors that name a line), and edits that change
 * one value and leave the rest of the file (its layout, its key order) as the operator wrote it
 * (jsonc-parser, the parser VS Code edits settings with). Loaded only when an error is reported or the
 * file is edited: a run with a good config never pays for it.
 */

let jsonc: typeof Jsonc | undefined;
function parser(): typeof Jsonc {
  jsonc ??= createRequire(import.meta.url)('jsonc-parser') as typeof Jsonc;
  return jsonc;
}

/** Line and column (from 1) of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** The line of the value at `path` (`['subscribers', 0, 'schedule']`), or of the nearest enclosing key that exists. */
export function lineOf(text: string, path: readonly PropertyKey[]): number | null {
  const { parseTree, findNodeAtLocation } = parser();
  const tree = parseTree(text);
  if (!tree) return null;
  for (let n = path.length; n >= 1; n--) {
    const node = findNodeAtLocation(tree, path.slice(0, n) as (string | number)[]);
    // A key's line is where the key is written, not its value (an object value starts on the same line).
    if (node) return lineAndColumn(text, node.parent?.type === 'property' ? node.parent.offset : node.offset).line;
  }
  return null;
}

/**
 * Where JSON.parse stopped: V8 says `... in JSON at position 42` (and, in later versions, the line);
 * this gives line and column and the message without the position.
 */
export function syntaxErrorAt(text: string, error: Error): { line: number; column: number; message: string } | null {
  const m = /(?: in JSON)? at position (\d+)/.exec(error.message);
  if (!m) return null;
  const where = lineAndColumn(text, Number(m[1]));
  return { ...where, message: error.message.slice(0, m.index).replace(/\s*\(line \d+ column \d+\)$/, '') };
}

/** The text with the value at `path` set (undefined: removed), laid out like the file, two spaces a level. */
export function editJson(text: string, path: (string | number)[], value: unknown, insert = false): string {
  const { modify, applyEdits } = parser();
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const edits = modify(text, path, value, {
    formattingOptions: { insertSpaces: true, tabSize: 2, eol },
    isArrayInsertion: insert,
  });
  const out = applyEdits(text, edits);
  return out.endsWith(eol) ? out : `${out}${eol}`;
}

/** Replaces a file at once (a temporary file renamed over it), keeping its permissions: a watcher never reads half of it. */
export function replaceFile(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  try {
    chmodSync(temp, statSync(path).mode & 0o7777);
  } catch {
    // A new file keeps the default mode.
  }
  renameSync(temp, path);
}
