/**
 * Shapes of lines that are never a page heading, an item title or a category label: contact details
 * (e-mail addresses, phone lines, web addresses) and the words that run a sentence on to the next line.
 */

const EMAIL = /[^\s@<>()]+@[^\s@<>()]+\.[a-z]{2,}/i;
const URL = /\b(?:https?:\/\/|www\.)\S/i;
// `Tel:`, `Phone +41 …`, `Fax.`, `Tél.`, `Teléfono`, or a run of digits as phone numbers print them.
const PHONE_WORD = /^(?:tel|tél|phone|telephone|téléphone|teléfono|fax|mobile|mob)\b\.?\s*:?/i;
const PHONE_NUMBER = /(?:^|[\s:(])\+?\d[\d\s().\-/]{5,}\d(?:$|[\s,;)])/;
const CONTACT_PHRASE =
  /\b(?:please contact|for (?:further|more) information|e-?mail\s*:|contactez|póngase en contacto)\b|^(?:media |press )?contacts?\s*:/i;
// A word that makes a paragraph a contact box: its other lines are names and job titles, not headings.
const CONTACT_WORD = /\b(?:contacts?|contactez|contacto)\b/i;

/** True when a paragraph of several lines is a contact box (`Media contact` / a name / `Tel: …`). */
export function isContactBox(lines: string[]): boolean {
  return lines.length > 1 && lines.some((l) => isContactLine(l) || CONTACT_WORD.test(l));
}

/** True for an e-mail address, a web address or a phone line: contact details, not text. */
export function isContactDetail(text: string): boolean {
  // Cheap tests first: the patterns are unanchored, and every title and label of a dump comes here.
  // An address needs an @, a web address `://` or a dot (`www.`), a phone number nine digits: most
  // titles have none of these, and skip the unanchored patterns.
  if (ADDRESS_HINT.test(text) && (EMAIL.test(text) || URL.test(text))) return true;
  if (PHONE_WORD.test(text)) return true;
  if (!hasNineDigits(text)) return false;
  const number = PHONE_NUMBER.exec(text)?.[0];
  if (number === undefined) return false;
  // Nine digits or more, and most of the line: `+41 22 799 7912`, not `1 000 000 jobs`.
  const digits = number.replace(/\D/g, '').length;
  return digits >= 9 && digits / text.replace(/\s/g, '').length > 0.4;
}

// Patterns, not loops over the characters: the texts here are slices of a dump's text, which a
// pattern reads in place and charCodeAt does not (a 20,000-item parse took 54 ms with a loop, 51 with these).
const ADDRESS_HINT = /[@.:]/;
const DIGIT = /\d/g;

/** True when the text has nine digits or more: the pattern finds each digit in turn, with no backtracking. */
function hasNineDigits(text: string): boolean {
  DIGIT.lastIndex = 0;
  let n = 0;
  while (n < 9 && DIGIT.test(text)) n++;
  return n === 9;
}

/** True for a line that asks the reader to get in touch (`please contact … at`), in any of the page languages. */
export function isContactLine(text: string): boolean {
  return isContactDetail(text) || CONTACT_PHRASE.test(text);
}

// Words a heading does not end with: a line ending in one is part of a sentence wrapped onto the next line.
const RUN_ON_WORDS = new Set(
  (
    'a about across after an and are as at be before between by can during for from has have in into is its ' +
    'may not of on or our over than that the their these this through to toward towards under upon via was ' +
    'which who will with within without your ' + // English
    'à au aux de des du en et la le les ou par pour sur ' + // French
    'a al con de del el en la las los o para por y'
  ) // Spanish
    .split(' '),
);

/** True when a line reads as the first part of a sentence that goes on in the next line. */
export function endsMidSentence(line: string): boolean {
  if (/[,;:\-–]$/.test(line)) return true;
  const last = lastWord(line)?.toLowerCase();
  return last !== undefined && RUN_ON_WORDS.has(last);
}

/**
 * The letters that end a line (Unicode letters), or undefined. A line that ends in ASCII letters
 * preceded by ASCII is read without the Unicode pattern, whose first use builds its tables.
 */
function lastWord(line: string): string | undefined {
  let start = line.length;
  while (start > 0 && isAsciiLetter(line.charCodeAt(start - 1))) start--;
  if (start > 0 && line.charCodeAt(start - 1) > 0x7f) return /(\p{L}+)$/u.exec(line)?.[1];
  return start < line.length ? line.slice(start) : undefined;
}

/** True for A-Z and a-z. */
function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** True when a line reads as a sentence (a description), not a heading. */
export function looksLikeSentence(line: string): boolean {
  return /[.!?…]["”’)]?$/.test(line) || line.split(/\s+/).length > 15;
}
