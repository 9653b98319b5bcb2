const PREVIEW_CHARS = 200;

/** Text cut to a length an error message can carry. */
export const clip = (text: string) => (text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text);

/**
 * A value the caller sent, as JSON for an error message, cut short: the input may be megabytes long or nested
 * 100k deep, where JSON.stringify would overflow the stack (a 500 instead of the 400 the message was for).
 */
export function preview(value: unknown, depth = 0): string {
  if (value === null || typeof value !== 'object') return clip(JSON.stringify(value) ?? String(value));
  if (depth >= 3) return Array.isArray(value) ? '[…]' : '{…}';
  const entries = Array.isArray(value) ? value.slice(0, 10).map((v) => preview(v, depth + 1)) : Object.entries(value).slice(0, 10).map(([k, v]) => `${clip(JSON.stringify(k))}:${preview(v, depth + 1)}`);
  const more = (Array.isArray(value) ? value.length : Object.keys(value).length) > 10 ? ',…' : '';
  return clip(Array.isArray(value) ? `[${entries.join(',')}${more}]` : `{${entries.join(',')}${more}}`);
}
