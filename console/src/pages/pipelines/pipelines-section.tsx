import type { VNode } from 'preact';
import { PipelinePage } from './pipeline-page';
import { Pipelines } from './pipelines-page';
import { PipelineRunPage } from './run-page';

/** The page for `/pipelines`, `/pipelines/{name}` or `/pipeline-runs/{id}`; null for any other path under them. */
export function pipelinesPage(section: string, parts: string[], query: URLSearchParams): VNode | null {
  const [first, ...rest] = parts;
  if (rest.length) return null;
  if (section === 'pipeline-runs') return first === undefined ? null : <PipelineRunPage id={first} query={query} />;
  return first === undefined ? <Pipelines /> : <PipelinePage name={first} query={query} />;
}
