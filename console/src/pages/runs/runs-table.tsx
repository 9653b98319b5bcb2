import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Run } from '../../../../shared/schemas/tracking';
import { formatNumber, formatTime } from '../../format';
import { Link } from '../../router';
import { splitColumn, type Sort } from './view';

const ROW_HEIGHT = 36;
const OVERSCAN = 10;
/** Ask for the next page while this many loaded rows are still below the window. */
const PREFETCH_ROWS = 150;

export interface RunColumn {
  id: string;
  label: string;
  width: number;
  numeric?: boolean;
  cell: (run: Run) => ComponentChildren;
}

const FIXED: RunColumn[] = [
  { id: 'attributes.run_name', label: 'Run', width: 200, cell: (r) => <Link href={`/runs/${encodeURIComponent(r.id)}`}>{r.name || r.id}</Link> },
  { id: 'attributes.status', label: 'Status', width: 104, cell: (r) => <span class={`status status-${r.status.toLowerCase()}`}>{r.status}</span> },
  { id: 'attributes.start_time', label: 'Started', width: 176, cell: (r) => formatTime(r.startTime) },
  { id: 'attributes.source', label: 'Source', width: 84, cell: (r) => r.source },
];

export function columnsFor(chosen: string[]): RunColumn[] {
  return [
    ...FIXED,
    ...chosen.map((id): RunColumn => {
      const { prefix, key } = splitColumn(id);
      if (prefix === 'metrics') return { id, label: key, width: 116, numeric: true, cell: (r) => formatNumber(r.metrics[key]?.value) };
      const values = prefix === 'params' ? 'params' : 'tags';
      return { id, label: key, width: 116, cell: (r) => r[values][key] ?? '—' };
    }),
  ];
}

interface Props {
  rows: Run[];
  columns: RunColumn[];
  sort: Sort;
  onSort: (column: string) => void;
  selected: Set<string>;
  onSelect: (run: Run, on: boolean) => void;
  hasMore: boolean;
  loading: boolean;
  onNeedMore: () => void;
}

/**
 * The runs table, virtualised: only the rows in view (and a few around them) are in the DOM, so 100k loaded
 * runs scroll as smoothly as 100. Rows have one fixed height; spacer rows stand in for the rest.
 */
export function RunsTable({ rows, columns, sort, onSort, selected, onSelect, hasMore, loading, onNeedMore }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });
  useEffect(() => {
    const el = scroller.current!;
    let frame = 0;
    const update = () => setView({ top: el.scrollTop, height: el.clientHeight });
    const onScroll = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(update);
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    const resize = new ResizeObserver(update);
    resize.observe(el);
    update();
    return () => {
      el.removeEventListener('scroll', onScroll);
      resize.disconnect();
      cancelAnimationFrame(frame);
    };
  }, []);

  const first = Math.max(0, Math.floor(view.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((view.top + view.height) / ROW_HEIGHT) + OVERSCAN);
  useEffect(() => {
    if (hasMore && !loading && last + PREFETCH_ROWS >= rows.length) onNeedMore();
  }, [last, rows.length, hasMore, loading]);

  const width = 44 + columns.reduce((n, c) => n + c.width, 0);
  return (
    <div class="table-scroll" ref={scroller} tabIndex={-1}>
      <table class="runs" style={{ width: `${width}px` }} aria-rowcount={hasMore ? -1 : rows.length + 1}>
        <colgroup>
          <col style={{ width: '44px' }} />
          {columns.map((c) => (
            <col key={c.id} style={{ width: `${c.width}px` }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col"><span class="visually-hidden">Select</span></th>
            {columns.map((c) => {
              const active = sort.column === c.id;
              return (
                <th key={c.id} scope="col" class={c.numeric ? 'num' : undefined} aria-sort={active ? (sort.direction === 'ASC' ? 'ascending' : 'descending') : 'none'}>
                  <button type="button" class="sort" onClick={() => onSort(c.id)} title={`Sort by ${c.id}`}>
                    <span class="label">{c.label}</span>
                    <span aria-hidden="true" class="arrow">{active ? (sort.direction === 'ASC' ? '▲' : '▼') : ''}</span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {first > 0 && <tr aria-hidden="true" style={{ height: `${first * ROW_HEIGHT}px` }} />}
          {rows.slice(first, last).map((run, i) => (
            <tr key={run.id} aria-rowindex={first + i + 2} class={selected.has(run.id) ? 'selected' : undefined}>
              <td>
                <input type="checkbox" aria-label={`Select run ${run.name || run.id}`} checked={selected.has(run.id)} onChange={(e) => onSelect(run, e.currentTarget.checked)} />
              </td>
              {columns.map((c) => (
                <td key={c.id} class={c.numeric ? 'num' : undefined}>{c.cell(run)}</td>
              ))}
            </tr>
          ))}
          {last < rows.length && <tr aria-hidden="true" style={{ height: `${(rows.length - last) * ROW_HEIGHT}px` }} />}
        </tbody>
      </table>
    </div>
  );
}
