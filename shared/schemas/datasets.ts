import { z } from 'zod';
import { DIGEST_RE } from '../digest.js';
import { NAME_RE, NAME_RULE } from '../refs.js';
import { aliasSchema } from './registry.js';

/** DESIGN §11: dataset names follow the model name rule; refs are `ds`, `ds/3`, `ds@alias`. */
export const datasetNameSchema = z.string().regex(NAME_RE, NAME_RULE);
/** Dataset aliases: the model alias rule, and not all digits (a version segment reads a number as a version). */
export const datasetAliasSchema = aliasSchema.refine((a) => !/^\d+$/.test(a), 'must not be all digits (a number names a version)');

export const DATASET_LIMITS = {
  /** Manifest entries per request: a page appended to a draft, a page read back, a page of a diff. */
  page: 10_000,
  /** Digests per "which do I lack" request. */
  missing: 1_000,
  pathLength: 1024,
  /** Missing digests listed in a 409 (the count says how many there are in all). */
  missingListed: 1_000,
  /** The largest tabular file the hub parses for statistics or a preview (it reads the file whole). */
  statsBytes: 32 * 1024 * 1024,
} as const;

const digest = z.string().regex(DIGEST_RE, 'must be sha256: followed by 64 lowercase hex characters');

/** One manifest entry. The path rules (relative, `/`-separated, no `..`, no empty names) are checked by the hub, naming the path. */
export const datasetFileSchema = z.object({
  path: z.string().min(1, 'must not be empty').max(DATASET_LIMITS.pathLength, `must be at most ${DATASET_LIMITS.pathLength} characters`),
  digest,
  size: z.number().int().nonnegative(),
  /** The file's md5 as DVC knew it (set by `outpost data import-dvc`); kept with the entry, not part of the manifest digest. */
  md5: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters (an md5)').optional(),
});
export type DatasetFile = z.infer<typeof datasetFileSchema>;

const filesSchema = z.array(datasetFileSchema).max(DATASET_LIMITS.page, `at most ${DATASET_LIMITS.page} entries a request: append more pages to a draft`);
const versionMeta = {
  message: z.string().max(5000).default(''),
  tags: z.record(z.string().min(1).max(250), z.string().max(5000)).default({}),
};

/** `PUT /v1/datasets/{name}/drafts/{id}`: open (or find again) a draft version. */
export const openDraftSchema = z.object(versionMeta);
/** `POST /v1/datasets/{name}/drafts/{id}/files`: one page of the manifest. */
export const appendFilesSchema = z.object({ files: filesSchema });
/** `POST /v1/datasets/{name}/versions`: a whole small manifest at once (draft, page and commit in one). */
export const createDatasetVersionSchema = z.object({ files: filesSchema, ...versionMeta });

export const draftIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 letters, digits, "_" or "-" (a UUID will do)');

export const draftSchema = z.object({
  id: z.string(),
  dataset: z.string(),
  files: z.number().int(),
  message: z.string(),
  tags: z.record(z.string(), z.string()),
  committedVersion: z.number().int().nullable(),
  createdAt: z.number(),
});
export type Draft = z.infer<typeof draftSchema>;
export const appendReplySchema = z.object({ received: z.number().int(), files: z.number().int() });

export const datasetVersionSchema = z.object({
  dataset: z.string(),
  version: z.number().int(),
  ref: z.string(),
  parentVersion: z.number().int().nullable(),
  manifestDigest: z.string(),
  files: z.number().int(),
  bytes: z.number().int(),
  message: z.string(),
  tags: z.record(z.string(), z.string()),
  aliases: z.array(z.string()),
  createdBy: z.string().nullable(),
  createdAt: z.number(),
});
export type DatasetVersion = z.infer<typeof datasetVersionSchema>;

/** A commit's answer: `created: false` when the manifest equals the latest version's (no new version) or on a retried commit. */
export const commitReplySchema = z.object({
  created: z.boolean(),
  unchanged: z.boolean(),
  version: datasetVersionSchema,
});

export const datasetSchema = z.object({
  name: z.string(),
  latest: datasetVersionSchema.nullable(),
  versions: z.number().int(),
  aliases: z.record(z.string(), z.number().int()),
  createdAt: z.number(),
});
export const datasetListSchema = z.object({ datasets: z.array(datasetSchema) });
export const datasetVersionListSchema = z.object({ versions: z.array(datasetVersionSchema), next: z.number().int().nullable() });

const limit = z.coerce.number().int().min(1).max(DATASET_LIMITS.page).default(1000);
/** Pages go by path: `after` is the last path of the page before. */
export const pageQuerySchema = z.object({ after: z.string().max(DATASET_LIMITS.pathLength).optional(), limit });
export const versionPageQuerySchema = z.object({ before: z.coerce.number().int().min(1).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const filesPageSchema = z.object({ files: z.array(datasetFileSchema), next: z.string().nullable() });

/** `against`: `2` (a version of the same dataset), `ds/2`, `ds@alias` or `ds`. */
export const diffQuerySchema = pageQuerySchema.extend({ against: z.string().min(1).max(300) });
const sized = { digest: z.string(), size: z.number().int() };
export const diffPageSchema = z.object({
  from: z.string(),
  to: z.string(),
  added: z.array(z.object({ path: z.string(), ...sized })),
  deleted: z.array(z.object({ path: z.string(), ...sized })),
  modified: z.array(z.object({ path: z.string(), ...sized, old: z.object(sized) })),
  renamed: z.array(z.object({ path: z.object({ old: z.string(), new: z.string() }), ...sized })),
  next: z.string().nullable(),
});
export type DiffPage = z.infer<typeof diffPageSchema>;

export const setDatasetAliasSchema = z.object({ version: z.number().int().min(1) });

export const statsQuerySchema = z.object({ path: z.string().min(1).max(DATASET_LIMITS.pathLength) });
export const columnStatsSchema = z.object({
  name: z.string(),
  type: z.enum(['int64', 'float64', 'bool', 'string', 'json', 'null']),
  nulls: z.number().int(),
  min: z.union([z.number(), z.string(), z.boolean()]).nullable(),
  max: z.union([z.number(), z.string(), z.boolean()]).nullable(),
  mean: z.number().nullable(),
  distinct: z.number().int(),
});
export type ColumnStats = z.infer<typeof columnStatsSchema>;
export const tableStatsSchema = z.object({
  path: z.string(),
  digest: z.string(),
  format: z.enum(['csv', 'jsonl', 'parquet']),
  rows: z.number().int().nullable(),
  columns: z.array(columnStatsSchema),
  error: z.string().nullable(),
});
export type TableStats = z.infer<typeof tableStatsSchema>;

export const datasetLineageSchema = z.object({
  runs: z.array(z.object({ id: z.string(), name: z.string(), experimentId: z.string(), status: z.string() })),
  modelVersions: z.array(z.object({ model: z.string(), version: z.number().int(), sourceRunId: z.string() })),
});

/** `POST /v1/runs/{id}/datasets`: the dataset versions a run read, by ref (resolved when logged: an alias is read then). */
export const logRunDatasetsSchema = z.object({
  datasets: z.array(z.object({ ref: z.string().min(1).max(300), context: z.string().max(250).optional() })).min(1).max(100),
});
export const runDatasetsReplySchema = z.object({ datasets: z.array(z.object({ ref: z.string(), manifestDigest: z.string() })) });

/** `POST /v1/blobs/missing`: which of these digests the project lacks (DESIGN §11). */
export const missingBlobsSchema = z.object({
  digests: z.array(digest).max(DATASET_LIMITS.missing, `at most ${DATASET_LIMITS.missing} digests a request`),
});
export const missingBlobsReplySchema = z.object({ missing: z.array(z.string()) });

/** `…/preview?path=P&limit=20`: the first rows of a tabular file (at most 100). */
export const previewQuerySchema = statsQuerySchema.extend({ limit: z.coerce.number().int().min(1).max(100).default(20) });
/**
 * Rows as arrays in `columns` order. Cells are JSON values: CSV cells are the file's text (an empty cell is null),
 * JSONL's are as written, Parquet's typed (an INT64 outside ±2^53 is a decimal string, a timestamp epoch ms); a cell
 * over 500 characters is cut and ends in "…". `total` is the file's row count; `error` why it could not be read.
 */
export const tablePreviewSchema = z.object({
  path: z.string(),
  digest: z.string(),
  format: z.enum(['csv', 'jsonl', 'parquet']),
  columns: z.array(z.string()),
  rows: z.array(z.array(z.unknown())),
  total: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type TablePreview = z.infer<typeof tablePreviewSchema>;

/** `…/tree?path=a/b&after=&limit=`: one folder (`''` the root) and a page of its children. */
export const folderQuerySchema = z.object({ path: z.string().max(DATASET_LIMITS.pathLength).default(''), after: z.string().max(DATASET_LIMITS.pathLength + 1).default(''), limit });
export const folderPageSchema = z.object({
  path: z.string(),
  files: z.number().int(),
  bytes: z.number().int(),
  entries: z.array(
    z.object({ name: z.string(), kind: z.enum(['folder', 'file']), files: z.number().int(), bytes: z.number().int(), digest: z.string().nullable() }),
  ),
  next: z.string().nullable(),
});
export type FolderPage = z.infer<typeof folderPageSchema>;
