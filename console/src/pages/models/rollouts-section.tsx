import { useEffect, useState } from 'preact/hooks';
import { controlRollout, listRollouts } from '../../../../shared/client/rollouts';
import { formatDuration } from '../../../../shared/duration';
import type { Rollout } from '../../../../shared/schemas/rollouts';
import { hub } from '../../hub';
import { useLoad } from '../../components/use-load';
import { formatNumber, formatTime } from '../../format';

type Side = Rollout['figures']['candidate'];
type Action = 'pause' | 'resume' | 'abort' | 'promote';

const percent = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
const ms = (x: number | null) => (x === null ? '—' : `${formatNumber(x)} ms`);

/** The limits a side's figures are checked against, in words; the stable side is the reference. */
function limits(r: Rollout, side: 'candidate' | 'stable') {
  if (side === 'stable') return 'reference';
  const parts = [r.maxErrorRate !== null && `errors ≤ ${percent(r.maxErrorRate)}`, r.maxP95Ratio !== null && `p95 ≤ ${r.maxP95Ratio}× stable`, `≥ ${r.minRequests} requests a step`];
  return parts.filter(Boolean).join(', ');
}

function Figures({ r }: { r: Rollout }) {
  const rows: Array<['candidate' | 'stable', number, Side]> = [
    ['candidate', r.candidateVersion, r.figures.candidate],
    ['stable', r.stableVersion, r.figures.stable],
  ];
  return (
    <table>
      <caption class="visually-hidden">Figures of the current step per version</caption>
      <thead>
        <tr><th scope="col">Version</th><th scope="col">Devices</th><th scope="col">Requests this step</th><th scope="col">Error rate</th><th scope="col">p95</th><th scope="col">Limits</th></tr>
      </thead>
      <tbody>
        {rows.map(([side, version, f]) => (
          <tr key={side}>
            <th scope="row">{version} ({side})</th>
            <td>{f.devices}</td>
            <td>{f.requests}</td>
            <td>{percent(f.errorRate)}</td>
            <td>{ms(f.p95Ms)}</td>
            <td class="wrap">{limits(r, side)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const ACTIONS: Record<Rollout['state'], Action[]> = { running: ['pause', 'abort', 'promote'], paused: ['resume', 'abort', 'promote'], completed: [], rolled_back: [], aborted: [] };
const LABEL: Record<Action, string> = { pause: 'Pause', resume: 'Resume', abort: 'Abort', promote: 'Promote now' };

function RolloutCard({ model, r, newest, onChange }: { model: string; r: Rollout; newest: boolean; onChange: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const act = (action: Action) => controlRollout(hub, model, r.id, action).then(onChange, (e: Error) => setError(e.message));
  return (
    <article class="rollout" aria-labelledby={`rollout-${r.id}`}>
      <h3 id={`rollout-${r.id}`}>
        {r.alias}: {r.stableVersion} → {r.candidateVersion} <span class={`chip state-${r.state}`}>{r.state.replace('_', ' ')}</span>
      </h3>
      <p>
        <strong>{r.percent}%</strong> of devices on version {r.candidateVersion}; steps{' '}
        {r.steps.map((p, i) => (
          <span key={i} class={i === r.step && (r.state === 'running' || r.state === 'paused') ? 'chip current' : 'chip'}>
            {p}%
          </span>
        ))}{' '}
        every {formatDuration(r.intervalMs)}{r.nextCheckAt !== null && <> · next check {formatTime(r.nextCheckAt)}</>} · <code>{r.id}</code>
      </p>
      <Figures r={r} />
      {ACTIONS[r.state].length > 0 && (
        <p class="actions">
          {ACTIONS[r.state].map((a) => (
            <button key={a} type="button" class={a === 'abort' ? 'danger small' : 'secondary small'} onClick={() => void act(a)}>
              {LABEL[a]}
            </button>
          ))}
        </p>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      <details open={newest}>
        <summary>Decisions ({r.decisions.length})</summary>
        <ol class="decisions">
          {[...r.decisions].reverse().map((d, i) => (
            <li key={i}>
              {formatTime(d.at)} — <strong>{d.action.replace('_', ' ')}</strong> at {d.percent}%: {d.message}
            </li>
          ))}
        </ol>
      </details>
    </article>
  );
}

/** A model's staged rollouts: the one in progress with its figures and controls, then the earlier ones; live while one runs. */
export function RolloutsSection({ model }: { model: string }) {
  const loaded = useLoad(() => listRollouts(hub, model), [model]);
  const live = loaded.data?.rollouts.some((r) => r.state === 'running' || r.state === 'paused') ?? false;
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(loaded.reload, 2000);
    return () => clearInterval(timer);
  }, [live, loaded.reload]);
  const rollouts = loaded.data?.rollouts ?? [];
  return (
    <section class="card" aria-labelledby="rollouts">
      <h2 id="rollouts">Rollouts</h2>
      {loaded.error && <p role="alert" class="error">{loaded.error}</p>}
      {rollouts.length === 0 ? (
        <p class="muted">
          No staged rollouts. Start one with <code>outpost model rollout {model} --alias production --to N --steps 5,25,100 --interval 10m</code>.
        </p>
      ) : (
        rollouts.slice(0, 10).map((r, i) => <RolloutCard key={r.id} model={model} r={r} newest={i === 0} onChange={loaded.reload} />)
      )}
    </section>
  );
}
