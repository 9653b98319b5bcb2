import { and, eq, sql } from 'drizzle-orm';
import { badRequest, notFound } from '../../shared/errors.js';
import type { ProjectScope, Scope } from '../core/scope.js';

type MaterializeScope = Pick<Scope, 'db' | 'projectId' | 'now'>;
import { resolvedViews, type ResolvedView } from './registry.js';
import { featureOnline, featureViews } from './schema.js';
import { onlineUpsert } from './store.js';

export interface MaterializedView {
  name: string;
  start_ts: number;
  end_ts: number;
  /** Entities whose latest row in the window was offered to the online store. */
  rows: number;
}

/** The views to materialize: those named (each must exist and be online), else every online view. */
async function viewsToMaterialize(scope: ProjectScope, names?: string[]): Promise<ResolvedView[]> {
  const views = await resolvedViews(scope);
  if (!names) return [...views.values()].filter((v) => v.def.online);
  return names.map((name) => {
    const view = views.get(name);
    if (!view) throw notFound(`feature_views: no feature view "${name}"`);
    if (!view.def.online) throw badRequest(`feature_views: feature view "${name}" is not online (online: false)`);
    return view;
  });
}

/**
 * Copies the latest offline row of each entity with an event time in [start, end] into the online store, where it
 * replaces only an older value, and moves the view's incremental mark forward to `end`.
 */
async function materializeView({ db, projectId, now }: MaterializeScope, view: ResolvedView, start: number, end: number): Promise<MaterializedView> {
  const name = view.def.name;
  const inWindow = sql`project_id = ${projectId} AND view = ${name} AND event_ts >= ${start} AND event_ts <= ${end}`;
  const [counted] = await db.all<{ n: number }>(sql`SELECT count(DISTINCT entity_key) AS n FROM feature_rows WHERE ${inWindow}`);
  await db.batch([
    db
      .insert(featureOnline)
      .select(
        sql`SELECT project_id, view, entity_key, event_ts, created_ts, vals FROM (
          SELECT *, row_number() OVER (PARTITION BY entity_key ORDER BY event_ts DESC, created_ts DESC, seq DESC) AS rn FROM feature_rows WHERE ${inWindow}
        ) WHERE rn = 1`,
      )
      .onConflictDoUpdate(onlineUpsert),
    db
      .update(featureViews)
      .set({ materializedUntil: sql`max(coalesce(${featureViews.materializedUntil}, ${end}), ${end})`, lastMaterializedAt: now() })
      .where(and(eq(featureViews.projectId, projectId), eq(featureViews.name, name))),
  ]);
  return { name, start_ts: start, end_ts: end, rows: Number(counted?.n ?? 0) };
}

export async function materialize(scope: MaterializeScope, start: number, end: number, names?: string[]) {
  if (end < start) throw badRequest(`end_ts: ${new Date(end).toISOString()} is before start_ts ${new Date(start).toISOString()}`);
  const views = await viewsToMaterialize(scope, names);
  const done: MaterializedView[] = [];
  for (const view of views) done.push(await materializeView(scope, view, start, end));
  return { views: done };
}

/** Materializes each view from where its last materialization stopped (the first time: end − TTL, or all history). */
export async function materializeIncremental(scope: MaterializeScope, end: number, names?: string[]) {
  const views = await viewsToMaterialize(scope, names);
  const done: MaterializedView[] = [];
  for (const view of views) {
    const start = view.row.materializedUntil ?? (view.def.ttl > 0 ? end - view.def.ttl * 1000 : 0);
    done.push(await materializeView(scope, view, Math.min(start, end), end));
  }
  return { views: done };
}
