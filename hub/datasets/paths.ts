import { badRequest } from '../../shared/errors.js';
import type { DatasetFile } from '../../shared/schemas/datasets.js';

/** Why a manifest path is not one, or null: relative, `/`-separated, no empty, `.` or `..` names, no backslashes. */
export function pathProblem(path: string): string | null {
  if (path.startsWith('/')) return 'is absolute (paths are relative to the dataset root)';
  if (path.includes('\\')) return 'has a backslash (separate names with "/")';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'has a control character';
  for (const name of path.split('/')) {
    if (name === '') return 'has an empty name (a leading, trailing or doubled "/")';
    if (name === '..' || name === '.') return `has a "${name}" name`;
  }
  return null;
}

/** Checks a page of entries: each path valid and none twice; a bad one is a 400 naming its place and path. */
export function checkManifestPage(files: DatasetFile[]): void {
  const seen = new Set<string>();
  files.forEach((f, i) => {
    const problem = pathProblem(f.path);
    if (problem) throw badRequest(`files[${i}].path ${JSON.stringify(f.path)} ${problem}`, { path: f.path, index: i });
    if (seen.has(f.path)) throw badRequest(`files[${i}].path ${JSON.stringify(f.path)} appears twice in the manifest`, { path: f.path, index: i });
    seen.add(f.path);
  });
}
