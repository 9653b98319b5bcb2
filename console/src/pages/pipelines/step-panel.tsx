import { getPipelineRun, listPipelineRuns } from '../../../../shared/client/pipelines';
import type { PipelineRun } from '../../../../shared/schemas/pipelines';
import { hub } from '../../hub';
import { useLoad } from '../../components/use-load';
import { formatTime } from '../../format';
import { Link } from '../../router';
import { AttemptLog } from './attempt-log';
import { pipelineRunHref } from './links';
import { StateChip } from './state';
import { stepDuration } from './step-duration';

type Step = PipelineRun['steps'][string];

/**
 * The run a cached step's outputs came from: the hub names the attempt, so look through the pipeline's recent runs,
 * newest first, one at a time, and stop at the first that holds it.
 */
async function findCachedRun(pipeline: string, step: string, attemptId: string): Promise<string | null> {
  const { runs } = await listPipelineRuns(hub, pipeline, 50);
  for (const r of runs) {
    const full = await getPipelineRun(hub, r.id);
    if (full.steps[step]?.attemptIds.includes(attemptId)) return r.id;
  }
  return null;
}

function CachedFrom({ run, step, attemptId }: { run: PipelineRun; step: string; attemptId: string }) {
  const found = useLoad(() => findCachedRun(run.pipeline, step, attemptId), [run.pipeline, step, attemptId]);
  return (
    <>
      <p>
        Cached: the outputs of an earlier successful attempt with the same code, inputs and params were reused; no runner ran it.{' '}
        {found.data ? (
          <>From run <Link href={pipelineRunHref(found.data, step)}>{found.data}</Link>.</>
        ) : found.loading ? (
          <span class="muted">Looking for the run it came from…</span>
        ) : (
          <span class="muted">Attempt <code>{attemptId}</code> (its run is not among the pipeline's last 50).</span>
        )}
      </p>
      <h3>Log of the attempt it came from</h3>
      <AttemptLog attemptId={attemptId} label={`Log of ${step}, from the cached attempt`} />
    </>
  );
}

/** One step of a run: state, timing, error, outputs, and each attempt's log (live while it runs). */
export function StepPanel({ run, name, step }: { run: PipelineRun; name: string; step: Step }) {
  return (
    <section class="card" aria-labelledby="step-title">
      <h2 id="step-title">
        Step {name} <StateChip status={step.status} />
      </h2>
      <dl class="facts inline">
        <dt>Needs</dt>
        <dd>{step.needs.length ? step.needs.join(', ') : <span class="muted">nothing</span>}</dd>
        <dt>Started</dt>
        <dd>{formatTime(step.startedAt)}</dd>
        <dt>Duration</dt>
        <dd>{stepDuration(step)}</dd>
        <dt>Attempts</dt>
        <dd>{step.attempts}</dd>
      </dl>
      {step.error && <pre class="step-error">{step.error}</pre>}
      {step.outputs && Object.keys(step.outputs).length > 0 && (
        <>
          <h3>Outputs</h3>
          <pre tabIndex={0}>{JSON.stringify(step.outputs, null, 2)}</pre>
        </>
      )}
      {step.cachedFrom && <CachedFrom run={run} step={name} attemptId={step.cachedFrom} />}
      {step.attemptIds.length > 0 && (
        <>
          <h3>Attempts</h3>
          <ol class="step-attempts">
            {step.attemptIds.map((id, i) => (
              <li key={id}>
                <p class="small">
                  Attempt {i + 1} <code>{id}</code>
                </p>
                <AttemptLog attemptId={id} label={`Log of ${name}, attempt ${i + 1}`} />
              </li>
            ))}
          </ol>
        </>
      )}
      {!step.cachedFrom && step.attemptIds.length === 0 && (
        <p class="muted">{step.status === 'queued' ? 'Not started: waiting for its needs or for a runner with its labels.' : 'No attempt ran.'}</p>
      )}
    </section>
  );
}
