import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { listPipelineRuns, listPipelines } from '../../../../shared/client/pipelines';
import { hub } from '../../hub';
import { Snippet } from '../../components/copy';
import { EmptyState } from '../../components/empty-state';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { useRefreshWhile } from '../../components/use-refresh';
import { formatTime } from '../../format';
import { Link } from '../../router';
import { pipelineHref, pipelineRunHref } from './links';
import { startRun } from './start-run';
import { isLive, StateChip } from './state';
import { Schedule, Triggers } from './triggers';

const registerSnippet = () => `export OUTPOST_HUB=${location.origin} OUTPOST_KEY=sk_…
npx outpost pipeline register pipelines/train.ts
npx outpost runner &
npx outpost pipeline run train --wait`;

/** Each pipeline with its latest run (one request a pipeline: a project has tens of them, not thousands). */
async function loadPipelines() {
  const { pipelines } = await listPipelines(hub);
  const lastRuns = await Promise.all(pipelines.map((p) => listPipelineRuns(hub, p.name, 1).then((r) => r.runs[0] ?? null)));
  return pipelines.map((p, i) => ({ ...p, lastRun: lastRuns[i]! }));
}

function RunButton({ pipeline, onStarted }: { pipeline: string; onStarted: () => void }) {
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ id?: string; error?: string } | null>(null);
  async function run() {
    setBusy(true);
    try {
      const started = await startRun(pipeline);
      setSaid({ id: started.id });
      onStarted();
    } catch (e) {
      setSaid({ error: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" class="secondary small" disabled={busy} onClick={run} aria-label={`Run ${pipeline}`}>
        {busy ? 'Starting…' : 'Run'}
      </button>
      <div role="status" class="small">
        {said?.id && (
          <>
            started <Link href={pipelineRunHref(said.id)}>{said.id.slice(0, 8)}</Link>
          </>
        )}
        {said?.error && <span class="error">{said.error}</span>}
      </div>
    </>
  );
}

/** A cell whose content is one box, so that on a phone it sits beside its column's name (`data-label`). */
function Cell({ label, wrap, children }: { label: string; wrap?: boolean; children: ComponentChildren }) {
  return (
    <td data-label={label} class={wrap ? 'wrap' : undefined}>
      <div>{children}</div>
    </td>
  );
}

/** Every pipeline: latest version, schedule and next fire time, event triggers, last run; live while a last run is. */
export function Pipelines() {
  const loaded = useLoad(loadPipelines, []);
  const live = loaded.data?.some((p) => p.lastRun && isLive(p.lastRun.status)) ?? false;
  useRefreshWhile(live, loaded.reload, 2000);
  const pipelines = loaded.data;
  if (!pipelines) return <LoadState error={loaded.error} loading={loaded.loading} what="pipelines" />;
  if (pipelines.length === 0)
    return (
      <EmptyState title="No pipelines yet" page>
        <p>
          A pipeline is a DAG of steps written in TypeScript (<code>definePipeline</code> from <code>outpost/pipeline</code>). Register it with the CLI, start a runner to
          run its steps, then start runs here, from the CLI, on a schedule or when a new dataset or model version arrives.
        </p>
        <Snippet label="Shell" code={registerSnippet()} />
      </EmptyState>
    );
  return (
    <section class="card" aria-labelledby="pipelines-title">
      <h1 id="pipelines-title">Pipelines</h1>
      {loaded.error && <p role="alert" class="error">Could not refresh: {loaded.error}</p>}
      <div class="scroll" tabIndex={0}>
        <table class="pipelines">
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Schedule</th>
              <th scope="col">Triggers</th>
              <th scope="col">Last run</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {pipelines.map((p) => (
              <tr key={p.name}>
                <Cell label="Pipeline">
                  <Link href={pipelineHref(p.name)}>{p.name}</Link>
                  <div class="muted small">
                    version {p.latest.version} · {Object.keys(p.latest.spec.steps).length} steps · {formatTime(p.latest.createdAt)}
                  </div>
                </Cell>
                <Cell label="Schedule"><Schedule spec={p.latest.spec} nextFireAt={p.nextFireAt} /></Cell>
                <Cell label="Triggers" wrap><Triggers spec={p.latest.spec} /></Cell>
                <Cell label="Last run">
                  {p.lastRun ? (
                    <>
                      <StateChip status={p.lastRun.status} /> <Link href={pipelineRunHref(p.lastRun.id)}>{formatTime(p.lastRun.createdAt)}</Link>
                    </>
                  ) : (
                    <span class="muted">never run</span>
                  )}
                </Cell>
                <Cell label=""><RunButton pipeline={p.name} onStarted={loaded.reload} /></Cell>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted small">Run starts a run of the latest version with the default params. Steps run on runners (<code>outpost runner</code>).</p>
    </section>
  );
}
