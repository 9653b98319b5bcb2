import type { XAxis } from './metric-chart';

export interface ChartSettings {
  xAxis: XAxis;
  log: boolean;
  /** EMA weight, 0 (raw) to 0.95. */
  smoothing: number;
}

export const DEFAULT_CHART_SETTINGS: ChartSettings = { xAxis: 'step', log: false, smoothing: 0 };

/** The controls every chart on a page shares. */
export function ChartSettingsBar({ value, onChange }: { value: ChartSettings; onChange: (next: ChartSettings) => void }) {
  return (
    <fieldset class="chart-settings">
      <legend class="visually-hidden">Chart options</legend>
      <label>
        X axis{' '}
        <select value={value.xAxis} onChange={(e) => onChange({ ...value, xAxis: e.currentTarget.value as XAxis })}>
          <option value="step">Step</option>
          <option value="time">Time</option>
        </select>
      </label>
      <label class="check">
        <input type="checkbox" checked={value.log} onChange={(e) => onChange({ ...value, log: e.currentTarget.checked })} /> Log scale
      </label>
      <label>
        Smoothing{' '}
        <input
          type="range"
          min={0}
          max={0.95}
          step={0.05}
          value={value.smoothing}
          onInput={(e) => onChange({ ...value, smoothing: Number(e.currentTarget.value) })}
        />{' '}
        <output>{value.smoothing.toFixed(2)}</output>
      </label>
      <span class="muted">Drag across a chart to zoom; double-click to reset.</span>
    </fieldset>
  );
}
