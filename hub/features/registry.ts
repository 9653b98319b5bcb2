import { and, eq } from 'drizzle-orm';
import { notFound } from '../../shared/errors.js';
import type { EntityDef, FeatureDtype, FeatureServiceDef, FeatureViewDef } from '../../shared/schemas/features.js';
import type { ProjectScope } from '../core/scope.js';
import { featureEntities, featureServices, featureViews, type FeatureViewRow } from './schema.js';

/** A join key of a view with the type its entity gives it. */
export interface JoinKey {
  name: string;
  type: EntityDef['value_type'];
}

/** A view as reads and writes use it: its definition, its join keys in order, its fields by name. */
export interface ResolvedView {
  row: FeatureViewRow;
  def: FeatureViewDef;
  joinKeys: JoinKey[];
  fields: Map<string, FeatureDtype>;
}

/** The join keys of a view, in the order of its entities and their keys. */
export function joinKeysOf(view: FeatureViewDef, entities: Map<string, EntityDef>): JoinKey[] {
  return view.entities.flatMap((e) => (entities.get(e)?.join_keys ?? []).map((name) => ({ name, type: entities.get(e)!.value_type })));
}

export async function listDefinitions({ db, projectId }: ProjectScope) {
  const [entities, views, services] = await Promise.all([
    db.select().from(featureEntities).where(eq(featureEntities.projectId, projectId)).orderBy(featureEntities.name),
    db.select().from(featureViews).where(eq(featureViews.projectId, projectId)).orderBy(featureViews.name),
    db.select().from(featureServices).where(eq(featureServices.projectId, projectId)).orderBy(featureServices.name),
  ]);
  return { entities, views, services };
}

async function entityMap({ db, projectId }: ProjectScope) {
  const rows = await db.select().from(featureEntities).where(eq(featureEntities.projectId, projectId));
  return new Map(rows.map((r) => [r.name, r.definition]));
}

const resolve = (row: FeatureViewRow, entities: Map<string, EntityDef>): ResolvedView => ({
  row,
  def: row.definition,
  joinKeys: joinKeysOf(row.definition, entities),
  fields: new Map(row.definition.schema.map((f) => [f.name, f.dtype])),
});

/** Every view of the project by name, resolved. */
export async function resolvedViews(scope: ProjectScope): Promise<Map<string, ResolvedView>> {
  const [rows, entities] = await Promise.all([scope.db.select().from(featureViews).where(eq(featureViews.projectId, scope.projectId)), entityMap(scope)]);
  return new Map(rows.map((r) => [r.name, resolve(r, entities)]));
}

/** The view a push source feeds; 404 naming the source when none does. */
export async function viewOfPushSource(scope: ProjectScope, pushSource: string): Promise<ResolvedView> {
  const [row] = await scope.db
    .select()
    .from(featureViews)
    .where(and(eq(featureViews.projectId, scope.projectId), eq(featureViews.pushSource, pushSource)));
  if (!row) throw notFound(`push_source_name: no feature view has the push source "${pushSource}"; apply a view with source: { push: "${pushSource}" }`);
  return resolve(row, await entityMap(scope));
}

export async function getService({ db, projectId }: ProjectScope, name: string): Promise<FeatureServiceDef> {
  const [row] = await db
    .select()
    .from(featureServices)
    .where(and(eq(featureServices.projectId, projectId), eq(featureServices.name, name)));
  if (!row) throw notFound(`feature_service: no feature service "${name}"`);
  return row.definition;
}
