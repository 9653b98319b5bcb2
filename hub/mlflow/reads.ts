import { Hono } from 'hono';
import { z } from 'zod';
import { access } from '../auth/access.js';
import type { HubEnv } from '../http/env.js';
import { listArtifacts } from '../tracking/artifacts.js';
import { SERIES_BUDGET, storedPoints } from '../tracking/metrics/budget.js';
import { readSeries } from '../tracking/metrics/history.js';
import { invalidParam } from './errors.js';
import { safeArtifactPath } from './artifact-paths.js';
import { decodeOffsetToken, encodeOffsetToken, int64, opt, optString, requiredString, runIdOf, runRef } from './fields.js';
import { loadRun, scope } from './lookup.js';
import { parseQuery } from './request.js';
import { metricJson, runArtifactUri } from './shapes.js';

const read = access({ secret: 'read' });

export const readRoutes = new Hono<HubEnv>()
  /**
   * The whole series in step order by default. MLflow's SQL store ignores max_results and refuses page_token; we
   * page by offset when asked instead, which any client that follows next_page_token handles. The run must belong
   * to the caller's project, so an unknown run is a 404 here where SqlAlchemyStore would answer `{}`.
   */
  .get('/metrics/get-history', read, async (c) => {
    const q = await parseQuery(c, z.object({ ...runRef, metric_key: requiredString, max_results: opt(int64), page_token: optString }));
    const runId = runIdOf(q);
    const s = scope(c);
    await loadRun(s, runId);
    const stored = await storedPoints(s, [runId], [q.metric_key]);
    if (stored > SERIES_BUDGET.readPoints) throw invalidParam(`Metric '${q.metric_key}' holds ${stored} points; get-history reads at most ${SERIES_BUDGET.readPoints} (use /v1/runs/{id}/metrics/{key} with minStep/maxStep).`);
    const series = await readSeries(s, runId, q.metric_key);
    const total = series.steps.length;
    const start = Math.min(total, decodeOffsetToken(q.page_token));
    // A page holds at most the reply budget; a longer series continues with next_page_token.
    const pageSize = Math.min(q.max_results && q.max_results > 0 ? q.max_results : Infinity, SERIES_BUDGET.replyPoints);
    const end = Math.min(total, start + pageSize);
    const metrics = [];
    for (let i = start; i < end; i++) metrics.push(metricJson(q.metric_key, series.values[i]!, series.timestamps[i]!, series.steps[i]!));
    return c.json({
      ...(metrics.length ? { metrics } : {}),
      ...(end < total ? { next_page_token: encodeOffsetToken(end) } : {}),
    });
  })
  .get('/artifacts/list', read, async (c) => {
    const q = await parseQuery(c, z.object({ ...runRef, path: optString, page_token: optString }));
    const runId = runIdOf(q);
    const dir = safeArtifactPath(q.path);
    const s = scope(c);
    const run = await loadRun(s, runId);
    const entries = await listArtifacts(s, run, dir);
    const files = entries.map((e) => ({ path: e.path, is_dir: e.isDir, ...(e.isDir || e.size === null ? {} : { file_size: e.size }) }));
    return c.json({ root_uri: runArtifactUri(run.experimentId, runId), ...(files.length ? { files } : {}) });
  });
