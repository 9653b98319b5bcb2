import { getDataset, listDatasetVersions } from '../../../../shared/client/datasets';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatBytes, formatNumber, formatTime } from '../../format';
import { Link } from '../../router';
import { AliasChips, keyNames, whoMade } from './facts';
import { versionHref } from './links';
import { MoreButton } from './more-button';
import { usePages } from './use-pages';

const PAGE = 50;

/** One dataset: its aliases and versions, newest first, a page of 50 at a time. */
export function DatasetPage({ name }: { name: string }) {
  const loaded = useLoad(() => Promise.all([getDataset(hub, name), keyNames()]), [name]);
  const versions = usePages(async (before: number | undefined) => {
    const page = await listDatasetVersions(hub, name, { before, limit: PAGE });
    return { items: page.versions, next: page.next };
  }, [name]);
  if (!loaded.data) return <LoadState error={loaded.error} loading={loaded.loading} what={`dataset ${name}`} />;
  const [dataset, names] = loaded.data;

  return (
    <>
      <section class="card" aria-labelledby="dataset-title">
        <p class="crumbs"><Link href="/datasets">← Datasets</Link></p>
        <h1 id="dataset-title">{dataset.name}</h1>
        <dl class="facts">
          <dt>Versions</dt>
          <dd>{dataset.versions}</dd>
          <dt>Latest</dt>
          <dd>{dataset.latest ? <Link href={versionHref(dataset.name, dataset.latest.version)}>{dataset.latest.ref}</Link> : <span class="muted">none</span>}</dd>
          <dt>Aliases</dt>
          <dd><AliasChips aliases={dataset.aliases} /></dd>
        </dl>
      </section>

      <section class="card" aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        {versions.items.length > 0 && (
          <div class="scroll" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Message</th>
                  <th scope="col" class="num">Files</th>
                  <th scope="col" class="num">Size</th>
                  <th scope="col">Parent</th>
                  <th scope="col">Aliases</th>
                  <th scope="col">By</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {versions.items.map((v) => (
                  <tr key={v.version}>
                    <th scope="row"><Link href={versionHref(v.dataset, v.version)}>{v.ref}</Link></th>
                    <td class="wrap">{v.message || <span class="muted">no message</span>}</td>
                    <td class="num">{formatNumber(v.files)}</td>
                    <td class="num">{formatBytes(v.bytes)}</td>
                    <td>{v.parentVersion == null ? <span class="muted">—</span> : <Link href={versionHref(v.dataset, v.parentVersion)}>{v.parentVersion}</Link>}</td>
                    <td>{v.aliases.map((a) => <span key={a} class="chip">{a}</span>)}</td>
                    <td>{whoMade(v.createdBy, names)}</td>
                    <td>{formatTime(v.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <MoreButton pages={versions} what="versions" label="Older versions" />
      </section>
    </>
  );
}
