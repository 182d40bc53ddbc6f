import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';

/**
 * The one item matcher, for custom topics' `include`/`exclude`, subscribers' `include`/`exclude` and
 * the `?filter=`/`?filterout=` of served feeds. It is tested on an item's title, summary and category
 * label (see `matchText`).
 *
 * A pattern is a keyword, matched anywhere with case ignored, or `/regex/flags`. Regular expressions
 * use RE2 syntax (as in Go, Rust's regex and Google's RE2): no backreferences and no lookaround, and
 * matching takes time linear in the text whatever the pattern, so no pattern from a config file or a
 * URL can stall the daemon. Flags: `i` (case ignored), `m` (^ and $ at line ends), `s` (. matches a
 * line end); `g` and `u` are accepted and change nothing.
 */
export type TextTest = (text: string) => boolean;

/** A pattern that cannot be compiled; the message says why in a few words. */
export class PatternError extends Error {}

// Patterns from the config, compiled once; bounded in case a caller compiles patterns from elsewhere.
const compiled = new Map<string, TextTest>();

/** `compilePattern`, remembered: for patterns of the config, tested against many items. */
export function configPattern(spec: string): TextTest {
  let test = compiled.get(spec);
  if (!test) {
    if (compiled.size >= 1000) compiled.clear();
    test = compilePattern(spec);
    compiled.set(spec, test);
  }
  return test;
}

/** A keyword, or `/regex/flags` (RE2 syntax). */
export function compilePattern(spec: string): TextTest {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(spec);
  if (m) return compileRegex(m[1]!, m[2]!);
  const word = spec.toLowerCase();
  return (text) => text.toLowerCase().includes(word);
}

/** A regular expression in RE2 syntax with `flags` (`i`, `m`, `s`). */
export function compileRegex(source: string, flags: string): TextTest {
  const RE2JS = loadRe2();
  let bits = 0;
  for (const flag of flags) {
    if (flag === 'i') bits |= RE2JS.CASE_INSENSITIVE;
    else if (flag === 'm') bits |= RE2JS.MULTILINE;
    else if (flag === 's') bits |= RE2JS.DOTALL;
    else if (flag !== 'g' && flag !== 'u') throw new PatternError(`unknown flag "${flag}" (i, m, s)`);
  }
  let re: RE2JSClass;
  try {
    re = RE2JS.compile(source, bits);
  } catch (error) {
    // `error parsing regexp: missing closing ): `(a``: the part after the prefix is the reason.
    throw new PatternError(`not a regular expression: ${(error as Error).message.replace(/^error parsing regexp: /, '')}`);
  }
  return (text) => re.matcher(text).find();
}

/** The text patterns are tested on: the title, the summary and the category label, a line each. */
export function matchText(item: { title: string; summary: string | null; category: string | null }): string {
  return `${item.title}\n${item.summary ?? ''}\n${item.category ?? ''}`;
}

// Loaded with the first regular expression: keyword patterns and runs without patterns never pay for it.
let re2: typeof RE2JSClass | undefined;
function loadRe2(): typeof RE2JSClass {
  return (re2 ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS);
}
