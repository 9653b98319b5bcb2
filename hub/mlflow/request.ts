import type { Context } from 'hono';
import type { z } from 'zod';
import type { HubEnv } from '../http/env.js';
import { clip, preview } from '../core/preview.js';
import { capBody } from '../http/guards.js';
import { invalidParam } from './errors.js';

/** MLflow's MAX_BATCH_LOG_REQUEST_SIZE; the same cap guards every MLflow route, since /v1's body limit does not apply here. */
export const MAX_REQUEST_BYTES = 1_000_000;

const SEE_DOCS = 'See the API docs for more information about request parameters.';
export const missingValue = (path: string) => invalidParam(`Missing value for required parameter '${path}'. ${SEE_DOCS}`);

/** Reads the raw body under the hub's body cap (hono's `bodyLimit`), refusing more than `limit` bytes in MLflow's error shape. */
async function readText(c: Context<HubEnv>, limit: number, tooLarge: (size: string) => string): Promise<string> {
  let text = '';
  const onError = () => {
    const declared = c.req.header('content-length');
    return invalidParam(tooLarge(declared !== undefined && !c.req.header('transfer-encoding') ? declared : `more than ${limit}`));
  };
  await capBody(limit, onError)(c, async () => {
    text = await c.req.text();
  });
  return text;
}

/**
 * Python's json module writes NaN and ±Infinity as bare words; quote them (outside strings) so JSON.parse takes them.
 * One pass over the text, no regular expression: an invalid body of any shape costs linear time.
 */
function quoteNonFinite(text: string): string {
  if (!text.includes('NaN') && !text.includes('Infinity')) return text;
  const out: string[] = [];
  let from = 0;
  let inString = false;
  const isWordChar = (ch: string | undefined) => ch !== undefined && /\w/.test(ch);
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      continue;
    }
    const word = text.startsWith('NaN', i) ? 'NaN' : text.startsWith('Infinity', i) ? 'Infinity' : '';
    if (!word || isWordChar(text[i - 1]) || isWordChar(text[i + word.length])) continue;
    const start = text[i - 1] === '-' ? i - 1 : i;
    out.push(text.slice(from, start), `"${text.slice(start, i + word.length)}"`);
    from = i + word.length;
    i = from - 1;
  }
  out.push(text.slice(from));
  return out.join('');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const quoted = quoteNonFinite(text);
    if (quoted !== text) {
      try {
        return JSON.parse(quoted);
      } catch {
        // report the original error below
      }
    }
    throw invalidParam(`Malformed JSON request body: ${(err as Error).message}`);
  }
}

export interface BodyOptions {
  limit?: number;
  /** The message for a body over the limit, given its size (log-batch has MLflow's own wording). */
  tooLarge?: (size: string) => string;
}

/** A POST body as MLflow's server reads it: JSON only, empty means `{}`, a JSON string holding JSON is decoded twice. */
async function readJsonBody(c: Context, options: BodyOptions = {}): Promise<Record<string, unknown>> {
  const limit = options.limit ?? MAX_REQUEST_BYTES;
  const tooLarge = options.tooLarge ?? ((size: string) => `Request body must be at most ${limit} bytes, got a request of size ${size}.`);
  const text = await readText(c, limit, tooLarge);
  if (text.trim() === '') return {};
  const type = c.req.header('content-type');
  if (!type) throw invalidParam('Bad Request. Content-Type header is missing.');
  if (!/^application\/json\s*(;|$)/i.test(type)) throw invalidParam(`Bad Request. Content-Type must be one of [application/json]. Got '${type}'.`);
  let data = parseJson(text);
  if (typeof data === 'string') data = parseJson(data);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw invalidParam('Request body must be a JSON object.');
  return data as Record<string, unknown>;
}

/** GET parameters from the query string; a repeated key becomes a list. With no query at all, MLflow reads a JSON body. */
async function readQueryArgs(c: Context): Promise<Record<string, unknown>> {
  const all = c.req.queries();
  const entries = Object.entries(all).map(([k, v]) => [k, v.length === 1 ? v[0] : v] as const);
  if (entries.length === 0 && c.req.raw.body) return readJsonBody(c);
  return Object.fromEntries(entries);
}

const formatPath = (path: PropertyKey[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || 'request';

/** MLflow's wording for a bad field (handlers._validate_param_against_schema), naming its path like `metrics[0].timestamp`. */
function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  if (issue.code === 'invalid_type' && issue.input === undefined) throw missingValue(path);
  const shown = typeof issue.input === 'string' ? `'${clip(issue.input)}'` : preview(issue.input);
  throw invalidParam(`Invalid value ${shown} for parameter '${path}' supplied. Hint: ${issue.message}. ${SEE_DOCS}`);
}

export const parseBody = async <S extends z.ZodType>(c: Context, schema: S, options?: BodyOptions) => validate(schema, await readJsonBody(c, options));
export const parseQuery = async <S extends z.ZodType>(c: Context, schema: S) => validate(schema, await readQueryArgs(c));
