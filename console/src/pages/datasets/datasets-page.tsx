import { listDatasets } from '../../../../shared/client/datasets';
import { hub } from '../../hub';
import { Snippet } from '../../components/copy';
import { EmptyState } from '../../components/empty-state';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatBytes, formatNumber, formatTime } from '../../format';
import { Link } from '../../router';
import { AliasChips } from './facts';
import { datasetHref, versionHref } from './links';

const pushSnippet = () => `export OUTPOST_HUB=${location.origin} OUTPOST_KEY=sk_…
npx outpost data push ./data --name digits-samples -m "first cut"
npx outpost data log digits-samples`;

/** What a project without datasets sees: the push command, and the API it goes through. */
function DatasetsEmpty() {
  return (
    <EmptyState title="No datasets yet" page>
      <p>
        Version a folder of data with the CLI: it hashes the files, uploads only those the hub lacks and registers the manifest as the next version. Scripts can do the
        same over HTTP (<code>POST /v1/blobs/missing</code>, <code>PUT /v1/blobs/…</code>, <code>POST /v1/datasets/{'{name}'}/versions</code>).
      </p>
      <Snippet label="Shell" code={pushSnippet()} />
    </EmptyState>
  );
}

/** Every dataset with its latest version. */
export function Datasets() {
  const loaded = useLoad(() => listDatasets(hub), []);
  const datasets = loaded.data?.datasets;
  if (!datasets) return <LoadState error={loaded.error} loading={loaded.loading} what="datasets" />;
  if (datasets.length === 0) return <DatasetsEmpty />;
  return (
    <section class="card" aria-labelledby="datasets-title">
      <h1 id="datasets-title">Datasets</h1>
      <div class="scroll" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Dataset</th>
              <th scope="col">Latest version</th>
              <th scope="col" class="num">Files</th>
              <th scope="col" class="num">Size</th>
              <th scope="col">Aliases</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {[...datasets].sort((a, b) => a.name.localeCompare(b.name)).map((d) => (
              <tr key={d.name}>
                <td>
                  <Link href={datasetHref(d.name)}>{d.name}</Link>
                  <div class="muted small">{d.versions} {d.versions === 1 ? 'version' : 'versions'}</div>
                </td>
                <td>
                  {d.latest ? <Link href={versionHref(d.name, d.latest.version)}>{d.latest.ref}</Link> : <span class="muted">none</span>}
                  {d.latest?.message && <div class="muted small wrap">{d.latest.message}</div>}
                </td>
                <td class="num">{formatNumber(d.latest?.files)}</td>
                <td class="num">{formatBytes(d.latest?.bytes)}</td>
                <td><AliasChips aliases={d.aliases} /></td>
                <td>{formatTime(d.latest?.createdAt ?? d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
