import { invalidParam } from './errors.js';

/** MLflow's validate_path_is_safe, in short: a relative path that cannot climb out of the artifact root. */
export function safeArtifactPath(path: string | undefined): string {
  if (!path) return '';
  const decoded = (() => {
    try {
      return decodeURIComponent(path);
    } catch {
      return path;
    }
  })();
  const bad = /^[/\\]|^[a-z]+:/i.test(decoded) || decoded.split(/[/\\]/).some((part) => part === '..');
  if (bad) throw invalidParam(`Invalid path: '${path}'`);
  return decoded === '.' ? '' : decoded;
}

export interface ProxiedArtifactPath {
  experimentId: string;
  runId: string;
  /** The file or folder inside the run's artifacts; '' for the run's artifact root. */
  path: string;
}

/**
 * A path of MLflow's artifact proxy, as the hub hands it out in a run's artifact_uri
 * (`mlflow-artifacts:/<experiment_id>/<run_id>/artifacts`): the client appends the file's path to it.
 */
export function parseProxiedPath(raw: string): ProxiedArtifactPath {
  const safe = safeArtifactPath(raw).replace(/\/+$/, '');
  const [experimentId, runId, root, ...rest] = safe.split('/');
  if (!experimentId || !runId || root !== 'artifacts' || rest.some((part) => part === '' || part === '.')) {
    throw invalidParam(`Invalid artifact path '${raw}': this hub keeps artifacts per run, at <experiment_id>/<run_id>/artifacts/<path> (the run's artifact_uri).`);
  }
  return { experimentId, runId, path: rest.join('/') };
}
