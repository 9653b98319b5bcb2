import { listModels, listVersions } from '../../../../shared/client/registry';
import { formatRef } from '../../../../shared/refs';
import type { ModelVersion } from '../../../../shared/schemas/registry';
import type { Run } from '../../../../shared/schemas/tracking';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';

/** Versions whose source run is this one: the registry holds tens of models, so the console asks each. */
async function versionsFromRun(runId: string): Promise<ModelVersion[]> {
  const { models } = await listModels(hub);
  const lists = await Promise.all(models.map((m) => listVersions(hub, m.name)));
  return lists.flatMap((l) => l.versions).filter((v) => v.runId === runId);
}

/** Where the run came from (dataset, parent run) and what came of it (model versions, with their base version). */
export function Lineage({ run }: { run: Run }) {
  const loaded = useLoad(() => versionsFromRun(run.id), [run.id]);
  const dataset = run.tags.dataset ?? run.params.dataset;
  return (
    <section class="card" aria-labelledby="lineage">
      <h2 id="lineage">Lineage</h2>
      <dl class="facts">
        <dt>Dataset</dt>
        <dd>{dataset ? <code>{dataset}</code> : <span class="muted">none recorded (set the run's <code>dataset</code> tag)</span>}</dd>
        {run.parentRunId && (
          <>
            <dt>Parent run</dt>
            <dd>
              <Link href={`/runs/${encodeURIComponent(run.parentRunId)}`}>{run.parentRunId}</Link>
            </dd>
          </>
        )}
        <dt>Model versions</dt>
        <dd>
          {!loaded.data ? (
            <LoadState error={loaded.error} loading={loaded.loading} what="model versions" />
          ) : loaded.data.length === 0 ? (
            <span class="muted">none registered from this run (register with <code>runId</code> to link one)</span>
          ) : (
            <ul class="plain">
              {loaded.data.map((v) => (
                <li key={formatRef({ name: v.model, version: v.version })}>
                  <Link href={`/models/${encodeURIComponent(v.model)}`}>
                    {formatRef({ name: v.model, version: v.version })}
                  </Link>
                  {v.aliases.length > 0 && <span class="muted"> ({v.aliases.join(', ')})</span>}
                  {v.baseVersion != null && (
                    <span>
                      {' '}
                      · fine-tuned from base model {v.model}/{v.baseVersion}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </section>
  );
}
