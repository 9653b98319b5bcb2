/**
 * Tokenizer for the run-search filter. It only splits text into tokens and unescapes literals;
 * it never builds SQL, so string values reach the hub verbatim and are bound as parameters there.
 * Columns are 1-based UTF-16 offsets, the same indexing the console uses to highlight the input.
 */
import { OutpostError } from '../errors.js';

/** A filter the user typed is malformed: a 400 whose message and details point at a column. */
export class FilterSyntaxError extends OutpostError {
  readonly column: number;
  constructor(problem: string, column: number, hint?: string) {
    super(400, 'bad_request', `${problem} at column ${column}${hint ? ` (${hint})` : ''}`, { column });
    this.column = column;
  }
}

export type TokenKind = 'word' | 'string' | 'number' | 'op' | '(' | ')' | ',' | 'eof';

/**
 * `word` covers identifiers and keywords. A quoted identifier key (metrics.`f1 score`) is a word
 * whose text is the prefix with its dot and whose `key` holds the unquoted key.
 */
export interface Token {
  kind: TokenKind;
  text: string;
  column: number;
  key?: { text: string; column: number };
}

// Characters that end a bare word: whitespace, operator characters, punctuation and quotes.
const WORD_END = /[\s=!<>(),'"`]/;
const WORD_START = /[A-Za-z_]/;
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const OPERATORS = ['>=', '<=', '!=', '=', '>', '<'];

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const token = ch === "'" || ch === '"' ? readString(text, i) : readOther(text, i);
    tokens.push(token.token);
    i = token.end;
  }
  tokens.push({ kind: 'eof', text: '', column: text.length + 1 });
  return tokens;
}

interface Lexed {
  token: Token;
  end: number;
}

function readOther(text: string, i: number): Lexed {
  const ch = text[i]!;
  const column = i + 1;
  if (ch === '(' || ch === ')' || ch === ',') return { token: { kind: ch, text: ch, column }, end: i + 1 };
  const op = OPERATORS.find((o) => text.startsWith(o, i));
  if (op) return { token: { kind: 'op', text: op, column }, end: i + op.length };
  NUMBER.lastIndex = i;
  const num = NUMBER.exec(text);
  if (num) return readNumber(text, i, num[0]);
  if (WORD_START.test(ch)) return readWord(text, i);
  throw new FilterSyntaxError(`unexpected character '${ch}'`, column);
}

/** Rejects `1e` or `2abc` here rather than letting a stray word produce a vaguer error later. */
function readNumber(text: string, i: number, match: string): Lexed {
  const end = i + match.length;
  if (end < text.length && /[\w.]/.test(text[end]!)) {
    throw new FilterSyntaxError('malformed number', i + 1);
  }
  return { token: { kind: 'number', text: match, column: i + 1 }, end };
}

/** A bare word; `prefix.` directly followed by a backtick or double quote takes a quoted key. */
function readWord(text: string, i: number): Lexed {
  let end = i;
  while (end < text.length && !WORD_END.test(text[end]!)) end++;
  const word = text.slice(i, end);
  const quote = text[end];
  const isPrefixOnly = word.endsWith('.') && word.indexOf('.') === word.length - 1;
  if (isPrefixOnly && (quote === '`' || quote === '"')) {
    const quoted = readQuoted(text, end, quote);
    const key = { text: quoted.value, column: end + 1 };
    return { token: { kind: 'word', text: word, column: i + 1, key }, end: quoted.end };
  }
  return { token: { kind: 'word', text: word, column: i + 1 }, end };
}

function readString(text: string, i: number): Lexed {
  const quoted = readQuoted(text, i, text[i]!);
  return { token: { kind: 'string', text: quoted.value, column: i + 1 }, end: quoted.end };
}

/**
 * Reads a literal opened by `quote` at `start`. A doubled quote is one quote (SQL style) and a
 * backslash takes the next character literally (MLflow/Python style), so both 'it''s' and 'it\'s'
 * mean it's. Returns the unescaped value and the index just past the closing quote.
 */
function readQuoted(text: string, start: number, quote: string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      value += text[i + 1];
      i += 2;
    } else if (ch === quote && text[i + 1] === quote) {
      value += quote;
      i += 2;
    } else if (ch === quote) {
      return { value, end: i + 1 };
    } else {
      value += ch;
      i++;
    }
  }
  throw new FilterSyntaxError('unterminated string starting', start + 1);
}
