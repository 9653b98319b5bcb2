import { diffDatasetVersions, listDatasetVersions } from '../../../../shared/client/datasets';
import type { DatasetVersion, DiffPage } from '../../../../shared/schemas/datasets';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatBytes, formatNumber } from '../../format';
import { navigate } from '../../router';
import { versionHref, type VersionView } from './links';
import { MoreButton } from './more-button';
import { usePages } from './use-pages';

const PAGE = 200;
/** The picker offers the newest versions; any other is one address away (`?against=N`). */
const PICKABLE = 100;

type Change = { kind: 'added' | 'deleted' | 'modified' | 'renamed'; path: string; oldPath?: string; size: number; oldSize?: number };

/** A page of the hub's groups as one list in path order (a rename by its new path), as the hub pages them. */
function changesOf(page: DiffPage): Change[] {
  const all: Change[] = [
    ...page.added.map((c) => ({ kind: 'added' as const, path: c.path, size: c.size })),
    ...page.deleted.map((c) => ({ kind: 'deleted' as const, path: c.path, size: c.size })),
    ...page.modified.map((c) => ({ kind: 'modified' as const, path: c.path, size: c.size, oldSize: c.old.size })),
    ...page.renamed.map((c) => ({ kind: 'renamed' as const, path: c.path.new, oldPath: c.path.old, size: c.size })),
  ];
  return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function Changes({ name, version, against }: { name: string; version: number; against: number }) {
  const pages = usePages(async (after: string | undefined) => {
    const page = await diffDatasetVersions(hub, name, version, String(against), { after, limit: PAGE });
    return { items: changesOf(page), next: page.next };
  }, [name, version, against]);
  const counts = { added: 0, deleted: 0, modified: 0, renamed: 0 };
  for (const c of pages.items) counts[c.kind]++;
  const loadedAll = pages.next === null && !pages.loading && !pages.error;
  return (
    <>
      {!(pages.loading && pages.items.length === 0) && !pages.error && (
        <p aria-live="polite">
          {pages.items.length === 0 && loadedAll
            ? `No changes: ${name}/${against} and ${name}/${version} hold the same files.`
            : `${Object.entries(counts).map(([k, n]) => `${formatNumber(n)} ${k}`).join(', ')}${loadedAll ? '' : ' so far (more below)'}.`}
        </p>
      )}
      {pages.items.length > 0 && (
        <div class="scroll" tabIndex={0}>
          <table class="changes">
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Path</th>
                <th scope="col" class="num">Size</th>
              </tr>
            </thead>
            <tbody>
              {pages.items.map((c) => (
                <tr key={c.path} class={`change-${c.kind}`}>
                  <td><span class={`status change-${c.kind}`}>{c.kind}</span></td>
                  <td class="wrap">
                    {c.oldPath ? (
                      <>
                        <code>{c.oldPath}</code> → <code>{c.path}</code>
                      </>
                    ) : (
                      <code>{c.path}</code>
                    )}
                  </td>
                  <td class="num">{c.oldSize != null ? `${formatBytes(c.oldSize)} → ${formatBytes(c.size)}` : formatBytes(c.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton pages={pages} what="the changes" label={`Next ${PAGE} changes`} />
    </>
  );
}

/** What changed from another version (the parent unless the address names one) to this one. */
export function VersionDiff({ name, version, view }: { name: string; version: DatasetVersion; view: VersionView }) {
  const others = useLoad(() => listDatasetVersions(hub, name, { limit: PICKABLE }), [name]);
  const against = view.against ?? version.parentVersion ?? undefined;
  const choices = (others.data?.versions ?? [])
    .filter((v) => v.version !== version.version)
    .map((v) => ({ version: v.version, label: `${v.ref}${v.message ? ` — ${v.message.slice(0, 60)}` : ''}` }));
  // A version older than the picker's list, named in the address, is still the one shown.
  if (against != null && !choices.some((v) => v.version === against)) choices.push({ version: against, label: `${name}/${against}` });
  return (
    <section class="card" aria-labelledby="diff-title">
      <h2 id="diff-title">Changes</h2>
      <div class="row" hidden={choices.length === 0}>
        <label>
          Compare with
          <select
            value={against ?? ''}
            onChange={(e) => navigate(versionHref(name, version.version, { ...view, against: Number((e.target as HTMLSelectElement).value) || undefined }), { replace: true })}
          >
            {against == null && <option value="">pick a version</option>}
            {choices.map((v) => (
              <option key={v.version} value={v.version}>{v.label}</option>
            ))}
          </select>
        </label>
      </div>
      <LoadState error={others.error} loading={false} what="the other versions" />
      {against == null ? (
        <p class="muted">{choices.length ? 'This is the first version: pick another to see what it changes.' : 'This is the only version: there is nothing to compare it with yet.'}</p>
      ) : (
        <Changes name={name} version={version.version} against={against} />
      )}
    </section>
  );
}
