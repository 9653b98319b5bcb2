/** The runs view as the URL holds it, so a view can be shared: `/runs?exp=…&filter=…&sort=metrics.acc+DESC&col=params.lr`. */

export type Direction = 'ASC' | 'DESC';
export interface Sort {
  column: string;
  direction: Direction;
}
export interface RunsView {
  experiments: string[];
  filter: string;
  sort: Sort | null;
  /** Chosen params/metrics/tags columns (`params.lr`); null until the user chooses: then the defaults apply. */
  columns: string[] | null;
}

export function readView(q: URLSearchParams): RunsView {
  const sort = /^(.+) (ASC|DESC)$/.exec(q.get('sort') ?? '');
  return {
    experiments: q.getAll('exp').filter(Boolean),
    filter: q.get('filter') ?? '',
    sort: sort ? { column: sort[1]!, direction: sort[2] as Direction } : null,
    columns: q.has('col') ? q.getAll('col').filter(Boolean) : null,
  };
}

export function viewUrl(v: RunsView): string {
  const q = new URLSearchParams();
  for (const e of v.experiments) q.append('exp', e);
  if (v.filter) q.set('filter', v.filter);
  if (v.sort) q.set('sort', `${v.sort.column} ${v.sort.direction}`);
  // An empty choice is still a choice: `col=` keeps "no extra columns" apart from "the defaults".
  if (v.columns) for (const c of v.columns.length ? v.columns : ['']) q.append('col', c);
  const s = q.toString();
  return s ? `/runs?${s}` : '/runs';
}

/** `params.lr` → its prefix and key (keys may contain dots: only the first dot splits). */
export function splitColumn(column: string): { prefix: string; key: string } {
  const dot = column.indexOf('.');
  return { prefix: column.slice(0, dot), key: column.slice(dot + 1) };
}

/** An order_by term the hub's parser reads back as the same column: keys with spaces or quotes go in backticks. */
export function orderTerm(sort: Sort): string {
  const { prefix, key } = splitColumn(sort.column);
  const bare = !/[\s=!<>(),'"`]/.test(key) && key.length > 0;
  return `${prefix}.${bare ? key : `\`${key}\``} ${sort.direction}`;
}
