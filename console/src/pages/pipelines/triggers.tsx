import type { PipelineVersion } from '../../../../shared/schemas/pipelines';
import { formatTime } from '../../format';

type Spec = PipelineVersion['spec'];

/** A pipeline's cron schedule and when it fires next. */
export function Schedule({ spec, nextFireAt }: { spec: Spec; nextFireAt: number | null }) {
  if (!spec.schedule) return <span class="muted">none</span>;
  return (
    <>
      <code>{spec.schedule.cron}</code> <span class="muted small">UTC{spec.schedule.catchup ? ', catch-up on' : ''}</span>
      <div class="small">next {nextFireAt === null ? '—' : <time dateTime={new Date(nextFireAt).toISOString()}>{formatTime(nextFireAt)}</time>}</div>
    </>
  );
}

/** The events that start the pipeline: a dataset's new version, a model's new version, an alias move. */
export function Triggers({ spec }: { spec: Spec }) {
  if (!spec.on?.length) return <span class="muted">none</span>;
  return (
    <>
      {spec.on.map((t) => {
        const [kind, subject] = 'dataset' in t ? ['dataset', t.dataset] : 'model' in t ? ['model', t.model] : ['alias', t.alias];
        return (
          <span key={`${kind}:${subject}`} class="chip">
            {kind === 'alias' ? `alias ${subject} moves` : `new ${kind} version of ${subject}`}
          </span>
        );
      })}
    </>
  );
}
