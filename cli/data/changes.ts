import type { DiffPage } from '../../shared/schemas/datasets.js';
import { compareUtf8 } from './local-files.js';

/** Changes as the CLI prints them (and `--json` in DVC's shape: paths only). */
export interface Changes {
  added: string[];
  deleted: string[];
  modified: string[];
  renamed: { old: string; new: string }[];
}

export const noChanges = (): Changes => ({ added: [], deleted: [], modified: [], renamed: [] });

export function addDiffPage(into: Changes, page: DiffPage): void {
  for (const f of page.added) into.added.push(f.path);
  for (const f of page.deleted) into.deleted.push(f.path);
  for (const f of page.modified) into.modified.push(f.path);
  for (const f of page.renamed) into.renamed.push(f.path);
}

/**
 * Pairs paths only on one side with the same digest into renames, as the hub's diff does: several of one digest pair
 * up in path order. `gone` and `came` are in path order.
 */
export function pairRenames(gone: { path: string; digest: string }[], came: { path: string; digest: string }[]): Changes {
  const queue = new Map<string, string[]>();
  for (const g of gone) (queue.get(g.digest) ?? queue.set(g.digest, []).get(g.digest)!).push(g.path);
  const out = noChanges();
  const renamedFrom = new Set<string>();
  for (const c of came) {
    const old = queue.get(c.digest)?.shift();
    if (old === undefined) out.added.push(c.path);
    else {
      out.renamed.push({ old, new: c.path });
      renamedFrom.add(old);
    }
  }
  for (const g of gone) if (!renamedFrom.has(g.path)) out.deleted.push(g.path);
  out.renamed.sort((a, b) => compareUtf8(a.new, b.new));
  return out;
}

/** DESIGN §11: `{"added":[{"path"}],"deleted":[{"path"}],"modified":[{"path"}],"renamed":[{"path":{"old","new"}}]}`. */
export const dvcShape = (c: Changes) => ({
  added: c.added.map((path) => ({ path })),
  deleted: c.deleted.map((path) => ({ path })),
  modified: c.modified.map((path) => ({ path })),
  renamed: c.renamed.map((path) => ({ path })),
});

/** `dvc diff`'s human form: a group per kind, then a summary line. */
export function changeLines(c: Changes): string {
  const lines: string[] = [];
  const group = (title: string, items: string[]) => {
    if (!items.length) return;
    lines.push(`${title}:`, ...items.map((p) => `    ${p}`), '');
  };
  group('Added', c.added);
  group('Deleted', c.deleted);
  group('Modified', c.modified);
  group('Renamed', c.renamed.map((r) => `${r.old} -> ${r.new}`));
  const total = c.added.length + c.deleted.length + c.modified.length + c.renamed.length;
  lines.push(total ? `files summary: ${c.added.length} added, ${c.deleted.length} deleted, ${c.modified.length} modified, ${c.renamed.length} renamed` : 'no changes');
  return lines.join('\n');
}
