import { useState } from 'preact/hooks';
import { cancelPipelineRun, getPipelineRun } from '../../../../shared/client/pipelines';
import type { PipelineRun } from '../../../../shared/schemas/pipelines';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { useRefreshWhile } from '../../components/use-refresh';
import { formatTime } from '../../format';
import { Link, navigate } from '../../router';
import { Dag } from './dag';
import { lineageHref, pipelineHref, pipelineRunHref } from './links';
import { startRun } from './start-run';
import { isLive, StateChip } from './state';
import { StepPanel } from './step-panel';
import { durationText, stepDuration } from './step-duration';

/** How often a queued or running run is read again. */
const POLL_MS = 1000;

function triggerText(run: PipelineRun): string {
  const t = run.trigger as { type?: string; event?: string };
  if (run.interval) return `schedule, interval ${formatTime(run.interval.start)} – ${formatTime(run.interval.end)}`;
  return [t.type ?? 'unknown', t.event].filter(Boolean).join(': ');
}

function Actions({ run, onChange }: { run: PipelineRun; onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = (work: () => Promise<void>) => async () => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const cancel = act(async () => {
    await cancelPipelineRun(hub, run.id);
    onChange();
  });
  const retry = act(async () => {
    const next = await startRun(run.pipeline, { version: run.version, params: run.params });
    navigate(pipelineRunHref(next.id));
  });
  const canRetry = run.status === 'failed' || run.status === 'cancelled';
  if (!isLive(run.status) && !canRetry) return null;
  return (
    <div class="run-actions">
      {isLive(run.status) && (
        <button type="button" class="danger" disabled={busy} onClick={cancel}>Cancel run</button>
      )}
      {canRetry && (
        <>
          <button type="button" disabled={busy} onClick={retry}>Retry</button>
          <p class="muted small">
            Retry starts a new run of version {run.version} with the same params. Steps that succeeded are not run again: the new run reuses their cached outputs.
          </p>
        </>
      )}
      {error && <p role="alert" class="error">{error}</p>}
    </div>
  );
}

function Summary({ run, onChange }: { run: PipelineRun; onChange: () => void }) {
  return (
    <section class="card">
      <p class="crumbs"><Link href={pipelineHref(run.pipeline)}>← {run.pipeline}</Link></p>
      <h1>
        Run of {run.pipeline}/{run.version} <StateChip status={run.status} />
      </h1>
      <dl class="facts inline">
        <dt>Started</dt>
        <dd>{formatTime(run.createdAt)}</dd>
        <dt>Duration</dt>
        <dd>{run.finishedAt ? durationText(run.finishedAt - run.createdAt) : isLive(run.status) ? `${durationText(Date.now() - run.createdAt)} so far` : '—'}</dd>
        <dt>Started by</dt>
        <dd>{triggerText(run)}</dd>
        <dt>Params</dt>
        <dd><code>{JSON.stringify(run.params)}</code>{run.noCache && <span class="muted"> (step cache off)</span>}</dd>
        <dt>Run id</dt>
        <dd><code>{run.id}</code></dd>
      </dl>
      <Actions run={run} onChange={onChange} />
    </section>
  );
}

function StepsTable({ run, selected, onSelect }: { run: PipelineRun; selected: string | null; onSelect: (step: string) => void }) {
  return (
    <div class="scroll" tabIndex={0}>
      <table class="steps">
        <caption class="visually-hidden">Steps of the run</caption>
        <thead>
          <tr><th scope="col">Step</th><th scope="col">State</th><th scope="col" class="num">Attempts</th><th scope="col">Duration</th><th scope="col">Error</th></tr>
        </thead>
        <tbody>
          {Object.entries(run.steps).map(([name, s]) => (
            <tr key={name} class={selected === name ? 'selected' : undefined}>
              <th scope="row">
                <button type="button" class="link" aria-pressed={selected === name} onClick={() => onSelect(name)}>{name}</button>
              </th>
              <td><StateChip status={s.status} /></td>
              <td class="num">{s.attempts}</td>
              <td>{stepDuration(s)}</td>
              <td class="wrap">{s.error ? s.error.split('\n')[0] : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Lineage({ run }: { run: PipelineRun }) {
  return (
    <section class="card" aria-labelledby="run-lineage">
      <h2 id="run-lineage">Lineage</h2>
      {Object.values(run.steps).some((s) => s.cachedFrom) && <p class="muted small">Cached steps did not run here: what they read and made is in the lineage of the runs they came from.</p>}
      {run.lineage.length === 0 ? (
        <p class="muted">No runs, datasets or models read or made yet (steps report them with <code>ctx.link</code> and <code>ctx.run.log</code>).</p>
      ) : (
        <ul class="lineage">
          {run.lineage.map((l, i) => {
            const href = lineageHref(l.kind, l.ref);
            return (
              <li key={i}>
                <strong>{l.step}</strong> {l.role} {l.kind === 'run' ? 'tracking run' : l.kind} {href ? <Link href={href}>{l.ref}</Link> : <code>{l.ref}</code>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** A pipeline run: its DAG with each step's state, the steps, the chosen step's attempts and logs; live while it runs. */
export function PipelineRunPage({ id, query }: { id: string; query: URLSearchParams }) {
  const loaded = useLoad(() => getPipelineRun(hub, id), [id]);
  const run = loaded.data;
  const live = run ? isLive(run.status) : false;
  useRefreshWhile(live, loaded.reload, POLL_MS);
  if (!run) return <LoadState error={loaded.error} loading={loaded.loading} what="the pipeline run" />;
  const selected = query.get('step');
  const select = (step: string) => navigate(pipelineRunHref(run.id, step), { replace: true });
  const dagSteps = Object.fromEntries(Object.entries(run.steps).map(([name, s]) => [name, { needs: s.needs, status: s.status, note: s.startedAt && s.finishedAt && !s.cachedFrom ? stepDuration(s) : undefined }]));
  return (
    <>
      <Summary run={run} onChange={loaded.reload} />
      <section class="card" aria-labelledby="run-steps">
        <h2 id="run-steps">Steps</h2>
        {loaded.error && <p role="alert" class="error">Could not refresh: {loaded.error}</p>}
        <p class="muted small">{live ? 'Live: updates every second while the run is queued or running.' : 'Choose a step to see its attempts and logs.'}</p>
        <div class="run-steps">
          <Dag label={`Steps of run ${run.id}`} steps={dagSteps} selected={selected} onSelect={select} />
          <StepsTable run={run} selected={selected} onSelect={select} />
        </div>
      </section>
      {selected && run.steps[selected] && <StepPanel run={run} name={selected} step={run.steps[selected]} />}
      <Lineage run={run} />
    </>
  );
}
