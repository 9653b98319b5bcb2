import { sql } from 'drizzle-orm';
import type { DatasetFile, DiffPage } from '../../shared/schemas/datasets.js';
import { formatRef } from '../../shared/refs.js';
import type { ProjectScope } from '../core/scope.js';
import type { ReadDb } from '../db/read-connection.js';
import type { DatasetRow, DatasetVersionRow } from '../db/schema.js';

/**
 * One page of a version's files in path order (UTF-8 byte order); `next` is the `after` of the next page. Read on the
 * read connection where there is one (Node, a `file:` database): `@libsql/client` builds each row with a
 * `defineProperty` per column, which made up half of a 10,000-entry page's time (profiled).
 */
export async function manifestPage({ db }: ProjectScope, version: DatasetVersionRow, after: string, limit: number, reads?: ReadDb) {
  const query = sql`select path, digest, size, md5 from dataset_files where version_id = ${version.id} and path > ${after} order by path limit ${limit + 1}`;
  const rows = reads ? reads.values<[string, string, number, string | null]>(query) : (await db.all<DatasetFile & { md5: string | null }>(query)).map((r) => [r.path, r.digest, r.size, r.md5] as const);
  // `md5` only where a file has one (imported from DVC), so pages of pushed folders stay as they were.
  const shown = rows.length > limit ? rows.slice(0, limit) : rows;
  const files: DatasetFile[] = shown.map(([path, digest, size, md5]) => (md5 ? { path, digest, size: Number(size), md5 } : { path, digest, size: Number(size) }));
  return { files, next: rows.length > limit ? files[files.length - 1]!.path : null };
}

type ChangeRow = { kind: 'added' | 'deleted' | 'modified' | 'renamed'; path: string; old_path: string | null; digest: string; size: number; old_digest: string | null; old_size: number | null };

/**
 * What changed from `from` to `to`, computed in SQL a page at a time, ordered by path (a rename by its new path). A
 * path only in `from` and one only in `to` with the same digest are a rename; several of one digest pair up in path
 * order. Every change has a distinct path, so `after` (the last path of a page) pages through them.
 *
 * The entries of one version not in the other (`except`, ordered by path) are found first: SQLite merges the two
 * versions' primary-key scans in one pass each, where a lookup per path of one version in the other cost 4× as much
 * (EXPLAIN QUERY PLAN: `MERGE (EXCEPT)`). Every change is among those few rows: a path in both is modified.
 */
export async function diffPage(
  { db }: ProjectScope,
  from: { dataset: DatasetRow; version: DatasetVersionRow },
  to: { dataset: DatasetRow; version: DatasetVersionRow },
  after: string,
  limit: number,
): Promise<DiffPage> {
  const A = from.version.id;
  const B = to.version.id;
  const rows = await db.all<ChangeRow>(sql`
    with
      only_a as materialized (select path, digest, size from dataset_files where version_id = ${A}
                              except select path, digest, size from dataset_files where version_id = ${B} order by path),
      only_b as materialized (select path, digest, size from dataset_files where version_id = ${B}
                              except select path, digest, size from dataset_files where version_id = ${A} order by path),
      gone as (select a.path, a.digest, a.size, row_number() over (partition by a.digest order by a.path) as rn from only_a a
               where not exists (select 1 from only_b b where b.path = a.path)),
      came as (select b.path, b.digest, b.size, row_number() over (partition by b.digest order by b.path) as rn from only_b b
               where not exists (select 1 from only_a a where a.path = b.path)),
      changes as (
        select 'renamed' as kind, c.path as path, g.path as old_path, c.digest as digest, c.size as size, null as old_digest, null as old_size
          from came c join gone g on g.digest = c.digest and g.rn = c.rn
        union all
        select 'added', c.path, null, c.digest, c.size, null, null from came c
          where not exists (select 1 from gone g where g.digest = c.digest and g.rn = c.rn)
        union all
        select 'deleted', g.path, null, g.digest, g.size, null, null from gone g
          where not exists (select 1 from came c where c.digest = g.digest and c.rn = g.rn)
        union all
        select 'modified', b.path, null, b.digest, b.size, a.digest, a.size from only_b b join only_a a on a.path = b.path
      )
    select * from changes where path > ${after} order by path limit ${limit + 1}`);
  const page: DiffPage = {
    from: formatRef({ name: from.dataset.name, version: from.version.version }),
    to: formatRef({ name: to.dataset.name, version: to.version.version }),
    added: [],
    deleted: [],
    modified: [],
    renamed: [],
    next: null,
  };
  const shown = rows.slice(0, limit);
  for (const r of shown) {
    const file = { path: r.path, digest: r.digest, size: Number(r.size) };
    if (r.kind === 'added') page.added.push(file);
    else if (r.kind === 'deleted') page.deleted.push(file);
    else if (r.kind === 'modified') page.modified.push({ ...file, old: { digest: r.old_digest!, size: Number(r.old_size) } });
    else page.renamed.push({ path: { old: r.old_path!, new: r.path }, digest: r.digest, size: Number(r.size) });
  }
  if (rows.length > limit) page.next = shown[shown.length - 1]!.path;
  return page;
}
