import { parseDatasetRef, parseModelRef } from '../../../../shared/refs';

/** Addresses of the pipeline pages. A run lives at its own path, so no pipeline name can shadow it. */
export const pipelineHref = (name: string) => `/pipelines/${encodeURIComponent(name)}`;
export const pipelineRunHref = (id: string, step?: string) => `/pipeline-runs/${encodeURIComponent(id)}${step ? `?step=${encodeURIComponent(step)}` : ''}`;

/** The console page of a lineage entry's ref: a tracking run, a dataset version, a model. Null where the ref does not parse. */
export function lineageHref(kind: 'run' | 'dataset' | 'model', ref: string): string | null {
  try {
    if (kind === 'run') return `/runs/${encodeURIComponent(ref)}`;
    if (kind === 'model') return `/models/${encodeURIComponent(parseModelRef(ref).name)}`;
    const d = parseDatasetRef(ref);
    return `/datasets/${encodeURIComponent(d.name)}${'version' in d ? `/${d.version}` : ''}`;
  } catch {
    return null;
  }
}
