import { OutpostError } from './errors.js';

/**
 * The one ref grammar (DESIGN §10, §11), used by hub, CLI, runtime and console:
 *   `name@alias`  a moving pointer, `name/3`  one version, `name`  bare.
 * What a bare name means is the caller's: a model's is `name@production`, a dataset's its latest version.
 * Zod-free on purpose, so the browser runtime can parse refs without bundling zod.
 */

/** Model and dataset names. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const NAME_RULE = 'must start with a letter or digit and use only letters, digits, ".", "_" or "-" (at most 128)';

/** MLflow's alias rule; `latest` and `v<digits>` are reserved because they read as versions. */
export const ALIAS_CHARS_RE = /^[\w-]*$/;
export const ALIAS_RULE = 'may use only letters, digits, "_" and "-"';
export const ALIAS_MAX = 255;
export const RESERVED_ALIAS_RULE = 'is reserved: "latest" and "v<digits>" name versions';
export const isReservedAlias = (alias: string) => alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias);

export type VersionRef = { name: string; version: number };
export type AliasRef = { name: string; alias: string };
export type LatestRef = { name: string; latest: true };
/** A model ref always names a version or an alias: bare names are read as `@production`. */
export type ModelRef = VersionRef | AliasRef;
export type DatasetRef = VersionRef | AliasRef | LatestRef;

/** What a bare name means, per kind of thing a ref names. */
const BARE = {
  model: (name: string): ModelRef => ({ name, alias: 'production' }),
  dataset: (name: string): DatasetRef => ({ name, latest: true }),
};

/** Why the parts of a ref do not make one, or null when they do. */
function refProblem(name: string, version: string | undefined, alias: string | undefined): string | null {
  if (!name) return 'the name is empty';
  if (!NAME_RE.test(name)) return `the name "${name}" ${NAME_RULE}`;
  if (version !== undefined && !(/^[1-9]\d*$/.test(version) && Number.isSafeInteger(Number(version)))) return `the version "${version}" is not a whole number from 1 up`;
  if (alias === undefined) return null;
  if (!alias) return 'the alias is empty';
  if (alias.length > ALIAS_MAX) return `the alias is longer than ${ALIAS_MAX} characters`;
  if (!ALIAS_CHARS_RE.test(alias)) return `the alias "${alias}" ${ALIAS_RULE}`;
  if (isReservedAlias(alias)) return `the alias "${alias}" ${RESERVED_ALIAS_RULE}`;
  return null;
}

function parseRef(text: string, kind: keyof typeof BARE): DatasetRef {
  const at = text.indexOf('@');
  const slash = text.lastIndexOf('/');
  const name = at >= 0 ? text.slice(0, at) : slash >= 0 ? text.slice(0, slash) : text;
  const alias = at >= 0 ? text.slice(at + 1) : undefined;
  const version = at < 0 && slash >= 0 ? text.slice(slash + 1) : undefined;
  const problem = refProblem(name, version, alias);
  if (problem) throw new OutpostError(400, 'bad_request', `"${text}" is not a ${kind} ref: use name@alias, name/<version> or name (${problem})`);
  if (alias !== undefined) return { name, alias };
  if (version !== undefined) return { name, version: Number(version) };
  return BARE[kind](name);
}

/** `name@alias`, `name/3`, or `name` (= `name@production`); a bad ref throws a 400 that names it and why. */
export const parseModelRef = (text: string) => parseRef(text, 'model') as ModelRef;
/** `ds@alias`, `ds/3`, or `ds` (= the latest version). */
export const parseDatasetRef = (text: string): DatasetRef => parseRef(text, 'dataset');

/** A ref as users type it: `name/3`, `name@alias`, or `name` for the latest version. */
export function formatRef(ref: ModelRef | DatasetRef): string {
  if ('version' in ref) return `${ref.name}/${ref.version}`;
  if ('alias' in ref) return `${ref.name}@${ref.alias}`;
  return ref.name;
}
