import { OutpostRuntimeError } from './errors.js';

/** DESIGN §10 refs: `name@alias`, `name/3`, `name` (the latest version). */
export interface ModelRef {
  name: string;
  alias?: string;
  version?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function parseRef(ref: string): ModelRef {
  const at = ref.indexOf('@');
  const slash = ref.lastIndexOf('/');
  if (at > 0 && NAME.test(ref.slice(0, at)) && /^[\w-]+$/.test(ref.slice(at + 1))) return { name: ref.slice(0, at), alias: ref.slice(at + 1) };
  if (slash > 0 && NAME.test(ref.slice(0, slash)) && /^[1-9]\d*$/.test(ref.slice(slash + 1))) {
    return { name: ref.slice(0, slash), version: Number(ref.slice(slash + 1)) };
  }
  if (NAME.test(ref)) return { name: ref };
  throw new OutpostRuntimeError('bad_ref', `"${ref}" is not a model ref: use name@alias, name/<version> or name`);
}

/** The hub route that answers a ref's manifest. */
export function manifestPath({ name, alias, version }: ModelRef): string {
  if (version !== undefined) return `/v1/models/${encodeURIComponent(name)}/versions/${version}/manifest`;
  return `/v1/models/${encodeURIComponent(alias ? `${name}@${alias}` : name)}/manifest`;
}
