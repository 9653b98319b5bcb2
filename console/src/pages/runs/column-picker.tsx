import { splitColumn } from './view';

export interface AvailableColumns {
  metrics: string[];
  params: string[];
  tags: string[];
}

/** Which params, metrics and tags the table shows, grouped; the choice goes into the URL. */
export function ColumnPicker({ available, chosen, onChange }: { available: AvailableColumns; chosen: string[]; onChange: (columns: string[]) => void }) {
  const toggle = (column: string, on: boolean) => onChange(on ? [...chosen, column] : chosen.filter((c) => c !== column));
  const groups: Array<[string, 'metrics' | 'params' | 'tags']> = [
    ['Metrics', 'metrics'],
    ['Params', 'params'],
    ['Tags', 'tags'],
  ];
  return (
    <details class="menu">
      <summary>Columns ({chosen.length})</summary>
      <div class="menu-body">
        {groups.map(([title, prefix]) => {
          const keys = [...new Set([...available[prefix], ...chosen.filter((c) => splitColumn(c).prefix === prefix).map((c) => splitColumn(c).key)])].sort();
          return (
            <fieldset key={prefix}>
              <legend>{title}</legend>
              {keys.length === 0 && <p class="muted small">none in these runs</p>}
              {keys.map((k) => {
                const column = `${prefix}.${k}`;
                return (
                  <label key={column} class="check">
                    <input type="checkbox" checked={chosen.includes(column)} onChange={(e) => toggle(column, e.currentTarget.checked)} /> {k}
                  </label>
                );
              })}
            </fieldset>
          );
        })}
      </div>
    </details>
  );
}
