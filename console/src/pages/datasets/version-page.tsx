import { getDatasetVersion } from '../../../../shared/client/datasets';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatBytes, formatNumber, formatTime } from '../../format';
import { Link } from '../../router';
import { keyNames, whoMade } from './facts';
import { FileTree } from './file-tree';
import { datasetHref, versionHref, versionView } from './links';
import { TableFile } from './table-file';
import { VersionDiff } from './version-diff';
import { VersionLineage } from './version-lineage';

/** One version: what it is, its files by folder, a tabular file's schema, statistics and first rows, a diff, and lineage. */
export function VersionPage({ name, version, query }: { name: string; version: number; query: URLSearchParams }) {
  const loaded = useLoad(() => Promise.all([getDatasetVersion(hub, name, version), keyNames()]), [name, version]);
  const view = versionView(query);
  if (!loaded.data) return <LoadState error={loaded.error} loading={loaded.loading} what={`${name}/${version}`} />;
  const [v, names] = loaded.data;
  const tags = Object.entries(v.tags);
  return (
    <>
      <section class="card" aria-labelledby="version-title">
        <p class="crumbs"><Link href={datasetHref(name)}>← {name}</Link></p>
        <h1 id="version-title">{v.ref}</h1>
        {v.message && <p>{v.message}</p>}
        <dl class="facts">
          <dt>Files</dt>
          <dd>{formatNumber(v.files)} ({formatBytes(v.bytes)})</dd>
          <dt>Created</dt>
          <dd>{formatTime(v.createdAt)} by {whoMade(v.createdBy, names)}</dd>
          <dt>Parent</dt>
          <dd>{v.parentVersion == null ? <span class="muted">none (the first version)</span> : <Link href={versionHref(name, v.parentVersion)}>{name}/{v.parentVersion}</Link>}</dd>
          <dt>Aliases</dt>
          <dd>{v.aliases.length ? v.aliases.map((a) => <span key={a} class="chip">{a}</span>) : <span class="muted">none</span>}</dd>
          {tags.length > 0 && (
            <>
              <dt>Tags</dt>
              <dd>{tags.map(([k, t]) => <span key={k} class="chip">{k}: {t}</span>)}</dd>
            </>
          )}
          <dt>Manifest digest</dt>
          <dd><code>{v.manifestDigest}</code></dd>
        </dl>
      </section>
      <FileTree name={name} version={v.version} view={view} />
      {view.file && <TableFile name={name} version={v.version} path={view.file} />}
      <VersionDiff name={name} version={v} view={view} />
      <VersionLineage name={name} version={v.version} />
    </>
  );
}
