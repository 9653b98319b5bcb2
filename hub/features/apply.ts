import { and, eq, inArray } from 'drizzle-orm';
import { badRequest, conflict } from '../../shared/errors.js';
import type { ApplyPlan, EntityDef, FeatureDefinitions, FeatureViewDef } from '../../shared/schemas/features.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import { fileLoads, fileLoadStatements, type FileLoad } from './file-source.js';
import { joinKeysOf, listDefinitions } from './registry.js';
import { featureEntities, featureOnline, featureRows, featureServices, featureViews } from './schema.js';

type Kind = keyof ApplyPlan['created'];
const emptyNames = (): ApplyPlan['created'] => ({ entities: [], feature_views: [], feature_services: [] });

/** Everything in a document that refers to something else must exist in the same document. */
function checkDocument(doc: FeatureDefinitions): void {
  const problems: string[] = [];
  for (const kind of ['entities', 'feature_views', 'feature_services'] as const) {
    const seen = new Set<string>();
    for (const { name } of doc[kind]) {
      if (seen.has(name)) problems.push(`${kind}: "${name}" is defined twice`);
      seen.add(name);
    }
  }
  const entities = new Map(doc.entities.map((e) => [e.name, e]));
  const views = new Map(doc.feature_views.map((v) => [v.name, v]));
  const pushSources = new Map<string, string>();
  for (const v of doc.feature_views) {
    for (const e of v.entities) if (!entities.has(e)) problems.push(`feature_views.${v.name}.entities: no entity "${e}" in the document`);
    const columns = [...joinKeysOf(v, entities).map((k) => k.name), v.timestamp_field, ...(v.created_timestamp_column ? [v.created_timestamp_column] : []), ...v.schema.map((f) => f.name)];
    const dup = columns.find((c, i) => columns.indexOf(c) !== i);
    if (dup) problems.push(`feature_views.${v.name}: the column "${dup}" is used twice (join keys, timestamp columns and fields need distinct names)`);
    if ('push' in v.source) {
      const other = pushSources.get(v.source.push);
      if (other) problems.push(`feature_views.${v.name}.source.push: "${v.source.push}" already feeds "${other}"`);
      pushSources.set(v.source.push, v.name);
    }
  }
  for (const s of doc.feature_services) {
    for (const ref of s.features) {
      const [view, field] = ref.split(':') as [string, string];
      if (!views.get(view)?.schema.some((f) => f.name === field)) problems.push(`feature_services.${s.name}.features: "${ref}" names no field of a view in the document`);
    }
  }
  if (problems.length) throw badRequest(`invalid feature definitions: ${problems.join('; ')}`, problems.map((message) => ({ message })));
}

/** What would break readers of a stored view: it disappears, loses or retypes a field, or its join keys change. */
function breakingChanges(name: string, before: FeatureViewDef, after: FeatureViewDef | undefined, keysBefore: string, keysAfter: string): string[] {
  if (!after) return [`feature view "${name}" is deleted`];
  const out: string[] = [];
  const now = new Map(after.schema.map((f) => [f.name, f.dtype]));
  for (const f of before.schema) {
    const dtype = now.get(f.name);
    if (dtype === undefined) out.push(`field "${name}:${f.name}" is removed`);
    else if (dtype !== f.dtype) out.push(`field "${name}:${f.name}" changes type from ${f.dtype} to ${dtype}`);
  }
  if (keysBefore !== keysAfter) out.push(`feature view "${name}" changes its join keys from ${keysBefore} to ${keysAfter}`);
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const keySignature = (v: FeatureViewDef, entities: Map<string, EntityDef>) => joinKeysOf(v, entities).map((k) => `${k.name} ${k.type}`).join(', ') || '(none)';

/**
 * Makes the project's definitions those of the document: creates, updates and deletes entities, views and services,
 * and answers the plan. Breaking changes are refused (409, naming each) unless `force`; a view changed that way loses
 * its stored rows, since they no longer fit it. The same document twice changes nothing.
 */
export async function applyDefinitions(scope: Scope, doc: FeatureDefinitions, force: boolean): Promise<ApplyPlan> {
  checkDocument(doc);
  const stored = await listDefinitions(scope);
  const plan: ApplyPlan = { created: emptyNames(), updated: emptyNames(), unchanged: emptyNames(), deleted: emptyNames(), breaking: [], loaded: [] };
  const sort = <T extends { name: string; definition: unknown }>(kind: Kind, before: T[], after: Array<{ name: string }>) => {
    const old = new Map(before.map((r) => [r.name, r.definition]));
    for (const d of after) plan[!old.has(d.name) ? 'created' : same(old.get(d.name), d) ? 'unchanged' : 'updated'][kind].push(d.name);
    const names = new Set(after.map((d) => d.name));
    plan.deleted[kind] = before.filter((r) => !names.has(r.name)).map((r) => r.name);
  };
  sort('entities', stored.entities, doc.entities);
  sort('feature_views', stored.views, doc.feature_views);
  sort('feature_services', stored.services, doc.feature_services);

  const oldEntities = new Map(stored.entities.map((e) => [e.name, e.definition]));
  const newEntities = new Map(doc.entities.map((e) => [e.name, e]));
  const newViews = new Map(doc.feature_views.map((v) => [v.name, v]));
  const broken: string[] = [];
  for (const { name, definition } of stored.views) {
    const after = newViews.get(name);
    const changes = breakingChanges(name, definition, after, keySignature(definition, oldEntities), after ? keySignature(after, newEntities) : '');
    if (changes.length) broken.push(name);
    plan.breaking.push(...changes);
  }
  if (plan.breaking.length && !force) {
    throw conflict(`breaking changes refused (apply with force: true to make them): ${plan.breaking.join('; ')}`, plan.breaking.map((message) => ({ message })));
  }
  const loads = await fileLoads(scope, doc.feature_views, doc.entities, stored.views, broken);
  await write(scope, doc, plan, broken, loads);
  return { ...plan, loaded: loads.map((l) => ({ view: l.view, file: l.file, rows: l.rows.length })) };
}

async function write({ db, projectId }: ProjectScope, doc: FeatureDefinitions, plan: ApplyPlan, broken: string[], loads: FileLoad[]) {
  const changed = (kind: Kind) => new Set([...plan.created[kind], ...plan.updated[kind]]);
  const statements = [];
  const { entities, feature_views: views, feature_services: services } = plan.deleted;
  if (entities.length) statements.push(db.delete(featureEntities).where(and(eq(featureEntities.projectId, projectId), inArray(featureEntities.name, entities))));
  if (views.length) statements.push(db.delete(featureViews).where(and(eq(featureViews.projectId, projectId), inArray(featureViews.name, views))));
  if (services.length) statements.push(db.delete(featureServices).where(and(eq(featureServices.projectId, projectId), inArray(featureServices.name, services))));
  if (broken.length) {
    statements.push(db.delete(featureRows).where(and(eq(featureRows.projectId, projectId), inArray(featureRows.view, broken))));
    statements.push(db.delete(featureOnline).where(and(eq(featureOnline.projectId, projectId), inArray(featureOnline.view, broken))));
  }
  for (const e of doc.entities.filter((e) => changed('entities').has(e.name))) {
    statements.push(db.insert(featureEntities).values({ projectId, name: e.name, definition: e }).onConflictDoUpdate({ target: [featureEntities.projectId, featureEntities.name], set: { definition: e } }));
  }
  // A push source moving between views must leave its old view before it reaches the new one (a unique index).
  for (const v of doc.feature_views.filter((v) => changed('feature_views').has(v.name))) {
    statements.push(db.update(featureViews).set({ pushSource: null }).where(and(eq(featureViews.projectId, projectId), eq(featureViews.name, v.name))));
  }
  for (const v of doc.feature_views.filter((v) => changed('feature_views').has(v.name))) {
    const pushSource = 'push' in v.source ? v.source.push : null;
    const reset = broken.includes(v.name) ? { materializedUntil: null } : {};
    statements.push(
      db.insert(featureViews).values({ projectId, name: v.name, definition: v, pushSource }).onConflictDoUpdate({ target: [featureViews.projectId, featureViews.name], set: { definition: v, pushSource, ...reset } }),
    );
  }
  for (const s of doc.feature_services.filter((s) => changed('feature_services').has(s.name))) {
    statements.push(db.insert(featureServices).values({ projectId, name: s.name, definition: s }).onConflictDoUpdate({ target: [featureServices.projectId, featureServices.name], set: { definition: s } }));
  }
  // The definitions and the files' rows in one batch: an apply is stored whole or not at all.
  const all = [...statements, ...loads.flatMap((l) => fileLoadStatements({ db, projectId }, l))];
  if (all.length) await db.batch(all as [(typeof all)[number], ...typeof all]);
}
