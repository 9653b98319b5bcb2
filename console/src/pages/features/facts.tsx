import type { FeatureList } from '../../../../shared/client/features';
import type { EntityDef, FeatureViewDef } from '../../../../shared/schemas/features';
import { Link } from '../../router';

/** A view's TTL as people say it: whole days, hours or minutes when it is one. */
export function formatTtl(seconds: number): string {
  if (seconds === 0) return 'no limit';
  for (const [unit, size] of [['day', 86_400], ['hour', 3_600], ['minute', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size} ${unit}${seconds === size ? '' : 's'}`;
  }
  return `${seconds} s`;
}

export function sourceText(source: FeatureViewDef['source']): string {
  if ('push' in source) return `push source ${source.push}`;
  if ('file' in source) return `${source.format} file ${source.file.slice(0, 19)}…`;
  return `dataset ${source.dataset}, ${source.path}`;
}

export interface JoinKey {
  name: string;
  type: EntityDef['value_type'];
}

/** The join keys of a view with their types, in the order its entities give them (as the hub reads them). */
export function joinKeysOf(view: FeatureViewDef, entities: EntityDef[]): JoinKey[] {
  const byName = new Map(entities.map((e) => [e.name, e]));
  return view.entities.flatMap((e) => (byName.get(e)?.join_keys ?? []).map((name) => ({ name, type: byName.get(e)!.value_type })));
}

/** "driver (driver_id)" for each entity of a view. */
export function EntityList({ view, entities }: { view: FeatureViewDef; entities: FeatureList['entities'] }) {
  const byName = new Map(entities.map((e) => [e.name, e]));
  return (
    <>
      {view.entities.map((name) => (
        <span key={name} class="chip">
          {name} ({byName.get(name)?.join_keys.join(', ') ?? '?'})
        </span>
      ))}
    </>
  );
}

/** The owner and tags of a definition, as rows of a `dl.facts` (none when it has neither). */
export function OwnerAndTags({ of }: { of: { owner: string; tags: Record<string, string> } }) {
  const tags = Object.entries(of.tags);
  return (
    <>
      {of.owner && (
        <>
          <dt>Owner</dt>
          <dd>{of.owner}</dd>
        </>
      )}
      {tags.length > 0 && (
        <>
          <dt>Tags</dt>
          <dd>{tags.map(([k, v]) => <span key={k} class="chip">{k}: {v}</span>)}</dd>
        </>
      )}
    </>
  );
}

export const viewHref = (name: string) => `/features/views/${encodeURIComponent(name)}`;
export const serviceHref = (name: string) => `/features/services/${encodeURIComponent(name)}`;

/** The views a service reads, from its `view:field` references, in first-use order. */
export const viewsOf = (features: string[]) => [...new Set(features.map((f) => f.split(':')[0]!))];

/** Feature views and feature services: two lists under one section, each a link in the address. */
export function FeaturesTabs({ current }: { current: 'views' | 'services' }) {
  return (
    <nav aria-label="Feature store" class="tabs">
      <Link href="/features" aria-current={current === 'views' ? 'page' : undefined}>Feature views</Link>
      <Link href="/features/services" aria-current={current === 'services' ? 'page' : undefined}>Feature services</Link>
    </nav>
  );
}
