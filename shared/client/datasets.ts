import type { z } from 'zod';
import type {
  appendReplySchema,
  commitReplySchema,
  datasetLineageSchema,
  datasetListSchema,
  datasetSchema,
  datasetVersionListSchema,
  DatasetFile,
  DatasetVersion,
  DiffPage,
  Draft,
  filesPageSchema,
  FolderPage,
  runDatasetsReplySchema,
  TablePreview,
  TableStats,
} from '../schemas/datasets.js';
import type { HubClient } from './hub-client.js';

export type Dataset = z.output<typeof datasetSchema>;
export type CommitReply = z.output<typeof commitReplySchema>;
export type FilesPage = z.output<typeof filesPageSchema>;
export type DatasetLineage = z.output<typeof datasetLineageSchema>;
export type FolderEntry = FolderPage['entries'][number];

const enc = encodeURIComponent;
const v = (name: string, version: number | string) => `/v1/datasets/${enc(name)}/versions/${enc(String(version))}`;
const qs = (query: Record<string, string | number | undefined>) => {
  const entries = Object.entries(query).filter(([, x]) => x !== undefined) as [string, string][];
  return entries.length ? `?${new URLSearchParams(entries.map(([k, x]) => [k, String(x)]))}` : '';
};

export const listDatasets = (hub: HubClient) => hub.json<z.output<typeof datasetListSchema>>('GET', '/v1/datasets');
export const getDataset = (hub: HubClient, name: string) => hub.json<Dataset>('GET', `/v1/datasets/${enc(name)}`);
/** Which of these digests (≤ 1000 a call) the project lacks. */
export const missingBlobs = (hub: HubClient, digests: string[]) => hub.json<{ missing: string[] }>('POST', '/v1/blobs/missing', { digests });

export const openDraft = (hub: HubClient, name: string, id: string, meta: { message?: string; tags?: Record<string, string> } = {}) =>
  hub.json<Draft>('PUT', `/v1/datasets/${enc(name)}/drafts/${enc(id)}`, meta);
/** One page (≤ 10,000 entries) of a draft's manifest; sending a page again is a no-op. */
export const appendDraftFiles = (hub: HubClient, name: string, id: string, files: DatasetFile[]) =>
  hub.json<z.output<typeof appendReplySchema>>('POST', `/v1/datasets/${enc(name)}/drafts/${enc(id)}/files`, { files });
export const commitDraft = (hub: HubClient, name: string, id: string) => hub.json<CommitReply>('POST', `/v1/datasets/${enc(name)}/drafts/${enc(id)}/commit`);
export const deleteDraft = (hub: HubClient, name: string, id: string) => hub.json<{ deleted: boolean }>('DELETE', `/v1/datasets/${enc(name)}/drafts/${enc(id)}`);
export const createDatasetVersion = (hub: HubClient, name: string, version: { files: DatasetFile[]; message?: string; tags?: Record<string, string> }) =>
  hub.json<CommitReply>('POST', `/v1/datasets/${enc(name)}/versions`, version);

export const listDatasetVersions = (hub: HubClient, name: string, page: { before?: number; limit?: number } = {}) =>
  hub.json<z.output<typeof datasetVersionListSchema>>('GET', `/v1/datasets/${enc(name)}/versions${qs(page)}`);
/** `version`: a number, an alias, or `latest`. */
export const getDatasetVersion = (hub: HubClient, name: string, version: number | string) => hub.json<DatasetVersion>('GET', v(name, version));
export const datasetFiles = (hub: HubClient, name: string, version: number | string, page: { after?: string; limit?: number } = {}) =>
  hub.json<FilesPage>('GET', `${v(name, version)}/files${qs(page)}`);
/** Changes from `against` (a number of this dataset or a ref) to `version`, a page at a time. */
export const diffDatasetVersions = (hub: HubClient, name: string, version: number | string, against: string, page: { after?: string; limit?: number } = {}) =>
  hub.json<DiffPage>('GET', `${v(name, version)}/diff${qs({ against, ...page })}`);
export const datasetTableStats = (hub: HubClient, name: string, version: number | string, path: string) => hub.json<TableStats>('GET', `${v(name, version)}/stats${qs({ path })}`);
/** The first `limit` (≤ 100) rows of a tabular file. */
export const datasetTablePreview = (hub: HubClient, name: string, version: number | string, path: string, limit?: number) =>
  hub.json<TablePreview>('GET', `${v(name, version)}/preview${qs({ path, limit })}`);
/** One folder (`''` the root): its totals and a page of its children; `after` is the page before's `next`. */
export const datasetFolder = (hub: HubClient, name: string, version: number | string, path: string, page: { after?: string; limit?: number } = {}) =>
  hub.json<FolderPage>('GET', `${v(name, version)}/tree${qs({ path, ...page })}`);
export const datasetLineage = (hub: HubClient, name: string, version: number | string) => hub.json<DatasetLineage>('GET', `${v(name, version)}/lineage`);
export const setDatasetAlias = (hub: HubClient, name: string, alias: string, version: number) =>
  hub.json<DatasetVersion>('PUT', `/v1/datasets/${enc(name)}/aliases/${enc(alias)}`, { version });
export const deleteDatasetAlias = (hub: HubClient, name: string, alias: string) => hub.json<{ deleted: boolean }>('DELETE', `/v1/datasets/${enc(name)}/aliases/${enc(alias)}`);
/** Records the versions a run read (refs such as `ds/3` or `ds@current`). */
export const logRunDatasets = (hub: HubClient, runId: string, datasets: { ref: string; context?: string }[]) =>
  hub.json<z.output<typeof runDatasetsReplySchema>>('POST', `/v1/runs/${enc(runId)}/datasets`, { datasets });
