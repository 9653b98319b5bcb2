/**
 * The run-search tests' own filter language: an AST the tests generate, rendered to the text the hub
 * parses and evaluated here against the runs the tests created. It shares no code with shared/filter,
 * so a bug there cannot make the hub and its oracle agree by accident.
 */

/** A run as the test created it: what it sent, with each metric's value at its highest step. */
export interface KeptRun {
  id: string;
  name: string;
  status: string;
  startTime: number;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

export type Field = { kind: 'metrics' | 'params' | 'tags'; key: string; backticks?: boolean } | { kind: 'attributes'; key: 'status' | 'run_name' | 'start_time' };
export type Condition =
  | { type: 'compare'; field: Field; op: '=' | '!=' | '>' | '>=' | '<' | '<='; value: number | string }
  | { type: 'like'; field: Field; op: 'LIKE' | 'ILIKE'; pattern: string }
  | { type: 'in'; field: Field; negated: boolean; values: string[] }
  | { type: 'null'; field: Field; negated: boolean }
  | { type: 'and' | 'or'; left: Condition; right: Condition; parens: boolean; lowercase: boolean };
export interface Order {
  field: Field;
  descending: boolean;
  /** Written as `field` alone, relying on ASC being the default. */
  bare?: boolean;
}

/** A string literal: a backslash escapes the next character and a doubled quote is one quote, so both are escaped. */
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const fieldText = (f: Field) => (f.kind !== 'attributes' && f.backticks ? `${f.kind}.\`${f.key}\`` : `${f.kind}.${f.key}`);

/** The filter as text for the hub; a child is parenthesized when precedence demands it, or when the test asked for it. */
export function render(c: Condition): string {
  switch (c.type) {
    case 'compare':
      return `${fieldText(c.field)} ${c.op} ${typeof c.value === 'number' ? String(c.value) : quote(c.value)}`;
    case 'like':
      return `${fieldText(c.field)} ${c.op} ${quote(c.pattern)}`;
    case 'in':
      return `${fieldText(c.field)} ${c.negated ? 'NOT IN' : 'IN'} (${c.values.map(quote).join(', ')})`;
    case 'null':
      return `${fieldText(c.field)} IS ${c.negated ? 'NOT NULL' : 'NULL'}`;
    default: {
      const side = (child: Condition) => {
        const needed = c.type === 'and' && child.type === 'or';
        const compound = child.type === 'and' || child.type === 'or';
        return needed || (compound && c.parens) ? `(${render(child)})` : render(child);
      };
      const word = c.lowercase ? c.type : c.type.toUpperCase();
      return `${side(c.left)} ${word} ${side(c.right)}`;
    }
  }
}

export const renderOrder = (o: Order) => (o.bare ? fieldText(o.field) : `${fieldText(o.field)} ${o.descending ? 'DESC' : 'ASC'}`);

function valueOf(run: KeptRun, f: Field): string | number | undefined {
  if (f.kind === 'attributes') return f.key === 'status' ? run.status : f.key === 'run_name' ? run.name : run.startTime;
  const bag: Record<string, string | number> = run[f.kind];
  return Object.prototype.hasOwnProperty.call(bag, f.key) ? bag[f.key] : undefined;
}

/** Byte-wise string order (the test's values are ASCII), numbers numerically. */
function order(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** SQL LIKE by dynamic programming over characters: % any run, _ one character, no escapes. */
function likeMatch(text: string, pattern: string): boolean {
  let row = [true, ...Array<boolean>(text.length).fill(false)];
  for (const p of pattern) {
    const next = [p === '%' && row[0]!];
    for (let i = 1; i <= text.length; i++) next[i] = p === '%' ? next[i - 1]! || row[i]! : row[i - 1]! && (p === '_' || p === text[i - 1]);
    row = next;
  }
  return row[text.length]!;
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 32));

/** Whether a run matches: a comparison on a value the run lacks is false, whatever the operator (SQL NULL). */
export function matches(run: KeptRun, c: Condition): boolean {
  if ('left' in c) return c.type === 'and' ? matches(run, c.left) && matches(run, c.right) : matches(run, c.left) || matches(run, c.right);
  const actual = valueOf(run, c.field);
  if (c.type === 'null') return (actual === undefined) !== c.negated;
  if (actual === undefined) return false;
  if (c.type === 'in') return c.values.includes(String(actual)) !== c.negated;
  if (c.type === 'like') return c.op === 'LIKE' ? likeMatch(String(actual), c.pattern) : likeMatch(asciiLower(String(actual)), asciiLower(c.pattern));
  const d = order(actual, c.value);
  const outcome = { '=': d === 0, '!=': d !== 0, '>': d > 0, '>=': d >= 0, '<': d < 0, '<=': d <= 0 };
  return outcome[c.op];
}

/** The hub's documented order: by each term, a run lacking the value after those that have it (either direction), then by run id. */
export function sortRuns(runs: KeptRun[], terms: Order[]): KeptRun[] {
  return [...runs].sort((a, b) => {
    for (const t of terms) {
      const [x, y] = [valueOf(a, t.field), valueOf(b, t.field)];
      if (x === undefined && y === undefined) continue;
      if (x === undefined || y === undefined) return x === undefined ? 1 : -1;
      const d = order(x, y);
      if (d !== 0) return t.descending ? -d : d;
    }
    return order(a.id, b.id);
  });
}
