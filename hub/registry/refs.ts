import { notFound } from '../../shared/errors.js';
import type { ModelRef } from '../../shared/refs.js';
import type { ProjectScope } from '../core/scope.js';
import type { ModelVersionRow, RegisteredModelRow } from '../db/schema.js';
import { aliasesOf, findModel } from './models.js';
import { getVersionRow } from './versions.js';

/** The model and version a ref names; an unknown alias lists the aliases there are. */
export async function resolveModelRef(scope: ProjectScope, ref: ModelRef): Promise<{ model: RegisteredModelRow; version: ModelVersionRow }> {
  const model = await findModel(scope, ref.name);
  if ('version' in ref) return { model, version: await getVersionRow(scope, model, ref.version) };
  const { alias } = ref;
  const aliases = await aliasesOf(scope, model.id);
  const target = aliases[alias];
  if (target === undefined) {
    const names = Object.keys(aliases);
    const list = names.length ? `aliases: ${names.join(', ')}` : 'it has no aliases yet';
    throw notFound(`model "${model.name}" has no alias "${alias}" (${list})`);
  }
  return { model, version: await getVersionRow(scope, model, target) };
}
