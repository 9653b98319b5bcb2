import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { access } from '../auth/access.js';
import type { Scope } from '../core/scope.js';
import type { HubEnv } from '../http/env.js';
import { listArtifacts } from '../tracking/artifacts.js';
import { readRunArtifact, uploadRunArtifact } from '../tracking/artifact-files.js';
import { parseProxiedPath } from './artifact-paths.js';
import { doesNotExist, invalidParam } from './errors.js';
import { optString } from './fields.js';
import { loadRun, scope } from './lookup.js';
import { parseQuery } from './request.js';

/**
 * MLflow's artifact proxy (mlflow_artifacts.proto), which `mlflow-artifacts:/` URIs resolve to: the client uploads
 * with PUT and downloads with GET on `artifacts/<path>`, and lists with GET `artifacts?path=<path>`. Paths are
 * `<experiment_id>/<run_id>/artifacts/<file>`, as runs/create hands them out; the files are the run's artifacts
 * (blobs of the project), the same ones `/v1/runs/{id}/artifacts` shows.
 */

const read = access({ secret: 'read' });
const write = access({ secret: 'write' });

/** The path after `artifacts/` as sent, percent-encoded: the path check decodes it, so `..%2F` is caught too. */
function rawPathOf(c: Context<HubEnv>): string {
  const pathname = new URL(c.req.url).pathname;
  return pathname.slice(pathname.indexOf('/mlflow-artifacts/artifacts/') + '/mlflow-artifacts/artifacts/'.length);
}

/** The run the path names, in the caller's project; its experiment must be the run's, as in the artifact_uri. */
async function runOf(s: Scope, raw: string) {
  const target = parseProxiedPath(raw);
  const run = await loadRun(s, target.runId);
  if (run.experimentId !== target.experimentId) throw doesNotExist(`Run with id=${target.runId} not found in experiment ${target.experimentId}`);
  return { run, path: target.path };
}

function fileOnly(raw: string, path: string): string {
  if (!path) throw invalidParam(`Invalid artifact path '${raw}': name a file inside the run's artifacts.`);
  if (path.length > 1000 || path.includes('\\')) throw invalidParam(`Invalid artifact path '${raw}': at most 1000 characters, without backslashes.`);
  return path;
}

export const artifactProxyRoutes = new Hono<HubEnv>()
  .get('/artifacts', read, async (c) => {
    const q = await parseQuery(c, z.object({ path: optString }));
    const s = scope(c);
    const { run, path } = await runOf(s, q.path ?? '');
    const entries = await listArtifacts(s, run, path);
    // FileInfo paths are names within the listed folder (the client joins them to its own path).
    const files = entries.map((e) => ({ path: e.path.slice(e.path.lastIndexOf('/') + 1), is_dir: e.isDir, ...(e.isDir || e.size === null ? {} : { file_size: e.size }) }));
    return c.json(files.length ? { files } : {});
  })
  .put('/artifacts/*', write, async (c) => {
    const raw = rawPathOf(c);
    const s = scope(c);
    // Everything about the request is checked before its body is read.
    const { run, path } = await runOf(s, raw);
    const length = c.req.header('content-length');
    await uploadRunArtifact(s, run, fileOnly(raw, path), {
      body: () => c.req.raw.body ?? new Blob([]).stream(),
      maxBytes: c.get('deps').config.maxUpload,
      declaredSize: length === undefined ? undefined : Number(length),
    });
    return c.json({});
  })
  .get('/artifacts/*', read, async (c) => {
    const raw = rawPathOf(c);
    const s = scope(c);
    const { run, path } = await runOf(s, raw);
    const file = await readRunArtifact(s, run, fileOnly(raw, path));
    if (!file) throw doesNotExist(`No artifact at '${path}' in run ${run.id}`);
    const name = path.slice(path.lastIndexOf('/') + 1);
    return c.body(file.body, 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(file.size),
      'Content-Disposition': `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'X-Content-Type-Options': 'nosniff',
      ETag: `"${file.digest}"`,
    });
  });
