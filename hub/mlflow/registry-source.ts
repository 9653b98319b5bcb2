import { eq } from 'drizzle-orm';
import { parseModelRef, type ModelRef } from '../../shared/refs.js';
import type { CreateVersion } from '../../shared/schemas/registry.js';
import type { Scope } from '../core/scope.js';
import { runArtifacts } from '../db/schema.js';
import { aliasesOf } from '../registry/models.js';
import { invalidParam } from './errors.js';
import { loadRun } from './lookup.js';
import { loadModel, loadVersion } from './registry-shapes.js';

export type VersionContent = Pick<CreateVersion, 'format' | 'files' | 'signature' | 'metrics' | 'runId'>;

/**
 * What model-versions/create registers. An MLflow version only names where its files are; an Outpost version holds
 * them (by digest), so the source must point at files this hub already has. Two forms do:
 * - the run's artifacts under a path: `runs:/<run_id>/<path>` as `mlflow.register_model("runs:/<id>/model", name)`
 *   writes it, or the underlying `mlflow-artifacts:/<experiment>/<run_id>/artifacts/<path>` the Python client sends
 *   instead (it resolves runs:/ URIs first). Files keep their paths below <path>; the format is `onnx` when there
 *   is an .onnx file, `tfjs-layers` when there is a model.json, and the signature is read from the model;
 * - another registered version, `models:/<name>/<version>` or `models:/<name>@<alias>`: a copy of its files.
 */
const RUNS_URI = /^runs:\/([^/]+)(?:\/(.*))?$/;
const RUN_ARTIFACTS_URI = /^mlflow-artifacts:(?:\/\/[^/]*)?\/[^/]+\/([^/]+)\/artifacts(?:\/(.*))?$/;
const MODELS_PREFIX = 'models:/';

const unsupported = (source: string) =>
  invalidParam(
    `Invalid model version source '${source}'. This hub registers versions from files it already holds: 'runs:/<run_id>/<path>' ` +
      `(the run's artifacts under <path>, with a .onnx file or a tfjs model.json) or 'models:/<name>/<version>' (a copy of a registered version).`,
  );

export async function versionContent(s: Scope, source: string, runId: string | undefined): Promise<VersionContent> {
  if (source.startsWith(MODELS_PREFIX)) return copyOf(s, modelsUriRef(source));
  const run = RUNS_URI.exec(source) ?? RUN_ARTIFACTS_URI.exec(source);
  if (!run) throw unsupported(source);
  const sourceRunId = run[1]!;
  if (runId && runId !== sourceRunId) throw invalidParam(`The source '${source}' names run ${sourceRunId} but run_id is '${runId}'; they must agree.`);
  return fromRunArtifacts(s, sourceRunId, (run[2] ?? '').replace(/^\/+|\/+$/g, ''));
}

/** The ref in `models:/<name>/<version>` or `models:/<name>@<alias>`, read by the one ref grammar; MLflow has no bare form. */
function modelsUriRef(source: string): ModelRef {
  const text = source.slice(MODELS_PREFIX.length);
  if (!/[/@]/.test(text)) throw unsupported(source);
  try {
    return parseModelRef(text);
  } catch (err) {
    throw invalidParam(`Invalid model version source '${source}': ${(err as Error).message}`);
  }
}

async function copyOf(s: Scope, ref: ModelRef): Promise<VersionContent> {
  const model = await loadModel(s, ref.name);
  let number: string;
  if ('alias' in ref) {
    const target = (await aliasesOf(s, model.id))[ref.alias];
    if (target === undefined) throw invalidParam(`Registered model alias ${ref.alias} not found.`);
    number = String(target);
  } else number = String(ref.version);
  const row = await loadVersion(s, model, number);
  return { format: row.format, files: row.files, signature: row.signature, metrics: row.metrics, ...(row.sourceRunId ? { runId: row.sourceRunId } : {}) };
}

/** A file logged exactly at <path> (a lone model.onnx) keeps its own name. */
const relativeTo = (dir: string, path: string) => (!dir ? path : path === dir ? path.slice(path.lastIndexOf('/') + 1) : path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : null);

async function fromRunArtifacts(s: Scope, runId: string, dir: string): Promise<VersionContent> {
  const run = await loadRun(s, runId);
  const rows = await s.db.select().from(runArtifacts).where(eq(runArtifacts.runId, run.id));
  const files = rows.flatMap((r) => {
    const path = relativeTo(dir, r.path);
    return path ? [{ path, digest: r.digest, size: r.size }] : [];
  });
  const where = `runs:/${runId}${dir ? `/${dir}` : ''}`;
  if (!files.length) throw invalidParam(`Run ${runId} has no artifacts under '${dir}'; attach the model's files first (PUT /v1/runs/${runId}/artifacts), then register ${where}.`);
  if (files.length > 1000) throw invalidParam(`${where} holds ${files.length} files; a version holds at most 1000.`);
  const format = files.some((f) => f.path.endsWith('.onnx')) ? 'onnx' : files.some((f) => f.path === 'model.json' || f.path.endsWith('/model.json')) ? 'tfjs-layers' : null;
  if (!format) throw invalidParam(`${where} holds no .onnx file and no tfjs model.json; this hub serves ONNX and tfjs-layers models only.`);
  return { format, files: files.sort((a, b) => a.path.localeCompare(b.path)), runId: run.id };
}
