/** Paths of the browser runtime's files, served by the hub itself on every platform (DESIGN §5: no CDN at run time). */
export const isRuntimeAssetPath = (path: string) => path === '/runtime.js' || path === '/runtime-sw.js' || path.startsWith('/runtime/');

/** A file whose name carries its content's hash (build/runtime.ts): it never changes, so browsers and CDNs keep it. */
export const isHashedRuntimeAsset = (path: string) => /\.[0-9a-f]{12}\.[a-z0-9]+$/.test(path);

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The build's compressed copies (build/compress.ts) by HTTP name, in the order the hub prefers them. */
export const ENCODINGS = [
  ['br', '.br'],
  ['gzip', '.gz'],
] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** The encodings a request's Accept-Encoding allows (q > 0), in the hub's order of preference; `*` allows both. */
export function acceptedEncodings(header: string | null | undefined): Encoding[] {
  const allowed = new Map<string, boolean>();
  for (const part of (header ?? '').slice(0, 1024).split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    allowed.set(name, q === undefined || Number(q.slice(2)) > 0);
  }
  return ENCODINGS.filter(([name]) => allowed.get(name) ?? allowed.get('*') ?? false);
}

/** Headers every runtime file gets: immutable for hashed names; entry points revalidate, so a new build reaches pages. */
export function runtimeCacheHeaders(path: string, headers: Headers, compressible: boolean): void {
  headers.set('Cache-Control', isHashedRuntimeAsset(path) ? IMMUTABLE : 'no-cache');
  if (compressible) headers.append('Vary', 'Accept-Encoding');
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  wasm: 'application/wasm',
  json: 'application/json',
  map: 'application/json',
};
export const contentTypeOf = (path: string) => TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
