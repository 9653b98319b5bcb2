/** Addresses of the dataset pages; a version page keeps its folder, file and diff in the query. */
export const datasetHref = (name: string) => `/datasets/${encodeURIComponent(name)}`;

export interface VersionView {
  dir?: string;
  file?: string;
  against?: number;
}

export function versionHref(name: string, version: number, view: VersionView = {}) {
  const q = new URLSearchParams();
  if (view.dir) q.set('dir', view.dir);
  if (view.file) q.set('file', view.file);
  if (view.against != null) q.set('against', String(view.against));
  const query = q.toString();
  return `${datasetHref(name)}/${version}${query ? `?${query}` : ''}`;
}

/** The view a version page's query names. */
export function versionView(query: URLSearchParams): VersionView {
  const against = Number(query.get('against'));
  return { dir: query.get('dir') ?? '', file: query.get('file') ?? undefined, against: Number.isInteger(against) && against > 0 ? against : undefined };
}

/** Tabular by extension, as the hub reads them. */
export const isTabular = (path: string) => /\.(csv|jsonl|ndjson|parquet)$/i.test(path);
