/**
 * A small seeded generator of request values from JSON Schema (what /openapi.json holds), with the mutations an
 * attacker would try: wrong types, huge numbers, deep nesting, long strings, odd unicode, missing and extra
 * fields. fast-check is not a dependency of this project, so this is our own; every value comes from one seed.
 */

export type Rng = () => number;

/** mulberry32: a tiny, fast, seedable PRNG; the same seed gives the same requests. */
export function rngOf(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const chance = (rng: Rng, p: number) => rng() < p;

/** Raw JSON text spliced into a body where a marker string stands: values JSON.stringify cannot make or would overflow on. */
export const RAW = '@@raw@@';
export const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
export const RAW_VALUES = [deepArray(100_000), deepArray(2_000), '1' + '0'.repeat(400), '-1e400', '1e-400', '9007199254740993', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}'];

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '𝒳😀',
  '\u202eevil',
  'a'.repeat(100_000),
  '%_%_%_%_%_%_%!',
  '%a%a%a%a%a%a%a%b',
  "'; DROP TABLE runs; --",
  '../../etc/passwd',
  'null',
  '1'.repeat(400),
  'NaN',
  '-1',
  '0',
  '((((((((((((((((((((',
  '('.repeat(5000) + "tags.a = 'x'" + ')'.repeat(5000),
  'sha256:' + '0'.repeat(64),
  '__proto__',
];
const ODD_NUMBERS = [0, -1, -0.5, 1.5, 2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1, -(2 ** 53), 1e308, -1e308, Number.MIN_VALUE];

export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
}

/** What the generator knows of the hub under test: the document's components and strings worth trying (real ids). */
export interface Context {
  components: Record<string, Schema>;
  known: string[];
}

/** A value the schema accepts, as far as a generator without a regex engine can tell. */
export function valid(schema: Schema, rng: Rng, ctx: Context, depth = 0): unknown {
  if (schema.$ref) return valid(ctx.components[schema.$ref.split('/').pop()!] ?? {}, rng, ctx, depth);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return pick(rng, schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return valid(pick(rng, alternatives), rng, ctx, depth);
  if (schema.allOf?.length) return valid(Object.assign({}, ...schema.allOf), rng, ctx, depth);
  const types = [schema.type ?? (schema.properties ? 'object' : 'string')].flat();
  const type = pick(rng, types);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        if ((schema.required ?? []).includes(name) || chance(rng, 0.5)) out[name] = valid(prop, rng, ctx, depth + 1);
      }
      if (!schema.properties && typeof schema.additionalProperties === 'object' && depth < 4) {
        for (let i = Math.floor(rng() * 3); i > 0; i--) out[pick(rng, ctx.known.concat(['a', 'loss', 'lr']))] = valid(schema.additionalProperties, rng, ctx, depth + 1);
      }
      return out;
    }
    case 'array': {
      const min = schema.minItems ?? 0;
      const n = depth > 4 ? min : min + Math.floor(rng() * Math.min(4, (schema.maxItems ?? min + 4) - min + 1));
      return Array.from({ length: n }, () => valid(schema.items ?? {}, rng, ctx, depth + 1));
    }
    case 'integer':
    case 'number': {
      const lo = schema.minimum ?? 0;
      const hi = Math.min(schema.maximum ?? lo + 100, lo + 1000);
      const n = lo + rng() * (hi - lo);
      return type === 'integer' ? Math.round(n) : n;
    }
    case 'boolean':
      return chance(rng, 0.5);
    case 'null':
      return null;
    default: {
      if (chance(rng, 0.5) && ctx.known.length) return pick(rng, ctx.known);
      const len = Math.max(schema.minLength ?? 1, Math.min(schema.maxLength ?? 12, 1 + Math.floor(rng() * 12)));
      return Array.from({ length: len }, () => pick(rng, 'abcxyz019_-.'.split(''))).join('');
    }
  }
}

/** A value of the wrong kind, or of the right kind at a size or shape nobody should send. */
export function hostile(rng: Rng): unknown {
  switch (Math.floor(rng() * 9)) {
    case 7:
    case 0:
      return pick(rng, ODD_STRINGS);
    case 1:
      return pick(rng, ODD_NUMBERS);
    case 2:
    case 6:
      // The 100k-deep array first: it overflows any recursion over the input.
      return RAW + (chance(rng, 0.4) ? 0 : Math.floor(rng() * RAW_VALUES.length));
    case 3:
      return pick(rng, [null, true, false, [], {}, [null], { '': '' }]);
    case 4:
      return Array.from({ length: 1 + Math.floor(rng() * 2000) }, (_, i) => (chance(rng, 0.5) ? i : `k${i}`));
    case 5:
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(rng() * 500) }, (_, i) => [`f${i}`, i]));
    default:
      return { nested: { deeper: [pick(rng, ODD_STRINGS), pick(rng, ODD_NUMBERS)] } };
  }
}

/** A valid value with some of its parts replaced, removed or added to. */
export function mutate(value: unknown, rng: Rng, rate: number): unknown {
  if (chance(rng, rate)) return hostile(rng);
  if (Array.isArray(value)) return value.map((v) => mutate(v, rng, rate));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!chance(rng, rate / 2)) out[k] = mutate(v, rng, rate);
    if (chance(rng, rate)) out[pick(rng, ['extra', '__proto__', 'constructor', 'x'.repeat(300)])] = hostile(rng);
    return out;
  }
  return value;
}

/** JSON text of a value, with RAW markers replaced by their raw text. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(new RegExp(`"${RAW}(\\d+)"`, 'g'), (_, i: string) => RAW_VALUES[Number(i)]!);
}

/** A string for a path segment or query value: mostly plausible, sometimes hostile. */
export function scalarText(rng: Rng, ctx: Context, schema?: Schema): string {
  if (chance(rng, 0.35)) {
    const v = hostile(rng);
    return typeof v === 'string' ? (v.startsWith(RAW) ? RAW_VALUES[Number(v.slice(RAW.length))]! : v) : JSON.stringify(v);
  }
  const v = schema ? valid(schema, rng, ctx) : pick(rng, ctx.known);
  return typeof v === 'string' ? v : JSON.stringify(v);
}
