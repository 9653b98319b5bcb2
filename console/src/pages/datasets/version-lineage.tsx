import { datasetLineage } from '../../../../shared/client/datasets';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';

/** The runs that read this version and the model versions made from those runs. */
export function VersionLineage({ name, version }: { name: string; version: number }) {
  const loaded = useLoad(() => datasetLineage(hub, name, version), [name, version]);
  return (
    <section class="card" aria-labelledby="lineage-title">
      <h2 id="lineage-title">Lineage</h2>
      {!loaded.data ? (
        <LoadState error={loaded.error} loading={loaded.loading} what="lineage" />
      ) : (
        <dl class="facts">
          <dt>Runs that read it</dt>
          <dd>
            {loaded.data.runs.length === 0 ? (
              <span class="muted">
                none recorded (a run records it with <code>POST /v1/runs/{'{id}'}/datasets</code> or MLflow's <code>log_input</code> with source <code>outpost://{name}/{version}</code>)
              </span>
            ) : (
              <ul class="plain">
                {loaded.data.runs.map((r) => (
                  <li key={r.id}>
                    <Link href={`/runs/${encodeURIComponent(r.id)}`}>{r.name || r.id}</Link> <span class={`status status-${r.status.toLowerCase()}`}>{r.status.toLowerCase()}</span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
          <dt>Model versions</dt>
          <dd>
            {loaded.data.modelVersions.length === 0 ? (
              <span class="muted">none made from those runs</span>
            ) : (
              <ul class="plain">
                {loaded.data.modelVersions.map((m) => (
                  <li key={`${m.model}/${m.version}`}>
                    <Link href={`/models/${encodeURIComponent(m.model)}`}>{m.model}/{m.version}</Link>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
      )}
    </section>
  );
}
