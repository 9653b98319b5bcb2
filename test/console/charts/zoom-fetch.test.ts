import { describe, expect, it } from 'vitest';
import type { Series, SeriesRequest } from '../../../shared/schemas/tracking.js';
import { fetchZoomedSeries, spliceRange, stepRangeOf } from '../../../console/src/charts/zoom-fetch.js';

/** A downsampled overview: every 10th step of 0…1000, timestamps 1000 ms apart from t0 (one step = 100 ms). */
const overview = (runId: string, t0 = 1_000_000): Series => {
  const steps = Array.from({ length: 101 }, (_, i) => i * 10);
  return { runId, key: 'loss', total: 1001, steps, values: steps.map((s) => s / 1000), timestamps: steps.map((s) => t0 + s * 100) };
};

describe('the zoomed step range', () => {
  it('is the zoomed range itself on the step axis, widened to whole steps', () => {
    expect(stepRangeOf([99.5, 200.2], 'step', [overview('a')])).toEqual({ minStep: 99, maxStep: 201 });
  });

  it('covers a zoomed time range with the steps of the overview points inside it and the one just outside each edge', () => {
    // 1,020,500…1,041,000 ms holds the points of steps 210…410; steps 200 and 420 lie just outside.
    expect(stepRangeOf([1_020_500, 1_041_500], 'time', [overview('a')])).toEqual({ minStep: 200, maxStep: 420 });
    // Two runs with clocks apart: the union of what each shows.
    expect(stepRangeOf([1_020_500, 1_041_500], 'time', [overview('a'), overview('b', 1_010_000)])).toEqual({ minStep: 100, maxStep: 420 });
    expect(stepRangeOf([0, 10], 'time', [overview('a')])).toEqual({ minStep: 0, maxStep: 0 });
  });
});

describe('a zoom fetch', () => {
  it("puts the range's own points in place of the overview's there, keeping the overview outside it", () => {
    const detail: Series = { runId: 'a', key: 'loss', total: 3, steps: [101, 102, 103], values: [1, 2, 3], timestamps: [7, 8, 9] };
    const spliced = spliceRange(overview('a'), detail, { minStep: 101, maxStep: 103 });
    expect(spliced.steps.slice(9, 14)).toEqual([90, 100, 101, 102, 103]);
    expect(spliced.steps.slice(14, 16)).toEqual([110, 120]);
    expect(spliced.values.slice(11, 14)).toEqual([1, 2, 3]);
    expect(spliced.steps).toHaveLength(101 + 3);
    const replaced = spliceRange(overview('a'), { ...detail, steps: [205], values: [9], timestamps: [9] }, { minStep: 195, maxStep: 215 });
    expect(replaced.steps.slice(19, 22)).toEqual([190, 205, 220]);
  });

  it('asks for every run and key of the overview in one call with the step range and maxPoints', async () => {
    const asked: SeriesRequest[] = [];
    const fetchSeries = async (request: SeriesRequest) => {
      asked.push(request);
      return { series: request.runIds.map((runId) => ({ runId, key: 'loss', total: 2, steps: [300, 301], values: [0, 0], timestamps: [0, 0] })) };
    };
    const { series, inRange } = await fetchZoomedSeries(fetchSeries, [overview('a'), overview('b')], { minStep: 300, maxStep: 301 }, 1600);
    expect(asked).toEqual([{ runIds: ['a', 'b'], keys: ['loss'], minStep: 300, maxStep: 301, maxPoints: 1600 }]);
    expect(inRange.map((s) => s.total)).toEqual([2, 2]);
    expect(series.map((s) => s.steps.filter((x) => x >= 290 && x <= 310))).toEqual([
      [290, 300, 301, 310],
      [290, 300, 301, 310],
    ]);
  });
});
