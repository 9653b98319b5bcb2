import type { PipelineRun } from '../../../../shared/schemas/pipelines';
import { hub } from '../../hub';
import { useLoad } from '../../components/use-load';
import { formatDuration, formatTime } from '../../format';
import { Link } from '../../router';
import { AttemptLog } from './attempt-log';
import { pipelineRunHref } from './links';
import { StateChip } from './state';
import { stepDuration } from './step-duration';

type Step = PipelineRun['steps'][string];

function CachedFrom({ step, attemptId, runId }: { step: string; attemptId: string; runId: string | null }) {
  return (
    <>
      <p>
        Cached: the outputs of an earlier successful attempt with the same code, inputs and params were reused; no runner ran it.{' '}
        {runId ? (
          <>From run <Link href={pipelineRunHref(runId, step)}>{runId}</Link>.</>
        ) : (
          <span class="muted">Attempt <code>{attemptId}</code> (its run is gone).</span>
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
      {step.cachedFrom && <CachedFrom step={name} attemptId={step.cachedFrom} runId={step.cachedFromRun} />}
      {step.attemptIds.length > 0 && (
        <>
          <h3>Attempts</h3>
          <ol class="step-attempts">
            {step.attemptList.map((a) => (
              <li key={a.id}>
                <p class="small">
                  Attempt {a.number} <code>{a.id}</code>: {a.status.replace('_', ' ')}
                  {a.runner ? <> on {a.runner}</> : null}, started {formatTime(a.startedAt)}
                  {a.finishedAt !== null ? <>, took {formatDuration(a.finishedAt - a.startedAt)}</> : null}
                  {a.error ? <> — {a.error}</> : null}
                </p>
                <AttemptLog attemptId={a.id} label={`Log of ${name}, attempt ${a.number}`} />
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
