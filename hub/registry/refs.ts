import { notFound } from '../../shared/errors.js';
import type { ProjectScope } from '../core/scope.js';
import type { ModelVersionRow, RegisteredModelRow } from '../db/schema.js';
import { aliasesOf, findModel } from './models.js';
import { getVersionRow } from './versions.js';

export type ModelRef = { name: string; alias: string } | { name: string; version: number } | { name: string };

/** `name@alias`, `name/3` or `name` (which means `name@production`). */
export function parseModelRef(ref: string): ModelRef {
  const at = ref.indexOf('@');
  if (at >= 0) return { name: ref.slice(0, at), alias: ref.slice(at + 1) };
  const m = /^(.+)\/(\d+)$/.exec(ref);
  if (m) return { name: m[1]!, version: Number(m[2]) };
  return { name: ref };
}

/** The model and version a ref names; an unknown alias lists the aliases there are. */
export async function resolveModelRef(scope: ProjectScope, ref: ModelRef): Promise<{ model: RegisteredModelRow; version: ModelVersionRow }> {
  const model = await findModel(scope, ref.name);
  if ('version' in ref) return { model, version: await getVersionRow(scope, model, ref.version) };
  const alias = 'alias' in ref ? ref.alias : 'production';
  const aliases = await aliasesOf(scope, model.id);
  const target = aliases[alias];
  if (target === undefined) {
    const names = Object.keys(aliases);
    const list = names.length ? `aliases: ${names.join(', ')}` : 'it has no aliases yet';
    throw notFound(`model "${model.name}" has no alias "${alias}" (${list})`);
  }
  return { model, version: await getVersionRow(scope, model, target) };
}
