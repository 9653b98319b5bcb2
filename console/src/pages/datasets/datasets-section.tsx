import type { VNode } from 'preact';
import { DatasetPage } from './dataset-page';
import { Datasets } from './datasets-page';
import { VersionPage } from './version-page';

/** The page for `/datasets`, `/datasets/{name}` or `/datasets/{name}/{version}`; null for any other path under it. */
export function datasetsPage(parts: string[], query: URLSearchParams): VNode | null {
  const [name, version, ...rest] = parts;
  if (rest.length) return null;
  if (name === undefined) return <Datasets />;
  if (version === undefined) return <DatasetPage name={name} />;
  return /^\d+$/.test(version) ? <VersionPage name={name} version={Number(version)} query={query} /> : null;
}
