/**
 * SQL LIKE without regular expressions: `%` is any run of characters, `_` exactly one (a code point), no escape.
 * A user pattern turned into a RegExp backtracks (`%a%a%a%a%b` is exponential); here each `%`-separated segment is
 * found once, leftmost, and never revisited, so the cost is at most text × pattern length and usually linear.
 */

/** The longest LIKE pattern a search accepts: bounds the text × pattern worst case. */
export const LIKE_PATTERN_MAX = 1000;

type Fold = (s: string) => string;

const same: Fold = (s) => s;
/** Unicode lower-casing, as SQL engines' `lower()` does. */
export const foldLower: Fold = (s) => s.toLowerCase();
/** ASCII letters only, as SQLite's case-insensitive LIKE does. */
export const foldAscii: Fold = (s) => s.replace(/[A-Z]/g, (ch) => ch.toLowerCase());

/** True when `text[at…]` starts with `segment`, `_` matching any one character. */
function matchesAt(text: string[], at: number, segment: string[]): boolean {
  for (let j = 0; j < segment.length; j++) if (segment[j] !== '_' && segment[j] !== text[at + j]) return false;
  return true;
}

/** Whether `text` matches the LIKE `pattern`; `fold` lowers both for ILIKE (`foldLower`, or `foldAscii` for SQLite's rule). */
export function likeMatch(text: string, pattern: string, fold: Fold = same): boolean {
  const chars = Array.from(fold(text));
  const segments = fold(pattern).split('%').map((s) => Array.from(s));
  const first = segments[0]!;
  if (segments.length === 1) return chars.length === first.length && matchesAt(chars, 0, first);
  const last = segments[segments.length - 1]!;
  const end = chars.length - last.length;
  if (end < first.length || !matchesAt(chars, 0, first) || !matchesAt(chars, end, last)) return false;
  let at = first.length;
  for (const segment of segments.slice(1, -1)) {
    let found = -1;
    for (let i = at; i + segment.length <= end; i++) {
      if (matchesAt(chars, i, segment)) {
        found = i;
        break;
      }
    }
    if (found < 0) return false;
    at = found + segment.length;
  }
  return true;
}
