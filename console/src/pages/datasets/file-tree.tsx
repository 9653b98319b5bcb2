import { datasetFolder, type FolderEntry } from '../../../../shared/client/datasets';
import { hub } from '../../hub';
import { formatBytes, formatNumber } from '../../format';
import { isTabular, versionHref, type VersionView } from './links';
import { MoreButton } from './more-button';
import { StayLink } from './stay-link';
import { usePages } from './use-pages';

/** Children of a folder a page at a time: the hub counts each subfolder's files in SQL, so a folder of 100,000 files shows its first 200 children at once. */
const PAGE = 200;

/** The path of a folder as links, root first. */
function Crumbs({ name, version, dir, view }: { name: string; version: number; dir: string; view: VersionView }) {
  const parts = dir ? dir.split('/') : [];
  const at = (i: number) => versionHref(name, version, { ...view, dir: parts.slice(0, i).join('/') });
  return (
    <nav aria-label="Folder" class="crumbs">
      {parts.length === 0 ? <span aria-current="page">{name}/{version}</span> : <StayLink href={at(0)}>{name}/{version}</StayLink>}
      {parts.map((p, i) => (
        <span key={i}>
          {' / '}
          {i === parts.length - 1 ? <span aria-current="page">{p}</span> : <StayLink href={at(i + 1)}>{p}</StayLink>}
        </span>
      ))}
    </nav>
  );
}

/** A version's files by folder: each subfolder with how many files and bytes it holds; a tabular file opens its schema and rows. */
export function FileTree({ name, version, view }: { name: string; version: number; view: VersionView }) {
  const dir = view.dir ?? '';
  const pages = usePages(async (after: string | undefined) => {
    const page = await datasetFolder(hub, name, version, dir, { after, limit: PAGE });
    return { items: page.entries, next: page.next, info: { files: page.files, bytes: page.bytes } };
  }, [name, version, dir]);
  const entries = pages.items;
  const totals = pages.info as { files: number; bytes: number } | null;
  const child = (e: FolderEntry) => (dir ? `${dir}/${e.name}` : e.name);
  return (
    <section class="card" aria-labelledby="files-title">
      <h2 id="files-title">Files</h2>
      <Crumbs name={name} version={version} dir={dir} view={view} />
      {totals && (
        <p class="muted">
          {formatNumber(totals.files)} {totals.files === 1 ? 'file' : 'files'} ({formatBytes(totals.bytes)}) in {dir ? 'this folder and its subfolders' : 'this version'}
        </p>
      )}
      {entries.length > 0 && (
        <div class="scroll files-scroll" tabIndex={0}>
          <table class="files">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="num">Files</th>
                <th scope="col" class="num">Size</th>
              </tr>
            </thead>
            <tbody>
              {dir && (
                <tr>
                  <td colSpan={3}>
                    <StayLink href={versionHref(name, version, { ...view, dir: dir.split('/').slice(0, -1).join('/') })} aria-label="Parent folder">..</StayLink>
                  </td>
                </tr>
              )}
              {entries.map((e) => (
                <tr key={`${e.kind}:${e.name}`} aria-current={e.kind === 'file' && child(e) === view.file ? 'true' : undefined}>
                  <td class="wrap">
                    {e.kind === 'folder' ? (
                      <StayLink href={versionHref(name, version, { ...view, dir: child(e) })}>
                        {e.name}/
                      </StayLink>
                    ) : isTabular(e.name) ? (
                      <StayLink href={versionHref(name, version, { ...view, file: child(e) })} title="Schema, statistics and first rows">
                        {e.name}
                      </StayLink>
                    ) : (
                      <span>{e.name}</span>
                    )}
                  </td>
                  <td class="num">{e.kind === 'folder' ? formatNumber(e.files) : ''}</td>
                  <td class="num">{formatBytes(e.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton pages={pages} what={`the files of ${dir || 'the root folder'}`} label={`Next ${PAGE} entries`} />
      {entries.length > 0 && (
        <p class="muted small">
          Showing {formatNumber(entries.length)} {entries.length === 1 ? 'entry' : 'entries'}
          {pages.next !== null ? ' so far' : ''}. Click a folder to open it; click a .csv, .jsonl or .parquet file for its schema, statistics and first rows.
        </p>
      )}
    </section>
  );
}
