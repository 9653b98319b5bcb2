import { useState } from 'preact/hooks';
import { listPipelineRuns, listPipelines, listPipelineVersions } from '../../../../shared/client/pipelines';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { useRefreshWhile } from '../../components/use-refresh';
import { formatTime } from '../../format';
import { Link } from '../../router';
import { Dag } from './dag';
import { pipelineHref, pipelineRunHref } from './links';
import { startRun } from './start-run';
import { durationText } from './step-duration';
import { isLive, StateChip } from './state';
import { Schedule, Triggers } from './triggers';

const RUNS_PAGE = 20;

async function loadPipeline(name: string) {
  const [{ versions }, { pipelines }] = await Promise.all([listPipelineVersions(hub, name), listPipelines(hub)]);
  return { versions, nextFireAt: pipelines.find((p) => p.name === name)?.nextFireAt ?? null };
}

/** The pipeline's runs, newest first, a page of 20 at a time; `refresh` changes when this page starts one. */
function Runs({ name, refresh }: { name: string; refresh: unknown }) {
  const [limit, setLimit] = useState(RUNS_PAGE);
  const loaded = useLoad(() => listPipelineRuns(hub, name, limit), [name, limit, refresh]);
  const live = loaded.data?.runs.some((r) => isLive(r.status)) ?? false;
  useRefreshWhile(live, loaded.reload, 2000);
  const runs = loaded.data?.runs;
  return (
    <section class="card" aria-labelledby="pipeline-runs">
      <h2 id="pipeline-runs">Runs</h2>
      {!runs ? (
        <LoadState error={loaded.error} loading={loaded.loading} what="runs" />
      ) : runs.length === 0 ? (
        <p class="muted">No runs yet. Start one with Run above or <code>outpost pipeline run {name}</code>.</p>
      ) : (
        <>
          <div class="scroll" tabIndex={0}>
            <table>
              <thead>
                <tr><th scope="col">Run</th><th scope="col">State</th><th scope="col">Version</th><th scope="col">Started by</th><th scope="col">Duration</th><th scope="col">Params</th></tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id}>
                    <td><Link href={pipelineRunHref(r.id)}>{formatTime(r.createdAt)}</Link></td>
                    <td><StateChip status={r.status} /></td>
                    <td>{r.version}</td>
                    <td>{String(r.trigger.type ?? '—')}</td>
                    <td>{r.finishedAt ? durationText(r.finishedAt - r.createdAt) : '—'}</td>
                    <td class="wrap"><code>{JSON.stringify(r.params)}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {runs.length === limit && (
            <p>
              <button type="button" class="secondary" disabled={loaded.loading} onClick={() => setLimit(limit + RUNS_PAGE)}>Show older runs</button>
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** A pipeline: its versions (code digest, when), the DAG of one of them, its runs. `?version=N` picks the DAG shown. */
export function PipelinePage({ name, query }: { name: string; query: URLSearchParams }) {
  const loaded = useLoad(() => loadPipeline(name), [name]);
  const [started, setStarted] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!loaded.data) return <LoadState error={loaded.error} loading={loaded.loading} what="the pipeline" />;
  const { versions, nextFireAt } = loaded.data;
  const latest = versions[0]!;
  const shown = versions.find((v) => v.version === Number(query.get('version'))) ?? latest;
  const run = () =>
    startRun(name).then(
      (r) => (setStarted(r.id), setError(null)),
      (e: Error) => setError(e.message),
    );
  return (
    <>
      <section class="card">
        <p class="crumbs"><Link href="/pipelines">← Pipelines</Link></p>
        <h1>{name}</h1>
        <dl class="facts">
          <dt>Latest version</dt>
          <dd>{latest.version}, registered {formatTime(latest.createdAt)}</dd>
          <dt>Schedule</dt>
          <dd><Schedule spec={latest.spec} nextFireAt={nextFireAt} /></dd>
          <dt>Triggers</dt>
          <dd><Triggers spec={latest.spec} /></dd>
          <dt>Params</dt>
          <dd>
            {Object.keys(latest.spec.params).length === 0 ? <span class="muted">none</span> : Object.entries(latest.spec.params).map(([k, p]) => (
              <code key={k} class="field">{k}: {p.type} = {JSON.stringify(p.default)}</code>
            ))}
          </dd>
        </dl>
        <p class="actions start">
          <button type="button" onClick={run}>Run with default params</button>
        </p>
        <div role="status">{started && <p>Started run <Link href={pipelineRunHref(started)}>{started}</Link>.</p>}</div>
        {error && <p role="alert" class="error">{error}</p>}
      </section>
      <section class="card" aria-labelledby="pipeline-dag">
        <h2 id="pipeline-dag">Steps of version {shown.version}</h2>
        <Dag label={`Steps of ${name} version ${shown.version}`} steps={shown.spec.steps} />
      </section>
      <section class="card" aria-labelledby="pipeline-versions">
        <h2 id="pipeline-versions">Versions</h2>
        <div class="scroll" tabIndex={0}>
          <table>
            <thead>
              <tr><th scope="col">Version</th><th scope="col">Registered</th><th scope="col">Steps</th><th scope="col">Code digest</th></tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.version} aria-current={v === shown ? 'true' : undefined}>
                  <td><Link href={`${pipelineHref(name)}?version=${v.version}`}>{v.ref}</Link></td>
                  <td>{formatTime(v.createdAt)}</td>
                  <td>{Object.keys(v.spec.steps).length}</td>
                  <td><code title={v.codeDigest}>{v.codeDigest.slice(0, 19)}…</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <Runs name={name} refresh={started} />
    </>
  );
}
