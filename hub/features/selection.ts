import { badRequest, forbidden, notFound } from '../../shared/errors.js';
import type { FeatureDtype } from '../../shared/schemas/features.js';
import type { Scope } from '../core/scope.js';
import { getService, resolvedViews, type ResolvedView } from './registry.js';

/** One requested feature: its view, its field and the name it gets in the reply. */
export interface SelectedFeature {
  view: ResolvedView;
  field: string;
  name: string;
}

interface Selection {
  features?: string[];
  feature_service?: string;
  full_feature_names: boolean;
}

/**
 * The features a request names (a list of `view:field` or a feature service), resolved against the project's
 * views. Names are `view__field` with `full_feature_names`, else `field`, and two features may not share one.
 * Publishable keys may read only views marked for devices.
 */
export async function selectFeatures(scope: Scope, selection: Selection): Promise<SelectedFeature[]> {
  const refs = selection.features ?? (await getService(scope, selection.feature_service!)).features;
  const views = await resolvedViews(scope);
  const byName = new Map<string, string>();
  return refs.map((ref) => {
    const [viewName, field] = ref.split(':') as [string, string];
    const view = views.get(viewName);
    if (!view) throw notFound(`features: no feature view "${viewName}" (in "${ref}")`);
    if (!view.fields.has(field)) throw notFound(`features: feature view "${viewName}" has no field "${field}" (fields: ${[...view.fields.keys()].join(', ')})`);
    if (scope.principal?.kind === 'publishable' && !view.def.devices) {
      throw forbidden(`features: feature view "${viewName}" is not marked for devices (devices: true), so publishable keys may not read it`);
    }
    const name = selection.full_feature_names ? `${viewName}__${field}` : field;
    const clash = byName.get(name);
    if (clash) throw badRequest(`features: "${clash}" and "${ref}" both come out as "${name}"; ask with full_feature_names: true`);
    byName.set(name, ref);
    return { view, field, name };
  });
}

/** The selected features grouped by view, in first-appearance order. */
export function byView(features: SelectedFeature[]): Map<ResolvedView, SelectedFeature[]> {
  const groups = new Map<ResolvedView, SelectedFeature[]>();
  for (const f of features) groups.set(f.view, [...(groups.get(f.view) ?? []), f]);
  return groups;
}

/** The join-key columns a set of views needs from the request's entities, in order of first use. */
export function requiredJoinKeys(features: SelectedFeature[]): string[] {
  return [...new Set(features.flatMap((f) => f.view.joinKeys.map((k) => k.name)))];
}

/** Each selected feature's reply name and field type (a Parquet reply's column types). */
export const dtypesOf = (features: SelectedFeature[]): Map<string, FeatureDtype> => new Map(features.map((f) => [f.name, f.view.fields.get(f.field)!]));
