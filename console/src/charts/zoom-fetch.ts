import type { Series, SeriesWindow } from '../../../shared/schemas/tracking';
import type { Range, XAxis } from './metric-chart';

export interface StepRange {
  minStep: number;
  maxStep: number;
}

/** Fetches series of runs and keys (the console's `api.series`; the chart bench passes its own). */
export type SeriesFetch = (runIds: string[], keys: string[], window: SeriesWindow) => Promise<{ series: Series[] }>;

/**
 * The steps a zoomed x range shows. On the step axis that is the range itself; on the time axis, the steps of the
 * overview points inside it widened by the point just outside each edge, so the fetched points fill the whole view.
 */
export function stepRangeOf([from, to]: Range, xAxis: XAxis, overview: Series[]): StepRange | null {
  if (xAxis === 'step') return { minStep: Math.floor(from), maxStep: Math.ceil(to) };
  let minStep = Infinity;
  let maxStep = -Infinity;
  for (const s of overview) {
    let before = -1;
    let after = -1;
    for (let i = 0; i < s.steps.length; i++) {
      const t = s.timestamps[i]!;
      if (t < from) {
        if (before < 0 || t >= s.timestamps[before]!) before = i;
      } else if (t > to) {
        if (after < 0 || t < s.timestamps[after]!) after = i;
      } else {
        minStep = Math.min(minStep, s.steps[i]!);
        maxStep = Math.max(maxStep, s.steps[i]!);
      }
    }
    for (const edge of [before, after]) {
      if (edge < 0) continue;
      minStep = Math.min(minStep, s.steps[edge]!);
      maxStep = Math.max(maxStep, s.steps[edge]!);
    }
  }
  return minStep <= maxStep ? { minStep, maxStep } : null;
}

/** The overview's points outside the step range around the range's own points: the chart still pans out smoothly. */
export function spliceRange(overview: Series, detail: Series, { minStep, maxStep }: StepRange): Series {
  const below = overview.steps.findIndex((step) => step >= minStep);
  const start = below < 0 ? overview.steps.length : below;
  let end = start;
  while (end < overview.steps.length && overview.steps[end]! <= maxStep) end++;
  const join = (column: 'steps' | 'values' | 'timestamps') => [...overview[column].slice(0, start), ...detail[column], ...overview[column].slice(end)];
  return { ...overview, steps: join('steps'), values: join('values'), timestamps: join('timestamps') };
}

/**
 * What a chart shows once the user zoomed into `range`: each run's points in that step range, fetched at up to
 * `maxPoints` each (so a 1M-point series shows its real points once zoomed in far enough), spliced into the overview.
 * `inRange` holds the range's own series (their `total` is the points the range holds).
 */
export async function fetchZoomedSeries(fetchSeries: SeriesFetch, overview: Series[], range: StepRange, maxPoints: number): Promise<{ series: Series[]; inRange: Series[] }> {
  const runIds = [...new Set(overview.map((s) => s.runId))];
  const keys = [...new Set(overview.map((s) => s.key))];
  const { series: inRange } = await fetchSeries(runIds, keys, { ...range, maxPoints });
  const detailOf = new Map(inRange.map((s) => [`${s.runId}\n${s.key}`, s]));
  const series = overview.map((s) => {
    const detail = detailOf.get(`${s.runId}\n${s.key}`);
    return detail ? spliceRange(s, detail, range) : s;
  });
  return { series, inRange };
}
