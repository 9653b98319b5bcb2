import { z } from '@hono/zod-openapi';
import {
  appendFilesSchema,
  appendReplySchema,
  commitReplySchema,
  createDatasetVersionSchema,
  DATASET_LIMITS,
  datasetAliasSchema,
  datasetLineageSchema,
  datasetListSchema,
  datasetNameSchema,
  datasetSchema,
  datasetVersionListSchema,
  datasetVersionSchema,
  diffPageSchema,
  diffQuerySchema,
  draftIdSchema,
  draftSchema,
  filesPageSchema,
  folderPageSchema,
  folderQuerySchema,
  logRunDatasetsSchema,
  openDraftSchema,
  pageQuerySchema,
  previewQuerySchema,
  runDatasetsReplySchema,
  setDatasetAliasSchema,
  statsQuerySchema,
  tablePreviewSchema,
  tableStatsSchema,
  versionPageQuerySchema,
} from '../../shared/schemas/datasets.js';
import { access } from '../auth/access.js';
import { crossOrigin } from '../http/cross-origin.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { logDatasetInputs } from '../tracking/inputs.js';
import { getRunRow } from '../tracking/runs.js';
import { datasetJson, deleteAlias, describeVersion, ensureDataset, getDataset, listDatasets, listVersions, resolveRef, resolveRoute, setAlias } from './datasets.js';
import { missingDigests } from '../blobs/missing.js';
import { appendFiles, commitDraft, deleteDraft, draftJson, getDraft, missingBlobsError, openDraft } from './drafts.js';
import { checkManifestPage } from './paths.js';
import { versionInput, versionLineage } from './lineage.js';
import { diffPage, manifestPage } from './manifest.js';
import { PREVIEW_CELL_CHARS, tablePreview } from './preview.js';
import { STATS_MAX_BYTES, tableStats } from './stats.js';
import { folderPage } from './tree.js';

const tags = ['datasets'];
const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const nameParam = z.object({ name: datasetNameSchema });
const draftParams = z.object({ name: datasetNameSchema, id: draftIdSchema });
const versionParams = z.object({ name: datasetNameSchema, version: z.string().min(1).max(300).openapi({ description: 'a version number, an alias, or `latest`' }) });
const aliasParams = z.object({ name: datasetNameSchema, alias: datasetAliasSchema });
const runParams = z.object({ id: z.string().min(1) });
const PAGE = DATASET_LIMITS.page;

const router = newRouter();
// The browser runtime reads versions and their manifests from pages on other origins (op.dataset; files are blobs).
for (const path of ['/v1/datasets/:name/versions/:version', '/v1/datasets/:name/versions/:version/files']) router.use(path, crossOrigin());

/** Dataset versions (`/v1/datasets/…`) and the native record of which versions a run read. */
export const datasetRoutes = router
  .openapi(
    hubRoute({ method: 'get', path: '/v1/datasets', tags, summary: 'The datasets, each with its latest version and aliases', middleware: read, responses: { 200: { description: 'Datasets', content: json(datasetListSchema) }, ...errorResponses(401, 403) } }),
    async (c) => c.json({ datasets: await listDatasets(scopeOf(c)) }, 200),
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/datasets/{name}', tags, summary: 'A dataset with its latest version and aliases', middleware: read, request: { params: nameParam }, responses: { 200: { description: 'Dataset', content: json(datasetSchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json(await datasetJson(s, await getDataset(s, c.req.valid('param').name)), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'put',
      path: '/v1/datasets/{name}/drafts/{id}',
      tags,
      summary: 'Open a draft version under a client-chosen id (creates the dataset on its first draft)',
      description: 'Opening the same id again answers the same draft with the entries it has: a retried or resumed push continues where it stopped. The message and tags are those of the first open.',
      middleware: write,
      request: { params: draftParams, ...body(openDraftSchema) },
      responses: { 200: { description: 'The draft', content: json(draftSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, id } = c.req.valid('param');
      const dataset = await ensureDataset(s, name);
      return c.json(await draftJson(s, dataset, await openDraft(s, dataset, id, c.req.valid('json'))), 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/datasets/{name}/drafts/{id}', tags, summary: 'A draft: how many entries it holds, and the version it became once committed', middleware: read, request: { params: draftParams }, responses: { 200: { description: 'The draft', content: json(draftSchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { name, id } = c.req.valid('param');
      const dataset = await getDataset(s, name);
      return c.json(await draftJson(s, dataset, await getDraft(s, dataset, id)), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/datasets/{name}/drafts/{id}/files',
      tags,
      summary: `Append a page of the manifest (at most ${PAGE} entries)`,
      description:
        'Paths are relative and `/`-separated; an absolute path, a backslash, an empty, `.` or `..` name, or a path twice is a 400 naming it, and nothing of the page is stored. An entry the draft has with the same digest and size changes nothing (a retried page is a no-op); the same path with other content is a 400.',
      middleware: write,
      request: { params: draftParams, ...body(appendFilesSchema) },
      responses: { 200: { description: 'Entries received, and the draft\'s count', content: json(appendReplySchema) }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, id } = c.req.valid('param');
      const dataset = await getDataset(s, name);
      return c.json(await appendFiles(s, dataset, await getDraft(s, dataset, id), c.req.valid('json').files), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/datasets/{name}/drafts/{id}/commit',
      tags,
      summary: 'Commit a draft as the next version',
      description:
        'Every blob must be in the project: 409 with `details.missing` (up to 1000 digests) and `details.count` otherwise; upload them and commit again. A manifest equal to the latest version\'s makes no version: 200 with `unchanged: true` and the latest version. A retried commit answers the version the first made (200, `created: false`).',
      middleware: write,
      request: { params: draftParams },
      responses: { 201: { description: 'A new version', content: json(commitReplySchema) }, 200: { description: 'No new version', content: json(commitReplySchema) }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, id } = c.req.valid('param');
      const dataset = await getDataset(s, name);
      const reply = await commitDraft(s, dataset, await getDraft(s, dataset, id));
      return c.json(reply, reply.created ? 201 : 200);
    },
  )
  .openapi(
    hubRoute({ method: 'delete', path: '/v1/datasets/{name}/drafts/{id}', tags, summary: 'Drop a draft and its entries (a committed version stays)', middleware: write, request: { params: draftParams }, responses: { 200: { description: 'Dropped (also when it was gone)', content: json(z.object({ deleted: z.boolean() })) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { name, id } = c.req.valid('param');
      await deleteDraft(s, await getDataset(s, name), id);
      return c.json({ deleted: true }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/datasets/{name}/versions',
      tags,
      summary: `Register a version whose whole manifest fits one request (at most ${PAGE} files); larger ones go through a draft`,
      description: 'The rules of a draft\'s pages and commit in one call; nothing is kept when it fails. Sending the same manifest again (a retry) makes no new version: 200 with `unchanged: true`.',
      middleware: write,
      request: { params: nameParam, ...body(createDatasetVersionSchema) },
      responses: { 201: { description: 'A new version', content: json(commitReplySchema) }, 200: { description: 'Equal to the latest version: none made', content: json(commitReplySchema) }, ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { files, ...meta } = c.req.valid('json');
      // Checked before the dataset is made, so a refused first version leaves no empty dataset behind.
      checkManifestPage(files);
      const missing = await missingDigests(s, [...new Set(files.map((f) => f.digest))]);
      if (missing.length) throw missingBlobsError(missing.sort().slice(0, DATASET_LIMITS.missingListed), missing.length);
      const dataset = await ensureDataset(s, c.req.valid('param').name);
      const id = `inline-${crypto.randomUUID()}`;
      try {
        const draft = await openDraft(s, dataset, id, meta);
        await appendFiles(s, dataset, draft, files);
        const reply = await commitDraft(s, dataset, draft);
        return c.json(reply, reply.created ? 201 : 200);
      } finally {
        await deleteDraft(s, dataset, id);
      }
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/datasets/{name}/versions', tags, summary: 'Versions, newest first; `next` is the `before` of the next page', middleware: read, request: { params: nameParam, query: versionPageQuerySchema }, responses: { 200: { description: 'Versions', content: json(datasetVersionListSchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { before, limit } = c.req.valid('query');
      return c.json(await listVersions(s, await getDataset(s, c.req.valid('param').name), before, limit), 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/datasets/{name}/versions/{version}', tags, summary: 'One version (by number, alias, or `latest`)', middleware: read, request: { params: versionParams }, responses: { 200: { description: 'The version', content: json(datasetVersionSchema) }, ...errorResponses(400, 401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { name, version } = c.req.valid('param');
      const found = await resolveRoute(s, name, version);
      return c.json(await describeVersion(s, found.dataset, found.version), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/datasets/{name}/versions/{version}/files',
      tags,
      summary: `A page of the version's files in path order (at most ${PAGE}); \`next\` is the \`after\` of the next page`,
      middleware: read,
      request: { params: versionParams, query: pageQuerySchema },
      responses: { 200: { description: 'Files', content: json(filesPageSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, version } = c.req.valid('param');
      const { after, limit } = c.req.valid('query');
      return c.json(await manifestPage(s, (await resolveRoute(s, name, version)).version, after ?? '', limit, c.get('deps').reads?.db), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/datasets/{name}/versions/{version}/diff',
      tags,
      summary: 'What changed from `against` to this version: added, deleted, modified, renamed (same digest, new path), a page at a time',
      description: `\`against\`: a version number of this dataset, or a ref (\`ds/2\`, \`ds@alias\`, \`ds\`). Changes are ordered by path (a rename by its new path); at most \`limit\` (≤ ${PAGE}) a page, \`next\` is the \`after\` of the next.`,
      middleware: read,
      request: { params: versionParams, query: diffQuerySchema },
      responses: { 200: { description: 'A page of changes', content: json(diffPageSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, version } = c.req.valid('param');
      const { against, after, limit } = c.req.valid('query');
      const to = await resolveRoute(s, name, version);
      const from = /^\d+$/.test(against) ? await resolveRoute(s, name, against) : await resolveRef(s, against);
      return c.json(await diffPage(s, from, to, after ?? '', limit), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/datasets/{name}/versions/{version}/stats',
      tags,
      summary: 'Schema and statistics of a tabular file (CSV, JSONL, Parquet by extension)',
      description: `Computed on the first request for the file's bytes and kept. Files over ${STATS_MAX_BYTES} bytes, or that do not parse, answer 200 with the reason in \`error\`.`,
      middleware: read,
      request: { params: versionParams, query: statsQuerySchema },
      responses: { 200: { description: 'Statistics', content: json(tableStatsSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, version } = c.req.valid('param');
      const found = await resolveRoute(s, name, version);
      return c.json(await tableStats(s, found.dataset, found.version, c.req.valid('query').path), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/datasets/{name}/versions/{version}/preview',
      tags,
      summary: 'The first rows of a tabular file (CSV, JSONL, Parquet by extension), at most 100',
      description: `Rows are arrays in \`columns\` order, cells JSON values (CSV cells as text, an INT64 beyond ±2^53 as a decimal string, a timestamp as epoch ms, a cell over ${PREVIEW_CELL_CHARS} characters cut). \`total\` is the file's row count. A file that is not tabular by its extension is a 400; one over ${STATS_MAX_BYTES} bytes, or that does not parse, answers 200 with the reason in \`error\` and no rows.`,
      middleware: read,
      request: { params: versionParams, query: previewQuerySchema },
      responses: { 200: { description: 'The first rows', content: json(tablePreviewSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, version } = c.req.valid('param');
      const { path, limit } = c.req.valid('query');
      const found = await resolveRoute(s, name, version);
      return c.json(await tablePreview(s, found.dataset, found.version, path, limit), 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/datasets/{name}/versions/{version}/tree',
      tags,
      summary: 'One folder of a version: its file count and bytes in all, and a page of its children (subfolders with their counts and bytes, files)',
      description: `\`path\`: the folder (\`a/b\`; empty for the root). Children are ordered by name (a file before a folder of the same name); at most \`limit\` (≤ ${PAGE}) a page, \`next\` is the \`after\` of the next (a folder's name ends in \`/\`). A folder with no files is a 404.`,
      middleware: read,
      request: { params: versionParams, query: folderQuerySchema },
      responses: { 200: { description: 'A folder', content: json(folderPageSchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, version } = c.req.valid('param');
      const { path, after, limit } = c.req.valid('query');
      const found = await resolveRoute(s, name, version);
      return c.json(await folderPage(s, found.dataset, found.version, path, after, limit), 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/datasets/{name}/versions/{version}/lineage', tags, summary: 'The runs that read the version, and the model versions made from those runs', middleware: read, request: { params: versionParams }, responses: { 200: { description: 'Lineage', content: json(datasetLineageSchema) }, ...errorResponses(400, 401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { name, version } = c.req.valid('param');
      return c.json(await versionLineage(s, (await resolveRoute(s, name, version)).version.id), 200);
    },
  )
  .openapi(
    hubRoute({ method: 'put', path: '/v1/datasets/{name}/aliases/{alias}', tags, summary: 'Point an alias at a version (again: no change)', middleware: write, request: { params: aliasParams, ...body(setDatasetAliasSchema) }, responses: { 200: { description: 'The version it points at', content: json(datasetVersionSchema) }, ...errorResponses(400, 401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { name, alias } = c.req.valid('param');
      return c.json(await setAlias(s, await getDataset(s, name), alias, c.req.valid('json').version), 200);
    },
  )
  .openapi(
    hubRoute({ method: 'delete', path: '/v1/datasets/{name}/aliases/{alias}', tags, summary: 'Remove an alias', middleware: write, request: { params: aliasParams }, responses: { 200: { description: 'Removed', content: json(z.object({ deleted: z.boolean() })) }, ...errorResponses(400, 401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { name, alias } = c.req.valid('param');
      await deleteAlias(s, await getDataset(s, name), alias);
      return c.json({ deleted: true }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/runs/{id}/datasets',
      tags,
      summary: 'Record the dataset versions a run read (by ref; an alias is resolved now)',
      description: 'Each becomes one of the run\'s inputs (source `outpost://ds/3`, digest the manifest digest, as MLflow\'s log-inputs would record it) and links the run to the version. Logging one again changes nothing.',
      middleware: write,
      request: { params: runParams, ...body(logRunDatasetsSchema) },
      responses: { 200: { description: 'The versions recorded', content: json(runDatasetsReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const run = await getRunRow(s, c.req.valid('param').id);
      const wanted = c.req.valid('json').datasets;
      const resolved = await Promise.all(wanted.map((d) => resolveRef(s, d.ref)));
      await logDatasetInputs(s, run, resolved.map(({ dataset, version }, i) => versionInput(dataset, version, wanted[i]!.context)));
      return c.json({ datasets: resolved.map(({ dataset, version }) => ({ ref: `${dataset.name}/${version.version}`, manifestDigest: version.manifestDigest })) }, 200);
    },
  );
