import { sql } from 'drizzle-orm';
import { badRequest, notFound } from '../../shared/errors.js';
import type { FolderPage } from '../../shared/schemas/datasets.js';
import type { ProjectScope } from '../core/scope.js';
import type { DatasetRow, DatasetVersionRow } from '../db/schema.js';
import { pathProblem } from './paths.js';

type ChildRow = { name: string; folder: number; files: number; bytes: number; digest: string };

/**
 * One folder of a version (`''` is the root): how many files and bytes it holds in all, and a page of its children
 * by name, each subfolder with its own file count and bytes, each file with its size and digest. A folder's files
 * are one range of the path index (every path under `a/` sorts between `a/` and `a0`), grouped in SQL, so a page
 * costs one scan of that folder's entries and nothing is held but the page. `after` is the last child of the page
 * before: a name, ending in `/` for a folder.
 */
export async function folderPage({ db }: ProjectScope, dataset: DatasetRow, version: DatasetVersionRow, path: string, after: string, limit: number): Promise<FolderPage> {
  const problem = path && pathProblem(path);
  if (problem) throw badRequest(`path ${JSON.stringify(path)} ${problem}`);
  const prefix = path ? `${path}/` : '';
  // `/` + 1 is `0`: the first string after every path under the prefix.
  const range = prefix ? sql`and path > ${prefix} and path < ${`${path}0`}` : sql``;
  const [totals] = await db.all<{ files: number; bytes: number | null }>(sql`
    select count(*) as files, sum(size) as bytes from dataset_files where version_id = ${version.id} ${range}`);
  const files = Number(totals?.files ?? 0);
  if (prefix && files === 0) throw notFound(`${dataset.name}/${version.version} has no folder ${JSON.stringify(path)}`);
  const afterFolder = after.endsWith('/') ? 1 : 0;
  const afterName = afterFolder ? after.slice(0, -1) : after;
  const rows = await db.all<ChildRow>(sql`
    with r as (select substr(path, length(${prefix}) + 1) as rest, size, digest from dataset_files where version_id = ${version.id} ${range}),
      c as (select case when instr(rest, '/') > 0 then substr(rest, 1, instr(rest, '/') - 1) else rest end as name,
                   case when instr(rest, '/') > 0 then 1 else 0 end as folder, count(*) as files, sum(size) as bytes, min(digest) as digest
            from r group by 1, 2)
    select name, folder, files, bytes, digest from c
    where name > ${afterName} or (name = ${afterName} and folder > ${afterFolder})
    order by name, folder limit ${limit + 1}`);
  const entries = rows.slice(0, limit).map((r) =>
    Number(r.folder)
      ? { name: r.name, kind: 'folder' as const, files: Number(r.files), bytes: Number(r.bytes), digest: null }
      : { name: r.name, kind: 'file' as const, files: 1, bytes: Number(r.bytes), digest: r.digest },
  );
  const last = entries[entries.length - 1];
  return { path, files, bytes: Number(totals?.bytes ?? 0), entries, next: rows.length > limit && last ? `${last.name}${last.kind === 'folder' ? '/' : ''}` : null };
}
