import { listModels } from '../../../../shared/client/registry';
import { hub } from '../../hub';
import { Snippet } from '../../components/copy';
import { EmptyState, modelPushSnippet } from '../../components/empty-state';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatTime } from '../../format';
import { Link } from '../../router';

/** Registered models with where their aliases point. */
export function Models() {
  const loaded = useLoad(() => listModels(hub), []);
  const models = loaded.data?.models;
  if (!models) return <LoadState error={loaded.error} loading={loaded.loading} what="models" />;
  if (models.length === 0) {
    return (
      <EmptyState title="No models yet" page>
        <p>Push an ONNX file or a tfjs-layers folder with the CLI; it uploads only the files the hub does not have yet:</p>
        <Snippet label="Shell" code={modelPushSnippet()} />
      </EmptyState>
    );
  }
  return (
    <section class="card" aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <div class="scroll" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Versions</th>
              <th scope="col">Aliases</th>
              <th scope="col">Devices</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {[...models].sort((a, b) => a.name.localeCompare(b.name)).map((m) => (
              <tr key={m.id}>
                <td>
                  <Link href={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
                  {m.description && <div class="muted small wrap">{m.description}</div>}
                </td>
                <td>{m.latestVersion ?? '—'}</td>
                <td>
                  {Object.entries(m.aliases)
                    .sort(([a], [b]) => a.localeCompare(b))
                    .map(([alias, v]) => (
                      <span key={alias} class="chip">
                        {alias} → {v}
                      </span>
                    ))}
                </td>
                <td>{m.devices ? 'exposed' : 'no'}</td>
                <td>{formatTime(m.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
